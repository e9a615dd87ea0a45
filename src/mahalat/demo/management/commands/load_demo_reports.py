"""``manage.py load_demo_reports [--count 2000] [--seed 1405] [--no-progress]``: give the demo city a
year of citizen reports (see `mahalat.demo.reports`).

Needs the demo city (``manage.py load_demo_city``, which also loads the reports unless told
``--no-reports``). Does nothing when the demo city already has at least ``--count`` reports.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mahalat.demo.reports import DEFAULT_COUNT, DEFAULT_SEED, DemoReportsSummary, demo_reports_load
from mahalat.reports.models import ReportState


def describe(summary: DemoReportsSummary) -> list[str]:
    """Lines that tell a person what the load did; shared with ``load_demo_city``."""
    if not summary.created:
        return [
            _("The demo city already has its reports (%(reports)s); nothing was changed.")
            % {"reports": summary.reports}
        ]
    states = "، ".join(f"{ReportState(state).label} {n}" for state, n in summary.by_state.items())
    return [
        _("Demo reports: %(created)s created (%(seconds).1f s); %(reports)s in the demo city: %(states)s.")
        % {
            "created": summary.created,
            "seconds": summary.seconds,
            "reports": summary.reports,
            "states": states,
        },
        _(
            "%(supports)s supports, %(comments)s comments (%(hidden)s hidden), %(ratings)s ratings, "
            "%(endorsements)s council endorsements, %(escalated)s escalations; %(residents)s residents "
            "and %(staff)s officers created."
        )
        % {
            "supports": summary.supports,
            "comments": summary.comments,
            "hidden": summary.hidden_comments,
            "ratings": summary.ratings,
            "endorsements": summary.endorsements,
            "escalated": summary.escalated,
            "residents": summary.residents_created,
            "staff": summary.staff_created,
        },
        _(
            "%(referrals)s referrals of reports to agencies; %(escalated)s referral deadlines breached and "
            "escalated."
        )
        % {"referrals": summary.referrals, "escalated": summary.referrals_escalated},
    ]


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Give the demo city a year of citizen reports, with their whole history.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--count", type=int, default=DEFAULT_COUNT, help=_("How many reports (default %(default)s).")
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=_("Seed of the random draws (default %(default)s)."),
        )
        parser.add_argument("--no-progress", action="store_true", help=_("Do not show a progress bar."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = demo_reports_load(
                count=options["count"], seed=options["seed"], progress=not options["no_progress"]
            )
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        for line in describe(summary):
            self.stdout.write(self.style.SUCCESS(line) if summary.created else line)
