"""Who may do what with citizen reports (added to the governance permission matrix)."""

from __future__ import annotations

import rules

from mahalat.accounts.rules import (
    is_administrator,
    is_authenticated,
    is_deputy,
    is_owner,
    is_public,
    reads_internal,
    runs_operations,
)

rules.add_perm("reports.submit_report", rules.always_allow)
rules.add_perm("reports.view_report", is_public | reads_internal | (is_authenticated & is_owner))
rules.add_perm("reports.view_private_details", reads_internal)
rules.add_perm("reports.handle_report", runs_operations)
rules.add_perm("reports.confirm_resolution", is_authenticated & is_owner)

# Categories and their service levels are policy: the deputy sets them (or the city's administrator).
rules.add_perm("reports.configure_categories", is_deputy | is_administrator)
