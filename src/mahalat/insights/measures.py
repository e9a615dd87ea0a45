"""How each indicator of the catalog is computed, and how each data source tells which months changed.

A measure reads the source rows of the months asked for with grouped queries (GROUP BY neighborhood or
agency and a month key computed in SQL from the timestamp and the Jalali month bounds in Tehran time),
and rolls the neighborhood figures up to areas, districts and the city by adding numerators and
denominators (or, for medians, the samples themselves). It returns one `Cell` for every scope of the
indicator's kinds and every month asked for, so that a month recomputed is complete.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from mahalat.audit.models import Event
from mahalat.councils.models import Council, CouncilPolicy, CouncilState
from mahalat.elections.models import Application, Ballot
from mahalat.insights.catalog import ScopeKind
from mahalat.insights.periods import (
    Month,
    month_bounds,
    month_days,
    month_key,
    month_of,
    month_of_date,
    months_between,
)
from mahalat.meetings.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    MeetingState,
    MinutesState,
)
from mahalat.programs.models import Program, ProgramNeighborhood, ProgramState
from mahalat.referrals.models import Agency, Referral, TargetKind
from mahalat.reports.models import Report, ReportComment, ReportState, ReportSupport, ReportTransition
from mahalat.resolutions.models import Resolution, ResolutionState, ResolutionTransition
from mahalat.surveys.models import Response
from mahalat.territory.models import Neighborhood
from mahalat.worktime.calendar import local_date

Key = tuple[str, int]  # (scope kind, scope id)


@dataclass(frozen=True, slots=True)
class Cell:
    scope_kind: str
    scope_id: int
    month: Month
    value: float | None
    numerator: float | None
    denominator: float | None
    sample: int


@dataclass
class Territory:
    """The city's places, loaded once per refresh: each neighborhood with its area, district and
    population, and the city's agencies."""

    city_id: int
    neighborhoods: dict[int, tuple[int, int, int]]  # id → (area id, district id, population)
    area_ids: list[int]
    district_ids: list[int]
    agency_ids: list[int]

    @classmethod
    def load(cls, city_id: int) -> Territory:
        rows = Neighborhood.objects.filter(city_id=city_id).values_list(
            "pk", "area_id", "district_id", "population"
        )
        neighborhoods = {pk: (area, district, population or 0) for pk, area, district, population in rows}
        return cls(
            city_id=city_id,
            neighborhoods=neighborhoods,
            area_ids=sorted({a for a, _d, _p in neighborhoods.values()}),
            district_ids=sorted({d for _a, d, _p in neighborhoods.values()}),
            agency_ids=list(
                Agency.objects.filter(city_id=city_id).order_by("pk").values_list("pk", flat=True)
            ),
        )


@dataclass
class MeasureContext:
    city_id: int
    months: list[Month]  # sorted, not necessarily contiguous
    now: datetime
    territory: Territory

    @property
    def start(self) -> datetime:
        return month_bounds(self.months[0])[0]

    @property
    def end(self) -> datetime:
        return month_bounds(self.months[-1])[1]


def month_case(field_name: str, months: Iterable[Month]) -> Case:
    """A SQL expression giving the month key (yyyymm) of the row's `field_name`, NULL outside `months`."""
    whens = []
    for month in months:
        start, end = month_bounds(month)
        whens.append(
            When(**{f"{field_name}__gte": start, f"{field_name}__lt": end}, then=Value(month_key(month)))
        )
    return Case(*whens, default=None, output_field=IntegerField())


def _month(key: int) -> Month:
    return key // 100, key % 100


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def _round(value: float | None) -> float | None:
    # Rounded so that the same figures always give the same stored value, whatever the order of sums.
    return None if value is None else round(value, 4)


