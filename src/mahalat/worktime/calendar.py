"""Working-time arithmetic in Iran's calendar: when do N working hours after a moment run out, and how
many working hours lie between two moments.

Working time is counted in Asia/Tehran wall-clock time: each working day is one interval from the
city's start of day to its end (a Thursday to the half-day end, or not at all), Friday is off, and a
holiday (national or the city's own) is off as a whole day. Local times are converted with the
zoneinfo database, never with a fixed offset: Iran kept daylight saving time until 2022, and an
interval is measured between real instants, so dates from those years come out right too.

Loading. Each public function loads what it needs once per call: the city's schedule (one query)
and the holiday dates from the first day concerned on (one query), into a `WorkCalendar`; the
arithmetic then runs in memory, a day at a time, skipping whole days off (Nowruz, a weekend, a run
of holidays) without looking inside them. There is deliberately no process-wide cache: the product
runs several web and worker processes, and a cache in each would need invalidating on every holiday
or schedule change, or would count deadlines with a stale calendar for its time to live. Two
indexed queries per call are cheap. Code that computes many deadlines or "time left" values for one
city (a list page, a periodic escalation job) calls `load_calendar` once and then the calendar's
methods, which make no queries at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from mahalat.worktime.models import (
    DEFAULT_THURSDAY_END,
    DEFAULT_WORKDAY_END,
    DEFAULT_WORKDAY_START,
    Holiday,
    Thursday,
    WorkingSchedule,
)

TEHRAN = ZoneInfo("Asia/Tehran")
THURSDAY, FRIDAY = 3, 4  # date.weekday()
ONE_DAY = timedelta(days=1)
# A span that finds no working time in this many days is a configuration error, not a deadline.
MAX_DAYS = 366 * 10


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, not a naive one")
    return value.astimezone(UTC)


def local_date(value: datetime) -> date:
    """The day a moment falls on in Tehran."""
    return _aware(value, "value").astimezone(TEHRAN).date()


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """A city's working hours and holidays over a range of days; pure logic, no database access.

    ``first_day``/``last_day`` (local dates, ``last_day=None`` for open-ended) bound the days whose
    holidays were loaded; asking about a day outside them raises ``ValueError`` rather than silently
    treating its holidays as working days.
    """

    workday_start: time = DEFAULT_WORKDAY_START
    workday_end: time = DEFAULT_WORKDAY_END
    thursday: str = Thursday.HALF
    thursday_end: time = DEFAULT_THURSDAY_END
    holidays: frozenset[date] = frozenset()
    first_day: date = date.min
    last_day: date | None = None

    def is_working_day(self, day: date) -> bool:
        return self.working_interval(day) is not None

    def working_interval(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's working hours as two UTC instants, or ``None`` for a day off."""
        if day < self.first_day or (self.last_day is not None and day > self.last_day):
            raise ValueError(
                f"this calendar was loaded for {self.first_day} to {self.last_day or '…'}, not for {day}"
            )
        weekday = day.weekday()
        if weekday == FRIDAY or day in self.holidays:
            return None
        end = self.workday_end
        if weekday == THURSDAY:
            if self.thursday == Thursday.OFF:
                return None
            if self.thursday == Thursday.HALF:
                end = self.thursday_end
        return (
            datetime.combine(day, self.workday_start, tzinfo=TEHRAN).astimezone(UTC),
            datetime.combine(day, end, tzinfo=TEHRAN).astimezone(UTC),
        )

    def add_working_time(self, *, start: datetime, hours: float) -> datetime:
        """The UTC moment at which ``hours`` of working time have passed since ``start``.

        Counting begins at ``start`` if it is inside working hours, otherwise at the next working
        moment. A deadline that uses up a day exactly ends at that day's closing time, not at the next
        opening. ``hours=0`` returns ``start`` itself.
        """
        moment = _aware(start, "start")
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"hours must be a finite number of hours, zero or more, not {hours}")
        remaining = timedelta(hours=hours)
        if not remaining:
            return moment
        day = moment.astimezone(TEHRAN).date()
        for _ in range(MAX_DAYS):
            interval = self.working_interval(day)
            if interval is not None:
                opens, closes = interval
                begin = max(opens, moment)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += ONE_DAY
        raise ValueError(f"no working time found in {MAX_DAYS} days after {start}")

    def working_time_between(self, *, start: datetime, end: datetime) -> float:
        """Hours of working time from ``start`` to ``end``; negative when ``end`` is before ``start``.

        The first and the last day are measured against their working hours; the whole days between
        them are counted by weeks, less their holidays, so a deadline three years past costs no more
        than one due tomorrow (an inbox computes this for every row).
        """
        begin, finish = _aware(start, "start"), _aware(end, "end")
        if finish < begin:
            return -self.working_time_between(start=finish, end=begin)
        first, last = begin.astimezone(TEHRAN).date(), finish.astimezone(TEHRAN).date()
        total = timedelta()
        for day in {first, last}:
            interval = self.working_interval(day)
            if interval is not None:
                overlap = min(interval[1], finish) - max(interval[0], begin)
                if overlap > timedelta():
                    total += overlap
        if (last - first).days > 1:
            total += self._whole_days(first + ONE_DAY, last - ONE_DAY)
        return total / timedelta(hours=1)

    def _weekday_length(self, weekday: int) -> timedelta:
        """A working day's length by the clock. Iran moved its clocks at midnight, never inside working
        hours, so the clock's length is the real one on every date."""
        if weekday == FRIDAY:
            return timedelta()
        end = self.workday_end
        if weekday == THURSDAY:
            if self.thursday == Thursday.OFF:
                return timedelta()
            if self.thursday == Thursday.HALF:
                end = self.thursday_end
        return datetime.combine(date.min, end) - datetime.combine(date.min, self.workday_start)

    def _whole_days(self, first: date, last: date) -> timedelta:
        """The working time of the days from ``first`` to ``last`` inclusive, each taken whole."""
        self.working_interval(first)  # refuses days outside the loaded holidays
        self.working_interval(last)
        weeks, rest = divmod((last - first).days + 1, 7)
        week = sum((self._weekday_length(weekday) for weekday in range(7)), timedelta())
        total = week * weeks
        for offset in range(rest):
            total += self._weekday_length((last - timedelta(days=offset)).weekday())
        for holiday in self.holidays:
            if first <= holiday <= last:
                total -= self._weekday_length(holiday.weekday())
        return total


