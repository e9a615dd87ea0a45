"""What the indicators will read: held programs per neighborhood in a period, in one query."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from mahalat.programs.selectors import programs_held_in
from mahalat.programs.services import program_cancel, program_mark_held
from tests.programs.conftest import at, save
from tests.towns import Town


def test_programs_held_in_counts_and_shares(town: Town, django_assert_num_queries: Any) -> None:
    officer = town.people["district_officer"]
    shared = save(town, officer, neighborhoods=[town.n1, town.n3], starts_at=at(-10), ends_at=at(-10, 20))
    program_mark_held(actor=officer, program=shared, participants=100, spent_budget=0)
    alone = save(town, officer, starts_at=at(-5), ends_at=at(-5, 20))
    program_mark_held(actor=officer, program=alone, participants=30, spent_budget=0)
    old = save(town, officer, starts_at=at(-60), ends_at=at(-60, 20))
    program_mark_held(actor=officer, program=old, participants=999, spent_budget=0)
    program_cancel(
        actor=officer, program=save(town, officer, starts_at=at(-3), ends_at=at(-3, 20)), reason="x"
    )
    save(town, officer, starts_at=at(-2), ends_at=at(-2, 20))  # still planned: not held

    today = timezone.localdate()
    with django_assert_num_queries(1):
        rows = programs_held_in(city_id=town.city.pk, start=today - timedelta(days=30), end=today)
    assert set(rows) == {town.n1.pk, town.n3.pk}
    n1, n3 = rows[town.n1.pk], rows[town.n3.pk]
    assert (n1.programs, n1.participants, n1.participant_share) == (2, 130, 80.0)
    assert (n3.programs, n3.participants, n3.participant_share) == (1, 100, 50.0)
    assert sum(r.participant_share for r in rows.values()) == 130.0
    assert programs_held_in(city_id=town.city.pk, start=today, end=today + timedelta(days=30)) == {}