@dataclass
class Grid:
    """Figures per leaf (neighborhood or agency) and month, rolled up to every scope above it."""

    ctx: MeasureContext
    agencies: bool = False
    sums: dict[tuple[Key, Month], list[float]] = field(
        default_factory=lambda: defaultdict(lambda: [0.0, 0.0])
    )
    samples: dict[tuple[Key, Month], list[float]] = field(default_factory=lambda: defaultdict(list))
    # Distinct things (people) per scope and month, for counts that must not add up across leaves.
    distinct: dict[tuple[Key, Month], set[int]] = field(default_factory=lambda: defaultdict(set))

    def __post_init__(self) -> None:
        t, city = self.ctx.territory, (ScopeKind.CITY.value, self.ctx.city_id)
        self._months = set(self.ctx.months)
        if self.agencies:
            self._up: dict[int, tuple[Key, ...]] = {
                g: ((ScopeKind.AGENCY.value, g), city) for g in t.agency_ids
            }
            self.scopes: list[Key] = [(ScopeKind.AGENCY.value, g) for g in t.agency_ids] + [city]
        else:
            self._up = {
                n: (
                    (ScopeKind.NEIGHBORHOOD.value, n),
                    (ScopeKind.AREA.value, a),
                    (ScopeKind.DISTRICT.value, d),
                    city,
                )
                for n, (a, d, _p) in t.neighborhoods.items()
            }
            self.scopes = (
                [(ScopeKind.NEIGHBORHOOD.value, n) for n in sorted(t.neighborhoods)]
                + [(ScopeKind.AREA.value, a) for a in t.area_ids]
                + [(ScopeKind.DISTRICT.value, d) for d in t.district_ids]
                + [city]
            )

    def add(self, leaf: int | None, month: Month, numerator: float = 0.0, denominator: float = 0.0) -> None:
        if month not in self._months or leaf not in self._up:
            return
        for key in self._up[leaf]:
            figures = self.sums[(key, month)]
            figures[0] += numerator
            figures[1] += denominator

    def add_once(self, leaves: Iterable[int], month: Month, numerator: float = 0.0) -> None:
        """One thing spread over several leaves: counted once in each scope holding any of them."""
        if month not in self._months:
            return
        keys = {key for leaf in leaves if leaf in self._up for key in self._up[leaf]}
        for key in keys:
            self.sums[(key, month)][0] += numerator

    def add_distinct(self, leaf: int | None, month: Month, item: int) -> None:
        if month not in self._months or leaf not in self._up:
            return
        for key in self._up[leaf]:
            self.distinct[(key, month)].add(item)

    def add_sample(self, leaf: int | None, month: Month, value: float) -> None:
        if month not in self._months or leaf not in self._up:
            return
        for key in self._up[leaf]:
            self.samples[(key, month)].append(value)

    def _cells(self, make: Callable[[Key, Month], Cell]) -> list[Cell]:
        return [make(key, month) for key in self.scopes for month in self.ctx.months]

    def ratio_cells(self, scale: float) -> list[Cell]:
        """numerator × scale ÷ denominator; the denominator is the sample; empty when it is zero."""

        def make(key: Key, month: Month) -> Cell:
            num, den = self.sums.get((key, month), (0.0, 0.0))
            value = num * scale / den if den else None
            return Cell(key[0], key[1], month, _round(value), _round(num), _round(den), int(den))

        return self._cells(make)

    def distinct_ratio_cells(self, scale: float) -> list[Cell]:
        """The number of distinct items × scale ÷ the denominator (the sample)."""

        def make(key: Key, month: Month) -> Cell:
            num = float(len(self.distinct.get((key, month), ())))
            den = self.sums.get((key, month), (0.0, 0.0))[1]
            value = num * scale / den if den else None
            return Cell(key[0], key[1], month, _round(value), _round(num), _round(den), int(den))

        return self._cells(make)

    def count_cells(self) -> list[Cell]:
        def make(key: Key, month: Month) -> Cell:
            num = self.sums.get((key, month), (0.0, 0.0))[0]
            return Cell(key[0], key[1], month, _round(num), _round(num), None, int(num))

        return self._cells(make)

    def median_cells(self) -> list[Cell]:
        def make(key: Key, month: Month) -> Cell:
            values = self.samples.get((key, month), [])
            value = statistics.median(values) if values else None
            return Cell(key[0], key[1], month, _round(value), None, None, len(values))

        return self._cells(make)


# --- reports ---------------------------------------------------------------------------------------------


def _received(ctx: MeasureContext) -> QuerySet[Report]:
    """The reports received in the months asked for, with their month key `mk`."""
    return (
        Report.objects.filter(city_id=ctx.city_id, submitted_at__gte=ctx.start, submitted_at__lt=ctx.end)
        .exclude(state=ReportState.UNVERIFIED)
        .annotate(mk=month_case("submitted_at", ctx.months))
        .filter(mk__isnull=False)
        .order_by()
    )


