"""`{% load insights_targets %}{% policy_targets policy %}`: the indicator targets a policy set, for the
policy's page; and `|jmonth`, a `(year, month)` as «فروردین ۱۴۰۵»."""

from __future__ import annotations

from typing import Any

from django import template

from mahalat.insights.catalog import CATALOG
from mahalat.insights.periods import month_label
from mahalat.insights.selectors import policy_targets as targets_set_by

register = template.Library()


@register.filter
def jmonth(value: Any) -> str:
    if not isinstance(value, tuple | list) or len(value) != 2:
        return ""
    return month_label((int(value[0]), int(value[1])))


@register.inclusion_tag("insights/targets_of_policy.html")
def policy_targets(policy: Any) -> dict[str, Any]:
    rows = targets_set_by(policy.pk) if getattr(policy, "pk", None) else []
    return {"rows": [(row, CATALOG.get(row.code)) for row in rows]}
