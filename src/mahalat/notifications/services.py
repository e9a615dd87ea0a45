"""Enqueueing notifications and the recipient's own writes (marking read, choosing channels).

`notify` never sends anything. It writes outbox rows in the transaction of the change it reports, so
the change and its notifications are committed together or not at all; once that transaction commits,
delivery is started in the background (`tasks.deliver_notifications`), and the periodic job picks up
whatever that start missed. A channel that is down loses nothing: its rows wait for the retry.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone, translation

from mahalat.accounts.models import User
from mahalat.accounts.rules import require_permission
from mahalat.audit.services import event_record
from mahalat.notifications.models import (
    Channel,
    Language,
    NeighborhoodFollow,
    Notification,
    NotificationPreference,
    State,
)
from mahalat.notifications.preferences import enabled_channels
from mahalat.notifications.rendering import check_template

logger = logging.getLogger(__name__)

ALL_CHANNELS: tuple[str, ...] = (Channel.IN_APP, Channel.SMS, Channel.EMAIL)


def current_language() -> str:
    """The active language as one of ours ("fa" or "en"); Persian when none is active."""
    code = (translation.get_language() or "").lower()
    return Language.EN.value if code.startswith("en") else Language.FA.value


def _check_json(context: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(context, dict):
        raise TypeError("A notification's context must be a dict.")
    try:
        # Round-trip so the row holds exactly what delivery will read back.
        return json.loads(json.dumps(context, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(
            "A notification's context must hold only JSON values (str, int, float, bool, None, "
            f"lists and dicts of them); format dates and ids as strings first: {exc}"
        ) from exc


def _address(channel: str, *, recipient: User | None, phone: str | None, email: str | None) -> str:
    if channel == Channel.IN_APP:
        return ""
    if channel == Channel.SMS:
        return phone or (recipient.phone if recipient is not None else "") or ""
    if channel == Channel.EMAIL:
        return email or (recipient.email if recipient is not None else "") or ""
    raise ValueError(f"Unknown notification channel: {channel!r}")


def _scoped_dedupe_key(key: str, channel: str, recipient: User | None, address: str) -> str:
    """The caller's key names the occasion ("report:42:sla-breach"); the stored key adds who and how,
    so one occasion can notify several people on several channels, each exactly once."""
    who = f"u{recipient.pk}" if recipient is not None else address
    scoped = f"{key}|{channel}|{who}"
    # Never truncate (that could merge two channels' keys); a key too long is stored as its digest.
    return scoped if len(scoped) <= 255 else "sha256:" + hashlib.sha256(scoped.encode()).hexdigest()


def _trigger_delivery() -> None:
    """Start a delivery run now. If the broker is unreachable, the periodic job delivers later."""
    from mahalat.notifications.tasks import deliver_notifications

    try:
        # No publish retries: a web request must not hang on a broken broker; nothing is lost.
        deliver_notifications.apply_async(retry=False)
    except Exception:
        logger.warning(
            "Could not start notification delivery; the periodic job will deliver them.", exc_info=True
        )


def _schedule_delivery_on_commit() -> None:
    connection = transaction.get_connection()
    pending = getattr(connection, "run_on_commit", [])
    if any(entry[1] is _trigger_delivery for entry in pending):
        return  # one start per transaction is enough, however many notifications it enqueues
    transaction.on_commit(_trigger_delivery, robust=True)


def notify(
    *,
    recipient: User | None,
    kind: str,
    template: str,
    context: dict[str, Any],
    channels: Iterable[str] | None = None,
    city_id: int | None = None,
    neighborhood_id: int | None = None,
    phone: str | None = None,
    email: str | None = None,
    dedupe_key: str | None = None,
    language: str | None = None,
) -> list[Notification]:
    """Enqueue one notification on each wanted channel and return the rows written.

    Call it inside the transaction of the change it reports (`transaction.atomic()` around both):
    that is what makes "the change and its notifications land together or not at all" true, and it
    is checked. The rows are delivered after the commit.

    - `recipient`: the person; `None` to reach a bare `phone` (+98…) or `email` (SMS/email only).
      `phone`/`email` given with a recipient override the recipient's own address.
    - `channels`: the channels to consider (default: all three). The recipient's preferences, and the
      defaults where they said nothing, decide among them; a channel without an address is skipped.
    - `context`: JSON values only, rendered later by `templates/notifications/<template>.*.txt`.
    - `dedupe_key`: names the occasion; enqueueing the same occasion again for the same person and
      channel writes nothing (so a periodic job can notify "once per breach").
    - `language`: defaults to the active language (Persian when none).
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "notify() must run inside the transaction of the change it reports: "
            "wrap the change and notify() in transaction.atomic()."
        )
    if recipient is None and not (phone or email):
        raise ValueError("notify() needs a recipient, a phone number or an email address.")
    context = _check_json(context)
    language = language or current_language()
    if language not in Language.values:
        raise ValueError(f"Unknown notification language: {language!r}")

    wanted = [str(ch) for ch in (channels if channels is not None else ALL_CHANNELS)]
    for ch in wanted:
        if ch not in Channel.values:
            raise ValueError(f"Unknown notification channel: {ch!r}")
    wanted = list(dict.fromkeys(wanted))
    if recipient is None:
        wanted = [ch for ch in wanted if ch != Channel.IN_APP]
    else:
        wanted = enabled_channels(user=recipient, kind=kind, channels=wanted)

    planned: list[Notification] = []
    now = timezone.now()
    for ch in wanted:
        address = _address(ch, recipient=recipient, phone=phone, email=email)
        if ch != Channel.IN_APP and not address:
            continue
        check_template(template, ch)
        planned.append(
            Notification(
                recipient=recipient,
                city_id=city_id,
                neighborhood_id=neighborhood_id,
                kind=kind,
                template=template,
                context=context,
                channel=ch,
                address=address,
                language=language,
                state=State.PENDING,
                next_attempt_at=now,
                created_at=now,
                dedupe_key=(_scoped_dedupe_key(dedupe_key, ch, recipient, address) if dedupe_key else None),
            )
        )
    if dedupe_key:
        keys = [row.dedupe_key for row in planned]
        seen = set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        planned = [row for row in planned if row.dedupe_key not in seen]

    created: list[Notification] = []
    for row in planned:
        if row.dedupe_key:
            try:
                with transaction.atomic():  # a savepoint: a concurrent twin must not spoil the caller
                    row.save(force_insert=True)
            except IntegrityError:
                continue  # another process enqueued the same occasion a moment ago
        else:
            row.save(force_insert=True)
        created.append(row)
    if created:
        _schedule_delivery_on_commit()
    return created


