"""Counting an election's result: a pure function, with the tie-break rule written down once.

The rule: more votes rank higher; between equal votes, the candidate whose application was submitted
earlier ranks higher (and, for applications submitted in the same instant, the smaller application
number). The first `seats` candidates with at least one vote are elected; the others are runners-up,
in rank order, for replacements during the term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Entry:
    candidate_id: int
    votes: int
    submitted_at: datetime
    application_id: int


@dataclass(frozen=True, slots=True)
class Ranked:
    candidate_id: int
    votes: int
    rank: int  # 1, 2, … n: a permutation, never shared
    is_elected: bool


def tally(entries: Sequence[Entry], *, seats: int) -> list[Ranked]:
    """The candidates in result order with their ranks, and who is elected to `seats` seats."""
    if seats < 0:
        raise ValueError("seats cannot be negative")
    ordered = sorted(entries, key=lambda e: (-e.votes, e.submitted_at, e.application_id))
    return [
        Ranked(
            candidate_id=entry.candidate_id,
            votes=entry.votes,
            rank=position,
            is_elected=position <= seats and entry.votes > 0,
        )
        for position, entry in enumerate(ordered, start=1)
    ]
