"""The public district page: its neighborhoods, what it did in the last 30 days and the last whole month,
its response times from the pre-computed indicators, its news; nothing private, bounded queries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mahalat.insights.catalog import ScopeKind
from mahalat.insights.models import IndicatorValue
from mahalat.insights.periods import month_bounds
from mahalat.news.models import NewsState
from mahalat.portal.selectors import district_activity, last_whole_month
from mahalat.programs.models import ProgramState
from mahalat.reports.models import ReportState
from mahalat.resolutions.models import ResolutionState
from tests.councils_world import CouncilWorld
from tests.factories import AreaFactory, NeighborhoodFactory, indicator_value
from tests.portal.test_home import Activity, page

URL = "/d/cw-d1/"


@pytest.fixture
def activity(council_world: CouncilWorld) -> Activity:
    return Activity(council_world)


def get(path: str = URL, *, language: str = "fa") -> tuple[int, str]:
    return page(path, language=language)


def count_in(html: str, key: str) -> str:
    found = re.search(rf'data-count="{key}">([^<]*)<', html)
    assert found, key
    return found.group(1)


def test_unknown_district_is_404(activity: Activity) -> None:
    assert Client().get("/d/nowhere/").status_code == 404


def test_district_page_lists_its_neighborhoods_only(activity: Activity) -> None:
    status, html = get()
    assert status == 200
    assert reverse("portal:neighborhood", args=["cw-n1"]) in html
    assert reverse("portal:neighborhood", args=["cw-n2"]) not in html  # n2 is in district 2
    assert '<link rel="canonical" href="http://testserver/d/cw-d1/">' in html
    assert "منطقه ۱" in html  # Persian digits in the district's name
    assert 'data-district="cw-d1"' in html


def test_what_the_district_did_counts_public_work_in_both_spans(activity: Activity) -> None:
    w = activity.world
    now = timezone.now()
    month_start, _month_end = month_bounds(last_whole_month())
    in_month = month_start + timedelta(hours=12)
    moments: list[datetime] = [now - timedelta(hours=2), in_month]
    for moment in moments:
        activity.report(w.n1, resolved_at=moment)
        activity.resolution(w.council, title="مصوبهٔ انجام‌شده", finished_at=moment)
        activity.program(w.n1, title="برنامهٔ برگزارشده", starts_at=moment, state=ProgramState.HELD)
    # Not counted: private, unsolved, another district's, planned.
    activity.report(w.n1, is_public=False, resolved_at=now - timedelta(hours=3))
    activity.report(w.n1, state=ReportState.IN_PROGRESS)
    activity.report(w.n2, resolved_at=now - timedelta(hours=3))
    activity.resolution(
        w.council, title="مصوبهٔ محرمانه", is_public=False, finished_at=now - timedelta(hours=3)
    )
    activity.resolution(w.council, title="مصوبهٔ باز", state=ResolutionState.ASSIGNED)
    activity.resolution(w.other_council, title="مصوبهٔ منطقهٔ دیگر", finished_at=now - timedelta(hours=3))
    activity.program(w.n1, title="برنامهٔ آینده", starts_at=now + timedelta(days=1))
    recent = sum(1 for m in moments if m >= now - timedelta(days=30))
    _status, html = get(language="en")
    for kind in ("problems", "resolutions", "programs"):
        assert count_in(html, f"{kind}-recent") == str(recent), kind
        assert count_in(html, f"{kind}-month") == "1", kind
    assert "مصوبهٔ انجام‌شده" in html
    for hidden in ("مصوبهٔ محرمانه", "مصوبهٔ باز", "مصوبهٔ منطقهٔ دیگر"):
        assert hidden not in html
    activity_now = district_activity(district=w.d1)
    assert activity_now.month.problems_solved == 1


def test_counts_in_persian_digits(activity: Activity) -> None:
    w = activity.world
    for _ in range(3):
        activity.report(w.n1)
    _status, html = get()
    assert count_in(html, "problems-recent") == "۳"


def _times(world: Any, *, district_hours: float, city_hours: float, sample: int) -> None:
    month = last_whole_month()
    now = timezone.now()
    rows = []
    for code in ("triage_hours_median", "resolve_hours_median"):
        rows.append(
            indicator_value(
                city=world.city,
                code=code,
                kind=ScopeKind.DISTRICT,
                scope_id=world.d1.pk,
                month=month,
                value=district_hours,
                sample=sample,
                computed_at=now,
            )
        )
        rows.append(
            indicator_value(
                city=world.city,
                code=code,
                kind=ScopeKind.CITY,
                scope_id=world.city.pk,
                month=month,
                value=city_hours,
                sample=50,
                computed_at=now,
            )
        )
    IndicatorValue.objects.bulk_create(rows)


def test_response_times_from_the_indicators(activity: Activity) -> None:
    _times(activity.world, district_hours=12.5, city_hours=30, sample=20)
    _status, html = get(language="en")
    assert 'data-indicator="triage_hours_median"' in html
    assert 'data-indicator="resolve_hours_median"' in html
    assert "12.5 hours" in html and "30 hours" in html


def test_response_times_with_too_few_reports_show_a_dash(activity: Activity) -> None:
    _times(activity.world, district_hours=99.5, city_hours=30, sample=2)
    _status, html = get(language="en")
    row = html[html.index('data-indicator="resolve_hours_median"') :]
    row = row[: row.index("</tr>")]
    assert "99.5" not in row and "—" in row


def test_news_published_only_with_links_to_all_and_the_feed(activity: Activity) -> None:
    w = activity.world
    activity.news(w.d1, title="افتتاح بوستان محله")
    activity.news(w.d1, title="پیش‌نویس خبر", state=NewsState.DRAFT)
    activity.news(w.d1, title="خبر در بازبینی", state=NewsState.IN_REVIEW)
    activity.news(w.d1, title="خبر آینده", days_ago=-3)
    activity.news(w.d2, title="خبر منطقهٔ دو")
    _status, html = get()
    assert "افتتاح بوستان محله" in html
    for hidden in ("پیش‌نویس خبر", "خبر در بازبینی", "خبر آینده", "خبر منطقهٔ دو"):
        assert hidden not in html
    assert reverse("news:district", args=["cw-d1"]) in html
    assert reverse("news:district-feed", args=["cw-d1"]) in html
    assert reverse("public:numbers", args=["cw"]) in html


def test_home_links_to_the_district_and_the_sitemap_lists_it(activity: Activity) -> None:
    _status, html = get("/")
    assert 'href="/d/cw-d1/"' in html
    sitemap = Client().get(reverse("public:sitemap")).content.decode()
    assert "http://testserver/d/cw-d1/" in sitemap and "http://testserver/d/cw-d2/" in sitemap


def test_district_page_in_english(activity: Activity) -> None:
    _status, html = get(language="en")
    assert "What the district did" in html
    assert "District 1" in html


def test_district_query_count_is_bounded(activity: Activity, django_assert_max_num_queries: Any) -> None:
    w = activity.world
    with django_assert_max_num_queries(12):
        assert Client().get(URL).status_code == 200
    now = timezone.now()
    for i in range(10):
        NeighborhoodFactory(area=AreaFactory(district=w.d1, number=30 + i))
        activity.report(w.n1, resolved_at=now - timedelta(days=i))
        activity.resolution(w.council, title=f"مصوبه {i}", finished_at=now - timedelta(days=i + 1))
        activity.program(
            w.n1, title=f"برنامه {i}", starts_at=now - timedelta(days=i + 1), state=ProgramState.HELD
        )
        activity.news(w.d1, title=f"خبر {i}")
    _times(w, district_hours=10, city_hours=20, sample=30)
    with django_assert_max_num_queries(12):
        status, html = get()
    assert status == 200
    assert html.count('href="/n/') >= 11
