"""Iranian mobile numbers and national codes: accepted in any common form, stored in one."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_DIGIT_MAP = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SEPARATORS = re.compile(r"[\s\-().\u200c\u200e\u200f]+")
_MOBILE = re.compile(r"^9\d{9}$")


def _ascii_digits(value: str) -> str:
    return value.translate(_DIGIT_MAP)


def normalize_phone(value: str) -> str:
    """+98 followed by the ten-digit mobile number, from +98912…, 0098912…, 98912…, 0912…, 912….

    Raises ValidationError (code "invalid_phone") for anything that is not an Iranian mobile number.
    """
    raw = _SEPARATORS.sub("", _ascii_digits(str(value or "")).strip())
    if raw.startswith("+98"):
        rest = raw[3:]
    elif raw.startswith("0098"):
        rest = raw[4:]
    elif raw.startswith("98") and len(raw) == 12:
        rest = raw[2:]
    elif raw.startswith("0") and len(raw) == 11:
        rest = raw[1:]
    else:
        rest = raw
    if not _MOBILE.match(rest):
        raise ValidationError(
            _("“%(value)s” is not an Iranian mobile number. Write it like 0912 345 6789."),
            code="invalid_phone",
            params={"value": str(value)[:32]},
        )
    return "+98" + rest


def normalize_national_code(value: str) -> str:
    """The ten-digit national code (کد ملی), checked by its check digit.

    Leading zeros that were dropped (8 or 9 digits typed) are restored.
    Raises ValidationError (code "invalid_national_code").
    """
    raw = _SEPARATORS.sub("", _ascii_digits(str(value or "")).strip())
    error = ValidationError(
        _("“%(value)s” is not a valid national code: it must be ten digits with a correct check digit."),
        code="invalid_national_code",
        params={"value": str(value)[:16]},
    )
    if not raw.isdigit() or not 8 <= len(raw) <= 10:
        raise error
    code = raw.zfill(10)
    if len(set(code)) == 1:
        raise error
    total = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    check = total if total < 2 else 11 - total
    if int(code[9]) != check:
        raise error
    return code
