"""The result function on its own: ranks are a permutation, more votes never rank lower, ties go to the
earlier application, and the elected are the first `seats` with at least one vote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mahalat.elections.tally import Entry, tally

T0 = datetime(2026, 1, 1, tzinfo=UTC)

# Few distinct minutes and vote counts, so ties (of votes, and of submission times) are common.
entries = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 5)), max_size=20).flatmap(
    lambda rows: st.permutations(range(1, len(rows) + 1)).map(
        lambda numbers: [
            Entry(candidate_id=i + 1, votes=v, submitted_at=T0 + timedelta(minutes=m), application_id=a)
            for i, ((v, m), a) in enumerate(zip(rows, numbers, strict=True))
        ]
    )
)


@given(entries, st.integers(0, 30))
def test_ranks_are_a_permutation(rows: list[Entry], seats: int) -> None:
    result = tally(rows, seats=seats)
    assert sorted(r.rank for r in result) == list(range(1, len(rows) + 1))
    assert sorted(r.candidate_id for r in result) == sorted(e.candidate_id for e in rows)


@given(entries, st.integers(0, 30))
def test_more_votes_never_rank_lower(rows: list[Entry], seats: int) -> None:
    by_id = {r.candidate_id: r for r in tally(rows, seats=seats)}
    for a in rows:
        for b in rows:
            if a.votes > b.votes:
                assert by_id[a.candidate_id].rank < by_id[b.candidate_id].rank


@given(entries, st.integers(0, 30))
def test_ties_go_to_the_earlier_application(rows: list[Entry], seats: int) -> None:
    by_id = {r.candidate_id: r for r in tally(rows, seats=seats)}
    for a in rows:
        for b in rows:
            if a.votes == b.votes and (a.submitted_at, a.application_id) < (b.submitted_at, b.application_id):
                assert by_id[a.candidate_id].rank < by_id[b.candidate_id].rank


@given(entries, st.integers(0, 30))
def test_the_elected_are_the_top_seats_with_votes(rows: list[Entry], seats: int) -> None:
    result = tally(rows, seats=seats)
    elected = [r for r in result if r.is_elected]
    assert len(elected) == min(seats, sum(1 for e in rows if e.votes > 0))
    assert all(r.rank <= seats and r.votes > 0 for r in elected)
    assert all(r.votes == 0 or r.rank > seats for r in result if not r.is_elected)


def test_same_instant_falls_back_to_the_application_number() -> None:
    rows = [
        Entry(candidate_id=1, votes=4, submitted_at=T0, application_id=9),
        Entry(candidate_id=2, votes=4, submitted_at=T0, application_id=3),
        Entry(candidate_id=3, votes=5, submitted_at=T0 + timedelta(days=1), application_id=20),
    ]
    assert [(r.candidate_id, r.rank, r.is_elected) for r in tally(rows, seats=2)] == [
        (3, 1, True),
        (2, 2, True),
        (1, 3, False),
    ]
