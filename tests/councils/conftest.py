from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from mahalat.elections.models import Application, Candidate, Election, RegistrationCall
from tests.councils_world import CouncilWorld


def make_candidates(w: CouncilWorld, people: list[Any], *, elected: int = 0) -> Election:
    """An election of the council's resident seats with `people` ranked 1, 2, … (the first `elected` won)."""
    now = timezone.now()
    call = RegistrationCall.objects.create(
        city=w.city,
        district=w.d1,
        title="فراخوان",
        created_by=w.people["district_officer"],
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=40),
    )
    election = Election.objects.create(
        call=call,
        council=w.council,
        seat_type=w.seats["residents"],
        seats=3,
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=29),
        city_id=w.council.city_id,
        district_id=w.council.district_id,
        area_id=w.council.area_id,
        neighborhood_id=w.council.neighborhood_id,
    )
    for rank, person in enumerate(people, start=1):
        application = Application.objects.create(
            call=call,
            applicant=person,
            seat_type=w.seats["residents"],
            birth_date=timezone.localdate() - timedelta(days=40 * 365),
            address="خیابان اول",
            statement="برای محله",
            city_id=w.council.city_id,
            district_id=w.council.district_id,
            area_id=w.council.area_id,
            neighborhood_id=w.council.neighborhood_id,
        )
        Candidate.objects.create(
            election=election, application=application, user=person, rank=rank, is_elected=rank <= elected
        )
    return election


@pytest.fixture(autouse=True)
def _english_messages(client: Client) -> Iterator[None]:
    """These tests read messages by their English msgids: services and pages speak English here (the
    Persian translation is checked by tests/project/test_translations.py and the browser journeys)."""
    client.cookies["mahalat_language"] = "en"
    with translation.override("en"):
        yield
