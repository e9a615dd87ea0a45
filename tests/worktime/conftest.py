from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from mahalat.accounts.models import ROLE_SCOPE_KIND, Role
from mahalat.accounts.services import role_assign
from mahalat.territory.models import City
from mahalat.worktime.calendar import TEHRAN
from tests.factories import CityFactory, DistrictFactory, UserFactory


def tehran(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock moment in Tehran (Gregorian date), as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


@pytest.fixture
def city(db: None) -> City:
    return CityFactory(slug="tehran-test")


@pytest.fixture
def other_city(db: None) -> City:
    return CityFactory(slug="karaj-test")


def _holding(role: str, ref: str) -> Any:
    user = UserFactory()
    role_assign(actor=None, user=user, role=role, scope_kind=ROLE_SCOPE_KIND[role], scope_ref=ref)
    return user


@dataclass
class People:
    deputy: Any
    administrator: Any
    other_deputy: Any
    district_officer: Any
    city_council: Any
    superuser: Any
    citizen: Any


@pytest.fixture
def people(city: City, other_city: City) -> People:
    district = DistrictFactory(city=city)
    return People(
        deputy=_holding(Role.DEPUTY, city.slug),
        administrator=_holding(Role.ADMINISTRATOR, city.slug),
        other_deputy=_holding(Role.DEPUTY, other_city.slug),
        district_officer=_holding(Role.DISTRICT_OFFICER, district.slug),
        city_council=_holding(Role.CITY_COUNCIL, city.slug),
        superuser=UserFactory(is_superuser=True, is_staff=True),
        citizen=UserFactory(),
    )
