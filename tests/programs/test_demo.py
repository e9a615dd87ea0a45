"""The demo programs: about 150 over a year across the demo districts, deterministic and idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation

from mahalat.demo.city import CITY_SLUG
from mahalat.demo.programs_loader import load_demo_programs
from mahalat.programs.models import OrganizerKind, Program, ProgramNeighborhood, ProgramState
from mahalat.territory.locate import invalidate_index
from mahalat.territory.models import City

NOW = timezone.make_aware(datetime(2026, 4, 20, 12))  # 1405/01/31


@pytest.fixture(scope="module")
def city(django_db_setup: None, django_db_blocker: Any) -> Iterator[City]:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo_city", "--no-progress", "--no-reports", "--no-deputy", stdout=StringIO())
        invalidate_index()
        yield City.objects.get(slug=CITY_SLUG)
        transaction.set_rollback(True)
    invalidate_index()


def _fingerprint(city: City) -> list[tuple[Any, ...]]:
    return list(
        Program.objects.filter(city=city)
        .order_by("starts_at", "district_id", "title", "id")
        .values_list("title", "kind", "district_id", "starts_at", "state", "participants", "planned_budget")
    )


@pytest.mark.django_db
def test_demo_programs(city: City) -> None:
    with translation.override("en"):
        summary = load_demo_programs(city=city, now=NOW)
    assert summary.startswith("Programs: ")
    programs = list(Program.objects.filter(city=city).prefetch_related("neighborhoods"))
    assert 140 <= len(programs) <= 170
    assert {p.district_id for p in programs} == set(city.districts.values_list("id", flat=True))
    states = {state: [p for p in programs if p.state == state] for state in ProgramState.values}
    assert len(states["held"]) > 100 and len(states["planned"]) >= 5 and len(states["cancelled"]) >= 3
    assert all(p.participants is not None and p.participants > 0 for p in states["held"])
    assert all(p.spent_budget > 0 for p in states["held"])
    assert all(p.starts_at > NOW for p in states["planned"])
    assert all(p.starts_at >= NOW - timedelta(days=366) for p in programs)
    assert any(p.starts_at <= NOW + timedelta(days=35) and p.state == "planned" for p in programs)
    titles = {p.title for p in programs}
    assert {"جشن نوروزی محله", "شب یلدا در سرای محله", "جشن آغاز سال تحصیلی (مهر)"} <= titles
    assert any("عاشورا" in t for t in titles)
    for p in programs:
        neighborhoods = list(p.neighborhoods.all())
        assert neighborhoods and all(n.district_id == p.district_id for n in neighborhoods)
        assert p.neighborhood_count == len(neighborhoods)
        assert p.created_at < p.starts_at
    kinds = {p.organizer_kind for p in programs}
    assert {OrganizerKind.DISTRICT, OrganizerKind.NGO, OrganizerKind.COUNCIL} <= kinds

    # Idempotent: a second run changes nothing.
    before = _fingerprint(city), ProgramNeighborhood.objects.count()
    with translation.override("en"):
        assert "already loaded" in load_demo_programs(city=city, now=NOW)
    assert (_fingerprint(city), ProgramNeighborhood.objects.count()) == before

    # Deterministic: the same data after a fresh load.
    Program.objects.filter(city=city).delete()
    load_demo_programs(city=city, now=NOW)
    assert (_fingerprint(city), ProgramNeighborhood.objects.count()) == before


@pytest.mark.django_db
def test_demo_calendar_page(city: City, client: Any) -> None:
    load_demo_programs(city=city, now=NOW)
    response = client.get("/programs/", {"city": CITY_SLUG, "month": "1405-01"})
    assert response.status_code == 200
    assert "جشن نوروزی محله" in response.content.decode()
