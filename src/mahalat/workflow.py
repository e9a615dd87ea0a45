"""What every lifecycle table is made of: a rule per (from, to) pair, and the states a state may become.

Reports, councils, elections, meetings and resolutions each write their table in their own
`workflow.py` with these rules (adding fields where their lifecycle needs more), and one transition
service per entity applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    permission: str | None  # checked against the object; None: only the system makes it
    requires: tuple[str, ...] = ()  # inputs that must be given ("note", "reason", …)
    system_may: bool = False  # the system (periodic jobs) may make it too


def allowed_targets(table: Mapping[tuple[str, str], Rule], state: str) -> list[str]:
    """The states an object in `state` may move to under `table`, in the table's order."""
    return [to for (frm, to) in table if frm == state]
