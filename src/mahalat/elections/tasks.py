"""Periodic work of council elections, run by Celery beat (or `manage.py run_periodic`)."""

from __future__ import annotations

from mahalat.celery import app
from mahalat.elections.services import elections_advance


@app.task(name="elections.advance", ignore_result=True)
def advance() -> int:
    """Open the polls that are due to open and close those due to close; how many elections changed."""
    return elections_advance()
