"""``manage.py load_iranian_holidays [--year 1405 ...]``: load Iran's national holidays.

Loads the years in `mahalat.worktime.iranian_holidays` (1404–1406). Safe to run again: a day that
already has a national holiday is left as it is, so names edited by hand are kept. Religious holiday
dates there are entered per year and some are estimates; see that module.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mahalat.worktime.iranian_holidays import YEARS
from mahalat.worktime.services import national_holidays_load


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Load Iran's national holidays (fixed solar and religious) for the known Jalali years.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            dest="years",
            help=_("A Jalali year to load (repeatable; default: every known year)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        years = sorted(set(options["years"] or YEARS))
        unknown = [year for year in years if year not in YEARS]
        if unknown:
            raise CommandError(
                _("No holiday dates for %(years)s. Known years: %(known)s.")
                % {"years": ", ".join(map(str, unknown)), "known": ", ".join(map(str, YEARS))}
            )
        loaded = national_holidays_load(years=years)
        added, estimated = loaded.added, loaded.estimated
        self.stdout.write(
            _("Added %(added)s national holidays for %(years)s; %(present)s were already there.")
            % {"added": added, "years": ", ".join(map(str, years)), "present": loaded.already_there}
        )
        if estimated:
            self.stdout.write(
                _(
                    "%(count)s of them are estimated religious dates: check them against the official "
                    "calendar and correct them in the admin."
                )
                % {"count": estimated}
            )
