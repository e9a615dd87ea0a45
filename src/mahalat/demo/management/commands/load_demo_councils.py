"""``manage.py load_demo_councils [--seed 1405] [--no-progress]``: give every neighborhood of the demo
city its council and a year of its work (see `mahalat.demo.council_loader`).

Needs the demo city (``manage.py load_demo_city``, which also loads the councils). Loads the citizen
reports first (``manage.py load_demo_reports``) for agendas made of them. Does nothing when the demo
city already has councils.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mahalat.demo.council_loader import DEFAULT_SEED, DemoCouncilsSummary, demo_councils_load
from mahalat.resolutions.models import ResolutionState


def describe(summary: DemoCouncilsSummary) -> list[str]:
    """Lines that tell a person what the load did; shared with ``load_demo_city``."""
    if not summary.created:
        return [
            _("The demo city already has its councils (%(councils)s); nothing was changed.")
            % {"councils": summary.councils}
        ]
    states = "، ".join(
        f"{ResolutionState(state).label} {n}" for state, n in summary.resolutions_by_state.items()
    )
    return [
        _(
            "Demo councils: %(current)s current councils (%(councils)s with previous terms), %(members)s "
            "seated members, %(users)s people created (%(seconds).1f s)."
        )
        % {
            "current": summary.current_councils,
            "councils": summary.councils,
            "members": summary.members,
            "users": summary.users_created,
            "seconds": summary.seconds,
        },
        _(
            "%(meetings)s meetings, %(items)s agenda items, %(votes)s member votes; %(elections)s elections "
            "(%(ballots)s ballots), %(applications)s applications."
        )
        % {
            "meetings": summary.meetings,
            "items": summary.agenda_items,
            "votes": summary.member_votes,
            "elections": summary.elections,
            "ballots": summary.ballots,
            "applications": summary.applications,
        },
        _("%(resolutions)s resolutions: %(states)s; %(overdue)s overdue.")
        % {"resolutions": summary.resolutions, "states": states, "overdue": summary.overdue},
    ]


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Give every neighborhood of the demo city a council with a year of meetings, votes, minutes "
            "and resolutions, an open registration call and a running election."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=_("Seed of the random draws (default %(default)s)."),
        )
        parser.add_argument("--no-progress", action="store_true", help=_("Do not show a progress bar."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = demo_councils_load(seed=options["seed"], progress=not options["no_progress"])
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        for line in describe(summary):
            self.stdout.write(self.style.SUCCESS(line) if summary.created else line)
