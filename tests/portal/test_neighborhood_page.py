"""The neighborhood's home page: its council (members by seat, next meeting, latest published minutes), its
public resolutions, its reports on a map with a list, its programs and news, and the "report a problem
here" link. Nothing private reaches it, an empty neighborhood still renders, and its queries stay bounded."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from itertools import count, pairwise
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from mahalat.meetings.models import AgendaItem, Meeting, MeetingState, Minutes, MinutesState
from mahalat.news.models import NewsItem, NewsState
from mahalat.persian.digits import localize_digits
from mahalat.portal.neighborhood_page import (
    MAP_POINTS_LIMIT,
    NEWS_SHOWN,
    REPORTS_LISTED,
    RESOLUTIONS_SHOWN,
    neighborhood_centre,
)
from mahalat.programs.models import OrganizerKind, Program, ProgramKind, ProgramNeighborhood, ProgramState
from mahalat.reports.models import Report, ReportState
from mahalat.resolutions.models import ResolutionState
from mahalat.territory.locate import locate
from tests.councils_world import CouncilWorld
from tests.factories import AreaFactory, NeighborhoodFactory
from tests.resolutions.conftest import bulk_resolutions, make_item, make_report

_numbers = count(500)


def english() -> Client:
    client = Client()
    client.cookies["mahalat_language"] = "en"
    return client


def _page(neighborhood: Any, client: Client | None = None) -> str:
    response = (client or Client()).get(reverse("portal:neighborhood", args=[neighborhood.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, heading_id: str) -> str:
    """The HTML of the section labelled by `heading_id`, up to the next section of the same page."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def _meeting(world: CouncilWorld, *, days: float, state: str) -> Meeting:
    start = timezone.now() + timedelta(days=days)
    council = world.council
    return Meeting.objects.create(
        city_id=council.city_id,
        district_id=council.district_id,
        area_id=council.area_id,
        neighborhood_id=council.neighborhood_id,
        council=council,
        number=next(_numbers),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="حسینیه محله",
        state=state,
    )


def _minutes(meeting: Meeting, *, state: str, days_ago: int = 1) -> Minutes:
    published = timezone.now() - timedelta(days=days_ago) if state == MinutesState.PUBLISHED else None
    return Minutes.objects.create(
        meeting=meeting, body="<p>متن صورتجلسه آزمایشی</p>", state=state, published_at=published
    )


def _program(world: CouncilWorld, *, title: str, days: int, state: str = ProgramState.PLANNED) -> Program:
    start = timezone.now() + timedelta(days=days)
    program = Program.objects.create(
        city=world.city,
        district=world.d1,
        area=world.a11,
        neighborhood=world.n1,
        neighborhood_count=1,
        kind=ProgramKind.SPORT,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="بوستان محله",
        organizer_kind=OrganizerKind.DISTRICT,
        state=state,
        participants=20 if state == ProgramState.HELD else None,
    )
    ProgramNeighborhood.objects.create(program=program, neighborhood=world.n1)
    return program


def _news(
    world: CouncilWorld,
    *,
    title: str,
    neighborhood: Any = None,
    state: str = NewsState.PUBLISHED,
    days: int = 1,
) -> NewsItem:
    return NewsItem.objects.create(
        city=world.city,
        district=world.d1 if neighborhood is None else neighborhood.district,
        area=None if neighborhood is None else neighborhood.area,
        neighborhood=neighborhood,
        title=title,
        slug=f"news-{next(_numbers)}",
        summary="خلاصه خبر",
        publish_at=timezone.now() - timedelta(days=days),
        state=state,
        author=world.people["district_officer"],
        reviewer=world.people["district_manager"],
        reviewed_at=timezone.now(),
    )


def _solved(report: Report, *, days_ago: int = 2) -> Report:
    report.state = ReportState.RESOLVED
    report.resolved_at = timezone.now() - timedelta(days=days_ago)
    report.save(update_fields=["state", "resolved_at"])
    return report


# --- the council ---------------------------------------------------------------------------------------


