"""Quorum and majority as pure functions: numbers in, a decision out, no database.

The rules (docs/councils.md explains them to councils):
- quorum: present members must be MORE than numerator/denominator of the seated members (the default
  policy is ½: more than half, so 4 of 7, 5 of 8);
- simple majority: more votes for than against; abstentions count for neither side;
- two thirds: at least two thirds of the members present vote for (rounded up: 4 of 6, 5 of 7);
- absolute majority: more than half of the seated members vote for, whoever is present.
Every result carries the base it was computed on and the votes it needed, and both are stored with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mahalat.meetings.models import MajorityMethod


def quorum_required(*, seated: int, numerator: int = 1, denominator: int = 2) -> int:
    """The fewest members present for quorum: the smallest n with n / seated > numerator / denominator."""
    if seated < 0 or numerator < 0 or denominator <= 0 or numerator >= denominator:
        raise ValueError("quorum needs seated ≥ 0 and 0 ≤ numerator < denominator")
    return seated * numerator // denominator + 1


def has_quorum(*, present: int, seated: int, numerator: int = 1, denominator: int = 2) -> bool:
    if present < 0 or present > seated:
        raise ValueError("present members must be between 0 and the seated members")
    needed = quorum_required(seated=seated, numerator=numerator, denominator=denominator)
    return seated > 0 and present >= needed


@dataclass(frozen=True, slots=True)
class Decision:
    method: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    base: int  # votes cast for/against, members present or members seated, by method
    needed: int  # votes for that adopt
    adopted: bool


def decide(
    *,
    method: str,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    present: int,
    seated: int,
) -> Decision:
    """The outcome of one vote. Raises ValueError on impossible counts (more votes than members present)."""
    if min(votes_for, votes_against, votes_abstain, present, seated) < 0:
        raise ValueError("counts cannot be negative")
    if votes_for + votes_against + votes_abstain > present or present > seated:
        raise ValueError("more votes than members present, or more present than seated")
    if method == MajorityMethod.SIMPLE:
        base = votes_for + votes_against
        needed = base // 2 + 1
    elif method == MajorityMethod.TWO_THIRDS:
        base = present
        needed = max(1, -(-2 * present // 3))  # ceil(2/3 · present), and never zero
    elif method == MajorityMethod.ABSOLUTE:
        base = seated
        needed = seated // 2 + 1
    else:
        raise ValueError(f"unknown majority method {method!r}")
    return Decision(
        method=str(method),
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        base=base,
        needed=needed,
        adopted=votes_for >= needed,
    )
