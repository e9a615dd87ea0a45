"""Signed webhooks to an agency's system, against a real HTTP receiver on 127.0.0.1: the signature, the
headers, retries with a growing backoff, giving up (and telling people once), idempotency by delivery
id, timeouts, redirects, and no delivery at all when the agency does not take them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import connections, transaction

from mahalat.notifications.models import Channel, Notification
from mahalat.referrals.delivery_selectors import deliveries_of_referral
from mahalat.referrals.models import DeliveryState, Referral, ReferralState, TargetKind, WebhookDelivery
from mahalat.referrals.services import (
    Target,
    agency_integration_set,
    agency_webhook_secret_rotate,
    referral_create,
    referral_transition,
)
from mahalat.referrals.tasks import deliver_webhooks
from mahalat.referrals.webhooks import (
    backoff_seconds,
    signature_header,
    signature_verify,
    webhook_deliver,
    webhook_send_test,
    webhooks_deliver_due,
)
from tests.referrals_world import SATURDAY_9, ReferralWorld

pytestmark = pytest.mark.django_db


# --- a real receiver ------------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Statuses to answer, in turn; the last one repeats. 302 answers with a Location elsewhere.
    statuses: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:
        receiver = self.server.receiver  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        receiver.requests.append(Received(path=self.path, headers=dict(self.headers.items()), body=body))
        if receiver.delay:
            time.sleep(receiver.delay)
        index = min(len(receiver.requests) - 1, len(receiver.statuses) - 1)
        status = receiver.statuses[index]
        try:
            self.send_response(status)
            if status in {301, 302, 307, 308}:
                self.send_header("Location", "http://example.invalid/elsewhere")
            answer = b'{"ok": true}' if status < 300 else b"receiver says no"
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up waiting (the timeout test)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    host, port = server.server_address[:2]
    rec = Receiver(url=f"http://{host}:{port}/mahalat-hook")
    server.receiver = rec  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def hooked(referral_world: ReferralWorld, receiver: Receiver) -> ReferralWorld:
    """The water agency's system takes webhooks at the receiver."""
    agency_integration_set(
        actor=referral_world.people["liaison"],
        agency=referral_world.water,
        webhook_url=receiver.url,
        webhook_active=True,
    )
    referral_world.water.refresh_from_db()
    return referral_world


def _send(world: ReferralWorld, **extra: Any) -> Referral:
    return referral_create(
        actor=world.people["district_officer"],
        report=world.report,
        target=Target(kind=TargetKind.AGENCY, agency=world.water),
        subject="نشت آب",
        note="لطفاً رسیدگی شود",
        now=SATURDAY_9,
        **extra,
    )


def _only_delivery() -> WebhookDelivery:
    rows = list(WebhookDelivery.objects.all())
    assert len(rows) == 1
    return rows[0]


# --- signing and headers --------------------------------------------------------------------------------


def test_delivery_is_signed_over_the_exact_body_with_timestamp_and_id(
    hooked: ReferralWorld, receiver: Receiver
) -> None:
    referral = _send(hooked)
    delivery = _only_delivery()
    assert delivery.event == "referral.sent" and delivery.state == DeliveryState.PENDING
    at = SATURDAY_9 + timedelta(seconds=5)

    stats = webhooks_deliver_due(now=at)

    assert (stats.claimed, stats.delivered) == (1, 1)
    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    assert got.path == "/mahalat-hook"
    assert got.body == delivery.body.encode("utf-8")
    assert got.headers["X-Mahalat-Event"] == "referral.sent"
    assert got.headers["X-Mahalat-Delivery"] == str(delivery.delivery_id)
    assert got.headers["X-Mahalat-Timestamp"] == str(int(at.timestamp()))
    assert got.headers["Content-Type"].startswith("application/json")
    signature = got.headers["X-Mahalat-Signature"]
    assert signature.startswith(f"t={int(at.timestamp())},v1=")
    secret = hooked.water.webhook_secret
    assert signature_verify(secret=secret, body=got.body, header=signature, now=at)
    payload = json.loads(got.body)
    assert payload["event"] == "referral.sent"
    assert payload["referral"]["id"] == referral.pk
    assert payload["referral"]["report"] == hooked.report.tracking_code
    assert payload["referral"]["reporter_contact"] is None  # not shared unless the sender chose to
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (1, 200, "")
    assert delivery.delivered_at == at and delivery.next_attempt_at is None


