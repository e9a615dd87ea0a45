"""Forms of the resolution pages: the list filters, a form for each next state, and milestones."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mahalat.forms import StyledForm
from mahalat.persian.forms import JalaliDateField
from mahalat.referrals.models import Agency
from mahalat.resolutions.models import ResolutionState, ResponsibleKind
from mahalat.resolutions.services import NOTE_MAX, TITLE_MAX
from mahalat.resolutions.workflow import Rule

ANY = [("", _("Any"))]


class FilterForm(StyledForm):
    """A GET form: every field optional; invalid values are reported and left out of the filter."""

    state = forms.ChoiceField(label=_("State"), required=False, choices=ANY + ResolutionState.choices)
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)

    def value_of(self, name: str, default: Any = None) -> Any:
        if not self.is_bound:
            return default
        data = getattr(self, "cleaned_data", {})
        value = data.get(name) if name not in self.errors else None
        return value if value not in (None, "", False) else default


class AccountabilityFilterForm(FilterForm):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, years: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = ANY + [(str(y), label) for y, label in years]


class StaffFilterForm(FilterForm):
    neighborhood = forms.ChoiceField(label=_("Neighborhood"), required=False)
    responsible = forms.ChoiceField(
        label=_("Responsible"), required=False, choices=ANY + ResponsibleKind.choices
    )

    def __init__(self, *args: Any, neighborhoods: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["neighborhood"].choices = ANY + neighborhoods


class TransitionForm(StyledForm):
    """One next state of a resolution, with the inputs its rule takes."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note (the public reads it)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        target: str,
        rule: Rule,
        agencies: QuerySet[Agency] | None = None,
        **kwargs: Any,
    ) -> None:
        self.target, self.rule = target, rule
        kwargs.setdefault("prefix", f"to-{target}")
        super().__init__(*args, **kwargs)
        if "note" in rule.requires:
            self.fields["note"].required = True
            self.fields["note"].label = (
                _("Outcome (the public reads it)")
                if target == ResolutionState.DONE
                else _("Reason (the public reads it)")
                if target == ResolutionState.NOT_FEASIBLE
                else _("Why the owner or the deadline changes")
            )
        if rule.takes_progress:
            self.fields["progress"] = forms.IntegerField(
                label=_("Progress (%)"), required=False, min_value=0, max_value=100
            )
        if rule.sets_owner:
            self.fields["responsible_kind"] = forms.ChoiceField(
                label=_("Responsible"), choices=ResponsibleKind.choices
            )
            self.fields["responsible_agency"] = forms.ModelChoiceField(
                label=_("Responsible agency"),
                queryset=agencies if agencies is not None else Agency.objects.none(),
                required=False,
                to_field_name="slug",
            )
            self.fields["deadline"] = JalaliDateField(label=_("Deadline"))
        # The fields added above get StyledForm's classes too.
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput) or "form-" in widget.attrs.get("class", ""):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    @property
    def title(self) -> str:
        return str(ResolutionState(self.target).label)


class MilestoneForm(StyledForm):
    title = forms.CharField(label=_("Milestone"), max_length=TITLE_MAX)
    due_on = JalaliDateField(label=_("Due"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "milestone")
        super().__init__(*args, **kwargs)


class MilestoneDoneForm(StyledForm):
    milestone = forms.IntegerField(widget=forms.HiddenInput)
    done_on = JalaliDateField(label=_("Reached on"), required=False)
