"""Executive agencies (دستگاه‌های اجرایی). Referrals to them arrive in a later part of the product."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from mahalat.persian.text import localized_name
from mahalat.territory.models import City
from mahalat.territory.scope import Scope


class AgencyKind(models.TextChoices):
    WATER = "water", _("Water and sewage")
    POWER = "power", _("Power")
    GAS = "gas", _("Gas")
    TELECOM = "telecom", _("Telecommunication")
    POLICE = "police", _("Police")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    WELFARE = "welfare", _("Welfare")
    OTHER = "other", _("Other")


class Agency(models.Model):
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="agencies")
    name = models.CharField(_("name (Persian)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("executive agency")
        verbose_name_plural = _("executive agencies")
        ordering = ["city_id", "name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized_name(name=self.name, name_en=self.name_en)

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id, agency_id=self.pk)
