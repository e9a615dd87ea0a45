from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.meetings.models import AgendaItem, AgendaSource
from mahalat.surveys import services
from mahalat.surveys.models import Answer, AuthorKind, QuestionKind, Response, SurveyState
from mahalat.surveys.selectors import survey_results
from tests.factories import UserFactory
from tests.surveys.conftest import build_survey, resident

pytestmark = pytest.mark.django_db


def test_build_and_open(sw) -> None:
    assert sw.survey.state == SurveyState.DRAFT
    assert sw.survey.author_kind == AuthorKind.DISTRICT
    assert [q.kind for q in sw.survey.questions.all()] == ["single", "multiple", "rating", "text"]
    assert sw.multiple.max_picks == 2 and sw.multiple.options.count() == 4
    services.survey_open(actor=sw.officer, survey=sw.survey)
    sw.survey.refresh_from_db()
    assert sw.survey.state == SurveyState.OPEN and sw.survey.published_at is not None


def test_future_survey_is_scheduled_and_the_job_opens_and_closes_it(sw) -> None:
    now = timezone.now()
    services.survey_save(
        actor=sw.officer,
        survey=sw.survey,
        title=sw.survey.title,
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=3),
    )
    services.survey_open(actor=sw.officer, survey=sw.survey, now=now)
    sw.survey.refresh_from_db()
    assert sw.survey.state == SurveyState.SCHEDULED
    assert services.surveys_advance(now=now).opened == 0
    result = services.surveys_advance(now=now + timedelta(days=1, minutes=1))
    assert result.opened == 1
    sw.survey.refresh_from_db()
    assert sw.survey.state == SurveyState.OPEN
    assert services.surveys_advance(now=now + timedelta(days=3, minutes=1)).closed == 1
    sw.survey.refresh_from_db()
    assert sw.survey.state == SurveyState.CLOSED and sw.survey.is_public


def test_questions_only_change_while_draft(opened) -> None:
    with pytest.raises(ConflictError):
        services.question_save(actor=opened.officer, survey=opened.survey, kind="rating", text="دیگر")
    with pytest.raises(ConflictError):
        services.question_delete(actor=opened.officer, question=opened.rating)
    with pytest.raises(TransitionNotAllowed):
        services.survey_open(actor=opened.officer, survey=opened.survey)


def test_bad_question_is_refused(sw) -> None:
    for kwargs in [
        {"kind": "single", "text": "یک گزینه", "options": ["تنها"]},
        {"kind": "single", "text": "تکراری", "options": ["الف", "الف"]},
        {"kind": "multiple", "text": "زیاد", "options": ["الف", "ب"], "max_picks": 3},
        {"kind": "rating", "text": "امتیاز", "options": ["الف", "ب"]},
        {"kind": "nonsense", "text": "؟"},
    ]:
        with pytest.raises(ValidationError):
            services.question_save(actor=sw.officer, survey=sw.survey, **kwargs)
    assert sw.survey.questions.count() == 4


def test_deputy_may_author_but_council_and_city_council_may_not(council_world) -> None:
    world = council_world
    built = build_survey(world, world.people["deputy"])
    assert built.survey.author_kind == AuthorKind.DEPUTY
    services.survey_open(actor=world.people["deputy"], survey=built.survey)
    for person in [world.chair, world.members[2].user, world.people["city_council"], world.people["citizen"]]:
        with pytest.raises(PermissionDenied):
            build_survey(world, person)
        with pytest.raises(PermissionDenied):
            services.survey_close(actor=person, survey=built.survey)
    with pytest.raises(PermissionDenied):  # another district's officer
        build_survey(world, world.people["other_district_officer"])


def test_resident_answers_once(opened) -> None:
    person = resident(opened.world)
    response = services.response_submit(
        actor=person, survey=opened.survey, answers=opened.answers(picks=(0, 2))
    )
    assert Answer.objects.filter(response=response).count() == 4  # one, two picks, a rating
    with pytest.raises(ConflictError):
        services.response_submit(actor=person, survey=opened.survey, answers=opened.answers(single=1))
    assert Response.objects.count() == 1
    assert Answer.objects.filter(option_id=opened.option(opened.single, 1)).count() == 0


def test_non_resident_refused_when_residents_only(opened) -> None:
    outsider = UserFactory()
    elsewhere = resident(opened.world, opened.world.n2)
    for person in [outsider, elsewhere]:
        with pytest.raises(PermissionDenied):
            services.response_submit(actor=person, survey=opened.survey, answers=opened.answers())
    assert not Response.objects.exists()


def test_anyone_signed_in_when_not_residents_only(council_world) -> None:
    built = build_survey(council_world, council_world.people["district_officer"], residents_only=False)
    services.survey_open(actor=built.officer, survey=built.survey)
    services.response_submit(actor=UserFactory(), survey=built.survey, answers=built.answers())
    assert Response.objects.count() == 1


def test_closed_survey_refuses_answers(opened) -> None:
    services.survey_close(actor=opened.officer, survey=opened.survey)
    with pytest.raises(ConflictError):
        services.response_submit(actor=resident(opened.world), survey=opened.survey, answers=opened.answers())
    assert not Response.objects.exists()


