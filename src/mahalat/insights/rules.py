"""Who may read indicator values and early warnings, and who sets targets (in the matrix test).

- Published indicators of the territory (city, district, area, neighborhood) are public: citizens see the
  same picture as the deputy; values whose sample is below the indicator's minimum are withheld from the
  public (a mean of one rating would be one person's rating).
- Agency values and the early-warning list are for the internal readers whose scope holds the place: the
  deputy, the city council and administrators for the whole city, district and area staff for theirs,
  an agency's liaison for its agency.
- Targets are policy: set by the deputy (or an administrator) of the city, never by a district.
"""

from __future__ import annotations

import rules

from mahalat.accounts.rules import is_administrator, is_deputy, is_public, reads_internal

rules.add_perm("insights.view_indicators", is_public | reads_internal)
rules.add_perm("insights.view_early_warnings", reads_internal)
rules.add_perm("insights.set_target", is_deputy | is_administrator)
