"""axe-core on one page of every public page type, in Persian and in English.

The pages are found the way a visitor finds them: from the home page (and the sitemap), following
links, as an anonymous visitor. A report filed by the demo citizen gives the report pages something to
show. English is chosen with the language switch in the header, as a visitor would.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.accessibility import (
    CrawlResult,
    axe_report,
    axe_violations,
    collect_public_pages,
    serious_violations,
)

if TYPE_CHECKING:
    from tests.browser.conftest import DemoServer

pytestmark = pytest.mark.browser

REPORT_NEIGHBORHOOD = "sarcheshmeh"

# Every public page type a visitor can reach without signing in. (The dashboards of a district and of
# the city, and the policies, are for staff: they redirect to the sign-in page and are not crawled.)
EXPECTED_PAGE_TYPES = frozenset(
    {
        "home",
        "city",
        "city in numbers",
        "open data",
        "district",
        "neighborhood",
        "council",
        "meetings list",
        "meeting",
        "resolutions list",
        "resolution",
        "neighborhood reports",
        "report",
        "report filed",
        "report form",
        "programs calendar",
        "neighborhood programs",
        "program",
        "city news",
        "district news",
        "neighborhood news",
        "news item",
        "neighborhood dashboard",
        "neighborhood surveys",
        "survey",
        "survey results",
        "registration calls",
        "registration call",
        "election",
        "sign in",
        "sign in by code",
        "sign up",
        "password reset",
    }
)


def _sign_in(page: Any, account: dict[str, Any]) -> None:
    page.goto("/accounts/login/")
    form = page.locator('main form[action^="/accounts/login/"]')
    form.locator('input[name="phone"]').fill(str(account["phone"]))
    form.locator('input[name="password"]').fill(str(account["password"]))
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def _file_report(browser: Any, server: DemoServer) -> str:
    """The demo citizen files a report in the demo neighborhood; returns its tracking code."""
    context = browser.new_context(base_url=server.base_url)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        _sign_in(page, server.account("citizen"))
        page.goto("/reports/new/")
        point = page.evaluate(
            """(slug) => {
                const outlines = JSON.parse(document.getElementById("map-outlines").textContent);
                const feature = outlines.features.find((f) => f.properties.slug === slug);
                const ring = feature.geometry.coordinates[0];
                return {lng: ring.reduce((s, p) => s + p[0], 0) / ring.length,
                        lat: ring.reduce((s, p) => s + p[1], 0) / ring.length};
            }""",
            REPORT_NEIGHBORHOOD,
        )
        page.goto(f"/reports/new/?lat={point['lat']}&lng={point['lng']}")
        page.locator("#id_category").select_option("street-lighting")
        page.locator("#id_description").fill("چراغ کوچه چند شب است خاموش است و کوچه تاریک است")
        with page.expect_navigation():
            page.locator('form button[type="submit"].btn-lg').click()
        if page.locator("#id_file_anyway").count():
            page.locator("#id_file_anyway").check()
            with page.expect_navigation():
                page.locator('form button[type="submit"].btn-lg').click()
        match = re.search(r"/r/(\d+)/filed/$", page.url)
        assert match, f"Filing the report did not lead to its tracking code; the browser is at {page.url}"
        return match.group(1)
    finally:
        context.close()


@pytest.fixture(scope="module")
def public_pages(browser: Any, demo_server: DemoServer) -> CrawlResult:
    code = _file_report(browser, demo_server)
    return collect_public_pages(demo_server.base_url, seeds=[f"/r/{code}/", f"/r/{code}/filed/"])


def test_every_public_page_type_is_found(public_pages: CrawlResult) -> None:
    print(f"\nPublic pages checked ({len(public_pages.pages)} types, {public_pages.fetched} pages fetched):")
    for name, path in public_pages.ordered():
        print(f"  {name:24} {path}")
    if public_pages.unclassified:
        print("Linked paths of no known page type:", ", ".join(sorted(public_pages.unclassified)))
    missing = sorted(EXPECTED_PAGE_TYPES - set(public_pages.pages))
    assert not missing, (
        f"Following links from the home page and the sitemap found no page of these types: {missing}"
    )


def _axe_pages(page: Any, pages: list[tuple[str, str]], language: str, who: str) -> list[str]:
    """axe on each page in turn; the serious and critical findings, readably."""
    failures: list[str] = []
    for name, path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"GET {path} ({name}) did not answer 200"
        page.wait_for_load_state("networkidle")  # maps and other enhancements are in place
        lang = page.locator("html").get_attribute("lang")
        assert lang == language, f"{path} is in {lang!r}, expected {language!r} after the language switch"
        violations = axe_violations(page)
        serious = serious_violations(violations)
        others = [v for v in violations if v not in serious]
        if others:
            print(f"axe on {path} ({language}, {who}), minor or moderate:\n{axe_report(others)}")
        if serious:
            failures.append(f"{name} {path} ({language}, {who}):\n{axe_report(serious)}")
    print(f"\naxe checked {len(pages)} pages in {language} as {who}")
    return failures


@pytest.mark.parametrize("language", ["fa", "en"])
def test_public_pages_have_no_serious_accessibility_violations(
    web: Any, public_pages: CrawlResult, language: str
) -> None:
    page = web.new_page(locale="fa-IR")
    page.goto("/")
    if language == "en":
        with page.expect_navigation():
            page.locator('header button[name="language"][value="en"]').click()
    pages = public_pages.ordered()
    assert len(pages) >= len(EXPECTED_PAGE_TYPES)
    failures = _axe_pages(page, pages, language, "a visitor")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n\n".join(failures)


def test_public_pages_signed_in_have_no_serious_accessibility_violations(
    web: Any, public_pages: CrawlResult, demo_server: DemoServer
) -> None:
    """A signed-in resident sees the forms: answering a survey, applying to a call, commenting."""
    page = web.new_page(locale="fa-IR")
    _sign_in(page, demo_server.account("citizen"))
    pages = [
        (name, path)
        for name, path in public_pages.ordered()
        if name not in {"sign in", "sign in by code", "sign up", "password reset"}
    ]
    call = public_pages.pages.get("registration call")
    extra = [("my reports", "/reports/mine/"), ("residency", "/residency/")]
    if call:
        extra.append(("apply to a call", f"{call}apply/"))
    failures = _axe_pages(page, pages + extra, "fa", "a signed-in resident")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n\n".join(failures)


def test_identity_profile_workspace_pages_have_no_serious_accessibility_violations(
    web: Any, demo_server: DemoServer
) -> None:
    """District staff edit and review neighborhoods' identity profiles: the same bar as the public pages."""
    page = web.new_page(locale="fa-IR")
    _sign_in(page, demo_server.account("district_manager"))
    failures: list[str] = []
    for path in (f"/workspace/neighborhoods/{REPORT_NEIGHBORHOOD}/profile/", "/workspace/identity-reviews/"):
        response = page.goto(path)
        assert response is not None and response.status == 200, f"GET {path} did not answer 200"
        page.wait_for_load_state("networkidle")
        serious = serious_violations(axe_violations(page))
        if serious:
            failures.append(f"{path}:\n{axe_report(serious)}")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n\n".join(failures)
