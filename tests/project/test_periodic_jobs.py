"""Every periodic job in the schedule exists and runs: a job whose task is missing would fail silently
in `run_periodic` (it logs and goes on), so this is where a typo in a task name shows."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from mahalat.celery import app


def test_every_scheduled_task_is_registered() -> None:
    app.loader.import_default_modules()
    missing = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] not in app.tasks]
    assert not missing


@pytest.mark.django_db
def test_run_periodic_once_runs_every_job_without_error() -> None:
    out = StringIO()
    call_command("run_periodic", "--once", stdout=out)
    ran = {line.split(":", 1)[0] for line in out.getvalue().splitlines()}
    assert set(settings.CELERY_BEAT_SCHEDULE) <= ran
