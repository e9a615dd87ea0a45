"""Benchmark of referral work at city scale: the inbox's first page and the periodic deadline job.

Targets (issue 5, checked here, never in unit tests): with 50,000 referrals in the database, the first
page of the agency inbox, of a district's list and of the deputy's escalated filter each take under
150 ms and a fixed number of queries; the deadline job, which runs every five minutes and has kept up
(every past breach already alarmed), takes under 2 s when there is nothing new and under 10 s for a
run that finds 50 new breaches; an agency's scorecard over a year takes under 1 s.

Run it against a throwaway database — it adds rows and keeps them:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mahalat_bench \
        .venv/bin/python bench/referrals_bench.py [--referrals 50000]

The demo city is loaded first if the database has none (without its year of reports).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mahalat.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from mahalat.accounts.models import Role, RoleAssignment  # noqa: E402
from mahalat.referrals.models import (  # noqa: E402
    OPEN_REFERRAL_STATES,
    Agency,
    AlarmKind,
    DeadlineKind,
    Referral,
    ReferralAlarm,
    ReferralEscalation,
    ReferralState,
    SourceKind,
    TargetKind,
)
from mahalat.referrals.selectors import ReferralFilters, referral_list  # noqa: E402
from mahalat.referrals.services import DEADLINES, referrals_check_deadlines  # noqa: E402
from mahalat.territory.models import City, Neighborhood  # noqa: E402

STATES = [
    (ReferralState.SENT, 12),
    (ReferralState.ACKNOWLEDGED, 10),
    (ReferralState.ACCEPTED, 14),
    (ReferralState.DECLINED, 6),
    (ReferralState.ANSWERED, 14),
    (ReferralState.DONE, 40),
    (ReferralState.REOPENED, 4),
]


def timed(label: str, call: Callable[[], Any], *, repeat: int = 15) -> float:
    """Median wall time of `call` in milliseconds, with the query count of one run."""
    call()  # warm the caches a live server would have warm
    samples = []
    reset_queries()  # with DEBUG on, a full query log would hide this call's queries
    with CaptureQueriesContext(connection) as queries:
        call()
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    median = statistics.median(samples)
    print(f"  {label:<52} {median:8.1f} ms  {len(queries.captured_queries):3d} queries")
    return median


def fill(count: int, *, city: City, rng: random.Random) -> None:
    existing = Referral.objects.filter(city=city).count()
    if existing >= count:
        print(f"{existing} referrals already there")
        return
    agencies = list(Agency.objects.filter(city=city, is_active=True).prefetch_related("districts"))
    neighborhoods = list(Neighborhood.objects.filter(city=city))
    sender = RoleAssignment.objects.filter(role=Role.DISTRICT_OFFICER, city=city).first()
    assert agencies and neighborhoods and sender, "the demo city has agencies, neighborhoods and staff"
    now = timezone.now()
    states, weights = zip(*STATES, strict=True)
    rows = []
    for i in range(count - existing):
        place = rng.choice(neighborhoods)
        agency = rng.choice(agencies)
        sent = now - timedelta(hours=rng.uniform(0, 24 * 365))
        state = rng.choices(states, weights)[0]
        if state in OPEN_REFERRAL_STATES and now - sent > timedelta(days=45) and rng.random() < 0.95:
            state = ReferralState.DONE  # old referrals are mostly finished; a few are forgotten
        rows.append(
            Referral(
                city_id=city.pk,
                district_id=place.district_id,
                area_id=place.area_id,
                neighborhood_id=place.pk,
                source_kind=SourceKind.DIRECT,
                target_kind=TargetKind.AGENCY,
                target_agency=agency,
                subject=f"هماهنگی شماره {i}",
                state=state,
                sent_by_id=sender.user_id,
                sent_at=sent,
                state_changed_at=sent + timedelta(hours=rng.uniform(0, 200)),
                acknowledge_due_at=sent + timedelta(hours=16),
                answer_due_at=sent + timedelta(hours=72),
                finish_due_at=sent + timedelta(days=20),
                acknowledged_at=None if state == ReferralState.SENT else sent + timedelta(hours=5),
                answered_at=sent + timedelta(hours=60)
                if state in {ReferralState.ANSWERED, ReferralState.DONE}
                else None,
                done_at=sent + timedelta(days=9) if state == ReferralState.DONE else None,
            )
        )
    started = time.perf_counter()
    with transaction.atomic():
        alarms = _past_breaches(rows, now=now)
        Referral.objects.bulk_create(rows, batch_size=2000)
        ReferralAlarm.objects.bulk_create(alarms, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum would soon do after such a load
            cursor.execute("ANALYZE referrals_referral; ANALYZE referrals_referralalarm")
    print(
        f"added {len(rows)} referrals and the {len(alarms)} breaches a job that kept up would have "
        f"recorded, in {time.perf_counter() - started:.1f} s"
    )


def _past_breaches(rows: list[Referral], *, now: Any) -> list[ReferralAlarm]:
    """The alarms the periodic job wrote over the year, had it run every five minutes: one per deadline
    an open referral has passed. Sets each row's escalation level to match (first breach: the district,
    then the deputy); call before the rows are saved, make the alarms' rows after."""
    alarms = []
    for referral in rows:
        passed = [
            deadline
            for deadline, field, states in DEADLINES
            if referral.state in states and getattr(referral, field) < now
        ]
        referral.escalation_level = min(len(passed), ReferralEscalation.DEPUTY)
        alarms += [
            ReferralAlarm(referral=referral, deadline=d, kind=AlarmKind.BREACH, round=0, at=now)
            for d in passed
        ]
    return alarms


