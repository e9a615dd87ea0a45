"""``manage.py generate_scale_data --size small|city|country [--city-slug scale] [--seed 1405]
[--fraction 0.1] [--replace] [--no-indicators] [--no-progress]``: a synthetic, consistent data set for
measuring the platform (see `mahalat.scale.generate`). The database is the one DATABASE_URL names.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mahalat.scale.generate import ScaleSummary, scale_data_generate
from mahalat.scale.sizes import SIZES

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def summary_lines(summary: ScaleSummary) -> list[str]:
    """The table printed at the end: rows, seconds and rows per second per table, then the total."""
    header = f"{_('table'):<34} {_('rows'):>12} {_('seconds'):>9} {_('rows/s'):>12}"
    lines = [header, "-" * len(header)]
    for stats in summary.tables.values():
        if stats.rows:
            lines.append(f"{stats.table:<34} {stats.rows:>12,} {stats.seconds:>9.1f} {stats.rate:>12,.0f}")
        elif stats.seconds:
            lines.append(f"{stats.table:<34} {'':>12} {stats.seconds:>9.1f} {'':>12}")
    lines.append("-" * len(header))
    lines.append(
        f"{_('total (wall time)'):<34} {summary.rows:>12,} {summary.seconds:>9.1f} {summary.rate:>12,.0f}"
    )
    return lines


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Generate a synthetic city (or country) of a named size for measuring the platform.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), required=True, help=_("The named size."))
        parser.add_argument(
            "--city-slug",
            default="scale",
            help=_("Slug of the generated city; several cities get -01, -02… (default %(default)s)."),
        )
        parser.add_argument(
            "--seed", type=int, default=1405, help=_("Seed of the random draws (default %(default)s).")
        )
        parser.add_argument(
            "--fraction",
            type=float,
            default=1.0,
            help=_("Generate this fraction of the size's reports and residents, for quick runs."),
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help=_("Delete the city of that slug and everything generated for it first."),
        )
        parser.add_argument(
            "--no-indicators", action="store_true", help=_("Do not compute the indicator rows.")
        )
        parser.add_argument("--no-progress", action="store_true", help=_("Do not show progress bars."))

    def handle(self, *args: Any, **options: Any) -> None:
        fraction = options["fraction"]
        if not 0 < fraction <= 1:
            raise CommandError(_("The fraction must be more than 0 and at most 1."))
        slug = options["city_slug"]
        if not SLUG.fullmatch(slug):
            raise CommandError(
                _("The city slug must be lowercase letters, digits and hyphens, at most 40 of them.")
            )
        size = SIZES[options["size"]]
        if fraction < 1:
            size = size.scaled(fraction)
        try:
            summary = scale_data_generate(
                size=size,
                slug=slug,
                seed=options["seed"],
                replace=options["replace"],
                indicators=not options["no_indicators"],
                progress=not options["no_progress"],
            )
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(
            _("Generated %(cities)s: size %(size)s, %(reports)s reports per city.")
            % {"cities": ", ".join(summary.cities), "size": size.name, "reports": size.reports}
        )
        for line in summary_lines(summary):
            self.stdout.write(line)
