"""The identity pages of the workspace: proposing, the pending edits with before and after, and the
district manager's review queue."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.territory.models import Neighborhood, NeighborhoodPhoto, NeighborhoodProfileRevision
from mahalat.territory.services import (
    neighborhood_photo_add,
    neighborhood_profile_propose,
)
from tests.factories import AreaFactory, DistrictFactory, NeighborhoodFactory, UserFactory


def staff(role: str, kind: str, ref: str):
    user = UserFactory()
    role_assign(actor=None, user=user, role=role, scope_kind=kind, scope_ref=ref)
    return user


def client_for(user, *, english: bool = False) -> Client:
    client = Client()
    client.force_login(user)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def place(db: None) -> dict:
    district = DistrictFactory(slug="d1", number=1)
    other = DistrictFactory(city=district.city, slug="d2", number=2)
    area = AreaFactory(district=district, slug="d1-a1")
    other_area = AreaFactory(district=other, slug="d2-a1")
    return {
        "nbhd": NeighborhoodFactory(area=area, slug="n1", name="سرچشمه", history="روایت قدیم"),
        "far": NeighborhoodFactory(area=other_area, slug="n9", name="دوردست"),
        "officer": staff(Role.AREA_OFFICER, ScopeKind.AREA, "d1-a1"),
        "manager": staff(Role.DISTRICT_MANAGER, ScopeKind.DISTRICT, "d1"),
        "far_officer": staff(Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, "d2"),
    }


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 160, 90)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def pending_rows(place: dict, count: int) -> None:
    for index in range(count):
        neighborhood_profile_propose(
            actor=place["officer"],
            neighborhood=place["nbhd"],
            history=f"روایت تازه {index}",
            crafts=f"هنر {index}",
        )
        neighborhood_profile_propose(
            actor=place["far_officer"], neighborhood=place["far"], history=f"دور {index}"
        )
    for index in range(min(count, 5)):
        neighborhood_photo_add(
            actor=place["officer"], neighborhood=place["nbhd"], image=jpeg(), caption=f"عکس {index}"
        )
        neighborhood_photo_add(
            actor=place["far_officer"], neighborhood=place["far"], image=jpeg(), caption="دور"
        )


def test_proposing_shows_the_edit_pending_with_before_and_after(place) -> None:
    client = client_for(place["officer"], english=True)
    response = client.post(
        "/workspace/neighborhoods/n1/profile/", {"history": "روایت نو", "landmarks": "آب‌انبار"}
    )
    assert response.status_code == 302
    page = client.get("/workspace/neighborhoods/n1/profile/").content.decode()
    assert "Edits awaiting review" in page
    assert "روایت قدیم" in page and "روایت نو" in page and "آب‌انبار" in page
    assert "Withdraw my edit" in page and 'action="/workspace/identity-revisions/' in page
    assert "/publish/" not in page  # the author is no reviewer of their own edit
    assert "روایت نو" not in Client().get("/n/n1/").content.decode()
    manager_page = client_for(place["manager"]).get("/workspace/neighborhoods/n1/profile/").content.decode()
    assert "/publish/" in manager_page


def test_withdraw_from_the_profile_page(place) -> None:
    revision = neighborhood_profile_propose(actor=place["officer"], neighborhood=place["nbhd"], history="x")
    url = f"/workspace/identity-revisions/{revision.pk}/withdraw/"
    assert client_for(place["manager"]).post(url).status_code == 403
    assert client_for(place["far_officer"]).post(url).status_code == 404
    response = client_for(place["officer"]).post(url)
    assert response.status_code == 302 and response["Location"] == "/workspace/neighborhoods/n1/profile/"
    assert NeighborhoodProfileRevision.objects.get().state == "withdrawn"


def test_the_queue_is_the_district_managers(place) -> None:
    pending_rows(place, 1)
    assert client_for(place["officer"]).get("/workspace/identity-reviews/").status_code == 403
    assert Client().get("/workspace/identity-reviews/").status_code == 302
    response = client_for(place["manager"], english=True).get("/workspace/identity-reviews/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "روایت تازه 0" in page and "عکس 0" in page
    assert "دور" not in page  # another district's
    space = client_for(place["manager"]).get("/workspace/", follow=True)
    assert "/workspace/identity-reviews/" in space.content.decode()


@pytest.mark.parametrize("count", [1, 30])
def test_queue_and_identity_page_queries_are_bounded(place, count, django_assert_max_num_queries) -> None:
    pending_rows(place, count)
    client = client_for(place["manager"])
    with django_assert_max_num_queries(14):
        response = client.get("/workspace/identity-reviews/?page=1")
    assert response.status_code == 200
    assert response.content.decode().count('action="/workspace/identity-revisions/') == 2 * min(count, 20)
    with django_assert_max_num_queries(16):
        response = client.get("/workspace/neighborhoods/n1/profile/")
    assert response.status_code == 200
    assert response.content.decode().count("/reject/") == count + min(count, 5)


def test_publish_and_reject_from_the_queue(place) -> None:
    pending_rows(place, 2)
    first, second = NeighborhoodProfileRevision.objects.filter(neighborhood=place["nbhd"]).order_by("id")
    client = client_for(place["manager"], english=True)
    response = client.post(f"/workspace/identity-revisions/{first.pk}/publish/", {"from": "queue"})
    assert response.status_code == 302 and response["Location"] == "/workspace/identity-reviews/"
    assert Neighborhood.objects.get(slug="n1").history == "روایت تازه 0"
    assert "روایت تازه 0" in Client().get("/n/n1/").content.decode()
    # The second started from the old profile and changes the same field: refused with a 409 page.
    response = client.post(f"/workspace/identity-revisions/{second.pk}/publish/", {"from": "queue"})
    assert response.status_code == 409
    assert "The public profile was changed after this edit was proposed" in response.content.decode()
    response = client.post(
        f"/workspace/identity-revisions/{second.pk}/reject/", {"from": "queue", "note": ""}
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert NeighborhoodProfileRevision.objects.get(pk=second.pk).state == "pending"
    response = client.post(
        f"/workspace/identity-revisions/{second.pk}/reject/", {"from": "queue", "note": "کهنه است"}
    )
    assert response.status_code == 302
    assert NeighborhoodProfileRevision.objects.get(pk=second.pk).state == "rejected"
    photo = NeighborhoodPhoto.objects.filter(neighborhood=place["nbhd"]).first()
    response = client.post(f"/workspace/identity-photos/{photo.pk}/publish/")
    assert response.status_code == 302 and response["Location"] == "/workspace/neighborhoods/n1/profile/"
    public = Client().get("/n/n1/").content.decode()
    assert photo.caption in public
    far_photo = NeighborhoodPhoto.objects.filter(neighborhood=place["far"]).first()
    assert client.post(f"/workspace/identity-photos/{far_photo.pk}/publish/").status_code == 404
    assert NeighborhoodPhoto.objects.get(pk=far_photo.pk).state == "pending"


def test_the_public_photos_include(place) -> None:
    from django.template.loader import render_to_string

    from mahalat.territory.selectors import neighborhood_get
    from mahalat.territory.services import neighborhood_photo_publish

    published = neighborhood_photo_add(
        actor=place["officer"], neighborhood=place["nbhd"], image=jpeg(), caption=""
    )
    neighborhood_photo_add(
        actor=place["officer"], neighborhood=place["nbhd"], image=jpeg(), caption="در انتظار"
    )
    neighborhood_photo_publish(actor=place["manager"], photo=published)
    with translation.override("fa"):
        html = render_to_string(
            "portal/_neighborhood_photos.html", {"neighborhood": neighborhood_get(slug="n1")}
        )
    assert html.count("<img") == 1 and "در انتظار" not in html
    assert f'srcset="{published.rendition.url} 480w, {published.image.url} 800w"' in html
    assert 'width="480" height="360"' in html
    assert 'loading="lazy"' in html and 'decoding="async"' in html and 'alt="سرچشمه"' in html
