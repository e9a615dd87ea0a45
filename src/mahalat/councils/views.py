"""Council pages: the public council page, the council's workspace, its management by the district,
the district's council health, and the deputy's seat templates and council policy. Thin: reads from
selectors, writes through services, permissions from accounts.rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import engines
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.models import Role, RoleAssignment
from mahalat.accounts.rules import has_permission
from mahalat.councils import selectors, services
from mahalat.councils.forms import (
    EndMembershipForm,
    GroupMemberForm,
    PolicyForm,
    RoleForm,
    SeatMemberForm,
    SeatTemplateForm,
    TransitionForm,
    WorkingGroupForm,
    seat_rows,
    seat_type_formset,
)
from mahalat.councils.models import Council, Membership, MembershipEnd, SeatTemplate, WorkingGroup
from mahalat.errors import ConflictError
from mahalat.reports.models import OPEN_STATES
from mahalat.reports.selectors import ReportFilters, report_list
from mahalat.territory.models import City, Neighborhood
from mahalat.territory.selectors import neighborhood_get

RECENT_REPORTS = 10


def _panel_libraries() -> dict[str, bool]:
    """Which other apps' workspace panels are installed (each app ships its own template library)."""
    libraries = engines["django"].engine.template_libraries  # type: ignore[attr-defined]
    return {"meetings": "meetings_panels" in libraries, "resolutions": "resolutions_panels" in libraries}


# --- public --------------------------------------------------------------------------------------------


def public(request: HttpRequest, slug: str) -> HttpResponse:
    neighborhood = neighborhood_get(slug=slug)
    council = selectors.current_council(neighborhood_id=neighborhood.pk)
    composition = selectors.compositions([council])[0] if council else None
    context = {
        "neighborhood": neighborhood,
        "council": council,
        "composition": composition,
        "previous": selectors.previous_terms(neighborhood_id=neighborhood.pk),
    }
    return render(request, "councils/public.html", context)


# --- the council's workspace ---------------------------------------------------------------------------


def _council_for(request: HttpRequest, council_id: int, perm: str) -> Council:
    council = selectors.council_get(council_id=council_id)
    if not has_permission(request.user, perm, council):
        raise PermissionDenied(_("You do not work on this council."))
    return council


@login_required
def workspace(request: HttpRequest, council_id: int) -> HttpResponse:
    council = _council_for(request, council_id, "governance.read_internal")
    composition = selectors.compositions([council])[0]
    reports = list(
        report_list(
            user=request.user,
            filters=ReportFilters(neighborhood=council.neighborhood.slug, state=list(OPEN_STATES)),
        )[:RECENT_REPORTS]
    )
    mine = next((m for m in composition.members if m.user_id == request.user.pk), None)
    context = {
        "council": council,
        "composition": composition,
        "reports": reports,
        "my_membership": mine,
        "panels": _panel_libraries(),
        "may_manage": has_permission(request.user, "councils.seat_member", council),
        "may_manage_groups": has_permission(request.user, "councils.manage_working_groups", council),
    }
    return render(request, "councils/workspace.html", context)


@login_required
@require_POST
def resign(request: HttpRequest, council_id: int, membership_id: int) -> HttpResponse:
    membership = Membership.objects.filter(pk=membership_id, council_id=council_id).first()
    if membership is None:
        raise Http404(_("There is no such seat."))
    try:
        services.membership_end(actor=request.user, membership=membership, reason=MembershipEnd.RESIGNED)
    except ConflictError as exc:
        messages.error(request, exc.message)
        return redirect("councils:workspace", council_id=council_id)
    messages.success(request, _("Your resignation was recorded. Thank you for your service."))
    return redirect("councils:public", slug=membership.council.neighborhood.slug)


# --- management by the district ------------------------------------------------------------------------


