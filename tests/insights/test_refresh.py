"""Incremental refresh: only the months touched are recomputed, and the result is exactly what a full
recompute gives; the periodic task refreshes every city."""

from __future__ import annotations

from datetime import datetime, timedelta

from mahalat.insights.catalog import CATALOG
from mahalat.insights.models import IndicatorValue, RefreshState
from mahalat.insights.refresh import indicators_refresh
from mahalat.insights.tasks import refresh_indicators
from mahalat.reports.interactions import report_rate
from mahalat.reports.models import Report, ReportState
from mahalat.resolutions.models import ResolutionState
from mahalat.resolutions.services import resolution_transition
from tests.insights.conftest import NOW, TEHRAN, World, clock, hours, move, submit

R = ReportState


def snapshot() -> dict[tuple, tuple]:
    rows = IndicatorValue.objects.values_list(
        "code", "scope_kind", "scope_id", "year", "month", "value", "numerator", "denominator", "sample"
    )
    return {row[:5]: row[5:] for row in rows}


def test_first_refresh_is_full_and_covers_from_the_first_data(world: World) -> None:
    stats = indicators_refresh(city=world.city, now=NOW)
    assert stats.full
    # The council's term began in Khordad 1405: every month from then to Azar.
    assert stats.months == ["1405-03", "1405-04", "1405-05", "1405-06", "1405-07", "1405-08", "1405-09"]
    state = RefreshState.objects.get(city=world.city)
    assert (state.first_year, state.first_month) == (1405, 3)
    assert state.last_refresh_at == NOW and state.last_full_at == NOW
    assert stats.rows == IndicatorValue.objects.count()


def test_only_touched_months_are_recomputed(world: World) -> None:
    indicators_refresh(city=world.city, now=NOW)
    later = NOW + hours(1)
    move(world, world.reports["r4"], R.TRIAGED, later)  # a Mehr report
    stats = indicators_refresh(city=world.city, now=NOW + hours(2))
    assert not stats.full
    assert stats.months == ["1405-07", "1405-09"]  # its month and the current one
    fresh = IndicatorValue.objects.filter(computed_at=NOW + hours(2))
    assert set(fresh.values_list("year", "month").distinct()) == {(1405, 7), (1405, 9)}
    per_month = IndicatorValue.objects.filter(year=1405, month=8).count()
    assert fresh.count() == 2 * per_month
    assert IndicatorValue.objects.filter(year=1405, month=8, computed_at=NOW).count() == per_month
    # The triage median of n1 in Mehr took the new decision in: 2, 4, 6 and 59 hours → 5.
    row = IndicatorValue.objects.get(
        code="triage_hours_median", scope_kind="neighborhood", scope_id=world.town.n1.pk, year=1405, month=7
    )
    assert (row.value, row.sample) == (5.0, 4)


def test_nothing_changed_recomputes_the_current_month_only(world: World) -> None:
    indicators_refresh(city=world.city, now=NOW)
    stats = indicators_refresh(city=world.city, now=NOW + timedelta(minutes=15))
    assert stats.months == ["1405-09"]


def test_incremental_refreshes_equal_a_full_recompute(world: World) -> None:
    town = world.town
    indicators_refresh(city=world.city, now=NOW)
    # Changes of every source between refreshes, some reaching back to Mehr.
    step1 = NOW + timedelta(days=1)
    r7 = submit(town, town.P2, step1)
    move(world, world.reports["r4"], R.TRIAGED, step1 + hours(1))
    with clock(step1 + hours(2)):
        resolution_transition(
            actor=town.people["district_officer"],
            resolution=world.resolutions["R3"],
            to=ResolutionState.DONE,
            note="انجام شد",
        )
    indicators_refresh(city=world.city, now=step1 + hours(3))

    step2 = NOW + timedelta(days=3)
    move(world, world.reports["r2"], R.IN_PROGRESS, step2)
    move(world, world.reports["r2"], R.RESOLVED, step2 + hours(1), note="این بار درست شد")
    move(world, world.reports["r2"], R.CLOSED, step2 + hours(2), actor=town.people["citizen"])
    with clock(step2 + hours(3)):
        report_rate(
            actor=town.people["citizen"], report=Report.objects.get(pk=world.reports["r2"].pk), score=5
        )
    move(world, r7, R.TRIAGED, step2 + hours(4), actor=town.people["other_district_officer"])
    indicators_refresh(city=world.city, now=step2 + hours(5))

    # Into Dey: r4's resolution deadline (2026-12-23) passes with no change to its row.
    step3 = datetime(2026, 12, 26, 9, 0, tzinfo=TEHRAN)
    stats = indicators_refresh(city=world.city, now=step3)
    assert "1405-07" in stats.months  # the breach share of Mehr changed
    incremental = snapshot()

    IndicatorValue.objects.all().delete()
    RefreshState.objects.all().delete()
    full = indicators_refresh(city=world.city, now=step3)
    assert full.full
    assert snapshot() == incremental
    # r4's breach shows: n1 of Mehr now judges r1, r2 and r4 (all three late).
    row = IndicatorValue.objects.get(
        code="service_level_breached_share",
        scope_kind="neighborhood",
        scope_id=town.n1.pk,
        year=1405,
        month=7,
    )
    assert row.sample == 3


def test_full_flag_recomputes_everything(world: World) -> None:
    indicators_refresh(city=world.city, now=NOW)
    before = snapshot()
    stats = indicators_refresh(city=world.city, now=NOW + hours(1), full=True)
    assert stats.full and len(stats.months) == 7
    assert IndicatorValue.objects.exclude(computed_at=NOW + hours(1)).count() == 0
    assert snapshot().keys() == before.keys()


def test_periodic_task_refreshes_every_city(world: World, eager_celery: None) -> None:
    with clock(NOW):
        result = refresh_indicators.delay().get()
    assert result[world.city.slug] > 0
    assert RefreshState.objects.get(city=world.city).last_refresh_at == NOW
    assert IndicatorValue.objects.filter(code__in=list(CATALOG)).exists()


def test_a_change_dated_before_the_covered_months_fills_the_gap(world: World) -> None:
    indicators_refresh(city=world.city, now=NOW)
    # A report whose submission lies in Farvardin (before the first covered month, Khordad).
    old = submit(world.town, world.town.P1, NOW + hours(1))
    Report.objects.filter(pk=old.pk).update(submitted_at=datetime(2026, 4, 5, 10, 0, tzinfo=TEHRAN))
    stats = indicators_refresh(city=world.city, now=NOW + hours(2))
    assert stats.months[:3] == ["1405-01", "1405-02", "1405-03"]
    state = RefreshState.objects.get(city=world.city)
    assert (state.first_year, state.first_month) == (1405, 1)