def _make_breaches(count: int, *, city: City) -> None:
    """`count` referrals waiting for acknowledgement pass that deadline a minute ago."""
    now = timezone.now()
    ids = list(
        Referral.objects.filter(city=city, state=ReferralState.SENT, acknowledge_due_at__gt=now)
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    if len(ids) < count:
        fresh = Referral.objects.filter(city=city, state=ReferralState.SENT).order_by("-id")[
            : count - len(ids)
        ]
        ids += [r.pk for r in fresh]
        ReferralAlarm.objects.filter(referral_id__in=ids, deadline=DeadlineKind.ACKNOWLEDGE).delete()
    Referral.objects.filter(pk__in=ids).update(
        acknowledge_due_at=now - timedelta(minutes=1),
        answer_due_at=now + timedelta(days=2),
        finish_due_at=now + timedelta(days=20),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--referrals", type=int, default=50_000)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("load_demo_city", "--if-missing", "--no-reports", "--no-progress")
    city = City.objects.get(slug="kuhsar")
    fill(args.referrals, city=city, rng=random.Random(1405))

    def person(role: str) -> Any:
        assignment = RoleAssignment.objects.filter(role=role, city=city).select_related("user").first()
        assert assignment is not None, role
        return assignment.user

    liaison, officer, deputy = person(Role.AGENCY_LIAISON), person(Role.DISTRICT_OFFICER), person(Role.DEPUTY)
    print(f"\n{Referral.objects.filter(city=city).count()} referrals in {city}")
    results = {
        "agency inbox, first page": timed(
            "agency inbox, first page",
            lambda: list(referral_list(user=liaison, city_id=city.pk)[:25]),
        ),
        "district list, overdue": timed(
            "district list, overdue, first page",
            lambda: list(
                referral_list(user=officer, city_id=city.pk, filters=ReferralFilters(due="overdue"))[:25]
            ),
        ),
        "deputy, escalated": timed(
            "deputy's list, escalated, first page",
            lambda: list(
                referral_list(user=deputy, city_id=city.pk, filters=ReferralFilters(escalated=True))[:25]
            ),
        ),
    }

    referrals_check_deadlines()  # what came due since the fill (reminders of the coming day)
    started = time.perf_counter()
    quiet = referrals_check_deadlines()
    quiet_s = time.perf_counter() - started
    print(f"  deadline job, nothing new                {quiet_s * 1000:12.0f} ms  {quiet}")
    _make_breaches(50, city=city)
    started = time.perf_counter()
    busy = referrals_check_deadlines()
    busy_s = time.perf_counter() - started
    print(f"  deadline job, 50 new breaches            {busy_s * 1000:12.0f} ms  {busy}")

    try:
        from mahalat.referrals.scorecard import agency_scorecard
    except ImportError:
        agency_scorecard = None
    scorecard_ms = 0.0
    if agency_scorecard is not None:
        agency = Agency.objects.filter(city=city).first()
        scorecard_ms = timed(
            "agency scorecard, the last year",
            lambda: agency_scorecard(agency=agency, start=None, end=None, now=timezone.now()),
            repeat=5,
        )

    failed = [label for label, ms in results.items() if ms > 150]
    if quiet_s > 2:
        failed.append("deadline job with nothing new")
    if busy_s > 10:
        failed.append("deadline job with 50 breaches")
    if scorecard_ms > 1000:
        failed.append("scorecard")
    print("\nall targets met" if not failed else f"\nMISSED: {', '.join(failed)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
