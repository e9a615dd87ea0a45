import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mahalat.persian.text import ZWNJ, normalize_text, search_key

PERSIAN_LETTERS = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآأإؤئءۀةيكى"
HARAKAT = "".join(map(chr, range(0x064B, 0x0653))) + "\u0670"
# Everything the normalizers care about, so hypothesis meets the interesting cases often.
PERSIAN_ALPHABET = (
    PERSIAN_LETTERS
    + HARAKAT
    + "\u0653\u0654\u0655"  # madda and hamza marks, which compose with alef/yeh/waw
    + "\u0640"  # tatweel
    + ZWNJ * 4
    + " " * 4
    + "\u00a0\t\n\r\u2028\u3000"
    + "\u200b\u200d\u200e\u200f\ufeff\u00ad\x00"
    + "0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"
    + "،؛؟.!«»-/()"
    + "ﻙﻱﯾﷲﻻ"  # presentation forms
    + "aAßǄ"
)
persian_text = st.text(alphabet=PERSIAN_ALPHABET, max_size=40)
any_text = st.text(max_size=40)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("علي", "علی"),  # Arabic yeh
        ("موسى", "موسی"),  # alef maksura
        ("كتاب", "کتاب"),  # Arabic kaf
        ("مدرسة", "مدرسة"),  # teh marbuta is kept
        ("سـلـام", "سلام"),  # tatweel
        ("مُحَمَّد", "محمد"),  # harakat
        ("رحمٰن", "رحمن"),  # superscript alef
        ("می\u200c\u200c\u200cخواهم", "می\u200cخواهم"),  # a run of ZWNJ
        ("\u200cسلام\u200c", "سلام"),  # ZWNJ at the ends
        ("کتاب\u200c خانه", "کتاب خانه"),  # ZWNJ beside a space
        ("کتاب \u200c \u200cخانه", "کتاب خانه"),
        ("\ufeffسلام\u200b\u200d", "سلام"),  # BOM and other zero-width marks
        ("\u202bسلام\u202c", "سلام"),  # bidi embedding
        ("a\x00b", "ab"),  # NUL, which PostgreSQL rejects
        ("  سلام\u00a0\t\n  دنیا  ", "سلام دنیا"),  # whitespace runs and ends
        ("۱۲۳ 123 ١٢٣", "۱۲۳ 123 ١٢٣"),  # digits are left as typed
        ("\u0627\u0653", "\u0622"),  # decomposed آ is composed
        ("\u064a\u0654", "\u0626"),  # decomposed ئ stays ئ, not ی + hamza
        ("\u064a\u00ad\u0654", "\u0626"),  # … also once an invisible character between is gone
        ("\u064aـ\u0654", "\u0626"),
        ("", ""),
        (" \u200c \n", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("سلام  \t دنیا  \r\nخط دوم", "سلام دنیا\nخط دوم"),
        ("یک\n\n\n\n\n\nدو", "یک\n\n\nدو"),  # at most two blank lines in a row
        ("یک\n\n\nدو", "یک\n\n\nدو"),
        ("یک\n\nدو", "یک\n\nدو"),
        ("\n\n  یک  \n \t \nدو\n\n", "یک\n\nدو"),  # whitespace-only lines are blank lines
        ("یک\rدو\u2028سه\u2029چهار", "یک\nدو\nسه\nچهار"),  # every kind of line break
        ("کتاب\u200c\nخانه", "کتاب\nخانه"),  # ZWNJ at a line end
        ("كتاب  ي", "کتاب ی"),
    ],
)
def test_normalize_text_multiline(raw: str, expected: str) -> None:
    assert normalize_text(raw, multiline=True) == expected


