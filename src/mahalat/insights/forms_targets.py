"""Forms of the targets page: set a target (city-wide or a district's own) from a Jalali month, and
end one. The services check everything again; these only turn text into values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mahalat.forms import StyledForm
from mahalat.insights.catalog import Indicator
from mahalat.insights.periods import Month, month_text, parse_month
from mahalat.persian.digits import to_ascii_digits
from mahalat.policies.models import Policy
from mahalat.territory.models import District


class MonthField(forms.CharField):
    """A Jalali month written `YYYY-MM` (Persian digits accepted), cleaned to `(year, month)`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "1405-01")

    def clean(self, value: Any) -> Month | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_month(text, field="month")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["month"]) from exc


def _number(value: str) -> str:
    # Persian digits and the Persian decimal separator are accepted as typed.
    return to_ascii_digits(value or "").replace("٫", ".").strip()


class TargetForm(StyledForm):
    code = forms.ChoiceField(label=_("Indicator"))
    district = forms.ChoiceField(
        label=_("District"),
        required=False,
        help_text=_("Leave empty for a city-wide target; a district's own overrides it."),
    )
    target = forms.CharField(label=_("Target"), max_length=20)
    amber_band = forms.CharField(
        label=_("Amber band (percent of the target)"),
        max_length=10,
        initial="10",
        help_text=_("A value missing the target by no more than this is amber, farther is red."),
    )
    effective_from = MonthField(
        label=_("In force from (Jalali month)"),
        help_text=_("Year-month, for example 1405-01. Targets are annual: usually Farvardin."),
    )
    policy = forms.ChoiceField(
        label=_("Set by the policy"), required=False, help_text=_("Optional: a published policy of the city.")
    )

    def __init__(
        self,
        *args: Any,
        indicators: Sequence[Indicator],
        districts: Sequence[District],
        policies: Sequence[Policy],
        default_month: Month,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.districts = {str(d.pk): d for d in districts}
        self.policies = {str(p.pk): p for p in policies}
        self.fields["code"].choices = [(i.code, str(i.name)) for i in indicators]
        self.fields["district"].choices = [("", _("The whole city"))] + [
            (str(d.pk), str(d)) for d in districts
        ]
        self.fields["policy"].choices = [("", _("None"))] + [(str(p.pk), str(p)) for p in policies]
        self.fields["effective_from"].initial = month_text(default_month)
        for name in ("target", "amber_band"):
            self.fields[name].widget.attrs.update({"dir": "ltr", "inputmode": "decimal"})

    def clean_target(self) -> str:
        return _number(self.cleaned_data.get("target", ""))

    def clean_amber_band(self) -> str:
        return _number(self.cleaned_data.get("amber_band", ""))

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "district": self.districts.get(data.get("district") or ""),
            "target": data["target"],
            "amber_band": data["amber_band"],
            "effective_from": data["effective_from"],
            "policy": self.policies.get(data.get("policy") or ""),
        }


class TargetRemoveForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    effective_from = MonthField(label=_("No target from (Jalali month)"))

    def __init__(self, *args: Any, default_month: Month, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].initial = month_text(default_month)


def mark_invalid(form: forms.Form) -> None:
    """Mark the fields a service refused as StyledForm marks its own (errors added after validation)."""
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{form[name].id_for_label}-error"
