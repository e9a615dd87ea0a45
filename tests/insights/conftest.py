"""A hand-made month of activity in the shared `town`, built through the services at chosen moments, so
that every indicator's value can be worked out by hand in the tests.

Populations: n1 2,000, n2 4,000, n3 1,000 (a11 = d1 = 3,000; a21 = d2 = 4,000; city 7,000).
Mehr 1405 (2026-09-23 … 2026-10-22), all in Tehran time, T0 = 2026-10-01 10:00 (9 Mehr):
- reports in n1: r1 triaged +2h, resolved +10h (due +8h), closed, rated 4; r2 triaged +4h, resolved
  +20h, reopened +30h (due +100h); r3 rejected +6h; r4 still waiting (due far ahead, 2026-12-23);
  one anonymous report never confirmed (not counted);
- reports in n2: r5 triaged +1h, resolved +5h (due +24h), closed, rated 2;
- n1's council (term from 2026-06-01; policy: two meetings a month) held one regular meeting on
  2026-10-05 with 4 seated members, 3 present; a second one was cancelled;
- resolutions of that meeting, adopted 2026-10-05 12:00: R1 due 2026-10-15, done 2026-10-14; R2 due
  2026-10-20, done 2026-10-25; R3 due 2026-10-20, open; R4 due 2026-12-20, open;
- referrals of district 1 to the water agency at T0: acknowledged after 3, 5 and 7 hours; the first
  answered after 10 hours.
Aban 1405: one report in n3 on 2026-10-25. NOW = 2026-11-28 12:00 (7 Azar 1405).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from mahalat.accounts.models import RoleAssignment
from mahalat.councils.models import CouncilPolicy, MemberRole, SeatFill, SeatTemplate, SeatType
from mahalat.meetings.models import AgendaItem, AgendaItemState, AttendanceStatus, MeetingState
from mahalat.meetings.services import attendance_record, meeting_schedule, meeting_transition
from mahalat.referrals.models import ReferralState, TargetKind
from mahalat.referrals.services import Target, referral_create, referral_transition
from mahalat.reports.interactions import report_rate
from mahalat.reports.models import Report, ReportState
from mahalat.reports.services import report_submit, report_transition
from mahalat.resolutions.models import ResolutionState, ResponsibleKind
from mahalat.resolutions.services import resolution_adopt, resolution_transition
from tests.councils_world import active_council, seat
from tests.factories import UserFactory
from tests.towns import Town

TEHRAN = ZoneInfo("Asia/Tehran")
T0 = datetime(2026, 10, 1, 10, 0, tzinfo=TEHRAN)
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=TEHRAN)
MEHR, ABAN, AZAR = (1405, 7), (1405, 8), (1405, 9)

R = ReportState


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """Everything stamped inside happens at `moment` (auto timestamps included)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass
class World:
    town: Town
    reports: dict[str, Report] = field(default_factory=dict)
    resolutions: dict[str, Any] = field(default_factory=dict)
    referrals: list[Any] = field(default_factory=list)
    council: Any = None
    members: list[Any] = field(default_factory=list)

    @property
    def city(self) -> Any:
        return self.town.city

    @property
    def officer(self) -> Any:
        return self.town.people["area_officer"]


def submit(town: Town, where: tuple[float, float], at: datetime, **extra: Any) -> Report:
    with clock(at):
        return report_submit(
            actor=extra.pop("actor", town.people["citizen"]),
            city=town.city,
            description="چراغ کوچه خاموش است",
            lat=where[0],
            lng=where[1],
            category_slug="lighting",
            now=at,
            **extra,
        )


def move(world: World, report: Report, to: str, at: datetime, note: str = "", actor: Any = None) -> Report:
    with clock(at):
        return report_transition(actor=actor or world.officer, report=report, to=to, note=note, now=at)


