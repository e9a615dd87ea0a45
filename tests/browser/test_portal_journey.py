"""A visitor's journey on the public portal, in a real browser: find their neighborhood by location,
read its identity and its council's latest minutes, follow it, and report a problem from its page.

The location is a point inside a demo neighborhood whose council has published minutes, worked out from
the public pages and the open-data GeoJSON (the test process never opens the database).
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from shapely.geometry import Point, shape

from tests.browser.conftest import BrowserSession, DemoServer

pytestmark = pytest.mark.browser

PREFERRED = "sarcheshmeh"
MINUTES_LINK = re.compile(r'id="h-minutes".*?href="(/meetings/\d+/)"', re.DOTALL)
TRACKING_CODE = re.compile(r"/r/(\d{10})/filed/$")


@dataclass
class Destination:
    slug: str
    name: str
    outline: Any  # a shapely polygon
    minutes_path: str

    @property
    def point(self) -> Point:
        return self.outline.representative_point()  # always inside, even for a concave outline


def _get(server: DemoServer, path: str) -> str:
    with urllib.request.urlopen(server.url(path), timeout=30) as response:
        return response.read().decode("utf-8")


def _city_slug(server: DemoServer) -> str:
    match = re.search(r'href="/c/([^/"]+)/', _get(server, "/")) or re.search(
        r"/c/([^/<]+)/</loc>", _get(server, "/sitemap.xml")
    )
    assert match, "Neither the home page nor the sitemap links to a city page (/c/<slug>/)"
    return match.group(1)


def _destination(server: DemoServer) -> Destination:
    """A neighborhood whose page shows published minutes, and its outline from the open data."""
    geojson = json.loads(_get(server, f"/c/{_city_slug(server)}/open-data/neighborhoods.geojson"))
    features = sorted(geojson["features"], key=lambda f: f["properties"]["slug"] != PREFERRED)
    for feature in features:
        slug = feature["properties"]["slug"]
        match = MINUTES_LINK.search(_get(server, f"/n/{slug}/"))
        if match:
            name = feature["properties"]["name"]
            return Destination(slug, name, shape(feature["geometry"]), match.group(1))
    pytest.fail("No demo neighborhood page shows published minutes in its #h-minutes section")


def _sign_in_here(page: Any, account: dict[str, Any]) -> None:
    form = page.locator('main form[action^="/accounts/login/"]')
    form.locator('input[name="phone"]').fill(str(account["phone"]))
    form.locator('input[name="password"]').fill(str(account["password"]))
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def test_visitor_finds_reads_follows_and_reports(
    web: BrowserSession, demo_server: DemoServer, screenshots_dir: Path
) -> None:
    place = _destination(demo_server)
    page = web.new_page(width=390, height=844)  # a phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": place.point.y, "longitude": place.point.x, "accuracy": 30})

    # Home → "use my location" → the neighborhood's page.
    page.goto("/")
    locate = page.locator("#find-by-location")
    locate.wait_for(state="visible")
    page.screenshot(path=screenshots_dir / "journey-1-home.png", full_page=False)
    with page.expect_navigation(url=re.compile(rf"/n/{place.slug}/$")):
        locate.click()
    assert page.locator("main h1").inner_text().strip() == place.name

    # Its identity.
    history = page.locator('section[aria-labelledby="h-history"]')
    assert history.is_visible(), "The neighborhood page shows no history section"
    assert len(history.locator("p").inner_text().strip()) > 40, "The history section is (nearly) empty"
    page.screenshot(path=screenshots_dir / "journey-2-neighborhood.png", full_page=True)

    # The council's latest minutes, and back.
    minutes_link = page.locator(f'section[aria-labelledby="h-minutes"] a[href="{place.minutes_path}"]')
    with page.expect_navigation():
        minutes_link.click()
    assert urlsplit(page.url).path == place.minutes_path
    assert page.locator("main h1").count() == 1
    page.screenshot(path=screenshots_dir / "journey-3-minutes.png", full_page=True)
    page.go_back()
    assert urlsplit(page.url).path == f"/n/{place.slug}/"

    # Follow: signing in first, as a resident, brings the visitor back here.
    follow_link = page.locator(f'main a[href^="/accounts/login/?next=/n/{place.slug}/"]')
    with page.expect_navigation():
        follow_link.click()
    _sign_in_here(page, demo_server.account("citizen"))
    assert urlsplit(page.url).path == f"/n/{place.slug}/", f"After signing in the browser is at {page.url}"
    follow = page.locator(f'main form[action="/n/{place.slug}/follow/"] button')
    if follow.get_attribute("aria-pressed") == "true":  # followed in an earlier test: start over
        with page.expect_navigation():
            follow.click()
    assert follow.get_attribute("aria-pressed") != "true", "Stopping to follow did not take"
    with page.expect_navigation():
        follow.click()
    assert follow.get_attribute("aria-pressed") == "true", (
        f"After following, the button reads {follow.inner_text()!r} and is not pressed"
    )
    page.screenshot(path=screenshots_dir / "journey-4-following.png", full_page=False)

    # Report a problem from the neighborhood's page: the form opens with a point in this neighborhood.
    with page.expect_navigation():
        page.locator("main a#report-here").click()
    query = parse_qs(urlsplit(page.url).query)
    assert urlsplit(page.url).path == "/reports/new/" and "lat" in query and "lng" in query, page.url
    lat, lng = float(page.locator("#id_lat").input_value()), float(page.locator("#id_lng").input_value())
    assert place.outline.contains(Point(lng, lat)), f"The form's point ({lat}, {lng}) is not in {place.slug}"
    page.locator("#id_category").select_option("street-lighting")
    page.locator("#id_description").fill("دو چراغ کوچه پشت مسجد خاموش است و شب‌ها کوچه تاریک است")
    page.screenshot(path=screenshots_dir / "journey-5-report-form.png", full_page=True)
    with page.expect_navigation():
        page.locator('form button[type="submit"].btn-lg').click()
    if page.locator("#id_file_anyway").count():  # alike reports nearby: file this one anyway
        page.locator("#id_file_anyway").check()
        with page.expect_navigation():
            page.locator('form button[type="submit"].btn-lg').click()
    match = TRACKING_CODE.search(page.url)
    assert match, f"Filing did not lead to the tracking code page; the browser is at {page.url}"
    shown = page.locator("main").inner_text()
    persian_code = match.group(1).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert match.group(1) in shown or persian_code in shown, "The tracking code is not shown on the page"
    page.screenshot(path=screenshots_dir / "journey-6-filed.png", full_page=True)
