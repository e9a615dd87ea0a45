"""What each signed-in person's workspaces are, from the roles they hold now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mahalat.accounts.models import Role, RoleAssignment, User
from mahalat.accounts.rules import has_permission
from mahalat.audit.selectors import events_visible_to
from mahalat.referrals.models import OPEN_REFERRAL_STATES, Referral, ReferralEscalation
from mahalat.territory.models import Area, District, Neighborhood, unit_bulk
from mahalat.territory.selectors import district_tree

CITIZEN = "citizen"

WORKSPACE_TITLES: dict[str, Promise] = {
    CITIZEN: _("My reports and neighborhood"),
    Role.COUNCIL_MEMBER: _("Council member's desk"),
    Role.COUNCIL_CHAIR: _("Council chair's desk"),
    Role.COUNCIL_SECRETARY: _("Council secretariat"),
    Role.AREA_OFFICER: _("Area office"),
    Role.DISTRICT_OFFICER: _("District social office"),
    Role.DISTRICT_MANAGER: _("District manager's office"),
    Role.AGENCY_LIAISON: _("Agency inbox"),
    Role.DEPUTY: _("Cultural-Social Deputy"),
    Role.CITY_COUNCIL: _("City council oversight"),
    Role.ADMINISTRATOR: _("System administration"),
}

# The order a person with several roles sees them in: the broadest responsibility first.
ROLE_ORDER = [
    Role.ADMINISTRATOR,
    Role.DEPUTY,
    Role.CITY_COUNCIL,
    Role.DISTRICT_MANAGER,
    Role.DISTRICT_OFFICER,
    Role.AREA_OFFICER,
    Role.AGENCY_LIAISON,
    Role.COUNCIL_CHAIR,
    Role.COUNCIL_SECRETARY,
    Role.COUNCIL_MEMBER,
]


@dataclass(frozen=True)
class Workspace:
    key: str  # role value, or "citizen"
    title: Any
    assignment: RoleAssignment | None

    @property
    def slug(self) -> str:
        return self.key.replace("_", "-")


def active_assignments(*, user: Any) -> list[RoleAssignment]:
    cached = getattr(user, "_mahalat_assignments", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.active()
            .filter(user_id=user.pk)
            .select_related("city", "district", "area", "neighborhood", "agency")
            .defer(*unit_bulk("city", "district", "area", "neighborhood"))
        )
        cached.sort(key=lambda a: (ROLE_ORDER.index(a.role), a.pk))
        user._mahalat_assignments = cached
    return cached


def workspaces_for(*, user: Any) -> list[Workspace]:
    """One workspace per role held now (several scopes of one role share it), then the citizen's own."""
    seen: set[str] = set()
    spaces: list[Workspace] = []
    if user.is_superuser:
        spaces.append(Workspace(Role.ADMINISTRATOR, WORKSPACE_TITLES[Role.ADMINISTRATOR], None))
        seen.add(Role.ADMINISTRATOR)
    for assignment in active_assignments(user=user):
        if assignment.role in seen:
            continue
        seen.add(assignment.role)
        spaces.append(Workspace(assignment.role, WORKSPACE_TITLES[assignment.role], assignment))
    spaces.append(Workspace(CITIZEN, WORKSPACE_TITLES[CITIZEN], None))
    return spaces


def _city_overview(city_id: int) -> list[Any]:
    """The city's districts with their counts and population: one query."""
    return list(
        District.objects.filter(city_id=city_id)
        .annotate(
            area_count=Count("areas", distinct=True),
            neighborhood_count=Count("neighborhoods", distinct=True),
            people=Sum("neighborhoods__population"),
        )
        .order_by("number")
    )


# --- referrals on workspace pages -----------------------------------------------------------------------

# Rows a workspace section shows; the rest are one click away in the full list.
ROWS = 10


