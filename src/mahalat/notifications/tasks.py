"""Background tasks of the notifications app."""

from __future__ import annotations

from dataclasses import asdict

from mahalat.celery import app
from mahalat.notifications.delivery import deliver_all_due


@app.task(name="notifications.deliver_notifications", ignore_result=True)
def deliver_notifications() -> dict[str, int]:
    """Deliver every due notification (started after each commit that enqueues, and every minute)."""
    return asdict(deliver_all_due())
