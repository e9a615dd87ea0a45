"""The demo needs assessments on the demo city (without the councils demo: the citizen is made a
verified resident of another neighborhood here, as the councils demo would)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from mahalat.accounts.models import User
from mahalat.accounts.phone import normalize_phone
from mahalat.demo.city import CITY_SLUG, COUNCIL_NEIGHBORHOOD_SLUG
from mahalat.demo.services import demo_city_load
from mahalat.demo.surveys_loader import COMPLETED_TITLE, OPEN_TITLE, RESPONSES, load_demo_surveys
from mahalat.elections.models import Residency, ResidencyState
from mahalat.surveys.models import Response, Survey, SurveyState
from mahalat.surveys.selectors import survey_results
from mahalat.surveys.services import may_answer
from mahalat.territory.models import City, Neighborhood

pytestmark = pytest.mark.django_db


def test_demo_surveys_load_once() -> None:
    demo_city_load(progress=False)
    city = City.objects.get(slug=CITY_SLUG)
    citizen = User.objects.get(phone=normalize_phone("09120000001"))
    home = (
        Neighborhood.objects.filter(city=city, district__number=1)
        .exclude(slug=COUNCIL_NEIGHBORHOOD_SLUG)
        .first()
    )
    Residency.objects.create(
        city=city,
        district_id=home.district_id,
        area_id=home.area_id,
        neighborhood=home,
        user=citizen,
        address="کوچه",
        state=ResidencyState.VERIFIED,
        verified_at=timezone.now(),
    )
    now = timezone.now()
    summary = load_demo_surveys(city=city, now=now)
    assert "2" in summary or "۲" in summary

    completed = Survey.objects.get(title=COMPLETED_TITLE)
    assert completed.neighborhood.slug == COUNCIL_NEIGHBORHOOD_SLUG and completed.state == SurveyState.CLOSED
    results = survey_results(survey=completed)
    assert results.responses == RESPONSES
    assert results.questions[0].answered == RESPONSES
    assert sum(row.count for row in results.questions[0].rows) == RESPONSES
    assert results.top_needs()[0].count > 0
    assert not Response.objects.filter(respondent=citizen).exists()

    opened = Survey.objects.get(title=OPEN_TITLE)
    assert opened.neighborhood_id == home.pk and opened.state == SurveyState.OPEN
    assert opened.author_kind == "deputy" and opened.accepts_answers(timezone.now())
    assert may_answer(user=citizen, survey=opened)

    counts = (Survey.objects.count(), Response.objects.count(), User.objects.count())
    load_demo_surveys(city=city, now=now)
    assert (Survey.objects.count(), Response.objects.count(), User.objects.count()) == counts
