"""Decided agenda items and resolutions built from rows (the meeting services are another part's)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from mahalat.meetings.models import AgendaItem, AgendaItemState, Meeting, MeetingState
from mahalat.resolutions.models import Resolution, ResponsibleKind
from mahalat.resolutions.services import resolution_adopt

_numbers = count(1)


def make_meeting(
    council: Any, *, state: str = MeetingState.IN_SESSION, starts_at: datetime | None = None
) -> Meeting:
    start = starts_at or timezone.now() - timedelta(hours=1)
    return Meeting.objects.create(
        city_id=council.city_id,
        district_id=council.district_id,
        area_id=council.area_id,
        neighborhood_id=council.neighborhood_id,
        council=council,
        number=next(_numbers),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        state=state,
    )


def make_item(
    council: Any,
    *,
    meeting: Meeting | None = None,
    state: str = AgendaItemState.DECIDED,
    adopted: bool | None = True,
    is_private: bool = False,
    report: Any = None,
    title: str = "روشنایی کوچه",
) -> AgendaItem:
    meeting = meeting or make_meeting(council)
    return AgendaItem.objects.create(
        city_id=council.city_id,
        district_id=council.district_id,
        area_id=council.area_id,
        neighborhood_id=council.neighborhood_id,
        council=council,
        meeting=meeting,
        title=title,
        source="report" if report is not None else "member",
        report=report,
        is_private=is_private,
        state=state,
        vote_mode="open",
        majority="simple",
        votes_for=4,
        votes_against=1,
        votes_abstain=0,
        vote_base=5,
        votes_needed=3,
        adopted=adopted,
    )


@pytest.fixture
def adopt(council_world: Any) -> Callable[..., Resolution]:
    """Adopt a resolution on a fresh decided item of n1's council, as its chair."""

    def _adopt(
        *,
        kind: str = ResponsibleKind.DISTRICT,
        agency: Any = None,
        deadline: date | None = None,
        now: datetime | None = None,
        council: Any = None,
        actor: Any = None,
        is_private: bool = False,
        report_ids: tuple[int, ...] = (),
        title: str = "نصب چراغ در کوچه شهید رضایی",
    ) -> Resolution:
        council = council or council_world.council
        item = make_item(council, is_private=is_private)
        base = timezone.localdate() if now is None else timezone.localtime(now).date()
        return resolution_adopt(
            actor=actor or council_world.chair,
            item=item,
            title=title,
            text="شهرداری ناحیه دو چراغ در کوچه نصب کند.",
            responsible_kind=kind,
            responsible_agency=agency,
            deadline=deadline or base + timedelta(days=30),
            report_ids=report_ids,
            now=now,
        )

    return _adopt


_codes = count(100000001)


def make_report(
    neighborhood: Any,
    *,
    state: str = "referred",
    reporter: Any = None,
    phone: str = "",
    is_public: bool = True,
    agency: Any = None,
) -> Any:
    """A citizen report in `neighborhood`, in `state`, built from a row."""
    from mahalat.reports.models import Report

    now = timezone.now()
    return Report.objects.create(
        tracking_code=str(next(_codes)),
        city_id=neighborhood.city_id,
        district_id=neighborhood.district_id,
        area_id=neighborhood.area_id,
        neighborhood=neighborhood,
        description="چراغ کوچه خاموش است",
        lat=35.005,
        lng=51.005,
        reporter=reporter,
        reporter_phone=phone or ("" if reporter is not None else "+989120000000"),
        is_public=is_public,
        state=state,
        handler_kind="agency" if agency is not None else "area",
        handler_agency=agency,
        triage_due_at=now + timedelta(days=1),
        resolve_due_at=now + timedelta(days=7),
        deputy_due_at=now + timedelta(days=14),
        submitted_at=now,
        state_changed_at=now,
    )


def stored_resolution(
    council: Any,
    *,
    meeting: Meeting | None = None,
    title: str = "مصوبه",
    is_public: bool = True,
    **fields: Any,
) -> Resolution:
    """One adopted resolution of `council` straight from rows, with its decided agenda item, in a
    closed meeting of its own unless one is given; `fields` override the row's values."""
    meeting = meeting or make_meeting(council, state=MeetingState.CLOSED)
    item = make_item(council, meeting=meeting, is_private=not is_public, title=title)
    values: dict[str, Any] = {
        "city_id": council.city_id,
        "district_id": council.district_id,
        "area_id": council.area_id,
        "neighborhood_id": council.neighborhood_id,
        "council": council,
        "meeting": meeting,
        "agenda_item": item,
        "jalali_year": 1405,
        "sequence": next(_numbers),
        "title": title,
        "text": "متن مصوبه",
        "votes_for": 4,
        "votes_against": 1,
        "votes_abstain": 0,
        "majority": "simple",
        "vote_base": 5,
        "responsible_kind": ResponsibleKind.AREA,
        "deadline": timezone.localdate() + timedelta(days=10),
        "is_public": is_public,
        "adopted_at": meeting.starts_at,
        "state_changed_at": meeting.starts_at,
        **fields,
    }
    return Resolution.objects.create(**values)


def bulk_resolutions(council: Any, n: int, *, start: int = 1, **fields: Any) -> list[Resolution]:
    """`n` resolutions of `council` straight from rows, each with two milestones and a linked report."""
    from mahalat.resolutions.models import Milestone

    meeting = make_meeting(council, state=MeetingState.CLOSED)
    now = timezone.now()
    made = []
    for i in range(n):
        resolution = stored_resolution(
            council,
            meeting=meeting,
            **{
                "title": f"مصوبه {i}",
                "sequence": start + i,
                "text": "متن",
                "adopted_at": now,
                "state_changed_at": now,
                **fields,
            },
        )
        Milestone.objects.create(resolution=resolution, title="گام ۱", due_on=resolution.deadline)
        Milestone.objects.create(resolution=resolution, title="گام ۲", due_on=resolution.deadline)
        resolution.reports.add(make_report(council.neighborhood))
        made.append(resolution)
    return made
