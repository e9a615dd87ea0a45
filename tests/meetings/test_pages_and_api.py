"""The meeting pages and the API: shapes, permissions, 404s, pagination and bounded query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from mahalat.meetings import services
from mahalat.meetings.models import Meeting
from tests.meetings.conftest import item_on, make_report, open_meeting, open_vote, schedule

pytestmark = pytest.mark.django_db


def _many_meetings(world, count: int) -> list[Meeting]:
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    return services.meeting_schedule_series(
        actor=world.secretary,
        council=world.council,
        first_day=start.date(),
        weekday=start.weekday(),
        at=start.time().replace(second=0),
        duration_minutes=60,
        count=count,
        every_weeks=1,
        place="سرا",
    )


def test_the_neighborhood_list_is_paginated_in_bounded_queries(
    world, client, django_assert_max_num_queries
) -> None:
    meetings = _many_meetings(world, 30)
    Meeting.objects.filter(pk__in=[m.pk for m in meetings[:25]]).update(state="closed")
    url = reverse("meetings:public-list", kwargs={"slug": world.n1.slug})
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 25 and len(response.context["page"].object_list) == 20
    assert len(response.context["upcoming"]) == 5
    assert client.get(url + "?page=2").status_code == 200
    assert client.get(reverse("meetings:public-list", kwargs={"slug": "nowhere"})).status_code == 404


def test_the_public_meeting_page_in_bounded_queries(world, client, django_assert_max_num_queries) -> None:
    meeting = schedule(world)
    items = [item_on(world, meeting, title=f"موضوع {i}") for i in range(8)]
    open_meeting(world, meeting)
    open_vote(world, items[0])
    services.vote_cast(actor=world.chair, item=items[0], choice="for")
    del client.cookies["mahalat_language"]  # the page as a visitor first sees it: Persian
    with django_assert_max_num_queries(12):
        response = client.get(reverse("meetings:public", args=[meeting.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "موضوع 7" in page and 'dir="rtl"' in page
    assert client.get(reverse("meetings:public", args=[999999])).status_code == 404


def test_the_ics_download(world, client) -> None:
    meeting = schedule(world)
    response = client.get(reverse("meetings:ics", args=[meeting.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["URL"]).endswith(f"/meetings/{meeting.pk}/")


def test_the_api_list_filters_paginates_and_stays_bounded(
    world, client, django_assert_max_num_queries
) -> None:
    _many_meetings(world, 52)
    with django_assert_max_num_queries(6):
        body = client.get(f"/api/v1/meetings?council={world.council.pk}").json()
    assert body["count"] == 52 and len(body["items"]) == 50
    assert len(client.get(f"/api/v1/meetings?council={world.council.pk}&page=2").json()["items"]) == 2
    first = body["items"][0]
    assert set(first) >= {"id", "council", "number", "state", "starts_at", "place", "url", "ics_url"}
    assert first["number"] == 52  # latest first
    assert client.get(f"/api/v1/meetings?council={world.other_council.pk}").json()["count"] == 0
    cut = timezone.now() + timedelta(days=4)
    assert (
        client.get("/api/v1/meetings", {"council": world.council.pk, "to": cut.isoformat()}).json()["count"]
        == 1
    )
    assert (
        client.get("/api/v1/meetings", {"council": world.council.pk, "from": cut.isoformat()}).json()["count"]
        == 51
    )
    assert client.get(f"/api/v1/meetings?council={world.council.pk}&state=closed").json()["count"] == 0
    bad = client.get("/api/v1/meetings?state=party")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid" and "state" in bad.json()["fields"]
    assert client.get("/api/v1/meetings?council=abc").status_code == 422


def test_the_api_detail_shape_and_open_vote_choices(world, client, django_assert_max_num_queries) -> None:
    meeting = schedule(world)
    report = make_report(world.n1)
    item = services.agenda_item_propose(actor=world.secretary, council=world.council, title="", report=report)
    services.agenda_item_transition(actor=world.secretary, item=item, to="scheduled", meeting=meeting)
    for i in range(6):
        item_on(world, meeting, title=f"t{i}")
    open_meeting(world, meeting)
    open_vote(world, item)
    services.vote_cast(actor=world.chair, item=item, choice="for")
    services.vote_cast(actor=world.secretary, item=item, choice="against")
    services.agenda_item_transition(actor=world.secretary, item=item, to="decided")
    with django_assert_max_num_queries(10):
        body = client.get(f"/api/v1/meetings/{meeting.pk}").json()
    first = body["agenda"][0]
    assert first["report"] == report.tracking_code
    assert first["vote"] == {
        "mode": "open",
        "method": "simple",
        "votes_for": 1,
        "votes_against": 1,
        "votes_abstain": 0,
        "base": 2,
        "needed": 2,
        "adopted": False,
        "choices": None,
    }
    assert body["seated_members"] == 5 and body["present"] == 3 and body["minutes"] is None
    assert {a["status"] for a in body["attendance"]} == {"present", "absent"}
    assert "phone" not in str(body["attendance"])
    client.force_login(world.people["area_officer"])
    choices = client.get(f"/api/v1/meetings/{meeting.pk}").json()["agenda"][0]["vote"]["choices"]
    assert sorted(c["choice"] for c in choices) == ["against", "for"]


def test_the_api_404s_have_the_error_shape(world, client) -> None:
    meeting = schedule(world)
    missing = client.get("/api/v1/meetings/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    pdf = client.get(f"/api/v1/meetings/{meeting.pk}/minutes.pdf")
    assert pdf.status_code == 404 and set(pdf.json()) == {"code", "message", "fields"}
    forbidden = client.get(f"/api/v1/meetings/{meeting.pk}/minutes.pdf?internal=true")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "permission_denied"


def test_the_council_workspace_panel(world, client, django_assert_max_num_queries) -> None:
    from django.template import Context, Template

    meeting = schedule(world)
    services.agenda_item_propose(actor=world.members[3].user, council=world.council, title="پیشنهاد پارک")
    report = make_report(world.n1)
    from mahalat.reports.models import ReportEndorsement

    ReportEndorsement.objects.create(report=report, endorsed_by=world.chair, proposed_for_agenda=True)
    template = Template("{% load meetings_panels %}{% council_meetings_panel council user %}")
    user = world.secretary
    with django_assert_max_num_queries(8):
        html = template.render(Context({"council": world.council, "user": user}))
    assert reverse("meetings:manage", args=[meeting.pk]) in html
    assert "پیشنهاد پارک" in html and report.tracking_code in html
    assert reverse("meetings:council", args=[world.council.pk]) in html


def test_staff_pages_and_plain_posts(world, client) -> None:
    url = reverse("meetings:council", args=[world.council.pk])
    client.force_login(world.people["citizen"])
    assert client.get(url).status_code == 403
    client.force_login(world.secretary)
    assert client.get(url).status_code == 200
    start = timezone.localtime() + timedelta(days=2)
    from mahalat.persian.jalali import format_jalali_date

    bad = client.post(
        reverse("meetings:schedule", args=[world.council.pk]),
        {"day": "1404/13/40", "starts": "17:00", "ends": "19:00", "kind": "regular", "place": "سرا"},
    )
    assert bad.status_code == 400 and not Meeting.objects.exists()
    no_place = client.post(
        reverse("meetings:schedule", args=[world.council.pk]),
        {
            "day": format_jalali_date(start, digits="ascii"),
            "starts": "17:00",
            "ends": "19:00",
            "kind": "regular",
            "place": "",
        },
    )
    assert no_place.status_code == 400 and not Meeting.objects.exists()
    response = client.post(
        reverse("meetings:schedule", args=[world.council.pk]),
        {
            "day": format_jalali_date(start, digits="ascii"),
            "starts": "17:00",
            "ends": "19:00",
            "kind": "regular",
            "place": "سرای محله",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "meetings:manage", args=[meeting.pk]
    )
    assert client.get(reverse("meetings:manage", args=[meeting.pk])).status_code == 200
    # An out-of-order transition from the page is a 409 with the reason, and changes nothing.
    conflict = client.post(reverse("meetings:transition", args=[meeting.pk]), {"to": "closed"})
    assert conflict.status_code == 409 and Meeting.objects.get().state == "scheduled"
    opened = client.post(
        reverse("meetings:transition", args=[meeting.pk]), {"to": "in_session", "expected_state": "scheduled"}
    )
    assert opened.status_code == 302 and Meeting.objects.get().state == "in_session"
    client.force_login(world.members[3].user)
    assert client.post(reverse("meetings:transition", args=[meeting.pk]), {"to": "closed"}).status_code == 403
    assert Meeting.objects.get().state == "in_session"
