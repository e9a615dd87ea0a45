"""Who may do what with council meetings (in the matrix test).

The secretary and the chair run the meeting; every member votes and proposes items; the district
schedules and proposes too; the chair alone approves the minutes; the public reads what is published."""

from __future__ import annotations

import rules

from mahalat.accounts.rules import (
    is_council_chair,
    is_council_officer,
    is_council_role,
    is_district_staff,
    is_public,
    reads_internal,
    runs_operations,
)

rules.add_perm("meetings.view_meeting", is_public | reads_internal)
rules.add_perm("meetings.view_private_items", reads_internal)
rules.add_perm("meetings.schedule_meeting", is_council_officer | is_district_staff)
rules.add_perm("meetings.propose_agenda_item", is_council_role | runs_operations)
rules.add_perm("meetings.manage_agenda", is_council_officer | is_district_staff)
rules.add_perm("meetings.run_meeting", is_council_officer)
rules.add_perm("meetings.cast_vote", is_council_role)
rules.add_perm("meetings.write_minutes", is_council_officer)
rules.add_perm("meetings.approve_minutes", is_council_chair)
rules.add_perm("meetings.view_minutes", is_public | reads_internal)
