"""Each role's own workspace, and the few staff pages that exist so far. Thin: reads come from
selectors, writes from services, permissions from accounts.rules."""

from __future__ import annotations

from typing import Any

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
from mahalat.territory.models import Neighborhood, NeighborhoodPhoto, NeighborhoodProfileRevision
from mahalat.territory.selectors import (
    identity_neighborhood,
    neighborhood_decided_revisions,
    neighborhood_pending_revisions,
    photo_review_queue,
    reviewed_district_ids,
    revision_changes,
    revision_review_queue,
)
from mahalat.territory.services import (
    neighborhood_photo_add,
    neighborhood_photo_publish,
    neighborhood_photo_reject,
    neighborhood_photo_remove,
    neighborhood_profile_propose,
    neighborhood_profile_publish,
    neighborhood_profile_reject,
    neighborhood_profile_withdraw,
    profile_version,
)
from mahalat.workspace import selectors
from mahalat.workspace.forms import IdentityProfileForm, PhotoForm, ReviewNoteForm
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
    """The neighborhood with all its photos, if this person may edit its identity; else 403 (or 404 if
    it does not exist)."""
    neighborhood = identity_neighborhood(slug=slug)
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
    review_error: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        initial = {name: getattr(neighborhood, name) for name in Neighborhood.PROFILE_FIELDS}
        form = IdentityProfileForm(initial={**initial, "version": profile_version(neighborhood)})
    reviewer = has_permission(request.user, "territory.review_identity_profile", neighborhood)
    pending = neighborhood_pending_revisions(neighborhood=neighborhood)
    for revision in pending:
        revision.reviewable = reviewer and revision.author_id != request.user.pk
    photos = list(neighborhood.photos.all())
    for photo in photos:
        photo.reviewable = reviewer and not photo.is_published and photo.uploaded_by_id != request.user.pk
    context = {
        "neighborhood": neighborhood,
        "profile": [
            (Neighborhood._meta.get_field(name).verbose_name, getattr(neighborhood, name))
            for name in Neighborhood.PROFILE_FIELDS
        ],
        "form": form,
        "photo_form": photo_form or PhotoForm(),
        "photos": photos,
        "pending": pending,
        "decided": neighborhood_decided_revisions(neighborhood=neighborhood),
        "is_reviewer": reviewer,
        "review_error": review_error or {},
    }
    return render(request, "workspace/identity_profile.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def identity_profile_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The staff's identity page: the public profile, a form to propose an edit, the pending edits and
    photos (with publish and reject for the district manager)."""
    neighborhood = _editable_neighborhood(request, slug)
    if request.method == "GET":
        return _profile_page(request, neighborhood)
    initial = {name: getattr(neighborhood, name) for name in Neighborhood.PROFILE_FIELDS}
    form = IdentityProfileForm(request.POST, initial=initial)
    if not form.is_valid():
        return _profile_page(request, neighborhood, form=form, status=400)
    changed = {name: form.cleaned_data[name] for name in form.changed_data if name != "version"}
    try:
        neighborhood_profile_propose(
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
    messages.success(
        request,
        _("Your edit of %(name)s was sent for review; the public page changes once it is published.")
        % {"name": neighborhood},
    )
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
            messages.success(request, _("The photo was added; it is shown once a reviewer publishes it."))
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


def _back_to(request: HttpRequest, neighborhood: Neighborhood) -> HttpResponse:
    """Back to the page the review was made from: the queue or the neighborhood's identity page."""
    if request.POST.get("from") == "queue":
        return redirect("workspace:identity-reviews")
    return redirect("workspace:identity-profile", slug=neighborhood.slug)


def _review_failed(
    request: HttpRequest, neighborhood: Neighborhood, *, key: tuple[str, int], message: str, status: int
) -> HttpResponse:
    """The page the review came from again, the reason shown beside the item it was about."""
    error = {"kind": key[0], "pk": key[1], "message": message}
    if request.POST.get("from") == "queue":
        return _queue_page(request, review_error=error, status=status)
    return _profile_page(
        request, identity_neighborhood(slug=neighborhood.slug), review_error=error, status=status
    )


@login_required
@require_POST
def identity_revision_act(request: HttpRequest, revision_id: int, action: str) -> HttpResponse:
    """Publish, reject (with a note) or withdraw a proposed identity edit."""
    revision = (
        NeighborhoodProfileRevision.objects.select_related("neighborhood").filter(pk=revision_id).first()
    )
    if revision is None or not has_permission(
        request.user, "territory.change_identity_profile", revision.neighborhood
    ):
        raise Http404(_("There is no such proposed edit."))
    neighborhood, key = revision.neighborhood, ("revision", revision.pk)
    try:
        if action == "publish":
            neighborhood_profile_publish(actor=request.user, revision=revision)
            messages.success(request, _("The edit was published on the public page."))
        elif action == "reject":
            form = ReviewNoteForm(request.POST)
            if not form.is_valid():
                message = " ".join(str(e) for e in form.errors.get("note", []))
                return _review_failed(request, neighborhood, key=key, message=message, status=400)
            neighborhood_profile_reject(actor=request.user, revision=revision, note=form.cleaned_data["note"])
            messages.success(request, _("The edit was rejected; its author is told why."))
        else:
            neighborhood_profile_withdraw(actor=request.user, revision=revision)
            messages.success(request, _("Your proposed edit was withdrawn."))
    except ValidationError as exc:
        return _review_failed(request, neighborhood, key=key, message=" ".join(exc.messages), status=400)
    except ConflictError as exc:
        return _review_failed(request, neighborhood, key=key, message=exc.message, status=409)
    return _back_to(request, neighborhood)


@login_required
@require_POST
def identity_photo_review(request: HttpRequest, photo_id: int, action: str) -> HttpResponse:
    """Publish a pending photo, or reject it (it is deleted) with a note for its uploader."""
    photo = NeighborhoodPhoto.objects.select_related("neighborhood").filter(pk=photo_id).first()
    if photo is None or not has_permission(
        request.user, "territory.change_identity_profile", photo.neighborhood
    ):
        raise Http404(_("There is no such photo."))
    neighborhood, key = photo.neighborhood, ("photo", photo.pk)
    try:
        if action == "publish":
            neighborhood_photo_publish(actor=request.user, photo=photo)
            messages.success(request, _("The photo was published on the public page."))
        else:
            form = ReviewNoteForm(request.POST)
            if not form.is_valid():
                message = " ".join(str(e) for e in form.errors.get("note", []))
                return _review_failed(request, neighborhood, key=key, message=message, status=400)
            neighborhood_photo_reject(actor=request.user, photo=photo, note=form.cleaned_data["note"])
            messages.success(request, _("The photo was rejected and removed; its uploader is told why."))
    except ValidationError as exc:
        return _review_failed(request, neighborhood, key=key, message=" ".join(exc.messages), status=400)
    except ConflictError as exc:
        return _review_failed(request, neighborhood, key=key, message=exc.message, status=409)
    return _back_to(request, neighborhood)


REVIEW_PAGE_SIZE = 20


def _queue_page(
    request: HttpRequest, *, review_error: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    if not reviewed_district_ids(user=request.user):
        raise PermissionDenied(_("This page is for district managers, who review identity edits."))
    revisions = Paginator(revision_review_queue(user=request.user), REVIEW_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    photos = Paginator(photo_review_queue(user=request.user), REVIEW_PAGE_SIZE).get_page(
        request.GET.get("photos")
    )
    for revision in revisions:
        revision.field_changes = revision_changes(revision)
        revision.reviewable = revision.author_id != request.user.pk
    for photo in photos:
        photo.reviewable = photo.uploaded_by_id != request.user.pk
    context = {"revisions": revisions, "photos": photos, "review_error": review_error or {}}
    return render(request, "workspace/identity_reviews.html", context, status=status)


@login_required
@require_GET
def identity_reviews(request: HttpRequest) -> HttpResponse:
    """The district manager's queue: pending identity edits and photos of their district(s)."""
    return _queue_page(request)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    events = events_visible_to(user=request.user)
    if not events.query.is_empty():
        page = Paginator(events, 50).get_page(request.GET.get("page"))
    else:
        raise PermissionDenied(_("You cannot read the audit log."))
    return render(request, "workspace/audit_log.html", {"page": page})
