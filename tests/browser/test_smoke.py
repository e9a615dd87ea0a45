"""Smoke journeys in a real browser: Persian and right-to-left, the language switch, every demo account
signing in to its workspace and out again, a phone-sized screen, the admin, and accessibility (axe-core).

Screenshots go to test-artifacts/screenshots/ (gitignored) for people to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from tests.browser.accessibility import axe_report

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession, DemoServer

pytestmark = pytest.mark.browser

PERSIAN_LETTERS = re.compile(r"[\u0600-\u06FF]")
LATIN_LETTERS = re.compile(r"[A-Za-z]")
PERSIAN = "fa-IR"

LOGOUT_BUTTON = 'header form[action="/accounts/logout/"] button'
SIGN_IN_LINK = 'header a[href="/accounts/login/"]'
NEIGHBORHOOD_LINKS = 'main a[href^="/n/"]'

FONT_LOADED_JS = """() => document.fonts.check('16px Vazirmatn')
    && [...document.fonts].some(
        f => f.family.replace(/["']/g, '') === 'Vazirmatn' && f.status === 'loaded')"""


OVERFLOWING_ELEMENTS_JS = """() => [...document.querySelectorAll('body *')]
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.right > 361 || r.left < -1)
    .slice(0, 8)
    .map(([e, r]) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className.trim()
            ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
        + ' [' + Math.round(r.left) + ', ' + Math.round(r.right) + ']')"""


def _path(page: Any) -> str:
    return urlsplit(page.url).path


def _html_attributes(page: Any) -> tuple[str | None, str | None]:
    html = page.locator("html")
    return html.get_attribute("lang"), html.get_attribute("dir")


def _goto(page: Any, path: str) -> Any:
    response = page.goto(path)
    assert response is not None, f"No response for {path}"
    assert response.status == 200, f"GET {path} answered {response.status}, expected 200"
    return response


def _assert_persian_rtl(page: Any, where: str) -> None:
    lang, direction = _html_attributes(page)
    assert (lang, direction) == ("fa", "rtl"), (
        f"{where}: <html lang={lang!r} dir={direction!r}>, expected fa/rtl"
    )
    computed = page.evaluate("getComputedStyle(document.body).direction")
    assert computed == "rtl", f"{where}: the computed direction of <body> is {computed!r}"


def _sign_in(page: Any, account: dict[str, Any], *, next_path: str = "") -> None:
    _goto(page, "/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    form = page.locator('main form[action^="/accounts/login/"]')
    form.locator('input[name="phone"]').fill(str(account["phone"]))
    form.locator('input[name="password"]').fill(str(account["password"]))
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def _sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.locator(LOGOUT_BUTTON).click()


def _workspace_path(role: str) -> str:
    return f"/workspace/{role.replace('_', '-')}/"


def _first_neighborhood_path(page: Any) -> str:
    links = page.locator(NEIGHBORHOOD_LINKS)
    assert links.count() > 0, "The home page links to no neighborhood (expected links to /n/<slug>/)"
    href = links.first.get_attribute("href")
    assert href, "A neighborhood link has no href"
    return urlsplit(href).path


# --- (a) Persian, right-to-left, Vazirmatn -----------------------------------------------------------


def test_home_page_is_persian_and_right_to_left(web: BrowserSession, screenshots_dir: Path) -> None:
    page = web.new_page(locale=PERSIAN)
    _goto(page, "/")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.screenshot(path=screenshots_dir / "home-fa-desktop.png", full_page=True)
    _assert_persian_rtl(page, "home page")

    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    first_family = family.split(",")[0].strip().strip("\"'")
    assert first_family == "Vazirmatn", (
        f"The body's font-family is {family!r}; it should start with Vazirmatn"
    )
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_function(FONT_LOADED_JS, timeout=10_000)

    heading = page.locator("main h1").first.inner_text()
    assert PERSIAN_LETTERS.search(heading), f"The home page's heading is not in Persian: {heading!r}"
    sign_in = page.locator(SIGN_IN_LINK).inner_text().strip()
    untranslated = (
        f"The navbar's sign-in link reads {sign_in!r}, not Persian: are the fa translations compiled?"
    )
    assert PERSIAN_LETTERS.search(sign_in), untranslated
    assert not LATIN_LETTERS.search(sign_in), untranslated
    assert page.locator(NEIGHBORHOOD_LINKS).count() > 0, "The home page links to no neighborhood"


def test_an_english_browser_still_gets_persian_by_default(web: BrowserSession) -> None:
    """DESIGN.md: 'Persian and right-to-left by default, everywhere; English is a language switch away.'

    Many people in Iran run a browser or phone set to English; they should still land on Persian.
    """
    page = web.new_page(locale="en-US")
    _goto(page, "/")
    _assert_persian_rtl(page, "home page for a browser sending Accept-Language: en-US")


# --- (b) the language switch -----------------------------------------------------------------------


def test_language_switch_to_english_and_back(web: BrowserSession) -> None:
    page = web.new_page(locale=PERSIAN)
    _goto(page, "/")
    _assert_persian_rtl(page, "home page before switching")

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert _html_attributes(page) == ("en", "ltr"), f"After 'English': <html> is {_html_attributes(page)}"
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    assert _path(page) == "/", f"The switch should stay on the same page, it went to {page.url}"

    # The choice sticks for the next page.
    _goto(page, "/accounts/login/")
    assert _html_attributes(page) == ("en", "ltr"), "The English choice did not stick for the next page"

    with page.expect_navigation():
        page.locator('header button[name="language"][value="fa"]').click()
    _assert_persian_rtl(page, "login page after switching back to فارسی")
    assert _path(page) == "/accounts/login/", (
        f"The switch back should stay on the login page, went to {page.url}"
    )


# --- (c) every demo account signs in to its workspace and out again --------------------------------


def test_every_demo_account_signs_in_to_its_workspace_and_out(
    web: BrowserSession, demo_server: DemoServer, screenshots_dir: Path
) -> None:
    problems: list[str] = []
    photographed: set[str] = set()
    people = [a for a in demo_server.accounts if a.get("phone")]  # machine clients (api keys) do not sign in
    assert {str(a["role"]) for a in people} >= {"citizen", "deputy", "district_manager", "agency_liaison"}
    for account in people:
        role = str(account["role"])
        label = f"{role} ({account.get('full_name', '')}, {account['phone']})"
        page = web.new_page(locale=PERSIAN)
        try:
            _sign_in(page, account)
            expected = _workspace_path(role)
            if _path(page) != expected:
                alert = page.locator("main .alert, main .invalid-feedback").all_inner_texts()
                problems.append(
                    f"{label}: after signing in the browser is at {page.url}, expected {expected}; {alert}"
                )
                continue
            heading = page.locator("main h1")
            if heading.count() == 0 or not heading.first.inner_text().strip():
                problems.append(f"{label}: the workspace {expected} has no (non-empty) h1")
            if role not in photographed:
                photographed.add(role)
                page.screenshot(
                    path=screenshots_dir / f"workspace-{role.replace('_', '-')}.png", full_page=True
                )
            _assert_persian_rtl(page, f"{label} workspace")
            _sign_out(page)
            if _path(page) != "/":
                problems.append(f"{label}: signing out led to {page.url}, expected the home page")
            elif page.locator(SIGN_IN_LINK).count() != 1 or page.locator(LOGOUT_BUTTON).count() != 0:
                problems.append(f"{label}: after signing out the navbar still looks signed in")
        except AssertionError as exc:
            problems.append(f"{label}: {exc}")
        except Exception as exc:  # a Playwright timeout or navigation error: report it with the others
            problems.append(f"{label}: {type(exc).__name__}: {exc}")
        finally:
            page.context.close()
    assert not problems, (
        "Some demo accounts could not complete sign in → workspace → sign out:\n"
        + "\n".join(f"  - {p}" for p in problems)
    )


# --- (d) a phone-sized screen ----------------------------------------------------------------------


def test_home_page_fits_a_phone_screen(web: BrowserSession, screenshots_dir: Path) -> None:
    page = web.new_page(width=360, height=740, locale=PERSIAN)
    _goto(page, "/")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.screenshot(path=screenshots_dir / "home-fa-phone.png", full_page=True)
    widths = page.evaluate(
        "() => ({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
        " view: window.innerWidth})"
    )
    if widths["doc"] > 360:
        culprits = page.evaluate(OVERFLOWING_ELEMENTS_JS)
        pytest.fail(
            f"The home page scrolls sideways on a 360px screen: {widths}; widest elements: {culprits}"
        )


# --- (e) the admin is Persian and right-to-left ---------------------------------------------------


def test_admin_is_persian_and_right_to_left(
    web: BrowserSession, demo_server: DemoServer, screenshots_dir: Path
) -> None:
    administrator = demo_server.account("administrator")
    page = web.new_page(locale=PERSIAN)
    _sign_in(page, administrator, next_path="/admin/")
    if _path(page) != "/admin/":
        _goto(page, "/admin/")
    assert _path(page) == "/admin/", f"The administrator cannot open the admin: at {page.url}"
    page.screenshot(path=screenshots_dir / "admin-fa.png", full_page=True)
    lang, direction = _html_attributes(page)
    assert (lang, direction) == ("fa", "rtl"), f"The admin is <html lang={lang!r} dir={direction!r}>"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    user_tools = page.locator("#user-tools").inner_text()
    assert PERSIAN_LETTERS.search(user_tools), f"The admin's user tools are not Persian: {user_tools!r}"
    site_name = page.locator("#site-name").inner_text().strip()
    untranslated = (
        f"The admin's site name reads {site_name!r}, not Persian: are the fa translations compiled?"
    )
    assert PERSIAN_LETTERS.search(site_name), untranslated
    assert not LATIN_LETTERS.search(site_name), untranslated


# --- (f) accessibility: axe-core on the public pages in Persian ------------------------------------


def test_public_pages_have_no_serious_accessibility_violations(web: BrowserSession) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = web.new_page(locale=PERSIAN)
    _goto(page, "/")
    neighborhood = _first_neighborhood_path(page)
    failures: list[str] = []
    for path in ("/", "/accounts/login/", neighborhood):
        _goto(page, path)
        _assert_persian_rtl(page, path)
        results = axe.run(page)
        violations = results.response["violations"]
        serious = [v for v in violations if v.get("impact") in {"serious", "critical"}]
        others = [v for v in violations if v not in serious]
        if others:
            print(f"axe on {path}, minor/moderate (not failing):\n{axe_report(others)}")
        if serious:
            failures.append(f"{path}:\n{axe_report(serious)}")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)


# --- screenshots of the sign-in page and a neighborhood, for people to look at ---------------------


def test_login_and_neighborhood_pages_render(web: BrowserSession, screenshots_dir: Path) -> None:
    page = web.new_page(locale=PERSIAN)
    _goto(page, "/accounts/login/")
    page.screenshot(path=screenshots_dir / "login-fa.png", full_page=True)
    _assert_persian_rtl(page, "login page")
    for name in ("phone", "password"):
        field = page.locator(f'main form input[name="{name}"]')
        assert field.count() == 1, f"The login form has no {name!r} field"
        field_id = field.get_attribute("id")
        assert field_id, f"The {name!r} field has no id"
        assert page.locator(f'label[for="{field_id}"]').count() == 1, f"The {name!r} field has no label"

    _goto(page, "/")
    neighborhood = _first_neighborhood_path(page)
    _goto(page, neighborhood)
    page.screenshot(path=screenshots_dir / "neighborhood-fa.png", full_page=True)
    _assert_persian_rtl(page, neighborhood)
    assert page.locator("main h1").count() == 1, f"{neighborhood} has no single h1"
