"""The demo city: its data on its own, the load, the accounts, and the two commands."""

from __future__ import annotations

import itertools
import json
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shapely.geometry import shape
from shapely.ops import unary_union

from mahalat.accounts.models import Role, RoleAssignment, User
from mahalat.accounts.services import role_revoke, user_authenticate
from mahalat.demo.city import (
    CITY_DESCRIPTION,
    CITY_SLUG,
    COUNCIL_NEIGHBORHOOD_SLUG,
    POPULATION_RANGE,
    demo_feature_collection,
)
from mahalat.demo.services import CITIZEN, DEMO_ACCOUNTS, DEMO_PASSWORD, DemoSummary, demo_city_load
from mahalat.persian.text import normalize_text
from mahalat.referrals.models import Agency
from mahalat.territory.locate import invalidate_index, locate
from mahalat.territory.models import Area, City, District, Neighborhood

JSON_KEYS = {"role", "phone", "password", "scope", "scope_kind", "full_name"}


def _load() -> DemoSummary:
    return demo_city_load(progress=False)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def _accounts_json() -> list[dict[str, object]]:
    out = StringIO()
    call_command("demo_accounts", "--json", stdout=out)
    return json.loads(out.getvalue())


# --- the data, without a database ---------------------------------------------------------------


def test_collection_is_deterministic_and_well_formed() -> None:
    collection = demo_feature_collection()
    assert collection == demo_feature_collection()
    neighborhoods = [
        f["properties"] for f in collection["features"] if f["properties"]["level"] == "neighborhood"
    ]
    assert len(neighborhoods) == 60
    for key in ("name", "name_en", "slug"):
        assert len({n[key] for n in neighborhoods}) == 60, key
    assert all(n["slug"].isascii() for n in neighborhoods)
    assert "باغ\u200cبهشت" in {n["name"] for n in neighborhoods}
    assert "نمایشی" in CITY_DESCRIPTION
    low, high = POPULATION_RANGE
    assert all(low <= n["population"] <= high for n in neighborhoods)
    assert 500_000 <= sum(n["population"] for n in neighborhoods) <= 600_000
    for feature in collection["features"]:
        ring = feature["geometry"]["coordinates"][0]
        assert feature["geometry"]["type"] == "Polygon"
        assert ring[0] == ring[-1]
        assert shape(feature["geometry"]).exterior.is_ccw
        assert shape(feature["geometry"]).is_valid


def test_profiles_are_stored_as_written_and_differ() -> None:
    neighborhoods = [
        f["properties"]
        for f in demo_feature_collection()["features"]
        if f["properties"]["level"] == "neighborhood"
    ]
    for n in neighborhoods:
        for key in Neighborhood.PROFILE_FIELDS:
            # Already normalized, so a re-import compares equal and changes nothing.
            assert normalize_text(n[key], multiline=key != "historical_name") == n[key], (n["slug"], key)
    assert len({n["history"] for n in neighborhoods}) == 60
    assert sum(bool(n["historical_name"]) for n in neighborhoods) >= 10


# --- the load -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_builds_a_tiled_territory() -> None:
    summary = _load()
    city = City.objects.get(slug=CITY_SLUG)
    assert city.is_demo
    assert (summary.districts, summary.areas, summary.neighborhoods, summary.agencies) == (4, 12, 60, 11)
    assert District.objects.filter(city=city).count() == 4
    assert Area.objects.filter(city=city).count() == 12
    assert Agency.objects.filter(city=city).count() == 11
    assert summary.agreements == summary.agreements_created > 11
    neighborhoods = list(Neighborhood.objects.filter(city=city))
    assert len(neighborhoods) == 60
    geoms = [shape(n.boundary) for n in neighborhoods]
    union = unary_union(geoms)
    assert union.geom_type == "Polygon"
    assert abs(sum(g.area for g in geoms) - union.area) < 1e-9
    for a, b in itertools.combinations(geoms, 2):
        assert a.intersection(b).area < 1e-12
    for n in neighborhoods:
        assert n.population is not None
        assert n.population > 0
        assert n.history.strip()
    assert city.population == sum(n.population for n in neighborhoods)


