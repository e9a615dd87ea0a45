"""Where referrals are worked: the list (an agency's inbox for its liaisons, the sent and received
referrals for municipal staff, the city's for the deputy), a referral's page with the actions the person
may take, the attachments, and the page that sends a referral.

Thin: reads come from `referrals.selectors`, every write goes through `referrals.services` (which check
permission and the state the person saw); this module only turns requests into calls and answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.models import DISTRICT_ROLES, Role
from mahalat.accounts.rules import has_permission, held_roles, is_superuser
from mahalat.errors import ConflictError
from mahalat.persian.jalali import format_jalali_date
from mahalat.referrals.delivery_selectors import deliveries_of_referral
from mahalat.referrals.forms import (
    ReferralCreateForm,
    ReferralFilterForm,
    ReferralTransitionForm,
    TargetChoices,
    target_value,
)
from mahalat.referrals.models import (
    OPEN_REFERRAL_STATES,
    Agency,
    DeadlineKind,
    Referral,
    ReferralEscalation,
    ReferralState,
    ServiceAgreement,
    TargetKind,
)
from mahalat.referrals.selectors import (
    ReferralFilters,
    agencies_serving,
    referral_for_view,
    referral_list,
    reporter_contact,
)
from mahalat.referrals.services import Hours, default_hours, referral_create, referral_transition
from mahalat.referrals.workflow import TRANSITIONS, allowed_targets
from mahalat.reports.models import Report
from mahalat.resolutions.models import Resolution
from mahalat.territory.models import Area, District
from mahalat.uploads import document_response
from mahalat.worktime.calendar import load_calendar, local_date

PAGE_SIZE = 25

STATE_BADGES: dict[str, str] = {
    ReferralState.SENT: "text-bg-warning",
    ReferralState.ACKNOWLEDGED: "text-bg-info",
    ReferralState.ACCEPTED: "text-bg-primary",
    ReferralState.DECLINED: "text-bg-dark",
    ReferralState.ANSWERED: "text-bg-primary",
    ReferralState.DONE: "text-bg-success",
    ReferralState.REOPENED: "text-bg-danger",
}
ESCALATION_BADGES: dict[int, str] = {
    ReferralEscalation.DISTRICT: "text-bg-warning",
    ReferralEscalation.DEPUTY: "text-bg-danger",
}


def _decorate(referral: Referral, now: datetime) -> Referral:
    """What a row or a page shows beside the stored fields: badges, the binding deadline, lateness."""
    referral.state_badge = STATE_BADGES.get(referral.state, "text-bg-secondary")
    referral.escalation_badge = (
        ESCALATION_BADGES.get(referral.escalation_level, "") if referral.is_open else ""
    )
    current = referral.current_deadline
    referral.deadline_kind, referral.deadline_at = current if current else ("", None)
    referral.overdue = referral.is_overdue(now)
    return referral


def _query_without_page(request: HttpRequest) -> str:
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- the list -------------------------------------------------------------------------------------


@login_required
@require_GET
def referral_list_view(request: HttpRequest) -> HttpResponse:
    """The referrals the person may see (selectors.referral_list restricts them), filtered, 25 a page."""
    user = request.user
    roles = held_roles(user)
    superuser = is_superuser(user)
    if not (superuser or roles):
        raise PermissionDenied(_("Referrals are for municipal staff, councils and executive agencies."))
    liaison_only = not superuser and all(h.role == Role.AGENCY_LIAISON for h in roles)
    city_ids = {h.scope.city_id for h in roles if h.scope.city_id is not None}
    districts_qs = District.objects.all() if superuser else District.objects.filter(city_id__in=city_ids)
    districts = [(d.pk, str(d)) for d in districts_qs.only("id", "name", "name_en").order_by("number", "id")]
    agencies: list[tuple[int, str]] | None = None
    if not liaison_only:
        agencies_qs = Agency.objects.all() if superuser else Agency.objects.filter(city_id__in=city_ids)
        agencies = [(a.pk, str(a)) for a in agencies_qs.only("id", "name", "name_en").order_by("name", "id")]
    form = ReferralFilterForm(request.GET or None, districts=districts, agencies=agencies)
    if form.is_bound:
        form.is_valid()
    filters = ReferralFilters(
        states=form.value_of("state", []),
        agency_id=form.value_of("agency") if agencies is not None else None,
        district_id=form.value_of("district"),
        due=form.value_of("due", ""),
        escalated=bool(form.value_of("escalated")),
        source=form.value_of("source", ""),
        query=form.value_of("q", ""),
    )
    page = Paginator(referral_list(user=user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [_decorate(r, now) for r in page.object_list]
    # A district's staff may send a referral of the district's own (not from a report or resolution).
    send_districts = sorted(
        {h.scope.district_id for h in roles if h.role in DISTRICT_ROLES and h.scope.district_id},
    )
    return render(
        request,
        "referrals/referral_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "page_query": _query_without_page(request),
            "selected_states": form.value_of("state", []),
            "liaison_only": liaison_only,
            "more_open": any(form.value_of(name) for name in ("state", "district", "agency", "source")),
            "send_districts": [(pk, name) for pk, name in districts if pk in send_districts],
        },
    )


# --- one referral ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineRow:
    kind: str
    label: str
    due: datetime
    current: bool
    passed: bool


def _deadlines(referral: Referral, now: datetime) -> list[DeadlineRow]:
    rows = [
        (DeadlineKind.ACKNOWLEDGE, _("Acknowledge by"), referral.acknowledge_due_at),
        (DeadlineKind.ANSWER, _("Answer by"), referral.answer_due_at),
        (DeadlineKind.FINISH, _("Finish by"), referral.finish_due_at),
    ]
    current = referral.deadline_kind
    return [
        DeadlineRow(kind=k, label=label, due=due, current=k == current, passed=k == current and due < now)
        for k, label, due in rows
    ]


def _suggestable_agencies(referral: Referral) -> QuerySet[Agency]:
    return (
        Agency.objects.filter(city_id=referral.city_id, is_active=True)
        .exclude(pk=referral.target_agency_id or 0)
        .order_by("name", "id")
    )


def transition_forms(
    *, user: Any, referral: Referral, bound: ReferralTransitionForm | None = None
) -> list[ReferralTransitionForm]:
    """A form for each next state the table allows from the referral's state and this person may give."""
    forms: list[ReferralTransitionForm] = []
    for target in allowed_targets(referral.state):
        rule = TRANSITIONS[(referral.state, target)]
        if rule.permission is None or not has_permission(user, rule.permission, referral):
            continue
        if bound is not None and bound.target == target:
            forms.append(bound)
            continue
        forms.append(
            ReferralTransitionForm(
                target=target,
                agencies=_suggestable_agencies(referral) if target == ReferralState.DECLINED else None,
                initial={"expected_state": referral.state},
            )
        )
    return forms


