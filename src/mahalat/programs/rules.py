"""Who may do what with cultural-social programs (in the matrix test).

Every program is public (its budgets too: they are the accountability the plan promises). District
staff run the programs of their district and the area officer those lying in its area; a council's
chair and secretary organize programs of their own council for their own neighborhood (the service
also checks the organizer is that council). The deputy and the city council read, never write.
"""

from __future__ import annotations

import rules

from mahalat.accounts.rules import is_council_officer, runs_operations

rules.add_perm("programs.view_program", rules.always_allow)
rules.add_perm("programs.manage_program", runs_operations)
rules.add_perm("programs.organize_council_program", is_council_officer)
