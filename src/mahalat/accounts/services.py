"""Every write about people: registering, signing in, one-time codes, roles and API tokens."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import ROLE_SCOPE_KIND, ApiToken, Role, RoleAssignment, ScopeKind, User
from mahalat.accounts.phone import normalize_national_code, normalize_phone
from mahalat.accounts.rules import forget_held_roles, require_permission, restrict_to_agency
from mahalat.accounts.throttle import check_not_throttled, clear_failures, record_failure
from mahalat.audit.services import event_record
from mahalat.notifications.sms import send_sms
from mahalat.referrals.models import Agency
from mahalat.territory.models import Area, City, District, Neighborhood

OtpPurpose = Literal["login", "reset"]
_SCOPE_MODELS: dict[str, type] = {
    ScopeKind.CITY: City,
    ScopeKind.DISTRICT: District,
    ScopeKind.AREA: Area,
    ScopeKind.NEIGHBORHOOD: Neighborhood,
    ScopeKind.AGENCY: Agency,
}


def _wrong_credentials() -> ValidationError:
    return ValidationError(_("The mobile number or the password is not correct."), code="invalid_login")


@transaction.atomic
def user_register(
    *,
    phone: str,
    password: str | None,
    full_name: str = "",
    national_code: str | None = None,
    email: str = "",
    actor: User | None = None,
) -> User:
    errors: dict[str, list[str]] = {}
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if national_code:
        try:
            national_code = normalize_national_code(national_code)
        except ValidationError as exc:
            errors["national_code"] = exc.messages
    if "phone" not in errors and User.objects.filter(phone=phone).exists():
        errors["phone"] = [_("An account with this mobile number already exists.")]
    if (
        national_code
        and "national_code" not in errors
        and User.objects.filter(national_code=national_code).exists()
    ):
        errors["national_code"] = [_("An account with this national code already exists.")]
    if password:
        try:
            validate_password(password, User(phone=phone, full_name=full_name))
        except ValidationError as exc:
            errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    try:
        user = User.objects.create_user(
            phone, password, full_name=full_name.strip(), national_code=national_code or None, email=email
        )
    except IntegrityError as exc:  # a concurrent registration with the same number won the race
        raise ValidationError({"phone": [_("An account with this mobile number already exists.")]}) from exc
    event_record(
        actor=actor or user,
        action="accounts.user.registered",
        obj=user,
        after={"full_name": user.full_name, "has_national_code": bool(national_code)},
    )
    return user


def user_authenticate(*, phone: str, password: str, client_ip: str = "") -> User:
    """The active user with this number and password, with failures counted per number and address."""
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        raise _wrong_credentials() from exc
    idents = [phone, client_ip]
    check_not_throttled(kind="login", idents=idents)
    user = User.objects.filter(phone=phone).first()
    if user is None:
        User().set_password(password)  # spend the same time as a real check
        record_failure(kind="login", idents=idents)
        raise _wrong_credentials()
    if not user.check_password(password) or not user.is_active:
        record_failure(kind="login", idents=idents)
        raise _wrong_credentials()
    clear_failures(kind="login", idents=[phone])
    return user


# --- one-time codes -------------------------------------------------------------------------------


def _otp_key(purpose: str, phone: str) -> str:
    return f"otp:{purpose}:{phone}"


def otp_request(*, phone: str, purpose: OtpPurpose, client_ip: str = "") -> None:
    """Send a six-digit code by SMS. Unknown numbers get no SMS, but the same answer, so the form
    does not reveal who has an account."""
    phone = normalize_phone(phone)
    check_not_throttled(
        kind=f"otp-send-{purpose}", idents=[phone, client_ip], limit=settings.OTP_MAX_SENDS_PER_WINDOW
    )
    record_failure(kind=f"otp-send-{purpose}", idents=[phone, client_ip])
    if not User.objects.filter(phone=phone, is_active=True).exists():
        return
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(
        _otp_key(purpose, phone),
        {"hash": ApiToken.hash_key(code), "attempts": 0},
        timeout=settings.OTP_TTL_SECONDS,
    )
    minutes = max(1, settings.OTP_TTL_SECONDS // 60)
    body = (
        _("Mahalat sign-in code: %(code)s. Valid for %(minutes)s minutes. Do not share it.")
        if purpose == "login"
        else _("Mahalat password reset code: %(code)s. Valid for %(minutes)s minutes.")
    ) % {"code": code, "minutes": minutes}
    send_sms(to=phone, body=body)


def otp_verify(*, phone: str, code: str, purpose: OtpPurpose, client_ip: str = "") -> User:
    wrong = ValidationError(
        _("The code is not correct or has expired. Ask for a new one."), code="invalid_code"
    )
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        raise wrong from exc
    check_not_throttled(kind="login", idents=[phone, client_ip])
    key = _otp_key(purpose, phone)
    entry: dict[str, Any] | None = cache.get(key)
    digits = "".join(
        ch for ch in code.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789"))
    )
    if entry is None or not hmac.compare_digest(entry["hash"], ApiToken.hash_key(digits.strip())):
        record_failure(kind="login", idents=[phone, client_ip])
        if entry is not None:
            entry["attempts"] += 1
            if entry["attempts"] >= settings.OTP_MAX_ATTEMPTS:
                cache.delete(key)
            else:
                cache.set(key, entry, timeout=settings.OTP_TTL_SECONDS)
        raise wrong
    cache.delete(key)  # a code works once
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        raise wrong
    clear_failures(kind="login", idents=[phone])
    return user


@transaction.atomic
def password_reset_complete(*, phone: str, code: str, new_password: str, client_ip: str = "") -> User:
    user = otp_verify(phone=phone, code=code, purpose="reset", client_ip=client_ip)
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    event_record(actor=user, action="accounts.user.password_reset", obj=user)
    return user


# --- roles -----------------------------------------------------------------------------------------


def resolve_scope(*, role: str, scope_kind: str, scope_ref: str | int) -> Any:
    """The scope object for a role, by slug or id; a translated ValidationError when it cannot be."""
    if role not in Role.values:
        raise ValidationError({"role": [_("“%(role)s” is not a known role.") % {"role": role}]})
    expected = ROLE_SCOPE_KIND[role]
    if scope_kind != expected:
        raise ValidationError(
            {
                "scope_kind": [
                    _("The role “%(role)s” is held over a %(expected)s, not a %(given)s.")
                    % {
                        "role": Role(role).label,
                        "expected": ScopeKind(expected).label,
                        "given": ScopeKind(scope_kind).label
                        if scope_kind in ScopeKind.values
                        else scope_kind,
                    }
                ]
            }
        )
    model = _SCOPE_MODELS[scope_kind]
    lookup = {"pk": int(scope_ref)} if str(scope_ref).isdigit() else {"slug": str(scope_ref)}
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        raise ValidationError(
            {
                "scope": [
                    _("No %(kind)s “%(ref)s” exists.")
                    % {"kind": ScopeKind(scope_kind).label, "ref": scope_ref}
                ]
            }
        )
    return obj


def _scope_fields(scope_obj: Any) -> dict[str, Any]:
    scope = scope_obj.scope
    return {
        "city_id": scope.city_id,
        "district_id": scope.district_id,
        "area_id": scope.area_id,
        "neighborhood_id": scope.neighborhood_id,
        "agency_id": scope.agency_id,
    }


@transaction.atomic
def role_assign(
    *,
    actor: User | None,
    user: User,
    role: str,
    scope_kind: str,
    scope_ref: str | int,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> RoleAssignment:
    """Give `user` a role over a scope. `actor=None` is the system itself (commands, demo data)."""
    scope_obj = resolve_scope(role=role, scope_kind=scope_kind, scope_ref=scope_ref)
    if actor is not None:
        require_permission(actor, "accounts.assign_role", scope_obj)
    valid_from = valid_from or timezone.now()
    if valid_until is not None and valid_until <= valid_from:
        raise ValidationError({"valid_until": [_("The end of the period must come after its start.")]})
    assignment = RoleAssignment.objects.create(
        user=user,
        role=role,
        scope_kind=scope_kind,
        valid_from=valid_from,
        valid_until=valid_until,
        **_scope_fields(scope_obj),
    )
    event_record(
        actor=actor,
        action="accounts.role.assigned",
        obj=assignment,
        after={
            "user": user.pk,
            "role": role,
            "scope_kind": scope_kind,
            "scope": scope_obj.slug,
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )
    forget_held_roles(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User | None, assignment: RoleAssignment) -> RoleAssignment:
    assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    if actor is not None:
        require_permission(actor, "accounts.assign_role", assignment.scope_object)
    if assignment.revoked_at is not None:
        return assignment
    assignment.revoked_at = timezone.now()
    assignment.save(update_fields=["revoked_at"])
    event_record(
        actor=actor,
        action="accounts.role.revoked",
        obj=assignment,
        after={"revoked_at": assignment.revoked_at},
    )
    forget_held_roles(assignment.user)
    return assignment


# --- API tokens ------------------------------------------------------------------------------------


@transaction.atomic
def api_token_issue(
    *, phone: str, password: str, client_ip: str = "", name: str = ""
) -> tuple[str, ApiToken]:
    """A new bearer token for the user with these credentials; the plain token is returned only here."""
    user = user_authenticate(phone=phone, password=password, client_ip=client_ip)
    key = "mht_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=ApiToken.hash_key(key),
        prefix=key[4:12],
        name=name[:100],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    event_record(actor=user, action="accounts.token.issued", obj=token, after={"name": token.name})
    return key, token


def api_token_user(*, key: str) -> User | None:
    """The user a bearer token belongs to, if the token is valid now."""
    if not key.startswith("mht_") or len(key) > 100:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at=None, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    # Recording use costs a write; once a minute is precise enough.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    if token.agency_id is not None:
        restrict_to_agency(token.user, agency_id=token.agency_id)
    return token.user
