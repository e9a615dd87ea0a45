from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from mahalat.accounts.models import Role
from mahalat.accounts.rules import held_roles
from mahalat.audit.models import Event

_CITY_READERS = {Role.ADMINISTRATOR, Role.DEPUTY, Role.CITY_COUNCIL}
_DISTRICT_READERS = {Role.DISTRICT_OFFICER, Role.DISTRICT_MANAGER}


def events_visible_to(*, user: Any) -> QuerySet[Event]:
    """The audit events this user may read (the same rule as the permission audit.view_event)."""
    qs = Event.objects.select_related("actor").order_by("-occurred_at", "-id")
    if getattr(user, "is_superuser", False):
        return qs
    cities = {h.scope.city_id for h in held_roles(user) if h.role in _CITY_READERS}
    districts = {h.scope.district_id for h in held_roles(user) if h.role in _DISTRICT_READERS}
    if not cities and not districts:
        return qs.none()
    return qs.filter(Q(city_id__in=cities) | Q(district_id__in=districts))
