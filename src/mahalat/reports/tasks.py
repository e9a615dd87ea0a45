"""Periodic work of citizen reports, run by Celery beat (or `manage.py run_periodic`)."""

from __future__ import annotations

from dataclasses import asdict

from mahalat.celery import app
from mahalat.reports.classifier import retrain_all
from mahalat.reports.services import reports_close_resolved, reports_escalate_overdue


@app.task(name="reports.escalate_overdue", ignore_result=True)
def escalate_overdue() -> dict[str, int]:
    """Raise overdue reports one level and tell the people responsible, once per breach."""
    return asdict(reports_escalate_overdue())


@app.task(name="reports.close_resolved", ignore_result=True)
def close_resolved() -> int:
    """Close resolved reports whose reporter did not answer within REPORT_AUTO_CLOSE_DAYS."""
    return reports_close_resolved()


@app.task(name="reports.retrain_classifier", ignore_result=True)
def retrain_classifier() -> dict[str, dict[str, object]]:
    """Retrain every city's category classifier on its reports (daily); silent cities lose theirs."""
    return retrain_all()