def _manage_context(council: Council, request: HttpRequest, **forms: Any) -> dict[str, Any]:
    composition = selectors.compositions([council])[0]
    ended = list(
        Membership.objects.filter(council=council, ends_on__isnull=False)
        .select_related("user", "seat_type", "replaced_by")
        .order_by("-ends_on", "-id")[:30]
    )
    return {
        "council": council,
        "composition": composition,
        "ended": ended,
        "transition_form": forms.get("transition_form") or TransitionForm(state=council.state),
        "seat_form": forms.get("seat_form") or SeatMemberForm(seat_types=composition.seat_types),
        "group_form": forms.get("group_form") or WorkingGroupForm(members=composition.members),
        "end_form": EndMembershipForm(),
        "role_form": RoleForm(),
        "group_member_form": GroupMemberForm(members=composition.members),
        "may_form": has_permission(request.user, "councils.form_council", council),
        "may_manage_groups": has_permission(request.user, "councils.manage_working_groups", council),
        "transitions": list(council.transitions.select_related("actor").order_by("-at", "-id")[:20]),
    }


def _manageable(request: HttpRequest, council_id: int) -> Council:
    council = selectors.council_get(council_id=council_id)
    if not (
        has_permission(request.user, "councils.seat_member", council)
        or has_permission(request.user, "councils.manage_working_groups", council)
    ):
        raise PermissionDenied(_("Only the district's staff manage this council."))
    return council


@login_required
def manage(request: HttpRequest, council_id: int) -> HttpResponse:
    council = _manageable(request, council_id)
    return render(request, "councils/manage.html", _manage_context(council, request))


def _act(
    request: HttpRequest,
    council: Council,
    action: Callable[[], Any],
    *,
    success: str,
    form: Any = None,
    form_name: str = "",
) -> HttpResponse:
    """Run a service; on a refusal show the page again with the message and the right status."""
    status = 400
    try:
        action()
    except ValidationError as exc:
        if form is not None:
            apply_service_errors(form, exc)
        else:
            for message in exc.messages:
                messages.error(request, message)
    except ConflictError as exc:
        status = 409
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
        return redirect("councils:manage", council_id=council.pk)
    extra = {form_name: form} if form is not None else {}
    return render(request, "councils/manage.html", _manage_context(council, request, **extra), status=status)


@login_required
@require_POST
def transition(request: HttpRequest, council_id: int) -> HttpResponse:
    council = _manageable(request, council_id)
    form = TransitionForm(request.POST, state=council.state)
    if not form.is_valid():
        if "to" in form.errors:  # a state the table does not offer from here
            messages.error(request, _("That change is not possible from the council's present state."))
            ctx = _manage_context(council, request, transition_form=form)
            return render(request, "councils/manage.html", ctx, status=409)
        return render(
            request,
            "councils/manage.html",
            _manage_context(council, request, transition_form=form),
            status=400,
        )
    data = form.cleaned_data
    return _act(
        request,
        council,
        lambda: services.council_transition(
            actor=request.user,
            council=council,
            to=data["to"],
            reason=data["reason"],
            term_start=data["term_start"],
            term_end=data["term_end"],
            expected_state=data["expected_state"] or None,
        ),
        success=_("The council's state was changed."),
        form=form,
        form_name="transition_form",
    )


@login_required
@require_POST
def renew(request: HttpRequest, council_id: int) -> HttpResponse:
    council = _manageable(request, council_id)
    try:
        successor = services.council_renew(actor=request.user, council=council)
    except ConflictError as exc:
        messages.error(request, exc.message)
        return redirect("councils:manage", council_id=council.pk)
    messages.success(request, _("The next term's council was opened; seat its members."))
    return redirect("councils:manage", council_id=successor.pk)


@login_required
@require_POST
def seat(request: HttpRequest, council_id: int) -> HttpResponse:
    council = _manageable(request, council_id)
    composition = selectors.compositions([council])[0]
    form = SeatMemberForm(request.POST, seat_types=composition.seat_types)
    if not form.is_valid():
        return render(
            request, "councils/manage.html", _manage_context(council, request, seat_form=form), status=400
        )
    data = form.cleaned_data
    return _act(
        request,
        council,
        lambda: services.membership_seat(
            actor=request.user,
            council=council,
            user=data["phone"],
            seat_type=data["seat_type"],
            role=data["role"],
            office=data["office"],
            starts_on=data["starts_on"],
        ),
        success=_("The member was seated."),
        form=form,
        form_name="seat_form",
    )


