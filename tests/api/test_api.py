from __future__ import annotations

import json

import pytest
from django.test import Client

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.territory.locate import invalidate_index
from tests.factories import (
    AreaFactory,
    CityFactory,
    DistrictFactory,
    NeighborhoodFactory,
    UserFactory,
    square,
)

PASSWORD = "a-Strong-pass-1405"


@pytest.fixture
def city(db: None):
    """Two neighborhoods side by side sharing the border lng=51.01, in one area of one district."""
    city = CityFactory(slug="testabad", name="تست‌آباد", name_en="Testabad")
    district = DistrictFactory(city=city, slug="d1", number=1)
    area = AreaFactory(district=district, slug="d1-a1", number=1)
    west = NeighborhoodFactory(
        area=area,
        slug="west",
        name="غربی",
        name_en="West",
        boundary=square(51.0, 35.0),
        history="محله‌ای قدیمی",
    )
    east = NeighborhoodFactory(
        area=area, slug="east", name="شرقی", name_en="East", boundary=square(51.01, 35.0)
    )
    invalidate_index()
    city.west, city.east = west, east
    return city


def get_json(client: Client, url: str, **headers: str) -> tuple[int, dict]:
    response = client.get(url, **headers)
    return response.status_code, response.json()


def test_cities_are_paginated(city) -> None:
    status, body = get_json(Client(), "/api/v1/territory/cities")
    assert status == 200
    assert body["count"] == 1
    assert body["items"][0]["slug"] == "testabad"


def test_children_filtered_by_parent(city) -> None:
    other = DistrictFactory(slug="elsewhere")
    AreaFactory(district=other)
    status, body = get_json(Client(), "/api/v1/territory/areas?district=d1")
    assert status == 200
    assert [a["slug"] for a in body["items"]] == ["d1-a1"]
    assert body["items"][0]["district"] == {"slug": "d1", "name": "منطقه 1", "name_en": "District 1"}
    status, body = get_json(Client(), "/api/v1/territory/neighborhoods?area=d1-a1")
    assert {n["slug"] for n in body["items"]} == {"west", "east"}
    status, body = get_json(Client(), "/api/v1/territory/districts?city=testabad")
    assert [d["slug"] for d in body["items"]] == ["d1"]


def test_unknown_parent_is_a_404_in_the_error_format(city) -> None:
    status, body = get_json(
        Client(), "/api/v1/territory/neighborhoods?district=nowhere", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert status == 404
    assert body["code"] == "not_found"
    assert "nowhere" in body["message"]
    assert body["fields"] == {}


def test_neighborhood_list_query_count_does_not_grow(city, django_assert_max_num_queries) -> None:
    area = city.west.area
    for _ in range(60):
        NeighborhoodFactory(area=area)
    with django_assert_max_num_queries(3):
        status, body = get_json(Client(), "/api/v1/territory/neighborhoods?page=1")
    assert status == 200
    assert body["count"] == 62
    assert len(body["items"]) == 50
    status, body = get_json(Client(), "/api/v1/territory/neighborhoods?page=2")
    assert len(body["items"]) == 12


def test_neighborhood_detail_has_boundary_and_profile(city) -> None:
    status, body = get_json(Client(), "/api/v1/territory/neighborhoods/west")
    assert status == 200
    assert body["boundary"]["type"] == "Feature"
    assert body["boundary"]["geometry"]["type"] == "Polygon"
    assert body["profile"]["history"] == "محله‌ای قدیمی"
    assert body["area"]["slug"] == "d1-a1"
    status, body = get_json(Client(), "/api/v1/territory/neighborhoods/nope")
    assert status == 404
    assert body["code"] == "not_found"


def test_locate_inside(city, django_assert_max_num_queries) -> None:
    get_json(Client(), "/api/v1/territory/locate?lat=35.005&lng=51.005")  # builds the index
    with django_assert_max_num_queries(0):
        status, body = get_json(Client(), "/api/v1/territory/locate?lat=35.005&lng=51.015")
    assert status == 200
    assert body["neighborhood"]["slug"] == "east"
    assert body["area"]["slug"] == "d1-a1"
    assert body["district"]["slug"] == "d1"
    assert body["city"]["slug"] == "testabad"


def test_locate_on_a_shared_border_is_deterministic(city) -> None:
    answers = {
        get_json(Client(), "/api/v1/territory/locate?lat=35.005&lng=51.01")[1]["neighborhood"]["slug"]
        for _ in range(5)
    }
    lowest = min([city.west, city.east], key=lambda n: n.pk).slug
    assert answers == {lowest}


def test_locate_outside_the_city(city) -> None:
    status, body = get_json(Client(), "/api/v1/territory/locate?lat=36&lng=52", HTTP_ACCEPT_LANGUAGE="en")
    assert status == 404
    assert body["code"] == "outside_city"
    assert body["message"] == "This point is outside every neighborhood of the city."


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("lat=abc&lng=51", {"lat"}),
        ("lat=91&lng=51", {"lat"}),
        ("lat=35&lng=-181", {"lng"}),
        ("lat=nan&lng=inf", {"lat", "lng"}),
        ("lat=35", {"lng"}),
        ("", {"lat", "lng"}),
    ],
)
def test_locate_malformed_coordinates(city, query: str, fields: set[str]) -> None:
    status, body = get_json(Client(), f"/api/v1/territory/locate?{query}")
    assert status == 422
    assert body["code"] == "invalid"
    assert set(body["fields"]) == fields


