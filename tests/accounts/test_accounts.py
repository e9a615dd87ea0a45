from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from mahalat.accounts.models import Role, RoleAssignment, ScopeKind, User
from mahalat.accounts.phone import normalize_national_code, normalize_phone
from mahalat.accounts.services import (
    api_token_issue,
    api_token_user,
    otp_request,
    otp_verify,
    password_reset_complete,
    role_assign,
    user_authenticate,
    user_register,
)
from mahalat.audit.models import Event
from mahalat.errors import ThrottledError
from tests.factories import AreaFactory, CityFactory, DistrictFactory, NeighborhoodFactory, UserFactory

PASSWORD = "a-Strong-pass-1405"


@pytest.mark.parametrize(
    "typed",
    [
        "+989121234567",
        "00989121234567",
        "989121234567",
        "09121234567",
        "9121234567",
        "0912 123 4567",
        "0912-123-4567",
        "(0912) 123 4567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷",
    ],
)
def test_phone_accepted_in_every_common_form(typed: str) -> None:
    assert normalize_phone(typed) == "+989121234567"


@pytest.mark.parametrize(
    "typed", ["", "12345", "02112345678", "+449121234567", "091212345678", "abc", "0812123456"]
)
def test_invalid_phone_is_refused_with_a_translated_message(typed: str) -> None:
    with translation.override("fa"), pytest.raises(ValidationError) as exc:
        normalize_phone(typed)
    assert exc.value.code == "invalid_phone"
    assert "موبایل" in exc.value.messages[0]


@given(st.from_regex(r"9[0-9]{9}", fullmatch=True))
def test_phone_normalization_is_idempotent(rest: str) -> None:
    normalized = normalize_phone("0" + rest)
    assert normalize_phone(normalized) == normalized == "+98" + rest


def _national_code(nine: str) -> str:
    total = sum(int(nine[i]) * (10 - i) for i in range(9)) % 11
    return nine + str(total if total < 2 else 11 - total)


@given(st.from_regex(r"[0-9]{9}", fullmatch=True).filter(lambda s: len(set(s)) > 1))
def test_national_codes_with_a_correct_check_digit_pass(nine: str) -> None:
    code = _national_code(nine)
    assert normalize_national_code(code) == code
    wrong = code[:9] + str((int(code[9]) + 1) % 10)
    with pytest.raises(ValidationError):
        normalize_national_code(wrong)


@pytest.mark.parametrize("typed", ["0013542419", "۰۰۱۳۵۴۲۴۱۹", "13542419"])
def test_known_national_code_in_any_digits(typed: str) -> None:
    assert normalize_national_code(typed) == "0013542419"


@pytest.mark.parametrize("typed", ["1111111111", "0013542418", "12345", "abcdefghij", "00135424190"])
def test_invalid_national_code(typed: str) -> None:
    with translation.override("fa"), pytest.raises(ValidationError) as exc:
        normalize_national_code(typed)
    assert exc.value.code == "invalid_national_code"
    assert "کد ملی" in exc.value.messages[0]


def test_register_stores_normalized_and_audits(db: None) -> None:
    user = user_register(
        phone="۰۹۱۲ ۱۲۳ ۴۵۶۷", password=PASSWORD, full_name=" مریم احمدی ", national_code="13542419"
    )
    assert user.phone == "+989121234567"
    assert user.national_code == "0013542419"
    assert user.full_name == "مریم احمدی"
    assert user.password.startswith(("argon2", "md5"))
    assert Event.objects.filter(action="accounts.user.registered", object_id=str(user.pk)).count() == 1


def test_register_bad_input_changes_nothing(db: None) -> None:
    UserFactory(phone="+989121234567")
    with pytest.raises(ValidationError) as exc:
        user_register(phone="09121234567", password="123", national_code="1111111111")
    fields = exc.value.message_dict
    assert set(fields) == {"phone", "national_code", "password"}
    assert User.objects.count() == 1
    assert not Event.objects.exists()