def test_tampered_body_wrong_secret_and_stale_timestamp_fail_verification(
    hooked: ReferralWorld, receiver: Receiver
) -> None:
    _send(hooked)
    at = SATURDAY_9 + timedelta(seconds=1)
    webhooks_deliver_due(now=at)
    got = receiver.requests[0]
    header = got.headers["X-Mahalat-Signature"]
    secret = hooked.water.webhook_secret
    assert signature_verify(secret=secret, body=got.body, header=header, now=at)
    tampered = got.body.replace("نشت".encode(), "نشط".encode())
    assert tampered != got.body
    assert not signature_verify(secret=secret, body=tampered, header=header, now=at)
    assert not signature_verify(secret=secret + "x", body=got.body, header=header, now=at)
    assert not signature_verify(secret=secret, body=got.body, header=header, now=at + timedelta(seconds=301))
    assert signature_verify(secret=secret, body=got.body, header=header, now=at + timedelta(seconds=299))
    assert not signature_verify(secret=secret, body=got.body, header="v1=" + "0" * 64, now=at)
    assert not signature_verify(secret=secret, body=got.body, header="garbage", now=at)
    assert not signature_verify(secret="", body=got.body, header=header, now=at)


def test_rotated_secret_signs_the_next_attempts(hooked: ReferralWorld, receiver: Receiver) -> None:
    old = hooked.water.webhook_secret
    new = agency_webhook_secret_rotate(actor=hooked.people["liaison"], agency=hooked.water)
    _send(hooked)
    webhooks_deliver_due(now=SATURDAY_9)
    got = receiver.requests[0]
    header = got.headers["X-Mahalat-Signature"]
    assert signature_verify(secret=new, body=got.body, header=header, now=SATURDAY_9)
    assert not signature_verify(secret=old, body=got.body, header=header, now=SATURDAY_9)


def test_signature_helper_matches_the_documented_recipe() -> None:
    import hashlib
    import hmac

    body = b'{"event": "ping"}'
    expected = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert (
        signature_header(secret="whsec_x", body=body, timestamp=1700000000) == f"t=1700000000,v1={expected}"
    )


# --- retries, backoff, giving up ------------------------------------------------------------------------


