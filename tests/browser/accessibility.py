"""Shared helpers for the accessibility checks: running axe-core, reporting what it found readably, and
finding one page of every public page type on a running server by following its links.

The crawl goes over plain HTTP (no browser, no database): it starts at the home page and follows links
on the same server, fetching a page only when it may lead to a page type not yet found.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

FAILING_IMPACTS = frozenset({"serious", "critical"})

# Every public page type, in the order they are checked: (name, path pattern).
PAGE_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("home", r"^/$"),
        ("city", r"^/c/[^/]+/$"),
        ("city in numbers", r"^/c/[^/]+/numbers/$"),
        ("open data", r"^/c/[^/]+/open-data/$"),
        ("district", r"^/d/[^/]+/$"),
        ("neighborhood", r"^/n/[^/]+/$"),
        ("council", r"^/n/[^/]+/council/$"),
        ("meetings list", r"^/n/[^/]+/meetings/$"),
        ("meeting", r"^/meetings/\d+/$"),
        ("resolutions list", r"^/n/[^/]+/resolutions/$"),
        ("resolution", r"^/resolutions/\d+/$"),
        ("neighborhood reports", r"^/n/[^/]+/reports/$"),
        ("report", r"^/r/\d+/$"),
        ("report filed", r"^/r/\d+/filed/$"),
        ("report form", r"^/reports/new/$"),
        ("programs calendar", r"^/programs/$"),
        ("neighborhood programs", r"^/n/[^/]+/programs/$"),
        ("program", r"^/programs/\d+/$"),
        ("city news", r"^/news/$"),
        ("district news", r"^/news/district/[^/]+/$"),
        ("neighborhood news", r"^/n/[^/]+/news/$"),
        ("news item", r"^/news/\d+/[^/]+/$"),
        ("neighborhood dashboard", r"^/dashboards/neighborhood/[^/]+/$"),
        ("district dashboard", r"^/dashboards/district/[^/]+/$"),
        ("city dashboard", r"^/dashboards/$"),
        ("neighborhood surveys", r"^/n/[^/]+/surveys/$"),
        ("survey", r"^/surveys/\d+/$"),
        ("survey results", r"^/surveys/\d+/results/$"),
        ("registration calls", r"^/calls/$"),
        ("registration call", r"^/calls/\d+/$"),
        ("election", r"^/elections/\d+/$"),
        ("policies", r"^/policies/$"),
        ("policy", r"^/policies/\d+/$"),
        ("sign in", r"^/accounts/login/$"),
        ("sign in by code", r"^/accounts/login/code/$"),
        ("sign up", r"^/accounts/signup/$"),
        ("password reset", r"^/accounts/password-reset/$"),
    )
)

# Not pages of ours to check: non-HTML downloads and feeds, the staff side, the API and its third-party
# documentation page, the admin, and forms that only answer POST.
SKIPPED_PATH = re.compile(
    r"^/(?:static|media|admin|workspace|notifications|api|open311|i18n)/"
    r"|^/api/docs"
    r"|/feed/$|\.(?:atom|csv|xlsx|geojson|ics|pdf|json|xml|txt)$"
    r"|/(?:follow|support|comment|confirm|rate|endorse|verify|apply|withdraw|acknowledge|propose)/$"
    r"|^/accounts/logout/$"
)


def page_type(path: str) -> str | None:
    for name, pattern in PAGE_TYPES:
        if pattern.match(path):
            return name
    return None


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _links(html: str, base_url: str, page_url: str) -> list[str]:
    parser = _LinkParser()
    parser.feed(html)
    origin = urlsplit(base_url).netloc
    paths: list[str] = []
    for href in parser.hrefs:
        parts = urlsplit(urljoin(page_url, href))
        if parts.scheme in {"http", "https"} and parts.netloc == origin and parts.path:
            paths.append(parts.path)
    return paths


@dataclass
class CrawlResult:
    """One path per page type found, plus what the crawl saw but could not classify."""

    pages: dict[str, str] = field(default_factory=dict)
    unclassified: set[str] = field(default_factory=set)
    fetched: int = 0

    def ordered(self) -> list[tuple[str, str]]:
        return [(name, self.pages[name]) for name, _ in PAGE_TYPES if name in self.pages]


def _fetch(url: str) -> tuple[str, str] | None:
    """The page's final path and HTML, or None when it is not a public HTML page (an error, a sign-in
    redirect, a download)."""
    request = urllib.request.Request(url, headers={"Accept-Language": "fa-IR,fa;q=0.9"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            if "text/html" not in response.headers.get("Content-Type", ""):
                return None
            return urlsplit(response.url).path, response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, TimeoutError, OSError):
        return None


def sitemap_paths(base_url: str) -> list[str]:
    """The paths the sitemap lists (pages a visitor reaches from a search engine)."""
    try:
        with urllib.request.urlopen(base_url + "/sitemap.xml", timeout=30) as response:
            text = response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, TimeoutError, OSError):
        return []
    return [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", text)]


class _KnownPages:
    """Pages of types already found, handed out by type in turn: the least-fetched type first."""

    def __init__(self) -> None:
        self._by_type: dict[str | None, deque[str]] = {}
        self._fetches: dict[str | None, int] = {}

    def append(self, path: str) -> None:
        self._by_type.setdefault(page_type(path), deque()).append(path)

    def fetched(self, kind: str | None) -> None:
        self._fetches[kind] = self._fetches.get(kind, 0) + 1

    def popleft(self) -> str:
        waiting = [kind for kind, paths in self._by_type.items() if paths]
        kind = min(waiting, key=lambda k: self._fetches.get(k, 0))
        return self._by_type[kind].popleft()

    def __bool__(self) -> bool:
        return any(self._by_type.values())


def collect_public_pages(base_url: str, *, seeds: Iterable[str] = (), max_fetches: int = 400) -> CrawlResult:
    """Follow links from the home page, the sitemap's pages and `seeds` until every page type has one
    page or the budget runs out. A page of a type already found is fetched only after every page of a
    new type, because it may link to a type not found yet (a meeting is reached from a meetings list);
    among those, the type fetched least so far goes first, so that hundreds of reports or neighborhoods
    do not use up the budget before the second registration call (the one with an election) is read."""
    result = CrawlResult()
    seen: set[str] = set()
    fresh: deque[str] = deque()
    known = _KnownPages()

    def enqueue(path: str) -> None:
        if path in seen or SKIPPED_PATH.search(path):
            return
        seen.add(path)
        kind = page_type(path)
        if kind is None:
            result.unclassified.add(path)
        elif kind in result.pages:
            known.append(path)
        else:
            fresh.append(path)

    for path in ("/", *seeds, *sitemap_paths(base_url)):
        enqueue(path)
    while (fresh or known) and result.fetched < max_fetches and len(result.pages) < len(PAGE_TYPES):
        path = fresh.popleft() if fresh else known.popleft()
        kind = page_type(path)
        known.fetched(kind)
        fetched = _fetch(base_url + path)
        result.fetched += 1
        if fetched is None:
            continue
        final_path, html = fetched
        if final_path != path:  # redirected, e.g. to the sign-in page: not a public page
            continue
        if kind is not None and kind not in result.pages:
            result.pages[kind] = path
        for link in _links(html, base_url, base_url + path):
            enqueue(link)
        # Links queued as new may have become known types meanwhile.
        for _ in range(len(fresh)):
            queued = fresh.popleft()
            (known if page_type(queued) in result.pages else fresh).append(queued)
    return result


def serious_violations(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v.get("impact") in FAILING_IMPACTS]


def axe_report(violations: list[dict[str, Any]]) -> str:
    """axe-core's violations as readable lines: the rule, where it failed and what to fix."""
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            target = ", ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now and return its violations."""
    from axe_playwright_python.sync_playwright import Axe

    return list(Axe().run(page).response["violations"])
