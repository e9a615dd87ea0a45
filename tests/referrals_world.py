"""A town ready for referrals: the shared `town`, a second agency (power, serving district 1 only) with
its own liaison, an agreement for water leaks, and a leak report in n1 waiting for triage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.referrals.models import AgencyKind, ServiceAgreement
from mahalat.reports.models import Report
from mahalat.reports.services import report_submit
from tests.factories import AgencyFactory, UserFactory
from tests.towns import Town

TEHRAN = ZoneInfo("Asia/Tehran")
# Saturday, a working day in Iran, at 9:00 in Tehran: deadlines in working hours are easy to read.
SATURDAY_9 = datetime(2026, 11, 28, 9, 0, tzinfo=TEHRAN)


@dataclass
class ReferralWorld:
    town: Town
    water: Any
    power: Any
    report: Report
    people: dict[str, Any]

    @property
    def city(self) -> Any:
        return self.town.city


def submit_leak(
    town: Town, *, now: datetime = SATURDAY_9, description: str = "نشت آب از لوله اصلی کوچه"
) -> Report:
    lat, lng = town.P1
    return report_submit(
        actor=town.people["citizen"],
        city=town.city,
        description=description,
        lat=lat,
        lng=lng,
        category_slug="water-leak",
        answers={"severity": "high"},
        now=now,
    )


@pytest.fixture
def referral_world(town: Town) -> ReferralWorld:
    power = AgencyFactory(city=town.city, slug="town-power", kind=AgencyKind.POWER, is_citywide=False)
    power.districts.set([town.d1])
    people = dict(town.people)
    people["power_liaison"] = UserFactory()
    role_assign(
        actor=None,
        user=people["power_liaison"],
        role=Role.AGENCY_LIAISON,
        scope_kind=ScopeKind.AGENCY,
        scope_ref="town-power",
    )
    people["other_area_officer"] = UserFactory()
    role_assign(
        actor=None,
        user=people["other_area_officer"],
        role=Role.AREA_OFFICER,
        scope_kind=ScopeKind.AREA,
        scope_ref="town-d2-a1",
    )
    ServiceAgreement.objects.create(
        city=town.city,
        agency=town.water,
        category=town.leaks,
        acknowledge_hours=4,
        answer_hours=16,
        finish_hours=40,
    )
    report = submit_leak(town)
    return ReferralWorld(town=town, water=town.water, power=power, report=report, people=people)
