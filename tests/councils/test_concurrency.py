"""Two district officers act on one council at the same moment: exactly one wins. Real threads on
PostgreSQL, whose row locks serialise them; SQLite serialises writers by itself."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from mahalat.councils.models import CouncilState, CouncilTransition, Membership, MembershipEnd
from mahalat.councils.services import council_transition, membership_end, membership_seat
from mahalat.errors import ConflictError
from tests.councils_world import CouncilWorld
from tests.factories import UserFactory


def _race(calls: list[Callable[[], Any]]) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("won")
        except (ConflictError, ValidationError):
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_officers_change_one_councils_state_at_once(council_world: CouncilWorld) -> None:
    w = council_world
    calls = [
        lambda: council_transition(
            actor=w.people["district_officer"],
            council=w.council,
            to=CouncilState.SUSPENDED,
            reason="بازرسی",
            expected_state=CouncilState.ACTIVE,
        ),
        lambda: council_transition(
            actor=w.people["district_manager"],
            council=w.council,
            to=CouncilState.DISSOLVED,
            reason="انحلال",
            expected_state=CouncilState.ACTIVE,
        ),
    ]
    assert _race(calls) == ["refused", "won"]
    assert CouncilTransition.objects.filter(council=w.council).count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_people_seated_in_the_last_free_seat_at_once(council_world: CouncilWorld) -> None:
    w = council_world
    membership_end(actor=w.people["district_officer"], membership=w.members[2], reason=MembershipEnd.REMOVED)
    a, b = UserFactory(), UserFactory()
    calls = [
        lambda person=person: membership_seat(
            actor=w.people["district_officer"], council=w.council, user=person, seat_type=w.seats["residents"]
        )
        for person in (a, b)
    ]
    assert _race(calls) == ["refused", "won"]
    assert (
        Membership.objects.filter(
            council=w.council, seat_type=w.seats["residents"], ends_on__isnull=True
        ).count()
        == 3
    )
