"""A seated council for the council, election, meeting and resolution tests: `council_world`.

Built from rows, not services, so every app's tests can rely on it whatever they test.
District 1 / area 1 / neighborhood n1 has an active council of five seated members (chair, secretary,
three members) under a five-seat template; district 2 / n2 has a council too, for out-of-scope checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.councils.models import (
    Council,
    CouncilPolicy,
    CouncilState,
    MemberRole,
    Membership,
    SeatFill,
    SeatTemplate,
    SeatType,
)
from mahalat.referrals.models import AgencyKind
from tests.factories import (
    AgencyFactory,
    AreaFactory,
    CityFactory,
    DistrictFactory,
    NeighborhoodFactory,
    UserFactory,
    square,
)

_COUNCIL_ROLE = {
    MemberRole.CHAIR: Role.COUNCIL_CHAIR,
    MemberRole.SECRETARY: Role.COUNCIL_SECRETARY,
    MemberRole.VICE_CHAIR: Role.COUNCIL_MEMBER,
    MemberRole.MEMBER: Role.COUNCIL_MEMBER,
}


@dataclass
class CouncilWorld:
    city: Any
    d1: Any
    d2: Any
    a11: Any
    n1: Any
    n2: Any
    template: SeatTemplate
    seats: dict[str, SeatType]  # by code: residents (3, elected), women (1, appointed), imam (1, ex officio)
    policy: CouncilPolicy
    council: Council  # n1's, active
    other_council: Council  # n2's, active, in district 2
    members: list[Membership]  # n1's five seated members; [0] chair, [1] secretary, [2:] members
    agency: Any
    people: dict[str, Any] = field(default_factory=dict)

    @property
    def chair(self) -> Any:
        return self.members[0].user

    @property
    def secretary(self) -> Any:
        return self.members[1].user


def seat(council: Council, *, user: Any, seat_type: SeatType, role: str = MemberRole.MEMBER) -> Membership:
    """Seat `user` with the role assignment that gives them the council's permissions."""
    assignment = role_assign(
        actor=None,
        user=user,
        role=_COUNCIL_ROLE[role],
        scope_kind=ScopeKind.NEIGHBORHOOD,
        scope_ref=council.neighborhood.slug,
    )
    return Membership.objects.create(
        council=council,
        city_id=council.city_id,
        district_id=council.district_id,
        area_id=council.area_id,
        neighborhood_id=council.neighborhood_id,
        user=user,
        seat_type=seat_type,
        role=role,
        starts_on=council.term_start,
        role_assignment=assignment,
    )


def active_council(neighborhood: Any, template: SeatTemplate, *, term_start: date) -> Council:
    return Council.objects.create(
        city_id=neighborhood.city_id,
        district_id=neighborhood.district_id,
        area_id=neighborhood.area_id,
        neighborhood=neighborhood,
        seat_template=template,
        state=CouncilState.ACTIVE,
        term_start=term_start,
        term_end=term_start + timedelta(days=730),
    )


@pytest.fixture
def council_world(db: None) -> CouncilWorld:
    city = CityFactory(slug="cw")
    d1 = DistrictFactory(city=city, number=1, slug="cw-d1")
    d2 = DistrictFactory(city=city, number=2, slug="cw-d2")
    a11 = AreaFactory(district=d1, number=1, slug="cw-d1-a1")
    a21 = AreaFactory(district=d2, number=1, slug="cw-d2-a1")
    n1 = NeighborhoodFactory(area=a11, slug="cw-n1", name="سرچشمه", boundary=square(51.00, 35.00))
    n2 = NeighborhoodFactory(area=a21, slug="cw-n2", name="باغ‌بهشت", boundary=square(51.01, 35.00))
    template = SeatTemplate.objects.create(city=city, name="ترکیب پایه", name_en="Basic", is_default=True)
    seats = {
        code: SeatType.objects.create(
            template=template, code=code, name=name, name_en=name_en, fill=fill, seats=count, position=i
        )
        for i, (code, name, name_en, fill, count) in enumerate(
            [
                ("residents", "نمایندگان ساکنان", "Residents' representatives", SeatFill.ELECTED, 3),
                ("women", "نماینده بانوان", "Women's representative", SeatFill.APPOINTED, 1),
                ("imam", "امام جماعت مسجد محله", "Imam of the neighborhood mosque", SeatFill.EX_OFFICIO, 1),
            ]
        )
    }
    policy = CouncilPolicy.objects.create(city=city, in_force_from=date(2020, 3, 20))
    term_start = timezone.localdate() - timedelta(days=200)
    council = active_council(n1, template, term_start=term_start)
    other_council = active_council(n2, template, term_start=term_start)
    layout = [
        (MemberRole.CHAIR, "residents"),
        (MemberRole.SECRETARY, "residents"),
        (MemberRole.MEMBER, "residents"),
        (MemberRole.MEMBER, "women"),
        (MemberRole.MEMBER, "imam"),
    ]
    members = [seat(council, user=UserFactory(), seat_type=seats[code], role=role) for role, code in layout]
    seat(other_council, user=UserFactory(), seat_type=seats["residents"], role=MemberRole.CHAIR)

    people: dict[str, Any] = {"citizen": UserFactory(), "resident": UserFactory()}
    for role, kind, ref, name in [
        (Role.AREA_OFFICER, ScopeKind.AREA, a11.slug, "area_officer"),
        (Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, d1.slug, "district_officer"),
        (Role.DISTRICT_MANAGER, ScopeKind.DISTRICT, d1.slug, "district_manager"),
        (Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, d2.slug, "other_district_officer"),
        (Role.DEPUTY, ScopeKind.CITY, city.slug, "deputy"),
        (Role.CITY_COUNCIL, ScopeKind.CITY, city.slug, "city_council"),
    ]:
        people[name] = UserFactory()
        role_assign(actor=None, user=people[name], role=role, scope_kind=kind, scope_ref=ref)
    agency = AgencyFactory(city=city, slug="cw-water", kind=AgencyKind.WATER)
    people["liaison"] = UserFactory()
    role_assign(
        actor=None,
        user=people["liaison"],
        role=Role.AGENCY_LIAISON,
        scope_kind=ScopeKind.AGENCY,
        scope_ref=agency.slug,
    )
    return CouncilWorld(
        city=city,
        d1=d1,
        d2=d2,
        a11=a11,
        n1=n1,
        n2=n2,
        template=template,
        seats=seats,
        policy=policy,
        council=council,
        other_council=other_council,
        members=members,
        agency=agency,
        people=people,
    )
