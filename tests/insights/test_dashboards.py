"""The dashboards: the deputy's city page, a district's, a neighborhood's (public); who may read each;
the map's features and statuses; bad input; a fixed number of queries, never touching reports."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mahalat.insights.catalog import ScopeKind, indicators
from mahalat.insights.models import IndicatorValue, RefreshState
from mahalat.insights.periods import Month, month_add
from mahalat.insights.services import target_set
from tests.factories import NeighborhoodFactory, UserFactory, indicator_months
from tests.towns import Town

ABAN: Month = (1405, 8)
CODE = "reports_resolved_share"  # higher is better; minimum sample 10 reports
RED_CODE = "attendance_share"  # higher is better; minimum sample 5 seats


@dataclass
class Valued:
    town: Town
    extra: list[Any]


def bulk_values(town: Town, *, months: int = 12, extra: list[Any] | None = None) -> int:
    """IndicatorValue rows for every territory indicator, place and month up to Aban 1405, and the
    agency indicators for the water agency. In Aban, for `CODE`: n1 90 % of 20 (green against the
    target of 80), n2 75 % of 20 (amber), n3 50 % of 3 (too small a sample)."""
    now = timezone.now()
    places: list[tuple[str, int]] = [
        (ScopeKind.CITY, town.city.pk),
        (ScopeKind.DISTRICT, town.d1.pk),
        (ScopeKind.DISTRICT, town.d2.pk),
        (ScopeKind.AREA, town.a11.pk),
        (ScopeKind.AREA, town.a21.pk),
        *[(ScopeKind.NEIGHBORHOOD, n.pk) for n in [town.n1, town.n2, town.n3, *(extra or [])]],
    ]
    special = {town.n1.pk: (90.0, 20), town.n2.pk: (75.0, 20), town.n3.pk: (50.0, 3)}

    def value_of(code: str, kind: str, pk: int, n: int, month: Month) -> tuple[float, int]:
        if code == CODE and month == ABAN and kind == ScopeKind.NEIGHBORHOOD and pk in special:
            return special[pk]
        return 60.0 + n, 40

    return indicator_months(
        city=town.city,
        last=ABAN,
        months=months,
        places=places,
        value_of=value_of,
        agency_id=town.water.pk,
        computed_at=now,
    )


def make_valued(town: Town) -> Valued:
    bulk_values(town)
    target_set(actor=town.people["deputy"], city=town.city, code=CODE, target=80, effective_from=(1405, 1))
    # Every place is behind this one: the early-warning list is full.
    target_set(
        actor=town.people["deputy"], city=town.city, code=RED_CODE, target=100, effective_from=(1405, 1)
    )
    RefreshState.objects.create(city=town.city, last_refresh_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC))
    return Valued(town=town, extra=[])


@pytest.fixture
def valued(town: Town) -> Valued:
    return make_valued(town)


def as_(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def city_url(**params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("insights:city") + (f"?{query}" if query else "")


def map_features(html: str) -> list[dict[str, Any]]:
    match = re.search(r'<script id="map-features" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page carries the map's features"
    return json.loads(match.group(1))


# --- who reads which page -------------------------------------------------------------------------------

CITY_READERS = {"deputy", "city_council", "officer_and_deputy"}
D1_READERS = CITY_READERS | {"district_officer", "district_manager"}


@pytest.mark.django_db
def test_city_dashboard_for_the_city_readers_only(valued: Valued) -> None:
    for name, user in valued.town.people.items():
        response = as_(user).get(city_url())
        expected = 200 if name in CITY_READERS else 403
        assert response.status_code == expected, name


@pytest.mark.django_db
def test_district_dashboard_for_the_city_and_the_district_staff(valued: Valued) -> None:
    url = reverse("insights:district", kwargs={"slug": "town-d1"})
    for name, user in valued.town.people.items():
        assert as_(user).get(url).status_code == (200 if name in D1_READERS else 403), name


@pytest.mark.django_db
def test_internal_dashboards_send_anonymous_readers_to_log_in(valued: Valued) -> None:
    for url in [city_url(), reverse("insights:district", kwargs={"slug": "town-d1"})]:
        response = Client().get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


@pytest.mark.django_db
def test_neighborhood_dashboard_is_public_with_small_samples_withheld(valued: Valued) -> None:
    url = reverse("insights:neighborhood", kwargs={"slug": "n3"}) + f"?indicator={CODE}&month=1405-08"
    response = Client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "دادهٔ کافی نیست" in html  # "Not enough data", in the default language
    for name, user in valued.town.people.items():
        assert as_(user).get(url).status_code == 200, name


# --- what the city page shows ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_city_dashboard_shows_every_section(valued: Valued) -> None:
    response = as_(valued.town.people["deputy"]).get(city_url(indicator=CODE, month="1405-08"))
    assert response.status_code == 200
    context = response.context
    for key in ["map_table", "comparison_table", "trend_table", "warnings_table", "agencies_table"]:
        assert key in context, key
    html = response.content.decode()
    # The agency's scorecard, the districts' dashboards and monthly reports are linked.
    assert reverse("referrals:scorecard", args=[valued.town.water.pk]) in html
    assert reverse("insights:district", kwargs={"slug": "town-d1"}) in html
    assert reverse("insights:district-report", kwargs={"slug": "town-d1", "month": "1405-08"}) in html
    # Freshness, in the Jalali calendar.
    assert 'id="freshness"' in html
    assert "1405" in html or "۱۴۰۵" in html


@pytest.mark.django_db
def test_the_map_has_one_feature_per_neighborhood_with_its_status(valued: Valued) -> None:
    town = valued.town
    response = as_(town.people["deputy"]).get(city_url(indicator=CODE, month="1405-08"))
    features = map_features(response.content.decode())
    by_name = {f["properties"]["name"]: f["properties"]["status"] for f in features}
    assert len(features) == 3
    assert by_name == {town.n1.name: "green", town.n2.name: "amber", town.n3.name: "small"}
    table = response.context["map_table"].table
    statuses = {row[0]: row[4] for row in table.rows}
    assert statuses[town.n3.name] == str(response.context["map_table"].rows[2][4].value)


@pytest.mark.django_db
def test_the_map_of_a_district_shows_its_neighborhoods_only(valued: Valued) -> None:
    town = valued.town
    url = reverse("insights:district", kwargs={"slug": "town-d1"}) + f"?indicator={CODE}&month=1405-08"
    response = as_(town.people["district_officer"]).get(url)
    names = {f["properties"]["name"] for f in map_features(response.content.decode())}
    assert names == {town.n1.name, town.n3.name}


@pytest.mark.django_db
def test_comparison_has_a_row_per_district_and_the_city(valued: Valued) -> None:
    response = as_(valued.town.people["deputy"]).get(city_url(indicator=CODE, month="1405-08"))
    table = response.context["comparison_table"].table
    assert len(table.rows) == 3  # d1, d2, the city
    assert len(table.columns) == 2 + 2 * len(indicators(kind=ScopeKind.NEIGHBORHOOD))


@pytest.mark.django_db
def test_trend_covers_twelve_months_with_the_target(valued: Valued) -> None:
    response = as_(valued.town.people["deputy"]).get(city_url(indicator=CODE, month="1405-08"))
    table = response.context["trend_table"].table
    assert len(table.rows) == 12
    chart = response.context["trend_chart"]
    assert chart["target"] == 80
    assert len(chart["labels"]) == 12


@pytest.mark.django_db
def test_the_month_defaults_to_the_last_one_with_values(valued: Valued) -> None:
    response = as_(valued.town.people["deputy"]).get(city_url())
    assert response.context["q"].month == ABAN
    # The first territory indicator by default.
    assert response.context["q"].indicator.code == indicators(kind=ScopeKind.NEIGHBORHOOD)[0].code


# --- bad input ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{"indicator": "nope"}, {"month": "1405-13"}, {"month": "abc"}, {"kind": "x"}]
)
def test_bad_choices_give_a_message_and_the_default(valued: Valued, params: dict[str, str]) -> None:
    response = as_(valued.town.people["deputy"]).get(city_url(**params))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'role="alert"' in response.content.decode()


@pytest.mark.django_db
def test_unknown_places_are_404(valued: Valued) -> None:
    deputy = as_(valued.town.people["deputy"])
    assert deputy.get(reverse("insights:district", kwargs={"slug": "nowhere"})).status_code == 404
    assert deputy.get(reverse("insights:neighborhood", kwargs={"slug": "nowhere"})).status_code == 404
    assert deputy.get(city_url(city="nowhere")).status_code == 404


@pytest.mark.django_db
def test_another_citys_district_is_404_or_forbidden(valued: Valued) -> None:
    from tests.factories import CityFactory, DistrictFactory

    other = DistrictFactory(city=CityFactory(slug="elsewhere"), number=1, slug="elsewhere-d1")
    deputy = as_(valued.town.people["deputy"])
    assert deputy.get(reverse("insights:district", kwargs={"slug": other.slug})).status_code == 403
    url = reverse("insights:district", kwargs={"slug": other.slug}) + "?city=town"
    assert deputy.get(url).status_code == 404
    assert deputy.get(city_url(city="elsewhere")).status_code == 403


@pytest.mark.django_db
def test_a_person_without_a_role_is_refused_and_a_superuser_sees_a_city(valued: Valued) -> None:
    assert as_(UserFactory()).get(city_url()).status_code == 403
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert as_(admin).get(city_url(city="town")).status_code == 200


# --- queries --------------------------------------------------------------------------------------------


def _bigger(town: Town, n: int = 12) -> list[Any]:
    extra = [NeighborhoodFactory(area=town.a11 if i % 2 else town.a21) for i in range(n)]
    IndicatorValue.objects.all().delete()
    bulk_values(town, extra=extra)
    return extra


@pytest.mark.django_db
def test_pages_read_a_fixed_number_of_queries(valued: Valued, django_assert_max_num_queries: Any) -> None:
    town = valued.town
    deputy, officer = as_(town.people["deputy"]), as_(town.people["district_officer"])
    urls = [
        (deputy, city_url(indicator=CODE)),
        (officer, reverse("insights:district", kwargs={"slug": "town-d1"})),
        (Client(), reverse("insights:neighborhood", kwargs={"slug": "n1"})),
    ]
    counts = []
    for client, url in urls:
        with CaptureQueriesContext(connection) as small:
            assert client.get(url).status_code == 200
        counts.append(len(small.captured_queries))
    _bigger(town)
    for (client, url), count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_pages_never_read_reports_or_meetings(valued: Valued) -> None:
    town = valued.town
    for client, url in [
        (as_(town.people["deputy"]), city_url(indicator=CODE)),
        (as_(town.people["district_officer"]), reverse("insights:district", kwargs={"slug": "town-d1"})),
        (Client(), reverse("insights:neighborhood", kwargs={"slug": "n1"})),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert "reports_report" not in sql
        assert "meetings_meeting" not in sql


@pytest.mark.django_db
def test_a_dashboard_opens_on_the_last_whole_month(town: Town) -> None:
    from django.utils import timezone

    from mahalat.insights.dashboard_selectors import latest_month
    from mahalat.insights.models import IndicatorValue
    from mahalat.insights.periods import month_of

    current = month_of(timezone.now())
    assert latest_month(city_id=town.city.pk) == current  # nothing yet: the current month
    for month in (current, month_add(current, -1)):
        IndicatorValue.objects.create(
            code="reports_per_1000",
            scope_kind="city",
            scope_id=town.city.pk,
            city=town.city,
            year=month[0],
            month=month[1],
            value=1.0,
            sample=10,
            computed_at=timezone.now(),
        )
    assert latest_month(city_id=town.city.pk) == month_add(current, -1)  # not the month still filling


def _content(response: Any) -> str:
    """The page without its sign-out form's token, which is new on every response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.django_db
