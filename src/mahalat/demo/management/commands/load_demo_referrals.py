"""``manage.py load_demo_referrals [--seed 1405] [--no-progress]``: give the demo city the referrals
its districts make directly, to carry out council resolutions and to other municipal units (see
`mahalat.demo.referral_loader`).

Needs the demo city; best after ``manage.py load_demo_reports`` and ``manage.py load_demo_councils``
(``manage.py load_demo_city`` runs all of them). The referrals of citizen reports come with the
reports. Does nothing when the demo city already has such referrals.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mahalat.demo.referral_loader import DEFAULT_SEED, DemoReferralsSummary, demo_referrals_load
from mahalat.referrals.models import ReferralState


def describe(summary: DemoReferralsSummary) -> list[str]:
    """Lines that tell a person what the load did; shared with ``load_demo_city``."""
    if not summary.created:
        return [
            _("The demo city already has its referrals (%(referrals)s); nothing was changed.")
            % {"referrals": summary.referrals}
        ]
    states = "، ".join(f"{ReferralState(state).label} {n}" for state, n in summary.by_state.items())
    return [
        _(
            "Demo referrals: %(created)s created (%(seconds).1f s); %(referrals)s in the demo city: "
            "%(states)s; %(escalated)s escalations."
        )
        % {
            "created": summary.created,
            "seconds": summary.seconds,
            "referrals": summary.referrals,
            "states": states,
            "escalated": summary.escalated,
        }
    ]


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Give the demo city a year of referrals made directly and from council resolutions.")

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
            summary = demo_referrals_load(seed=options["seed"], progress=not options["no_progress"])
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        for line in describe(summary):
            self.stdout.write(self.style.SUCCESS(line) if summary.created else line)
