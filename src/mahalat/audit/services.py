"""Appending to the audit log. Every write service in the product calls `event_record`."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import models

from mahalat.answer_cache import place_changed
from mahalat.audit.context import current_request_id
from mahalat.audit.models import Event


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "url"):  # a file field
        return value.name or None
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields of obj, as JSON-ready values, for an event's before/after."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def event_record(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    city_id: int | None = None,
    district_id: int | None = None,
    neighborhood_id: int | None = None,
) -> Event:
    """Append one event. Call it inside the write's transaction so both land or neither does."""
    if city_id is None:
        city_id = getattr(obj, "city_id", None)
    if district_id is None:
        district_id = getattr(obj, "district_id", None)
    if neighborhood_id is None:
        neighborhood_id = getattr(obj, "neighborhood_id", None)
    actor_user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    place_changed(city_id=city_id, district_id=district_id, neighborhood_id=neighborhood_id)
    return Event.objects.create(
        actor=actor_user,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        city_id=city_id,
        district_id=district_id,
        neighborhood_id=neighborhood_id,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        note=note,
        request_id=current_request_id.get(),
    )
