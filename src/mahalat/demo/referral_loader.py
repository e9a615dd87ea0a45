"""The demo city's referrals that do not come from a citizen report: made directly by the districts
(the Nowruz market, school safety in Mehr, summer outages …), to carry out council resolutions, and to
other municipal units.

`demo_referrals_load` adds them to the loaded demo city «کوهسار», after its reports (whose referrals
`demo.reports` makes as part of each report's life) and its councils (whose open resolutions that
name an agency are referred to it):

- each district's own referrals over the last year, to agencies and to other districts and areas,
  each ending in a state drawn from a round of every state, so the year has all of them;
- about a third of the open resolutions responsible to an agency, referred a few working days after
  they were adopted, with the resolution's deadline when it is earlier than the agreement's;
- each referral's life through `referrals.services` under the same simulated clock as the reports
  (see `demo.reports`): the receiving body acknowledges, accepts or declines, answers with a planned
  date; the district reports it done or reopens it. Steps after today do not happen; what was left
  waiting past a deadline is escalated at the end by the real periodic job, under the real clock.

One transaction; a second run does nothing (the demo city has such referrals already). Draws come
from one seeded generator.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jdatetime
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from tqdm import tqdm

from mahalat.accounts.models import Role
from mahalat.accounts.rules import held_roles
from mahalat.demo import referral_texts as texts
from mahalat.demo import referrals
from mahalat.demo.city import CITY_SLUG
from mahalat.demo.reports import (
    _Clock,
    _Load,
    _names,
    _notifications_settle,
    _role_holder,
    _simulated_clock,
    liaisons_ensure,
    referrals_escalate,
)
from mahalat.demo.services import DEMO_ACCOUNTS
from mahalat.notifications.models import Notification
from mahalat.referrals.models import Agency, Referral, ReferralState, SourceKind, TargetKind
from mahalat.referrals.services import Target, referral_create, referral_deadlines, referral_transition
from mahalat.resolutions.models import OPEN_RESOLUTION_STATES, Resolution, ResponsibleKind
from mahalat.territory.models import Area, City, District, Neighborhood
from mahalat.worktime.calendar import TEHRAN, local_date

DEFAULT_SEED = 1405
DIRECT_SHARE = 0.8  # of the districts that make each direct referral of the list
RESOLUTION_SHARE = 0.35  # of the open resolutions responsible to an agency that are referred to it
# A round of endings every district's direct referrals go through, so every state is there.
ENDINGS_ROUND = (
    ReferralState.DONE,
    ReferralState.ANSWERED,
    ReferralState.DECLINED,
    ReferralState.SENT,
    ReferralState.DONE,
    ReferralState.ACKNOWLEDGED,
    ReferralState.REOPENED,
    ReferralState.ACCEPTED,
    referrals.REOPENED_THEN_DONE,
    ReferralState.DONE,
)


@dataclass(frozen=True, slots=True)
class DemoReferralsSummary:
    created: int  # referrals made by this run (0 when the demo already had them)
    referrals: int  # referrals of the demo city now, of every source
    by_state: dict[str, int]
    by_source: dict[str, int]
    escalated: int  # breaches the periodic job escalated at the end of this run
    notifications: int
    seconds: float


@dataclass(eq=False)
class _Planned:
    at: datetime
    sender: Any
    target: Target
    receiver: Any
    subject: str
    note: str
    steps: list[referrals.ReferralStep]
    district: District | None = None
    neighborhood: Neighborhood | None = None
    resolution: Resolution | None = None
    deadline: date | None = None
    referral: Referral | None = None
    state: str = ReferralState.SENT


def demo_referrals_load(*, seed: int = DEFAULT_SEED, progress: bool = True) -> DemoReferralsSummary:
    """Give the demo city its direct, resolution and inter-unit referrals (see the module's docstring).
    Does nothing when it has them; raises ValidationError when the demo city is not loaded."""
    started = time.monotonic()
    city = City.objects.filter(slug=CITY_SLUG, is_demo=True).first()
    if city is None:
        raise ValidationError(_("The demo city is not loaded; load it first with: manage.py load_demo_city"))
    if Referral.objects.filter(city=city).exclude(source_kind=SourceKind.REPORT).exists():
        return _summary(city, created=0, escalated=0, notifications=0, started=started)
    with _simulated_clock() as clock, transaction.atomic():
        watermark = Notification.objects.aggregate(top=Max("id"))["top"] or 0
        load = _Load(city=city, count=0, seed=seed, now=clock.real())
        load.agencies_load()
        liaisons_ensure(load, clock, _names(load.rng, {str(a["full_name"]) for a in DEMO_ACCOUNTS}))
        plans = _direct_plans(load) + _resolution_plans(load)
        created = _play(load, clock, plans, progress=progress)
        escalated = referrals_escalate(load.now)
        notifications = _notifications_settle(city=city, watermark=watermark)
    return _summary(city, created=created, escalated=escalated, notifications=notifications, started=started)


# --- the plans ------------------------------------------------------------------------------------


def _day_in_month(load: _Load, month: int) -> date:
    """A day of the Jalali `month` in the past year (its latest occurrence before today)."""
    today = jdatetime.date.fromgregorian(date=local_date(load.now))
    year = today.year if month < today.month else today.year - 1
    first = jdatetime.date(year, month, 1).togregorian()
    return first + timedelta(days=load.rng.randint(0, 26))


def _office_moment(load: _Load, day: date) -> datetime:
    """A moment in the working hours of `day` (or of the next working day)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=TEHRAN).astimezone(UTC)
    return load.work(midnight, load.rng.uniform(0.3, 6.5))


