"""Each role's own workspace, and the few staff pages that exist so far. Thin: reads come from
selectors, writes from services, permissions from accounts.rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mahalat.accounts.forms import apply_service_errors
from mahalat.accounts.rules import has_permission
from mahalat.audit.selectors import events_visible_to
from mahalat.errors import ConflictError
from mahalat.territory.models import Neighborhood, NeighborhoodPhoto
from mahalat.territory.selectors import neighborhood_get
from mahalat.territory.services import (
    neighborhood_photo_add,
    neighborhood_photo_remove,
    neighborhood_profile_update,
    profile_version,
)
from mahalat.workspace import selectors
from mahalat.workspace.forms import IdentityProfileForm, PhotoForm
from mahalat.workspace.today import TODAY_ROLES, today_sections


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Land on the broadest workspace the person has; the others are in the navigation."""
    first = selectors.workspaces_for(user=request.user)[0]
    return redirect("workspace:space", slug=first.slug)


@login_required
def space(request: HttpRequest, slug: str) -> HttpResponse:
    spaces = {s.slug: s for s in selectors.workspaces_for(user=request.user)}
    workspace = spaces.get(slug)
    if workspace is None:
        raise Http404(_("You have no such workspace."))
    context = selectors.workspace_context(user=request.user, key=workspace.key)
    return render(
        request,
        "workspace/space.html",
        {"workspace": workspace, "current_workspace": workspace.key, **context},
    )


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """What needs attention today in the person's district or area (`?as=<workspace>` for someone who
    holds several of the roles that have the page)."""
    spaces = [s for s in selectors.workspaces_for(user=request.user) if s.key in TODAY_ROLES]
    if not spaces:
        raise PermissionDenied(_("This page is for district and area staff."))
    wanted = request.GET.get("as", "")
    workspace = next((s for s in spaces if s.slug == wanted), spaces[0])
    assignments = [a for a in selectors.active_assignments(user=request.user) if a.role == workspace.key]
    sections = today_sections(user=request.user, role=workspace.key, now=timezone.now())
    return render(
        request,
        "workspace/today.html",
        {
            "workspace": workspace,
            "current_workspace": workspace.key,
            "spaces": spaces,
            "assignments": assignments,
            "sections": sections,
            "total": sum(section.count for section in sections),
        },
    )


def _editable_neighborhood(request: HttpRequest, slug: str) -> Neighborhood:
    """The neighborhood, if this person may edit its identity; else 403 (or 404 if it does not exist)."""
    neighborhood = neighborhood_get(slug=slug)
    if not has_permission(request.user, "territory.change_identity_profile", neighborhood):
        raise PermissionDenied(
            _("Only the district and area staff of this neighborhood can edit its profile.")
        )
    return neighborhood


def _profile_page(
    request: HttpRequest,
    neighborhood: Neighborhood,
    *,
    form: IdentityProfileForm | None = None,
    photo_form: PhotoForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        initial = {name: getattr(neighborhood, name) for name in Neighborhood.PROFILE_FIELDS}
        form = IdentityProfileForm(initial={**initial, "version": profile_version(neighborhood)})
    context = {"neighborhood": neighborhood, "form": form, "photo_form": photo_form or PhotoForm()}
    return render(request, "workspace/identity_profile.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def identity_profile_edit(request: HttpRequest, slug: str) -> HttpResponse:
    neighborhood = _editable_neighborhood(request, slug)
    if request.method == "GET":
        return _profile_page(request, neighborhood)
    initial = {name: getattr(neighborhood, name) for name in Neighborhood.PROFILE_FIELDS}
    form = IdentityProfileForm(request.POST, initial=initial)
    if not form.is_valid():
        return _profile_page(request, neighborhood, form=form, status=400)
    changed = {name: form.cleaned_data[name] for name in form.changed_data if name != "version"}
    try:
        if changed:
            neighborhood_profile_update(
                actor=request.user,
                neighborhood=neighborhood,
                expected_version=form.cleaned_data["version"] or None,
                **changed,
            )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _profile_page(request, neighborhood, form=form, status=400)
    except ConflictError as exc:
        form.add_error(None, exc.message)
        return _profile_page(request, neighborhood, form=form, status=409)
    messages.success(request, _("The identity profile of %(name)s was saved.") % {"name": neighborhood})
    return redirect("workspace:identity-profile", slug=neighborhood.slug)


@login_required
@require_POST
def identity_photo_add(request: HttpRequest, slug: str) -> HttpResponse:
    neighborhood = _editable_neighborhood(request, slug)
    photo_form = PhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        try:
            neighborhood_photo_add(
                actor=request.user,
                neighborhood=neighborhood,
                image=photo_form.cleaned_data["image"],
                caption=photo_form.cleaned_data["caption"],
            )
        except ValidationError as exc:
            apply_service_errors(photo_form, exc)
        else:
            messages.success(request, _("The photo was added."))
            return redirect("workspace:identity-profile", slug=neighborhood.slug)
    return _profile_page(request, neighborhood, photo_form=photo_form, status=400)


@login_required
@require_POST
def identity_photo_remove(request: HttpRequest, slug: str, photo_id: int) -> HttpResponse:
    photo = NeighborhoodPhoto.objects.filter(pk=photo_id, neighborhood__slug=slug).first()
    if photo is None:
        raise Http404(_("There is no such photo."))
    neighborhood_photo_remove(actor=request.user, photo=photo)
    messages.success(request, _("The photo was removed."))
    return redirect("workspace:identity-profile", slug=slug)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    events = events_visible_to(user=request.user)
    if not events.query.is_empty():
        page = Paginator(events, 50).get_page(request.GET.get("page"))
    else:
        raise PermissionDenied(_("You cannot read the audit log."))
    return render(request, "workspace/audit_log.html", {"page": page})
