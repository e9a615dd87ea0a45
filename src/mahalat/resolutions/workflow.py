"""The resolution lifecycle as a table: which state may become which, who may make it so, what it needs.

adopted → assigned → in progress → done | not feasible. The district or area staff confirm the owner
(assign); the responsible body reports progress and finishes it. A step that stays in the same state
(assigned → assigned: the owner or deadline corrected; in progress → in progress: a progress update) is
in the table too, so every change is a transition with a stored row. The table is the only place the
lifecycle is written down; `services.resolution_transition` is the only code that applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mahalat.resolutions.models import ResolutionState as S
from mahalat.workflow import Rule as BaseRule
from mahalat.workflow import allowed_targets as next_states

ASSIGN = "resolutions.assign_resolution"
PROGRESS = "resolutions.report_progress"


@dataclass(frozen=True, slots=True)
class Rule(BaseRule):
    # requires: "note" (an outcome or a reason the public sees).
    # The owner (responsible kind, agency) and the deadline may be corrected in this step.
    sets_owner: bool = False
    # A progress percentage may be given in this step.
    takes_progress: bool = False


TRANSITIONS: dict[tuple[str, str], Rule] = {
    (S.ADOPTED, S.ASSIGNED): Rule(ASSIGN, sets_owner=True),
    (S.ADOPTED, S.NOT_FEASIBLE): Rule(ASSIGN, requires=("note",)),
    (S.ASSIGNED, S.ASSIGNED): Rule(ASSIGN, requires=("note",), sets_owner=True),
    (S.ASSIGNED, S.IN_PROGRESS): Rule(PROGRESS, takes_progress=True),
    (S.ASSIGNED, S.NOT_FEASIBLE): Rule(PROGRESS, requires=("note",)),
    (S.IN_PROGRESS, S.IN_PROGRESS): Rule(PROGRESS, takes_progress=True),
    (S.IN_PROGRESS, S.DONE): Rule(PROGRESS, requires=("note",)),
    (S.IN_PROGRESS, S.NOT_FEASIBLE): Rule(PROGRESS, requires=("note",)),
}

TERMINAL_STATES = frozenset({S.DONE, S.NOT_FEASIBLE})


def allowed_targets(state: str) -> list[str]:
    """The states a resolution in `state` may move to, in the table's order."""
    return next_states(TRANSITIONS, state)
