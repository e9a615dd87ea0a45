"""Forms of the staff inbox: the GET filter form, the per-state transition forms of a report, and the
small forms around a report (resolution photo, hiding a comment)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mahalat.forms import StyledForm
from mahalat.persian.digits import to_ascii_digits
from mahalat.persian.forms import JalaliDateField
from mahalat.reports.models import EscalationLevel, ReportState
from mahalat.reports.workflow import Rule

# Reports waiting for their reporter's phone confirmation are not staff business yet.
INBOX_STATES = [(value, label) for value, label in ReportState.choices if value != ReportState.UNVERIFIED]

SORT_DEADLINE, SORT_NEWEST, SORT_SUPPORTS = "deadline", "newest", "supports"
SORT_CHOICES = [
    (SORT_DEADLINE, _("Soonest deadline first")),
    (SORT_NEWEST, _("Newest first")),
    (SORT_SUPPORTS, _("Most supported first")),
]
VIEW_LIST, VIEW_MAP = "list", "map"


def _style(form: forms.Form) -> None:
    """StyledForm's Bootstrap classes, for the forms here that must set up their fields before a bound
    form is validated (StyledForm's constructor validates a bound form at once)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.CheckboxSelectMultiple):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class InboxFilterForm(StyledForm):
    """What the inbox shows. A GET form: every field optional, invalid ones are reported and ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    state = forms.MultipleChoiceField(
        label=_("State"), required=False, choices=INBOX_STATES, widget=forms.CheckboxSelectMultiple
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    neighborhood = forms.ChoiceField(label=_("Neighborhood"), required=False)
    escalation = forms.TypedChoiceField(
        label=_("Escalation"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any")), *EscalationLevel.choices],
    )
    submitted_from = JalaliDateField(label=_("Submitted from"), required=False)
    submitted_to = JalaliDateField(label=_("Submitted until"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    needs_routing = forms.BooleanField(label=_("In the district's triage queue"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)
    view = forms.ChoiceField(
        required=False, choices=[(VIEW_LIST, VIEW_LIST), (VIEW_MAP, VIEW_MAP)], widget=forms.HiddenInput
    )

    # The filters that live in the collapsible part of the form (the rest is always in view).
    MORE = ("state", "category", "neighborhood", "escalation", "submitted_from", "submitted_to")

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]],
        neighborhoods: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super(StyledForm, self).__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories")), *categories]
        self.fields["neighborhood"].choices = [("", _("All neighborhoods")), *neighborhoods]
        _style(self)
        self.fields["state"].widget.attrs["class"] = "form-check-input"
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Words from the description, or a tracking code")}
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and end < start:
            self.add_error("submitted_to", _("The end date is before the start date."))
        return data

    def value_of(self, name: str, default: Any = None) -> Any:
        """A cleaned value, or the default when the field is missing or invalid."""
        cleaned = getattr(self, "cleaned_data", {})
        value = cleaned.get(name)
        return default if value in (None, "", []) else value

    @property
    def more_count(self) -> int:
        """How many of the collapsible filters are in use (shown on the toggle)."""
        count = sum(1 for name in self.MORE if self.value_of(name) is not None)
        return count + sum(1 for name in ("overdue", "needs_routing") if self.value_of(name))


TRANSITION_LABELS: dict[str, Any] = {
    ReportState.TRIAGED: _("Accept for handling"),
    ReportState.REJECTED: _("Reject"),
    ReportState.DUPLICATE: _("Mark as a duplicate"),
    ReportState.IN_PROGRESS: _("Start work"),
    ReportState.RESOLVED: _("Mark as resolved"),
    ReportState.CLOSED: _("Close"),
    ReportState.REOPENED: _("Reopen"),
    ReportState.SUBMITTED: _("Put live"),
}
TRANSITION_STYLES: dict[str, str] = {
    ReportState.TRIAGED: "btn-success",
    ReportState.IN_PROGRESS: "btn-success",
    ReportState.RESOLVED: "btn-success",
    ReportState.REJECTED: "btn-outline-danger",
    ReportState.DUPLICATE: "btn-outline-secondary",
}


class TransitionForm(StyledForm):
    """One next state of a report, with the inputs its rule requires and the state the person saw.

    Required inputs are not enforced here: the transition service checks them and words the message
    (and a person whose browser skips ``required`` gets the same answer as the API's clients). A report
    is referred on the referral page (`referrals:create`), not here.
    """

    expected_state = forms.ChoiceField(choices=ReportState.choices, widget=forms.HiddenInput)

    def __init__(self, *args: Any, target: str, rule: Rule, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"to-{target}")
        self.target, self.rule = target, rule
        # forms.Form's constructor, not StyledForm's: StyledForm validates a bound form at once, and
        # this form's fields depend on the rule, so they are added first and styled below.
        super(StyledForm, self).__init__(*args, **kwargs)
        if "duplicate_of" in rule.requires:
            self.fields["duplicate_of"] = forms.CharField(
                label=_("Tracking code of the original report"),
                max_length=20,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "aria-required": "true"}),
            )
        if "reason" in rule.requires:
            label, required = _("Reason (the citizen will see it)"), True
        elif "note" in rule.requires:
            label, required = _("Note for the citizen"), True
        else:
            label, required = _("Note for the citizen (optional)"), False
        attrs: dict[str, str] = {"rows": "3" if required else "2"}
        if required:
            attrs["aria-required"] = "true"
        self.fields["note"] = forms.CharField(
            label=label, required=False, max_length=4000, widget=forms.Textarea(attrs=attrs)
        )
        _style(self)

    @property
    def label(self) -> Any:
        return TRANSITION_LABELS.get(self.target, self.target)

    @property
    def button_class(self) -> str:
        return TRANSITION_STYLES.get(self.target, "btn-outline-primary")

    def clean_duplicate_of(self) -> str:
        return to_ascii_digits(self.cleaned_data.get("duplicate_of") or "").strip()


class ResolutionPhotoForm(StyledForm):
    image = forms.FileField(
        label=_("Photo of the fix"),
        help_text=_("JPEG, PNG, WebP or GIF, at most 8 MB. Location and camera details are removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )


class CommentHideForm(StyledForm):
    reason = forms.CharField(label=_("Why hide it"), max_length=300, required=False)
