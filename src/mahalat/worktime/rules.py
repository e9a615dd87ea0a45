"""Who may change the working-time calendar.

The calendar is city configuration set by policy: the Cultural-Social Deputy and the system
administrator of the city change its working hours and its own holidays. Check with the City as the
object. National holidays (``city=None``) are checked with ``None``, which no role covers, so only a
superuser passes.

Imported by django-rules' autodiscovery (and by `WorktimeConfig.ready()`), so the permission exists
before any request.
"""

from __future__ import annotations

import rules

from mahalat.accounts.rules import is_administrator, is_deputy

rules.add_perm("worktime.change_calendar", is_deputy | is_administrator)
