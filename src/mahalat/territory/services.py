"""Writes to the territory: cities and identity profiles here; boundary imports in `boundaries.py`.

Identity edits are reviewed before they are public. Operations staff of a neighborhood propose a
revision of its profile (only the fields they changed) or upload a photo; a district manager of its
district who is not the author publishes it or rejects it with a note; the author can withdraw a
pending revision. Each step is an audit event, and the author is told in the app of the decision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import User
from mahalat.accounts.rules import has_permission, require_permission
from mahalat.audit.services import event_record
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.notifications.services import notify
from mahalat.persian.text import normalize_text, search_key
from mahalat.territory.boundaries import NAME_MAX, SLUG_MAX, SLUG_RE
from mahalat.territory.models import (
    City,
    Neighborhood,
    NeighborhoodPhoto,
    NeighborhoodProfileRevision,
    PhotoState,
    RevisionState,
)
from mahalat.uploads import image_rendition, sanitize_image

_PROFILE_LIMITS = {"historical_name": 120}
_PROFILE_TEXT_LIMIT = 20_000
MAX_PHOTOS_PER_NEIGHBORHOOD = 24
CAPTION_MAX = 200
NOTE_MAX = 2000


def profile_version(neighborhood: Neighborhood) -> str:
    """What an edit form carries to prove it started from the current profile."""
    return neighborhood.updated_at.isoformat()


# --- identity profile revisions ----------------------------------------------------------------------


def may_review(actor: Any, obj: NeighborhoodProfileRevision | NeighborhoodPhoto) -> bool:
    """A district manager of the neighborhood's district, and never the one who wrote or uploaded it."""
    author_id = obj.author_id if isinstance(obj, NeighborhoodProfileRevision) else obj.uploaded_by_id
    return getattr(actor, "pk", None) != author_id and has_permission(
        actor, "territory.review_identity_profile", obj
    )


def _require_reviewer(actor: Any, obj: NeighborhoodProfileRevision | NeighborhoodPhoto) -> None:
    if may_review(actor, obj):
        return
    author_id = obj.author_id if isinstance(obj, NeighborhoodProfileRevision) else obj.uploaded_by_id
    if author_id is not None and getattr(actor, "pk", None) == author_id:
        raise PermissionDenied(_("Another person must review and publish what you proposed."))
    raise PermissionDenied(_("You do not have permission to do this here."))


def _clean_profile_changes(changes: dict[str, object]) -> dict[str, str]:
    unknown = set(changes) - set(Neighborhood.PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            {name: [_("This is not a field of the identity profile.")] for name in sorted(unknown)}
        )
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for name, value in changes.items():
        if not isinstance(value, str):
            errors[name] = [_("Enter text.")]
            continue
        text = normalize_text(value, multiline=name != "historical_name")
        limit = _PROFILE_LIMITS.get(name, _PROFILE_TEXT_LIMIT)
        if len(text) > limit:
            errors[name] = [_("At most %(limit)s characters.") % {"limit": limit}]
            continue
        cleaned[name] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


def _note(value: object, *, required: str) -> str:
    text = normalize_text(value, multiline=True) if isinstance(value, str) else ""
    if not text:
        raise ValidationError({"note": [required]})
    if len(text) > NOTE_MAX:
        raise ValidationError({"note": [_("At most %(limit)s characters.") % {"limit": NOTE_MAX}]})
    return text


def _locked_revision(revision: NeighborhoodProfileRevision) -> NeighborhoodProfileRevision:
    locked = (
        NeighborhoodProfileRevision.objects.select_for_update()
        .select_related("neighborhood")
        .get(pk=revision.pk)
    )
    if not locked.is_pending:
        raise TransitionNotAllowed(
            _("This proposed edit is already “%(state)s”; reload the page to see it.")
            % {"state": RevisionState(locked.state).label}
        )
    return locked


