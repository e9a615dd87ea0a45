"""The demo city's indicator targets for the year: the demo deputy publishes a policy «اهداف سالانهٔ
شاخص‌ها» and sets, through `insights.services.target_set`, a city-wide target for most territory
indicators, plus one district's own.

The targets are chosen against what the demo city actually achieved last month (the values must be
computed first): near the middle of the neighborhoods' values, so that the dashboards show some places
green, some amber and some red. Running it again changes nothing once the policy has its targets."""

from __future__ import annotations

import statistics
from datetime import datetime

from django.utils.translation import gettext as _

from mahalat.demo.policies_loader import _deputy
from mahalat.insights.catalog import Direction, ScopeKind, Unit, indicators
from mahalat.insights.models import IndicatorTarget, IndicatorValue
from mahalat.insights.periods import month_add, month_of, year_start
from mahalat.insights.services import target_set
from mahalat.persian.digits import localize_digits
from mahalat.policies.models import Policy, PolicyKind, PolicyState
from mahalat.policies.services import policy_publish, policy_save
from mahalat.territory.models import City, District

AMBER_BAND = 15.0
# The district whose own (looser) target shows an override on the page.
OVERRIDE_CODE = "reports_resolved_share"


def _nice(value: float) -> float:
    """A target a person would write: two significant figures."""
    if value == 0:
        return 0.0
    magnitude = 10 ** (len(str(int(abs(value)))) - 2) if abs(value) >= 10 else 0.1
    return round(round(value / magnitude) * magnitude, 1)


def _choose(values: list[float], direction: str) -> float:
    """Near the median, a little ambitious: about half the places reach it, the others miss by a
    little (amber) or by a lot (red)."""
    # Most neighborhoods hold no program in a month: their mean, not the median, is the useful middle.
    middle = statistics.median(values) or statistics.mean(values)
    return _nice(middle * (1.05 if direction == Direction.HIGHER else 0.95))


def _policy(city: City, deputy: object, year: int, now: datetime) -> Policy:
    title = f"اهداف سالانهٔ شاخص‌های پایش برای سال {localize_digits(year, digits='persian')}"
    found = Policy.objects.filter(city=city, kind=PolicyKind.POLICY, title=title).first()
    if found is not None and found.state == PolicyState.PUBLISHED:
        return found
    draft = found or policy_save(
        actor=deputy,
        city=city,
        kind=PolicyKind.POLICY,
        title=title,
        body=(
            "<p>اهداف سالانهٔ شاخص‌های پایش شوراهای اجتماعی محلات برای همهٔ مناطق. هر ماه با هدفی "
            "سنجیده می‌شود که در آن ماه برقرار است.</p>"
        ),
        effective_from=now.date(),
        all_districts=True,
        now=now,
    )
    return policy_publish(actor=deputy, policy=draft, now=now)


def load_demo_targets(*, city: City, now: datetime) -> str:
    deputy = _deputy(city)
    if deputy is None:
        return _("Indicator targets: the demo city has no deputy account.")
    start = year_start(now)
    policy = _policy(city, deputy, start[0], now)
    if IndicatorTarget.objects.filter(city=city, policy=policy).exists():
        return _("Indicator targets: already set.")
    month = month_add(month_of(now), -1)
    rows = IndicatorValue.objects.filter(
        city=city, scope_kind=ScopeKind.NEIGHBORHOOD, year=month[0], month=month[1], value__isnull=False
    ).values_list("code", "value", "sample")
    by_code: dict[str, list[float]] = {}
    minimum = {i.code: i.min_sample for i in indicators()}
    for code, value, sample in rows:
        if sample >= minimum.get(code, 0):
            by_code.setdefault(code, []).append(value)
    set_codes: list[str] = []
    for entry in indicators(kind=ScopeKind.NEIGHBORHOOD):
        values = by_code.get(entry.code, [])
        if len(values) < 3:
            continue  # too few places to judge: no target this year
        target = _choose(values, entry.direction)
        if target <= 0:
            continue  # nothing achieved anywhere yet: no target to judge by
        if entry.unit == Unit.COUNT:
            target = float(max(1, round(target)))
        elif entry.unit == Unit.PERCENT:
            target = min(max(target, 0.0), 100.0)
        elif entry.unit == Unit.SCORE:
            target = min(max(target, 1.0), 5.0)
        target_set(
            actor=deputy,
            city=city,
            code=entry.code,
            target=target,
            amber_band=AMBER_BAND,
            effective_from=start,
            policy=policy,
            now=now,
        )
        set_codes.append(entry.code)
    district = District.objects.filter(city=city).order_by("number", "pk").first()
    # The preferred indicator for the district's own target, else the first share that got a city target.
    catalog = {entry.code: entry for entry in indicators()}
    override_code = next(
        (c for c in [OVERRIDE_CODE, *set_codes] if c in set_codes and catalog[c].unit == Unit.PERCENT), None
    )
    city_target = (
        IndicatorTarget.objects.filter(city=city, code=override_code, district__isnull=True).first()
        if override_code
        else None
    )
    if district is not None and city_target is not None and city_target.target is not None:
        # A district with more old neighborhoods to catch up on is given a looser target for the year.
        looser = 0.85 if catalog[city_target.code].direction == Direction.HIGHER else 1.15
        target_set(
            actor=deputy,
            city=city,
            code=city_target.code,
            target=_nice(min(city_target.target * looser, 100.0)),
            district=district,
            amber_band=AMBER_BAND,
            effective_from=start,
            policy=policy,
            now=now,
        )
    return _("Indicator targets: %(count)s indicators, set by the policy “%(policy)s”.") % {
        "count": len(set_codes),
        "policy": policy.title,
    }
