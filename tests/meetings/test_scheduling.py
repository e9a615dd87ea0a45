"""Scheduling: one meeting or a rhythm, numbering, invitations, the calendar file, reschedule, cancel."""

from __future__ import annotations

from datetime import date, time, timedelta
from itertools import pairwise

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from icalendar import Calendar

from mahalat.audit.models import Event
from mahalat.councils.models import CouncilState
from mahalat.errors import ConflictError
from mahalat.meetings import services
from mahalat.meetings.ics import meeting_ics
from mahalat.meetings.models import AgendaItem, Meeting
from mahalat.notifications.models import Notification
from tests.meetings.conftest import item_on, schedule, soon

pytestmark = pytest.mark.django_db


def test_scheduling_numbers_invites_and_records(world) -> None:
    first = schedule(world)
    second = schedule(world, hours=48, actor=world.people["district_officer"])
    assert (first.number, second.number) == (1, 2)
    assert first.city_id == world.city.pk and first.neighborhood_id == world.n1.pk
    invited = Notification.objects.filter(kind="meetings.meeting.scheduled", channel="in_app")
    assert sorted(invited.values_list("recipient_id", flat=True)) == sorted(
        2 * [m.user_id for m in world.members]
    )
    assert Event.objects.filter(action="meetings.meeting.scheduled", object_id=str(first.pk)).exists()


def test_numbers_are_per_council(world) -> None:
    schedule(world)
    start = soon()
    other = services.meeting_schedule(
        actor=world.people["other_district_officer"],
        council=world.other_council,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="x",
    )
    assert other.number == 1


@pytest.mark.parametrize(
    "who", ["citizen", "area_officer", "deputy", "city_council", "other_district_officer", "liaison"]
)
def test_who_may_not_schedule(world, who: str) -> None:
    with pytest.raises(PermissionDenied):
        schedule(world, actor=world.people[who])
    assert not Meeting.objects.exists()


def test_a_plain_member_may_not_schedule(world) -> None:
    with pytest.raises(PermissionDenied):
        schedule(world, actor=world.members[3].user)


def test_only_an_active_council_schedules(world) -> None:
    world.council.state = CouncilState.SUSPENDED
    world.council.save(update_fields=["state"])
    with pytest.raises(ConflictError):
        schedule(world)
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"place": "", "online_url": ""}, "place"),
        ({"online_url": "http://meet.example/x"}, "online_url"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"place": "x" * 201}, "place"),
        ({"kind": "party"}, "kind"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"ends_before": True}, "ends_at"),
        ({"past": True}, "starts_at"),
        ({"too_long": True}, "ends_at"),
    ],
)
def test_bad_input_is_refused_with_field_errors(world, changes: dict, field: str) -> None:
    start = soon()
    kwargs = {"starts_at": start, "ends_at": start + timedelta(hours=2), "place": "سرا", "online_url": ""}
    if changes.pop("ends_before", False):
        kwargs["ends_at"] = start - timedelta(minutes=1)
    if changes.pop("past", False):
        kwargs["starts_at"], kwargs["ends_at"] = (
            start - timedelta(days=3),
            start - timedelta(days=3, hours=-1),
        )
    if changes.pop("too_long", False):
        kwargs["ends_at"] = start + timedelta(hours=13)
    kwargs.update(changes)
    with pytest.raises(ValidationError) as caught:
        services.meeting_schedule(actor=world.secretary, council=world.council, **kwargs)
    assert field in caught.value.message_dict
    assert not Meeting.objects.exists()
    assert not Notification.objects.exists()


def test_an_online_meeting_needs_no_place(world) -> None:
    meeting = schedule(world, place="", online_url="https://meet.example.ir/council")
    assert meeting.online_url == "https://meet.example.ir/council"