def test_the_council_shows_members_by_seat_the_next_meeting_and_the_latest_minutes(
    council_world: CouncilWorld,
) -> None:
    world = council_world
    chair = world.members[0].user
    chair.phone = "+989121234567"
    chair.save(update_fields=["phone"])
    _meeting(world, days=-30, state=MeetingState.SCHEDULED)  # never opened, long past: not "next"
    later = _meeting(world, days=9, state=MeetingState.SCHEDULED)
    soon = _meeting(world, days=2, state=MeetingState.SCHEDULED)
    older = _minutes(
        _meeting(world, days=-20, state=MeetingState.CLOSED), state=MinutesState.PUBLISHED, days_ago=15
    )
    latest = _minutes(_meeting(world, days=-10, state=MeetingState.CLOSED), state=MinutesState.PUBLISHED)
    with translation.override("en"):
        html = _page(world.n1, english())
    council = _section(html, "h-council")
    assert "Residents&#x27; representatives:" in council and "Imam of the neighborhood mosque:" in council
    for member in world.members:
        assert member.user.full_name in council
    assert "Chair" in council
    assert chair.phone not in html and "09121234567" not in html
    next_meeting = _section(html, "h-next-meeting")
    assert reverse("meetings:public", args=[soon.pk]) in next_meeting
    assert reverse("meetings:ics", args=[soon.pk]) in next_meeting
    assert "حسینیه محله" in next_meeting
    assert reverse("meetings:public", args=[later.pk]) not in next_meeting
    minutes = _section(html, "h-minutes")
    assert reverse("meetings:public", args=[latest.meeting_id]) in minutes
    assert reverse("meetings:public", args=[older.meeting_id]) not in minutes
    assert reverse("councils:public", args=[world.n1.slug]) in html


def test_unpublished_minutes_and_private_agenda_items_never_show(council_world: CouncilWorld) -> None:
    world = council_world
    draft = _minutes(_meeting(world, days=-3, state=MeetingState.CLOSED), state=MinutesState.DRAFT)
    approved = _minutes(_meeting(world, days=-2, state=MeetingState.CLOSED), state=MinutesState.APPROVED)
    item = make_item(world.council, meeting=draft.meeting, is_private=True)
    AgendaItem.objects.filter(pk=item.pk).update(title="موضوع محرمانه شورا")
    with translation.override("en"):
        html = _page(world.n1, english())
    minutes = _section(html, "h-minutes")
    assert "No minutes have been published yet." in minutes
    for hidden in (draft, approved):
        assert reverse("meetings:public", args=[hidden.meeting_id]) not in minutes
    assert "موضوع محرمانه شورا" not in html and "متن صورتجلسه آزمایشی" not in html


# --- resolutions ---------------------------------------------------------------------------------------


def test_public_resolutions_show_owner_deadline_and_progress_and_private_ones_never(
    council_world: CouncilWorld,
) -> None:
    world = council_world
    shown = bulk_resolutions(
        world.council, RESOLUTIONS_SHOWN + 1, progress=40, state=ResolutionState.IN_PROGRESS
    )
    bulk_resolutions(world.council, 1, start=50, title="مصوبه محرمانه", is_public=False)
    bulk_resolutions(world.other_council, 1, start=60, title="مصوبه محله دیگر")
    with translation.override("en"):
        html = _page(world.n1, english())
        owner = localize_digits(str(world.a11))
    section = _section(html, "h-resolutions")
    newest = shown[-1]
    assert newest.title in section and owner in section
    assert 'aria-valuenow="40"' in section
    assert section.count('role="progressbar"') == RESOLUTIONS_SHOWN
    assert shown[0].title not in section  # the oldest is on the full list only
    assert "5 resolutions: 0 done, 0 overdue." in section
    assert "مصوبه محرمانه" not in html and "مصوبه محله دیگر" not in html
    assert reverse("resolutions:accountability", args=[world.n1.slug]) in section


# --- reports ---------------------------------------------------------------------------------------------


