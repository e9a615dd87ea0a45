"""Forms of the survey pages: the survey's header, a question, and a resident's answers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mahalat.forms import StyledForm
from mahalat.persian.digits import localize_digits
from mahalat.persian.forms import JalaliDateField
from mahalat.surveys.models import RATING_MAX, RATING_MIN, TEXT_ANSWER_MAX, Question, QuestionKind
from mahalat.surveys.services import INTRODUCTION_MAX, QUESTION_MAX, TITLE_MAX, answer_field
from mahalat.worktime.calendar import TEHRAN


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TEHRAN)


def end_of(day: date) -> datetime:
    """A survey closing on a day takes answers until that day's end in Tehran."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=TEHRAN)


class SurveyForm(StyledForm):
    neighborhood = forms.ChoiceField(label=_("Neighborhood"))
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    introduction = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=INTRODUCTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the survey is for and what will be done with the answers."),
    )
    opens_on = JalaliDateField(label=_("Opens on"))
    closes_on = JalaliDateField(label=_("Closes at the end of"))
    residents_only = forms.BooleanField(
        label=_("Only the neighborhood's verified residents may answer"), required=False, initial=True
    )

    def __init__(self, *args: Any, neighborhoods: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if neighborhoods is None:
            del self.fields["neighborhood"]  # an existing survey keeps its neighborhood
        else:
            self.fields["neighborhood"].choices = neighborhoods


class QuestionForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), max_length=QUESTION_MAX)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For choice questions: one option on each line."),
    )
    max_picks = forms.IntegerField(
        label=_("Most options one may pick"),
        required=False,
        min_value=1,
        help_text=_("For multiple choice; empty means any number."),
    )

    def option_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("options", "").splitlines() if line.strip()]


class ResponseForm(StyledForm):
    """One field per question, named like the service's error keys, so its errors land on the field."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            name = answer_field(question)
            options = [(str(o.pk), o.text) for o in question.options.all()]
            common = {"label": question.text, "required": question.required}
            if question.kind == QuestionKind.SINGLE:
                field: forms.Field = forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
            elif question.kind == QuestionKind.MULTIPLE:
                field = forms.MultipleChoiceField(
                    choices=options, widget=forms.CheckboxSelectMultiple, **common
                )
                if question.max_picks and question.max_picks < len(options):
                    field.help_text = _("Choose at most %(count)s.") % {
                        "count": localize_digits(question.max_picks)
                    }
            elif question.kind == QuestionKind.RATING:
                field = forms.ChoiceField(
                    choices=[(str(v), localize_digits(v)) for v in range(RATING_MIN, RATING_MAX + 1)],
                    widget=forms.RadioSelect,
                    help_text=_("1 is the least, 5 the most."),
                    **common,
                )
            else:
                field = forms.CharField(
                    max_length=TEXT_ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 3}), **common
                )
            field.question = question  # type: ignore[attr-defined]
            self.fields[name] = field
        # The fields were added after StyledForm styled the (then empty) form.
        for field in self.fields.values():
            widget = field.widget
            css = "form-control"
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def answers(self) -> dict[int, object]:
        """The cleaned values keyed by question id, as `response_submit` takes them."""
        return {q.pk: self.cleaned_data.get(answer_field(q)) for q in self.questions}
