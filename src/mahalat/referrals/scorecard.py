"""The agency scorecard: how fast and how completely an executive agency deals with the referrals it
receives, in total, per sending district and per Jalali month — and the same figures for every agency of
a city side by side (the deputy's comparison table).

Which referrals count: those sent to the agency in the period (by `sent_at`, the period's first and last
days included, as days in Tehran), whatever has happened to them since.

The figures (`Figures`):
- `sent`: referrals sent in the period; `acknowledged`, `answered`, `declined`, `done`: those of them
  that have been acknowledged, answered (`answered_at` set), declined, or are done now.
- time to acknowledge: hours from `sent_at` to `acknowledged_at`; time to answer: hours from `sent_at`
  to `answered_at` (the latest answer, for a referral answered again after a reopening). Wall-clock
  hours, not working hours; mean and median over the referrals that have the moment, None when none
  has.
- completion rate: `done / due`, where `due` counts the referrals that are closed (done or declined)
  or whose finish deadline has passed by `now`, that is those the agency had to have finished by now.
  A referral still within its time and not done counts in neither. None when `due` is 0.
- `overdue`: open referrals past a deadline that still binds in their state, now (`selectors.overdue_q`).

Every figure is computed in one pass over one query's rows (`values()`): the number of queries does not
depend on how many referrals there are.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import jdatetime
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from mahalat.persian.digits import localize_digits
from mahalat.persian.jalali import jalali_month_name
from mahalat.persian.text import localized_name
from mahalat.referrals.models import Agency, Referral, ReferralState, TargetKind
from mahalat.referrals.selectors import overdue_q
from mahalat.worktime.calendar import TEHRAN, local_date

_CLOSED_STATES = frozenset({ReferralState.DONE, ReferralState.DECLINED})
_FIELDS = (
    "target_agency_id",
    "district_id",
    "district__slug",
    "district__name",
    "district__name_en",
    "district__number",
    "state",
    "sent_at",
    "acknowledged_at",
    "answered_at",
    "finish_due_at",
    "is_overdue",
)


@dataclass(frozen=True, slots=True)
class Figures:
    sent: int = 0
    acknowledged: int = 0
    answered: int = 0
    declined: int = 0
    done: int = 0
    due: int = 0
    overdue: int = 0
    acknowledge_hours_mean: float | None = None
    acknowledge_hours_median: float | None = None
    answer_hours_mean: float | None = None
    answer_hours_median: float | None = None
    completion_rate: float | None = None  # 0…1

    @property
    def completion_percent(self) -> int | None:
        return None if self.completion_rate is None else round(self.completion_rate * 100)


@dataclass(frozen=True, slots=True)
class DistrictFigures:
    district_id: int
    number: int
    slug: str
    name: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class MonthFigures:
    year: int  # Jalali
    month: int  # Jalali, 1–12
    label: str  # "آذر ۱۴۰۵" in the active language
    figures: Figures


@dataclass(frozen=True, slots=True)
class Scorecard:
    agency: Agency
    start: date | None
    end: date | None
    now: datetime
    total: Figures
    by_district: list[DistrictFigures]
    by_month: list[MonthFigures]


@dataclass(frozen=True, slots=True)
class AgencyFigures:
    agency: Agency
    figures: Figures


@dataclass
class _Tally:
    """Counts and durations of a group of referrals, turned into `Figures` at the end."""

    sent: int = 0
    acknowledged: int = 0
    answered: int = 0
    declined: int = 0
    done: int = 0
    due: int = 0
    overdue: int = 0
    acknowledge_hours: list[float] = field(default_factory=list)
    answer_hours: list[float] = field(default_factory=list)

    def add(self, row: dict[str, Any], *, now: datetime) -> None:
        self.sent += 1
        sent_at: datetime = row["sent_at"]
        if row["acknowledged_at"] is not None:
            self.acknowledged += 1
            self.acknowledge_hours.append(_hours(row["acknowledged_at"] - sent_at))
        if row["answered_at"] is not None:
            self.answered += 1
            self.answer_hours.append(_hours(row["answered_at"] - sent_at))
        state = row["state"]
        if state == ReferralState.DECLINED:
            self.declined += 1
        if state == ReferralState.DONE:
            self.done += 1
        if state in _CLOSED_STATES or row["finish_due_at"] <= now:
            self.due += 1
        if row["is_overdue"]:
            self.overdue += 1

    def figures(self) -> Figures:
        return Figures(
            sent=self.sent,
            acknowledged=self.acknowledged,
            answered=self.answered,
            declined=self.declined,
            done=self.done,
            due=self.due,
            overdue=self.overdue,
            acknowledge_hours_mean=_mean(self.acknowledge_hours),
            acknowledge_hours_median=_median(self.acknowledge_hours),
            answer_hours_mean=_mean(self.answer_hours),
            answer_hours_median=_median(self.answer_hours),
            completion_rate=(self.done / self.due) if self.due else None,
        )


def _hours(span: timedelta) -> float:
    return span.total_seconds() / 3600


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def period_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """The period as moments: from the first day's midnight in Tehran to the midnight after the last."""
    low = datetime.combine(start, time.min, tzinfo=TEHRAN) if start else None
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=TEHRAN) if end else None
    return low, high


