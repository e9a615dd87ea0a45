"""Two people act at the same moment: numbers never collide, and of two updates on one version only one
wins. Real threads, real PostgreSQL row locks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from mahalat.errors import ConflictError
from mahalat.resolutions.models import Resolution, ResolutionState, ResolutionTransition, ResponsibleKind
from mahalat.resolutions.services import resolution_adopt, resolution_transition
from tests.resolutions.conftest import make_item, make_meeting


def _at_once(calls: list[Callable[[], Any]]) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("won")
        except ConflictError:
            outcomes.append("conflict")
        except Exception as exc:  # reported in the assertion, never swallowed
            outcomes.append(f"error: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_adoptions_at_once_get_consecutive_numbers(council_world: Any) -> None:
    meeting = make_meeting(council_world.council)
    items = [make_item(council_world.council, meeting=meeting) for _ in range(4)]
    officers = [council_world.chair, council_world.secretary] * 2
    deadline = timezone.localdate() + timedelta(days=30)

    def adopt(actor: Any, item: Any) -> Callable[[], Any]:
        return lambda: resolution_adopt(
            actor=actor,
            item=item,
            title="مصوبه",
            text="متن",
            responsible_kind=ResponsibleKind.AREA,
            deadline=deadline,
        )

    outcomes = _at_once([adopt(actor, item) for actor, item in zip(officers, items, strict=True)])
    assert outcomes == ["won"] * 4
    numbers = sorted(
        Resolution.objects.filter(council=council_world.council).values_list("sequence", flat=True)
    )
    assert numbers == [1, 2, 3, 4]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_staff_updating_one_resolution_at_once(council_world: Any) -> None:
    item = make_item(council_world.council)
    resolution = resolution_adopt(
        actor=council_world.chair,
        item=item,
        title="مصوبه",
        text="متن",
        responsible_kind=ResponsibleKind.AREA,
        deadline=timezone.localdate() + timedelta(days=30),
    )
    seen = resolution.version
    people = council_world.people
    outcomes = _at_once(
        [
            lambda: resolution_transition(
                actor=people["district_officer"],
                resolution=resolution,
                to=ResolutionState.ASSIGNED,
                expected_version=seen,
            ),
            lambda: resolution_transition(
                actor=people["area_officer"],
                resolution=resolution,
                to=ResolutionState.NOT_FEASIBLE,
                note="در حریم رودخانه است",
                expected_version=seen,
            ),
        ]
    )
    assert sorted(outcomes) == ["conflict", "won"]
    resolution.refresh_from_db()
    assert resolution.version == seen + 1
    assert ResolutionTransition.objects.filter(resolution=resolution).count() == 2  # adopted + the winner
