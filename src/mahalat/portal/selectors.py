"""Reads of the public home page and the district page: finding a neighborhood by what a visitor types,
the latest public work across the city, and what a district did. Only what the public pages already show:
public reports and resolutions, meetings' schedules, programs, published news, published indicators.
Each read is a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.insights.catalog import CATALOG, Indicator, ScopeKind
from mahalat.insights.periods import Month, month_add, month_bounds, month_of
from mahalat.insights.tables import beside_city
from mahalat.meetings.models import Meeting, MeetingState
from mahalat.news.models import NewsItem
from mahalat.news.selectors import district_news
from mahalat.persian.text import search_key
from mahalat.programs.models import Program, ProgramState
from mahalat.reports.models import Report, ReportState
from mahalat.reports.selectors import visibility_q as report_visibility_q
from mahalat.resolutions.models import Resolution, ResolutionState
from mahalat.territory.models import City, District, Neighborhood

LATEST_LIMIT = 5
RECENT_DAYS = 30
MATCH_LIMIT = 20
# Longer input is cut: an address never needs more, and scoring stays cheap.
QUERY_MAX_LENGTH = 200
# Words of an address that say what kind of place follows, not which one: alone they match everything.
ADDRESS_WORDS = frozenset(
    search_key(word).replace("\u0654", "")
    for word in (
        "خیابان",
        "خ",
        "کوچه",
        "ک",
        "میدان",
        "بلوار",
        "بزرگراه",
        "کوی",
        "بن‌بست",
        "پلاک",
        "محله",
        "منطقه",
        "ناحیه",
        "شهرک",
        "نبش",
        "جنب",
        "روبروی",
        "street",
        "st",
        "avenue",
        "ave",
        "alley",
        "square",
        "sq",
        "boulevard",
        "blvd",
        "no",
        "the",
        "of",
    )
)
# A landmarks text lists one landmark per line or separates them with commas or semicolons.
_LANDMARK_SPLIT = re.compile(r"[\n\r،,؛;]+")
_MIN_KEY = 3  # shorter names and words match too much by accident

# Scores: a name the text mentions beats a landmark, which beats the area or district alone.
_SCORE_EXACT_NAME = 300
_SCORE_NAME = 200
_SCORE_PART_OF_NAME = 150
_SCORE_LANDMARK = 100
_SCORE_AREA = 40
_SCORE_DISTRICT = 20
_SCORE_WORD = 5

SOLVED_REPORT_STATES = (ReportState.RESOLVED, ReportState.CLOSED)


# --- find my neighborhood ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NeighborhoodMatch:
    neighborhood: Neighborhood
    score: int
    exact: bool  # the text is the neighborhood's name (Persian, English or historical) and nothing else
    reason: str  # "name", "historical_name", "landmark", "area", "district", "words"
    detail: str  # the landmark, area or district that matched, as written


def loose_key(text: str) -> str:
    """search_key without the hamza above: «کوچهٔ» (with the ezafe) and «کوچه» are one word to a searcher."""
    return search_key(text).replace("\u0654", "")


def _contains_phrase(haystack: str, needle: str) -> bool:
    return len(needle) >= _MIN_KEY and f" {needle} " in f" {haystack} "


def _landmarks(text: str) -> list[tuple[str, str]]:
    """(as written, key) of each landmark in a landmarks text."""
    pieces = (piece.strip(" -•*.") for piece in _LANDMARK_SPLIT.split(text or ""))
    return [(piece, loose_key(piece)) for piece in pieces if piece]


def _score(hood: Neighborhood, key: str, words: set[str]) -> NeighborhoodMatch | None:
    best: tuple[int, str, str] = (0, "", "")
    exact = False
    for field, value in (
        ("name", hood.name),
        ("name", hood.name_en),
        ("historical_name", hood.historical_name),
    ):
        name_key = loose_key(value or "")
        if len(name_key) < _MIN_KEY:
            continue
        if name_key == key:
            exact = True
            best = max(best, (_SCORE_EXACT_NAME + len(name_key), field, value))
        elif _contains_phrase(key, name_key):
            best = max(best, (_SCORE_NAME + len(name_key), field, value))
        elif words and name_key.startswith(key):
            best = max(best, (_SCORE_PART_OF_NAME + len(key), field, value))
    if best[0] < _SCORE_PART_OF_NAME:
        for written, landmark_key in _landmarks(hood.landmarks):
            # The text inside a landmark («بازارچه» in «بازارچهٔ قدیم») counts only when it says more
            # than what kind of place it is («خیابان» alone is in half the landmarks).
            if _contains_phrase(key, landmark_key) or (words and _contains_phrase(landmark_key, key)):
                best = max(best, (_SCORE_LANDMARK + min(len(landmark_key), len(key)), "landmark", written))
    if best[0] < _SCORE_LANDMARK:
        for field, unit, score in (
            ("area", hood.area, _SCORE_AREA),
            ("district", hood.district, _SCORE_DISTRICT),
        ):
            for value in (unit.name, unit.name_en):
                if _contains_phrase(key, loose_key(value or "")):
                    best = max(best, (score, field, str(unit)))
    if best[0] == 0 and words:
        own = set(loose_key(f"{hood.name} {hood.name_en} {hood.historical_name} {hood.landmarks}").split())
        shared = words & own
        if shared:
            best = (_SCORE_WORD * len(shared), "words", " ".join(sorted(shared)))
    if best[0] == 0:
        return None
    return NeighborhoodMatch(neighborhood=hood, score=best[0], exact=exact, reason=best[1], detail=best[2])


def query_key(text: str) -> str:
    return loose_key((text or "")[:QUERY_MAX_LENGTH])


def neighborhood_matches(*, city: City, text: str, limit: int = MATCH_LIMIT) -> list[NeighborhoodMatch]:
    """The city's neighborhoods the text points at, best first: their names (Persian, English, historical)
    in the text or the text as the start of a name, then a landmark, then the area or district named,
    then shared words. One query (the city's neighborhoods with their landmarks, areas and districts)."""
    key = query_key(text)
    if not key:
        return []
    words = {w for w in key.split() if len(w) >= _MIN_KEY and w not in ADDRESS_WORDS}
    hoods = (
        Neighborhood.objects.filter(city=city)
        .select_related("area", "district")
        .only(
            "slug",
            "name",
            "name_en",
            "historical_name",
            "landmarks",
            "area",
            "district",
            "area__name",
            "area__name_en",
            "district__name",
            "district__name_en",
            "district__number",
        )
        .order_by("district__number", "area__number", "name", "id")
    )
    found = [match for hood in hoods if (match := _score(hood, key, words)) is not None]
    found.sort(key=lambda m: -m.score)  # stable: equal scores keep the district order
    return found[:limit]


def the_one_match(matches: list[NeighborhoodMatch]) -> Neighborhood | None:
    """The neighborhood to go straight to: the only match; else the only one named exactly; else the only
    one whose name or landmark the text mentions, when the others only share a word or their district."""
    if len(matches) == 1:
        return matches[0].neighborhood
    exact = [m for m in matches if m.exact]
    if exact:
        return exact[0].neighborhood if len(exact) == 1 else None
    strong = [m for m in matches if m.score >= _SCORE_LANDMARK]
    return strong[0].neighborhood if len(strong) == 1 else None


# --- the map ------------------------------------------------------------------------------------------

# Five decimals of a degree is about a metre: finer than any drawn boundary, and a third lighter.
OUTLINE_DECIMALS = 5


def _rounded(coordinates: Any) -> Any:
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [round(value, OUTLINE_DECIMALS) for value in coordinates]
    return [_rounded(part) for part in coordinates]


def _geometry(boundary: Any) -> dict[str, Any] | None:
    # Stored as a geometry, or (as imported) as a Feature holding one.
    if isinstance(boundary, dict) and boundary.get("type") == "Feature":
        boundary = boundary.get("geometry")
    if not isinstance(boundary, dict) or "coordinates" not in boundary:
        return None
    return {"type": boundary.get("type"), "coordinates": _rounded(boundary["coordinates"])}


def neighborhood_outlines(*, city: City) -> dict[str, Any]:
    """The city's neighborhoods as a GeoJSON FeatureCollection for the map: the outline, the slug, the
    names and the district only (the open-data file adds every indicator, several times heavier). One
    query."""
    hoods = (
        Neighborhood.objects.filter(city=city, boundary__isnull=False)
        .select_related("district")
        .only("slug", "name", "name_en", "boundary", "district", "district__slug")
        .order_by("district__number", "area__number", "pk")
    )
    features = []
    for hood in hoods:
        geometry = _geometry(hood.boundary)
        if geometry is None:
            continue
        properties = {
            "slug": hood.slug,
            "name": hood.name,
            "name_en": hood.name_en,
            "district": hood.district.slug,
        }
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


# --- the home page ------------------------------------------------------------------------------------


def resolutions_carried_out(
    *, city_id: int, district_id: int | None = None, limit: int = LATEST_LIMIT
) -> list[Resolution]:
    """Public resolutions done, the latest finished first (one query)."""
    qs = Resolution.objects.filter(city_id=city_id, is_public=True, state=ResolutionState.DONE)
    if district_id is not None:
        qs = qs.filter(district_id=district_id)
    return list(
        qs.select_related("neighborhood")
        .only(
            "id",
            "title",
            "jalali_year",
            "sequence",
            "finished_at",
            "neighborhood",
            "neighborhood__slug",
            "neighborhood__name",
            "neighborhood__name_en",
        )
        .order_by("-finished_at", "-id")[:limit]
    )


def _solved_reports() -> QuerySet[Report]:
    return Report.objects.filter(
        report_visibility_q(user=None), state__in=SOLVED_REPORT_STATES, resolved_at__isnull=False
    )


def problems_solved(
    *, city_id: int, district_id: int | None = None, limit: int = LATEST_LIMIT
) -> list[Report]:
    """Public reports solved, the latest first: the category, the place and the day, as on the public
    lists; never the reporter (one query)."""
    qs = _solved_reports().filter(city_id=city_id)
    if district_id is not None:
        qs = qs.filter(district_id=district_id)
    return list(
        qs.select_related("category", "neighborhood")
        .only(
            "id",
            "tracking_code",
            "resolved_at",
            "category",
            "neighborhood",
            "category__name",
            "category__name_en",
            "neighborhood__slug",
            "neighborhood__name",
            "neighborhood__name_en",
        )
        .order_by("-resolved_at", "-id")[:limit]
    )


def upcoming_meetings(
    *, city_id: int, limit: int = LATEST_LIMIT, now: datetime | None = None
) -> list[Meeting]:
    """Council meetings scheduled from now on, the soonest first (their schedule is public; one query)."""
    return list(
        Meeting.objects.filter(
            city_id=city_id, state=MeetingState.SCHEDULED, starts_at__gte=now or timezone.now()
        )
        .select_related("neighborhood")
        .only(
            "id",
            "number",
            "kind",
            "starts_at",
            "place",
            "neighborhood",
            "neighborhood__slug",
            "neighborhood__name",
            "neighborhood__name_en",
        )
        .order_by("starts_at", "id")[:limit]
    )


def upcoming_programs(
    *, city_id: int, limit: int = LATEST_LIMIT, now: datetime | None = None
) -> list[Program]:
    """Programs planned from now on, the soonest first (the public calendar shows them all; one query)."""
    return list(
        Program.objects.filter(
            city_id=city_id, state=ProgramState.PLANNED, starts_at__gte=now or timezone.now()
        )
        .select_related("district", "neighborhood")
        .only(
            "id",
            "title",
            "kind",
            "starts_at",
            "place",
            "district",
            "neighborhood",
            "district__slug",
            "district__name",
            "district__name_en",
            "neighborhood__slug",
            "neighborhood__name",
            "neighborhood__name_en",
        )
        .order_by("starts_at", "id")[:limit]
    )


# --- the district page --------------------------------------------------------------------------------


def district_get(*, slug: str) -> District:
    district = District.objects.select_related("city").filter(slug=slug).first()
    if district is None:
        raise Http404(_("There is no district “%(slug)s”.") % {"slug": slug})
    return district


def last_whole_month(now: datetime | None = None) -> Month:
    """The Jalali month before the current one."""
    return month_add(month_of(now or timezone.now()), -1)


@dataclass(frozen=True)
class Done:
    """What was done in a span of time: public problems solved, public resolutions done, programs held."""

    problems_solved: int
    resolutions_done: int
    programs_held: int


@dataclass(frozen=True)
class DistrictActivity:
    recent: Done  # the last RECENT_DAYS days
    month: Done  # the last whole Jalali month
    month_key: Month


def district_activity(*, district: District, now: datetime | None = None) -> DistrictActivity:
    """Counts for the last 30 days and the last whole month: three queries, one per kind of work."""
    now = now or timezone.now()
    recent_from = now - timedelta(days=RECENT_DAYS)
    month = last_whole_month(now)
    month_from, month_to = month_bounds(month)

    def windows(field: str) -> dict[str, Count]:
        return {
            "recent": Count("id", filter=Q(**{f"{field}__gte": recent_from, f"{field}__lt": now})),
            "month": Count("id", filter=Q(**{f"{field}__gte": month_from, f"{field}__lt": month_to})),
        }

    earliest = min(recent_from, month_from)
    reports = (
        _solved_reports()
        .filter(district_id=district.pk, resolved_at__gte=earliest)
        .order_by()
        .aggregate(**windows("resolved_at"))
    )
    resolutions = (
        Resolution.objects.filter(
            district_id=district.pk, is_public=True, state=ResolutionState.DONE, finished_at__gte=earliest
        )
        .order_by()
        .aggregate(**windows("finished_at"))
    )
    programs = (
        Program.objects.filter(district_id=district.pk, state=ProgramState.HELD, starts_at__gte=earliest)
        .order_by()
        .aggregate(**windows("starts_at"))
    )
    done = {
        span: Done(
            problems_solved=reports[span] or 0,
            resolutions_done=resolutions[span] or 0,
            programs_held=programs[span] or 0,
        )
        for span in ("recent", "month")
    }
    return DistrictActivity(recent=done["recent"], month=done["month"], month_key=month)


RESPONSE_TIME_CODES = ("triage_hours_median", "resolve_hours_median")


@dataclass(frozen=True)
class ResponseTime:
    indicator: Indicator
    district: float | int | None  # None: not computed, or too few reports in the month to say
    city: float | int | None


def response_times(*, district: District, month: Month) -> list[ResponseTime]:
    """The median hours to triage and to resolve in the district and in the city for the month, from the
    pre-computed indicator rows (one query); a value whose sample is below the minimum is left out."""
    entries = [CATALOG[code] for code in RESPONSE_TIME_CODES if code in CATALOG and CATALOG[code].published]
    values = beside_city(
        city_id=district.city_id, kind=ScopeKind.DISTRICT, scope_id=district.pk, entries=entries, month=month
    )
    return [
        ResponseTime(indicator=entry, district=values[entry.code][0], city=values[entry.code][1])
        for entry in entries
    ]


def district_latest_news(*, district: District, limit: int = LATEST_LIMIT) -> list[NewsItem]:
    """The district's published news, the latest first (one query)."""
    return list(district_news(district_id=district.pk)[:limit])
