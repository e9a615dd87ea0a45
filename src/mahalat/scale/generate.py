"""A synthetic but consistent city (or country) for measuring the platform at scale.

`scale_data_generate` builds, for each city of a `ScaleSize`:

- the territory: districts, areas and neighborhoods as a grid of rectangular cells (contiguous runs of
  cells make an area, runs of areas a district), with GeoJSON boundaries that `territory.locate` uses;
  the city is put where no other city's neighborhoods are;
- the report categories of the demo city (groups and leaves, service levels, extra questions) and
  executive agencies serving the whole city;
- staff (a district officer and manager per district, an officer per area, a liaison per agency, a
  deputy) and residents as reporters, with role assignments and an unusable password;
- citizen reports over `report_years` years, each with the history `reports.services` would have
  written: its transitions follow `reports.workflow.TRANSITIONS` and end in the report's state, the
  deadlines are counted on the city's working calendar, the escalation level is the one
  `reports_escalate_overdue` would have reached by now, referred reports follow a referral to an
  agency with its own history, and supports, comments and ratings sit beside them with
  `supports_count` equal to the supports;
- a council per neighborhood for each term of `council_years` years (earlier terms renewed, the
  current one active), its members in every seat with role assignments, two meetings a month with
  attendance, agendas, votes and published minutes, and a resolution for every adopted item, numbered
  per council per Jalali year, with its transitions;
- the indicator rows, by running the real `insights.refresh.indicators_refresh`.

Rows are built in Python and written in chunks (`COPY` on PostgreSQL, `bulk_create` elsewhere), with
ids handed out here; no service, signal or notification runs, and no audit events are written. Dates
count back from now; every draw comes from one seeded generator.
"""

from __future__ import annotations

import bisect
import functools
import math
import random
import secrets
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jdatetime
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import box, mapping
from shapely.ops import unary_union

from mahalat.accounts.models import Role, RoleAssignment, ScopeKind, User
from mahalat.councils.models import (
    Council,
    CouncilPolicy,
    CouncilState,
    CouncilTransition,
    MemberRole,
    Membership,
    MembershipEnd,
    SeatTemplate,
    SeatType,
)
from mahalat.demo import councils as council_data
from mahalat.demo import report_texts as texts
from mahalat.demo.categories import CATEGORY_SEEDS
from mahalat.insights.models import IndicatorValue, RefreshState
from mahalat.insights.refresh import indicators_refresh
from mahalat.meetings.models import (
    AgendaItem,
    AgendaItemState,
    AgendaSource,
    Attendance,
    AttendanceStatus,
    MajorityMethod,
    Meeting,
    MeetingState,
    Minutes,
    MinutesState,
    VoteMode,
)
from mahalat.persian.text import search_key
from mahalat.referrals.models import (
    Agency,
    AgencyKind,
    Referral,
    ReferralState,
    ReferralTransition,
    SourceKind,
    TargetKind,
)
from mahalat.reports.models import (
    OPEN_STATES,
    Category,
    EscalationLevel,
    HandlerKind,
    Report,
    ReportComment,
    ReportKind,
    ReportRating,
    ReportState,
    ReportSupport,
    ReportTransition,
)
from mahalat.reports.services import _check_digit
from mahalat.resolutions.models import (
    Resolution,
    ResolutionEscalation,
    ResolutionState,
    ResolutionTransition,
    ResponsibleKind,
)
from mahalat.scale.sizes import ScaleSize
from mahalat.scale.writer import (
    Ids,
    TableStats,
    TableWriter,
    dates_as_given,
    foreign_keys_verify,
    may_skip_trigger_checks,
    reset_sequences,
    trigger_checks_off,
)
from mahalat.territory.locate import invalidate_index
from mahalat.territory.models import Area, City, District, Neighborhood
from mahalat.worktime.calendar import TEHRAN, WorkCalendar, load_calendar

S = ReportState
R = ReferralState
CELL_DEGREES = 0.01  # about a kilometre
CITY_GAP_DEGREES = 0.05
FIRST_SLOT = (27.0, 55.0)  # lat, lng of the first city's south-west corner: away from the demo city
# Phones of generated people: +98 93x, the rest from the user's id, so they never collide.
PHONE = "+9893{id:08d}"
ANONYMOUS_PHONE = "+9899{n:08d}"
# Generated people's e-mail addresses end in "@<city slug>" + this, so a city's people can be found again.
EMAIL_DOMAIN = ".scale.example"

ResolutionReport = Resolution.reports.through
COMMIT = "(commit)"
DELETE = "(replace: delete the old city)"
FK_CHECKS = "(foreign key checks)"
# Every model the generator writes, parents first (the order rows are flushed and deleted in).
WRITTEN: tuple[type[models.Model], ...] = (
    City,
    District,
    Area,
    Neighborhood,
    Agency,
    Category,
    User,
    RoleAssignment,
    Report,
    ReportTransition,
    ReportSupport,
    ReportComment,
    ReportRating,
    Referral,
    ReferralTransition,
    SeatTemplate,
    SeatType,
    CouncilPolicy,
    Council,
    CouncilTransition,
    Membership,
    Meeting,
    AgendaItem,
    Attendance,
    Minutes,
    Resolution,
    ResolutionReport,
    ResolutionTransition,
)

# How a report's life goes (before the clock cuts it short), with weights.
PATHS: dict[str, tuple[tuple[str, ...], float]] = {
    "closed": ((S.SUBMITTED, S.TRIAGED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED), 55),
    "reopened": (
        (S.SUBMITTED, S.TRIAGED, S.IN_PROGRESS, S.RESOLVED, S.REOPENED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED),
        4,
    ),
    "reopened_waiting": ((S.SUBMITTED, S.TRIAGED, S.IN_PROGRESS, S.RESOLVED, S.REOPENED), 1),
    "rejected": ((S.SUBMITTED, S.REJECTED), 5),
    "rejected_late": ((S.SUBMITTED, S.TRIAGED, S.REJECTED), 3),
    "duplicate": ((S.SUBMITTED, S.DUPLICATE), 5),
    "referral_done": ((S.SUBMITTED, S.TRIAGED, S.REFERRED, S.RESOLVED, S.CLOSED), 12),
    "referral_declined": ((S.SUBMITTED, S.TRIAGED, S.REFERRED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED), 4),
    "referral_waiting": ((S.SUBMITTED, S.TRIAGED, S.REFERRED), 3),
    "stalled": ((S.SUBMITTED, S.TRIAGED, S.IN_PROGRESS), 6),
    "forgotten": ((S.SUBMITTED,), 1),
}
PATH_NAMES = list(PATHS)
PATH_WEIGHTS = [w for _p, w in PATHS.values()]
KINDS = [
    (ReportKind.PROBLEM, 70),
    (ReportKind.REQUEST, 12),
    (ReportKind.PROPOSAL, 6),
    (ReportKind.CRITICISM, 5),
    (ReportKind.COMPLAINT, 5),
    (ReportKind.THANKS, 2),
]
# Reports by hour of the day (Tehran): few at night, most in the morning and the evening.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 7, 10, 11, 11, 10, 9, 8, 8, 8, 9, 10, 10, 9, 8, 6, 4, 2]
_GENERIC_WORDS = (
    "لاله",
    "نسترن",
    "یاس",
    "سرو",
    "چنار",
    "بهار",
    "گلستان",
    "نارون",
    "شقایق",
    "ارغوان",
    "مهر",
    "آزادی",
    "بوستان",
    "فردوس",
    "امید",
    "سپیدار",
    "کوهسار",
    "دریاچه",
    "باغ‌فیض",
    "نیایش",
)
_PREFIXES = ("کوی", "شهرک", "محله", "باغ")


@dataclass(frozen=True, slots=True)
class NeighborhoodCell:
    id: int
    area_id: int
    district_id: int
    bounds: tuple[float, float, float, float]  # min lng, min lat, max lng, max lat
    population: int


@dataclass(frozen=True, slots=True)
class CategoryRef:
    id: int
    slug: str
    name: str
    handler_kind: str
    agency_id: int | None
    triage_hours: int
    resolve_hours: int
    public: bool
    questions: list[dict[str, Any]]


