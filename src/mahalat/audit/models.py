"""The append-only event log: who did what to which object, when, with what before and after."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mahalat.territory.scope import Scope


class AppendOnlyError(RuntimeError):
    """Raised by any attempt to change or remove an audit event."""


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only; they cannot be updated.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("Audit events are append-only; they cannot be deleted.")

    def for_object(self, obj: models.Model) -> EventQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class Event(models.Model):
    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # Plain ids, not foreign keys: the log outlives what it describes and is distributed by city.
    city_id = models.BigIntegerField(_("city id"), null=True, blank=True)
    district_id = models.BigIntegerField(_("district id"), null=True, blank=True)
    neighborhood_id = models.BigIntegerField(_("neighborhood id"), null=True, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "occurred_at"], name="audit_event_object_idx"),
            models.Index(fields=["city_id", "occurred_at"], name="audit_event_city_idx"),
            models.Index(fields=["district_id", "occurred_at"], name="audit_event_district_idx"),
            models.Index(fields=["neighborhood_id", "occurred_at"], name="audit_event_nbhd_idx"),
            models.Index(fields=["actor", "occurred_at"], name="audit_event_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("Audit events are append-only; they cannot be deleted.")

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id, district_id=self.district_id, neighborhood_id=self.neighborhood_id)
