"""Helpers of the meeting tests, on top of the shared `council_world`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from mahalat.meetings import services
from mahalat.meetings.models import AgendaItem, AttendanceStatus, Meeting, MeetingState
from tests.councils_world import CouncilWorld


def soon(hours: float = 24) -> datetime:
    return (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def schedule(world: CouncilWorld, *, hours: float = 24, actor: Any = None, **kwargs: Any) -> Meeting:
    start = soon(hours)
    return services.meeting_schedule(
        actor=actor or world.secretary,
        council=world.council,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place=kwargs.pop("place", "سرای محله سرچشمه"),
        **kwargs,
    )


def open_meeting(world: CouncilWorld, meeting: Meeting, *, present: Iterable[int] = (0, 1, 2)) -> Meeting:
    """Open the meeting and mark the members at the given indexes present."""
    meeting = services.meeting_transition(actor=world.secretary, meeting=meeting, to=MeetingState.IN_SESSION)
    for index in present:
        services.attendance_record(
            actor=world.secretary,
            meeting=meeting,
            membership=world.members[index],
            status=AttendanceStatus.PRESENT,
        )
    return Meeting.objects.get(pk=meeting.pk)


def item_on(
    world: CouncilWorld, meeting: Meeting, *, title: str = "روشنایی کوچه‌ها", private: bool = False
) -> AgendaItem:
    item = services.agenda_item_propose(
        actor=world.members[2].user, council=world.council, title=title, description="شرح", is_private=private
    )
    return services.agenda_item_transition(actor=world.secretary, item=item, to="scheduled", meeting=meeting)


def open_vote(
    world: CouncilWorld, item: AgendaItem, *, mode: str = "open", majority: str = "simple"
) -> AgendaItem:
    return services.agenda_item_transition(
        actor=world.secretary, item=item, to="voting", vote_mode=mode, majority=majority
    )


@pytest.fixture
def world(council_world: CouncilWorld) -> CouncilWorld:
    return council_world


_codes = iter(range(1_000_000_000, 9_999_999_999, 7919))


def make_report(neighborhood: Any, *, state: str = "submitted", is_public: bool = True, **kwargs: Any) -> Any:
    """A citizen report row in the neighborhood (its intake is the reports app's business, not ours)."""
    from mahalat.reports.models import Report

    now = timezone.now()
    return Report.objects.create(
        tracking_code=str(next(_codes)),
        city_id=neighborhood.city_id,
        district_id=neighborhood.district_id,
        area_id=neighborhood.area_id,
        neighborhood=neighborhood,
        description=kwargs.pop("description", "چراغ کوچه خاموش است"),
        lat=35.005,
        lng=51.005,
        state=state,
        is_public=is_public,
        handler_kind="area",
        triage_due_at=now + timedelta(days=1),
        resolve_due_at=now + timedelta(days=7),
        deputy_due_at=now + timedelta(days=14),
        submitted_at=now,
        state_changed_at=now,
        reporter_phone=kwargs.pop("reporter_phone", "+989121234567"),
        **kwargs,
    )


@pytest.fixture(autouse=True)
def _english_messages(client: Client) -> Iterator[None]:
    """These tests read messages by their English msgids: services and pages speak English here (the
    Persian translation is checked by tests/project/test_translations.py and the browser journeys)."""
    client.cookies["mahalat_language"] = "en"
    with translation.override("en"):
        yield
