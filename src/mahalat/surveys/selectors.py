"""Reads for the survey pages: lists limited to what the person may see, and results in aggregate.

Results never name anyone: counts come from GROUP BY queries over `Answer`, free-text answers come as
bare texts (sorted, so their order says nothing about who wrote them or when)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import COUNCIL_ROLES, DISTRICT_ROLES, Role
from mahalat.accounts.rules import has_permission, held_roles
from mahalat.surveys.models import (
    CHOICE_KINDS,
    RATING_MAX,
    RATING_MIN,
    Answer,
    Option,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyState,
)

CITY_ROLES = frozenset({Role.DEPUTY, Role.CITY_COUNCIL, Role.ADMINISTRATOR})
TOP_NEEDS = 5
FREE_TEXTS_SHOWN = 200  # per question; the rest are counted


def percent(part: int, whole: int) -> Decimal:
    """part/whole as a percentage with one decimal, rounded half up (0 when nobody answered)."""
    if whole <= 0:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- lists --------------------------------------------------------------------------------------------


def _staff_q(user: Any) -> Q:
    """Surveys in the places this person reads as staff."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Q()
    q = Q(pk__in=[])
    for held in held_roles(user):
        scope = held.scope
        if held.role in CITY_ROLES and scope.city_id:
            q |= Q(city_id=scope.city_id)
        elif held.role in DISTRICT_ROLES and scope.district_id:
            q |= Q(district_id=scope.district_id)
        elif held.role == Role.AREA_OFFICER and scope.area_id:
            q |= Q(area_id=scope.area_id)
        elif held.role in COUNCIL_ROLES and scope.neighborhood_id:
            q |= Q(neighborhood_id=scope.neighborhood_id)
    return q


def survey_list_for_staff(*, user: Any, state: str | None = None) -> QuerySet[Survey]:
    qs = Survey.objects.filter(_staff_q(user))
    if state in SurveyState.values:
        qs = qs.filter(state=state)
    return (
        qs.select_related("neighborhood", "district")
        .annotate(
            response_count=Count("responses", distinct=True), question_count=Count("questions", distinct=True)
        )
        .order_by("-opens_at", "-id")
    )


def open_surveys(*, neighborhood_id: int, now: datetime | None = None) -> list[Survey]:
    """The surveys of a neighborhood taking answers now, closing soonest first."""
    now = now or timezone.now()
    return list(
        Survey.objects.filter(
            neighborhood_id=neighborhood_id, state=SurveyState.OPEN, opens_at__lte=now, closes_at__gt=now
        ).order_by("closes_at", "id")
    )


def closed_surveys(*, neighborhood_id: int, limit: int = 10) -> list[Survey]:
    return list(
        Survey.objects.filter(neighborhood_id=neighborhood_id, state=SurveyState.CLOSED).order_by(
            "-closes_at", "-id"
        )[:limit]
    )


def survey_get(*, pk: int, user: Any) -> Survey:
    """A published survey for everyone; a draft only for those who author it."""
    survey = Survey.objects.select_related("neighborhood", "district", "city").filter(pk=pk).first()
    if survey is None or (survey.is_draft and not has_permission(user, "surveys.manage_survey", survey)):
        raise Http404(_("There is no such survey."))
    return survey


def survey_questions(*, survey: Survey) -> list[Question]:
    return list(survey.questions.prefetch_related("options").order_by("position", "id"))


def own_response(*, survey: Survey, user: Any) -> Response | None:
    """The person's own response and answers: the only place a response is shown with its author."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Response.objects.filter(survey=survey, respondent_id=user.pk)
        .prefetch_related("answers__option", "answers__question")
        .first()
    )


# --- results ------------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    count: int
    percent: Decimal
    option_id: int | None = None


@dataclass
class QuestionResult:
    question: Question
    answered: int  # respondents who answered this question
    rows: list[Row] = field(default_factory=list)
    mean: Decimal | None = None  # ratings only
    texts: list[str] = field(default_factory=list)  # free text, only for internal readers

    @property
    def chart_id(self) -> str:
        return f"chart-q{self.question.pk}"

    @property
    def has_chart(self) -> bool:
        return self.question.kind != QuestionKind.TEXT


@dataclass
class Need:
    option_id: int
    label: str
    question: str
    count: int
    answered: int
    percent: Decimal


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    questions: list[QuestionResult]

    def top_needs(self, limit: int = TOP_NEEDS) -> list[Need]:
        """The options chosen by the largest share of those who answered their question."""
        needs = [
            Need(row.option_id, row.label, result.question.text, row.count, result.answered, row.percent)
            for result in self.questions
            if result.question.kind in CHOICE_KINDS
            for row in result.rows
            if row.option_id is not None and row.count > 0
        ]
        needs.sort(key=lambda n: (-n.percent, -n.count, n.label))
        return needs[:limit]

    def chart_data(self) -> list[dict[str, Any]]:
        return [
            {
                "id": r.chart_id,
                "labels": [row.label for row in r.rows],
                "counts": [row.count for row in r.rows],
            }
            for r in self.questions
            if r.has_chart
        ]


def survey_results(*, survey: Survey, with_texts: bool = False) -> SurveyResults:
    """Counts and percentages of every question in five queries (six with the free texts)."""
    questions = survey_questions(survey=survey)  # 2 queries
    total = Response.objects.filter(survey=survey).count()
    answered = dict(
        Answer.objects.filter(survey=survey)
        .values_list("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    )
    by_option: dict[int, int] = {}
    by_rating: dict[tuple[int, int], int] = {}
    for question_id, option_id, rating, n in (
        Answer.objects.filter(survey=survey, text="")
        .values_list("question_id", "option_id", "rating")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if option_id is not None:
            by_option[option_id] = n
        elif rating is not None:
            by_rating[(question_id, rating)] = n
    texts: dict[int, list[str]] = {}
    if with_texts and any(q.kind == QuestionKind.TEXT for q in questions):
        for question_id, text in (
            Answer.objects.filter(survey=survey)
            .exclude(text="")
            .values_list("question_id", "text")
            .order_by("text")
        ):
            texts.setdefault(question_id, []).append(text)
    results: list[QuestionResult] = []
    for question in questions:
        base = answered.get(question.pk, 0)
        result = QuestionResult(question=question, answered=base)
        if question.kind in CHOICE_KINDS:
            for option in question.options.all():
                n = by_option.get(option.pk, 0)
                result.rows.append(Row(option.text, n, percent(n, base), option.pk))
        elif question.kind == QuestionKind.RATING:
            weighted = 0
            for value in range(RATING_MIN, RATING_MAX + 1):
                n = by_rating.get((question.pk, value), 0)
                weighted += value * n
                result.rows.append(Row(str(value), n, percent(n, base)))
            if base:
                result.mean = (Decimal(weighted) / base).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        else:
            result.texts = texts.get(question.pk, [])[:FREE_TEXTS_SHOWN]
        results.append(result)
    return SurveyResults(survey=survey, responses=total, questions=results)


def option_share(*, option: Option) -> tuple[int, int, Decimal]:
    """How many picked the option, how many answered its question, and the share as a percentage."""
    picked = Answer.objects.filter(question_id=option.question_id, option=option).count()
    answered = Answer.objects.filter(question_id=option.question_id).values("response_id").distinct().count()
    return picked, answered, percent(picked, answered)
