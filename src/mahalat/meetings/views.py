"""Pages of council meetings: the public ones (a neighborhood's meetings, one meeting, its calendar file,
its minutes as a PDF, an item's attachment) and the staff ones (a council's meetings and proposals, and
running one meeting). Every action is a plain POST that calls one service; errors come back on the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.rules import has_permission, require_permission
from mahalat.councils.models import Membership
from mahalat.councils.selectors import policy_in_force
from mahalat.errors import ConflictError
from mahalat.meetings import selectors, services
from mahalat.meetings.forms import (
    AttachmentForm,
    CancelForm,
    GuestForm,
    MinutesForm,
    OpenVoteForm,
    PlaceItemForm,
    ProposeForm,
    RecordVoteForm,
    RescheduleForm,
    ResolutionForm,
    ScheduleForm,
    SeriesForm,
    VoteForm,
)
from mahalat.meetings.ics import meeting_ics
from mahalat.meetings.models import (
    AgendaAttachment,
    AgendaItem,
    AgendaItemState,
    AttendanceStatus,
    Meeting,
    MeetingState,
    Minutes,
    MinutesState,
    VoteMode,
)
from mahalat.meetings.pdf import minutes_pdf_for
from mahalat.reports.models import Report
from mahalat.territory.selectors import neighborhood_get
from mahalat.uploads import document_response

PAGE_SIZE = 20


# --- public pages --------------------------------------------------------------------------------------


@require_GET
def public_list(request: HttpRequest, slug: str) -> HttpResponse:
    neighborhood = neighborhood_get(slug=slug)
    upcoming, held = selectors.meetings_of_neighborhood(neighborhood_id=neighborhood.pk)
    page = Paginator(held, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"neighborhood": neighborhood, "upcoming": list(upcoming[:10]), "page": page}
    return render(request, "meetings/public_list.html", context)


def _wants_internal(request: HttpRequest) -> bool:
    return request.GET.get("internal") == "1"


@require_GET
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(pk=pk)
    require_permission(request.user, "meetings.view_meeting", meeting)
    view = selectors.meeting_view(user=request.user, meeting=meeting, internal=_wants_internal(request))
    context = {
        "view": view,
        "meeting": meeting,
        "can_manage": _may_manage(request.user, meeting),
        "may_see_private": has_permission(request.user, "meetings.view_private_items", meeting),
    }
    return render(request, "meetings/public_detail.html", context)


@require_GET
def invite_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(pk=pk)
    require_permission(request.user, "meetings.view_meeting", meeting)
    body = meeting_ics(meeting=meeting, url=request.build_absolute_uri(reverse("meetings:public", args=[pk])))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


def minutes_pdf_response(*, user: Any, meeting: Meeting, internal: bool) -> HttpResponse:
    response = HttpResponse(
        minutes_pdf_for(user=user, meeting=meeting, internal=internal), content_type="application/pdf"
    )
    suffix = "-internal" if internal else ""
    response["Content-Disposition"] = f'inline; filename="minutes-{meeting.pk}{suffix}.pdf"'
    # The internal version must never sit in a shared cache.
    response["Cache-Control"] = "private, no-store" if internal else "public, max-age=60"
    return response


@require_GET
def minutes_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(pk=pk)
    return minutes_pdf_response(user=request.user, meeting=meeting, internal=_wants_internal(request))


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = AgendaAttachment.objects.select_related("item").filter(pk=pk).first()
    if attachment is None:
        raise Http404(_("There is no such attachment."))
    item = attachment.item
    perm = "meetings.view_private_items" if item.is_private else "meetings.view_meeting"
    if not has_permission(request.user, perm, item):
        raise Http404(_("There is no such attachment."))  # a private item's files do not exist for others
    return document_response(
        file=attachment.file,
        content_type=attachment.content_type,
        name=f"attachment-{attachment.pk}",
        as_attachment=False,
        cache="private, no-store" if item.is_private else "private, max-age=300",
    )


# --- staff: a council's meetings ---------------------------------------------------------------------


def _may_manage(user: Any, meeting: Meeting) -> bool:
    return any(
        has_permission(user, perm, meeting)
        for perm in ("meetings.run_meeting", "meetings.manage_agenda", "meetings.schedule_meeting")
    )


def _council_page(
    request: HttpRequest, council_id: int, *, status: int = 200, forms: dict[str, Any] | None = None
) -> HttpResponse:
    council = selectors.council_get(pk=council_id)
    if not (
        has_permission(request.user, "meetings.schedule_meeting", council)
        or has_permission(request.user, "meetings.propose_agenda_item", council)
    ):
        raise PermissionDenied(_("You do not have permission to do this here."))
    reports = selectors.agenda_report_choices(council=council)
    forms = forms or {}
    meetings = Paginator(
        Meeting.objects.filter(council=council).order_by("-starts_at", "-id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    initial_report = request.GET.get("report")
    context = {
        "council": council,
        "page": meetings,
        "proposals": list(selectors.council_proposals(council=council)[:50]),
        "proposed_reports": selectors.reports_proposed_for_agenda(council=council),
        "schedule_form": forms.get("schedule") or ScheduleForm(),
        "series_form": forms.get("series")
        or SeriesForm(
            prefix="series",
            initial={"every_weeks": services.every_weeks_for(policy_in_force(city_id=council.city_id))},
        ),
        "propose_form": forms.get("propose")
        or ProposeForm(reports=reports, initial={"report": initial_report} if initial_report else None),
        "can_schedule": has_permission(request.user, "meetings.schedule_meeting", council),
        "can_propose": has_permission(request.user, "meetings.propose_agenda_item", council),
    }
    return render(request, "meetings/council_meetings.html", context, status=status)


@login_required
@require_GET
def council_meetings(request: HttpRequest, council_id: int) -> HttpResponse:
    return _council_page(request, council_id)


@login_required
@require_POST
def schedule(request: HttpRequest, council_id: int) -> HttpResponse:
    council = selectors.council_get(pk=council_id)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            meeting = services.meeting_schedule(
                actor=request.user,
                council=council,
                starts_at=form.starts_at(),
                ends_at=form.ends_at(),
                place=form.cleaned_data["place"],
                online_url=form.cleaned_data["online_url"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            _form_errors(form, exc, rename={"starts_at": "starts", "ends_at": "ends"})
        except ConflictError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The meeting is scheduled and the members are invited."))
            return redirect("meetings:manage", pk=meeting.pk)
    return _council_page(request, council_id, status=400, forms={"schedule": form})


@login_required
@require_POST
def schedule_series(request: HttpRequest, council_id: int) -> HttpResponse:
    council = selectors.council_get(pk=council_id)
    form = SeriesForm(request.POST, prefix="series")
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = services.meeting_schedule_series(
                actor=request.user,
                council=council,
                first_day=data["first_day"],
                weekday=data["weekday"],
                at=data["at"],
                duration_minutes=data["duration_minutes"],
                count=data["count"],
                every_weeks=data["every_weeks"],
                place=data["place"],
                online_url=data["online_url"],
            )
        except ValidationError as exc:
            _form_errors(form, exc, rename={"starts_at": "first_day", "ends_at": "duration_minutes"})
        except ConflictError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                ngettext("%(count)s meeting is scheduled.", "%(count)s meetings are scheduled.", len(created))
                % {"count": len(created)},
            )
            return redirect("meetings:council", council_id=council.pk)
    return _council_page(request, council_id, status=400, forms={"series": form})


@login_required
@require_POST
def propose(request: HttpRequest, council_id: int) -> HttpResponse:
    council = selectors.council_get(pk=council_id)
    reports = selectors.agenda_report_choices(council=council)
    form = ProposeForm(request.POST, reports=reports)
    if form.is_valid():
        data = form.cleaned_data
        report = Report.objects.filter(pk=data["report"]).first() if data["report"] else None
        try:
            services.agenda_item_propose(
                actor=request.user,
                council=council,
                title=data["title"],
                description=data["description"],
                report=report,
                is_private=data["is_private"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The item is proposed for the agenda."))
            return redirect("meetings:council", council_id=council.pk)
    return _council_page(request, council_id, status=400, forms={"propose": form})


def _form_errors(form: Any, exc: ValidationError, *, rename: dict[str, str]) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = rename.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- staff: running one meeting -----------------------------------------------------------------------


def _manage_page(
    request: HttpRequest, meeting: Meeting, *, status: int = 200, forms: dict[str, Any] | None = None
) -> HttpResponse:
    user = request.user
    if not (_may_manage(user, meeting) or has_permission(user, "meetings.cast_vote", meeting)):
        raise PermissionDenied(_("You do not have permission to do this here."))
    view = selectors.meeting_view(user=user, meeting=meeting, internal=True)
    forms = forms or {}
    council = meeting.council
    members = [row.membership for row in view.members]
    present_members = [row.membership for row in view.members if row.status == AttendanceStatus.PRESENT]
    my_membership = Membership.objects.filter(council=council, user_id=user.pk, ends_on__isnull=True).first()
    voted = set()
    if my_membership is not None:
        voted = {
            iv.item.pk
            for iv in view.items
            for v in iv.item.member_votes.all()
            if v.membership_id == my_membership.pk
        }
    resolved = _resolved_items(view)
    proposals = (
        list(selectors.council_proposals(council=council))
        if meeting.state in (MeetingState.SCHEDULED, MeetingState.IN_SESSION)
        else []
    )
    proposals = [p for p in proposals if p.meeting_id != meeting.pk]
    minutes = view.minutes
    context = {
        "view": view,
        "meeting": meeting,
        "council": council,
        "can_run": has_permission(user, "meetings.run_meeting", meeting),
        "can_manage_agenda": has_permission(user, "meetings.manage_agenda", meeting),
        "can_schedule": has_permission(user, "meetings.schedule_meeting", meeting),
        "can_write": minutes is not None and has_permission(user, "meetings.write_minutes", minutes),
        "can_approve": minutes is not None and has_permission(user, "meetings.approve_minutes", minutes),
        "my_membership": my_membership,
        "my_present": my_membership is not None and my_membership in present_members,
        "voted": voted,
        "resolved": resolved,
        "statuses": [
            (s, s.label)
            for s in (AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)
        ],
        "reschedule_form": forms.get("reschedule")
        or RescheduleForm(
            prefix="move",
            initial={
                "day": meeting.starts_at,
                "starts": _local_time(meeting.starts_at),
                "ends": _local_time(meeting.ends_at),
                "place": meeting.place,
                "online_url": meeting.online_url,
                "version": meeting.version,
            },
        ),
        "cancel_form": forms.get("cancel") or CancelForm(),
        "place_form": forms.get("place") or PlaceItemForm(items=proposals),
        "proposals": proposals,
        "open_vote_form": OpenVoteForm(),
        "vote_form": VoteForm(),
        "record_form": RecordVoteForm(members=present_members),
        "guest_form": forms.get("guest") or GuestForm(),
        "attachment_form": forms.get("attachment") or AttachmentForm(),
        "minutes_form": forms.get("minutes")
        or (
            MinutesForm(
                items=[iv.item for iv in view.items],
                initial={"body": minutes.body, "version": minutes.version},
            )
            if minutes is not None
            else None
        ),
        "resolution_forms": _resolution_forms(view, resolved, forms.get("resolution")),
        "members": members,
        "MeetingState": MeetingState,
        "AgendaItemState": AgendaItemState,
        "VoteMode": VoteMode,
        "MinutesState": MinutesState,
    }
    return render(request, "meetings/manage.html", context, status=status)


def _local_time(value: Any) -> Any:
    from django.utils import timezone

    return timezone.localtime(value).time().replace(second=0, microsecond=0)


def _resolved_items(view: selectors.MeetingView) -> set[int]:
    """Adopted items that already have their resolution."""
    ids = [iv.item.pk for iv in view.items if iv.item.adopted]
    if not ids:
        return set()
    from mahalat.resolutions.models import Resolution

    return set(Resolution.objects.filter(agenda_item_id__in=ids).values_list("agenda_item_id", flat=True))


def _resolution_choices(meeting: Meeting) -> tuple[list[tuple[str, Any]], list[Any]]:
    from mahalat.referrals.models import Agency
    from mahalat.resolutions.models import ResponsibleKind

    agencies = list(Agency.objects.filter(city_id=meeting.city_id, is_active=True).order_by("name"))
    return list(ResponsibleKind.choices), agencies


def _resolution_forms(
    view: selectors.MeetingView, resolved: set[int], bound: tuple[int, ResolutionForm] | None
) -> dict[int, ResolutionForm]:
    adopted = [iv.item for iv in view.items if iv.item.adopted and iv.item.pk not in resolved]
    if not adopted:
        return {}
    kinds, agencies = _resolution_choices(view.meeting)
    forms: dict[int, ResolutionForm] = {}
    for item in adopted:
        if bound is not None and bound[0] == item.pk:
            forms[item.pk] = bound[1]
            continue
        reports = [item.report] if item.report_id else []
        forms[item.pk] = ResolutionForm(
            prefix=f"r{item.pk}",
            kinds=kinds,
            agencies=agencies,
            reports=reports,
            initial={"title": item.title, "text": item.description, "reports": [r.pk for r in reports]},
        )
    return forms


def _meeting_for(pk: int) -> Meeting:
    return selectors.meeting_get(pk=pk)


@login_required
@require_GET
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_page(request, _meeting_for(pk))


def _act(
    request: HttpRequest,
    meeting: Meeting,
    action: Callable[[], Any],
    *,
    done: str,
    form_key: str = "",
    form: Any = None,
) -> HttpResponse:
    """Run one service; on success back to the meeting page with a message, on a refusal the page again
    with the reason (400 for bad input, 409 for a state that does not allow it)."""
    try:
        action()
    except ValidationError as exc:
        if form is not None:
            apply_service_errors(form, exc)
        else:
            for text in exc.messages:
                messages.error(request, text)
        return _manage_page(
            request, _meeting_for(meeting.pk), status=400, forms={form_key: form} if form else None
        )
    except ConflictError as exc:
        messages.error(request, exc.message)
        return _manage_page(request, _meeting_for(meeting.pk), status=409)
    messages.success(request, done)
    return redirect("meetings:manage", pk=meeting.pk)


def _invalid(request: HttpRequest, meeting: Meeting, form: Any, key: str = "") -> HttpResponse:
    if not key:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    return _manage_page(request, meeting, status=400, forms={key: form} if key else None)


@login_required
@require_POST
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(pk)
    form = RescheduleForm(request.POST, prefix="move")
    if not form.is_valid():
        return _invalid(request, meeting, form, "reschedule")

    try:
        services.meeting_reschedule(
            actor=request.user,
            meeting=meeting,
            starts_at=form.starts_at(),
            ends_at=form.ends_at(),
            place=form.cleaned_data["place"],
            online_url=form.cleaned_data["online_url"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        _form_errors(form, exc, rename={"starts_at": "starts", "ends_at": "ends"})
        return _manage_page(request, _meeting_for(pk), status=400, forms={"reschedule": form})
    except ConflictError as exc:
        messages.error(request, exc.message)
        return _manage_page(request, _meeting_for(pk), status=409)
    messages.success(request, _("The meeting is moved and the members are told."))
    return redirect("meetings:manage", pk=pk)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(pk)
    to = request.POST.get("to", "")
    form = CancelForm(request.POST) if to == MeetingState.CANCELLED else None
    if form is not None and not form.is_valid():
        return _invalid(request, meeting, form, "cancel")
    done = {
        MeetingState.IN_SESSION: _("The meeting is open. Record who is present."),
        MeetingState.CLOSED: _("The meeting is closed. Write the minutes."),
        MeetingState.CANCELLED: _("The meeting is cancelled and the members are told."),
    }.get(to, _("Done."))
    return _act(
        request,
        meeting,
        lambda: services.meeting_transition(
            actor=request.user,
            meeting=meeting,
            to=to,
            reason=form.cleaned_data["reason"] if form else "",
            expected_state=request.POST.get("expected_state") or None,
        ),
        done=done,
        form_key="cancel" if form else "",
        form=form,
    )


@login_required
@require_POST
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(pk)
    membership = Membership.objects.filter(
        pk=_int(request.POST.get("membership")), council_id=meeting.council_id
    ).first()
    if membership is None:
        messages.error(request, _("Choose a member of this council."))
        return _manage_page(request, meeting, status=400)
    return _act(
        request,
        meeting,
        lambda: services.attendance_record(
            actor=request.user, meeting=meeting, membership=membership, status=request.POST.get("status", "")
        ),
        done=_("Attendance recorded."),
    )


@login_required
@require_POST
def guest_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(pk)
    form = GuestForm(request.POST)
    if not form.is_valid():
        return _invalid(request, meeting, form, "guest")
    return _act(
        request,
        meeting,
        lambda: services.attendance_add_guest(
            actor=request.user,
            meeting=meeting,
            name=form.cleaned_data["guest_name"],
            affiliation=form.cleaned_data["guest_affiliation"],
        ),
        done=_("Guest added."),
        form_key="guest",
        form=form,
    )


@login_required
@require_POST
def place_item(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(pk)
    item = AgendaItem.objects.filter(pk=_int(request.POST.get("item")), council_id=meeting.council_id).first()
    if item is None:
        messages.error(request, _("Choose a proposal of this council."))
        return _manage_page(request, meeting, status=400)
    return _act(
        request,
        meeting,
        lambda: services.agenda_item_transition(
            actor=request.user,
            item=item,
            to=AgendaItemState.SCHEDULED,
            meeting=meeting,
            expected_state=item.state,
        ),
        done=_("The item is on the agenda."),
    )


def _item_for(pk: int) -> AgendaItem:
    item = AgendaItem.objects.select_related("meeting").filter(pk=pk).first()
    if item is None or item.meeting is None:
        raise Http404(_("There is no such agenda item."))
    return item


@login_required
@require_POST
def item_transition(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for(pk)
    to = request.POST.get("to", "")
    done = {
        AgendaItemState.VOTING: _("The vote is open."),
        AgendaItemState.DECIDED: _("The vote is closed."),
    }.get(to, _("Done."))
    return _act(
        request,
        item.meeting,
        lambda: services.agenda_item_transition(
            actor=request.user,
            item=item,
            to=to,
            expected_state=request.POST.get("expected_state") or None,
            vote_mode=request.POST.get("vote_mode", ""),
            majority=request.POST.get("majority", ""),
        ),
        done=done,
    )


@login_required
@require_POST
def item_move(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for(pk)
    return _act(
        request,
        item.meeting,
        lambda: services.agenda_item_move(
            actor=request.user, item=item, up=request.POST.get("direction") == "up"
        ),
        done=_("The agenda is reordered."),
    )


@login_required
@require_POST
def item_attach(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for(pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, item.meeting, form)
    return _act(
        request,
        item.meeting,
        lambda: services.agenda_attachment_add(
            actor=request.user, item=item, upload=form.cleaned_data["file"], name=form.cleaned_data["name"]
        ),
        done=_("The file is attached."),
    )


@login_required
@require_POST
def item_vote(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for(pk)
    membership = None
    if request.POST.get("membership"):
        membership = Membership.objects.filter(
            pk=_int(request.POST.get("membership")), council_id=item.council_id
        ).first()
        if membership is None:
            messages.error(request, _("Choose a member of this council."))
            return _manage_page(request, item.meeting, status=400)
    return _act(
        request,
        item.meeting,
        lambda: services.vote_cast(
            actor=request.user, item=item, choice=request.POST.get("choice", ""), membership=membership
        ),
        done=_("The vote is recorded."),
    )


@login_required
@require_POST
def item_resolution(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for(pk)
    kinds, agencies = _resolution_choices(item.meeting)
    reports = [item.report] if item.report_id else []
    form = ResolutionForm(request.POST, prefix=f"r{item.pk}", kinds=kinds, agencies=agencies, reports=reports)
    if not form.is_valid():
        return _manage_page(request, item.meeting, status=400, forms={"resolution": (item.pk, form)})
    data = form.cleaned_data

    def action() -> None:
        from mahalat.resolutions.services import resolution_adopt

        agency = next((a for a in agencies if a.pk == data["responsible_agency"]), None)
        resolution_adopt(
            actor=request.user,
            item=item,
            title=data["title"],
            text=data["text"],
            responsible_kind=data["responsible_kind"],
            responsible_agency=agency,
            deadline=data["deadline"],
            report_ids=tuple(data["reports"]),
        )

    try:
        action()
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _manage_page(request, item.meeting, status=400, forms={"resolution": (item.pk, form)})
    except ConflictError as exc:
        messages.error(request, exc.message)
        return _manage_page(request, item.meeting, status=409)
    messages.success(request, _("The resolution is adopted."))
    return redirect("meetings:manage", pk=item.meeting_id)


@login_required
@require_POST
def minutes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(pk)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        raise Http404(_("This meeting has no minutes yet."))
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .exclude(state=AgendaItemState.WITHDRAWN)
        .order_by("position", "id")
    )
    form = MinutesForm(request.POST, items=items)
    if not form.is_valid():
        return _invalid(request, meeting, form, "minutes")
    return _act(
        request,
        meeting,
        lambda: services.minutes_update(
            actor=request.user,
            minutes=minutes,
            body=form.cleaned_data["body"],
            discussions=form.discussions(),
            expected_version=form.cleaned_data["version"],
        ),
        done=_("The minutes are saved."),
        form_key="minutes",
        form=form,
    )


@login_required
@require_POST
def minutes_transition(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(pk)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        raise Http404(_("This meeting has no minutes yet."))
    to = request.POST.get("to", "")
    done = _("The minutes are approved.") if to == MinutesState.APPROVED else _("The minutes are published.")
    return _act(
        request,
        meeting,
        lambda: services.minutes_transition(
            actor=request.user, minutes=minutes, to=to, expected_version=_int(request.POST.get("version"))
        ),
        done=done,
    )


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
