from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from mahalat.accounts.rules import has_permission
from mahalat.api.auth import optional_session_or_token, session_or_token
from mahalat.api.schemas import ErrorOut, ReportIn, ReportOut, TransitionIn
from mahalat.errors import DomainError, ErrorCode
from mahalat.reports.models import Report, ReportState
from mahalat.reports.selectors import ReportFilters, report_get, report_list
from mahalat.reports.services import report_submit, report_transition
from mahalat.territory.locate import locate, validate_coordinates
from mahalat.territory.models import City, unit_bulk

router = Router(tags=["reports"])


class ReferThroughReferrals(DomainError):
    """`to=referred` on the report's transitions: referring is done by POST /api/v1/referrals."""

    code = ErrorCode.INVALID
    status = 422


class ReportQuery(Schema):
    state: str | None = None
    category: str | None = None
    neighborhood: str | None = None
    district: str | None = None
    area: str | None = None
    overdue: bool | None = None
    q: str | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    mine: bool = False


def report_out(report: Report, *, user: object) -> dict[str, object]:
    """What a person may see of a report: contact details only for staff who may see private details."""
    private = has_permission(user, "reports.view_private_details", report)
    reporter = report.reporter
    name = reporter.full_name if reporter is not None and (report.show_name or private) else None
    phone = (reporter.phone if reporter is not None else report.reporter_phone) if private else None
    return {
        "tracking_code": report.tracking_code,
        "state": report.state,
        "state_label": str(ReportState(report.state).label),
        "kind": report.kind,
        "category": report.category,
        "description": report.description,
        "address": report.address,
        "lat": report.lat,
        "lng": report.lng,
        "neighborhood": report.neighborhood,
        "area": report.area,
        "district": report.district,
        "handler_kind": report.handler_kind,
        "handler_agency": report.handler_agency,
        "submitted_at": report.submitted_at,
        "triage_due_at": report.triage_due_at,
        "resolve_due_at": report.resolve_due_at,
        "escalation_level": report.escalation_level,
        "supports_count": report.supports_count,
        "reporter_name": name,
        "reporter_phone": phone,
    }


def _user(request: HttpRequest) -> object:
    return getattr(request, "auth", None) or request.user


@router.post(
    "",
    response={201: ReportOut, 401: ErrorOut, 422: ErrorOut},
    auth=optional_session_or_token,
    summary="Report a problem, a request, a proposal, a criticism or thanks at a point",
)
def create_report(request: HttpRequest, payload: ReportIn) -> Status[dict[str, object]]:
    user = _user(request)
    latitude, longitude = validate_coordinates(lat=payload.lat, lng=payload.lng)
    found = locate(latitude, longitude)
    if found is None:
        raise ValidationError({"location": [_("This point is outside every neighborhood of the city.")]})
    report = report_submit(
        actor=user if getattr(user, "is_authenticated", False) else None,
        city=City.objects.defer("boundary").get(pk=found.city.id),
        description=payload.description,
        lat=latitude,
        lng=longitude,
        kind=payload.kind,
        category_slug=payload.category,
        address=payload.address,
        answers=payload.answers,
        show_name=payload.show_name,
        phone=payload.phone,
    )
    # `report_submit` leaves every row the answer shows loaded on the report.
    return Status(201, report_out(report, user=user))


def _reload(report: Report) -> Report:
    return (
        Report.objects.select_related(
            "category", "neighborhood", "area", "district", "handler_agency", "reporter"
        )
        .defer(*unit_bulk("neighborhood", "area", "district"))
        .get(pk=report.pk)
    )


@router.get(
    "",
    response={200: list[ReportOut], 404: ErrorOut, 422: ErrorOut},
    auth=optional_session_or_token,
    summary="Reports you may see, filtered",
)
@paginate(PageNumberPagination)
def list_reports(request: HttpRequest, filters: Query[ReportQuery]) -> list[dict[str, object]]:
    user = _user(request)
    states = [s for s in (filters.state or "").split(",") if s]
    unknown = [s for s in states if s not in ReportState.values]
    if unknown:
        raise ValidationError({"state": [_("Unknown state: %(states)s.") % {"states": ", ".join(unknown)}]})
    qs = report_list(
        user=user,
        # The query schema's fields are ReportFilters' own; only the state list is parsed here.
        filters=ReportFilters(**filters.model_dump(exclude={"state"}), state=states or None),
    )
    return _OutList(qs, user)


class _OutList:
    """Applies `report_out` to the page the paginator slices, not to the whole query."""

    def __init__(self, qs: object, user: object) -> None:
        self.qs, self.user = qs, user

    def __getitem__(self, item: slice) -> list[dict[str, object]]:
        return [report_out(r, user=self.user) for r in self.qs[item]]  # type: ignore[index]

    def count(self) -> int:
        return self.qs.count()  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return self.count()


@router.get(
    "/{tracking_code}",
    response={200: ReportOut, 404: ErrorOut},
    auth=optional_session_or_token,
    summary="One report by its tracking code",
)
def get_report(request: HttpRequest, tracking_code: str) -> dict[str, object]:
    user = _user(request)
    return report_out(report_get(user=user, tracking_code=tracking_code), user=user)


@router.post(
    "/{tracking_code}/transitions",
    response={200: ReportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=session_or_token,
    summary="Move a report to another state (403 when you may not, 409 when the state does not allow it)",
    description=(
        "Every state but `referred`: a report is referred by sending a referral (`POST /api/v1/referrals` "
        'with `{"report": "<tracking code>", "target": {"agency": <id>}, …}`), which the report then '
        "follows. `to=referred`, or an `agency`, is refused here with 422 and a message saying so."
    ),
)
def transition_report(request: HttpRequest, tracking_code: str, payload: TransitionIn) -> dict[str, object]:
    user = _user(request)
    report = report_get(user=user, tracking_code=tracking_code)
    # Referring makes a referral with its own deadlines and receiver; one endpoint does that.
    if payload.to == ReportState.REFERRED or payload.agency:
        message = _(
            "A report is referred by sending a referral: POST /api/v1/referrals with the report's "
            "tracking code and the agency or unit it goes to."
        )
        field = "to" if payload.to == ReportState.REFERRED else "agency"
        raise ReferThroughReferrals(message, fields={field: [message]})
    original = report_get(user=user, tracking_code=payload.duplicate_of) if payload.duplicate_of else None
    report_transition(
        actor=user,
        report=report,
        to=payload.to,
        note=payload.note,
        expected_state=payload.expected_state,
        duplicate_of=original,
    )
    return report_out(_reload(report), user=user)
