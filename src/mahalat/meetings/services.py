"""Every write about council meetings: scheduling (one meeting or a regular rhythm), rescheduling, the
agenda and its attachments, attendance, votes, minutes, and the three transition services that apply
the tables of `workflow.py`.

Rows a person acts on are locked with `select_for_update()` so that two officers acting at once, or
many members voting at once, are serialised; where a person acts on what they saw, the state or
version they saw is checked under the lock.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.rules import has_permission, require_permission
from mahalat.audit.services import event_record
from mahalat.councils.models import Council, CouncilPolicy, CouncilState, Membership, placement
from mahalat.councils.selectors import policy_in_force
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.meetings import decisions
from mahalat.meetings.models import (
    AgendaAttachment,
    AgendaItem,
    AgendaItemState,
    AgendaSource,
    Attendance,
    AttendanceStatus,
    MajorityMethod,
    Meeting,
    MeetingKind,
    MeetingState,
    MemberVote,
    Minutes,
    MinutesState,
    VoteChoice,
    VoteMode,
)
from mahalat.meetings.sanitize import MAX_HTML, clean_html
from mahalat.meetings.workflow import (
    AGENDA_ITEM_TRANSITIONS,
    MEETING_TRANSITIONS,
    MINUTES_TRANSITIONS,
)
from mahalat.notifications.services import neighborhood_followers_notify, notify
from mahalat.persian.jalali import format_jalali_datetime
from mahalat.persian.text import normalize_text
from mahalat.reports.models import Report
from mahalat.uploads import sanitize_image

TITLE_MAX = 200
DESCRIPTION_MAX = 4000
PLACE_MAX = 200
REASON_MAX = 1000
GUEST_MAX = 150
MAX_DURATION = timedelta(hours=12)
MAX_AHEAD = timedelta(days=730)
MAX_SERIES = 52
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_PER_ITEM = 10
# A start a few minutes in the past is a meeting being recorded as it begins, not a mistake.
PAST_TOLERANCE = timedelta(minutes=15)


# --- shared checks ---------------------------------------------------------------------------------


def current_members(*, council_id: int) -> list[Membership]:
    """The council's seated members now (their seats not ended), with their people."""
    return list(
        Membership.objects.filter(council_id=council_id, ends_on__isnull=True)
        .select_related("user", "seat_type")
        .order_by("seat_type__position", "id")
    )


def _conflict_if_changed(*, kind: str, seen: int | None, current: int) -> None:
    if seen is not None and seen != current:
        raise ConflictError(
            _("This %(kind)s changed while you were editing it. Reload the page and try again.")
            % {"kind": kind}
        )


def _text(value: str, *, field: str, limit: int, required: bool, multiline: bool = False) -> tuple[str, dict]:
    cleaned = normalize_text(value or "", multiline=multiline)
    if required and not cleaned:
        return cleaned, {field: [_("This field is required.")]}
    if len(cleaned) > limit:
        return cleaned, {field: [_("At most %(limit)s characters.") % {"limit": limit}]}
    return cleaned, {}


