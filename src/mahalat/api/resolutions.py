"""Council resolutions: the public ones for everyone, private ones for the people whose roles cover them."""

from datetime import date

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from mahalat.api.auth import optional_session_or_token
from mahalat.api.schemas import ErrorOut
from mahalat.resolutions.models import Resolution, ResolutionState, ResponsibleKind
from mahalat.resolutions.selectors import ResolutionFilters, resolution_get, resolution_list

router = Router(tags=["resolutions"])


class ResolutionQuery(Schema):
    council: int | None = Field(None, description="The council's id")
    neighborhood: str | None = Field(None, max_length=80, description="The neighborhood's slug")
    state: str | None = Field(None, max_length=100, description="One state or several, comma separated")
    overdue: bool | None = None
    year: int | None = Field(None, ge=1300, le=1600, description="The Jalali year of adoption")
    responsible_kind: str | None = Field(None, max_length=10)
    responsible_agency: str | None = Field(None, max_length=80, description="The agency's slug")


class ResponsibleOut(Schema):
    kind: str
    kind_label: str
    agency_slug: str | None
    agency_name: str | None
    name: str


class MilestoneOut(Schema):
    title: str
    due_on: date
    done_on: date | None


class ResolutionOut(Schema):
    id: int
    number: str = Field(description="Jalali year / number in the year, ASCII digits: 1405/012")
    title: str
    text: str
    council: int
    neighborhood: str
    meeting: int
    vote: dict[str, int | str] = Field(description="for, against, abstain, base (of the majority), method")
    responsible: ResponsibleOut
    deadline: date
    state: str
    state_label: str
    progress: int
    overdue: bool
    escalation_level: int
    is_public: bool
    outcome: str
    milestones: list[MilestoneOut]
    reports: list[str] = Field(description="Tracking codes of the linked citizen reports you may see")


def resolution_out(resolution: Resolution) -> dict[str, object]:
    agency = resolution.responsible_agency
    return {
        "id": resolution.pk,
        "number": f"{resolution.jalali_year}/{resolution.sequence:03d}",
        "title": resolution.title,
        "text": resolution.text,
        "council": resolution.council_id,
        "neighborhood": resolution.neighborhood.slug,
        "meeting": resolution.meeting_id,
        "vote": {
            "for": resolution.votes_for,
            "against": resolution.votes_against,
            "abstain": resolution.votes_abstain,
            "base": resolution.vote_base,
            "method": resolution.majority,
        },
        "responsible": {
            "kind": resolution.responsible_kind,
            "kind_label": str(ResponsibleKind(resolution.responsible_kind).label),
            "agency_slug": agency.slug if agency else None,
            "agency_name": agency.display_name if agency else None,
            "name": resolution.owner_label,
        },
        "deadline": resolution.deadline,
        "state": resolution.state,
        "state_label": str(ResolutionState(resolution.state).label),
        "progress": resolution.progress,
        "overdue": resolution.is_overdue,
        "escalation_level": resolution.escalation_level,
        "is_public": resolution.is_public,
        "outcome": resolution.outcome,
        "milestones": [
            {"title": m.title, "due_on": m.due_on, "done_on": m.done_on} for m in resolution.milestones.all()
        ],
        "reports": [r.tracking_code for r in resolution.reports.all()],
    }


def _user(request: HttpRequest) -> object:
    return getattr(request, "auth", None) or request.user


class _OutList:
    """Applies `resolution_out` to the page the paginator slices, not to the whole query."""

    def __init__(self, qs: object) -> None:
        self.qs = qs

    def __getitem__(self, item: slice) -> list[dict[str, object]]:
        return [resolution_out(r) for r in self.qs[item]]  # type: ignore[index]

    def count(self) -> int:
        return self.qs.count()  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return self.count()


@router.get(
    "",
    response={200: list[ResolutionOut], 422: ErrorOut},
    auth=optional_session_or_token,
    summary="Council resolutions you may see, filtered",
    description=(
        "Public resolutions for everyone; private ones (of private agenda items) only for the people whose "
        "roles cover them. `overdue=true`: still open after the deadline day."
    ),
)
@paginate(PageNumberPagination)
def list_resolutions(request: HttpRequest, filters: Query[ResolutionQuery]) -> _OutList:
    states = [s for s in (filters.state or "").split(",") if s]
    unknown = [s for s in states if s not in ResolutionState.values]
    if unknown:
        raise ValidationError({"state": [_("Unknown state: %(states)s.") % {"states": ", ".join(unknown)}]})
    if filters.responsible_kind and filters.responsible_kind not in ResponsibleKind.values:
        raise ValidationError(
            {"responsible_kind": [_("Choose the area, the district, an agency or the council.")]}
        )
    qs = resolution_list(
        user=_user(request),
        filters=ResolutionFilters(
            council=filters.council,
            neighborhood=filters.neighborhood,
            state=states or None,
            overdue=filters.overdue,
            year=filters.year,
            responsible_kind=filters.responsible_kind,
            responsible_agency=filters.responsible_agency,
        ),
    )
    return _OutList(qs)


@router.get(
    "/{resolution_id}",
    response={200: ResolutionOut, 404: ErrorOut},
    auth=optional_session_or_token,
    summary="One resolution",
)
def get_resolution(request: HttpRequest, resolution_id: int) -> dict[str, object]:
    return resolution_out(resolution_get(user=_user(request), pk=resolution_id))