def test_single_line_mode_joins_lines() -> None:
    assert normalize_text("یک\n\nدو") == "یک دو"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("کتاب‌خانه", "کتابخانه"),  # half-space and joined spellings
        ("كتابخانه", "کتابخانه"),  # Arabic kaf
        ("علي", "علی"),
        ("پلاک ۱۲", "پلاک 12"),
        ("پلاک ١٢", "پلاک 12"),
        ("«خیابان» امام، کوچه ۳!", "خیابان امام کوچه 3"),
        ("Tehran", "TEHRAN"),
        ("Straße", "STRASSE"),
        ("ﻛﺘﺎﺏ", "کتاب"),  # presentation forms copied from a PDF
        ("مُحَمَّد", "محمد"),
        ("خانۀ دوست", "خانهٔ دوست"),
        ("مسئول", "مسي\u0654ول"),  # composed and decomposed yeh with hamza
        ("مسئول", "مسی\u0654ول"),
        ("\u0626\u0655", "\u06cc\u0655\u0654"),  # marks stay in canonical order
    ],
)
def test_search_key_matches_variants(left: str, right: str) -> None:
    assert search_key(left) == search_key(right)


def test_search_key_keeps_alef_madda() -> None:
    assert search_key("آب") == "آب"
    assert search_key("آب") != search_key("اب")


def test_search_key_shape() -> None:
    assert search_key("  کتاب‌خانهٔ  مرکزی—شماره ۱۲۳/۴ ") == "کتابخانهٔ مرکزی شماره 123 4"
    assert search_key("...!!!") == ""


@settings(max_examples=300, deadline=None)
@given(st.one_of(persian_text, any_text))
def test_normalize_text_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@settings(max_examples=300, deadline=None)
@given(st.one_of(persian_text, any_text))
def test_normalize_text_multiline_is_idempotent(text: str) -> None:
    once = normalize_text(text, multiline=True)
    assert normalize_text(once, multiline=True) == once
    # Multiline output only differs from single-line output in where lines break.
    assert normalize_text(once) == normalize_text(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(persian_text, any_text))
def test_normalize_text_output_is_tidy(text: str) -> None:
    result = normalize_text(text)
    assert result == result.strip(" " + ZWNJ)
    assert "  " not in result
    assert ZWNJ * 2 not in result
    assert f" {ZWNJ}" not in result
    assert f"{ZWNJ} " not in result
    assert not any(char in result for char in "يكى\u0640\ufeff\u200b\u200d\n\t\u00a0" + HARAKAT)
    assert unicodedata.is_normalized("NFC", result)


@settings(max_examples=300, deadline=None)
@given(st.one_of(persian_text, any_text))
def test_search_key_is_idempotent(text: str) -> None:
    once = search_key(text)
    assert search_key(once) == once


@pytest.mark.parametrize(
    "text", ["\ufef1\u00ad\u0654", "\u064a\u200c\u0654", "ﻱ\u200cٔ ۀ", "\u0345\ufeff\u0300", "\u0626\u0655"]
)
def test_search_key_ignores_storage_normalization_examples(text: str) -> None:
    # Cases hypothesis found: marks that only meet their base once something between is removed.
    assert search_key(normalize_text(text)) == search_key(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(persian_text, any_text))
def test_search_key_ignores_storage_normalization(text: str) -> None:
    key = search_key(text)
    assert search_key(normalize_text(text)) == key
    assert search_key(normalize_text(text, multiline=True)) == key
    assert ZWNJ not in key
    assert not any(char in key for char in "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩")
    assert key == " ".join(key.split())


@pytest.mark.parametrize(
    "block",
    [
        range(0x0000, 0x0250),  # ASCII, Latin-1, Latin Extended
        range(0x0600, 0x0800),  # Arabic, Syriac, Arabic Supplement
        range(0x08A0, 0x0900),  # Arabic Extended-A
        range(0x2000, 0x2070),  # General Punctuation: spaces, zero-width and bidi marks
        range(0xFB50, 0xFE00),  # Arabic Presentation Forms-A
        range(0xFE70, 0xFF00),  # Arabic Presentation Forms-B
    ],
    ids=["latin", "arabic", "arabic-ext-a", "punctuation", "presentation-a", "presentation-b"],
)
def test_idempotent_for_every_character_of_relevant_blocks(block: range) -> None:
    for code_point in block:
        # Alone and between letters, where joining, composition and spacing matter.
        for text in (chr(code_point), f"ب{chr(code_point)}ا", f"ا{chr(code_point)}\u0653 ی"):
            for normalize in (normalize_text, search_key):
                once = normalize(text)
                assert normalize(once) == once, (hex(code_point), normalize.__name__)
