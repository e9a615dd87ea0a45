"""Reads of the working-time calendar for pages and the API. The calendar is public information."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from mahalat.persian.jalali import jalali_month_bounds
from mahalat.territory.models import City
from mahalat.worktime.models import Holiday, WorkingSchedule


def working_schedule_of(city: City) -> WorkingSchedule:
    """The city's schedule; an unsaved one with the defaults if it never changed them (a read writes
    nothing)."""
    schedule = WorkingSchedule.objects.filter(city=city).first()
    return schedule if schedule is not None else WorkingSchedule(city=city)


def holidays_of(city: City | None, *, jalali_year: int | None = None) -> QuerySet[Holiday]:
    """The holidays a city keeps (national and its own; only national ones for ``None``), by date."""
    rows = (
        Holiday.objects.filter(Q(city__isnull=True) | Q(city=city))
        if city
        else Holiday.objects.filter(city__isnull=True)
    )
    if jalali_year is not None:
        first, _ = jalali_month_bounds(year=jalali_year, month=1)
        _, after = jalali_month_bounds(year=jalali_year, month=12)
        rows = rows.filter(date__gte=first, date__lt=after)
    return rows.select_related("city").order_by("date", "city_id")
