"""The monthly report of a district, as a PDF in Persian: the district's indicators beside the city's,
with their targets, status and change from the previous month; the early warnings of its neighborhoods;
the programs held there; the circulars addressed to it and their acknowledgement; and when the values
were computed.

It reads pre-computed indicator rows and a few small selectors only, in a fixed number of queries
whatever the size of the district, and is generated on each request (like the minutes): it can never be
staler than the values it shows. Always in Persian: it is the official report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.contrib.staticfiles import finders
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mahalat.insights.catalog import Dimension, Direction, Indicator, ScopeKind, Unit, indicators
from mahalat.insights.models import IndicatorValue
from mahalat.insights.periods import Month, month_add, month_bounds, month_days, month_label, months_q
from mahalat.insights.selectors import (
    EarlyWarning,
    Status,
    TargetView,
    early_warnings,
    last_refresh,
    places_of,
    status,
    target_for,
    targets_of,
)
from mahalat.policies.models import Acknowledgement, PolicyState
from mahalat.programs.models import Program, ProgramState
from mahalat.programs.selectors import local_midnight, programs_held_in, with_related
from mahalat.territory.models import City, District

# A district holds a few dozen programs a month; the list is cut here so the report stays a report.
PROGRAMS_LIMIT = 100
CIRCULARS_LIMIT = 100


def display_number(value: float | None, unit: str = "") -> float | int | None:
    """A value as the report prints it: counts whole, everything else to one decimal."""
    if value is None:
        return None
    if unit == Unit.COUNT or float(value).is_integer():
        return round(value)
    return round(value, 1)


@dataclass(frozen=True)
class IndicatorLine:
    indicator: Indicator
    value: float | None
    sample: int
    small_sample: bool  # below the indicator's minimum: shown, but not ranked
    target: TargetView | None
    status: str
    status_label: str
    city_value: float | None
    previous: float | None
    change: float | None
    # "better" / "worse" / "same" against the previous month, in the indicator's direction; "" without both.
    trend: str
    computed_at: datetime | None

    @property
    def dimension_label(self) -> str:
        return str(Dimension(self.indicator.dimension).label)

    @property
    def unit_label(self) -> str:
        return str(Unit(self.indicator.unit).label)

    @property
    def shown_value(self) -> float | int | None:
        return display_number(self.value, self.indicator.unit)

    @property
    def shown_city_value(self) -> float | int | None:
        return display_number(self.city_value, self.indicator.unit)

    @property
    def shown_target(self) -> float | int | None:
        return display_number(self.target.value if self.target else None, self.indicator.unit)

    @property
    def shown_change(self) -> str:
        if self.change is None:
            return ""
        shown = display_number(abs(self.change), self.indicator.unit)
        sign = "+" if self.change > 0 else ("−" if self.change < 0 else "")
        return f"{sign}{shown}"


@dataclass(frozen=True)
class WarningLine:
    """One early warning as the report prints it."""

    warning: EarlyWarning
    status_label: str

    @property
    def shown_value(self) -> float | int | None:
        return display_number(self.warning.value, self.warning.indicator.unit)

    @property
    def shown_target(self) -> float | int | None:
        target = self.warning.target
        return display_number(target.value if target else None, self.warning.indicator.unit)

    @property
    def shown_trend(self) -> list[tuple[str, float | int | None]]:
        unit = self.warning.indicator.unit
        return [(month_label(m), display_number(v, unit)) for m, v in self.warning.trend]


@dataclass(frozen=True)
class NeighborhoodPrograms:
    name: str
    programs: int
    participants: int


@dataclass
class DistrictReport:
    city: City
    district: District
    month: Month
    month_label: str
    generated_at: datetime
    refreshed_at: datetime | None
    lines: list[IndicatorLine]
    warnings: list[WarningLine]
    programs: list[Program]
    by_neighborhood: list[NeighborhoodPrograms]
    acknowledgements: list[Acknowledgement]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def computed_at(self) -> datetime | None:
        """The latest moment any of the month's district values was computed."""
        moments = [line.computed_at for line in self.lines if line.computed_at is not None]
        return max(moments) if moments else None


def _trend(previous: float | None, value: float | None, direction: str) -> str:
    if previous is None or value is None:
        return ""
    if value == previous:
        return "same"
    improved = value > previous if direction == Direction.HIGHER else value < previous
    return "better" if improved else "worse"


