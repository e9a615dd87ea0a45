"""Forms of the agency registry and of the service-level agreements. The services validate and word the
messages (required fields, limits, the order of the three times); the forms only turn what was typed
into values, accepting Persian and Arabic digits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mahalat.forms import StyledForm
from mahalat.persian.digits import to_ascii_digits
from mahalat.referrals.models import AgencyKind

# The field is read as text and made a number here, so that "۱۲" and "12" mean the same and anything
# else gets one clear message (the service still checks the range and the order).
HOURS_HELP = _("In working hours of the city's calendar.")


class HoursField(forms.Field):
    default_error_messages = {"invalid": _("Enter a whole number of working hours.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", HOURS_HELP)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "maxlength": "12"})
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        text = to_ascii_digits(str(value or "")).strip()
        if not text:
            return None
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        if len(digits) > 12 or not digits.isascii() or not digits.isdigit():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(sign + digits)


class AgencyForm(StyledForm):
    slug = forms.CharField(
        label=_("Code (for addresses and systems)"),
        max_length=80,
        help_text=_(
            "Lowercase Latin letters, digits and hyphens, e.g. kuhsar-water. It cannot be changed later."
        ),
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    name = forms.CharField(label=_("Name (Persian)"), max_length=160)
    name_en = forms.CharField(
        label=_("Name (English)"), max_length=160, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=AgencyKind.choices)
    contact_person = forms.CharField(label=_("Contact person"), max_length=150, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=32, required=False, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    contact_email = forms.CharField(
        label=_("Contact email"), max_length=254, required=False, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    is_citywide = forms.BooleanField(label=_("Serves the whole city"), required=False, initial=True)
    districts = forms.MultipleChoiceField(
        label=_("Districts served (when not the whole city)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(
        label=_("Active (districts can refer to it)"), required=False, initial=True
    )

    def __init__(
        self, *args: Any, districts: list[tuple[str, str]], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["districts"].choices = districts
        if editing:
            # The code names the agency in addresses and in other systems: fixed once made.
            del self.fields["slug"]


class AgreementForm(StyledForm):
    category = forms.ChoiceField(label=_("Category"), required=False)
    acknowledge_hours = HoursField(label=_("Time to acknowledge"))
    answer_hours = HoursField(label=_("Time to answer"))
    finish_hours = HoursField(label=_("Time to finish"))

    def __init__(self, *args: Any, categories: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if categories is None:
            # Editing: the row's category is fixed (another category is another row).
            del self.fields["category"]
        else:
            self.fields["category"].choices = [("", _("Any category (the default)")), *categories]