def _tell_author(
    *, recipient_id: int | None, neighborhood: Neighborhood, what: str, state: str, note: str = ""
) -> None:
    """The author learns in the app what became of their proposed edit or photo."""
    if recipient_id is None:
        return
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None:
        return
    notify(
        recipient=recipient,
        kind=f"territory.identity.{what}_{state}",
        template="identity_reviewed",
        context={"neighborhood": neighborhood.name, "what": what, "state": state, "note": note},
        channels=["in_app"],
        city_id=neighborhood.city_id,
        neighborhood_id=neighborhood.pk,
    )


@transaction.atomic
def neighborhood_profile_propose(
    *, actor: Any, neighborhood: Neighborhood, expected_version: str | None = None, **changes: object
) -> NeighborhoodProfileRevision:
    """Propose a change to a neighborhood's identity profile (district and area staff of that
    neighborhood only). The public profile does not change until a reviewer publishes it.

    With `expected_version` (from `profile_version` when the form was opened), a proposal drawn from a
    profile that has changed since is refused instead of quietly undoing the newer change.
    """
    cleaned = _clean_profile_changes(changes)
    locked = Neighborhood.objects.select_for_update().get(pk=neighborhood.pk)
    require_permission(actor, "territory.change_identity_profile", locked)
    version = profile_version(locked)
    if expected_version is not None and expected_version != version:
        raise ConflictError(
            _(
                "Someone else changed this profile after you opened it. Your changes were not saved: "
                "read the current profile and make them again."
            )
        )
    changed = {name: text for name, text in cleaned.items() if text != getattr(locked, name)}
    if not changed:
        raise ValidationError({"__all__": [_("Nothing was changed, so there is nothing to review.")]})
    revision = NeighborhoodProfileRevision.objects.create(
        neighborhood=locked,
        district_id=locked.district_id,
        author=actor,
        changes=changed,
        before={name: getattr(locked, name) for name in changed},
        base_version=version,
    )
    event_record(
        actor=actor,
        action="territory.profile_revision.proposed",
        obj=locked,
        before=revision.before,
        after={"revision": revision.pk, **changed},
    )
    return revision


@transaction.atomic
def neighborhood_profile_publish(
    *, actor: Any, revision: NeighborhoodProfileRevision, now: datetime | None = None
) -> NeighborhoodProfileRevision:
    """Put a proposed edit on the public profile. Refused when a field it changes was changed on the
    live profile since the edit was proposed (fields it does not touch may have changed freely)."""
    locked = _locked_revision(revision)
    _require_reviewer(actor, locked)
    neighborhood = Neighborhood.objects.select_for_update().get(pk=locked.neighborhood_id)
    if profile_version(neighborhood) != locked.base_version:
        moved = [
            name for name in locked.changes if getattr(neighborhood, name) != locked.before.get(name, "")
        ]
        if moved:
            labels = " · ".join(str(Neighborhood._meta.get_field(name).verbose_name) for name in moved)
            raise ConflictError(
                _(
                    "The public profile was changed after this edit was proposed, in the same fields "
                    "(%(fields)s). Reject it and ask for a new proposal made from the current profile."
                )
                % {"fields": labels}
            )
    before = {name: getattr(neighborhood, name) for name in locked.changes}
    for name, text in locked.changes.items():
        setattr(neighborhood, name, text)
    neighborhood.search_key = search_key(
        f"{neighborhood.name} {neighborhood.name_en} {neighborhood.historical_name}"
    )
    neighborhood.save(update_fields=[*locked.changes, "search_key", "updated_at"])
    locked.state, locked.reviewer, locked.decided_at = RevisionState.PUBLISHED, actor, now or timezone.now()
    locked.save(update_fields=["state", "reviewer", "decided_at"])
    event_record(
        actor=actor,
        action="territory.profile_revision.published",
        obj=neighborhood,
        before=before,
        after={"revision": locked.pk, **locked.changes},
    )
    _tell_author(recipient_id=locked.author_id, neighborhood=neighborhood, what="profile", state="published")
    return locked


