from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.referrals.models import AgencyKind
from mahalat.reports.models import Category, HandlerKind
from mahalat.territory.locate import invalidate_index
from tests.factories import (
    AgencyFactory,
    AreaFactory,
    CityFactory,
    DistrictFactory,
    NeighborhoodFactory,
    UserFactory,
    square,
)


@dataclass
class Town:
    city: Any
    d1: Any
    d2: Any
    a11: Any
    a21: Any
    n1: Any  # in d1/a11, square at (51.00, 35.00)
    n2: Any  # in d2/a21, square at (51.01, 35.00)
    n3: Any  # in d1/a11 too, square at (51.00, 35.01)
    water: Any
    lighting: Any
    leaks: Any
    people: dict[str, Any]

    P1 = (35.005, 51.005)
    P2 = (35.005, 51.015)
    P3 = (35.015, 51.005)


@pytest.fixture
def town(db: None) -> Town:
    city = CityFactory(slug="town")
    d1 = DistrictFactory(city=city, number=1, slug="town-d1")
    d2 = DistrictFactory(city=city, number=2, slug="town-d2")
    a11 = AreaFactory(district=d1, number=1, slug="town-d1-a1")
    a21 = AreaFactory(district=d2, number=1, slug="town-d2-a1")
    n1 = NeighborhoodFactory(area=a11, slug="n1", name="سرچشمه", boundary=square(51.00, 35.00))
    n2 = NeighborhoodFactory(area=a21, slug="n2", name="باغ‌بهشت", boundary=square(51.01, 35.00))
    n3 = NeighborhoodFactory(area=a11, slug="n3", name="چهارباغ", boundary=square(51.00, 35.01))
    invalidate_index()
    water = AgencyFactory(city=city, slug="town-water", kind=AgencyKind.WATER)
    lighting = Category.objects.create(
        city=city,
        slug="lighting",
        name="روشنایی معابر",
        name_en="Street lighting",
        handler_kind=HandlerKind.AREA,
        triage_hours=8,
        resolve_hours=40,
    )
    leaks = Category.objects.create(
        city=city,
        slug="water-leak",
        name="نشت آب",
        name_en="Water leak",
        handler_kind=HandlerKind.AGENCY,
        agency=water,
        triage_hours=4,
        resolve_hours=24,
        questions=[
            {
                "code": "severity",
                "label": "شدت",
                "label_en": "Severity",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "low", "name": "کم"}, {"key": "high", "name": "زیاد"}],
            }
        ],
    )
    people: dict[str, Any] = {"citizen": UserFactory(), "neighbor": UserFactory()}
    for name, role, kind, ref in [
        ("area_officer", Role.AREA_OFFICER, ScopeKind.AREA, "town-d1-a1"),
        ("district_officer", Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, "town-d1"),
        ("district_manager", Role.DISTRICT_MANAGER, ScopeKind.DISTRICT, "town-d1"),
        ("other_district_officer", Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, "town-d2"),
        ("deputy", Role.DEPUTY, ScopeKind.CITY, "town"),
        ("city_council", Role.CITY_COUNCIL, ScopeKind.CITY, "town"),
        ("liaison", Role.AGENCY_LIAISON, ScopeKind.AGENCY, "town-water"),
        ("council_chair", Role.COUNCIL_CHAIR, ScopeKind.NEIGHBORHOOD, "n1"),
    ]:
        people[name] = UserFactory()
        role_assign(actor=None, user=people[name], role=role, scope_kind=kind, scope_ref=ref)
    # An area officer of a11 who is also on the deputy's staff: sees the whole city, may handle a11 only.
    people["officer_and_deputy"] = UserFactory()
    for role, kind, ref in [
        (Role.AREA_OFFICER, ScopeKind.AREA, "town-d1-a1"),
        (Role.DEPUTY, ScopeKind.CITY, "town"),
    ]:
        role_assign(actor=None, user=people["officer_and_deputy"], role=role, scope_kind=kind, scope_ref=ref)
    return Town(city, d1, d2, a11, a21, n1, n2, n3, water, lighting, leaks, people)
