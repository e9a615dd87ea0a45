"""Forms of policies and circulars: the draft (with the council rules a policy may set), withdrawal, and
the list's filters. Required inputs and limits are the services' business (they word the messages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mahalat.councils.models import CouncilPolicy
from mahalat.forms import StyledForm
from mahalat.persian.digits import localize_digits
from mahalat.persian.forms import JalaliDateField
from mahalat.policies.models import COUNCIL_RULE_FIELDS, Policy, PolicyAttachment, PolicyKind, PolicyState
from mahalat.policies.services import ATTACHMENTS_MAX, REASON_MAX, TITLE_MAX
from mahalat.referrals.forms import MultipleFileField
from mahalat.territory.models import District

RULE_LABELS = {
    "meetings_per_month": _("Regular council meetings per month"),
    "quorum_numerator": _("Quorum: more than … (numerator)"),
    "quorum_denominator": _("… of the seated members (denominator)"),
    "term_months": _("Council term (months)"),
    "max_consecutive_terms": _("Most consecutive terms"),
    "resolution_escalation_days": _("Days overdue before a resolution reaches the deputy"),
}


class PolicyForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=PolicyKind.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, required=False)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": "12"}),
        help_text=_(
            "Paragraphs, bold, italics, lists, headings and links are kept; anything else is removed."
        ),
    )
    effective_from = JalaliDateField(label=_("Effective from"), required=False)
    all_districts = forms.BooleanField(label=_("All districts of the city"), required=False)
    districts = forms.ModelMultipleChoiceField(
        label=_("Target districts"),
        queryset=District.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sets_council_rule = forms.BooleanField(
        label=_("This policy sets the council rules"),
        required=False,
        help_text=_("From its effective date, every council of the city follows the rules below."),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    remove_attachments = forms.MultipleChoiceField(
        label=_("Remove attachments"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        districts: list[District],
        existing: list[PolicyAttachment],
        rule_defaults: CouncilPolicy,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["districts"].queryset = District.objects.filter(pk__in=[d.pk for d in districts])
        self.fields["districts"].label_from_instance = str
        for name in COUNCIL_RULE_FIELDS:
            self.fields[name] = forms.IntegerField(
                label=RULE_LABELS[name],
                required=False,
                initial=getattr(rule_defaults, name),
                widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
            )
        self.fields["attachments"].help_text = _(
            "Up to %(count)s files in all: PDF or photos (JPEG, PNG, WebP), at most 5 MB each."
        ) % {"count": localize_digits(ATTACHMENTS_MAX)}
        self.fields["attachments"].widget.attrs["accept"] = "application/pdf,image/jpeg,image/png,image/webp"
        if existing:
            self.fields["remove_attachments"].choices = [(str(a.pk), a.original_name) for a in existing]
        else:
            del self.fields["remove_attachments"]

    @staticmethod
    def initial_for(policy: Policy) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "kind": policy.kind,
            "title": policy.title,
            "body": policy.body,
            "effective_from": policy.effective_from,
            "all_districts": policy.all_districts,
            "districts": [d.pk for d in policy.target_districts.all()],
            "sets_council_rule": policy.sets_council_rule,
        }
        if policy.sets_council_rule:
            initial.update(policy.council_rule())
        return initial

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        rule = (
            {name: data.get(name) for name in COUNCIL_RULE_FIELDS} if data.get("sets_council_rule") else None
        )
        return {
            "kind": data["kind"],
            "title": data.get("title") or "",
            "body": data.get("body") or "",
            "effective_from": data.get("effective_from"),
            "all_districts": bool(data.get("all_districts")),
            "districts": list(data.get("districts") or []),
            "council_rule": rule,
            "attachments": data.get("attachments") or [],
            "remove_attachment_ids": [int(i) for i in data.get("remove_attachments") or []],
        }


class WithdrawForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": "3"}),
    )


class PolicyFilterForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *PolicyKind.choices]
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *PolicyState.choices]
    )
    pending = forms.BooleanField(label=_("Not yet acknowledged"), required=False)

    def value_of(self, name: str) -> Any:
        if not self.is_bound or not self.is_valid():
            return None
        return self.cleaned_data.get(name) or None
