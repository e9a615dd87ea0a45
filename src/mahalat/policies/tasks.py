"""Periodic work of policies and circulars, run by Celery beat (or `manage.py run_periodic`)."""

from __future__ import annotations

from dataclasses import asdict

from mahalat.celery import app
from mahalat.policies.services import policies_remind_unacknowledged


@app.task(name="policies.remind_acknowledgements", ignore_result=True)
def remind_acknowledgements() -> dict[str, int]:
    """Remind the districts that have not acknowledged a policy or circular, at most once a day each."""
    return asdict(policies_remind_unacknowledged())
