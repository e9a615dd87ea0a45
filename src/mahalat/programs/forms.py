"""Forms of the program pages: the staff list's filters, a program, marking it held, cancelling it, a
photo. Amounts and counts are checked by the services (which accept any digits and separators)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalat.forms import StyledForm
from mahalat.persian.digits import to_ascii_digits
from mahalat.persian.forms import JalaliDateField
from mahalat.programs.models import OrganizerKind, ProgramKind, ProgramState
from mahalat.programs.services import MAX_PHOTOS, NGO_NAME_MAX, PLACE_MAX, REASON_MAX, TEXT_MAX, TITLE_MAX

ANY = [("", _("Any"))]
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif"


def parse_month(value: str | None) -> tuple[int, int] | None:
    """A Jalali month written 1405-03 (any digits), or None."""
    match = _MONTH.fullmatch(to_ascii_digits(value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return (year, month) if 1300 <= year <= 1500 and 1 <= month <= 12 else None


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one input; each is checked by content in the service."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": _IMAGE_TYPES}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(limit)s photos.") % {"limit": MAX_PHOTOS})
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class StaffFilterForm(StyledForm):
    state = forms.ChoiceField(label=_("State"), required=False, choices=ANY + ProgramState.choices)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=ANY + ProgramKind.choices)
    neighborhood = forms.ChoiceField(label=_("Neighborhood"), required=False)
    month = forms.CharField(
        label=_("Month (year-month)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "placeholder": "1405-03"}),
    )

    def __init__(self, *args: Any, neighborhoods: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["neighborhood"].choices = ANY + neighborhoods

    def clean_month(self) -> tuple[int, int] | None:
        value = self.cleaned_data.get("month")
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(_("Write the Jalali month as year-month, for example 1405-03."))
        return month

    def value_of(self, name: str) -> Any:
        if not self.is_bound:
            return None
        value = getattr(self, "cleaned_data", {}).get(name) if name not in self.errors else None
        return value or None


def _moment(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


class ProgramForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ProgramKind.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    neighborhoods = forms.MultipleChoiceField(
        label=_("Neighborhoods"), widget=forms.CheckboxSelectMultiple, help_text=_("All in one district.")
    )
    start_date = JalaliDateField(label=_("Date"))
    start_time = forms.TimeField(
        label=_("Starts at (hour:minute)"), widget=forms.TimeInput(attrs={"dir": "ltr"})
    )
    end_date = JalaliDateField(label=_("Ends on (empty: the same day)"), required=False)
    end_time = forms.TimeField(label=_("Ends at (hour:minute)"), widget=forms.TimeInput(attrs={"dir": "ltr"}))
    place = forms.CharField(label=_("Place"), max_length=PLACE_MAX)
    lat = forms.CharField(
        label=_("Latitude (optional)"), required=False, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    lng = forms.CharField(
        label=_("Longitude (optional)"), required=False, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    organizer_kind = forms.ChoiceField(label=_("Organizer"), choices=OrganizerKind.choices)
    organizer_council = forms.TypedChoiceField(
        label=_("Organizing council"), required=False, coerce=int, empty_value=None
    )
    organizer_agency = forms.ChoiceField(label=_("Organizing agency"), required=False)
    organizer_name = forms.CharField(
        label=_("Name of the organizing NGO"), required=False, max_length=NGO_NAME_MAX
    )
    planned_budget = forms.CharField(
        label=_("Planned budget (rials)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
    )

    def __init__(
        self,
        *args: Any,
        neighborhoods: list[tuple[str, str]],
        councils: list[tuple[int, str]],
        agencies: list[tuple[str, str]],
        organizer_kinds: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["neighborhoods"].choices = neighborhoods
        self.fields["organizer_council"].choices = [("", "—")] + [(str(pk), label) for pk, label in councils]
        self.fields["organizer_agency"].choices = [("", "—"), *agencies]
        if organizer_kinds is not None:
            self.fields["organizer_kind"].choices = organizer_kinds

    def times(self) -> tuple[datetime | None, datetime | None]:
        data = self.cleaned_data
        day, start, end = data.get("start_date"), data.get("start_time"), data.get("end_time")
        if day is None or start is None or end is None:
            return None, None
        return _moment(day, start), _moment(data.get("end_date") or day, end)


class HeldForm(StyledForm):
    participants = forms.CharField(
        label=_("Participants"), widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"})
    )
    spent_budget = forms.CharField(
        label=_("Spent budget (rials)"), widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"})
    )
    outcome = forms.CharField(
        label=_("Outcome (the public reads it)"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = MultipleImageField(label=_("Photos (at most eight in all)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "held")
        super().__init__(*args, **kwargs)


class CancelForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason (the public reads it)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "cancel")
        super().__init__(*args, **kwargs)


class PhotoForm(StyledForm):
    image = forms.FileField(label=_("Photo"), widget=forms.ClearableFileInput(attrs={"accept": _IMAGE_TYPES}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "photo")
        super().__init__(*args, **kwargs)
