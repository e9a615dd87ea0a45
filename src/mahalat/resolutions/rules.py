"""Who may do what with council resolutions (in the matrix test).

The council's officers adopt them in a meeting; the responsible body reports progress: the district or
area staff for the municipality's own units, the agency's liaison for an agency; everyone reads the
public ones."""

from __future__ import annotations

import rules

from mahalat.accounts.rules import (
    is_agency_liaison,
    is_council_officer,
    is_public,
    reads_internal,
    runs_operations,
)

rules.add_perm("resolutions.view_resolution", is_public | reads_internal)
rules.add_perm("resolutions.adopt_resolution", is_council_officer)
rules.add_perm("resolutions.assign_resolution", runs_operations)
rules.add_perm("resolutions.report_progress", runs_operations | is_agency_liaison)
