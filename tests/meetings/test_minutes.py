"""Minutes: sanitized rich text, the chair's approval, publication, stale edits, and the public version
(private items redacted) on the page, in the API and in the PDF."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from mahalat.errors import ConflictError
from mahalat.meetings import services
from mahalat.meetings.models import AgendaItem, Minutes
from mahalat.meetings.sanitize import clean_html
from tests.meetings.conftest import item_on, open_meeting, open_vote, schedule

pytestmark = pytest.mark.django_db

PRIVATE_TITLE = "PRIVATE-ITEM-Zx"
PUBLIC_TITLE = "PUBLIC-ITEM-Qw"


@pytest.mark.parametrize(
    ("dirty", "kept", "gone"),
    [
        ("<p>سلام<script>alert(1)</script></p>", "<p>سلام</p>", "alert"),
        ('<p><img src=x onerror="alert(1)">x</p>', "<p>x</p>", "onerror"),
        ('<a href="javascript:alert(1)">k</a>', "k</a>", "javascript"),
        ('<p onclick="steal()" style="color:red">t</p>', "<p>t</p>", "onclick"),
        ('<iframe src="https://evil"></iframe><h3>عنوان</h3>', "<h3>عنوان</h3>", "iframe"),
    ],
)
def test_rich_text_is_sanitized(dirty: str, kept: str, gone: str) -> None:
    clean = clean_html(dirty)
    assert kept in clean and gone not in clean


def test_allowed_tags_and_links_survive_with_rel() -> None:
    html = '<h4>الف</h4><ul><li><strong>ب</strong></li></ul><blockquote><em>پ</em></blockquote><a href="https://x.ir/">ت</a>'
    clean = clean_html(html)
    for tag in ("<h4>", "<ul>", "<li>", "<strong>", "<blockquote>", "<em>"):
        assert tag in clean
    assert 'href="https://x.ir/"' in clean and 'rel="noopener' in clean


def _held(world, *, private: bool = True):
    meeting = schedule(world)
    public = item_on(world, meeting, title=PUBLIC_TITLE)
    hidden = item_on(world, meeting, title=PRIVATE_TITLE, private=True) if private else None
    open_meeting(world, meeting)
    open_vote(world, public)
    services.vote_cast(actor=world.chair, item=public, choice="for")
    services.agenda_item_transition(actor=world.secretary, item=public, to="decided")
    if hidden is not None:
        services.agenda_item_transition(actor=world.secretary, item=hidden, to="discussed")
    services.meeting_transition(actor=world.secretary, meeting=meeting, to="closed")
    return meeting, public, hidden


def test_minutes_are_edited_sanitized_and_versioned(world) -> None:
    meeting, public, hidden = _held(world)
    minutes = Minutes.objects.get(meeting=meeting)
    minutes = services.minutes_update(
        actor=world.secretary,
        minutes=minutes,
        body="<p>آغاز<script>x()</script></p>",
        discussions={public.pk: "<p>بحث <b onmouseover=1>شد</b></p>", hidden.pk: "<p>SECRET-DISCUSSION</p>"},
        expected_version=1,
    )
    assert minutes.body == "<p>آغاز</p>" and minutes.version == 2
    assert AgendaItem.objects.get(pk=public.pk).discussion == "<p>بحث شد</p>"
    with pytest.raises(ConflictError, match=r"changed while you were editing|هنگام ویرایش"):
        services.minutes_update(actor=world.chair, minutes=minutes, body="<p>دیگر</p>", expected_version=1)
    assert Minutes.objects.get(pk=minutes.pk).body == "<p>آغاز</p>"


def test_only_the_chair_approves_and_nothing_changes_after(world) -> None:
    meeting, _public, _hidden = _held(world)
    minutes = Minutes.objects.get(meeting=meeting)
    with pytest.raises(PermissionDenied):
        services.minutes_transition(actor=world.secretary, minutes=minutes, to="approved")
    with pytest.raises(ConflictError):
        services.minutes_transition(actor=world.secretary, minutes=minutes, to="published")
    minutes = services.minutes_transition(
        actor=world.chair, minutes=minutes, to="approved", expected_version=1
    )
    assert minutes.approved_by == world.chair
    with pytest.raises(ConflictError):
        services.minutes_update(
            actor=world.secretary, minutes=minutes, body="<p>x</p>", expected_version=minutes.version
        )
    with pytest.raises(PermissionDenied):
        services.minutes_transition(actor=world.members[3].user, minutes=minutes, to="published")
    minutes = services.minutes_transition(actor=world.secretary, minutes=minutes, to="published")
    assert minutes.state == "published" and minutes.published_at is not None


def _publish(world, meeting) -> None:
    minutes = Minutes.objects.get(meeting=meeting)
    minutes = services.minutes_update(
        actor=world.secretary, minutes=minutes, body="<p>MINUTES-BODY</p>", expected_version=1
    )
    minutes = services.minutes_transition(actor=world.chair, minutes=minutes, to="approved")
    services.minutes_transition(actor=world.secretary, minutes=minutes, to="published")


def test_the_public_page_redacts_private_items(world, client) -> None:
    meeting, _public, _hidden = _held(world)
    url = reverse("meetings:public", args=[meeting.pk])
    assert "MINUTES-BODY" not in client.get(url).content.decode()
    _publish(world, meeting)
    page = client.get(url).content.decode()
    assert PUBLIC_TITLE in page and "MINUTES-BODY" in page
    assert PRIVATE_TITLE not in page
    assert "A private item was discussed" in page or "موضوعی محرمانه" in page
    assert world.members[0].user.phone not in page
    # Staff asking for the internal version see it; a citizen asking for it still does not.
    client.force_login(world.people["citizen"])
    assert PRIVATE_TITLE not in client.get(url + "?internal=1").content.decode()
    client.force_login(world.people["district_officer"])
    assert PRIVATE_TITLE in client.get(url + "?internal=1").content.decode()


def test_the_api_redacts_private_items(world, client) -> None:
    meeting, _public, _hidden = _held(world)
    _publish(world, meeting)
    body = client.get(f"/api/v1/meetings/{meeting.pk}").json()
    titles = [i["title"] for i in body["agenda"]]
    assert PUBLIC_TITLE in titles and PRIVATE_TITLE not in str(body)
    assert any(i["private"] and i["title"] is None for i in body["agenda"])
    assert body["minutes"]["html"] == "<p>MINUTES-BODY</p>"
    client.force_login(world.people["district_officer"])
    assert PRIVATE_TITLE in str(client.get(f"/api/v1/meetings/{meeting.pk}").json())


def _pdf_text(data: bytes) -> tuple[str, set[str]]:
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    fonts: set[str] = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return text, fonts


def test_the_pdf_is_persian_public_and_redacted(world, client) -> None:
    meeting, _public, _hidden = _held(world)
    url = reverse("meetings:minutes-pdf", args=[meeting.pk])
    assert client.get(url).status_code == 404  # not published yet
    _publish(world, meeting)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text, fonts = _pdf_text(response.content)
    assert any("Vazirmatn" in f for f in fonts), fonts
    assert PUBLIC_TITLE in text and "MINUTES-BODY" in text and PRIVATE_TITLE not in text
    assert "سرچشمه" in text  # the neighborhood name, in Persian


def test_the_internal_pdf_is_for_internal_readers_only(world, client) -> None:
    meeting, _public, _hidden = _held(world)
    url = reverse("meetings:minutes-pdf", args=[meeting.pk]) + "?internal=1"
    assert client.get(url).status_code == 403
    client.force_login(world.people["citizen"])
    assert client.get(url).status_code == 403
    client.force_login(world.secretary)
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert PRIVATE_TITLE in _pdf_text(response.content)[0]
    api = client.get(f"/api/v1/meetings/{meeting.pk}/minutes.pdf?internal=true")
    assert api.status_code == 200 and api.content.startswith(b"%PDF")
