"""The council lifecycle as a table: which state may become which, and what each change needs.

forming → active (a term), active ⇄ suspended (a reason), active → term ended, forming/active/suspended →
dissolved (a reason), term ended → renewed (only through `services.council_renew`, which opens the next
term). A change not in the table is refused with a clear message (409 in the API); the table is the only
place the lifecycle is written down and `services.council_transition` the only code that applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mahalat.councils.models import CouncilState as S
from mahalat.workflow import Rule as BaseRule

FORM = "councils.form_council"


@dataclass(frozen=True, slots=True)
class Rule(BaseRule):
    # requires: "reason", "term_start"; system_may: the periodic job ends terms.
    # Renewal is made by council_renew, which also opens the next term; the transition alone is refused.
    via_renew_only: bool = False


TRANSITIONS: dict[tuple[str, str], Rule] = {
    (S.FORMING, S.ACTIVE): Rule(FORM, requires=("term_start",)),
    (S.ACTIVE, S.SUSPENDED): Rule(FORM, requires=("reason",)),
    (S.SUSPENDED, S.ACTIVE): Rule(FORM),
    (S.ACTIVE, S.TERM_ENDED): Rule(FORM, system_may=True),
    (S.FORMING, S.DISSOLVED): Rule(FORM, requires=("reason",)),
    (S.ACTIVE, S.DISSOLVED): Rule(FORM, requires=("reason",)),
    (S.SUSPENDED, S.DISSOLVED): Rule(FORM, requires=("reason",)),
    (S.TERM_ENDED, S.RENEWED): Rule(FORM, via_renew_only=True),
}

# A council in one of these is the neighborhood's council now (the database allows one).
CURRENT_STATES = frozenset({S.FORMING, S.ACTIVE, S.SUSPENDED})
# Members can be seated while the council forms and while it sits.
SEATING_STATES = frozenset({S.FORMING, S.ACTIVE})
# Leaving these ends every seat: the council no longer sits.
ENDS_SEATS = frozenset({S.TERM_ENDED, S.DISSOLVED})


def allowed_targets(state: str, *, include_renew: bool = False) -> list[str]:
    """The states a council in `state` may move to through `council_transition`, in the table's order."""
    return [
        to
        for (frm, to), rule in TRANSITIONS.items()
        if frm == state and (include_renew or not rule.via_renew_only)
    ]
