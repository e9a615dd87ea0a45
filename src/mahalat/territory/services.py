"""Writes to the territory: cities and identity profiles here; boundary imports in `boundaries.py`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from mahalat.accounts.rules import require_permission
from mahalat.audit.services import event_record, snapshot
from mahalat.errors import ConflictError
from mahalat.persian.text import normalize_text, search_key
from mahalat.territory.boundaries import NAME_MAX, SLUG_MAX, SLUG_RE
from mahalat.territory.models import City, Neighborhood, NeighborhoodPhoto
from mahalat.uploads import sanitize_image

_PROFILE_LIMITS = {"historical_name": 120}
_PROFILE_TEXT_LIMIT = 20_000
MAX_PHOTOS_PER_NEIGHBORHOOD = 24


def profile_version(neighborhood: Neighborhood) -> str:
    """What an edit form carries to prove it started from the current profile."""
    return neighborhood.updated_at.isoformat()


@transaction.atomic
def neighborhood_profile_update(
    *, actor: Any, neighborhood: Neighborhood, expected_version: str | None = None, **changes: str
) -> Neighborhood:
    """Change a neighborhood's identity profile (district and area staff of that neighborhood only).

    With `expected_version` (from `profile_version` when the form was opened), an edit made on top of
    someone else's newer change is refused instead of silently overwriting it.
    """
    unknown = set(changes) - set(Neighborhood.PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            {name: [_("This is not a field of the identity profile.")] for name in sorted(unknown)}
        )
    locked = Neighborhood.objects.select_for_update().get(pk=neighborhood.pk)
    require_permission(actor, "territory.change_identity_profile", locked)
    if expected_version is not None and expected_version != profile_version(locked):
        raise ConflictError(
            _(
                "Someone else changed this profile after you opened it. Your changes were not saved: "
                "read the current profile and make them again."
            )
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
    before = snapshot(locked, list(cleaned))
    for name, text in cleaned.items():
        setattr(locked, name, text)
    locked.search_key = search_key(f"{locked.name} {locked.name_en} {locked.historical_name}")
    locked.save(update_fields=[*cleaned, "search_key", "updated_at"])
    event_record(
        actor=actor,
        action="territory.neighborhood.profile_updated",
        obj=locked,
        before=before,
        after=snapshot(locked, list(cleaned)),
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


@transaction.atomic
def neighborhood_photo_add(
    *, actor: Any, neighborhood: Neighborhood, image: UploadedFile, caption: str = ""
) -> NeighborhoodPhoto:
    """Add a photo to a neighborhood's identity profile: checked, re-encoded, stripped of EXIF."""
    locked = Neighborhood.objects.select_for_update().get(pk=neighborhood.pk)
    require_permission(actor, "territory.change_identity_profile", locked)
    caption = normalize_text(caption or "")
    errors: dict[str, list[str]] = {}
    if len(caption) > 200:
        errors["caption"] = [_("At most %(limit)s characters.") % {"limit": 200}]
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
    position = (locked.photos.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    photo = NeighborhoodPhoto(neighborhood=locked, caption=caption, position=position)
    photo.image.save(clean.name, clean, save=False)
    try:
        photo.save()
        event_record(
            actor=actor,
            action="territory.neighborhood.photo_added",
            obj=locked,
            after={"photo": photo.pk, "caption": caption, "file": photo.image.name},
        )
    except Exception:
        photo.image.delete(save=False)  # the transaction rolls back; the file must not stay behind
        raise
    return photo


@transaction.atomic
def neighborhood_photo_remove(*, actor: Any, photo: NeighborhoodPhoto) -> None:
    locked = NeighborhoodPhoto.objects.select_for_update().select_related("neighborhood").get(pk=photo.pk)
    require_permission(actor, "territory.change_identity_profile", locked.neighborhood)
    name = locked.image.name
    event_record(
        actor=actor,
        action="territory.neighborhood.photo_removed",
        obj=locked.neighborhood,
        before={"photo": locked.pk, "caption": locked.caption, "file": name},
    )
    locked.delete()
    # The file goes only once the row's removal is committed.
    storage = locked.image.storage
    transaction.on_commit(lambda: storage.delete(name))
