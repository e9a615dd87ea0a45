"""Periodic work of councils, run by Celery beat (or `manage.py run_periodic`)."""

from __future__ import annotations

from mahalat.celery import app
from mahalat.councils.services import councils_end_expired_terms


@app.task(name="councils.end_expired_terms", ignore_result=True)
def end_expired_terms() -> int:
    """Move every active council whose term has passed to "term ended"; how many."""
    return councils_end_expired_terms()
