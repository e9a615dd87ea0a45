"""The lifecycles of meetings, agenda items and minutes as tables: which state may become which, and
who may make it so.

A transition not in a table is refused with a clear message (409 in the API). The tables are the only
place the lifecycles are written down; each has one service that applies it
(`meeting_transition`, `agenda_item_transition`, `minutes_transition`).
"""

from __future__ import annotations

from mahalat.meetings.models import AgendaItemState as I
from mahalat.meetings.models import MeetingState as M
from mahalat.meetings.models import MinutesState as N
from mahalat.workflow import Rule

RUN = "meetings.run_meeting"
MANAGE = "meetings.manage_agenda"
SCHEDULE = "meetings.schedule_meeting"
PROPOSE = "meetings.propose_agenda_item"
WRITE = "meetings.write_minutes"
APPROVE = "meetings.approve_minutes"


MEETING_TRANSITIONS: dict[tuple[str, str], Rule] = {
    (M.SCHEDULED, M.IN_SESSION): Rule(RUN),
    (M.SCHEDULED, M.CANCELLED): Rule(SCHEDULE, requires=("reason",)),
    (M.IN_SESSION, M.CLOSED): Rule(RUN),
}

AGENDA_ITEM_TRANSITIONS: dict[tuple[str, str], Rule] = {
    # A proposal is placed on a scheduled meeting's agenda, or withdrawn.
    (I.PROPOSED, I.SCHEDULED): Rule(MANAGE, requires=("meeting",)),
    (I.PROPOSED, I.WITHDRAWN): Rule(MANAGE),
    # A deferred item goes on a later meeting's agenda.
    (I.DEFERRED, I.SCHEDULED): Rule(MANAGE, requires=("meeting",)),
    (I.DEFERRED, I.WITHDRAWN): Rule(MANAGE),
    (I.SCHEDULED, I.DEFERRED): Rule(MANAGE),
    (I.SCHEDULED, I.WITHDRAWN): Rule(MANAGE),
    # In the session: vote on it, or discuss it without a vote.
    (I.SCHEDULED, I.VOTING): Rule(RUN, requires=("vote",)),
    (I.SCHEDULED, I.DISCUSSED): Rule(RUN),
    (I.VOTING, I.DECIDED): Rule(RUN),
}

MINUTES_TRANSITIONS: dict[tuple[str, str], Rule] = {
    (N.DRAFT, N.APPROVED): Rule(APPROVE),
    (N.APPROVED, N.PUBLISHED): Rule(WRITE),
}

# Items still to be dealt with while a meeting is in session.
OPEN_ITEM_STATES = frozenset({I.SCHEDULED, I.VOTING})
