"""GET /api/v1/indicators and /api/v1/early-warnings: shapes, the public and internal views, errors,
permissions and bounded queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mahalat.insights.refresh import indicators_refresh
from mahalat.insights.services import target_set
from tests.insights.conftest import NOW, World, clock

URL = "/api/v1/indicators"
WARN = "/api/v1/early-warnings"


def as_(user: Any = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def ready(world: World) -> World:
    indicators_refresh(city=world.city, now=NOW)
    target_set(actor=world.town.people["deputy"], city=world.city, code="resolutions_overdue", target=0)
    return world


def _series(body: dict, code: str) -> dict:
    return next(s for s in body["indicators"] if s["code"] == code)


def test_a_districts_indicators_for_its_staff(ready: World) -> None:
    response = as_(ready.town.people["district_officer"]).get(
        URL, {"scope": "district:town-d1", "from": "1405-07", "to": "1405-08"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"]["kind"] == "district" and body["scope"]["slug"] == "town-d1"
    assert (body["from"], body["to"]) == ("1405-07", "1405-08")
    assert body["refreshed_at"] is not None
    share = _series(body, "reports_resolved_share")
    assert share["dimension"] == "effectiveness" and share["unit"] == "percent" and share["formula"]
    assert [v["month"] for v in share["values"]] == ["1405-07", "1405-08"]
    assert share["values"][0]["value"] == 25.0 and share["values"][0]["withheld"] is False
    overdue = _series(body, "resolutions_overdue")
    assert overdue["target"] == {"value": 0.0, "amber_band": 10.0, "district_own": False}
    assert [v["status"] for v in overdue["values"]] == ["red", "red"]
    # Agency indicators are not computed for districts.
    assert all(not s["code"].startswith("referral_") for s in body["indicators"])


def test_the_public_sees_published_values_but_not_small_samples(ready: World) -> None:
    response = as_().get(URL, {"scope": "district:town-d1", "from": "1405-07", "to": "1405-07"})
    assert response.status_code == 200
    share = _series(response.json(), "reports_resolved_share")["values"][0]
    assert share["withheld"] is True and share["value"] is None  # 4 reports, the minimum is 10
    adopted = _series(response.json(), "resolutions_adopted")["values"][0]
    assert adopted["value"] == 4.0 and adopted["withheld"] is False


def test_one_indicator_of_an_agency_for_its_liaison(ready: World) -> None:
    params = {"scope": "agency:town-water", "from": "1405-07", "to": "1405-07"}
    response = as_(ready.town.people["liaison"]).get(
        URL, {**params, "indicator": "referral_acknowledge_hours_median"}
    )
    assert response.status_code == 200
    [series] = response.json()["indicators"]
    assert series["values"][0]["value"] == 5.0
    assert as_().get(URL, params).status_code == 403
    assert as_(ready.town.people["citizen"]).get(URL, params).status_code == 403
    assert as_(ready.town.people["other_district_officer"]).get(URL, params).status_code == 403
    assert as_(ready.town.people["city_council"]).get(URL, params).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scope": "district"}, "scope"),
        ({"scope": "planet:mars"}, "scope"),
        ({"scope": "district:town-d1", "from": "1405-13"}, "from"),
        ({"scope": "district:town-d1", "to": "آبان"}, "to"),
        ({"scope": "district:town-d1", "from": "1405-09", "to": "1405-07"}, "from"),
        ({"scope": "district:town-d1", "from": "1401-01", "to": "1405-07"}, "from"),
        ({"scope": "district:town-d1", "indicator": "nothing"}, "indicator"),
        ({"scope": "district:town-d1", "indicator": "referral_answer_hours_median"}, "indicator"),
    ],
)
def test_bad_queries_are_422_with_a_message(ready: World, params: dict, field: str) -> None:
    response = as_(ready.town.people["deputy"]).get(URL, params)
    assert response.status_code == 422
    assert field in response.json()["fields"]


def test_unknown_place_is_404(ready: World) -> None:
    response = as_(ready.town.people["deputy"]).get(URL, {"scope": "neighborhood:nowhere"})
    assert response.status_code == 404


def test_persian_digits_in_months_are_read(ready: World) -> None:
    response = as_(ready.town.people["deputy"]).get(
        URL, {"scope": "city:town", "from": "۱۴۰۵-۰۷", "to": "۱۴۰۵-۰۷"}
    )
    assert response.status_code == 200
    assert response.json()["from"] == "1405-07"


def test_indicator_query_count_is_bounded(ready: World, django_assert_max_num_queries: Any) -> None:
    client = as_(ready.town.people["deputy"])
    client.get(URL, {"scope": "city:town"})  # the session is warmed
    with django_assert_max_num_queries(9):
        response = client.get(URL, {"scope": "neighborhood:n1", "from": "1404-10", "to": "1405-09"})
    assert response.status_code == 200
    assert len(_series(response.json(), "satisfaction")["values"]) == 12


def test_early_warnings_for_the_deputy(ready: World, django_assert_max_num_queries: Any) -> None:
    client = as_(ready.town.people["deputy"])
    client.get(WARN, {"month": "1405-07"})
    with django_assert_max_num_queries(10):
        response = client.get(WARN, {"month": "1405-07", "scope_kind": "neighborhood"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["city"]["slug"] == "town" and body["month"] == "1405-07"
    [first, *_rest] = body["warnings"]
    assert first["indicator"]["code"] == "resolutions_overdue" and first["place"]["slug"] == "n1"
    assert first["status"] == "red" and [t["value"] for t in first["trend"]] == [0.0, 0.0, 2.0]


def test_early_warnings_permissions(ready: World) -> None:
    people = ready.town.people
    assert as_().get(WARN, {"city": "town"}).status_code == 403
    assert as_(people["citizen"]).get(WARN, {"city": "town"}).status_code == 403
    # District staff read their own district's list, not the city's.
    officer = as_(people["district_officer"])
    assert officer.get(WARN, {"month": "1405-07"}).status_code == 403
    assert officer.get(WARN, {"month": "1405-07", "district": "town-d1"}).status_code == 200
    assert officer.get(WARN, {"month": "1405-07", "district": "town-d2"}).status_code == 403
    assert as_(people["city_council"]).get(WARN, {"month": "1405-07"}).status_code == 200


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"month": "1405/13"}, 422),
        ({"scope_kind": "city"}, 422),
        ({"scope_kind": "galaxy"}, 422),
        ({"indicator": "nothing"}, 422),
        ({"district": "nowhere"}, 404),
        ({"city": "nowhere"}, 404),
    ],
)
def test_early_warnings_bad_queries(ready: World, params: dict, status: int) -> None:
    assert as_(ready.town.people["deputy"]).get(WARN, params).status_code == status


def test_the_default_month_is_the_current_one(ready: World) -> None:
    with clock(NOW):
        response = as_(ready.town.people["deputy"]).get(WARN)
    assert response.status_code == 200 and response.json()["month"] == "1405-09"