def test_locate_sees_new_boundaries_after_invalidation(city) -> None:
    status, _ = get_json(Client(), "/api/v1/territory/locate?lat=35.005&lng=51.025")
    assert status == 404
    NeighborhoodFactory(area=city.west.area, slug="far-east", boundary=square(51.02, 35.0))
    type(city).objects.filter(pk=city.pk).update(boundaries_version=1)
    invalidate_index()
    status, body = get_json(Client(), "/api/v1/territory/locate?lat=35.005&lng=51.025")
    assert status == 200
    assert body["neighborhood"]["slug"] == "far-east"


def post_json(client: Client, url: str, data: object, **headers: str):
    return client.post(
        url,
        data=json.dumps(data) if not isinstance(data, str) else data,
        content_type="application/json",
        **headers,
    )


def test_token_and_bearer_auth(city) -> None:
    user = UserFactory(phone="+989121230000")
    role_assign(
        actor=None, user=user, role=Role.DISTRICT_MANAGER, scope_kind=ScopeKind.DISTRICT, scope_ref="d1"
    )
    response = post_json(Client(), "/api/v1/auth/token", {"phone": "۰۹۱۲۱۲۳۰۰۰۰", "password": PASSWORD})
    assert response.status_code == 201
    token = response.json()["token"]
    client = Client()
    status, body = get_json(client, "/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert status == 200
    assert body["phone"] == "+989121230000"
    assert body["roles"] == [
        {"role": "district_manager", "role_label": "مدیر منطقه", "scope_kind": "district", "scope": "d1"}
    ]


def test_me_needs_authentication(city) -> None:
    status, body = get_json(Client(), "/api/v1/auth/me")
    assert status == 401
    assert body["code"] == "not_authenticated"
    status, body = get_json(Client(), "/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer mht_forged")
    assert status == 401


def test_session_auth_for_the_browser(city) -> None:
    user = UserFactory()
    client = Client()
    client.force_login(user)
    status, body = get_json(client, "/api/v1/auth/me")
    assert status == 200
    assert body["id"] == user.pk


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"phone": "09121230000", "password": "wrong"}, 401, "not_authenticated"),
        ({"phone": "not a phone", "password": "x"}, 401, "not_authenticated"),
        ({"phone": "09121230000"}, 422, "invalid"),
        ({"phone": 12, "password": ["x"]}, 422, "invalid"),
        ("{not json", 400, "invalid"),
        ({"phone": "0" * 200, "password": "x"}, 422, "invalid"),
    ],
)
def test_token_bad_input(city, payload, status: int, code: str) -> None:
    UserFactory(phone="+989121230000")
    response = post_json(Client(), "/api/v1/auth/token", payload)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert body["message"]


def test_token_endpoint_is_throttled(city) -> None:
    UserFactory(phone="+989121230000")
    for _ in range(5):
        post_json(Client(), "/api/v1/auth/token", {"phone": "09121230000", "password": "wrong"})
    response = post_json(Client(), "/api/v1/auth/token", {"phone": "09121230000", "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_openapi_and_docs_are_local(db: None) -> None:
    client = Client()
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/territory/locate" in schema["paths"]
    assert "/api/v1/auth/token" in schema["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200
