"""Running a meeting: opening (seated members and quorum fixed), attendance, quorum, votes, closing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mahalat.councils.models import CouncilPolicy
from mahalat.errors import ConflictError
from mahalat.meetings import services
from mahalat.meetings.models import AgendaItem, Attendance, Meeting, MemberVote, Minutes
from tests.meetings.conftest import item_on, open_meeting, open_vote, schedule

pytestmark = pytest.mark.django_db


def test_opening_fixes_the_seated_members_and_the_quorum_in_force(world) -> None:
    CouncilPolicy.objects.create(
        city=world.city, in_force_from=date(2021, 1, 1), quorum_numerator=2, quorum_denominator=3
    )
    meeting = services.meeting_transition(actor=world.secretary, meeting=schedule(world), to="in_session")
    assert (meeting.seated_members, meeting.quorum_numerator, meeting.quorum_denominator) == (5, 2, 3)
    assert meeting.quorum_required == 4  # more than two thirds of five
    assert Attendance.objects.filter(meeting=meeting, status="absent").count() == 5
    assert meeting.had_quorum is False


@pytest.mark.parametrize("who", ["member", "district_officer", "deputy"])
def test_only_officers_open_a_meeting(world, who: str) -> None:
    actor = world.members[3].user if who == "member" else world.people[who]
    meeting = schedule(world)
    with pytest.raises(PermissionDenied):
        services.meeting_transition(actor=actor, meeting=meeting, to="in_session")
    assert Meeting.objects.get(pk=meeting.pk).state == "scheduled"


def test_out_of_order_transitions_are_conflicts(world) -> None:
    meeting = schedule(world)
    with pytest.raises(ConflictError):
        services.meeting_transition(actor=world.secretary, meeting=meeting, to="closed")
    with pytest.raises(ConflictError):
        services.meeting_transition(
            actor=world.secretary, meeting=meeting, to="in_session", expected_state="closed"
        )
    assert Meeting.objects.get(pk=meeting.pk).state == "scheduled"


def test_no_vote_opens_without_quorum(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting, present=(0, 1))  # 2 of 5: quorum is 3
    with pytest.raises(ConflictError, match=r"quorum|حد نصاب"):
        open_vote(world, item)
    assert AgendaItem.objects.get(pk=item.pk).state == "scheduled"
    services.attendance_record(
        actor=world.secretary, meeting=meeting, membership=world.members[2], status="present"
    )
    assert open_vote(world, item).state == "voting"
    assert Meeting.objects.get(pk=meeting.pk).had_quorum is True


def test_attendance_is_frozen_while_a_vote_is_open(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting)
    open_vote(world, item)
    with pytest.raises(ConflictError):
        services.attendance_record(
            actor=world.secretary, meeting=meeting, membership=world.members[0], status="absent"
        )
    assert Attendance.objects.get(meeting=meeting, membership=world.members[0]).status == "present"


def test_attendance_only_in_session_and_with_known_statuses(world) -> None:
    meeting = schedule(world)
    with pytest.raises(ConflictError):
        services.attendance_record(
            actor=world.secretary, meeting=meeting, membership=world.members[0], status="present"
        )
    open_meeting(world, meeting, present=())
    with pytest.raises(ValidationError):
        services.attendance_record(
            actor=world.secretary, meeting=meeting, membership=world.members[0], status="guest"
        )
    with pytest.raises(PermissionDenied):
        services.attendance_record(
            actor=world.members[3].user, meeting=meeting, membership=world.members[3], status="present"
        )
    guest = services.attendance_add_guest(
        actor=world.secretary, meeting=meeting, name="مهندس رضایی", affiliation="آبفا"
    )
    assert guest.status == "guest" and guest.membership_id is None
    with pytest.raises(ValidationError):
        services.attendance_add_guest(actor=world.secretary, meeting=meeting, name=" ")


def test_votes_count_and_decide_with_the_stored_base(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting, present=(0, 1, 2, 3))
    open_vote(world, item, majority="two_thirds")
    for index, choice in [(0, "for"), (1, "for"), (2, "against"), (3, "abstain")]:
        services.vote_cast(actor=world.members[index].user, item=item, choice=choice)
    item = services.agenda_item_transition(
        actor=world.chair, item=item, to="decided", expected_state="voting"
    )
    item = AgendaItem.objects.get(pk=item.pk)
    assert (item.votes_for, item.votes_against, item.votes_abstain) == (2, 1, 1)
    assert (item.majority, item.vote_base, item.votes_needed, item.adopted) == ("two_thirds", 4, 3, False)
    assert item.vote_closed_at is not None
    assert sorted(MemberVote.objects.filter(item=item).values_list("choice", flat=True)) == [
        "abstain",
        "against",
        "for",
        "for",
    ]


def test_voting_rules(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting, present=(0, 1, 2))
    with pytest.raises(ConflictError):  # not open yet
        services.vote_cast(actor=world.members[0].user, item=item, choice="for")
    open_vote(world, item)
    with pytest.raises(PermissionDenied):  # absent member
        services.vote_cast(actor=world.members[4].user, item=item, choice="for")
    with pytest.raises(PermissionDenied):  # not a member
        services.vote_cast(actor=world.people["district_officer"], item=item, choice="for")
    with pytest.raises(PermissionDenied):  # a member of another council
        services.vote_cast(actor=world.other_council.memberships.get().user, item=item, choice="for")
    with pytest.raises(ValidationError):
        services.vote_cast(actor=world.members[0].user, item=item, choice="maybe")
    services.vote_cast(actor=world.members[0].user, item=item, choice="for")
    with pytest.raises(ConflictError):  # twice
        services.vote_cast(actor=world.members[0].user, item=item, choice="against")
    services.agenda_item_transition(actor=world.secretary, item=item, to="decided")
    with pytest.raises(ConflictError):  # after close
        services.vote_cast(actor=world.members[1].user, item=item, choice="for")
    with pytest.raises(ConflictError):  # the result cannot change
        services.agenda_item_transition(
            actor=world.secretary, item=item, to="voting", vote_mode="open", majority="simple"
        )
    item = AgendaItem.objects.get(pk=item.pk)
    assert (item.votes_for, item.votes_against, MemberVote.objects.filter(item=item).count()) == (1, 0, 1)


def test_a_secret_vote_stores_no_choice(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting)
    open_vote(world, item, mode="secret")
    for index, choice in [(0, "for"), (1, "against"), (2, "for")]:
        services.vote_cast(actor=world.members[index].user, item=item, choice=choice)
    assert set(MemberVote.objects.filter(item=item).values_list("choice", flat=True)) == {""}
    with pytest.raises(PermissionDenied):  # no one records another's secret vote
        services.vote_cast(actor=world.secretary, item=item, choice="for", membership=world.members[3])
    item = services.agenda_item_transition(actor=world.secretary, item=item, to="decided")
    item = AgendaItem.objects.get(pk=item.pk)
    assert (item.votes_for, item.votes_against, item.adopted) == (2, 1, True)


def test_an_officer_records_open_votes_by_hand(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting, present=(0, 1, 2, 3))
    open_vote(world, item, majority="absolute")
    for index in (2, 3):
        services.vote_cast(actor=world.secretary, item=item, choice="for", membership=world.members[index])
    with pytest.raises(PermissionDenied):
        services.vote_cast(actor=world.members[3].user, item=item, choice="for", membership=world.members[2])
    services.vote_cast(actor=world.chair, item=item, choice="for")
    item = services.agenda_item_transition(actor=world.secretary, item=item, to="decided")
    item = AgendaItem.objects.get(pk=item.pk)
    assert (item.votes_for, item.vote_base, item.votes_needed, item.adopted) == (3, 5, 3, True)
    assert dict(MemberVote.objects.filter(item=item).values_list("membership_id", "choice")) == {
        world.members[0].pk: "for",
        world.members[2].pk: "for",
        world.members[3].pk: "for",
    }


def test_closing_needs_open_votes_closed_and_creates_draft_minutes(world) -> None:
    meeting = schedule(world)
    voting, waiting = item_on(world, meeting, title="الف"), item_on(world, meeting, title="ب")
    open_meeting(world, meeting)
    open_vote(world, voting)
    with pytest.raises(ConflictError):
        services.meeting_transition(actor=world.secretary, meeting=meeting, to="closed")
    services.agenda_item_transition(actor=world.secretary, item=voting, to="decided")
    closed = services.meeting_transition(actor=world.chair, meeting=meeting, to="closed")
    assert closed.state == "closed" and closed.closed_at is not None
    assert Minutes.objects.get(meeting=meeting).state == "draft"
    assert AgendaItem.objects.get(pk=waiting.pk).state == "deferred"
    with pytest.raises(ConflictError):
        services.agenda_item_transition(
            actor=world.secretary, item=waiting, to="voting", vote_mode="open", majority="simple"
        )
