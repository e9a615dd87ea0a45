"""``manage.py load_demo_city [--if-missing] [--no-reports] [--no-councils] [--no-referrals]
[--no-deputy] [--no-progress]``: load the demo city «کوهسار (شهر نمایشی)», then a year of its
citizen reports with their referrals to agencies (``manage.py load_demo_reports``), then its councils
with a year of their meetings and resolutions (``manage.py load_demo_councils``), then the referrals
districts make directly and from resolutions (``manage.py load_demo_referrals``), and last the
deputy's side: policies and circulars, programs, needs assessments, indicator targets and a year of
indicator values (``mahalat.demo.deputy_loader``).

Safe to run again: it only adds what is missing. ``--if-missing`` returns at once (one query) when
the demo city is already there, which is what ``make run`` wants on every start. ``--no-reports``
skips the reports (they take a minute or two on SQLite) and the other referrals, ``--no-councils`` the
councils (about half a minute), ``--no-referrals`` the direct and resolution referrals, ``--no-deputy``
the deputy's side.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mahalat.demo.city import CITY_SLUG
from mahalat.demo.council_loader import demo_councils_load
from mahalat.demo.deputy_loader import demo_deputy_load
from mahalat.demo.management.commands.load_demo_councils import describe as describe_councils
from mahalat.demo.management.commands.load_demo_referrals import describe as describe_referrals
from mahalat.demo.management.commands.load_demo_reports import describe
from mahalat.demo.referral_loader import demo_referrals_load
from mahalat.demo.reports import demo_reports_load
from mahalat.demo.services import demo_city_load
from mahalat.territory.models import City


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # A property, so it is translated when asked for (argparse cannot take a lazy string).
        return _(
            "Load the demo city Kuhsar: its districts, areas, neighborhoods, agencies and demo accounts."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help=_("Do nothing if the demo city is already in the database."),
        )
        parser.add_argument(
            "--no-reports",
            action="store_true",
            help=_("Do not load the year of citizen reports (manage.py load_demo_reports loads them later)."),
        )
        parser.add_argument(
            "--no-councils",
            action="store_true",
            help=_("Do not load the councils (manage.py load_demo_councils loads them later)."),
        )
        parser.add_argument(
            "--no-referrals",
            action="store_true",
            help=_("Do not load the direct and resolution referrals (manage.py load_demo_referrals does)."),
        )
        parser.add_argument(
            "--no-deputy",
            action="store_true",
            help=_("Do not load the policies, programs, needs assessments, targets and indicator values."),
        )
        parser.add_argument("--no-progress", action="store_true", help=_("Do not show a progress bar."))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_missing"] and City.objects.filter(slug=CITY_SLUG).exists():
            self.stdout.write(
                _("The demo city “%(slug)s” is already loaded; nothing to do.") % {"slug": CITY_SLUG}
            )
            return
        try:
            summary = demo_city_load(progress=not options["no_progress"])
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo city “%(slug)s”: %(districts)s districts, %(areas)s areas, %(neighborhoods)s "
                    "neighborhoods, %(agencies)s agencies, %(users)s demo users (%(seconds).1f s)."
                )
                % {
                    "slug": summary.city_slug,
                    "districts": summary.districts,
                    "areas": summary.areas,
                    "neighborhoods": summary.neighborhoods,
                    "agencies": summary.agencies,
                    "users": summary.users,
                    "seconds": summary.seconds,
                }
            )
        )
        if summary.changed:
            self.stdout.write(
                _(
                    "Created now: %(territory)s territory units, %(agencies)s agencies, %(users)s users, "
                    "%(roles)s role assignments."
                )
                % {
                    "territory": summary.territory_created,
                    "agencies": summary.agencies_created,
                    "users": summary.users_created,
                    "roles": summary.assignments_created,
                }
            )
        else:
            self.stdout.write(_("Everything was already in place; nothing was changed."))
        if not options["no_reports"]:
            try:
                reports = demo_reports_load(progress=not options["no_progress"])
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from exc
            for line in describe(reports):
                self.stdout.write(line)
        if not options["no_councils"]:
            # After the reports, so the councils' agendas take up the neighborhoods' own reports.
            try:
                councils = demo_councils_load(progress=not options["no_progress"])
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from exc
            for line in describe_councils(councils):
                self.stdout.write(line)
        if not options["no_reports"] and not options["no_referrals"]:
            # Last: the districts' own referrals and those carrying out the councils' resolutions.
            try:
                referrals = demo_referrals_load(progress=not options["no_progress"])
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from exc
            for line in describe_referrals(referrals):
                self.stdout.write(line)
        if not options["no_deputy"]:
            # Last of all: the indicators are computed from everything loaded before.
            try:
                deputy = demo_deputy_load()
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from exc
            for line in deputy.lines:
                self.stdout.write(line)
            self.stdout.write(
                _("Indicators: %(rows)s values over %(months)s months (%(seconds).1f s).")
                % {"rows": deputy.indicator_rows, "months": deputy.months, "seconds": deputy.seconds}
            )
        self.stdout.write(_("To see the demo accounts and their password: manage.py demo_accounts"))
