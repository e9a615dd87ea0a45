"""The demo neighborhoods' photos, and identity edits waiting for review.

Every neighborhood gets two or three published photos drawn by `mahalat.demo.photos`, captioned with
its own landmarks; they stand for the archive the district had before the review existed, so they are
written as published rows (with their small copies) rather than sent through review one by one. Then,
in district 1 where the demo accounts work, a few edits and one photo are proposed through the
services and left pending, so the district manager's review queue has something in it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from mahalat.accounts.models import Role
from mahalat.demo.news_loader import _holder
from mahalat.demo.photos import draw_photo
from mahalat.persian.digits import localize_digits
from mahalat.territory.models import (
    City,
    District,
    Neighborhood,
    NeighborhoodPhoto,
    NeighborhoodProfileRevision,
    PhotoState,
)
from mahalat.territory.services import neighborhood_photo_add, neighborhood_profile_propose
from mahalat.uploads import image_rendition

SEED = 1404
# What the district's officer proposes in the demo and the manager has not reviewed yet: a field and
# the text added to it (on a line of its own, or after the text already there).
PENDING_EDITS: tuple[tuple[str, str], ...] = (
    ("annual_events", "جشنواره‌ی محلی نان و آش در نخستین جمعه‌ی پاییز، با غرفه‌های خانگی ساکنان"),
    ("landmarks", "درِ چوبی کنده‌کاری‌شده‌ی خانه‌ی قدیمی سر گذر که به تازگی مرمت شد"),
    ("crafts", "کارگاه کوچک مسگری که پس از سال‌ها دوباره در راسته به راه افتاده است"),
)
PENDING_PHOTO_CAPTION = "نمای تازه‌ی بوستان محله پس از کاشت درختان بهاری"


def _captions(neighborhood: Neighborhood, rng: random.Random) -> list[str]:
    """Two or three of the neighborhood's landmarks (its own words), else its name."""
    landmarks = [line.strip() for line in neighborhood.landmarks.splitlines() if line.strip()]
    count = min(len(landmarks), rng.choice((2, 3)))
    chosen = landmarks[:count] if landmarks else []
    while len(chosen) < 2:
        chosen.append(f"نمایی از محله‌ی {neighborhood.name}")
    return chosen


def _photo_create(
    *, neighborhood: Neighborhood, caption: str, seed: str, position: int, at: datetime
) -> None:
    drawn = draw_photo(caption=caption, seed=seed)
    content = ContentFile(drawn.data, name=f"demo-{seed}.jpg")
    small = image_rendition(content)
    photo = NeighborhoodPhoto(
        neighborhood=neighborhood,
        caption=caption,
        position=position,
        state=PhotoState.PUBLISHED,
        published_at=at,
    )
    photo.image.save(content.name, content, save=False)
    photo.rendition.save(small.content.name, small.content, save=False)
    photo.save()
    NeighborhoodPhoto.objects.filter(pk=photo.pk).update(created_at=at)


def _pending_in_first_district(*, city: City) -> tuple[int, int]:
    """Edits and a photo proposed by the first district's officer, for its manager to review."""
    district = District.objects.filter(city=city).order_by("number", "id").first()
    author = _holder(Role.DISTRICT_OFFICER, district) if district is not None else None
    if author is None:
        return 0, 0
    hoods = list(Neighborhood.objects.filter(district=district).order_by("area__number", "name", "id"))
    edits = 0
    for neighborhood, (field, addition) in zip(hoods, PENDING_EDITS, strict=False):
        current = getattr(neighborhood, field)
        neighborhood_profile_propose(
            actor=author,
            neighborhood=neighborhood,
            **{field: f"{current}\n{addition}" if current else addition},
        )
        edits += 1
    drawn = draw_photo(caption=PENDING_PHOTO_CAPTION, seed=f"pending-{hoods[0].slug}")
    neighborhood_photo_add(
        actor=author,
        neighborhood=hoods[0],
        image=ContentFile(drawn.data, name="pending.jpg"),
        caption=PENDING_PHOTO_CAPTION,
    )
    return edits, 1


@transaction.atomic
def load_demo_identity(*, city: City, now: datetime) -> str:
    """Photos for every neighborhood of `city` and a few pending identity edits, unless the city has
    neighborhood photos already; a one-line summary."""
    existing = NeighborhoodPhoto.objects.filter(neighborhood__city=city).count()
    if existing:
        return _("Neighborhood photos: already loaded (%(count)s).") % {"count": localize_digits(existing)}
    rng = random.Random(SEED)
    photos = 0
    for neighborhood in Neighborhood.objects.filter(city=city).order_by("slug"):
        for position, caption in enumerate(_captions(neighborhood, rng), start=1):
            at = now - timedelta(days=rng.randint(30, 360), hours=rng.randint(0, 10))
            _photo_create(
                neighborhood=neighborhood,
                caption=caption,
                seed=f"{neighborhood.slug}-{position}",
                position=position,
                at=at,
            )
            photos += 1
    edits, pending_photos = (
        (0, 0)
        if NeighborhoodProfileRevision.objects.filter(neighborhood__city=city).exists()
        else _pending_in_first_district(city=city)
    )
    return _(
        "Neighborhood photos: %(photos)s published; %(edits)s identity edits and %(pending)s photo "
        "awaiting review."
    ) % {
        "photos": localize_digits(photos),
        "edits": localize_digits(edits),
        "pending": localize_digits(pending_photos),
    }
