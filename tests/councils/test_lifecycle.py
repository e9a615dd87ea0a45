from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mahalat.accounts.models import RoleAssignment
from mahalat.audit.models import Event
from mahalat.councils.models import Council, CouncilState, CouncilTransition, MembershipEnd, SeatTemplate
from mahalat.councils.services import (
    TransitionNotAllowed,
    add_months,
    council_create,
    council_renew,
    council_transition,
    councils_end_expired_terms,
)
from mahalat.councils.workflow import TRANSITIONS, allowed_targets
from mahalat.errors import ConflictError
from mahalat.notifications.models import Notification
from tests.councils_world import CouncilWorld
from tests.factories import NeighborhoodFactory, square

S = CouncilState


def _fresh(w: CouncilWorld) -> Council:
    """A forming council in a new neighborhood of area a11."""
    n = NeighborhoodFactory(
        area=w.a11, slug=f"cw-n{Council.objects.count() + 10}", boundary=square(51.02, 35.02)
    )
    return council_create(actor=w.people["district_officer"], neighborhood=n)


def _to(w: CouncilWorld, council: Council, state: str) -> Council:
    """Bring a forming council to `state` along the table."""
    officer = w.people["district_officer"]
    path = {
        S.FORMING: [],
        S.ACTIVE: [(S.ACTIVE, {})],
        S.SUSPENDED: [(S.ACTIVE, {}), (S.SUSPENDED, {"reason": "بررسی"})],
        S.TERM_ENDED: [(S.ACTIVE, {}), (S.TERM_ENDED, {})],
        S.DISSOLVED: [(S.DISSOLVED, {"reason": "انحلال"})],
    }[state]
    for target, extra in path:
        if target == S.ACTIVE:
            extra = {"term_start": timezone.localdate()}
        council = council_transition(actor=officer, council=council, to=target, **extra)
    return council


def test_create_uses_the_city_default_template_and_numbers_the_term(council_world: CouncilWorld) -> None:
    council = _fresh(council_world)
    assert council.state == S.FORMING
    assert council.seat_template == council_world.template
    assert council.term_number == 1
    assert council.district_id == council_world.d1.pk
    assert Event.objects.filter(action="councils.council.created", object_id=str(council.pk)).exists()


@pytest.mark.parametrize(
    ("frm", "to"), sorted((f, t) for (f, t), r in TRANSITIONS.items() if not r.via_renew_only)
)
def test_every_allowed_transition_is_applied_and_recorded(
    council_world: CouncilWorld, frm: str, to: str
) -> None:
    w = council_world
    council = _to(w, _fresh(w), frm)
    extra: dict[str, object] = {}
    if TRANSITIONS[(frm, to)].requires == ("reason",):
        extra["reason"] = "دلیل"
    if "term_start" in TRANSITIONS[(frm, to)].requires:
        extra["term_start"] = date(2026, 3, 21)
    result = council_transition(actor=w.people["district_officer"], council=council, to=to, **extra)
    assert result.state == to
    row = CouncilTransition.objects.filter(council=council).last()
    assert (row.from_state, row.to_state, row.actor) == (frm, to, w.people["district_officer"])
    assert Event.objects.filter(action=f"councils.council.{to}", object_id=str(council.pk)).exists()


def test_activating_sets_the_term_from_the_policy(council_world: CouncilWorld) -> None:
    w = council_world
    council = council_transition(
        actor=w.people["district_officer"], council=_fresh(w), to=S.ACTIVE, term_start=date(2026, 8, 31)
    )
    assert council.term_start == date(2026, 8, 31)
    assert council.term_end == date(2028, 8, 31)  # the policy's 24 months
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_activating_needs_a_term_start_and_an_end_after_it(council_world: CouncilWorld) -> None:
    w = council_world
    council = _fresh(w)
    with pytest.raises(ValidationError) as missing:
        council_transition(actor=w.people["district_officer"], council=council, to=S.ACTIVE)
    assert "term_start" in missing.value.message_dict
    with pytest.raises(ValidationError) as backwards:
        council_transition(
            actor=w.people["district_officer"],
            council=council,
            to=S.ACTIVE,
            term_start=date(2026, 1, 1),
            term_end=date(2025, 1, 1),
        )
    assert "term_end" in backwards.value.message_dict
    council.refresh_from_db()
    assert council.state == S.FORMING and council.term_start is None


def test_a_transition_not_in_the_table_is_refused_with_a_conflict(council_world: CouncilWorld) -> None:
    w = council_world
    assert allowed_targets(S.TERM_ENDED) == []
    with pytest.raises(TransitionNotAllowed, match="cannot become"):
        council_transition(actor=w.people["district_officer"], council=_fresh(w), to=S.TERM_ENDED)
    with pytest.raises(TransitionNotAllowed, match="renew"):
        council_transition(
            actor=w.people["district_officer"], council=_to(w, _fresh(w), S.TERM_ENDED), to=S.RENEWED
        )
    assert issubclass(TransitionNotAllowed, ConflictError) and TransitionNotAllowed.status == 409


def test_suspension_and_dissolution_need_a_reason(council_world: CouncilWorld) -> None:
    w = council_world
    with pytest.raises(ValidationError) as exc:
        council_transition(actor=w.people["district_officer"], council=w.council, to=S.SUSPENDED, reason="  ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        council_transition(
            actor=w.people["district_officer"], council=w.council, to=S.DISSOLVED, reason="x" * 2001
        )
    w.council.refresh_from_db()
    assert w.council.state == S.ACTIVE


