"""The city in numbers: public, in Persian and English, the tables holding exactly the stored published
values (small samples withheld), the city's trend, bad input, and a query count that does not grow with
the number of districts."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from mahalat.insights.catalog import CATALOG, ScopeKind
from mahalat.insights.models import IndicatorValue
from mahalat.insights.periods import Month, month_add, month_of, month_text
from mahalat.insights.tables import display_value
from mahalat.portal.transparency import NUMBERS_CODES
from tests.factories import DistrictFactory, indicator_months
from tests.towns import Town

# A value withheld from the public: below every indicator's minimum sample.
SMALL_SAMPLE = 2
WITHHELD_CODE = "satisfaction"  # minimum sample 5 ratings
WITHHELD_VALUE = 4.7


def last_whole_month() -> Month:
    return month_add(month_of(timezone.now()), -1)


def seed_values(town: Town, *, months: int = 12, extra_districts: list[Any] | None = None) -> Month:
    """Values for every territory indicator, place and month up to the last whole month, each place
    with its own values (so a table mixing them up fails). In the last month, district d2's and
    neighborhood n3's `WITHHELD_CODE` rest on too few ratings."""
    last = last_whole_month()
    now = timezone.now()
    bases: list[tuple[str, int, float]] = [
        (ScopeKind.CITY, town.city.pk, 40.2),
        (ScopeKind.DISTRICT, town.d1.pk, 61.4),
        (ScopeKind.DISTRICT, town.d2.pk, 72.6),
        (ScopeKind.AREA, town.a11.pk, 44.4),
        (ScopeKind.AREA, town.a21.pk, 55.6),
        (ScopeKind.NEIGHBORHOOD, town.n1.pk, 11.3),
        (ScopeKind.NEIGHBORHOOD, town.n2.pk, 22.7),
        (ScopeKind.NEIGHBORHOOD, town.n3.pk, 33.1),
        *[(ScopeKind.DISTRICT, d.pk, 80.0 + i) for i, d in enumerate(extra_districts or [])],
    ]
    base_of = {(kind, pk): base for kind, pk, base in bases}
    small = {(ScopeKind.DISTRICT, town.d2.pk), (ScopeKind.NEIGHBORHOOD, town.n3.pk)}

    def value_of(code: str, kind: str, pk: int, n: int, month: Month) -> tuple[float, int]:
        if code == WITHHELD_CODE and n == 0 and (kind, pk) in small:
            return WITHHELD_VALUE, SMALL_SAMPLE
        return base_of[(kind, pk)] + n, 5000

    indicator_months(
        city=town.city,
        last=last,
        months=months,
        places=list(base_of),
        value_of=value_of,
        agency_id=town.water.pk,
        computed_at=now,
    )
    return last


def numbers_url(town: Town, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("public:numbers", args=[town.city.slug]) + (f"?{query}" if query else "")


def table_of(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def table_values(html: str, table_id: str) -> dict[str, str]:
    """Row heading → the cell's data-value (empty when no value is shown)."""
    table = table_of(html, table_id)
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td data-value="([^"]*)"', table, re.S)
    return {name.strip(): value for name, value in rows}


@pytest.mark.django_db
def test_numbers_page_is_public_in_persian_and_english(town: Town) -> None:
    seed_values(town)
    response = Client().get(numbers_url(town))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="fa"' in html
    with translation.override("fa"):
        title = gettext("%(city)s in numbers") % {"city": town.city.name}
    assert f">{title}</h1>" in html
    for code in NUMBERS_CODES:
        assert f'id="table-{code}"' in html
    assert 'id="table-trend"' in html
    assert "portal/numbers.js" in html

    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html_en = english.get(numbers_url(town)).content.decode()
    assert 'lang="en"' in html_en
    assert f"{town.city.name_en} in numbers" in html_en
    assert "Share of reports resolved" in html_en