def _direct_plans(load: _Load) -> list[_Planned]:
    rng = load.rng
    districts = list(District.objects.filter(city=load.city).order_by("number"))
    officers = {d.pk: _role_holder(Role.DISTRICT_OFFICER, district=d) for d in districts}
    areas = list(Area.objects.filter(district__city=load.city).order_by("district__number", "number"))
    area_officers = {a.pk: _role_holder(Role.AREA_OFFICER, area=a) for a in areas}
    hoods: dict[int, list[Neighborhood]] = {}
    for hood in Neighborhood.objects.filter(city=load.city).order_by("slug"):
        hoods.setdefault(hood.district_id, []).append(hood)
    plans: list[_Planned] = []
    for district in districts:
        sender = officers[district.pk]
        endings = list(ENDINGS_ROUND)
        rng.shuffle(endings)
        for n, entry in enumerate(texts.DIRECT):
            # Drawn whether or not the referral is made, so the draws after it never depend on it.
            made, ending, hood_draw = rng.random() < DIRECT_SHARE, endings[n % len(endings)], rng.random()
            day = (
                _day_in_month(load, entry.month)
                if entry.month
                else local_date(load.now) - timedelta(days=rng.randint(1, 360))
            )
            at = _office_moment(load, day)
            if not made or sender is None or at >= load.now:
                continue
            target, receiver, hours = _target(load, entry, district, areas, officers, area_officers)
            if target is None or receiver is None:
                continue
            if target.kind == TargetKind.AGENCY:
                assert target.agency is not None
                responses = texts.responses_for(slug=target.agency.slug, kind=target.agency.kind)
                declines = texts.declines_for(slug=target.agency.slug, kind=target.agency.kind)
            else:
                responses, declines = texts.UNIT_RESPONSES, texts.UNIT_DECLINES
            steps = referrals.referral_steps(
                rng,
                work=load.work,
                sent_at=at,
                hours=hours,
                sender=sender,
                receiver=receiver,
                ending=ending,
                responses=responses,
                declines=declines,
            )
            local = hoods.get(district.pk, [])
            plans.append(
                _Planned(
                    at=at,
                    sender=sender,
                    target=target,
                    receiver=receiver,
                    subject=entry.subject,
                    note=entry.note,
                    steps=steps,
                    district=district,
                    neighborhood=local[int(hood_draw * len(local))] if local and hood_draw < 0.5 else None,
                )
            )
    return plans


def _target(
    load: _Load,
    entry: texts.Direct,
    district: District,
    areas: list[Area],
    officers: dict[int, Any],
    area_officers: dict[int, Any],
) -> tuple[Target | None, Any, Any]:
    """Where a district's own referral goes, who receives it there, and the hours it is given."""
    rng = load.rng
    if entry.agency:
        named = load.agencies.get(entry.agency)
        agency = named if named is not None and load.serving(named, district.pk) is named else None
        if agency is None:
            return None, None, None
        target = Target(kind=TargetKind.AGENCY, agency=agency)
        return target, load.liaisons.get(agency.pk), load.hours(agency, None)
    if entry.unit == "area":
        choices = [a for a in areas if a.district_id != district.pk and area_officers.get(a.pk) is not None]
        if not choices:
            return None, None, None
        area = rng.choice(choices)
        return Target(kind=TargetKind.AREA, area=area), area_officers[area.pk], load.hours(None, None)
    others = [d for d in officers if d != district.pk and officers[d] is not None]
    if not others:
        return None, None, None
    other = District.objects.get(pk=rng.choice(others))
    return Target(kind=TargetKind.DISTRICT, district=other), officers[other.pk], load.hours(None, None)


