from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from mahalat.persian.digits import (
    format_number,
    is_persian_active,
    localize_digits,
    resolve_digits,
    to_ascii_digits,
    to_persian_digits,
)

digit_text = st.text(alphabet="0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩/.,:- abcسلام")


def test_to_persian_digits() -> None:
    assert to_persian_digits("1405/09/06") == "۱۴۰۵/۰۹/۰۶"
    assert to_persian_digits("١٤٠٥") == "۱۴۰۵"
    assert to_persian_digits(2025) == "۲۰۲۵"
    assert to_persian_digits(Decimal("1.5")) == "۱.۵"  # separators are format_number's business
    assert to_persian_digits("پلاک 12") == "پلاک ۱۲"
    assert to_persian_digits(None) == ""


def test_to_ascii_digits() -> None:
    assert to_ascii_digits("۱۴۰۵/۰۹/۰۶") == "1405/09/06"
    assert to_ascii_digits("٠٩١٢") == "0912"
    assert to_ascii_digits("abc ۱a٢") == "abc 1a2"


@given(digit_text | st.text())
def test_to_ascii_after_to_persian(text: str) -> None:
    assert to_ascii_digits(to_persian_digits(text)) == to_ascii_digits(text)


@given(digit_text | st.text())
def test_to_persian_after_to_ascii(text: str) -> None:
    assert to_persian_digits(to_ascii_digits(text)) == to_persian_digits(text)


@given(digit_text)
def test_conversions_keep_length_and_non_digits(text: str) -> None:
    for converted in (to_persian_digits(text), to_ascii_digits(text)):
        assert len(converted) == len(text)
        assert [c for c in converted if not c.isdigit()] == [c for c in text if not c.isdigit()]


@pytest.mark.parametrize(
    ("value", "persian", "ascii"),
    [
        (0, "۰", "0"),
        (999, "۹۹۹", "999"),
        (1000, "۱٬۰۰۰", "1,000"),
        (1234567, "۱٬۲۳۴٬۵۶۷", "1,234,567"),
        (-1234567, "-۱٬۲۳۴٬۵۶۷", "-1,234,567"),
        (1234.5, "۱٬۲۳۴٫۵", "1,234.5"),
        (0.1 + 0.2, "۰٫۳۰۰۰۰۰۰۰۰۰۰۰۰۰۰۰۴", "0.30000000000000004"),
        (1e16, "۱۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰", "10,000,000,000,000,000"),
        (-0.0, "۰٫۰", "0.0"),
        (Decimal("1234567.50"), "۱٬۲۳۴٬۵۶۷٫۵۰", "1,234,567.50"),
        (Decimal("-0.00"), "۰٫۰۰", "0.00"),
        (Decimal("1E+3"), "۱٬۰۰۰", "1,000"),
    ],
)
def test_format_number(value: int | float | Decimal, persian: str, ascii: str) -> None:
    assert format_number(value) == persian
    assert format_number(value, persian=True) == persian
    assert format_number(value, persian=False) == ascii


@pytest.mark.parametrize("value", [True, "1000", None, [1]])
def test_format_number_rejects_non_numbers(value: object) -> None:
    with pytest.raises(TypeError, match="format_number"):
        format_number(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("-Infinity"), Decimal("NaN")])
def test_format_number_rejects_non_finite(value: float | Decimal) -> None:
    with pytest.raises(ValueError, match="cannot format"):
        format_number(value)


@given(st.integers())
def test_format_number_round_trips_integers(value: int) -> None:
    persian = format_number(value)
    assert int(to_ascii_digits(persian).replace("٬", "")) == value
    assert int(format_number(value, persian=False).replace(",", "")) == value
    assert to_ascii_digits(persian).replace("٬", ",") == format_number(value, persian=False)


def test_digit_style_follows_the_active_language() -> None:
    with translation.override("fa"):
        assert is_persian_active()
        assert resolve_digits(None) == "persian"
        assert resolve_digits("ascii") == "ascii"
        assert localize_digits(12) == "۱۲"
        assert localize_digits("۱۲", digits="ascii") == "12"
    with translation.override("en"):
        assert not is_persian_active()
        assert resolve_digits(None) == "ascii"
        assert localize_digits("۱۲") == "12"
        assert localize_digits(12, digits="persian") == "۱۲"
    with translation.override("fa-ir"):
        assert is_persian_active()
    with translation.override(None):
        assert not is_persian_active()
