"""The deputy's targets for indicators: city-wide, or a district's own that overrides the city's, each a
history of versions in force from a Jalali month (see `models.IndicatorTarget`)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.rules import require_permission
from mahalat.audit.services import event_record
from mahalat.insights.catalog import ScopeKind, Unit, indicator
from mahalat.insights.models import IndicatorTarget
from mahalat.insights.periods import Month, month_of, month_text, year_start
from mahalat.policies.models import Policy, PolicyKind, PolicyState
from mahalat.territory.models import City, District

# The values a target may take, by unit.
_RANGES: dict[str, tuple[float, float]] = {
    Unit.PERCENT: (0.0, 100.0),
    Unit.SCORE: (1.0, 5.0),
}


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _check_policy(policy: Policy | None, city: City, errors: dict[str, list[str]]) -> None:
    if policy is None:
        return
    if policy.city_id != city.pk or policy.kind != PolicyKind.POLICY or policy.state != PolicyState.PUBLISHED:
        errors["policy"] = [_("Choose a published policy of the city.")]


def _check_month(month: object, errors: dict[str, list[str]]) -> Month | None:
    if (
        isinstance(month, tuple)
        and len(month) == 2
        and all(isinstance(part, int) and not isinstance(part, bool) for part in month)
        and 1 <= month[1] <= 12
        and 1300 <= month[0] <= 1500
    ):
        return month  # type: ignore[return-value]
    errors["effective_from"] = [_("Write a Jalali month as year-month, for example 1405-08.")]
    return None


def _snapshot(row: IndicatorTarget) -> dict[str, Any]:
    return {
        "code": row.code,
        "district": row.district_id,
        "effective_from": month_text(row.effective_from),
        "target": row.target,
        "amber_band": row.amber_band,
        "policy": row.policy_id,
    }


def _write_version(
    *,
    actor: Any,
    city: City,
    code: str,
    district: District | None,
    month: Month,
    target: float | None,
    amber_band: float,
    policy: Policy | None,
    now: datetime,
    action: str,
) -> IndicatorTarget:
    """Create the line's version from `month`, or replace the one that already starts there."""
    row = (
        IndicatorTarget.objects.select_for_update()
        .filter(city=city, code=code, district=district, effective_year=month[0], effective_month=month[1])
        .first()
    )
    before = None if row is None else _snapshot(row)
    if row is None:
        row = IndicatorTarget(
            city=city, code=code, district=district, effective_year=month[0], effective_month=month[1]
        )
    row.target, row.amber_band, row.policy = target, amber_band, policy
    row.set_by, row.updated_at = actor if getattr(actor, "is_authenticated", False) else None, now
    row.save()
    event_record(actor=actor, action=action, obj=row, before=before, after=_snapshot(row))
    return row


@transaction.atomic
def target_set(
    *,
    actor: Any,
    city: City,
    code: str,
    target: object,
    district: District | None = None,
    amber_band: object = 10.0,
    effective_from: Month | None = None,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> IndicatorTarget:
    """Set the target of an indicator for the city, or (with `district`) the district's own, in force
    from the Jalali month `effective_from` (default: Farvardin of the current year, as targets are
    annual) until the line's next version. Setting it again for the same month replaces that version.

    `amber_band` is a percentage of the target: a value on the wrong side of the target but within
    it is amber, farther is red (see `selectors.status`). `policy` is the published policy of the city
    that set it, if any."""
    now = now or timezone.now()
    require_permission(actor, "insights.set_target", IndicatorTarget(city=city, district=district))
    errors: dict[str, list[str]] = {}
    entry = indicator(code)
    if entry is None:
        errors["code"] = [_("There is no such indicator.")]
    if district is not None:
        if district.city_id != city.pk:
            errors["district"] = [_("This district is not in the city.")]
        elif entry is not None and ScopeKind.DISTRICT not in entry.scope_kinds:
            errors["district"] = [_("This indicator is not computed for districts; set a city-wide target.")]
    value = _number(target)
    if value is None:
        errors["target"] = [_("Enter a number.")]
    elif entry is not None:
        low, high = _RANGES.get(entry.unit, (0.0, math.inf))
        if not low <= value <= high:
            errors["target"] = [
                _("The target must be between %(low)s and %(high)s.")
                % {"low": f"{low:g}", "high": f"{high:g}"}
                if math.isfinite(high)
                else _("The target cannot be negative.")
            ]
    band = _number(amber_band)
    if band is None or not 0 <= band <= 100:
        errors["amber_band"] = [_("The amber band is a percentage between 0 and 100.")]
    month = _check_month(year_start(now) if effective_from is None else effective_from, errors)
    _check_policy(policy, city, errors)
    if errors:
        raise ValidationError(errors)
    assert value is not None and band is not None and month is not None
    return _write_version(
        actor=actor,
        city=city,
        code=code,
        district=district,
        month=month,
        target=value,
        amber_band=band,
        policy=policy,
        now=now,
        action="insights.target.set",
    )


@transaction.atomic
def target_remove(
    *,
    actor: Any,
    target: IndicatorTarget,
    effective_from: Month | None = None,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> IndicatorTarget:
    """End the line of `target` (the city's, or a district's own) from the Jalali month `effective_from`
    (default: the current month): from then a district falls back to the city's target, and the city
    has none. Earlier months keep the version that judged them. Returns the ending version."""
    now = now or timezone.now()
    require_permission(actor, "insights.set_target", target)
    errors: dict[str, list[str]] = {}
    month = _check_month(month_of(now) if effective_from is None else effective_from, errors)
    _check_policy(policy, target.city, errors)
    if month is not None:
        in_force = (
            IndicatorTarget.objects.filter(
                city_id=target.city_id, code=target.code, district=target.district_id
            )
            .filter(
                Q(effective_year__lt=month[0]) | Q(effective_year=month[0], effective_month__lte=month[1])
            )
            .order_by("-effective_year", "-effective_month")
            .first()
        )
        if in_force is None or in_force.target is None:
            errors["effective_from"] = [_("No target of this line is in force in that month.")]
    if errors:
        raise ValidationError(errors)
    assert month is not None
    return _write_version(
        actor=actor,
        city=target.city,
        code=target.code,
        district=target.district,
        month=month,
        target=None,
        amber_band=target.amber_band,
        policy=policy,
        now=now,
        action="insights.target.removed",
    )
