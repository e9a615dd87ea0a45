"""Targets: only the deputy (or an administrator) sets them, a district's own overrides the city's, and
each value is green, amber or red against the target in force."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mahalat.audit.models import Event
from mahalat.insights.catalog import Direction
from mahalat.insights.models import IndicatorTarget
from mahalat.insights.refresh import indicators_refresh
from mahalat.insights.selectors import Status, indicator_series, place_by_slug, status
from mahalat.insights.services import target_remove, target_set
from tests.factories import UserFactory
from tests.insights.conftest import MEHR, NOW, World
from tests.towns import Town


@pytest.mark.parametrize(
    ("value", "target", "direction", "expected"),
    [
        (80, 80, Direction.HIGHER, Status.GREEN),
        (95, 80, Direction.HIGHER, Status.GREEN),
        (73, 80, Direction.HIGHER, Status.AMBER),  # 7 short; the band is 10 % of 80 = 8
        (71, 80, Direction.HIGHER, Status.RED),
        (20, 24, Direction.LOWER, Status.GREEN),
        (26, 24, Direction.LOWER, Status.AMBER),  # 2 over; the band is 2.4
        (27, 24, Direction.LOWER, Status.RED),
        (1, 0, Direction.LOWER, Status.RED),  # a zero target has no amber band
        (None, 80, Direction.HIGHER, Status.NONE),
        (50, None, Direction.HIGHER, Status.NONE),
    ],
)
def test_status(value: float | None, target: float | None, direction: str, expected: str) -> None:
    assert status(value, target, direction, 10.0) == expected


def test_deputy_sets_and_replaces_a_target_with_an_event(town: Town) -> None:
    deputy = town.people["deputy"]
    first = target_set(actor=deputy, city=town.city, code="reports_resolved_share", target=80)
    again = target_set(actor=deputy, city=town.city, code="reports_resolved_share", target="85", amber_band=5)
    assert again.pk == first.pk and (again.target, again.amber_band) == (85.0, 5.0)
    events = Event.objects.filter(action="insights.target.set", object_id=str(first.pk)).order_by("id")
    assert [e.after["target"] for e in events] == [80.0, 85.0]
    assert events[1].before is not None
    assert {k: events[1].before[k] for k in ("target", "amber_band")} == {"target": 80.0, "amber_band": 10.0}
    ended = target_remove(actor=deputy, target=again, effective_from=(again.effective_year, 6))
    assert ended.target is None and ended.effective_from == (again.effective_year, 6)
    assert IndicatorTarget.objects.count() == 2  # the version stays: earlier months were judged by it
    assert Event.objects.filter(action="insights.target.removed").count() == 1


@pytest.mark.parametrize(
    "who", ["district_manager", "district_officer", "city_council", "citizen", "liaison"]
)
def test_only_the_deputy_or_an_administrator_sets_targets(town: Town, who: str) -> None:
    with pytest.raises(PermissionDenied):
        target_set(actor=town.people[who], city=town.city, code="satisfaction", target=4, district=town.d1)
    with pytest.raises(PermissionDenied):
        target_set(actor=town.people[who], city=town.city, code="satisfaction", target=4)
    assert not IndicatorTarget.objects.exists()
    assert not Event.objects.filter(action__startswith="insights.").exists()


def test_an_administrator_may_set_targets(town: Town) -> None:
    admin = UserFactory(is_superuser=True)
    assert target_set(actor=admin, city=town.city, code="satisfaction", target=4).target == 4.0


def test_a_district_manager_may_not_remove_the_deputys_target(town: Town) -> None:
    row = target_set(
        actor=town.people["deputy"], city=town.city, code="satisfaction", target=4, district=town.d1
    )
    with pytest.raises(PermissionDenied):
        target_remove(actor=town.people["district_manager"], target=row)
    assert list(IndicatorTarget.objects.values_list("pk", flat=True)) == [row.pk]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "no_such_thing", "target": 1}, "code"),
        ({"code": "satisfaction", "target": 7}, "target"),
        ({"code": "satisfaction", "target": "بسیار"}, "target"),
        ({"code": "reports_resolved_share", "target": 120}, "target"),
        ({"code": "triage_hours_median", "target": -1}, "target"),
        ({"code": "satisfaction", "target": True}, "target"),
        ({"code": "satisfaction", "target": 4, "amber_band": 150}, "amber_band"),
        ({"code": "referral_answer_hours_median", "target": 24, "district": "d1"}, "district"),
    ],
)
def test_bad_targets_are_refused_with_a_message(town: Town, kwargs: dict, field: str) -> None:
    if kwargs.get("district") == "d1":
        kwargs = {**kwargs, "district": town.d1}
    with pytest.raises(ValidationError) as caught:
        target_set(actor=town.people["deputy"], city=town.city, **kwargs)
    assert field in caught.value.message_dict
    assert not IndicatorTarget.objects.exists()


def test_a_districts_own_target_overrides_the_citys(world: World) -> None:
    town, deputy = world.town, world.town.people["deputy"]
    indicators_refresh(city=town.city, now=NOW)
    target_set(actor=deputy, city=town.city, code="resolutions_overdue", target=0)
    n1 = place_by_slug("neighborhood", "n1")
    assert n1 is not None

    def n1_status() -> str:
        [series] = indicator_series(place=n1, months=[MEHR], codes=["resolutions_overdue"], internal=True)
        return series.points[0].status

    assert n1_status() == Status.RED  # two overdue against none
    target_set(actor=deputy, city=town.city, code="resolutions_overdue", target=2, district=town.d1)
    assert n1_status() == Status.GREEN
    n2 = place_by_slug("neighborhood", "n2")
    [series] = indicator_series(place=n2, months=[MEHR], codes=["resolutions_overdue"], internal=True)
    assert series.target is not None and series.target.value == 0 and series.points[0].status == Status.GREEN