def reports_per_1000(ctx: MeasureContext) -> list[Cell]:
    grid = _population_grid(ctx)
    for row in _received(ctx).values("neighborhood_id", "mk").annotate(c=Count("id")):
        grid.add(row["neighborhood_id"], _month(row["mk"]), row["c"], 0)
    return grid.ratio_cells(1000)


def reports_resolved_share(ctx: MeasureContext) -> list[Cell]:
    grid = Grid(ctx)
    done = Q(state__in=[ReportState.RESOLVED, ReportState.CLOSED])
    rows = (
        _received(ctx).values("neighborhood_id", "mk").annotate(n=Count("id"), done=Count("id", filter=done))
    )
    for row in rows:
        grid.add(row["neighborhood_id"], _month(row["mk"]), row["done"], row["n"])
    return grid.ratio_cells(100)


def service_level_breached_share(ctx: MeasureContext) -> list[Cell]:
    grid = Grid(ctx)
    now = ctx.now
    judged = Q(resolved_at__isnull=False) | Q(resolve_due_at__lt=now)
    breached = Q(resolved_at__isnull=False, resolved_at__gt=F("resolve_due_at")) | Q(
        resolved_at__isnull=True, resolve_due_at__lt=now
    )
    rows = (
        _received(ctx)
        .exclude(state__in=[ReportState.REJECTED, ReportState.DUPLICATE])
        .values("neighborhood_id", "mk")
        .annotate(n=Count("id", filter=judged), late=Count("id", filter=judged & breached))
    )
    for row in rows:
        grid.add(row["neighborhood_id"], _month(row["mk"]), row["late"], row["n"])
    return grid.ratio_cells(100)


def reopen_rate(ctx: MeasureContext) -> list[Cell]:
    grid = Grid(ctx)
    ever = ReportTransition.objects.filter(report=OuterRef("pk"))
    rows = (
        _received(ctx)
        .annotate(
            ever_resolved=Exists(ever.filter(to_state=ReportState.RESOLVED)),
            ever_reopened=Exists(ever.filter(to_state=ReportState.REOPENED)),
        )
        .values("neighborhood_id", "mk")
        .annotate(
            resolved=Count("id", filter=Q(ever_resolved=True)),
            reopened=Count("id", filter=Q(ever_reopened=True)),
        )
    )
    for row in rows:
        grid.add(row["neighborhood_id"], _month(row["mk"]), row["reopened"], row["resolved"])
    return grid.ratio_cells(100)


def satisfaction(ctx: MeasureContext) -> list[Cell]:
    grid = Grid(ctx)
    rows = (
        _received(ctx)
        .filter(rating__isnull=False)
        .values("neighborhood_id", "mk")
        .annotate(total=Sum("rating__score"), n=Count("rating"))
    )
    for row in rows:
        grid.add(row["neighborhood_id"], _month(row["mk"]), row["total"], row["n"])
    return grid.ratio_cells(1)


def triage_hours_median(ctx: MeasureContext) -> list[Cell]:
    grid = Grid(ctx)
    # A report leaves "submitted" once: its transition from it is the triage decision.
    rows = ReportTransition.objects.filter(
        from_state=ReportState.SUBMITTED,
        report__city_id=ctx.city_id,
        report__submitted_at__gte=ctx.start,
        report__submitted_at__lt=ctx.end,
    ).values_list("report__neighborhood_id", "report__submitted_at", "created_at")
    for neighborhood_id, submitted_at, decided_at in rows.order_by():
        grid.add_sample(neighborhood_id, month_of(submitted_at), _hours(submitted_at, decided_at))
    return grid.median_cells()


def resolve_hours_median(ctx: MeasureContext) -> list[Cell]:
    grid = Grid(ctx)
    rows = Report.objects.filter(
        city_id=ctx.city_id,
        submitted_at__gte=ctx.start,
        submitted_at__lt=ctx.end,
        state__in=[ReportState.RESOLVED, ReportState.CLOSED],
        resolved_at__isnull=False,
    ).values_list("neighborhood_id", "submitted_at", "resolved_at")
    for neighborhood_id, submitted_at, resolved_at in rows.order_by():
        grid.add_sample(neighborhood_id, month_of(submitted_at), _hours(submitted_at, resolved_at))
    return grid.median_cells()


def _distinct_month_keys(queryset: QuerySet[Any], field_name: str, candidates: list[Month]) -> set[Month]:
    if not candidates:
        return set()
    keys = (
        queryset.annotate(mk=month_case(field_name, candidates))
        .filter(mk__isnull=False)
        .order_by()
        .values_list("mk", flat=True)
        .distinct()
    )
    return {_month(k) for k in keys}


