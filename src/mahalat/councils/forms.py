"""Forms of the council pages. They check shapes (a date, a choice, a mobile number); the services
check the rules and the permissions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mahalat.accounts.models import User
from mahalat.accounts.phone import normalize_phone
from mahalat.councils.models import (
    CouncilState,
    MemberRole,
    MembershipEnd,
    SeatFill,
    SeatType,
    WorkingGroupKind,
)
from mahalat.councils.workflow import allowed_targets
from mahalat.forms import StyledForm

MAX_SEAT_ROWS = 15


class TransitionForm(StyledForm):
    to = forms.ChoiceField(label=_("New state"), choices=CouncilState.choices)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    term_start = forms.DateField(
        label=_("Term starts"), required=False, widget=forms.DateInput(attrs={"type": "date", "dir": "ltr"})
    )
    term_end = forms.DateField(
        label=_("Term ends (empty: by the policy)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "dir": "ltr"}),
    )
    expected_state = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, state: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = allowed_targets(state)
        self.fields["to"].choices = [(t, CouncilState(t).label) for t in targets]
        self.fields["expected_state"].initial = state


class SeatMemberForm(StyledForm):
    phone = forms.CharField(
        label=_("Mobile number of the person"),
        max_length=20,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}),
    )
    seat_type = forms.ModelChoiceField(label=_("Seat"), queryset=SeatType.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    office = forms.CharField(label=_("Office (ex officio seats)"), required=False, max_length=150)
    starts_on = forms.DateField(
        label=_("Starts"), required=False, widget=forms.DateInput(attrs={"type": "date", "dir": "ltr"})
    )

    def __init__(self, *args: Any, seat_types: list[SeatType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["seat_type"]
        field.queryset = SeatType.objects.filter(pk__in=[st.pk for st in seat_types])  # type: ignore[attr-defined]

    def clean_phone(self) -> User:
        try:
            phone = normalize_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        user = User.objects.filter(phone=phone, is_active=True).first()
        if user is None:
            raise ValidationError(_("No active account has this mobile number; the person registers first."))
        return user


class RoleForm(StyledForm):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)


class EndMembershipForm(StyledForm):
    reason = forms.ChoiceField(
        label=_("Why the seat ends"),
        choices=[
            (v, label)
            for v, label in MembershipEnd.choices
            if v not in {MembershipEnd.RESIGNED, MembershipEnd.DISSOLVED}
        ],
    )
    on = forms.DateField(
        label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date", "dir": "ltr"})
    )


class WorkingGroupForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=WorkingGroupKind.choices, initial=WorkingGroupKind.OTHER
    )
    lead = forms.TypedChoiceField(label=_("Lead"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].choices = [("", "—")] + [(m.pk, m.user.full_name or m.user) for m in members]


class GroupMemberForm(StyledForm):
    membership = forms.TypedChoiceField(label=_("Member"), coerce=int)
    action = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")], widget=forms.HiddenInput)

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [(m.pk, m.user.full_name or m.user) for m in members]


class SeatTemplateForm(StyledForm):
    name = forms.CharField(label=_("Name (Persian)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_default = forms.BooleanField(label=_("Use for new councils"), required=False)


class SeatTypeRowForm(StyledForm):
    code = forms.SlugField(
        label=_("Code"), max_length=40, required=False, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    name = forms.CharField(label=_("Name (Persian)"), max_length=120, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    fill = forms.ChoiceField(label=_("Filled by"), choices=SeatFill.choices, required=False)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=30, required=False)


def seat_type_formset(*, extra: int) -> Any:
    """Rows for the seat types: the template's own and a few blank ones (at most 15 in all)."""
    return forms.formset_factory(
        SeatTypeRowForm, extra=extra, max_num=MAX_SEAT_ROWS, absolute_max=MAX_SEAT_ROWS, validate_max=True
    )


def seat_rows(formset: Any) -> list[dict[str, Any]]:
    """The filled rows of the seat-type formset, as the service expects them."""
    return [
        {k: f.cleaned_data.get(k) for k in ("code", "name", "name_en", "fill", "seats")}
        for f in formset.forms
        if f.cleaned_data and any(f.cleaned_data.get(k) for k in ("code", "name", "seats"))
    ]


class PolicyForm(StyledForm):
    in_force_from = forms.DateField(
        label=_("In force from"), widget=forms.DateInput(attrs={"type": "date", "dir": "ltr"})
    )
    term_months = forms.IntegerField(label=_("Term length (months)"), min_value=6, max_value=60, initial=24)
    max_consecutive_terms = forms.IntegerField(
        label=_("Most consecutive terms"), min_value=1, max_value=10, initial=2
    )
    quorum_numerator = forms.IntegerField(
        label=_("Quorum: more than … (numerator)"), min_value=0, max_value=20, initial=1
    )
    quorum_denominator = forms.IntegerField(
        label=_("… of the seated members (denominator)"), min_value=1, max_value=20, initial=2
    )
    meetings_per_month = forms.IntegerField(
        label=_("Regular meetings per month"), min_value=1, max_value=8, initial=2
    )
    resolution_escalation_days = forms.IntegerField(
        label=_("Days overdue before a resolution reaches the deputy"), min_value=1, max_value=365, initial=30
    )
