"""The life of one demo referral, planned before it is played: who acts on it, when, and what they write.

Pure planning, no database: the report load (`demo.reports`) and the referral load
(`demo.referral_loader`) turn these steps into calls of `referrals.services.referral_transition` under
their simulated clock. Times follow the agreement that governs the referral, counted in working hours
(the receiving body acts inside its office hours); a referral is late now and then, and the referrals
left waiting in the past are the ones the periodic job escalates.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mahalat.demo import referral_texts as texts
from mahalat.referrals.models import ReferralState
from mahalat.referrals.services import Hours
from mahalat.worktime.calendar import local_date

R = ReferralState

# How a referral ends (by now, or at the point where the load stops it): a state, or answered →
# reopened by the sender → answered again → done.
REOPENED_THEN_DONE = "reopened_then_done"
ENDINGS = (*R.values, REOPENED_THEN_DONE)
# The endings of a referral whose report has moved on, and of one still waiting somewhere.
FINISHED_ENDINGS: dict[str, float] = {R.DONE: 78, R.DECLINED: 12, REOPENED_THEN_DONE: 10}
WAITING_ENDINGS: dict[str, float] = {
    R.SENT: 3,
    R.ACKNOWLEDGED: 3,
    R.ACCEPTED: 2,
    R.ANSWERED: 2,
    R.REOPENED: 1,
}
LATE_SHARE = 0.15  # of the steps a body takes after its deadline


@dataclass(eq=False)
class ReferralStep:
    at: datetime
    who: Any  # the acting user
    to: str  # the referral's next state
    note: str = ""  # the note, the reason for declining, or the answer
    planned: date | None = None
    suggested_body: str = ""
    suggested_agency: str = ""  # a demo agency's slug


def draw_ending(rng: random.Random, *, waiting: bool) -> str:
    pool = WAITING_ENDINGS if waiting else FINISHED_ENDINGS
    return rng.choices(list(pool), list(pool.values()))[0]


def referral_steps(
    rng: random.Random,
    *,
    work: Callable[[datetime, float], datetime],
    sent_at: datetime,
    hours: Hours,
    sender: Any,
    receiver: Any,
    ending: str,
    responses: tuple[str, ...],
    declines: tuple[texts.Decline, ...],
) -> list[ReferralStep]:
    """The steps after sending, in order, up to `ending`. `work(start, hours)` is the moment `hours`
    working hours after `start`."""
    if ending not in ENDINGS:
        raise ValueError(ending)
    steps: list[ReferralStep] = []

    def factor(low: float, high: float) -> float:
        return rng.uniform(1.1, 2.4) if rng.random() < LATE_SHARE else rng.uniform(low, high)

    def answer(at: datetime, finish: datetime, pool: tuple[str, ...]) -> ReferralStep:
        # The day the work is done, or a working day or two later: a body plans with some margin.
        planned = local_date(work(finish, rng.choice((0.05, 0.05, 7.0, 14.0))))
        text = rng.choice(pool).format(date=texts.day_phrase(planned))
        return ReferralStep(at=at, who=receiver, to=R.ANSWERED, note=text, planned=planned)

    if ending == R.SENT:
        return steps
    t = work(sent_at, hours.acknowledge * factor(0.05, 0.9))
    steps.append(
        ReferralStep(at=t, who=receiver, to=R.ACKNOWLEDGED, note=rng.choice(texts.ACKNOWLEDGE_NOTES))
    )
    if ending == R.ACKNOWLEDGED:
        return steps
    if ending == R.DECLINED:
        t = work(t, rng.uniform(0.5, max(1.0, hours.answer * 0.6)))
        decline = rng.choice(declines)
        steps.append(
            ReferralStep(
                at=t,
                who=receiver,
                to=R.DECLINED,
                note=decline.reason,
                suggested_body=decline.suggested_body,
                suggested_agency=decline.suggested_agency,
            )
        )
        return steps
    t = work(t, rng.uniform(0.2, 4))
    steps.append(ReferralStep(at=t, who=receiver, to=R.ACCEPTED, note=rng.choice(texts.ACCEPT_NOTES)))
    if ending == R.ACCEPTED:
        return steps
    t_answer = max(work(sent_at, hours.answer * factor(0.3, 0.95)), work(t, 0.5))
    t_finish = work(t_answer, max(2.0, (hours.finish - hours.answer) * factor(0.15, 0.9)))
    steps.append(answer(t_answer, t_finish, responses))
    if ending == R.ANSWERED:
        return steps
    if ending in {R.REOPENED, REOPENED_THEN_DONE}:
        t_reopen = work(t_answer, rng.uniform(1, 12))
        steps.append(
            ReferralStep(at=t_reopen, who=sender, to=R.REOPENED, note=rng.choice(texts.REOPEN_NOTES))
        )
        if ending == R.REOPENED:
            return steps
        t_answer = work(t_reopen, rng.uniform(2, 16))
        t_finish = work(t_answer, rng.uniform(4, 40))
        steps.append(answer(t_answer, t_finish, texts.RESPONSES_AGAIN))
    steps.append(ReferralStep(at=t_finish, who=sender, to=R.DONE, note=rng.choice(texts.DONE_NOTES)))
    return steps


def reopened_steps(
    rng: random.Random,
    *,
    work: Callable[[datetime, float], datetime],
    at: datetime,
    sender: Any,
    receiver: Any,
    waiting: bool,
) -> list[ReferralStep]:
    """A referral reported done, reopened by the sender (the citizen found the work wanting), answered
    again and done again — or, `waiting`, left reopened."""
    steps = [ReferralStep(at=at, who=sender, to=R.REOPENED, note=rng.choice(texts.REOPEN_NOTES))]
    if waiting:
        return steps
    t_answer = work(at, rng.uniform(2, 16))
    t_finish = work(t_answer, rng.uniform(4, 40))
    planned = local_date(work(t_finish, rng.choice((0.05, 7.0))))
    text = rng.choice(texts.RESPONSES_AGAIN).format(date=texts.day_phrase(planned))
    steps.append(ReferralStep(at=t_answer, who=receiver, to=R.ANSWERED, note=text, planned=planned))
    steps.append(ReferralStep(at=t_finish, who=sender, to=R.DONE, note=rng.choice(texts.DONE_NOTES)))
    return steps
