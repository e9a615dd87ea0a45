"""Reads of council meetings for pages, the API and the PDF, in a fixed number of queries each, already
cut down to what the person may see (private items are redacted unless they may read them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.rules import has_permission
from mahalat.councils.models import Council, CouncilState
from mahalat.meetings.models import (
    AgendaAttachment,
    AgendaItem,
    AgendaItemState,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingState,
    MemberVote,
    Minutes,
    MinutesState,
)
from mahalat.reports.models import Report, ReportEndorsement

LIVE_ITEM_STATES = (
    AgendaItemState.PROPOSED,
    AgendaItemState.SCHEDULED,
    AgendaItemState.VOTING,
    AgendaItemState.DEFERRED,
)


def meeting_get(*, pk: int) -> Meeting:
    """A meeting with what every page of it shows. Meetings themselves are public (their schedule is)."""
    meeting = (
        Meeting.objects.select_related("neighborhood", "area", "district", "council").filter(pk=pk).first()
    )
    if meeting is None:
        raise Http404(_("There is no such meeting."))
    return meeting


def meetings_of_neighborhood(*, neighborhood_id: int) -> tuple[QuerySet[Meeting], QuerySet[Meeting]]:
    """The neighborhood's councils' meetings: upcoming (soonest first) and held (latest first)."""
    base = Meeting.objects.filter(neighborhood_id=neighborhood_id).select_related("neighborhood")
    upcoming = base.filter(state__in=[MeetingState.SCHEDULED, MeetingState.IN_SESSION]).order_by(
        "starts_at", "id"
    )
    held = (
        base.filter(state=MeetingState.CLOSED)
        .annotate(
            minutes_published=Exists(
                Minutes.objects.filter(meeting=OuterRef("pk"), state=MinutesState.PUBLISHED)
            )
        )
        .order_by("-starts_at", "-id")
    )
    return upcoming, held


def meeting_list(
    *,
    council_id: int | None = None,
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
    state: str | None = None,
) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("neighborhood").order_by("-starts_at", "-id")
    if council_id is not None:
        qs = qs.filter(council_id=council_id)
    if starts_from is not None:
        qs = qs.filter(starts_at__gte=starts_from)
    if starts_to is not None:
        qs = qs.filter(starts_at__lt=starts_to)
    if state:
        qs = qs.filter(state=state)
    return qs


@dataclass
class ItemView:
    """An agenda item as a reader sees it: `redacted` items show no title, text, votes or files."""

    item: AgendaItem
    redacted: bool
    attachments: list[AgendaAttachment] = field(default_factory=list)
    votes: list[MemberVote] = field(default_factory=list)  # open votes' choices, for permitted readers

    @property
    def has_result(self) -> bool:
        return self.item.state == AgendaItemState.DECIDED


@dataclass
class MeetingView:
    meeting: Meeting
    items: list[ItemView]
    members: list[Attendance]
    guests: list[Attendance]
    minutes: Minutes | None
    internal: bool  # private items shown
    present: int

    @property
    def minutes_public(self) -> bool:
        return self.minutes is not None and self.minutes.state == MinutesState.PUBLISHED


def meeting_view(*, user: Any, meeting: Meeting, internal: bool = False) -> MeetingView:
    """Everything about one meeting in five queries. `internal=True` (honoured only for those holding
    `meetings.view_private_items`) shows private items and the open votes' choices."""
    internal = internal and has_permission(user, "meetings.view_private_items", meeting)
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .exclude(state=AgendaItemState.WITHDRAWN)
        .select_related("report")
        .prefetch_related(
            Prefetch("attachments", queryset=AgendaAttachment.objects.order_by("id")),
            Prefetch(
                "member_votes",
                queryset=MemberVote.objects.select_related("membership__user").order_by("membership_id"),
            ),
        )
        .order_by("position", "id")
    )
    views: list[ItemView] = []
    for item in items:
        redacted = item.is_private and not internal
        views.append(
            ItemView(
                item=item,
                redacted=redacted,
                attachments=[] if redacted else list(item.attachments.all()),
                votes=[v for v in item.member_votes.all() if v.choice] if internal else [],
            )
        )
    rows = list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("membership__user", "membership__seat_type")
        .order_by("membership__seat_type__position", "membership_id", "id")
    )
    members = [r for r in rows if r.membership_id]
    guests = [r for r in rows if not r.membership_id]
    minutes = Minutes.objects.filter(meeting=meeting).select_related("approved_by").first()
    present = sum(1 for r in members if r.status == AttendanceStatus.PRESENT)
    return MeetingView(
        meeting=meeting,
        items=views,
        members=members,
        guests=guests,
        minutes=minutes,
        internal=internal,
        present=present,
    )


