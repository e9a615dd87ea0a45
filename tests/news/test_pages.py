"""The public news pages and feeds show published, due items only (asserted by content); an item's
canonical address; the staff pages' workflow and refusals; bounded query counts of every list."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mahalat.news.models import NewsItem, NewsState
from mahalat.news.services import news_submit, news_withdraw
from tests.news.conftest import draft, not_an_image, published
from tests.towns import Town

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"

HIDDEN = {
    "draft": "پیش‌نویس-محرمانه",
    "review": "در-انتظار-بررسی-محرمانه",
    "future": "خبر-آینده-محرمانه",
    "withdrawn": "خبر-پس‌گرفته-محرمانه",
}


@pytest.fixture
def world(town: Town) -> dict[str, Any]:
    officer = town.people["district_officer"]
    city_item = published(town, title="خبر منطقه یک")
    hood_item = published(town, title="خبر سرچشمه", neighborhood=town.n1)
    other_hood = published(town, title="خبر چهارباغ", neighborhood=town.n3)
    draft(town, title=HIDDEN["draft"], summary=HIDDEN["draft"], neighborhood=town.n1)
    news_submit(
        actor=officer,
        item=draft(town, title=HIDDEN["review"], summary=HIDDEN["review"], neighborhood=town.n1),
    )
    future = published(
        town,
        title=HIDDEN["future"],
        summary=HIDDEN["future"],
        neighborhood=town.n1,
        publish_at=timezone.now() + timedelta(days=2),
    )
    gone = published(town, title=HIDDEN["withdrawn"], summary=HIDDEN["withdrawn"], neighborhood=town.n1)
    news_withdraw(actor=officer, item=gone, reason="اشتباه")
    return {"city": city_item, "hood": hood_item, "other_hood": other_hood, "future": future, "gone": gone}


def _public_pages(town: Town) -> list[str]:
    return [
        reverse("news:city"),
        reverse("news:district", kwargs={"slug": town.d1.slug}),
        reverse("news:neighborhood", kwargs={"slug": town.n1.slug}),
    ]


def _feeds(town: Town) -> list[str]:
    return [
        reverse("news:city-feed"),
        reverse("news:district-feed", kwargs={"slug": town.d1.slug}),
        reverse("news:neighborhood-feed", kwargs={"slug": town.n1.slug}),
    ]


def test_public_lists_show_published_items_only(client: Client, town: Town, world: dict[str, Any]) -> None:
    for url in _public_pages(town):
        html = client.get(url).content.decode()
        assert "خبر منطقه یک" in html and "خبر سرچشمه" in html
        for secret in HIDDEN.values():
            assert secret not in html, (url, secret)
        assert 'type="application/atom+xml"' in html and 'rel="alternate"' in html
    # A neighborhood shows its own and its district's general items, not a sibling's.
    html = client.get(reverse("news:neighborhood", kwargs={"slug": town.n1.slug})).content.decode()
    assert "خبر چهارباغ" not in html
    assert (
        "خبر منطقه یک"
        not in client.get(reverse("news:district", kwargs={"slug": town.d2.slug})).content.decode()
    )


def test_hidden_items_are_404(client: Client, town: Town, world: dict[str, Any]) -> None:
    for item in NewsItem.objects.exclude(pk__in=[world["city"].pk, world["hood"].pk, world["other_hood"].pk]):
        assert client.get(item.get_absolute_url()).status_code == 404, item.state
        assert client.get(reverse("news:detail-short", kwargs={"pk": item.pk})).status_code == 404


def test_feeds_parse_and_hold_published_items_only(client: Client, town: Town, world: dict[str, Any]) -> None:
    expected = {
        _feeds(town)[0]: {"خبر منطقه یک", "خبر سرچشمه", "خبر چهارباغ"},
        _feeds(town)[1]: {"خبر منطقه یک", "خبر سرچشمه", "خبر چهارباغ"},
        _feeds(town)[2]: {"خبر منطقه یک", "خبر سرچشمه"},
    }
    for url, titles in expected.items():
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        root = ET.fromstring(response.content)
        assert root.tag == f"{ATOM}feed"
        entries = root.findall(f"{ATOM}entry")
        assert {e.findtext(f"{ATOM}title") for e in entries} == titles
        links = {e.find(f"{ATOM}link").get("href") for e in entries}
        assert f"http://testserver{world['hood'].get_absolute_url()}" in links
        text = response.content.decode()
        for secret in HIDDEN.values():
            assert secret not in text


def test_the_item_page_and_its_canonical_address(client: Client, town: Town, world: dict[str, Any]) -> None:
    item = world["hood"]
    response = client.get(item.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<link rel="canonical" href="http://testserver{item.get_absolute_url()}">' in html
    assert "<strong>شنبه</strong>" in html  # the sanitized body, as stored
    # A Jalali date with Persian digits.
    assert "۱۴۰" in html
    wrong = reverse("news:detail", kwargs={"pk": item.pk, "slug": "نام-دیگر"})
    for url in (wrong, reverse("news:detail-short", kwargs={"pk": item.pk})):
        moved = client.get(url)
        assert moved.status_code == 301 and moved["Location"] == item.get_absolute_url()


def test_list_query_counts_do_not_grow(
    client: Client, town: Town, django_assert_max_num_queries: Any
) -> None:
    for number in range(25):
        published(town, title=f"خبر شماره {number}", neighborhood=town.n1 if number % 2 else None)
    for url in _public_pages(town) + _feeds(town):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
    client.force_login(town.people["district_manager"])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("news:staff-list")).status_code == 200


# --- staff pages -------------------------------------------------------------------------------------


def test_staff_pages_are_for_staff(client: Client, town: Town) -> None:
    assert client.get(reverse("news:staff-list")).status_code == 302
    for person in ("citizen", "deputy", "council_chair"):
        client.force_login(town.people[person])
        assert client.get(reverse("news:staff-list")).status_code == 403
        assert client.get(reverse("news:create")).status_code == 403


def test_write_submit_publish_through_the_pages(client: Client, town: Town) -> None:
    client.force_login(town.people["district_officer"])
    response = client.post(
        reverse("news:create"),
        {"place": f"n{town.n1.pk}", "title": "جشن نیکوکاری", "summary": "خلاصه جشن", "body": "<p>متن</p>"},
    )
    item = NewsItem.objects.get()
    assert response.status_code == 302 and item.neighborhood == town.n1 and item.slug == "جشن-نیکوکاری"
    staff = reverse("news:staff-detail", kwargs={"pk": item.pk})
    assert client.get(staff).status_code == 200
    assert client.post(staff, {"action": "submit", "version": item.version}).status_code == 302
    # The author cannot publish; the manager can.
    assert client.post(staff, {"action": "publish"}).status_code == 403
    client.force_login(town.people["district_manager"])
    page = client.get(staff).content.decode()
    assert 'value="publish"' in page
    assert client.post(staff, {"action": "publish", "version": item.version + 1}).status_code == 302
    item.refresh_from_db()
    assert item.state == NewsState.PUBLISHED
    assert "جشن نیکوکاری" in client.get(reverse("news:city")).content.decode()


def test_bad_form_input_is_shown_and_writes_nothing(client: Client, town: Town) -> None:
    client.force_login(town.people["district_officer"])
    response = client.post(
        reverse("news:create"),
        {"place": f"d{town.d1.pk}", "title": "", "summary": "خ" * 301},
    )
    assert response.status_code == 400 and "is-invalid" in response.content.decode()
    response = client.post(
        reverse("news:create"),
        {
            "place": f"d{town.d1.pk}",
            "title": "عنوان",
            "summary": "خلاصه",
            "lead_image": not_an_image(),
            "lead_image_alt": "x",
        },
    )
    assert response.status_code == 400
    assert not NewsItem.objects.exists()


def test_a_stale_form_is_refused(client: Client, town: Town) -> None:
    item = draft(town)
    client.force_login(town.people["district_officer"])
    staff = reverse("news:staff-detail", kwargs={"pk": item.pk})
    assert client.post(staff, {"action": "submit", "version": item.version + 5}).status_code == 409
    edit = reverse("news:edit", kwargs={"pk": item.pk})
    assert client.get(edit).status_code == 200
    response = client.post(
        edit, {"place": f"d{town.d1.pk}", "title": "تازه", "summary": "خلاصه", "version": item.version + 5}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title != "تازه" and item.state == NewsState.DRAFT


def test_other_districts_staff_do_not_see_the_item(client: Client, town: Town) -> None:
    item = draft(town)
    client.force_login(town.people["other_district_officer"])
    assert client.get(reverse("news:staff-detail", kwargs={"pk": item.pk})).status_code == 404
    assert item.title not in client.get(reverse("news:staff-list")).content.decode()