def test_past_closing_time_refused_even_before_the_job_runs(opened) -> None:
    later = opened.survey.closes_at + timedelta(minutes=1)
    with pytest.raises(ConflictError):
        services.response_submit(
            actor=resident(opened.world), survey=opened.survey, answers=opened.answers(), now=later
        )


@pytest.mark.parametrize(
    "change",
    [
        "other_question_option",
        "too_many_picks",
        "rating_6",
        "missing_required",
        "text_too_long",
        "unknown_question",
    ],
)
def test_invalid_answers_write_nothing(opened, change) -> None:
    answers = opened.answers()
    field = None
    if change == "other_question_option":
        answers[opened.single.pk] = opened.option(opened.multiple, 0)
        field = f"q{opened.single.pk}"
    elif change == "too_many_picks":
        answers[opened.multiple.pk] = [opened.option(opened.multiple, n) for n in (0, 1, 2)]
        field = f"q{opened.multiple.pk}"
    elif change == "rating_6":
        answers[opened.rating.pk] = 6
        field = f"q{opened.rating.pk}"
    elif change == "missing_required":
        del answers[opened.single.pk]
        field = f"q{opened.single.pk}"
    elif change == "text_too_long":
        answers[opened.text.pk] = "ب" * 1001
        field = f"q{opened.text.pk}"
    else:
        answers[999999] = "x"
        field = "__all__"
    with pytest.raises(ValidationError) as caught:
        services.response_submit(actor=resident(opened.world), survey=opened.survey, answers=answers)
    assert field in caught.value.message_dict
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_results_counts_and_percentages_are_exact(opened) -> None:
    # Seven residents; six answer the single choice question (one skips it: made optional first? no —
    # all answer it), so: 3 × library, 2 × sport, 2 × park.
    plan = [
        (0, (0, 1), 5, "کتابخانه بزرگ‌تر"),
        (0, (0,), 4, ""),
        (0, (2,), 4, ""),
        (1, (1, 2), 3, "پیاده‌رو"),
        (1, (0, 3), 5, ""),
        (2, (3,), 1, ""),
        (2, (0,), 2, ""),
    ]
    for single, picks, rating, text in plan:
        services.response_submit(
            actor=resident(opened.world),
            survey=opened.survey,
            answers=opened.answers(single=single, picks=picks, rating=rating, text=text),
        )
    results = survey_results(survey=opened.survey, with_texts=True)
    assert results.responses == 7
    single, multiple, rating, text = results.questions
    assert [(r.count, r.percent) for r in single.rows] == [
        (3, Decimal("42.9")),
        (2, Decimal("28.6")),
        (2, Decimal("28.6")),
    ]
    assert [r.count for r in multiple.rows] == [4, 2, 2, 2]
    assert multiple.rows[0].percent == Decimal("57.1") and multiple.answered == 7
    assert [r.count for r in rating.rows] == [1, 1, 1, 2, 2]
    assert rating.mean == Decimal("3.43")  # 24 / 7
    assert text.answered == 2 and text.texts == sorted(["کتابخانه بزرگ‌تر", "پیاده‌رو"])
    top = results.top_needs()
    assert (top[0].label, top[0].count, top[0].answered) == ("کلاس هنر", 4, 7)
    assert top[1].label == "کتابخانه"


def test_results_name_nobody(opened) -> None:
    person = resident(opened.world)
    person.full_name = "نام‌پنهان"
    person.save()
    services.response_submit(actor=person, survey=opened.survey, answers=opened.answers(text="متن من"))
    results = survey_results(survey=opened.survey, with_texts=True)
    flat = repr(results.__dict__) + repr([q.__dict__ for q in results.questions])
    assert "نام‌پنهان" not in flat and person.phone not in flat
    assert "متن من" in flat


def test_propose_need_puts_it_on_the_agenda(opened) -> None:
    for single in (0, 0, 1):
        services.response_submit(
            actor=resident(opened.world), survey=opened.survey, answers=opened.answers(single=single)
        )
    library = opened.single.options.get(text="کتابخانه")
    with pytest.raises(ValidationError):  # still open
        services.survey_propose_need(actor=opened.officer, survey=opened.survey, option=library)
    services.survey_close(actor=opened.officer, survey=opened.survey)
    opened.survey.refresh_from_db()
    for person in [opened.world.people["deputy"], opened.world.chair, opened.world.people["city_council"]]:
        with pytest.raises(PermissionDenied):
            services.survey_propose_need(actor=person, survey=opened.survey, option=library)
    item = services.survey_propose_need(actor=opened.officer, survey=opened.survey, option=library)
    item = AgendaItem.objects.get(pk=item.pk)
    assert item.council_id == opened.world.council.pk and item.source == AgendaSource.DISTRICT
    assert item.title == "نیازسنجی: کتابخانه" or item.title == "Needs assessment: کتابخانه"
    assert "66.7" in item.description and "کتابخانه" in item.description
    with pytest.raises(ValidationError):  # once
        services.survey_propose_need(actor=opened.officer, survey=opened.survey, option=library)
    foreign = opened.multiple.options.first()
    other = build_survey(opened.world, opened.officer)
    with pytest.raises(ValidationError):
        services.survey_propose_need(actor=opened.officer, survey=other.survey, option=foreign)


def test_rating_question_kind_has_no_options(sw) -> None:
    assert sw.rating.kind == QuestionKind.RATING and not sw.rating.options.exists()