def test_failing_receiver_is_retried_with_growing_backoff_then_given_up_and_people_told_once(
    hooked: ReferralWorld, receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    receiver.statuses = [500]
    _send(hooked)
    delivery = _only_delivery()
    now = SATURDAY_9
    gaps: list[float] = []
    for attempt in range(1, 4):
        stats = webhooks_deliver_due(now=now)
        assert (stats.claimed, stats.retrying) == (1, 1)
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.PENDING
        assert delivery.attempts == attempt
        assert delivery.last_status == 500
        assert delivery.last_error.startswith("HTTP 500")
        gap = (delivery.next_attempt_at - now).total_seconds()
        gaps.append(gap)
        # Not due before its time: a run in between sends nothing.
        assert webhooks_deliver_due(now=now + timedelta(seconds=gap - 1)).claimed == 0
        now = delivery.next_attempt_at
    assert gaps[0] >= 60
    assert gaps[0] < gaps[1] < gaps[2]
    assert gaps[1] == pytest.approx(2 * gaps[0], rel=0.02)
    assert gaps[2] == pytest.approx(4 * gaps[0], rel=0.02)
    assert not Notification.objects.filter(kind="referrals.webhook_failed").exists()

    stats = webhooks_deliver_due(now=now)
    assert stats.failed == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 4
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == 4

    told = Notification.objects.filter(kind="referrals.webhook_failed", channel=Channel.IN_APP)
    recipients = set(told.values_list("recipient_id", flat=True))
    assert recipients == {hooked.people["liaison"].pk, hooked.people["district_officer"].pk}
    assert told.count() == 2
    # Nothing more happens to a delivery given up: no request, no second notification.
    assert webhooks_deliver_due(now=now + timedelta(days=1)).claimed == 0
    assert webhook_deliver(delivery=delivery, now=now + timedelta(days=1)) == DeliveryState.FAILED
    assert len(receiver.requests) == 4
    assert Notification.objects.filter(kind="referrals.webhook_failed", channel=Channel.IN_APP).count() == 2


def test_backoff_doubles_from_a_minute_and_stops_at_six_hours() -> None:
    import uuid

    delivery_id = uuid.UUID(int=500)  # 5 % of jitter
    waits = [backoff_seconds(n, delivery_id=delivery_id) for n in range(1, 12)]
    assert waits[:4] == [63, 126, 252, 504]
    assert max(waits) == 6 * 60 * 60
    assert waits == sorted(waits)
    assert backoff_seconds(1) == 60


def test_receiver_sees_the_same_delivery_id_and_body_on_a_retry(
    hooked: ReferralWorld, receiver: Receiver
) -> None:
    receiver.statuses = [503, 200]
    referral = _send(hooked)
    first = webhooks_deliver_due(now=SATURDAY_9)
    assert first.retrying == 1
    delivery = _only_delivery()
    second = webhooks_deliver_due(now=delivery.next_attempt_at)
    assert second.delivered == 1
    one, two = receiver.requests
    assert one.headers["X-Mahalat-Delivery"] == two.headers["X-Mahalat-Delivery"] == str(delivery.delivery_id)
    assert one.body == two.body
    assert one.headers["X-Mahalat-Timestamp"] != two.headers["X-Mahalat-Timestamp"]
    # A receiver that keeps the delivery ids it processed drops the repeat.
    seen: set[str] = set()
    processed = []
    for request in (one, two):
        if request.headers["X-Mahalat-Delivery"] not in seen:
            seen.add(request.headers["X-Mahalat-Delivery"])
            processed.append(request)
    assert len(processed) == 1
    # The next change is another delivery with its own id.
    referral_transition(
        actor=hooked.people["liaison"],
        referral=referral,
        to=ReferralState.ACKNOWLEDGED,
        now=SATURDAY_9 + timedelta(hours=1),
    )
    ack = WebhookDelivery.objects.get(event="referral.acknowledged")
    assert ack.delivery_id != delivery.delivery_id
    assert json.loads(ack.body)["referral"]["state"] == "acknowledged"


def test_slow_receiver_times_out_and_is_retried(
    hooked: ReferralWorld, receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.delay = 3.0
    _send(hooked)
    started = time.monotonic()
    stats = webhooks_deliver_due(now=SATURDAY_9)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5
    assert stats.retrying == 1
    delivery = _only_delivery()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status is None
    assert "Timed out" in delivery.last_error


def test_redirect_is_not_followed(hooked: ReferralWorld, receiver: Receiver) -> None:
    receiver.statuses = [302]
    _send(hooked)
    webhooks_deliver_due(now=SATURDAY_9)
    delivery = _only_delivery()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.last_status == 302
    assert "redirect" in delivery.last_error
    assert len(receiver.requests) == 1


def test_refused_connection_is_recorded_and_retried(hooked: ReferralWorld, receiver: Receiver) -> None:
    _send(hooked)
    # A port nobody listens on: the agency's system is down.
    hooked.water.__class__.objects.filter(pk=hooked.water.pk).update(webhook_url="http://127.0.0.1:9/down")
    stats = webhooks_deliver_due(now=SATURDAY_9)
    assert stats.retrying == 1
    delivery = _only_delivery()
    assert delivery.last_error.startswith("Connection failed")
    assert delivery.url == "http://127.0.0.1:9/down"


def test_only_http_addresses_are_delivered_to(hooked: ReferralWorld, tmp_path: Any) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("do not read me")
    _send(hooked)
    hooked.water.__class__.objects.filter(pk=hooked.water.pk).update(webhook_url=f"file://{secret_file}")
    webhooks_deliver_due(now=SATURDAY_9)
    delivery = _only_delivery()
    assert delivery.state == DeliveryState.PENDING
    assert "http" in delivery.last_error
    assert "do not read me" not in delivery.last_error


def test_delivery_turned_off_meanwhile_is_given_up_silently(
    hooked: ReferralWorld, receiver: Receiver
) -> None:
    _send(hooked)
    agency_integration_set(
        actor=hooked.people["liaison"], agency=hooked.water, webhook_url=receiver.url, webhook_active=False
    )
    stats = webhooks_deliver_due(now=SATURDAY_9)
    assert stats.failed == 1
    assert receiver.requests == []
    assert _only_delivery().state == DeliveryState.FAILED
    assert not Notification.objects.filter(kind="referrals.webhook_failed").exists()


# --- when nothing is delivered, when it is delivered at once --------------------------------------------


def test_inactive_webhook_makes_no_delivery_rows(referral_world: ReferralWorld, receiver: Receiver) -> None:
    agency_integration_set(
        actor=referral_world.people["liaison"],
        agency=referral_world.water,
        webhook_url=receiver.url,
        webhook_active=False,
    )
    referral = _send(referral_world)
    referral_transition(
        actor=referral_world.people["liaison"],
        referral=referral,
        to=ReferralState.ACKNOWLEDGED,
        now=SATURDAY_9,
    )
    assert not WebhookDelivery.objects.exists()
    assert webhooks_deliver_due(now=SATURDAY_9 + timedelta(days=1)).claimed == 0
    assert receiver.requests == []


def test_a_change_is_delivered_right_after_its_commit(
    hooked: ReferralWorld,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
    eager_celery: None,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _send(hooked)
    assert len(receiver.requests) == 1
    delivery = _only_delivery()
    assert delivery.state == DeliveryState.DELIVERED
    assert receiver.requests[0].headers["X-Mahalat-Delivery"] == str(delivery.delivery_id)


def test_a_failing_receiver_never_breaks_the_change(
    hooked: ReferralWorld,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
    eager_celery: None,
) -> None:
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        referral = _send(hooked)
    assert Referral.objects.filter(pk=referral.pk, state=ReferralState.SENT).exists()
    delivery = _only_delivery()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
    # Down altogether: the transition still succeeds, the delivery waits for its retry.
    hooked.water.__class__.objects.filter(pk=hooked.water.pk).update(webhook_url="http://127.0.0.1:9/down")
    with django_capture_on_commit_callbacks(execute=True):
        referral_transition(
            actor=hooked.people["liaison"], referral=referral, to=ReferralState.ACKNOWLEDGED, now=SATURDAY_9
        )
    referral.refresh_from_db()
    assert referral.state == ReferralState.ACKNOWLEDGED
    ack = WebhookDelivery.objects.get(event="referral.acknowledged")
    assert ack.state == DeliveryState.PENDING and ack.attempts == 1


def test_a_rolled_back_change_sends_nothing(hooked: ReferralWorld, receiver: Receiver) -> None:
    class Boom(Exception):
        pass

    def send_then_fail() -> None:
        with transaction.atomic():
            _send(hooked)
            raise Boom

    with pytest.raises(Boom):
        send_then_fail()
    assert not WebhookDelivery.objects.exists()
    assert webhooks_deliver_due(now=SATURDAY_9).claimed == 0
    assert receiver.requests == []


def test_the_scheduled_task_delivers_what_is_due(hooked: ReferralWorld, receiver: Receiver) -> None:
    _send(hooked)
    WebhookDelivery.objects.update(next_attempt_at=SATURDAY_9 - timedelta(days=30))  # due by the real clock
    result = deliver_webhooks.apply().get()
    assert result["delivered"] == 1
    assert len(receiver.requests) == 1


def test_a_leased_delivery_is_not_taken_by_a_second_run(hooked: ReferralWorld, receiver: Receiver) -> None:
    from mahalat.referrals.webhooks import _claim

    _send(hooked)
    first = _claim(now=SATURDAY_9, batch=10, ids=None)
    assert len(first) == 1
    assert _claim(now=SATURDAY_9, batch=10, ids=None) == []
    assert _claim(now=SATURDAY_9, batch=10, ids=first) == []  # the at-once try does not take it either
    assert receiver.requests == []


def test_test_event_is_signed_and_logged(hooked: ReferralWorld, receiver: Receiver) -> None:
    delivery = webhook_send_test(actor=hooked.people["liaison"], agency=hooked.water, now=SATURDAY_9)
    assert delivery.referral_id is None and delivery.event == "ping"
    webhooks_deliver_due(now=SATURDAY_9)
    got = receiver.requests[0]
    assert json.loads(got.body)["event"] == "ping"
    assert signature_verify(
        secret=hooked.water.webhook_secret,
        body=got.body,
        header=got.headers["X-Mahalat-Signature"],
        now=SATURDAY_9,
    )


def test_deliveries_of_a_referral_only_for_those_who_may_see_them(hooked: ReferralWorld) -> None:
    referral = _send(hooked)
    people = hooked.people
    for name in ("liaison", "district_officer", "district_manager", "area_officer"):
        assert [d.event for d in deliveries_of_referral(user=people[name], referral=referral)] == [
            "referral.sent"
        ]
    for name in ("power_liaison", "other_district_officer", "citizen", "deputy", "council_chair"):
        assert deliveries_of_referral(user=people[name], referral=referral) == []


# --- parallel runs (PostgreSQL row locks) ---------------------------------------------------------------


def _direct_referrals(world: ReferralWorld, n: int, monkeypatch: Any) -> None:
    """Committed referrals whose deliveries wait for a run (the at-once try after each commit is off)."""
    monkeypatch.setattr("mahalat.referrals.webhooks._trigger", lambda delivery_ids: None)
    for i in range(n):
        referral_create(
            actor=world.people["district_officer"],
            district=world.town.d1,
            target=Target(kind=TargetKind.AGENCY, agency=world.water),
            subject=f"ارجاع {i}",
            now=SATURDAY_9,
        )


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_parallel_runs_deliver_each_delivery_once(
    hooked: ReferralWorld, receiver: Receiver, monkeypatch: Any
) -> None:
    _direct_referrals(hooked, 6, monkeypatch)
    receiver.delay = 0.1
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(webhooks_deliver_due(now=SATURDAY_9, batch=10))
        except Exception as exc:  # reported in the assertion
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.delivered for r in results) == 6
    ids = [r.headers["X-Mahalat-Delivery"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 6
    assert WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED).count() == 6


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_run_is_skipped_not_waited_for(
    hooked: ReferralWorld, receiver: Receiver, monkeypatch: Any
) -> None:
    _direct_referrals(hooked, 2, monkeypatch)
    locked_id = WebhookDelivery.objects.order_by("id").values_list("id", flat=True).first()
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                list(WebhookDelivery.objects.select_for_update().filter(pk=locked_id))
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        started = time.monotonic()
        stats = webhooks_deliver_due(now=SATURDAY_9)
        assert time.monotonic() - started < 5
        assert (stats.claimed, stats.delivered) == (1, 1)
        assert [r.headers["X-Mahalat-Delivery"] for r in receiver.requests] == [
            str(WebhookDelivery.objects.exclude(pk=locked_id).get().delivery_id)
        ]
    finally:
        release.set()
        holder.join(timeout=30)