def test_a_series_follows_the_rhythm(world) -> None:
    first_day = date.today() + timedelta(days=3)
    meetings = services.meeting_schedule_series(
        actor=world.secretary,
        council=world.council,
        first_day=first_day,
        weekday=1,
        at=time(17, 30),
        duration_minutes=90,
        count=4,
        place="سرا",
    )
    assert [m.number for m in meetings] == [1, 2, 3, 4]
    local = [m.starts_at.astimezone(services.timezone.get_current_timezone()) for m in meetings]
    assert all(d.weekday() == 1 and (d.hour, d.minute) == (17, 30) for d in local)
    # The default policy asks for two meetings a month: every second week.
    assert [(b - a).days for a, b in pairwise(local)] == [14, 14, 14]
    assert local[0].date() >= first_day and (local[0].date() - first_day).days < 7
    # One invitation per member for the whole series.
    assert Notification.objects.filter(kind="meetings.meeting.scheduled", channel="in_app").count() == 5


def test_a_series_refuses_an_absurd_count(world) -> None:
    with pytest.raises(ValidationError) as caught:
        services.meeting_schedule_series(
            actor=world.secretary,
            council=world.council,
            first_day=date.today() + timedelta(days=1),
            weekday=1,
            at=time(17),
            duration_minutes=60,
            count=500,
            place="سرا",
        )
    assert "count" in caught.value.message_dict
    assert not Meeting.objects.exists()


def test_the_calendar_file_is_an_invitation_in_tehran_time(world) -> None:
    meeting = schedule(world)
    calendar = Calendar.from_ical(
        meeting_ics(meeting=Meeting.objects.get(pk=meeting.pk), url="https://x/m/1/")
    )
    assert str(calendar["METHOD"]) == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]).startswith(str(meeting.uid))
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event["DTSTART"].params["TZID"] == "Asia/Tehran"
    assert "سرچشمه" in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == "سرای محله سرچشمه"
    assert calendar.walk("VTIMEZONE")


def test_rescheduling_keeps_the_uid_and_bumps_the_sequence(world) -> None:
    meeting = schedule(world)
    start = soon(72)
    moved = services.meeting_reschedule(
        actor=world.secretary,
        meeting=meeting,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="مسجد جامع",
        expected_version=1,
    )
    event = Calendar.from_ical(meeting_ics(meeting=Meeting.objects.get(pk=meeting.pk))).walk("VEVENT")[0]
    assert str(event["UID"]).startswith(str(meeting.uid)) and event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == start and moved.place == "مسجد جامع"
    assert Notification.objects.filter(kind="meetings.meeting.rescheduled").count() >= 5


def test_a_stale_reschedule_is_a_conflict(world) -> None:
    meeting = schedule(world)
    start = soon(72)
    services.meeting_reschedule(
        actor=world.secretary,
        meeting=meeting,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="a",
        expected_version=1,
    )
    with pytest.raises(ConflictError):
        services.meeting_reschedule(
            actor=world.chair,
            meeting=meeting,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            place="b",
            expected_version=1,
        )
    assert Meeting.objects.get(pk=meeting.pk).place == "a"


def test_cancelling_needs_a_reason_returns_items_and_sends_a_cancel(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    with pytest.raises(ValidationError):
        services.meeting_transition(actor=world.secretary, meeting=meeting, to="cancelled", reason="  ")
    cancelled = services.meeting_transition(
        actor=world.secretary, meeting=meeting, to="cancelled", reason="تعطیلی"
    )
    assert cancelled.state == "cancelled" and cancelled.cancel_reason == "تعطیلی"
    item = AgendaItem.objects.get(pk=item.pk)
    assert (item.state, item.meeting_id) == ("proposed", None)
    calendar = Calendar.from_ical(meeting_ics(meeting=Meeting.objects.get(pk=meeting.pk)))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert calendar.walk("VEVENT")[0]["SEQUENCE"] == 1
    assert Notification.objects.filter(kind="meetings.meeting.cancelled").exists()
    with pytest.raises(ConflictError):
        services.meeting_transition(actor=world.secretary, meeting=meeting, to="in_session")


def test_reminders_go_once_for_meetings_of_the_next_day(world) -> None:
    schedule(world, hours=20)
    schedule(world, hours=60)
    first = services.meetings_send_reminders()
    again = services.meetings_send_reminders()
    assert Notification.objects.filter(kind="meetings.meeting.reminder", channel="in_app").count() == 5
    assert first >= 5 and again == 0
