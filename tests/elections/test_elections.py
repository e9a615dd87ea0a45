"""Elections: scheduling, the time rules of the polls, ballots, closing, certification and seating."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mahalat.audit.models import Event
from mahalat.councils.models import Membership
from mahalat.elections import services
from mahalat.elections.models import (
    Application,
    ApplicationState,
    Ballot,
    Candidate,
    Election,
    ElectionState,
    Residency,
    ResidencyState,
)
from mahalat.elections.selectors import election_candidates
from mahalat.errors import ConflictError
from tests.elections.conftest import forming_council, make_poll
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _cands(poll) -> list[Candidate]:
    return list(Candidate.objects.filter(election=poll.election).order_by("application__submitted_at", "id"))


# --- scheduling ---------------------------------------------------------------------------------------


def test_schedule_makes_candidates_of_accepted_applications(poll) -> None:
    election = poll.election
    assert election.state == ElectionState.SCHEDULED
    assert election.seats == 3  # the forming council's three empty resident seats
    assert [c.user for c in _cands(poll)] == poll.candidates
    assert election.neighborhood_id == poll.council.neighborhood_id


def test_schedule_rules(formation) -> None:
    world = formation.world
    officer = formation.officer
    person = formation.resident()
    application = formation.apply(person)
    now = timezone.now()
    kwargs = {
        "actor": officer,
        "call": formation.call,
        "council": world.council,  # active with no vacancy in "residents"
        "seat_type": world.seats["residents"],
        "opens_at": now + timedelta(hours=1),
        "closes_at": now + timedelta(days=1),
    }
    with pytest.raises(ValidationError) as exc:  # the call is still open
        services.election_schedule(**kwargs)
    assert "call" in exc.value.message_dict
    services.call_transition(actor=officer, call=formation.call, to="review")
    formation.call.refresh_from_db()
    with pytest.raises(ValidationError) as exc:  # no vacancy
        services.election_schedule(**kwargs)
    assert "seat_type" in exc.value.message_dict
    council = forming_council(world)
    kwargs["council"] = council
    with pytest.raises(ValidationError) as exc:  # nobody accepted yet
        services.election_schedule(**kwargs)
    assert "seat_type" in exc.value.message_dict
    services.application_transition(actor=officer, application=application, to=ApplicationState.ACCEPTED)
    with pytest.raises(ValidationError):  # appointed seats are not elected
        services.election_schedule(**{**kwargs, "seat_type": world.seats["women"]})
    with pytest.raises(ValidationError):  # polls closing before opening
        services.election_schedule(**{**kwargs, "closes_at": now})
    with pytest.raises(PermissionDenied):
        services.election_schedule(**{**kwargs, "actor": world.people["other_district_officer"]})
    assert not Election.objects.exists()
    election = services.election_schedule(**kwargs)
    with pytest.raises(ConflictError):  # one running election per seat
        services.election_schedule(**kwargs)
    assert Election.objects.get().pk == election.pk


# --- time rules ---------------------------------------------------------------------------------------


def test_polls_open_and_close_only_on_time(poll) -> None:
    officer = poll.formation.officer
    with pytest.raises(ConflictError):
        services.election_transition(actor=officer, election=poll.election, to=ElectionState.OPEN)
    with pytest.raises(ConflictError):  # not in the table: scheduled → closed
        services.election_transition(actor=officer, election=poll.election, to=ElectionState.CLOSED)
    poll.open()
    with pytest.raises(ConflictError):
        services.election_transition(actor=officer, election=poll.election, to=ElectionState.CLOSED)
    with pytest.raises(ConflictError):  # certify before close
        services.election_transition(actor=officer, election=poll.election, to=ElectionState.CERTIFIED)
    assert Election.objects.get(pk=poll.election.pk).state == ElectionState.OPEN


def test_advance_opens_and_closes_due_elections(poll) -> None:
    election = poll.election
    assert services.elections_advance(now=election.opens_at - timedelta(seconds=1)) == 0
    assert services.elections_advance(now=election.opens_at) == 1
    assert Election.objects.get(pk=election.pk).state == ElectionState.OPEN
    assert services.elections_advance(now=election.closes_at) == 1
    closed = Election.objects.get(pk=election.pk)
    assert closed.state == ElectionState.CLOSED
    assert closed.turnout == 0
    assert (
        closed.eligible_voters
        == Residency.objects.filter(
            neighborhood_id=election.neighborhood_id, state=ResidencyState.VERIFIED
        ).count()
    )
    assert services.elections_advance(now=election.closes_at + timedelta(days=1)) == 0


def test_advance_catches_up_on_a_window_it_missed(poll) -> None:
    assert services.elections_advance(now=poll.election.closes_at + timedelta(hours=1)) == 2
    assert Election.objects.get(pk=poll.election.pk).state == ElectionState.CLOSED


def test_the_system_cannot_certify_or_cancel(poll) -> None:
    with pytest.raises(PermissionDenied):
        services.election_transition(
            actor=None, election=poll.election, to=ElectionState.CANCELLED, reason="x"
        )


def test_cancel_needs_a_reason(poll) -> None:
    officer = poll.formation.officer
    with pytest.raises(ValidationError):
        services.election_transition(actor=officer, election=poll.election, to=ElectionState.CANCELLED)
    services.election_transition(
        actor=officer, election=poll.election, to=ElectionState.CANCELLED, reason="x"
    )
    assert Election.objects.get(pk=poll.election.pk).state == ElectionState.CANCELLED


# --- ballots ------------------------------------------------------------------------------------------


def test_a_ballot_counts_each_choice_once(poll) -> None:
    poll.open()
    c = _cands(poll)
    ballot = services.ballot_cast(
        actor=poll.voters[0], election=poll.election, candidate_ids=[c[0].pk, c[2].pk]
    )
    assert ballot.voted_on == timezone.localdate()
    votes = dict(Candidate.objects.filter(election=poll.election).values_list("pk", "votes"))
    assert votes == {c[0].pk: 1, c[1].pk: 0, c[2].pk: 1, c[3].pk: 0}


def test_voting_twice_changes_nothing(poll) -> None:
    poll.open()
    c = _cands(poll)
    services.ballot_cast(actor=poll.voters[0], election=poll.election, candidate_ids=[c[0].pk])
    with pytest.raises(ConflictError) as exc:
        services.ballot_cast(actor=poll.voters[0], election=poll.election, candidate_ids=[c[1].pk])
    assert "already voted" in exc.value.message
    assert Ballot.objects.count() == 1
    assert sum(Candidate.objects.values_list("votes", flat=True)) == 1


def test_non_residents_cannot_vote(poll) -> None:
    poll.open()
    c = _cands(poll)
    stranger = UserFactory()
    elsewhere = poll.formation.resident(neighborhood=poll.formation.world.n2)
    for person in (stranger, elsewhere):
        with pytest.raises(PermissionDenied) as exc:
            services.ballot_cast(actor=person, election=poll.election, candidate_ids=[c[0].pk])
        assert "verified residents" in str(exc.value)
    assert not Ballot.objects.exists()
    assert sum(Candidate.objects.values_list("votes", flat=True)) == 0


@pytest.mark.parametrize("choice", ["none", "too_many", "twice", "foreign", "garbage"], ids=lambda c: c)
def test_bad_choices_change_nothing(poll, choice) -> None:
    poll.open()
    c = [x.pk for x in _cands(poll)]
    other = make_other_election_candidate(poll)
    ids = {
        "none": [],
        "too_many": c[:4],
        "twice": [c[0], c[0]],
        "foreign": [other],
        "garbage": ["1; DROP TABLE", c[0]],
    }[choice]
    with pytest.raises(ValidationError) as exc:
        services.ballot_cast(actor=poll.voters[0], election=poll.election, candidate_ids=ids)
    assert "candidates" in exc.value.message_dict
    assert not Ballot.objects.exists()
    assert sum(Candidate.objects.values_list("votes", flat=True)) == 0


def make_other_election_candidate(poll) -> int:
    """A candidate row of another election (n2's council), created directly."""
    world = poll.formation.world
    election = Election.objects.create(
        city_id=world.n2.city_id,
        district_id=world.n2.district_id,
        area_id=world.n2.area_id,
        neighborhood=world.n2,
        council=world.other_council,
        seat_type=world.seats["residents"],
        seats=1,
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=1),
    )
    app = Candidate.objects.filter(election=poll.election).first().application
    other_app = Application.objects.create(
        city_id=app.city_id,
        district_id=app.district_id,
        area_id=app.area_id,
        neighborhood_id=app.neighborhood_id,
        call=app.call,
        applicant=UserFactory(),
        seat_type=app.seat_type,
        birth_date=app.birth_date,
        address="x",
        statement="x",
        state=ApplicationState.ACCEPTED,
    )
    return Candidate.objects.create(election=election, application=other_app, user=other_app.applicant).pk


