"""Reads for the neighborhood's home page: its council, resolutions, reports on a map, programs and news.

Everything here is what an anonymous visitor may see: public resolutions, published minutes, public
reports (never who reported them), published news. Each section costs one to three queries, whatever the
number of rows, and shows a few rows with a link to the full list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import shapely
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from mahalat.councils.models import Council, Membership, SeatType
from mahalat.councils.selectors import Composition, current_council, seated_members
from mahalat.meetings.models import Meeting, MeetingState, Minutes, MinutesState
from mahalat.news.models import NewsItem
from mahalat.news.selectors import neighborhood_news
from mahalat.programs.models import Program, ProgramState
from mahalat.programs.selectors import neighborhood_programs
from mahalat.reports.models import OPEN_STATES, Report, ReportState
from mahalat.reports.selectors import visibility_q as report_visibility_q
from mahalat.resolutions.models import Resolution
from mahalat.resolutions.selectors import ResolutionFilters, Summary, accountability_list, summarize
from mahalat.territory.models import Neighborhood

RESOLUTIONS_SHOWN = 4
REPORTS_LISTED = 5  # per kind (open, solved) in the list under the map
MAP_POINTS_LIMIT = 60  # per kind; the full list page has every report
SOLVED_WINDOW_DAYS = 90
PROGRAMS_SHOWN = 3
NEWS_SHOWN = 3
SOLVED_STATES = (ReportState.RESOLVED, ReportState.CLOSED)
# Only what the public report page shows; the reporter's name and phone are never loaded.
_REPORT_FIELDS = ("id", "tracking_code", "state", "lat", "lng", "submitted_at", "resolved_at", "category")


@dataclass(frozen=True)
class CouncilSection:
    council: Council | None
    composition: Composition | None
    next_meeting: Meeting | None
    latest_minutes: Minutes | None


@dataclass(frozen=True)
class ReportsSection:
    open_reports: list[Report]
    solved_reports: list[Report]
    open_total: int
    solved_total: int  # solved in the last SOLVED_WINDOW_DAYS days
    points: list[dict[str, Any]]
    outlines: dict[str, Any]

    @property
    def is_empty(self) -> bool:
        return not (self.open_reports or self.solved_reports)


@dataclass(frozen=True)
class NeighborhoodPage:
    neighborhood: Neighborhood
    council: CouncilSection
    resolutions: list[Resolution]
    resolution_summary: Summary
    reports: ReportsSection
    upcoming_programs: list[Program]
    recent_programs: list[Program]
    news: list[NewsItem]
    centre: tuple[float, float] | None = field(default=None)  # (lat, lng)

    @property
    def report_here_url(self) -> str:
        """The report form, in this city, with its pin at the neighborhood's centre."""
        query: dict[str, Any] = {"city": self.neighborhood.city.slug}
        if self.centre is not None:
            query["lat"], query["lng"] = self.centre
        return f"{reverse('portal:report-new')}?{urlencode(query)}"


def neighborhood_centre(neighborhood: Neighborhood) -> tuple[float, float] | None:
    """A point inside the neighborhood (lat, lng), rounded to about a metre; None without a boundary.

    A representative point rather than the centroid: the centroid of a crescent-shaped neighborhood
    can fall outside it, and a report filed there would land in the neighbor."""
    if not neighborhood.boundary:
        return None
    try:
        point = shapely.geometry.shape(neighborhood.boundary).representative_point()
    except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError):
        return None
    if point.is_empty:
        return None
    return round(point.y, 5), round(point.x, 5)


def council_section(*, neighborhood: Neighborhood, now: Any = None) -> CouncilSection:
    """The council in office with its members by seat, the next meeting and the latest published minutes.
    Four queries with a council, three without."""
    now = now or timezone.now()
    council = current_council(neighborhood_id=neighborhood.pk)
    composition = None
    if council is not None:
        seat_types = list(SeatType.objects.filter(template_id=council.seat_template_id))
        members: list[Membership] = seated_members(council=council)
        composition = Composition(
            council=council, members=members, vacancies=[], groups=[], seat_types=seat_types
        )
    next_meeting = (
        Meeting.objects.filter(
            neighborhood_id=neighborhood.pk,
            state__in=[MeetingState.SCHEDULED, MeetingState.IN_SESSION],
            ends_at__gte=now,
        )
        .order_by("starts_at", "id")
        .first()
    )
    latest_minutes = (
        Minutes.objects.filter(meeting__neighborhood_id=neighborhood.pk, state=MinutesState.PUBLISHED)
        .select_related("meeting")
        .defer("body")
        .order_by("-published_at", "-id")
        .first()
    )
    return CouncilSection(
        council=council, composition=composition, next_meeting=next_meeting, latest_minutes=latest_minutes
    )


