"""Who may do what in forming a council: calls, applications, residency, elections (in the matrix test).

Districts run calls and elections; residents apply, claim their residency and vote; an applicant's
personal details are seen by the applicant and the district that reviews them, nobody else."""

from __future__ import annotations

import rules

from mahalat.accounts.rules import (
    is_administrator,
    is_authenticated,
    is_district_staff,
    is_owner,
    is_public,
    reads_internal,
    runs_operations,
)

rules.add_perm("elections.view_call", is_public | reads_internal)
rules.add_perm("elections.run_call", is_district_staff)
rules.add_perm("elections.apply_to_call", is_authenticated)
rules.add_perm(
    "elections.view_application", (is_authenticated & is_owner) | is_district_staff | is_administrator
)
rules.add_perm("elections.review_application", is_district_staff)
rules.add_perm("elections.claim_residency", is_authenticated)
rules.add_perm("elections.verify_residency", runs_operations)
rules.add_perm("elections.run_election", is_district_staff)
rules.add_perm("elections.cast_ballot", is_authenticated)
rules.add_perm("elections.view_election", is_public | reads_internal)
