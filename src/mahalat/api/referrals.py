"""Referrals to executive agencies and municipal units, and the agency registry with its scorecard.

The API speaks for the same people as the pages: a district or area officer sends and follows up, the
receiving body (an agency's liaison, or its system through a token scoped to the agency) acknowledges,
accepts or declines, answers and reports it done. Every write goes through `referrals.services`, which
checks permission, the lifecycle table and the input; every read through `referrals.selectors`.

A referral's number is not a secret (unlike a report's tracking code): an unknown number is a 404 and a
referral the caller may not see is a 403, on every endpoint, as on the referral's web page.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from mahalat.accounts.rules import held_roles, require_permission
from mahalat.api.auth import optional_session_or_token, session_or_token
from mahalat.api.schemas import ErrorOut
from mahalat.referrals.models import (
    Agency,
    AgencyKind,
    Referral,
    ReferralState,
    SourceKind,
    TargetKind,
)
from mahalat.referrals.scorecard import Figures, agency_scorecard
from mahalat.referrals.selectors import (
    ReferralFilters,
    agencies_of_city,
    overdue_q,
    referral_for_view,
    referral_list,
    reporter_contact,
)
from mahalat.referrals.services import NOTE_MAX, SUBJECT_MAX, Target, referral_create, referral_transition
from mahalat.reports.selectors import report_get
from mahalat.resolutions.selectors import resolution_get
from mahalat.territory.models import Area, City, District, Neighborhood

router = Router(tags=["referrals"])
agencies_router = Router(tags=["agencies"])


# --- shapes ---------------------------------------------------------------------------------------------


class TargetIn(Schema):
    agency: int | None = Field(None, description="The agency's id")
    district: int | None = Field(None, description="A district's id (a municipal unit)")
    area: int | None = Field(None, description="An area's id (a municipal unit)")


class ReferralIn(Schema):
    report: str | None = Field(None, max_length=20, description="Tracking code of the citizen report")
    resolution: int | None = Field(None, description="Id of the council resolution")
    district: int | None = Field(
        None,
        description="The sending district, for a referral of the district's own (no report or resolution)",
    )
    neighborhood: int | None = Field(
        None, description="Optionally, the neighborhood of a district's own referral"
    )
    target: TargetIn = Field(description='Exactly one of {"agency": id}, {"district": id}, {"area": id}')
    subject: str = Field(max_length=SUBJECT_MAX)
    note: str = Field("", max_length=NOTE_MAX)
    deadline: date | None = Field(
        None, description="Finish by this day; it may shorten the agreement's deadline, never lengthen it"
    )
    share_reporter_contact: bool = Field(
        False, description="Let the receiving body see the reporter's contact details (report referrals only)"
    )


class ReferralTransitionIn(Schema):
    to: str = Field(max_length=12)
    note: str = Field("", max_length=NOTE_MAX)
    reason: str = Field(
        "", max_length=NOTE_MAX, description="Why it is declined (to=declined); shown to the citizen"
    )
    suggested_body: str = Field("", max_length=200, description="Who should do it instead (to=declined)")
    suggested_agency: int | None = Field(None, description="Id of the agency suggested instead (to=declined)")
    response: str = Field(
        "", max_length=NOTE_MAX, description="The answer (to=answered); shown to the citizen"
    )
    planned_date: date | None = Field(None, description="When the work will be done (to=answered)")
    expected_state: str | None = Field(
        None, max_length=12, description="The state you saw; 409 if it changed"
    )


class ReferralQuery(Schema):
    agency: int | None = Field(None, description="The receiving agency's id")
    state: str | None = Field(None, max_length=100, description="One state or several, comma separated")
    overdue: bool | None = Field(None, description="true: past a deadline that binds now; false: not")
    district: int | None = Field(None, description="The sending district's id")
    neighborhood: int | None = Field(None, description="The neighborhood's id")
    source: str | None = Field(None, max_length=10, description="report, resolution or direct")
    escalated: bool = Field(False, description="Only open referrals that were escalated")


class UnitOut(Schema):
    id: int
    slug: str
    name: str


class AgencyBrief(UnitOut):
    kind: str


class TargetOut(Schema):
    kind: str
    kind_label: str
    label: str
    agency: AgencyBrief | None
    district: UnitOut | None
    area: UnitOut | None


class SourceOut(Schema):
    kind: str
    kind_label: str
    report: str | None = Field(description="The report's tracking code")
    resolution: int | None


class DeadlinesOut(Schema):
    acknowledge: datetime
    answer: datetime
    finish: datetime
    current: str | None = Field(description="Which deadline binds now: acknowledge, answer, finish, or none")
    current_at: datetime | None


class ReferralOut(Schema):
    id: int
    state: str
    state_label: str
    subject: str
    note: str
    source: SourceOut
    target: TargetOut
    district: UnitOut = Field(description="The sending district")
    area: UnitOut | None
    neighborhood: UnitOut | None
    share_reporter_contact: bool
    sent_at: datetime
    acknowledged_at: datetime | None
    accepted_at: datetime | None
    declined_at: datetime | None
    answered_at: datetime | None
    done_at: datetime | None
    deadlines: DeadlinesOut
    overdue: bool
    escalation_level: int
    reopen_count: int
    decline_reason: str
    suggested_body: str
    response: str
    planned_date: date | None


class TransitionOut(Schema):
    from_state: str
    to_state: str
    to_label: str
    note: str
    at: datetime
    by: str | None = Field(description="Who made it; null for the system")


class ContactOut(Schema):
    name: str
    phone: str
    email: str


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int


class ReferralDetailOut(ReferralOut):
    history: list[TransitionOut]
    attachments: list[AttachmentOut]
    reporter_contact: ContactOut | None = Field(
        description="Only to the sending side, and to the receiving body when the sender shared it"
    )


class AgencyQuery(Schema):
    city: str | None = Field(None, max_length=80, description="The city's id or slug; default: your city")


class PeriodQuery(Schema):
    start: date | None = Field(None, alias="from", description="The first day (ISO date)")
    end: date | None = Field(None, alias="to", description="The last day (ISO date)")


class AgencyOut(Schema):
    id: int
    slug: str
    name: str
    name_en: str
    kind: str
    kind_label: str
    is_citywide: bool
    districts: list[UnitOut] = Field(description="The districts served, when not the whole city")


class FiguresOut(Schema):
    sent: int
    acknowledged: int
    answered: int
    declined: int
    done: int
    due: int = Field(description="Closed (done or declined), or past the finish deadline: owed by now")
    overdue: int
    acknowledge_hours_mean: float | None
    acknowledge_hours_median: float | None
    answer_hours_mean: float | None
    answer_hours_median: float | None
    completion_rate: float | None = Field(description="done / due, from 0 to 1; null when nothing is due")


class DistrictFiguresOut(Schema):
    district: UnitOut
    figures: FiguresOut


class MonthFiguresOut(Schema):
    year: int
    month: int
    label: str
    figures: FiguresOut


class ScorecardOut(Schema):
    agency: AgencyBrief
    start: date | None = Field(alias="from")
    end: date | None = Field(alias="to")
    total: FiguresOut
    by_district: list[DistrictFiguresOut]
    by_month: list[MonthFiguresOut] = Field(description="Jalali months, from the first with a referral")


# --- output ---------------------------------------------------------------------------------------------


def _unit(obj: object | None) -> dict[str, object] | None:
    if obj is None:
        return None
    return {"id": obj.pk, "slug": obj.slug, "name": str(obj)}  # type: ignore[attr-defined]


def _agency(agency: Agency | None) -> dict[str, object] | None:
    if agency is None:
        return None
    return {"id": agency.pk, "slug": agency.slug, "name": agency.display_name, "kind": agency.kind}


def referral_out(referral: Referral, *, now: datetime) -> dict[str, object]:
    """A referral as the list and the page show it: only its own row and the rows `referral_list` joins."""
    current = referral.current_deadline
    return {
        "id": referral.pk,
        "state": referral.state,
        "state_label": str(ReferralState(referral.state).label),
        "subject": referral.subject,
        "note": referral.note,
        "source": {
            "kind": referral.source_kind,
            "kind_label": str(SourceKind(referral.source_kind).label),
            "report": referral.report.tracking_code if referral.report_id and referral.report else None,
            "resolution": referral.resolution_id,
        },
        "target": {
            "kind": referral.target_kind,
            "kind_label": str(TargetKind(referral.target_kind).label),
            "label": referral.target_label,
            "agency": _agency(referral.target_agency),
            "district": _unit(referral.target_district),
            "area": _unit(referral.target_area),
        },
        "district": _unit(referral.district),
        "area": _unit(referral.area),
        "neighborhood": _unit(referral.neighborhood),
        "share_reporter_contact": referral.share_reporter_contact,
        "sent_at": referral.sent_at,
        "acknowledged_at": referral.acknowledged_at,
        "accepted_at": referral.accepted_at,
        "declined_at": referral.declined_at,
        "answered_at": referral.answered_at,
        "done_at": referral.done_at,
        "deadlines": {
            "acknowledge": referral.acknowledge_due_at,
            "answer": referral.answer_due_at,
            "finish": referral.finish_due_at,
            "current": current[0] if current else None,
            "current_at": current[1] if current else None,
        },
        "overdue": referral.is_overdue(now),
        "escalation_level": referral.escalation_level,
        "reopen_count": referral.reopen_count,
        "decline_reason": referral.decline_reason,
        "suggested_body": referral.suggested_body,
        "response": referral.response,
        "planned_date": referral.planned_date,
    }


def referral_detail_out(referral: Referral, *, user: object) -> dict[str, object]:
    """With its history and attachments (prefetched by `referral_for_view`) and, where the permission
    `referrals.view_reporter_contact` holds, the reporter's contact details."""
    contact = reporter_contact(user=user, referral=referral)
    return {
        **referral_out(referral, now=timezone.now()),
        "history": [
            {
                "from_state": t.from_state,
                "to_state": t.to_state,
                "to_label": str(ReferralState(t.to_state).label),
                "note": t.note,
                "at": t.at,
                "by": (t.actor.full_name or str(_("Staff member"))) if t.actor_id else None,
            }
            for t in referral.transitions.all()
        ],
        "attachments": [
            {"name": a.original_name, "content_type": a.content_type, "size": a.size}
            for a in referral.attachments.all()
        ],
        "reporter_contact": (
            {"name": contact.name, "phone": contact.phone, "email": contact.email} if contact else None
        ),
    }


