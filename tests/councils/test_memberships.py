from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mahalat.accounts.models import Role, RoleAssignment
from mahalat.accounts.rules import has_permission
from mahalat.councils.models import (
    Council,
    CouncilState,
    MemberRole,
    Membership,
    MembershipEnd,
    SeatFill,
    SeatTemplate,
    SeatType,
    WorkingGroup,
)
from mahalat.councils.selectors import seated_members, vacant_seats
from mahalat.councils.services import (
    council_renew,
    council_transition,
    membership_end,
    membership_replace_from_runners_up,
    membership_seat,
    membership_set_role,
    working_group_member_add,
    working_group_member_remove,
    working_group_save,
    working_groups_create_defaults,
)
from mahalat.errors import ConflictError
from mahalat.notifications.models import Notification
from tests.councils.conftest import make_candidates
from tests.councils_world import CouncilWorld
from tests.factories import UserFactory

R = MemberRole


def _free_resident_seat(w: CouncilWorld) -> Membership:
    """End the plain resident member's seat, leaving one resident seat vacant."""
    return membership_end(
        actor=w.people["district_officer"], membership=w.members[2], reason=MembershipEnd.REMOVED
    )


def test_seating_creates_the_membership_the_role_assignment_and_a_notice(council_world: CouncilWorld) -> None:
    w = council_world
    _free_resident_seat(w)
    person = UserFactory()
    m = membership_seat(
        actor=w.people["district_officer"], council=w.council, user=person, seat_type=w.seats["residents"]
    )
    assert m.role_assignment.role == Role.COUNCIL_MEMBER
    assert m.role_assignment.neighborhood_id == w.n1.pk
    assert (m.district_id, m.neighborhood_id, m.starts_on) == (w.d1.pk, w.n1.pk, timezone.localdate())
    assert has_permission(person, "governance.act_in_council", w.council)
    assert Notification.objects.filter(recipient=person, kind="councils.membership.seated").exists()


def test_no_seat_without_a_vacancy(council_world: CouncilWorld) -> None:
    w = council_world
    assert vacant_seats(council=w.council) == []
    with pytest.raises(ValidationError) as exc:
        membership_seat(
            actor=w.people["district_officer"],
            council=w.council,
            user=UserFactory(),
            seat_type=w.seats["women"],
        )
    assert "taken" in exc.value.message_dict["seat_type"][0]


def test_no_seat_of_another_template(council_world: CouncilWorld) -> None:
    w = council_world
    other = SeatTemplate.objects.create(city=w.city, name="دیگر", name_en="Other")
    foreign = SeatType.objects.create(
        template=other, code="youth", name="جوانان", name_en="Youth", fill="elected"
    )
    with pytest.raises(ValidationError) as exc:
        membership_seat(
            actor=w.people["district_officer"], council=w.council, user=UserFactory(), seat_type=foreign
        )
    assert "seat_type" in exc.value.message_dict


def test_one_seat_per_person(council_world: CouncilWorld) -> None:
    w = council_world
    _free_resident_seat(w)
    with pytest.raises(ValidationError) as exc:
        membership_seat(
            actor=w.people["district_officer"],
            council=w.council,
            user=w.chair,
            seat_type=w.seats["residents"],
        )
    assert "already has a seat" in exc.value.message_dict["user"][0]


def test_one_chair_at_a_time_in_the_service_and_the_database(council_world: CouncilWorld) -> None:
    w = council_world
    _free_resident_seat(w)
    with pytest.raises(ValidationError) as exc:
        membership_seat(
            actor=w.people["district_officer"],
            council=w.council,
            user=UserFactory(),
            seat_type=w.seats["residents"],
            role=R.CHAIR,
        )
    assert "already has a Chair" in exc.value.message_dict["role"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=w.members[3].pk).update(role=R.CHAIR)
    with pytest.raises(ValidationError):
        membership_set_role(actor=w.people["district_officer"], membership=w.members[3], role=R.SECRETARY)


def test_ex_officio_seat_names_its_office(council_world: CouncilWorld) -> None:
    w = council_world
    membership_end(actor=w.people["district_officer"], membership=w.members[4], reason=MembershipEnd.DECEASED)
    with pytest.raises(ValidationError) as exc:
        membership_seat(
            actor=w.people["district_officer"],
            council=w.council,
            user=UserFactory(),
            seat_type=w.seats["imam"],
        )
    assert "office" in exc.value.message_dict
    m = membership_seat(
        actor=w.people["district_officer"],
        council=w.council,
        user=UserFactory(),
        seat_type=w.seats["imam"],
        office="امام جماعت مسجد جامع",
    )
    assert m.office == "امام جماعت مسجد جامع"


