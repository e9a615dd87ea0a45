"""Identity edits and photos are proposed by operations staff and published by the district manager,
never by their author; the public profile changes only then."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import translation
from PIL import Image

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.audit.models import Event
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.notifications.models import Notification
from mahalat.notifications.rendering import render_notification
from mahalat.territory.models import Neighborhood, NeighborhoodPhoto, NeighborhoodProfileRevision
from mahalat.territory.selectors import revision_changes
from mahalat.territory.services import (
    neighborhood_photo_add,
    neighborhood_photo_publish,
    neighborhood_photo_reject,
    neighborhood_profile_propose,
    neighborhood_profile_publish,
    neighborhood_profile_reject,
    neighborhood_profile_withdraw,
    profile_version,
)
from tests.factories import AreaFactory, DistrictFactory, NeighborhoodFactory, UserFactory


def staff(role: str, kind: str, ref: str):
    user = UserFactory()
    role_assign(actor=None, user=user, role=role, scope_kind=kind, scope_ref=ref)
    return user


@pytest.fixture
def place(db: None) -> dict:
    district = DistrictFactory(slug="d1")
    other = DistrictFactory(city=district.city, slug="d2")
    area = AreaFactory(district=district, slug="d1-a1")
    nbhd = NeighborhoodFactory(area=area, slug="n1", name="سرچشمه", crafts="گیوه‌دوزی")
    return {
        "nbhd": nbhd,
        "officer": staff(Role.AREA_OFFICER, ScopeKind.AREA, "d1-a1"),
        "manager": staff(Role.DISTRICT_MANAGER, ScopeKind.DISTRICT, "d1"),
        "other_manager": staff(Role.DISTRICT_MANAGER, ScopeKind.DISTRICT, other.slug),
    }


def fresh(nbhd: Neighborhood) -> Neighborhood:
    return Neighborhood.objects.get(pk=nbhd.pk)


def test_a_proposal_keeps_only_changed_fields_and_changes_nothing_public(place) -> None:
    nbhd, officer = place["nbhd"], place["officer"]
    revision = neighborhood_profile_propose(
        actor=officer, neighborhood=nbhd, crafts="گیوه‌دوزی", history="  در دوره‌ی قاجار  ", heritage="آب‌انبار"
    )
    assert revision.changes == {"history": "در دوره‌ی قاجار", "heritage": "آب‌انبار"}
    assert revision.before == {"history": "", "heritage": ""}
    assert revision.base_version == profile_version(nbhd)
    assert (revision.state, revision.district_id) == ("pending", nbhd.district_id)
    assert fresh(nbhd).history == ""
    event = Event.objects.get(action="territory.profile_revision.proposed")
    assert event.actor == officer and event.after["heritage"] == "آب‌انبار"
    assert [c.name for c in revision_changes(revision)] == ["history", "heritage"]


def test_bad_proposals_write_nothing(place) -> None:
    nbhd, officer = place["nbhd"], place["officer"]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        neighborhood_profile_propose(actor=officer, neighborhood=nbhd, crafts="گیوه‌دوزی")
    assert "Nothing was changed" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        neighborhood_profile_propose(actor=officer, neighborhood=nbhd, historical_name="x" * 121)
    assert "historical_name" in exc.value.message_dict
    with pytest.raises(ValidationError):
        neighborhood_profile_propose(actor=officer, neighborhood=nbhd, population="5")
    with pytest.raises(PermissionDenied):
        neighborhood_profile_propose(actor=place["other_manager"], neighborhood=nbhd, history="x")
    assert not NeighborhoodProfileRevision.objects.exists()
    assert not Event.objects.filter(action__startswith="territory.").exists()


def test_publish_applies_the_edit_records_it_and_tells_the_author(place) -> None:
    nbhd, officer, manager = place["nbhd"], place["officer"], place["manager"]
    revision = neighborhood_profile_propose(actor=officer, neighborhood=nbhd, historical_name="كوي يوسف")
    published = neighborhood_profile_publish(actor=manager, revision=revision)
    assert (published.state, published.reviewer, published.decided_at is not None) == (
        "published",
        manager,
        True,
    )
    live = fresh(nbhd)
    assert live.historical_name == "کوی یوسف" and "یوسف" in live.search_key
    event = Event.objects.get(action="territory.profile_revision.published")
    assert (event.actor, event.before, event.after["historical_name"]) == (
        manager,
        {"historical_name": ""},
        "کوی یوسف",
    )
    note = Notification.objects.get(recipient=officer)
    assert (note.channel, note.kind) == ("in_app", "territory.identity.profile_published")
    assert "سرچشمه" in render_notification(note, language="fa").subject
    with translation.override("en"):
        assert "was published" in render_notification(note, language="en").subject
    with pytest.raises(TransitionNotAllowed):
        neighborhood_profile_publish(actor=manager, revision=revision)


def test_nobody_publishes_their_own_edit_and_only_the_district_manager_reviews(place) -> None:
    nbhd, officer, manager = place["nbhd"], place["officer"], place["manager"]
    own = neighborhood_profile_propose(actor=manager, neighborhood=nbhd, history="نوشته‌ی مدیر")
    with translation.override("en"), pytest.raises(PermissionDenied) as exc:
        neighborhood_profile_publish(actor=manager, revision=own)
    assert "Another person" in str(exc.value)
    theirs = neighborhood_profile_propose(actor=officer, neighborhood=nbhd, heritage="حمام")
    for actor in (officer, place["other_manager"], UserFactory()):
        with pytest.raises(PermissionDenied):
            neighborhood_profile_publish(actor=actor, revision=theirs)
        with pytest.raises(PermissionDenied):
            neighborhood_profile_reject(actor=actor, revision=theirs, note="نه")
    assert fresh(nbhd).history == "" and fresh(nbhd).heritage == ""
    assert NeighborhoodProfileRevision.objects.filter(state="pending").count() == 2


def test_the_database_refuses_a_reviewer_who_is_the_author(place) -> None:
    revision = neighborhood_profile_propose(actor=place["officer"], neighborhood=place["nbhd"], history="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        NeighborhoodProfileRevision.objects.filter(pk=revision.pk).update(
            state="published", reviewer=place["officer"]
        )


def test_publishing_over_a_newer_change_of_the_same_field_is_refused(place) -> None:
    nbhd, officer, manager = place["nbhd"], place["officer"], place["manager"]
    district_officer = staff(Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, "d1")
    first = neighborhood_profile_propose(
        actor=officer, neighborhood=nbhd, history="روایت نخست", crafts="قالی"
    )
    other_field = neighborhood_profile_propose(actor=officer, neighborhood=nbhd, heritage="آب‌انبار")
    second = neighborhood_profile_propose(actor=district_officer, neighborhood=nbhd, history="روایت دوم")
    neighborhood_profile_publish(actor=manager, revision=second)
    with translation.override("en"), pytest.raises(ConflictError) as exc:
        neighborhood_profile_publish(actor=manager, revision=first)
    assert "history" in exc.value.message
    assert fresh(nbhd).history == "روایت دوم" and fresh(nbhd).crafts == "گیوه‌دوزی"
    # The reviewer sees what changed underneath, field by field.
    first.refresh_from_db()
    live = {c.name: c.live for c in revision_changes(first)}
    assert live == {"history": "روایت دوم", "crafts": None}
    # A field nobody else touched publishes although the profile moved on.
    neighborhood_profile_publish(actor=manager, revision=other_field)
    assert fresh(nbhd).heritage == "آب‌انبار"


def test_reject_needs_a_note_and_withdraw_is_the_authors(place) -> None:
    nbhd, officer, manager = place["nbhd"], place["officer"], place["manager"]
    revision = neighborhood_profile_propose(actor=officer, neighborhood=nbhd, history="متن")
    with pytest.raises(ValidationError) as exc:
        neighborhood_profile_reject(actor=manager, revision=revision, note="  ")
    assert "note" in exc.value.message_dict
    rejected = neighborhood_profile_reject(actor=manager, revision=revision, note="منبع را بنویسید")
    assert (rejected.state, rejected.review_note) == ("rejected", "منبع را بنویسید")
    note = Notification.objects.get(recipient=officer)
    assert "منبع را بنویسید" in render_notification(note).body
    assert fresh(nbhd).history == ""
    mine = neighborhood_profile_propose(actor=officer, neighborhood=nbhd, history="دوباره")
    with pytest.raises(PermissionDenied):
        neighborhood_profile_withdraw(actor=manager, revision=mine)
    assert neighborhood_profile_withdraw(actor=officer, revision=mine).state == "withdrawn"
    with pytest.raises(TransitionNotAllowed):
        neighborhood_profile_publish(actor=manager, revision=mine)
    actions = set(Event.objects.values_list("action", flat=True))
    assert {"territory.profile_revision.rejected", "territory.profile_revision.withdrawn"} <= actions


def jpeg(size: tuple[int, int] = (1000, 700)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def test_photo_review(place, settings, django_capture_on_commit_callbacks) -> None:
    nbhd, officer, manager = place["nbhd"], place["officer"], place["manager"]
    kept = neighborhood_photo_add(actor=officer, neighborhood=nbhd, image=jpeg(), caption="قنات")
    dropped = neighborhood_photo_add(actor=officer, neighborhood=nbhd, image=jpeg(), caption="تار")
    own = neighborhood_photo_add(actor=manager, neighborhood=nbhd, image=jpeg())
    with pytest.raises(PermissionDenied):
        neighborhood_photo_publish(actor=manager, photo=own)
    with pytest.raises(PermissionDenied):
        neighborhood_photo_publish(actor=place["other_manager"], photo=kept)
    published = neighborhood_photo_publish(actor=manager, photo=kept)
    assert (published.state, published.reviewer, published.published_at is not None) == (
        "published",
        manager,
        True,
    )
    with pytest.raises(TransitionNotAllowed):
        neighborhood_photo_reject(actor=manager, photo=kept, note="دیر است")
    paths = [
        Path(settings.MEDIA_ROOT) / dropped.image.name,
        Path(settings.MEDIA_ROOT) / dropped.rendition.name,
    ]
    with pytest.raises(ValidationError):
        neighborhood_photo_reject(actor=manager, photo=dropped, note="")
    with django_capture_on_commit_callbacks(execute=True):
        neighborhood_photo_reject(actor=manager, photo=dropped, note="تار است")
    assert not any(path.exists() for path in paths)
    assert set(NeighborhoodPhoto.objects.values_list("pk", flat=True)) == {kept.pk, own.pk}
    kinds = sorted(Notification.objects.filter(recipient=officer).values_list("kind", flat=True))
    assert kinds == ["territory.identity.photo_published", "territory.identity.photo_rejected"]
    assert Event.objects.filter(action="territory.neighborhood.photo_rejected").get().note == "تار است"


def test_admin_shows_revisions_and_photos_read_only(place) -> None:
    from django.test import Client

    revision = neighborhood_profile_propose(actor=place["officer"], neighborhood=place["nbhd"], history="x")
    neighborhood_photo_add(actor=place["officer"], neighborhood=place["nbhd"], image=jpeg(), caption="قنات")
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/territory/neighborhoodprofilerevision/")
    assert listing.status_code == 200 and "سرچشمه" in listing.content.decode()
    assert (
        client.get(f"/admin/territory/neighborhoodprofilerevision/{revision.pk}/change/").status_code == 200
    )
    assert client.get("/admin/territory/neighborhoodprofilerevision/add/").status_code == 403
    page = client.get(f"/admin/territory/neighborhood/{place['nbhd'].pk}/change/")
    assert page.status_code == 200 and "-480.jpg" in page.content.decode()
