"""The targets page: every territory indicator with the city-wide target in force, the districts' own
and their history; the form to set a target from a Jalali month, and to end one.

The deputy and administrators (`insights.set_target`) write; the other internal readers of the city or
of one of its districts (`insights.view_early_warnings`) read. Every write goes through
`insights.services`, which checks permission again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.rules import has_permission, held_roles, is_superuser
from mahalat.insights import services
from mahalat.insights.catalog import ScopeKind, indicators
from mahalat.insights.forms_targets import TargetForm, TargetRemoveForm, mark_invalid
from mahalat.insights.models import IndicatorTarget
from mahalat.insights.periods import month_of, year_start
from mahalat.insights.selectors import target_lines
from mahalat.policies.models import Policy, PolicyKind, PolicyState
from mahalat.territory.models import City, District


def _city(request: HttpRequest) -> City:
    """The city whose targets are shown (`?city=<slug>` for someone with roles in several)."""
    wanted = request.GET.get("city") or request.POST.get("city")
    if is_superuser(request.user):
        cities = City.objects.order_by("pk")
    else:
        ids = {h.scope.city_id for h in held_roles(request.user) if h.scope.city_id is not None}
        cities = City.objects.filter(pk__in=ids).order_by("pk")
    city = (cities.filter(slug=wanted) if wanted else cities).first()
    if city is None:
        raise PermissionDenied(_("Targets are read by the municipality's staff."))
    return city


def _may_set(request: HttpRequest, city: City) -> bool:
    return has_permission(request.user, "insights.set_target", IndicatorTarget(city=city))


def _may_read(request: HttpRequest, city: City) -> bool:
    if _may_set(request, city) or has_permission(request.user, "insights.view_early_warnings", city):
        return True
    # District staff read their city's targets through their own district.
    return any(
        h.scope.city_id == city.pk
        and h.scope.district_id is not None
        and has_permission(request.user, "insights.view_early_warnings", h.scope)
        for h in held_roles(request.user)
    )


def _territory_indicators() -> list[Any]:
    return [i for i in indicators() if i.scope_kinds & {ScopeKind.NEIGHBORHOOD, ScopeKind.DISTRICT}]


def _forms(city: City, data: Any = None, remove_data: Any = None) -> tuple[TargetForm, TargetRemoveForm]:
    now = timezone.now()
    districts = list(District.objects.filter(city=city).order_by("number", "pk"))
    policies = list(
        Policy.objects.filter(city=city, kind=PolicyKind.POLICY, state=PolicyState.PUBLISHED).order_by(
            "-published_at", "-pk"
        )
    )
    form = TargetForm(
        data,
        indicators=_territory_indicators(),
        districts=districts,
        policies=policies,
        default_month=year_start(now),
    )
    return form, TargetRemoveForm(remove_data, default_month=month_of(now))


def _page(
    request: HttpRequest,
    city: City,
    *,
    form: TargetForm | None = None,
    remove_form: TargetRemoveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_set = _may_set(request, city)
    blank_form, blank_remove = _forms(city) if may_set else (None, None)
    context = {
        "city": city,
        "lines": target_lines(city=city),
        "may_set": may_set,
        "form": form or blank_form,
        "remove_form": remove_form or blank_remove,
        "remove_failed": remove_form is not None,
        "month": month_of(timezone.now()),
    }
    return render(request, "insights/targets.html", context, status=status)


def _back(city: City) -> HttpResponse:
    return redirect(f"{reverse('insights:targets')}?city={city.slug}")


@login_required
@require_GET
def targets_page(request: HttpRequest) -> HttpResponse:
    city = _city(request)
    if not _may_read(request, city):
        raise PermissionDenied(_("Targets are read by the municipality's staff."))
    return _page(request, city)


@login_required
@require_POST
def target_set_view(request: HttpRequest) -> HttpResponse:
    city = _city(request)
    if not _may_set(request, city):
        raise PermissionDenied(_("Only the deputy sets targets."))
    form, _remove = _forms(city, request.POST)
    if form.is_valid():
        try:
            row = services.target_set(actor=request.user, city=city, **form.service_kwargs())
        except ValidationError as exc:
            apply_service_errors(form, exc)
            mark_invalid(form)
        else:
            messages.success(
                request,
                _("The target of “%(indicator)s” was set.")
                % {"indicator": dict(form.fields["code"].choices).get(row.code, row.code)},
            )
            return _back(city)
    return _page(request, city, form=form, status=400)


@login_required
@require_POST
def target_remove_view(request: HttpRequest) -> HttpResponse:
    city = _city(request)
    if not _may_set(request, city):
        raise PermissionDenied(_("Only the deputy sets targets."))
    _form, remove_form = _forms(city, remove_data=request.POST)
    if remove_form.is_valid():
        version = (
            IndicatorTarget.objects.filter(city=city, pk=remove_form.cleaned_data["version"])
            .select_related("city", "district")
            .first()
        )
        if version is None:
            remove_form.add_error(None, _("There is no such target."))
        else:
            try:
                services.target_remove(
                    actor=request.user,
                    target=version,
                    effective_from=remove_form.cleaned_data["effective_from"],
                )
            except ValidationError as exc:
                apply_service_errors(remove_form, exc)
            else:
                messages.success(request, _("The target was ended."))
                return _back(city)
    return _page(request, city, remove_form=remove_form, status=400)
