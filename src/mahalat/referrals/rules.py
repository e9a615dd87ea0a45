"""Who may do what with agencies, service-level agreements and referrals (in the permission matrix).

- The registry and the agreements are policy: the deputy (or the city's administrator) writes them;
  districts use them and cannot change them; the deputy does nothing operational with a referral.
- The sending side (district and area staff over the referral's place) sends, follows up, confirms or
  reopens; the receiving side (the agency's liaisons, or the staff of the municipal unit it was sent to)
  acknowledges, accepts or declines, answers and reports it done.
- A liaison sees only its own agency's referrals, and the reporter's contact details only where the
  sender chose to share them.
"""

from __future__ import annotations

from typing import Any

import rules

from mahalat.accounts.models import DISTRICT_ROLES, Role
from mahalat.accounts.rules import (
    held_roles,
    is_administrator,
    is_agency_liaison,
    is_deputy,
    reads_internal,
    runs_operations,
)
from mahalat.territory.scope import scope_of

# The roles that can be on the receiving end: an agency's liaison, or a municipal unit's staff.
_RECEIVER_ROLES = frozenset({Role.AGENCY_LIAISON, Role.AREA_OFFICER, *DISTRICT_ROLES})


@rules.predicate
def is_receiver(user: Any, obj: Any) -> bool:
    """The user acts for the body the referral was sent to."""
    target = getattr(obj, "receiver_scope", None)
    return target is not None and any(
        h.role in _RECEIVER_ROLES and h.covers(target) for h in held_roles(user)
    )


@rules.predicate
def is_city_staff(user: Any, obj: Any) -> bool:
    """The user holds a municipal or council role anywhere in the object's city (not a liaison role:
    an agency's people see their own agency only)."""
    target = scope_of(obj)
    if target is None or target.city_id is None:
        return False
    return any(h.role != Role.AGENCY_LIAISON and h.scope.city_id == target.city_id for h in held_roles(user))


@rules.predicate
def contact_shared(user: Any, obj: Any) -> bool:
    return bool(getattr(obj, "share_reporter_contact", False))


sets_service_levels = is_deputy | is_administrator
sender_side = runs_operations

# The registry.
rules.add_perm("referrals.view_agency", rules.always_allow)  # names and kinds are public
rules.add_perm("referrals.view_agency_details", is_city_staff | is_agency_liaison | is_administrator)
rules.add_perm("referrals.manage_agency", sets_service_levels)
rules.add_perm("referrals.set_service_agreement", sets_service_levels)
rules.add_perm("referrals.manage_integration", is_agency_liaison | is_administrator)
rules.add_perm("referrals.view_scorecard", is_city_staff | is_agency_liaison | is_administrator)

# Referrals.
rules.add_perm("referrals.send_referral", sender_side)
rules.add_perm("referrals.view_referral", reads_internal | is_receiver)
rules.add_perm("referrals.receive_referral", is_receiver)
rules.add_perm("referrals.follow_up_referral", sender_side)
rules.add_perm("referrals.close_referral", is_receiver | sender_side)
rules.add_perm("referrals.view_reporter_contact", sender_side | (contact_shared & is_receiver))
rules.add_perm("referrals.view_deliveries", sender_side | is_agency_liaison | is_administrator)
