"""GET /api/v1/resolutions: shape, filters, who sees private ones, and a bounded number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mahalat.resolutions.models import ResolutionState, ResponsibleKind
from tests.resolutions.conftest import bulk_resolutions, make_report

pytestmark = pytest.mark.django_db

URL = "/api/v1/resolutions"


def test_shape_of_a_resolution(client: Client, council_world: Any, adopt: Any) -> None:
    report = make_report(council_world.n1, reporter=council_world.people["resident"])
    hidden_report = make_report(council_world.n1, reporter=council_world.people["citizen"], is_public=False)
    resolution = adopt(
        kind=ResponsibleKind.AGENCY, agency=council_world.agency, report_ids=(report.pk, hidden_report.pk)
    )
    response = client.get(URL, {"council": council_world.council.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == resolution.pk
    assert item["number"] == f"{resolution.jalali_year}/001"
    assert item["council"] == council_world.council.pk and item["neighborhood"] == council_world.n1.slug
    assert item["meeting"] == resolution.meeting_id
    assert item["vote"] == {"for": 4, "against": 1, "abstain": 0, "base": 5, "method": "simple"}
    assert item["responsible"]["kind"] == "agency"
    assert item["responsible"]["agency_slug"] == council_world.agency.slug
    assert item["deadline"] == resolution.deadline.isoformat()
    assert (item["state"], item["progress"], item["overdue"], item["escalation_level"]) == (
        "adopted",
        0,
        False,
        0,
    )
    assert item["milestones"] == []
    assert item["reports"] == [report.tracking_code]  # the private report is not named
    one = client.get(f"{URL}/{resolution.pk}")
    assert one.status_code == 200 and one.json()["id"] == resolution.pk
    assert client.get(f"{URL}/999999").status_code == 404


def test_filters_and_private_ones(client: Client, council_world: Any) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    bulk_resolutions(council_world.council, 3)
    bulk_resolutions(council_world.council, 2, start=10, deadline=yesterday, state=ResolutionState.ASSIGNED)
    bulk_resolutions(
        council_world.council,
        1,
        start=20,
        responsible_kind=ResponsibleKind.AGENCY,
        responsible_agency=council_world.agency,
        state=ResolutionState.DONE,
    )
    bulk_resolutions(council_world.council, 1, start=30, is_public=False)
    bulk_resolutions(council_world.other_council, 2)

    def count(**params: Any) -> int:
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return response.json()["count"]

    assert count() == 8
    assert count(council=council_world.council.pk) == 6
    assert count(neighborhood=council_world.n2.slug) == 2
    assert count(overdue="true") == 2
    assert count(overdue="false") == 6
    assert count(state="assigned,done") == 3
    assert count(responsible_agency=council_world.agency.slug) == 1
    assert count(year=1404) == 0
    client.force_login(council_world.people["district_officer"])
    assert count(council=council_world.council.pk) == 7  # the private one is theirs to read
    client.force_login(council_world.people["other_district_officer"])
    assert count(council=council_world.council.pk) == 6


def test_bad_filters_are_422(client: Client, council_world: Any) -> None:
    for params in (
        {"state": "finished"},
        {"council": "abc"},
        {"overdue": "perhaps"},
        {"responsible_kind": "x"},
    ):
        response = client.get(URL, params)
        assert response.status_code == 422, params
        assert response.json()["code"] == "invalid"


def test_query_count_is_bounded(
    client: Client, council_world: Any, django_assert_max_num_queries: Any
) -> None:
    bulk_resolutions(council_world.council, 60)
    client.force_login(council_world.people["district_officer"])
    with django_assert_max_num_queries(10):
        response = client.get(URL, {"page": 2})
    assert response.status_code == 200
    assert response.json()["count"] == 60 and len(response.json()["items"]) == 10
    assert all(
        len(item["milestones"]) == 2 and len(item["reports"]) == 1 for item in response.json()["items"]
    )