def reports_changed(*, city_id: int, since: datetime, now: datetime, candidates: list[Month]) -> set[Month]:
    """Months of the reports submitted, moved, rated since `since`, or whose resolution deadline passed
    since then (the breach share of their month changes without the row changing)."""
    changed = Report.objects.filter(city_id=city_id).filter(
        Q(submitted_at__gte=since)
        | Q(state_changed_at__gte=since)
        | Q(resolve_due_at__gte=since, resolve_due_at__lt=now)
        | Q(rating__created_at__gte=since)
    )
    return _distinct_month_keys(changed, "submitted_at", candidates)


def reports_earliest(*, city_id: int) -> Month | None:
    first = (
        Report.objects.filter(city_id=city_id)
        .exclude(state=ReportState.UNVERIFIED)
        .aggregate(m=Min("submitted_at"))["m"]
    )
    return month_of(first) if first else None


# --- councils and meetings -----------------------------------------------------------------------------

# A council in these states was in office for its term (suspended and dissolved ones are not expected to
# meet; forming ones have no term yet).
_SITTING = [CouncilState.ACTIVE, CouncilState.TERM_ENDED, CouncilState.RENEWED]


def _held(ctx: MeasureContext) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(
            city_id=ctx.city_id, state=MeetingState.CLOSED, opened_at__gte=ctx.start, opened_at__lt=ctx.end
        )
        .annotate(mk=month_case("opened_at", ctx.months))
        .filter(mk__isnull=False)
        .order_by()
    )


def _meetings_per_month(policies: list[CouncilPolicy], day: date) -> int:
    in_force = [p for p in policies if p.in_force_from <= day]
    return (in_force[-1] if in_force else CouncilPolicy()).meetings_per_month


def meetings_held_share(ctx: MeasureContext) -> list[Cell]:
    grid = Grid(ctx)
    for row in (
        _held(ctx).filter(kind=MeetingKind.REGULAR).values("neighborhood_id", "mk").annotate(c=Count("id"))
    ):
        grid.add(row["neighborhood_id"], _month(row["mk"]), row["c"], 0)
    policies = list(CouncilPolicy.objects.filter(city_id=ctx.city_id).order_by("in_force_from"))
    last_day = month_days(ctx.months[-1])[1]
    councils = Council.objects.filter(
        city_id=ctx.city_id, state__in=_SITTING, term_start__isnull=False, term_start__lt=last_day
    ).values_list("neighborhood_id", "term_start", "term_end")
    expected: dict[tuple[int, Month], int] = {}
    for month in ctx.months:
        first, after = month_days(month)
        per_month = _meetings_per_month(policies, first)
        for neighborhood_id, term_start, term_end in councils:
            if term_start < after and (term_end is None or term_end >= first):
                # Two terms meeting in one month (a renewal) still owe one month's rhythm.
                expected[(neighborhood_id, month)] = per_month
    for (neighborhood_id, month), count in expected.items():
        grid.add(neighborhood_id, month, 0, count)
    return grid.ratio_cells(100)


def attendance_share(ctx: MeasureContext) -> list[Cell]:
    grid = Grid(ctx)
    for row in _held(ctx).values("neighborhood_id", "mk").annotate(seated=Sum("seated_members")):
        grid.add(row["neighborhood_id"], _month(row["mk"]), 0, row["seated"] or 0)
    present = (
        Attendance.objects.filter(
            meeting__city_id=ctx.city_id,
            meeting__state=MeetingState.CLOSED,
            meeting__opened_at__gte=ctx.start,
            meeting__opened_at__lt=ctx.end,
            membership__isnull=False,
            status=AttendanceStatus.PRESENT,
        )
        .annotate(mk=month_case("meeting__opened_at", ctx.months))
        .filter(mk__isnull=False)
        .order_by()
        .values("meeting__neighborhood_id", "mk")
        .annotate(c=Count("id"))
    )
    for row in present:
        grid.add(row["meeting__neighborhood_id"], _month(row["mk"]), row["c"], 0)
    return grid.ratio_cells(100)


