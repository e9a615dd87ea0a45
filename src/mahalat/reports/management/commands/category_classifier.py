"""``manage.py category_classifier [--city SLUG] [--test-fraction 0.2] [--seed 1405] [--save]``: how
well the suggested category would do for a city.

Trains the classifier on part of the city's reports and prints its accuracy (top-1 and top-3) on the
reports held out, and how long it took. With ``--save`` it then trains on all of them and publishes the
model to the cache, as the daily job does. Without ``--city``, every city.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mahalat.reports import classifier
from mahalat.territory.models import City


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Measure the category suggestion on held-out reports (and, with --save, publish it).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", help=_("Only this city (its slug)."))
        parser.add_argument(
            "--test-fraction", type=float, default=0.2, help=_("Share of reports held out for testing.")
        )
        parser.add_argument("--seed", type=int, default=1405, help=_("Seed of the random split."))
        parser.add_argument(
            "--min-reports", type=int, default=200, help=_("Fewer usable reports than this: no model.")
        )
        parser.add_argument(
            "--min-per-category",
            type=int,
            default=10,
            help=_("Categories with fewer reports than this are left out."),
        )
        parser.add_argument(
            "--save", action="store_true", help=_("Then train on all reports and publish the model.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fraction = options["test_fraction"]
        if not 0 < fraction < 1:
            raise CommandError(_("--test-fraction must be between 0 and 1."))
        cities = City.objects.order_by("slug")
        if options["city"]:
            cities = cities.filter(slug=options["city"])
            if not cities.exists():
                raise CommandError(_("There is no city %(slug)s.") % {"slug": options["city"]})
        for city in cities:
            self._city(city, options)

    def _city(self, city: City, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        self.stdout.write(_("%(city)s (%(slug)s)") % {"city": city.display_name, "slug": city.slug})
        keys, slugs = classifier.training_data(city_id=city.pk, min_per_category=options["min_per_category"])
        categories = len(set(slugs))
        if len(slugs) < options["min_reports"] or categories < 2:
            self.stdout.write(
                "  "
                + _(
                    "Too little data: %(reports)s usable reports in %(categories)s categories; "
                    "at least %(min_reports)s reports in 2 categories of %(min_per_category)s are needed. "
                    "No suggestions are made."
                )
                % {
                    "reports": len(slugs),
                    "categories": categories,
                    "min_reports": options["min_reports"],
                    "min_per_category": options["min_per_category"],
                }
            )
            if options["save"]:
                classifier.delete_model(city.pk)
            return
        result = classifier.evaluate_split(
            city_id=city.pk,
            keys=keys,
            slugs=slugs,
            test_fraction=options["test_fraction"],
            seed=options["seed"],
        )
        lines = [
            _("Reports: %(reports)s in %(categories)s categories (%(train)s to train, %(test)s held out).")
            % {
                "reports": result.reports,
                "categories": result.categories,
                "train": result.train_reports,
                "test": result.test_reports,
            },
            _("Accuracy on the held-out reports: top-1 %(top1)s, top-3 %(top3)s.")
            % {"top1": _percent(result.top1), "top3": _percent(result.top3)},
            _("Training took %(train).2f s; %(total).2f s in all.")
            % {"train": result.train_seconds, "total": time.perf_counter() - started},
        ]
        if options["save"]:
            model = classifier.fit(city_id=city.pk, keys=keys, slugs=slugs, seed=options["seed"])
            model.meta.update(top1=round(result.top1, 4), top3=round(result.top3, 4))
            classifier.store_model(model)
            lines.append(
                _(
                    "Trained on all %(reports)s reports and published; web processes use it within "
                    "%(seconds)s s."
                )
                % {"reports": len(slugs), "seconds": int(classifier.CHECK_SECONDS)}
            )
            if isinstance(classifier.model_cache(), LocMemCache):
                lines.append(
                    _(
                        "Warning: the cache is this process's own memory (no REDIS_URL), so other "
                        "processes will not see this model."
                    )
                )
        for line in lines:
            self.stdout.write("  " + line)
