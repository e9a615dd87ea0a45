"""The early-warning list: red or falling places, ranked only when their sample reaches the minimum."""

from __future__ import annotations

from mahalat.insights.models import IndicatorValue
from mahalat.insights.refresh import indicators_refresh
from mahalat.insights.selectors import Status, early_warnings
from mahalat.insights.services import target_set
from tests.insights.conftest import ABAN, MEHR, NOW, World


def _row(w: World, code: str, month: tuple[int, int], neighborhood: object) -> IndicatorValue:
    return IndicatorValue.objects.get(
        code=code, scope_kind="neighborhood", scope_id=neighborhood.pk, year=month[0], month=month[1]
    )


def test_red_places_with_enough_data_are_listed_with_their_trend(world: World) -> None:
    town = world.town
    indicators_refresh(city=town.city, now=NOW)
    deputy = town.people["deputy"]
    target_set(actor=deputy, city=town.city, code="resolutions_overdue", target=0)
    target_set(actor=deputy, city=town.city, code="reports_resolved_share", target=50)
    found = early_warnings(city=town.city, month=MEHR)
    listed = {(w.indicator.code, w.place.slug) for w in found}
    assert ("resolutions_overdue", "n1") in listed
    # n1 resolved only 25 % — red, but from 4 reports, below the minimum of 10: not ranked.
    assert ("reports_resolved_share", "n1") not in listed
    assert all(w.place.slug != "n2" for w in found)  # n2 is on target
    overdue = next(w for w in found if w.indicator.code == "resolutions_overdue")
    assert overdue.status == Status.RED and overdue.value == 2.0
    assert [m for m, _v in overdue.trend] == [(1405, 5), (1405, 6), MEHR]
    assert [v for _m, v in overdue.trend] == [0.0, 0.0, 2.0]

    # With enough reports the same shortfall is ranked.
    IndicatorValue.objects.filter(pk=_row(world, "reports_resolved_share", MEHR, town.n1).pk).update(
        sample=12
    )
    found = early_warnings(city=town.city, month=MEHR)
    assert ("reports_resolved_share", "n1") in {(w.indicator.code, w.place.slug) for w in found}


def test_falling_places_are_listed_without_a_target_and_ranked_after_red_ones(world: World) -> None:
    town = world.town
    indicators_refresh(city=town.city, now=NOW)
    for month, value in [((1405, 6), 90.0), (MEHR, 80.0), (ABAN, 60.0)]:
        IndicatorValue.objects.filter(pk=_row(world, "attendance_share", month, town.n1).pk).update(
            value=value, sample=10
        )
    # n3 fell too, but by 10 % only: under the threshold.
    for month, value in [((1405, 6), 50.0), (MEHR, 48.0), (ABAN, 45.0)]:
        IndicatorValue.objects.filter(pk=_row(world, "attendance_share", month, town.n3).pk).update(
            value=value, sample=10
        )
    target_set(actor=town.people["deputy"], city=town.city, code="resolutions_overdue", target=0)
    found = early_warnings(city=town.city, month=ABAN)
    codes = [(w.indicator.code, w.place.slug, w.status, w.falling) for w in found]
    assert codes[0][:3] == ("resolutions_overdue", "n1", Status.RED)
    falling = next(w for w in found if w.indicator.code == "attendance_share")
    assert falling.place.slug == "n1" and falling.falling and falling.status == Status.NONE
    assert abs(falling.worsening - 1 / 3) < 1e-9
    assert ("attendance_share", "n3") not in {(w.indicator.code, w.place.slug) for w in found}


def test_district_filter_and_agency_kind(world: World) -> None:
    town = world.town
    indicators_refresh(city=town.city, now=NOW)
    target_set(actor=town.people["deputy"], city=town.city, code="resolutions_overdue", target=0)
    assert early_warnings(city=town.city, month=MEHR, district=town.d2) == []
    assert early_warnings(city=town.city, month=MEHR, district=town.d1)
    # Five referrals are the minimum: the water agency's three are not ranked.
    target_set(
        actor=town.people["deputy"], city=town.city, code="referral_acknowledge_hours_median", target=1
    )
    assert early_warnings(city=town.city, month=MEHR, scope_kind="agency") == []


def test_query_count_does_not_grow_with_the_city(world: World, django_assert_max_num_queries: object) -> None:
    indicators_refresh(city=world.city, now=NOW)
    with django_assert_max_num_queries(3):  # type: ignore[operator]
        early_warnings(city=world.city, month=MEHR)