@override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"],
)
def test_passwords_are_hashed_with_argon2(db: None) -> None:
    user = user_register(phone="09121234500", password=PASSWORD)
    assert user.password.startswith("argon2$")


def test_authenticate_and_throttle(db: None) -> None:
    UserFactory(phone="+989121110000")
    assert user_authenticate(phone="09121110000", password=PASSWORD).phone == "+989121110000"
    for _ in range(5):
        with pytest.raises(ValidationError):
            user_authenticate(phone="09121110000", password="wrong", client_ip="10.0.0.1")
    # Locked now, even with the right password.
    with translation.override("fa"), pytest.raises(ThrottledError) as exc:
        user_authenticate(phone="09121110000", password=PASSWORD, client_ip="10.0.0.2")
    assert exc.value.retry_after > 0
    assert "تلاش" in exc.value.message


def test_throttle_by_address_covers_other_numbers(db: None) -> None:
    for i in range(5):
        with pytest.raises(ValidationError):
            user_authenticate(phone=f"0912000{i:04d}", password="x", client_ip="10.9.9.9")
    with pytest.raises(ThrottledError):
        user_authenticate(phone="09120009999", password="x", client_ip="10.9.9.9")


def test_login_by_sms_code(db: None, sms_outbox: list) -> None:
    user = UserFactory(phone="+989122220000")
    otp_request(phone="09122220000", purpose="login")
    assert len(sms_outbox) == 1
    assert sms_outbox[0].to == "+989122220000"
    code = re.search(r"\d{6}", sms_outbox[0].body).group(0)
    persian_code = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert otp_verify(phone="09122220000", code=persian_code, purpose="login") == user
    with pytest.raises(ValidationError):  # a code works once
        otp_verify(phone="09122220000", code=code, purpose="login")


def test_sms_code_for_unknown_number_sends_nothing_and_says_the_same(db: None, sms_outbox: list) -> None:
    otp_request(phone="09123330000", purpose="login")
    assert sms_outbox == []


def test_sms_code_is_burned_after_too_many_wrong_tries(db: None, sms_outbox: list) -> None:
    UserFactory(phone="+989124440000")
    otp_request(phone="09124440000", purpose="login")
    code = re.search(r"\d{6}", sms_outbox[0].body).group(0)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(ValidationError):
            otp_verify(phone="09124440000", code=wrong, purpose="login", client_ip=f"10.1.1.{_}")
    # The fifth failure hits the per-number throttle; even the right code no longer works.
    with pytest.raises((ValidationError, ThrottledError)):
        otp_verify(phone="09124440000", code=wrong, purpose="login")
    with pytest.raises((ValidationError, ThrottledError)):
        otp_verify(phone="09124440000", code=code, purpose="login")


def test_sms_sends_are_limited(db: None, sms_outbox: list) -> None:
    UserFactory(phone="+989125550000")
    for _ in range(3):
        otp_request(phone="09125550000", purpose="login")
    with pytest.raises(ThrottledError):
        otp_request(phone="09125550000", purpose="login")
    assert len(sms_outbox) == 3


def test_password_reset_by_sms(db: None, sms_outbox: list) -> None:
    UserFactory(phone="+989126660000")
    otp_request(phone="09126660000", purpose="reset")
    code = re.search(r"\d{6}", sms_outbox[0].body).group(0)
    with pytest.raises(ValidationError) as exc:
        password_reset_complete(phone="09126660000", code=code, new_password="123")
    assert "new_password" in exc.value.message_dict
    # The code was spent by the failed attempt's verification, so ask again.
    otp_request(phone="09126660000", purpose="reset")
    code = re.search(r"\d{6}", sms_outbox[1].body).group(0)
    password_reset_complete(phone="09126660000", code=code, new_password="another-Good-pass-99")
    assert user_authenticate(phone="09126660000", password="another-Good-pass-99")
    # A login code is not a reset code.
    otp_request(phone="09126660000", purpose="login")
    login_code = re.search(r"\d{6}", sms_outbox[2].body).group(0)
    with pytest.raises(ValidationError):
        password_reset_complete(phone="09126660000", code=login_code, new_password="third-Good-pass-77")


