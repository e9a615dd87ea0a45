"""Delivering the outbox: claim the rows whose time has come, send each on its channel, record the
outcome. Safe to run in several processes at once and safe to stop at any moment.

How a run avoids sending one row twice: in a short transaction it locks a batch of due rows
(`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so parallel runs take different rows; on SQLite
the transaction itself holds the database's single write lock) and leases them by moving their
`next_attempt_at` `CLAIM_SECONDS` ahead and counting the attempt. Sending happens after that
transaction, so no lock is held while a provider is slow; another run does not see leased rows. If a
process dies mid-send, its leased rows fall due again when the lease ends (at-least-once delivery).

A failed send keeps the row pending with an exponential backoff (1, 2, 4, 8 … minutes, at most six
hours, ±10 % jitter); after `NOTIFICATION_MAX_ATTEMPTS` attempts (8 by default) it is marked failed.
In-app rows are not sent anywhere: the app shows them, so they are marked sent at once.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from mahalat.notifications.models import Channel, Notification, State
from mahalat.notifications.rendering import render_notification
from mahalat.notifications.sms import send_sms

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 10 * 60
FIRST_BACKOFF_SECONDS = 60
MAX_BACKOFF_SECONDS = 6 * 60 * 60
DEFAULT_MAX_ATTEMPTS = 8


@dataclass(slots=True)
class DeliveryStats:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def add(self, other: DeliveryStats) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed


def max_attempts() -> int:
    return max(1, int(getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)))


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4, 8 … minutes, at most six hours."""
    exponent = min(max(attempts, 1) - 1, 20)
    base = min(FIRST_BACKOFF_SECONDS * 2**exponent, MAX_BACKOFF_SECONDS)
    jitter = (rng or random).uniform(0.9, 1.1)  # spread retries so a recovering provider is not stampeded
    return min(base * jitter, MAX_BACKOFF_SECONDS)


def _claim(*, now: datetime, batch: int) -> tuple[list[int], int]:
    """Lease up to `batch` due rows; returns (ids to send, number of in-app rows marked sent)."""
    with transaction.atomic():
        due = Notification.objects.filter(state=State.PENDING, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        elif connection.features.has_select_for_update:
            due = due.select_for_update()
        rows = list(due.values_list("id", "channel")[:batch])
        in_app = [pk for pk, channel in rows if channel == Channel.IN_APP]
        to_send = [pk for pk, channel in rows if channel != Channel.IN_APP]
        if in_app:
            Notification.objects.filter(pk__in=in_app).update(
                state=State.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
        if to_send:
            Notification.objects.filter(pk__in=to_send).update(
                next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1
            )
    return to_send, len(in_app)


class _Undeliverable(Exception):
    """Retrying cannot help: the row is marked failed at once."""


def _send(notification: Notification) -> None:
    recipient = notification.recipient if notification.recipient_id else None
    if recipient is not None and not recipient.is_active:
        raise _Undeliverable("The recipient's account is deactivated.")
    text = render_notification(notification)
    if notification.channel == Channel.SMS:
        send_sms(to=notification.address, body=text.body)
    elif notification.channel == Channel.EMAIL:
        EmailMessage(
            subject=text.subject,
            body=text.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.address],
        ).send(fail_silently=False)
    else:
        raise _Undeliverable(f"Unknown channel {notification.channel!r}.")


def _record_failure(
    notification: Notification, exc: Exception, *, now: datetime, stats: DeliveryStats
) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    final = isinstance(exc, _Undeliverable) or notification.attempts >= max_attempts()
    if final:
        Notification.objects.filter(pk=notification.pk).update(state=State.FAILED, last_error=error)
        stats.failed += 1
        logger.error(
            "Notification %s (%s, %s) failed for good after %s attempts: %s",
            notification.pk,
            notification.kind,
            notification.channel,
            notification.attempts,
            error,
        )
        return
    retry_at = now + timedelta(seconds=backoff_seconds(notification.attempts))
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=retry_at, last_error=error)
    stats.retrying += 1
    logger.warning(
        "Notification %s (%s, %s) attempt %s failed, retrying at %s: %s",
        notification.pk,
        notification.kind,
        notification.channel,
        notification.attempts,
        retry_at.isoformat(),
        error,
    )


def deliver_due(*, now: datetime | None = None, batch: int = 100) -> DeliveryStats:
    """Deliver up to `batch` due notifications once; returns what happened."""
    now = now or timezone.now()
    stats = DeliveryStats()
    ids, in_app = _claim(now=now, batch=batch)
    stats.claimed = len(ids) + in_app
    stats.sent = in_app
    if not ids:
        return stats
    # Rows are read after the claim committed, so `attempts` already counts this attempt.
    for notification in Notification.objects.filter(pk__in=ids).select_related("recipient").order_by("id"):
        try:
            _send(notification)
        except Exception as exc:
            _record_failure(notification, exc, now=now, stats=stats)
        else:
            Notification.objects.filter(pk=notification.pk).update(
                state=State.SENT, sent_at=timezone.now(), last_error=""
            )
            stats.sent += 1
    return stats


def deliver_all_due(*, batch: int = 100, max_seconds: float = 50.0) -> DeliveryStats:
    """Run `deliver_due` until nothing is due or the time budget is spent (one beat period)."""
    total = DeliveryStats()
    started = time.monotonic()
    while True:
        stats = deliver_due(batch=batch)
        total.add(stats)
        if stats.claimed < batch or time.monotonic() - started >= max_seconds:
            return total
