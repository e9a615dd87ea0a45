"""Time a full and an incremental indicator refresh on a city already in the database.

Load the demo city (with its reports) into a throwaway database first, for example:

    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python manage.py load_demo_city
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/indicators_bench.py [--city kuhsar]

Prints the months, rows and wall time of a full recompute, of an incremental refresh right after it
(nothing changed: the current month only) and of one after a report of an old month changed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mahalat.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from mahalat.insights.refresh import indicators_refresh  # noqa: E402
from mahalat.reports.models import Report  # noqa: E402
from mahalat.territory.models import City  # noqa: E402


def run(label: str, **kwargs: object) -> None:
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        stats = indicators_refresh(**kwargs)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    figures = f"{len(stats.months):>3} months {stats.rows:>7} rows {len(queries):>4} queries"
    print(f"{label:<28} {figures} {elapsed:7.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--city", default=None, help="the city's slug (default: the first city)")
    args = parser.parse_args()
    city = City.objects.get(slug=args.city) if args.city else City.objects.order_by("pk").first()
    if city is None:
        sys.exit("No city in the database: run manage.py load_demo_city first.")
    reports = Report.objects.filter(city=city).count()
    print(f"{city} — {reports} reports, {connection.vendor}")
    # Past the overlap after the rows just loaded, so "no change" really is none.
    now = timezone.now() + timedelta(minutes=10)
    run("full recompute", city=city, now=now, full=True)
    run("incremental, no change", city=city, now=now + timedelta(minutes=15))
    old = Report.objects.filter(city=city).order_by("submitted_at").first()
    if old is not None:
        Report.objects.filter(pk=old.pk).update(state_changed_at=now + timedelta(minutes=20))
    run("incremental, one old report", city=city, now=now + timedelta(minutes=30))


if __name__ == "__main__":
    main()