def _membership(council: Council, membership_id: int) -> Membership:
    membership = Membership.objects.filter(pk=membership_id, council=council).first()
    if membership is None:
        raise Http404(_("There is no such seat."))
    return membership


@login_required
@require_POST
def member_role(request: HttpRequest, council_id: int, membership_id: int) -> HttpResponse:
    council = _manageable(request, council_id)
    membership = _membership(council, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("councils:manage", council_id=council.pk)
    return _act(
        request,
        council,
        lambda: services.membership_set_role(
            actor=request.user, membership=membership, role=form.cleaned_data["role"]
        ),
        success=_("The role was changed."),
    )


@login_required
@require_POST
def member_end(request: HttpRequest, council_id: int, membership_id: int) -> HttpResponse:
    council = _manageable(request, council_id)
    membership = _membership(council, membership_id)
    form = EndMembershipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose why the seat ends."))
        return redirect("councils:manage", council_id=council.pk)
    return _act(
        request,
        council,
        lambda: services.membership_end(
            actor=request.user,
            membership=membership,
            reason=form.cleaned_data["reason"],
            on=form.cleaned_data["on"],
        ),
        success=_("The seat was ended."),
    )


@login_required
@require_POST
def member_replace(request: HttpRequest, council_id: int, membership_id: int) -> HttpResponse:
    council = _manageable(request, council_id)
    membership = _membership(council, membership_id)
    result: list[Membership | None] = []
    response = _act(
        request,
        council,
        lambda: result.append(
            services.membership_replace_from_runners_up(actor=request.user, membership=membership)
        ),
        success=_("The runner-up was seated."),
    )
    if result and result[0] is None:
        # The success message was queued; correct it: nobody was left to seat.
        list(messages.get_messages(request))
        messages.warning(request, _("No runner-up of that election is left to take the seat."))
    return response


@login_required
@require_POST
def working_group_save(request: HttpRequest, council_id: int) -> HttpResponse:
    council = _manageable(request, council_id)
    if request.POST.get("defaults"):
        return _act(
            request,
            council,
            lambda: services.working_groups_create_defaults(actor=request.user, council=council),
            success=_("The standard working groups were created."),
        )
    composition = selectors.compositions([council])[0]
    form = WorkingGroupForm(request.POST, members=composition.members)
    if not form.is_valid():
        return render(
            request, "councils/manage.html", _manage_context(council, request, group_form=form), status=400
        )
    data = form.cleaned_data
    lead = next((m for m in composition.members if m.pk == data["lead"]), None)
    return _act(
        request,
        council,
        lambda: services.working_group_save(
            actor=request.user, council=council, name=data["name"], kind=data["kind"], lead=lead
        ),
        success=_("The working group was saved."),
        form=form,
        form_name="group_form",
    )


@login_required
@require_POST
def working_group_members(request: HttpRequest, council_id: int, group_id: int) -> HttpResponse:
    council = _manageable(request, council_id)
    group = WorkingGroup.objects.filter(pk=group_id, council=council).first()
    if group is None:
        raise Http404(_("There is no such working group."))
    members = selectors.compositions([council])[0].members
    form = GroupMemberForm(request.POST, members=members)
    if not form.is_valid():
        messages.error(request, _("Choose a current member of this council."))
        return redirect("councils:manage", council_id=council.pk)
    membership = next(m for m in members if m.pk == form.cleaned_data["membership"])
    service = (
        services.working_group_member_add
        if form.cleaned_data["action"] == "add"
        else services.working_group_member_remove
    )
    return _act(
        request,
        council,
        lambda: service(actor=request.user, group=group, membership=membership),
        success=_("The working group was updated."),
    )


# --- the district --------------------------------------------------------------------------------------


@login_required
def district_health(request: HttpRequest, slug: str) -> HttpResponse:
    district = selectors.district_get(slug=slug)
    if not has_permission(request.user, "councils.view_council_health", district):
        raise PermissionDenied(_("You do not read this district's councils."))
    sort = request.GET.get("sort", "name")
    if sort not in selectors.HEALTH_SORTS:
        sort = "name"
    rows = selectors.council_health(district_id=district.pk, sort=sort)
    context = {
        "district": district,
        "rows": rows,
        "sort": sort,
        "columns": [
            ("name", _("Neighborhood")),
            ("state", _("Council")),
            ("term_end", _("Term ends")),
            ("meetings", _("Meetings held / expected")),
            ("attendance", _("Attendance")),
            ("quorum", _("Without quorum")),
            ("overdue", _("Overdue resolutions")),
            ("vacant", _("Vacant seats")),
        ],
        "may_form": has_permission(request.user, "councils.form_council", district),
    }
    return render(request, "councils/district_health.html", context)


@login_required
@require_POST
def form_council(request: HttpRequest, slug: str) -> HttpResponse:
    district = selectors.district_get(slug=slug)
    neighborhood = Neighborhood.objects.filter(
        slug=request.POST.get("neighborhood", ""), district=district
    ).first()
    if neighborhood is None:
        raise Http404(_("There is no such neighborhood in this district."))
    try:
        council = services.council_create(actor=request.user, neighborhood=neighborhood)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("councils:district-health", slug=slug)
    messages.success(
        request, _("A council is forming for %(name)s; seat its members.") % {"name": neighborhood}
    )
    return redirect("councils:manage", council_id=council.pk)


# --- the deputy: seat templates and policy -------------------------------------------------------------


def _policy_city(request: HttpRequest, perm: str) -> City:
    """The city whose templates and policy this person authors (`?city=` when they hold several)."""
    city_ids = list(
        RoleAssignment.objects.active()
        .filter(user_id=request.user.pk, role__in=[Role.DEPUTY, Role.ADMINISTRATOR])
        .values_list("city_id", flat=True)
    )
    cities = City.objects.filter(pk__in=city_ids) if not request.user.is_superuser else City.objects.all()
    wanted = request.GET.get("city")
    city = (cities.filter(slug=wanted) if wanted else cities.order_by("pk")).first()
    if city is None or not has_permission(request.user, perm, SeatTemplate(city=city)):
        raise PermissionDenied(_("Only the Cultural-Social Deputy authors council templates and policy."))
    return city


def _template_formset(template: SeatTemplate | None, data: Any = None) -> Any:
    initial = (
        [
            {k: getattr(st, k) for k in ("code", "name", "name_en", "fill", "seats")}
            for st in template.seat_types.all()
        ]
        if template
        else []
    )
    rows = max(len(initial) + 3, 6)
    return seat_type_formset(extra=rows - len(initial))(data, initial=initial, prefix="seat")


@login_required
@require_http_methods(["GET", "POST"])
def seat_templates(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    city = _policy_city(request, "councils.author_seat_template")
    template = None
    if template_id is not None:
        template = SeatTemplate.objects.filter(pk=template_id, city=city).first()
        if template is None:
            raise Http404(_("There is no such seat template."))
    initial = (
        {
            "name": template.name,
            "name_en": template.name_en,
            "description": template.description,
            "is_default": template.is_default,
        }
        if template
        else {}
    )
    form = SeatTemplateForm(request.POST or None, initial=initial)
    formset = _template_formset(template, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and formset.is_valid():
            try:
                saved = services.seat_template_save(
                    actor=request.user,
                    city=city,
                    template=template,
                    seat_types=seat_rows(formset),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                if template is not None and saved.pk != template.pk:
                    messages.info(
                        request,
                        _("That template is used by councils, so the change was saved as a new template."),
                    )
                messages.success(request, _("The seat template was saved."))
                return redirect("councils:seat-template", template_id=saved.pk)
    context = {
        "city": city,
        "templates": selectors.seat_templates(city_id=city.pk),
        "template": template,
        "form": form,
        "formset": formset,
    }
    return render(request, "councils/seat_templates.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def council_policy(request: HttpRequest) -> HttpResponse:
    city = _policy_city(request, "councils.set_council_policy")
    form = PolicyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.council_policy_save(actor=request.user, city=city, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The council policy was saved."))
                return redirect("councils:policy")
    context = {
        "city": city,
        "form": form,
        "policies": selectors.policies(city_id=city.pk),
        "in_force": selectors.policy_in_force(city_id=city.pk),
    }
    return render(request, "councils/policy.html", context, status=status)
