"""Who may do what with councils (added to the governance permission matrix).

The deputy authors seat templates and council policy; districts form councils and seat their members;
members act on their own seat (resign); everyone reads a council's public composition."""

from __future__ import annotations

import rules

from mahalat.accounts.rules import (
    is_administrator,
    is_authenticated,
    is_council_officer,
    is_deputy,
    is_district_staff,
    is_owner,
    reads_internal,
)

rules.add_perm("councils.view_council", rules.always_allow)
rules.add_perm("councils.view_council_health", reads_internal)
rules.add_perm("councils.author_seat_template", is_deputy | is_administrator)
rules.add_perm("councils.set_council_policy", is_deputy)
rules.add_perm("councils.form_council", is_district_staff)
rules.add_perm("councils.seat_member", is_district_staff)
rules.add_perm("councils.resign_membership", is_authenticated & is_owner)
rules.add_perm("councils.manage_working_groups", is_district_staff | is_council_officer)