def council_get(*, pk: int) -> Council:
    council = Council.objects.select_related("neighborhood").filter(pk=pk).first()
    if council is None:
        raise Http404(_("There is no such council."))
    return council


def council_proposals(*, council: Council) -> QuerySet[AgendaItem]:
    """Items waiting for a meeting: proposals and deferred items, oldest first."""
    return (
        AgendaItem.objects.filter(
            council=council, state__in=[AgendaItemState.PROPOSED, AgendaItemState.DEFERRED]
        )
        .select_related("report", "proposed_by", "meeting")
        .order_by("created_at", "id")
    )


def reports_proposed_for_agenda(*, council: Council, limit: int = 20) -> list[Report]:
    """The neighborhood's reports a council member proposed for the agenda and no item carries yet."""
    proposed = ReportEndorsement.objects.filter(report=OuterRef("pk"), proposed_for_agenda=True)
    on_agenda = AgendaItem.objects.filter(report=OuterRef("pk"), state__in=LIVE_ITEM_STATES)
    return list(
        Report.objects.filter(neighborhood_id=council.neighborhood_id)
        .filter(Exists(proposed))
        .exclude(Exists(on_agenda))
        .select_related("category")
        .order_by("-submitted_at", "-id")[:limit]
    )


def agenda_report_choices(*, council: Council, limit: int = 50) -> list[Report]:
    """Reports an officer may put on the agenda: proposed ones first, then the neighborhood's latest."""
    proposed = reports_proposed_for_agenda(council=council, limit=limit)
    seen = {r.pk for r in proposed}
    on_agenda = AgendaItem.objects.filter(report=OuterRef("pk"), state__in=LIVE_ITEM_STATES)
    latest = (
        Report.objects.filter(neighborhood_id=council.neighborhood_id)
        .exclude(state__in=["unverified", "rejected", "duplicate"])
        .exclude(Exists(on_agenda))
        .select_related("category")
        .order_by("-submitted_at", "-id")[:limit]
    )
    return proposed + [r for r in latest if r.pk not in seen]


def council_schedulable_meetings(*, council: Council) -> list[Meeting]:
    return list(
        Meeting.objects.filter(
            council=council, state__in=[MeetingState.SCHEDULED, MeetingState.IN_SESSION]
        ).order_by("starts_at", "id")[:20]
    )


@dataclass
class CouncilPanel:
    council: Council
    upcoming: list[Meeting]
    held: list[Meeting]
    proposals: list[AgendaItem]
    reports: list[Report]
    can_schedule: bool
    can_propose: bool


def council_panel(*, council: Council, user: Any) -> CouncilPanel:
    """The council workspace's meetings panel, in four queries."""
    now = timezone.now()
    upcoming = list(
        Meeting.objects.filter(council=council, state__in=[MeetingState.SCHEDULED, MeetingState.IN_SESSION])
        .filter(ends_at__gte=now - timedelta(hours=12))
        .order_by("starts_at", "id")[:5]
    )
    held = list(
        Meeting.objects.filter(council=council, state=MeetingState.CLOSED).order_by("-starts_at", "-id")[:5]
    )
    proposals = list(council_proposals(council=council)[:10])
    reports = reports_proposed_for_agenda(council=council, limit=10)
    return CouncilPanel(
        council=council,
        upcoming=upcoming,
        held=held,
        proposals=proposals,
        reports=reports,
        can_schedule=council.state == CouncilState.ACTIVE
        and has_permission(user, "meetings.schedule_meeting", council),
        can_propose=has_permission(user, "meetings.propose_agenda_item", council),
    )
