"""``manage.py demo_accounts [--json]``: the demo accounts that exist, to sign in with.

Without ``--json``: a table for a person starting the demo. With ``--json``: only a JSON list of
objects with the keys role, phone, password, scope, scope_kind and full_name (``[]`` when the demo
is not loaded), for scripts and browser tests; the demo Open311 client application's entry has no
phone or password (null) and an api_key.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from mahalat.councils.models import Membership
from mahalat.demo.selectors import DemoAccountRow, demo_accounts_existing


def _secret_text(row: DemoAccountRow) -> str:
    return row.password if row.password is not None else f"api_key: {row.api_key}"


def _scope_text(row: DemoAccountRow) -> str:
    if row.scope is None:
        return "—"
    return f"{row.scope_name} ({row.scope})"


def _council_seats(rows: list[DemoAccountRow]) -> list[str]:
    """Where each demo account sits on a council now: one line per current seat (one query)."""
    phones = ["+98" + row.phone[1:] for row in rows if row.phone]
    seats = (
        Membership.objects.filter(user__phone__in=phones, ends_on__isnull=True)
        .select_related("user", "neighborhood", "seat_type", "council")
        .order_by("neighborhood__slug", "role", "user__phone")
    )
    return [
        _(
            "%(name)s (%(phone)s): %(role)s of the council of %(neighborhood)s (%(slug)s), "
            "term %(term)s, seat: %(seat)s"
        )
        % {
            "name": seat.user.full_name,
            "phone": seat.user.phone_local,
            "role": seat.get_role_display(),
            "neighborhood": seat.neighborhood.name,
            "slug": seat.neighborhood.slug,
            "term": seat.council.term_number,
            "seat": seat.seat_type,
        }
        for seat in seats
    ]


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("List the demo accounts (role, mobile number, password, scope) that exist in the database.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help=_("Print only a JSON list, for scripts."))

    def handle(self, *args: Any, **options: Any) -> None:
        rows = demo_accounts_existing()
        if options["json"]:
            self.stdout.write(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write(_("The demo city is not loaded, so there are no demo accounts."))
            self.stdout.write(_("Load it with: manage.py load_demo_city"))
            return
        header = (_("Role"), _("Mobile number"), _("Password"), _("Scope"))
        table = [
            header,
            *((row.label, row.phone or "—", _secret_text(row), _scope_text(row)) for row in rows),
        ]
        # Plain padding: terminals do not reorder right-to-left text, so Persian cells stay legible.
        widths = [max(len(r[i]) for r in table) for i in range(3)]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(
                [*(cell.ljust(width) for cell, width in zip(cells, widths, strict=False)), cells[3]]
            )

        self.stdout.write(
            _("Demo accounts of the demo city Kuhsar; sign in with the mobile number and password:")
        )
        self.stdout.write("")
        self.stdout.write(line(header))
        self.stdout.write("  ".join("-" * w for w in [*widths, max(len(r[3]) for r in table)]))
        for row in table[1:]:
            self.stdout.write(line(row))
        self.stdout.write("")
        seats = _council_seats(rows)
        if seats:
            self.stdout.write(_("Council seats of the demo accounts:"))
            for seat in seats:
                self.stdout.write(f"  {seat}")
            self.stdout.write("")
        self.stdout.write(
            _("These accounts and their password are public demo data; never use them in production.")
        )
        if any(row.api_key for row in rows):
            self.stdout.write(
                _(
                    "The Open311 client application posts reports to /open311/v2/requests.json with its "
                    "api_key, which is public demo data too."
                )
            )
