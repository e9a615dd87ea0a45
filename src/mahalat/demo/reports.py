"""The demo city's citizen reports: a year of a city's life, written through the real services.

`demo_reports_load` adds to the loaded demo city «کوهسار»:

- about 150 residents (common Persian names, mobile numbers in the reserved demo range
  +98 912 100 0xxx, no usable password), each living in one neighborhood;
- the staff who handle reports where the demo accounts do not: one area officer per area and one
  district social officer per district outside district 1 (+98 912 001 0xxx, no usable password);
  in district 1 the demo accounts themselves (the area officer of area 1 and the district officer)
  do the work, so signing in as them shows a year of their history;
- `count` reports (2,000 by default) over the last 365 days: more on working days and in daytime,
  fewer on Fridays, holidays and at night, growing over the year as the system catches on; spread
  over the 60 neighborhoods by population, over the leaf categories as a real 137 system sees them
  (waste, asphalt, lighting and green space first; gas in winter, power in summer, schools in Mehr),
  at points inside each neighborhood (around a few busy streets of it, or anywhere in it);
- each report's whole life, each step through the same service a person would use: triage,
  work, referral to an agency, resolution, the reporter's confirmation or the system's auto-close
  after REPORT_AUTO_CLOSE_DAYS, reopening, rejection with a reason, merging into an earlier report
  nearby; supports, comments (a few hidden by a moderator), ratings, the council's endorsements.
  Steps that would fall after today do not happen, so recent reports are still open; a few old ones
  were forgotten along the way and are escalated at the end by the real escalation job;
- a referral is made by the area or district officer with `referrals.services.referral_create`
  (sometimes sharing the reporter's contact details) to the agency that serves the report's district,
  and the agency's liaison (its demo account) acts on it in working hours over the following days:
  acknowledged, accepted, answered with a planned date, done by the district — or declined with a
  reason and a suggested body (the report is handed back, and then referred on or done by the
  area), or reopened by the district (see `demo.referrals`). The report follows its referral.
  Some were left waiting past a deadline; the real referral job escalates them at the end;
- a handful of reports of the demo citizen account (09120000001) in every state, so that "my reports"
  and the notification bell show something when one signs in as her.

Dating the history. The services take `now=` for their own deadlines, but the rows they write are
dated by the clock: `auto_now_add` fields, audit events, notification rows. So each step runs under a
simulated clock: `django.utils.timezone.now` returns the step's moment while the step runs and the
real time again right after. Permission checks also read the clock (a role counts from its
`valid_from`), and the demo accounts got their roles when the city was loaded, i.e. today. A person's
roles are read once per user object and remembered on it (`accounts.rules.held_roles`), so they are
read here at the real time, before the simulation starts: the checks are the real ones, made with
the roles people hold today. The staff made here hold their roles from before the year began.

Notifications. Every step enqueues the notifications a person would get, as the services do. They
are history, not news: after the load the rows it wrote are marked delivered (sent at the moment
they were made) and, for the app, read — except the last few of each demo account, which stay unread
so the bell has something to show. This happens inside the load's transaction, before the commit that
starts delivery, so nothing of it is ever sent to anyone.

The whole load is one transaction: all or nothing, so "the demo city already has `count` reports" is
a sure sign that it was loaded, and a second run does nothing. Everything is drawn from one seeded
random generator; the dates are counted back from today.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jdatetime
import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape
from tqdm import tqdm

from mahalat.accounts.models import Role, RoleAssignment, ScopeKind, User
from mahalat.accounts.phone import normalize_phone
from mahalat.accounts.rules import held_roles
from mahalat.accounts.services import role_assign, user_register
from mahalat.demo import referral_texts, referrals
from mahalat.demo import report_texts as texts
from mahalat.demo.categories import CATEGORY_SEEDS
from mahalat.demo.city import CITY_SLUG, COUNCIL_NEIGHBORHOOD_SLUG, district_slug
from mahalat.demo.services import CITIZEN, DEMO_ACCOUNTS
from mahalat.notifications.models import Channel, Notification, State
from mahalat.referrals.models import Agency, Referral, ReferralState, TargetKind
from mahalat.referrals.services import (
    Hours,
    Target,
    agreement_hours,
    referral_create,
    referral_transition,
    referrals_check_deadlines,
)
from mahalat.reports.interactions import (
    report_comment_add,
    report_comment_hide,
    report_endorse,
    report_merge,
    report_rate,
    report_support,
)
from mahalat.reports.models import (
    OPEN_STATES,
    Category,
    HandlerKind,
    Report,
    ReportKind,
    ReportState,
)
from mahalat.reports.services import report_submit, report_transition, reports_escalate_overdue
from mahalat.territory.locate import invalidate_index
from mahalat.territory.models import Area, City, District, Neighborhood
from mahalat.worktime.calendar import TEHRAN, WorkCalendar, load_calendar, local_date

S = ReportState

DEFAULT_COUNT = 2000
DEFAULT_SEED = 1405
RESIDENTS = 150
HISTORY_DAYS = 365
# Reserved demo ranges (the demo accounts are +98 912 000 00xx).
RESIDENT_PHONE = "09121000{n:03d}"
STAFF_PHONE = "09120010{n:03d}"
# The district whose reports the demo accounts handle themselves.
HOME_DISTRICT = district_slug(1)
UNREAD_KEPT = 5  # in-app notifications left unread per demo account

# How a real 137 system's load splits over the categories (relative weights).
CATEGORY_WEIGHTS: dict[str, float] = {
    "waste": 20,
    "asphalt": 16,
    "street-lighting": 13,
    "green-space": 11,
    "nuisance": 8,
    "stray-animals": 5,
    "water-sewage": 5,
    "construction": 4,
    "traffic": 4,
    "proposal": 3,
    "power": 2.5,
    "social-harms": 2.5,
    "culture": 2,
    "telecom": 1.5,
    "schools": 1.5,
    "gas": 1,
    "health": 1,
}
# Seasons, by Jalali month (1 = Farvardin): a factor on the category's weight.
SEASONS: dict[str, dict[int, float]] = {
    "asphalt": {9: 1.3, 10: 1.6, 11: 1.6, 12: 1.4, 4: 0.8, 5: 0.8, 6: 0.8},
    "green-space": {1: 1.3, 2: 1.5, 3: 1.5, 4: 1.4, 5: 1.4, 6: 1.3, 10: 0.5, 11: 0.5, 12: 0.6},
    "water-sewage": {4: 1.4, 5: 1.5, 6: 1.4},
    "gas": {9: 1.8, 10: 2.2, 11: 2.2, 12: 1.6, 2: 0.4, 3: 0.3, 4: 0.3, 5: 0.3, 6: 0.3},
    "power": {4: 1.8, 5: 2.0, 6: 1.6},
    "street-lighting": {8: 1.2, 9: 1.3, 10: 1.3, 11: 1.2},
    "waste": {1: 1.5, 8: 1.2, 9: 1.2},
    "schools": {7: 2.5, 8: 1.5, 4: 0.2, 5: 0.2, 6: 0.3},
    "culture": {1: 1.3, 4: 1.3, 12: 1.3},
}
KIND_WEIGHTS: dict[str, float] = {
    ReportKind.PROBLEM: 60,
    ReportKind.REQUEST: 21,
    ReportKind.CRITICISM: 6,
    ReportKind.COMPLAINT: 6,
    ReportKind.PROPOSAL: 4,
    ReportKind.THANKS: 3,
}
SEVERITY_WEIGHTS: dict[str, tuple[float, float, float]] = {  # low, medium, high
    "asphalt": (40, 45, 15),
    "water-sewage": (35, 45, 20),
    "power": (25, 50, 25),
    "gas": (15, 40, 45),
}
# Where a report of a municipal category is sometimes sent on to an agency.
SIDE_REFERRALS: dict[str, str] = {
    "asphalt": "kuhsar-water",
    "street-lighting": "kuhsar-power",
    "green-space": "kuhsar-water",
    "nuisance": "kuhsar-police",
    "stray-animals": "kuhsar-health",
    "culture": "kuhsar-education",
    "construction": "kuhsar-fire",
}
# Where the district refers a category's reports when that is not the category's own agency.
REFERRAL_TARGETS: dict[str, str] = {"traffic": "kuhsar-traffic-police"}
LIAISON_PHONE = "09120011{n:03d}"  # a liaison made for an agency that has none
SHARE_CONTACT = 0.3  # of the referrals of a report that share the reporter's contact details
# Reports in the local day, hour by hour (Asia/Tehran): quiet nights, busy mornings and evenings.
HOUR_WEIGHTS = (
    0.6, 0.3, 0.15, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.5, 3.8, 3.6,
    3.2, 2.6, 2.4, 2.6, 2.8, 3.0, 3.2, 3.4, 3.3, 3.0, 2.2, 1.3,
)  # fmt: skip
# By date.weekday(): Monday … Sunday. Saturday starts the Iranian week; Friday is the weekend.
WEEKDAY_WEIGHTS = (1.05, 1.0, 0.95, 0.75, 0.45, 1.15, 1.1)
RATING_WEIGHTS = {"good": (9, 6, 12, 25, 48), "late": (14, 12, 22, 27, 25), "reopened": (25, 22, 25, 18, 10)}


@dataclass(frozen=True, slots=True)
class DemoReportsSummary:
    created: int  # reports made by this run (0 when the demo already had them)
    reports: int  # reports of the demo city now
    by_state: dict[str, int]
    residents_created: int
    staff_created: int
    supports: int
    comments: int
    hidden_comments: int
    ratings: int
    endorsements: int
    escalated: int
    notifications: int  # rows this run wrote to the outbox (all marked delivered)
    seconds: float
    referrals: int = 0  # referrals of reports made by this run
    referrals_escalated: int = 0  # breaches the periodic referral job escalated at the end


# --- the simulated clock ------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.real: Callable[[], datetime] = timezone.now
        self.at: datetime | None = None

    def now(self) -> datetime:
        return self.at if self.at is not None else self.real()


@contextmanager
def _simulated_clock() -> Iterator[_Clock]:
    """`timezone.now()` answers `clock.at` while it is set, the real time otherwise; always restored."""
    clock = _Clock()
    timezone.now = clock.now  # type: ignore[assignment]
    try:
        yield clock
    finally:
        timezone.now = clock.real  # type: ignore[assignment]


# --- the plan -----------------------------------------------------------------------------------


@dataclass(eq=False)
class _Hood:
    obj: Neighborhood
    inner: Any  # the boundary shrunk by ~25 m, prepared: points never sit on a shared border
    hotspots: list[tuple[float, float]]
    places: texts.LocalPlaces
    residents: list[User] = field(default_factory=list)


@dataclass(eq=False)
class _Cat:
    obj: Category
    weight: float
    agency: Agency | None  # the category's own agency, or the one it sometimes refers to
    texts: texts.CategoryTexts


@dataclass(eq=False)
class _Step:
    at: datetime
    action: str  # transition, merge, support, comment, hide, rate, endorse
    who: Any = None  # the acting user; None is the system
    to: str = ""
    note: str = ""
    agency: Agency | None = None  # the agency referred to, or the one a decline suggests
    original: _Plan | None = None
    slot: dict[str, Any] | None = None  # shared by a comment and its hiding
    score: int = 0
    flag: bool = False
    subject: str = ""
    planned: date | None = None
    suggested_body: str = ""


@dataclass(eq=False)
class _Plan:
    hood: _Hood
    cat: _Cat
    kind: str
    reporter: User
    officer: User
    submitted_at: datetime
    lat: float
    lng: float
    description: str
    fix: str  # what the officer writes once it is done
    address: str
    answers: dict[str, str]
    show_name: bool
    steps: list[_Step] = field(default_factory=list)
    open_until: datetime | None = None  # first moment it stops being open (resolved, rejected, merged)
    report: Report | None = None
    state: str = ""
    supporters: set[int] = field(default_factory=set)
    referral: Referral | None = None  # the referral the report follows (or followed last)
    referral_state: str = ""

    @property
    def is_public(self) -> bool:
        return self.cat.obj.public_by_default


class _Load:
    def __init__(self, *, city: City, count: int, seed: int, now: datetime) -> None:
        self.city = city
        self.count = count
        self.rng = random.Random(seed)
        self.now = now
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.calendar: WorkCalendar = load_calendar(
            city_id=city.pk, first_day=local_date(self.start) - timedelta(days=60)
        )
        self.plans: list[_Plan] = []
        # Reports that may be repeated by someone else, by (district, category).
        self.open_by_district: dict[tuple[int, int], list[_Plan]] = {}
        self.residents_created = 0
        self.staff_created = 0
        self.endorsements_left = 12
        self.agencies: dict[str, Agency] = {}
        self.served: dict[int, frozenset[int] | None] = {}  # agency → its districts (None: all)
        self.liaisons: dict[int, User] = {}
        self._hours: dict[tuple[int | None, int | None], Hours] = {}

    # --- agencies ---------------------------------------------------------------------------

    def agencies_load(self) -> None:
        self.agencies = {a.slug: a for a in Agency.objects.filter(city=self.city, is_active=True)}
        through = Agency.districts.through.objects.filter(agency__city=self.city)
        districts: dict[int, set[int]] = {}
        for agency_id, district_id in through.values_list("agency_id", "district_id"):
            districts.setdefault(agency_id, set()).add(district_id)
        for agency in self.agencies.values():
            self.served[agency.pk] = None if agency.is_citywide else frozenset(districts.get(agency.pk, ()))

    def serving(self, agency: Agency | None, district_id: int) -> Agency | None:
        """The agency if it serves the district, else one of its kind that does (None: none does)."""
        if agency is None:
            return None
        for candidate in (agency, *(a for a in self.agencies.values() if a.kind == agency.kind)):
            served = self.served.get(candidate.pk)
            if candidate.pk in self.served and (served is None or district_id in served):
                return candidate
        return None

    def hours(self, agency: Agency | None, category: Category | None) -> Hours:
        key = (agency.pk if agency else None, category.pk if category else None)
        if key not in self._hours:
            self._hours[key] = agreement_hours(city_id=self.city.pk, agency_id=key[0], category_id=key[1])
        return self._hours[key]

    # --- time -------------------------------------------------------------------------------

    def work(self, start: datetime, hours: float) -> datetime:
        """`hours` of working time after `start`: when staff act."""
        return self.calendar.add_working_time(start=start, hours=max(hours, 0.05))

    def working_hours(self, start: datetime, end: datetime) -> float:
        return self.calendar.working_time_between(start=start, end=end)

    def citizen(self, start: datetime, hours: float) -> datetime:
        """`hours` after `start`, moved out of the small hours: when residents act."""
        moment = start + timedelta(hours=max(hours, 0.02))
        local = moment.astimezone(TEHRAN)
        if local.hour < 7:
            local = local.replace(hour=self.rng.randint(7, 10), minute=self.rng.randint(0, 59))
            moment = local.astimezone(UTC)
        return moment

    def submission_times(self, n: int) -> list[datetime]:
        today = local_date(self.now)
        days = [today - timedelta(days=d) for d in range(HISTORY_DAYS)]
        weights = []
        for d, day in enumerate(days):
            weight = WEEKDAY_WEIGHTS[day.weekday()] * (0.7 + 0.6 * (1 - d / HISTORY_DAYS))
            if day.weekday() != 4 and not self.calendar.is_working_day(day):
                weight *= 0.6
            weights.append(weight)
        result: list[datetime] = []
        while len(result) < n:
            day = self.rng.choices(days, weights)[0]
            hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
            local = datetime(day.year, day.month, day.day, hour, self.rng.randint(0, 59), tzinfo=TEHRAN)
            moment = local.astimezone(UTC) + timedelta(seconds=self.rng.randint(0, 59))
            if self.start < moment < self.now - timedelta(minutes=10):
                result.append(moment)
        result.sort()
        return result

    # --- places -----------------------------------------------------------------------------

    def point_in(self, hood: _Hood, near: tuple[float, float] | None = None, spread: float = 0.0006):
        minx, miny, maxx, maxy = hood.inner.bounds
        for _attempt in range(500):
            if near is not None:
                x, y = self.rng.gauss(near[0], spread), self.rng.gauss(near[1], spread)
            else:
                x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if shapely.contains_xy(hood.inner, x, y):
                return round(y, 6), round(x, 6)
        point = hood.inner.representative_point()
        return round(point.y, 6), round(point.x, 6)

    def report_point(self, hood: _Hood) -> tuple[float, float]:
        if self.rng.random() < 0.55:
            return self.point_in(hood, near=self.rng.choice(hood.hotspots))
        return self.point_in(hood)


# --- people -------------------------------------------------------------------------------------


def _user_ensure(clock: _Clock, *, phone: str, full_name: str, joined: datetime) -> tuple[User, bool]:
    """The person with this number, registered (without a usable password, as of `joined`) if missing."""
    user = User.objects.filter(phone=normalize_phone(phone)).first()
    if user is not None:
        return user, False
    clock.at = joined
    try:
        user = user_register(phone=phone, password=None, full_name=full_name)
    finally:
        clock.at = None
    user.date_joined = joined
    user.save(update_fields=["date_joined"])
    return user, True


def _names(rng: random.Random, taken: set[str]) -> Iterator[str]:
    pairs = [f"{first} {last}" for first in texts.FIRST_NAMES for last in texts.LAST_NAMES]
    rng.shuffle(pairs)
    for name in pairs:
        if name not in taken:
            taken.add(name)
            yield name


def _role_holder(role: str, **scope: Any) -> User | None:
    assignment = (
        RoleAssignment.objects.active()
        .filter(role=role, **scope)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    return assignment.user if assignment is not None else None


def _staff_ensure(
    load: _Load, clock: _Clock, names: Iterator[str]
) -> tuple[dict[int, User | None], dict[int, User]]:
    """Who handles reports in each area and district: the demo accounts in district 1, made-up
    officers elsewhere (created once, holding their role since before the year began)."""
    since = load.start - timedelta(days=90)
    area_officers: dict[int, User | None] = {}
    district_officers: dict[int, User] = {}
    number = 0
    for district in District.objects.filter(city=load.city).order_by("number"):
        for role, kind, units in (
            (Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, [district]),
            (
                Role.AREA_OFFICER,
                ScopeKind.AREA,
                list(Area.objects.filter(district=district).order_by("number")),
            ),
        ):
            for unit in units:
                number += 1
                # Drawn whether or not they are needed, so the draws after them never depend on it.
                name, joined = next(names), since - timedelta(days=load.rng.randint(30, 900))
                field_name = "district" if kind == ScopeKind.DISTRICT else "area"
                holder = _role_holder(role, **{field_name: unit})
                if holder is None and district.slug != HOME_DISTRICT:
                    holder, created = _user_ensure(
                        clock, phone=STAFF_PHONE.format(n=number), full_name=name, joined=joined
                    )
                    load.staff_created += created
                    role_assign(
                        actor=None,
                        user=holder,
                        role=role,
                        scope_kind=kind,
                        scope_ref=unit.slug,
                        valid_from=since,
                    )
                if kind == ScopeKind.DISTRICT:
                    if holder is None:
                        raise ValidationError(
                            _("No one is the social officer of %(district)s; load the demo city again.")
                            % {"district": district.slug}
                        )
                    district_officers[district.pk] = holder
                else:
                    area_officers[unit.pk] = holder
    return area_officers, district_officers


def _residents_ensure(load: _Load, clock: _Clock, hoods: list[_Hood], names: Iterator[str]) -> None:
    """RESIDENTS people, two in every neighborhood and the rest where more people live."""
    homes = [hood for hood in hoods for _ in range(2)]
    homes += load.rng.choices(hoods, [hood.obj.population or 1 for hood in hoods], k=RESIDENTS - len(homes))
    for n, hood in enumerate(homes, start=1):
        joined = load.start - timedelta(days=load.rng.randint(1, 700))
        user, created = _user_ensure(
            clock, phone=RESIDENT_PHONE.format(n=n), full_name=next(names), joined=joined
        )
        load.residents_created += created
        hood.residents.append(user)


# --- one report's life ---------------------------------------------------------------------------


def _severity(rng: random.Random, category: Category) -> dict[str, str]:
    answers: dict[str, str] = {}
    for question in category.questions:
        if question.get("datatype") != "singlevaluelist":
            continue
        keys = [str(v["key"]) for v in question.get("values", [])]
        weights = SEVERITY_WEIGHTS.get(category.slug)
        if question.get("code") == "severity" and weights and len(weights) == len(keys):
            answers[question["code"]] = rng.choices(keys, weights)[0]
        else:
            answers[question["code"]] = rng.choice(keys)
    return answers


def _lifecycle(load: _Load, plan: _Plan, *, reject: bool, stall: str | None, original: _Plan | None) -> None:
    """The steps of one report, from its triage to its rating; those after today are dropped."""
    rng, cat = load.rng, plan.cat
    category, t0 = cat.obj, plan.submitted_at
    steps: list[_Step] = []
    staff = plan.officer

    def transition(at: datetime, to: str, note: str = "", who: Any = staff, agency: Agency | None = None):
        steps.append(_Step(at=at, action="transition", who=who, to=to, note=note, agency=agency))

    late_triage = rng.random() < 0.15
    triage_hours = category.triage_hours * (rng.uniform(1.1, 3.0) if late_triage else rng.uniform(0.05, 0.9))
    t_triage = load.work(t0, triage_hours)
    if stall == S.SUBMITTED:
        pass
    elif original is not None:
        steps.append(_Step(at=t_triage, action="merge", who=staff, original=original))
    elif reject and rng.random() < 0.7:
        transition(t_triage, S.REJECTED, _rejection(rng, plan))
    else:
        transition(t_triage, S.TRIAGED, rng.choice(texts.TRIAGE_NOTES) if rng.random() < 0.35 else "")
        if reject:
            transition(load.work(t_triage, rng.uniform(0.5, 10)), S.REJECTED, _rejection(rng, plan))
        elif stall != S.TRIAGED:
            _work_to_close(load, plan, steps, t_triage, stall)
    # What lies in the future has not happened: cut at the first step not reached yet.
    plan.steps = steps[: next((i for i, step in enumerate(steps) if step.at > load.now), len(steps))]
    ends = [s.at for s in plan.steps if s.action == "merge" or s.to in {S.REJECTED, S.RESOLVED}]
    plan.open_until = ends[0] if ends else load.now


def _rejection(rng: random.Random, plan: _Plan) -> str:
    if plan.kind == ReportKind.PROPOSAL:
        return rng.choice(texts.PROPOSAL_REJECTIONS)
    if plan.kind in {ReportKind.CRITICISM, ReportKind.COMPLAINT}:
        return rng.choice(texts.CRITICISM_REJECTIONS + texts.REJECTIONS[:2])
    return rng.choice(texts.REJECTIONS)


def _resolution(rng: random.Random, plan: _Plan, *, again: bool = False) -> str:
    return rng.choice(texts.REWORK_FIXES) if again else plan.fix


def _work_to_close(
    load: _Load, plan: _Plan, steps: list[_Step], t_triage: datetime, stall: str | None
) -> None:
    """From triage to closure: work or referral, resolution, perhaps a reopening, closure, rating."""
    rng, cat, staff = load.rng, plan.cat, plan.officer
    category, t0 = cat.obj, plan.submitted_at
    late = rng.random() < 0.2
    target = category.resolve_hours * (rng.uniform(1.05, 2.5) if late else rng.uniform(0.2, 0.95))
    t_resolve = load.work(t0, target)
    if t_resolve <= t_triage:
        t_resolve = load.work(t_triage, rng.uniform(1, 6))

    def transition(at: datetime, to: str, note: str = "", who: Any = staff, agency: Agency | None = None):
        steps.append(_Step(at=at, action="transition", who=who, to=to, note=note, agency=agency))

    def between(a: datetime, b: datetime, low: float = 0.1, high: float = 0.6) -> datetime:
        moment = load.work(a, max(load.working_hours(a, b), 0.2) * rng.uniform(low, high))
        return moment if moment < b else a + (b - a) / 2

    own_agency = category.handler_kind == HandlerKind.AGENCY
    refer = cat.agency is not None and rng.random() < (0.85 if own_agency else 0.05)
    if plan.kind == ReportKind.THANKS:
        refer = False
    agency = load.serving(cat.agency, plan.hood.obj.district_id) if refer else None
    via_referral = False
    if agency is not None:
        t_refer = between(t_triage, t_resolve, 0.05, 0.3)
        outcome, t_end, suggested = _report_referral(
            load, plan, steps, at=t_refer, agency=agency, stall=stall
        )
        if outcome == "waiting":
            return
        if outcome == "declined":
            # Handed back to the municipality: referred on to the body suggested, or done by the area.
            agency = load.serving(suggested, plan.hood.obj.district_id)
            if agency is not None and rng.random() < 0.5:
                t_again = load.work(t_end, rng.uniform(1, 8))
                outcome, t_end, _ = _report_referral(
                    load, plan, steps, at=t_again, agency=agency, stall=None, ending=referrals.R.DONE
                )
            else:
                t_resolve = max(t_resolve, load.work(t_end, rng.uniform(4, 40)))
                transition(t_resolve, S.RESOLVED, _resolution(rng, plan))
        if outcome == "done":
            t_resolve, via_referral = t_end, True
    else:
        t_work = between(t_triage, t_resolve)
        transition(t_work, S.IN_PROGRESS, rng.choice(cat.texts.progress) if rng.random() < 0.6 else "")
        if stall == S.IN_PROGRESS:
            return
        transition(t_resolve, S.RESOLVED, _resolution(rng, plan))
    reopened = plan.kind != ReportKind.THANKS and rng.random() < 0.06
    t_done = t_resolve
    if reopened:
        t_reopen = load.citizen(t_resolve, rng.uniform(3, 120))
        transition(t_reopen, S.REOPENED, rng.choice(texts.REOPEN_NOTES), who=plan.reporter)
        if stall == S.REOPENED:
            return
        t_rework = load.work(t_reopen, rng.uniform(1, 16))
        if via_referral and rng.random() < 0.6:
            # The district reopens the referral: the report is referred again and follows it.
            assert agency is not None
            for step in referrals.reopened_steps(
                rng,
                work=load.work,
                at=t_rework,
                sender=staff,
                receiver=load.liaisons[agency.pk],
                waiting=False,
            ):
                steps.append(_referral_step(step, load))
            t_done = steps[-1].at
        else:
            transition(t_rework, S.IN_PROGRESS, rng.choice(texts.REWORK_NOTES))
            t_done = load.work(t_rework, rng.uniform(2, max(3.0, category.resolve_hours * 0.6)))
            transition(t_done, S.RESOLVED, _resolution(rng, plan, again=True))
    auto_close_days = settings.REPORT_AUTO_CLOSE_DAYS
    if rng.random() < 0.5:  # the reporter confirms the fix
        t_close = min(
            load.citizen(t_done, rng.uniform(1, 140)), t_done + timedelta(days=auto_close_days, hours=-2)
        )
        note = rng.choice(texts.CONFIRM_NOTES) if rng.random() < 0.4 else ""
        transition(t_close, S.CLOSED, note, who=plan.reporter)
        rated, t_rate = rng.random() < 0.85, t_close + timedelta(minutes=rng.uniform(1, 20))
    else:  # the periodic job closes it once the reporter let the days pass
        t_close = t_done + timedelta(days=auto_close_days, minutes=rng.uniform(1, 59))
        transition(t_close, S.CLOSED, who=None)
        rated, t_rate = rng.random() < 0.45, load.citizen(t_close, rng.uniform(1, 72))
    if rated:
        band = "reopened" if reopened else "late" if late else "good"
        score = rng.choices((1, 2, 3, 4, 5), RATING_WEIGHTS[band])[0]
        comment = rng.choice(texts.RATING_COMMENTS[score]) if rng.random() < 0.45 else ""
        steps.append(_Step(at=t_rate, action="rate", who=plan.reporter, note=comment, score=score))


def _referral_step(step: referrals.ReferralStep, load: _Load) -> _Step:
    return _Step(
        at=step.at,
        action="referral",
        who=step.who,
        to=step.to,
        note=step.note,
        planned=step.planned,
        suggested_body=step.suggested_body,
        agency=load.agencies.get(step.suggested_agency) if step.suggested_agency else None,
    )


def _report_referral(
    load: _Load,
    plan: _Plan,
    steps: list[_Step],
    *,
    at: datetime,
    agency: Agency,
    stall: str | None,
    ending: str | None = None,
) -> tuple[str, datetime, Agency | None]:
    """The report referred to `agency` at `at`, and the agency's work on it as far as `ending` (drawn
    when not given). Returns how it ends for the report — "waiting" (still referred), "declined"
    (handed back) or "done" (resolved) — the moment it does, and the agency a decline suggests."""
    rng, category = load.rng, plan.cat.obj
    hours = load.hours(agency, category)
    if ending is None:
        ending = referrals.draw_ending(rng, waiting=stall == S.REFERRED)
    steps.append(
        _Step(
            at=at,
            action="refer",
            who=plan.officer,
            agency=agency,
            subject=referral_texts.subject_for(category.name, plan.hood.obj.name),
            note=rng.choice(referral_texts.REFER_NOTES).format(agency=agency.name),
            flag=rng.random() < SHARE_CONTACT,
        )
    )
    planned = referrals.referral_steps(
        rng,
        work=load.work,
        sent_at=at,
        hours=hours,
        sender=plan.officer,
        receiver=load.liaisons[agency.pk],
        ending=ending,
        responses=referral_texts.responses_for(slug=agency.slug, kind=agency.kind),
        declines=referral_texts.declines_for(slug=agency.slug, kind=agency.kind),
    )
    steps.extend(_referral_step(step, load) for step in planned)
    last = steps[-1]
    if ending == referrals.R.DECLINED:
        return "declined", last.at, last.agency
    if ending in {referrals.R.DONE, referrals.REOPENED_THEN_DONE}:
        return "done", last.at, None
    return "waiting", last.at, None


def _supports_and_comments(
    load: _Load, plan: _Plan, hoods_by_area: dict[int, list[_Hood]], everyone: list[User]
):
    """Neighbors support it while it is open; some comment on it, and a moderator hides a few comments."""
    if not plan.is_public:
        return
    rng = load.rng
    t0, t_end = plan.submitted_at, plan.open_until or load.now
    last = plan.steps[-1].at if plan.steps else t0
    window = (t_end - t0).total_seconds()
    draw = rng.random()
    if draw < 0.4:
        supports = 0
    elif draw < 0.97:
        supports = min(9, 1 + int(rng.expovariate(0.45)))
    else:
        supports = rng.randint(10, 30)
    if window > 600 and supports:
        near = [u for u in plan.hood.residents if u.pk != plan.reporter.pk]
        rng.shuffle(near)
        area = [u for h in hoods_by_area[plan.hood.obj.area_id] if h is not plan.hood for u in h.residents]
        rng.shuffle(area)
        rest = [u for u in everyone if u.pk != plan.reporter.pk]
        pool: list[User] = []
        for user in near + area + rng.sample(rest, len(rest)):
            if user.pk != plan.reporter.pk and user not in pool:
                pool.append(user)
            if len(pool) >= supports:
                break
        for user in pool:
            at = t0 + timedelta(seconds=window * rng.uniform(0.02, 0.98) ** 2 + 60)
            plan.steps.append(_Step(at=min(at, t_end - timedelta(seconds=30)), action="support", who=user))
    if rng.random() < 0.28:
        horizon = min(load.now, last + timedelta(days=3))
        span = max((horizon - t0).total_seconds(), 1200)
        for _n in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            at = load.citizen(t0, span / 3600 * rng.uniform(0.05, 0.95))
            if at > load.now:
                continue
            if rng.random() < 0.15:
                plan.steps.append(
                    _Step(
                        at=at, action="comment", who=plan.reporter, note=rng.choice(texts.REPORTER_COMMENTS)
                    )
                )
                continue
            author = rng.choice(plan.hood.residents + everyone[:40])
            if rng.random() < 0.06:
                text, reason = rng.choice(texts.HIDDEN_COMMENTS)
                slot: dict[str, Any] = {}
                plan.steps.append(_Step(at=at, action="comment", who=author, note=text, slot=slot))
                hidden_at = load.work(at, rng.uniform(0.3, 10))
                if hidden_at <= load.now:
                    plan.steps.append(
                        _Step(at=hidden_at, action="hide", who=plan.officer, note=reason, slot=slot)
                    )
            else:
                plan.steps.append(
                    _Step(at=at, action="comment", who=author, note=rng.choice(texts.RESIDENT_COMMENTS))
                )
        if rng.random() < 0.35:
            at = load.work(t0, rng.uniform(1, 24))
            if at <= load.now:
                plan.steps.append(
                    _Step(at=at, action="comment", who=plan.officer, note=rng.choice(texts.STAFF_COMMENTS))
                )


# --- the executor -------------------------------------------------------------------------------


class _Runner:
    """Applies each step through its service, keeping track of the state each plan is in."""

    def __init__(self, load: _Load) -> None:
        self.load = load
        self.counts = {
            "supports": 0,
            "comments": 0,
            "hidden": 0,
            "ratings": 0,
            "endorsements": 0,
            "referrals": 0,
        }

    def submit(self, plan: _Plan) -> None:
        plan.report = report_submit(
            actor=plan.reporter,
            city=self.load.city,
            description=plan.description,
            lat=plan.lat,
            lng=plan.lng,
            kind=plan.kind,
            category_slug=plan.cat.obj.slug,
            address=plan.address,
            answers=plan.answers,
            show_name=plan.show_name,
            now=plan.submitted_at,
        )
        if plan.report.neighborhood_id != plan.hood.obj.pk:  # the point was drawn inside it
            raise AssertionError(f"report {plan.report.pk} landed outside {plan.hood.obj.slug}")
        plan.state = S.SUBMITTED

    def step(self, plan: _Plan, step: _Step) -> None:
        assert plan.report is not None
        if step.action == "transition":
            plan.report = report_transition(
                actor=step.who,
                report=plan.report,
                to=step.to,
                note=step.note,
                expected_state=plan.state,
                now=step.at,
            )
            plan.state = step.to
        elif step.action == "refer":
            assert step.agency is not None
            plan.referral = referral_create(
                actor=step.who,
                target=Target(kind=TargetKind.AGENCY, agency=step.agency),
                report=plan.report,
                subject=step.subject,
                note=step.note,
                share_reporter_contact=step.flag,
                now=step.at,
            )
            plan.referral_state = ReferralState.SENT
            plan.report = Report.objects.get(pk=plan.report.pk)
            plan.state = plan.report.state
            self.counts["referrals"] += 1
        elif step.action == "referral":
            assert plan.referral is not None
            plan.referral = referral_transition(
                actor=step.who,
                referral=plan.referral,
                to=step.to,
                note=step.note,
                suggested_body=step.suggested_body,
                suggested_agency=step.agency,
                planned_date=step.planned,
                expected_state=plan.referral_state,
                now=step.at,
            )
            plan.referral_state = step.to
            # The report follows its referral (declined: handed back; done: resolved; reopened: referred).
            plan.report = Report.objects.get(pk=plan.report.pk)
            plan.state = plan.report.state
        elif step.action == "merge":
            original = step.original
            assert original is not None and original.report is not None
            report_merge(
                actor=step.who,
                duplicate=plan.report,
                original=original.report,
                note=texts.MERGE_NOTE.format(code=original.report.tracking_code),
            )
            plan.state = S.DUPLICATE
            original.supporters |= (plan.supporters | {plan.reporter.pk}) - {original.reporter.pk}
        elif step.action == "support":
            if plan.state in OPEN_STATES and step.who.pk not in plan.supporters:
                report_support(actor=step.who, report=plan.report)
                plan.supporters.add(step.who.pk)
                self.counts["supports"] += 1
        elif step.action == "comment":
            comment = report_comment_add(actor=step.who, report=plan.report, text=step.note)
            if step.slot is not None:
                step.slot["comment"] = comment
            self.counts["comments"] += 1
        elif step.action == "hide":
            assert step.slot is not None
            report_comment_hide(actor=step.who, comment=step.slot["comment"], reason=step.note)
            self.counts["hidden"] += 1
        elif step.action == "rate":
            if plan.state == S.CLOSED:
                report_rate(actor=step.who, report=plan.report, score=step.score, comment=step.note)
                self.counts["ratings"] += 1
        elif step.action == "endorse":
            if plan.state in OPEN_STATES:
                report_endorse(
                    actor=step.who, report=plan.report, note=step.note, propose_for_agenda=step.flag
                )
                self.counts["endorsements"] += 1
        else:  # pragma: no cover - a typo in this module
            raise ValueError(step.action)


# --- the service --------------------------------------------------------------------------------


def demo_reports_load(
    *, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED, progress: bool = True
) -> DemoReportsSummary:
    """Give the demo city `count` citizen reports over the last year (see the module's docstring).

    Does nothing when the demo city already has at least `count` reports. Raises ValidationError when
    the demo city is not loaded.
    """
    started = time.monotonic()
    city = City.objects.filter(slug=CITY_SLUG, is_demo=True).first()
    if city is None:
        raise ValidationError(_("The demo city is not loaded; load it first with: manage.py load_demo_city"))
    if count < 1:
        raise ValidationError(_("The number of reports must be at least 1."))
    existing = Report.objects.filter(city=city).count()
    if existing >= count:
        return _summary(
            city, created=0, load=None, runner=None, escalated=0, notifications=0, started=started
        )
    invalidate_index()  # the boundaries may have been imported a moment ago, in this process
    with _simulated_clock() as clock, transaction.atomic():
        watermark = Notification.objects.aggregate(top=Max("id"))["top"] or 0
        load = _Load(city=city, count=count, seed=seed, now=clock.real())
        runner, escalated = _generate(load, clock, progress=progress)
        notifications = _notifications_settle(city=city, watermark=watermark)
    return _summary(
        city,
        created=Report.objects.filter(city=city).count() - existing,
        load=load,
        runner=runner,
        escalated=escalated,
        notifications=notifications,
        started=started,
    )


def _generate(load: _Load, clock: _Clock, *, progress: bool) -> tuple[_Runner, int]:
    rng = load.rng
    # The territory and the categories, in a fixed order so the dice fall the same way every time.
    neighborhoods = list(
        Neighborhood.objects.filter(city=load.city).order_by("district__number", "area__number", "slug")
    )
    hoods: list[_Hood] = []
    for n in neighborhoods:
        inner = shape(n.boundary).buffer(-0.00025)
        shapely.prepare(inner)
        own = [line.strip() for line in n.landmarks.splitlines() if line.strip()]
        hood = _Hood(
            obj=n,
            inner=inner,
            hotspots=[],
            places=texts.local_places(rng, neighborhood=n.name, own_landmarks=own),
        )
        hoods.append(hood)
    for hood in hoods:
        hood.hotspots = [load.point_in(hood) for _ in range(6)]
        hood.hotspots = [(lng, lat) for lat, lng in hood.hotspots]
    load.agencies_load()
    agencies = load.agencies
    parents = {seed.parent for seed in CATEGORY_SEEDS if seed.parent}
    categories = {
        c.slug: c for c in Category.objects.filter(city=load.city, is_active=True).select_related("agency")
    }
    cats: list[_Cat] = []
    for seed in CATEGORY_SEEDS:
        category = categories.get(seed.slug)
        if seed.slug in parents or category is None or seed.slug not in texts.CATEGORY_TEXTS:
            continue
        agency = (
            agencies.get(REFERRAL_TARGETS.get(seed.slug, ""))
            or category.agency
            or agencies.get(SIDE_REFERRALS.get(seed.slug, ""))
        )
        cats.append(
            _Cat(category, CATEGORY_WEIGHTS.get(seed.slug, 1.0), agency, texts.CATEGORY_TEXTS[seed.slug])
        )
    cat_by_slug = {c.obj.slug: c for c in cats}

    # People.
    taken = {str(a["full_name"]) for a in DEMO_ACCOUNTS}
    names = _names(rng, taken)
    area_officers, district_officers = _staff_ensure(load, clock, names)
    liaisons_ensure(load, clock, names)
    _residents_ensure(load, clock, hoods, names)
    citizen = User.objects.get(
        phone=normalize_phone(next(a["phone"] for a in DEMO_ACCOUNTS if a["role"] == CITIZEN))
    )
    council_hood = next(h for h in hoods if h.obj.slug == COUNCIL_NEIGHBORHOOD_SLUG)
    chair = _role_holder(Role.COUNCIL_CHAIR, neighborhood=council_hood.obj)
    everyone = [u for h in hoods for u in h.residents]
    everyone.sort(key=lambda u: u.pk)
    hoods_by_area: dict[int, list[_Hood]] = {}
    for hood in hoods:
        hoods_by_area.setdefault(hood.obj.area_id, []).append(hood)
    # Permission checks read the roles once per user object; read them now, at the real time.
    for user in [
        *everyone,
        citizen,
        *district_officers.values(),
        *(u for u in area_officers.values() if u),
        *load.liaisons.values(),
        *([chair] if chair else []),
    ]:
        held_roles(user)

    def officer_for(hood: _Hood, cat: _Cat) -> User:
        area_officer = area_officers.get(hood.obj.area_id)
        if cat.obj.handler_kind == HandlerKind.AREA and area_officer is not None and rng.random() < 0.85:
            return area_officer
        return district_officers[hood.obj.district_id]

    def reporter_for(hood: _Hood) -> User:
        if hood.residents and rng.random() < 0.8:
            return rng.choices(hood.residents, [1 / (i + 1) for i in range(len(hood.residents))])[0]
        return rng.choices(everyone, [1 / (1 + (i % 25)) for i in range(len(everyone))])[0]

    def new_plan(
        *,
        hood: _Hood,
        cat: _Cat,
        kind: str,
        reporter: User,
        at: datetime,
        point: tuple[float, float] | None = None,
    ) -> _Plan:
        lat, lng = point or load.report_point(hood)
        place = texts.place_in(rng, hood.places)
        description, fix = texts.compose_description(
            rng, category=cat.obj.slug, kind=kind, place=place.phrase, neighborhood=hood.obj.name
        )
        return _Plan(
            hood=hood,
            cat=cat,
            kind=kind,
            reporter=reporter,
            officer=officer_for(hood, cat),
            submitted_at=at,
            lat=lat,
            lng=lng,
            description=description,
            fix=fix,
            address=place.address if rng.random() < 0.7 else "",
            answers=_severity(rng, cat.obj),
            show_name=rng.random() < 0.35,
        )

    scripted = _citizen_script(
        load, citizen=citizen, hood=council_hood, cat_by_slug=cat_by_slug, new_plan=new_plan
    )
    hood_weights = [h.obj.population or 1 for h in hoods]
    for at in load.submission_times(max(load.count - len(scripted), 0)):
        month = jdatetime.date.fromgregorian(date=local_date(at)).month
        cat = rng.choices(cats, [c.weight * SEASONS.get(c.obj.slug, {}).get(month, 1.0) for c in cats])[0]
        if cat.obj.slug == "proposal":
            kind = ReportKind.PROPOSAL
        else:
            kind = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0]
        hood = rng.choices(hoods, hood_weights)[0]
        reporter = reporter_for(hood)
        original = None
        if kind in {ReportKind.PROBLEM, ReportKind.REQUEST} and rng.random() < 0.12:
            # Someone else reports what is already reported and still open nearby: a duplicate.
            candidates = [
                p
                for p in load.open_by_district.get((hood.obj.district_id, cat.obj.pk), [])
                if at - timedelta(days=20) < p.submitted_at < at - timedelta(hours=1)
                and p.open_until is not None
                and p.open_until > at + timedelta(hours=2)
                and p.reporter.pk != reporter.pk
            ]
            original = rng.choice(candidates) if candidates else None
        point = None
        if original is not None:
            hood = original.hood
            spread = min(original.cat.obj.duplicate_radius_m, 150) / 111_000 * 0.3
            point = load.point_in(hood, near=(original.lng, original.lat), spread=spread)
        plan = new_plan(hood=hood, cat=cat, kind=kind, reporter=reporter, at=at, point=point)
        age = (load.now - at).days
        reject_p = 0.22 if kind == ReportKind.PROPOSAL else 0.0 if kind == ReportKind.THANKS else 0.065
        stall = None
        if rng.random() < (0.05 if age <= 60 else 0.012):
            stall = rng.choice((S.SUBMITTED, S.TRIAGED, S.IN_PROGRESS, S.IN_PROGRESS, S.REFERRED, S.REOPENED))
        _lifecycle(load, plan, reject=rng.random() < reject_p, stall=stall, original=original)
        _register(load, plan, original)
    load.plans.extend(scripted)
    for plan in load.plans:
        _supports_and_comments(load, plan, hoods_by_area, everyone)
        if chair is not None and plan.hood is council_hood and plan.is_public and load.endorsements_left > 0:
            at = load.citizen(plan.submitted_at, rng.uniform(6, 96))
            if rng.random() < 0.3 and plan.open_until is not None and at < plan.open_until and at <= load.now:
                load.endorsements_left -= 1
                note = rng.choice(texts.ENDORSEMENT_NOTES)
                plan.steps.append(
                    _Step(at=at, action="endorse", who=chair, note=note, flag=rng.random() < 0.4)
                )

    # Everything in the order it happened.
    events: list[tuple[datetime, int, _Plan, _Step | None]] = []
    for plan in load.plans:
        events.append((plan.submitted_at, len(events), plan, None))
        for step in plan.steps:
            events.append((step.at, len(events), plan, step))
    events.sort(key=lambda e: (e[0], e[1]))
    runner = _Runner(load)
    with tqdm(
        total=len(events) + 1, desc=_("Demo reports"), unit=_("step"), file=sys.stderr, disable=not progress
    ) as bar:
        for at, _seq, plan, step in events:
            clock.at = at
            if step is None:
                runner.submit(plan)
            else:
                runner.step(plan, step)
            bar.update(1)
        clock.at = None
        # What was left waiting too long is escalated by the real job, today.
        escalated = 0
        for _round in range(50):
            stats = reports_escalate_overdue(now=load.now)
            if not stats.to_district and not stats.to_deputy:
                break
            escalated += stats.to_district + stats.to_deputy
        runner.counts["referrals_escalated"] = referrals_escalate(load.now)
        bar.update(1)
    return runner, escalated


def referrals_escalate(now: datetime) -> int:
    """The periodic referral job, run until it has nothing left to do: the referrals left waiting past
    a deadline are escalated (once per breach), as the job would have done on its rounds."""
    breaches = 0
    for _round in range(50):
        stats = referrals_check_deadlines(now=now)
        breaches += stats.breaches
        if not stats.breaches and not stats.reminders:
            break
    return breaches


def liaisons_ensure(load: _Load, clock: _Clock, names: Iterator[str]) -> None:
    """Who answers for each agency: its demo liaison, or a made-up one (holding the role since before
    the year began) for an agency that has none."""
    since = load.start - timedelta(days=90)
    for n, agency in enumerate(sorted(load.agencies.values(), key=lambda a: a.slug), start=1):
        # Drawn whether or not they are needed, so the draws after them never depend on it.
        name, joined = next(names), since - timedelta(days=load.rng.randint(30, 900))
        holder = _role_holder(Role.AGENCY_LIAISON, agency=agency)
        if holder is None:
            holder, created = _user_ensure(
                clock, phone=LIAISON_PHONE.format(n=n), full_name=name, joined=joined
            )
            load.staff_created += created
            role_assign(
                actor=None,
                user=holder,
                role=Role.AGENCY_LIAISON,
                scope_kind=ScopeKind.AGENCY,
                scope_ref=agency.slug,
                valid_from=since,
            )
        load.liaisons[agency.pk] = holder


def _register(load: _Load, plan: _Plan, original: _Plan | None) -> None:
    load.plans.append(plan)
    ended = {s.to for s in plan.steps}
    if original is None and S.REJECTED not in ended:
        load.open_by_district.setdefault((plan.hood.obj.district_id, plan.cat.obj.pk), []).append(plan)


# --- the demo citizen's own reports -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scripted:
    """A report written out step by step: (who, state, hours after the previous step); "staff" hours
    are working hours, the others clock hours."""

    category: str
    kind: str
    days_ago: float
    steps: tuple[tuple[str, str, float], ...]
    score: int = 0  # the reporter's rating once closed, 0 for none


# One report of the demo citizen in every state she can see in "my reports"…
_SCRIPT: tuple[_Scripted, ...] = (
    _Scripted(
        "waste",
        ReportKind.PROBLEM,
        150,
        (
            ("staff", S.TRIAGED, 1),
            ("staff", S.IN_PROGRESS, 2),
            ("staff", S.RESOLVED, 5),
            ("reporter", S.CLOSED, 6),
        ),
        score=5,
    ),
    _Scripted(
        "asphalt",
        ReportKind.PROBLEM,
        80,
        (
            ("staff", S.TRIAGED, 3),
            ("staff", S.IN_PROGRESS, 12),
            ("staff", S.RESOLVED, 40),
            ("system", S.CLOSED, 7 * 24 + 0.5),
        ),
        score=3,
    ),
    _Scripted("nuisance", ReportKind.COMPLAINT, 50, (("staff", S.REJECTED, 6),)),
    _Scripted("street-lighting", ReportKind.PROBLEM, 38, (("staff", "merge", 3),)),
    _Scripted(
        "green-space",
        ReportKind.REQUEST,
        16,
        (
            ("staff", S.TRIAGED, 2),
            ("staff", S.IN_PROGRESS, 6),
            ("staff", S.RESOLVED, 20),
            ("reporter", S.REOPENED, 30),
        ),
    ),
    _Scripted(
        "street-lighting",
        ReportKind.PROBLEM,
        9,
        (("staff", S.TRIAGED, 2), ("staff", S.IN_PROGRESS, 4), ("staff", S.RESOLVED, 10)),
    ),
    _Scripted("water-sewage", ReportKind.PROBLEM, 5, (("staff", S.TRIAGED, 1), ("staff", S.REFERRED, 1))),
    _Scripted("asphalt", ReportKind.PROBLEM, 4, (("staff", S.TRIAGED, 3), ("staff", S.IN_PROGRESS, 5))),
    _Scripted("proposal", ReportKind.PROPOSAL, 3, (("staff", S.TRIAGED, 6),)),
    _Scripted("stray-animals", ReportKind.PROBLEM, 0.2, ()),
)
# …and, by her neighbors, the report her duplicate is merged into and one the area forgot.
_ORIGINAL = _Scripted(
    "street-lighting",
    ReportKind.PROBLEM,
    40,
    (
        ("staff", S.TRIAGED, 2),
        ("staff", S.IN_PROGRESS, 8),
        ("staff", S.RESOLVED, 60),
        ("reporter", S.CLOSED, 20),
    ),
    score=4,
)
_FORGOTTEN = _Scripted(
    "asphalt", ReportKind.PROBLEM, 70, (("staff", S.TRIAGED, 5), ("staff", S.IN_PROGRESS, 12))
)


def _citizen_script(
    load: _Load, *, citizen: User, hood: _Hood, cat_by_slug: dict[str, _Cat], new_plan: Callable[..., _Plan]
) -> list[_Plan]:
    """The demo citizen's reports (and the two neighbors' reports they need), dated so every step
    has happened by now: a script that would end in the future starts a day earlier."""
    if load.count < 50 or any(e.category not in cat_by_slug for e in (*_SCRIPT, _ORIGINAL, _FORGOTTEN)):
        return []
    rng = load.rng
    neighbors = list(hood.residents) or [citizen]
    plans: list[_Plan] = []
    original: _Plan | None = None
    for entry, reporter in (
        (_ORIGINAL, neighbors[0]),
        (_FORGOTTEN, neighbors[-1]),
        *((e, citizen) for e in _SCRIPT),
    ):
        slug, kind, days_ago, script, score = (
            entry.category,
            entry.kind,
            entry.days_ago,
            entry.steps,
            entry.score,
        )
        for shift in range(60):
            at = load.now - timedelta(days=days_ago + shift, minutes=rng.randint(0, 600))
            near = (
                (original.lng, original.lat)
                if original is not None and script[:1] and script[0][1] == "merge"
                else None
            )
            point = load.point_in(hood, near=near, spread=0.0003) if near else None
            plan = new_plan(
                hood=hood, cat=cat_by_slug[slug], kind=kind, reporter=reporter, at=at, point=point
            )
            steps: list[_Step] = []
            moment = at
            for who, to, hours in script:
                moment = load.work(moment, hours) if who == "staff" else load.citizen(moment, hours)
                actor = plan.officer if who == "staff" else plan.reporter if who == "reporter" else None
                if to == "merge":
                    steps.append(_Step(at=moment, action="merge", who=actor, original=original))
                    continue
                agency = load.serving(plan.cat.agency, hood.obj.district_id)
                if to == S.REFERRED and agency is not None:
                    # Referred, and answered already: her report's page shows the agency's answer.
                    _report_referral(
                        load, plan, steps, at=moment, agency=agency, stall=None, ending=referrals.R.ANSWERED
                    )
                    moment = steps[-1].at
                    continue
                note = ""
                if to == S.REJECTED:
                    note = _rejection(rng, plan)
                elif to == S.RESOLVED:
                    note = _resolution(rng, plan)
                elif to == S.REOPENED:
                    note = rng.choice(texts.REOPEN_NOTES)
                steps.append(_Step(at=moment, action="transition", who=actor, to=to, note=note))
            if score:
                steps.append(
                    _Step(
                        at=moment + timedelta(minutes=5),
                        action="rate",
                        who=reporter,
                        score=score,
                        note=rng.choice(texts.RATING_COMMENTS[score]),
                    )
                )
            if all(step.at <= load.now for step in steps) and at <= load.now - timedelta(minutes=30):
                break
        plan.steps = steps
        ends = [s.at for s in steps if s.action == "merge" or s.to in {S.REJECTED, S.RESOLVED}]
        plan.open_until = ends[0] if ends else load.now
        if entry is _ORIGINAL:
            original = plan
        plans.append(plan)
    return plans


# --- afterwards ---------------------------------------------------------------------------------


def _notifications_settle(*, city: City, watermark: int) -> int:
    """Mark what this load enqueued as delivered long ago, keeping a few unread per demo account.

    The rows are the history of a year (one per step a person was told of), not news: left pending,
    the delivery job would send thousands of SMS (to the console in the demo) the moment it runs. So,
    before this transaction commits and delivery starts: every row is "sent" when it was made, and
    in the app it was also read then — except each demo account's last few, left unread.
    """
    ours = Notification.objects.filter(pk__gt=watermark, city_id=city.pk)
    demo_phones = [normalize_phone(a["phone"]) for a in DEMO_ACCOUNTS]
    keep: list[int] = []
    for user_id in User.objects.filter(phone__in=demo_phones).values_list("id", flat=True):
        keep += (
            ours.filter(recipient_id=user_id, channel=Channel.IN_APP)
            .order_by("-created_at", "-id")
            .values_list("id", flat=True)[:UNREAD_KEPT]
        )
    written = ours.update(state=State.SENT, sent_at=F("created_at"))
    ours.filter(channel=Channel.IN_APP).exclude(pk__in=keep).update(state=State.READ, read_at=F("created_at"))
    return written


def _summary(
    city: City,
    *,
    created: int,
    load: _Load | None,
    runner: _Runner | None,
    escalated: int,
    notifications: int,
    started: float,
) -> DemoReportsSummary:
    reports = Report.objects.filter(city=city)
    by_state = dict(reports.values_list("state").annotate(n=Count("id")).order_by("state"))
    counts = runner.counts if runner is not None else {}
    return DemoReportsSummary(
        created=created,
        reports=sum(by_state.values()),
        by_state={state: by_state.get(state, 0) for state in ReportState.values if by_state.get(state)},
        residents_created=load.residents_created if load else 0,
        staff_created=load.staff_created if load else 0,
        supports=counts.get("supports", 0),
        comments=counts.get("comments", 0),
        hidden_comments=counts.get("hidden", 0),
        ratings=counts.get("ratings", 0),
        endorsements=counts.get("endorsements", 0),
        escalated=escalated,
        notifications=notifications,
        seconds=time.monotonic() - started,
        referrals=counts.get("referrals", 0),
        referrals_escalated=counts.get("referrals_escalated", 0),
    )