@pytest.mark.django_db
def test_every_role_has_an_account_that_signs_in() -> None:
    _load()
    assert set(Role.values) <= {a["role"] for a in DEMO_ACCOUNTS}
    for account in DEMO_ACCOUNTS:
        assert account["password"] == DEMO_PASSWORD
        user = user_authenticate(phone=account["phone"], password=account["password"])
        assert user.full_name == account["full_name"]
        roles = set(RoleAssignment.objects.active().filter(user=user).values_list("role", flat=True))
        if account["role"] == CITIZEN:
            assert not roles
        else:
            assert account["role"] in roles
    admin = User.objects.get(phone="+989120000011")
    assert admin.is_staff
    assert admin.is_superuser
    council = RoleAssignment.objects.filter(role__in=["council_member", "council_chair", "council_secretary"])
    assert {a.scope_slug for a in council} == {COUNCIL_NEIGHBORHOOD_SLUG}


@pytest.mark.django_db
def test_loading_twice_changes_no_row_count() -> None:
    _load()
    before = _row_counts()
    summary = _load()
    assert _row_counts() == before
    assert not summary.changed
    assert summary.users == len(DEMO_ACCOUNTS)


@pytest.mark.django_db
def test_load_completes_a_partly_deleted_demo() -> None:
    _load()
    RoleAssignment.objects.filter(role=Role.AREA_OFFICER).delete()
    summary = _load()
    assert summary.assignments_created == 1
    assert summary.users_created == 0


@pytest.mark.django_db
def test_load_refuses_a_real_city_with_the_demo_slug() -> None:
    City.objects.create(slug=CITY_SLUG, name="کوهسار", name_en="Kuhsar", is_demo=False)
    with pytest.raises(ValidationError):
        _load()
    assert not District.objects.exists()


@pytest.mark.django_db
def test_locate_finds_every_neighborhood_at_its_representative_point() -> None:
    _load()
    invalidate_index()
    for n in Neighborhood.objects.filter(city__slug=CITY_SLUG):
        point = shape(n.boundary).point_on_surface()
        located = locate(point.y, point.x)
        assert located is not None, n.slug
        assert located.neighborhood_id == n.pk, n.slug


# --- the commands -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_accounts_json_before_and_after_loading() -> None:
    assert _accounts_json() == []
    _load()
    entries = _accounts_json()
    # One entry per account, and one for the demo Open311 client application (which has an api_key).
    assert all(set(entry) == JSON_KEYS for entry in entries if entry["role"] != "open311_client")
    assert len(entries) == len(DEMO_ACCOUNTS) + 1
    assert {e["role"] for e in entries} == {*Role.values, CITIZEN, "open311_client"}
    by_phone = {e["phone"]: e for e in entries}
    assert by_phone["09120000001"]["scope"] is None
    assert by_phone["09120000008"] == {
        "role": "agency_liaison",
        "phone": "09120000008",
        "password": DEMO_PASSWORD,
        "scope": "kuhsar-water",
        "scope_kind": "agency",
        "full_name": "مهدی صادقی",
    }


@pytest.mark.django_db
def test_demo_accounts_lists_only_roles_still_held() -> None:
    _load()
    role_revoke(actor=None, assignment=RoleAssignment.objects.get(role=Role.DEPUTY))
    assert Role.DEPUTY not in {e["role"] for e in _accounts_json()}


@pytest.mark.django_db
def test_demo_accounts_table() -> None:
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    assert "load_demo_city" in out.getvalue()
    _load()
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    text = out.getvalue()
    for account in DEMO_ACCOUNTS:
        assert account["phone"] in text
    assert DEMO_PASSWORD in text


@pytest.mark.django_db
def test_load_command_and_if_missing() -> None:
    out = StringIO()
    call_command("load_demo_city", "--no-progress", "--no-reports", stdout=out)
    assert "60" in out.getvalue()
    before = _row_counts()
    out = StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("load_demo_city", "--if-missing", stdout=out)
    assert len(queries) == 1
    assert CITY_SLUG in out.getvalue()
    assert _row_counts() == before
