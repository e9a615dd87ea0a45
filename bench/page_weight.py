"""Page weight of the home page and a neighborhood page: the HTML and every asset it references.

Fetches each page from a running server, then every stylesheet, script, icon and image it references
and the fonts and images its stylesheets reference, and prints their sizes raw and gzipped (level 6,
what a server compressing on the fly sends; WhiteNoise's pre-compressed files are a little smaller).
Assets are grouped by when a browser fetches them:

- up front: the HTML, stylesheets, scripts without defer/async, eager images, the icon;
- deferred: scripts with defer or async (run after the HTML is parsed, not blocking rendering) and the
  map outlines those scripts fetch (`data-geojson`);
- lazy: images with loading="lazy" (fetched only when scrolled near);
- on use: fonts and stylesheet images, fetched when first used (font-display: swap shows the text
  before the font arrives); fallback fonts for browsers without variable fonts are listed, not counted.

No timing: sizes only, so the figures are the same on any machine.

    .venv/bin/python bench/page_weight.py [--url http://127.0.0.1:8000] [--neighborhood SLUG]
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

UP_FRONT = "up front"
DEFERRED = "deferred"
LAZY = "lazy"
ON_USE = "on use"
FALLBACK = "fallback"
GROUPS = (UP_FRONT, DEFERRED, LAZY, ON_USE)
# Formats already compressed: servers send them as they are (WhiteNoise skips them too).
PRECOMPRESSED = (".woff2", ".woff", ".png", ".jpg", ".jpeg", ".webp", ".avif", ".gif")
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
SUPPORTS_NOT = re.compile(r"@supports\s+not\b")


@dataclass
class Asset:
    kind: str
    group: str
    url: str
    raw: int = 0
    gzipped: int = 0
    status: str = ""


class _References(HTMLParser):
    """Stylesheets, scripts, icons and images an HTML page references, with how each loads."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []  # (kind, group, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        rel = a.get("rel", "").lower().split()
        if tag == "link" and "stylesheet" in rel and a.get("href"):
            self.found.append(("css", UP_FRONT, a["href"]))
        elif tag == "link" and "icon" in rel and a.get("href"):
            self.found.append(("icon", UP_FRONT, a["href"]))
        elif tag == "link" and "preload" in rel and a.get("href"):
            self.found.append((a.get("as", "preload"), UP_FRONT, a["href"]))
        elif tag == "script" and a.get("src"):
            deferred = "defer" in a or "async" in a or a.get("type") == "module"
            self.found.append(("js", DEFERRED if deferred else UP_FRONT, a["src"]))
        elif tag == "img" and a.get("src"):
            self.found.append(("img", LAZY if a.get("loading") == "lazy" else UP_FRONT, a["src"]))
        if a.get("data-geojson"):  # a map's outlines, fetched by its script once the page has loaded
            self.found.append(("geojson", DEFERRED, a["data-geojson"]))


