"""``manage.py import_boundaries FILE --city SLUG``: load a city's boundaries from a GeoJSON file.

The file format is described in `mahalat.territory.boundaries`. Every problem is printed, one per
line, and nothing is written unless the whole file is right.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from mahalat.territory.boundaries import (
    LEVELS,
    BoundaryImportError,
    BoundaryProblem,
    boundaries_import,
    validate_feature_collection,
)
from mahalat.territory.models import City
from mahalat.territory.services import city_create


def read_geojson(path: Path) -> object:
    """The parsed JSON of a UTF-8 file, or a CommandError saying clearly what is wrong with it."""
    try:
        # utf-8-sig: files saved by some Windows editors start with a byte order mark.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise CommandError(_("File not found: %(path)s") % {"path": path}) from exc
    except UnicodeDecodeError as exc:
        raise CommandError(
            _("%(path)s is not UTF-8 text (byte %(position)s).") % {"path": path, "position": exc.start}
        ) from exc
    except OSError as exc:
        raise CommandError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            _("%(path)s is not valid JSON: %(error)s at line %(line)s, column %(column)s.")
            % {"path": path, "error": exc.msg, "line": exc.lineno, "column": exc.colno}
        ) from exc


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # A property, so it is translated when asked for (argparse cannot take a lazy string).
        return _("Import a city's districts, areas and neighborhoods from a GeoJSON FeatureCollection.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("GeoJSON file (UTF-8)."))
        parser.add_argument("--city", required=True, help=_("Slug of the city."))
        parser.add_argument(
            "--create-city", action="store_true", help=_("Create the city if there is none with this slug.")
        )
        parser.add_argument("--city-name", default="", help=_("Persian name of a city to create."))
        parser.add_argument("--city-name-en", default="", help=_("English name of a city to create."))
        parser.add_argument(
            "--tolerance",
            type=float,
            default=0.001,
            help=_("Allowed overlap or overhang, as a fraction of the smaller area (default 0.001)."),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("Check the file only; write nothing."))

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        tolerance: float = options["tolerance"]
        if not 0.0 <= tolerance < 1.0:
            raise CommandError(_("The tolerance must be a fraction from 0 up to (not including) 1."))
        collection = read_geojson(path)
        total = len(collection.get("features") or []) if isinstance(collection, dict) else 0

        # One transaction for the city (if created) and the import: a failure leaves nothing behind.
        with transaction.atomic():
            city = self._city(options)
            if options["dry_run"]:
                plan = validate_feature_collection(
                    city=city, collection=collection, overlap_tolerance=tolerance
                )
                transaction.set_rollback(True)  # a city created for the check is not kept
                if plan.problems:
                    self._fail(plan.problems)
                self.stdout.write(_("The file is valid; nothing was written (dry run)."))
                for level, counts in plan.counts().items():
                    self.stdout.write(
                        _("  %(level)s: %(create)s to create, %(update)s to update")
                        % {"level": level, "create": counts["create"], "update": counts["update"]}
                    )
                return
            # tqdm writes carriage returns; the wrapper would add a newline to each, so use its stream.
            stream = getattr(self.stderr, "_out", sys.stderr)
            with tqdm(total=total, file=stream, unit=_("feature"), disable=None, leave=False) as bar:
                try:
                    summary = boundaries_import(
                        actor=None,
                        city=city,
                        collection=collection,
                        overlap_tolerance=tolerance,
                        progress=bar.update,
                    )
                except BoundaryImportError as exc:
                    bar.close()
                    self._fail(exc.problems)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported boundaries of %(city)s: %(created)s created, %(updated)s updated, "
                    "%(unchanged)s unchanged; boundaries version %(version)s."
                )
                % {
                    "city": city.slug,
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                    "version": summary.boundaries_version,
                }
            )
        )
        for level in LEVELS:
            counts = summary.by_level[level]
            self.stdout.write(
                _("  %(level)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged")
                % {"level": level, **counts}
            )

    def _city(self, options: dict[str, Any]) -> City:
        slug: str = options["city"]
        city = City.objects.filter(slug=slug).first()
        if city is not None:
            return city
        if not options["create_city"]:
            raise CommandError(
                _("There is no city with the slug %(slug)s (add --create-city to create it).")
                % {"slug": slug}
            )
        if not options["city_name"] or not options["city_name_en"]:
            raise CommandError(_("--create-city needs --city-name and --city-name-en."))
        try:
            city = city_create(
                actor=None, slug=slug, name=options["city_name"], name_en=options["city_name_en"]
            )
        except ValidationError as exc:
            messages = [f"{key}: {m}" for key, ms in exc.message_dict.items() for m in ms]
            raise CommandError("\n".join(messages)) from exc
        self.stdout.write(_("Created the city %(slug)s.") % {"slug": slug})
        return city

    def _fail(self, problems: list[BoundaryProblem]) -> NoReturn:
        for problem in problems:
            self.stderr.write(str(problem))
        raise CommandError(_("%(count)s problem(s) found; nothing was imported.") % {"count": len(problems)})
