from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.audit.models import Event
from mahalat.territory.models import NeighborhoodPhoto
from mahalat.territory.services import (
    neighborhood_photo_add,
    neighborhood_photo_publish,
    neighborhood_photo_remove,
)
from mahalat.uploads import RENDITION_WIDTH, ImageLimits, image_rendition, sanitize_image
from tests.factories import NeighborhoodFactory, UserFactory


def jpeg_with_gps(size: tuple[int, int] = (3000, 2000)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {1: "N", 2: (35.0, 41.0, 0.0), 3: "E", 4: (51.0, 23.0, 0.0)}  # GPS
    exif[0x0112] = 6  # orientation: rotated 90°
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_sanitized_image_has_no_exif_is_upright_and_smaller() -> None:
    clean = sanitize_image(upload(jpeg_with_gps()))
    with Image.open(io.BytesIO(clean.read())) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert max(image.size) == 1600
        assert image.size[1] > image.size[0]  # the orientation tag was applied, then dropped


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"#!/bin/sh\nrm -rf /\n", "not_an_image"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "not_an_image"),
        (b"", "not_an_image"),
        (b"%PDF-1.4 fake", "not_an_image"),
    ],
)
def test_malformed_uploads_are_refused(data: bytes, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        sanitize_image(upload(data))
    assert exc.value.code == code


def test_too_large_and_too_many_pixels() -> None:
    with pytest.raises(ValidationError) as exc:
        sanitize_image(upload(jpeg_with_gps((400, 400))), limits=ImageLimits(max_bytes=1000))
    assert exc.value.code == "image_too_large"
    with pytest.raises(ValidationError) as exc:
        sanitize_image(upload(jpeg_with_gps((400, 400))), limits=ImageLimits(max_pixels=10_000))
    assert exc.value.code == "image_too_many_pixels"


def test_transparent_png_becomes_a_jpeg() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(out, format="PNG")
    clean = sanitize_image(upload(out.getvalue(), "x.png", "image/png"))
    with Image.open(io.BytesIO(clean.read())) as image:
        assert image.format == "JPEG" and image.size == (50, 40)


@pytest.fixture
def officer_and_neighborhood(db: None):
    nbhd = NeighborhoodFactory(slug="photo-n")
    officer = UserFactory()
    role_assign(
        actor=None, user=officer, role=Role.AREA_OFFICER, scope_kind=ScopeKind.AREA, scope_ref=nbhd.area.slug
    )
    return officer, nbhd


def manager_of(nbhd) -> object:
    manager = UserFactory()
    role_assign(
        actor=None,
        user=manager,
        role=Role.DISTRICT_MANAGER,
        scope_kind=ScopeKind.DISTRICT,
        scope_ref=nbhd.district.slug,
    )
    return manager


def test_rendition_is_a_smaller_jpeg_named_after_the_image() -> None:
    clean = sanitize_image(upload(jpeg_with_gps((2000, 1000))))
    small = image_rendition(clean, width=RENDITION_WIDTH)
    assert (small.width, small.height) == (480, 960)  # turned upright first
    assert small.content.name == clean.name.replace(".jpg", "-480.jpg")
    with Image.open(io.BytesIO(small.content.read())) as image:
        assert image.format == "JPEG" and image.size == (480, 960)
    tiny = image_rendition(sanitize_image(upload(jpeg_with_gps((300, 200)))))
    assert (tiny.width, tiny.height) == (200, 300)  # never enlarged


def test_add_and_remove_a_photo(officer_and_neighborhood, settings) -> None:
    officer, nbhd = officer_and_neighborhood
    photo = neighborhood_photo_add(
        actor=officer, neighborhood=nbhd, image=upload(jpeg_with_gps()), caption="قنات"
    )
    assert (photo.state, photo.uploaded_by, photo.published_at) == ("pending", officer, None)
    path = Path(settings.MEDIA_ROOT) / photo.image.name
    small = Path(settings.MEDIA_ROOT) / photo.rendition.name
    assert path.exists() and small.exists() and small.parent == path.parent
    with Image.open(path) as image:
        assert not image.getexif()
        assert (image.width, image.height) == (photo.width, photo.height) == (1067, 1600)
    with Image.open(small) as image:
        assert image.size == (photo.rendition_width, photo.rendition_height) == (480, 720)
    assert Event.objects.filter(action="territory.neighborhood.photo_added").count() == 1
    neighborhood_photo_remove(actor=officer, photo=photo)
    assert not NeighborhoodPhoto.objects.exists()
    assert Event.objects.filter(action="territory.neighborhood.photo_removed").count() == 1


def test_remove_deletes_both_files_after_commit(
    officer_and_neighborhood, settings, django_capture_on_commit_callbacks
):
    officer, nbhd = officer_and_neighborhood
    photo = neighborhood_photo_add(actor=officer, neighborhood=nbhd, image=upload(jpeg_with_gps((900, 600))))
    paths = [Path(settings.MEDIA_ROOT) / photo.image.name, Path(settings.MEDIA_ROOT) / photo.rendition.name]
    with django_capture_on_commit_callbacks(execute=True):
        neighborhood_photo_remove(actor=officer, photo=photo)
    assert not any(path.exists() for path in paths)


def test_bad_upload_writes_nothing(officer_and_neighborhood, settings) -> None:
    officer, nbhd = officer_and_neighborhood
    with pytest.raises(ValidationError) as exc:
        neighborhood_photo_add(actor=officer, neighborhood=nbhd, image=upload(b"not an image"), caption="x")
    assert "image" in exc.value.message_dict
    assert not NeighborhoodPhoto.objects.exists()
    assert not Event.objects.filter(action__startswith="territory.neighborhood.photo").exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_deputy_cannot_add_photos(officer_and_neighborhood) -> None:
    _, nbhd = officer_and_neighborhood
    deputy = UserFactory()
    role_assign(
        actor=None, user=deputy, role=Role.DEPUTY, scope_kind=ScopeKind.CITY, scope_ref=nbhd.city.slug
    )
    with pytest.raises(PermissionDenied):
        neighborhood_photo_add(actor=deputy, neighborhood=nbhd, image=upload(jpeg_with_gps((100, 100))))
    assert not NeighborhoodPhoto.objects.exists()


def test_photo_upload_through_the_page(officer_and_neighborhood) -> None:
    officer, nbhd = officer_and_neighborhood
    client = Client()
    client.force_login(officer)
    response = client.post(
        "/workspace/neighborhoods/photo-n/photos/",
        {"image": upload(jpeg_with_gps((1200, 800))), "caption": "نمای محله"},
    )
    assert response.status_code == 302
    assert NeighborhoodPhoto.objects.get().caption == "نمای محله"
    response = client.post(
        "/workspace/neighborhoods/photo-n/photos/", {"image": upload(b"<?php evil ?>", "a.jpg")}
    )
    assert response.status_code == 400
    assert NeighborhoodPhoto.objects.count() == 1
    photo = NeighborhoodPhoto.objects.get()
    # Pending: the public page and the API do not show it.
    assert "نمای محله" not in Client().get("/n/photo-n/").content.decode()
    assert photo.image.name not in Client().get("/api/v1/territory/neighborhoods/photo-n").content.decode()
    neighborhood_photo_publish(actor=manager_of(nbhd), photo=photo)
    page = Client().get("/n/photo-n/").content.decode()
    assert 'loading="lazy"' in page and "نمای محله" in page
    stranger = Client()
    stranger.force_login(UserFactory())
    response = stranger.post(
        "/workspace/neighborhoods/photo-n/photos/", {"image": upload(jpeg_with_gps((64, 64)))}
    )
    assert response.status_code == 403
    assert stranger.post(f"/workspace/neighborhoods/photo-n/photos/{photo.pk}/remove/").status_code == 403
    assert client.post(f"/workspace/neighborhoods/photo-n/photos/{photo.pk}/remove/").status_code == 302
    assert not NeighborhoodPhoto.objects.exists()