def load_calendar(*, city_id: int, first_day: date, last_day: date | None = None) -> WorkCalendar:
    """The city's calendar with its holidays (national and its own) from ``first_day`` to ``last_day``
    (local dates, inclusive; ``None``: every holiday entered from ``first_day`` on). Two queries."""
    schedule = (
        WorkingSchedule.objects.filter(city_id=city_id)
        .values_list("workday_start", "workday_end", "thursday", "thursday_end")
        .first()
    )
    holidays = Holiday.objects.filter(Q(city_id=city_id) | Q(city__isnull=True), date__gte=first_day)
    if last_day is not None:
        holidays = holidays.filter(date__lte=last_day)
    dates = frozenset(holidays.values_list("date", flat=True))
    if schedule is None:
        return WorkCalendar(holidays=dates, first_day=first_day, last_day=last_day)
    workday_start, workday_end, thursday, thursday_end = schedule
    return WorkCalendar(
        workday_start=workday_start,
        workday_end=workday_end,
        thursday=thursday,
        thursday_end=thursday_end,
        holidays=dates,
        first_day=first_day,
        last_day=last_day,
    )


def add_working_time(*, city_id: int, start: datetime, hours: float) -> datetime:
    """The aware UTC datetime at which ``hours`` of the city's working time have passed after ``start``.

    Two queries (the schedule, and the holidays from ``start``'s day on), whatever the span.
    """
    calendar = load_calendar(city_id=city_id, first_day=local_date(start))
    return calendar.add_working_time(start=start, hours=hours)


def working_time_between(*, city_id: int, start: datetime, end: datetime) -> float:
    """Hours of the city's working time between two moments; negative when ``end < start``."""
    first, last = sorted((local_date(start), local_date(end)))
    calendar = load_calendar(city_id=city_id, first_day=first, last_day=last)
    return calendar.working_time_between(start=start, end=end)
