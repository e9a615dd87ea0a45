"""The notification outbox. One row is at once the message to deliver and, for the in-app channel,
the message the recipient reads in the app. Rows are written by `services.notify` in the transaction
of the change they report, and delivered afterwards by `delivery.deliver_due`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class Language(models.TextChoices):
    FA = "fa", _("Persian")
    EN = "en", _("English")


class State(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    READ = "read", _("Read")  # in-app only


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # Plain ids, as in the audit log: the table is high-volume and is distributed by city.
    city_id = models.BigIntegerField(_("city id"), null=True, blank=True, db_index=True)
    neighborhood_id = models.BigIntegerField(_("neighborhood id"), null=True, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=100)
    template = models.CharField(_("template"), max_length=100)
    context = models.JSONField(_("context"), default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # The phone number (+98…) or email address at enqueue time; empty for the in-app channel.
    address = models.CharField(_("address"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.FA)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Set when the same notification must never be enqueued twice ("once per breach"). NULLs do not
    # collide, so the unique index only binds rows that carry a key.
    dedupe_key = models.CharField(_("deduplication key"), max_length=255, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The delivery worker's query: pending rows whose time has come, oldest first.
            models.Index(fields=["state", "next_attempt_at"], name="notif_due_idx"),
            # The in-app list of one person, newest first.
            models.Index(fields=["recipient", "channel", "created_at"], name="notif_inbox_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="notif_read_only_in_app",
                condition=~Q(state="read") | Q(channel="in_app"),
            ),
            models.CheckConstraint(
                name="notif_has_someone_to_reach",
                condition=Q(recipient__isnull=False) | ~Q(address=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id or self.address} ({self.channel}, {self.state})"

    @property
    def owner_id(self) -> int | None:
        """The recipient owns the notification (the permission rules' `is_owner` reads this)."""
        return self.recipient_id

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Whether a person wants notifications of the kinds under `kind_prefix` on one channel.

    A prefix matches whole dotted segments: "reports" covers "reports.report.triaged" but not
    "reportsx.y"; the empty prefix covers every kind. The longest matching prefix wins. Without any
    matching row the defaults in `mahalat.notifications.preferences` apply.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind_prefix = models.CharField(_("kind prefix"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["user_id", "kind_prefix", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind_prefix", "channel"], name="notif_pref_unique"),
        ]

    def __str__(self) -> str:
        state = _("on") if self.enabled else _("off")
        return f"{self.user_id} {self.kind_prefix or '*'} {self.channel}: {state}"


class NeighborhoodFollow(models.Model):
    """A person follows a neighborhood: they hear in the app of its new minutes, resolutions, programs and
    solved reports."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="neighborhood_follows",
    )
    neighborhood = models.ForeignKey(
        "territory.Neighborhood",
        verbose_name=_("neighborhood"),
        on_delete=models.CASCADE,
        related_name="follows",
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("followed neighborhood")
        verbose_name_plural = _("followed neighborhoods")
        constraints = [
            models.UniqueConstraint(fields=["user", "neighborhood"], name="notif_follow_unique"),
        ]
        # The unique constraint's index serves "does this person follow it"; this one the fan-out.
        indexes = [models.Index(fields=["neighborhood", "user"], name="notif_follow_hood_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.neighborhood_id}"
