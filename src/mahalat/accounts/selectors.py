"""Reads about people and their roles."""

from __future__ import annotations

from django.db.models import Q

from mahalat.accounts.models import RoleAssignment, User


def role_holders(*, who: Q) -> list[User]:
    """Active people holding a role in force that matches `who` (a Q over RoleAssignment), in one query."""
    user_ids = RoleAssignment.objects.active().filter(who).values("user_id")
    return list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("id"))