@transaction.atomic
def neighborhood_profile_reject(
    *, actor: Any, revision: NeighborhoodProfileRevision, note: object, now: datetime | None = None
) -> NeighborhoodProfileRevision:
    """Turn a proposed edit down, saying why; the public profile stays as it is."""
    locked = _locked_revision(revision)
    _require_reviewer(actor, locked)
    text = _note(note, required=_("Say why the edit is rejected, so its author can do better."))
    locked.state, locked.reviewer, locked.review_note = RevisionState.REJECTED, actor, text
    locked.decided_at = now or timezone.now()
    locked.save(update_fields=["state", "reviewer", "review_note", "decided_at"])
    event_record(
        actor=actor,
        action="territory.profile_revision.rejected",
        obj=locked.neighborhood,
        after={"revision": locked.pk},
        note=text,
    )
    _tell_author(
        recipient_id=locked.author_id,
        neighborhood=locked.neighborhood,
        what="profile",
        state="rejected",
        note=text,
    )
    return locked


@transaction.atomic
def neighborhood_profile_withdraw(
    *, actor: Any, revision: NeighborhoodProfileRevision, now: datetime | None = None
) -> NeighborhoodProfileRevision:
    """The author takes back their own pending edit."""
    locked = _locked_revision(revision)
    if getattr(actor, "pk", None) != locked.author_id:
        raise PermissionDenied(_("Only the author of a proposed edit can withdraw it."))
    require_permission(actor, "territory.change_identity_profile", locked.neighborhood)
    locked.state, locked.decided_at = RevisionState.WITHDRAWN, now or timezone.now()
    locked.save(update_fields=["state", "decided_at"])
    event_record(
        actor=actor,
        action="territory.profile_revision.withdrawn",
        obj=locked.neighborhood,
        after={"revision": locked.pk},
    )
    return locked


