"""Reading the webhook delivery log, limited to what the person may see.

`referrals.view_deliveries` is checked per referral: the sending side (district staff of its district,
the area officer of its area), the target agency's liaisons and the city's administrators. On an
agency's log the liaisons and administrators see every row; district and area staff see only the rows
of referrals sent from their own district or area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from mahalat.accounts.models import DISTRICT_ROLES, Role
from mahalat.accounts.rules import has_permission, held_roles
from mahalat.referrals.models import Agency, DeliveryState, Referral, WebhookDelivery

REFERRAL_DELIVERIES_SHOWN = 50
# The body can be long and the lists never show it.
_LIST_FIELDS_DEFERRED = ("body",)


def deliveries_of_referral(*, user: Any, referral: Referral) -> list[WebhookDelivery]:
    """The latest deliveries of one referral, newest first; empty when the person may not see them.
    One query (after the permission check, which reuses the person's remembered roles)."""
    if not has_permission(user, "referrals.view_deliveries", referral):
        return []
    return list(
        WebhookDelivery.objects.filter(referral_id=referral.pk)
        .defer(*_LIST_FIELDS_DEFERRED)
        .order_by("-created_at", "-id")[:REFERRAL_DELIVERIES_SHOWN]
    )


@dataclass(frozen=True, slots=True)
class DeliveryAccess:
    rows: Q  # the agency's rows this person sees
    everything: bool  # the agency's liaison or an administrator: every row, test events included


def delivery_access(*, user: Any, agency: Agency) -> DeliveryAccess:
    """What of the agency's delivery log the person sees; PermissionDenied when nothing."""
    if has_permission(user, "referrals.view_deliveries", agency):
        return DeliveryAccess(rows=Q(), everything=True)
    rows = Q(pk__in=[])
    found = False
    if getattr(user, "is_active", False):
        for held in held_roles(user):
            if held.scope.city_id != agency.city_id:
                continue
            if held.role in DISTRICT_ROLES and held.scope.district_id is not None:
                rows |= Q(referral__district_id=held.scope.district_id)
                found = True
            elif held.role == Role.AREA_OFFICER and held.scope.area_id is not None:
                rows |= Q(referral__area_id=held.scope.area_id)
                found = True
    if not found:
        raise PermissionDenied(_("You cannot see this agency's deliveries."))
    return DeliveryAccess(rows=rows, everything=False)


def agency_deliveries(*, user: Any, agency: Agency, state: str | None = None) -> QuerySet[WebhookDelivery]:
    """The agency's delivery log the person may see, newest first, with each row's referral fetched in the
    same query (paginate it). PermissionDenied when the person sees none of it."""
    access = delivery_access(user=user, agency=agency)
    rows = WebhookDelivery.objects.filter(agency_id=agency.pk).filter(access.rows)
    if state in DeliveryState.values:
        rows = rows.filter(state=state)
    return rows.select_related("referral").defer(*_LIST_FIELDS_DEFERRED).order_by("-created_at", "-id")
