"""Periodic work of referrals, run by Celery beat (or `manage.py run_periodic`)."""

from __future__ import annotations

from dataclasses import asdict

from mahalat.celery import app
from mahalat.referrals.services import referrals_check_deadlines


@app.task(name="referrals.check_deadlines", ignore_result=True)
def check_deadlines() -> dict[str, int]:
    """Remind before each referral deadline and escalate each breach, once each."""
    return asdict(referrals_check_deadlines())
