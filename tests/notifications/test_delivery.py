"""Delivery: rendering in the recipient's language, channels, retries with backoff, no double sends,
the after-commit start, the Celery task and the management command."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone, translation

from mahalat.celery import app as celery_app
from mahalat.notifications import services as notification_services
from mahalat.notifications.delivery import (
    MAX_BACKOFF_SECONDS,
    backoff_seconds,
    deliver_due,
)
from mahalat.notifications.models import Channel, Notification, State
from mahalat.notifications.sms import InMemorySmsBackend, SmsMessage
from mahalat.notifications.tasks import deliver_notifications
from tests.factories import UserFactory
from tests.notifications.backends import FailingSmsBackend, SlowSmsBackend

FAILING = "tests.notifications.backends.FailingSmsBackend"
IN_MEMORY = "mahalat.notifications.sms.InMemorySmsBackend"
ON_POSTGRESQL = django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Row locks with SKIP LOCKED exist on PostgreSQL only; the SQLite pass deselects this (see tests/conftest.py).
postgresql_only = pytest.mark.postgresql


def enqueue(recipient: Any, *, kind: str = "reports.report.triaged", **kwargs: Any) -> list[Notification]:
    kwargs.setdefault("template", "welcome")
    kwargs.setdefault("context", {"phone": "09121234567"})
    with transaction.atomic():
        return notification_services.notify(recipient=recipient, kind=kind, **kwargs)


@pytest.mark.django_db
def test_sms_and_email_are_sent_in_persian(sms_outbox: list[SmsMessage], mailbox: list) -> None:
    user = UserFactory(full_name="سارا محمدی", email="sara@example.ir")
    enqueue(user)
    stats = deliver_due()
    assert (stats.claimed, stats.sent, stats.retrying, stats.failed) == (3, 3, 0, 0)

    (sms,) = sms_outbox
    assert sms.to == user.phone
    assert sms.body.startswith("محلات: خوش آمدید! حساب کاربری شما ساخته شد.")
    assert "۰۹۱۲۱۲۳۴۵۶۷" in sms.body  # Persian digits in a Persian message

    (email,) = mailbox
    assert email.to == ["sara@example.ir"]
    assert email.subject == "محلات: خوش آمدید! حساب کاربری شما ساخته شد."
    assert "سارا محمدی" in email.body
    assert "شوراهای اجتماعی محلات" in email.body
    assert "{%" not in email.body and "&" not in email.body  # rendered as plain text, not escaped

    for row in Notification.objects.all():
        assert row.state == State.SENT
        assert row.sent_at is not None
        assert row.attempts == 1
    assert deliver_due().claimed == 0  # nothing is sent twice


@pytest.mark.django_db
def test_english_recipients_get_english(sms_outbox: list[SmsMessage], mailbox: list) -> None:
    user = UserFactory(full_name="Sara & Co", email="sara@example.ir")
    with translation.override("en"):
        enqueue(user)
    deliver_due()  # delivery runs in whatever language is active; each row carries its own
    (sms,) = sms_outbox
    assert sms.body == "Mahalat: Welcome! Your account has been created. Sign in with 09121234567."
    (email,) = mailbox
    assert email.subject == "Mahalat: Welcome! Your account has been created."
    assert email.body.startswith("Dear Sara & Co,")
    assert email.body.rstrip().endswith("Mahalat — Neighborhood Social Councils")


@pytest.mark.django_db
def test_generic_template_and_a_bare_phone(sms_outbox: list[SmsMessage], mailbox: list) -> None:
    context = {"subject": "قطعی آب", "body": "آب محله فردا از ساعت ۸ قطع است."}
    enqueue(None, template="generic", context=context, phone="+989120000009", email="x@example.ir")
    deliver_due()
    assert [(m.to, m.body) for m in sms_outbox] == [
        ("+989120000009", "قطعی آب: آب محله فردا از ساعت ۸ قطع است.")
    ]
    assert (mailbox[0].subject, mailbox[0].body) == ("قطعی آب", "آب محله فردا از ساعت ۸ قطع است.")


@pytest.mark.django_db
def test_in_app_rows_are_marked_sent_without_sending(sms_outbox: list[SmsMessage], mailbox: list) -> None:
    enqueue(UserFactory(), channels=["in_app"])
    stats = deliver_due()
    assert (stats.claimed, stats.sent) == (1, 1)
    row = Notification.objects.get()
    assert row.state == State.SENT and row.sent_at is not None and row.read_at is None
    assert sms_outbox == [] and mailbox == []


@pytest.mark.django_db
def test_a_channel_that_is_down_loses_nothing(settings: Any, sms_outbox: list[SmsMessage]) -> None:
    settings.SMS_BACKEND = FAILING
    (row,) = enqueue(UserFactory(), channels=["sms"])
    now = timezone.now()
    stats = deliver_due(now=now)
    assert (stats.claimed, stats.sent, stats.retrying, stats.failed) == (1, 0, 1, 0)
    row.refresh_from_db()
    assert row.state == State.PENDING
    assert row.attempts == 1
    assert "ProviderDown: the SMS provider did not answer" in row.last_error
    assert now + timedelta(seconds=50) <= row.next_attempt_at <= now + timedelta(seconds=70)

    assert deliver_due(now=now + timedelta(seconds=30)).claimed == 0  # not due yet

    settings.SMS_BACKEND = IN_MEMORY  # the provider is back
    stats = deliver_due(now=now + timedelta(minutes=2))
    assert (stats.claimed, stats.sent) == (1, 1)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (State.SENT, 2, "")
    assert [m.to for m in sms_outbox] == [row.address]


@pytest.mark.django_db
def test_after_max_attempts_the_row_is_failed(settings: Any) -> None:
    settings.SMS_BACKEND = FAILING
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    (row,) = enqueue(UserFactory(), channels=["sms"])
    calls = FailingSmsBackend.calls
    moment = timezone.now()
    for expected_attempts, expected_state in [(1, State.PENDING), (2, State.PENDING), (3, State.FAILED)]:
        deliver_due(now=moment)
        row.refresh_from_db()
        assert (row.attempts, row.state) == (expected_attempts, expected_state)
        moment = row.next_attempt_at + timedelta(seconds=1)
    assert FailingSmsBackend.calls - calls == 3
    assert deliver_due(now=moment + timedelta(days=1)).claimed == 0


@pytest.mark.django_db
def test_a_deactivated_recipient_is_not_sent_to(sms_outbox: list[SmsMessage]) -> None:
    user = UserFactory()
    enqueue(user, channels=["sms"])
    user.is_active = False
    user.save()
    assert deliver_due().failed == 1
    assert sms_outbox == []
    assert Notification.objects.get().state == State.FAILED


def test_backoff_doubles_from_one_minute_up_to_six_hours_with_jitter() -> None:
    rng = random.Random(5)
    for attempts, minutes in [(1, 1), (2, 2), (3, 4), (4, 8), (8, 128), (9, 256)]:
        value = backoff_seconds(attempts, rng=rng)
        assert minutes * 60 * 0.9 <= value <= minutes * 60 * 1.1
    for attempts in (10, 20, 1000):
        assert MAX_BACKOFF_SECONDS * 0.9 <= backoff_seconds(attempts, rng=rng) <= MAX_BACKOFF_SECONDS
    assert len({backoff_seconds(3) for _ in range(20)}) > 1  # jittered


@pytest.mark.django_db
def test_a_run_does_not_take_rows_another_run_is_sending(
    monkeypatch: pytest.MonkeyPatch, sms_outbox: list[SmsMessage]
) -> None:
    """Sequential stand-in for concurrency (works on SQLite): while one run is sending, a second run
    starts; it must find the first run's rows leased and send nothing of them."""
    users = [UserFactory() for _ in range(3)]
    for user in users:
        enqueue(user, channels=["sms"])
    inner_runs: list[int] = []

    class ReentrantBackend(InMemorySmsBackend):
        def send(self, message: SmsMessage) -> None:
            if not inner_runs:
                inner_runs.append(deliver_due().claimed)
            super().send(message)

    backend = ReentrantBackend()
    monkeypatch.setattr("mahalat.notifications.sms._backend", lambda path: backend)
    stats = deliver_due()
    assert inner_runs == [0]
    assert stats.sent == 3
    assert sorted(m.to for m in sms_outbox) == sorted(u.phone for u in users)
    assert deliver_due().claimed == 0


