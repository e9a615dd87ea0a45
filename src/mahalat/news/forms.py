"""Forms of the news pages: an item (its place, texts, publish date and lead image), sending one back
with a note, withdrawing one with a reason. Content is checked again by the services."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalat.forms import StyledForm
from mahalat.news.services import ALT_MAX, NOTE_MAX, SUMMARY_MAX, TITLE_MAX
from mahalat.persian.forms import JalaliDateField

_IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif"


class NewsForm(StyledForm):
    place = forms.ChoiceField(label=_("For"))
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(
        label=_("Summary (plain text)"), max_length=SUMMARY_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Paragraphs, bold, lists and links are kept; everything else is removed."),
    )
    publish_date = JalaliDateField(label=_("Publish from (date, optional)"), required=False)
    publish_time = forms.TimeField(
        label=_("Publish from (hour:minute)"), required=False, widget=forms.TimeInput(attrs={"dir": "ltr"})
    )
    lead_image = forms.FileField(
        label=_("Lead image (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": _IMAGE_TYPES}),
    )
    lead_image_alt = forms.CharField(
        label=_("What the image shows (for people who cannot see it)"), required=False, max_length=ALT_MAX
    )
    remove_image = forms.BooleanField(label=_("Remove the current image"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, places: list[tuple[str, str]], has_image: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = places
        if not has_image:
            del self.fields["remove_image"]

    def publish_at(self) -> datetime | None:
        day = self.cleaned_data.get("publish_date")
        if day is None:
            return None
        clock = self.cleaned_data.get("publish_time") or time(8, 0)
        return timezone.make_aware(datetime.combine(day, clock))


class NoteForm(StyledForm):
    note = forms.CharField(
        label=_("What should change"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "back")
        super().__init__(*args, **kwargs)


class WithdrawForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for withdrawing"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "withdraw")
        super().__init__(*args, **kwargs)
