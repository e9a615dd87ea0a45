"""Periodic work of council resolutions, run by Celery beat (or `manage.py run_periodic`)."""

from __future__ import annotations

from dataclasses import asdict

from mahalat.celery import app
from mahalat.resolutions.services import resolutions_escalate_overdue


@app.task(name="resolutions.escalate_overdue", ignore_result=True)
def escalate_overdue() -> dict[str, int]:
    """Raise overdue resolutions one level and tell the people responsible and the council, once each."""
    return asdict(resolutions_escalate_overdue())
