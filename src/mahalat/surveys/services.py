"""Every write about needs assessments: authoring (while a draft), publishing and closing, the periodic
opening and closing on time, a resident's response, and proposing a top need to the council's agenda."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.rules import has_permission, require_permission
from mahalat.audit.services import event_record
from mahalat.councils.models import placement
from mahalat.councils.selectors import current_council
from mahalat.elections.selectors import verified_residency
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.meetings.models import AgendaItem, AgendaItemState
from mahalat.meetings.services import agenda_item_propose
from mahalat.persian.text import normalize_text
from mahalat.surveys.models import (
    CHOICE_KINDS,
    RATING_MAX,
    RATING_MIN,
    TEXT_ANSWER_MAX,
    Answer,
    AuthorKind,
    Option,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyState,
)
from mahalat.territory.models import Neighborhood

TITLE_MAX = 200
INTRODUCTION_MAX = 4000
QUESTION_MAX = 500
OPTION_MAX = 200
MIN_OPTIONS = 2
MAX_OPTIONS = 20
MAX_QUESTIONS = 40
LONGEST_SURVEY = timedelta(days=366)
AGENDA_TITLE_MAX = 200

# The one transition table: who moves a survey where. `surveys_advance` (no actor) follows the dates.
TRANSITIONS: dict[tuple[str, str], str] = {
    (SurveyState.DRAFT, SurveyState.SCHEDULED): "publish",
    (SurveyState.DRAFT, SurveyState.OPEN): "publish",
    (SurveyState.SCHEDULED, SurveyState.OPEN): "advance",
    (SurveyState.SCHEDULED, SurveyState.CLOSED): "close",
    (SurveyState.OPEN, SurveyState.CLOSED): "close",
}
OPEN_AGENDA_STATES = (
    AgendaItemState.PROPOSED,
    AgendaItemState.SCHEDULED,
    AgendaItemState.VOTING,
    AgendaItemState.DEFERRED,
)


# --- helpers ------------------------------------------------------------------------------------------


def _text(value: object, *, field: str, limit: int, required: bool, multiline: bool, errors: dict) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Enter text.")]
        return ""
    text = normalize_text(value, multiline=multiline).strip()
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > limit:
        errors[field] = [_("At most %(limit)s characters.") % {"limit": limit}]
    return text


def _lock(survey: Survey) -> Survey:
    return Survey.objects.select_for_update().get(pk=survey.pk)


def _require_draft(survey: Survey) -> None:
    if survey.state != SurveyState.DRAFT:
        raise ConflictError(_("Only a draft survey can be changed; this one has been published."))


def _move(survey: Survey, *, to: str, actor: Any, now: datetime, note: str = "") -> None:
    if (survey.state, to) not in TRANSITIONS:
        raise TransitionNotAllowed(
            _("A survey cannot go from “%(from)s” to “%(to)s”.")
            % {"from": SurveyState(survey.state).label, "to": SurveyState(to).label}
        )
    before = survey.state
    survey.state = to
    fields = ["state", "updated_at"]
    if before == SurveyState.DRAFT:
        survey.published_at = now
        fields.append("published_at")
    if to == SurveyState.CLOSED:
        survey.closed_at = now
        fields.append("closed_at")
        if survey.closes_at > now:  # closed early: the record says when answers stopped
            survey.closes_at = max(now, survey.opens_at + timedelta(seconds=1))
            fields.append("closes_at")
    survey.save(update_fields=fields)
    event_record(
        actor=actor,
        action=f"surveys.survey.{to}",
        obj=survey,
        before={"state": before},
        after={"state": to},
        note=note,
    )


# --- authoring ----------------------------------------------------------------------------------------


@transaction.atomic
def survey_save(
    *,
    actor: Any,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    introduction: str = "",
    residents_only: bool = True,
    survey: Survey | None = None,
    neighborhood: Neighborhood | None = None,
) -> Survey:
    """Create a draft survey for `neighborhood`, or change a draft `survey`."""
    if survey is None:
        if neighborhood is None:
            raise ValidationError({"neighborhood": [_("Choose the neighborhood.")]})
        require_permission(actor, "surveys.manage_survey", neighborhood)
    else:
        require_permission(actor, "surveys.manage_survey", survey)
        survey = _lock(survey)
        _require_draft(survey)
    errors: dict[str, list[str]] = {}
    title = _text(title, field="title", limit=TITLE_MAX, required=True, multiline=False, errors=errors)
    introduction = _text(
        introduction,
        field="introduction",
        limit=INTRODUCTION_MAX,
        required=False,
        multiline=True,
        errors=errors,
    )
    if not isinstance(opens_at, datetime) or timezone.is_naive(opens_at):
        errors["opens_at"] = [_("Enter a date.")]
    if not isinstance(closes_at, datetime) or timezone.is_naive(closes_at):
        errors["closes_at"] = [_("Enter a date.")]
    if not errors:
        if closes_at <= opens_at:
            errors["closes_at"] = [_("The survey must close after it opens.")]
        elif closes_at - opens_at > LONGEST_SURVEY:
            errors["closes_at"] = [_("A survey runs for a year at most.")]
    if errors:
        raise ValidationError(errors)
    values = {
        "title": title,
        "introduction": introduction,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "residents_only": bool(residents_only),
    }
    if survey is None:
        assert neighborhood is not None
        # Recorded for the reader: the district's survey or the deputy's (a person holding both roles
        # writes for the district where they run operations).
        kind = (
            AuthorKind.DISTRICT
            if has_permission(actor, "governance.write_operation", neighborhood)
            else AuthorKind.DEPUTY
        )
        survey = Survey.objects.create(
            **placement(neighborhood), author_kind=kind, created_by=actor, **values
        )
        event_record(
            actor=actor, action="surveys.survey.created", obj=survey, after={"title": title, "author": kind}
        )
        return survey
    before = {name: str(getattr(survey, name)) for name in values}
    for name, value in values.items():
        setattr(survey, name, value)
    survey.save()
    event_record(
        actor=actor,
        action="surveys.survey.changed",
        obj=survey,
        before=before,
        after={name: str(value) for name, value in values.items()},
    )
    return survey


def _clean_options(kind: str, options: list[str] | None, errors: dict[str, list[str]]) -> list[str]:
    texts = [normalize_text(o).strip() for o in (options or []) if isinstance(o, str)]
    texts = [t for t in texts if t]
    if kind not in CHOICE_KINDS:
        if texts:
            errors["options"] = [_("Only choice questions have options.")]
        return []
    if len(texts) < MIN_OPTIONS or len(texts) > MAX_OPTIONS:
        errors["options"] = [
            _("Give between %(low)s and %(high)s options.") % {"low": MIN_OPTIONS, "high": MAX_OPTIONS}
        ]
    elif any(len(t) > OPTION_MAX for t in texts):
        errors["options"] = [_("An option is at most %(limit)s characters.") % {"limit": OPTION_MAX}]
    elif len(set(texts)) != len(texts):
        errors["options"] = [_("Two options are the same.")]
    return texts


@transaction.atomic
def question_save(
    *,
    actor: Any,
    survey: Survey,
    kind: str,
    text: str,
    required: bool = True,
    options: list[str] | None = None,
    max_picks: int | None = None,
    question: Question | None = None,
) -> Question:
    """Add a question to a draft survey, or change one; a choice question's options are given whole
    (a draft has no answers, so they are simply replaced)."""
    require_permission(actor, "surveys.manage_survey", survey)
    survey = _lock(survey)
    _require_draft(survey)
    if question is not None and question.survey_id != survey.pk:
        raise ValidationError(_("This question belongs to another survey."))
    errors: dict[str, list[str]] = {}
    if kind not in QuestionKind.values:
        errors["kind"] = [_("Choose the kind of question.")]
    text = _text(text, field="text", limit=QUESTION_MAX, required=True, multiline=False, errors=errors)
    texts = _clean_options(kind, options, errors)
    if kind == QuestionKind.MULTIPLE and "options" not in errors:
        if max_picks is None:
            max_picks = len(texts)
        elif not isinstance(max_picks, int) or not 1 <= max_picks <= len(texts):
            errors["max_picks"] = [
                _("Between 1 and the number of options (%(count)s).") % {"count": len(texts)}
            ]
    elif kind != QuestionKind.MULTIPLE:
        max_picks = None
    if question is None and survey.questions.count() >= MAX_QUESTIONS:
        errors["text"] = [_("A survey has %(limit)s questions at most.") % {"limit": MAX_QUESTIONS}]
    if errors:
        raise ValidationError(errors)
    if question is None:
        last = survey.questions.aggregate(last=Max("position"))["last"]
        question = Question.objects.create(
            survey=survey,
            position=(last or 0) + 1,
            kind=kind,
            text=text,
            required=bool(required),
            max_picks=max_picks,
        )
        action = "surveys.question.added"
    else:
        question.kind, question.text, question.required, question.max_picks = (
            kind,
            text,
            bool(required),
            max_picks,
        )
        question.save()
        question.options.all().delete()
        action = "surveys.question.changed"
    Option.objects.bulk_create(Option(question=question, position=i, text=t) for i, t in enumerate(texts, 1))
    event_record(
        actor=actor,
        action=action,
        obj=survey,
        after={"question": question.pk, "kind": kind, "text": text, "options": texts, "max_picks": max_picks},
    )
    return question


@transaction.atomic
def question_delete(*, actor: Any, question: Question) -> None:
    survey = question.survey
    require_permission(actor, "surveys.manage_survey", survey)
    survey = _lock(survey)
    _require_draft(survey)
    event_record(
        actor=actor,
        action="surveys.question.removed",
        obj=survey,
        before={"question": question.pk, "text": question.text},
    )
    question.delete()


# --- publishing and closing ---------------------------------------------------------------------------


@transaction.atomic
def survey_open(*, actor: Any, survey: Survey, now: datetime | None = None) -> Survey:
    """Publish a draft: open now if its opening time has come, else scheduled to open then."""
    now = now or timezone.now()
    require_permission(actor, "surveys.manage_survey", survey)
    survey = _lock(survey)
    if survey.state != SurveyState.DRAFT:
        raise TransitionNotAllowed(_("This survey has already been published."))
    errors: list[str] = []
    if not survey.questions.exists():
        errors.append(_("Add at least one question before opening the survey."))
    if survey.closes_at <= now:
        errors.append(_("The closing time has passed; change it before opening the survey."))
    if errors:
        raise ValidationError(errors)
    _move(
        survey, to=SurveyState.OPEN if survey.opens_at <= now else SurveyState.SCHEDULED, actor=actor, now=now
    )
    return survey


@transaction.atomic
def survey_close(*, actor: Any, survey: Survey, now: datetime | None = None) -> Survey:
    """Close a published survey now (before its closing time); its results become public."""
    now = now or timezone.now()
    require_permission(actor, "surveys.manage_survey", survey)
    survey = _lock(survey)
    _move(survey, to=SurveyState.CLOSED, actor=actor, now=now)
    return survey


@dataclass(frozen=True, slots=True)
class AdvanceResult:
    opened: int
    closed: int


def surveys_advance(*, now: datetime | None = None) -> AdvanceResult:
    """Open the scheduled surveys whose time has come and close the open ones whose time has passed."""
    now = now or timezone.now()
    opened = closed = 0
    due = Survey.objects.filter(state=SurveyState.SCHEDULED, opens_at__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            survey = Survey.objects.select_for_update().get(pk=pk)
            if survey.state == SurveyState.SCHEDULED and survey.opens_at <= now:
                _move(survey, to=SurveyState.OPEN, actor=None, now=now)
                opened += 1
    ending = Survey.objects.filter(state=SurveyState.OPEN, closes_at__lte=now).values_list("pk", flat=True)
    for pk in list(ending):
        with transaction.atomic():
            survey = Survey.objects.select_for_update().get(pk=pk)
            if survey.state == SurveyState.OPEN and survey.closes_at <= now:
                _move(survey, to=SurveyState.CLOSED, actor=None, now=now)
                closed += 1
    return AdvanceResult(opened=opened, closed=closed)


# --- answering ----------------------------------------------------------------------------------------


def may_answer(*, user: Any, survey: Survey) -> bool:
    """Whether this person may answer (ignoring whether they already have, and the dates)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return not survey.residents_only or verified_residency(user=user, neighborhood_id=survey.neighborhood_id)


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _answer_rows(question: Question, value: object, option_ids: set[int]) -> tuple[list[dict], str | None]:
    """The Answer rows for one question's value, or the reason it is not acceptable."""
    blank = value is None or value == "" or value == [] or value == ()
    if blank:
        return [], (_("This question must be answered.") if question.required else None)
    if question.kind == QuestionKind.SINGLE:
        picked = _as_int(value)
        if picked is None or picked not in option_ids:
            return [], _("Choose one of this question's options.")
        return [{"option_id": picked}], None
    if question.kind == QuestionKind.MULTIPLE:
        values = value if isinstance(value, list | tuple | set) else [value]
        picks = [_as_int(v) for v in values]
        if any(p is None or p not in option_ids for p in picks):
            return [], _("Choose among this question's options.")
        unique = sorted(set(picks))  # type: ignore[type-var]
        if question.max_picks is not None and len(unique) > question.max_picks:
            return [], _("Choose at most %(count)s options.") % {"count": question.max_picks}
        return [{"option_id": p} for p in unique], None
    if question.kind == QuestionKind.RATING:
        rating = _as_int(value)
        if rating is None or not RATING_MIN <= rating <= RATING_MAX:
            return [], _("Give a rating from %(low)s to %(high)s.") % {"low": RATING_MIN, "high": RATING_MAX}
        return [{"rating": rating}], None
    if not isinstance(value, str):
        return [], _("Enter text.")
    text = normalize_text(value, multiline=True).strip()
    if len(text) > TEXT_ANSWER_MAX:
        return [], _("At most %(limit)s characters.") % {"limit": TEXT_ANSWER_MAX}
    if not text:
        return [], (_("This question must be answered.") if question.required else None)
    return [{"text": text}], None


