"""Machine-to-machine delivery of referrals to agencies with their own systems: signed webhooks.

Every change of a referral addressed to an agency whose delivery is on becomes one `WebhookDelivery`
row, written in the change's transaction; after the commit the `referrals.deliver_webhooks` task tries
it at once, and the same task, run every minute, retries what failed with an exponential backoff until
the agency's system answers 2xx or `WEBHOOK_MAX_ATTEMPTS` attempts were made.

What the receiver gets (see docs/referrals-webhooks.md):
- one POST with the stored JSON body, byte for byte the same on every retry;
- `X-Mahalat-Event`, `X-Mahalat-Delivery` (a uuid that stays the same across retries: the receiver drops
  a repeat), `X-Mahalat-Timestamp` (unix seconds of this attempt) and
  `X-Mahalat-Signature: t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.

Sending never holds a database lock: due rows are leased in a short transaction (`SKIP LOCKED` on
PostgreSQL, so parallel runs take different rows) and POSTed after it. A receiver that is down, slow or
broken only ever changes its own delivery rows; the referral's transaction committed before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import Role
from mahalat.accounts.rules import require_permission
from mahalat.accounts.selectors import role_holders
from mahalat.audit.services import event_record
from mahalat.notifications.services import notify
from mahalat.referrals.models import Agency, DeliveryState, Referral, WebhookDelivery

logger = logging.getLogger(__name__)

SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
FIRST_BACKOFF_SECONDS = 60
MAX_BACKOFF_SECONDS = 6 * 60 * 60
# A leased row is not taken by another run for this long (at least; a long batch leases longer).
LEASE_SECONDS = 10 * 60
ERROR_MAX = 300  # WebhookDelivery.last_error
RESPONSE_SNIPPET = 200
USER_AGENT = "Mahalat-Webhooks/1"
TEST_EVENT = "ping"


# --- the payload and the enqueue ------------------------------------------------------------------------


def referral_payload(referral: Referral, *, event: str) -> dict[str, Any]:
    """What an agency's system receives about a referral: never the reporter's contact details unless
    the sender chose to share them."""
    report = referral.report if referral.report_id else None
    contact = None
    if report is not None and referral.share_reporter_contact:
        reporter = report.reporter
        contact = {
            "name": reporter.full_name if reporter else "",
            "phone": reporter.phone if reporter else report.reporter_phone,
        }
    return {
        "event": event,
        "referral": {
            "id": referral.pk,
            "state": referral.state,
            "subject": referral.subject,
            "note": referral.note,
            "source": referral.source_kind,
            "report": report.tracking_code if report else None,
            "resolution": referral.resolution_id,
            "district": referral.district.slug,
            "neighborhood": referral.neighborhood.slug if referral.neighborhood_id else None,
            "category": referral.category.slug if referral.category_id else None,
            "location": {"lat": report.lat, "lng": report.lng, "address": report.address} if report else None,
            "sent_at": referral.sent_at,
            "acknowledge_due_at": referral.acknowledge_due_at,
            "answer_due_at": referral.answer_due_at,
            "finish_due_at": referral.finish_due_at,
            "reporter_contact": contact,
        },
    }


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False)


def webhook_enqueue(*, referral: Referral, event: str, now: datetime) -> WebhookDelivery | None:
    """In the change's transaction: one delivery to the target agency's system, if it takes them. It is
    tried once the transaction commits (and by the periodic job if that try fails)."""
    agency = referral.target_agency if referral.target_agency_id else None
    if agency is None or not agency.webhook_active or not agency.webhook_url:
        return None
    delivery = WebhookDelivery.objects.create(
        agency=agency,
        referral=referral,
        event=event,
        url=agency.webhook_url,
        body=_dumps(referral_payload(referral, event=event)),
        next_attempt_at=now,
        created_at=now,
    )
    _deliver_on_commit(delivery.pk)
    return delivery


@transaction.atomic
def webhook_send_test(*, actor: Any, agency: Agency, now: datetime | None = None) -> WebhookDelivery:
    """A `ping` event to the agency's system, so its developers can check their signature code. It goes
    through the same log, retries and signing as a referral's events."""
    now = now or timezone.now()
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    require_permission(actor, "referrals.manage_integration", locked)
    if not locked.webhook_active or not locked.webhook_url:
        raise ValidationError(_("Turn webhook delivery on, with an address, before sending a test event."))
    delivery = WebhookDelivery(
        agency=locked,
        referral=None,
        event=TEST_EVENT,
        url=locked.webhook_url,
        next_attempt_at=now,
        created_at=now,
    )
    delivery.body = _dumps(
        {"event": TEST_EVENT, "agency": locked.slug, "delivery": str(delivery.delivery_id), "sent_at": now}
    )
    delivery.save(force_insert=True)
    event_record(
        actor=actor,
        action="referrals.agency.webhook_tested",
        obj=locked,
        after={"delivery": str(delivery.delivery_id)},
    )
    _deliver_on_commit(delivery.pk)
    return delivery