def test_reports_list_and_map_points_show_open_and_recently_solved_public_reports_only(
    council_world: CouncilWorld,
) -> None:
    world = council_world
    reporter_phone = "+989351112233"
    open_report = make_report(world.n1, state=ReportState.TRIAGED, phone=reporter_phone)
    solved = _solved(make_report(world.n1, phone=reporter_phone))
    long_solved = _solved(make_report(world.n1), days_ago=200)
    private = make_report(world.n1, is_public=False)
    unverified = make_report(world.n1, state=ReportState.UNVERIFIED)
    elsewhere = make_report(world.n2)
    Report.objects.filter(pk=open_report.pk).update(description="متن خصوصی گزارش")
    with translation.override("en"):
        html = _page(world.n1, english())
    section = _section(html, "h-reports")
    assert "1 open; 1 solved in the last three months." in section
    assert reverse("portal:report", args=[open_report.tracking_code]) in _section(html, "h-reports-open")
    assert reverse("portal:report", args=[solved.tracking_code]) in _section(html, "h-reports-solved")
    points = json.loads(re.search(r'id="map-points" type="application/json">(.*?)</script>', html).group(1))
    assert {p["code"] for p in points} == {open_report.tracking_code, solved.tracking_code}
    assert set(points[0]) == {"lat", "lng", "code", "state", "solved", "url"}
    for hidden in (long_solved, private, unverified, elsewhere):
        assert hidden.tracking_code not in html
    for secret in (reporter_phone, "09351112233", "+989120000000", "متن خصوصی گزارش"):
        assert secret not in html
    assert 'id="points-map"' in html and "points-map.js" in html
    assert reverse("portal:neighborhood-reports", args=[world.n1.slug]) in html


def test_map_points_are_bounded(council_world: CouncilWorld) -> None:
    world = council_world
    now = timezone.now()
    Report.objects.bulk_create(
        [
            Report(
                tracking_code=f"7{i:08d}",
                city_id=world.n1.city_id,
                district_id=world.n1.district_id,
                area_id=world.n1.area_id,
                neighborhood=world.n1,
                description="d",
                lat=35.005,
                lng=51.005,
                reporter_phone="+989120000000",
                state=ReportState.SUBMITTED,
                handler_kind="area",
                triage_due_at=now,
                resolve_due_at=now,
                deputy_due_at=now,
                submitted_at=now,
                state_changed_at=now,
            )
            for i in range(MAP_POINTS_LIMIT + 5)
        ]
    )
    html = _page(world.n1)
    points = json.loads(re.search(r'id="map-points" type="application/json">(.*?)</script>', html).group(1))
    assert len(points) == MAP_POINTS_LIMIT
    assert _section(html, "h-reports-open").count("<li") == REPORTS_LISTED


# --- programs and news -----------------------------------------------------------------------------------


def test_programs_upcoming_and_recent(council_world: CouncilWorld) -> None:
    world = council_world
    _program(world, title="جشن آینده", days=5)
    _program(world, title="کارگاه برگزارشده", days=-5, state=ProgramState.HELD)
    with translation.override("en"):
        html = _page(world.n1, english())
    assert "جشن آینده" in _section(html, "h-programs-upcoming")
    assert "کارگاه برگزارشده" in _section(html, "h-programs-recent")
    assert reverse("programs:neighborhood", args=[world.n1.slug]) in html


def test_news_of_the_neighborhood_and_its_district_only_published(council_world: CouncilWorld) -> None:
    world = council_world
    other = NeighborhoodFactory(area=AreaFactory(district=world.d1, number=7))
    _news(world, title="خبر محله", neighborhood=world.n1, days=1)
    _news(world, title="خبر ناحیه", days=2)
    _news(world, title="خبر محله همسایه", neighborhood=other)
    _news(world, title="پیش‌نویس خبر", neighborhood=world.n1, state=NewsState.DRAFT)
    for days in range(3, 3 + NEWS_SHOWN):
        _news(world, title=f"خبر قدیمی {days}", neighborhood=world.n1, days=days)
    html = _page(world.n1)
    section = _section(html, "h-news")
    assert "خبر محله" in section and "خبر ناحیه" in section
    assert "خبر محله همسایه" not in html and "پیش‌نویس خبر" not in html
    assert section.count("<h3") == NEWS_SHOWN
    assert reverse("news:neighborhood", args=[world.n1.slug]) in section
    assert reverse("news:neighborhood-feed", args=[world.n1.slug]) in section


# --- identity, links, empty page ---------------------------------------------------------------------------