def test_expected_state_refuses_a_change_made_meanwhile(council_world: CouncilWorld) -> None:
    w = council_world
    council_transition(actor=w.people["district_manager"], council=w.council, to=S.SUSPENDED, reason="الف")
    with pytest.raises(ConflictError, match="changed while you were looking"):
        council_transition(
            actor=w.people["district_officer"],
            council=w.council,
            to=S.SUSPENDED,
            reason="ب",
            expected_state=S.ACTIVE,
        )


def test_only_the_councils_district_changes_its_state(council_world: CouncilWorld) -> None:
    w = council_world
    for name in ["other_district_officer", "deputy", "city_council", "area_officer", "citizen"]:
        with pytest.raises(PermissionDenied):
            council_transition(actor=w.people[name], council=w.council, to=S.SUSPENDED, reason="x")
    with pytest.raises(PermissionDenied):
        council_transition(actor=w.chair, council=w.council, to=S.SUSPENDED, reason="x")
    with pytest.raises(PermissionDenied):
        council_create(actor=w.people["other_district_officer"], neighborhood=w.n1)
    w.council.refresh_from_db()
    assert w.council.state == S.ACTIVE


def test_one_current_council_per_neighborhood_in_the_service(council_world: CouncilWorld) -> None:
    w = council_world
    with pytest.raises(ValidationError) as exc:
        council_create(actor=w.people["district_officer"], neighborhood=w.n1)
    assert "already has a council" in exc.value.message_dict["neighborhood"][0]
    assert Council.objects.filter(neighborhood=w.n1).count() == 1


def test_one_current_council_per_neighborhood_in_the_database(council_world: CouncilWorld) -> None:
    w = council_world
    with pytest.raises(IntegrityError), transaction.atomic():
        Council.objects.create(
            city_id=w.n1.city_id,
            district_id=w.n1.district_id,
            area_id=w.n1.area_id,
            neighborhood=w.n1,
            seat_template=w.template,
            term_number=2,
        )


def test_ending_the_term_ends_every_seat_and_revokes_the_roles(council_world: CouncilWorld) -> None:
    w = council_world
    council_transition(actor=w.people["district_officer"], council=w.council, to=S.TERM_ENDED)
    memberships = list(w.council.memberships.all())
    assert {m.ended_reason for m in memberships} == {MembershipEnd.TERM_ENDED}
    assert (
        not RoleAssignment.objects.active()
        .filter(pk__in=[m.role_assignment_id for m in memberships])
        .exists()
    )
    # Members and the district's staff heard of it; the officer who did it did not.
    recipients = set(
        Notification.objects.filter(kind="councils.council.term_ended").values_list("recipient", flat=True)
    )
    assert {m.user_id for m in memberships} | {w.people["district_manager"].pk} <= recipients
    assert w.people["district_officer"].pk not in recipients


def test_dissolving_ends_seats_as_dissolved(council_world: CouncilWorld) -> None:
    w = council_world
    council_transition(actor=w.people["district_officer"], council=w.council, to=S.DISSOLVED, reason="تخلف")
    assert set(w.council.memberships.values_list("ended_reason", flat=True)) == {MembershipEnd.DISSOLVED}
    w.council.refresh_from_db()
    assert w.council.state_reason == "تخلف"


def test_renewal_opens_the_next_term(council_world: CouncilWorld) -> None:
    w = council_world
    with pytest.raises(TransitionNotAllowed):
        council_renew(actor=w.people["district_officer"], council=w.council)
    council_transition(actor=w.people["district_officer"], council=w.council, to=S.TERM_ENDED)
    with pytest.raises(PermissionDenied):
        council_renew(actor=w.people["other_district_officer"], council=w.council)
    successor = council_renew(actor=w.people["district_officer"], council=w.council)
    w.council.refresh_from_db()
    assert w.council.state == S.RENEWED
    assert (successor.state, successor.term_number, successor.predecessor_id) == (S.FORMING, 2, w.council.pk)
    assert successor.seat_template == w.template
    assert CouncilTransition.objects.filter(council=w.council, to_state=S.RENEWED).exists()


def test_renewal_takes_the_new_default_template(council_world: CouncilWorld) -> None:
    w = council_world
    SeatTemplate.objects.filter(pk=w.template.pk).update(is_default=False)
    newer = SeatTemplate.objects.create(city=w.city, name="تازه", name_en="New", is_default=True)
    council_transition(actor=w.people["district_officer"], council=w.council, to=S.TERM_ENDED)
    assert council_renew(actor=w.people["district_officer"], council=w.council).seat_template == newer


def test_expired_terms_are_ended_by_the_job(council_world: CouncilWorld) -> None:
    w = council_world
    Council.objects.filter(pk=w.council.pk).update(term_end=timezone.localdate() - timedelta(days=1))
    assert councils_end_expired_terms() == 1
    w.council.refresh_from_db()
    w.other_council.refresh_from_db()
    assert (w.council.state, w.other_council.state) == (S.TERM_ENDED, S.ACTIVE)
    assert CouncilTransition.objects.get(council=w.council).actor is None
    assert councils_end_expired_terms() == 0


def test_the_system_cannot_suspend(council_world: CouncilWorld) -> None:
    with pytest.raises(PermissionDenied):
        council_transition(actor=None, council=council_world.council, to=S.SUSPENDED, reason="x")