def _resolution_plans(load: _Load) -> list[_Planned]:
    rng = load.rng
    resolutions = (
        Resolution.objects.filter(
            city=load.city, state__in=OPEN_RESOLUTION_STATES, responsible_kind=ResponsibleKind.AGENCY
        )
        .select_related("responsible_agency", "neighborhood", "district")
        .order_by("id")
    )
    officers: dict[int, Any] = {}
    plans: list[_Planned] = []
    for resolution in resolutions:
        chosen, waiting = rng.random() < RESOLUTION_SHARE, rng.random() < 0.3
        at = load.work(resolution.adopted_at, rng.uniform(2, 40))
        if not chosen or at >= load.now:
            continue
        if resolution.district_id not in officers:
            officers[resolution.district_id] = _role_holder(
                Role.DISTRICT_OFFICER, district=resolution.district
            )
        sender = officers[resolution.district_id]
        agency = load.serving(resolution.responsible_agency, resolution.district_id)
        if sender is None or agency is None:
            continue
        hours = load.hours(agency, None)
        deadline = None
        latest = local_date(referral_deadlines(city_id=load.city.pk, hours=hours, start=at).finish)
        if local_date(at) <= resolution.deadline < latest:
            deadline = resolution.deadline  # the council's deadline, where it is the earlier one
        steps = referrals.referral_steps(
            rng,
            work=load.work,
            sent_at=at,
            hours=hours,
            sender=sender,
            receiver=load.liaisons[agency.pk],
            ending=referrals.draw_ending(rng, waiting=waiting),
            responses=texts.RESOLUTION_RESPONSES + texts.responses_for(slug=agency.slug, kind=agency.kind),
            declines=texts.declines_for(slug=agency.slug, kind=agency.kind),
        )
        name = resolution.neighborhood.name
        plans.append(
            _Planned(
                at=at,
                sender=sender,
                target=Target(kind=TargetKind.AGENCY, agency=agency),
                receiver=load.liaisons[agency.pk],
                subject=texts.RESOLUTION_SUBJECT.format(neighborhood=name),
                note=texts.RESOLUTION_NOTE.format(neighborhood=name, title=resolution.title),
                steps=steps,
                resolution=resolution,
                deadline=deadline,
            )
        )
    return plans


# --- playing them ---------------------------------------------------------------------------------


def _play(load: _Load, clock: _Clock, plans: list[_Planned], *, progress: bool) -> int:
    """Every step in the order it happened, each at its moment; the steps after today are dropped."""
    events: list[tuple[datetime, int, _Planned, referrals.ReferralStep | None]] = []
    for plan in plans:
        events.append((plan.at, len(events), plan, None))
        for step in plan.steps:
            if step.at > load.now:
                break
            events.append((step.at, len(events), plan, step))
    events.sort(key=lambda e: (e[0], e[1]))
    # Permission checks read the roles once per user object; read them now, at the real time.
    for plan in plans:
        held_roles(plan.sender)
        held_roles(plan.receiver)
    suggested = {a.slug: a for a in Agency.objects.filter(city=load.city)}
    created = 0
    with tqdm(
        total=len(events), desc=_("Demo referrals"), unit=_("step"), file=sys.stderr, disable=not progress
    ) as bar:
        for at, _seq, plan, step in events:
            clock.at = at
            if step is None:
                plan.referral = referral_create(
                    actor=plan.sender,
                    target=plan.target,
                    subject=plan.subject,
                    note=plan.note,
                    resolution=plan.resolution,
                    district=plan.district if plan.resolution is None else None,
                    neighborhood=plan.neighborhood,
                    deadline=plan.deadline,
                    now=at,
                )
                created += 1
            else:
                assert plan.referral is not None
                plan.referral = referral_transition(
                    actor=step.who,
                    referral=plan.referral,
                    to=step.to,
                    note=step.note,
                    suggested_body=step.suggested_body,
                    suggested_agency=suggested.get(step.suggested_agency) if step.suggested_agency else None,
                    planned_date=step.planned,
                    expected_state=plan.state,
                    now=at,
                )
                plan.state = step.to
            bar.update(1)
        clock.at = None
    return created


def _summary(
    city: City, *, created: int, escalated: int, notifications: int, started: float
) -> DemoReferralsSummary:
    rows = Referral.objects.filter(city=city)
    by_state = dict(rows.values_list("state").annotate(n=Count("id")).order_by("state"))
    by_source = dict(rows.values_list("source_kind").annotate(n=Count("id")).order_by("source_kind"))
    return DemoReferralsSummary(
        created=created,
        referrals=sum(by_state.values()),
        by_state={s: by_state[s] for s in ReferralState.values if by_state.get(s)},
        by_source={s: by_source[s] for s in SourceKind.values if by_source.get(s)},
        escalated=escalated,
        notifications=notifications,
        seconds=time.monotonic() - started,
    )
