"""Keyboard only: the skip link, the Tab order of the home page, a visible focus ring, the neighborhood
page's follow button and report link operated with Enter, and maps that Tab leaves (no keyboard trap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession, DemoServer

pytestmark = pytest.mark.browser

NEIGHBORHOOD = "sarcheshmeh"
TAB_LIMIT = 400

# What has the keyboard focus, described for a readable failure message.
ACTIVE_ELEMENT_JS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) { return "body"; }
    const text = (e.innerText || e.value || e.getAttribute("aria-label") || "").trim().slice(0, 40);
    return (e.closest(".leaflet-container") ? "[map] " : "")
        + e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
        + (e.getAttribute("href") ? "[href=" + e.getAttribute("href") + "]" : "")
        + (text ? " “" + text + "”" : "");
}"""
ACTIVE_MATCHES_JS = "(selector) => !!document.activeElement && document.activeElement.matches(selector)"
ACTIVE_IN_JS = "(selector) => !!document.activeElement && !!document.activeElement.closest(selector)"
OUTLINE_JS = """() => {
    const style = getComputedStyle(document.activeElement);
    return {style: style.outlineStyle, width: parseFloat(style.outlineWidth), color: style.outlineColor,
            shadow: style.boxShadow};
}"""

LAST_FOCUSABLE = 'footer a[href="/api/docs"]'
MAP_CONTAINERS = ".leaflet-container"


def _sign_in(page: Any, account: dict[str, Any], next_path: str) -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    form = page.locator('main form[action^="/accounts/login/"]')
    form.locator('input[name="phone"]').fill(str(account["phone"]))
    form.locator('input[name="password"]').fill(str(account["password"]))
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def _tab_to(page: Any, selector: str, *, limit: int = TAB_LIMIT) -> list[str]:
    """Press Tab until the focus is on `selector`; the focus stops on the way, or a failure listing them."""
    visited: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        visited.append(page.evaluate(ACTIVE_ELEMENT_JS))
        if page.evaluate(ACTIVE_MATCHES_JS, selector):
            return visited
    pytest.fail(
        f"{limit} presses of Tab never reached {selector!r}; the focus went through:\n  "
        + "\n  ".join(visited[:80])
    )


def _start_at_top(page: Any, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")  # maps are built after their outlines arrive
    # The focus starts on the document, as after a fresh page load by a keyboard user.
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")


def _assert_focus_ring(page: Any, what: str) -> None:
    outline = page.evaluate(OUTLINE_JS)
    visible = outline["style"] not in {"none", ""} and outline["width"] >= 2
    assert visible, f"{what} shows no visible focus outline when focused from the keyboard: {outline}"


def test_skip_link_comes_first_and_moves_focus_to_main(web: BrowserSession) -> None:
    page = web.new_page()
    _start_at_top(page, "/")
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE_MATCHES_JS, 'a.skip-link[href="#main"]'), (
        f"The first Tab stop of the home page is {page.evaluate(ACTIVE_ELEMENT_JS)}, not the skip link"
    )
    box = page.locator("a.skip-link").bounding_box()
    on_screen = box is not None and box["y"] >= 0 and box["height"] > 0
    assert on_screen, f"The focused skip link is off screen: {box}"
    _assert_focus_ring(page, "The skip link")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main", (
        f"Enter on the skip link left the focus on {page.evaluate(ACTIVE_ELEMENT_JS)}, not on <main>"
    )
    # The next Tab continues inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE_IN_JS, "main"), (
        f"After skipping, Tab went to {page.evaluate(ACTIVE_ELEMENT_JS)}, outside <main>"
    )


def test_home_page_tab_order_reaches_search_find_buttons_and_neighborhoods(web: BrowserSession) -> None:
    page = web.new_page()
    _start_at_top(page, "/")
    search = 'main input[name="q"]'
    find_button = 'main form[role="search"] button[type="submit"]'
    neighborhood_link = 'main a[href^="/n/"]'
    order = [search, find_button]
    if page.locator("#find-by-location").count() and page.locator("#find-by-location").is_visible():
        order.append("#find-by-location")
    order.append(neighborhood_link)
    visited: list[str] = []
    for selector in order:
        visited += _tab_to(page, selector)
        _assert_focus_ring(page, f"The focused {selector}")
    # Everything after the neighborhood list stays reachable: Tab gets to the footer, through any map.
    visited += _tab_to(page, LAST_FOCUSABLE)
    print("\nTab order of the home page:\n  " + "\n  ".join(visited))


