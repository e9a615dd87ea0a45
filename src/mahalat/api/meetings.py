"""Council meetings in the API: the list, one meeting (agenda, attendance, votes, published minutes) and
the minutes as a PDF. Private items appear only to those who may read them."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from mahalat.accounts.rules import has_permission, require_permission
from mahalat.api.auth import optional_session_or_token
from mahalat.api.schemas import ErrorOut
from mahalat.meetings.models import AgendaItemState, Meeting, MeetingState
from mahalat.meetings.pdf import minutes_pdf_for
from mahalat.meetings.selectors import meeting_get, meeting_list, meeting_view

router = Router(tags=["meetings"])


class MeetingQuery(Schema):
    council: int | None = None
    starts_from: datetime | None = Field(None, alias="from")
    starts_to: datetime | None = Field(None, alias="to")
    state: str | None = None


class MeetingOut(Schema):
    id: int
    council: int
    number: int
    kind: str
    state: str
    state_label: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_url: str
    neighborhood: str
    url: str
    ics_url: str


class VoteChoiceOut(Schema):
    member: str
    choice: str


class VoteOut(Schema):
    mode: str
    method: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    base: int | None
    needed: int | None
    adopted: bool | None
    # Open votes only, and only for readers of internal records.
    choices: list[VoteChoiceOut] | None = None


class ItemOut(Schema):
    position: int
    private: bool
    title: str | None
    description: str | None
    state: str
    source: str | None
    report: str | None
    discussion: str | None
    vote: VoteOut | None


class AttendanceOut(Schema):
    name: str
    seat: str | None
    status: str
    affiliation: str | None = None


class MinutesOut(Schema):
    html: str
    published_at: datetime | None
    pdf_url: str


class MeetingDetailOut(MeetingOut):
    seated_members: int | None
    quorum_required: int | None
    had_quorum: bool | None
    present: int
    agenda: list[ItemOut]
    attendance: list[AttendanceOut]
    guests: list[AttendanceOut]
    minutes: MinutesOut | None


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "council": meeting.council_id,
        "number": meeting.number,
        "kind": meeting.kind,
        "state": meeting.state,
        "state_label": str(MeetingState(meeting.state).label),
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "place": meeting.place,
        "online_url": meeting.online_url,
        "neighborhood": meeting.neighborhood.slug,
        "url": f"/meetings/{meeting.pk}/",
        "ics_url": f"/meetings/{meeting.pk}/invite.ics",
    }


@router.get(
    "",
    response={200: list[MeetingOut], 422: ErrorOut},
    auth=optional_session_or_token,
    summary="Council meetings, latest first (filters: council, from, to, state)",
)
@paginate(PageNumberPagination)
def list_meetings(request: HttpRequest, filters: Query[MeetingQuery]) -> Any:
    if filters.state and filters.state not in MeetingState.values:
        raise ValidationError({"state": [_("Unknown state: %(states)s.") % {"states": filters.state}]})
    qs = meeting_list(
        council_id=filters.council,
        starts_from=filters.starts_from,
        starts_to=filters.starts_to,
        state=filters.state,
    )
    return _OutList(qs)


class _OutList:
    """Applies `meeting_out` to the page the paginator slices, not to the whole query."""

    def __init__(self, qs: Any) -> None:
        self.qs = qs

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [meeting_out(m) for m in self.qs[item]]

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()


@router.get(
    "/{meeting_id}",
    response={200: MeetingDetailOut, 404: ErrorOut},
    auth=optional_session_or_token,
    summary="One meeting: agenda, attendance, votes and the published minutes",
)
def get_meeting(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    user = _user(request)
    meeting = meeting_get(pk=meeting_id)
    require_permission(user, "meetings.view_meeting", meeting)
    internal = has_permission(user, "meetings.view_private_items", meeting)
    view = meeting_view(user=user, meeting=meeting, internal=internal)
    published = view.minutes_public
    agenda = []
    for iv in view.items:
        item = iv.item
        if iv.redacted:
            agenda.append(
                {
                    "position": item.position,
                    "private": True,
                    "title": None,
                    "description": None,
                    "state": item.state,
                    "source": None,
                    "report": None,
                    "discussion": None,
                    "vote": None,
                }
            )
            continue
        vote = None
        if item.state in (AgendaItemState.VOTING, AgendaItemState.DECIDED):
            vote = {
                "mode": item.vote_mode,
                "method": item.majority,
                "votes_for": item.votes_for,
                "votes_against": item.votes_against,
                "votes_abstain": item.votes_abstain,
                "base": item.vote_base,
                "needed": item.votes_needed,
                "adopted": item.adopted,
                "choices": [{"member": v.membership.user.full_name, "choice": v.choice} for v in iv.votes]
                if internal and item.vote_mode == "open"
                else None,
            }
        agenda.append(
            {
                "position": item.position,
                "private": item.is_private,
                "title": item.title,
                "description": item.description,
                "state": item.state,
                "source": item.source,
                "report": item.report.tracking_code if item.report_id else None,
                "discussion": item.discussion if published or internal else None,
                "vote": vote,
            }
        )
    return {
        **meeting_out(meeting),
        "seated_members": meeting.seated_members,
        "quorum_required": meeting.quorum_required,
        "had_quorum": meeting.had_quorum,
        "present": view.present,
        "agenda": agenda,
        # Names and seats only: no phone numbers or other contact details.
        "attendance": [
            {"name": r.membership.user.full_name, "seat": str(r.membership.seat_type), "status": r.status}
            for r in view.members
        ],
        "guests": [
            {"name": g.guest_name, "seat": None, "status": g.status, "affiliation": g.guest_affiliation}
            for g in view.guests
        ],
        "minutes": {
            "html": view.minutes.body,
            "published_at": view.minutes.published_at,
            "pdf_url": f"/api/v1/meetings/{meeting.pk}/minutes.pdf",
        }
        if published and view.minutes is not None
        else None,
    }


@router.get(
    "/{meeting_id}/minutes.pdf",
    response={200: bytes, 403: ErrorOut, 404: ErrorOut},
    auth=optional_session_or_token,
    summary="The published minutes as a PDF in Persian (404 until published; ?internal=1 for staff)",
)
def get_minutes_pdf(request: HttpRequest, meeting_id: int, internal: bool = False) -> HttpResponse:
    user = _user(request)
    meeting = meeting_get(pk=meeting_id)
    response = HttpResponse(
        minutes_pdf_for(user=user, meeting=meeting, internal=internal), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="minutes-{meeting.pk}.pdf"'
    response["Cache-Control"] = "private, no-store" if internal else "public, max-age=60"
    return response
