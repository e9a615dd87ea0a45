"""Nothing private reaches a public page: an anonymous visitor walks the demo city's public pages (a
smaller year: 150 reports, the councils, the referrals, the deputy's side), following every link it may
follow, and no private value from the database appears on any page it reaches.

Private values: people's mobile numbers and national codes (in Latin and Persian digits), the phone of an
anonymous reporter, hidden comments, private agenda items, minutes not yet published, referral notes,
free-text answers of needs assessments, circulars, draft policies, news not yet published, and identity
edits and photos awaiting review.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from django.db import transaction
from django.test import Client

from mahalat.accounts.models import User
from mahalat.demo.council_loader import demo_councils_load
from mahalat.demo.deputy_loader import demo_deputy_load
from mahalat.demo.referral_loader import demo_referrals_load
from mahalat.demo.reports import demo_reports_load
from mahalat.demo.services import demo_city_load
from mahalat.meetings.models import AgendaItem, Minutes, MinutesState
from mahalat.news.models import NewsItem, NewsState
from mahalat.persian.digits import to_persian_digits
from mahalat.policies.models import Policy, PolicyKind, PolicyState
from mahalat.referrals.models import Referral
from mahalat.reports.models import Report, ReportComment
from mahalat.surveys.models import Answer
from mahalat.territory.locate import invalidate_index
from mahalat.territory.models import Neighborhood, NeighborhoodPhoto, NeighborhoodProfileRevision

REPORTS = 150
# Enough to reach every kind of public page several times over; the walk is breadth-first.
MAX_PAGES = 700
# Where an anonymous visitor is refused or that is not a page; never followed.
SKIP_PREFIXES = (
    "/workspace/",
    "/accounts/",
    "/api/",
    "/admin/",
    "/notifications/",
    "/static/",
    "/media/",
    "/i18n/",
)
SKIP_SUFFIXES = (".pdf", ".ics", ".csv", ".xlsx", ".geojson", ".xml", ".jpg", ".png", ".webp")
HREF = re.compile(r'href="([^"#]+)')
# Text shorter than this is too common to be called a leak (a one-word comment, say).
MIN_TEXT = 12


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        demo_city_load(progress=False)
        invalidate_index()
        demo_reports_load(count=REPORTS, progress=False)
        demo_councils_load(progress=False)
        demo_referrals_load(progress=False)
        demo_deputy_load()
        yield
        transaction.set_rollback(True)
    invalidate_index()


def _digit_forms(value: str) -> set[str]:
    return {value, to_persian_digits(value)}


def _private_values() -> dict[str, str]:
    """Each private value with a word on where it came from."""
    found: dict[str, str] = {}
    for phone, code in User.objects.values_list("phone", "national_code"):
        local = "0" + phone[3:] if phone.startswith("+98") else phone
        for form in _digit_forms(phone) | _digit_forms(local):
            found[form] = "a person's mobile number"
        if code:
            for form in _digit_forms(code):
                found[form] = "a national code"
    for phone in Report.objects.exclude(reporter_phone="").values_list("reporter_phone", flat=True):
        for form in _digit_forms(phone):
            found[form] = "an anonymous reporter's phone"
    texts = {
        "a hidden comment": ReportComment.objects.filter(is_hidden=True).values_list("text", flat=True),
        "a private agenda item": AgendaItem.objects.filter(is_private=True).values_list("title", flat=True),
        "unpublished minutes": Minutes.objects.exclude(state=MinutesState.PUBLISHED).values_list(
            "body", flat=True
        ),
        "a referral's note": Referral.objects.exclude(note="").values_list("note", flat=True),
        "a free-text survey answer": Answer.objects.exclude(text="").values_list("text", flat=True),
        "a circular": Policy.objects.filter(kind=PolicyKind.CIRCULAR).values_list("title", flat=True),
        "a draft policy": Policy.objects.filter(state=PolicyState.DRAFT).values_list("title", flat=True),
        "unpublished news": NewsItem.objects.exclude(state=NewsState.PUBLISHED).values_list(
            "title", flat=True
        ),
    }
    # A pending identity edit: each line it adds to a field (lines already public are not private).
    for changes, before in NeighborhoodProfileRevision.objects.exclude(state="published").values_list(
        "changes", "before"
    ):
        for field, value in changes.items():
            public_lines = {line.strip() for line in (before.get(field) or "").splitlines()}
            for line in (value or "").splitlines():
                if len(line.strip()) >= MIN_TEXT and line.strip() not in public_lines:
                    found[line.strip()] = "a pending identity edit"
    for names in NeighborhoodPhoto.objects.exclude(state="published").values_list("image", "rendition"):
        for name in filter(None, names):
            found[name] = "a photo awaiting review"
    for where, values in texts.items():
        for text in values:
            plain = re.sub(r"<[^>]+>", " ", text or "")
            # The longest line stands for the text (HTML bodies are compared by their words).
            line = max((part.strip() for part in plain.splitlines()), key=len, default="")
            if len(line) >= MIN_TEXT:
                found[line] = where
    return found


def _followable(href: str) -> str | None:
    url, _fragment = urldefrag(href)
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _seeds() -> list[str]:
    seeds = ["/", "/programs/", "/policies/", "/news/"]
    for slug in Neighborhood.objects.values_list("slug", flat=True)[:20]:
        seeds += [f"/n/{slug}/", f"/dashboards/neighborhood/{slug}/"]
    seeds += [f"/r/{code}/" for code in Report.objects.values_list("tracking_code", flat=True)[:40]]
    return seeds


@pytest.mark.django_db
def test_no_private_value_on_any_public_page(loaded: None) -> None:
    private = _private_values()
    kinds = set(private.values())
    assert {
        "a person's mobile number",
        "a hidden comment",
        "a private agenda item",
        "unpublished minutes",
        "a referral's note",
        "a free-text survey answer",
        "a circular",
        "unpublished news",
        "a pending identity edit",
        "a photo awaiting review",
    } <= kinds, kinds
    client = Client()
    queue: deque[str] = deque(_seeds())
    seen: set[str] = set(queue)
    leaks: list[str] = []
    visited = 0
    while queue and visited < MAX_PAGES:
        path = queue.popleft()
        response = client.get(path)
        visited += 1
        assert response.status_code < 500, path
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        for value, where in private.items():
            if value in html:
                leaks.append(f"{path}: {where} ({value[:40]})")
        for href in HREF.findall(html):
            nxt = _followable(href.replace("&amp;", "&"))
            if nxt and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    assert visited >= 200, f"the walk reached only {visited} pages"
    for kind in (
        "/news/",
        "/council/",
        "/meetings/",
        "/resolutions/",
        "/r/",
        "/programs/",
        "/dashboards/neighborhood/",
        "/surveys/",
    ):
        assert any(kind in path for path in seen), f"the walk never reached a {kind} page"
    assert not leaks, "private values on public pages:\n" + "\n".join(leaks[:30])
