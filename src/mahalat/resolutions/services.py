"""Every write about council resolutions: adoption (with its number), the one transition service,
milestones, and escalation of overdue resolutions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import jdatetime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import COUNCIL_ROLES, DISTRICT_ROLES, Role, User
from mahalat.accounts.rules import require_permission
from mahalat.accounts.selectors import role_holders
from mahalat.audit.services import event_record
from mahalat.councils.models import Council, CouncilPolicy, placement
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.meetings.models import AgendaItem, AgendaItemState, MeetingState
from mahalat.notifications.services import neighborhood_followers_notify, notify
from mahalat.persian.jalali import format_jalali_date
from mahalat.persian.text import normalize_text
from mahalat.referrals.models import Agency
from mahalat.reports.models import Report, ReportFollow, ReportState
from mahalat.reports.services import notify_reporter, report_transition
from mahalat.reports.workflow import TRANSITIONS as REPORT_TRANSITIONS
from mahalat.resolutions.models import (
    OPEN_RESOLUTION_STATES,
    Milestone,
    Resolution,
    ResolutionEscalation,
    ResolutionState,
    ResolutionTransition,
    ResponsibleKind,
)
from mahalat.resolutions.workflow import PROGRESS, TERMINAL_STATES, TRANSITIONS
from mahalat.worktime.calendar import local_date

TITLE_MAX = 200
TEXT_MAX = 6000
NOTE_MAX = 4000
DEADLINE_YEARS = 2
MAX_LINKED_REPORTS = 50
MAX_MILESTONES = 30
DEFAULT_ESCALATION_DAYS = 30
ADOPTING_MEETING_STATES = frozenset({MeetingState.IN_SESSION, MeetingState.CLOSED})


# --- small helpers -----------------------------------------------------------------------------------


def jalali_year_of(moment: datetime) -> int:
    """The Jalali year of the day `moment` falls on in Tehran."""
    day = local_date(moment)
    return jdatetime.date.fromgregorian(date=day).year


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _ascii_number(resolution: Resolution) -> str:
    # Notification contexts hold ASCII; the templates give the recipient's digits (fa_digits).
    return f"{resolution.jalali_year}/{resolution.sequence:03d}"


def _ascii_date(day: date) -> str:
    return format_jalali_date(day, digits="ascii")


def _check_deadline(deadline: object, *, today: date, errors: dict[str, list[str]]) -> None:
    if not isinstance(deadline, date) or isinstance(deadline, datetime):
        errors["deadline"] = [_("Enter a date.")]
    elif deadline < today:
        errors["deadline"] = [_("The deadline cannot be in the past.")]
    elif deadline > _add_years(today, DEADLINE_YEARS):
        errors["deadline"] = [_("The deadline must be within two years.")]


def _check_owner(*, city_id: int, kind: object, agency: Agency | None, errors: dict[str, list[str]]) -> None:
    if kind not in ResponsibleKind.values:
        errors["responsible_kind"] = [_("Choose the area, the district, an agency or the council.")]
    elif kind == ResponsibleKind.AGENCY:
        if agency is None or agency.city_id != city_id or not agency.is_active:
            errors["responsible_agency"] = [_("Choose an active executive agency of this city.")]
    elif agency is not None:
        errors["responsible_agency"] = [_("Name an agency only when an agency is responsible.")]


def _text(value: object, *, field: str, limit: int, multiline: bool, errors: dict[str, list[str]]) -> str:
    if not isinstance(value, str):
        errors[field] = [_("Enter text.")]
        return ""
    text = normalize_text(value, multiline=multiline)
    if len(text) > limit:
        errors[field] = [_("At most %(limit)s characters.") % {"limit": limit}]
    return text


def _people(who: Q) -> list[User]:
    return role_holders(who=who)


def _council_q(resolution: Resolution) -> Q:
    return Q(role__in=COUNCIL_ROLES, neighborhood_id=resolution.neighborhood_id)


def _responsible_q(resolution: Resolution) -> Q:
    """The district and area staff (who confirm the owner), and the agency's liaisons when it owns it."""
    who = Q(role__in=DISTRICT_ROLES, district_id=resolution.district_id)
    who |= Q(role=Role.AREA_OFFICER, area_id=resolution.area_id)
    if resolution.responsible_agency_id:
        who |= Q(role=Role.AGENCY_LIAISON, agency_id=resolution.responsible_agency_id)
    return who


