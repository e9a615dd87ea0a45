"""Reads about the demo: which demo accounts really exist, for `manage.py demo_accounts`."""

from __future__ import annotations

from dataclasses import dataclass

from mahalat.accounts.models import RoleAssignment, User
from mahalat.accounts.phone import normalize_phone
from mahalat.demo.city import CITY_SLUG
from mahalat.demo.services import CITIZEN, DEMO_ACCOUNTS
from mahalat.territory.models import City


@dataclass(frozen=True, slots=True)
class DemoAccountRow:
    role: str
    label: str
    phone: str  # local form, 0912…
    password: str
    scope_kind: str | None
    scope: str | None  # slug
    scope_name: str  # display name of the scope, "" for the citizen
    full_name: str

    def as_json(self) -> dict[str, str | None]:
        return {
            "role": self.role,
            "phone": self.phone,
            "password": self.password,
            "scope": self.scope,
            "scope_kind": self.scope_kind,
            "full_name": self.full_name,
        }


def demo_city_loaded() -> bool:
    return City.objects.filter(slug=CITY_SLUG, is_demo=True).exists()


def demo_accounts_existing() -> list[DemoAccountRow]:
    """The documented demo accounts that exist now, each with the role it is listed for still held
    (an account whose role was revoked is left out). Three queries whatever the number of accounts."""
    if not demo_city_loaded():
        return []
    users = {
        u.phone: u
        for u in User.objects.filter(phone__in=[normalize_phone(a["phone"]) for a in DEMO_ACCOUNTS])
    }
    assignments = RoleAssignment.objects.active().filter(user__in=list(users.values()))
    held = {
        (a.user_id, a.role, a.scope_slug): a
        for a in assignments.select_related("city", "district", "area", "neighborhood", "agency")
    }
    rows = []
    for account in DEMO_ACCOUNTS:
        user = users.get(normalize_phone(account["phone"]))
        if user is None or not user.is_active:
            continue
        scope_name = ""
        if account["role"] != CITIZEN:
            assignment = held.get((user.pk, account["role"], account["scope"]))
            if assignment is None:
                continue
            scope_name = assignment.scope_label
        rows.append(
            DemoAccountRow(
                role=account["role"],
                label=str(account["label"]),
                phone=user.phone_local,
                password=account["password"],
                scope_kind=account["scope_kind"],
                scope=account["scope"],
                scope_name=scope_name,
                full_name=user.full_name,
            )
        )
    return rows
