"""Who may do what with policies and circulars (in the permission matrix).

- The deputy (and the city's administrator) writes, publishes and withdraws them.
- The district manager and the district's social officer acknowledge them, for their own district and
  only where the document was addressed to it; the deputy never acknowledges for a district.
- Internal readers of the city read them: the deputy, the city council, the administrator, and the
  district and area staff of the districts each was addressed to. Circulars stay internal; a published
  policy is public. Council members and agency liaisons are not addressed.
"""

from __future__ import annotations

from typing import Any

import rules

from mahalat.accounts.models import DISTRICT_ROLES, Role
from mahalat.accounts.rules import (
    held_roles,
    is_administrator,
    is_city_council,
    is_deputy,
    is_district_staff,
    is_public,
)
from mahalat.territory.scope import scope_of

_ADDRESSED_ROLES = frozenset({*DISTRICT_ROLES, Role.AREA_OFFICER})


@rules.predicate
def is_addressed_staff(user: Any, obj: Any) -> bool:
    """District or area staff of a district the document was addressed to.

    A policy names its districts (`addressed_district_ids`, empty for a draft); any other object is
    addressed to the district it sits in."""
    addressed = getattr(obj, "addressed_district_ids", None)
    if addressed is None:
        target = scope_of(obj)
        addressed = frozenset({target.district_id}) if target and target.district_id else frozenset()
    if not addressed:
        return False
    return any(h.role in _ADDRESSED_ROLES and h.scope.district_id in addressed for h in held_roles(user))


writes_policy = is_deputy | is_administrator

rules.add_perm(
    "policies.view_policy", is_public | is_deputy | is_city_council | is_administrator | is_addressed_staff
)
rules.add_perm("policies.author_policy", writes_policy)
# Checked on the district's Acknowledgement row (its scope is the district).
rules.add_perm("policies.acknowledge_policy", is_district_staff)
