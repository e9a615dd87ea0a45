"""The deputy's side of the demo city: policies (some unacknowledged), programs, one completed and one
open needs assessment, targets, and a year of indicator values, so every dashboard is alive on first run.

A smaller year (150 reports, the councils, the referrals) is loaded once for the module, in a transaction
rolled back when the module ends."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from mahalat.demo.city import CITY_SLUG
from mahalat.demo.council_loader import demo_councils_load
from mahalat.demo.deputy_loader import DemoDeputySummary, demo_deputy_load
from mahalat.demo.referral_loader import demo_referrals_load
from mahalat.demo.reports import demo_reports_load
from mahalat.demo.services import demo_city_load
from mahalat.insights.catalog import ScopeKind
from mahalat.insights.models import IndicatorTarget, IndicatorValue
from mahalat.insights.periods import month_add, month_of
from mahalat.insights.selectors import Status, early_warnings, indicator_series, places_of
from mahalat.policies.models import Acknowledgement, Policy, PolicyState
from mahalat.programs.models import Program, ProgramState
from mahalat.surveys.models import Survey, SurveyState
from mahalat.territory.locate import invalidate_index
from mahalat.territory.models import City

REPORTS = 150


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoDeputySummary]:
    with django_db_blocker.unblock(), transaction.atomic():
        demo_city_load(progress=False)
        invalidate_index()
        demo_reports_load(count=REPORTS, progress=False)
        demo_councils_load(progress=False)
        demo_referrals_load(progress=False)
        yield demo_deputy_load()
        transaction.set_rollback(True)
    invalidate_index()


@pytest.fixture
def city(loaded: DemoDeputySummary) -> City:
    return City.objects.get(slug=CITY_SLUG)


@pytest.mark.django_db
def test_policies_and_circulars_some_still_unacknowledged(city: City) -> None:
    published = Policy.objects.filter(city=city, state=PolicyState.PUBLISHED)
    assert published.count() >= 5
    assert {p.kind for p in published} == {"policy", "circular"}
    waiting = Acknowledgement.objects.filter(policy__city=city, acknowledged_at__isnull=True)
    assert waiting.exists()
    assert Acknowledgement.objects.filter(policy__city=city, acknowledged_at__isnull=False).count() > (
        waiting.count()
    )


@pytest.mark.django_db
def test_programs_held_and_planned(city: City) -> None:
    states = Counter(Program.objects.filter(city=city).values_list("state", flat=True))
    assert states[ProgramState.HELD] >= 10
    assert states[ProgramState.PLANNED] >= 1


@pytest.mark.django_db
def test_one_completed_and_one_open_needs_assessment(city: City) -> None:
    states = Counter(Survey.objects.filter(city=city).values_list("state", flat=True))
    assert states[SurveyState.CLOSED] >= 1 and states[SurveyState.OPEN] >= 1
    closed = Survey.objects.filter(city=city, state=SurveyState.CLOSED).first()
    assert closed is not None and closed.responses.count() >= 30


@pytest.mark.django_db
def test_a_year_of_indicator_values(loaded: DemoDeputySummary, city: City) -> None:
    now = timezone.now()
    months = [month_add(month_of(now), -n) for n in range(12)]
    with_values = {
        (y, m)
        for y, m in IndicatorValue.objects.filter(
            city=city, scope_kind=ScopeKind.CITY, code="reports_per_1000", value__isnull=False
        ).values_list("year", "month")
    }
    assert set(months) <= with_values, "twelve months of values up to this one"
    assert loaded.indicator_rows == IndicatorValue.objects.filter(city=city).count() > 0
    assert loaded.months >= 12


@pytest.mark.django_db
def test_targets_make_some_districts_green_and_some_red(city: City) -> None:
    assert IndicatorTarget.objects.filter(city=city, district__isnull=True).count() >= 5
    assert IndicatorTarget.objects.filter(city=city, district__isnull=False).exists()
    last_month = month_add(month_of(timezone.now()), -1)
    statuses: Counter[str] = Counter()
    for place in places_of(city_id=city.pk, kind=ScopeKind.DISTRICT).values():
        for series in indicator_series(place=place, months=[last_month], internal=True):
            statuses[series.points[0].status] += 1
    assert statuses[Status.GREEN] and statuses[Status.RED], statuses
    assert early_warnings(city=city, month=last_month), "the early-warning list is not empty"


@pytest.mark.django_db
def test_loading_again_changes_nothing(loaded: DemoDeputySummary, city: City) -> None:
    counts = (
        Policy.objects.filter(city=city).count(),
        Program.objects.filter(city=city).count(),
        Survey.objects.filter(city=city).count(),
        IndicatorTarget.objects.filter(city=city).count(),
        IndicatorValue.objects.filter(city=city).count(),
    )
    again = demo_deputy_load()
    assert again.indicator_rows == loaded.indicator_rows
    assert counts == (
        Policy.objects.filter(city=city).count(),
        Program.objects.filter(city=city).count(),
        Survey.objects.filter(city=city).count(),
        IndicatorTarget.objects.filter(city=city).count(),
        IndicatorValue.objects.filter(city=city).count(),
    )


@pytest.mark.django_db
def test_load_demo_city_runs_the_deputy_stage_last_unless_told_not_to(
    loaded: DemoDeputySummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    from io import StringIO

    from django.core.management import call_command

    from mahalat.demo.management.commands import load_demo_city

    calls: list[int] = []

    def fake() -> DemoDeputySummary:
        calls.append(1)
        return DemoDeputySummary(lines=["deputy stage"], indicator_rows=7, months=12, seconds=0.1)

    monkeypatch.setattr(load_demo_city, "demo_deputy_load", fake)
    call_command(
        "load_demo_city", "--no-progress", "--no-reports", "--no-councils", "--no-deputy", stdout=StringIO()
    )
    assert calls == []
    out = StringIO()
    call_command("load_demo_city", "--no-progress", "--no-reports", "--no-councils", stdout=out)
    assert calls == [1]
    assert out.getvalue().strip().splitlines()[-3] == "deputy stage"
