"""Forms of the election pages. They only shape input; every rule is checked again by the services."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from mahalat.councils.models import Council, SeatFill, SeatType
from mahalat.elections.documents import MAX_DOCUMENT_BYTES
from mahalat.elections.models import RegistrationCall
from mahalat.forms import StyledForm
from mahalat.persian.forms import JalaliDateField
from mahalat.persian.text import localized_name
from mahalat.territory.models import District, Neighborhood

DOCUMENT_ACCEPT = "application/pdf,image/jpeg,image/png,image/webp"


def _moment(day: Any, at: time | None) -> datetime | None:
    """A Jalali date field and a time field together: one aware moment in the site's time zone."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, at or time(0, 0)))


def _time_field(label: str) -> forms.TimeField:
    return forms.TimeField(label=label, widget=forms.TimeInput(attrs={"type": "time", "dir": "ltr"}))


def parse_documents(text: str) -> list[dict[str, str]]:
    """One document a line: `code | Persian name | English name` (the English name is optional)."""
    documents = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        documents.append(
            {
                "code": parts[0],
                "name": parts[1] if len(parts) > 1 else "",
                "name_en": parts[2] if len(parts) > 2 else "",
            }
        )
    return documents


def format_documents(documents: list[dict[str, str]]) -> str:
    return "\n".join(f"{d.get('code', '')} | {d.get('name', '')} | {d.get('name_en', '')}" for d in documents)


class CallForm(StyledForm):
    district = forms.ModelChoiceField(label=_l("District"), queryset=District.objects.none())
    title = forms.CharField(label=_l("Title"), max_length=200)
    description = forms.CharField(
        label=_l("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    neighborhoods = forms.ModelMultipleChoiceField(
        label=_l("Neighborhoods"), queryset=Neighborhood.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    seat_types = forms.ModelMultipleChoiceField(
        label=_l("Seats applied for"), queryset=SeatType.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    opens_on = JalaliDateField(label=_l("Applications open on"))
    opens_time = _time_field(_l("at"))
    closes_on = JalaliDateField(label=_l("Applications close on"))
    closes_time = _time_field(_l("at"))
    residents_only = forms.BooleanField(
        label=_l("Only verified residents of the neighborhood"), required=False
    )
    min_age = forms.IntegerField(label=_l("Minimum age"), min_value=15, max_value=80, initial=18)
    required_documents = forms.CharField(
        label=_l("Required documents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_l(
            "One a line: code | Persian name | English name, e.g. id-card | کارت ملی | National ID card"
        ),
        max_length=3000,
    )

    def __init__(self, *args: Any, districts: list[District], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [d.pk for d in districts]
        self.fields["district"].queryset = District.objects.filter(pk__in=ids).order_by("number")
        self.fields["neighborhoods"].queryset = Neighborhood.objects.filter(district_id__in=ids).order_by(
            "district__number", "name"
        )
        city_ids = {d.city_id for d in districts}
        self.fields["seat_types"].queryset = (
            SeatType.objects.filter(template__city_id__in=city_ids)
            .exclude(fill=SeatFill.EX_OFFICIO)
            .select_related("template")
            .order_by("template_id", "position")
        )
        if len(ids) == 1:
            self.fields["district"].initial = ids[0]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "neighborhoods": list(data["neighborhoods"]),
            "seat_types": list(data["seat_types"]),
            "opens_at": _moment(data["opens_on"], data["opens_time"]),
            "closes_at": _moment(data["closes_on"], data["closes_time"]),
            "residents_only": data["residents_only"],
            "min_age": data["min_age"],
            "required_documents": parse_documents(data["required_documents"]),
        }


class ApplyForm(StyledForm):
    neighborhood = forms.ModelChoiceField(label=_l("Neighborhood"), queryset=Neighborhood.objects.none())
    seat_type = forms.ModelChoiceField(label=_l("Seat"), queryset=SeatType.objects.none())
    birth_date = JalaliDateField(label=_l("Date of birth"))
    address = forms.CharField(label=_l("Address"), max_length=300)
    statement = forms.CharField(
        label=_l("Why I am applying"), max_length=3000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, call: RegistrationCall, **kwargs: Any) -> None:
        self.call = call
        super().__init__(*args, **kwargs)
        self.fields["neighborhood"].queryset = call.neighborhoods.all().order_by("name")
        self.fields["seat_type"].queryset = call.seat_types.all().order_by("position")
        for doc in call.required_documents:
            self.fields[f"document_{doc['code']}"] = forms.FileField(
                label=localized_name(name=doc["name"], name_en=doc.get("name_en") or doc["name"]),
                help_text=_l("PDF or a photo, at most %(mb)s MB.") % {"mb": MAX_DOCUMENT_BYTES // 2**20},
                widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT, "class": "form-control"}),
            )

    def documents(self) -> dict[str, Any]:
        return {
            name.removeprefix("document_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("document_") and value
        }


class ResidencyForm(StyledForm):
    neighborhood = forms.ModelChoiceField(
        label=_l("Neighborhood"),
        queryset=Neighborhood.objects.select_related("city").order_by("city_id", "name"),
    )
    address = forms.CharField(label=_l("Address"), max_length=300)
    postal_code = forms.CharField(
        label=_l("Postal code"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
        help_text=_l("10 digits"),
    )


class ScheduleForm(StyledForm):
    council = forms.ModelChoiceField(label=_l("Council"), queryset=Council.objects.none())
    seat_type = forms.ModelChoiceField(
        label=_l("Seat"),
        queryset=SeatType.objects.filter(fill=SeatFill.ELECTED).order_by("template_id", "position"),
    )
    opens_on = JalaliDateField(label=_l("Polls open on"))
    opens_time = _time_field(_l("at"))
    closes_on = JalaliDateField(label=_l("Polls close on"))
    closes_time = _time_field(_l("at"))

    def __init__(self, *args: Any, call: RegistrationCall, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = (
            Council.objects.filter(neighborhood__in=call.neighborhoods.all(), state__in=["forming", "active"])
            .select_related("neighborhood")
            .order_by("neighborhood__name")
        )
        self.fields["seat_type"].queryset = call.seat_types.filter(fill=SeatFill.ELECTED).order_by("position")

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "council": data["council"],
            "seat_type": data["seat_type"],
            "opens_at": _moment(data["opens_on"], data["opens_time"]),
            "closes_at": _moment(data["closes_on"], data["closes_time"]),
        }


class VoteForm(StyledForm):
    candidates = forms.MultipleChoiceField(label=_l("Your choices"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], seats: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seats = seats
        self.fields["candidates"].choices = [(str(pk), name) for pk, name in choices]

    def clean_candidates(self) -> list[str]:
        picked = self.cleaned_data["candidates"]
        if len(picked) > self.seats:
            raise ValidationError(_("Choose at most %(seats)s candidates.") % {"seats": self.seats})
        return picked
