"""The deputy's instruments in a real browser: the deputy sets a district's own target for council
attendance, sees that district turn red on the city's map and its neighborhoods in the early-warning
list, and downloads the district's monthly report as a PDF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import BrowserSession, DemoServer
from tests.browser.test_report_journey import _sign_in

pytestmark = pytest.mark.browser

INDICATOR = "attendance_share"
DISTRICT = "district-1"
DISTRICT_NAME_DIGIT = "۱"


def _account(server: DemoServer, role: str) -> dict[str, Any]:
    return next(a for a in server.accounts if a["role"] == role)


def _district_statuses(page: Any) -> dict[str, str]:
    """Each district's status on the city map (the features the map is drawn from)."""
    page.goto(f"/dashboards/?indicator={INDICATOR}&kind=district")
    features = json.loads(page.locator("#map-features").text_content())
    return {f["properties"]["name"]: f["properties"]["status"] for f in features}


def _attendance_warnings(page: Any, district_slug: str) -> int:
    """How many of the district's neighborhoods the early-warning list flags for attendance."""
    page.goto(f"/dashboards/district/{district_slug}/?indicator={INDICATOR}&warnings=all")
    rows = page.locator('table[data-table="warnings"] tbody tr')
    name = page.locator(f"#id_indicator option[value='{INDICATOR}']").text_content().strip()
    return sum(1 for i in range(rows.count()) if name in rows.nth(i).text_content())


def test_deputy_sets_a_target_sees_the_district_red_and_downloads_its_report(
    web: BrowserSession, demo_server: DemoServer, screenshots_dir: Path, tmp_path: Path
) -> None:
    deputy = web.new_page(width=1300, height=1000)
    _sign_in(deputy, _account(demo_server, "deputy"))

    deputy.goto("/dashboards/targets/")
    district_name = deputy.locator("#id_district option").nth(1).text_content().strip()
    assert DISTRICT_NAME_DIGIT in district_name, district_name

    before = _district_statuses(deputy)
    assert before.get(district_name) not in (None, "red"), before
    warned_before = _attendance_warnings(deputy, DISTRICT)

    # The targets page: district 1's own attendance target, 100 % with no amber band.
    deputy.goto("/dashboards/targets/")
    form = deputy.locator('form[action="/dashboards/targets/set/"]')
    form.locator("#id_code").select_option(INDICATOR)
    form.locator("#id_district").select_option(label=district_name)
    form.locator("#id_target").fill("۱۰۰")  # Persian digits, as typed on a Persian keyboard
    form.locator("#id_amber_band").fill("0")
    with deputy.expect_navigation():
        form.locator('button[type="submit"], button.btn-success').first.click()
    assert deputy.locator(".alert-success").count() >= 1, deputy.content()[:2000]

    # The map: that district is now red, the others unchanged.
    after = _district_statuses(deputy)
    assert after[district_name] == "red", after
    assert {k: v for k, v in after.items() if k != district_name} == {
        k: v for k, v in before.items() if k != district_name
    }
    deputy.screenshot(path=str(screenshots_dir / "deputy-dashboard-red-district.png"), full_page=True)

    # The early-warning list of the district now flags its neighborhoods for attendance.
    warned_after = _attendance_warnings(deputy, DISTRICT)
    assert warned_after > warned_before, (warned_before, warned_after)

    # The district's monthly report, downloaded from its dashboard.
    link = deputy.locator('a[href*="/report/"][href$=".pdf"]').first
    with deputy.expect_download() as download_info:
        link.click()
    download = download_info.value
    saved = tmp_path / "report.pdf"
    download.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 5_000
    assert download.suggested_filename.endswith(".pdf")