@pytest.fixture
def district(db: None):
    return DistrictFactory(slug="district-x")


@pytest.mark.parametrize(
    ("role", "scope_kind", "scope_ref", "field"),
    [
        ("mayor", ScopeKind.CITY, "city-0", "role"),
        (Role.DISTRICT_OFFICER, ScopeKind.NEIGHBORHOOD, "district-x", "scope_kind"),
        (Role.DISTRICT_OFFICER, "galaxy", "district-x", "scope_kind"),
        (Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, "no-such-district", "scope"),
        (Role.DEPUTY, ScopeKind.DISTRICT, "district-x", "scope_kind"),
    ],
)
def test_role_assign_rejects_unknown_role_or_scope(district, role, scope_kind, scope_ref, field) -> None:
    user = UserFactory()
    with translation.override("fa"), pytest.raises(ValidationError) as exc:
        role_assign(actor=None, user=user, role=role, scope_kind=scope_kind, scope_ref=scope_ref)
    assert field in exc.value.message_dict
    assert not RoleAssignment.objects.exists()
    assert not Event.objects.filter(action="accounts.role.assigned").exists()


def test_role_assign_fills_the_ancestors_of_the_scope(db: None) -> None:
    nbhd = NeighborhoodFactory()
    user = UserFactory()
    a = role_assign(
        actor=None, user=user, role=Role.COUNCIL_CHAIR, scope_kind=ScopeKind.NEIGHBORHOOD, scope_ref=nbhd.slug
    )
    assert (a.city_id, a.district_id, a.area_id, a.neighborhood_id) == (
        nbhd.city_id,
        nbhd.district_id,
        nbhd.area_id,
        nbhd.pk,
    )


def test_only_administrators_assign_roles(db: None) -> None:
    city = CityFactory()
    district = DistrictFactory(city=city)
    deputy, target = UserFactory(), UserFactory()
    role_assign(actor=None, user=deputy, role=Role.DEPUTY, scope_kind=ScopeKind.CITY, scope_ref=city.slug)
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=deputy,
            user=target,
            role=Role.DISTRICT_MANAGER,
            scope_kind=ScopeKind.DISTRICT,
            scope_ref=district.slug,
        )
    admin = UserFactory()
    role_assign(
        actor=None, user=admin, role=Role.ADMINISTRATOR, scope_kind=ScopeKind.CITY, scope_ref=city.slug
    )
    made = role_assign(
        actor=admin,
        user=target,
        role=Role.DISTRICT_MANAGER,
        scope_kind=ScopeKind.DISTRICT,
        scope_ref=district.slug,
    )
    event = Event.objects.get(action="accounts.role.assigned", object_id=str(made.pk))
    assert event.actor == admin
    # An administrator of another city cannot.
    other_admin = UserFactory()
    other_city = CityFactory()
    role_assign(
        actor=None,
        user=other_admin,
        role=Role.ADMINISTRATOR,
        scope_kind=ScopeKind.CITY,
        scope_ref=other_city.slug,
    )
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=other_admin,
            user=target,
            role=Role.AREA_OFFICER,
            scope_kind=ScopeKind.AREA,
            scope_ref=AreaFactory(district=district).slug,
        )


def test_api_tokens(db: None) -> None:
    user = UserFactory(phone="+989127770000")
    key, token = api_token_issue(phone="09127770000", password=PASSWORD, name="water agency system")
    assert key.startswith("mht_")
    assert token.key_hash != key
    assert api_token_user(key=key) == user
    assert api_token_user(key=key + "x") is None
    assert api_token_user(key="Bearer nonsense") is None
    user.is_active = False
    user.save()
    assert api_token_user(key=key) is None
