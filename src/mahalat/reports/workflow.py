"""The report lifecycle as a table: which state may become which, who may make it so, and what it needs.

A transition not in the table is refused with a clear message (409 in the API). The table is the only
place the lifecycle is written down; `services.report_transition` is the only code that applies it.
"""

from __future__ import annotations

from mahalat.reports.models import ReportState as S
from mahalat.workflow import Rule
from mahalat.workflow import allowed_targets as next_states

HANDLE = "reports.handle_report"
CONFIRM = "reports.confirm_resolution"


TRANSITIONS: dict[tuple[str, str], Rule] = {
    (S.UNVERIFIED, S.SUBMITTED): Rule(permission=None, system_may=True),
    (S.SUBMITTED, S.TRIAGED): Rule(HANDLE),
    (S.SUBMITTED, S.REJECTED): Rule(HANDLE, requires=("reason",)),
    (S.SUBMITTED, S.DUPLICATE): Rule(HANDLE, requires=("duplicate_of",)),
    (S.TRIAGED, S.IN_PROGRESS): Rule(HANDLE),
    # A report is referred only through a referral (referrals.services.referral_create), which it
    # follows from then on: a decline hands it back (in progress), "done" resolves it.
    (S.TRIAGED, S.REFERRED): Rule(HANDLE, requires=("referral",)),
    (S.TRIAGED, S.REJECTED): Rule(HANDLE, requires=("reason",)),
    (S.TRIAGED, S.DUPLICATE): Rule(HANDLE, requires=("duplicate_of",)),
    (S.IN_PROGRESS, S.RESOLVED): Rule(HANDLE, requires=("note",)),
    (S.IN_PROGRESS, S.REFERRED): Rule(HANDLE, requires=("referral",)),
    (S.REFERRED, S.IN_PROGRESS): Rule(HANDLE, system_may=True),
    (S.REFERRED, S.RESOLVED): Rule(HANDLE, requires=("note",), system_may=True),
    (S.RESOLVED, S.CLOSED): Rule(CONFIRM, system_may=True),
    (S.RESOLVED, S.REOPENED): Rule(CONFIRM, requires=("note",)),
    (S.RESOLVED, S.REFERRED): Rule(HANDLE, requires=("referral",)),  # the district reopens the referral
    (S.REOPENED, S.IN_PROGRESS): Rule(HANDLE),
    (S.REOPENED, S.REFERRED): Rule(HANDLE, requires=("referral",)),
}

TERMINAL_STATES = frozenset({S.REJECTED, S.DUPLICATE, S.CLOSED})


def allowed_targets(state: str) -> list[str]:
    """The states a report in `state` may move to, in the table's order."""
    return next_states(TRANSITIONS, state)
