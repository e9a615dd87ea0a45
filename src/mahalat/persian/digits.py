"""Digit conversion and number formatting for Persian and ASCII display."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.utils import translation

DigitStyle = Literal["persian", "ascii"]

ASCII_DIGITS = "0123456789"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"  # U+06F0–U+06F9, what Persian keyboards type
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"  # U+0660–U+0669, what Arabic keyboards and some phones type

PERSIAN_DECIMAL_SEPARATOR = "٫"  # U+066B
PERSIAN_THOUSANDS_SEPARATOR = "٬"  # U+066C

_TO_PERSIAN = str.maketrans(ASCII_DIGITS + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)
_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, ASCII_DIGITS * 2)
_TO_PERSIAN_SEPARATORS = str.maketrans({",": PERSIAN_THOUSANDS_SEPARATOR, ".": PERSIAN_DECIMAL_SEPARATOR})


def is_persian_active() -> bool:
    """Whether the active Django language is Persian (``fa`` or a regional variant such as ``fa-ir``)."""
    language = translation.get_language()
    return bool(language) and language.lower().split("-")[0] == "fa"


def resolve_digits(digits: DigitStyle | None) -> DigitStyle:
    """An explicit style wins; ``None`` follows the active language."""
    if digits is not None:
        return digits
    return "persian" if is_persian_active() else "ascii"


def to_persian_digits(value: object) -> str:
    """``str(value)`` with ASCII and Arabic-Indic digits replaced by Persian ones; ``None`` becomes ``""``."""
    if value is None:
        return ""
    return str(value).translate(_TO_PERSIAN)


def to_ascii_digits(text: str) -> str:
    """Persian and Arabic-Indic digits replaced by ASCII ones, everything else untouched."""
    return text.translate(_TO_ASCII)


def localize_digits(value: object, *, digits: DigitStyle | None = None) -> str:
    """``str(value)`` in the requested digit style (the active language's when ``None``)."""
    text = "" if value is None else str(value)
    return to_persian_digits(text) if resolve_digits(digits) == "persian" else to_ascii_digits(text)


def format_number(value: int | float | Decimal, *, persian: bool = True) -> str:
    """Group thousands: ``1234567.5`` → ``۱٬۲۳۴٬۵۶۷٫۵`` (Persian) or ``1,234,567.5`` (ASCII).

    Floats are shown by their shortest repr (no binary noise); Decimals keep their exponent, so
    ``Decimal("2.50")`` stays ``2.50``. Raises ``TypeError`` for non-numbers (bool included) and
    ``ValueError`` for NaN and infinities.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"format_number() needs an int, float or Decimal, not {type(value).__name__}")
    # repr() of a float is its shortest round-trip form; Decimal(float) would expose binary noise.
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"format_number() cannot format {value!r}")
    if number.is_zero():
        number = abs(number)  # no "-0"
    text = format(number, ",f")
    if not persian:
        return text
    return to_persian_digits(text.translate(_TO_PERSIAN_SEPARATORS))
