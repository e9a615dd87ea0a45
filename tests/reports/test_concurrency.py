"""Two officers act on one report at the same moment: exactly one wins. Real threads, real PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from mahalat.errors import ConflictError
from mahalat.reports.models import Report, ReportState, ReportTransition
from mahalat.reports.services import report_submit, report_transition


@pytest.mark.django_db(transaction=True)
def test_simultaneous_transitions_on_one_report(town) -> None:
    report = report_submit(
        actor=town.people["citizen"],
        city=town.city,
        description="چاله",
        lat=town.P1[0],
        lng=town.P1[1],
        category_slug="lighting",
    )
    attempts = [
        (town.people["area_officer"], ReportState.TRIAGED, ""),
        (town.people["district_officer"], ReportState.REJECTED, "خارج از حوزه"),
    ]
    outcomes: list[str] = []

    def act(actor, to, note, barrier: threading.Barrier | None) -> None:
        try:
            if barrier:
                barrier.wait(timeout=10)
            report_transition(
                actor=actor, report=report, to=to, note=note, expected_state=ReportState.SUBMITTED
            )
            outcomes.append(f"won:{to}")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            if barrier:
                connections.close_all()

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(len(attempts))
        threads = [threading.Thread(target=act, args=(*a, barrier)) for a in attempts]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    else:  # SQLite serialises writers itself; the same two calls, one after the other
        for a in attempts:
            act(*a, None)

    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "won"]
    winner = next(o.split(":")[1] for o in outcomes if o.startswith("won"))
    assert Report.objects.get(pk=report.pk).state == winner
    assert ReportTransition.objects.filter(report=report).count() == 2
