"""Forms of the meeting pages. They only read the input; the services check it and write."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalat.forms import StyledForm
from mahalat.meetings.models import AgendaItemState, MajorityMethod, MeetingKind, VoteChoice, VoteMode
from mahalat.persian.forms import JalaliDateField

# Monday 0 … Sunday 6 (Python's numbering), listed from Saturday as the Iranian week runs.
WEEKDAYS = [
    (5, _("Saturday")),
    (6, _("Sunday")),
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
]


def _aware(day: Any, at: time | None) -> datetime | None:
    if day is None or at is None:
        return None
    return timezone.make_aware(datetime.combine(day, at), timezone.get_current_timezone())


class WhereForm(StyledForm):
    place = forms.CharField(label=_("Place"), required=False, max_length=400)
    online_url = forms.CharField(
        label=_("Online meeting link (https)"),
        required=False,
        max_length=400,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "url"}),
    )


class ScheduleForm(WhereForm):
    day = JalaliDateField(label=_("Date"))
    starts = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time", "dir": "ltr"})
    )
    ends = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time", "dir": "ltr"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices, initial=MeetingKind.REGULAR)
    field_order = ["day", "starts", "ends", "kind", "place", "online_url"]

    def starts_at(self) -> datetime | None:
        return _aware(self.cleaned_data.get("day"), self.cleaned_data.get("starts"))

    def ends_at(self) -> datetime | None:
        return _aware(self.cleaned_data.get("day"), self.cleaned_data.get("ends"))


class RescheduleForm(ScheduleForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["kind"]


class SeriesForm(WhereForm):
    first_day = JalaliDateField(label=_("From"))
    weekday = forms.TypedChoiceField(label=_("Day of the week"), choices=WEEKDAYS, coerce=int)
    at = forms.TimeField(label=_("At"), widget=forms.TimeInput(attrs={"type": "time", "dir": "ltr"}))
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), initial=90, min_value=15, max_value=720
    )
    every_weeks = forms.IntegerField(label=_("Every … weeks"), min_value=1, max_value=8)
    count = forms.IntegerField(label=_("Number of meetings"), initial=6, min_value=1, max_value=52)
    field_order = [
        "first_day",
        "weekday",
        "at",
        "duration_minutes",
        "every_weeks",
        "count",
        "place",
        "online_url",
    ]


class ProposeForm(StyledForm):
    title = forms.CharField(label=_("Title"), required=False, max_length=400)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=8000, widget=forms.Textarea(attrs={"rows": 3})
    )
    report = forms.TypedChoiceField(label=_("Citizen report"), required=False, coerce=int, empty_value=None)
    is_private = forms.BooleanField(label=_("Private item (left out of the public minutes)"), required=False)

    def __init__(self, *args: Any, reports: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["report"].choices = [("", _("— none —"))] + [
            (r.pk, f"{r.tracking_code} · {r.category or _('Report')}") for r in reports
        ]


class CancelForm(StyledForm):
    reason = forms.CharField(
        label=_("Why it is cancelled"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlaceItemForm(StyledForm):
    item = forms.TypedChoiceField(label=_("Proposal"), coerce=int)

    def __init__(self, *args: Any, items: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.pk, i.title) for i in items]


class OpenVoteForm(StyledForm):
    vote_mode = forms.ChoiceField(label=_("Vote"), choices=VoteMode.choices, initial=VoteMode.OPEN)
    majority = forms.ChoiceField(
        label=_("Majority needed"), choices=MajorityMethod.choices, initial=MajorityMethod.SIMPLE
    )


class VoteForm(StyledForm):
    choice = forms.ChoiceField(label=_("Vote"), choices=VoteChoice.choices, widget=forms.RadioSelect)


class RecordVoteForm(StyledForm):
    membership = forms.TypedChoiceField(label=_("Member"), coerce=int)
    choice = forms.ChoiceField(label=_("Vote"), choices=VoteChoice.choices)

    def __init__(self, *args: Any, members: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [(m.pk, m.user.full_name or m.user.phone) for m in members]


class GuestForm(StyledForm):
    guest_name = forms.CharField(label=_("Guest"), max_length=300)
    guest_affiliation = forms.CharField(label=_("Affiliation"), max_length=300, required=False)


class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("PDF or photo (at most 10 MB)"))
    name = forms.CharField(label=_("Name"), max_length=300, required=False)


class MinutesForm(StyledForm):
    body = forms.CharField(
        label=_("Minutes"), required=False, max_length=60_000, widget=forms.Textarea(attrs={"rows": 8})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, items: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.item_fields: list[tuple[Any, str]] = []
        for item in items:
            name = f"discussion_{item.pk}"
            self.fields[name] = forms.CharField(
                label=item.title,
                required=False,
                max_length=60_000,
                initial=item.discussion,
                widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
            )
            self.item_fields.append((item, name))

    def discussions(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data.get(name, "") for item, name in self.item_fields}


class ResolutionForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=400)
    text = forms.CharField(
        label=_("Text of the resolution"), max_length=12_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    responsible_kind = forms.ChoiceField(label=_("Responsible"))
    responsible_agency = forms.TypedChoiceField(
        label=_("Agency"), required=False, coerce=int, empty_value=None
    )
    deadline = JalaliDateField(label=_("Deadline"))
    reports = forms.TypedMultipleChoiceField(
        label=_("Linked citizen reports"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        kinds: list[tuple[str, Any]] = (),
        agencies: list[Any] = (),  # type: ignore[assignment]
        reports: list[Any] = (),
        **kwargs: Any,  # type: ignore[assignment]
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_kind"].choices = list(kinds)
        self.fields["responsible_agency"].choices = [("", _("— none —"))] + [(a.pk, str(a)) for a in agencies]
        self.fields["reports"].choices = [(r.pk, r.tracking_code) for r in reports]


ITEM_ACTIONS = {
    AgendaItemState.DEFERRED: _("Defer"),
    AgendaItemState.WITHDRAWN: _("Withdraw"),
    AgendaItemState.DISCUSSED: _("Discussed, no vote"),
}
