"""Periodic work of council meetings, run by Celery beat (or `manage.py run_periodic`)."""

from __future__ import annotations

from mahalat.celery import app
from mahalat.meetings.services import meetings_send_reminders


@app.task(name="meetings.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Remind seated members of the meetings of the next 24 hours (once per meeting; hourly is enough)."""
    return meetings_send_reminders()