def test_report_a_problem_here_opens_the_form_inside_the_neighborhood(council_world: CouncilWorld) -> None:
    world = council_world
    with translation.override("en"):
        html = _page(world.n1, english())
    link = re.search(r'<a[^>]*id="report-here"[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert link is not None and link.group(2) == "Report a problem in this neighborhood"
    url = link.group(1).replace("&amp;", "&")
    parts = urlsplit(url)
    assert parts.path == reverse("portal:report-new")
    query = parse_qs(parts.query)
    lat, lng = float(query["lat"][0]), float(query["lng"][0])
    found = locate(lat, lng)
    assert found is not None and found.neighborhood_id == world.n1.pk
    form = Client().get(url).content.decode()
    assert f'value="{query["lat"][0]}"' in form and f'value="{query["lng"][0]}"' in form


def test_centre_is_none_without_a_boundary(council_world: CouncilWorld) -> None:
    bare = NeighborhoodFactory(area=council_world.a11, boundary=None)
    assert neighborhood_centre(bare) is None
    html = _page(bare)
    assert "lat=" not in re.search(r'id="report-here"[^>]*href="([^"]+)"', html).group(1)


def test_an_empty_neighborhood_renders_every_section_with_its_empty_text(council_world: CouncilWorld) -> None:
    bare = NeighborhoodFactory(area=council_world.a11, boundary=None)
    with translation.override("en"):
        html = _page(bare, english())
    for text in (
        "This neighborhood has no council in office at the moment.",
        "No meeting is scheduled.",
        "No minutes have been published yet.",
        "No resolutions yet.",
        "No open report.",
        "No program is planned.",
        "No news here yet.",
    ):
        assert text in html
    assert 'id="points-map"' not in html and "leaflet.js" not in html
    assert 'aria-labelledby="h-minutes"' in html and 'id="h-minutes"' in html


def test_identity_comes_first_and_headings_go_down_one_level_at_a_time(council_world: CouncilWorld) -> None:
    world = council_world
    world.n1.history = "تاریخچه‌ای کهن"
    world.n1.historical_name = "سرچشمه قدیم"
    world.n1.save()
    html = _page(world.n1)
    order = ["h-history", "h-council", "h-resolutions", "h-reports", "h-programs", "h-news"]
    positions = [html.index(f'id="{heading}"') for heading in order]
    assert positions == sorted(positions)
    assert "سرچشمه قدیم" in html
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html.split("<main", 1)[-1])]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in pairwise(levels))


def test_breadcrumb_links_the_district_when_its_page_exists(council_world: CouncilWorld) -> None:
    html = _page(council_world.n1)
    try:
        district_url = reverse("portal:district", kwargs={"slug": council_world.d1.slug})
    except Exception:  # the district page is not installed: plain text, no broken link
        assert "/d/" not in html
    else:
        assert f'href="{district_url}"' in html


def test_follow_form_and_message_mention_news(council_world: CouncilWorld) -> None:
    client = english()
    client.force_login(council_world.people["citizen"])
    follow = reverse("portal:neighborhood-follow", args=[council_world.n1.slug])
    with translation.override("en"):
        html = _page(council_world.n1, client)
        assert f'action="{follow}"' in html and "Follow this neighborhood" in html
        response = client.post(follow, follow=True)
    assert "You follow" in response.content.decode() and "its news" in response.content.decode()


# --- queries -----------------------------------------------------------------------------------------------


def _fill(world: CouncilWorld, n: int) -> None:
    bulk_resolutions(world.council, n, start=100 + n)
    for i in range(n):
        make_report(world.n1, state=ReportState.SUBMITTED)
        _solved(make_report(world.n1))
        _program(world, title=f"برنامه {i}", days=i + 1)
        _program(world, title=f"برنامه گذشته {i}", days=-(i + 1), state=ProgramState.HELD)
        _news(world, title=f"خبر {i}", neighborhood=world.n1, days=i + 1)
        _minutes(_meeting(world, days=-(i + 2), state=MeetingState.CLOSED), state=MinutesState.PUBLISHED)
        _meeting(world, days=i + 1, state=MeetingState.SCHEDULED)


PAGE_QUERY_BOUND = 25


def _count_queries(client: Client, neighborhood: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        html = _page(neighborhood, client)
    assert "h-minutes" in html
    return len(queries)


def test_queries_are_bounded_and_the_same_with_few_and_many_rows(council_world: CouncilWorld) -> None:
    client = Client()
    client.force_login(council_world.people["citizen"])
    _fill(council_world, 1)
    _page(council_world.n1, client)  # warm caches (site settings, translations)
    few = _count_queries(client, council_world.n1)
    _fill(council_world, 25)
    many = _count_queries(client, council_world.n1)
    assert few == many <= PAGE_QUERY_BOUND, (few, many)
