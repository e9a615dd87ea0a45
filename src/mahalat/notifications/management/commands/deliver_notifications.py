"""``manage.py deliver_notifications [--loop] [--interval SECONDS] [--batch N]``: deliver the outbox
without Celery. Once by default; with ``--loop``, for ever, resting ``--interval`` seconds whenever
nothing is due (stop it with Ctrl-C or SIGTERM). Several may run at once: they never send one row twice.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.translation import gettext as _

from mahalat.notifications.delivery import DeliveryStats, deliver_due


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Deliver the notifications that are due (SMS, email, in the app).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help=_("Keep running, checking regularly."))
        parser.add_argument(
            "--interval", type=float, default=30.0, help=_("Seconds to rest when nothing is due.")
        )
        parser.add_argument("--batch", type=int, default=100, help=_("Notifications claimed at a time."))

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, options["batch"])
        if not options["loop"]:
            total = DeliveryStats()
            while True:
                stats = deliver_due(batch=batch)
                total.add(stats)
                if stats.claimed < batch:
                    break
            self._report(total)
            return
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                close_old_connections()
                stats = deliver_due(batch=batch)
                if stats.claimed:
                    self._report(stats)
                if stats.claimed < batch:
                    time.sleep(options["interval"])
        except KeyboardInterrupt:
            pass

    def _report(self, stats: DeliveryStats) -> None:
        self.stdout.write(
            _("Delivered %(sent)s, to retry %(retrying)s, failed %(failed)s (of %(claimed)s due).")
            % {
                "sent": stats.sent,
                "retrying": stats.retrying,
                "failed": stats.failed,
                "claimed": stats.claimed,
            }
        )
