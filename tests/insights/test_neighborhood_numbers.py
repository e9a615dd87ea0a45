"""The neighborhood's public page shows a few figures beside the city's, from the pre-computed rows, with
small samples left out, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mahalat.insights.models import IndicatorValue
from mahalat.insights.periods import month_add, month_of
from tests.towns import Town


def _value(town: Town, code: str, kind: str, scope_id: int, value: float, sample: int) -> None:
    month = month_add(month_of(timezone.now()), -1)
    IndicatorValue.objects.create(
        code=code,
        scope_kind=kind,
        scope_id=scope_id,
        city=town.city,
        year=month[0],
        month=month[1],
        value=value,
        sample=sample,
        computed_at=timezone.now(),
    )


def _row(html: str, code: str) -> str:
    start = html.index(f'data-indicator="{code}"')
    return html[start : html.index("</tr>", start)]


@pytest.mark.django_db
def test_figures_beside_the_city_small_samples_left_out(
    town: Town, django_assert_max_num_queries: Any
) -> None:
    _value(town, "reports_resolved_share", "neighborhood", town.n1.pk, 80.0, 20)
    _value(town, "reports_resolved_share", "neighborhood", town.n2.pk, 10.0, 20)  # another place
    _value(town, "reports_resolved_share", "city", town.city.pk, 62.5, 60)
    _value(town, "resolve_hours_median", "neighborhood", town.n1.pk, 99.0, 2)  # below the minimum sample
    _value(town, "resolve_hours_median", "city", town.city.pk, 40.0, 30)
    with django_assert_max_num_queries(25):
        html = Client().get(f"/n/{town.n1.slug}/").content.decode()
    resolved = _row(html, "reports_resolved_share")
    assert "۸۰" in resolved and "۶۲٫۵" in resolved and "۱۰" not in resolved
    assert "بهتر از شهر" in resolved  # higher is better: 80 beats 62.5
    hours = _row(html, "resolve_hours_median")
    assert "۹۹" not in hours and "—" in hours and "۴۰" in hours
    assert f"/dashboards/neighborhood/{town.n1.slug}/" in html