def test_no_vote_before_opening_or_after_close(poll) -> None:
    c = _cands(poll)
    with pytest.raises(ConflictError) as exc:
        services.ballot_cast(actor=poll.voters[0], election=poll.election, candidate_ids=[c[0].pk])
    assert "not open yet" in exc.value.message
    poll.open()
    with pytest.raises(ConflictError):  # still "open" in the table, but its time has passed
        services.ballot_cast(
            actor=poll.voters[0],
            election=poll.election,
            candidate_ids=[c[0].pk],
            now=poll.election.closes_at,
        )
    poll.close()
    with pytest.raises(ConflictError) as exc:
        services.ballot_cast(actor=poll.voters[0], election=poll.election, candidate_ids=[c[0].pk])
    assert "closed" in exc.value.message
    assert not Ballot.objects.exists()


def test_voting_refusal_says_why(poll) -> None:
    stranger = UserFactory()
    assert "not open yet" in services.voting_refusal(user=stranger, election=poll.election)
    poll.open()
    assert "verified residents" in services.voting_refusal(user=stranger, election=poll.election)
    assert services.voting_refusal(user=poll.voters[0], election=poll.election) is None
    services.ballot_cast(actor=poll.voters[0], election=poll.election, candidate_ids=[_cands(poll)[0].pk])
    assert "already voted" in services.voting_refusal(user=poll.voters[0], election=poll.election)


