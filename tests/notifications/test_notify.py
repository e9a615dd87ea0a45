"""Enqueueing: rows in the caller's transaction, preferences, addresses, deduplication, read marks."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.utils import translation

from mahalat.audit.models import Event
from mahalat.notifications.models import Channel, Notification, NotificationPreference, State
from mahalat.notifications.preferences import channel_enabled, kind_matches
from mahalat.notifications.services import (
    notification_mark_all_read,
    notification_mark_read,
    notification_preference_set,
    notify,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WELCOME = {"phone": "09121234567"}


def enqueue(**kwargs: Any) -> list[Notification]:
    kwargs.setdefault("kind", "accounts.user.welcome")
    kwargs.setdefault("template", "welcome")
    kwargs.setdefault("context", WELCOME)
    with transaction.atomic():
        return notify(**kwargs)


def channels_of(rows: list[Notification]) -> set[str]:
    return {row.channel for row in rows}


class Boom(Exception):
    pass


def test_rows_are_written_in_the_callers_transaction_and_vanish_with_its_rollback() -> None:
    user = UserFactory(email="sara@example.ir")
    seen: list[int] = []

    def change_that_fails() -> None:
        with transaction.atomic():
            rows = notify(
                recipient=user,
                kind="reports.report.triaged",
                template="welcome",
                context=WELCOME,
                city_id=7,
                neighborhood_id=70,
            )
            seen.append(Notification.objects.count())
            assert len(rows) == 3
            raise Boom  # the change failed: its notifications must not survive it

    with pytest.raises(Boom):
        change_that_fails()
    assert seen == [3]
    assert Notification.objects.count() == 0

    rows = enqueue(recipient=user, kind="reports.report.triaged", city_id=7, neighborhood_id=70)
    assert channels_of(rows) == {Channel.IN_APP, Channel.SMS, Channel.EMAIL}
    stored = {row.channel: row for row in Notification.objects.all()}
    assert stored[Channel.SMS].address == user.phone
    assert stored[Channel.EMAIL].address == "sara@example.ir"
    assert stored[Channel.IN_APP].address == ""
    for row in stored.values():
        assert (row.state, row.attempts, row.city_id, row.neighborhood_id) == (State.PENDING, 0, 7, 70)
        assert row.context == WELCOME
        assert row.recipient == user
        assert row.owner_id == user.pk


def test_notify_refuses_to_run_outside_a_transaction(transactional_db: None) -> None:
    with pytest.raises(transaction.TransactionManagementError, match="inside the transaction"):
        notify(recipient=UserFactory(), kind="x.y", template="welcome", context=WELCOME)
    assert Notification.objects.count() == 0


def test_defaults_in_app_always_sms_only_for_own_report_changes_email_only_with_an_address() -> None:
    no_email = UserFactory()
    assert channels_of(enqueue(recipient=no_email, kind="meetings.meeting.scheduled")) == {Channel.IN_APP}
    assert channels_of(enqueue(recipient=no_email, kind="reports.report.resolved")) == {
        Channel.IN_APP,
        Channel.SMS,
    }
    with_email = UserFactory(email="a@example.ir")
    assert channels_of(enqueue(recipient=with_email, kind="meetings.meeting.scheduled")) == {
        Channel.IN_APP,
        Channel.EMAIL,
    }
    # "reports.reportx" is not under "reports.report": prefixes match whole segments.
    assert not kind_matches("reports.report", "reports.reportx.done")
    assert kind_matches("", "anything.at.all")


def test_preferences_are_respected_and_the_most_specific_one_wins() -> None:
    user = UserFactory(email="a@example.ir")
    notification_preference_set(actor=user, user=user, kind_prefix="reports", channel="sms", enabled=False)
    notification_preference_set(actor=user, user=user, kind_prefix="reports", channel="email", enabled=False)
    notification_preference_set(
        actor=user, user=user, kind_prefix="reports.report.resolved", channel="sms", enabled=True
    )
    notification_preference_set(actor=user, user=user, kind_prefix="", channel="in_app", enabled=False)
    notification_preference_set(actor=user, user=user, kind_prefix="meetings", channel="in_app", enabled=True)
    assert channels_of(enqueue(recipient=user, kind="reports.report.triaged")) == set()
    assert channels_of(enqueue(recipient=user, kind="reports.report.resolved")) == {Channel.SMS}
    assert channels_of(enqueue(recipient=user, kind="meetings.meeting.scheduled")) == {
        Channel.IN_APP,
        Channel.EMAIL,
    }
    # Choosing again updates the one row; each choice is in the audit log.
    notification_preference_set(actor=user, user=user, kind_prefix="reports", channel="sms", enabled=True)
    assert NotificationPreference.objects.filter(user=user).count() == 5
    assert Event.objects.filter(action="notifications.preference.set").count() == 6
    assert channel_enabled(kind="reports.x", channel="sms", choices={("reports", "sms"): True})


def test_only_the_person_sets_their_own_preferences() -> None:
    user, other = UserFactory(), UserFactory()
    with pytest.raises(PermissionDenied):
        notification_preference_set(actor=other, user=user, kind_prefix="", channel="sms", enabled=True)
    assert not NotificationPreference.objects.exists()


def test_channels_argument_limits_the_candidates_and_addresses_can_be_given() -> None:
    user = UserFactory(email="a@example.ir")
    assert channels_of(enqueue(recipient=user, kind="reports.report.triaged", channels=["sms"])) == {"sms"}
    rows = enqueue(
        recipient=user, kind="reports.report.triaged", channels=["sms", "email"], email="b@example.ir"
    )
    assert {r.channel: r.address for r in rows} == {"sms": user.phone, "email": "b@example.ir"}


def test_a_bare_phone_or_email_without_an_account() -> None:
    rows = enqueue(recipient=None, phone="+989120000001", kind="reports.report.triaged")
    assert [(r.channel, r.address, r.recipient_id) for r in rows] == [("sms", "+989120000001", None)]
    rows = enqueue(recipient=None, email="x@example.ir", phone="+989120000001", kind="reports.report.x")
    assert channels_of(rows) == {Channel.SMS, Channel.EMAIL}  # no account: no preferences, no in-app
    with pytest.raises(ValueError, match="needs a recipient"):
        enqueue(recipient=None)


def test_dedupe_key_makes_a_second_enqueue_a_no_op_per_person_and_channel() -> None:
    officer, manager = UserFactory(), UserFactory()
    first = enqueue(recipient=officer, kind="reports.report.overdue", dedupe_key="report:42:breach:1")
    assert channels_of(first) == {Channel.IN_APP, Channel.SMS}
    assert enqueue(recipient=officer, kind="reports.report.overdue", dedupe_key="report:42:breach:1") == []
    # The same occasion still reaches another person once, and a later breach is a new occasion.
    assert (
        len(enqueue(recipient=manager, kind="reports.report.overdue", dedupe_key="report:42:breach:1")) == 2
    )
    assert (
        len(enqueue(recipient=officer, kind="reports.report.overdue", dedupe_key="report:42:breach:2")) == 2
    )
    assert enqueue(recipient=manager, kind="reports.report.overdue", dedupe_key="report:42:breach:1") == []
    assert Notification.objects.count() == 6
    # A very long key is stored as a digest, still once per person and channel.
    long_key = "report:42:" + "x" * 400
    assert len(enqueue(recipient=officer, kind="reports.report.overdue", dedupe_key=long_key)) == 2
    assert enqueue(recipient=officer, kind="reports.report.overdue", dedupe_key=long_key) == []
    Notification.objects.filter(dedupe_key__startswith="sha256:").delete()
    # Without a key, every call enqueues.
    enqueue(recipient=officer, kind="reports.report.overdue")
    enqueue(recipient=officer, kind="reports.report.overdue")
    assert Notification.objects.count() == 10


def test_the_language_is_the_active_one_persian_by_default() -> None:
    user = UserFactory()
    assert {r.language for r in enqueue(recipient=user)} == {"fa"}
    with translation.override("en"):
        assert {r.language for r in enqueue(recipient=user)} == {"en"}
    with translation.override(None):
        assert {r.language for r in enqueue(recipient=user)} == {"fa"}
    assert {r.language for r in enqueue(recipient=user, language="en")} == {"en"}


def test_context_must_be_json_and_the_template_must_exist() -> None:
    import datetime

    user = UserFactory()
    with pytest.raises(TypeError, match="JSON"):
        enqueue(recipient=user, context={"when": datetime.date(2025, 1, 1)})
    with pytest.raises(TemplateDoesNotExist):
        enqueue(recipient=user, template="no_such_template")
    with pytest.raises(ValueError, match="channel"):
        enqueue(recipient=user, channels=["fax"])
    assert Notification.objects.count() == 0


def test_only_the_recipient_marks_read_and_twice_is_harmless() -> None:
    owner, other = UserFactory(), UserFactory()
    (in_app,) = enqueue(recipient=owner, channels=["in_app"])
    with pytest.raises(PermissionDenied):
        notification_mark_read(actor=other, notification=in_app)
    in_app.refresh_from_db()
    assert in_app.read_at is None

    notification_mark_read(actor=owner, notification=in_app)
    in_app.refresh_from_db()
    first_read = in_app.read_at
    assert first_read is not None
    assert in_app.state == State.READ
    notification_mark_read(actor=owner, notification=in_app)
    in_app.refresh_from_db()
    assert in_app.read_at == first_read


def test_mark_all_read_touches_only_ones_own_in_app_rows() -> None:
    owner, other = UserFactory(), UserFactory()
    for _ in range(3):
        enqueue(recipient=owner, kind="reports.report.triaged")
    enqueue(recipient=other, channels=["in_app"])
    assert notification_mark_all_read(actor=owner) == 3
    assert notification_mark_all_read(actor=owner) == 0
    assert Notification.objects.filter(recipient=other, read_at=None).count() == 1
    assert Notification.objects.filter(channel="sms", state=State.PENDING).count() == 3
