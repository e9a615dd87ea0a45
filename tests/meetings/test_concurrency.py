"""Voting under concurrency, on PostgreSQL's row locks: many members at once, one member twice at once,
two officers closing the same vote at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from mahalat.errors import ConflictError
from mahalat.meetings import services
from mahalat.meetings.models import AgendaItem, MemberVote
from tests.councils_world import seat
from tests.factories import UserFactory
from tests.meetings.conftest import item_on, open_meeting, open_vote, schedule

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; each result is the return value or the exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the test inspects what each one got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _big_council(world, extra: int = 15) -> None:
    for _ in range(extra):
        seat(world.council, user=UserFactory(), seat_type=world.seats["residents"])


def test_many_members_voting_at_once_keep_the_counters_exact(world) -> None:
    _big_council(world)
    meeting = schedule(world)
    item = item_on(world, meeting)
    members = list(world.council.memberships.filter(ends_on__isnull=True).select_related("user"))
    open_meeting(world, meeting, present=())
    for member in members:
        services.attendance_record(
            actor=world.secretary, meeting=meeting, membership=member, status="present"
        )
    open_vote(world, item, mode="secret")
    choices = ["for", "against", "abstain"]
    results = _at_once(
        [
            (lambda m=m, i=i: services.vote_cast(actor=m.user, item=item, choice=choices[i % 3]))
            for i, m in enumerate(members)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    item = AgendaItem.objects.get(pk=item.pk)
    assert (
        item.votes_for + item.votes_against + item.votes_abstain
        == MemberVote.objects.filter(item=item).count()
    )
    assert (item.votes_for, item.votes_against, item.votes_abstain) == (7, 7, 6)


def test_one_member_submitting_twice_at_once_votes_once(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting)
    open_vote(world, item)
    results = _at_once([lambda: services.vote_cast(actor=world.chair, item=item, choice="for")] * 4)
    assert sum(1 for r in results if isinstance(r, MemberVote)) == 1
    assert all(isinstance(r, ConflictError) for r in results if not isinstance(r, MemberVote))
    item = AgendaItem.objects.get(pk=item.pk)
    assert item.votes_for == 1 and MemberVote.objects.filter(item=item).count() == 1


def test_two_officers_closing_one_vote_at_once_give_one_result(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting)
    open_vote(world, item)
    services.vote_cast(actor=world.chair, item=item, choice="for")
    results = _at_once(
        [
            lambda: services.agenda_item_transition(
                actor=world.chair, item=item, to="decided", expected_state="voting"
            ),
            lambda: services.agenda_item_transition(
                actor=world.secretary, item=item, to="decided", expected_state="voting"
            ),
        ]
    )
    assert sum(1 for r in results if isinstance(r, AgendaItem)) == 1
    assert sum(1 for r in results if isinstance(r, ConflictError)) == 1
    from mahalat.audit.models import Event

    assert Event.objects.filter(action="meetings.item.decided", object_id=str(item.pk)).count() == 1


def test_votes_racing_the_close_are_either_counted_or_refused(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting, present=(0, 1, 2, 3, 4))
    open_vote(world, item)
    calls = [
        (lambda m=m: services.vote_cast(actor=m.user, item=item, choice="for")) for m in world.members[1:]
    ]
    calls.append(lambda: services.agenda_item_transition(actor=world.chair, item=item, to="decided"))
    _at_once(calls)
    item = AgendaItem.objects.get(pk=item.pk)
    assert item.state == "decided"
    # Whatever got in before the close is both in the counters and in the rows; nothing after it.
    assert item.votes_for == MemberVote.objects.filter(item=item).count()
    assert item.adopted == (item.votes_for >= item.votes_needed)