def _check_where(
    *, starts_at: Any, ends_at: Any, place: str, online_url: str, now: datetime
) -> tuple[str, str, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Enter the date and time the meeting starts.")]
    if not isinstance(ends_at, datetime) or timezone.is_naive(ends_at):
        errors["ends_at"] = [_("Enter the time the meeting ends.")]
    if not errors:
        if ends_at <= starts_at:
            errors["ends_at"] = [_("The meeting must end after it starts.")]
        elif ends_at - starts_at > MAX_DURATION:
            errors["ends_at"] = [_("A meeting lasts at most 12 hours.")]
        if starts_at < now - PAST_TOLERANCE:
            errors["starts_at"] = [_("A meeting cannot be scheduled in the past.")]
        elif starts_at > now + MAX_AHEAD:
            errors["starts_at"] = [_("A meeting can be scheduled at most two years ahead.")]
    place, place_errors = _text(place, field="place", limit=PLACE_MAX, required=False)
    errors.update(place_errors)
    online_url = (online_url or "").strip()
    if online_url and (
        len(online_url) > 200 or not online_url.lower().startswith("https://") or " " in online_url
    ):
        errors["online_url"] = [_("The online link must be a secure address starting with https://.")]
    if not place and not online_url and "place" not in errors:
        errors["place"] = [_("Give a place, an online link, or both.")]
    return place, online_url, errors


def _lock_active_council(council: Council) -> Council:
    locked = Council.objects.select_for_update().get(pk=council.pk)
    if locked.state != CouncilState.ACTIVE:
        raise ConflictError(_("Only an active council can schedule meetings."))
    return locked


def _next_number(council: Council) -> int:
    """The council's next meeting number; the caller holds the council row's lock."""
    top = Meeting.objects.filter(council=council).aggregate(top=Max("number"))["top"]
    return (top or 0) + 1


def _meeting_context(meeting: Meeting) -> dict[str, Any]:
    return {
        "number": meeting.number,
        "neighborhood": meeting.neighborhood.name,
        "when": format_jalali_datetime(meeting.starts_at),
        "place": meeting.place,
        "online_url": meeting.online_url,
        "url": reverse("meetings:public", kwargs={"pk": meeting.pk}),
        "ics_url": reverse("meetings:ics", kwargs={"pk": meeting.pk}),
        "reason": meeting.cancel_reason,
    }


def _tell_members(meeting: Meeting, *, kind: str, template: str, extra: dict[str, Any] | None = None) -> None:
    """In the write's transaction: every seated member hears of it."""
    context = {**_meeting_context(meeting), **(extra or {})}
    for member in current_members(council_id=meeting.council_id):
        notify(
            recipient=member.user,
            kind=kind,
            template=template,
            context=context,
            city_id=meeting.city_id,
            neighborhood_id=meeting.neighborhood_id,
            dedupe_key=f"meeting:{meeting.pk}:{kind}:{meeting.version}",
        )


def _new_meeting(
    *,
    council: Council,
    number: int,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    online_url: str,
    actor: Any,
) -> Meeting:
    return Meeting.objects.create(
        **placement(council),
        council=council,
        number=number,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_url=online_url,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


# --- scheduling ------------------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(
    *,
    actor: Any,
    council: Council,
    starts_at: datetime,
    ends_at: datetime,
    place: str = "",
    online_url: str = "",
    kind: str = MeetingKind.REGULAR,
    now: datetime | None = None,
) -> Meeting:
    """Schedule one meeting of an active council and invite its seated members."""
    now = now or timezone.now()
    require_permission(actor, "meetings.schedule_meeting", council)
    place, online_url, errors = _check_where(
        starts_at=starts_at, ends_at=ends_at, place=place, online_url=online_url, now=now
    )
    if kind not in MeetingKind.values:
        errors["kind"] = [_("Choose one of the kinds offered.")]
    if errors:
        raise ValidationError(errors)
    locked = _lock_active_council(council)
    meeting = _new_meeting(
        council=locked,
        number=_next_number(locked),
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_url=online_url,
        actor=actor,
    )
    meeting = Meeting.objects.select_related("neighborhood").get(pk=meeting.pk)
    _tell_members(meeting, kind="meetings.meeting.scheduled", template="meetings_invitation")
    event_record(
        actor=actor,
        action="meetings.meeting.scheduled",
        obj=meeting,
        after={
            "number": meeting.number,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "place": place,
            "online_url": online_url,
            "kind": kind,
        },
    )
    return meeting


def every_weeks_for(policy: CouncilPolicy) -> int:
    """The rhythm the policy asks for, in weeks: twice a month is every second week."""
    per_month = policy.meetings_per_month
    return max(1, round(4 / max(1, per_month)))


def series_starts(*, first_day: date, weekday: int, at: time, every_weeks: int, count: int) -> list[datetime]:
    """The start of each meeting: the first `weekday` (Monday 0 … Sunday 6) on or after `first_day`,
    then every `every_weeks` weeks, at `at` local time."""
    offset = (weekday - first_day.weekday()) % 7
    first = first_day + timedelta(days=offset)
    zone = timezone.get_current_timezone()
    return [
        timezone.make_aware(datetime.combine(first + timedelta(weeks=every_weeks * i), at), zone)
        for i in range(count)
    ]


@transaction.atomic
def meeting_schedule_series(
    *,
    actor: Any,
    council: Council,
    first_day: date,
    weekday: int,
    at: time,
    duration_minutes: int,
    count: int,
    every_weeks: int | None = None,
    place: str = "",
    online_url: str = "",
    now: datetime | None = None,
) -> list[Meeting]:
    """Schedule a regular rhythm at once ("every second week on Tuesday at 17:00, six meetings"),
    numbered one after another; each member is invited once for the whole series."""
    now = now or timezone.now()
    require_permission(actor, "meetings.schedule_meeting", council)
    errors: dict[str, list[str]] = {}
    if every_weeks is None:
        every_weeks = every_weeks_for(policy_in_force(city_id=council.city_id))
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        errors["weekday"] = [_("Choose a day of the week.")]
    if not isinstance(every_weeks, int) or not 1 <= every_weeks <= 8:
        errors["every_weeks"] = [_("Meet every 1 to 8 weeks.")]
    if not isinstance(count, int) or not 1 <= count <= MAX_SERIES:
        errors["count"] = [_("Schedule between 1 and %(limit)s meetings at once.") % {"limit": MAX_SERIES}]
    if not isinstance(duration_minutes, int) or not 15 <= duration_minutes <= 12 * 60:
        errors["duration_minutes"] = [_("A meeting lasts between 15 minutes and 12 hours.")]
    if errors:
        raise ValidationError(errors)
    starts = series_starts(first_day=first_day, weekday=weekday, at=at, every_weeks=every_weeks, count=count)
    duration = timedelta(minutes=duration_minutes)
    for start in (starts[0], starts[-1]):
        place_clean, url_clean, where_errors = _check_where(
            starts_at=start, ends_at=start + duration, place=place, online_url=online_url, now=now
        )
        errors.update(where_errors)
    if errors:
        raise ValidationError(errors)
    locked = _lock_active_council(council)
    number = _next_number(locked)
    meetings = [
        _new_meeting(
            council=locked,
            number=number + i,
            kind=MeetingKind.REGULAR,
            starts_at=start,
            ends_at=start + duration,
            place=place_clean,
            online_url=url_clean,
            actor=actor,
        )
        for i, start in enumerate(starts)
    ]
    first = Meeting.objects.select_related("neighborhood").get(pk=meetings[0].pk)
    _tell_members(
        first, kind="meetings.meeting.scheduled", template="meetings_invitation", extra={"count": count}
    )
    for meeting in meetings:
        event_record(
            actor=actor,
            action="meetings.meeting.scheduled",
            obj=meeting,
            after={"number": meeting.number, "starts_at": meeting.starts_at, "series": count},
        )
    return meetings


def _lock_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("neighborhood").get(pk=meeting.pk)


@transaction.atomic
def meeting_reschedule(
    *,
    actor: Any,
    meeting: Meeting,
    starts_at: datetime,
    ends_at: datetime,
    place: str = "",
    online_url: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Move a scheduled meeting. Its calendar id stays; its version (the calendar SEQUENCE) grows."""
    now = now or timezone.now()
    locked = _lock_meeting(meeting)
    require_permission(actor, "meetings.schedule_meeting", locked)
    _conflict_if_changed(kind=_("meeting"), seen=expected_version, current=locked.version)
    if locked.state != MeetingState.SCHEDULED:
        raise TransitionNotAllowed(_("Only a meeting that has not started can be rescheduled."))
    place, online_url, errors = _check_where(
        starts_at=starts_at, ends_at=ends_at, place=place, online_url=online_url, now=now
    )
    if errors:
        raise ValidationError(errors)
    before = {
        "starts_at": locked.starts_at,
        "ends_at": locked.ends_at,
        "place": locked.place,
        "online_url": locked.online_url,
    }
    locked.starts_at, locked.ends_at, locked.place, locked.online_url = starts_at, ends_at, place, online_url
    locked.version += 1
    locked.save(update_fields=["starts_at", "ends_at", "place", "online_url", "version"])
    _tell_members(locked, kind="meetings.meeting.rescheduled", template="meetings_rescheduled")
    event_record(
        actor=actor,
        action="meetings.meeting.rescheduled",
        obj=locked,
        before=before,
        after={"starts_at": starts_at, "ends_at": ends_at, "place": place, "online_url": online_url},
    )
    return locked


# --- the meeting's lifecycle -------------------------------------------------------------------------


def _present_members(meeting: Meeting) -> int:
    return Attendance.objects.filter(
        meeting=meeting, membership__isnull=False, status=AttendanceStatus.PRESENT
    ).count()


def _quorum_now(meeting: Meeting) -> bool:
    if meeting.seated_members is None:
        return False
    return decisions.has_quorum(
        present=_present_members(meeting),
        seated=meeting.seated_members,
        numerator=meeting.quorum_numerator or 1,
        denominator=meeting.quorum_denominator or 2,
    )


@transaction.atomic
def meeting_transition(
    *,
    actor: Any,
    meeting: Meeting,
    to: str,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Open a meeting (it copies the seated members and the quorum rule in force), close it (its votes
    must be closed first; the draft minutes are created) or cancel it (with a reason, members told)."""
    now = now or timezone.now()
    locked = _lock_meeting(meeting)
    if expected_state is not None and locked.state != expected_state:
        raise ConflictError(
            _(
                "This meeting changed while you were looking at it: it is now “%(state)s”. "
                "Reload and try again."
            )
            % {"state": MeetingState(locked.state).label}
        )
    rule = MEETING_TRANSITIONS.get((locked.state, to))
    if rule is None:
        target = MeetingState(to).label if to in MeetingState.values else to
        raise TransitionNotAllowed(
            _("A meeting that is “%(current)s” cannot become “%(target)s”.")
            % {"current": MeetingState(locked.state).label, "target": target}
        )
    require_permission(actor, rule.permission, locked)
    reason, errors = _text(
        reason, field="reason", limit=REASON_MAX, required="reason" in rule.requires, multiline=True
    )
    if errors:
        raise ValidationError(errors)

    before = locked.state
    changed = ["state", "version"]
    after: dict[str, Any] = {"state": to}
    if to == MeetingState.IN_SESSION:
        council = Council.objects.get(pk=locked.council_id)
        if council.state != CouncilState.ACTIVE:
            raise ConflictError(_("Only an active council can hold a meeting."))
        members = current_members(council_id=locked.council_id)
        policy = policy_in_force(city_id=locked.city_id, on=timezone.localdate(now))
        numerator, denominator = policy.quorum_numerator, policy.quorum_denominator
        locked.seated_members = len(members)
        locked.quorum_numerator, locked.quorum_denominator = numerator, denominator
        locked.quorum_required = decisions.quorum_required(
            seated=len(members), numerator=numerator, denominator=denominator
        )
        locked.opened_at = now
        locked.had_quorum = False
        Attendance.objects.bulk_create(
            [Attendance(meeting=locked, membership=m, status=AttendanceStatus.ABSENT) for m in members],
            ignore_conflicts=True,
        )
        changed += [
            "seated_members",
            "quorum_numerator",
            "quorum_denominator",
            "quorum_required",
            "opened_at",
            "had_quorum",
        ]
        after.update(
            seated_members=len(members),
            quorum_required=locked.quorum_required,
            quorum=f"{numerator}/{denominator}",
        )
    elif to == MeetingState.CLOSED:
        voting = AgendaItem.objects.filter(meeting=locked, state=AgendaItemState.VOTING).count()
        if voting:
            raise ConflictError(_("Close the open votes before closing the meeting."))
        locked.closed_at = now
        changed.append("closed_at")
        Minutes.objects.get_or_create(meeting=locked)
        # What was on the agenda and was not taken up waits for the next meeting.
        leftover = list(AgendaItem.objects.filter(meeting=locked, state=AgendaItemState.SCHEDULED))
        for item in leftover:
            item.state = AgendaItemState.DEFERRED
        AgendaItem.objects.bulk_update(leftover, ["state"])
        after["deferred_items"] = [i.pk for i in leftover]
    elif to == MeetingState.CANCELLED:
        locked.cancel_reason = reason
        changed.append("cancel_reason")
    locked.state = to
    locked.version += 1
    locked.save(update_fields=changed)
    if to == MeetingState.CANCELLED:
        # Its items go back to the proposals, to be placed on another meeting.
        AgendaItem.objects.filter(meeting=locked, state=AgendaItemState.SCHEDULED).update(
            meeting=None, state=AgendaItemState.PROPOSED, position=0
        )
        _tell_members(locked, kind="meetings.meeting.cancelled", template="meetings_cancelled")
    event_record(
        actor=actor,
        action=f"meetings.meeting.{to}",
        obj=locked,
        before={"state": before},
        after=after,
        note=reason,
    )
    return locked


# --- attendance --------------------------------------------------------------------------------------


def _lock_meeting_in_session(meeting: Meeting, actor: Any) -> Meeting:
    locked = _lock_meeting(meeting)
    require_permission(actor, "meetings.run_meeting", locked)
    if locked.state != MeetingState.IN_SESSION:
        raise TransitionNotAllowed(_("Attendance is recorded while the meeting is in session."))
    return locked


def _refresh_quorum(locked: Meeting) -> bool:
    """Quorum now; `had_quorum` remembers that it was reached at some point of the session."""
    now_quorum = _quorum_now(locked)
    if now_quorum and not locked.had_quorum:
        locked.had_quorum = True
        locked.save(update_fields=["had_quorum"])
    return now_quorum


@transaction.atomic
def attendance_record(
    *, actor: Any, meeting: Meeting, membership: Membership, status: str, expected_version: int | None = None
) -> Attendance:
    """Mark a seated member present, absent or excused, while the meeting is in session.

    Frozen while a vote is open: a member who voted must still be counted among those present when
    the vote closes."""
    locked = _lock_meeting_in_session(meeting, actor)
    _conflict_if_changed(kind=_("meeting"), seen=expected_version, current=locked.version)
    if status not in {AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED}:
        raise ValidationError({"status": [_("Choose present, absent or excused.")]})
    row = Attendance.objects.filter(meeting=locked, membership_id=membership.pk).first()
    if row is None:
        raise ValidationError({"membership": [_("This person was not seated when the meeting opened.")]})
    if AgendaItem.objects.filter(meeting=locked, state=AgendaItemState.VOTING).exists():
        raise ConflictError(_("Attendance cannot change while a vote is open. Close the vote first."))
    before = row.status
    row.status = status
    row.save(update_fields=["status", "recorded_at"])
    quorum = _refresh_quorum(locked)
    event_record(
        actor=actor,
        action="meetings.attendance.recorded",
        obj=locked,
        before={"membership": membership.pk, "status": before},
        after={"membership": membership.pk, "status": status, "quorum": quorum},
    )
    return row


@transaction.atomic
def attendance_add_guest(*, actor: Any, meeting: Meeting, name: str, affiliation: str = "") -> Attendance:
    locked = _lock_meeting_in_session(meeting, actor)
    name, errors = _text(name, field="guest_name", limit=GUEST_MAX, required=True)
    affiliation, more = _text(affiliation, field="guest_affiliation", limit=GUEST_MAX, required=False)
    errors.update(more)
    if errors:
        raise ValidationError(errors)
    row = Attendance.objects.create(
        meeting=locked, guest_name=name, guest_affiliation=affiliation, status=AttendanceStatus.GUEST
    )
    event_record(
        actor=actor,
        action="meetings.attendance.guest",
        obj=locked,
        after={"guest": name, "affiliation": affiliation},
    )
    return row


@transaction.atomic
def attendance_remove_guest(*, actor: Any, attendance: Attendance) -> None:
    locked = _lock_meeting_in_session(attendance.meeting, actor)
    row = Attendance.objects.filter(pk=attendance.pk, meeting=locked, membership__isnull=True).first()
    if row is None:
        raise ValidationError({"guest": [_("There is no such guest at this meeting.")]})
    row.delete()
    event_record(
        actor=actor, action="meetings.attendance.guest_removed", obj=locked, before={"guest": row.guest_name}
    )


# --- the agenda ----------------------------------------------------------------------------------------


def _report_for_agenda(*, council: Council, report: Report | None) -> dict[str, list[str]]:
    if report is None:
        return {"report": [_("Choose the citizen report this item is about.")]}
    if report.neighborhood_id != council.neighborhood_id:
        return {"report": [_("The report must be in the council's neighborhood.")]}
    if report.state == "unverified":
        return {"report": [_("This report is not confirmed yet.")]}
    return {}


@transaction.atomic
def agenda_item_propose(
    *,
    actor: Any,
    council: Council,
    title: str,
    description: str = "",
    report: Report | None = None,
    is_private: bool = False,
) -> AgendaItem:
    """A proposal for the council's agenda (no meeting yet). A council member's proposal counts as the
    members'; district and area staff propose for the district; naming a citizen report makes it the
    report's item."""
    require_permission(actor, "meetings.propose_agenda_item", council)
    title, errors = _text(title, field="title", limit=TITLE_MAX, required=report is None)
    description, more = _text(
        description, field="description", limit=DESCRIPTION_MAX, required=False, multiline=True
    )
    errors.update(more)
    if report is not None:
        errors.update(_report_for_agenda(council=council, report=report))
        if (
            not errors
            and AgendaItem.objects.filter(
                council=council,
                report=report,
                state__in=[
                    AgendaItemState.PROPOSED,
                    AgendaItemState.SCHEDULED,
                    AgendaItemState.VOTING,
                    AgendaItemState.DEFERRED,
                ],
            ).exists()
        ):
            errors["report"] = [_("This report is already on the council's agenda.")]
    if errors:
        raise ValidationError(errors)
    if report is not None:
        source = AgendaSource.REPORT
        if not title:
            title = (
                report.category.name if report.category_id else _("Citizen report")
            ) + f" {report.tracking_code}"
            title = title[:TITLE_MAX]
    elif has_permission(actor, "governance.act_in_council", council):
        source = AgendaSource.MEMBER
    else:
        source = AgendaSource.DISTRICT
    item = AgendaItem.objects.create(
        **placement(council),
        council=council,
        title=title,
        description=description,
        source=source,
        report=report,
        proposed_by=actor,
        is_private=bool(is_private),
        state=AgendaItemState.PROPOSED,
    )
    event_record(
        actor=actor,
        action="meetings.item.proposed",
        obj=item,
        after={
            "title": title,
            "source": source,
            "report": report.pk if report else None,
            "is_private": item.is_private,
        },
    )
    return item


def _lock_item(item: AgendaItem) -> AgendaItem:
    return AgendaItem.objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def agenda_item_transition(
    *,
    actor: Any,
    item: AgendaItem,
    to: str,
    expected_state: str | None = None,
    meeting: Meeting | None = None,
    vote_mode: str = "",
    majority: str = "",
    now: datetime | None = None,
) -> AgendaItem:
    """Move an agenda item: place it on a meeting, defer or withdraw it, open its vote (only in session
    and with quorum at that moment), close its vote (the pure `decide` computes the result, stored with
    its base and method), or record that it was discussed without a vote."""
    now = now or timezone.now()
    locked = _lock_item(item)
    if expected_state is not None and locked.state != expected_state:
        raise ConflictError(
            _("This item changed while you were looking at it: it is now “%(state)s”. Reload and try again.")
            % {"state": AgendaItemState(locked.state).label}
        )
    rule = AGENDA_ITEM_TRANSITIONS.get((locked.state, to))
    if rule is None:
        target = AgendaItemState(to).label if to in AgendaItemState.values else to
        raise TransitionNotAllowed(
            _("An agenda item that is “%(current)s” cannot become “%(target)s”.")
            % {"current": AgendaItemState(locked.state).label, "target": target}
        )
    require_permission(actor, rule.permission, locked)
    before = {"state": locked.state, "meeting": locked.meeting_id}
    changed = ["state"]
    after: dict[str, Any] = {"state": to}

    if "meeting" in rule.requires:
        if meeting is None:
            raise ValidationError({"meeting": [_("Choose the meeting to put this item on.")]})
        target = _lock_meeting(meeting)
        if target.council_id != locked.council_id:
            raise ValidationError({"meeting": [_("Choose a meeting of the same council.")]})
        if target.state not in {MeetingState.SCHEDULED, MeetingState.IN_SESSION}:
            raise TransitionNotAllowed(_("Items can only be added to a meeting that has not ended."))
        if target.pk == locked.meeting_id:
            raise ValidationError({"meeting": [_("Choose a later meeting for a deferred item.")]})
        top = AgendaItem.objects.filter(meeting=target).aggregate(top=Max("position"))["top"]
        locked.meeting = target
        locked.position = (top or 0) + 1
        changed += ["meeting", "position"]
        after.update(meeting=target.pk, position=locked.position)
    elif to in {AgendaItemState.VOTING, AgendaItemState.DISCUSSED, AgendaItemState.DECIDED}:
        target = _lock_meeting(locked.meeting)
        if target.state != MeetingState.IN_SESSION:
            raise TransitionNotAllowed(_("Votes and discussions happen while the meeting is in session."))
    elif to == AgendaItemState.DEFERRED and locked.meeting is not None:
        target = _lock_meeting(locked.meeting)
        if target.state not in {MeetingState.SCHEDULED, MeetingState.IN_SESSION}:
            raise TransitionNotAllowed(_("The items of a meeting that has ended cannot change."))

    if to == AgendaItemState.VOTING:
        errors: dict[str, list[str]] = {}
        if vote_mode not in VoteMode.values:
            errors["vote_mode"] = [_("Choose an open or a secret vote.")]
        if majority not in MajorityMethod.values:
            errors["majority"] = [_("Choose the majority needed.")]
        if errors:
            raise ValidationError(errors)
        # The plan's rule: nothing is adopted without quorum, so no vote opens without it.
        if not _quorum_now(target):
            raise ConflictError(
                _("The meeting does not have quorum: %(needed)s members must be present to vote.")
                % {"needed": target.quorum_required}
            )
        _refresh_quorum(target)
        locked.vote_mode, locked.majority = vote_mode, majority
        locked.votes_for = locked.votes_against = locked.votes_abstain = 0
        changed += ["vote_mode", "majority", "votes_for", "votes_against", "votes_abstain"]
        after.update(vote_mode=vote_mode, majority=majority)
    elif to == AgendaItemState.DECIDED:
        result = decisions.decide(
            method=locked.majority,
            votes_for=locked.votes_for,
            votes_against=locked.votes_against,
            votes_abstain=locked.votes_abstain,
            present=_present_members(target),
            seated=target.seated_members or 0,
        )
        locked.vote_base, locked.votes_needed, locked.adopted = result.base, result.needed, result.adopted
        locked.vote_closed_at = now
        changed += ["vote_base", "votes_needed", "adopted", "vote_closed_at"]
        after.update(
            votes_for=result.votes_for,
            votes_against=result.votes_against,
            votes_abstain=result.votes_abstain,
            base=result.base,
            needed=result.needed,
            adopted=result.adopted,
            method=result.method,
        )
    elif (
        to == AgendaItemState.WITHDRAWN and locked.meeting_id and before["state"] == AgendaItemState.SCHEDULED
    ):
        target = _lock_meeting(locked.meeting)
        if target.state not in {MeetingState.SCHEDULED, MeetingState.IN_SESSION}:
            raise TransitionNotAllowed(_("The items of a meeting that has ended cannot change."))
    locked.state = to
    locked.save(update_fields=changed)
    event_record(actor=actor, action=f"meetings.item.{to}", obj=locked, before=before, after=after)
    return locked


@transaction.atomic
def agenda_reorder(*, actor: Any, meeting: Meeting, item_ids: list[int]) -> list[AgendaItem]:
    """Put a meeting's items in the given order (every item of the meeting, each once)."""
    locked = _lock_meeting(meeting)
    require_permission(actor, "meetings.manage_agenda", locked)
    if locked.state not in {MeetingState.SCHEDULED, MeetingState.IN_SESSION}:
        raise TransitionNotAllowed(_("The agenda of a meeting that has ended cannot change."))
    items = list(AgendaItem.objects.select_for_update().filter(meeting=locked).order_by("position", "id"))
    if sorted(item_ids) != sorted(i.pk for i in items) or len(set(item_ids)) != len(item_ids):
        raise ValidationError({"positions": [_("List every item of this meeting's agenda exactly once.")]})
    by_id = {i.pk: i for i in items}
    ordered = [by_id[pk] for pk in item_ids]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    AgendaItem.objects.bulk_update(ordered, ["position"])
    event_record(actor=actor, action="meetings.agenda.reordered", obj=locked, after={"order": item_ids})
    return ordered


def agenda_item_move(*, actor: Any, item: AgendaItem, up: bool) -> list[AgendaItem]:
    """Move an item one place up or down its meeting's agenda."""
    if item.meeting_id is None:
        raise ValidationError({"item": [_("Only an item on a meeting's agenda has a place in it.")]})
    with transaction.atomic():
        ids = list(
            AgendaItem.objects.filter(meeting_id=item.meeting_id)
            .order_by("position", "id")
            .values_list("id", flat=True)
        )
        index = ids.index(item.pk)
        other = index - 1 if up else index + 1
        if 0 <= other < len(ids):
            ids[index], ids[other] = ids[other], ids[index]
        return agenda_reorder(actor=actor, meeting=item.meeting, item_ids=ids)


# --- attachments ----------------------------------------------------------------------------------------


def _pdf_content(upload: UploadedFile) -> bytes:
    data = upload.read(ATTACHMENT_MAX_BYTES + 1)
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise ValidationError(_("The file is too large: at most 10 MB."), code="too_large")
    # A PDF starts with its header (within the first KB, by the specification) and ends with %%EOF.
    head = data[:1024]
    at = head.find(b"%PDF-")
    if at < 0 or not head[at + 5 : at + 8].replace(b".", b"").isdigit() or b"%%EOF" not in data[-2048:]:
        raise ValidationError(_("This file is not a PDF document we can use."), code="not_a_pdf")
    return data


@transaction.atomic
def agenda_attachment_add(
    *, actor: Any, item: AgendaItem, upload: UploadedFile, name: str = ""
) -> AgendaAttachment:
    """Attach a PDF or an image to an item, checked by content; images are re-encoded without metadata."""
    locked = _lock_item(item)
    require_permission(actor, "meetings.manage_agenda", locked)
    if locked.state in {AgendaItemState.DECIDED, AgendaItemState.DISCUSSED, AgendaItemState.WITHDRAWN}:
        raise TransitionNotAllowed(_("Attachments cannot be added to an item that has been dealt with."))
    if AgendaAttachment.objects.filter(item=locked).count() >= ATTACHMENTS_PER_ITEM:
        raise ValidationError(
            {"file": [_("An item carries at most %(limit)s attachments.") % {"limit": ATTACHMENTS_PER_ITEM}]}
        )
    if upload is None:
        raise ValidationError({"file": [_("Choose a file.")]})
    if upload.size is not None and upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": [_("The file is too large: at most 10 MB.")]})
    original = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1]
    name, errors = _text(name or original, field="name", limit=150, required=True)
    if errors:
        raise ValidationError(errors)
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    try:
        if head.startswith(b"%PDF-") or b"%PDF" in head:
            content = ContentFile(_pdf_content(upload), name="attachment.pdf")
            content_type = "application/pdf"
        else:
            content = sanitize_image(upload)
            content.name = "attachment.jpg"
            content_type = "image/jpeg"
    except ValidationError as exc:
        if exc.code == "not_an_image":
            raise ValidationError(
                {"file": [_("Attach a PDF document or a photo (JPEG, PNG, WebP or GIF).")]}
            ) from exc
        raise ValidationError({"file": exc.messages}) from exc
    attachment = AgendaAttachment(
        item=locked,
        name=name,
        content_type=content_type,
        size=content.size,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    attachment.file.save(content.name, content, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    event_record(
        actor=actor,
        action="meetings.attachment.added",
        obj=locked,
        after={
            "attachment": attachment.pk,
            "name": name,
            "content_type": content_type,
            "size": attachment.size,
        },
    )
    return attachment


@transaction.atomic
def agenda_attachment_remove(*, actor: Any, attachment: AgendaAttachment) -> None:
    locked = _lock_item(attachment.item)
    require_permission(actor, "meetings.manage_agenda", locked)
    if locked.state in {AgendaItemState.DECIDED, AgendaItemState.DISCUSSED}:
        raise TransitionNotAllowed(_("The attachments of an item that has been dealt with cannot change."))
    name = attachment.name
    file_name = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(file_name))
    event_record(actor=actor, action="meetings.attachment.removed", obj=locked, before={"name": name})


# --- votes ----------------------------------------------------------------------------------------------


@transaction.atomic
def vote_cast(
    *, actor: Any, item: AgendaItem, choice: str, membership: Membership | None = None
) -> MemberVote:
    """One member's vote on an item whose vote is open.

    A member votes for themselves (`meetings.cast_vote`); an officer may record a member's open vote by
    hand (`membership`, paper ballots in the room). The voter must be seated and marked present, and
    votes once. In a secret vote the row only says that the member voted: the choice goes into the
    item's counters and nowhere else.
    """
    if choice not in VoteChoice.values:
        raise ValidationError({"choice": [_("Vote for, against, or abstain.")]})
    locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if membership is None:
        require_permission(actor, "meetings.cast_vote", locked)
        voter = Membership.objects.filter(
            council_id=locked.council_id, user_id=getattr(actor, "pk", None), ends_on__isnull=True
        ).first()
        if voter is None:
            raise PermissionDenied(_("Only a seated member of this council votes."))
    else:
        require_permission(actor, "meetings.run_meeting", locked)
        voter = Membership.objects.filter(
            pk=membership.pk, council_id=locked.council_id, ends_on__isnull=True
        ).first()
        if voter is None:
            raise ValidationError({"membership": [_("This person is not a seated member of this council.")]})
    if locked.state != AgendaItemState.VOTING:
        raise TransitionNotAllowed(_("The vote on this item is not open."))
    if membership is not None and locked.vote_mode == VoteMode.SECRET:
        raise PermissionDenied(_("In a secret vote each member votes for themselves."))
    if not Attendance.objects.filter(
        meeting_id=locked.meeting_id, membership=voter, status=AttendanceStatus.PRESENT
    ).exists():
        raise PermissionDenied(_("Only members marked present at the meeting vote."))
    secret = locked.vote_mode == VoteMode.SECRET
    try:
        with transaction.atomic():
            vote = MemberVote.objects.create(item=locked, membership=voter, choice="" if secret else choice)
    except IntegrityError as exc:
        raise ConflictError(_("This member has already voted on this item.")) from exc
    counter = {
        VoteChoice.FOR: "votes_for",
        VoteChoice.AGAINST: "votes_against",
        VoteChoice.ABSTAIN: "votes_abstain",
    }[VoteChoice(choice)]
    AgendaItem.objects.filter(pk=locked.pk).update(**{counter: F(counter) + 1})
    # The event names the voter and, in an open vote only, the choice.
    event_record(
        actor=actor,
        action="meetings.vote.cast",
        obj=locked,
        after={
            "membership": voter.pk,
            "choice": None if secret else choice,
            "by_officer": membership is not None,
        },
    )
    return vote


# --- minutes --------------------------------------------------------------------------------------------


def _lock_minutes(minutes: Minutes) -> Minutes:
    return Minutes.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=minutes.pk)


@transaction.atomic
def minutes_update(
    *,
    actor: Any,
    minutes: Minutes,
    body: str,
    discussions: dict[int, str] | None = None,
    expected_version: int | None,
) -> Minutes:
    """Edit the draft minutes: the body and each item's discussion, sanitized. `expected_version` is
    the version the writer started from: a stale edit is refused rather than overwriting another's."""
    locked = _lock_minutes(minutes)
    require_permission(actor, "meetings.write_minutes", locked)
    _conflict_if_changed(kind=_("minutes"), seen=expected_version, current=locked.version)
    if locked.state != MinutesState.DRAFT:
        raise TransitionNotAllowed(_("Approved minutes cannot be edited."))
    errors: dict[str, list[str]] = {}
    if len(body or "") > MAX_HTML:
        errors["body"] = [_("At most %(limit)s characters.") % {"limit": MAX_HTML}]
    items = {i.pk: i for i in AgendaItem.objects.filter(meeting_id=locked.meeting_id)}
    for item_id, html in (discussions or {}).items():
        if item_id not in items:
            errors["discussions"] = [_("An item of another meeting cannot be written in these minutes.")]
        elif len(html or "") > MAX_HTML:
            errors[f"discussion_{item_id}"] = [_("At most %(limit)s characters.") % {"limit": MAX_HTML}]
    if errors:
        raise ValidationError(errors)
    locked.body = clean_html(body)
    locked.version += 1
    locked.save(update_fields=["body", "version", "updated_at"])
    changed_items = []
    for item_id, html in (discussions or {}).items():
        item = items[item_id]
        item.discussion = clean_html(html)
        changed_items.append(item)
    AgendaItem.objects.bulk_update(changed_items, ["discussion"])
    event_record(
        actor=actor,
        action="meetings.minutes.edited",
        obj=locked.meeting,
        after={"version": locked.version, "items": [i.pk for i in changed_items]},
    )
    return locked


@transaction.atomic
def minutes_transition(
    *, actor: Any, minutes: Minutes, to: str, expected_version: int | None = None, now: datetime | None = None
) -> Minutes:
    """The chair approves the draft; an officer then publishes it (the public sees it from then on)."""
    now = now or timezone.now()
    locked = _lock_minutes(minutes)
    rule = MINUTES_TRANSITIONS.get((locked.state, to))
    if rule is None:
        target = MinutesState(to).label if to in MinutesState.values else to
        raise TransitionNotAllowed(
            _("Minutes that are “%(current)s” cannot become “%(target)s”.")
            % {"current": MinutesState(locked.state).label, "target": target}
        )
    require_permission(actor, rule.permission, locked)
    _conflict_if_changed(kind=_("minutes"), seen=expected_version, current=locked.version)
    before = locked.state
    changed = ["state", "version", "updated_at"]
    if to == MinutesState.APPROVED:
        locked.approved_by, locked.approved_at = actor, now
        changed += ["approved_by", "approved_at"]
    elif to == MinutesState.PUBLISHED:
        locked.published_at = now
        changed.append("published_at")
    locked.state = to
    locked.version += 1
    locked.save(update_fields=changed)
    if to == MinutesState.PUBLISHED:
        meeting = locked.meeting
        neighborhood_followers_notify(
            neighborhood_id=meeting.neighborhood_id,
            city_id=meeting.city_id,
            kind="meetings.minutes.published",
            template="neighborhood_news",
            context={"event": "minutes", "neighborhood": meeting.neighborhood.name, "number": meeting.number},
            exclude_user_ids=[getattr(actor, "pk", None)],
        )
    event_record(
        actor=actor,
        action=f"meetings.minutes.{to}",
        obj=locked.meeting,
        before={"state": before},
        after={"state": to, "version": locked.version},
    )
    return locked


# --- reminders ------------------------------------------------------------------------------------------


def meetings_send_reminders(*, now: datetime | None = None) -> int:
    """Remind the seated members of meetings starting in the next 24 hours, once per meeting."""
    now = now or timezone.now()
    due = Meeting.objects.filter(
        state=MeetingState.SCHEDULED, starts_at__gt=now, starts_at__lte=now + timedelta(hours=24)
    ).select_related("neighborhood")
    sent = 0
    for meeting in due:
        with transaction.atomic():
            context = _meeting_context(meeting)
            for member in current_members(council_id=meeting.council_id):
                sent += len(
                    notify(
                        recipient=member.user,
                        kind="meetings.meeting.reminder",
                        template="meetings_reminder",
                        context=context,
                        city_id=meeting.city_id,
                        neighborhood_id=meeting.neighborhood_id,
                        dedupe_key=f"meeting:{meeting.pk}:reminder:{meeting.starts_at.isoformat()}",
                    )
                )
    return sent