def _context(resolution: Resolution, **extra: Any) -> dict[str, Any]:
    return {
        "number": _ascii_number(resolution),
        "title": resolution.title,
        "neighborhood": resolution.neighborhood.name,
        "deadline": _ascii_date(resolution.deadline),
        "state": resolution.state,
        "progress": resolution.progress,
        **extra,
    }


def _notify_all(
    people: Iterable[User],
    *,
    resolution: Resolution,
    kind: str,
    template: str,
    context: dict[str, Any],
    skip: Iterable[int | None] = (),
    dedupe_key: str | None = None,
) -> int:
    skipped = {s for s in skip if s}
    sent = 0
    for person in people:
        if person.pk in skipped:
            continue
        notify(
            recipient=person,
            kind=kind,
            template=template,
            context=context,
            city_id=resolution.city_id,
            neighborhood_id=resolution.neighborhood_id,
            dedupe_key=dedupe_key,
        )
        sent += 1
    return sent


def _notify_report_people(
    resolution: Resolution,
    reports: list[Report],
    *,
    kind: str,
    template: str,
    extra: dict[str, Any],
    skip_user_id: int | None,
) -> None:
    """Each linked report's reporter (an anonymous one by SMS) and followers hear of the resolution."""
    if not reports:
        return
    followers: dict[int, list[User]] = {}
    for follow in (
        ReportFollow.objects.filter(report__in=reports, user__is_active=True)
        .select_related("user")
        .order_by("report_id", "user_id")
    ):
        followers.setdefault(follow.report_id, []).append(follow.user)
    base = _context(resolution, **extra)
    for report in reports:
        context = {**base, "tracking_code": report.tracking_code}
        reporter_is_skipped = report.reporter_id is not None and (
            report.reporter_id == skip_user_id or not report.reporter.is_active
        )
        if not reporter_is_skipped:
            notify_reporter(report, kind=kind, template=template, extra=base)
        for person in followers.get(report.pk, []):
            if person.pk in {report.reporter_id, skip_user_id}:
                continue
            notify(
                recipient=person,
                kind=kind,
                template=template,
                context=context,
                channels=["in_app"],
                city_id=report.city_id,
                neighborhood_id=report.neighborhood_id,
            )


# --- adoption ---------------------------------------------------------------------------------------


def _linked_reports(
    report_ids: Iterable[int], *, neighborhood_id: int, also: int | None, errors: dict[str, list[str]]
) -> list[Report]:
    try:
        # The item's own report, when it came from one, is always linked.
        wanted = list(dict.fromkeys([*([also] if also else []), *report_ids]))
    except TypeError:
        errors["report_ids"] = [_("Choose citizen reports from the list.")]
        return []
    # Ids arrive as ints from code and as digit strings from forms; anything else is a mistake.
    if any(
        isinstance(i, bool) or not (isinstance(i, int) or (isinstance(i, str) and i.isdigit()))
        for i in wanted
    ):
        errors["report_ids"] = [_("Choose citizen reports from the list.")]
        return []
    wanted = list(dict.fromkeys(int(i) for i in wanted))
    if len(wanted) > MAX_LINKED_REPORTS:
        errors["report_ids"] = [_("Link at most %(limit)s citizen reports.") % {"limit": MAX_LINKED_REPORTS}]
        return []
    found = list(
        Report.objects.filter(pk__in=wanted)
        .exclude(state=ReportState.UNVERIFIED)
        .select_related("reporter")
        .order_by("id")
    )
    if len(found) != len(wanted) or any(r.neighborhood_id != neighborhood_id for r in found):
        errors["report_ids"] = [_("Link only live citizen reports of this council's neighborhood.")]
        return []
    return found