def query_url(name: str, **query: Any) -> str:
    """A page's address with a query string (a list value repeats its key)."""
    base = reverse(name)
    pairs = [
        (key, v) for key, value in query.items() for v in (value if isinstance(value, list) else [value])
    ]
    return f"{base}?{urlencode(pairs)}" if pairs else base


def referral_rows(qs: QuerySet[Referral], *order: str) -> list[Referral]:
    """The first rows of a referral section, with what a row shows (joins only: one query)."""
    related = ("target_agency", "target_district", "target_area", "district")
    return list(qs.select_related(*related).order_by(*order, "id")[:ROWS])


def decorate_referrals(rows: list[Referral], now: datetime) -> list[Referral]:
    """The binding deadline of each row and whether it has passed."""
    for referral in rows:
        current = referral.current_deadline
        referral.deadline_kind, referral.deadline_at = current if current else ("", None)
        referral.overdue = referral.is_overdue(now)
    return rows


@dataclass(frozen=True)
class AttentionList:
    count: int
    rows: list[Referral]
    more_url: str


def deputy_referral_attention(*, city_id: int, now: datetime) -> AttentionList:
    """Open referrals of the city escalated to the deputy's attention list, the longest escalated first.
    Two queries."""
    qs = Referral.objects.filter(
        city_id=city_id, escalation_level=ReferralEscalation.DEPUTY, state__in=OPEN_REFERRAL_STATES
    )
    count = qs.count()
    rows = referral_rows(qs, "escalated_at") if count else []
    return AttentionList(
        count=count, rows=decorate_referrals(rows, now), more_url=query_url("referrals:list", escalated="on")
    )


def workspace_context(*, user: Any, key: str) -> dict[str, Any]:
    """What one workspace shows: the scopes the person holds that role over, with what is inside them.

    A bounded number of queries whatever the size of the city: the tree of a district comes from
    three prefetch queries, a city's overview from one aggregate query.
    """
    assignments = [a for a in active_assignments(user=user) if a.role == key]
    context: dict[str, Any] = {"assignments": assignments, "scopes": []}
    for assignment in assignments:
        entry: dict[str, Any] = {"assignment": assignment}
        if assignment.scope_kind == "city":
            entry["districts"] = _city_overview(assignment.city_id)
            if key == Role.DEPUTY:
                entry["referral_attention"] = deputy_referral_attention(
                    city_id=assignment.city_id, now=timezone.now()
                )
        elif assignment.scope_kind == "district":
            tree = district_tree(city=assignment.city, district_id=assignment.district_id)
            entry["areas"] = list(tree[0].areas.all()) if tree else []
        elif assignment.scope_kind == "area":
            entry["neighborhoods"] = list(
                Neighborhood.objects.filter(area_id=assignment.area_id).only(
                    "id",
                    "slug",
                    "name",
                    "name_en",
                    "population",
                    "history",
                    "area_id",
                    "district_id",
                    "city_id",
                )
            )
        elif assignment.scope_kind == "neighborhood":
            entry["neighborhood"] = assignment.neighborhood
        context["scopes"].append(entry)
    context["can_edit_profiles"] = key in {"district_officer", "district_manager", "area_officer"}
    # The district and area staff have a page of what needs attention today.
    context["has_today"] = key in {Role.DISTRICT_MANAGER, Role.DISTRICT_OFFICER, Role.AREA_OFFICER}
    if key in {"administrator", "deputy", "city_council", "district_officer", "district_manager"}:
        context["recent_events"] = list(events_visible_to(user=user)[:10])
    if key == "administrator":
        context["counts"] = {
            "users": User.objects.count(),
            "districts": District.objects.count(),
            "areas": Area.objects.count(),
            "neighborhoods": Neighborhood.objects.count(),
        }
    context["may_read_audit"] = any(
        has_permission(user, "audit.view_event", a.scope_object) for a in assignments
    ) or bool(user.is_superuser and key == "administrator")
    return context
