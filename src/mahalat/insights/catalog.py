"""The indicator catalog (شاخص‌ها): every indicator the deputy watches, as code.

An indicator is one `Indicator` entry in `CATALOG`: its code, good-governance dimension, unit, which way
is better, the scope kinds it is computed for, its formula as shown on the page, the minimum sample a
place needs before it is ranked, and two names: the data `source` whose changes make its months stale
(`SOURCES`) and the `measure` function that computes it (`mahalat.insights.measures`). Adding an
indicator is adding an entry (and, for new data, a measure and perhaps a source); refresh, targets,
early warnings, the API and the docs read the catalog and need no change.

Values are per Jalali month, per scope. The documentation table is docs/indicators.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    """The five good-governance dimensions the councils are evaluated by."""

    PARTICIPATION = "participation", _("Participation")
    EFFECTIVENESS = "effectiveness", _("Effectiveness")
    ACCOUNTABILITY = "accountability", _("Accountability")
    TRANSPARENCY = "transparency", _("Transparency")
    RULE_OF_LAW = "rule_of_law", _("Rule of law")


class Unit(models.TextChoices):
    PER_1000 = "per_1000", _("per 1,000 residents")
    PERCENT = "percent", _("share (%)")
    HOURS = "hours", _("hours")
    COUNT = "count", _("count")
    SCORE = "score", _("score (1–5)")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class ScopeKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    AREA = "area", _("Area")
    NEIGHBORHOOD = "neighborhood", _("Neighborhood")
    AGENCY = "agency", _("Executive agency")


TERRITORY_KINDS = frozenset({ScopeKind.NEIGHBORHOOD, ScopeKind.AREA, ScopeKind.DISTRICT, ScopeKind.CITY})
AGENCY_KINDS = frozenset({ScopeKind.AGENCY, ScopeKind.CITY})


@dataclass(frozen=True)
class Source:
    """Data indicators are computed from. `changed` finds the months a refresh must recompute
    (`(city, since, now) -> set[Month]`); `earliest` the first month with data (`(city) -> Month | None`)."""

    key: str
    changed: str
    earliest: str

    def changed_months(self, **kwargs: Any) -> set[tuple[int, int]]:
        return _resolve(self.changed)(**kwargs)

    def earliest_month(self, **kwargs: Any) -> tuple[int, int] | None:
        return _resolve(self.earliest)(**kwargs)


@dataclass(frozen=True)
class Indicator:
    code: str
    dimension: str
    name: Promise
    unit: str
    direction: str
    scope_kinds: frozenset[str]
    formula: Promise
    # Places whose sample (see `sample_of`) is smaller are shown but never ranked nor flagged.
    min_sample: int
    sample_of: Promise
    source: str
    measure: str
    # Published indicators are readable by everyone at the territory scopes (see rules.py).
    published: bool = True

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.HIGHER

    def compute(self) -> Callable[..., Any]:
        return _resolve(self.measure)


@cache
def _resolve(path: str) -> Callable[..., Any]:
    return import_string(path)


_M = "mahalat.insights.measures."

SOURCES: dict[str, Source] = {
    s.key: s
    for s in [
        Source("reports", _M + "reports_changed", _M + "reports_earliest"),
        Source("councils", _M + "councils_changed", _M + "councils_earliest"),
        Source("resolutions", _M + "resolutions_changed", _M + "resolutions_earliest"),
        Source("referrals", _M + "referrals_changed", _M + "referrals_earliest"),
        Source("programs", _M + "programs_changed", _M + "programs_earliest"),
        Source("participation", _M + "participation_changed", _M + "participation_earliest"),
        Source("minutes", _M + "minutes_changed", _M + "minutes_earliest"),
    ]
}

# Reports count in the month they were submitted (those still waiting for phone confirmation do not):
# "of the reports received in Aban, how many …". A month's value can change afterwards, as its reports
# are handled; the refresh recomputes it then.
_INDICATORS: list[Indicator] = [
    Indicator(
        code="reports_per_1000",
        dimension=Dimension.PARTICIPATION,
        name=_("Reports received per 1,000 residents"),
        unit=Unit.PER_1000,
        direction=Direction.HIGHER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Reports submitted in the month × 1,000 ÷ population (the sum of the neighborhoods' "
            "populations). Reports still waiting for phone confirmation are not counted."
        ),
        min_sample=1000,
        sample_of=_("residents"),
        source="reports",
        measure=_M + "reports_per_1000",
    ),
    Indicator(
        code="reports_resolved_share",
        dimension=Dimension.EFFECTIVENESS,
        name=_("Share of reports resolved"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        scope_kinds=TERRITORY_KINDS,
        formula=_("Of the reports received in the month, those now resolved or closed × 100 ÷ all received."),
        min_sample=10,
        sample_of=_("reports received"),
        source="reports",
        measure=_M + "reports_resolved_share",
    ),
    Indicator(
        code="triage_hours_median",
        dimension=Dimension.EFFECTIVENESS,
        name=_("Median time to triage"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Median, over the month's reports that have left “submitted”, of the clock hours from "
            "submission to the first decision (accepted, rejected or marked duplicate)."
        ),
        min_sample=5,
        sample_of=_("reports triaged"),
        source="reports",
        measure=_M + "triage_hours_median",
    ),
    Indicator(
        code="resolve_hours_median",
        dimension=Dimension.EFFECTIVENESS,
        name=_("Median time to resolve"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Median, over the month's reports that are resolved or closed, of the clock hours from "
            "submission to the (last) resolution."
        ),
        min_sample=5,
        sample_of=_("reports resolved"),
        source="reports",
        measure=_M + "resolve_hours_median",
    ),
    Indicator(
        code="service_level_breached_share",
        dimension=Dimension.RULE_OF_LAW,
        name=_("Share of service levels breached"),
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Of the month's reports whose outcome is known (resolved, or past their resolution deadline; "
            "rejected and duplicate reports left out), those resolved after the deadline or still open "
            "past it × 100 ÷ all of them."
        ),
        min_sample=10,
        sample_of=_("reports due"),
        source="reports",
        measure=_M + "service_level_breached_share",
    ),
    Indicator(
        code="reopen_rate",
        dimension=Dimension.EFFECTIVENESS,
        name=_("Reopen rate"),
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Of the month's reports that were ever resolved, those the citizen reopened at least once "
            "× 100 ÷ all ever resolved."
        ),
        min_sample=5,
        sample_of=_("reports resolved"),
        source="reports",
        measure=_M + "reopen_rate",
    ),
    Indicator(
        code="satisfaction",
        dimension=Dimension.ACCOUNTABILITY,
        name=_("Citizen satisfaction"),
        unit=Unit.SCORE,
        direction=Direction.HIGHER,
        scope_kinds=TERRITORY_KINDS,
        formula=_("Mean of the 1–5 ratings the reporters gave to the month's reports."),
        min_sample=5,
        sample_of=_("ratings"),
        source="reports",
        measure=_M + "satisfaction",
    ),
    Indicator(
        code="meetings_held_share",
        dimension=Dimension.RULE_OF_LAW,
        name=_("Council meetings held against the rhythm"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Regular meetings held (opened and closed) in the month × 100 ÷ meetings expected: for each "
            "council active, term ended or renewed whose term overlaps the month, the regular meetings "
            "per month of the council policy in force on the month's first day."
        ),
        min_sample=1,
        sample_of=_("meetings expected"),
        source="councils",
        measure=_M + "meetings_held_share",
    ),
    Indicator(
        code="attendance_share",
        dimension=Dimension.PARTICIPATION,
        name=_("Council attendance"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Over the meetings held in the month: members marked present × 100 ÷ members seated when "
            "each meeting opened. Guests are not counted."
        ),
        min_sample=5,
        sample_of=_("seats at meetings"),
        source="councils",
        measure=_M + "attendance_share",
    ),
    Indicator(
        code="resolutions_adopted",
        dimension=Dimension.EFFECTIVENESS,
        name=_("Resolutions adopted"),
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        scope_kinds=TERRITORY_KINDS,
        formula=_("Resolutions adopted by the councils in the month."),
        min_sample=0,
        sample_of=_("resolutions"),
        source="resolutions",
        measure=_M + "resolutions_adopted",
    ),
    Indicator(
        code="resolutions_on_time_share",
        dimension=Dimension.ACCOUNTABILITY,
        name=_("Share of resolutions done on time"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Of the resolutions whose deadline falls in the month and is past (or that are already "
            "finished), those done on or before the deadline day × 100 ÷ all of them. “Not feasible” "
            "counts as not done."
        ),
        min_sample=3,
        sample_of=_("resolutions due"),
        source="resolutions",
        measure=_M + "resolutions_on_time_share",
    ),
    Indicator(
        code="resolutions_overdue",
        dimension=Dimension.ACCOUNTABILITY,
        name=_("Overdue resolutions"),
        unit=Unit.COUNT,
        direction=Direction.LOWER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Resolutions open at the end of the month (for the current month: now) whose deadline day "
            "had passed."
        ),
        min_sample=0,
        sample_of=_("resolutions"),
        source="resolutions",
        measure=_M + "resolutions_overdue",
    ),
    Indicator(
        code="programs_held",
        dimension=Dimension.PARTICIPATION,
        name=_("Cultural-social programs held"),
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Cultural-social programs held in the month (by the day they started). A program for several "
            "neighborhoods counts once in each of them, and once in an area, district or the city holding "
            "any of them."
        ),
        min_sample=0,
        sample_of=_("programs"),
        source="programs",
        measure=_M + "programs_held",
    ),
    Indicator(
        code="program_participants_per_1000",
        dimension=Dimension.PARTICIPATION,
        name=_("Program participants per 1,000 residents"),
        unit=Unit.PER_1000,
        direction=Direction.HIGHER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Participants of the programs held in the month × 1,000 ÷ population. A program for several "
            "neighborhoods shares its participants equally among them."
        ),
        min_sample=1000,
        sample_of=_("residents"),
        source="programs",
        measure=_M + "program_participants_per_1000",
    ),
    Indicator(
        code="active_citizens_per_1000",
        dimension=Dimension.PARTICIPATION,
        name=_("Active citizens per 1,000 residents"),
        unit=Unit.PER_1000,
        direction=Direction.HIGHER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Distinct people who in the month submitted a report in the place, supported or commented on "
            "one, answered a needs assessment of its neighborhoods, applied to a council call or voted "
            "there × 1,000 ÷ population. A person active in two neighborhoods counts once in the larger "
            "place holding both."
        ),
        min_sample=1000,
        sample_of=_("residents"),
        source="participation",
        measure=_M + "active_citizens_per_1000",
    ),
    Indicator(
        code="minutes_published_share",
        dimension=Dimension.TRANSPARENCY,
        name=_("Minutes published within a week"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        scope_kinds=TERRITORY_KINDS,
        formula=_(
            "Of the council meetings held in the month, those whose minutes were published within 7 days "
            "of the meeting's close × 100 ÷ all held. A meeting is judged once its minutes are out or its "
            "7 days are over."
        ),
        min_sample=2,
        sample_of=_("meetings held"),
        source="minutes",
        measure=_M + "minutes_published_share",
    ),
    Indicator(
        code="referral_acknowledge_hours_median",
        dimension=Dimension.ACCOUNTABILITY,
        name=_("Median time for an agency to acknowledge a referral"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        scope_kinds=AGENCY_KINDS,
        formula=_(
            "Median, over the referrals sent to the agency in the month and acknowledged, of the clock "
            "hours from sending to acknowledgement. The city's value covers every agency."
        ),
        min_sample=5,
        sample_of=_("referrals acknowledged"),
        source="referrals",
        measure=_M + "referral_acknowledge_hours_median",
    ),
    Indicator(
        code="referral_answer_hours_median",
        dimension=Dimension.ACCOUNTABILITY,
        name=_("Median time for an agency to answer a referral"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        scope_kinds=AGENCY_KINDS,
        formula=_(
            "Median, over the referrals sent to the agency in the month and answered, of the clock hours "
            "from sending to the (latest) answer. The city's value covers every agency."
        ),
        min_sample=5,
        sample_of=_("referrals answered"),
        source="referrals",
        measure=_M + "referral_answer_hours_median",
    ),
]

CATALOG: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    """Add an indicator to the catalog (a second one with the same code is a programming error)."""
    if indicator.code in CATALOG:
        raise ValueError(f"indicator {indicator.code!r} is registered twice")
    if indicator.source not in SOURCES:
        raise ValueError(f"indicator {indicator.code!r} names an unknown source {indicator.source!r}")
    CATALOG[indicator.code] = indicator
    return indicator


def register_source(source: Source) -> Source:
    SOURCES.setdefault(source.key, source)
    return source


for _indicator in _INDICATORS:
    register(_indicator)


def indicator(code: str) -> Indicator | None:
    return CATALOG.get(code)


def indicators(*, kind: str | None = None, codes: Iterable[str] | None = None) -> list[Indicator]:
    """The catalog in its order, optionally only those computed for a scope kind or named."""
    wanted = set(codes) if codes is not None else None
    return [
        i
        for i in CATALOG.values()
        if (kind is None or kind in i.scope_kinds) and (wanted is None or i.code in wanted)
    ]
