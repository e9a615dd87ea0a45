"""Who may manage Open311 client applications: the administrator of the city (and superusers)."""

from __future__ import annotations

import rules

from mahalat.accounts.rules import is_administrator

rules.add_perm("open311.manage_client", is_administrator)
