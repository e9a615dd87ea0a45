"""Quorum and majority, as properties over every count a council can have."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mahalat.meetings.decisions import decide, has_quorum, quorum_required
from mahalat.meetings.models import MajorityMethod

seated_counts = st.integers(min_value=0, max_value=60)
fractions = st.integers(min_value=1, max_value=12).flatmap(
    lambda den: st.tuples(st.integers(min_value=0, max_value=den - 1), st.just(den))
)
methods = st.sampled_from(list(MajorityMethod.values))


@st.composite
def votes(draw: st.DrawFn) -> tuple[int, int, int, int, int]:
    """(for, against, abstain, present, seated) that a real meeting can produce."""
    seated = draw(st.integers(min_value=1, max_value=40))
    present = draw(st.integers(min_value=0, max_value=seated))
    cast = draw(st.integers(min_value=0, max_value=present))
    votes_for = draw(st.integers(min_value=0, max_value=cast))
    votes_against = draw(st.integers(min_value=0, max_value=cast - votes_for))
    return votes_for, votes_against, cast - votes_for - votes_against, present, seated


@given(seated=seated_counts, fraction=fractions)
def test_quorum_is_the_least_n_with_n_den_above_seated_num(seated: int, fraction: tuple[int, int]) -> None:
    num, den = fraction
    n = quorum_required(seated=seated, numerator=num, denominator=den)
    assert n * den > seated * num
    assert (n - 1) * den <= seated * num


@given(seated=seated_counts, fraction=fractions)
def test_quorum_grows_with_the_seated_members(seated: int, fraction: tuple[int, int]) -> None:
    num, den = fraction
    assert quorum_required(seated=seated + 1, numerator=num, denominator=den) >= quorum_required(
        seated=seated, numerator=num, denominator=den
    )


@given(seated=st.integers(min_value=1, max_value=60), data=st.data(), fraction=fractions)
def test_has_quorum_iff_present_reaches_the_requirement(seated: int, data: st.DataObject, fraction) -> None:
    num, den = fraction
    present = data.draw(st.integers(min_value=0, max_value=seated))
    needed = quorum_required(seated=seated, numerator=num, denominator=den)
    assert has_quorum(present=present, seated=seated, numerator=num, denominator=den) is (present >= needed)


def test_the_default_quorum_is_more_than_half() -> None:
    assert [quorum_required(seated=s) for s in (5, 6, 7, 8)] == [3, 4, 4, 5]
    assert not has_quorum(present=0, seated=0)


@given(v=votes(), method=methods)
def test_one_more_vote_for_never_turns_adoption_into_rejection(v, method: str) -> None:
    f, a, s, present, seated = v
    before = decide(
        method=method, votes_for=f, votes_against=a, votes_abstain=s, present=present, seated=seated
    )
    if s > 0:  # an abstainer changes their mind: one more for, the same number cast
        after = decide(
            method=method,
            votes_for=f + 1,
            votes_against=a,
            votes_abstain=s - 1,
            present=present,
            seated=seated,
        )
        assert after.adopted or not before.adopted
    if a > 0:
        after = decide(
            method=method,
            votes_for=f + 1,
            votes_against=a - 1,
            votes_abstain=s,
            present=present,
            seated=seated,
        )
        assert after.adopted or not before.adopted


@given(v=votes(), method=methods)
def test_nothing_is_adopted_with_no_vote_for(v, method: str) -> None:
    _f, a, s, present, seated = v
    assert not decide(
        method=method, votes_for=0, votes_against=a, votes_abstain=s, present=present, seated=seated
    ).adopted


@given(v=votes())
def test_simple_majority_is_more_for_than_against(v) -> None:
    f, a, s, present, seated = v
    result = decide(
        method="simple", votes_for=f, votes_against=a, votes_abstain=s, present=present, seated=seated
    )
    assert result.adopted is (f > a)
    assert result.base == f + a


@given(v=votes())
def test_two_thirds_is_of_the_members_present(v) -> None:
    f, a, s, present, seated = v
    result = decide(
        method="two_thirds", votes_for=f, votes_against=a, votes_abstain=s, present=present, seated=seated
    )
    assert result.adopted is (3 * f >= 2 * present and f > 0)
    assert result.base == present


@given(v=votes())
def test_absolute_majority_is_of_the_seated_members(v) -> None:
    f, a, s, present, seated = v
    result = decide(
        method="absolute", votes_for=f, votes_against=a, votes_abstain=s, present=present, seated=seated
    )
    assert result.adopted is (2 * f > seated)
    assert result.base == seated
    assert result.method == "absolute"


@given(
    f=st.integers(0, 30),
    a=st.integers(0, 30),
    s=st.integers(0, 30),
    present=st.integers(0, 30),
    seated=st.integers(0, 30),
    method=methods,
)
def test_impossible_counts_raise(f: int, a: int, s: int, present: int, seated: int, method: str) -> None:
    assume(f + a + s > present or present > seated)
    with pytest.raises(ValueError, match="more"):
        decide(method=method, votes_for=f, votes_against=a, votes_abstain=s, present=present, seated=seated)


@pytest.mark.parametrize("counts", [(-1, 0, 0, 1, 1), (0, -1, 0, 1, 1), (0, 0, 0, -1, 1)])
def test_negative_counts_raise(counts: tuple[int, ...]) -> None:
    f, a, s, present, seated = counts
    with pytest.raises(ValueError, match="negative"):
        decide(method="simple", votes_for=f, votes_against=a, votes_abstain=s, present=present, seated=seated)


def test_an_unknown_method_raises() -> None:
    with pytest.raises(ValueError, match="unknown majority method"):
        decide(method="unanimity", votes_for=1, votes_against=0, votes_abstain=0, present=1, seated=1)
