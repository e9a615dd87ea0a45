from datetime import UTC, date, datetime

from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext

from mahalat.persian.forms import JalaliDateField, JalaliDateInput

INVALID_MESSAGE = "“%(value)s” is not a valid Jalali date. Use year/month/day, for example 1405/09/06."


class MeetingForm(forms.Form):
    held_on = JalaliDateField()
    next_on = JalaliDateField(required=False)


def test_invalid_date_gives_the_translated_error_and_no_value() -> None:
    with translation.override("fa"):
        form = MeetingForm(data={"held_on": "۱۴۰۵/۱۳/۴۰"})
        assert not form.is_valid()
        assert form.errors["held_on"] == [gettext(INVALID_MESSAGE) % {"value": "۱۴۰۵/۱۳/۴۰"}]
        assert form.errors.as_data()["held_on"][0].code == "invalid_jalali_date"
    assert "held_on" not in form.cleaned_data


def test_arabic_indic_and_ascii_digits_parse() -> None:
    # 1405/09/06 is 27 November 2026 (2025-11-27 is 1404/09/06).
    for text in ("١٤٠٥/٠٩/٠٦", "1405-9-6", "۱۴۰۵/۰۹/۰۶"):
        form = MeetingForm(data={"held_on": text})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["held_on"] == date(2026, 11, 27)
    form = MeetingForm(data={"held_on": "1404/9/6"})
    assert form.is_valid()
    assert form.cleaned_data["held_on"] == date(2025, 11, 27)


def test_empty_values() -> None:
    form = MeetingForm(data={"held_on": "1405/09/06", "next_on": "  "})
    assert form.is_valid()
    assert form.cleaned_data["next_on"] is None
    form = MeetingForm(data={"held_on": ""})
    assert not form.is_valid()
    assert form.errors.as_data()["held_on"][0].code == "required"


def test_to_python_accepts_dates() -> None:
    field = JalaliDateField()
    assert field.to_python(date(2026, 11, 27)) == date(2026, 11, 27)
    with timezone.override("Asia/Tehran"):
        assert field.to_python(datetime(2026, 11, 26, 21, 0, tzinfo=UTC)) == date(2026, 11, 27)
    assert field.to_python(None) is None


def test_initial_date_is_shown_as_jalali_in_the_active_language() -> None:
    form = MeetingForm(initial={"held_on": date(2026, 11, 27)})
    with translation.override("fa"):
        html = str(form["held_on"])
        assert 'value="۱۴۰۵/۰۹/۰۶"' in html
        assert 'placeholder="۱۴۰۵/۰۹/۰۶"' in html
    with translation.override("en"):
        html = str(form["held_on"])
        assert 'value="1405/09/06"' in html
        assert 'placeholder="1405/09/06"' in html
    assert 'inputmode="numeric"' in html
    assert 'dir="ltr"' in html
    assert 'type="text"' in html


def test_typed_text_is_shown_back_as_typed() -> None:
    form = MeetingForm(data={"held_on": "1405/13/40"})
    assert 'value="1405/13/40"' in str(form["held_on"])


def test_unchanged_initial_is_not_a_change() -> None:
    form = MeetingForm(data={"held_on": "۱۴۰۵/۰۹/۰۶"}, initial={"held_on": date(2026, 11, 27)})
    assert "held_on" not in form.changed_data
    form = MeetingForm(data={"held_on": "۱۴۰۵/۰۹/۰۷"}, initial={"held_on": date(2026, 11, 27)})
    assert "held_on" in form.changed_data


def test_widget_attributes_can_be_overridden() -> None:
    widget = JalaliDateInput(attrs={"placeholder": "روز/ماه/سال", "class": "date"})
    html = widget.render("d", None)
    assert 'placeholder="روز/ماه/سال"' in html
    assert 'class="date"' in html
    assert 'inputmode="numeric"' in html
