"""Reads of cultural-social programs, in a fixed number of queries whatever the number of rows: the
public calendar and lists, the staff list, and what the indicators need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, FloatField, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import COUNCIL_ROLES, DISTRICT_ROLES, Role
from mahalat.accounts.rules import held_roles
from mahalat.persian.jalali import jalali_month_bounds
from mahalat.programs.models import Program, ProgramNeighborhood, ProgramPhoto, ProgramState
from mahalat.territory.models import Neighborhood

_CITY_READERS = {Role.ADMINISTRATOR, Role.DEPUTY, Role.CITY_COUNCIL}
CALENDAR_LIMIT = 500  # a month of one city; far above what a city puts on


def local_midnight(day: date) -> datetime:
    """The moment day `day` starts in the site's time zone (Tehran)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def month_range(*, year: int, month: int) -> tuple[datetime, datetime]:
    """The half-open range of moments of a Jalali month, in Tehran."""
    first, after = jalali_month_bounds(year=year, month=month)
    return local_midnight(first), local_midnight(after)


def _neighborhoods_prefetch() -> Prefetch:
    return Prefetch(
        "neighborhoods",
        queryset=Neighborhood.objects.only("id", "slug", "name", "name_en").order_by("name", "id"),
    )


def with_related(qs: QuerySet[Program]) -> QuerySet[Program]:
    """What every list shows: district, organizer and neighborhoods (one query for the neighborhoods)."""
    return qs.select_related(
        "district", "organizer_council__neighborhood", "organizer_agency"
    ).prefetch_related(_neighborhoods_prefetch())


# --- public ------------------------------------------------------------------------------------------


def calendar_month(*, city_id: int, year: int, month: int) -> list[Program]:
    """The city's programs starting in a Jalali month, in time order (cancelled ones included: residents
    should learn a program they expected was called off)."""
    start, end = month_range(year=year, month=month)
    qs = Program.objects.filter(city_id=city_id, starts_at__gte=start, starts_at__lt=end)
    return list(with_related(qs).order_by("starts_at", "id")[:CALENDAR_LIMIT])


def neighborhood_programs(*, neighborhood_id: int) -> QuerySet[Program]:
    """A neighborhood's programs, the latest first (the page paginates it)."""
    ids = ProgramNeighborhood.objects.filter(neighborhood_id=neighborhood_id).values("program_id")
    return with_related(Program.objects.filter(pk__in=ids)).order_by("-starts_at", "-id")


def program_get(*, pk: int) -> Program:
    program = (
        with_related(Program.objects.filter(pk=pk))
        .select_related("city")
        .prefetch_related(Prefetch("photos", queryset=ProgramPhoto.objects.order_by("position", "id")))
        .first()
    )
    if program is None:
        raise Http404(_("There is no such program."))
    return program


# --- staff -------------------------------------------------------------------------------------------


def role_q(*, user: Any) -> Q:
    """The programs the person's roles cover: the city's for its readers, the district's, those touching
    an area officer's area or a council's neighborhood, those an agency organizes."""
    covered = Q(pk__in=[])
    for held in held_roles(user):
        scope = held.scope
        if held.role in _CITY_READERS:
            covered |= Q(city_id=scope.city_id)
        elif held.role in DISTRICT_ROLES:
            covered |= Q(district_id=scope.district_id)
        elif held.role == Role.AREA_OFFICER:
            covered |= Q(
                pk__in=ProgramNeighborhood.objects.filter(neighborhood__area_id=scope.area_id).values(
                    "program_id"
                )
            )
        elif held.role in COUNCIL_ROLES:
            covered |= Q(
                pk__in=ProgramNeighborhood.objects.filter(neighborhood_id=scope.neighborhood_id).values(
                    "program_id"
                )
            )
        elif held.role == Role.AGENCY_LIAISON:
            covered |= Q(organizer_agency_id=scope.agency_id)
    return covered


@dataclass(frozen=True)
class ProgramFilters:
    state: str | None = None
    kind: str | None = None
    neighborhood: str | None = None  # slug
    month: tuple[int, int] | None = None  # Jalali (year, month)


