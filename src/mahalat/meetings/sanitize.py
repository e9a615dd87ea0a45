"""Rich text of minutes: what a secretary types (or pastes from a word processor) is cut down to a few
harmless tags before it is stored, so it can be shown on public pages and in the PDF as it is."""

from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "blockquote", "a"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
MAX_HTML = 60_000


def clean_html(html: str) -> str:
    """Sanitized HTML: only the tags above, links only to http(s) and mailto, each with rel=noopener."""
    return nh3.clean(
        html or "",
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()