@postgresql_only
def test_parallel_runs_never_send_one_row_twice(
    transactional_db: None, settings: Any, sms_outbox: list[SmsMessage]
) -> None:
    settings.SMS_BACKEND = "tests.notifications.backends.SlowSmsBackend"
    SlowSmsBackend.senders.clear()
    user = UserFactory()
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind="reports.report.triaged",
            template="generic",
            context={"subject": "", "body": f"message {i}"},
            channel=Channel.SMS,
            address=user.phone,
            next_attempt_at=now,
        )
        for i in range(60)
    )
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            while deliver_due(batch=5).claimed:
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, name=f"run-{i}") for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    bodies = [m.body for m in sms_outbox]
    assert len(bodies) == 60
    assert len(set(bodies)) == 60
    assert Notification.objects.filter(state=State.SENT, attempts=1).count() == 60
    assert len(set(SlowSmsBackend.senders)) > 1  # the runs really did work side by side


@pytest.mark.django_db
def test_delivery_starts_when_the_transaction_commits(
    eager_celery: None, sms_outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user = UserFactory()
        enqueue(user)
        enqueue(user)  # two enqueues, one start
    assert len(callbacks) == 1
    assert len(sms_outbox) == 2
    assert not Notification.objects.filter(state=State.PENDING).exists()


@pytest.mark.django_db
def test_a_broker_that_is_down_leaves_the_rows_for_the_periodic_job(
    monkeypatch: pytest.MonkeyPatch,
    sms_outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(deliver_notifications, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        rows = enqueue(UserFactory())
    assert len(rows) == 2
    assert "periodic job will deliver" in caplog.text
    assert Notification.objects.filter(state=State.PENDING).count() == 2
    assert sms_outbox == []
    deliver_due()  # the next periodic run
    assert len(sms_outbox) == 1


@pytest.mark.django_db
def test_the_task_and_its_schedule(eager_celery: None, sms_outbox: list[SmsMessage]) -> None:
    enqueue(UserFactory())
    result = deliver_notifications.apply().get()
    assert result == {"claimed": 2, "sent": 2, "retrying": 0, "failed": 0}
    schedule = django_settings.CELERY_BEAT_SCHEDULE["deliver-notifications"]
    assert schedule["task"] == deliver_notifications.name
    assert schedule["task"] in celery_app.tasks
    assert schedule["schedule"] == 60.0


def test_tasks_run_in_process_without_redis_and_through_redis_with_it() -> None:
    redis_url = django_settings.REDIS_URL
    assert django_settings.CELERY_TASK_ALWAYS_EAGER is (not redis_url)
    assert celery_app.conf.task_always_eager is (not redis_url)
    assert celery_app.conf.broker_url == (redis_url or "memory://")


@pytest.mark.django_db
def test_the_management_command_delivers_everything_due(sms_outbox: list[SmsMessage]) -> None:
    for _ in range(3):
        enqueue(UserFactory(), channels=["sms"])
    out = StringIO()
    call_command("deliver_notifications", "--batch", "2", stdout=out)
    assert len(sms_outbox) == 3
    assert "3" in out.getvalue()
    assert not Notification.objects.filter(state=State.PENDING).exists()


@pytest.mark.django_db
def test_the_management_command_loops_until_stopped(
    monkeypatch: pytest.MonkeyPatch, sms_outbox: list[SmsMessage]
) -> None:
    enqueue(UserFactory(), channels=["sms"])
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        raise KeyboardInterrupt

    command = "mahalat.notifications.management.commands.deliver_notifications"
    monkeypatch.setattr(f"{command}.time.sleep", sleep)
    # Between passes the loop drops stale connections; here that would be the test's transaction.
    monkeypatch.setattr(f"{command}.close_old_connections", lambda: None)
    call_command("deliver_notifications", "--loop", "--interval", "5", stdout=StringIO())
    assert sleeps == [5.0]
    assert len(sms_outbox) == 1
