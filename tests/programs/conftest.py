"""The town (tests/towns.py) with a current council in n1, and a helper that saves a program."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from mahalat.councils.models import Council, CouncilState, SeatTemplate
from mahalat.programs.models import OrganizerKind, Program, ProgramKind
from mahalat.programs.services import program_save
from tests.towns import Town


def png(name: str = "p.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")


def at(days: int, hour: int = 17) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def council(town: Town) -> Council:
    template = SeatTemplate.objects.create(city=town.city, name="پایه", name_en="Basic", is_default=True)
    return Council.objects.create(
        city_id=town.city.pk,
        district_id=town.d1.pk,
        area_id=town.a11.pk,
        neighborhood=town.n1,
        seat_template=template,
        state=CouncilState.ACTIVE,
        term_start=timezone.localdate() - timedelta(days=30),
        term_end=timezone.localdate() + timedelta(days=700),
    )


def save(town: Town, actor: Any, **overrides: Any) -> Program:
    values: dict[str, Any] = {
        "actor": actor,
        "district": town.d1,
        "neighborhoods": [town.n1],
        "kind": ProgramKind.SPORT,
        "title": "  پیاده‌روی خانوادگی  ",
        "starts_at": at(3),
        "ends_at": at(3, 19),
        "place": "بوستان محله",
        "organizer_kind": OrganizerKind.DISTRICT,
        "planned_budget": "۱۲٬۵۰۰٬۰۰۰",
    }
    values.update(overrides)
    return program_save(**values)