def _detail_context(
    request: HttpRequest,
    referral: Referral,
    *,
    bound: ReferralTransitionForm | None = None,
    action_errors: list[str] | None = None,
) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    _decorate(referral, now)
    forms = transition_forms(user=user, referral=referral, bound=bound)
    context: dict[str, Any] = {
        "referral": referral,
        "transitions": list(referral.transitions.all()),
        "attachments": list(referral.attachments.all()),
        "deadlines": _deadlines(referral, now),
        "contact": reporter_contact(user=user, referral=referral),
        "forms": forms,
        "open_target": bound.target if bound is not None else "",
        "action_errors": action_errors or [],
        # The log of deliveries to the agency's own system, for those who may read it.
        "deliveries_shown": referral.target_kind == TargetKind.AGENCY
        and has_permission(user, "referrals.view_deliveries", referral),
    }
    if context["deliveries_shown"]:
        context["deliveries"] = deliveries_of_referral(user=user, referral=referral)
    return context


def _render_detail(
    request: HttpRequest, referral: Referral, *, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(
        request, "referrals/referral_detail.html", _detail_context(request, referral, **extra), status=status
    )


@login_required
@require_GET
def referral_detail_view(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = referral_for_view(user=request.user, referral_id=referral_id)
    return _render_detail(request, referral)


@login_required
@require_POST
def referral_transition_view(request: HttpRequest, referral_id: int) -> HttpResponse:
    """One step of the referral's lifecycle, with the state the page showed (a stale page is a 409)."""
    referral = referral_for_view(user=request.user, referral_id=referral_id)
    target = request.POST.get("to", "")
    if target not in ReferralState.values:
        return _render_detail(
            request, referral, status=400, action_errors=[_("Choose one of the actions offered.")]
        )
    form = ReferralTransitionForm(
        request.POST,
        target=target,
        agencies=_suggestable_agencies(referral) if target == ReferralState.DECLINED else None,
    )
    if form.is_valid():
        try:
            changed = referral_transition(
                actor=request.user,
                referral=referral,
                to=target,
                expected_state=form.cleaned_data["expected_state"],
                **form.service_kwargs(),
            )
        except ConflictError as exc:
            # Shown as the referral is now, with the steps it really has.
            fresh = referral_for_view(user=request.user, referral_id=referral_id)
            return _render_detail(request, fresh, status=409, action_errors=[exc.message])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The referral is now “%(state)s”.") % {"state": ReferralState(changed.state).label},
            )
            return redirect("referrals:detail", referral_id=referral.pk)
    offered = {f.target for f in transition_forms(user=request.user, referral=referral)}
    if target in offered and "expected_state" not in form.errors:
        # What the person typed stays, with each error beside its field.
        return _render_detail(request, referral, status=400, bound=form)
    errors = list(form.non_field_errors())
    errors += [
        f"{form.fields[name].label}: {' '.join(field_errors)}"
        for name, field_errors in form.errors.items()
        if name in form.fields and name != "expected_state"
    ]
    if "expected_state" in form.errors:
        errors.append(_("The page was out of date. Reload it and try again."))
    return _render_detail(request, referral, status=400, action_errors=errors)


@login_required
@require_GET
@never_cache
def attachment_download(request: HttpRequest, referral_id: int, attachment_id: int) -> FileResponse:
    """A referral's attachment, for those who may see the referral; from the private storage, never
    cached."""
    referral = referral_for_view(user=request.user, referral_id=referral_id)
    attachment = next((a for a in referral.attachments.all() if a.pk == attachment_id), None)
    if attachment is None:
        raise Http404(_("There is no such attachment."))
    return document_response(
        file=attachment.file,
        content_type=attachment.content_type,
        name=f"referral-{referral.pk}-{attachment.pk}",
    )


# --- sending a referral ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """What is being referred: a citizen report, a council resolution, or a matter of the district's."""

    city_id: int
    district_id: int
    category_id: int | None
    subject: str
    report: Report | None = None
    resolution: Resolution | None = None
    district: District | None = None

    @property
    def obj(self) -> Any:
        return self.report or self.resolution or self.district

    @property
    def query(self) -> str:
        if self.report is not None:
            return QueryDict.fromkeys(["report"], self.report.tracking_code).urlencode()
        if self.resolution is not None:
            return QueryDict.fromkeys(["resolution"], str(self.resolution.pk)).urlencode()
        assert self.district is not None
        return QueryDict.fromkeys(["district"], str(self.district.pk)).urlencode()


def _int_param(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


def _source(request: HttpRequest) -> Source:
    params = request.GET
    if "report" in params:
        code = (params.get("report") or "").strip()
        report = (
            Report.objects.select_related("category", "neighborhood").filter(tracking_code=code).first()
            if code.isascii() and code.isdigit()
            else None
        )
        if report is None:
            raise Http404(_("There is no report with this tracking code."))
        subject = Truncator(" ".join(report.description.split())).chars(120)
        return Source(
            city_id=report.city_id,
            district_id=report.district_id,
            category_id=report.category_id,
            subject=subject,
            report=report,
        )
    if "resolution" in params:
        pk = _int_param(params.get("resolution"))
        resolution = Resolution.objects.filter(pk=pk).first() if pk else None
        if resolution is None:
            raise Http404(_("There is no such resolution."))
        return Source(
            city_id=resolution.city_id,
            district_id=resolution.district_id,
            category_id=None,
            subject=resolution.title,
            resolution=resolution,
        )
    pk = _int_param(params.get("district"))
    district = District.objects.filter(pk=pk).first() if pk else None
    if district is None:
        raise Http404(_("Say what to refer: a report, a resolution or a district's own matter."))
    return Source(
        city_id=district.city_id, district_id=district.pk, category_id=None, subject="", district=district
    )


def _targets(source: Source) -> TargetChoices:
    return TargetChoices(
        agencies=list(agencies_serving(district_id=source.district_id)),
        districts=list(District.objects.filter(city_id=source.city_id).order_by("number", "id")),
        areas=list(
            Area.objects.filter(city_id=source.city_id)
            .select_related("district")
            .order_by("district__number", "number", "id")
        ),
    )


def finish_dates(*, source: Source, targets: TargetChoices, now: datetime) -> dict[str, str]:
    """The last day the agreement gives each possible body, as the person will read it (Jalali): what
    the deadline can be shortened from. Two queries for the agreements and the calendar, whatever the
    number of bodies."""
    rows = ServiceAgreement.objects.filter(city_id=source.city_id).filter(
        Q(category__isnull=True) | Q(category_id=source.category_id)
        if source.category_id is not None
        else Q(category__isnull=True)
    )
    chosen: dict[int | None, ServiceAgreement] = {}
    for row in rows:
        # The body × category agreement wins over the body's default.
        if row.agency_id not in chosen or row.category_id is not None:
            chosen[row.agency_id] = row
    calendar = load_calendar(city_id=source.city_id, first_day=local_date(now))
    days: dict[int, date] = {}

    def last_day(agency_id: int | None) -> str:
        row = chosen.get(agency_id)
        hours = (
            Hours(acknowledge=row.acknowledge_hours, answer=row.answer_hours, finish=row.finish_hours)
            if row is not None
            else default_hours()
        )
        if hours.finish not in days:
            days[hours.finish] = local_date(calendar.add_working_time(start=now, hours=hours.finish))
        return format_jalali_date(days[hours.finish])

    result = {target_value(TargetKind.AGENCY, a.pk): last_day(a.pk) for a in targets.agencies}
    units = last_day(None)
    result.update({target_value(TargetKind.DISTRICT, d.pk): units for d in targets.districts})
    result.update({target_value(TargetKind.AREA, a.pk): units for a in targets.areas})
    return result


@login_required
@require_http_methods(["GET", "POST"])
def referral_create_view(request: HttpRequest) -> HttpResponse:
    """Send a referral of a report (`?report=<tracking code>`), a resolution (`?resolution=<id>`) or a
    district's own matter (`?district=<id>`) to an agency or a municipal unit."""
    source = _source(request)
    if not has_permission(request.user, "referrals.send_referral", source.obj):
        raise PermissionDenied(_("Only the district and area staff of this place can send referrals."))
    now = timezone.now()
    targets = _targets(source)
    dates = finish_dates(source=source, targets=targets, now=now)
    form_kwargs: dict[str, Any] = {
        "targets": targets,
        "finish_dates": dates,
        "from_report": source.report is not None,
    }
    status = 200
    if request.method == "POST":
        form = ReferralCreateForm(request.POST, request.FILES, **form_kwargs)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = referral_create(
                    actor=request.user,
                    target=data["target"],
                    subject=data["subject"],
                    note=data["note"],
                    report=source.report,
                    resolution=source.resolution,
                    district=source.district,
                    deadline=data["deadline"],
                    share_reporter_contact=bool(data.get("share_reporter_contact")),
                    attachments=data["attachments"],
                    now=now,
                )
            except ConflictError as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("The referral was sent to %(body)s.") % {"body": referral.target_label}
                )
                return redirect("referrals:detail", referral_id=referral.pk)
    else:
        form = ReferralCreateForm(initial={"subject": source.subject}, **form_kwargs)
    open_referral = None
    if source.report is not None:
        open_referral = (
            Referral.objects.filter(report=source.report, state__in=OPEN_REFERRAL_STATES)
            .select_related("target_agency", "target_district", "target_area")
            .first()
        )
    return render(
        request,
        "referrals/referral_create.html",
        {"form": form, "source": source, "open_referral": open_referral},
        status=status,
    )
