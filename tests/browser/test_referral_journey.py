"""Cooperation in a real browser: a citizen reports a leak; the district social officer refers it to
the water company; the company's liaison finds it in the agency inbox, acknowledges, accepts and
answers with a planned date; the citizen reads on the report's page who has it and what they said."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import jdatetime
import pytest

from tests.browser.conftest import BrowserSession, DemoServer
from tests.browser.test_report_journey import _drop_pin_in, _sign_in

pytestmark = pytest.mark.browser

NEIGHBORHOOD = "sarcheshmeh"  # district 1, where the demo district officer works
WATER = "kuhsar-water"


def _account(server: DemoServer, role: str, scope: str | None = None) -> dict[str, Any]:
    return next(a for a in server.accounts if a["role"] == role and (scope is None or a["scope"] == scope))


def _act(page: Any, target: str, fields: dict[str, str] | None = None) -> None:
    """Open the step's form on the referral page, fill it and send it."""
    form = page.locator(f'form:has(input[name="to"][value="{target}"])')
    details = form.locator("xpath=ancestor::details")
    if details.count() and details.get_attribute("open") is None:
        details.locator("summary").click()
    for name, value in (fields or {}).items():
        form.locator(f'[name="{name}"]').fill(value)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def test_leak_referred_answered_and_seen_by_the_citizen(
    web: BrowserSession, demo_server: DemoServer, screenshots_dir: Path
) -> None:
    citizen = web.new_page(width=390, height=844)  # a phone
    _sign_in(citizen, _account(demo_server, "citizen"))
    citizen.goto("/reports/new/")
    _drop_pin_in(citizen, NEIGHBORHOOD)
    citizen.locator("#id_category").select_option("water-sewage")
    citizen.locator("#id_answer__water-sewage__severity").select_option("medium")
    citizen.locator("#id_description").fill("لوله آب سر کوچه شکسته و از دیشب آب در خیابان جاری است")
    with citizen.expect_navigation():
        citizen.locator('form button[type="submit"].btn-lg').click()
    if citizen.locator("#similar-heading").count():  # alike reports nearby: file ours anyway
        citizen.locator("#id_file_anyway").check()
        with citizen.expect_navigation():
            citizen.locator('form button[type="submit"].btn-lg').click()
    assert re.search(r"/r/\d{10}/filed/$", citizen.url), citizen.url
    code = re.search(r"/r/(\d{10})/", citizen.url).group(1)

    # The district social officer refers it from the report's inbox page.
    officer = web.new_page()
    _sign_in(officer, _account(demo_server, "district_officer"))
    officer.goto(f"/workspace/inbox/{code}/")
    with officer.expect_navigation():
        officer.locator(f'a[href*="/referrals/new/?report={code}"]').first.click()
    water = officer.locator("#id_target option", has_text="آب").first
    officer.locator("#id_target").select_option(water.get_attribute("value"))
    officer.locator("#id_note").fill("لطفاً تیم اتفاقات اعزام شود؛ آب در معبر جاری است.")
    assert not officer.locator("#id_share_reporter_contact").is_checked()  # off unless chosen
    with officer.expect_navigation():
        officer.locator('main form button[type="submit"]').last.click()
    assert re.search(r"/referrals/\d+/$", officer.url), officer.url
    referral_path = re.search(r"(/referrals/\d+/)$", officer.url).group(1)

    # The water company's liaison finds it in the agency inbox and works it.
    liaison = web.new_page()
    _sign_in(liaison, _account(demo_server, "agency_liaison", WATER))
    liaison.goto(f"/referrals/?q={code}")
    with liaison.expect_navigation():
        liaison.locator(f'main a[href="{referral_path}"]').first.click()
    # The reporter's contact was not shared: neither the number nor the name reaches the agency.
    reporter = _account(demo_server, "citizen")
    seen = liaison.locator("main").inner_text()
    last_digits = str(reporter["phone"])[-7:]
    assert last_digits not in seen
    assert last_digits.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) not in seen
    assert reporter["full_name"] not in seen
    _act(liaison, "acknowledged")
    _act(liaison, "accepted")
    planned = jdatetime.date.today() + timedelta(days=5)
    answer = "تیم اتفاقات اعزام شد؛ لوله اصلی تعویض می‌شود."
    _act(
        liaison,
        "answered",
        {"response": answer, "planned_date": planned.strftime("%Y/%m/%d")},
    )
    assert answer in liaison.locator("main").inner_text()

    # The citizen reads who has it and what they answered, in plain Persian.
    citizen.goto(f"/r/{code}/")
    text = citizen.locator("main").inner_text()
    assert "آب" in text and "ارجاع" in text
    assert answer in text
    assert "لطفاً تیم اتفاقات" not in text  # the internal note stays internal
    citizen.screenshot(path=screenshots_dir / "referral-journey-citizen.png", full_page=True)
    liaison.screenshot(path=screenshots_dir / "referral-journey-liaison.png", full_page=True)
    assert not web.problems.server_errors, web.problems.server_errors
