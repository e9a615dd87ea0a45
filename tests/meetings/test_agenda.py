"""The agenda: proposals from members, the district and citizen reports; placing, ordering, deferring,
withdrawing; attachments checked by content, capped, and never public for a private item."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from mahalat.errors import ConflictError
from mahalat.meetings import services
from mahalat.meetings.models import AgendaAttachment, AgendaItem
from tests.meetings.conftest import item_on, make_report, open_meeting, schedule

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


def test_sources_follow_the_proposer(world) -> None:
    by_member = services.agenda_item_propose(actor=world.members[3].user, council=world.council, title="پارک")
    by_district = services.agenda_item_propose(
        actor=world.people["area_officer"], council=world.council, title="آسفالت"
    )
    assert (by_member.source, by_district.source) == ("member", "district")
    assert by_member.state == "proposed" and by_member.meeting_id is None


@pytest.mark.parametrize("who", ["citizen", "deputy", "city_council", "other_district_officer", "liaison"])
def test_who_may_not_propose(world, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.agenda_item_propose(actor=world.people[who], council=world.council, title="x")
    assert not AgendaItem.objects.exists()


def test_a_report_item_must_be_of_the_neighborhood_and_only_once(world) -> None:
    mine = make_report(world.n1)
    theirs = make_report(world.n2)
    item = services.agenda_item_propose(actor=world.secretary, council=world.council, title="", report=mine)
    assert item.source == "report" and mine.tracking_code in item.title
    with pytest.raises(ValidationError) as caught:
        services.agenda_item_propose(actor=world.secretary, council=world.council, title="", report=mine)
    assert "report" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.agenda_item_propose(actor=world.secretary, council=world.council, title="t", report=theirs)
    assert AgendaItem.objects.count() == 1


def test_bad_proposals_change_nothing(world) -> None:
    for kwargs in ({"title": ""}, {"title": "x" * 201}, {"title": "t", "description": "d" * 4001}):
        with pytest.raises(ValidationError):
            services.agenda_item_propose(actor=world.secretary, council=world.council, **kwargs)
    assert not AgendaItem.objects.exists()


def test_ordering_by_moves_and_by_a_list(world) -> None:
    meeting = schedule(world)
    a, b, c = (item_on(world, meeting, title=t) for t in ("الف", "ب", "پ"))
    assert [i.position for i in (a, b, c)] == [1, 2, 3]
    services.agenda_item_move(actor=world.secretary, item=c, up=True)
    order = list(
        AgendaItem.objects.filter(meeting=meeting).order_by("position").values_list("title", flat=True)
    )
    assert order == ["الف", "پ", "ب"]
    services.agenda_reorder(actor=world.chair, meeting=meeting, item_ids=[b.pk, a.pk, c.pk])
    order = list(
        AgendaItem.objects.filter(meeting=meeting).order_by("position").values_list("title", flat=True)
    )
    assert order == ["ب", "الف", "پ"]
    with pytest.raises(ValidationError):
        services.agenda_reorder(actor=world.chair, meeting=meeting, item_ids=[b.pk, a.pk])
    with pytest.raises(PermissionDenied):
        services.agenda_reorder(actor=world.members[3].user, meeting=meeting, item_ids=[a.pk, b.pk, c.pk])


def test_defer_then_place_on_a_later_meeting_and_withdraw(world) -> None:
    first, second = schedule(world), schedule(world, hours=48)
    item = item_on(world, first)
    item = services.agenda_item_transition(
        actor=world.secretary, item=item, to="deferred", expected_state="scheduled"
    )
    item = services.agenda_item_transition(actor=world.secretary, item=item, to="scheduled", meeting=second)
    assert (item.state, item.meeting_id) == ("scheduled", second.pk)
    item = services.agenda_item_transition(actor=world.secretary, item=item, to="withdrawn")
    with pytest.raises(ConflictError):
        services.agenda_item_transition(actor=world.secretary, item=item, to="scheduled", meeting=first)


def test_an_item_cannot_join_another_councils_meeting(world) -> None:
    meeting = schedule(world)
    item = services.agenda_item_propose(
        actor=world.people["other_district_officer"], council=world.other_council, title="x"
    )
    with pytest.raises((ValidationError, PermissionDenied)):
        services.agenda_item_transition(
            actor=world.people["other_district_officer"], item=item, to="scheduled", meeting=meeting
        )
    assert AgendaItem.objects.get(pk=item.pk).meeting_id is None


def test_a_stale_view_of_an_item_is_a_conflict(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    with pytest.raises(ConflictError):
        services.agenda_item_transition(
            actor=world.secretary, item=item, to="deferred", expected_state="proposed"
        )


# --- attachments ----------------------------------------------------------------------------------


def test_pdf_and_image_attachments_are_stored_by_content(world) -> None:
    item = item_on(world, schedule(world))
    pdf = services.agenda_attachment_add(
        actor=world.secretary, item=item, upload=SimpleUploadedFile("plan.pdf", PDF, "application/pdf")
    )
    photo = services.agenda_attachment_add(
        actor=world.secretary, item=item, upload=SimpleUploadedFile("x.png", _jpeg(), "image/png"), name="عکس"
    )
    assert (pdf.content_type, photo.content_type) == ("application/pdf", "image/jpeg")
    assert pdf.file.read().startswith(b"%PDF") and photo.name == "عکس"


@pytest.mark.parametrize(
    "content",
    [
        b"<script>alert(1)</script>",  # a script named .pdf
        b"%PDF-1.4\nno end of file marker",  # a truncated PDF
        b"MZ\x90\x00" + b"\x00" * 100,  # a program
        b"GIF89a" + b"\x00" * 20,  # a broken image
    ],
)
def test_malformed_or_wrong_files_are_refused(world, content: bytes) -> None:
    item = item_on(world, schedule(world))
    with pytest.raises(ValidationError) as caught:
        services.agenda_attachment_add(
            actor=world.secretary, item=item, upload=SimpleUploadedFile("a.pdf", content, "application/pdf")
        )
    assert "file" in caught.value.message_dict
    assert not AgendaAttachment.objects.exists()


def test_oversized_files_are_refused(world) -> None:
    item = item_on(world, schedule(world))
    big = PDF[:-7] + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"
    with pytest.raises(ValidationError) as caught:
        services.agenda_attachment_add(
            actor=world.secretary, item=item, upload=SimpleUploadedFile("big.pdf", big, "application/pdf")
        )
    assert "10" in " ".join(caught.value.message_dict["file"])
    assert not AgendaAttachment.objects.exists()


def test_at_most_ten_attachments_per_item(world) -> None:
    item = item_on(world, schedule(world))
    for i in range(10):
        services.agenda_attachment_add(
            actor=world.secretary, item=item, upload=SimpleUploadedFile(f"{i}.pdf", PDF, "application/pdf")
        )
    with pytest.raises(ValidationError):
        services.agenda_attachment_add(
            actor=world.secretary, item=item, upload=SimpleUploadedFile("11.pdf", PDF, "application/pdf")
        )
    assert AgendaAttachment.objects.count() == 10


def test_a_member_may_not_attach(world) -> None:
    item = item_on(world, schedule(world))
    with pytest.raises(PermissionDenied):
        services.agenda_attachment_add(
            actor=world.members[3].user, item=item, upload=SimpleUploadedFile("a.pdf", PDF, "application/pdf")
        )


def test_a_private_items_attachments_are_never_public(world, client) -> None:
    meeting = schedule(world)
    public_item = item_on(world, meeting, title="عمومی")
    private_item = item_on(world, meeting, title="محرمانه", private=True)
    public_file = services.agenda_attachment_add(
        actor=world.secretary, item=public_item, upload=SimpleUploadedFile("a.pdf", PDF, "application/pdf")
    )
    private_file = services.agenda_attachment_add(
        actor=world.secretary, item=private_item, upload=SimpleUploadedFile("b.pdf", PDF, "application/pdf")
    )
    assert client.get(reverse("meetings:attachment", args=[public_file.pk])).status_code == 200
    assert client.get(reverse("meetings:attachment", args=[private_file.pk])).status_code == 404
    page = client.get(reverse("meetings:public", args=[meeting.pk])).content.decode()
    assert "محرمانه" not in page and reverse("meetings:attachment", args=[private_file.pk]) not in page
    client.force_login(world.people["citizen"])
    assert client.get(reverse("meetings:attachment", args=[private_file.pk])).status_code == 404
    client.force_login(world.members[3].user)
    response = client.get(reverse("meetings:attachment", args=[private_file.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_no_attachment_after_the_item_is_decided(world) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting)
    services.agenda_item_transition(actor=world.secretary, item=item, to="discussed")
    with pytest.raises(ConflictError):
        services.agenda_attachment_add(
            actor=world.secretary, item=item, upload=SimpleUploadedFile("a.pdf", PDF, "application/pdf")
        )
