from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilsConfig(AppConfig):
    name = "mahalat.councils"
    label = "councils"
    verbose_name = _("Neighborhood social councils")
