"""Reads of policies and circulars, already limited to what the person may see, in a fixed number of
queries whatever the number of rows: the list (the deputy's with counts of districts still silent, a
district's with its own acknowledgement), one document's page, the "unacknowledged" panel, and which
policy set a council rule version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404
from django.utils.translation import gettext as _

from mahalat.accounts.models import DISTRICT_ROLES, Role
from mahalat.accounts.rules import has_permission, held_roles, is_superuser
from mahalat.councils.models import CouncilPolicy
from mahalat.policies.models import Acknowledgement, Policy, PolicyKind, PolicyState
from mahalat.territory.models import City

CITY_READER_ROLES = frozenset({Role.DEPUTY, Role.CITY_COUNCIL, Role.ADMINISTRATOR})
ADDRESSED_ROLES = frozenset({*DISTRICT_ROLES, Role.AREA_OFFICER})
ACKNOWLEDGING_ROLES = DISTRICT_ROLES
_PENDING = Q(acknowledgements__acknowledged_at__isnull=True)


@dataclass(frozen=True, slots=True)
class Reader:
    """How a person reads the policies of one city: all of them (deputy, city council, administrator),
    those addressed to their districts (district and area staff), or only the public ones."""

    city: City
    city_wide: bool
    district_ids: frozenset[int]
    # The districts the person acknowledges for (district managers and social officers).
    acknowledging_ids: frozenset[int]


def reader_cities(user: Any) -> list[City]:
    """The cities where the person holds a role that reads policies (every city for a superuser)."""
    if is_superuser(user):
        return list(City.objects.order_by("pk"))
    ids = {h.scope.city_id for h in held_roles(user) if h.role in CITY_READER_ROLES | ADDRESSED_ROLES}
    return list(City.objects.filter(pk__in=ids).order_by("pk"))


def reader_for(user: Any, city: City) -> Reader:
    city_wide = is_superuser(user) or any(
        h.role in CITY_READER_ROLES and h.scope.city_id == city.pk for h in held_roles(user)
    )
    district_ids = frozenset(
        h.scope.district_id
        for h in held_roles(user)
        if h.role in ADDRESSED_ROLES and h.scope.city_id == city.pk and h.scope.district_id
    )
    acknowledging = frozenset(
        h.scope.district_id
        for h in held_roles(user)
        if h.role in ACKNOWLEDGING_ROLES and h.scope.city_id == city.pk and h.scope.district_id
    )
    return Reader(city=city, city_wide=city_wide, district_ids=district_ids, acknowledging_ids=acknowledging)


def policy_list(
    *, reader: Reader, kind: str | None = None, state: str | None = None, pending_only: bool = False
) -> QuerySet[Policy]:
    """The policies the reader sees, annotated with `targets` and `pending` (districts not yet
    acknowledged); for district staff `pending` counts their own districts only, and those come first.
    One query per page (plus the paginator's count); the reader's own rows are prefetched as `my_acks`."""
    qs = Policy.objects.filter(city_id=reader.city.pk).select_related("council_policy")
    if kind:
        qs = qs.filter(kind=kind)
    if reader.city_wide:
        if state:
            qs = qs.filter(state=state)
        qs = qs.annotate(
            targets=Count("acknowledgements", distinct=True),
            pending=Count("acknowledgements", filter=_PENDING, distinct=True),
        )
        if pending_only:
            qs = qs.filter(state=PolicyState.PUBLISHED, pending__gt=0)
        # Drafts on top (work in hand), then the newest.
        return qs.order_by(F("published_at").desc(nulls_first=True), "-created_at", "-id")
    if reader.district_ids:
        ids = list(reader.district_ids)
        addressed = Acknowledgement.objects.filter(policy_id=OuterRef("pk"), district_id__in=ids)
        qs = qs.filter(Exists(addressed)).exclude(state=PolicyState.DRAFT)
        if state in (PolicyState.PUBLISHED, PolicyState.WITHDRAWN):
            qs = qs.filter(state=state)
        pending_mine = Q(
            acknowledgements__district_id__in=ids,
            acknowledgements__acknowledged_at__isnull=True,
        ) & Q(state=PolicyState.PUBLISHED)
        qs = qs.annotate(
            targets=Count("acknowledgements", distinct=True),
            pending=Count("acknowledgements", filter=pending_mine, distinct=True),
        )
        if pending_only:
            qs = qs.filter(pending__gt=0)
        return qs.prefetch_related(
            Prefetch(
                "acknowledgements",
                queryset=Acknowledgement.objects.filter(district_id__in=ids)
                .select_related("district", "acknowledged_by")
                .order_by("district__number"),
                to_attr="my_acks",
            )
        ).order_by("-pending", "-published_at", "-id")
    # Anyone else reads the published policies only (they are public).
    qs = qs.filter(kind=PolicyKind.POLICY, state=PolicyState.PUBLISHED)
    return qs.annotate(targets=Count("acknowledgements"), pending=Value(0)).order_by("-published_at", "-id")


def unacknowledged(*, city_id: int, limit: int = 10) -> list[Policy]:
    """Published policies and circulars some target district has not acknowledged, the longest waiting
    first, each with `pending` (how many districts) and `targets`. One query."""
    return list(
        Policy.objects.filter(city_id=city_id, state=PolicyState.PUBLISHED)
        .annotate(
            targets=Count("acknowledgements", distinct=True),
            pending=Count("acknowledgements", filter=_PENDING, distinct=True),
        )
        .filter(pending__gt=0)
        .order_by("published_at", "id")[:limit]
    )


def policy_for_view(*, user: Any, policy_id: int) -> Policy:
    """One policy with its attachments, target districts and acknowledgements (who, when), for a person
    who may read it; 404 otherwise. Four queries."""
    policy = (
        Policy.objects.select_related("city", "created_by", "published_by", "withdrawn_by", "council_policy")
        .prefetch_related(
            "attachments",
            Prefetch(
                "acknowledgements",
                queryset=Acknowledgement.objects.select_related("district", "acknowledged_by").order_by(
                    "district__number", "district_id"
                ),
            ),
            "target_districts",
        )
        .filter(pk=policy_id)
        .first()
    )
    if policy is None or not has_permission(user, "policies.view_policy", policy):
        raise Http404(_("There is no such policy or circular."))
    return policy


def policy_for_council_rule(council_policy: CouncilPolicy) -> Policy | None:
    """The published policy that put this council rule version in force, if one did (a rule version can
    also come from the councils' own policy page)."""
    return (
        Policy.objects.filter(council_policy_id=council_policy.pk)
        .select_related("city")
        .order_by("-published_at")
        .first()
    )
