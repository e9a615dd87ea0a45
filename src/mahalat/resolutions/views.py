"""Resolution pages: the public accountability page of a neighborhood and a resolution's public page;
the staff tracker, a resolution's staff page (assign, progress, milestones, finish) and the deputy's
attention list. Thin: reads from selectors, writes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.rules import has_permission, held_roles
from mahalat.errors import ConflictError
from mahalat.persian.digits import localize_digits
from mahalat.referrals.models import Agency
from mahalat.resolutions import selectors
from mahalat.resolutions.forms import (
    AccountabilityFilterForm,
    MilestoneDoneForm,
    MilestoneForm,
    StaffFilterForm,
    TransitionForm,
)
from mahalat.resolutions.models import Milestone, Resolution, ResolutionEscalation
from mahalat.resolutions.selectors import ResolutionFilters
from mahalat.resolutions.services import milestone_add, milestone_mark_done, resolution_transition
from mahalat.resolutions.workflow import PROGRESS, TRANSITIONS, allowed_targets
from mahalat.territory.models import Neighborhood
from mahalat.territory.selectors import neighborhood_get

PUBLIC_PAGE_SIZE = 20
STAFF_PAGE_SIZE = 50


def _query_without_page(request: HttpRequest) -> str:
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _states(value: str | None) -> list[str] | None:
    return [value] if value else None


# --- public -------------------------------------------------------------------------------------------


@require_GET
def accountability(request: HttpRequest, slug: str) -> HttpResponse:
    """Every public resolution of the neighborhood's councils (all terms), with who owns it and how far
    it has got, and the summary the public judges the council and the municipality by."""
    neighborhood = neighborhood_get(slug=slug)
    years = selectors.accountability_years(neighborhood_id=neighborhood.pk)
    form = AccountabilityFilterForm(request.GET or None, years=[(y, localize_digits(y)) for y in years])
    if form.is_bound:
        form.is_valid()
    filters = ResolutionFilters(
        state=_states(form.value_of("state")),
        overdue=True if form.value_of("overdue") else None,
        year=form.value_of("year"),
    )
    qs = selectors.accountability_list(neighborhood_id=neighborhood.pk, filters=filters)
    page = Paginator(qs, PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    summary = selectors.summarize(Resolution.objects.filter(neighborhood_id=neighborhood.pk, is_public=True))
    return render(
        request,
        "resolutions/accountability.html",
        {
            "neighborhood": neighborhood,
            "form": form,
            "page": page,
            "summary": summary,
            "page_query": _query_without_page(request),
        },
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    resolution = selectors.resolution_get(user=request.user, pk=pk)
    return render(
        request,
        "resolutions/detail.html",
        {
            "resolution": resolution,
            "history": selectors.resolution_history(resolution=resolution),
            "milestones": list(resolution.milestones.all()),
            "linked_reports": list(resolution.reports.all()),
            "may_work": _may_work(request.user, resolution),
        },
    )


def _may_work(user: Any, resolution: Resolution) -> bool:
    return any(
        has_permission(user, TRANSITIONS[(resolution.state, to)].permission, resolution)
        for to in allowed_targets(resolution.state)
    ) or (resolution.is_open and has_permission(user, PROGRESS, resolution))


# --- staff --------------------------------------------------------------------------------------------


def _require_staff(user: Any) -> None:
    if not (user.is_superuser or held_roles(user)):
        raise PermissionDenied(_("The resolution tracker is for councils and municipal staff."))


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    """The resolutions the person is responsible for or reads, nearest deadline first."""
    _require_staff(request.user)
    base = selectors.staff_resolution_list(user=request.user, filters=ResolutionFilters())
    neighborhoods = list(
        Neighborhood.objects.filter(pk__in=base.order_by().values("neighborhood_id"))
        .only("slug", "name", "name_en")
        .order_by("name", "id")
    )
    form = StaffFilterForm(
        request.GET or None, neighborhoods=[(n.slug, n.display_name) for n in neighborhoods]
    )
    if form.is_bound:
        form.is_valid()
    filters = ResolutionFilters(
        state=_states(form.value_of("state")),
        overdue=True if form.value_of("overdue") else None,
        neighborhood=form.value_of("neighborhood"),
        responsible_kind=form.value_of("responsible"),
    )
    qs = selectors.staff_resolution_list(user=request.user, filters=filters)
    page = Paginator(qs, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "resolutions/staff_list.html",
        {"form": form, "page": page, "page_query": _query_without_page(request)},
    )


@login_required
@require_GET
def attention(request: HttpRequest) -> HttpResponse:
    """The deputy's attention list: resolutions long overdue, still open."""
    _require_staff(request.user)
    qs = selectors.deputy_attention_list(user=request.user)
    page = Paginator(qs, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "resolutions/attention.html",
        {"page": page, "page_query": _query_without_page(request), "level": ResolutionEscalation.DEPUTY},
    )


def _staff_resolution(request: HttpRequest, pk: int) -> Resolution:
    _require_staff(request.user)
    resolution = (
        selectors.staff_resolution_list(user=request.user, filters=ResolutionFilters())
        .select_related("council", "meeting", "city")
        .filter(pk=pk)
        .first()
    )
    if resolution is None:
        raise Http404(_("There is no such resolution among those you follow."))
    return resolution


