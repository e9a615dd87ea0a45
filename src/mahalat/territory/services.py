"""Writes to the territory: identity profiles here; boundary imports in `boundaries.py`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mahalat.accounts.rules import require_permission
from mahalat.audit.services import event_record, snapshot
from mahalat.persian.text import normalize_text, search_key
from mahalat.territory.models import Neighborhood

_PROFILE_LIMITS = {"historical_name": 120}
_PROFILE_TEXT_LIMIT = 20_000


@transaction.atomic
def neighborhood_profile_update(*, actor: Any, neighborhood: Neighborhood, **changes: str) -> Neighborhood:
    """Change a neighborhood's identity profile (district and area staff of that neighborhood only)."""
    unknown = set(changes) - set(Neighborhood.PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            {name: [_("This is not a field of the identity profile.")] for name in sorted(unknown)}
        )
    locked = Neighborhood.objects.select_for_update().get(pk=neighborhood.pk)
    require_permission(actor, "territory.change_identity_profile", locked)
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
