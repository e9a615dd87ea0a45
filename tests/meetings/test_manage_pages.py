"""The staff pages of a meeting, through plain POSTs: placing proposals, votes, the resolution form,
minutes with a stale version; and their bounded query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mahalat.meetings import services
from mahalat.meetings.models import AgendaItem, Meeting, MemberVote, Minutes
from mahalat.persian.jalali import format_jalali_date
from mahalat.resolutions.models import Resolution
from tests.meetings.conftest import item_on, make_report, open_meeting, open_vote, schedule

pytestmark = pytest.mark.django_db


def test_the_council_page_lists_many_meetings_in_bounded_queries(
    world, client, django_assert_max_num_queries
) -> None:
    start = timezone.now() + timedelta(days=1)
    services.meeting_schedule_series(
        actor=world.secretary,
        council=world.council,
        first_day=start.date(),
        weekday=start.weekday(),
        at=start.time().replace(second=0, microsecond=0),
        duration_minutes=60,
        count=45,
        every_weeks=1,
        place="سرا",
    )
    for i in range(15):
        services.agenda_item_propose(actor=world.members[2].user, council=world.council, title=f"پیشنهاد {i}")
    client.force_login(world.secretary)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("meetings:council", args=[world.council.pk]))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 20 and response.context["page"].paginator.count == 45
    assert len(response.context["proposals"]) == 15


def test_the_manage_page_in_bounded_queries(world, client, django_assert_max_num_queries) -> None:
    meeting = schedule(world)
    items = [item_on(world, meeting, title=f"موضوع {i}") for i in range(10)]
    open_meeting(world, meeting, present=(0, 1, 2, 3, 4))
    open_vote(world, items[0])
    for member in world.members:
        services.vote_cast(actor=member.user, item=items[0], choice="for")
    client.force_login(world.secretary)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("meetings:manage", args=[meeting.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("data-item=") == 10


def test_a_member_votes_from_the_page_and_cannot_run_it(world, client) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting, present=(0, 1, 2, 3))
    open_vote(world, item)
    member = world.members[3]
    client.force_login(member.user)
    assert client.get(reverse("meetings:manage", args=[meeting.pk])).status_code == 200
    response = client.post(reverse("meetings:item-vote", args=[item.pk]), {"choice": "against"})
    assert response.status_code == 302
    assert MemberVote.objects.get(item=item, membership=member).choice == "against"
    again = client.post(reverse("meetings:item-vote", args=[item.pk]), {"choice": "for"})
    assert again.status_code == 409
    assert (
        client.post(reverse("meetings:item-transition", args=[item.pk]), {"to": "decided"}).status_code == 403
    )
    assert AgendaItem.objects.get(pk=item.pk).state == "voting"


def test_placing_a_report_proposal_voting_and_adopting_the_resolution(world, client) -> None:
    meeting = schedule(world)
    report = make_report(world.n1)
    client.force_login(world.secretary)
    proposed = client.post(
        reverse("meetings:propose", args=[world.council.pk]), {"report": report.pk, "title": ""}
    )
    assert proposed.status_code == 302
    item = AgendaItem.objects.get(report=report)
    placed = client.post(reverse("meetings:place-item", args=[meeting.pk]), {"item": item.pk})
    assert placed.status_code == 302 and AgendaItem.objects.get(pk=item.pk).meeting_id == meeting.pk
    client.post(reverse("meetings:transition", args=[meeting.pk]), {"to": "in_session"})
    for member in world.members[:3]:
        client.post(
            reverse("meetings:attendance", args=[meeting.pk]), {"membership": member.pk, "status": "present"}
        )
    opened = client.post(
        reverse("meetings:item-transition", args=[item.pk]),
        {"to": "voting", "vote_mode": "open", "majority": "simple"},
    )
    assert opened.status_code == 302
    for member in world.members[:3]:
        client.post(reverse("meetings:item-vote", args=[item.pk]), {"membership": member.pk, "choice": "for"})
    client.post(
        reverse("meetings:item-transition", args=[item.pk]), {"to": "decided", "expected_state": "voting"}
    )
    assert AgendaItem.objects.get(pk=item.pk).adopted is True
    page = client.get(reverse("meetings:manage", args=[meeting.pk]))
    assert "resolution-form" in page.content.decode()
    prefix = f"r{item.pk}"
    deadline = format_jalali_date(timezone.localdate() + timedelta(days=30), digits="ascii")
    bad = client.post(
        reverse("meetings:item-resolution", args=[item.pk]),
        {
            f"{prefix}-title": "روشنایی",
            f"{prefix}-text": "",
            f"{prefix}-responsible_kind": "area",
            f"{prefix}-deadline": deadline,
        },
    )
    assert bad.status_code == 400 and not Resolution.objects.exists()
    good = client.post(
        reverse("meetings:item-resolution", args=[item.pk]),
        {
            f"{prefix}-title": "روشنایی کوچه",
            f"{prefix}-text": "ناحیه چراغ‌ها را تعمیر کند",
            f"{prefix}-responsible_kind": "area",
            f"{prefix}-deadline": deadline,
            f"{prefix}-reports": [report.pk],
        },
    )
    assert good.status_code == 302
    resolution = Resolution.objects.get(agenda_item=item)
    assert list(resolution.reports.values_list("pk", flat=True)) == [report.pk]


def test_a_stale_minutes_form_is_a_409_and_keeps_the_other_edit(world, client) -> None:
    meeting = schedule(world)
    item = item_on(world, meeting)
    open_meeting(world, meeting)
    services.agenda_item_transition(actor=world.secretary, item=item, to="discussed")
    services.meeting_transition(actor=world.secretary, meeting=meeting, to="closed")
    minutes = Minutes.objects.get(meeting=meeting)
    services.minutes_update(actor=world.chair, minutes=minutes, body="<p>نسخه رئیس</p>", expected_version=1)
    client.force_login(world.secretary)
    response = client.post(
        reverse("meetings:minutes-edit", args=[meeting.pk]),
        {"body": "<p>نسخه دبیر</p>", "version": 1, f"discussion_{item.pk}": ""},
    )
    assert response.status_code == 409
    assert Minutes.objects.get(pk=minutes.pk).body == "<p>نسخه رئیس</p>"
    # The secretary may not approve; the chair may.
    assert (
        client.post(reverse("meetings:minutes-transition", args=[meeting.pk]), {"to": "approved"}).status_code
        == 403
    )
    client.force_login(world.chair)
    assert (
        client.post(reverse("meetings:minutes-transition", args=[meeting.pk]), {"to": "approved"}).status_code
        == 302
    )
    assert Meeting.objects.get(pk=meeting.pk).minutes.state == "approved"


def test_an_attachment_upload_through_the_page(world, client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    meeting = schedule(world)
    item = item_on(world, meeting)
    client.force_login(world.secretary)
    bad = client.post(
        reverse("meetings:item-attach", args=[item.pk]),
        {"file": SimpleUploadedFile("x.pdf", b"not a pdf", "application/pdf")},
    )
    assert bad.status_code == 400 and not item.attachments.exists()
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"
    good = client.post(
        reverse("meetings:item-attach", args=[item.pk]),
        {"file": SimpleUploadedFile("p.pdf", pdf, "application/pdf")},
    )
    assert good.status_code == 302 and item.attachments.count() == 1


def test_moving_a_meeting_from_the_page(world, client) -> None:
    meeting = schedule(world)
    client.force_login(world.secretary)
    day = format_jalali_date(timezone.localdate() + timedelta(days=5), digits="ascii")
    url = reverse("meetings:reschedule", args=[meeting.pk])
    form = {
        "move-day": day,
        "move-starts": "18:00",
        "move-ends": "17:00",
        "move-place": "سرا",
        "move-version": 1,
    }
    bad = client.post(url, form)
    assert bad.status_code == 400 and "move-ends" in bad.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).version == 1
    moved = client.post(url, {**form, "move-ends": "20:00"})
    assert moved.status_code == 302 and Meeting.objects.get(pk=meeting.pk).version == 2
    stale = client.post(url, {**form, "move-ends": "21:00"})
    assert stale.status_code == 409
    assert timezone.localtime(Meeting.objects.get(pk=meeting.pk).ends_at).hour == 20
