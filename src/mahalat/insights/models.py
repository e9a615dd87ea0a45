"""Pre-computed indicator values per scope and Jalali month, the refresh bookkeeping, and the deputy's
targets. Pages and the API read these rows only; they never scan reports or meetings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mahalat.insights.catalog import ScopeKind
from mahalat.territory.scope import Scope


class IndicatorValue(models.Model):
    code = models.CharField(_("indicator"), max_length=60)
    scope_kind = models.CharField(_("scope kind"), max_length=12, choices=ScopeKind.choices)
    scope_id = models.BigIntegerField(_("scope id"))
    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("Jalali year"))
    month = models.PositiveSmallIntegerField(_("Jalali month"))
    # Empty when there is nothing to measure (no reports that month, no council to meet).
    value = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    sample = models.PositiveIntegerField(_("sample"), default=0)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "scope_kind", "scope_id", "year", "month"], name="insights_value_unique"
            ),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="insights_value_month"),
        ]
        indexes = [
            # One place's indicators over a range of months (trends, the place's dashboard).
            models.Index(fields=["scope_kind", "scope_id", "year", "month"], name="insights_value_scope_idx"),
            # One indicator for every place of a kind in one month (the map, the comparison table).
            models.Index(
                fields=["city", "code", "scope_kind", "year", "month"], name="insights_value_map_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.scope_kind}:{self.scope_id} {self.year}-{self.month:02d}"


class RefreshState(models.Model):
    """Where the periodic refresh of a city got to: the moment it last ran up to (changes after it are
    picked up next time), and the months it has covered so far."""

    city = models.OneToOneField(
        "territory.City",
        verbose_name=_("city"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    last_refresh_at = models.DateTimeField(_("last refresh"), null=True, blank=True)
    last_full_at = models.DateTimeField(_("last full recompute"), null=True, blank=True)
    # The first month with values; the last is always the month of the last refresh.
    first_year = models.PositiveSmallIntegerField(_("covered from (year)"), null=True, blank=True)
    first_month = models.PositiveSmallIntegerField(_("covered from (month)"), null=True, blank=True)
    # The months the last refresh recomputed, as ["1405-07", "1405-08"], and how long it took.
    last_months = models.JSONField(_("months recomputed last time"), default=list, blank=True)
    last_rows = models.PositiveIntegerField(_("rows written last time"), default=0)
    last_duration_ms = models.PositiveIntegerField(_("duration of the last refresh (ms)"), default=0)

    class Meta:
        verbose_name = _("indicator refresh state")
        verbose_name_plural = _("indicator refresh states")

    def __str__(self) -> str:
        return f"{self.city_id}: {self.last_refresh_at}"


class IndicatorTarget(models.Model):
    """One version of the deputy's target for an indicator, in force from a Jalali month until the next
    version of the same line (the city's, or a district's own, which overrides the city's for the
    district and everything inside it). Targets are annual, so a version usually starts in Farvardin.

    A version with no `target` ends the line from its month: no target (city-wide), or back to the
    city's (a district's own). Each month is judged by the version in force in it, so changing a target
    never rewrites how past months looked."""

    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(_("indicator"), max_length=60)
    district = models.ForeignKey(
        "territory.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    effective_year = models.PositiveSmallIntegerField(_("in force from (year)"))
    effective_month = models.PositiveSmallIntegerField(_("in force from (month)"))
    # Empty: the line ends from this month (see the class's docstring).
    target = models.FloatField(_("target"), null=True, blank=True)
    # Within this percentage of the target (on the wrong side) a value is amber rather than red.
    amber_band = models.FloatField(
        _("amber band (percent of the target)"),
        default=10.0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # The published policy that set it, when there is one (the policy page lists its targets).
    policy = models.ForeignKey(
        "policies.Policy",
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        ordering = ["city_id", "code", "district_id", "effective_year", "effective_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "code", "effective_year", "effective_month"],
                condition=Q(district__isnull=True),
                name="insights_target_citywide",
            ),
            models.UniqueConstraint(
                fields=["city", "code", "district", "effective_year", "effective_month"],
                condition=Q(district__isnull=False),
                name="insights_target_district",
            ),
            models.CheckConstraint(
                condition=Q(amber_band__gte=0, amber_band__lte=100), name="insights_target_band"
            ),
            models.CheckConstraint(
                condition=Q(effective_month__gte=1, effective_month__lte=12), name="insights_target_month"
            ),
        ]
        indexes = [
            # The targets a policy set (its page).
            models.Index(fields=["policy"], name="insights_target_policy_idx"),
        ]

    def __str__(self) -> str:
        line = f"{self.code} {self.district_id or '*'}"
        return f"{line} {self.effective_year}-{self.effective_month:02d}: {self.target}"

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id, district_id=self.district_id)

    @property
    def effective_from(self) -> tuple[int, int]:
        return self.effective_year, self.effective_month

    @property
    def ends_line(self) -> bool:
        return self.target is None
