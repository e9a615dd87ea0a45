"""The dashboards' controls: a GET form (indicator, Jalali month, kind of place on the map) that works
without JavaScript. A bad value is reported on the page and the default is used instead."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mahalat.forms import StyledForm
from mahalat.insights.catalog import Indicator, ScopeKind
from mahalat.insights.periods import Month, month_add, month_label, month_text, parse_month

MONTHS_OFFERED = 24


class DashboardForm(StyledForm):
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"), required=False)
    # Free text under a select: any valid month can be asked for by URL, the select offers recent ones.
    month = forms.CharField(label=gettext_lazy("Month"), required=False, max_length=12, widget=forms.Select)
    kind = forms.ChoiceField(label=gettext_lazy("Places on the map"), required=False)
    warnings = forms.ChoiceField(required=False, choices=[("", ""), ("all", "all")], widget=forms.HiddenInput)

    def __init__(self, data: Any, *, entries: list[Indicator], kinds: list[str], latest: Month) -> None:
        super().__init__(data)
        self.fields["indicator"].choices = [(e.code, e.name) for e in entries]
        self.fields["kind"].choices = [(k, ScopeKind(k).label) for k in kinds]
        self.entries = {e.code: e for e in entries}
        self.latest = latest
        # The month picker offers the last two years up to the last month with values.
        options = [month_add(latest, -n) for n in range(MONTHS_OFFERED)]
        wanted = self._asked_month()
        if wanted is not None and wanted not in options:
            options.insert(0, wanted)
        self.fields["month"].widget.choices = [(month_text(m), month_label(m)) for m in options]

    def _asked_month(self) -> Month | None:
        try:
            return parse_month(str((self.data or {}).get("month") or ""), field="month")
        except ValidationError:
            return None

    def clean_indicator(self) -> str:
        code = self.cleaned_data.get("indicator") or ""
        if code and code not in self.entries:
            raise ValidationError(_("There is no such indicator."))
        return code

    def clean_month(self) -> Month | None:
        text = self.cleaned_data.get("month") or ""
        if not text:
            return None
        try:
            return parse_month(text, field="month")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["month"]) from exc

    def choice(self) -> tuple[Indicator, Month, str, bool]:
        """The valid choices, each falling back to its default when missing or bad."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        code = data.get("indicator") or next(iter(self.entries))
        kind = data.get("kind") or self.fields["kind"].choices[0][0]
        return self.entries[code], data.get("month") or self.latest, kind, data.get("warnings") == "all"
