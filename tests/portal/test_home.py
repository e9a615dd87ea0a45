"""The public home page: the neighborhoods (map and list), find my neighborhood by what a visitor types
or by location, and the latest public work across the city, with bounded queries and nothing private."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mahalat.councils.models import Council
from mahalat.meetings.models import Meeting, MeetingState
from mahalat.news.models import NewsItem, NewsState
from mahalat.programs.models import OrganizerKind, Program, ProgramKind, ProgramNeighborhood, ProgramState
from mahalat.reports.models import Category, HandlerKind, Report, ReportState
from mahalat.reports.services import new_tracking_code
from mahalat.resolutions.models import Resolution, ResolutionState
from mahalat.territory.locate import invalidate_index
from tests.councils_world import CouncilWorld
from tests.factories import AreaFactory, NeighborhoodFactory, square
from tests.resolutions.conftest import stored_resolution
from tests.towns import Town

_numbers = count(1)


def _place(neighborhood: Any) -> dict[str, Any]:
    return {
        "city_id": neighborhood.city_id,
        "district_id": neighborhood.district_id,
        "area_id": neighborhood.area_id,
        "neighborhood_id": neighborhood.pk,
    }


@dataclass
class Activity:
    """Builds public and private work in a council world's neighborhoods, straight as rows."""

    world: CouncilWorld

    def category(self) -> Category:
        return Category.objects.get_or_create(
            city=self.world.city,
            slug="lighting",
            defaults={
                "name": "روشنایی معابر",
                "name_en": "Street lighting",
                "handler_kind": HandlerKind.AREA,
                "triage_hours": 8,
                "resolve_hours": 40,
            },
        )[0]

    def meeting(
        self, council: Council, *, starts_at: datetime, state: str = MeetingState.CLOSED, place: str = ""
    ) -> Meeting:
        return Meeting.objects.create(
            **_place(council.neighborhood),
            council=council,
            number=next(_numbers),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            state=state,
            place=place,
        )

    def resolution(
        self,
        council: Council,
        *,
        title: str,
        state: str = ResolutionState.DONE,
        is_public: bool = True,
        finished_at: datetime | None = None,
    ) -> Resolution:
        start = timezone.now() - timedelta(days=60)
        done = state == ResolutionState.DONE
        finished = (finished_at or timezone.now() - timedelta(days=1)) if done else None
        return stored_resolution(
            council,
            meeting=self.meeting(council, starts_at=start),
            title=title,
            is_public=is_public,
            responsible_kind="district",
            deadline=timezone.localdate() + timedelta(days=30),
            state=state,
            progress=100 if done else 20,
            state_changed_at=finished or start,
            finished_at=finished,
        )

    def report(
        self,
        neighborhood: Any,
        *,
        state: str = ReportState.RESOLVED,
        is_public: bool = True,
        resolved_at: datetime | None = None,
        description: str = "چراغ کوچه خاموش است",
        phone: str = "+989121112233",
    ) -> Report:
        now = timezone.now()
        submitted = (resolved_at or now) - timedelta(days=3)
        solved = state in (ReportState.RESOLVED, ReportState.CLOSED)
        return Report.objects.create(
            **_place(neighborhood),
            tracking_code=new_tracking_code(),
            category=self.category(),
            description=description,
            lat=35.005,
            lng=51.005,
            reporter_phone=phone,
            is_public=is_public,
            state=state,
            handler_kind=HandlerKind.AREA,
            triage_due_at=submitted + timedelta(hours=8),
            resolve_due_at=submitted + timedelta(days=7),
            deputy_due_at=submitted + timedelta(days=14),
            submitted_at=submitted,
            state_changed_at=resolved_at or now,
            resolved_at=(resolved_at or now - timedelta(hours=1)) if solved else None,
        )

    def program(
        self,
        neighborhood: Any,
        *,
        title: str,
        starts_at: datetime,
        state: str = ProgramState.PLANNED,
    ) -> Program:
        program = Program.objects.create(
            **_place(neighborhood),
            neighborhood_count=1,
            kind=ProgramKind.SPORT,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            place="بوستان محله",
            organizer_kind=OrganizerKind.DISTRICT,
            state=state,
            participants=30 if state == ProgramState.HELD else None,
            cancel_reason="باران" if state == ProgramState.CANCELLED else "",
        )
        ProgramNeighborhood.objects.create(program=program, neighborhood=neighborhood)
        return program

    def news(
        self, district: Any, *, title: str, state: str = NewsState.PUBLISHED, days_ago: int = 1
    ) -> NewsItem:
        return NewsItem.objects.create(
            city=district.city,
            district=district,
            title=title,
            slug=f"news-{next(_numbers)}",
            summary="خلاصهٔ خبر",
            publish_at=timezone.now() - timedelta(days=days_ago),
            state=state,
            author=self.world.people["district_officer"],
            reviewer=self.world.people["district_manager"] if state == NewsState.PUBLISHED else None,
        )