def _public_reports(neighborhood: Neighborhood) -> Any:
    return (
        Report.objects.filter(report_visibility_q(user=None), neighborhood_id=neighborhood.pk)
        .select_related("category")
        .only(*_REPORT_FIELDS, "category__name", "category__name_en")
    )


def _points(reports: list[Report], *, solved: bool) -> list[dict[str, Any]]:
    """The map's points; state names and the link pattern are worked out once, not per point."""
    states = {value: str(label) for value, label in ReportState.choices}
    url = reverse("portal:report", args=["CODE"])
    return [
        {
            "lat": report.lat,
            "lng": report.lng,
            "code": report.tracking_code,
            "state": states.get(report.state, report.state),
            "solved": solved,
            "url": url.replace("CODE", report.tracking_code),
        }
        for report in reports
    ]


def _outline(neighborhood: Neighborhood) -> dict[str, Any]:
    """The neighborhood as a GeoJSON FeatureCollection, the shape `points-map.js` draws."""
    features = []
    if neighborhood.boundary:
        features.append(
            {
                "type": "Feature",
                "geometry": neighborhood.boundary,
                "properties": {"slug": neighborhood.slug, "name": neighborhood.display_name},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def reports_section(*, neighborhood: Neighborhood, now: Any = None) -> ReportsSection:
    """Open and recently solved public reports, for a short list and a map: three queries."""
    now = now or timezone.now()
    since = now - timedelta(days=SOLVED_WINDOW_DAYS)
    base = _public_reports(neighborhood)
    solved_q = Q(state__in=SOLVED_STATES, resolved_at__gte=since)
    totals = base.order_by().aggregate(
        open_total=Count("id", filter=Q(state__in=OPEN_STATES)), solved_total=Count("id", filter=solved_q)
    )
    open_reports = list(
        base.filter(state__in=OPEN_STATES).order_by("-submitted_at", "-id")[:MAP_POINTS_LIMIT]
    )
    solved_reports = list(base.filter(solved_q).order_by("-resolved_at", "-id")[:MAP_POINTS_LIMIT])
    points = _points(open_reports, solved=False) + _points(solved_reports, solved=True)
    return ReportsSection(
        open_reports=open_reports[:REPORTS_LISTED],
        solved_reports=solved_reports[:REPORTS_LISTED],
        open_total=totals["open_total"] or 0,
        solved_total=totals["solved_total"] or 0,
        points=points,
        outlines=_outline(neighborhood),
    )


def programs_section(*, neighborhood: Neighborhood, now: Any = None) -> tuple[list[Program], list[Program]]:
    """The next planned programs (soonest first) and the latest past ones: two queries."""
    now = now or timezone.now()
    # The public lists show each program's neighborhoods; this page is the neighborhood's own, so it
    # skips that prefetch.
    qs = neighborhood_programs(neighborhood_id=neighborhood.pk).prefetch_related(None)
    upcoming = list(
        qs.filter(state=ProgramState.PLANNED, ends_at__gte=now).order_by("starts_at", "id")[:PROGRAMS_SHOWN]
    )
    recent = list(
        qs.filter(starts_at__lt=now)
        .exclude(pk__in=[p.pk for p in upcoming])
        .order_by("-starts_at", "-id")[:PROGRAMS_SHOWN]
    )
    return upcoming, recent


def neighborhood_page(*, neighborhood: Neighborhood, now: Any = None) -> NeighborhoodPage:
    """Everything the neighborhood's page shows below its identity, in about fifteen queries."""
    now = now or timezone.now()
    public_resolutions = accountability_list(neighborhood_id=neighborhood.pk, filters=ResolutionFilters())
    upcoming, recent = programs_section(neighborhood=neighborhood, now=now)
    return NeighborhoodPage(
        neighborhood=neighborhood,
        council=council_section(neighborhood=neighborhood, now=now),
        # The milestones and linked reports are on the accountability page, not here.
        resolutions=list(public_resolutions.prefetch_related(None)[:RESOLUTIONS_SHOWN]),
        resolution_summary=summarize(public_resolutions),
        reports=reports_section(neighborhood=neighborhood, now=now),
        upcoming_programs=upcoming,
        recent_programs=recent,
        news=list(
            neighborhood_news(
                neighborhood_id=neighborhood.pk, district_id=neighborhood.district_id, now=now
            ).defer("body")[:NEWS_SHOWN]
        ),
        centre=neighborhood_centre(neighborhood),
    )