# --- closing and certification ------------------------------------------------------------------------


def _vote(poll, pattern: list[list[int]]) -> None:
    c = _cands(poll)
    for voter, picks in zip(poll.voters, pattern, strict=True):
        services.ballot_cast(actor=voter, election=poll.election, candidate_ids=[c[i].pk for i in picks])


def test_close_counts_and_ranks_with_the_tie_rule(poll) -> None:
    poll.open()
    # votes: c0 1, c1 3, c2 1, c3 0 — c0 and c2 tie; c0 applied first, so it ranks above c2.
    _vote(poll, [[1, 2], [1, 0], [1]])
    election = poll.close()
    assert (election.turnout, election.eligible_voters) == (3, 7)
    c = _cands(poll)
    ranks = {x.pk: x.rank for x in Candidate.objects.filter(election=election)}
    assert [ranks[x.pk] for x in c] == [2, 1, 3, 4]
    event = Event.objects.get(action="elections.election.closed", object_id=str(election.pk))
    assert event.after["turnout"] == 3


def test_certification_seats_the_elected(poll) -> None:
    poll.open()
    _vote(poll, [[1, 2], [1, 0], [1]])
    poll.close()
    officer = poll.formation.officer
    with pytest.raises(PermissionDenied):
        services.election_transition(
            actor=poll.formation.world.people["deputy"], election=poll.election, to=ElectionState.CERTIFIED
        )
    election = services.election_transition(actor=officer, election=poll.election, to=ElectionState.CERTIFIED)
    assert election.state == ElectionState.CERTIFIED and election.certified_by == officer
    rows = {x.user_id: (x.rank, x.is_elected) for x in Candidate.objects.filter(election=election)}
    c = poll.candidates
    assert rows == {c[1].pk: (1, True), c[0].pk: (2, True), c[2].pk: (3, True), c[3].pk: (4, False)}
    seated = Membership.objects.filter(council=poll.council, ends_on__isnull=True)
    assert {m.user_id for m in seated} == {c[0].pk, c[1].pk, c[2].pk}
    assert all(m.election_id == election.pk and m.seat_type.code == "residents" for m in seated)
    rows = [(r.votes, r.rank, r.is_elected) for r in election_candidates(election=election)]
    assert rows == [(3, 1, True), (1, 2, True), (1, 3, True), (0, 4, False)]


def test_nobody_is_elected_without_a_vote(formation) -> None:
    poll = make_poll(formation, candidates=2, voters=1)
    poll.open()
    _vote(poll, [[0]])
    poll.close()
    services.election_transition(actor=formation.officer, election=poll.election, to=ElectionState.CERTIFIED)
    elected = list(
        Candidate.objects.filter(election=poll.election, is_elected=True).values_list("user_id", flat=True)
    )
    assert elected == [poll.candidates[0].pk]
    assert Membership.objects.filter(council=poll.council, ends_on__isnull=True).count() == 1


def test_a_cancelled_election_can_be_scheduled_anew(poll) -> None:
    officer = poll.formation.officer
    services.election_transition(
        actor=officer, election=poll.election, to=ElectionState.CANCELLED, reason="x"
    )
    now = timezone.now()
    again = services.election_schedule(
        actor=officer,
        call=poll.formation.call,
        council=poll.council,
        seat_type=poll.formation.world.seats["residents"],
        opens_at=now + timedelta(hours=2),
        closes_at=now + timedelta(days=2),
    )
    assert again.pk != poll.election.pk
    assert sorted(c.user_id for c in again.candidates.all()) == sorted(p.pk for p in poll.candidates)
