from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mahalat.forms import StyledForm


class IdentityProfileForm(StyledForm):
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    historical_name = forms.CharField(label=_("Historical name"), max_length=120, required=False)
    history = forms.CharField(
        label=_("History"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )
    landmarks = forms.CharField(
        label=_("Landmarks"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    heritage = forms.CharField(
        label=_("Heritage"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    notable_people = forms.CharField(
        label=_("Notable people"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    crafts = forms.CharField(
        label=_("Local crafts"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    annual_events = forms.CharField(
        label=_("Annual events"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PhotoForm(StyledForm):
    image = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG, WebP or GIF, at most 8 MB. Location and camera details are removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class ReviewNoteForm(StyledForm):
    """Why an identity edit or photo is turned down; its author reads it."""

    note = forms.CharField(
        label=_("Why it is rejected"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