def _agencies(resolution: Resolution) -> Any:
    return Agency.objects.filter(city_id=resolution.city_id, is_active=True).order_by("name", "id")


def _transition_forms(
    user: Any, resolution: Resolution, *, bound: TransitionForm | None = None
) -> list[TransitionForm]:
    forms: list[TransitionForm] = []
    for target in allowed_targets(resolution.state):
        rule = TRANSITIONS[(resolution.state, target)]
        if not has_permission(user, rule.permission, resolution):
            continue
        if bound is not None and bound.target == target:
            forms.append(bound)
            continue
        initial: dict[str, Any] = {"expected_version": resolution.version}
        if rule.takes_progress:
            initial["progress"] = resolution.progress
        if rule.sets_owner:
            initial.update(
                responsible_kind=resolution.responsible_kind,
                responsible_agency=getattr(resolution.responsible_agency, "slug", None),
                deadline=resolution.deadline,
            )
        forms.append(
            TransitionForm(
                target=target,
                rule=rule,
                agencies=_agencies(resolution) if rule.sets_owner else None,
                initial=initial,
            )
        )
    return forms


def _staff_page(
    request: HttpRequest,
    resolution: Resolution,
    *,
    bound: TransitionForm | None = None,
    milestone_form: MilestoneForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_progress = resolution.is_open and has_permission(request.user, PROGRESS, resolution)
    return render(
        request,
        "resolutions/staff_detail.html",
        {
            "resolution": resolution,
            "history": selectors.resolution_history(resolution=resolution),
            "milestones": list(resolution.milestones.all()),
            "linked_reports": list(resolution.reports.all()),
            "forms": _transition_forms(request.user, resolution, bound=bound),
            # The resolution's referrals to agencies or other units, and whether this person may send one.
            "referrals": list(
                resolution.referrals.select_related(
                    "target_agency", "target_district", "target_area"
                ).order_by("sent_at", "id")
            ),
            "may_refer": resolution.is_open
            and has_permission(request.user, "referrals.send_referral", resolution),
            "may_progress": may_progress,
            "milestone_form": milestone_form or (MilestoneForm() if may_progress else None),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resolution = _staff_resolution(request, pk)
    if request.method == "GET":
        return _staff_page(request, resolution)
    action = request.POST.get("action", "")
    if action == "milestone-add":
        return _milestone_add(request, resolution)
    if action == "milestone-done":
        return _milestone_done(request, resolution)
    target = action.removeprefix("to-")
    rule = TRANSITIONS.get((resolution.state, target))
    if rule is None:
        messages.error(request, _("This step is not possible from the resolution's present state."))
        return _staff_page(request, resolution, status=409)
    if not has_permission(request.user, rule.permission, resolution):
        raise PermissionDenied(_("You do not have permission to do this here."))
    form = TransitionForm(
        request.POST,
        target=target,
        rule=rule,
        agencies=_agencies(resolution) if rule.sets_owner else None,
    )
    if not form.is_valid():
        return _staff_page(request, resolution, bound=form, status=400)
    data = form.cleaned_data
    try:
        resolution_transition(
            actor=request.user,
            resolution=resolution,
            to=target,
            note=data.get("note", ""),
            progress=data.get("progress"),
            expected_version=data["expected_version"],
            responsible_kind=data.get("responsible_kind"),
            responsible_agency=data.get("responsible_agency"),
            deadline=data.get("deadline"),
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _staff_page(request, resolution, bound=form, status=400)
    except ConflictError as exc:
        messages.error(request, exc.message)
        return _staff_page(request, _staff_resolution(request, pk), status=409)
    messages.success(request, _("Resolution %(number)s was updated.") % {"number": resolution.number})
    return redirect("resolutions:staff-detail", pk=resolution.pk)


def _milestone_add(request: HttpRequest, resolution: Resolution) -> HttpResponse:
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, resolution, milestone_form=form, status=400)
    try:
        milestone_add(
            actor=request.user,
            resolution=resolution,
            title=form.cleaned_data["title"],
            due_on=form.cleaned_data["due_on"],
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _staff_page(request, resolution, milestone_form=form, status=400)
    except ConflictError as exc:
        messages.error(request, exc.message)
        return _staff_page(request, resolution, status=409)
    messages.success(request, _("The milestone was added."))
    return redirect("resolutions:staff-detail", pk=resolution.pk)


def _milestone_done(request: HttpRequest, resolution: Resolution) -> HttpResponse:
    form = MilestoneDoneForm(request.POST)
    milestone = None
    if form.is_valid():
        milestone = Milestone.objects.filter(pk=form.cleaned_data["milestone"], resolution=resolution).first()
    if milestone is None:
        messages.error(request, _("Choose one of the resolution's milestones."))
        return _staff_page(request, resolution, status=400)
    try:
        milestone_mark_done(actor=request.user, milestone=milestone, done_on=form.cleaned_data.get("done_on"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _staff_page(request, resolution, status=400)
    except ConflictError as exc:
        messages.error(request, exc.message)
        return _staff_page(request, resolution, status=409)
    messages.success(request, _("The milestone was marked done."))
    return redirect("resolutions:staff-detail", pk=resolution.pk)