def _trigger(delivery_ids: list[int]) -> None:
    """Start delivering now. Whatever goes wrong here, the periodic job delivers later."""
    from mahalat.referrals.tasks import deliver_webhooks

    try:
        # No publish retries: a web request must not hang on a broken broker; nothing is lost.
        deliver_webhooks.apply_async(kwargs={"delivery_ids": delivery_ids}, retry=False)
    except Exception:
        logger.warning("Could not start webhook delivery; the periodic job will deliver it.", exc_info=True)


def _deliver_on_commit(delivery_id: int) -> None:
    transaction.on_commit(lambda: _trigger([delivery_id]), robust=True)


# --- signing --------------------------------------------------------------------------------------------


def _as_bytes(body: bytes | str) -> bytes:
    return body if isinstance(body, bytes) else body.encode("utf-8")


def signature_compute(*, secret: str, body: bytes | str, timestamp: int) -> str:
    """Hex HMAC-SHA256 of "<timestamp>.<body>" under the agency's secret."""
    message = f"{timestamp}.".encode() + _as_bytes(body)
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes | str, timestamp: int) -> str:
    digest = signature_compute(secret=secret, body=body, timestamp=timestamp)
    return f"t={timestamp},{SIGNATURE_VERSION}={digest}"


def _unix(value: datetime | float | int) -> int:
    return int(value.timestamp()) if isinstance(value, datetime) else int(value)