def backdate_roles() -> None:
    """Roles given now hold from the start of the year, so people act at the chosen past moments."""
    RoleAssignment.objects.update(valid_from=datetime(2026, 1, 1, tzinfo=TEHRAN))


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def build_reports(w: World) -> None:
    town = w.town
    citizen = town.people["citizen"]
    officer_d2 = town.people["other_district_officer"]
    r1, r2, r3, r4 = (submit(town, town.P1, T0) for _ in range(4))
    move(w, r1, R.TRIAGED, T0 + hours(2))
    move(w, r1, R.IN_PROGRESS, T0 + hours(3))
    move(w, r1, R.RESOLVED, T0 + hours(10), note="تعمیر شد")
    move(w, r1, R.CLOSED, T0 + hours(11), actor=citizen)
    move(w, r2, R.TRIAGED, T0 + hours(4))
    move(w, r2, R.IN_PROGRESS, T0 + hours(5))
    move(w, r2, R.RESOLVED, T0 + hours(20), note="تعمیر شد")
    move(w, r2, R.REOPENED, T0 + hours(30), note="هنوز خاموش است", actor=citizen)
    move(w, r3, R.REJECTED, T0 + hours(6), note="در محدوده شهرداری نیست")
    r5 = submit(town, town.P2, T0)
    move(w, r5, R.TRIAGED, T0 + hours(1), actor=officer_d2)
    move(w, r5, R.IN_PROGRESS, T0 + hours(2), actor=officer_d2)
    move(w, r5, R.RESOLVED, T0 + hours(5), note="تعمیر شد", actor=officer_d2)
    move(w, r5, R.CLOSED, T0 + hours(6), actor=citizen)
    with clock(T0 + hours(12)):
        report_rate(actor=citizen, report=Report.objects.get(pk=r1.pk), score=4)
    with clock(T0 + hours(7)):
        report_rate(actor=citizen, report=Report.objects.get(pk=r5.pk), score=2)
    # Service levels chosen by hand (the working-time calendar is another part's subject).
    for report, due in [
        (r1, T0 + hours(8)),
        (r2, T0 + hours(100)),
        (r4, datetime(2026, 12, 23, tzinfo=TEHRAN)),
    ]:
        Report.objects.filter(pk=report.pk).update(resolve_due_at=due)
    Report.objects.filter(pk=r5.pk).update(resolve_due_at=T0 + hours(24))
    submit(town, town.P1, T0, actor=None, phone="09121112233")  # never confirmed: not counted
    r6 = submit(town, town.P3, datetime(2026, 10, 25, 9, 0, tzinfo=TEHRAN))
    w.reports.update(r1=r1, r2=r2, r3=r3, r4=r4, r5=r5, r6=r6)


