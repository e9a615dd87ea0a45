"""Periodic work of referrals, run by Celery beat (or `manage.py run_periodic`)."""

from __future__ import annotations

from dataclasses import asdict

from mahalat.celery import app
from mahalat.referrals.services import referrals_check_deadlines
from mahalat.referrals.webhooks import webhooks_deliver_all_due, webhooks_deliver_due


@app.task(name="referrals.check_deadlines", ignore_result=True)
def check_deadlines() -> dict[str, int]:
    """Remind before each referral deadline and escalate each breach, once each."""
    return asdict(referrals_check_deadlines())


@app.task(name="referrals.deliver_webhooks", ignore_result=True)
def deliver_webhooks(delivery_ids: list[int] | None = None) -> dict[str, int]:
    """POST agency webhooks: the given fresh deliveries at once (started after the change commits), or,
    from the schedule every minute, every delivery whose (re)try is due."""
    if delivery_ids:
        return asdict(webhooks_deliver_due(ids=[int(pk) for pk in delivery_ids], batch=len(delivery_ids)))
    return asdict(webhooks_deliver_all_due())
