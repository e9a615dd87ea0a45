from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from mahalat.persian.templatetags.persian import fa_digits, jdate_filter, ltr, number_filter

MOMENT = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # 14:30 in Tehran, 1405/09/06


def render(source: str, *, language: str, **context: object) -> str:
    # No {% load %}: the library is a template builtin.
    with translation.override(language), timezone.override("Asia/Tehran"):
        return Template(source).render(Context(context))


@pytest.mark.parametrize(
    ("source", "context", "fa", "en"),
    [
        ("{{ v|fa_digits }}", {"v": "پلاک 12، واحد ٣"}, "پلاک ۱۲، واحد ۳", "پلاک 12، واحد ٣"),
        ("{{ v|fa_digits }}", {"v": 1405}, "۱۴۰۵", "1405"),
        ("{{ v|fa_digits }}", {"v": None}, "", ""),
        ("[{{ missing|fa_digits }}]", {}, "[]", "[]"),
        ("{{ v|jdate }}", {"v": date(2026, 11, 27)}, "۱۴۰۵/۰۹/۰۶", "1405/09/06"),
        ('{{ v|jdate:"long" }}', {"v": date(2026, 11, 27)}, "۶ آذر ۱۴۰۵", "6 Azar 1405"),
        ("{{ v|jdate }}", {"v": MOMENT}, "۱۴۰۵/۰۹/۰۶", "1405/09/06"),
        ("[{{ v|jdate }}]", {"v": None}, "[]", "[]"),
        ("[{{ v|jdate }}]", {"v": "not a date"}, "[]", "[]"),
        ("{{ v|jdatetime }}", {"v": MOMENT}, "۱۴۰۵/۰۹/۰۶ ساعت ۱۴:۳۰", "1405/09/06 14:30"),
        ("{{ v|jdatetime }}", {"v": date(2026, 11, 27)}, "۱۴۰۵/۰۹/۰۶", "1405/09/06"),
        ("[{{ v|jdatetime }}]", {"v": None}, "[]", "[]"),
        ("{{ v|number }}", {"v": 1234567}, "۱٬۲۳۴٬۵۶۷", "1,234,567"),
        ("{{ v|number }}", {"v": Decimal("1234.50")}, "۱٬۲۳۴٫۵۰", "1,234.50"),
        ("{{ v|number }}", {"v": "۱۲۳۴"}, "۱٬۲۳۴", "1,234"),
        ("{{ v|number }}", {"v": "n/a"}, "n/a", "n/a"),
        ("{{ v|number }}", {"v": "-1234.5"}, "-۱٬۲۳۴٫۵", "-1,234.5"),
        ("{{ v|number }}", {"v": "1e999999999"}, "1e999999999", "1e999999999"),
        ("[{{ v|number }}]", {"v": None}, "[]", "[]"),
        ("{{ v|ltr }}", {"v": "0912 345 6789"}, '<bdi dir="ltr">0912 345 6789</bdi>', None),
        ("{{ v|fa_digits|ltr }}", {"v": "0912"}, '<bdi dir="ltr">۰۹۱۲</bdi>', '<bdi dir="ltr">0912</bdi>'),
        ("{{ v|ltr }}", {"v": "<b>A&1</b>"}, '<bdi dir="ltr">&lt;b&gt;A&amp;1&lt;/b&gt;</bdi>', None),
        ("[{{ v|ltr }}]", {"v": None}, "[]", None),
    ],
)
def test_filters_render(source: str, context: dict[str, object], fa: str, en: str | None) -> None:
    assert render(source, language="fa", **context) == fa
    assert render(source, language="en", **context) == (fa if en is None else en)


def test_fa_digits_escapes_plain_text() -> None:
    assert render("{{ v|fa_digits }}", language="fa", v="<i>12</i>") == "&lt;i&gt;۱۲&lt;/i&gt;"


def test_fa_digits_leaves_markup_of_safe_html_alone() -> None:
    html = mark_safe('<a href="/r/12" data-n="3">پرونده 12 &#39;A&#39; &amp; 7</a>')
    result = render("{{ v|fa_digits }}", language="fa", v=html)
    assert result == '<a href="/r/12" data-n="3">پرونده ۱۲ &#39;A&#39; &amp; ۷</a>'
    assert render("{{ v|fa_digits }}", language="en", v=html) == html


def test_ltr_does_not_double_escape_safe_values() -> None:
    result = render("{{ v|ltr }}", language="fa", v=mark_safe("<span>12</span>"))
    assert result == '<bdi dir="ltr"><span>12</span></bdi>'


def test_ltr_respects_autoescape_off() -> None:
    source = "{% autoescape off %}{{ v|ltr }}{% endautoescape %}"
    assert render(source, language="en", v="a<b") == '<bdi dir="ltr">a<b</bdi>'


def test_filters_called_directly() -> None:
    with translation.override("fa"):
        assert fa_digits(12) == "۱۲"
        assert isinstance(ltr("x"), SafeString)
        assert ltr(None) == ""
        assert number_filter(True) == "True"
        assert number_filter(float("nan")) == "nan"
        assert jdate_filter(date(600, 1, 1)) == ""  # outside the supported range
        assert jdate_filter(date(2026, 11, 27), "unknown") == "۱۴۰۵/۰۹/۰۶"