def build_council(w: World) -> None:
    town = w.town
    with clock(datetime(2026, 5, 20, 9, 0, tzinfo=TEHRAN)):  # rows stamped before the term
        CouncilPolicy.objects.create(city=town.city, in_force_from=date(2026, 1, 1), meetings_per_month=2)
        template = SeatTemplate.objects.create(city=town.city, name="پایه", name_en="Basic", is_default=True)
        residents = SeatType.objects.create(
            template=template,
            code="residents",
            name="معتمدان",
            name_en="Residents",
            fill=SeatFill.ELECTED,
            seats=5,
        )
        council = active_council(town.n1, template, term_start=date(2026, 6, 1))
        roles = [MemberRole.CHAIR, MemberRole.SECRETARY, MemberRole.MEMBER, MemberRole.MEMBER]
        w.members = [seat(council, user=UserFactory(), seat_type=residents, role=role) for role in roles]
        w.council = council
    backdate_roles()
    chair = w.members[0].user
    planned = datetime(2026, 10, 5, 17, 0, tzinfo=TEHRAN)
    with clock(planned - timedelta(days=3)):
        held = meeting_schedule(
            actor=chair, council=council, starts_at=planned, ends_at=planned + hours(2), place="سرای محله"
        )
        other = meeting_schedule(
            actor=chair,
            council=council,
            starts_at=planned + timedelta(days=7),
            ends_at=planned + hours(170),
            place="سرای محله",
        )
        meeting_transition(actor=chair, meeting=other, to=MeetingState.CANCELLED, reason="تعطیل رسمی")
    with clock(planned):
        held = meeting_transition(actor=chair, meeting=held, to=MeetingState.IN_SESSION)
        for membership in w.members[:3]:
            attendance_record(
                actor=chair, meeting=held, membership=membership, status=AttendanceStatus.PRESENT
            )
    adopted_at = datetime(2026, 10, 5, 12, 0, tzinfo=TEHRAN)
    deadlines = {
        "R1": date(2026, 10, 15),
        "R2": date(2026, 10, 20),
        "R3": date(2026, 10, 20),
        "R4": date(2026, 12, 20),
    }
    with clock(planned + hours(1)):
        for name, deadline in deadlines.items():
            item = AgendaItem.objects.create(
                city_id=council.city_id,
                district_id=council.district_id,
                area_id=council.area_id,
                neighborhood_id=council.neighborhood_id,
                council=council,
                meeting=held,
                title=f"مصوبه {name}",
                source="member",
                state=AgendaItemState.DECIDED,
                vote_mode="open",
                majority="simple",
                votes_for=3,
                votes_against=0,
                votes_abstain=0,
                vote_base=3,
                votes_needed=2,
                adopted=True,
            )
            w.resolutions[name] = resolution_adopt(
                actor=chair,
                item=item,
                title=f"مصوبه {name}",
                text="شهرداری ناحیه چراغ نصب کند.",
                responsible_kind=ResponsibleKind.DISTRICT,
                deadline=deadline,
                now=adopted_at,
            )
        meeting_transition(actor=chair, meeting=held, to=MeetingState.CLOSED)
    officer = town.people["district_officer"]
    for name in deadlines:
        with clock(adopted_at + hours(24)):
            w.resolutions[name] = resolution_transition(
                actor=officer, resolution=w.resolutions[name], to=ResolutionState.ASSIGNED
            )
            w.resolutions[name] = resolution_transition(
                actor=officer, resolution=w.resolutions[name], to=ResolutionState.IN_PROGRESS, progress=10
            )
    for name, day in [
        ("R1", datetime(2026, 10, 14, 10, 0, tzinfo=TEHRAN)),
        ("R2", datetime(2026, 10, 25, 10, 0, tzinfo=TEHRAN)),
    ]:
        with clock(day):
            w.resolutions[name] = resolution_transition(
                actor=officer, resolution=w.resolutions[name], to=ResolutionState.DONE, note="انجام شد"
            )


def build_referrals(w: World) -> None:
    town = w.town
    liaison = town.people["liaison"]
    for ack, answer in [(3, 10), (5, None), (7, None)]:
        with clock(T0):
            referral = referral_create(
                actor=town.people["district_officer"],
                district=town.d1,
                target=Target(kind=TargetKind.AGENCY, agency=town.water),
                subject="نشت آب",
            )
        with clock(T0 + hours(ack)):
            referral = referral_transition(actor=liaison, referral=referral, to=ReferralState.ACKNOWLEDGED)
        if answer is not None:
            with clock(T0 + hours(answer - 1)):
                referral = referral_transition(actor=liaison, referral=referral, to=ReferralState.ACCEPTED)
            with clock(T0 + hours(answer)):
                referral = referral_transition(
                    actor=liaison,
                    referral=referral,
                    to=ReferralState.ANSWERED,
                    response="لوله تعویض می‌شود",
                    planned_date=date(2026, 10, 10),
                )
        w.referrals.append(referral)


@pytest.fixture
def world(town: Town) -> World:
    for neighborhood, population in [(town.n1, 2000), (town.n2, 4000), (town.n3, 1000)]:
        type(neighborhood).objects.filter(pk=neighborhood.pk).update(population=population)
    w = World(town=town)
    backdate_roles()
    build_reports(w)
    build_council(w)
    build_referrals(w)
    return w


def published_policy(town: Town, *, title: str = "اهداف شاخص‌ها", kind: str = "policy") -> Any:
    """A policy (or circular) of the town, published by the deputy."""
    from django.utils import timezone

    from mahalat.policies.services import policy_publish, policy_save

    deputy = town.people["deputy"]
    draft = policy_save(
        actor=deputy,
        city=town.city,
        kind=kind,
        title=title,
        body="<p>اهداف سالانهٔ شاخص‌ها</p>",
        effective_from=timezone.localdate(),
        all_districts=True,
    )
    return policy_publish(actor=deputy, policy=draft)
