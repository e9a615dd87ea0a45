"""Periodic work of the indicators, run by Celery beat (or `manage.py run_periodic`)."""

from __future__ import annotations

import logging

from mahalat.celery import app
from mahalat.insights.refresh import indicators_refresh
from mahalat.territory.models import City

logger = logging.getLogger(__name__)


@app.task(name="insights.refresh_indicators", ignore_result=True)
def refresh_indicators() -> dict[str, int]:
    """Bring every city's indicator values up to date (incrementally); one city failing spares the rest."""
    rows: dict[str, int] = {}
    for city in City.objects.order_by("pk"):
        try:
            rows[city.slug] = indicators_refresh(city=city).rows
        except Exception:
            logger.exception("indicator refresh failed for city %s", city.pk)
    return rows