@transaction.atomic
def resolution_adopt(
    *,
    actor: Any,
    item: AgendaItem,
    title: str,
    text: str,
    responsible_kind: str,
    responsible_agency: Agency | None = None,
    deadline: date,
    report_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> Resolution:
    """Record what a meeting adopted as the council's next numbered resolution (۱۴۰۵/۰۱۲).

    The item must be decided and adopted, in a meeting in session or held. The council's row is locked
    while the next number is taken, so two adoptions at once never share a number (a unique constraint
    backs this). The item's own citizen report, if it came from one, is linked with the others.
    """
    now = now or timezone.now()
    today = local_date(now)
    # Locking the council first serialises every adoption of this council: the numbering's guarantee.
    council = Council.objects.select_for_update().get(pk=item.council_id)
    require_permission(actor, "resolutions.adopt_resolution", council)
    item = (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("meeting", "neighborhood")
        .get(pk=item.pk)
    )
    if item.state != AgendaItemState.DECIDED or item.adopted is None:
        raise ConflictError(_("Only an item the council has voted on can become a resolution."))
    if item.adopted is not True:
        raise ConflictError(_("The council did not adopt this item; it cannot become a resolution."))
    if item.meeting is None or item.meeting.state not in ADOPTING_MEETING_STATES:
        raise ConflictError(_("Resolutions are recorded only in a meeting in session or held."))
    existing = Resolution.objects.filter(agenda_item_id=item.pk).first()
    if existing is not None:
        raise ConflictError(_("This item is already resolution %(number)s.") % {"number": existing.number})

    errors: dict[str, list[str]] = {}
    title = _text(title, field="title", limit=TITLE_MAX, multiline=False, errors=errors)
    text = _text(text, field="text", limit=TEXT_MAX, multiline=True, errors=errors)
    if "title" not in errors and not title:
        errors["title"] = [_("Give the resolution a title.")]
    if "text" not in errors and not text:
        errors["text"] = [_("Write the text of the resolution.")]
    _check_owner(city_id=council.city_id, kind=responsible_kind, agency=responsible_agency, errors=errors)
    _check_deadline(deadline, today=today, errors=errors)
    reports = _linked_reports(
        report_ids, neighborhood_id=council.neighborhood_id, also=item.report_id, errors=errors
    )
    if errors:
        raise ValidationError(errors)

    year = jalali_year_of(now)
    last = Resolution.objects.filter(council=council, jalali_year=year).aggregate(top=Max("sequence"))["top"]
    votes_cast = item.votes_for + item.votes_against + item.votes_abstain
    resolution = Resolution(
        **placement(council),
        council=council,
        meeting=item.meeting,
        agenda_item=item,
        jalali_year=year,
        sequence=(last or 0) + 1,
        title=title,
        text=text,
        votes_for=item.votes_for,
        votes_against=item.votes_against,
        votes_abstain=item.votes_abstain,
        majority=item.majority,
        vote_base=item.vote_base if item.vote_base is not None else votes_cast,
        responsible_kind=responsible_kind,
        responsible_agency=responsible_agency if responsible_kind == ResponsibleKind.AGENCY else None,
        deadline=deadline,
        state=ResolutionState.ADOPTED,
        is_public=not item.is_private,
        adopted_at=now,
        state_changed_at=now,
    )
    try:
        with transaction.atomic():
            resolution.save(force_insert=True)
    except IntegrityError as exc:
        if Resolution.objects.filter(agenda_item_id=item.pk).exists():
            raise ConflictError(_("This item has just become a resolution.")) from exc
        raise
    if reports:
        resolution.reports.add(*reports)
    ResolutionTransition.objects.create(
        resolution=resolution,
        actor=actor,
        from_state="",
        to_state=ResolutionState.ADOPTED,
        progress=0,
    )
    event_record(
        actor=actor,
        action="resolutions.resolution.adopted",
        obj=resolution,
        after={
            "number": _ascii_number(resolution),
            "agenda_item": item.pk,
            "meeting": item.meeting_id,
            "responsible_kind": responsible_kind,
            "responsible_agency": resolution.responsible_agency_id,
            "deadline": deadline,
            "reports": [r.pk for r in reports],
            "is_public": resolution.is_public,
        },
    )
    resolution.neighborhood = item.neighborhood
    _notify_all(
        _people(_responsible_q(resolution)),
        resolution=resolution,
        kind="resolutions.resolution.adopted",
        template="resolutions_adopted",
        context=_context(resolution),
        skip=[getattr(actor, "pk", None)],
    )
    if resolution.is_public:
        neighborhood_followers_notify(
            neighborhood_id=resolution.neighborhood_id,
            city_id=resolution.city_id,
            kind="resolutions.resolution.adopted",
            template="neighborhood_news",
            context=_context(resolution, event="resolution"),
            exclude_user_ids=[getattr(actor, "pk", None)],
        )
    _notify_report_people(
        resolution,
        reports,
        kind="resolutions.report.linked",
        template="resolutions_report_linked",
        extra={},
        skip_user_id=getattr(actor, "pk", None),
    )
    return resolution


# --- the lifecycle --------------------------------------------------------------------------------


def _check_progress(value: object, errors: dict[str, list[str]]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        errors["progress"] = [_("Enter a whole number from 0 to 100.")]
        return None
    return value


_NOTE_MISSING = {
    ResolutionState.DONE: lambda: _("Write the outcome; the public will read it."),
    ResolutionState.NOT_FEASIBLE: lambda: _("Write the reason; the public will read it."),
    ResolutionState.ASSIGNED: lambda: _("Explain the correction in a note."),
}


@transaction.atomic
def resolution_transition(
    *,
    actor: Any,
    resolution: Resolution,
    to: str,
    note: str = "",
    progress: int | None = None,
    expected_version: int | None = None,
    responsible_kind: str | None = None,
    responsible_agency: Agency | None = None,
    deadline: date | None = None,
    now: datetime | None = None,
) -> Resolution:
    """Move a resolution along its lifecycle (`workflow.TRANSITIONS`), the only way its state changes.

    - `expected_version`: the version the person saw; if someone changed it since, 409.
    - assigning (`adopted → assigned`, `assigned → assigned`) may correct the owner
      (`responsible_kind`, `responsible_agency`) and the `deadline`; any correction needs a note;
    - `progress` (0–100) is reported while the work is under way; it only goes up unless a note
      explains why; finishing (`done`) sets it to 100 and needs the outcome, `not_feasible` the reason;
    - each change stores a `ResolutionTransition`, an event, and tells the council's members; a
      finished resolution tells its linked reports' people, and resolves those the system may resolve.
    """
    now = now or timezone.now()
    today = local_date(now)
    locked = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("neighborhood", "responsible_agency")
        .get(pk=resolution.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _(
                "This resolution changed while you were looking at it: it is now “%(state)s”, "
                "%(progress)s%%. Reload and try again."
            )
            % {"state": ResolutionState(locked.state).label, "progress": locked.progress}
        )
    rule = TRANSITIONS.get((locked.state, to))
    if rule is None:
        target = ResolutionState(to).label if to in ResolutionState.values else to
        raise TransitionNotAllowed(
            _("A resolution that is “%(current)s” cannot become “%(target)s”.")
            % {"current": ResolutionState(locked.state).label, "target": target}
        )
    require_permission(actor, rule.permission, locked)

    errors: dict[str, list[str]] = {}
    note = _text(note or "", field="note", limit=NOTE_MAX, multiline=True, errors=errors)
    new_progress = _check_progress(progress, errors)

    kind, agency, new_deadline = locked.responsible_kind, locked.responsible_agency, locked.deadline
    corrected: list[str] = []
    if rule.sets_owner:
        if responsible_kind is not None:
            kind = responsible_kind
            agency = responsible_agency
            _check_owner(city_id=locked.city_id, kind=kind, agency=agency, errors=errors)
            if kind != locked.responsible_kind or getattr(agency, "pk", None) != locked.responsible_agency_id:
                corrected.append("owner")
        if deadline is not None and deadline != locked.deadline:
            _check_deadline(deadline, today=today, errors=errors)
            new_deadline = deadline
            corrected.append("deadline")
        if corrected and not note and "note" not in errors:
            errors["note"] = [_("Explain the correction in a note.")]
        if locked.state == to and not corrected and not errors:
            errors["__all__"] = [_("Change the owner or the deadline, or leave it as it is.")]
    elif responsible_kind is not None or deadline is not None:
        errors["responsible_kind"] = [_("The owner and the deadline are set only when assigning.")]

    if rule.takes_progress:
        if new_progress is not None and new_progress < locked.progress and not note:
            errors["progress"] = [_("Progress only goes up; explain in a note why it went down.")]
        if locked.state == to and (new_progress is None or new_progress == locked.progress) and not note:
            errors.setdefault("progress", [_("Report new progress or write a note.")])
    elif progress is not None and to != ResolutionState.DONE:
        errors["progress"] = [_("Progress is reported only while the work is under way.")]
    if "note" in rule.requires and not note and "note" not in errors:
        errors["note"] = [_NOTE_MISSING.get(to, _NOTE_MISSING[ResolutionState.DONE])()]
    if errors:
        raise ValidationError(errors)

    before = {
        "state": locked.state,
        "progress": locked.progress,
        "responsible_kind": locked.responsible_kind,
        "responsible_agency": locked.responsible_agency_id,
        "deadline": locked.deadline,
    }
    from_state = locked.state
    changed = ["version"]
    if to != from_state:
        locked.state, locked.state_changed_at = to, now
        changed += ["state", "state_changed_at"]
    if to == ResolutionState.DONE:
        new_progress = 100
    if new_progress is not None and new_progress != locked.progress:
        locked.progress = new_progress
        changed.append("progress")
    if "owner" in corrected:
        locked.responsible_kind = kind
        locked.responsible_agency = agency if kind == ResponsibleKind.AGENCY else None
        changed += ["responsible_kind", "responsible_agency"]
    if "deadline" in corrected:
        locked.deadline = new_deadline
        changed.append("deadline")
        # A new deadline is a new promise: escalation starts over from it.
        if new_deadline >= today and locked.escalation_level:
            locked.escalation_level, locked.escalated_at = ResolutionEscalation.NONE, None
            changed += ["escalation_level", "escalated_at"]
    if to in TERMINAL_STATES:
        locked.outcome, locked.finished_at = note, now
        changed += ["outcome", "finished_at"]
    locked.version += 1
    locked.save(update_fields=changed)
    ResolutionTransition.objects.create(
        resolution=locked,
        actor=actor,
        from_state=from_state,
        to_state=to,
        progress=locked.progress,
        note=note,
    )
    event_record(
        actor=actor,
        action=f"resolutions.resolution.{to}",
        obj=locked,
        before=before,
        after={
            "state": to,
            "progress": locked.progress,
            "responsible_kind": locked.responsible_kind,
            "responsible_agency": locked.responsible_agency_id,
            "deadline": locked.deadline,
            "note": note,
            "version": locked.version,
        },
    )
    actor_id = getattr(actor, "pk", None)
    context = _context(locked, note=note)
    _notify_all(
        _people(_council_q(locked)),
        resolution=locked,
        kind=f"resolutions.resolution.{to}",
        template="resolutions_changed",
        context=context,
        skip=[actor_id],
    )
    if "owner" in corrected and locked.responsible_agency_id:
        _notify_all(
            _people(Q(role=Role.AGENCY_LIAISON, agency_id=locked.responsible_agency_id)),
            resolution=locked,
            kind="resolutions.resolution.adopted",
            template="resolutions_adopted",
            context=context,
            skip=[actor_id],
        )
    if to in TERMINAL_STATES:
        _finish_linked_reports(locked, actor=actor, outcome=note, now=now)
    return locked


def _finish_linked_reports(resolution: Resolution, *, actor: Any, outcome: str, now: datetime) -> None:
    """A finished resolution updates its citizen reports.

    Every linked report's reporter and followers hear the outcome. When the resolution is done, a
    linked report that the report workflow lets the system resolve (today: one referred to an agency)
    is resolved with the outcome as its note; any other open report keeps its state, since only its
    handler may resolve it — the people following it are told and the handler sees the resolution.
    """
    reports = list(resolution.reports.select_related("reporter").order_by("id"))
    if resolution.state == ResolutionState.DONE:
        prefix = _("Done under the council's resolution %(number)s: ") % {"number": resolution.number}
        report_note = prefix + outcome[: NOTE_MAX - len(prefix)]
        for report in reports:
            rule = REPORT_TRANSITIONS.get((report.state, ReportState.RESOLVED))
            if rule is None or not rule.system_may:
                continue
            try:
                with transaction.atomic():  # a savepoint: a report someone just changed is left alone
                    report_transition(
                        actor=None,
                        report=report,
                        to=ReportState.RESOLVED,
                        note=report_note,
                        expected_state=report.state,
                        now=now,
                    )
            except (ConflictError, PermissionDenied, ValidationError):
                continue
    _notify_report_people(
        resolution,
        reports,
        kind="resolutions.report.outcome",
        template="resolutions_report_outcome",
        extra={"note": outcome},
        skip_user_id=getattr(actor, "pk", None),
    )


# --- milestones -------------------------------------------------------------------------------------


def _lock_open(resolution_id: int) -> Resolution:
    locked = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("neighborhood")
        .get(pk=resolution_id)
    )
    return locked


@transaction.atomic
def milestone_add(
    *, actor: Any, resolution: Resolution, title: str, due_on: date, now: datetime | None = None
) -> Milestone:
    """The responsible body plans a dated step of the work."""
    now = now or timezone.now()
    locked = _lock_open(resolution.pk)
    require_permission(actor, PROGRESS, locked)
    if locked.state not in OPEN_RESOLUTION_STATES:
        raise ConflictError(_("A finished resolution takes no new milestones."))
    errors: dict[str, list[str]] = {}
    title = _text(title, field="title", limit=TITLE_MAX, multiline=False, errors=errors)
    if "title" not in errors and not title:
        errors["title"] = [_("Name the milestone.")]
    adopted_on = local_date(locked.adopted_at)
    if not isinstance(due_on, date) or isinstance(due_on, datetime):
        errors["due_on"] = [_("Enter a date.")]
    elif not adopted_on <= due_on <= _add_years(local_date(now), DEADLINE_YEARS):
        errors["due_on"] = [_("Choose a date between the adoption and two years from now.")]
    if Milestone.objects.filter(resolution=locked).count() >= MAX_MILESTONES:
        errors["__all__"] = [_("A resolution has at most %(limit)s milestones.") % {"limit": MAX_MILESTONES}]
    if errors:
        raise ValidationError(errors)
    position = Milestone.objects.filter(resolution=locked).aggregate(top=Max("position"))["top"]
    milestone = Milestone.objects.create(
        resolution=locked, title=title, due_on=due_on, position=(position or 0) + 1
    )
    event_record(
        actor=actor,
        action="resolutions.milestone.added",
        obj=locked,
        after={"milestone": milestone.pk, "title": title, "due_on": due_on},
    )
    return milestone


@transaction.atomic
def milestone_mark_done(
    *, actor: Any, milestone: Milestone, done_on: date | None = None, now: datetime | None = None
) -> Milestone:
    """The responsible body records that a milestone was reached (on a day not in the future)."""
    now = now or timezone.now()
    today = local_date(now)
    locked = _lock_open(milestone.resolution_id)
    require_permission(actor, PROGRESS, locked)
    step = Milestone.objects.select_for_update().get(pk=milestone.pk, resolution=locked)
    if locked.state not in OPEN_RESOLUTION_STATES:
        raise ConflictError(_("The resolution is finished; its milestones are closed."))
    if step.done_on is not None:
        raise ConflictError(_("This milestone is already marked done."))
    done_on = done_on or today
    if not isinstance(done_on, date) or isinstance(done_on, datetime):
        raise ValidationError({"done_on": [_("Enter a date.")]})
    if not local_date(locked.adopted_at) <= done_on <= today:
        raise ValidationError({"done_on": [_("Choose a day between the adoption and today.")]})
    step.done_on = done_on
    step.save(update_fields=["done_on"])
    event_record(
        actor=actor,
        action="resolutions.milestone.done",
        obj=locked,
        after={"milestone": step.pk, "title": step.title, "done_on": done_on},
    )
    _notify_all(
        _people(_council_q(locked)),
        resolution=locked,
        kind="resolutions.milestone.done",
        template="resolutions_milestone_done",
        context=_context(locked, milestone=step.title),
        skip=[getattr(actor, "pk", None)],
    )
    return step


# --- escalation -----------------------------------------------------------------------------------


@dataclass
class EscalationStats:
    to_district: int = 0
    to_deputy: int = 0


def escalation_days_by_city(*, today: date) -> dict[int, int]:
    """Each city's days overdue before a resolution reaches the deputy (its newest policy in force)."""
    days: dict[int, int] = {}
    rows = (
        CouncilPolicy.objects.filter(in_force_from__lte=today)
        .order_by("city_id", "-in_force_from")
        .values_list("city_id", "resolution_escalation_days")
    )
    for city_id, value in rows:
        days.setdefault(city_id, value)
    return days


def deputy_due_q(*, today: date) -> Q:
    """Open and overdue by more than the city's policy allows (30 days where no policy says)."""
    by_city = escalation_days_by_city(today=today)
    grouped: dict[int, list[int]] = {}
    for city_id, days in by_city.items():
        grouped.setdefault(days, []).append(city_id)
    late = ~Q(city_id__in=list(by_city)) & Q(deadline__lt=today - timedelta(days=DEFAULT_ESCALATION_DAYS))
    for days, cities in grouped.items():
        late |= Q(city_id__in=cities, deadline__lt=today - timedelta(days=days))
    return Q(state__in=OPEN_RESOLUTION_STATES) & late


def district_due_q(*, today: date) -> Q:
    return Q(state__in=OPEN_RESOLUTION_STATES, deadline__lt=today)


def resolutions_escalate_overdue(*, now: datetime | None = None, batch: int = 500) -> EscalationStats:
    """Raise overdue resolutions one level and tell the people who must act, and the council.

    - to the district: open after its deadline (district staff, the area officer, the agency's
      liaisons when an agency owns it, and the council's members hear of it);
    - to the deputy's attention list: still open `CouncilPolicy.resolution_escalation_days` after the
      deadline (the city's deputy staff, the district manager and the council hear of it).
    The level only rises, is re-checked under the row lock, and each breach notifies once.
    """
    now = now or timezone.now()
    today = local_date(now)
    stats = EscalationStats()
    for level, due in (
        (ResolutionEscalation.DEPUTY, deputy_due_q(today=today)),
        (ResolutionEscalation.DISTRICT, district_due_q(today=today)),
    ):
        ids = list(
            Resolution.objects.filter(due, escalation_level__lt=level)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        for resolution_id in ids:
            if _escalate(resolution_id=resolution_id, level=level, due=due, now=now):
                if level == ResolutionEscalation.DEPUTY:
                    stats.to_deputy += 1
                else:
                    stats.to_district += 1
    return stats


@transaction.atomic
def _escalate(*, resolution_id: int, level: int, due: Q, now: datetime) -> bool:
    # Re-checked under the lock: the responsible body may have finished it since the list was read.
    locked = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("neighborhood")
        .filter(due, pk=resolution_id, escalation_level__lt=level)
        .first()
    )
    if locked is None:
        return False
    before = locked.escalation_level
    locked.escalation_level, locked.escalated_at = level, now
    locked.save(update_fields=["escalation_level", "escalated_at"])
    event_record(
        actor=None,
        action="resolutions.resolution.escalated",
        obj=locked,
        before={"escalation_level": before},
        after={"escalation_level": level},
    )
    who = _council_q(locked)
    if level == ResolutionEscalation.DISTRICT:
        who |= _responsible_q(locked)
    else:
        who |= Q(role=Role.DEPUTY, city_id=locked.city_id)
        who |= Q(role=Role.DISTRICT_MANAGER, district_id=locked.district_id)
    _notify_all(
        _people(who),
        resolution=locked,
        kind="resolutions.escalation",
        template="resolutions_escalated",
        context=_context(locked, level=level),
        dedupe_key=f"resolution:{locked.pk}:escalation:{level}",
    )
    return True