def signature_verify(
    *,
    secret: str,
    body: bytes | str,
    header: str,
    now: datetime | float | int | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether `header` (X-Mahalat-Signature) signs exactly `body` with `secret`, at a time no further
    than `tolerance` seconds from `now` (an old request replayed later is refused). This is what an
    agency's receiver does; the documentation shows the same code."""
    if not secret or not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == SIGNATURE_VERSION and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = _unix(now if now is not None else time.time())
    if abs(current - timestamp) > tolerance:
        return False
    expected = signature_compute(secret=secret, body=body, timestamp=timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


# --- one attempt ----------------------------------------------------------------------------------------


def backoff_seconds(attempts: int, *, delivery_id: Any = None) -> int:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4, 8 … minutes, at most six hours, plus up
    to 10 % of jitter fixed by the delivery id (deliveries that failed together do not all return
    together, yet a delivery's schedule is predictable)."""
    exponent = min(max(attempts, 1) - 1, 20)
    base = min(FIRST_BACKOFF_SECONDS * 2**exponent, MAX_BACKOFF_SECONDS)
    spread = (getattr(delivery_id, "int", 0) % 1001) / 10000 if delivery_id is not None else 0.0
    return int(min(base * (1 + spread), MAX_BACKOFF_SECONDS))


def max_attempts() -> int:
    return max(1, int(settings.WEBHOOK_MAX_ATTEMPTS))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer, not an instruction: a webhook is never followed to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True, slots=True)
class Attempt:
    ok: bool
    status: int | None
    error: str


def _post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Attempt:
    if urlsplit(url).scheme not in {"http", "https"}:
        return Attempt(ok=False, status=None, error="Only http and https addresses are delivered to.")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(RESPONSE_SNIPPET)
    except urllib.error.HTTPError as exc:  # any status the opener does not pass (4xx, 5xx, 3xx)
        try:
            snippet = exc.read(RESPONSE_SNIPPET).decode("utf-8", "replace").strip()
        except Exception:
            snippet = ""
        error = f"HTTP {exc.code}" + (f": {snippet}" if snippet else "")
        if 300 <= exc.code < 400:
            error = f"HTTP {exc.code}: redirects are not followed ({exc.headers.get('Location', '')})"
        return Attempt(ok=False, status=exc.code, error=error)
    except TimeoutError:
        return Attempt(ok=False, status=None, error=f"Timed out after {timeout:g} s.")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return Attempt(ok=False, status=None, error=f"Timed out after {timeout:g} s.")
        return Attempt(ok=False, status=None, error=f"Connection failed: {reason}")
    except Exception as exc:  # a receiver must never break the job (bad TLS, a reset, a broken reply …)
        return Attempt(ok=False, status=None, error=f"{type(exc).__name__}: {exc}")
    if 200 <= status < 300:
        return Attempt(ok=True, status=status, error="")
    return Attempt(ok=False, status=status, error=f"HTTP {status}")


def webhook_headers(*, delivery: WebhookDelivery, secret: str, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Mahalat-Event": delivery.event,
        "X-Mahalat-Delivery": str(delivery.delivery_id),
        "X-Mahalat-Timestamp": str(timestamp),
        "X-Mahalat-Signature": signature_header(secret=secret, body=delivery.body, timestamp=timestamp),
    }


def webhook_deliver(*, delivery: WebhookDelivery, now: datetime | None = None) -> str:
    """POST one pending delivery once and record the outcome; returns the delivery's new state.

    2xx: delivered. Anything else (another status, a refused connection, a timeout): the attempt is
    counted and the next one is set `backoff_seconds` later; the last allowed attempt marks it failed
    and tells the agency's liaisons and the sending district's officers, once. Delivery turned off in
    the meantime: failed at once, no one told (the agency chose it). The agency's current address and
    secret are used, so a corrected address or a rotated secret applies to retries too."""
    now = now or timezone.now()
    agency = delivery.agency
    if delivery.state != DeliveryState.PENDING:
        return delivery.state
    if not agency.webhook_active or not agency.webhook_url or not agency.webhook_secret:
        _record(delivery, now=now, state=DeliveryState.FAILED, status=None, error="Webhook delivery is off.")
        return DeliveryState.FAILED
    delivery.url = agency.webhook_url
    timestamp = _unix(now)
    attempt = _post(
        url=delivery.url,
        body=delivery.body.encode("utf-8"),
        headers=webhook_headers(delivery=delivery, secret=agency.webhook_secret, timestamp=timestamp),
        timeout=float(settings.WEBHOOK_TIMEOUT_SECONDS),
    )
    attempts = delivery.attempts + 1
    if attempt.ok:
        _record(
            delivery,
            now=now,
            state=DeliveryState.DELIVERED,
            status=attempt.status,
            error="",
            attempts=attempts,
        )
        return DeliveryState.DELIVERED
    if attempts >= max_attempts():
        with transaction.atomic():
            if _record(
                delivery,
                now=now,
                state=DeliveryState.FAILED,
                status=attempt.status,
                error=attempt.error,
                attempts=attempts,
            ):
                _notify_failed(delivery)
        logger.error(
            "Webhook delivery %s given up after %s attempts: %s",
            delivery.delivery_id,
            attempts,
            attempt.error,
        )
        return DeliveryState.FAILED
    retry_at = now + timedelta(seconds=backoff_seconds(attempts, delivery_id=delivery.delivery_id))
    _record(
        delivery,
        now=now,
        state=DeliveryState.PENDING,
        status=attempt.status,
        error=attempt.error,
        attempts=attempts,
        next_attempt_at=retry_at,
    )
    logger.warning(
        "Webhook delivery %s attempt %s failed, retrying at %s: %s",
        delivery.delivery_id,
        attempts,
        retry_at.isoformat(),
        attempt.error,
    )
    return DeliveryState.PENDING


def _record(
    delivery: WebhookDelivery,
    *,
    now: datetime,
    state: str,
    status: int | None,
    error: str,
    attempts: int | None = None,
    next_attempt_at: datetime | None = None,
) -> bool:
    """Store an outcome on the row, only if it is still pending (a twin run that finished first wins);
    returns whether it was stored, and updates `delivery` to match."""
    values: dict[str, Any] = {
        "state": state,
        "url": delivery.url,
        "last_attempt_at": now,
        "last_status": status if status is None or 0 <= status <= 32767 else None,
        "last_error": error[:ERROR_MAX],
        "next_attempt_at": next_attempt_at if state == DeliveryState.PENDING else None,
    }
    if attempts is not None:
        values["attempts"] = min(attempts, 32767)
    if state == DeliveryState.DELIVERED:
        values["delivered_at"] = now
    stored = WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(**values) == 1
    if stored:
        for key, value in values.items():
            setattr(delivery, key, value)
    return stored


def _notify_failed(delivery: WebhookDelivery) -> None:
    """The agency's liaisons and the sending district's officers hear once that a delivery was given up."""
    who = Q(role=Role.AGENCY_LIAISON, agency_id=delivery.agency_id)
    referral = delivery.referral if delivery.referral_id else None
    if referral is not None:
        who |= Q(role=Role.DISTRICT_OFFICER, district_id=referral.district_id)
    agency = delivery.agency
    # Rendered per recipient, in the recipient's language.
    context = {
        "agency": agency.display_name,
        "event": delivery.event,
        "referral_id": referral.pk if referral is not None else None,
        "attempts": delivery.attempts,
        "error": delivery.last_error,
    }
    for person in role_holders(who=who):
        notify(
            recipient=person,
            kind="referrals.webhook_failed",
            template="webhook_failed",
            context=context,
            city_id=agency.city_id,
            neighborhood_id=referral.neighborhood_id if referral is not None else None,
            dedupe_key=f"webhook:{delivery.delivery_id}:failed",
        )


# --- the periodic job -----------------------------------------------------------------------------------


@dataclass(slots=True)
class WebhookStats:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def add(self, other: WebhookStats) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed


def _claim(*, now: datetime, batch: int, ids: list[int] | None) -> list[int]:
    """Lease up to `batch` due rows for this run: parallel runs take different rows (SKIP LOCKED on
    PostgreSQL; SQLite's single write lock serialises runs), and a leased row is not due again until
    its lease ends — after the attempt, or after a crash in the middle of it."""
    lease = max(LEASE_SECONDS, batch * (int(settings.WEBHOOK_TIMEOUT_SECONDS) + 5))
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(state=DeliveryState.PENDING)
        if ids is None:
            due = due.filter(next_attempt_at__lte=now)
        else:
            # The try right after the change: a fresh row is due whatever the clock says, but not one
            # another run has leased meanwhile (its next attempt was moved past its creation).
            due = due.filter(pk__in=ids).filter(
                Q(next_attempt_at__lte=now) | Q(next_attempt_at__lte=F("created_at"))
            )
        due = due.order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        elif connection.features.has_select_for_update:
            due = due.select_for_update()
        claimed = list(due.values_list("id", flat=True)[:batch])
        if claimed:
            WebhookDelivery.objects.filter(pk__in=claimed).update(
                next_attempt_at=now + timedelta(seconds=lease)
            )
    return claimed


def webhooks_deliver_due(
    *, now: datetime | None = None, batch: int = 100, ids: list[int] | None = None
) -> WebhookStats:
    """Try every due delivery once (at most `batch`; only `ids` when given); returns what happened."""
    now = now or timezone.now()
    stats = WebhookStats()
    claimed = _claim(now=now, batch=batch, ids=ids)
    stats.claimed = len(claimed)
    if not claimed:
        return stats
    rows = WebhookDelivery.objects.filter(pk__in=claimed).select_related("agency", "referral").order_by("id")
    for delivery in rows:
        try:
            state = webhook_deliver(delivery=delivery, now=now)
        except Exception:  # one broken row must not stop the others; its lease ends and it is retried
            logger.exception("Webhook delivery %s failed unexpectedly", delivery.delivery_id)
            continue
        if state == DeliveryState.DELIVERED:
            stats.delivered += 1
        elif state == DeliveryState.FAILED:
            stats.failed += 1
        else:
            stats.retrying += 1
    return stats


def webhooks_deliver_all_due(*, batch: int = 20, max_seconds: float = 50.0) -> WebhookStats:
    """Run `webhooks_deliver_due` until nothing is due or the time budget (one beat period) is spent."""
    total = WebhookStats()
    started = time.monotonic()
    while True:
        stats = webhooks_deliver_due(batch=batch)
        total.add(stats)
        if stats.claimed < batch or time.monotonic() - started >= max_seconds:
            return total
