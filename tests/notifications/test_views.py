"""The in-app notifications page: only one's own, Jalali times, marking read, bounded queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import Client

from mahalat.notifications.models import Notification, State
from mahalat.notifications.selectors import notifications_for, unread_count
from mahalat.notifications.services import notify
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db]

PASSWORD = "a-Strong-pass-1405"


def signed_in(user: Any) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"phone": user.phone_local, "password": PASSWORD})
    assert response.status_code == 302
    return client


def in_app(user: Any, subject: str, body: str = "") -> Notification:
    with transaction.atomic():
        (row,) = notify(
            recipient=user,
            kind="councils.meeting.scheduled",
            template="generic",
            context={"subject": subject, "body": body},
            channels=["in_app"],
        )
    return row


def test_the_page_lists_only_ones_own_notifications(django_assert_max_num_queries: Any) -> None:
    owner, other = UserFactory(), UserFactory()
    for i in range(25):
        in_app(owner, f"جلسه شماره {i}", "در سرای محله")
    in_app(other, "پیام دیگری")
    moment = datetime(2025, 11, 27, 14, 30, tzinfo=ZoneInfo("Asia/Tehran"))
    Notification.objects.filter(recipient=owner).update(created_at=moment)
    client = signed_in(owner)
    with django_assert_max_num_queries(6):
        page = client.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert "اعلان‌ها" in html  # the page's title, in Persian
    assert html.count("جلسه شماره") == 20  # the first page
    assert "در سرای محله" in html
    assert "پیام دیگری" not in html
    assert "۱۴۰۴/۰۹/۰۶" in html  # 27 Nov 2025 in the Jalali calendar, Persian digits
    assert "?page=2" in html
    page_2 = client.get("/notifications/?page=2")
    assert page_2.content.decode().count("جلسه شماره") == 5


def test_the_page_needs_a_signed_in_person() -> None:
    response = Client().get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_marking_read_and_the_unread_filter() -> None:
    owner = UserFactory()
    first = in_app(owner, "اولی")
    in_app(owner, "دومی")
    client = signed_in(owner)
    assert unread_count(user=owner) == 2

    response = client.post(f"/notifications/{first.pk}/read/", {"next": "/notifications/?unread=1"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/?unread=1"
    first.refresh_from_db()
    assert first.state == State.READ and first.read_at is not None
    html = client.get("/notifications/?unread=1").content.decode()
    assert "دومی" in html and "اولی" not in html

    response = client.post(f"/notifications/{first.pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"  # no open redirect
    assert client.get(f"/notifications/{first.pk}/read/").status_code == 405

    client.post("/notifications/read-all/")
    assert unread_count(user=owner) == 0
    client.cookies["mahalat_language"] = "en"
    html = client.get("/notifications/?unread=1").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "You have no unread notifications." in html


def test_another_person_cannot_mark_them_read() -> None:
    owner, intruder = UserFactory(), UserFactory()
    row = in_app(owner, "خصوصی")
    response = signed_in(intruder).post(f"/notifications/{row.pk}/read/")
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.read_at is None
    assert list(notifications_for(user=intruder)) == []
    signed_in(intruder).post("/notifications/read-all/")
    row.refresh_from_db()
    assert row.read_at is None


def test_sms_and_email_rows_are_not_in_the_in_app_list() -> None:
    owner = UserFactory(email="a@example.ir")
    with transaction.atomic():
        notify(recipient=owner, kind="reports.report.triaged", template="welcome", context={"phone": "0912"})
    assert Notification.objects.filter(recipient=owner).count() == 3
    assert [n.channel for n in notifications_for(user=owner)] == ["in_app"]


def test_preferences_page_turns_sms_off_and_on() -> None:
    from django.test import Client

    from mahalat.notifications.models import NotificationPreference
    from mahalat.notifications.preferences import channel_enabled, user_choices
    from tests.factories import UserFactory

    user = UserFactory()
    client = Client()
    client.force_login(user)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    assert 'name="reports.report|sms" id="pref-1-1" checked' in page.content.decode()
    client.post("/notifications/preferences/", {})  # everything unticked
    assert not channel_enabled(kind="reports.report.triaged", channel="sms", choices=user_choices(user))
    client.post("/notifications/preferences/", {"reports.report|sms": "on"})
    assert channel_enabled(kind="reports.report.triaged", channel="sms", choices=user_choices(user))
    assert NotificationPreference.objects.filter(user=user).count() >= 1
    assert Client().get("/notifications/preferences/").status_code == 302