@dataclass
class ScaleSummary:
    cities: list[str] = field(default_factory=list)
    tables: dict[str, TableStats] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.tables.values())

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def tracking_code_for(report_id: int) -> str:
    """A 10-digit code in the product's format (nine digits and a Luhn check digit), distinct for
    distinct ids: a bijection of the id onto 100000000…999999999 that looks random."""
    body = str(100_000_000 + (report_id * 387_420_489 + 123_456_789) % 900_000_000)
    return body + _check_digit(body)


def _unusable_password() -> str:
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20)


class _Clock:
    """Deadlines on the city's working calendar, computed once per hour of start and length: the
    deadline of the hour's start, moved by the minutes past it (the calendar's own answer whenever
    the start and the deadline fall in working hours)."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.cache: dict[tuple[int, float], datetime] = {}

    def add(self, start: datetime, hours: float) -> datetime:
        hour = int(start.timestamp()) // 3600
        key = (hour, hours)
        found = self.cache.get(key)
        if found is None:
            found = self.calendar.add_working_time(
                start=datetime.fromtimestamp(hour * 3600, UTC), hours=hours
            )
            self.cache[key] = found
        return found + (start - datetime.fromtimestamp(hour * 3600, UTC))


class _Tables:
    """One writer per table, shared by every city of a run, so the summary counts them all."""

    def __init__(self, *, progress: bool, expected: dict[type[models.Model], int]) -> None:
        self.use_copy = connection.vendor == "postgresql"
        self.stats: dict[str, TableStats] = {}
        self.writers: dict[type[models.Model], TableWriter] = {}
        for position, model in enumerate(WRITTEN):
            stats = TableStats(model._meta.db_table)
            self.stats[stats.table] = stats
            self.writers[model] = TableWriter(
                model,
                use_copy=self.use_copy,
                stats=stats,
                progress=progress,
                expected=expected.get(model, 0),
                position=position,
            )

    def add(self, model: type[models.Model], row: dict[str, Any]) -> None:
        if self.writers[model].add(row):
            self.flush()  # every table, parents first, so no row waits for its parent

    def flush(self) -> None:
        """Write what is buffered, parents first."""
        for model in WRITTEN:
            self.writers[model].flush()

    def close(self) -> None:
        for model in WRITTEN:
            self.writers[model].close()


def _expected(size: ScaleSize) -> dict[type[models.Model], int]:
    n = size.cities
    return {
        Report: n * size.reports,
        ReportTransition: n * size.reports * 4,
        ReportSupport: n * size.reports,
        ReportComment: n * size.reports // 4,
        User: n * (size.residents + size.neighborhoods * 15 * 3),
        Meeting: n * size.neighborhoods * size.council_years * 26,
        Attendance: n * size.neighborhoods * size.council_years * 26 * 15,
    }


def city_slugs(size: ScaleSize, slug: str) -> list[str]:
    if size.cities == 1:
        return [slug]
    return [f"{slug}-{i:02d}" for i in range(1, size.cities + 1)]


def city_delete(city: City) -> None:
    """Remove a generated city and everything the generator wrote for it (raw deletes, children first,
    then its people). Rows of other kinds that still point into the city make the delete fail, and the
    transaction with it."""
    cid = city.pk
    steps: list[models.QuerySet[Any]] = [
        IndicatorValue.objects.filter(city_id=cid),
        RefreshState.objects.filter(city_id=cid),
        ResolutionTransition.objects.filter(resolution__city_id=cid),
        Resolution.reports.through.objects.filter(resolution__city_id=cid),
        ReferralTransition.objects.filter(city_id=cid),
        Referral.objects.filter(city_id=cid),
        Resolution.objects.filter(city_id=cid),
        Minutes.objects.filter(meeting__city_id=cid),
        Attendance.objects.filter(meeting__city_id=cid),
        AgendaItem.objects.filter(city_id=cid),
        Meeting.objects.filter(city_id=cid),
        Membership.objects.filter(city_id=cid),
        CouncilTransition.objects.filter(council__city_id=cid),
        Council.objects.filter(city_id=cid).exclude(predecessor=None),
        Council.objects.filter(city_id=cid),
        SeatType.objects.filter(template__city_id=cid),
        SeatTemplate.objects.filter(city_id=cid),
        CouncilPolicy.objects.filter(city_id=cid),
        ReportRating.objects.filter(report__city_id=cid),
        ReportComment.objects.filter(city_id=cid),
        ReportSupport.objects.filter(report__city_id=cid),
        ReportTransition.objects.filter(city_id=cid),
        Report.objects.filter(city_id=cid).exclude(duplicate_of=None),
        Report.objects.filter(city_id=cid),
        RoleAssignment.objects.filter(city_id=cid),
        Category.objects.filter(city_id=cid).exclude(parent=None),
        Category.objects.filter(city_id=cid),
        Agency.objects.filter(city_id=cid),
        Neighborhood.objects.filter(city_id=cid),
        Area.objects.filter(city_id=cid),
        District.objects.filter(city_id=cid),
    ]
    for queryset in steps:
        queryset.model.objects.filter(pk__in=queryset.values("pk"))._raw_delete(connection.alias)
    User.objects.filter(email__endswith=f"@{city.slug}{EMAIL_DOMAIN}").delete()
    City.objects.filter(pk=cid).delete()


def scale_data_generate(
    *,
    size: ScaleSize,
    slug: str,
    seed: int = 1405,
    replace: bool = False,
    indicators: bool = True,
    progress: bool = True,
    now: datetime | None = None,
) -> ScaleSummary:
    """Generate `size` under the city slug `slug` (`slug-01`… for several cities). Refuses when a
    city of that slug exists, unless `replace`; never touches other cities."""
    started = time.monotonic()
    now = now or timezone.now()
    slugs = city_slugs(size, slug)
    existing = list(City.objects.filter(slug__in=slugs))
    if existing and not replace:
        raise ValidationError(
            _("The database already has the city “%(slug)s”; add --replace to generate it again.")
            % {"slug": existing[0].slug}
        )
    summary = ScaleSummary()
    tables = _Tables(progress=progress, expected=_expected(size))
    ids = Ids()
    try:
        for index, city_slug in enumerate(slugs):
            replaced = list(City.objects.filter(slug=city_slug))
            if replaced:
                delete_started = time.monotonic()
                with transaction.atomic():  # a transaction of its own, so its checks are timed apart
                    for city in replaced:
                        city_delete(city)
                deleted = tables.stats.setdefault(DELETE, TableStats(DELETE))
                deleted.seconds += time.monotonic() - delete_started
            with transaction.atomic():
                fast = may_skip_trigger_checks()
                if fast:
                    trigger_checks_off()
                first_ids = {model: ids.take(model, 0) for model in WRITTEN}
                with dates_as_given(list(WRITTEN)):
                    builder = _CityBuilder(
                        size=size,
                        slug=city_slug,
                        rng=random.Random(seed * 1000 + index),
                        now=now,
                        tables=tables,
                        ids=ids,
                    )
                    builder.build()
                    tables.flush()
                if fast:
                    checks_started = time.monotonic()
                    foreign_keys_verify(first_ids)
                    checks = tables.stats.setdefault(FK_CHECKS, TableStats(FK_CHECKS))
                    checks.seconds += time.monotonic() - checks_started
                reset_sequences(list(WRITTEN))
                invalidate_index()
                if indicators:
                    indicator_started = time.monotonic()
                    stats = indicators_refresh(city=builder.city, now=now, full=True)
                    table = tables.stats.setdefault(
                        IndicatorValue._meta.db_table, TableStats(IndicatorValue._meta.db_table)
                    )
                    table.rows += stats.rows
                    table.seconds += time.monotonic() - indicator_started
                commit_started = time.monotonic()
            # Where row triggers stayed on, PostgreSQL checks every row's foreign keys at the commit.
            commit = tables.stats.setdefault(COMMIT, TableStats(COMMIT))
            commit.seconds += time.monotonic() - commit_started
            summary.cities.append(city_slug)
    finally:
        tables.close()
    summary.tables = tables.stats
    # The delete of a replaced city is shown on its own line, not in the generation rate.
    summary.seconds = time.monotonic() - started - tables.stats.get(DELETE, TableStats(DELETE)).seconds
    return summary


class _CityBuilder:
    def __init__(
        self,
        *,
        size: ScaleSize,
        slug: str,
        rng: random.Random,
        now: datetime,
        tables: _Tables,
        ids: Ids,
    ) -> None:
        self.size = size
        self.slug = slug
        self.rng = rng
        self.now = now
        self.tables = tables
        self.ids = ids
        self.start = now - timedelta(days=365 * size.report_years)
        self.hoods: list[NeighborhoodCell] = []
        self.hood_weights: list[float] = []
        self.area_officer: dict[int, int] = {}
        self.district_officer: dict[int, int] = {}
        self.district_manager: dict[int, int] = {}
        self.agency_ids: list[int] = []
        self.agency_liaison: dict[int, int] = {}
        self.residents: list[int] = []
        self.residents_of: dict[int, list[int]] = defaultdict(list)
        self.cats: list[CategoryRef] = []
        self.cat_weights: list[float] = []
        self.texts: dict[str, list[tuple[str, str, str]]] = {}
        self.names = self._names()
        self.recent_by_hood: dict[int, list[int]] = defaultdict(list)
        # Public reports a council may take up: (submitted, id, category name), by neighborhood.
        self.agenda_reports: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
        self.agenda_used: set[int] = set()

    # --- helpers ---------------------------------------------------------------------------------

    def add(self, model: type[models.Model], row: dict[str, Any]) -> None:
        self.tables.add(model, row)

    def _names(self) -> Iterator[str]:
        while True:
            yield f"{self.rng.choice(texts.FIRST_NAMES)} {self.rng.choice(texts.LAST_NAMES)}"

    def user(self, *, joined: datetime) -> int:
        uid = self.ids.take(User)
        self.add(
            User,
            {
                "id": uid,
                "password": _unusable_password(),
                "phone": PHONE.format(id=uid),
                "full_name": next(self.names),
                "email": f"u{uid}@{self.slug}{EMAIL_DOMAIN}",
                "date_joined": joined,
            },
        )
        return uid

    def role(self, *, user_id: int, role: str, valid_from: datetime, **scope: int | None) -> int:
        kind = {
            "agency_id": ScopeKind.AGENCY,
            "neighborhood_id": ScopeKind.NEIGHBORHOOD,
            "area_id": ScopeKind.AREA,
            "district_id": ScopeKind.DISTRICT,
        }
        scope_kind = ScopeKind.CITY
        for key, value in kind.items():
            if scope.get(key) is not None:
                scope_kind = value
                break
        rid = self.ids.take(RoleAssignment)
        self.add(
            RoleAssignment,
            {
                "id": rid,
                "user_id": user_id,
                "role": role,
                "scope_kind": scope_kind,
                "city_id": self.city.pk,
                "valid_from": valid_from,
                "created_at": valid_from,
                **scope,
            },
        )
        return rid

    def moment(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TEHRAN).astimezone(UTC)

    # --- the city --------------------------------------------------------------------------------

    def build(self) -> None:
        self.territory()
        self.calendar = _Clock(
            load_calendar(city_id=self.city.pk, first_day=self.start.date() - timedelta(days=1))
        )
        self.agencies_and_categories()
        self.people()
        self.tables.flush()
        self.reports()
        self.tables.flush()
        self.councils()

    def _slot(self) -> tuple[float, float]:
        """The south-west corner of a free place for the city: right of every city already there."""
        width = self.size.columns * CELL_DEGREES
        height = self.size.rows * CELL_DEGREES
        taken = []
        for boundary in City.objects.exclude(boundary=None).values_list("boundary", flat=True):
            coords = [pt for ring in boundary.get("coordinates", [])[:1] for pt in ring]
            if coords:
                xs, ys = [c[0] for c in coords], [c[1] for c in coords]
                taken.append((min(xs), min(ys), max(xs), max(ys)))
        lat, lng = FIRST_SLOT
        while True:
            mine = box(lng, lat, lng + width, lat + height)
            if not any(mine.intersects(box(*t).buffer(CITY_GAP_DEGREES)) for t in taken):
                return lat, lng
            lng += width + CITY_GAP_DEGREES
            if lng > FIRST_SLOT[1] + 8:
                lng = FIRST_SLOT[1]
                lat += height + CITY_GAP_DEGREES

    def territory(self) -> None:
        size, rng = self.size, self.rng
        lat0, lng0 = self._slot()
        # Cells in a snake order, so that consecutive cells always share an edge and each run of them
        # (an area, a district) is one piece.
        cells: list[tuple[int, int]] = []
        for row in range(size.rows):
            cols = range(size.columns) if row % 2 == 0 else range(size.columns - 1, -1, -1)
            cells += [(col, row) for col in cols]
        cells = cells[: size.neighborhoods]
        polygons = [
            box(
                round(lng0 + col * CELL_DEGREES, 6),
                round(lat0 + row * CELL_DEGREES, 6),
                round(lng0 + (col + 1) * CELL_DEGREES, 6),
                round(lat0 + (row + 1) * CELL_DEGREES, 6),
            )
            for col, row in cells
        ]
        area_of = _split(size.neighborhoods, size.areas)  # neighborhood index → area index
        district_of_area = _split(size.areas, size.districts)
        populations = [rng.randint(5_000, 30_000) for _ in cells]
        created = self.now - timedelta(days=365 * max(size.report_years, size.council_years) + 60)
        city_id = self.ids.take(City)
        city_shape = unary_union(polygons)
        self.add(
            City,
            {
                "id": city_id,
                "name": f"شهر {self.slug}",
                "name_en": f"Scale city {self.slug}",
                "slug": self.slug,
                "boundary": _geojson(city_shape),
                "population": sum(populations),
                "created_at": created,
                "updated_at": created,
                "boundaries_version": 1,
            },
        )
        self.tables.flush()
        self.city = City.objects.get(pk=city_id)
        district_ids = [self.ids.take(District) for _ in range(size.districts)]
        area_ids = [self.ids.take(Area) for _ in range(size.areas)]
        for d in range(size.districts):
            members = [i for i in range(size.neighborhoods) if district_of_area[area_of[i]] == d]
            self.add(
                District,
                {
                    "id": district_ids[d],
                    "city_id": city_id,
                    "number": d + 1,
                    "name": f"منطقه {d + 1}",
                    "name_en": f"District {d + 1}",
                    "slug": f"{self.slug}-d{d + 1:02d}",
                    "boundary": _geojson(unary_union([polygons[i] for i in members])),
                    "population": sum(populations[i] for i in members),
                    "created_at": created,
                    "updated_at": created,
                },
            )
        number_in_district: dict[int, int] = defaultdict(int)
        for a in range(size.areas):
            d = district_of_area[a]
            number_in_district[d] += 1
            members = [i for i in range(size.neighborhoods) if area_of[i] == a]
            self.add(
                Area,
                {
                    "id": area_ids[a],
                    "city_id": city_id,
                    "district_id": district_ids[d],
                    "number": number_in_district[d],
                    "name": f"ناحیه {number_in_district[d]} منطقه {d + 1}",
                    "name_en": f"Area {number_in_district[d]} of district {d + 1}",
                    "slug": f"{self.slug}-d{d + 1:02d}-a{number_in_district[d]}",
                    "boundary": _geojson(unary_union([polygons[i] for i in members])),
                    "population": sum(populations[i] for i in members),
                    "created_at": created,
                    "updated_at": created,
                },
            )
        for i, polygon in enumerate(polygons):
            hid = self.ids.take(Neighborhood)
            word = _GENERIC_WORDS[i % len(_GENERIC_WORDS)]
            name = f"{_PREFIXES[(i // len(_GENERIC_WORDS)) % len(_PREFIXES)]} {word} {i + 1}"
            name_en = f"Neighborhood {i + 1}"
            area_id = area_ids[area_of[i]]
            district_id = district_ids[district_of_area[area_of[i]]]
            self.add(
                Neighborhood,
                {
                    "id": hid,
                    "city_id": city_id,
                    "district_id": district_id,
                    "area_id": area_id,
                    "name": name,
                    "name_en": name_en,
                    "slug": f"{self.slug}-n{i + 1:03d}",
                    "boundary": _geojson(polygon),
                    "population": populations[i],
                    "search_key": search_key(f"{name} {name_en}")[:300],
                    "created_at": created,
                    "updated_at": created,
                },
            )
            self.hoods.append(NeighborhoodCell(hid, area_id, district_id, polygon.bounds, populations[i]))
        self.hood_weights = list(_cumulative([h.population for h in self.hoods]))
        self.area_ids, self.district_ids = area_ids, district_ids

    def agencies_and_categories(self) -> None:
        kinds = [k for k in AgencyKind.values if k != AgencyKind.OTHER]
        first_of_kind: dict[str, int] = {}
        joined = self.start - timedelta(days=120)
        for n in range(self.size.agencies):
            kind = kinds[n] if n < len(kinds) else AgencyKind.OTHER
            aid = self.ids.take(Agency)
            first_of_kind.setdefault(kind, aid)
            label = AgencyKind(kind).label
            self.add(
                Agency,
                {
                    "id": aid,
                    "city_id": self.city.pk,
                    "name": f"سازمان {n + 1} ({self.slug})",
                    "name_en": f"{label} agency {n + 1}",
                    "slug": f"{self.slug}-agency-{n + 1:02d}",
                    "kind": kind,
                    "contact_email": f"agency{n + 1}@{self.slug}.example",
                    "created_at": joined,
                },
            )
            self.agency_ids.append(aid)
        parents = {s.parent for s in CATEGORY_SEEDS if s.parent}
        cat_ids: dict[str, int] = {}
        leaves = []
        for position, seed in enumerate(CATEGORY_SEEDS):
            cid = self.ids.take(Category)
            cat_ids[seed.slug] = cid
            agency_id = None
            if seed.handler_kind == HandlerKind.AGENCY:
                wanted = (seed.agency or "").rsplit("-", 1)[-1]
                agency_id = first_of_kind.get(wanted, self.agency_ids[0])
            self.add(
                Category,
                {
                    "id": cid,
                    "city_id": self.city.pk,
                    "parent_id": cat_ids.get(seed.parent) if seed.parent else None,
                    "slug": seed.slug,
                    "name": seed.name,
                    "name_en": seed.name_en,
                    "keywords": seed.keywords,
                    "handler_kind": seed.handler_kind,
                    "agency_id": agency_id,
                    "triage_hours": seed.triage_hours,
                    "resolve_hours": seed.resolve_hours,
                    "public_by_default": seed.public,
                    "duplicate_radius_m": seed.radius_m,
                    "questions": seed.questions,
                    "position": position,
                },
            )
            if seed.slug not in parents:
                leaves.append(
                    CategoryRef(
                        cid,
                        seed.slug,
                        seed.name,
                        seed.handler_kind,
                        agency_id,
                        seed.triage_hours,
                        seed.resolve_hours,
                        seed.public,
                        seed.questions,
                    )
                )
        self.cats = leaves
        # The first categories of the list (waste, asphalt, lighting…) get most of the reports.
        self.cat_weights = list(_cumulative([1 / (1 + i / 4) for i in range(len(leaves))]))
        for cat in leaves:
            self.texts[cat.slug] = self._texts_for(cat)

    def _texts_for(self, cat: CategoryRef) -> list[tuple[str, str, str]]:
        """(description, its search key, what the officer writes when it is fixed) for a category."""
        found = texts.CATEGORY_TEXTS.get(cat.slug)
        pool = []
        for _n in range(40):
            place = self.rng.choice(texts.STREETS)
            if found and found.problems:
                problem, fix = self.rng.choice(found.problems)
                parts = [problem.format(place=place) + "."]
                if found.details:
                    parts.append(self.rng.choice(found.details))
                if found.asks:
                    parts.append(self.rng.choice(found.asks))
                text = " ".join(parts)
            else:
                text, fix = f"درباره‌ی {cat.name} در {place} مشکلی هست.", "کار انجام شد."
            pool.append((text, search_key(text), fix))
        return pool

    def people(self) -> None:
        joined = self.start - timedelta(days=90)
        deputy = self.user(joined=joined)
        self.role(user_id=deputy, role=Role.DEPUTY, valid_from=joined)
        self.deputy_id = deputy
        for district_id in self.district_ids:
            officer = self.user(joined=joined)
            self.role(user_id=officer, role=Role.DISTRICT_OFFICER, valid_from=joined, district_id=district_id)
            self.district_officer[district_id] = officer
            manager = self.user(joined=joined)
            self.role(user_id=manager, role=Role.DISTRICT_MANAGER, valid_from=joined, district_id=district_id)
            self.district_manager[district_id] = manager
        area_district = {h.area_id: h.district_id for h in self.hoods}
        for area_id in self.area_ids:
            officer = self.user(joined=joined)
            self.role(
                user_id=officer,
                role=Role.AREA_OFFICER,
                valid_from=joined,
                district_id=area_district[area_id],
                area_id=area_id,
            )
            self.area_officer[area_id] = officer
        for agency_id in self.agency_ids:
            liaison = self.user(joined=joined)
            self.role(user_id=liaison, role=Role.AGENCY_LIAISON, valid_from=joined, agency_id=agency_id)
            self.agency_liaison[agency_id] = liaison
        span = (self.now - joined).total_seconds()
        for n in range(self.size.residents):
            uid = self.user(joined=joined + timedelta(seconds=span * n / max(1, self.size.residents)))
            self.residents.append(uid)
            self.residents_of[self.hoods[n % len(self.hoods)].id].append(uid)

    # --- reports ---------------------------------------------------------------------------------

    def reports(self) -> None:
        rng, now = self.rng, self.now
        count = self.size.reports
        span = (now - self.start).total_seconds()
        # Submission moments: more and more as people catch on (density growing linearly), sorted.
        moments = sorted(span * math.sqrt(rng.random()) for _ in range(count))
        first_id = self.ids.take(Report, count)
        kinds, kind_weights = zip(*KINDS, strict=True)
        kind_cum = list(_cumulative(kind_weights))
        path_cum = list(_cumulative(PATH_WEIGHTS))
        hour_cum = list(_cumulative(HOUR_WEIGHTS))
        residents = self.residents
        auto_close = timedelta(days=settings.REPORT_AUTO_CLOSE_DAYS)
        for n in range(count):
            rid = first_id + n
            submitted = self.start + timedelta(seconds=moments[n])
            # Move the moment to a plausible hour of that day.
            local = submitted.astimezone(TEHRAN)
            hour = bisect.bisect(hour_cum, rng.random() * hour_cum[-1])
            submitted = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
            submitted = submitted.astimezone(UTC)
            if submitted > now:
                submitted = now - timedelta(minutes=rng.randrange(1, 600))
            hood = self.hoods[bisect.bisect(self.hood_weights, rng.random() * self.hood_weights[-1])]
            cat = None
            if rng.random() > 0.04:
                cat = self.cats[bisect.bisect(self.cat_weights, rng.random() * self.cat_weights[-1])]
            kind = kinds[bisect.bisect(kind_cum, rng.random() * kind_cum[-1])]
            anonymous = rng.random() < 0.1
            reporter = None if anonymous else residents[int(len(residents) * rng.random() ** 2)]
            path_name = PATH_NAMES[bisect.bisect(path_cum, rng.random() * path_cum[-1])]
            original = None
            if path_name == "duplicate":
                earlier = self.recent_by_hood.get(hood.id)
                if earlier:
                    original = rng.choice(earlier)
                else:
                    path_name = "closed"
            if path_name.startswith("reopened") and reporter is None:
                path_name = "closed"
            self._report(
                rid=rid,
                submitted=submitted,
                hood=hood,
                cat=cat,
                kind=kind,
                reporter=reporter,
                path=PATHS[path_name][0],
                original=original,
                auto_close=auto_close,
            )
            if path_name != "duplicate":
                recent = self.recent_by_hood[hood.id]
                recent.append(rid)
                if len(recent) > 30:
                    del recent[0]

    def _report(
        self,
        *,
        rid: int,
        submitted: datetime,
        hood: NeighborhoodCell,
        cat: CategoryRef | None,
        kind: str,
        reporter: int | None,
        path: tuple[str, ...],
        original: int | None,
        auto_close: timedelta,
    ) -> None:
        rng, now = self.rng, self.now
        triage_hours = cat.triage_hours if cat else 8
        resolve_hours = cat.resolve_hours if cat else 56
        handler_kind = cat.handler_kind if cat else HandlerKind.DISTRICT
        agency_id = cat.agency_id if cat else None
        if cat is None:
            handler_kind = HandlerKind.DISTRICT
        officer = (
            self.area_officer[hood.area_id]
            if handler_kind == HandlerKind.AREA
            else self.district_officer[hood.district_id]
        )
        if cat is not None:
            text, key, fix = rng.choice(self.texts[cat.slug])
        else:
            text, key, fix = rng.choice(self.texts[self.cats[0].slug])
        x0, y0, x1, y1 = hood.bounds
        lng = round(x0 + (x1 - x0) * (0.02 + 0.96 * rng.random()), 6)
        lat = round(y0 + (y1 - y0) * (0.02 + 0.96 * rng.random()), 6)
        answers = _answers(rng, cat.questions) if cat else {}
        public = cat.public if cat else True

        # The steps: (moment, state, actor, note); each after the previous, none after now.
        steps: list[tuple[datetime, str, int | None, str]] = []
        at = submitted
        if reporter is None:
            steps.append((at, S.UNVERIFIED, None, ""))
            at += timedelta(minutes=rng.randrange(1, 30))
            if at > now:
                at = None  # type: ignore[assignment]
        referral: dict[str, Any] | None = None
        previous = S.UNVERIFIED if reporter is None else ""
        for state in path:
            if at is None:
                break
            if state == S.SUBMITTED:
                actor, note = (reporter, "") if previous == "" else (None, "")
            elif state == S.TRIAGED:
                at += timedelta(hours=rng.uniform(1, triage_hours * 3))
                actor, note = officer, ""
            elif state == S.IN_PROGRESS:
                if previous == S.REFERRED:
                    assert referral is not None
                    at, actor, note = referral["handed_back"], None, ""
                else:
                    at += timedelta(hours=rng.uniform(2, 72))
                    actor, note = officer, ""
            elif state == S.REFERRED:
                at += timedelta(hours=rng.uniform(2, 48))
                actor, note = officer, _REFER_NOTE
                after = path[path.index(S.REFERRED) + 1 :]
                ending = "open" if not after else ("declined" if after[0] == S.IN_PROGRESS else "done")
                referral = self._referral_plan(sent=at, cat=cat, ending=ending)
            elif state == S.RESOLVED:
                if previous == S.REFERRED:
                    assert referral is not None
                    at, actor, note = referral["finished"], officer, fix
                else:
                    at += timedelta(hours=rng.uniform(4, resolve_hours * 2.5))
                    actor, note = officer, fix
            elif state == S.CLOSED:
                if reporter is not None and rng.random() < 0.4:
                    at += timedelta(hours=rng.uniform(1, 100))
                    actor, note = reporter, ""
                else:
                    at += auto_close
                    actor, note = None, ""
            elif state == S.REOPENED:
                at += timedelta(hours=rng.uniform(4, 100))
                actor, note = reporter, rng.choice(texts.REOPEN_NOTES)
            elif state == S.REJECTED:
                at += timedelta(hours=rng.uniform(1, triage_hours * 2))
                actor, note = officer, rng.choice(texts.REJECTIONS)
            elif state == S.DUPLICATE:
                at += timedelta(hours=rng.uniform(1, triage_hours * 2))
                actor, note = officer, ""
            else:  # pragma: no cover - every state of PATHS is handled above
                raise AssertionError(state)
            if at is None or at > now:
                break
            steps.append((at, state, actor, note))
            previous = state

        state = steps[-1][1]
        last_at = steps[-1][0]
        triage_due = self.calendar.add(submitted, triage_hours)
        resolve_due = self.calendar.add(submitted, resolve_hours)
        deputy_due = self.calendar.add(submitted, 2 * resolve_hours)
        escalation, escalated_at = EscalationLevel.NONE, None
        if state in OPEN_STATES:
            if deputy_due < now or (state == S.SUBMITTED and resolve_due < now):
                escalation = EscalationLevel.DEPUTY
                escalated_at = deputy_due if deputy_due < now else resolve_due
            elif (state == S.SUBMITTED and triage_due < now) or resolve_due < now:
                escalation = EscalationLevel.DISTRICT
                escalated_at = triage_due if state == S.SUBMITTED and triage_due < now else resolve_due
        states = [s[1] for s in steps]
        referred_now = state == S.REFERRED
        handler_agency = agency_id if handler_kind == HandlerKind.AGENCY else None
        if referred_now and referral is not None:
            handler_agency = referral["agency_id"]
        resolved_at = None
        resolution_note = ""
        for at_, st, _a, note in steps:
            if st == S.RESOLVED:
                resolved_at, resolution_note = at_, note
            elif st == S.REOPENED:
                resolved_at = None
        closed_at = last_at if state == S.CLOSED else None
        supports = 0
        if state != S.UNVERIFIED and public:
            supports = self._interactions(
                rid=rid, hood=hood, reporter=reporter, submitted=submitted, state=state
            )
        rejection = steps[-1][3] if state == S.REJECTED else ""
        self.add(
            Report,
            {
                "id": rid,
                "tracking_code": tracking_code_for(rid),
                "city_id": self.city.pk,
                "district_id": hood.district_id,
                "area_id": hood.area_id,
                "neighborhood_id": hood.id,
                "category_id": cat.id if cat else None,
                "kind": kind,
                "description": text,
                "search_key": key,
                "lat": lat,
                "lng": lng,
                "answers": answers,
                "reporter_id": reporter,
                "reporter_phone": "" if reporter else ANONYMOUS_PHONE.format(n=rid % 100_000_000),
                "show_name": reporter is not None and rng.random() < 0.3,
                "is_public": public,
                "state": state,
                "handler_kind": handler_kind,
                "handler_agency_id": handler_agency,
                "needs_routing": cat is None and S.TRIAGED not in states,
                "triage_due_at": triage_due,
                "resolve_due_at": resolve_due,
                "deputy_due_at": deputy_due,
                "escalation_level": escalation,
                "escalated_at": escalated_at,
                "duplicate_of_id": original if state == S.DUPLICATE else None,
                "rejection_reason": rejection,
                "resolution_note": resolution_note,
                "submitted_at": submitted,
                "state_changed_at": last_at,
                "resolved_at": resolved_at if state in (S.RESOLVED, S.CLOSED) else None,
                "closed_at": closed_at,
                "supports_count": supports,
            },
        )
        before = ""
        for at_, st, actor, note in steps:
            self.add(
                ReportTransition,
                {
                    "id": self.ids.take(ReportTransition),
                    "report_id": rid,
                    "city_id": self.city.pk,
                    "neighborhood_id": hood.id,
                    "actor_id": actor,
                    "from_state": before,
                    "to_state": st,
                    "note": note,
                    "created_at": at_,
                },
            )
            before = st
        if public and state not in (S.UNVERIFIED, S.DUPLICATE, S.REJECTED) and rng.random() < 0.03:
            self.agenda_reports[hood.id].append((submitted, rid, cat.name if cat else ""))
        if referral is not None and S.REFERRED in states:
            self._referral_write(referral, rid=rid, hood=hood, cat=cat, officer=officer, text=text)
        if state == S.CLOSED and reporter is not None and rng.random() < 0.35:
            assert closed_at is not None
            score = rng.choices((1, 2, 3, 4, 5), (1, 1, 2, 4, 5))[0]
            self.add(
                ReportRating,
                {
                    "id": self.ids.take(ReportRating),
                    "report_id": rid,
                    "score": score,
                    "comment": rng.choice(texts.RATING_COMMENTS.get(score, ("",))),
                    "created_at": min(now, closed_at + timedelta(hours=rng.uniform(0.1, 48))),
                },
            )

    def _interactions(
        self, *, rid: int, hood: NeighborhoodCell, reporter: int | None, submitted: datetime, state: str
    ) -> int:
        """Supports and comments of a public report; the number of supports."""
        rng, now = self.rng, self.now
        window = max(60.0, min((now - submitted).total_seconds(), 30 * 86400))
        neighbors = self.residents_of[hood.id] or self.residents
        supports = min(int(rng.expovariate(1 / 1.2)), len(neighbors) - 1)
        if state == S.DUPLICATE:
            supports = 0
        chosen: set[int] = set()
        for _n in range(supports * 2):
            if len(chosen) >= supports:
                break
            uid = neighbors[int(len(neighbors) * rng.random())]
            if uid != reporter:
                chosen.add(uid)
        for uid in chosen:
            self.add(
                ReportSupport,
                {
                    "id": self.ids.take(ReportSupport),
                    "user_id": uid,
                    "report_id": rid,
                    "created_at": submitted + timedelta(seconds=rng.uniform(30, window)),
                },
            )
        if rng.random() < 0.22:
            for _n in range(1 + int(rng.expovariate(1.5))):
                hidden = rng.random() < 0.03
                created = submitted + timedelta(seconds=rng.uniform(60, window))
                text, reason = (
                    rng.choice(texts.HIDDEN_COMMENTS)
                    if hidden
                    else (
                        rng.choice(texts.RESIDENT_COMMENTS),
                        "",
                    )
                )
                self.add(
                    ReportComment,
                    {
                        "id": self.ids.take(ReportComment),
                        "report_id": rid,
                        "city_id": self.city.pk,
                        "neighborhood_id": hood.id,
                        "author_id": neighbors[int(len(neighbors) * rng.random())],
                        "text": text,
                        "is_hidden": hidden,
                        "hidden_by_id": self.district_officer[hood.district_id] if hidden else None,
                        "hidden_at": min(now, created + timedelta(hours=3)) if hidden else None,
                        "hidden_reason": reason,
                        "created_at": created,
                    },
                )
        return len(chosen)

    # --- referrals -------------------------------------------------------------------------------

    def _referral_plan(self, *, sent: datetime, cat: CategoryRef | None, ending: str) -> dict[str, Any]:
        """A referral sent at `sent` and how it goes: "done", "declined", or still "open"."""
        rng = self.rng
        agency_id = cat.agency_id if cat and cat.agency_id else rng.choice(self.agency_ids)
        ack = sent + timedelta(hours=rng.uniform(1, 20))
        steps: list[tuple[datetime, str]] = [(sent, R.SENT), (ack, R.ACKNOWLEDGED)]
        finished = handed_back = None
        if ending == "declined":
            handed_back = ack + timedelta(hours=rng.uniform(2, 48))
            steps.append((handed_back, R.DECLINED))
        else:
            accepted = ack + timedelta(hours=rng.uniform(1, 24))
            answered = accepted + timedelta(hours=rng.uniform(24, 150))
            steps += [(accepted, R.ACCEPTED), (answered, R.ANSWERED)]
            if ending == "done":
                finished = answered + timedelta(hours=rng.uniform(24, 200))
                steps.append((finished, R.DONE))
            else:
                # Still waiting somewhere: cut at a random open step.
                steps = steps[: rng.randint(1, len(steps))]
        return {
            "agency_id": agency_id,
            "sent": sent,
            "steps": steps,
            "finished": finished,
            "handed_back": handed_back,
            "planned_date": steps[-1][0].date() + timedelta(days=rng.randint(3, 30)),
        }

    def _referral_write(
        self,
        plan: dict[str, Any],
        *,
        rid: int,
        hood: NeighborhoodCell,
        cat: CategoryRef | None,
        officer: int,
        text: str,
    ) -> None:
        rng, now = self.rng, self.now
        fid = self.ids.take(Referral)
        liaison = self.agency_liaison[plan["agency_id"]]
        reached = [(at, st) for at, st in plan["steps"] if at <= now]
        sent = plan["sent"]
        moments = {st: at for at, st in reached}
        state = reached[-1][1]
        response = "بازدید انجام شد و کار در برنامه‌ی اجرایی قرار گرفت." if R.ANSWERED in moments else ""
        reason = "موضوع در حوزه‌ی وظایف این دستگاه نیست." if R.DECLINED in moments else ""
        self.add(
            Referral,
            {
                "id": fid,
                "city_id": self.city.pk,
                "district_id": hood.district_id,
                "area_id": hood.area_id,
                "neighborhood_id": hood.id,
                "source_kind": SourceKind.REPORT,
                "report_id": rid,
                "target_kind": TargetKind.AGENCY,
                "target_agency_id": plan["agency_id"],
                "category_id": cat.id if cat else None,
                "subject": (f"{cat.name}: " if cat else "") + text[:150],
                "note": _REFER_NOTE,
                "share_reporter_contact": rng.random() < 0.3,
                "state": state,
                "sent_by_id": officer,
                "sent_at": sent,
                "state_changed_at": reached[-1][0],
                "acknowledge_due_at": self.calendar.add(sent, 8),
                "answer_due_at": self.calendar.add(sent, 40),
                "finish_due_at": self.calendar.add(sent, 160),
                "acknowledged_at": moments.get(R.ACKNOWLEDGED),
                "accepted_at": moments.get(R.ACCEPTED),
                "declined_at": moments.get(R.DECLINED),
                "answered_at": moments.get(R.ANSWERED),
                "done_at": moments.get(R.DONE),
                "decline_reason": reason,
                "response": response,
                "planned_date": plan["planned_date"] if R.ANSWERED in moments else None,
            },
        )
        before = ""
        for at, st in reached:
            actor = officer if st in (R.SENT, R.DONE) else liaison
            note = {R.DECLINED: reason, R.ANSWERED: response}.get(st, "")
            self.add(
                ReferralTransition,
                {
                    "id": self.ids.take(ReferralTransition),
                    "referral_id": fid,
                    "city_id": self.city.pk,
                    "actor_id": actor,
                    "from_state": before,
                    "to_state": st,
                    "note": note,
                    "at": at,
                },
            )
            before = st

    # --- councils, meetings, resolutions ---------------------------------------------------------

    def councils(self) -> None:
        rng, now = self.rng, self.now
        history_start = now - timedelta(days=365 * self.size.council_years)
        created = history_start - timedelta(days=60)
        template_id = self.ids.take(SeatTemplate)
        self.add(
            SeatTemplate,
            {
                "id": template_id,
                "city_id": self.city.pk,
                "name": council_data.TEMPLATE_NAME,
                "name_en": council_data.TEMPLATE_NAME_EN,
                "description": council_data.TEMPLATE_DESCRIPTION,
                "is_default": True,
                "created_at": created,
            },
        )
        seat_slots: list[int] = []
        for position, seat in enumerate(council_data.SEATS):
            sid = self.ids.take(SeatType)
            self.add(
                SeatType,
                {
                    "id": sid,
                    "template_id": template_id,
                    "code": seat.code,
                    "name": seat.name,
                    "name_en": seat.name_en,
                    "fill": seat.fill,
                    "seats": seat.seats,
                    "position": position,
                },
            )
            seat_slots += [sid] * seat.seats
        policy = council_data.POLICY
        self.add(
            CouncilPolicy,
            {
                "id": self.ids.take(CouncilPolicy),
                "city_id": self.city.pk,
                "in_force_from": history_start.date() - timedelta(days=400),
                "created_at": created,
                **policy,
            },
        )
        term_days = 30 * int(policy["term_months"])
        topic_cum = list(_cumulative([1.0] * len(council_data.TOPICS)))
        for hood in self.hoods:
            current_start = (now - timedelta(days=rng.randint(60, term_days - 60))).date()
            terms = [current_start]
            while datetime.combine(terms[0], datetime.min.time(), UTC) > history_start:
                terms.insert(0, terms[0] - timedelta(days=term_days))
            predecessor = None
            for number, start in enumerate(terms, start=1):
                current = number == len(terms)
                end = start + timedelta(days=term_days)
                predecessor = self._council_term(
                    hood=hood,
                    number=number,
                    start=start,
                    end=end,
                    current=current,
                    predecessor=predecessor,
                    seat_slots=seat_slots,
                    template_id=template_id,
                    topic_cum=topic_cum,
                )

    def _council_term(
        self,
        *,
        hood: NeighborhoodCell,
        number: int,
        start: date,
        end: date,
        current: bool,
        predecessor: int | None,
        seat_slots: list[int],
        template_id: int,
        topic_cum: list[float],
    ) -> int:
        rng, now = self.rng, self.now
        place = {
            "city_id": self.city.pk,
            "district_id": hood.district_id,
            "area_id": hood.area_id,
            "neighborhood_id": hood.id,
        }
        officer = self.district_officer[hood.district_id]
        began = self.moment(start, 10)
        ended = self.moment(end, 10)
        council_id = self.ids.take(Council)
        self.add(
            Council,
            {
                "id": council_id,
                **place,
                "seat_template_id": template_id,
                "term_number": number,
                "state": CouncilState.ACTIVE if current else CouncilState.RENEWED,
                "term_start": start,
                "term_end": end,
                "predecessor_id": predecessor,
                "created_at": began - timedelta(days=30),
                "state_changed_at": began if current else ended + timedelta(minutes=5),
            },
        )
        changes = [(CouncilState.FORMING, CouncilState.ACTIVE, began)]
        if not current:
            # The term ends, and its successor (formed the same day) renews it.
            changes.append((CouncilState.ACTIVE, CouncilState.TERM_ENDED, ended))
            changes.append((CouncilState.TERM_ENDED, CouncilState.RENEWED, ended + timedelta(minutes=5)))
        for frm, to, at in changes:
            self.add(
                CouncilTransition,
                {
                    "id": self.ids.take(CouncilTransition),
                    "council_id": council_id,
                    "actor_id": officer,
                    "from_state": frm,
                    "to_state": to,
                    "at": at,
                },
            )
        # Members: residents of the neighborhood, more people where there are too few.
        pool = self.residents_of[hood.id]
        people = rng.sample(pool, len(seat_slots)) if len(pool) >= len(seat_slots) else []
        while len(people) < len(seat_slots):
            uid = self.user(joined=began - timedelta(days=60))
            pool.append(uid)
            people.append(uid)
        roles = [MemberRole.CHAIR, MemberRole.VICE_CHAIR, MemberRole.SECRETARY]
        memberships: list[int] = []
        chair = people[0]
        for slot, (user_id, seat_type_id) in enumerate(zip(people, seat_slots, strict=True)):
            role = roles[slot] if slot < len(roles) else MemberRole.MEMBER
            assignment = None
            if current:
                assignment = self.role(
                    user_id=user_id,
                    role={
                        MemberRole.CHAIR: Role.COUNCIL_CHAIR,
                        MemberRole.SECRETARY: Role.COUNCIL_SECRETARY,
                    }.get(role, Role.COUNCIL_MEMBER),
                    valid_from=began,
                    district_id=hood.district_id,
                    area_id=hood.area_id,
                    neighborhood_id=hood.id,
                )
            mid = self.ids.take(Membership)
            self.add(
                Membership,
                {
                    "id": mid,
                    "council_id": council_id,
                    **place,
                    "user_id": user_id,
                    "seat_type_id": seat_type_id,
                    "role": role,
                    "starts_on": start,
                    "ends_on": None if current else end,
                    "ended_reason": "" if current else MembershipEnd.TERM_ENDED,
                    "role_assignment_id": assignment,
                    "created_at": began,
                },
            )
            memberships.append(mid)
        # Meetings every other week from the term's start (or the history's) to its end (or a month
        # ahead for the current term).
        history_start = (now - timedelta(days=365 * self.size.council_years)).date()
        first = max(start, history_start)
        last = min(end, (now + timedelta(days=30)).date())
        day = first + timedelta(days=(5 - first.weekday()) % 7)  # a Saturday
        meeting_number = 0
        sequence: dict[int, int] = defaultdict(int)
        while day < last:
            meeting_number += 1
            self._meeting(
                council_id=council_id,
                place=place,
                hood=hood,
                number=meeting_number,
                day=day,
                memberships=memberships,
                chair=chair,
                officer=officer,
                topic_cum=topic_cum,
                sequence=sequence,
            )
            day += timedelta(days=14)
        return council_id

    def _meeting(
        self,
        *,
        council_id: int,
        place: dict[str, int],
        hood: NeighborhoodCell,
        number: int,
        day: date,
        memberships: list[int],
        chair: int,
        officer: int,
        topic_cum: list[float],
        sequence: dict[int, int],
    ) -> None:
        rng, now = self.rng, self.now
        starts = self.moment(day, 17)
        ends = starts + timedelta(hours=2)
        seated = len(memberships)
        meeting_id = self.ids.take(Meeting)
        row: dict[str, Any] = {
            "id": meeting_id,
            **place,
            "council_id": council_id,
            "number": number,
            "uid": uuid.UUID(int=rng.getrandbits(128), version=4),
            "starts_at": starts,
            "ends_at": ends,
            "place": f"سرای محله {hood.id}",
            "created_by_id": chair,
            "created_at": starts - timedelta(days=10),
        }
        if ends > now:
            self.add(Meeting, {**row, "state": MeetingState.SCHEDULED})
            return
        if rng.random() < 0.03:
            self.add(
                Meeting,
                {
                    **row,
                    "state": MeetingState.CANCELLED,
                    "cancel_reason": rng.choice(council_data.CANCEL_REASONS),
                },
            )
            return
        statuses = [
            AttendanceStatus.PRESENT
            if rng.random() < 0.82
            else rng.choice((AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED))
            for _m in memberships
        ]
        present = statuses.count(AttendanceStatus.PRESENT)
        needed = seated // 2 + 1
        had_quorum = present >= needed
        self.add(
            Meeting,
            {
                **row,
                "state": MeetingState.CLOSED,
                "seated_members": seated,
                "quorum_numerator": 1,
                "quorum_denominator": 2,
                "quorum_required": needed,
                "opened_at": starts + timedelta(minutes=5),
                "closed_at": ends,
                "had_quorum": had_quorum,
            },
        )
        for membership_id, status in zip(memberships, statuses, strict=True):
            self.add(
                Attendance,
                {
                    "id": self.ids.take(Attendance),
                    "meeting_id": meeting_id,
                    "membership_id": membership_id,
                    "status": status,
                    "recorded_at": starts + timedelta(minutes=5),
                },
            )
        published = ends + timedelta(days=3)
        minutes_state = MinutesState.PUBLISHED if published < now else MinutesState.DRAFT
        self.add(
            Minutes,
            {
                "id": self.ids.take(Minutes),
                "meeting_id": meeting_id,
                "body": council_data.MINUTES_OPENING.format(
                    number=number, neighborhood=hood.id, present=present, seated=seated, place=row["place"]
                )
                + (council_data.MINUTES_QUORUM if had_quorum else council_data.MINUTES_NO_QUORUM)
                + council_data.MINUTES_CLOSING,
                "state": minutes_state,
                "approved_by_id": chair if minutes_state == MinutesState.PUBLISHED else None,
                "approved_at": ends + timedelta(days=2) if minutes_state == MinutesState.PUBLISHED else None,
                "published_at": published if minutes_state == MinutesState.PUBLISHED else None,
                "updated_at": min(now, published),
            },
        )
        for position in range(1, rng.randint(1, 3) + 1):
            topic = council_data.TOPICS[bisect.bisect(topic_cum, rng.random() * topic_cum[-1])]
            item_id = self.ids.take(AgendaItem)
            title = topic.title.format(neighborhood=hood.id)[:200]
            item: dict[str, Any] = {
                "id": item_id,
                **place,
                "council_id": council_id,
                "meeting_id": meeting_id,
                "position": position,
                "title": title,
                "description": topic.description,
                "source": AgendaSource.MEMBER if rng.random() < 0.6 else AgendaSource.DISTRICT,
                "proposed_by_id": chair,
                "is_private": topic.private,
                "discussion": "".join(f"<p>{point}</p>" for point in topic.discussion),
                "created_at": starts - timedelta(days=7),
            }
            resolution_text = topic.resolution
            linked = self._report_for_agenda(hood.id, starts) if rng.random() < 0.25 else None
            if linked is not None:
                report_id, category = linked
                code = tracking_code_for(report_id)
                title = council_data.REPORT_ITEM_TITLE.format(code=code, category=category)[:200]
                owner = council_data.OWNER_NAMES.get(topic.responsible, "دستگاه اجرایی مسئول")
                resolution_text = council_data.REPORT_RESOLUTION.format(
                    code=code, category=category, owner=owner
                )
                item.update(
                    title=title,
                    description=council_data.REPORT_ITEM_DESCRIPTION.format(excerpt=""),
                    source=AgendaSource.REPORT,
                    report_id=report_id,
                    is_private=False,
                    discussion="".join(f"<p>{point}</p>" for point in council_data.REPORT_ITEM_DISCUSSION),
                )
            if not had_quorum:
                self.add(AgendaItem, {**item, "state": AgendaItemState.DISCUSSED})
                continue
            # About two items in three are adopted, by a simple majority of the votes cast.
            votes_abstain = rng.randint(0, 2)
            base = present - votes_abstain
            votes_needed = base // 2 + 1
            if rng.random() < 0.65:
                votes_for = rng.randint(votes_needed, base)
            else:
                votes_for = rng.randint(0, votes_needed - 1)
            votes_against = base - votes_for
            adopted = votes_for >= votes_needed
            closed_at = starts + timedelta(minutes=20 * position)
            self.add(
                AgendaItem,
                {
                    **item,
                    "state": AgendaItemState.DECIDED,
                    "vote_mode": VoteMode.OPEN,
                    "majority": MajorityMethod.SIMPLE,
                    "votes_for": votes_for,
                    "votes_against": votes_against,
                    "votes_abstain": votes_abstain,
                    "vote_base": base,
                    "votes_needed": votes_needed,
                    "adopted": adopted,
                    "vote_closed_at": closed_at,
                },
            )
            if adopted:
                self._resolution(
                    place=place,
                    council_id=council_id,
                    meeting_id=meeting_id,
                    item_id=item_id,
                    topic=topic,
                    title=title,
                    text=resolution_text,
                    report_id=item.get("report_id"),
                    votes=(votes_for, votes_against, votes_abstain, base),
                    adopted_at=closed_at,
                    officer=officer,
                    chair=chair,
                    sequence=sequence,
                    is_public=not item["is_private"],
                    hood=hood,
                )

    def _report_for_agenda(self, hood_id: int, starts: datetime) -> tuple[int, str] | None:
        """A public report of the neighborhood filed at least two days before the meeting and not yet
        on an agenda: (id, category name)."""
        candidates = self.agenda_reports.get(hood_id)
        if not candidates:
            return None
        index = bisect.bisect(candidates, (starts - timedelta(days=2),)) - 1
        for i in range(index, max(-1, index - 5), -1):
            _submitted, report_id, category = candidates[i]
            if report_id not in self.agenda_used:
                self.agenda_used.add(report_id)
                return report_id, category
        return None

    def _resolution(
        self,
        *,
        place: dict[str, int],
        council_id: int,
        meeting_id: int,
        item_id: int,
        topic: Any,
        title: str,
        text: str,
        report_id: int | None,
        votes: tuple[int, int, int, int],
        adopted_at: datetime,
        officer: int,
        chair: int,
        sequence: dict[int, int],
        is_public: bool,
        hood: NeighborhoodCell,
    ) -> None:
        rng, now = self.rng, self.now
        local = adopted_at.astimezone(TEHRAN)
        year = _jalali_year(local.date())
        sequence[year] += 1
        deadline = local.date() + timedelta(days=rng.randint(30, 120))
        responsible = topic.responsible
        agency_id = rng.choice(self.agency_ids) if responsible == ResponsibleKind.AGENCY else None
        # Its life: assigned, in progress, then done or not feasible; steps after now do not happen.
        steps: list[tuple[datetime, str, int, str, int | None]] = [
            (adopted_at, ResolutionState.ADOPTED, 0, "", chair)
        ]
        at = adopted_at
        plan = [ResolutionState.ASSIGNED, ResolutionState.IN_PROGRESS]
        ending = rng.random()
        if ending < 0.75:
            plan.append(ResolutionState.DONE)
        elif ending < 0.85:
            plan.append(ResolutionState.NOT_FEASIBLE)
        span = (datetime.combine(deadline, datetime.min.time(), UTC) - adopted_at).total_seconds()
        for state in plan:
            at = at + timedelta(seconds=span * rng.uniform(0.05, 0.45))
            if at > now:
                break
            progress = {ResolutionState.IN_PROGRESS: rng.randint(10, 90), ResolutionState.DONE: 100}.get(
                state, 0
            )
            note = {
                ResolutionState.ASSIGNED: rng.choice(council_data.ASSIGN_NOTES),
                ResolutionState.IN_PROGRESS: rng.choice(council_data.PROGRESS_NOTES),
                ResolutionState.DONE: rng.choice(council_data.DONE_OUTCOMES),
                ResolutionState.NOT_FEASIBLE: rng.choice(council_data.NOT_FEASIBLE_REASONS),
            }[state]
            steps.append((at, state, progress, note, officer))
        state = steps[-1][1]
        progress = max(s[2] for s in steps) if state != ResolutionState.NOT_FEASIBLE else steps[-2][2]
        finished = steps[-1][0] if state in (ResolutionState.DONE, ResolutionState.NOT_FEASIBLE) else None
        escalation, escalated_at = ResolutionEscalation.NONE, None
        days = int(council_data.POLICY["resolution_escalation_days"])
        today = now.astimezone(TEHRAN).date()
        if finished is None and deadline < today:
            if deadline + timedelta(days=days) < today:
                escalation = ResolutionEscalation.DEPUTY
                escalated_at = self.moment(deadline + timedelta(days=days + 1), 2)
            else:
                escalation = ResolutionEscalation.DISTRICT
                escalated_at = self.moment(deadline + timedelta(days=1), 2)
        resolution_id = self.ids.take(Resolution)
        self.add(
            Resolution,
            {
                "id": resolution_id,
                **place,
                "council_id": council_id,
                "meeting_id": meeting_id,
                "agenda_item_id": item_id,
                "jalali_year": year,
                "sequence": sequence[year],
                "title": title,
                "text": text,
                "votes_for": votes[0],
                "votes_against": votes[1],
                "votes_abstain": votes[2],
                "majority": MajorityMethod.SIMPLE,
                "vote_base": votes[3],
                "responsible_kind": responsible,
                "responsible_agency_id": agency_id,
                "deadline": deadline,
                "state": state,
                "progress": progress,
                "outcome": steps[-1][3] if finished else "",
                "escalation_level": escalation,
                "escalated_at": escalated_at,
                "is_public": is_public,
                "adopted_at": adopted_at,
                "state_changed_at": steps[-1][0],
                "finished_at": finished,
            },
        )
        if report_id is not None:
            self.add(
                ResolutionReport,
                {
                    "id": self.ids.take(ResolutionReport),
                    "resolution_id": resolution_id,
                    "report_id": report_id,
                },
            )
        before = ""
        for at_, st, prog, note, actor in steps:
            self.add(
                ResolutionTransition,
                {
                    "id": self.ids.take(ResolutionTransition),
                    "resolution_id": resolution_id,
                    "actor_id": actor,
                    "from_state": before,
                    "to_state": st,
                    "progress": prog,
                    "note": note,
                    "at": at_,
                },
            )
            before = st


_REFER_NOTE = "رسیدگی به این موضوع در حوزه‌ی وظایف دستگاه اجرایی است و برای اقدام به آن ارجاع شد."


@functools.lru_cache(maxsize=4096)
def _jalali_year(day: date) -> int:
    return jdatetime.date.fromgregorian(date=day).year


def _split(items: int, groups: int) -> list[int]:
    """Item index → group index, in contiguous runs of nearly equal length."""
    return [i * groups // items for i in range(items)]


def _cumulative(weights: Any) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _geojson(geometry: Any) -> dict[str, Any]:
    """GeoJSON with lists (as JSON gives back), exterior counter-clockwise."""
    from shapely.geometry.polygon import orient

    if geometry.geom_type == "Polygon":
        geometry = orient(geometry, 1.0)
    elif geometry.geom_type == "MultiPolygon":
        geometry = type(geometry)([orient(p, 1.0) for p in geometry.geoms])
    data = mapping(geometry)
    return {
        "type": data["type"],
        "coordinates": _lists(data["coordinates"]),
    }


def _lists(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        if value and isinstance(value[0], (int, float)):
            return [round(float(v), 6) for v in value]
        return [_lists(v) for v in value]
    return value


def _answers(rng: random.Random, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Answers a category's extra questions would accept."""
    answers: dict[str, Any] = {}
    for question in questions:
        if not isinstance(question, dict) or not question.get("required"):
            continue
        keys = [str(v.get("key")) for v in question.get("values", []) if isinstance(v, dict)]
        datatype = question.get("datatype", "string")
        if datatype == "singlevaluelist" and keys:
            answers[question["code"]] = rng.choice(keys)
        elif datatype == "multivaluelist" and keys:
            answers[question["code"]] = [rng.choice(keys)]
        elif datatype == "number":
            answers[question["code"]] = str(rng.randint(1, 10))
        else:
            answers[question["code"]] = "—"
    return answers