def test_a_dashboards_content_is_kept_until_a_refresh_or_a_target_change(
    valued: Valued, settings: Any, django_assert_max_num_queries: Any
) -> None:
    """The content is rendered once per refresh: a changed row alone is not seen (it can only change
    through a refresh), a new target or a new refresh is seen at once."""
    settings.ANSWER_CACHE_SECONDS = 300
    cache.clear()
    town = valued.town
    deputy = as_(town.people["deputy"])
    url = city_url(indicator=CODE, month="1405-08")
    with CaptureQueriesContext(connection) as first:
        kept = _content(deputy.get(url))
    with django_assert_max_num_queries(len(first.captured_queries) - 5):
        assert _content(deputy.get(url)) == kept

    IndicatorValue.objects.filter(code=CODE, scope_kind=ScopeKind.CITY).update(value=12.3)
    assert _content(deputy.get(url)) == kept

    target_set(actor=town.people["deputy"], city=town.city, code=CODE, target=95, effective_from=(1405, 1))
    with_target = _content(deputy.get(url))
    assert with_target != kept
    assert "۹۵" in with_target

    RefreshState.objects.update_or_create(
        city=town.city, defaults={"last_refresh_at": datetime(2026, 11, 20, 8, 0, tzinfo=UTC)}
    )
    refreshed = _content(deputy.get(url))
    assert refreshed != with_target
    assert "۱۲٫۳" in refreshed or "12.3" in refreshed
