from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorktimeConfig(AppConfig):
    name = "mahalat.worktime"
    label = "worktime"
    verbose_name = _("Working time and holidays")

    def ready(self) -> None:
        # django-rules' autodiscovery imports this too; importing it here makes the dependency plain.
        from mahalat.worktime import rules  # noqa: F401