@transaction.atomic
def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """The recipient marks an in-app notification read. Doing it twice changes nothing."""
    require_permission(actor, "notifications.read_notification", notification)
    if notification.channel != Channel.IN_APP:
        raise ValueError("Only in-app notifications are read in the app.")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at=None).update(
            read_at=now, state=State.READ, sent_at=notification.sent_at or now
        )
        notification.refresh_from_db(fields=["read_at", "state", "sent_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, actor: Any) -> int:
    """The signed-in person marks all their unread in-app notifications read; returns how many."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return 0
    now = timezone.now()
    unread = Notification.objects.filter(recipient_id=actor.pk, channel=Channel.IN_APP, read_at=None)
    # Rows delivery has not reached yet are, once read, delivered: they were shown.
    unread.filter(sent_at=None).update(sent_at=now)
    return unread.update(read_at=now, state=State.READ)


@transaction.atomic
def notification_preference_set(
    *, actor: Any, user: User, kind_prefix: str, channel: str, enabled: bool
) -> NotificationPreference:
    """A person chooses whether they want `kind_prefix` notifications on `channel`."""
    require_permission(actor, "governance.act_on_own", SimpleNamespace(owner_id=user.pk))
    if channel not in Channel.values:
        raise ValueError(f"Unknown notification channel: {channel!r}")
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, kind_prefix=kind_prefix.strip().strip("."), channel=channel, defaults={"enabled": enabled}
    )
    event_record(
        actor=actor,
        action="notifications.preference.set",
        obj=preference,
        after={"kind_prefix": preference.kind_prefix, "channel": channel, "enabled": enabled},
    )
    return preference


# --- following a neighborhood -----------------------------------------------------------------------------


@transaction.atomic
def neighborhood_follow(*, actor: Any, neighborhood: Any) -> NeighborhoodFollow:
    """Follow a neighborhood (following it again changes nothing)."""
    require_permission(actor, "notifications.follow_neighborhood", neighborhood)
    follow, created = NeighborhoodFollow.objects.get_or_create(user=actor, neighborhood=neighborhood)
    if created:
        event_record(actor=actor, action="notifications.neighborhood.followed", obj=neighborhood)
    return follow


@transaction.atomic
def neighborhood_unfollow(*, actor: Any, neighborhood: Any) -> bool:
    """Stop following; False when the person did not follow it."""
    require_permission(actor, "notifications.follow_neighborhood", neighborhood)
    deleted, _rows = NeighborhoodFollow.objects.filter(user=actor, neighborhood=neighborhood).delete()
    if deleted:
        event_record(actor=actor, action="notifications.neighborhood.unfollowed", obj=neighborhood)
    return bool(deleted)


def neighborhood_followers_notify(
    *,
    neighborhood_id: int,
    city_id: int,
    kind: str,
    template: str,
    context: dict[str, Any],
    exclude_user_ids: Iterable[int | None] = (),
    dedupe_key: str | None = None,
) -> int:
    """Tell the neighborhood's followers, in the app, of something new there; call it inside the change's
    transaction, like `notify`. Returns how many were told."""
    skip = [pk for pk in exclude_user_ids if pk]
    followers = (
        NeighborhoodFollow.objects.filter(neighborhood_id=neighborhood_id, user__is_active=True)
        .exclude(user_id__in=skip)
        .select_related("user")
        .order_by("id")
    )
    told = 0
    for follow in followers.iterator(chunk_size=500):
        told += bool(
            notify(
                recipient=follow.user,
                kind=kind,
                template=template,
                context=context,
                channels=[Channel.IN_APP],
                city_id=city_id,
                neighborhood_id=neighborhood_id,
                dedupe_key=dedupe_key,
            )
        )
    return told
