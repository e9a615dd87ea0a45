"""Every write of the Open311 part: client applications (made, changed, given a new api_key) and
reports filed by a client, which go through `reports.services.report_submit` like any other."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.rules import require_permission
from mahalat.accounts.throttle import check_not_throttled, record_failure
from mahalat.audit.services import event_record
from mahalat.open311.models import ClientApplication, ClientSubmission, hash_api_key
from mahalat.persian.text import normalize_text
from mahalat.reports.models import Report
from mahalat.reports.services import report_submit
from mahalat.territory.models import City

KEY_MIN_LENGTH = 16
KEY_MAX_LENGTH = 100
NAME_MAX = 120
# Reports one client may file per throttle window (LOGIN_FAILURE_WINDOW_SECONDS, 15 minutes by
# default); a setting of the same name overrides it.
DEFAULT_POSTS_PER_WINDOW = 60


def _new_key() -> str:
    return "o311_" + secrets.token_urlsafe(32)


def _check_client_fields(*, name: str, contact_email: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("At most %(limit)s characters.") % {"limit": NAME_MAX}]
    try:
        validate_email(contact_email)
    except ValidationError:
        errors["contact_email"] = [_("Enter a valid email address.")]
    return errors


def _check_key(key: str) -> dict[str, list[str]]:
    if not KEY_MIN_LENGTH <= len(key) <= KEY_MAX_LENGTH or any(ch.isspace() for ch in key):
        return {
            "key": [
                _("An api_key has %(low)s to %(high)s characters and no spaces.")
                % {"low": KEY_MIN_LENGTH, "high": KEY_MAX_LENGTH}
            ]
        }
    if ClientApplication.objects.filter(key_hash=hash_api_key(key)).exists():
        return {"key": [_("This api_key is already in use.")]}
    return {}


@transaction.atomic
def client_application_create(
    *,
    actor: Any | None,
    city: City,
    name: str,
    contact_email: str,
    key: str | None = None,
) -> tuple[ClientApplication, str]:
    """Register a client application of a city. Returns it with its plain api_key, which is stored
    only as a hash and never shown again. `key` is for fixed keys (the demo's); otherwise a random
    one is drawn."""
    if actor is not None:
        require_permission(actor, "open311.manage_client", city)
    name = normalize_text(name or "")
    contact_email = (contact_email or "").strip()
    plain = key if key is not None else _new_key()
    errors = {**_check_client_fields(name=name, contact_email=contact_email), **_check_key(plain)}
    if errors:
        raise ValidationError(errors)
    client = ClientApplication.objects.create(
        city=city,
        name=name,
        contact_email=contact_email,
        key_hash=hash_api_key(plain),
        key_prefix=plain[:8],
    )
    event_record(
        actor=actor,
        action="open311.client.created",
        obj=client,
        after={"name": name, "contact_email": contact_email, "key_prefix": client.key_prefix},
    )
    return client, plain


@transaction.atomic
def client_application_rotate_key(
    *, actor: Any | None, client: ClientApplication, key: str | None = None
) -> tuple[ClientApplication, str]:
    """Give the client a new api_key; the old one stops working at once. Returns the plain new key."""
    locked = ClientApplication.objects.select_for_update().get(pk=client.pk)
    if actor is not None:
        require_permission(actor, "open311.manage_client", locked)
    plain = key if key is not None else _new_key()
    errors = _check_key(plain)
    if errors:
        raise ValidationError(errors)
    before = locked.key_prefix
    locked.key_hash, locked.key_prefix = hash_api_key(plain), plain[:8]
    locked.key_rotated_at = timezone.now()
    locked.save(update_fields=["key_hash", "key_prefix", "key_rotated_at"])
    event_record(
        actor=actor,
        action="open311.client.key_rotated",
        obj=locked,
        before={"key_prefix": before},
        after={"key_prefix": locked.key_prefix},
    )
    return locked, plain


@transaction.atomic
def client_application_update(
    *, actor: Any | None, client: ClientApplication, name: str, contact_email: str, is_active: bool
) -> ClientApplication:
    """Change a client's name, contact or whether its api_key is accepted."""
    locked = ClientApplication.objects.select_for_update().get(pk=client.pk)
    if actor is not None:
        require_permission(actor, "open311.manage_client", locked)
    name = normalize_text(name or "")
    contact_email = (contact_email or "").strip()
    errors = _check_client_fields(name=name, contact_email=contact_email)
    if errors:
        raise ValidationError(errors)
    wanted = {"name": name, "contact_email": contact_email, "is_active": bool(is_active)}
    before = {k: getattr(locked, k) for k, v in wanted.items() if getattr(locked, k) != v}
    if before:
        for field in before:
            setattr(locked, field, wanted[field])
        locked.save(update_fields=list(before))
        event_record(
            actor=actor,
            action="open311.client.updated",
            obj=locked,
            before=before,
            after={k: wanted[k] for k in before},
        )
    return locked


def client_application_authenticate(*, key: str) -> ClientApplication | None:
    """The active client application whose api_key this is, or None."""
    if not key or len(key) > KEY_MAX_LENGTH:
        return None
    client = (
        ClientApplication.objects.select_related("city")
        .filter(key_hash=hash_api_key(key), is_active=True)
        .first()
    )
    if client is None:
        return None
    now = timezone.now()
    # Recording use costs a write; once a minute is precise enough.
    if client.last_used_at is None or now - client.last_used_at > timedelta(minutes=1):
        ClientApplication.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


def posts_per_window() -> int:
    return int(getattr(settings, "OPEN311_POSTS_PER_WINDOW", DEFAULT_POSTS_PER_WINDOW))


@transaction.atomic
def open311_request_submit(
    *,
    client: ClientApplication,
    city: City,
    service_code: str,
    lat: object,
    lng: object,
    description: str,
    phone: str,
    address: str = "",
    answers: dict[str, Any] | None = None,
    device_id: str = "",
    account_id: str = "",
    media_url: str = "",
    now: datetime | None = None,
) -> Report:
    """File a report sent by a client application. The reporter is anonymous to us, so the report
    waits (state "unverified") until the phone number is confirmed with the SMS code.

    Every attempt counts toward the client's throttle, so a misbehaving client is slowed down too.
    """
    idents = [f"client:{client.pk}"]
    check_not_throttled(kind="open311-post", idents=idents, limit=posts_per_window())
    record_failure(kind="open311-post", idents=idents)
    report = report_submit(
        actor=None,
        city=city,
        description=description,
        lat=lat,
        lng=lng,
        category_slug=service_code,
        address=address,
        answers=answers or {},
        phone=phone,
        now=now,
    )
    ClientSubmission.objects.create(
        report=report,
        client=client,
        city_id=city.pk,
        device_id=device_id[:100],
        account_id=account_id[:100],
        media_url=media_url[:500],
    )
    event_record(
        actor=None,
        action="open311.request.submitted",
        obj=report,
        after={"client": client.pk, "client_name": client.name, "tracking_code": report.tracking_code},
    )
    return report