def _rows(qs: QuerySet[Referral], *, start: date | None, end: date | None, now: datetime) -> Iterable[dict]:
    low, high = period_bounds(start, end)
    if low is not None:
        qs = qs.filter(sent_at__gte=low)
    if high is not None:
        qs = qs.filter(sent_at__lt=high)
    return (
        qs.annotate(
            is_overdue=Case(
                When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by()
        .values(*_FIELDS)
    )


def _jalali_month(moment: datetime) -> tuple[int, int]:
    day = local_date(moment)
    year, month, _day = jdatetime.GregorianToJalali(day.year, day.month, day.day).getJalaliList()
    return year, month


def _month_label(year: int, month: int) -> str:
    return f"{jalali_month_name(month)} {localize_digits(year)}"


def _months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    months = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def agency_scorecard(*, agency: Agency, start: date | None, end: date | None, now: datetime) -> Scorecard:
    """The agency's figures for referrals sent to it in the period, in total, per sending district (the
    districts that sent it something) and per Jalali month (from the first month with a referral to the
    last one, the empty months between included). One query."""
    total = _Tally()
    districts: dict[int, tuple[int, str, str, _Tally]] = {}
    months: dict[tuple[int, int], _Tally] = {}
    rows = _rows(
        Referral.objects.filter(target_kind=TargetKind.AGENCY, target_agency_id=agency.pk),
        start=start,
        end=end,
        now=now,
    )
    for row in rows:
        total.add(row, now=now)
        district_id = row["district_id"]
        if district_id not in districts:
            name = localized_name(name=row["district__name"], name_en=row["district__name_en"])
            districts[district_id] = (row["district__number"], row["district__slug"], name, _Tally())
        districts[district_id][3].add(row, now=now)
        months.setdefault(_jalali_month(row["sent_at"]), _Tally()).add(row, now=now)

    # From the first month with a referral to the last one: a long period with a few referrals does not
    # make a table of empty months.
    span = _months_between(min(months), max(months)) if months else []
    return Scorecard(
        agency=agency,
        start=start,
        end=end,
        now=now,
        total=total.figures(),
        by_district=[
            DistrictFigures(district_id=pk, number=number, slug=slug, name=name, figures=tally.figures())
            for pk, (number, slug, name, tally) in sorted(
                districts.items(), key=lambda item: (item[1][0], item[0])
            )
        ],
        by_month=[
            MonthFigures(
                year=year,
                month=month,
                label=_month_label(year, month),
                figures=months.get((year, month), _Tally()).figures(),
            )
            for year, month in span
        ],
    )


def city_agencies_scorecard(
    *, city_id: int, start: date | None, end: date | None, now: datetime
) -> list[AgencyFigures]:
    """Every agency of the city (the inactive ones too, when they received referrals in the period) with
    its total figures, by name. Two queries whatever the number of agencies and referrals."""
    tallies: dict[int, _Tally] = {}
    rows = _rows(
        Referral.objects.filter(target_kind=TargetKind.AGENCY, target_agency__city_id=city_id),
        start=start,
        end=end,
        now=now,
    )
    for row in rows:
        tallies.setdefault(row["target_agency_id"], _Tally()).add(row, now=now)
    agencies = Agency.objects.filter(city_id=city_id).filter(Q(is_active=True) | Q(pk__in=list(tallies)))
    return [
        AgencyFigures(agency=agency, figures=tallies.get(agency.pk, _Tally()).figures())
        for agency in sorted(agencies, key=lambda a: (a.display_name, a.pk))
    ]
