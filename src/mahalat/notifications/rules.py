"""Who may do what with notifications: only the recipient reads (and marks as read) their own."""

from __future__ import annotations

import rules

from mahalat.accounts.rules import is_authenticated, is_owner

NOTIFICATION_PERMISSIONS: dict[str, rules.Predicate] = {
    "notifications.read_notification": is_authenticated & is_owner,
    # Any signed-in person may follow any neighborhood's public news.
    "notifications.follow_neighborhood": is_authenticated,
}

for _name, _predicate in NOTIFICATION_PERMISSIONS.items():
    rules.add_perm(_name, _predicate)
