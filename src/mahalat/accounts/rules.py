"""The governance permission model, as django-rules predicates and named permissions.

The plan's rule "the deputy sets policy, districts execute" lives here, not in templates:
- the deputy (city scope) reads everything in its city and writes only policy objects;
- district roles cover their own areas and neighborhoods and nothing in another district;
- an area officer covers its own area; council roles cover their own neighborhood's council;
- an agency liaison sees only what is addressed to its agency;
- city council members read and never write;
- citizens act only on their own things and on public content.

Every permission is checked with an object whose scope (`mahalat.territory.scope.Scope`) says where
it sits. Services call `require_permission`; views and templates use the same named permissions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from mahalat.accounts.models import COUNCIL_ROLES, DISTRICT_ROLES, Role, RoleAssignment, ScopeKind
from mahalat.territory.scope import Scope, scope_of

_CACHE_ATTR = "_mahalat_held_roles"
# Set on a user authenticated by an agency's system token: only the liaison role over that agency counts.
_TOKEN_AGENCY_ATTR = "_mahalat_token_agency"


@dataclass(frozen=True, slots=True)
class HeldRole:
    role: str
    scope_kind: str
    scope: Scope

    def covers(self, target: Scope | None) -> bool:
        if target is None:
            return False
        mine = self.scope
        if self.scope_kind == ScopeKind.CITY:
            return target.city_id is not None and target.city_id == mine.city_id
        if self.scope_kind == ScopeKind.DISTRICT:
            return target.district_id is not None and target.district_id == mine.district_id
        if self.scope_kind == ScopeKind.AREA:
            return target.area_id is not None and target.area_id == mine.area_id
        if self.scope_kind == ScopeKind.NEIGHBORHOOD:
            return target.neighborhood_id is not None and target.neighborhood_id == mine.neighborhood_id
        if self.scope_kind == ScopeKind.AGENCY:
            return target.agency_id is not None and target.agency_id == mine.agency_id
        return False


def held_roles(user: Any) -> tuple[HeldRole, ...]:
    """The user's roles in force now; one query per user object, then remembered on it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    rows = (
        RoleAssignment.objects.active()
        .filter(user_id=user.pk)
        .values_list(
            "role", "scope_kind", "city_id", "district_id", "area_id", "neighborhood_id", "agency_id"
        )
    )
    token_agency = getattr(user, _TOKEN_AGENCY_ATTR, None)
    held = tuple(
        HeldRole(
            role=role,
            scope_kind=kind,
            scope=Scope(city_id=c, district_id=d, area_id=a, neighborhood_id=n, agency_id=g),
        )
        for role, kind, c, d, a, n, g in rows
        if token_agency is None or (role == Role.AGENCY_LIAISON and g == token_agency)
    )
    setattr(user, _CACHE_ATTR, held)
    return held


def forget_held_roles(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def restrict_to_agency(user: Any, *, agency_id: int) -> None:
    """From now on this user object acts only as a liaison of `agency_id` (an agency system's token)."""
    setattr(user, _TOKEN_AGENCY_ATTR, agency_id)
    forget_held_roles(user)


def acts_for_agency_token(user: Any) -> bool:
    return getattr(user, _TOKEN_AGENCY_ATTR, None) is not None


def role_covers(*roles: str) -> rules.Predicate:
    """A predicate: the user holds one of `roles` over a scope that contains the object."""
    wanted = frozenset(roles)

    def predicate(user: Any, obj: Any) -> bool:
        target = scope_of(obj)
        return any(h.role in wanted and h.covers(target) for h in held_roles(user))

    name = "holds_" + "_or_".join(sorted(wanted))
    return rules.Predicate(predicate, name=name)


@rules.predicate
def is_superuser(user: Any) -> bool:
    return bool(
        getattr(user, "is_superuser", False)
        and getattr(user, "is_active", False)
        and not acts_for_agency_token(user)
    )


@rules.predicate
def is_owner(user: Any, obj: Any) -> bool:
    owner_id = getattr(obj, "owner_id", None)
    return owner_id is not None and getattr(user, "pk", None) == owner_id


@rules.predicate
def is_public(user: Any, obj: Any) -> bool:
    return bool(getattr(obj, "is_public", False))


is_authenticated = rules.is_authenticated
is_deputy = role_covers(Role.DEPUTY)
is_city_council = role_covers(Role.CITY_COUNCIL)
is_district_staff = role_covers(*DISTRICT_ROLES)
is_district_manager = role_covers(Role.DISTRICT_MANAGER)
is_area_officer = role_covers(Role.AREA_OFFICER)
is_council_role = role_covers(*COUNCIL_ROLES)
# The council's officers run its meetings; the chair alone approves what the secretary wrote.
is_council_officer = role_covers(Role.COUNCIL_CHAIR, Role.COUNCIL_SECRETARY)
is_council_chair = role_covers(Role.COUNCIL_CHAIR)
is_agency_liaison = role_covers(Role.AGENCY_LIAISON)
is_administrator = is_superuser | role_covers(Role.ADMINISTRATOR)

# The building blocks every domain permission is composed from.
reads_internal = (
    is_administrator
    | is_deputy
    | is_city_council
    | is_district_staff
    | is_area_officer
    | is_council_role
    | is_agency_liaison
)
runs_operations = is_district_staff | is_area_officer
sets_policy = is_deputy

GOVERNANCE_PERMISSIONS: dict[str, rules.Predicate] = {
    "governance.read_public": is_public | reads_internal,
    "governance.read_internal": reads_internal,
    "governance.write_operation": runs_operations,
    "governance.approve_escalation": is_district_manager,
    "governance.write_policy": sets_policy,
    "governance.act_for_agency": is_agency_liaison,
    "governance.act_in_council": is_council_role,
    "governance.act_on_own": is_authenticated & is_owner,
    "governance.configure": is_administrator,
}

# Concrete permissions of the parts that exist so far. Later parts add theirs (and to the matrix test).
DOMAIN_PERMISSIONS: dict[str, rules.Predicate] = {
    "territory.view_territory": rules.always_allow,
    "territory.change_identity_profile": runs_operations,
    # Publishing a proposed identity edit; the service also refuses the edit's own author.
    "territory.review_identity_profile": is_district_manager,
    "territory.import_boundaries": is_administrator,
    "accounts.assign_role": is_administrator,
    "audit.view_event": is_administrator | is_deputy | is_city_council | is_district_staff,
}

for _name, _predicate in {**GOVERNANCE_PERMISSIONS, **DOMAIN_PERMISSIONS}.items():
    rules.add_perm(_name, _predicate)


def has_permission(user: Any, perm: str, obj: Any = None) -> bool:
    if getattr(user, "is_authenticated", False) and not user.is_active:
        return False  # a deactivated account keeps no power (anonymous visitors still read public things)
    return rules.has_perm(perm, user, obj)


def require_permission(user: Any, perm: str, obj: Any = None) -> None:
    """Raise PermissionDenied with a translated message unless the user holds `perm` over `obj`."""
    if not has_permission(user, perm, obj):
        raise PermissionDenied(_("You do not have permission to do this here."))


def all_permission_names() -> Iterable[str]:
    """Every named permission registered by any app (each app's rules.py adds its own)."""
    return sorted(rules.permissions.permissions)
