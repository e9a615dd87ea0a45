"""The loop in a real browser: a citizen drops a pin, attaches a photo and files a report; the area
officer accepts, works on and resolves it in the inbox; the citizen confirms the fix and rates it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browser.conftest import BrowserSession, DemoServer

pytestmark = pytest.mark.browser

NEIGHBORHOOD = "sarcheshmeh"  # in district-1-area-1, the demo area officer's area


def _account(server: DemoServer, role: str) -> dict[str, Any]:
    return next(a for a in server.accounts if a["role"] == role)


def _sign_in(page: Any, account: dict[str, Any]) -> None:
    page.goto("/accounts/login/")
    form = page.locator('main form[action^="/accounts/login/"]')
    form.locator('input[name="phone"]').fill(str(account["phone"]))
    form.locator('input[name="password"]').fill(str(account["password"]))
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "lamp.jpg"
    Image.new("RGB", (1200, 900), (40, 40, 40)).save(path, format="JPEG")
    return path


def _drop_pin_in(page: Any, slug: str) -> None:
    """Tap the map at a point inside the neighborhood (the middle of its outline's vertices)."""
    page.wait_for_function("document.getElementById('report-map').mahalatMap !== undefined")
    page.locator("#report-map").scroll_into_view_if_needed()
    point = page.evaluate(
        """(slug) => {
            const outlines = JSON.parse(document.getElementById("map-outlines").textContent);
            const feature = outlines.features.find((f) => f.properties.slug === slug);
            const ring = feature.geometry.coordinates[0];
            const lng = ring.reduce((s, p) => s + p[0], 0) / ring.length;
            const lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
            const map = document.getElementById("report-map").mahalatMap;
            const at = map.latLngToContainerPoint([lat, lng]);
            return {x: at.x, y: at.y};
        }""",
        slug,
    )
    box = page.locator("#report-map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_report_from_pin_to_rating(web: BrowserSession, demo_server: DemoServer, tmp_path: Path) -> None:
    citizen = web.new_page(width=390, height=844)  # a phone
    _sign_in(citizen, _account(demo_server, "citizen"))
    citizen.goto("/reports/new/")
    assert citizen.locator("html").get_attribute("dir") == "rtl"
    _drop_pin_in(citizen, NEIGHBORHOOD)
    assert citizen.locator("#id_lat").input_value() and citizen.locator("#id_lng").input_value()
    citizen.locator("#id_category").select_option("street-lighting")
    citizen.locator("#id_description").fill("چراغ تیر برق جلوی مسجد دو هفته است خاموش است و کوچه تاریک است")
    citizen.locator("#id_photos").set_input_files(str(_photo(tmp_path)))
    with citizen.expect_navigation():
        citizen.locator('form button[type="submit"].btn-lg').click()
    if citizen.locator("#similar-heading").count():  # alike reports nearby: file ours anyway
        citizen.locator("#id_photos").set_input_files(str(_photo(tmp_path)))
        citizen.locator("#id_file_anyway").check()
        with citizen.expect_navigation():
            citizen.locator('form button[type="submit"].btn-lg').click()
    assert re.search(r"/r/\d{10}/filed/$", citizen.url), citizen.url
    code = re.search(r"/r/(\d{10})/", citizen.url).group(1)
    citizen.goto(f"/r/{code}/")
    assert "سرچشمه" in citizen.locator("nav[aria-label] .breadcrumb").inner_text()

    officer = web.new_page()
    _sign_in(officer, _account(demo_server, "area_officer"))
    officer.goto(f"/workspace/inbox/{code}/")
    assert officer.locator("img").count() >= 1  # the citizen's photo
    for target, note in (("triaged", ""), ("in_progress", ""), ("resolved", "لامپ تعویض و تیر برق تعمیر شد")):
        form = officer.locator(f'form:has(input[name="to"][value="{target}"])')
        details = form.locator("xpath=ancestor::details")
        if details.count() and details.get_attribute("open") is None:
            details.locator("summary").click()
        if note:
            form.locator('textarea[name$="note"]').fill(note)
        with officer.expect_navigation():
            form.locator('button[type="submit"]').click()

    citizen.goto(f"/r/{code}/")
    with citizen.expect_navigation():
        citizen.locator('button[name="answer"][value="close"]').click()
    citizen.locator('input[name="score"][value="5"]').check()
    citizen.locator("#id_comment").fill("سریع و دقیق، ممنون")
    with citizen.expect_navigation():
        citizen.locator('form[action$="/rate/"] button').click()
    text = citizen.locator("main").inner_text()
    assert "۵" in text  # "the reporter rated the outcome 5 out of 5", in Persian digits
    assert not web.problems.server_errors, web.problems.server_errors
