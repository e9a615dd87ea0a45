"""Search engines and sharing: every page of the base template has a canonical link (without the query)
and Open Graph and Twitter tags from its own title and description; the sitemap lists the public pages
and no report; robots.txt keeps crawlers out of the private paths."""

from __future__ import annotations

import html as htmllib
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from mahalat.portal.seo import plain_text
from tests.towns import Town

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def meta(page: str, attribute: str, key: str) -> str:
    found = re.search(rf'<meta {attribute}="{re.escape(key)}" content="([^"]*)"', page)
    assert found, f"no {key} in the page"
    return htmllib.unescape(found.group(1))


def canonical(page: str) -> str:
    found = re.findall(r'<link rel="canonical" href="([^"]*)"', page)
    assert len(found) == 1, found
    return htmllib.unescape(found[0])


def title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found
    return htmllib.unescape(found.group(1))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "args", "query"),
    [
        ("portal:home", [], ""),
        ("portal:neighborhood", ["n1"], "?utm_source=x"),
        ("public:numbers", ["town"], "?month=1405-01&trend=satisfaction"),
        ("public:open-data", ["town"], ""),
    ],
)
def test_pages_have_canonical_and_sharing_tags(town: Town, name: str, args: list[str], query: str) -> None:
    path = reverse(name, args=args)
    page = Client().get(path + query).content.decode()
    url = f"http://testserver{path}"
    assert canonical(page) == url
    assert meta(page, "property", "og:url") == url
    og_title = meta(page, "property", "og:title")
    assert og_title and title(page).startswith(og_title + " · ")
    assert meta(page, "name", "twitter:title") == og_title
    description = meta(page, "name", "description")
    assert description and meta(page, "property", "og:description") == description
    assert meta(page, "property", "og:type") == "website"
    assert meta(page, "property", "og:locale") == "fa_IR"
    assert meta(page, "property", "og:locale:alternate") == "en_US"
    assert meta(page, "name", "twitter:card") == "summary"


@pytest.mark.django_db
def test_sharing_tags_follow_the_language_and_the_page(town: Town) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("portal:neighborhood", args=["n1"])).content.decode()
    assert meta(page, "property", "og:locale") == "en_US"
    assert town.n1.name_en in meta(page, "property", "og:title")


def test_capture_overridable_blocks_and_plain_text() -> None:
    parent = Template(
        "{% load seo %}{% capture as t %}{% block title %}Default{% endblock %}{% endcapture %}"
        "[{{ t }}]{% capture as u %}{% block canonical %}{% canonical_url %}{% endblock %}{% endcapture %}"
        "({{ u }})"
    )
    request = RequestFactory().get("/n/x/?page=2")
    assert parent.render(Context({"request": request})) == "[Default](http://testserver/n/x/)"
    assert plain_text("  A &amp; <b>B</b>\n  &quot;C&quot; ") == 'A & B "C"'


@pytest.mark.django_db
def test_sitemap_lists_the_public_pages_and_no_report(town: Town, django_assert_max_num_queries: Any) -> None:
    # One query a section, whatever the number of pages.
    with django_assert_max_num_queries(8):
        response = Client().get(reverse("public:sitemap"))
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    urls = {loc.text for loc in root.findall("sm:url/sm:loc", SITEMAP_NS)}
    for hood in (town.n1, town.n2, town.n3):
        assert f"http://testserver{reverse('portal:neighborhood', args=[hood.slug])}" in urls
        assert f"http://testserver{reverse('councils:public', args=[hood.slug])}" in urls
    assert f"http://testserver{reverse('public:numbers', args=[town.city.slug])}" in urls
    assert f"http://testserver{reverse('portal:district', args=[town.d1.slug])}" in urls
    assert "http://testserver/" in urls
    assert not any("/r/" in u or "/workspace/" in u for u in urls)


def test_robots_txt(client: Client) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/workspace/", "/accounts/", "/api/", "/admin/"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
