"""Reads about the demo: which demo accounts really exist, for `manage.py demo_accounts`."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from mahalat.accounts.models import RoleAssignment, User
from mahalat.accounts.phone import normalize_phone
from mahalat.demo.city import CITY_SLUG
from mahalat.demo.services import CITIZEN, DEMO_ACCOUNTS, DEMO_OPEN311_KEY, OPEN311_CLIENT
from mahalat.open311.models import ClientApplication, hash_api_key
from mahalat.territory.models import City


@dataclass(frozen=True, slots=True)
class DemoAccountRow:
    role: str
    label: str
    phone: str | None  # local form, 0912…; None for the Open311 client application
    password: str | None  # None for the Open311 client application, which has an api_key
    scope_kind: str | None
    scope: str | None  # slug
    scope_name: str  # display name of the scope, "" for the citizen
    full_name: str
    api_key: str | None = None  # only the Open311 client application's row has one

    def as_json(self) -> dict[str, str | None]:
        data = {
            "role": self.role,
            "phone": self.phone,
            "password": self.password,
            "scope": self.scope,
            "scope_kind": self.scope_kind,
            "full_name": self.full_name,
        }
        if self.api_key is not None:
            data["api_key"] = self.api_key
        return data


def demo_city_loaded() -> bool:
    return City.objects.filter(slug=CITY_SLUG, is_demo=True).exists()


def demo_accounts_existing() -> list[DemoAccountRow]:
    """The documented demo accounts that exist now, each with the role it is listed for still held
    (an account whose role was revoked is left out), then the demo Open311 client application if it
    is active and still has the demo api_key. Four queries whatever the number of accounts."""
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
    client = (
        ClientApplication.objects.filter(key_hash=hash_api_key(DEMO_OPEN311_KEY), is_active=True)
        .select_related("city")
        .first()
    )
    if client is not None and client.city.slug == CITY_SLUG:
        rows.append(
            DemoAccountRow(
                role=OPEN311_CLIENT,
                label=_("Open311 client application"),
                phone=None,
                password=None,
                scope_kind="city",
                scope=CITY_SLUG,
                scope_name=str(client.city),
                full_name=client.name,
                api_key=DEMO_OPEN311_KEY,
            )
        )
    return rows
