"""Forms of referral work: the list's GET filters, one form per next state of a referral, and the form
that sends a referral. Required inputs and limits are the services' business (they word the messages);
the forms only turn what was typed into values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mahalat.forms import StyledForm
from mahalat.persian.digits import localize_digits
from mahalat.persian.forms import JalaliDateField
from mahalat.referrals.models import Agency, ReferralState, SourceKind, TargetKind
from mahalat.referrals.selectors import DUE_CHOICES
from mahalat.referrals.services import ATTACHMENTS_MAX, NOTE_MAX, SUBJECT_MAX, Target
from mahalat.territory.models import Area, District

DUE_LABELS = {
    "overdue": _("Overdue"),
    "today": _("Due today (or overdue)"),
    "week": _("Due within a week (or overdue)"),
}


def _style(form: forms.Form) -> None:
    """StyledForm's Bootstrap classes, for forms that set their fields up before a bound form is
    validated (StyledForm's constructor validates a bound form at once)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.CheckboxSelectMultiple):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


# --- the list ---------------------------------------------------------------------------------------


class ReferralFilterForm(StyledForm):
    """What the list shows. A GET form: every field optional, invalid ones are ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    state = forms.MultipleChoiceField(
        label=_("State"), required=False, choices=ReferralState.choices, widget=forms.CheckboxSelectMultiple
    )
    district = forms.TypedChoiceField(
        label=_("Sending district"), required=False, coerce=int, empty_value=None
    )
    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)
    due = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("Any")), *((key, DUE_LABELS[key]) for key in DUE_CHOICES)],
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any")), *SourceKind.choices]
    )
    escalated = forms.BooleanField(label=_("Escalated only"), required=False)

    def __init__(
        self,
        *args: Any,
        districts: list[tuple[int, str]],
        agencies: list[tuple[int, str]] | None,
        **kwargs: Any,
    ) -> None:
        super(StyledForm, self).__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("All districts")), *districts]
        if agencies is None:  # a liaison sees its own agency's referrals only
            del self.fields["agency"]
        else:
            self.fields["agency"].choices = [("", _("All agencies")), *agencies]
        _style(self)
        self.fields["state"].widget.attrs["class"] = "form-check-input"
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Words of the subject, a tracking code or a referral number")}
        )

    def value_of(self, name: str, default: Any = None) -> Any:
        """A cleaned value, or the default when the field is missing or invalid."""
        value = getattr(self, "cleaned_data", {}).get(name)
        return default if value in (None, "", []) else value


# --- one referral's next step -----------------------------------------------------------------------

TRANSITION_LABELS: dict[str, Any] = {
    ReferralState.ACKNOWLEDGED: _("Acknowledge receipt"),
    ReferralState.ACCEPTED: _("Accept"),
    ReferralState.DECLINED: _("Decline"),
    ReferralState.ANSWERED: _("Answer"),
    ReferralState.DONE: _("Report it done"),
    ReferralState.REOPENED: _("Reopen"),
}
TRANSITION_STYLES: dict[str, str] = {
    ReferralState.ACKNOWLEDGED: "btn-success",
    ReferralState.ACCEPTED: "btn-success",
    ReferralState.ANSWERED: "btn-primary",
    ReferralState.DONE: "btn-success",
    ReferralState.DECLINED: "btn-outline-danger",
    ReferralState.REOPENED: "btn-outline-warning",
}


class ReferralTransitionForm(StyledForm):
    """One next state of a referral, with the inputs it takes and the state the person saw. Field names
    are plain (`to`, `expected_state`, `reason` …); each form gets its own element ids."""

    expected_state = forms.ChoiceField(choices=ReferralState.choices, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, target: str, agencies: QuerySet[Agency] | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", f"id_{target}_%s")
        self.target = target
        super(StyledForm, self).__init__(*args, **kwargs)
        required = {"aria-required": "true"}
        if target == ReferralState.DECLINED:
            self.fields["reason"] = forms.CharField(
                label=_("Reason (the citizen will see it)"),
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea(attrs={"rows": "3", **required}),
            )
            self.fields["suggested_agency"] = forms.ModelChoiceField(
                label=_("Agency that should handle it"),
                queryset=agencies if agencies is not None else Agency.objects.none(),
                required=False,
                empty_label=_("None of these"),
            )
            self.fields["suggested_body"] = forms.CharField(
                label=_("Or name the body that should handle it"),
                required=False,
                max_length=200,
            )
        elif target == ReferralState.ANSWERED:
            self.fields["response"] = forms.CharField(
                label=_("Answer (the citizen will see it)"),
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea(attrs={"rows": "3", **required}),
            )
            self.fields["planned_date"] = JalaliDateField(
                label=_("Planned date of completion"),
                required=False,
                help_text=_("The day by which the work will be done (Jalali, for example 1405/09/20)."),
                widget=JalaliDateField.widget(attrs=required),
            )
        elif target == ReferralState.REOPENED:
            self.fields["note"] = forms.CharField(
                label=_("Why it is reopened (the other side will see it)"),
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea(attrs={"rows": "3", **required}),
            )
        else:
            self.fields["note"] = forms.CharField(
                label=_("Note (optional)"),
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea(attrs={"rows": "2"}),
            )
        _style(self)

    @property
    def label(self) -> Any:
        return TRANSITION_LABELS.get(self.target, self.target)

    @property
    def button_class(self) -> str:
        return TRANSITION_STYLES.get(self.target, "btn-outline-primary")

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned inputs, named as `referral_transition` takes them."""
        data = self.cleaned_data
        return {
            key: data[key]
            for key in ("note", "reason", "suggested_body", "suggested_agency", "response", "planned_date")
            if key in data and data[key] not in (None, "")
        }


# --- sending a referral -----------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (type, size, how many)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


@dataclass(frozen=True)
class TargetChoices:
    """Who a referral can go to, loaded once: agencies serving the district, and the city's units."""

    agencies: list[Agency]
    districts: list[District]
    areas: list[Area]

    def target_for(self, value: str) -> Target | None:
        kind, _sep, ident = (value or "").partition(":")
        if not ident.isdigit():
            return None
        pk = int(ident)
        if kind == TargetKind.AGENCY:
            agency = next((a for a in self.agencies if a.pk == pk), None)
            return Target(kind=kind, agency=agency) if agency else None
        if kind == TargetKind.DISTRICT:
            district = next((d for d in self.districts if d.pk == pk), None)
            return Target(kind=kind, district=district) if district else None
        if kind == TargetKind.AREA:
            area = next((a for a in self.areas if a.pk == pk), None)
            return Target(kind=kind, area=area) if area else None
        return None


def number_text(value: int) -> str:
    return localize_digits(str(value))


def target_value(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


class ReferralCreateForm(StyledForm):
    target = forms.ChoiceField(label=_("Refer to"))
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX, required=False)
    note = forms.CharField(
        label=_("Note for the receiving body"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": "4"}),
    )
    deadline = JalaliDateField(label=_("Finish by (optional)"), required=False)
    share_reporter_contact = forms.BooleanField(
        label=_("Share the reporter's contact details with the receiving body"),
        required=False,
        help_text=_(
            "The reporter's name, mobile number and email are shown to the receiving body. "
            "Leave this off unless the body needs to reach the reporter."
        ),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(
        self,
        *args: Any,
        targets: TargetChoices,
        finish_dates: dict[str, str],
        from_report: bool,
        **kwargs: Any,
    ) -> None:
        super(StyledForm, self).__init__(*args, **kwargs)
        self.targets = targets

        def option(kind: str, pk: int, name: str) -> tuple[str, str]:
            value = target_value(kind, pk)
            until = finish_dates.get(value)
            if not until:
                return value, name
            return value, _("%(body)s — by agreement until %(date)s") % {"body": name, "date": until}

        self.fields["target"].choices = [
            ("", _("Choose an agency or a municipal unit")),
            (_("Executive agencies"), [option(TargetKind.AGENCY, a.pk, str(a)) for a in targets.agencies]),
            (_("Districts"), [option(TargetKind.DISTRICT, d.pk, str(d)) for d in targets.districts]),
            (_("Areas"), [option(TargetKind.AREA, a.pk, str(a)) for a in targets.areas]),
        ]
        self.fields["deadline"].help_text = _(
            "Leave empty to use the agreement's deadline (the day shown beside each body above). A "
            "deadline can only be shortened, not lengthened."
        )
        chosen = self.data.get("target") if self.is_bound else self.initial.get("target")
        if chosen and chosen in finish_dates:
            self.fields["deadline"].help_text = _(
                "The agreement gives this body until %(date)s; you can choose an earlier day, "
                "not a later one."
            ) % {"date": finish_dates[chosen]}
        if not from_report:
            del self.fields["share_reporter_contact"]
        # Worded here, not at import, so that the number is in the reader's language.
        self.fields["attachments"].help_text = _(
            "Up to %(count)s files: PDF or photos (JPEG, PNG, WebP), at most 5 MB each."
        ) % {"count": number_text(ATTACHMENTS_MAX)}
        self.fields["attachments"].widget.attrs["accept"] = "application/pdf,image/jpeg,image/png,image/webp"
        _style(self)
        if "share_reporter_contact" in self.fields:
            self.fields["share_reporter_contact"].widget.attrs["class"] = "form-check-input"

    def clean_target(self) -> Target:
        target = self.targets.target_for(self.cleaned_data.get("target", ""))
        if target is None:
            raise forms.ValidationError(_("Choose an agency or a municipal unit to refer to."))
        return target
