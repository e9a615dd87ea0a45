"""Reads of the Open311 part. Requests are only ever the public ones (`visibility_q(user=None)`):
never an unverified or private report, and never who reported it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from mahalat.audit.models import Event
from mahalat.open311.errors import bad_request, not_found
from mahalat.open311.models import ClientSubmission
from mahalat.reports.models import OPEN_STATES, Category, Report, ReportPhoto, ReportState
from mahalat.reports.selectors import visibility_q
from mahalat.reports.services import tracking_code_is_well_formed
from mahalat.territory.models import City

# GeoReport has two statuses. "open: it has been reported"; "closed: it has been resolved" — and a
# request that will get no more work (rejected, or merged into another as a duplicate) is closed
# too, its status_notes saying why. A resolved report is closed even though its reporter may still
# reopen it: the municipality considers the work done, and a reopened report is open again.
OPEN_STATUS, CLOSED_STATUS = "open", "closed"
CLOSED_STATES = frozenset(
    {ReportState.RESOLVED, ReportState.CLOSED, ReportState.REJECTED, ReportState.DUPLICATE}
)
STATES_OF_STATUS = {OPEN_STATUS: OPEN_STATES, CLOSED_STATUS: CLOSED_STATES}

# Reports not yet placed in a category are listed under this code (it is never a service to post).
UNCATEGORIZED = "uncategorized"

# Large columns of the related rows a request does not show (boundaries, the neighborhood's profile).
_UNUSED_COLUMNS = [
    "neighborhood__boundary",
    "neighborhood__history",
    "neighborhood__landmarks",
    "neighborhood__heritage",
    "neighborhood__notable_people",
    "neighborhood__crafts",
    "neighborhood__annual_events",
    "area__boundary",
    "district__boundary",
    "search_key",
]

# Before any category changed, the discovery document's changeset is the day this API appeared.
FIRST_CHANGESET = "2025-01-01T00:00:00+00:00"


def status_of(state: str) -> str:
    return CLOSED_STATUS if state in CLOSED_STATES else OPEN_STATUS


def jurisdiction_get(*, jurisdiction_id: str | None) -> City:
    """The city named by jurisdiction_id (its slug); without one, the only city there is."""
    if jurisdiction_id:
        city = City.objects.defer("boundary").filter(slug=jurisdiction_id).first()
        if city is None:
            raise not_found(
                _("jurisdiction_id: there is no jurisdiction “%(id)s” here.") % {"id": jurisdiction_id[:80]}
            )
        return city
    cities = list(City.objects.defer("boundary").order_by("slug")[:51])
    if len(cities) == 1:
        return cities[0]
    if not cities:
        raise not_found(_("This endpoint serves no jurisdiction yet."))
    raise bad_request(
        _("jurisdiction_id: required, since this endpoint serves several cities (%(slugs)s).")
        % {"slugs": ", ".join(c.slug for c in cities[:50])}
    )


def services_list(*, city: City) -> list[Category]:
    """The city's active categories that are leaves of the tree (a group is not a service)."""
    active_child = Category.objects.filter(parent=OuterRef("pk"), is_active=True)
    return list(
        Category.objects.filter(city=city, is_active=True)
        .exclude(Exists(active_child))
        .select_related("parent")
        .order_by("parent__position", "parent_id", "position", "name")
    )


def service_get(*, city: City, service_code: str) -> Category:
    active_child = Category.objects.filter(parent=OuterRef("pk"), is_active=True)
    category = (
        Category.objects.filter(city=city, slug=service_code, is_active=True)
        .exclude(Exists(active_child))
        .select_related("parent")
        .first()
    )
    if category is None:
        raise not_found(_("service_code: there is no service “%(code)s” here.") % {"code": service_code[:80]})
    return category


@dataclass(frozen=True)
class RequestFilters:
    service_request_ids: list[str] | None = None  # when given, every other filter is ignored
    service_codes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] | None = None
    page: int = 1
    page_size: int = 1000


def _public_requests(city: City) -> QuerySet[Report]:
    first_photos = ReportPhoto.objects.filter(is_resolution=False).order_by("position", "id")
    return (
        Report.objects.filter(visibility_q(user=None), city=city)
        .select_related("category", "neighborhood", "area", "district", "handler_agency", "duplicate_of")
        .defer(*_UNUSED_COLUMNS)
        .prefetch_related(Prefetch("photos", queryset=first_photos, to_attr="open311_photos"))
        .order_by("-submitted_at", "-id")
    )


def requests_list(*, city: City, filters: RequestFilters) -> list[Report]:
    """Public requests of the city, newest first; a fixed number of queries whatever their number."""
    qs = _public_requests(city)
    if filters.service_request_ids is not None:
        return list(qs.filter(tracking_code__in=filters.service_request_ids)[: filters.page_size])
    if filters.service_codes:
        codes = set(filters.service_codes)
        known = set(Category.objects.filter(city=city, slug__in=codes).values_list("slug", flat=True))
        unknown = sorted(codes - known - {UNCATEGORIZED})
        if unknown:
            raise not_found(
                [_("service_code: there is no service “%(code)s” here.") % {"code": c[:80]} for c in unknown]
            )
        wanted = Q(category__slug__in=known)
        if UNCATEGORIZED in codes:
            wanted |= Q(category__isnull=True)
        qs = qs.filter(wanted)
    if filters.start is not None:
        qs = qs.filter(submitted_at__gte=filters.start)
    if filters.end is not None:
        qs = qs.filter(submitted_at__lte=filters.end)
    if filters.statuses:
        states = set().union(*(STATES_OF_STATUS[s] for s in filters.statuses))
        qs = qs.filter(state__in=states)
    offset = (filters.page - 1) * filters.page_size
    return list(qs[offset : offset + filters.page_size])


def request_get(*, city: City, service_request_id: str) -> Report:
    report = None
    if tracking_code_is_well_formed(service_request_id):
        report = _public_requests(city).filter(tracking_code=service_request_id).first()
    if report is None:
        raise not_found(
            _("service_request_id: there is no public request “%(id)s” here.")
            % {"id": service_request_id[:80]}
        )
    return report


def token_get(*, city: City, token: str) -> tuple[str, str | None]:
    """(token, service_request_id): the id is known only once the reporter confirmed the report by
    SMS; until then it is None (the request exists only as the token)."""
    submission = None
    if tracking_code_is_well_formed(token):
        submission = (
            ClientSubmission.objects.filter(city_id=city.pk, report__tracking_code=token)
            .select_related("report")
            .first()
        )
    if submission is None:
        raise not_found(_("token: there is no token “%(token)s” here.") % {"token": token[:80]})
    report = submission.report
    return token, (None if report.state == ReportState.UNVERIFIED else report.tracking_code)


def discovery_changeset() -> str:
    """When the services or their definitions last changed (the categories' audit events), in UTC so
    that the text sorts like the time."""
    last = (
        Event.objects.filter(object_type=Category._meta.label_lower)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    if last is None:
        return FIRST_CHANGESET
    return max(FIRST_CHANGESET, last.astimezone(UTC).isoformat(timespec="seconds"))
