"""Open311 GeoReport v2: the client applications allowed to file reports, and what each filed.

A client's api_key is stored only as a hash; the plain key is shown once, when it is made or rotated.
"""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mahalat.territory.scope import Scope


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ClientApplication(models.Model):
    """A machine client (a city app, a third-party reporting app) that posts reports with its api_key."""

    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    contact_email = models.EmailField(_("contact email"))
    key_hash = models.CharField(_("api_key hash"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(pgettext_lazy("api key", "key starts with"), max_length=8, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    key_rotated_at = models.DateTimeField(_("api_key last changed"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 client application")
        verbose_name_plural = _("Open311 client applications")
        ordering = ["city_id", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id)


class ClientSubmission(models.Model):
    """A report filed through Open311: which client sent it, and the client's own identifiers.

    The token answered to the client is the report's tracking code; this row is how `GET tokens/…`
    knows the token came from Open311. The media_url is kept as text for staff only: it is never
    fetched and never published.
    """

    report = models.OneToOneField(
        "reports.Report",
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="open311_submission",
    )
    client = models.ForeignKey(
        ClientApplication, verbose_name=_("client application"), on_delete=models.PROTECT, related_name="+"
    )
    city_id = models.BigIntegerField(_("city id"))
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id at the client"), max_length=100, blank=True)
    media_url = models.URLField(_("media URL sent by the client (not fetched)"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "created_at"], name="open311_submission_client_idx")]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.report_id}"
