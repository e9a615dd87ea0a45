from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mahalat.accounts.forms import PhoneField
from mahalat.forms import StyledForm
from mahalat.persian.text import localized_name
from mahalat.reports.models import Category, ReportKind


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Up to five photos in one input; each is checked by content in the service."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"})
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > 5:
            raise forms.ValidationError(_("At most %(limit)s photos.") % {"limit": 5})
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class ReportForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("What is it?"),
        choices=ReportKind.choices,
        initial=ReportKind.PROBLEM,
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(label=_("Subject"), required=False)
    description = forms.CharField(
        label=_("Describe it"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    lat = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "dir": "ltr", "inputmode": "decimal"}),
    )
    lng = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "dir": "ltr", "inputmode": "decimal"}),
    )
    address = forms.CharField(
        label=_("Address or landmark"),
        help_text=_("Without a pin, name the neighborhood here."),
        max_length=300,
        required=False,
    )
    photos = MultipleImageField(label=_("Photos (up to 5, optional)"), required=False)
    show_name = forms.BooleanField(label=_("Show my name on the public page"), required=False)
    phone = PhoneField(
        required=False, help_text=_("We send a code to confirm it. It is never shown to anyone.")
    )
    file_anyway = forms.BooleanField(label=_("None of these is my problem: file my report"), required=False)

    def __init__(self, *args: Any, categories: list[Category], signed_in: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        by_id = {c.pk: c for c in categories}
        for c in categories:
            if any(other.parent_id == c.pk for other in categories):
                continue  # a group, not a subject
            parent = by_id.get(c.parent_id)
            groups.setdefault(parent.display_name if parent else "", []).append((c.slug, c.display_name))
        choices: list[Any] = [("", _("I do not know (the district will sort it out)"))]
        choices += groups.pop("", [])  # subjects outside any group first, then the groups
        choices += list(groups.items())
        self.fields["category"].choices = choices
        self.questions = {c.slug: c.questions for c in categories if c.questions}
        for slug, questions in self.questions.items():
            for q in questions:
                name = f"answer__{slug}__{q['code']}"
                if q.get("datatype") == "singlevaluelist":
                    field: forms.Field = forms.ChoiceField(
                        choices=[("", "—"), *[(v["key"], v["name"]) for v in q.get("values", [])]],
                        required=False,
                    )
                else:
                    field = forms.CharField(max_length=1000, required=False)
                field.label = localized_name(name=q.get("label", ""), name_en=q.get("label_en", ""))
                field.widget.attrs["class"] = (
                    "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
                )
                self.fields[name] = field
        if signed_in:
            del self.fields["phone"]
        else:
            del self.fields["show_name"]
            self.fields["phone"].required = True

    def answers(self) -> dict[str, Any]:
        slug = self.cleaned_data.get("category") or ""
        prefix = f"answer__{slug}__"
        return {
            name[len(prefix) :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix) and value not in ("", None)
        }

    def answer_fields(self) -> list[tuple[str, Any]]:
        """(category slug, bound field) for every extra question, so the page can show the chosen one's."""
        return [(name.split("__")[1], self[name]) for name in self.fields if name.startswith("answer__")]


class CommentForm(StyledForm):
    text = forms.CharField(label=_("Your comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class RatingForm(StyledForm):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with the outcome?"),
        coerce=int,
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(StyledForm):
    note = forms.CharField(
        label=_("What is still wrong?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyForm(StyledForm):
    code = forms.CharField(
        label=_("Code sent by SMS"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr"}),
    )


class EndorseForm(StyledForm):
    note = forms.CharField(
        label=_("The council's note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    propose_for_agenda = forms.BooleanField(
        label=_("Propose it for the council's next meeting"), required=False
    )
