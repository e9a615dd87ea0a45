"""Each indicator's formula on the hand-made month of `world` (see conftest.py), worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from mahalat.insights.catalog import CATALOG
from mahalat.insights.models import IndicatorValue
from mahalat.insights.refresh import indicators_refresh
from tests.insights.conftest import ABAN, AZAR, MEHR, NOW, World


def value_of(code: str, kind: str, scope_id: int, month: tuple[int, int]) -> IndicatorValue:
    return IndicatorValue.objects.get(
        code=code, scope_kind=kind, scope_id=scope_id, year=month[0], month=month[1]
    )


@pytest.fixture
def refreshed(world: World) -> World:
    indicators_refresh(city=world.city, now=NOW)
    return world


def places(w: World) -> dict[str, tuple[str, int]]:
    t = w.town
    return {
        "n1": ("neighborhood", t.n1.pk),
        "n2": ("neighborhood", t.n2.pk),
        "n3": ("neighborhood", t.n3.pk),
        "a11": ("area", t.a11.pk),
        "d1": ("district", t.d1.pk),
        "d2": ("district", t.d2.pk),
        "city": ("city", t.city.pk),
        "water": ("agency", t.water.pk),
    }


def check(w: World, code: str, month: tuple[int, int], expected: dict[str, Any]) -> None:
    where = places(w)
    for place, wanted in expected.items():
        row = value_of(code, *where[place], month)
        if isinstance(wanted, tuple):
            wanted, sample = wanted
            assert row.sample == sample, (code, place, row.sample)
        if wanted is None:
            assert row.value is None, (code, place, row.value)
        else:
            assert row.value == pytest.approx(wanted, abs=1e-3), (code, place, row.value)


def test_reports_per_1000(refreshed: World) -> None:
    # n1: 4 reports / 2,000 residents; the unconfirmed one does not count.
    check(
        refreshed,
        "reports_per_1000",
        MEHR,
        {"n1": (2.0, 2000), "n2": (0.25, 4000), "n3": 0.0, "a11": 4 / 3, "d1": 4 / 3, "city": 5 / 7},
    )
    check(refreshed, "reports_per_1000", ABAN, {"n3": 1.0, "n1": 0.0, "city": 1 / 7})


def test_share_resolved(refreshed: World) -> None:
    # n1: only r1 is resolved or closed (r2 was reopened) of 4; n2: r5 of 1; city 2 of 5.
    check(refreshed, "reports_resolved_share", MEHR, {"n1": (25.0, 4), "n2": (100.0, 1), "city": (40.0, 5)})
    check(refreshed, "reports_resolved_share", MEHR, {"n3": (None, 0)})


def test_median_times(refreshed: World) -> None:
    # Triage: n1 2, 4, 6 hours → 4; n2 1 → 1; city 1, 2, 4, 6 → 3. Resolve: r1 10, r5 5 (r2 reopened).
    check(refreshed, "triage_hours_median", MEHR, {"n1": (4.0, 3), "n2": (1.0, 1), "city": (3.0, 4)})
    check(refreshed, "resolve_hours_median", MEHR, {"n1": (10.0, 1), "n2": (5.0, 1), "city": (7.5, 2)})


def test_service_levels_breached(refreshed: World) -> None:
    # n1: r1 resolved after its deadline, r2 open past it, r3 rejected (left out), r4 not due yet.
    check(
        refreshed,
        "service_level_breached_share",
        MEHR,
        {"n1": (100.0, 2), "n2": (0.0, 1), "city": (200 / 3, 3)},
    )


def test_reopen_rate_and_satisfaction(refreshed: World) -> None:
    check(refreshed, "reopen_rate", MEHR, {"n1": (50.0, 2), "n2": (0.0, 1), "city": (100 / 3, 3)})
    check(
        refreshed, "satisfaction", MEHR, {"n1": (4.0, 1), "n2": (2.0, 1), "city": (3.0, 2), "n3": (None, 0)}
    )


def test_meetings_and_attendance(refreshed: World) -> None:
    # One regular meeting held of the two a month the policy asks; n2 and n3 have no council.
    check(
        refreshed, "meetings_held_share", MEHR, {"n1": (50.0, 2), "n2": (None, 0), "d1": 50.0, "city": 50.0}
    )
    check(refreshed, "meetings_held_share", ABAN, {"n1": (0.0, 2)})
    # The council's term began on 2026-06-01 (11 Khordad): expected from Khordad on.
    check(refreshed, "meetings_held_share", (1405, 3), {"n1": (0.0, 2)})
    check(refreshed, "attendance_share", MEHR, {"n1": (75.0, 4), "city": (75.0, 4), "n2": (None, 0)})


def test_resolutions(refreshed: World) -> None:
    check(refreshed, "resolutions_adopted", MEHR, {"n1": 4.0, "a11": 4.0, "city": 4.0, "n2": 0.0})
    check(refreshed, "resolutions_adopted", ABAN, {"n1": 0.0})
    # Due in Mehr: R1 done on time, R2 done late, R3 still open → 1 of 3.
    check(refreshed, "resolutions_on_time_share", MEHR, {"n1": (100 / 3, 3), "city": (100 / 3, 3)})
    # Open at the end of Mehr past the deadline: R2 (done in Aban) and R3; of Aban: R3; now: R3.
    check(refreshed, "resolutions_overdue", MEHR, {"n1": 2.0, "city": 2.0})
    check(refreshed, "resolutions_overdue", ABAN, {"n1": 1.0})
    check(refreshed, "resolutions_overdue", AZAR, {"n1": 1.0, "n2": 0.0})


def test_referral_times_per_agency(refreshed: World) -> None:
    check(refreshed, "referral_acknowledge_hours_median", MEHR, {"water": (5.0, 3), "city": (5.0, 3)})
    check(refreshed, "referral_answer_hours_median", MEHR, {"water": (10.0, 1), "city": (10.0, 1)})


def test_every_indicator_has_a_row_for_every_scope_of_its_kinds(refreshed: World) -> None:
    counts = {"neighborhood": 3, "area": 2, "district": 2, "city": 1, "agency": 1}
    for code, entry in CATALOG.items():
        rows = IndicatorValue.objects.filter(code=code, year=MEHR[0], month=MEHR[1])
        assert rows.count() == sum(counts[k] for k in entry.scope_kinds), code
