"""The lifecycles of forming a council, as tables: calls, applications, residencies and elections.

Each table says which state may become which, who may make it so and what it needs. A change not in
a table is refused with a clear message (409 in the API); the `*_transition` services in
`services.py` are the only code that applies them.
"""

from __future__ import annotations

from mahalat.elections.models import ApplicationState as A
from mahalat.elections.models import CallState as C
from mahalat.elections.models import ElectionState as E
from mahalat.elections.models import ResidencyState as R
from mahalat.workflow import Rule

RUN_CALL = "elections.run_call"
REVIEW = "elections.review_application"
OWN = "governance.act_on_own"
VERIFY = "elections.verify_residency"
RUN_ELECTION = "elections.run_election"


CALL_TRANSITIONS: dict[tuple[str, str], Rule] = {
    (C.DRAFT, C.OPEN): Rule(RUN_CALL),
    (C.DRAFT, C.CANCELLED): Rule(RUN_CALL, requires=("reason",)),
    (C.OPEN, C.REVIEW): Rule(RUN_CALL),
    (C.OPEN, C.CANCELLED): Rule(RUN_CALL, requires=("reason",)),
    (C.REVIEW, C.CLOSED): Rule(RUN_CALL),
    (C.REVIEW, C.CANCELLED): Rule(RUN_CALL, requires=("reason",)),
}

APPLICATION_TRANSITIONS: dict[tuple[str, str], Rule] = {
    (A.SUBMITTED, A.ACCEPTED): Rule(REVIEW),
    (A.SUBMITTED, A.REJECTED): Rule(REVIEW, requires=("reason",)),
    (A.SUBMITTED, A.WITHDRAWN): Rule(OWN),
}

RESIDENCY_TRANSITIONS: dict[tuple[str, str], Rule] = {
    (R.CLAIMED, R.VERIFIED): Rule(VERIFY),
    (R.CLAIMED, R.REJECTED): Rule(VERIFY, requires=("reason",)),
    # A verified resident who moved away (or was verified by mistake) loses the vote, with a reason.
    (R.VERIFIED, R.REJECTED): Rule(VERIFY, requires=("reason",)),
}

ELECTION_TRANSITIONS: dict[tuple[str, str], Rule] = {
    (E.SCHEDULED, E.OPEN): Rule(RUN_ELECTION, system_may=True),
    (E.SCHEDULED, E.CANCELLED): Rule(RUN_ELECTION, requires=("reason",)),
    (E.OPEN, E.CLOSED): Rule(RUN_ELECTION, system_may=True),
    (E.OPEN, E.CANCELLED): Rule(RUN_ELECTION, requires=("reason",)),
    (E.CLOSED, E.CERTIFIED): Rule(RUN_ELECTION),
}

# Applications can be reviewed (and withdrawn) while the call takes or reviews them.
REVIEWABLE_CALL_STATES = frozenset({C.OPEN, C.REVIEW})
# Elections are drawn from calls whose applications have been reviewed.
ELECTION_CALL_STATES = frozenset({C.REVIEW, C.CLOSED})
# The counts exist for reading only once the polls have closed.
RESULTS_STATES = frozenset({E.CLOSED, E.CERTIFIED})