def test_focus_is_visible_on_links_and_buttons(web: BrowserSession) -> None:
    page = web.new_page()
    _start_at_top(page, "/")
    _tab_to(page, "header a.navbar-brand")
    _assert_focus_ring(page, "The brand link in the header")
    _tab_to(page, 'header button[name="language"]')
    _assert_focus_ring(page, "The language button in the header")
    _tab_to(page, "main a.btn, main button")
    _assert_focus_ring(page, f"The button {page.evaluate(ACTIVE_ELEMENT_JS)}")
    _tab_to(page, 'main a[href^="/n/"]')
    _assert_focus_ring(page, f"The link {page.evaluate(ACTIVE_ELEMENT_JS)}")
    # A mouse click does not leave a ring behind (focus-visible), but the keyboard always shows it.
    page.locator("header a.navbar-brand").focus()
    assert page.evaluate(ACTIVE_MATCHES_JS, "header a.navbar-brand")


# Maps with more Tab stops than this (the map itself, its zoom buttons, a few shapes) need a skip link.
MAP_STOPS_WITHOUT_SKIP_LINK = 8
# The link just before each map that jumps past it: an in-page link whose target follows the map.
SKIP_LINK_BEFORE_MAP_JS = """(map) => {
    const links = [...document.querySelectorAll('a[href^="#"]')].filter((a) => {
        if (!(a.compareDocumentPosition(map) & Node.DOCUMENT_POSITION_FOLLOWING)) { return false; }
        const target = document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
        return !!target && !map.contains(target) && !target.contains(map)
            && !!(map.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
    return links.length ? "#" + links[links.length - 1].getAttribute("href").slice(1) : null;
}"""


def _assert_maps_are_not_traps(page: Any, path: str) -> None:
    """Tab from the top gets through every map to the footer; a map with many Tab stops (a shape per
    neighborhood) has a skip link before it that Enter follows to what comes after the map."""
    _start_at_top(page, path)
    visited = _tab_to(page, LAST_FOCUSABLE)
    in_map = [stop for stop in visited if stop.startswith("[map]")]
    if len(in_map) <= MAP_STOPS_WITHOUT_SKIP_LINK:
        return
    for index in range(page.locator(MAP_CONTAINERS).count()):
        map_box = page.locator(MAP_CONTAINERS).nth(index)
        target = map_box.evaluate(SKIP_LINK_BEFORE_MAP_JS)
        assert target, (
            f"{path}: its map takes {len(in_map)} presses of Tab and no link before it skips past it "
            f"(e.g. a visually-hidden-focusable link to the list after the map)"
        )
        _start_at_top(page, path)
        _tab_to(page, f'a[href="{target}"]')
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert not page.evaluate(ACTIVE_IN_JS, MAP_CONTAINERS), (
            f"{path}: after the skip link {target} the next Tab is still in the map"
        )


def test_maps_do_not_trap_the_keyboard(web: BrowserSession) -> None:
    page = web.new_page()
    pages_with_maps = ("/", "/d/district-1/", f"/n/{NEIGHBORHOOD}/", f"/n/{NEIGHBORHOOD}/reports/")
    for path in (*pages_with_maps, "/reports/new/"):
        _assert_maps_are_not_traps(page, path)


def test_neighborhood_follow_and_report_work_with_enter(web: BrowserSession, demo_server: DemoServer) -> None:
    page = web.new_page()
    path = f"/n/{NEIGHBORHOOD}/"
    _sign_in(page, demo_server.account("citizen"), path)
    _start_at_top(page, path)
    follow = f'main form[action="/n/{NEIGHBORHOOD}/follow/"] button'
    _tab_to(page, follow)
    _assert_focus_ring(page, "The follow button")
    before = page.evaluate("() => document.activeElement.innerText.trim()")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    after = page.locator(follow).first.inner_text().strip()
    assert after != before, f"Enter on the follow button ({before!r}) changed nothing: it reads {after!r}"
    page.locator(follow).first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # and stop following again, leaving the demo as it was
    assert page.locator(follow).first.inner_text().strip() == before

    _start_at_top(page, path)
    report_link = 'main a[href^="/reports/new/?"]'
    _tab_to(page, report_link)
    _assert_focus_ring(page, "The link to report a problem in this neighborhood")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/reports/new/" in page.url and "lat=" in page.url, f"Enter on the report link led to {page.url}"
    assert page.locator("#id_lat").input_value(), "The report form opened without the neighborhood's point"