@pytest.fixture
def activity(council_world: CouncilWorld) -> Activity:
    return Activity(council_world)


def client_in(language: str = "fa") -> Client:
    """A visitor who chose the language with the switch (pages follow the cookie, not the browser)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def page(path: str, *, language: str = "fa", **params: Any) -> tuple[int, str]:
    response = client_in(language).get(path, params)
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    return response.status_code, html


# --- the page -----------------------------------------------------------------------------------------


def test_home_lists_districts_neighborhoods_and_the_map_hook(council_world: CouncilWorld) -> None:
    status, html = page("/")
    assert status == 200
    assert "سرچشمه" in html and "باغ‌بهشت" in html
    assert reverse("portal:district", args=["cw-d1"]) in html
    assert reverse("portal:neighborhood", args=["cw-n1"]) in html
    # The map is fetched after the page: a hidden box pointing at the outlines, no inline polygons.
    assert 'id="city-map"' in html and "hidden" in html
    assert reverse("portal:outlines", args=["cw"]) in html
    assert '"coordinates"' not in html
    # The location button exists for the script to show; it is hidden without JavaScript.
    assert 'id="find-by-location"' in html
    assert "portal/home-map.js" in html


def test_home_in_english(council_world: CouncilWorld) -> None:
    _status, html = page("/", language="en")
    assert "Use my location" in html
    assert "Resolutions carried out" in html
    assert "Upcoming council meetings" in html


def test_home_has_its_own_description_and_canonical(council_world: CouncilWorld) -> None:
    _status, html = page("/", language="en", utm_source="x")
    assert '<link rel="canonical" href="http://testserver/">' in html
    description = re.search(r'<meta property="og:description" content="([^"]*)"', html)
    assert description and "find yours on the map or by address" in description.group(1)


def test_latest_work_across_the_city(activity: Activity) -> None:
    w = activity.world
    now = timezone.now()
    activity.resolution(w.council, title="نصب چراغ در کوچهٔ بهار")
    activity.resolution(w.other_council, title="آسفالت خیابان باغ")
    activity.report(w.n2)
    activity.meeting(
        w.council, starts_at=now + timedelta(days=3), state=MeetingState.SCHEDULED, place="مسجد جامع"
    )
    activity.program(w.n1, title="جشنوارهٔ بازی‌های محلی", starts_at=now + timedelta(days=5))
    _status, html = page("/")
    assert "نصب چراغ در کوچهٔ بهار" in html and "آسفالت خیابان باغ" in html
    assert "روشنایی معابر" in html  # the solved report, by its category
    assert "مسجد جامع" in html
    assert "جشنوارهٔ بازی‌های محلی" in html
    assert reverse("programs:calendar") in html
    assert reverse("resolutions:accountability", args=["cw-n1"]) in html


def test_nothing_private_or_past_reaches_the_home_page(activity: Activity) -> None:
    w = activity.world
    now = timezone.now()
    activity.resolution(w.council, title="مصوبهٔ محرمانه", is_public=False)
    activity.resolution(w.council, title="مصوبهٔ در جریان", state=ResolutionState.IN_PROGRESS)
    private = activity.report(w.n1, is_public=False, phone="+989127770000")
    unverified = activity.report(w.n1, state=ReportState.UNVERIFIED)
    still_open = activity.report(w.n1, state=ReportState.IN_PROGRESS)
    public = activity.report(w.n1, phone="+989125550000", description="شرح با نشانی منزل گزارش‌دهنده")
    activity.meeting(
        w.council, starts_at=now - timedelta(days=3), state=MeetingState.SCHEDULED, place="جلسهٔ گذشته"
    )
    activity.meeting(
        w.council, starts_at=now + timedelta(days=3), state=MeetingState.CANCELLED, place="جلسهٔ لغوشده"
    )
    activity.program(
        w.n1, title="برنامهٔ لغوشده", starts_at=now + timedelta(days=2), state=ProgramState.CANCELLED
    )
    _status, html = page("/")
    for hidden in ("مصوبهٔ محرمانه", "مصوبهٔ در جریان", "جلسهٔ گذشته", "جلسهٔ لغوشده", "برنامهٔ لغوشده"):
        assert hidden not in html, hidden
    for report in (private, unverified, still_open):
        assert report.tracking_code not in html
    assert public.tracking_code in html
    # Never the reporter's details, nor the description (it may hold an address).
    assert "5550000" not in html and "۵۵۵۰۰۰۰" not in html
    assert "نشانی منزل" not in html


def test_latest_lists_are_short_and_newest_first(activity: Activity) -> None:
    w = activity.world
    for i in range(8):
        activity.resolution(
            w.council, title=f"مصوبهٔ شمارهٔ {i}", finished_at=timezone.now() - timedelta(days=i + 1)
        )
    _status, html = page("/")
    assert "مصوبهٔ شمارهٔ 0" in html and "مصوبهٔ شمارهٔ 4" in html
    assert "مصوبهٔ شمارهٔ 5" not in html
    assert html.index("مصوبهٔ شمارهٔ 0") < html.index("مصوبهٔ شمارهٔ 1")


def test_home_with_no_city_at_all(db: None) -> None:
    status, html = page("/")
    assert status == 200
    assert "city-map" not in html


def test_home_query_count_is_bounded(activity: Activity, django_assert_max_num_queries: Any) -> None:
    w = activity.world
    with django_assert_max_num_queries(8):
        assert Client().get("/").status_code == 200
    now = timezone.now()
    for i in range(12):
        area = AreaFactory(district=w.d1, number=20 + i)
        NeighborhoodFactory(area=area)
        activity.resolution(w.council, title=f"مصوبه {i}")
        activity.report(w.n1)
        activity.meeting(w.council, starts_at=now + timedelta(days=i + 1), state=MeetingState.SCHEDULED)
        activity.program(w.n1, title=f"برنامه {i}", starts_at=now + timedelta(days=i + 1))
    with django_assert_max_num_queries(8):
        assert Client().get("/").status_code == 200


def test_outlines_are_light_cached_and_bounded(
    council_world: CouncilWorld, django_assert_max_num_queries: Any
) -> None:
    for i in range(20):
        NeighborhoodFactory(area=council_world.a11, boundary=square(52 + i / 100, 35))
    NeighborhoodFactory(area=council_world.a11, boundary=None)
    with django_assert_max_num_queries(2):
        response = Client().get(reverse("portal:outlines", args=["cw"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "max-age=3600" in response["Cache-Control"] and "public" in response["Cache-Control"]
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 22  # those with a boundary
    first = next(f for f in data["features"] if f["properties"]["slug"] == "cw-n1")
    assert first["properties"] == {
        "slug": "cw-n1",
        "name": "سرچشمه",
        "name_en": first["properties"]["name_en"],
        "district": "cw-d1",
    }
    assert first["geometry"]["type"] == "Polygon"
    assert Client().get(reverse("portal:outlines", args=["nowhere"])).status_code == 404


def test_find_answers_are_not_indexed(council_world: CouncilWorld) -> None:
    _status, html = page(reverse("portal:find"), q="هیچ‌کجا")
    assert '<meta name="robots" content="noindex">' in html
    _status, html = page("/")
    assert "noindex" not in html
    assert "Disallow: /find/" in Client().get("/robots.txt").content.decode()


# --- find my neighborhood by text --------------------------------------------------------------------


@pytest.fixture
def places(town: Town) -> Town:
    """Town with landmarks and an old name, and a second neighborhood sharing a word with the first."""
    town.n1.historical_name = "محلهٔ قنات"
    town.n1.landmarks = "مسجد جامع سرچشمه\nبازارچهٔ قدیم، حمام خان"
    town.n1.save()
    town.n2.landmarks = "بوستان ولیعصر"
    town.n2.save()
    town.n3.landmarks = "کتابخانهٔ ولیعصر"
    town.n3.save()
    return town


def test_find_by_exact_name_goes_to_the_neighborhood(places: Town) -> None:
    response = Client().get(reverse("portal:find"), {"q": "سرچشمه"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:neighborhood", args=["n1"])


def test_find_by_an_address_that_names_a_neighborhood(places: Town) -> None:
    response = Client().get(reverse("portal:find"), {"q": "تهران، خیابان اصلی، کوچهٔ ۱۲، محلهٔ چهارباغ"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:neighborhood", args=["n3"])


def test_find_by_landmark_and_old_name(places: Town) -> None:
    for query in ("حمام خان", "کنار بازارچه قدیم", "محله قنات"):
        response = Client().get(reverse("portal:find"), {"q": query})
        assert response["Location"] == reverse("portal:neighborhood", args=["n1"]), query


def test_find_with_arabic_letters_and_half_spaces(places: Town) -> None:
    # Arabic yeh and kaf, and the joined spelling of the half-space, still find «باغ‌بهشت».
    response = Client().get(reverse("portal:find"), {"q": "باغبهشت"})
    assert response["Location"] == reverse("portal:neighborhood", args=["n2"])
    response = Client().get(reverse("portal:find"), {"q": "كتابخانه وليعصر"})
    assert response["Location"] == reverse("portal:neighborhood", args=["n3"])


def test_find_several_gives_a_ranked_list(places: Town) -> None:
    status, html = page(reverse("portal:find"), q="خیابان ولیعصر")
    assert status == 200
    results = html[html.index('id="find-results"') :]
    assert reverse("portal:neighborhood", args=["n2"]) in results
    assert reverse("portal:neighborhood", args=["n3"]) in results
    assert 'class="find-matches"' in results
    # The district and neighborhood list is still below for anyone who prefers to pick.
    assert reverse("portal:district", args=["town-d1"]) in html


def test_find_by_a_kind_of_place_alone_does_not_guess(places: Town) -> None:
    places.n2.landmarks = "خیابان شهدا"
    places.n2.save()
    status, html = page(reverse("portal:find"), q="خیابان")
    assert status == 200
    assert 'class="find-matches"' not in html
    response = Client().get(reverse("portal:find"), {"q": "خیابان شهدا"})
    assert response["Location"] == reverse("portal:neighborhood", args=["n2"])


def test_find_nothing_says_what_to_try(places: Town) -> None:
    status, html = page(reverse("portal:find"), language="en", q="Atlantis")
    assert status == 200
    assert "We found no neighborhood for “Atlantis”" in html


def test_find_very_long_input_is_cut_not_failed(places: Town) -> None:
    status, _html = page(reverse("portal:find"), q="ولیعصر " * 2000)
    assert status == 200
    response = Client().get(reverse("portal:find"), {"q": "سرچشمه" + " " * 5000 + "x" * 5000})
    assert response.status_code == 302


def test_find_by_text_on_the_home_address_still_works(places: Town) -> None:
    response = Client().get("/", {"q": "سرچشمه"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:neighborhood", args=["n1"])


def test_find_with_nothing_goes_home(places: Town) -> None:
    response = Client().get(reverse("portal:find"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_find_by_text_queries_are_bounded(places: Town, django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        NeighborhoodFactory(area=places.a11, landmarks=f"مدرسهٔ ولیعصر {i}", boundary=square(52 + i, 35))
    with django_assert_max_num_queries(9):
        status, html = page(reverse("portal:find"), q="مدرسه ولیعصر")
    assert status == 200
    assert html.count('<li><a href="/n/') >= 20


# --- find my neighborhood by location ----------------------------------------------------------------


def test_find_by_location_inside(places: Town) -> None:
    lat, lng = Town.P2
    response = Client().get(reverse("portal:find"), {"lat": lat, "lng": lng})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:neighborhood", args=["n2"])


def test_find_by_location_with_persian_digits_is_read(places: Town) -> None:
    invalidate_index()
    response = Client().get(reverse("portal:find"), {"lat": "۳۵.۰۱۵", "lng": "۵۱.۰۰۵"})
    assert response["Location"] == reverse("portal:neighborhood", args=["n3"])


def test_find_by_location_outside_every_neighborhood(places: Town) -> None:
    status, html = page(reverse("portal:find"), language="en", lat="29.6", lng="52.5")
    assert status == 200
    assert "outside every neighborhood" in html


@pytest.mark.parametrize(
    "params",
    [
        {"lat": "abc", "lng": "51"},
        {"lat": "95", "lng": "51"},
        {"lat": "35", "lng": "inf"},
        {"lat": "nan", "lng": "51"},
        {"lat": "35"},
        {"lng": "51"},
        {"lat": "", "lng": ""},
    ],
)
def test_find_by_bad_location_is_a_translated_400(places: Town, params: dict[str, str]) -> None:
    status, html = page(reverse("portal:find"), language="en", **params)
    assert status == 400
    assert "We could not read this location" in html
    status, html = page(reverse("portal:find"), **params)
    assert status == 400
    assert 'class="alert alert-warning" role="alert"' in html
