"""Normalization of Persian text for storage and for search.

Both functions are idempotent: applying one to its own output changes nothing.
"""

from __future__ import annotations

import re
import unicodedata

from mahalat.persian.digits import to_ascii_digits

ZWNJ = "\u200c"  # zero-width non-joiner, the Persian half-space (نیم‌فاصله)

# Arabic keyboards and old Windows layouts type Arabic yeh/kaf; Persian text uses the Persian letters.
_LETTER_MAP = {
    "\u064a": "\u06cc",  # ي ARABIC YEH → ی
    "\u0649": "\u06cc",  # ى ALEF MAKSURA → ی
    "\u0643": "\u06a9",  # ك ARABIC KAF → ک
}

# Invisible characters that only make equal-looking strings differ (zero-width marks other than
# ZWNJ, bidi controls, the BOM, soft hyphen) and control characters (PostgreSQL rejects NUL).
_INVISIBLE = [
    0x00AD,  # soft hyphen
    0x061C,  # Arabic letter mark
    0x180E,  # Mongolian vowel separator
    0x200B,  # zero-width space
    0x200D,  # zero-width joiner
    0x200E,  # left-to-right mark
    0x200F,  # right-to-left mark
    *range(0x202A, 0x202F),  # bidi embeddings and overrides
    *range(0x2060, 0x2065),  # word joiner and invisible operators
    *range(0x2066, 0x206A),  # bidi isolates
    0xFEFF,  # byte order mark / zero-width no-break space
    *(cp for cp in range(0xA0) if unicodedata.category(chr(cp)) == "Cc" and not chr(cp).isspace()),
]
_HARAKAT = [*range(0x064B, 0x0653), 0x0670]  # fathatan … sukun, superscript alef
_TATWEEL = 0x0640

_DELETE_TABLE = dict.fromkeys([*_INVISIBLE, *_HARAKAT, _TATWEEL])
_LETTER_TABLE = str.maketrans(_LETTER_MAP)

# Any run of whitespace and ZWNJ that holds at least one whitespace character: a ZWNJ beside a
# space joins nothing, so the whole run is one space.
_SPACE_RUN = re.compile(r"[\s\u200c]*\s[\s\u200c]*")
_ZWNJ_RUN = re.compile("\u200c{2,}")
_TOO_MANY_BLANK_LINES = re.compile(r"\n{4,}")  # four newlines = three blank lines


def _tidy_line(line: str) -> str:
    """One line: whitespace runs (with any ZWNJ beside them) become one space, ZWNJ runs one ZWNJ."""
    line = _SPACE_RUN.sub(" ", line)
    line = _ZWNJ_RUN.sub(ZWNJ, line)
    return line.strip(" " + ZWNJ)


def normalize_text(text: str, *, multiline: bool = False) -> str:
    """Normalize Persian text before it is stored.

    - Arabic yeh/alef maksura → Persian yeh (ی), Arabic kaf → Persian kaf (ک); teh marbuta is kept.
    - Tatweel, harakat (U+064B–U+0652, U+0670), zero-width marks other than ZWNJ, bidi controls,
      the BOM and control characters are removed.
    - ZWNJ runs become one ZWNJ; a ZWNJ beside whitespace or at either end is removed.
    - Whitespace runs (NBSP, tabs and newlines included) become one ASCII space and the ends are
      stripped. With ``multiline=True`` line breaks survive: every kind of line break becomes
      ``\\n``, each line is tidied and stripped, and at most two blank lines are kept in a row.
    - Digits are left as typed, and the result is in Unicode NFC.
    """
    # Delete, compose, then map letters: deleting can bring "ي" and a hamza together, and they must
    # compose to ئ before ي is mapped to ی (which has no hamza composition).
    text = unicodedata.normalize("NFC", text.translate(_DELETE_TABLE)).translate(_LETTER_TABLE)
    if not multiline:
        return _tidy_line(text)
    lines = [_tidy_line(line) for line in text.splitlines()]
    return _TOO_MANY_BLANK_LINES.sub("\n\n\n", "\n".join(lines)).strip("\n")


# Spelled out after normalize_text because nothing composes back: ۀ and هٔ are two spellings of
# the same ezafe (U+06C0 is not a composition of ه), and ئ must equal the ی + hamza that
# normalize_text leaves when it maps a decomposed ي + hamza it could not compose (ZWNJ between).
_SEARCH_TABLE = str.maketrans({"\u06c0": "\u0647\u0654", "\u0626": "\u06cc\u0654"})


def _word_or_space(char: str) -> str:
    # Letters, combining marks (madda, hamza) and digits make words; everything else separates them.
    return char if unicodedata.category(char)[0] in "LMN" else " "


def search_key(text: str) -> str:
    """A loose comparison key: «کتاب‌خانه» and «كتابخانه» give the same key, «کتابخانه».

    On top of :func:`normalize_text`: compatibility forms (Arabic presentation forms, full-width
    letters) are unfolded, case is folded, every digit becomes ASCII, ZWNJ is dropped (so the
    half-space and joined spellings match), ۀ is spelled هٔ, and anything that is not a letter, mark
    or digit becomes a space. آ stays آ.
    """
    # normalize_text first, so a key never depends on whether the text was stored normalized; NFKC
    # again after casefold, which can return compatibility characters (Ǆ → ǆ).
    key = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", normalize_text(text)).casefold())
    # And normalize_text again: presentation forms unfold to Arabic yeh/kaf and to harakat.
    key = normalize_text(to_ascii_digits(key).replace(ZWNJ, "")).translate(_SEARCH_TABLE)
    key = unicodedata.normalize("NFC", key)  # puts a following hamza below back in canonical order
    return " ".join("".join(map(_word_or_space, key)).split())


def localized_name(*, name: str, name_en: str) -> str:
    """The English name on English pages when there is one; the Persian name everywhere else."""
    from django.utils.translation import get_language

    return name_en if name_en and (get_language() or "fa").startswith("en") else name
