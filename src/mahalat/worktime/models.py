"""The working-time calendar that service-level deadlines are counted in: each city's working hours
and the official holidays (national ones, for every city, and a city's own).

Friday is always a day off. Thursday is a day off, a half day or a full day, as the city decides.
"""

from __future__ import annotations

from datetime import time

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from mahalat.territory.models import City

DEFAULT_WORKDAY_START = time(7, 30)
DEFAULT_WORKDAY_END = time(14, 30)
DEFAULT_THURSDAY_END = time(12, 30)


class Thursday(models.TextChoices):
    OFF = "off", _("Day off")
    HALF = "half", _("Half day")
    FULL = "full", _("Full day")


class WorkingSchedule(models.Model):
    """A city's working hours. A city without a row works the defaults (see `DEFAULT_*`); the row is
    created the first time someone changes them (`services.working_schedule_update`)."""

    city = models.OneToOneField(
        City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="working_schedule"
    )
    workday_start = models.TimeField(_("start of the working day"), default=DEFAULT_WORKDAY_START)
    workday_end = models.TimeField(_("end of the working day"), default=DEFAULT_WORKDAY_END)
    thursday = models.CharField(_("Thursday"), max_length=4, choices=Thursday.choices, default=Thursday.HALF)
    thursday_end = models.TimeField(
        _("end of a Thursday half day"),
        default=DEFAULT_THURSDAY_END,
        help_text=_("Used only when Thursday is a half day."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("working schedule")
        verbose_name_plural = _("working schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(workday_start__lt=F("workday_end")),
                name="worktime_schedule_start_before_end",
                violation_error_message=_("The working day must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(thursday=Thursday.HALF)
                | Q(thursday_end__gt=F("workday_start"), thursday_end__lte=F("workday_end")),
                name="worktime_schedule_thursday_end_in_day",
                violation_error_message=_(
                    "A Thursday half day must end after the working day starts and no later than it ends."
                ),
            ),
            models.CheckConstraint(
                condition=Q(thursday__in=Thursday.values), name="worktime_schedule_thursday_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.city)


class HolidayKind(models.TextChoices):
    SOLAR_FIXED = "solar_fixed", _("Fixed (solar calendar)")
    RELIGIOUS = "religious", _("Religious (lunar calendar)")
    LOCAL = "local", _("Local")


class Holiday(models.Model):
    """One whole day off. ``city`` empty: a national holiday, kept by every city."""

    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holidays",
        help_text=_("Empty for a national holiday."),
    )
    jalali_year = models.PositiveSmallIntegerField(_("Jalali year"))
    jalali_month = models.PositiveSmallIntegerField(
        _("Jalali month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    jalali_day = models.PositiveSmallIntegerField(
        _("Jalali day"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    # The same day in the Gregorian calendar, derived from the Jalali one when the row is written.
    date = models.DateField(_("date"), db_index=True)
    name = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=HolidayKind.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date", "city_id"]
        constraints = [
            # NULLs are distinct in a unique index, so (city, date) alone would allow two national
            # holidays on one day: one constraint for national rows, one for a city's own.
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(city__isnull=True),
                name="worktime_holiday_national_date_unique",
                violation_error_message=_("There is already a national holiday on this day."),
            ),
            models.UniqueConstraint(
                fields=["city", "date"],
                condition=Q(city__isnull=False),
                name="worktime_holiday_city_date_unique",
                violation_error_message=_("This city already has a holiday on this day."),
            ),
            models.CheckConstraint(
                condition=Q(jalali_month__gte=1, jalali_month__lte=12, jalali_day__gte=1, jalali_day__lte=31),
                name="worktime_holiday_jalali_day_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=HolidayKind.values), name="worktime_holiday_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=HolidayKind.LOCAL) | Q(city__isnull=False),
                name="worktime_holiday_local_has_city",
                violation_error_message=_("A local holiday belongs to a city."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jalali_text} {self.name}"

    @property
    def jalali_text(self) -> str:
        return f"{self.jalali_year:04d}/{self.jalali_month:02d}/{self.jalali_day:02d}"

    @property
    def is_national(self) -> bool:
        return self.city_id is None