def councils_changed(*, city_id: int, since: datetime, now: datetime, candidates: list[Month]) -> set[Month]:
    """Months of the meetings closed since `since` (attendance is recorded only before closing), every
    month of the terms of councils that changed state, and the months a new policy governs."""
    months = _distinct_month_keys(
        Meeting.objects.filter(city_id=city_id, closed_at__gte=since), "opened_at", candidates
    )
    current = month_of(now)
    terms = Council.objects.filter(city_id=city_id, term_start__isnull=False).filter(
        Q(state_changed_at__gte=since) | Q(created_at__gte=since)
    )
    for term_start, term_end in terms.values_list("term_start", "term_end"):
        last = min(current, month_of_date(term_end)) if term_end else current
        months.update(months_between(month_of_date(term_start), last))
    for in_force_from in CouncilPolicy.objects.filter(city_id=city_id, created_at__gte=since).values_list(
        "in_force_from", flat=True
    ):
        months.update(months_between(month_of_date(in_force_from), current))
    return months & set(candidates)


def councils_earliest(*, city_id: int) -> Month | None:
    term = Council.objects.filter(city_id=city_id, state__in=_SITTING).aggregate(m=Min("term_start"))["m"]
    opened = Meeting.objects.filter(city_id=city_id, state=MeetingState.CLOSED).aggregate(m=Min("opened_at"))[
        "m"
    ]
    found = [m for m in (month_of_date(term) if term else None, month_of(opened) if opened else None) if m]
    return min(found) if found else None


# --- resolutions -----------------------------------------------------------------------------------------


def resolutions_adopted(ctx: MeasureContext) -> list[Cell]:
    grid = Grid(ctx)
    rows = (
        Resolution.objects.filter(city_id=ctx.city_id, adopted_at__gte=ctx.start, adopted_at__lt=ctx.end)
        .annotate(mk=month_case("adopted_at", ctx.months))
        .filter(mk__isnull=False)
        .order_by()
        .values("neighborhood_id", "mk")
        .annotate(c=Count("id"))
    )
    for row in rows:
        grid.add(row["neighborhood_id"], _month(row["mk"]), row["c"], 0)
    return grid.count_cells()


def resolutions_on_time_share(ctx: MeasureContext) -> list[Cell]:
    grid = Grid(ctx)
    today = local_date(ctx.now)
    first, after = month_days(ctx.months[0])[0], month_days(ctx.months[-1])[1]
    rows = Resolution.objects.filter(
        city_id=ctx.city_id, deadline__gte=first, deadline__lt=after
    ).values_list("neighborhood_id", "deadline", "state", "finished_at")
    for neighborhood_id, deadline, state, finished_at in rows.order_by():
        if finished_at is None and deadline >= today:
            continue  # still has time: not judged yet
        on_time = (
            state == ResolutionState.DONE and finished_at is not None and local_date(finished_at) <= deadline
        )
        grid.add(neighborhood_id, month_of_date(deadline), 1 if on_time else 0, 1)
    return grid.ratio_cells(100)


def resolutions_overdue(ctx: MeasureContext) -> list[Cell]:
    """Open at the month's end (now, for the current month) with the deadline day behind: from the
    adoption and finishing times, so a past month keeps its figure whatever happens later."""
    grid = Grid(ctx)
    cutoffs = [(month, min(month_bounds(month)[1], ctx.now)) for month in ctx.months]
    latest = max(c for _m, c in cutoffs)
    rows = (
        Resolution.objects.filter(city_id=ctx.city_id, adopted_at__lt=latest, deadline__lt=local_date(latest))
        .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=ctx.start))
        .values_list("neighborhood_id", "adopted_at", "deadline", "finished_at")
        .order_by()
    )
    rows = list(rows)
    for month, cutoff in cutoffs:
        day = local_date(cutoff)
        for neighborhood_id, adopted_at, deadline, finished_at in rows:
            if adopted_at < cutoff and deadline < day and (finished_at is None or finished_at >= cutoff):
                grid.add(neighborhood_id, month, 1, 0)
    return grid.count_cells()


