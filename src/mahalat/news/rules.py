"""Who may do what with news items (in the matrix test).

Published items are public (their visibility is a matter of state and date, read by the selectors).
District staff write for their district and the area officer for the neighborhoods of its area; the
district manager of the item's district publishes or sends back (the service also refuses the author);
district staff withdraw. The deputy and the city council read, never write.
"""

from __future__ import annotations

import rules

from mahalat.accounts.rules import is_district_manager, is_district_staff, runs_operations

rules.add_perm("news.write_news", runs_operations)
rules.add_perm("news.review_news", is_district_manager)
rules.add_perm("news.withdraw_news", is_district_staff)
