"""Open data: the page with its licence field and downloads, and the neighborhoods' GeoJSON with their
published indicators of the last whole month (small samples withheld, nothing internal), in a fixed
number of queries."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mahalat.insights.catalog import CATALOG, ScopeKind, indicators
from mahalat.insights.models import IndicatorValue
from mahalat.insights.tables import display_value
from mahalat.portal.opendata import DEFAULT_LICENSE_NAME, DEFAULT_LICENSE_URL
from tests.factories import NeighborhoodFactory, square
from tests.portal.test_numbers import SMALL_SAMPLE, WITHHELD_CODE, seed_values
from tests.towns import Town


def geojson_url(town: Town) -> str:
    return reverse("public:neighborhoods-geojson", args=[town.city.slug])


def load(town: Town) -> dict[str, Any]:
    response = Client().get(geojson_url(town))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(b"".join(response.streaming_content))


@pytest.mark.django_db
def test_geojson_has_one_feature_per_neighborhood_with_its_published_values(town: Town) -> None:
    last = seed_values(town)
    data = load(town)
    assert data["type"] == "FeatureCollection"
    assert data["properties"]["license"] == {"name": DEFAULT_LICENSE_NAME, "url": DEFAULT_LICENSE_URL}
    assert data["properties"]["month"] == f"{last[0]:04d}-{last[1]:02d}"
    features = {f["properties"]["slug"]: f for f in data["features"]}
    assert sorted(features) == ["n1", "n2", "n3"]
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    n1 = features["n1"]["properties"]
    assert n1["name"] == town.n1.name and n1["name_en"] == town.n1.name_en
    assert n1["district"] == town.d1.slug and n1["area"] == town.a11.slug
    assert n1["population"] == town.n1.population
    public = [e for e in indicators(kind=ScopeKind.NEIGHBORHOOD) if e.published]
    for entry in public:
        row = IndicatorValue.objects.get(
            code=entry.code,
            scope_kind=ScopeKind.NEIGHBORHOOD,
            scope_id=town.n1.pk,
            year=last[0],
            month=last[1],
        )
        assert n1[entry.code] == display_value(row.value, entry)
        assert n1[f"{entry.code}_sample"] == row.sample
        assert n1[f"{entry.code}_status"] in {"green", "amber", "red", "none"}
    # n3's satisfaction rests on too few ratings: no value, marked withheld, its sample still given.
    n3 = features["n3"]["properties"]
    assert n3[WITHHELD_CODE] is None
    assert n3[f"{WITHHELD_CODE}_status"] == "withheld"
    assert n3[f"{WITHHELD_CODE}_sample"] == SMALL_SAMPLE
    # Agency indicators are internal: none of them is in the file.
    text = json.dumps(data)
    for entry in indicators(kind=ScopeKind.AGENCY):
        if ScopeKind.NEIGHBORHOOD not in entry.scope_kinds:
            assert entry.code not in text


@pytest.mark.django_db
def test_geojson_leaves_out_unpublished_indicators(town: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_values(town)
    hidden = "attendance_share"
    monkeypatch.setitem(CATALOG, hidden, dataclasses.replace(CATALOG[hidden], published=False))
    data = load(town)
    assert hidden not in json.dumps(data)
    assert "reports_resolved_share" in data["features"][0]["properties"]


@pytest.mark.django_db
def test_geojson_licence_from_settings(town: Town, settings: Any) -> None:
    settings.OPEN_DATA_LICENSE_NAME = "Open Data Commons Attribution"
    settings.OPEN_DATA_LICENSE_URL = "https://opendatacommons.org/licenses/by/"
    data = load(town)
    assert data["properties"]["license"]["name"] == "Open Data Commons Attribution"
    assert data["properties"]["license"]["url"] == "https://opendatacommons.org/licenses/by/"
    html = Client().get(reverse("public:open-data", args=[town.city.slug])).content.decode()
    assert "Open Data Commons Attribution" in html
    assert 'href="https://opendatacommons.org/licenses/by/"' in html


@pytest.mark.django_db
def test_geojson_queries_do_not_grow_with_the_neighborhoods(town: Town) -> None:
    seed_values(town)
    with CaptureQueriesContext(connection) as few:
        assert len(load(town)["features"]) == 3
    for n in range(8):
        NeighborhoodFactory(area=town.a21, boundary=square(51.02 + n * 0.01, 35.0))
    with CaptureQueriesContext(connection) as many:
        assert len(load(town)["features"]) == 11
    assert len(many.captured_queries) == len(few.captured_queries) <= 6


@pytest.mark.django_db
def test_open_data_page_lists_the_downloads_with_the_licence(town: Town) -> None:
    seed_values(town)
    response = Client().get(reverse("public:open-data", args=[town.city.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert DEFAULT_LICENSE_NAME in html
    assert f'href="{DEFAULT_LICENSE_URL}" rel="license"' in html
    assert f'href="{geojson_url(town)}"' in html
    assert f"/api/v1/exports/indicators.csv?scope=city%3A{town.city.slug}&amp;places=neighborhood" in html
    # The CSV link works for the public.
    start = html.index("/api/v1/exports/indicators.csv?scope=city%3A")
    link = html[start : html.index('"', start)].replace("&amp;", "&")
    csv = Client().get(link)
    assert csv.status_code == 200
    assert town.n1.slug in b"".join(csv.streaming_content).decode("utf-8-sig")
    assert Client().get(reverse("public:open-data", args=["no-such-city"])).status_code == 404
    assert Client().get(reverse("public:neighborhoods-geojson", args=["no-such-city"])).status_code == 404
