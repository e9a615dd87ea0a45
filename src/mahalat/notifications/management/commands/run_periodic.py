"""``manage.py run_periodic [--once]``: the periodic jobs without Celery.

Runs every task of CELERY_BEAT_SCHEDULE in this process on its own interval — delivering
notifications, escalating overdue reports, closing resolved ones. `make run` starts it beside the
web server, so the embedded installation needs no broker; production runs `celery -A mahalat worker -B`
instead, which reads the same schedule.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from mahalat.celery import app

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic jobs (the Celery beat schedule) in this process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        app.loader.import_default_modules()  # registers every app's tasks
        schedule = {
            name: (entry["task"], float(entry["schedule"]))
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        due_at = dict.fromkeys(schedule, 0.0)
        while True:
            now = time.monotonic()
            for name, (task_name, interval) in schedule.items():
                if now < due_at[name]:
                    continue
                try:
                    result = app.tasks[task_name].apply().get(propagate=True)
                    self.stdout.write(f"{name}: {result}")
                except Exception:  # one failing job must not stop the others
                    logger.exception("periodic job %s failed", name)
                due_at[name] = now + interval
            if options["once"]:
                return
            time.sleep(max(1.0, min(due_at.values()) - time.monotonic()))