class _OutList:
    """Applies `referral_out` to the page the paginator slices, not to the whole query."""

    def __init__(self, qs: QuerySet[Referral]) -> None:
        self.qs, self.now = qs, timezone.now()

    def __getitem__(self, item: slice) -> list[dict[str, object]]:
        return [referral_out(r, now=self.now) for r in self.qs[item]]

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()


def _user(request: HttpRequest) -> object:
    return getattr(request, "auth", None) or request.user


# --- referrals ------------------------------------------------------------------------------------------


def _target(payload: TargetIn, errors: dict[str, list[str]]) -> Target | None:
    given = [(name, pk) for name, pk in payload.dict().items() if pk is not None]
    if len(given) != 1:
        errors["target"] = [_("Give exactly one of an agency, a district or an area to refer to.")]
        return None
    name, pk = given[0]
    if name == "agency":
        agency = Agency.objects.filter(pk=pk).first()
        if agency is None:
            errors["target"] = [_("There is no such agency.")]
        return Target(kind=TargetKind.AGENCY, agency=agency)
    if name == "district":
        district = District.objects.filter(pk=pk).first()
        if district is None:
            errors["target"] = [_("There is no such district.")]
        return Target(kind=TargetKind.DISTRICT, district=district)
    area = Area.objects.select_related("district").filter(pk=pk).first()
    if area is None:
        errors["target"] = [_("There is no such area.")]
    return Target(kind=TargetKind.AREA, area=area)


