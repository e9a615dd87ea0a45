"""A needs assessment in council_world's n1: a draft with one question of each kind, and helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mahalat.elections.models import Residency, ResidencyState
from mahalat.surveys import services
from mahalat.surveys.models import Question, QuestionKind, Survey
from tests.factories import UserFactory


def resident(world: Any, neighborhood: Any | None = None) -> Any:
    """A new person with a verified residency in `neighborhood` (n1 by default)."""
    hood = neighborhood or world.n1
    user = UserFactory()
    Residency.objects.create(
        city_id=hood.city_id,
        district_id=hood.district_id,
        area_id=hood.area_id,
        neighborhood=hood,
        user=user,
        address="کوچه یک",
        state=ResidencyState.VERIFIED,
        verified_at=timezone.now(),
    )
    return user


@dataclass
class SurveyWorld:
    world: Any
    survey: Survey
    single: Question  # 3 options, required
    multiple: Question  # 4 options, at most 2 picks
    rating: Question
    text: Question  # optional

    @property
    def officer(self) -> Any:
        return self.world.people["district_officer"]

    def option(self, question: Question, n: int) -> int:
        return list(question.options.order_by("position"))[n].pk

    def answers(
        self, single: int = 0, picks: tuple[int, ...] = (0,), rating: int = 4, text: str = ""
    ) -> dict:
        return {
            self.single.pk: self.option(self.single, single),
            self.multiple.pk: [self.option(self.multiple, p) for p in picks],
            self.rating.pk: rating,
            self.text.pk: text,
        }


def build_survey(world: Any, actor: Any, *, residents_only: bool = True) -> SurveyWorld:
    now = timezone.now()
    survey = services.survey_save(
        actor=actor,
        neighborhood=world.n1,
        title="نیازسنجی فرهنگی سرچشمه",
        introduction="برای برنامه‌های سال آینده",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=14),
        residents_only=residents_only,
    )
    single = services.question_save(
        actor=actor,
        survey=survey,
        kind=QuestionKind.SINGLE,
        text="مهم‌ترین نیاز محله چیست؟",
        options=["کتابخانه", "فضای ورزشی", "پارک کودک"],
    )
    multiple = services.question_save(
        actor=actor,
        survey=survey,
        kind=QuestionKind.MULTIPLE,
        text="در کدام برنامه‌ها شرکت می‌کنید؟",
        options=["کلاس هنر", "ورزش صبحگاهی", "جشن محله", "کارگاه مهارت"],
        max_picks=2,
    )
    rating = services.question_save(
        actor=actor, survey=survey, kind=QuestionKind.RATING, text="رضایت از محله"
    )
    text = services.question_save(
        actor=actor, survey=survey, kind=QuestionKind.TEXT, text="پیشنهاد دیگر", required=False
    )
    return SurveyWorld(world, survey, single, multiple, rating, text)


@pytest.fixture
def sw(council_world: Any) -> SurveyWorld:
    """A draft survey of n1 by district 1's officer."""
    return build_survey(council_world, council_world.people["district_officer"])


@pytest.fixture
def opened(sw: SurveyWorld) -> SurveyWorld:
    services.survey_open(actor=sw.officer, survey=sw.survey)
    sw.survey.refresh_from_db()
    return sw