def fetch(url: str) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, headers={"Accept-Language": "fa", "Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, b"", ""


def gzip_size(body: bytes, path: str = "") -> int:
    if path.lower().endswith(PRECOMPRESSED):
        return len(body)
    return len(gzip.compress(body, compresslevel=6, mtime=0))


def _fallback_spans(css: str) -> list[tuple[int, int]]:
    """Character ranges of `@supports not (...) { ... }` blocks (fallbacks for old browsers)."""
    spans: list[tuple[int, int]] = []
    for match in SUPPORTS_NOT.finditer(css):
        start = css.find("{", match.end())
        depth, index = 0, start
        while index < len(css):
            depth += {"{": 1, "}": -1}.get(css[index], 0)
            if depth == 0:
                break
            index += 1
        spans.append((match.start(), index))
    return spans


def css_references(css: str) -> list[tuple[str, str, str]]:
    spans = _fallback_spans(css)
    found: list[tuple[str, str, str]] = []
    for match in CSS_URL.finditer(css):
        target = match.group(1).strip()
        if target.startswith(("data:", "#")):
            continue
        path = urlsplit(target).path.lower()
        is_font = path.endswith((".woff2", ".woff", ".ttf", ".otf", ".eot"))
        in_fallback = any(start <= match.start() <= end for start, end in spans)
        group = FALLBACK if in_fallback else ON_USE
        found.append(("font" if is_font else "css-img", group, target))
    return found


def measure_page(base: str, path: str) -> tuple[Asset, list[Asset]]:
    page_url = urljoin(base, path)
    status, body, _ = fetch(page_url)
    if status != 200:
        sys.exit(f"GET {page_url} answered {status}")
    html = Asset("html", UP_FRONT, path, len(body), gzip_size(body), str(status))
    parser = _References()
    parser.feed(body.decode("utf-8", errors="replace"))
    origin = urlsplit(base).netloc
    assets: list[Asset] = []
    seen: set[str] = set()
    queue = [(kind, group, urljoin(page_url, url)) for kind, group, url in parser.found]
    while queue:
        kind, group, url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if urlsplit(url).netloc != origin:
            assets.append(Asset(kind, group, url, status="external, not fetched"))
            continue
        status, content, _ = fetch(url)
        path = urlsplit(url).path
        asset = Asset(kind, group, path, len(content), gzip_size(content, path), str(status))
        assets.append(asset)
        if kind == "css" and status == 200:
            for sub_kind, sub_group, target in css_references(content.decode("utf-8", errors="replace")):
                queue.append((sub_kind, sub_group, urljoin(url, target)))
    return html, assets


def first_neighborhood(base: str) -> str:
    status, body, _ = fetch(urljoin(base, "/"))
    match = re.search(r'href="(/n/[^/"]+/)"', body.decode("utf-8", errors="replace"))
    if status != 200 or match is None:
        sys.exit(f"The home page at {base} links to no neighborhood; pass --neighborhood SLUG")
    return match.group(1)


def _kb(size: int) -> str:
    return f"{size / 1024:,.1f}"


def print_table(title: str, html: Asset, assets: list[Asset]) -> None:
    print(f"\n## {title}: {html.url}\n")
    print("| group | kind | path | raw KiB | gzip KiB |")
    print("| --- | --- | --- | ---: | ---: |")
    rows = [html, *assets]
    order = {group: index for index, group in enumerate((*GROUPS, FALLBACK))}
    for asset in sorted(rows, key=lambda a: (order[a.group], a.kind != "html", a.kind, a.url)):
        note = "" if asset.status in {"200", ""} else f" ({asset.status})"
        print(
            f"| {asset.group} | {asset.kind} | {asset.url}{note} | {_kb(asset.raw)} | {_kb(asset.gzipped)} |"
        )
    print()
    print("| total | raw KiB | gzip KiB |")
    print("| --- | ---: | ---: |")
    for group in GROUPS:
        members = [a for a in rows if a.group == group]
        print(
            f"| {group} ({len(members)} files) | {_kb(sum(a.raw for a in members))} "
            f"| {_kb(sum(a.gzipped for a in members))} |"
        )
    counted = [a for a in rows if a.group != FALLBACK]
    print(
        f"| everything (fallback fonts excluded) | {_kb(sum(a.raw for a in counted))} "
        f"| {_kb(sum(a.gzipped for a in counted))} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")
    parser.add_argument("--neighborhood", help="slug of the neighborhood page (default: the first linked)")
    options = parser.parse_args()
    base = options.url.rstrip("/") + "/"
    neighborhood = f"/n/{options.neighborhood}/" if options.neighborhood else first_neighborhood(base)
    print(f"# Page weight at {base}")
    for title, path in (("Neighborhood page", neighborhood), ("Home page", "/")):
        html, assets = measure_page(base, path)
        print_table(title, html, assets)


if __name__ == "__main__":
    main()