@router.post(
    "",
    response={201: ReferralDetailOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=session_or_token,
    summary="Refer a citizen report, a council resolution, or a district's own matter",
    description=(
        "The source is a report's tracking code, a resolution's id, or (neither) the sending `district`. "
        "Deadlines come from the service-level agreement; `deadline` may only shorten them. "
        "403: you may not send referrals from there; 409: the report or resolution cannot be referred now "
        "(for example a report already referred); 422: a missing or invalid value, in `fields`."
    ),
)
def create_referral(request: HttpRequest, payload: ReferralIn) -> Status[dict[str, object]]:
    user = _user(request)
    errors: dict[str, list[str]] = {}
    report = resolution = district = neighborhood = None
    # A source the caller cannot see is refused as unknown: its existence is nobody else's business.
    if payload.report:
        try:
            report = report_get(user=user, tracking_code=payload.report)
        except Http404:
            errors["report"] = [_("There is no report with this tracking code.")]
    if payload.resolution is not None:
        try:
            resolution = resolution_get(user=user, pk=payload.resolution)
        except Http404:
            errors["resolution"] = [_("There is no such resolution.")]
    if payload.district is not None:
        district = District.objects.filter(pk=payload.district).first()
        if district is None:
            errors["district"] = [_("There is no such district.")]
    if payload.neighborhood is not None:
        neighborhood = Neighborhood.objects.filter(pk=payload.neighborhood).first()
        if neighborhood is None:
            errors["neighborhood"] = [_("There is no such neighborhood.")]
    target = _target(payload.target, errors)
    if errors:
        raise ValidationError(errors)
    assert target is not None
    referral = referral_create(
        actor=user,
        target=target,
        subject=payload.subject,
        note=payload.note,
        report=report,
        resolution=resolution,
        district=district,
        neighborhood=neighborhood,
        deadline=payload.deadline,
        share_reporter_contact=payload.share_reporter_contact,
    )
    return Status(201, referral_detail_out(referral_for_view(user=user, referral_id=referral.pk), user=user))


@router.get(
    "",
    response={200: list[ReferralOut], 401: ErrorOut, 422: ErrorOut},
    auth=session_or_token,
    summary="Referrals you may see, filtered, newest first",
    description=(
        "An agency's liaison (or its system's token) sees its agency's referrals only; municipal staff those "
        "sent from or to their place; the deputy the city's. `overdue=true`: open and past the deadline "
        "that binds in its state (acknowledge while sent, answer until answered, finish until done)."
    ),
)
@paginate(PageNumberPagination)
def list_referrals(request: HttpRequest, filters: Query[ReferralQuery]) -> _OutList:
    states = [s for s in (filters.state or "").split(",") if s]
    unknown = [s for s in states if s not in ReferralState.values]
    if unknown:
        raise ValidationError({"state": [_("Unknown state: %(states)s.") % {"states": ", ".join(unknown)}]})
    if filters.source and filters.source not in SourceKind.values:
        raise ValidationError({"source": [_("Choose report, resolution or direct.")]})
    qs = referral_list(
        user=_user(request),
        filters=ReferralFilters(
            states=states,
            agency_id=filters.agency,
            district_id=filters.district,
            neighborhood_id=filters.neighborhood,
            due="overdue" if filters.overdue else "",
            escalated=filters.escalated,
            source=filters.source or "",
        ),
    )
    if filters.overdue is False:
        qs = qs.exclude(overdue_q(timezone.now()))
    # The row also names the sending area; the selector joins the rest.
    return _OutList(qs.select_related("area"))


@router.get(
    "/{referral_id}",
    response={200: ReferralDetailOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=session_or_token,
    summary="One referral with its history, deadlines, and the reporter's contact where shared",
)
def get_referral(request: HttpRequest, referral_id: int) -> dict[str, object]:
    user = _user(request)
    return referral_detail_out(referral_for_view(user=user, referral_id=referral_id), user=user)


@router.post(
    "/{referral_id}/transitions",
    response={
        200: ReferralDetailOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    auth=session_or_token,
    summary="Move a referral to another state",
    description=(
        "sent → acknowledged → accepted | declined (`reason`, optionally `suggested_body` or "
        "`suggested_agency`) → answered (`response`, `planned_date`) → done | reopened (`note`) → answered. "
        "403: you are neither the receiving body nor the sending side (or may not make this move); "
        "409: the move is not allowed from the current state, or `expected_state` is not the current one; "
        "422: a value the move needs is missing or invalid."
    ),
)
def transition_referral(
    request: HttpRequest, referral_id: int, payload: ReferralTransitionIn
) -> dict[str, object]:
    user = _user(request)
    # Refuses an outsider (403) before anything could tell them the referral's state.
    referral = referral_for_view(user=user, referral_id=referral_id)
    if payload.to not in ReferralState.values:
        raise ValidationError({"to": [_("Unknown state: %(states)s.") % {"states": payload.to}]})
    if payload.expected_state is not None and payload.expected_state not in ReferralState.values:
        raise ValidationError(
            {"expected_state": [_("Unknown state: %(states)s.") % {"states": payload.expected_state}]}
        )
    suggested = None
    if payload.suggested_agency is not None:
        suggested = Agency.objects.filter(pk=payload.suggested_agency).first()
        if suggested is None:
            raise ValidationError({"suggested_agency": [_("There is no such agency.")]})
    referral_transition(
        actor=user,
        referral=referral,
        to=payload.to,
        note=payload.note,
        reason=payload.reason,
        suggested_body=payload.suggested_body,
        suggested_agency=suggested,
        response=payload.response,
        planned_date=payload.planned_date,
        expected_state=payload.expected_state,
    )
    return referral_detail_out(referral_for_view(user=user, referral_id=referral_id), user=user)


# --- agencies -------------------------------------------------------------------------------------------


def _city_ids(request: HttpRequest, city: str | None) -> list[int]:
    if city:
        found = (
            City.objects.filter(pk=int(city))
            if city.isdigit() and len(city) < 10
            else City.objects.filter(slug=city)
        )
        pk = found.values_list("pk", flat=True).first()
        if pk is None:
            raise Http404(_("There is no such city."))
        return [pk]
    user = _user(request)
    ids = sorted({h.scope.city_id for h in held_roles(user) if h.scope.city_id is not None})
    if not ids:
        raise ValidationError({"city": [_("Say which city: ?city= its id or its code.")]})
    return ids


@agencies_router.get(
    "",
    response={200: list[AgencyOut], 404: ErrorOut, 422: ErrorOut},
    auth=optional_session_or_token,
    summary="The active executive agencies of your city (or of ?city=), by name",
)
@paginate(PageNumberPagination)
def list_agencies(request: HttpRequest, filters: Query[AgencyQuery]) -> list[dict[str, object]]:
    city_ids = _city_ids(request, filters.city)
    agencies: list[Agency] = []
    for city_id in city_ids:
        agencies.extend(agencies_of_city(city_id=city_id))
    return [
        {
            "id": a.pk,
            "slug": a.slug,
            "name": a.name,
            "name_en": a.name_en,
            "kind": a.kind,
            "kind_label": str(AgencyKind(a.kind).label),
            "is_citywide": a.is_citywide,
            "districts": [] if a.is_citywide else [_unit(d) for d in a.districts.all()],
        }
        for a in agencies
    ]


def _figures(figures: Figures) -> dict[str, object]:
    return {
        "sent": figures.sent,
        "acknowledged": figures.acknowledged,
        "answered": figures.answered,
        "declined": figures.declined,
        "done": figures.done,
        "due": figures.due,
        "overdue": figures.overdue,
        "acknowledge_hours_mean": figures.acknowledge_hours_mean,
        "acknowledge_hours_median": figures.acknowledge_hours_median,
        "answer_hours_mean": figures.answer_hours_mean,
        "answer_hours_median": figures.answer_hours_median,
        "completion_rate": figures.completion_rate,
    }


@agencies_router.get(
    "/{agency_id}/scorecard",
    response={200: ScorecardOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=session_or_token,
    by_alias=True,
    summary="How fast and how completely the agency deals with its referrals",
    description=(
        "Referrals sent to the agency from `from` to `to` (ISO dates, both days included, Tehran time; "
        "either may be left out). Times are wall-clock hours from sending; the completion rate is "
        "done / due, where due counts the referrals closed (done or declined) or past their finish deadline. "
        "For the city's staff, the agency's liaisons and administrators (403 otherwise)."
    ),
)
def agency_scorecard_api(
    request: HttpRequest, agency_id: int, period: Query[PeriodQuery]
) -> dict[str, object]:
    start, end = period.start, period.end
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise Http404(_("There is no such agency."))
    require_permission(_user(request), "referrals.view_scorecard", agency)
    if start and end and end < start:
        raise ValidationError({"to": [_("The end of the period cannot be before its start.")]})
    card = agency_scorecard(agency=agency, start=start, end=end, now=timezone.now())
    return {
        "agency": _agency(agency),
        "from": card.start,
        "to": card.end,
        "total": _figures(card.total),
        "by_district": [
            {
                "district": {"id": row.district_id, "slug": row.slug, "name": row.name},
                "figures": _figures(row.figures),
            }
            for row in card.by_district
        ],
        "by_month": [
            {"year": row.year, "month": row.month, "label": row.label, "figures": _figures(row.figures)}
            for row in card.by_month
        ],
    }