def resolutions_changed(
    *, city_id: int, since: datetime, now: datetime, candidates: list[Month]
) -> set[Month]:
    """For a resolution adopted, moved or corrected since `since`: every month from its adoption (or its
    deadline, if earlier) to now, since it counts in each month's overdue figure; for one whose deadline
    day ended since then: its deadline month (its on-time share is now judged)."""
    months: set[Month] = set()
    current = month_of(now)
    corrected = ResolutionTransition.objects.filter(resolution_id=OuterRef("pk"), at__gte=since)
    changed = Resolution.objects.filter(city_id=city_id).filter(
        Q(adopted_at__gte=since) | Q(state_changed_at__gte=since) | Exists(corrected)
    )
    for adopted_at, deadline in changed.values_list("adopted_at", "deadline").order_by():
        months.update(months_between(min(month_of(adopted_at), month_of_date(deadline)), current))
    passed = Resolution.objects.filter(
        city_id=city_id, deadline__gte=local_date(since) - timedelta(days=1), deadline__lt=local_date(now)
    )
    for deadline in passed.values_list("deadline", flat=True).order_by():
        months.add(month_of_date(deadline))
    return months & set(candidates)


def resolutions_earliest(*, city_id: int) -> Month | None:
    first = Resolution.objects.filter(city_id=city_id).aggregate(m=Min("adopted_at"))["m"]
    return month_of(first) if first else None


# --- referrals ---------------------------------------------------------------------------------------------


def _referral_hours(ctx: MeasureContext, moment: str) -> list[Cell]:
    grid = Grid(ctx, agencies=True)
    rows = Referral.objects.filter(
        city_id=ctx.city_id,
        target_kind=TargetKind.AGENCY,
        sent_at__gte=ctx.start,
        sent_at__lt=ctx.end,
        **{f"{moment}__isnull": False},
    ).values_list("target_agency_id", "sent_at", moment)
    for agency_id, sent_at, at in rows.order_by():
        grid.add_sample(agency_id, month_of(sent_at), _hours(sent_at, at))
    return grid.median_cells()


def referral_acknowledge_hours_median(ctx: MeasureContext) -> list[Cell]:
    return _referral_hours(ctx, "acknowledged_at")


def referral_answer_hours_median(ctx: MeasureContext) -> list[Cell]:
    return _referral_hours(ctx, "answered_at")


def referrals_changed(*, city_id: int, since: datetime, now: datetime, candidates: list[Month]) -> set[Month]:
    changed = Referral.objects.filter(city_id=city_id, target_kind=TargetKind.AGENCY).filter(
        Q(sent_at__gte=since) | Q(state_changed_at__gte=since)
    )
    return _distinct_month_keys(changed, "sent_at", candidates)


def referrals_earliest(*, city_id: int) -> Month | None:
    first = Referral.objects.filter(city_id=city_id, target_kind=TargetKind.AGENCY).aggregate(
        m=Min("sent_at")
    )["m"]
    return month_of(first) if first else None


# --- programs ----------------------------------------------------------------------------------------------


def _programs_held(ctx: MeasureContext) -> dict[int, tuple[Month, int, list[int]]]:
    """The programs held in the months asked for (by the month they started): id → (month, participants,
    neighborhoods). One query over the program-neighborhood links."""
    rows = (
        ProgramNeighborhood.objects.filter(
            program__city_id=ctx.city_id,
            program__state=ProgramState.HELD,
            program__starts_at__gte=ctx.start,
            program__starts_at__lt=ctx.end,
        )
        .annotate(mk=month_case("program__starts_at", ctx.months))
        .filter(mk__isnull=False)
        .order_by("program_id", "neighborhood_id")
        .values_list("program_id", "mk", "program__participants", "neighborhood_id")
    )
    programs: dict[int, tuple[Month, int, list[int]]] = {}
    for program_id, mk, participants, neighborhood_id in rows:
        entry = programs.setdefault(program_id, (_month(mk), participants or 0, []))
        entry[2].append(neighborhood_id)
    return programs


def programs_held(ctx: MeasureContext) -> list[Cell]:
    """Once per place: a program for n1 and n3 counts once in each, and once in their area and district."""
    grid = Grid(ctx)
    for month, _participants, neighborhoods in _programs_held(ctx).values():
        grid.add_once(neighborhoods, month, 1)
    return grid.count_cells()


def program_participants_per_1000(ctx: MeasureContext) -> list[Cell]:
    """A program's participants are shared equally among its neighborhoods (who came from where is not
    recorded), so a larger place holding all of them counts every participant once."""
    grid = _population_grid(ctx)
    for month, participants, neighborhoods in _programs_held(ctx).values():
        share = participants / len(neighborhoods)
        for neighborhood_id in neighborhoods:
            grid.add(neighborhood_id, month, share, 0)
    return grid.ratio_cells(1000)


