"""Who may do what with needs assessments (in the permission matrix test).

- District staff and the area officer over the survey's neighborhood (the district's operations) and the
  deputy of the city (surveys are among the things the deputy writes) author, open and close them;
  council members and city council members do not.
- Internal readers over the neighborhood (the city's deputy, city council and administrator; the
  district's staff; the area officer; the neighborhood's council) read the results and the free-text
  answers, never who gave them; everyone reads the aggregate results once the survey has closed.
- Only the district's side proposes a top need to the council's agenda (the deputy never changes a
  district's operations, and a council's agenda is one).
- Answering is not a role permission: it depends on the person's verified residency and is checked by
  `services.response_submit`.
"""

from __future__ import annotations

import rules

from mahalat.accounts.rules import is_deputy, is_public, reads_internal, runs_operations

rules.add_perm("surveys.manage_survey", runs_operations | is_deputy)
rules.add_perm("surveys.view_results", is_public | reads_internal)
rules.add_perm("surveys.view_free_text", reads_internal)
rules.add_perm("surveys.propose_need", runs_operations)
