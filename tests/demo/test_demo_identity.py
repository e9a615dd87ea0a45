"""Every demo neighborhood has a full identity profile in Persian and two or three published photos with
their small copies; district 1 has identity edits and a photo waiting for its manager."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from mahalat.accounts.models import RoleAssignment
from mahalat.demo.city import CITY_SLUG, demo_neighborhoods
from mahalat.demo.identity_loader import PENDING_EDITS, load_demo_identity
from mahalat.demo.photos import THEMES, draw_photo, theme_of
from mahalat.demo.services import demo_city_load
from mahalat.persian.text import normalize_text
from mahalat.territory.locate import invalidate_index
from mahalat.territory.models import City, Neighborhood, NeighborhoodPhoto, NeighborhoodProfileRevision
from mahalat.territory.selectors import photo_review_queue, revision_review_queue

PERSIAN_LETTERS = set("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی")


def test_every_profile_field_is_filled_in_persian() -> None:
    for item in demo_neighborhoods():
        for field in Neighborhood.PROFILE_FIELDS:
            value = item.profile[field]
            assert value.strip(), (item.slug, field)
            assert PERSIAN_LETTERS & set(value), (item.slug, field)
            assert normalize_text(value, multiline=field != "historical_name") == value, (item.slug, field)


def test_captions_choose_fitting_scenes_and_drawing_is_repeatable() -> None:
    assert theme_of("مسجد جامع سرچشمه") == "dome"
    assert theme_of("مظهر قنات") == "water"
    assert theme_of("سرای محله‌ی نو") == "town"
    assert {theme for theme, _words in THEMES} | {"town"} == {
        "dome",
        "water",
        "garden",
        "bazaar",
        "houses",
        "town",
    }
    first = draw_photo(caption="بوستان محله", seed="a")
    assert first.data == draw_photo(caption="بوستان محله", seed="a").data
    assert first.data[:3] == b"\xff\xd8\xff" and len(first.data) < 60_000


@pytest.mark.django_db
def test_demo_photos_and_pending_edits(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    demo_city_load(progress=False)
    invalidate_index()
    city = City.objects.get(slug=CITY_SLUG)
    started = time.monotonic()
    line = load_demo_identity(city=city, now=timezone.now())
    seconds = time.monotonic() - started
    assert seconds < 20, seconds
    assert "۳" in line
    published = NeighborhoodPhoto.objects.filter(neighborhood__city=city, state="published")
    per_neighborhood = {n.pk: 0 for n in Neighborhood.objects.filter(city=city)}
    for photo in published:
        per_neighborhood[photo.neighborhood_id] += 1
    assert set(per_neighborhood.values()) <= {2, 3} and len(per_neighborhood) == 60
    photo = published.select_related("neighborhood").first()
    assert photo.caption in photo.neighborhood.landmarks
    with Image.open(Path(settings.MEDIA_ROOT) / photo.rendition.name) as small:
        assert small.size == (photo.rendition_width, photo.rendition_height) == (480, 320)
    assert (photo.width, photo.height) == (800, 533)
    pending = NeighborhoodProfileRevision.objects.filter(neighborhood__city=city, state="pending")
    assert pending.count() == len(PENDING_EDITS)
    assert {r.author.phone for r in pending} == {pending[0].author.phone}
    assert NeighborhoodPhoto.objects.filter(neighborhood__city=city, state="pending").count() == 1
    manager = RoleAssignment.objects.get(
        role="district_manager", district__number=1, district__city=city
    ).user
    assert revision_review_queue(user=manager).count() == len(PENDING_EDITS)
    assert photo_review_queue(user=manager).count() == 1
    # Safe to run again: nothing is added.
    count = NeighborhoodPhoto.objects.count()
    load_demo_identity(city=city, now=timezone.now())
    assert NeighborhoodPhoto.objects.count() == count
