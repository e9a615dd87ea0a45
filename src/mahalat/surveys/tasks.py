"""Periodic work of needs assessments, run by Celery beat (or `manage.py run_periodic`)."""

from __future__ import annotations

from dataclasses import asdict

from mahalat.celery import app
from mahalat.surveys.services import surveys_advance


@app.task(name="surveys.advance", ignore_result=True)
def advance() -> dict[str, int]:
    """Open the scheduled surveys whose opening time has come; close the open ones whose time is up."""
    return asdict(surveys_advance())
