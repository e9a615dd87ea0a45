"""Writes to the working-time calendar: holidays and a city's working hours.

`actor=None` is the system itself (the holiday loading command, demo data) and skips the permission
check, as elsewhere in the product. Every other caller passes the user acting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mahalat.accounts.rules import require_permission
from mahalat.audit.services import event_record, snapshot
from mahalat.persian.digits import to_ascii_digits
from mahalat.persian.jalali import parse_jalali_date, to_jalali
from mahalat.persian.text import normalize_text
from mahalat.territory.models import City
from mahalat.worktime.iranian_holidays import national_holidays
from mahalat.worktime.models import Holiday, HolidayKind, Thursday, WorkingSchedule

PERMISSION = "worktime.change_calendar"
NAME_MAX = 200
SCHEDULE_FIELDS = ("workday_start", "workday_end", "thursday", "thursday_end")
_TIME = re.compile(r"([0-9]{1,2})\s*[:٫.]\s*([0-9]{2})")
_HOLIDAY_FIELDS = ["city_id", "jalali_year", "jalali_month", "jalali_day", "date", "name", "name_en", "kind"]


def _check(actor: Any, city: City | None) -> None:
    if actor is not None:
        require_permission(actor, PERMISSION, city)


def holiday_clean(
    *, city: City | None, jalali_date: str, name: str, name_en: str, kind: str
) -> dict[str, Any]:
    """The validated fields of a new holiday, or a ``ValidationError`` keyed by field.

    Used by `holiday_add` and by forms that want to show every problem before anything is saved.
    """
    errors: dict[str, list[str]] = {}
    day = None
    try:
        day = parse_jalali_date(jalali_date or "")
    except ValidationError as exc:
        errors["jalali_date"] = exc.messages
    cleaned_name = normalize_text(name or "")
    cleaned_name_en = normalize_text(name_en or "")
    for field, value, required in (("name", cleaned_name, True), ("name_en", cleaned_name_en, False)):
        if required and not value:
            errors[field] = [_("This field is required.")]
        elif len(value) > NAME_MAX:
            errors[field] = [_("At most %(limit)s characters.") % {"limit": NAME_MAX}]
    if kind not in HolidayKind.values:
        errors["kind"] = [_("Choose one of the listed kinds.")]
    elif kind == HolidayKind.LOCAL and city is None:
        errors["kind"] = [_("A local holiday belongs to a city. Choose the city, or another kind.")]
    if day is not None:
        if Holiday.objects.filter(city=city, date=day).exists():
            errors["jalali_date"] = [
                _("There is already a national holiday on this day.")
                if city is None
                else _("This city already has a holiday on this day.")
            ]
        elif city is not None and Holiday.objects.filter(city__isnull=True, date=day).exists():
            errors["jalali_date"] = [_("This day is already a national holiday.")]
    if errors:
        raise ValidationError(errors)
    assert day is not None
    jalali = to_jalali(day)
    return {
        "city": city,
        "jalali_year": jalali.year,
        "jalali_month": jalali.month,
        "jalali_day": jalali.day,
        "date": day,
        "name": cleaned_name,
        "name_en": cleaned_name_en,
        "kind": kind,
    }


@transaction.atomic
def holiday_add(
    *, actor: Any, city: City | None, jalali_date: str, name: str, name_en: str, kind: str
) -> Holiday:
    """Add a whole day off: national (``city=None``, superusers only) or one city's own (its deputy
    or administrator). ``jalali_date`` is typed by a person: ``۱۴۰۵/۰۱/۰۱``, ``1405-1-1`` …"""
    _check(actor, city)
    fields = holiday_clean(city=city, jalali_date=jalali_date, name=name, name_en=name_en, kind=kind)
    try:
        with transaction.atomic():
            holiday = Holiday.objects.create(**fields)
    except IntegrityError as exc:  # someone added the same day a moment ago
        raise ValidationError({"jalali_date": [_("There is already a holiday on this day.")]}) from exc
    event_record(
        actor=actor,
        action="worktime.holiday.added",
        obj=holiday,
        after=snapshot(holiday, _HOLIDAY_FIELDS),
        city_id=holiday.city_id,
    )
    return holiday


@transaction.atomic
def holiday_remove(*, actor: Any, holiday: Holiday) -> None:
    # of="self": the city is a nullable join, which PostgreSQL cannot lock.
    locked = Holiday.objects.select_for_update(of=("self",)).select_related("city").get(pk=holiday.pk)
    _check(actor, locked.city)
    event_record(
        actor=actor,
        action="worktime.holiday.removed",
        obj=locked,
        before=snapshot(locked, _HOLIDAY_FIELDS),
        city_id=locked.city_id,
    )
    locked.delete()


def _time(value: Any) -> time | None:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, str):
        match = _TIME.fullmatch(to_ascii_digits(value).strip())
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return time(int(match[1]), int(match[2]))
    return None


def schedule_errors(
    *, workday_start: time, workday_end: time, thursday: str, thursday_end: time
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if workday_end <= workday_start:
        errors["workday_end"] = [_("The working day must end after it starts.")]
    if thursday == Thursday.HALF and not workday_start < thursday_end <= workday_end:
        errors["thursday_end"] = [
            _("A Thursday half day must end after the working day starts and no later than it ends.")
        ]
    return errors


@transaction.atomic
def working_schedule_update(*, actor: Any, city: City, **fields: Any) -> WorkingSchedule:
    """Change the city's working hours (its deputy or administrator). Fields not given keep their
    value; the schedule row is created, with the defaults, the first time. Times may be
    ``datetime.time`` or text such as ``"08:00"`` or ``"۰۸:۰۰"``."""
    _check(actor, city)
    unknown = set(fields) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ValidationError(
            {name: [_("This is not a field of the working schedule.")] for name in sorted(unknown)}
        )
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "thursday":
            if value not in Thursday.values:
                errors[name] = [_("Choose one of the listed options.")]
            else:
                cleaned[name] = value
            continue
        parsed = _time(value)
        if parsed is None:
            errors[name] = [_("Enter a time as hours:minutes, for example 07:30.")]
        else:
            cleaned[name] = parsed
    if errors:
        raise ValidationError(errors)
    schedule, created = WorkingSchedule.objects.select_for_update().get_or_create(city=city)
    before = None if created else snapshot(schedule, list(SCHEDULE_FIELDS))
    for name, value in cleaned.items():
        setattr(schedule, name, value)
    errors = schedule_errors(
        workday_start=schedule.workday_start,
        workday_end=schedule.workday_end,
        thursday=schedule.thursday,
        thursday_end=schedule.thursday_end,
    )
    if errors:
        raise ValidationError(errors)  # the transaction rolls back a row created just now
    schedule.save()
    event_record(
        actor=actor,
        action="worktime.schedule.updated",
        obj=schedule,
        before=before,
        after=snapshot(schedule, list(SCHEDULE_FIELDS)),
        city_id=city.pk,
    )
    return schedule


@dataclass(frozen=True)
class HolidayLoad:
    added: int
    already_there: int
    estimated: int


@transaction.atomic
def national_holidays_load(*, years: list[int]) -> HolidayLoad:
    """Iran's national holidays for the given known Jalali years (the system's own act, no actor).

    Safe to run again: a day that already has a national holiday is left as it is, so names edited by
    hand are kept.
    """
    entries = [entry for year in years for entry in national_holidays(year)]
    present = set(
        Holiday.objects.filter(city__isnull=True, date__in=[e.date for e in entries]).values_list(
            "date", flat=True
        )
    )
    added = estimated = 0
    for entry in entries:
        if entry.date in present:
            continue
        holiday_add(
            actor=None,
            city=None,
            jalali_date=entry.jalali_text,
            name=entry.name,
            name_en=entry.name_en,
            kind=entry.kind,
        )
        present.add(entry.date)
        added += 1
        estimated += entry.estimated
    return HolidayLoad(added=added, already_there=len(entries) - added, estimated=estimated)
