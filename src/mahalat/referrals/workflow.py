"""The referral lifecycle as a table: which state may become which, who may make it so, what it needs.

sent → acknowledged → accepted | declined → answered → done | reopened → answered … The receiving body
(an agency's liaison, or the staff of the municipal unit it was sent to) acknowledges, accepts or
declines, answers and may report it done; the sending district confirms it done or reopens it. The
table is the only place the lifecycle is written down; `services.referral_transition` is the only code
that applies it.
"""

from __future__ import annotations

from mahalat.referrals.models import ReferralState as S
from mahalat.workflow import Rule
from mahalat.workflow import allowed_targets as next_states

RECEIVE = "referrals.receive_referral"
FOLLOW_UP = "referrals.follow_up_referral"
CLOSE = "referrals.close_referral"

# requires: "reason" (why it is declined; the citizen sees it), "response" (the answer; the citizen sees
# it), "planned_date" (when the body plans to finish), "note" (why it is reopened).
TRANSITIONS: dict[tuple[str, str], Rule] = {
    (S.SENT, S.ACKNOWLEDGED): Rule(RECEIVE),
    (S.ACKNOWLEDGED, S.ACCEPTED): Rule(RECEIVE),
    (S.ACKNOWLEDGED, S.DECLINED): Rule(RECEIVE, requires=("reason",)),
    (S.ACCEPTED, S.ANSWERED): Rule(RECEIVE, requires=("response", "planned_date")),
    (S.ANSWERED, S.DONE): Rule(CLOSE),
    (S.ANSWERED, S.REOPENED): Rule(FOLLOW_UP, requires=("note",)),
    (S.DONE, S.REOPENED): Rule(FOLLOW_UP, requires=("note",)),
    (S.REOPENED, S.ANSWERED): Rule(RECEIVE, requires=("response", "planned_date")),
}

TERMINAL_STATES = frozenset({S.DECLINED})


def allowed_targets(state: str) -> list[str]:
    """The states a referral in `state` may move to, in the table's order."""
    return next_states(TRANSITIONS, state)