def test_no_seating_on_a_suspended_council_and_none_from_another_district(
    council_world: CouncilWorld,
) -> None:
    w = council_world
    _free_resident_seat(w)
    with pytest.raises(PermissionDenied):
        membership_seat(
            actor=w.people["other_district_officer"],
            council=w.council,
            user=UserFactory(),
            seat_type=w.seats["residents"],
        )
    with pytest.raises(PermissionDenied):
        membership_seat(
            actor=w.people["deputy"], council=w.council, user=UserFactory(), seat_type=w.seats["residents"]
        )
    council_transition(
        actor=w.people["district_officer"], council=w.council, to=CouncilState.SUSPENDED, reason="x"
    )
    with pytest.raises(ConflictError):
        membership_seat(
            actor=w.people["district_officer"],
            council=w.council,
            user=UserFactory(),
            seat_type=w.seats["residents"],
        )


def _chain(w: CouncilWorld, person: object, terms: int) -> Council:
    """`terms` consecutive past terms of n1's council with `person` seated on each; the next one, forming."""
    officer = w.people["district_officer"]
    council = w.council
    for term in range(terms):
        if term > 0:
            council_transition(
                actor=officer, council=council, to=CouncilState.ACTIVE, term_start=timezone.localdate()
            )
        if not council.memberships.filter(user=person, ends_on__isnull=True).exists():
            if term == 0:
                membership_end(actor=officer, membership=w.members[2], reason=MembershipEnd.REMOVED)
            membership_seat(actor=officer, council=council, user=person, seat_type=w.seats["residents"])
        council_transition(actor=officer, council=council, to=CouncilState.TERM_ENDED)
        council = council_renew(actor=officer, council=council)
    return council


def test_the_consecutive_terms_limit_follows_the_predecessor_chain(council_world: CouncilWorld) -> None:
    w = council_world
    officer = w.people["district_officer"]
    veteran = UserFactory()
    third = _chain(w, veteran, 2)  # the policy allows two terms in a row
    assert third.term_number == 3 and third.predecessor.predecessor_id == w.council.pk
    with pytest.raises(ValidationError) as exc:
        membership_seat(actor=officer, council=third, user=veteran, seat_type=w.seats["residents"])
    assert "2 terms in a row" in exc.value.message_dict["user"][0]
    # Someone who sat only on the last term may sit again.
    newcomer_seated = membership_seat(
        actor=officer, council=third, user=w.members[3].user, seat_type=w.seats["residents"]
    )
    assert newcomer_seated.pk


def test_a_break_resets_the_consecutive_count(council_world: CouncilWorld) -> None:
    w = council_world
    officer = w.people["district_officer"]
    third = _chain(w, w.members[3].user, 1)  # sat on term 1 only
    council_transition(actor=officer, council=third, to=CouncilState.ACTIVE, term_start=timezone.localdate())
    council_transition(actor=officer, council=third, to=CouncilState.TERM_ENDED)
    fourth = council_renew(actor=officer, council=third)  # term 3 without them
    seated = membership_seat(
        actor=officer, council=fourth, user=w.members[3].user, seat_type=w.seats["residents"]
    )
    assert seated.council == fourth


def test_changing_the_role_moves_the_role_assignment(council_world: CouncilWorld) -> None:
    w = council_world
    officer = w.people["district_officer"]
    member = w.members[2]
    old_assignment = member.role_assignment
    membership_end(actor=officer, membership=w.members[0], reason=MembershipEnd.REMOVED)
    updated = membership_set_role(actor=officer, membership=member, role=R.CHAIR)
    old_assignment.refresh_from_db()
    assert old_assignment.revoked_at is not None
    assert updated.role_assignment.role == Role.COUNCIL_CHAIR and updated.role_assignment.revoked_at is None
    assert has_permission(member.user, "meetings.approve_minutes", w.council)
    with pytest.raises(ValidationError):
        membership_set_role(actor=officer, membership=member, role="president")
    with pytest.raises(PermissionDenied):
        membership_set_role(actor=w.chair, membership=w.members[3], role=R.VICE_CHAIR)


def test_resigning_is_only_for_ones_own_seat(council_world: CouncilWorld) -> None:
    w = council_world
    secretary = w.members[1]
    with pytest.raises(PermissionDenied):
        membership_end(actor=w.chair, membership=secretary, reason=MembershipEnd.RESIGNED)
    with pytest.raises(PermissionDenied):
        membership_end(
            actor=w.people["district_officer"], membership=secretary, reason=MembershipEnd.RESIGNED
        )
    ended = membership_end(actor=w.secretary, membership=secretary, reason=MembershipEnd.RESIGNED)
    assert ended.ended_reason == MembershipEnd.RESIGNED and ended.ends_on == timezone.localdate()
    assert not RoleAssignment.objects.active().filter(pk=secretary.role_assignment_id).exists()
    assert not has_permission(w.secretary, "meetings.run_meeting", w.council)
    assert Notification.objects.filter(
        recipient=w.people["district_officer"], kind="councils.membership.resigned"
    ).exists()
    with pytest.raises(ConflictError):
        membership_end(actor=w.secretary, membership=secretary, reason=MembershipEnd.RESIGNED)