def city_create(*, actor: Any, slug: str, name: str, name_en: str) -> City:
    """Create an empty city to import boundaries into (used by ``import_boundaries --create-city``)."""
    if actor is not None:
        require_permission(actor, "territory.import_boundaries", None)
    errors: dict[str, list[str]] = {}
    if not SLUG_RE.match(slug) or len(slug) > SLUG_MAX:
        errors["slug"] = [_("Use only ASCII letters, digits, hyphens and underscores.")]
    elif City.objects.filter(slug=slug).exists():
        errors["slug"] = [_("A city with this slug already exists.")]
    cleaned = {key: normalize_text(value) for key, value in (("name", name), ("name_en", name_en))}
    for key, value in cleaned.items():
        if not value:
            errors[key] = [_("This field is required.")]
        elif len(value) > NAME_MAX:
            errors[key] = [_("At most %(limit)s characters.") % {"limit": NAME_MAX}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        city = City.objects.create(slug=slug, **cleaned)
        event_record(
            actor=actor,
            action="territory.city.created",
            obj=city,
            after={"slug": slug, **cleaned},
            city_id=city.pk,
        )
    return city


# --- photos ------------------------------------------------------------------------------------------


def _photo_snapshot(photo: NeighborhoodPhoto) -> dict[str, Any]:
    return {
        "photo": photo.pk,
        "caption": photo.caption,
        "file": photo.image.name,
        "small": photo.rendition.name if photo.rendition else "",
        "state": photo.state,
    }


def _delete_files_on_commit(photo: NeighborhoodPhoto) -> None:
    """The files go only once the row's removal is committed."""
    storage = photo.image.storage
    names = [name for name in (photo.image.name, photo.rendition.name if photo.rendition else "") if name]
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


@transaction.atomic
def neighborhood_photo_add(
    *, actor: Any, neighborhood: Neighborhood, image: UploadedFile, caption: str = ""
) -> NeighborhoodPhoto:
    """Upload a photo for a neighborhood's identity profile: checked, re-encoded, stripped of EXIF,
    stored with a small copy, and pending until a reviewer publishes it."""
    locked = Neighborhood.objects.select_for_update().get(pk=neighborhood.pk)
    require_permission(actor, "territory.change_identity_profile", locked)
    caption = normalize_text(caption or "")
    errors: dict[str, list[str]] = {}
    if len(caption) > CAPTION_MAX:
        errors["caption"] = [_("At most %(limit)s characters.") % {"limit": CAPTION_MAX}]
    if locked.photos.count() >= MAX_PHOTOS_PER_NEIGHBORHOOD:
        errors["image"] = [
            _("A neighborhood can have at most %(limit)s photos. Remove one first.")
            % {"limit": MAX_PHOTOS_PER_NEIGHBORHOOD}
        ]
    if not errors:
        try:
            clean = sanitize_image(image)
        except ValidationError as exc:
            errors["image"] = exc.messages
    if errors:
        raise ValidationError(errors)
    small = image_rendition(clean)
    position = (locked.photos.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    photo = NeighborhoodPhoto(
        neighborhood=locked,
        caption=caption,
        position=position,
        state=PhotoState.PENDING,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        photo.image.save(clean.name, clean, save=False)
        photo.rendition.save(small.content.name, small.content, save=False)
        photo.save()
        event_record(
            actor=actor, action="territory.neighborhood.photo_added", obj=locked, after=_photo_snapshot(photo)
        )
    except Exception:
        # The transaction rolls back; the files must not stay behind.
        photo.image.delete(save=False)
        if photo.rendition:
            photo.rendition.delete(save=False)
        raise
    return photo


def _locked_photo(photo: NeighborhoodPhoto) -> NeighborhoodPhoto:
    return NeighborhoodPhoto.objects.select_for_update().select_related("neighborhood").get(pk=photo.pk)


@transaction.atomic
def neighborhood_photo_publish(
    *, actor: Any, photo: NeighborhoodPhoto, now: datetime | None = None
) -> NeighborhoodPhoto:
    locked = _locked_photo(photo)
    if locked.is_published:
        raise TransitionNotAllowed(_("This photo is already published."))
    _require_reviewer(actor, locked)
    locked.state, locked.reviewer, locked.published_at = PhotoState.PUBLISHED, actor, now or timezone.now()
    locked.save(update_fields=["state", "reviewer", "published_at"])
    event_record(
        actor=actor,
        action="territory.neighborhood.photo_published",
        obj=locked.neighborhood,
        after=_photo_snapshot(locked),
    )
    _tell_author(
        recipient_id=locked.uploaded_by_id, neighborhood=locked.neighborhood, what="photo", state="published"
    )
    return locked


@transaction.atomic
def neighborhood_photo_reject(*, actor: Any, photo: NeighborhoodPhoto, note: object) -> None:
    """A pending photo turned down is deleted with its files; its uploader is told why."""
    locked = _locked_photo(photo)
    if locked.is_published:
        raise TransitionNotAllowed(_("This photo is already published; remove it instead."))
    _require_reviewer(actor, locked)
    text = _note(note, required=_("Say why the photo is rejected, so its author can do better."))
    event_record(
        actor=actor,
        action="territory.neighborhood.photo_rejected",
        obj=locked.neighborhood,
        before=_photo_snapshot(locked),
        note=text,
    )
    _tell_author(
        recipient_id=locked.uploaded_by_id,
        neighborhood=locked.neighborhood,
        what="photo",
        state="rejected",
        note=text,
    )
    locked.delete()
    _delete_files_on_commit(locked)


@transaction.atomic
def neighborhood_photo_remove(*, actor: Any, photo: NeighborhoodPhoto) -> None:
    """Operations staff take a photo off the profile (published or pending), with its files."""
    locked = _locked_photo(photo)
    require_permission(actor, "territory.change_identity_profile", locked.neighborhood)
    event_record(
        actor=actor,
        action="territory.neighborhood.photo_removed",
        obj=locked.neighborhood,
        before=_photo_snapshot(locked),
    )
    locked.delete()
    _delete_files_on_commit(locked)
