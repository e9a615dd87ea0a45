"""Voting integrity under real concurrency: threads with their own PostgreSQL connections.

- the same resident pressing "vote" twice at once gets exactly one ballot;
- many residents voting at once: every candidate's counter equals the number of ballots choosing them;
- two officers certifying at once: the elected are seated once.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from mahalat.councils.models import Membership
from mahalat.elections import services
from mahalat.elections.models import Ballot, Candidate, ElectionState
from mahalat.errors import ConflictError
from tests.elections.conftest import make_poll

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _race(jobs: list[Callable[[], Any]], *, threads: int | None = None) -> list[str]:
    """Run the jobs in threads released together; each outcome is "ok" or the error's class name."""
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            job()
            result = "ok"
        except (ConflictError, ValidationError, PermissionDenied) as exc:
            result = type(exc).__name__
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    workers = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert len(outcomes) == len(jobs), "a thread did not finish"
    return outcomes


def test_the_same_voter_twice_at_once_gets_one_ballot(formation) -> None:
    poll = make_poll(formation, candidates=3, voters=1)
    poll.open()
    voter = poll.voters[0]
    ids = list(Candidate.objects.filter(election=poll.election).order_by("id").values_list("pk", flat=True))
    jobs = [
        (lambda pick=pick: services.ballot_cast(actor=voter, election=poll.election, candidate_ids=[pick]))
        for pick in (ids[0], ids[1], ids[2], ids[0])
    ]
    outcomes = _race(jobs)
    assert sorted(outcomes) == ["AlreadyVoted", "AlreadyVoted", "AlreadyVoted", "ok"]
    assert Ballot.objects.filter(election=poll.election, voter=voter).count() == 1
    assert sum(Candidate.objects.filter(election=poll.election).values_list("votes", flat=True)) == 1


def test_counters_match_the_ballots_under_many_concurrent_voters(formation) -> None:
    poll = make_poll(formation, candidates=5, voters=24)
    poll.open()
    ids = list(Candidate.objects.filter(election=poll.election).order_by("id").values_list("pk", flat=True))
    rng = random.Random(1405)
    picks = {voter.pk: rng.sample(ids, rng.randint(1, poll.election.seats)) for voter in poll.voters}
    jobs = [
        (lambda v=voter: services.ballot_cast(actor=v, election=poll.election, candidate_ids=picks[v.pk]))
        for voter in poll.voters
    ]
    # Some residents press twice: the second press must change nothing.
    jobs += [
        (lambda v=voter: services.ballot_cast(actor=v, election=poll.election, candidate_ids=picks[v.pk]))
        for voter in poll.voters[:6]
    ]
    outcomes = Counter(_race(jobs))
    assert outcomes == {"ok": 24, "AlreadyVoted": 6}
    expected = Counter(c for chosen in picks.values() for c in chosen)
    votes = dict(Candidate.objects.filter(election=poll.election).values_list("pk", "votes"))
    assert votes == {pk: expected.get(pk, 0) for pk in ids}
    assert Ballot.objects.filter(election=poll.election).count() == 24
    closed = poll.close()
    assert closed.turnout == 24


def test_two_officers_certifying_at_once_seat_the_elected_once(formation) -> None:
    poll = make_poll(formation, candidates=4, voters=3)
    poll.open()
    ids = list(Candidate.objects.filter(election=poll.election).order_by("id").values_list("pk", flat=True))
    for voter, chosen in zip(poll.voters, [[ids[0], ids[1]], [ids[1], ids[2]], [ids[1]]], strict=True):
        services.ballot_cast(actor=voter, election=poll.election, candidate_ids=chosen)
    poll.close()
    world = formation.world
    officers = [formation.officer, world.people["district_manager"]]
    jobs = [
        (
            lambda o=o: services.election_transition(
                actor=o,
                election=poll.election,
                to=ElectionState.CERTIFIED,
                expected_state=ElectionState.CLOSED,
            )
        )
        for o in officers
    ]
    assert sorted(_race(jobs)) == ["ConflictError", "ok"]
    seated = Membership.objects.filter(council=poll.council, ends_on__isnull=True)
    assert sorted(m.user_id for m in seated) == sorted(c.pk for c in poll.candidates[:3])
    assert all(m.election_id == poll.election.pk for m in seated)
    elected = Candidate.objects.filter(election=poll.election, is_elected=True).count()
    assert elected == 3