def test_a_member_cannot_remove_another_nor_end_before_the_start(council_world: CouncilWorld) -> None:
    w = council_world
    with pytest.raises(PermissionDenied):
        membership_end(actor=w.chair, membership=w.members[2], reason=MembershipEnd.REMOVED)
    with pytest.raises(ValidationError):
        membership_end(
            actor=w.people["district_officer"],
            membership=w.members[2],
            reason=MembershipEnd.REMOVED,
            on=w.members[2].starts_on - timedelta(days=1),
        )
    with pytest.raises(ValidationError):
        membership_end(actor=w.people["district_officer"], membership=w.members[2], reason="fired")
    assert Membership.objects.get(pk=w.members[2].pk).ends_on is None


def test_replacement_from_the_runners_up(council_world: CouncilWorld) -> None:
    w = council_world
    officer = w.people["district_officer"]
    winners = [m.user for m in w.members[:3]]
    runner_up_seated_elsewhere, runner_up = w.members[3].user, UserFactory()
    election = make_candidates(w, [*winners, runner_up_seated_elsewhere, runner_up], elected=3)
    Membership.objects.filter(pk__in=[m.pk for m in w.members[:3]]).update(election=election)
    gone = membership_end(actor=w.members[2].user, membership=w.members[2], reason=MembershipEnd.RESIGNED)
    with pytest.raises(ConflictError):
        membership_replace_from_runners_up(actor=officer, membership=w.members[0])  # still seated
    with pytest.raises(PermissionDenied):
        membership_replace_from_runners_up(actor=w.people["other_district_officer"], membership=gone)
    replacement = membership_replace_from_runners_up(actor=officer, membership=gone)
    assert replacement is not None
    # Rank 4 already sits on the council (women's seat), so rank 5 takes the seat.
    assert (replacement.user, replacement.replaces, replacement.election) == (runner_up, gone, election)
    assert replacement.seat_type == w.seats["residents"]
    with pytest.raises(ConflictError):
        membership_replace_from_runners_up(actor=officer, membership=gone)


def test_no_runner_up_left_gives_none(council_world: CouncilWorld) -> None:
    w = council_world
    election = make_candidates(w, [m.user for m in w.members[:3]], elected=3)
    Membership.objects.filter(pk=w.members[2].pk).update(election=election)
    gone = membership_end(
        actor=w.people["district_officer"], membership=w.members[2], reason=MembershipEnd.REMOVED
    )
    assert membership_replace_from_runners_up(actor=w.people["district_officer"], membership=gone) is None
    unelected = membership_end(
        actor=w.people["district_officer"], membership=w.members[3], reason=MembershipEnd.REMOVED
    )
    with pytest.raises(ValidationError):
        membership_replace_from_runners_up(actor=w.people["district_officer"], membership=unelected)


def test_seated_members_come_officers_first_and_vacancies_count(council_world: CouncilWorld) -> None:
    w = council_world
    membership_set_role(actor=w.people["district_officer"], membership=w.members[4], role=R.VICE_CHAIR)
    order = [m.role for m in seated_members(council=w.council)]
    assert order == [R.CHAIR, R.VICE_CHAIR, R.SECRETARY, R.MEMBER, R.MEMBER]
    _free_resident_seat(w)
    assert [(st.code, n) for st, n in vacant_seats(council=w.council)] == [("residents", 1)]


def test_working_groups(council_world: CouncilWorld) -> None:
    w = council_world
    groups = working_groups_create_defaults(actor=w.secretary, council=w.council)
    assert len(groups) == 6
    assert working_groups_create_defaults(actor=w.people["district_officer"], council=w.council) == []
    health = WorkingGroup.objects.get(council=w.council, kind="health")
    updated = working_group_save(
        actor=w.chair, council=w.council, group=health, name=health.name, kind="health", lead=w.members[3]
    )
    assert updated.lead == w.members[3] and w.members[3] in updated.members.all()
    working_group_member_add(actor=w.chair, group=health, membership=w.members[4])
    assert health.members.count() == 2
    with pytest.raises(ValidationError):  # not a member of this council
        working_group_member_add(actor=w.chair, group=health, membership=w.other_council.memberships.first())
    with pytest.raises(ValidationError):  # names are unique per council
        working_group_save(actor=w.chair, council=w.council, name=health.name, kind="other")
    with pytest.raises(PermissionDenied):  # a plain member does not manage them
        working_group_save(actor=w.members[2].user, council=w.council, name="تازه", kind="other")
    with pytest.raises(PermissionDenied):
        working_groups_create_defaults(actor=w.people["other_district_officer"], council=w.council)
    working_group_member_remove(actor=w.chair, group=health, membership=w.members[3])
    health.refresh_from_db()
    assert health.lead is None and health.members.count() == 1


def test_seat_fill_values_match_the_template(council_world: CouncilWorld) -> None:
    assert council_world.seats["imam"].fill == SeatFill.EX_OFFICIO