@pytest.mark.django_db
def test_tables_hold_the_published_values_and_withhold_small_samples(town: Town) -> None:
    last = seed_values(town)
    html = Client().get(numbers_url(town)).content.decode()
    names = {town.d1.pk: town.d1.name, town.d2.pk: town.d2.name}
    with translation.override("fa"):
        whole_city, not_enough = gettext("The whole city"), gettext("Not enough data")
    for code in NUMBERS_CODES:
        entry = CATALOG[code]
        shown = table_values(html, f"table-{code}")
        rows = IndicatorValue.objects.filter(
            code=code, scope_kind=ScopeKind.DISTRICT, year=last[0], month=last[1]
        )
        expected = {
            names[r.scope_id]: str(display_value(r.value, entry)) if r.sample >= entry.min_sample else ""
            for r in rows
        }
        city = IndicatorValue.objects.get(
            code=code, scope_kind=ScopeKind.CITY, scope_id=town.city.pk, year=last[0], month=last[1]
        )
        assert shown.pop(whole_city) == str(display_value(city.value, entry))
        assert shown == expected
    # The withheld value: its cell is empty, says why, and the number appears nowhere in the table.
    table = table_of(html, f"table-{WITHHELD_CODE}")
    assert table_values(html, f"table-{WITHHELD_CODE}")[town.d2.name] == ""
    assert not_enough in table
    assert "4.7" not in table and "۴٫۷" not in table and "۴.۷" not in table


@pytest.mark.django_db
def test_the_trend_is_the_citys_twelve_months(town: Town) -> None:
    last = seed_values(town)
    html = Client().get(numbers_url(town, trend="reports_resolved_share")).content.decode()
    table = table_of(html, "table-trend")
    months = re.findall(r'data-month="([0-9-]+)"', table)
    assert months == [month_text(month_add(last, -n)) for n in range(11, -1, -1)]
    values = list(table_values(html, "table-trend").values())
    # The city's base value 40.2, one more for each month back.
    assert values == [str(round(40.2 + n, 1)) for n in range(11, -1, -1)]


@pytest.mark.django_db
def test_a_chosen_month_and_bad_choices(town: Town) -> None:
    last = seed_values(town)
    earlier = month_add(last, -3)
    html = Client().get(numbers_url(town, month=month_text(earlier))).content.decode()
    assert table_values(html, "table-reports_resolved_share")[town.d1.name] == str(round(61.4 + 3, 1))
    assert f'value="{month_text(earlier)}" selected' in html

    persian = month_text(earlier).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    html = Client().get(numbers_url(town, month=persian)).content.decode()
    assert table_values(html, "table-reports_resolved_share")[town.d1.name] == str(round(61.4 + 3, 1))

    for bad in ("1405-13", "soon", month_text(month_add(last, 3))):
        response = Client().get(numbers_url(town, month=bad, trend="nothing"))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'role="alert"' in html
        # The default month is shown instead.
        assert table_values(html, "table-reports_resolved_share")[town.d1.name] == "61.4"

    assert Client().get(reverse("public:numbers", args=["no-such-city"])).status_code == 404


@pytest.mark.django_db
def test_an_unpublished_indicator_never_shows(town: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_values(town)
    hidden = "minutes_published_share"
    monkeypatch.setitem(CATALOG, hidden, dataclasses.replace(CATALOG[hidden], published=False))
    html = Client().get(numbers_url(town, trend=hidden)).content.decode()
    assert f'id="table-{hidden}"' not in html
    assert str(CATALOG[hidden].name) not in html


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_districts(town: Town, django_assert_max_num_queries: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seed_values(town)
    with CaptureQueriesContext(connection) as few:
        Client().get(numbers_url(town))
    extra = [DistrictFactory(city=town.city) for _ in range(6)]
    IndicatorValue.objects.all().delete()
    seed_values(town, extra_districts=extra)
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as many:
        html = Client().get(numbers_url(town)).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(table_values(html, "table-reports_resolved_share")) == 2 + 6 + 1