def answer_field(question: Question) -> str:
    """The key a question's answer and its error go under (forms use the same name)."""
    return f"q{question.pk}"


@transaction.atomic
def response_submit(
    *, actor: Any, survey: Survey, answers: Mapping[int, object], now: datetime | None = None
) -> Response:
    """A person's one response. `answers` maps question ids to an option id (single choice), a list of
    option ids (multiple choice), a rating or a text. Everything is checked before anything is written."""
    now = now or timezone.now()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Sign in to answer this survey."))
    survey = _lock(survey)  # one submission at a time per survey keeps the one-per-person check exact
    if not survey.accepts_answers(now):
        raise ConflictError(_("This survey is not open for answers."))
    if survey.residents_only and not verified_residency(user=actor, neighborhood_id=survey.neighborhood_id):
        raise PermissionDenied(
            _("Only the verified residents of %(neighborhood)s may answer this survey.")
            % {"neighborhood": survey.neighborhood.name}
        )
    if Response.objects.filter(survey=survey, respondent=actor).exists():
        raise ConflictError(_("You have already answered this survey; a person answers once."))
    questions = list(survey.questions.prefetch_related("options"))
    known = {q.pk for q in questions}
    errors: dict[str, list[str]] = {}
    unknown = [key for key in answers if _as_int(key) not in known]
    if unknown:
        errors["__all__"] = [_("Some answers are for questions this survey does not have.")]
    rows: list[tuple[Question, dict]] = []
    for question in questions:
        value = answers.get(question.pk, answers.get(str(question.pk)))  # type: ignore[call-overload]
        made, error = _answer_rows(question, value, {o.pk for o in question.options.all()})
        if error:
            errors[answer_field(question)] = [error]
        rows.extend((question, row) for row in made)
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError(_("Answer at least one question."))
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                respondent=actor,
                city_id=survey.city_id,
                neighborhood_id=survey.neighborhood_id,
                submitted_at=now,
            )
    except IntegrityError as exc:
        raise ConflictError(_("You have already answered this survey; a person answers once.")) from exc
    Answer.objects.bulk_create(
        Answer(response=response, survey=survey, question=question, **row) for question, row in rows
    )
    # The log says that a response came, never what it said.
    event_record(
        actor=actor, action="surveys.response.submitted", obj=survey, after={"response": response.pk}
    )
    return response


