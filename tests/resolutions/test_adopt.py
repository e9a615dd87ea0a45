"""Adopting a resolution: what the item must be, what the inputs must be, who may, and its number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from mahalat.audit.models import Event
from mahalat.errors import ConflictError
from mahalat.meetings.models import AgendaItemState, MeetingState
from mahalat.notifications.models import Notification
from mahalat.resolutions.models import Resolution, ResolutionState, ResolutionTransition, ResponsibleKind
from mahalat.resolutions.services import jalali_year_of, resolution_adopt
from tests.factories import AgencyFactory, CityFactory
from tests.resolutions.conftest import make_item, make_meeting, make_report

pytestmark = pytest.mark.django_db


def _adopt_item(world: Any, item: Any, **overrides: Any) -> Resolution:
    values: dict[str, Any] = {
        "actor": world.chair,
        "item": item,
        "title": "نصب چراغ",
        "text": "شهرداری چراغ نصب کند.",
        "responsible_kind": ResponsibleKind.AREA,
        "deadline": timezone.localdate() + timedelta(days=20),
    }
    values.update(overrides)
    return resolution_adopt(**values)


def test_adoption_records_the_vote_the_owner_and_the_first_number(council_world: Any) -> None:
    report = make_report(council_world.n1, reporter=council_world.people["resident"])
    item = make_item(council_world.council, report=report)
    resolution = _adopt_item(
        council_world,
        item,
        title="  نصب  چراغ  در كوچه ",
        responsible_kind=ResponsibleKind.AGENCY,
        responsible_agency=council_world.agency,
    )
    resolution.refresh_from_db()
    assert resolution.state == ResolutionState.ADOPTED
    assert resolution.title == "نصب چراغ در کوچه"  # normalized: spaces, Arabic kaf
    assert (resolution.votes_for, resolution.votes_against, resolution.votes_abstain) == (4, 1, 0)
    assert (resolution.majority, resolution.vote_base) == ("simple", 5)
    assert resolution.meeting_id == item.meeting_id and resolution.council_id == council_world.council.pk
    assert resolution.sequence == 1 and resolution.jalali_year == jalali_year_of(timezone.now())
    assert resolution.is_public is True
    # The item's own report is linked without being named.
    assert list(resolution.reports.values_list("pk", flat=True)) == [report.pk]
    assert ResolutionTransition.objects.filter(resolution=resolution, to_state="adopted").count() == 1
    assert Event.objects.filter(
        action="resolutions.resolution.adopted", object_id=str(resolution.pk)
    ).exists()
    told = set(
        Notification.objects.filter(kind="resolutions.resolution.adopted").values_list(
            "recipient_id", flat=True
        )
    )
    people = council_world.people
    assert {
        people["district_officer"].pk,
        people["district_manager"].pk,
        people["area_officer"].pk,
        people["liaison"].pk,
    } <= told
    assert people["other_district_officer"].pk not in told
    reporter_note = Notification.objects.get(
        kind="resolutions.report.linked", recipient=people["resident"], channel="in_app"
    )
    assert report.tracking_code in reporter_note.context["tracking_code"]


def test_numbers_follow_each_other_per_council(council_world: Any, adopt: Any) -> None:
    first, second = adopt(), adopt()
    other_chair = council_world.other_council.memberships.get().user
    other = adopt(council=council_world.other_council, actor=other_chair)
    assert (first.sequence, second.sequence) == (1, 2)
    assert other.sequence == 1  # another council counts on its own


def test_other_councils_chair_is_refused(council_world: Any) -> None:
    other_chair = council_world.other_council.memberships.get().user
    with pytest.raises(PermissionDenied):
        _adopt_item(council_world, make_item(council_world.council), actor=other_chair)


def test_numbering_restarts_with_the_jalali_year(council_world: Any, adopt: Any) -> None:
    # 20 March 2026 20:00 UTC is 23:30 on 29 Esfand 1404 in Tehran; an hour later it is 1405.
    esfand = datetime(2026, 3, 20, 20, 0, tzinfo=UTC)
    farvardin = esfand + timedelta(hours=1)
    assert (jalali_year_of(esfand), jalali_year_of(farvardin)) == (1404, 1405)
    a, b = adopt(now=esfand), adopt(now=esfand)
    c = adopt(now=farvardin)
    assert [(r.jalali_year, r.sequence) for r in (a, b, c)] == [(1404, 1), (1404, 2), (1405, 1)]


def test_number_is_shown_in_the_readers_digits() -> None:
    resolution = Resolution(jalali_year=1405, sequence=12)
    with translation.override("fa"):
        assert resolution.number == "۱۴۰۵/۰۱۲"
    with translation.override("en"):
        assert resolution.number == "1405/012"


@pytest.mark.parametrize(
    ("state", "adopted", "meeting_state"),
    [
        (AgendaItemState.VOTING, None, MeetingState.IN_SESSION),  # not decided yet
        (AgendaItemState.DECIDED, False, MeetingState.IN_SESSION),  # rejected by the vote
        (AgendaItemState.DISCUSSED, None, MeetingState.CLOSED),  # discussed, no vote
        (AgendaItemState.DECIDED, True, MeetingState.CANCELLED),  # a cancelled meeting
    ],
)
def test_only_an_adopted_item_of_a_held_meeting_becomes_a_resolution(
    council_world: Any, state: str, adopted: bool | None, meeting_state: str
) -> None:
    meeting = make_meeting(council_world.council, state=meeting_state)
    item = make_item(council_world.council, meeting=meeting, state=state, adopted=adopted)
    with pytest.raises(ConflictError) as caught:
        _adopt_item(council_world, item)
    assert caught.value.status == 409
    assert not Resolution.objects.exists()


def test_an_item_becomes_one_resolution_only(council_world: Any) -> None:
    item = make_item(council_world.council)
    first = _adopt_item(council_world, item)
    with pytest.raises(ConflictError) as caught:
        _adopt_item(council_world, item)
    assert caught.value.status == 409
    assert first.number in caught.value.message
    assert Resolution.objects.count() == 1


def test_a_member_who_is_not_an_officer_may_not_adopt(council_world: Any) -> None:
    with pytest.raises(PermissionDenied):
        _adopt_item(council_world, make_item(council_world.council), actor=council_world.members[2].user)
    with pytest.raises(PermissionDenied):
        _adopt_item(
            council_world, make_item(council_world.council), actor=council_world.people["district_officer"]
        )
    assert not Resolution.objects.exists()


def _errors(world: Any, **overrides: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        _adopt_item(world, make_item(world.council), **overrides)
    assert not Resolution.objects.exists()
    return caught.value.message_dict


def test_agency_must_be_an_active_agency_of_the_city(council_world: Any) -> None:
    elsewhere = AgencyFactory(city=CityFactory())
    closed = AgencyFactory(city=council_world.city, is_active=False)
    for agency in (None, elsewhere, closed):
        assert "responsible_agency" in _errors(
            council_world, responsible_kind=ResponsibleKind.AGENCY, responsible_agency=agency
        )
    # An agency named while the district is responsible is a mistake, not ignored.
    assert "responsible_agency" in _errors(
        council_world, responsible_kind=ResponsibleKind.DISTRICT, responsible_agency=council_world.agency
    )
    assert "responsible_kind" in _errors(council_world, responsible_kind="mayor")


def test_deadline_between_today_and_two_years(council_world: Any) -> None:
    today = timezone.localdate()
    assert "deadline" in _errors(council_world, deadline=today - timedelta(days=1))
    assert "deadline" in _errors(council_world, deadline=today + timedelta(days=800))
    assert "deadline" in _errors(council_world, deadline="1405/01/01")
    assert _adopt_item(council_world, make_item(council_world.council), deadline=today).deadline == today


def test_reports_must_be_live_reports_of_the_neighborhood(council_world: Any) -> None:
    elsewhere = make_report(council_world.n2)
    unverified = make_report(council_world.n1, state="unverified")
    assert "report_ids" in _errors(council_world, report_ids=[elsewhere.pk])
    assert "report_ids" in _errors(council_world, report_ids=[unverified.pk])
    assert "report_ids" in _errors(council_world, report_ids=[987654])
    assert "report_ids" in _errors(council_world, report_ids="12")
    assert "report_ids" in _errors(council_world, report_ids=[True])


def test_oversized_and_wrongly_typed_text_is_refused(council_world: Any) -> None:
    assert "title" in _errors(council_world, title="ا" * 201)
    assert "text" in _errors(council_world, text="ا" * 6001)
    assert "title" in _errors(council_world, title="   ")
    assert "title" in _errors(council_world, title=12)
    assert "text" in _errors(council_world, text=None)


def test_a_private_items_resolution_is_private(council_world: Any, adopt: Any) -> None:
    assert adopt(is_private=True).is_public is False