def _indicator_lines(*, city: City, district: District, month: Month) -> list[IndicatorLine]:
    """The district's territory indicators in `month`, the previous month and the city's value (two
    queries: values and targets)."""
    entries = indicators(kind=ScopeKind.DISTRICT)
    previous = month_add(month, -1)
    scope = Q(scope_kind=ScopeKind.DISTRICT, scope_id=district.pk) | Q(
        scope_kind=ScopeKind.CITY, scope_id=city.pk
    )
    rows = (
        IndicatorValue.objects.filter(
            months_q([previous, month]), city_id=city.pk, code__in=[e.code for e in entries]
        )
        .filter(scope)
        .only("code", "scope_kind", "year", "month", "value", "sample", "computed_at")
    )
    by_key = {(r.code, r.scope_kind, (r.year, r.month)): r for r in rows}
    # The month is judged by the targets in force then, not by today's.
    targets = targets_of(city_id=city.pk, district_ids=[district.pk], month=month)
    labels = {choice.value: str(choice.label) for choice in Status}
    lines: list[IndicatorLine] = []
    for entry in entries:
        row = by_key.get((entry.code, ScopeKind.DISTRICT, month))
        before = by_key.get((entry.code, ScopeKind.DISTRICT, previous))
        of_city = by_key.get((entry.code, ScopeKind.CITY, month))
        value = row.value if row is not None else None
        earlier = before.value if before is not None else None
        target = target_for(targets, entry.code, district.pk)
        state = status(
            value, target.value if target else None, entry.direction, target.amber_band if target else 0.0
        )
        sample = row.sample if row is not None else 0
        lines.append(
            IndicatorLine(
                indicator=entry,
                value=value,
                sample=sample,
                small_sample=row is not None and sample < entry.min_sample,
                target=target,
                status=state,
                status_label=labels[state],
                city_value=of_city.value if of_city is not None else None,
                previous=earlier,
                change=(value - earlier) if value is not None and earlier is not None else None,
                trend=_trend(earlier, value, entry.direction),
                computed_at=row.computed_at if row is not None else None,
            )
        )
    return lines


def _programs(
    *, city: City, district: District, month: Month
) -> tuple[list[Program], list[NeighborhoodPrograms]]:
    """The programs held in the district in the month (two queries: the programs, their neighborhoods),
    and per neighborhood how many and how many came (two: the neighborhoods, the counts)."""
    first, after = month_days(month)
    start, end = local_midnight(first), local_midnight(after)
    held = list(
        with_related(
            Program.objects.filter(
                district_id=district.pk, state=ProgramState.HELD, starts_at__gte=start, starts_at__lt=end
            )
        ).order_by("starts_at", "id")[:PROGRAMS_LIMIT]
    )
    neighborhoods = places_of(city_id=city.pk, kind=ScopeKind.NEIGHBORHOOD, district_id=district.pk)
    counts = programs_held_in(city_id=city.pk, start=first, end=after)
    by_neighborhood = [
        NeighborhoodPrograms(
            name=place.name, programs=counts[pk].programs, participants=counts[pk].participants
        )
        for pk, place in neighborhoods.items()
        if pk in counts
    ]
    by_neighborhood.sort(key=lambda n: (-n.programs, n.name))
    return held, by_neighborhood


def _acknowledgements(*, district: District, month: Month) -> list[Acknowledgement]:
    """Policies and circulars addressed to the district that matter for the month: published in it,
    acknowledged in it, or still waiting at its end (one query)."""
    start, end = month_bounds(month)
    return list(
        Acknowledgement.objects.filter(
            district_id=district.pk, policy__state=PolicyState.PUBLISHED, policy__published_at__lt=end
        )
        .filter(
            Q(policy__published_at__gte=start)
            | Q(acknowledged_at__isnull=True)
            | Q(acknowledged_at__gte=start)
        )
        .select_related("policy", "acknowledged_by")
        .order_by("policy__published_at", "policy_id")[:CIRCULARS_LIMIT]
    )


def district_report(*, district: District, month: Month, now: datetime | None = None) -> DistrictReport:
    """Everything the report shows, read in a fixed number of queries."""
    city = district.city
    lines = _indicator_lines(city=city, district=district, month=month)
    labels = {choice.value: str(choice.label) for choice in Status}
    warnings = [
        WarningLine(warning=w, status_label=labels[w.status])
        for w in early_warnings(city=city, month=month, scope_kind=ScopeKind.NEIGHBORHOOD, district=district)
    ]
    programs, by_neighborhood = _programs(city=city, district=district, month=month)
    acknowledgements = _acknowledgements(district=district, month=month)
    counts = {
        "red": sum(1 for line in lines if line.status == Status.RED),
        "amber": sum(1 for line in lines if line.status == Status.AMBER),
        "green": sum(1 for line in lines if line.status == Status.GREEN),
        "participants": sum(p.participants or 0 for p in programs),
        "pending": sum(1 for a in acknowledgements if a.acknowledged_at is None),
    }
    return DistrictReport(
        city=city,
        district=district,
        month=month,
        month_label=month_label(month),
        generated_at=now or timezone.now(),
        refreshed_at=last_refresh(city.pk),
        lines=lines,
        warnings=warnings,
        programs=programs,
        by_neighborhood=by_neighborhood,
        acknowledgements=acknowledgements,
        counts=counts,
    )


def _font_url(name: str) -> str:
    found = finders.find(f"vendor/vazirmatn/fonts/{name}")
    if not found:
        raise FileNotFoundError(f"The vendored font {name} is missing from the static files.")
    return Path(found).resolve().as_uri()


def district_report_pdf(*, district: District, month: Month, now: datetime | None = None) -> bytes:
    """The report as PDF bytes, always in Persian."""
    from weasyprint import HTML  # heavy; imported only when a PDF is asked for

    with translation.override("fa"):
        report = district_report(district=district, month=month, now=now)
        html = render_to_string(
            "insights/report_district.html",
            {
                "report": report,
                "title": _("Monthly report of %(district)s, %(month)s")
                % {"district": report.district.name, "month": report.month_label},
                "font_regular": _font_url("Vazirmatn-Regular.woff2"),
                "font_bold": _font_url("Vazirmatn-Bold.woff2"),
            },
        )
    base_url = Path(__file__).resolve().parent.as_uri()
    return HTML(string=html, base_url=base_url).write_pdf()
