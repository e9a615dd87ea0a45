"""Following a neighborhood: a signed-in person follows it from its page and hears, in the app, of its new
programs and solved problems (minutes and resolutions: tests/meetings/test_neighborhood_follow.py); nobody
else does, and the person who acted is not told of their own act."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from mahalat.audit.models import Event
from mahalat.notifications.models import NeighborhoodFollow, Notification
from mahalat.notifications.services import neighborhood_follow, neighborhood_unfollow
from mahalat.reports.models import ReportState
from mahalat.reports.services import report_transition
from tests.programs.conftest import save
from tests.resolutions.conftest import make_report
from tests.towns import Town


def _news(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, template="neighborhood_news").order_by("id"))


def test_follow_and_unfollow_from_the_page(town: Town) -> None:
    citizen = town.people["citizen"]
    client = Client()
    client.force_login(citizen)
    page = reverse("portal:neighborhood", args=[town.n1.slug])
    follow = reverse("portal:neighborhood-follow", args=[town.n1.slug])
    assert f'action="{follow}"' in client.get(page).content.decode()
    response = client.post(follow)
    assert response.status_code == 302 and response["Location"] == page
    assert NeighborhoodFollow.objects.filter(user=citizen, neighborhood=town.n1).count() == 1
    client.post(follow)  # again: still one
    assert NeighborhoodFollow.objects.filter(user=citizen).count() == 1
    assert 'name="action" value="unfollow"' in client.get(page).content.decode()
    client.post(follow, {"action": "unfollow"})
    assert not NeighborhoodFollow.objects.filter(user=citizen).exists()
    events = Event.objects.filter(action__startswith="notifications.neighborhood.").order_by("id")
    assert list(events.values_list("action", flat=True)) == [
        "notifications.neighborhood.followed",
        "notifications.neighborhood.unfollowed",
    ]


def test_a_visitor_is_sent_to_sign_in_and_nothing_is_written(town: Town) -> None:
    follow = reverse("portal:neighborhood-follow", args=[town.n1.slug])
    response = Client().post(follow)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().get(follow).status_code in (302, 405)
    with pytest.raises(PermissionDenied):
        neighborhood_follow(actor=AnonymousUser(), neighborhood=town.n1)
    assert not NeighborhoodFollow.objects.exists()
    assert Client().get(f"/n/{town.n1.slug}/nowhere/").status_code == 404


def test_unknown_neighborhood_is_not_found(town: Town) -> None:
    client = Client()
    client.force_login(town.people["citizen"])
    assert client.post(reverse("portal:neighborhood-follow", args=["nowhere"])).status_code == 404
    assert neighborhood_unfollow(actor=town.people["citizen"], neighborhood=town.n1) is False


def test_followers_hear_of_a_new_program_and_a_solved_problem(town: Town) -> None:
    follower, other = town.people["citizen"], town.people["council_chair"]
    officer = town.people["district_officer"]
    neighborhood_follow(actor=follower, neighborhood=town.n1)
    neighborhood_follow(actor=officer, neighborhood=town.n1)  # acts below: not told of its own act
    neighborhood_follow(actor=other, neighborhood=town.n2)  # follows another neighborhood

    save(town, officer, neighborhoods=[town.n1])
    [program_news] = _news(follower)
    assert program_news.context["event"] == "program" and program_news.channel == "in_app"
    assert program_news.neighborhood_id == town.n1.pk

    report = make_report(town.n1, state=ReportState.IN_PROGRESS)
    report_transition(actor=officer, report=report, to=ReportState.RESOLVED, note="چراغ تعمیر شد")
    news = _news(follower)
    assert [n.context["event"] for n in news] == ["program", "report"]
    assert news[1].context["number"] == report.tracking_code
    assert _news(officer) == [] and _news(other) == []


def test_a_private_report_solved_is_not_news(town: Town) -> None:
    follower = town.people["citizen"]
    neighborhood_follow(actor=follower, neighborhood=town.n1)
    report = make_report(town.n1, state=ReportState.IN_PROGRESS, is_public=False)
    report_transition(
        actor=town.people["district_officer"], report=report, to=ReportState.RESOLVED, note="شد"
    )
    assert _news(follower) == []


def test_each_kind_of_news_reads_as_a_sentence_in_both_languages() -> None:
    from mahalat.notifications.rendering import render

    cases = {
        "minutes": ({"number": 12}, ("۱۲", "12")),
        "resolution": ({"number": "1405/012", "title": "نصب چراغ"}, ("۱۴۰۵/۰۱۲", "1405/012")),
        "program": ({"title": "جشن یلدا"}, ("جشن یلدا", "جشن یلدا")),
        "report": ({"number": "1234567890", "title": "روشنایی"}, ("۱۲۳۴۵۶۷۸۹۰", "1234567890")),
    }
    for event, (extra, (in_fa, in_en)) in cases.items():
        context = {"event": event, "neighborhood": "سرچشمه", **extra}
        fa = render(template="neighborhood_news", channel="in_app", context=context, language="fa").subject
        en = render(template="neighborhood_news", channel="in_app", context=context, language="en").subject
        assert "سرچشمه" in fa and in_fa in fa and "دنبال می‌کنید" in fa, fa
        assert "you follow" in en and in_en in en, en