def apply_filters(qs: QuerySet[Program], filters: ProgramFilters) -> QuerySet[Program]:
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.neighborhood:
        qs = qs.filter(
            pk__in=ProgramNeighborhood.objects.filter(neighborhood__slug=filters.neighborhood).values(
                "program_id"
            )
        )
    if filters.month:
        start, end = month_range(year=filters.month[0], month=filters.month[1])
        qs = qs.filter(starts_at__gte=start, starts_at__lt=end)
    return qs


def staff_program_list(*, user: Any, filters: ProgramFilters | None = None) -> QuerySet[Program]:
    """The programs the person's roles cover, the latest first."""
    qs = Program.objects.all() if user.is_superuser else Program.objects.filter(role_q(user=user))
    return with_related(apply_filters(qs, filters or ProgramFilters())).order_by("-starts_at", "-id")


def staff_neighborhoods(*, user: Any) -> list[Neighborhood]:
    """The neighborhoods of the person's programs, for the list's filter."""
    base = Program.objects.all() if user.is_superuser else Program.objects.filter(role_q(user=user))
    ids = ProgramNeighborhood.objects.filter(program__in=base.order_by().values("pk")).values(
        "neighborhood_id"
    )
    return list(
        Neighborhood.objects.filter(pk__in=ids).only("slug", "name", "name_en").order_by("name", "id")
    )


# --- for the indicators ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldInNeighborhood:
    neighborhood_id: int
    programs: int  # held programs for this neighborhood (a program for k neighborhoods counts in each)
    participants: int  # their participants, each program's whole count in each of its neighborhoods
    participant_share: float  # each program's participants divided evenly among its neighborhoods


def programs_held_in(*, city_id: int, start: date, end: date) -> dict[int, HeldInNeighborhood]:
    """Held programs per neighborhood of a city whose start falls in [start, end) (Tehran days), in one
    query. Neighborhoods with none are absent.

    `participants` answers "how many people came to programs for this neighborhood"; sums of it over
    neighborhoods count a shared program more than once. `participant_share` splits a shared
    program's participants evenly, so it adds up across neighborhoods to the city's total: the
    indicator "participants per 1,000 residents" of an area, a district or the city is the sum of the
    shares of its neighborhoods.
    """
    rows = (
        ProgramNeighborhood.objects.filter(
            program__city_id=city_id,
            program__state=ProgramState.HELD,
            program__starts_at__gte=local_midnight(start),
            program__starts_at__lt=local_midnight(end),
        )
        .values("neighborhood_id")
        .annotate(
            programs=Count("program_id"),
            participants=Coalesce(Sum("program__participants"), 0),
            share=Coalesce(
                Sum(
                    Cast(F("program__participants"), FloatField())
                    / Cast(F("program__neighborhood_count"), FloatField())
                ),
                0.0,
            ),
        )
        .order_by("neighborhood_id")
    )
    return {
        row["neighborhood_id"]: HeldInNeighborhood(
            neighborhood_id=row["neighborhood_id"],
            programs=row["programs"],
            participants=int(row["participants"]),
            participant_share=float(row["share"]),
        )
        for row in rows
    }


# --- the month grid ----------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: date
    jalali_day: int
    programs: list[Program]
    is_today: bool


def month_grid(*, year: int, month: int, programs: list[Program]) -> list[list[CalendarDay | None]]:
    """Weeks of the Jalali month, Saturday first; None pads the days of the neighboring months."""
    first, after = jalali_month_bounds(year=year, month=month)
    by_day: dict[date, list[Program]] = {}
    for program in programs:
        by_day.setdefault(timezone.localtime(program.starts_at).date(), []).append(program)
    today = timezone.localdate()
    lead = (first.weekday() + 2) % 7  # Python counts from Monday, the Persian week from Saturday
    cells: list[CalendarDay | None] = [None] * lead
    day = first
    number = 1
    while day < after:
        cells.append(
            CalendarDay(day=day, jalali_day=number, programs=by_day.get(day, []), is_today=day == today)
        )
        day += timedelta(days=1)
        number += 1
    cells += [None] * (-len(cells) % 7)
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]
