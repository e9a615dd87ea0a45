"""The role × action × scope matrix: every named permission, every role, objects inside and outside
each role's scope. Every later part of the product adds its permissions here.

The expected cells are written out by hand, not derived from the rules under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from mahalat.accounts.models import ROLE_SCOPE_KIND, Role, ScopeKind
from mahalat.accounts.rules import all_permission_names, has_permission
from mahalat.accounts.services import role_assign
from mahalat.territory.scope import Scope
from tests.factories import (
    AgencyFactory,
    AreaFactory,
    CityFactory,
    DistrictFactory,
    NeighborhoodFactory,
    UserFactory,
)

ACTORS = [
    "anonymous",
    "citizen",
    "council_member",
    "council_chair",
    "council_secretary",
    "area_officer",
    "district_officer",
    "district_manager",
    "agency_liaison",
    "deputy",
    "city_council",
    "administrator",
    "superuser",
]

TARGETS = [
    "city_a",
    "district_1",
    "area_11",
    "nbhd_111",
    "nbhd_121",
    "nbhd_211",
    "nbhd_b",
    "agency_1_item",
    "agency_2_item",
    "public_item",
    "citizen_item",
    "unit_referral_item",
]

# What each scope contains, written out: the targets inside it.
CITY_A = {t for t in TARGETS if t != "nbhd_b"}
DISTRICT_1 = {"district_1", "area_11", "nbhd_111", "nbhd_121", "agency_2_item"}
AREA_11 = {"area_11", "nbhd_111", "agency_2_item"}
NBHD_111 = {"nbhd_111", "agency_2_item"}
AGENCY_1 = {"agency_1_item"}
EVERYTHING = set(TARGETS)
COUNCIL = {"council_member": NBHD_111, "council_chair": NBHD_111, "council_secretary": NBHD_111}
DISTRICT_STAFF = {"district_officer": DISTRICT_1, "district_manager": DISTRICT_1}
CITY_WIDE_READERS = {
    "deputy": CITY_A,
    "city_council": CITY_A,
    "administrator": CITY_A,
    "superuser": EVERYTHING,
}

READ_INTERNAL = {
    **CITY_WIDE_READERS,
    **DISTRICT_STAFF,
    "area_officer": AREA_11,
    **COUNCIL,
    "agency_liaison": AGENCY_1,
}
WRITE_OPERATION = {**DISTRICT_STAFF, "area_officer": AREA_11}
CONFIGURE = {"administrator": CITY_A, "superuser": EVERYTHING}
COUNCIL_OFFICERS = {"council_chair": NBHD_111, "council_secretary": NBHD_111}
SIGNED_IN = {actor: EVERYTHING for actor in ACTORS if actor != "anonymous"}
# Referrals: the one sent from district 2 to area 11, and who receives what.
UNIT_REFERRAL = {"unit_referral_item"}
RECEIVERS = {
    "district_officer": UNIT_REFERRAL,
    "district_manager": UNIT_REFERRAL,
    "area_officer": UNIT_REFERRAL,
    "agency_liaison": AGENCY_1,
}
# Everyone on the municipality's or a council's side in city A; an agency's liaison sees its own agency.
CITY_STAFF = {
    **{
        actor: CITY_A
        for actor in ACTORS
        if actor not in {"anonymous", "citizen", "agency_liaison", "superuser"}
    },
    "agency_liaison": AGENCY_1,
    "superuser": EVERYTHING,
}

EXPECTED: dict[str, dict[str, set[str]]] = {
    "governance.read_public": {actor: {"public_item"} | READ_INTERNAL.get(actor, set()) for actor in ACTORS},
    "governance.read_internal": READ_INTERNAL,
    "governance.write_operation": WRITE_OPERATION,
    "governance.approve_escalation": {"district_manager": DISTRICT_1},
    "governance.write_policy": {"deputy": CITY_A},
    "governance.act_for_agency": {"agency_liaison": AGENCY_1},
    "governance.act_in_council": COUNCIL,
    "governance.act_on_own": {"citizen": {"citizen_item"}},
    "governance.configure": CONFIGURE,
    "territory.view_territory": dict.fromkeys(ACTORS, EVERYTHING),
    "territory.change_identity_profile": WRITE_OPERATION,
    # Identity edits are proposed by operations staff and published by the district manager (the
    # service refuses the edit's own author).
    "territory.review_identity_profile": {"district_manager": DISTRICT_1},
    "territory.import_boundaries": CONFIGURE,
    "accounts.assign_role": CONFIGURE,
    "reports.submit_report": dict.fromkeys(ACTORS, EVERYTHING),
    "reports.view_report": {
        actor: {"public_item"}
        | READ_INTERNAL.get(actor, set())
        | ({"citizen_item"} if actor == "citizen" else set())
        for actor in ACTORS
    },
    "reports.view_private_details": {k: v for k, v in READ_INTERNAL.items() if k != "agency_liaison"},
    "reports.handle_report": WRITE_OPERATION,
    "reports.confirm_resolution": {"citizen": {"citizen_item"}},
    "reports.support_report": {
        actor: {"public_item"} | READ_INTERNAL.get(actor, set()) for actor in ACTORS if actor != "anonymous"
    },
    "reports.follow_report": {
        actor: {"public_item"}
        | READ_INTERNAL.get(actor, set())
        | ({"citizen_item"} if actor == "citizen" else set())
        for actor in ACTORS
        if actor != "anonymous"
    },
    "reports.comment_report": {actor: {"public_item"} for actor in ACTORS if actor != "anonymous"},
    "reports.moderate_comment": WRITE_OPERATION,
    "reports.rate_report": {"citizen": {"citizen_item"}},
    "reports.endorse_report": COUNCIL,
    "reports.merge_report": WRITE_OPERATION,
    "reports.configure_categories": {"deputy": CITY_A, **CONFIGURE},
    "notifications.read_notification": {"citizen": {"citizen_item"}},
    "notifications.follow_neighborhood": SIGNED_IN,
    "audit.view_event": {
        "deputy": CITY_A,
        "city_council": CITY_A,
        "administrator": CITY_A,
        "superuser": EVERYTHING,
        **DISTRICT_STAFF,
    },
    # The calendar (working hours, a city's holidays) is city configuration: the deputy and the
    # administrator of the city, and superusers. (National holidays are checked with no object: only
    # superusers; see tests/worktime.)
    "worktime.change_calendar": {"deputy": CITY_A, "administrator": CITY_A, "superuser": EVERYTHING},
    # Open311 client applications (their api_keys) are city configuration: the administrator.
    "open311.manage_client": CONFIGURE,
    # Councils: a council's composition is public; the deputy authors templates and policy; the district
    # forms councils and seats members; a member resigns their own seat.
    "councils.view_council": dict.fromkeys(ACTORS, EVERYTHING),
    "councils.view_council_health": READ_INTERNAL,
    "councils.author_seat_template": {"deputy": CITY_A, **CONFIGURE},
    "councils.set_council_policy": {"deputy": CITY_A},
    "councils.form_council": DISTRICT_STAFF,
    "councils.seat_member": DISTRICT_STAFF,
    "councils.resign_membership": {"citizen": {"citizen_item"}},
    "councils.manage_working_groups": {**DISTRICT_STAFF, **COUNCIL_OFFICERS},
    # Forming a council: the district runs calls and elections; residents apply, claim residency, vote.
    "elections.view_call": {actor: {"public_item"} | READ_INTERNAL.get(actor, set()) for actor in ACTORS},
    "elections.run_call": DISTRICT_STAFF,
    "elections.apply_to_call": SIGNED_IN,
    "elections.view_application": {"citizen": {"citizen_item"}, **DISTRICT_STAFF, **CONFIGURE},
    "elections.review_application": DISTRICT_STAFF,
    "elections.claim_residency": SIGNED_IN,
    "elections.verify_residency": WRITE_OPERATION,
    "elections.run_election": DISTRICT_STAFF,
    "elections.cast_ballot": SIGNED_IN,
    "elections.view_election": {actor: {"public_item"} | READ_INTERNAL.get(actor, set()) for actor in ACTORS},
    # Meetings: officers (chair, secretary) run them, every member votes, the chair approves minutes.
    "meetings.view_meeting": {actor: {"public_item"} | READ_INTERNAL.get(actor, set()) for actor in ACTORS},
    "meetings.view_private_items": READ_INTERNAL,
    "meetings.schedule_meeting": {**COUNCIL_OFFICERS, **DISTRICT_STAFF},
    "meetings.propose_agenda_item": {**COUNCIL, **WRITE_OPERATION},
    "meetings.manage_agenda": {**COUNCIL_OFFICERS, **DISTRICT_STAFF},
    "meetings.run_meeting": COUNCIL_OFFICERS,
    "meetings.cast_vote": COUNCIL,
    "meetings.write_minutes": COUNCIL_OFFICERS,
    "meetings.approve_minutes": {"council_chair": NBHD_111},
    "meetings.view_minutes": {actor: {"public_item"} | READ_INTERNAL.get(actor, set()) for actor in ACTORS},
    # Resolutions: adopted by the council's officers, carried out by the responsible unit or agency.
    "resolutions.view_resolution": {
        actor: {"public_item"} | READ_INTERNAL.get(actor, set()) for actor in ACTORS
    },
    "resolutions.adopt_resolution": COUNCIL_OFFICERS,
    "resolutions.assign_resolution": WRITE_OPERATION,
    "resolutions.report_progress": {**WRITE_OPERATION, "agency_liaison": AGENCY_1},
    # Agencies and referrals: the registry and the agreements are policy (the deputy, the administrator);
    # the sending side is district and area staff; the receiving side is the agency's liaison or the
    # staff of the unit referred to; the deputy does nothing operational.
    "referrals.view_agency": dict.fromkeys(ACTORS, EVERYTHING),
    "referrals.view_agency_details": CITY_STAFF,
    "referrals.manage_agency": {"deputy": CITY_A, **CONFIGURE},
    "referrals.set_service_agreement": {"deputy": CITY_A, **CONFIGURE},
    "referrals.manage_integration": {"agency_liaison": AGENCY_1, **CONFIGURE},
    "referrals.view_scorecard": CITY_STAFF,
    "referrals.send_referral": WRITE_OPERATION,
    "referrals.view_referral": {
        **READ_INTERNAL,
        "district_officer": DISTRICT_1 | UNIT_REFERRAL,
        "district_manager": DISTRICT_1 | UNIT_REFERRAL,
        "area_officer": AREA_11 | UNIT_REFERRAL,
    },
    "referrals.receive_referral": RECEIVERS,
    "referrals.follow_up_referral": WRITE_OPERATION,
    "referrals.close_referral": {
        "district_officer": DISTRICT_1 | UNIT_REFERRAL,
        "district_manager": DISTRICT_1 | UNIT_REFERRAL,
        "area_officer": AREA_11 | UNIT_REFERRAL,
        "agency_liaison": AGENCY_1,
    },
    # Matrix items share nothing: a liaison sees a reporter's contact only where the sender shared it
    # (tests/referrals/test_contact_sharing.py).
    "referrals.view_reporter_contact": WRITE_OPERATION,
    "referrals.view_deliveries": {**WRITE_OPERATION, "agency_liaison": AGENCY_1, **CONFIGURE},
    # Needs assessments: district and area staff, and the deputy, author them; results are public once
    # closed; free-text answers are internal; only the district's staff propose a need to the council.
    "surveys.manage_survey": {**WRITE_OPERATION, "deputy": CITY_A},
    "surveys.view_results": {actor: {"public_item"} | READ_INTERNAL.get(actor, set()) for actor in ACTORS},
    "surveys.view_free_text": READ_INTERNAL,
    "surveys.propose_need": WRITE_OPERATION,
    # Policies and circulars: the deputy (and the administrator) writes them; the districts they are
    # addressed to acknowledge them; internal readers of the city read them, a published policy is public.
    "policies.view_policy": {
        actor: {"public_item"}
        | CITY_WIDE_READERS.get(actor, set())
        | (DISTRICT_1 if actor in {"district_officer", "district_manager", "area_officer"} else set())
        for actor in ACTORS
    },
    "policies.author_policy": {"deputy": CITY_A, **CONFIGURE},
    "policies.acknowledge_policy": DISTRICT_STAFF,
    # Programs: public; run by the district and area staff; a council's officers organize their own
    # council's programs for their neighborhood; the deputy and the city council only read.
    "programs.view_program": dict.fromkeys(ACTORS, EVERYTHING),
    "programs.manage_program": WRITE_OPERATION,
    "programs.organize_council_program": COUNCIL_OFFICERS,
    # Indicators: a territory's figures are public, an agency's internal; early warnings are internal;
    # targets are policy (the deputy, the administrator).
    "insights.view_indicators": {
        actor: {"public_item"} | READ_INTERNAL.get(actor, set()) for actor in ACTORS
    },
    "insights.view_early_warnings": READ_INTERNAL,
    "insights.set_target": {"deputy": CITY_A, **CONFIGURE},
    # News: district staff and the area officer write; the district manager reviews and publishes (the
    # service refuses the item's own author); district staff withdraw. Public reading is by state.
    "news.write_news": WRITE_OPERATION,
    "news.review_news": {"district_manager": DISTRICT_1},
    "news.withdraw_news": DISTRICT_STAFF,
}

# The deputy sets policy and watches; it never changes a district's operations. The city council reads
# and writes nothing. Spelled out apart from EXPECTED so that a later edit of a cell cannot quietly
# hand either of them an operational action.
OPERATIONAL_ACTIONS = [
    "reports.handle_report",
    "reports.merge_report",
    "reports.moderate_comment",
    "meetings.schedule_meeting",
    "meetings.manage_agenda",
    "meetings.run_meeting",
    "meetings.cast_vote",
    "meetings.write_minutes",
    "meetings.approve_minutes",
    "resolutions.adopt_resolution",
    "resolutions.assign_resolution",
    "resolutions.report_progress",
    "referrals.send_referral",
    "referrals.receive_referral",
    "referrals.follow_up_referral",
    "referrals.close_referral",
    "programs.manage_program",
    "programs.organize_council_program",
    "councils.form_council",
    "councils.seat_member",
    "elections.run_call",
    "elections.run_election",
    "news.write_news",
    "news.review_news",
    "news.withdraw_news",
    "territory.change_identity_profile",
    "territory.review_identity_profile",
]


@dataclass
class World:
    actors: dict[str, Any]
    targets: dict[str, Any]


def _item(scope: Scope, **attrs: Any) -> SimpleNamespace:
    return SimpleNamespace(scope=scope, **attrs)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module (a hundred permissions read it, none writes), rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


def _build_world() -> World:
    city_a = CityFactory(slug="city-a")
    district_1 = DistrictFactory(city=city_a, number=1)
    district_2 = DistrictFactory(city=city_a, number=2)
    area_11 = AreaFactory(district=district_1, number=1)
    area_12 = AreaFactory(district=district_1, number=2)
    area_21 = AreaFactory(district=district_2, number=1)
    nbhd_111 = NeighborhoodFactory(area=area_11)
    nbhd_121 = NeighborhoodFactory(area=area_12)
    nbhd_211 = NeighborhoodFactory(area=area_21)
    nbhd_b = NeighborhoodFactory(area=AreaFactory(district=DistrictFactory(city=CityFactory(slug="city-b"))))
    agency_1 = AgencyFactory(city=city_a)
    agency_2 = AgencyFactory(city=city_a)

    citizen = UserFactory()
    actors: dict[str, Any] = {"anonymous": AnonymousUser(), "citizen": citizen}
    scope_of_role = {
        Role.COUNCIL_MEMBER: nbhd_111.slug,
        Role.COUNCIL_CHAIR: nbhd_111.slug,
        Role.COUNCIL_SECRETARY: nbhd_111.slug,
        Role.AREA_OFFICER: area_11.slug,
        Role.DISTRICT_OFFICER: district_1.slug,
        Role.DISTRICT_MANAGER: district_1.slug,
        Role.AGENCY_LIAISON: agency_1.slug,
        Role.DEPUTY: city_a.slug,
        Role.CITY_COUNCIL: city_a.slug,
        Role.ADMINISTRATOR: city_a.slug,
    }
    kinds = ROLE_SCOPE_KIND
    for role, ref in scope_of_role.items():
        user = UserFactory()
        role_assign(actor=None, user=user, role=role, scope_kind=kinds[role], scope_ref=ref)
        actors[str(role)] = user
    actors["superuser"] = UserFactory(is_superuser=True, is_staff=True)

    targets = {
        "city_a": city_a,
        "district_1": district_1,
        "area_11": area_11,
        "nbhd_111": nbhd_111,
        "nbhd_121": nbhd_121,
        "nbhd_211": nbhd_211,
        "nbhd_b": nbhd_b,
        "agency_1_item": _item(
            Scope(
                city_id=city_a.pk,
                district_id=district_2.pk,
                area_id=area_21.pk,
                neighborhood_id=nbhd_211.pk,
                agency_id=agency_1.pk,
            ),
            receiver_scope=Scope(city_id=city_a.pk, agency_id=agency_1.pk),
        ),
        "agency_2_item": _item(
            Scope(
                city_id=city_a.pk,
                district_id=district_1.pk,
                area_id=area_11.pk,
                neighborhood_id=nbhd_111.pk,
                agency_id=agency_2.pk,
            ),
            receiver_scope=Scope(city_id=city_a.pk, agency_id=agency_2.pk),
        ),
        "public_item": _item(nbhd_211.scope, is_public=True, owner_id=None),
        # A referral from district 2 to area 11 (a municipal unit): area 11's staff receive it.
        "unit_referral_item": _item(
            nbhd_211.scope,
            receiver_scope=Scope(city_id=city_a.pk, district_id=district_1.pk, area_id=area_11.pk),
        ),
        "citizen_item": _item(nbhd_211.scope, is_public=False, owner_id=citizen.pk),
    }
    return World(actors=actors, targets=targets)


def test_matrix_covers_every_permission_and_role() -> None:
    assert set(EXPECTED) == set(all_permission_names()), "add new permissions to the matrix"
    roles_in_matrix = set(ACTORS)
    assert {str(r) for r in Role} <= roles_in_matrix


@pytest.mark.parametrize("perm", OPERATIONAL_ACTIONS)
def test_deputy_and_city_council_change_no_operation(db: None, world: World, perm: str) -> None:
    assert perm in EXPECTED, "an operational action must also be in the matrix"
    for actor_name in ("deputy", "city_council"):
        granted = [t for t in TARGETS if has_permission(world.actors[actor_name], perm, world.targets[t])]
        assert granted == [], f"{actor_name} may {perm} on {granted}"


# What any signed-in resident may do, a city council member included, in their own name.
RESIDENT_ACTIONS = {
    "reports.submit_report",
    "reports.support_report",
    "reports.follow_report",
    "reports.comment_report",
    "elections.apply_to_call",
    "elections.claim_residency",
    "elections.cast_ballot",
    "notifications.follow_neighborhood",
}


def test_city_council_reads_and_writes_nothing() -> None:
    held = {perm for perm, cells in EXPECTED.items() if cells.get("city_council")}
    writes = {
        perm for perm in held - RESIDENT_ACTIONS if not perm.split(".", 1)[1].startswith(("view_", "read_"))
    }
    assert writes == set()
    assert {"insights.view_indicators", "insights.view_early_warnings"} <= held, "it reads the dashboards"


@pytest.mark.parametrize("perm", sorted(EXPECTED))
def test_permission_matrix(db: None, world: World, perm: str) -> None:
    mismatches = []
    for actor_name in ACTORS:
        allowed = EXPECTED[perm].get(actor_name, set())
        for target_name in TARGETS:
            got = has_permission(world.actors[actor_name], perm, world.targets[target_name])
            if got != (target_name in allowed):
                mismatches.append(f"{actor_name} × {target_name}: expected {not got}, got {got}")
    assert not mismatches, f"{perm}:\n" + "\n".join(mismatches)


def test_roles_outside_their_period_or_revoked_cover_nothing(db: None) -> None:
    from mahalat.accounts.services import role_revoke

    district = DistrictFactory()
    nbhd = NeighborhoodFactory(area=AreaFactory(district=district))
    now = timezone.now()
    expired, future, revoked = UserFactory(), UserFactory(), UserFactory()
    role_assign(
        actor=None,
        user=expired,
        role=Role.DISTRICT_OFFICER,
        scope_kind=ScopeKind.DISTRICT,
        scope_ref=district.slug,
        valid_from=now - timedelta(days=30),
        valid_until=now - timedelta(days=1),
    )
    role_assign(
        actor=None,
        user=future,
        role=Role.DISTRICT_OFFICER,
        scope_kind=ScopeKind.DISTRICT,
        scope_ref=district.slug,
        valid_from=now + timedelta(days=1),
    )
    assignment = role_assign(
        actor=None,
        user=revoked,
        role=Role.DISTRICT_OFFICER,
        scope_kind=ScopeKind.DISTRICT,
        scope_ref=district.slug,
    )
    assert has_permission(revoked, "governance.write_operation", nbhd)
    role_revoke(actor=None, assignment=assignment)
    revoked.refresh_from_db()
    for user in (expired, future, revoked):
        user = type(user).objects.get(pk=user.pk)  # a fresh object, as on the next request
        assert not has_permission(user, "governance.write_operation", nbhd)
        assert not has_permission(user, "governance.read_internal", nbhd)


def test_inactive_user_holds_nothing(db: None) -> None:
    district = DistrictFactory()
    user = UserFactory()
    role_assign(
        actor=None,
        user=user,
        role=Role.DISTRICT_MANAGER,
        scope_kind=ScopeKind.DISTRICT,
        scope_ref=district.slug,
    )
    assert has_permission(user, "governance.approve_escalation", district)
    user.is_active = False
    assert not has_permission(user, "governance.approve_escalation", district)
