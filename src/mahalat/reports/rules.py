"""Who may do what with citizen reports (added to the governance permission matrix)."""

from __future__ import annotations

import rules

from mahalat.accounts.rules import (
    is_administrator,
    is_area_officer,
    is_authenticated,
    is_city_council,
    is_council_role,
    is_deputy,
    is_district_staff,
    is_owner,
    is_public,
    reads_internal,
    runs_operations,
)

rules.add_perm("reports.submit_report", rules.always_allow)
rules.add_perm("reports.view_report", is_public | reads_internal | (is_authenticated & is_owner))
# The reporter's contact details stay with the municipality and the council: an agency's liaison sees
# them only through a referral whose sender chose to share them (referrals.view_reporter_contact).
rules.add_perm(
    "reports.view_private_details",
    is_administrator | is_deputy | is_city_council | is_district_staff | is_area_officer | is_council_role,
)
rules.add_perm("reports.handle_report", runs_operations)
rules.add_perm("reports.confirm_resolution", is_authenticated & is_owner)

# Categories and their service levels are policy: the deputy sets them (or the city's administrator).
rules.add_perm("reports.configure_categories", is_deputy | is_administrator)

# Around a report: residents support, follow and comment; moderators hide; the reporter rates; the
# council endorses; staff merge duplicates.
may_see = is_public | reads_internal | (is_authenticated & is_owner)
rules.add_perm("reports.support_report", is_authenticated & (is_public | reads_internal) & ~is_owner)
rules.add_perm("reports.follow_report", is_authenticated & may_see)
rules.add_perm("reports.comment_report", is_authenticated & is_public)
rules.add_perm("reports.moderate_comment", runs_operations)
rules.add_perm("reports.rate_report", is_authenticated & is_owner)
rules.add_perm("reports.endorse_report", is_council_role)
rules.add_perm("reports.merge_report", runs_operations)