def programs_changed(*, city_id: int, since: datetime, now: datetime, candidates: list[Month]) -> set[Month]:
    """Months of the programs marked held (or changed) since `since`; only planned programs can be
    edited, so a held program's month and neighborhoods never move afterwards."""
    changed = Program.objects.filter(city_id=city_id).filter(
        Q(state_changed_at__gte=since) | Q(updated_at__gte=since)
    )
    return _distinct_month_keys(changed, "starts_at", candidates)


def programs_earliest(*, city_id: int) -> Month | None:
    first = Program.objects.filter(city_id=city_id, state=ProgramState.HELD).aggregate(m=Min("starts_at"))[
        "m"
    ]
    return month_of(first) if first else None


def _population_grid(ctx: MeasureContext) -> Grid:
    grid = Grid(ctx)
    for n, (_a, _d, population) in ctx.territory.neighborhoods.items():
        for month in ctx.months:
            grid.add(n, month, 0, population)
    return grid


# --- participation -----------------------------------------------------------------------------------------

SUPPORTED = "reports.report.supported"


def _acts(ctx: MeasureContext) -> Iterable[tuple[int, int, Month]]:
    """(person, neighborhood, month) of every civic act in the months asked for: a report submitted
    (confirmed), a report supported (from the audit trail too, so a support withdrawn later still
    counts), a visible comment, a needs-assessment response, a council application, a ballot."""
    start, end = ctx.start, ctx.end
    reports = (
        _received(ctx).filter(reporter__isnull=False).values_list("reporter_id", "neighborhood_id", "mk")
    )
    supports = (
        ReportSupport.objects.filter(report__city_id=ctx.city_id, created_at__gte=start, created_at__lt=end)
        .annotate(mk=month_case("created_at", ctx.months))
        .filter(mk__isnull=False)
        .order_by()
        .values_list("user_id", "report__neighborhood_id", "mk")
    )
    supported = (
        Event.objects.filter(
            city_id=ctx.city_id,
            action=SUPPORTED,
            actor__isnull=False,
            neighborhood_id__isnull=False,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .annotate(mk=month_case("occurred_at", ctx.months))
        .filter(mk__isnull=False)
        .order_by()
        .values_list("actor_id", "neighborhood_id", "mk")
    )
    comments = (
        ReportComment.objects.filter(
            city_id=ctx.city_id, is_hidden=False, created_at__gte=start, created_at__lt=end
        )
        .annotate(mk=month_case("created_at", ctx.months))
        .filter(mk__isnull=False)
        .order_by()
        .values_list("author_id", "neighborhood_id", "mk")
    )
    responses = (
        Response.objects.filter(city_id=ctx.city_id, submitted_at__gte=start, submitted_at__lt=end)
        .annotate(mk=month_case("submitted_at", ctx.months))
        .filter(mk__isnull=False)
        .order_by()
        .values_list("respondent_id", "neighborhood_id", "mk")
    )
    applications = (
        Application.objects.filter(city_id=ctx.city_id, submitted_at__gte=start, submitted_at__lt=end)
        .annotate(mk=month_case("submitted_at", ctx.months))
        .filter(mk__isnull=False)
        .order_by()
        .values_list("applicant_id", "neighborhood_id", "mk")
    )
    for query in (reports, supports, supported, comments, responses, applications):
        for person, neighborhood_id, mk in query.distinct():
            yield person, neighborhood_id, _month(mk)
    first, after = month_days(ctx.months[0])[0], month_days(ctx.months[-1])[1]
    # A ballot keeps the day only (never the time: see elections.Ballot).
    ballots = (
        Ballot.objects.filter(election__city_id=ctx.city_id, voted_on__gte=first, voted_on__lt=after)
        .order_by()
        .values_list("voter_id", "election__neighborhood_id", "voted_on")
        .distinct()
    )
    for person, neighborhood_id, day in ballots:
        yield person, neighborhood_id, month_of_date(day)


def active_citizens_per_1000(ctx: MeasureContext) -> list[Cell]:
    """Distinct people per place: someone active in n1 and n3 counts once in their area and district."""
    grid = _population_grid(ctx)
    for person, neighborhood_id, month in _acts(ctx):
        grid.add_distinct(neighborhood_id, month, person)
    return grid.distinct_ratio_cells(1000)


def participation_changed(
    *, city_id: int, since: datetime, now: datetime, candidates: list[Month]
) -> set[Month]:
    """Months of the reports that changed (a report is counted once confirmed), and of the supports,
    comments (written or hidden), responses, applications and ballots since `since`."""
    months = reports_changed(city_id=city_id, since=since, now=now, candidates=candidates)
    months |= _distinct_month_keys(
        ReportSupport.objects.filter(report__city_id=city_id, created_at__gte=since), "created_at", candidates
    )
    months |= _distinct_month_keys(
        Event.objects.filter(city_id=city_id, action=SUPPORTED, occurred_at__gte=since),
        "occurred_at",
        candidates,
    )
    months |= _distinct_month_keys(
        ReportComment.objects.filter(city_id=city_id).filter(
            Q(created_at__gte=since) | Q(hidden_at__gte=since)
        ),
        "created_at",
        candidates,
    )
    months |= _distinct_month_keys(
        Response.objects.filter(city_id=city_id, submitted_at__gte=since), "submitted_at", candidates
    )
    months |= _distinct_month_keys(
        Application.objects.filter(city_id=city_id, submitted_at__gte=since), "submitted_at", candidates
    )
    # Ballots carry a day only: those of the day of `since` and after (a day of overlap is harmless).
    days = Ballot.objects.filter(election__city_id=city_id, voted_on__gte=local_date(since)).values_list(
        "voted_on", flat=True
    )
    months.update(month_of_date(day) for day in days.order_by().distinct())
    return months & set(candidates)


def participation_earliest(*, city_id: int) -> Month | None:
    found = [
        reports_earliest(city_id=city_id),
        _first_month(ReportSupport.objects.filter(report__city_id=city_id), "created_at"),
        _first_month(Event.objects.filter(city_id=city_id, action=SUPPORTED), "occurred_at"),
        _first_month(ReportComment.objects.filter(city_id=city_id), "created_at"),
        _first_month(Response.objects.filter(city_id=city_id), "submitted_at"),
        _first_month(Application.objects.filter(city_id=city_id), "submitted_at"),
    ]
    first_ballot = Ballot.objects.filter(election__city_id=city_id).aggregate(m=Min("voted_on"))["m"]
    if first_ballot:
        found.append(month_of_date(first_ballot))
    months = [m for m in found if m]
    return min(months) if months else None


def _first_month(queryset: QuerySet[Any], field_name: str) -> Month | None:
    first = queryset.aggregate(m=Min(field_name))["m"]
    return month_of(first) if first else None


# --- minutes -----------------------------------------------------------------------------------------------

# Minutes count as published on time when they are public within this long after the meeting closed.
MINUTES_WITHIN = timedelta(days=7)


def minutes_published_share(ctx: MeasureContext) -> list[Cell]:
    """Of the meetings held in the month (opened and closed), those whose minutes were published within
    seven days of closing. A meeting is judged once its minutes are published on time or its seven days
    are over: a meeting closed yesterday is not yet late."""
    grid = Grid(ctx)
    rows = _held(ctx).values_list(
        "neighborhood_id", "mk", "closed_at", "minutes__state", "minutes__published_at"
    )
    for neighborhood_id, mk, closed_at, state, published_at in rows:
        closed_at = closed_at or ctx.now
        on_time = (
            state == MinutesState.PUBLISHED
            and published_at is not None
            and published_at <= closed_at + MINUTES_WITHIN
        )
        if on_time or closed_at + MINUTES_WITHIN <= ctx.now:
            grid.add(neighborhood_id, _month(mk), 1 if on_time else 0, 1)
    return grid.ratio_cells(100)


def minutes_changed(*, city_id: int, since: datetime, now: datetime, candidates: list[Month]) -> set[Month]:
    """Months of the meetings closed since `since`, of those whose minutes changed since then, and of
    those whose seven days ran out since then (judged now without any row changing)."""
    meetings = Meeting.objects.filter(city_id=city_id, state=MeetingState.CLOSED).filter(
        Q(closed_at__gte=since)
        | Q(minutes__updated_at__gte=since)
        | Q(closed_at__gte=since - MINUTES_WITHIN, closed_at__lt=now - MINUTES_WITHIN)
    )
    return _distinct_month_keys(meetings, "opened_at", candidates)


def minutes_earliest(*, city_id: int) -> Month | None:
    return _first_month(Meeting.objects.filter(city_id=city_id, state=MeetingState.CLOSED), "opened_at")