# --- from results to the council's agenda --------------------------------------------------------------


@transaction.atomic
def survey_propose_need(*, actor: Any, survey: Survey, option: Option) -> AgendaItem:
    """Put one of the top needs on the neighborhood council's agenda, with its share of the answers."""
    from mahalat.surveys.selectors import option_share  # selectors read models only; no cycle at import

    require_permission(actor, "surveys.propose_need", survey)
    if survey.state != SurveyState.CLOSED:
        raise ValidationError(_("Propose needs once the survey has closed and its results are final."))
    question = option.question
    if question.survey_id != survey.pk or question.kind not in CHOICE_KINDS:
        raise ValidationError(_("This option is not one of this survey's choices."))
    council = current_council(neighborhood_id=survey.neighborhood_id)
    if council is None:
        raise ValidationError(
            _("%(neighborhood)s has no council to propose to.") % {"neighborhood": survey.neighborhood.name}
        )
    picked, answered, percent = option_share(option=option)
    title = (_("Needs assessment: %(need)s") % {"need": option.text})[:AGENDA_TITLE_MAX]
    if AgendaItem.objects.filter(council=council, title=title, state__in=OPEN_AGENDA_STATES).exists():
        raise ValidationError(_("This need is already on the council's agenda."))
    description = _(
        "In the needs assessment “%(survey)s” (%(neighborhood)s), %(picked)s of the %(answered)s residents "
        "who answered “%(question)s” (%(percent)s%%) chose “%(need)s”."
    ) % {
        "survey": survey.title,
        "neighborhood": survey.neighborhood.name,
        "picked": picked,
        "answered": answered,
        "question": question.text,
        "percent": percent,
        "need": option.text,
    }
    item = agenda_item_propose(actor=actor, council=council, title=title, description=description)
    event_record(
        actor=actor,
        action="surveys.need.proposed",
        obj=survey,
        after={"option": option.pk, "agenda_item": item.pk, "picked": picked, "answered": answered},
    )
    return item
