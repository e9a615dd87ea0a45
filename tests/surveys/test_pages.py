from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mahalat.meetings.models import AgendaItem
from mahalat.persian.jalali import format_jalali_date
from mahalat.surveys import services
from mahalat.surveys.models import Response, Survey, SurveyState
from tests.surveys.conftest import build_survey, resident

pytestmark = pytest.mark.django_db


def _fill(opened, n: int) -> None:
    for i in range(n):
        services.response_submit(
            actor=resident(opened.world),
            survey=opened.survey,
            answers=opened.answers(single=i % 3, picks=(i % 4,), rating=1 + i % 5, text=f"پیشنهاد {i}"),
        )


def test_staff_list_is_bounded(client, django_assert_max_num_queries, council_world) -> None:
    officer = council_world.people["district_officer"]
    for _ in range(5):
        build_survey(council_world, officer)
    client.force_login(officer)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("surveys:staff-list"))
    assert page.status_code == 200
    assert page.content.decode().count(reverse("surveys:staff-detail", args=[Survey.objects.first().pk])) == 1


def test_staff_list_refuses_plain_citizens(client, council_world) -> None:
    client.force_login(council_world.people["citizen"])
    assert client.get(reverse("surveys:staff-list")).status_code == 403


def test_builder_creates_adds_and_opens(client, council_world) -> None:
    officer = council_world.people["district_officer"]
    client.force_login(officer)
    today = timezone.localdate()
    page = client.post(
        reverse("surveys:staff-create"),
        {
            "neighborhood": council_world.n1.slug,
            "title": "نیازسنجی ورزشی",
            "introduction": "",
            "opens_on": format_jalali_date(today, digits="ascii"),
            "closes_on": format_jalali_date(today + timedelta(days=10), digits="persian"),
            "residents_only": "on",
        },
    )
    survey = Survey.objects.get(title="نیازسنجی ورزشی")
    assert page.status_code == 302
    detail = reverse("surveys:staff-detail", args=[survey.pk])
    page = client.post(
        detail,
        {
            "new-kind": "single",
            "new-text": "کدام ورزش؟",
            "new-required": "on",
            "new-options": "فوتبال\nوالیبال",
        },
    )
    assert page.status_code == 302 and survey.questions.get().options.count() == 2
    page = client.post(detail, {"new-kind": "single", "new-text": "بد", "new-options": "تنها"})
    assert page.status_code == 200 and survey.questions.count() == 1  # the service's error shown
    client.post(reverse("surveys:staff-transition", args=[survey.pk, "open"]))
    survey.refresh_from_db()
    assert survey.state == SurveyState.OPEN


def test_council_member_cannot_build(client, sw) -> None:
    client.force_login(sw.world.chair)
    detail = reverse("surveys:staff-detail", args=[sw.survey.pk])
    assert client.get(detail).status_code == 200  # reads it
    assert client.post(detail, {"new-kind": "rating", "new-text": "؟"}).status_code == 403
    assert client.post(reverse("surveys:staff-transition", args=[sw.survey.pk, "open"])).status_code == 403
    sw.survey.refresh_from_db()
    assert sw.survey.state == SurveyState.DRAFT


def test_resident_answers_through_the_page_once(client, opened) -> None:
    person = resident(opened.world)
    client.force_login(person)
    url = reverse("surveys:answer", args=[opened.survey.pk])
    page = client.get(url)
    assert page.status_code == 200 and "کتابخانه" in page.content.decode()
    data = {
        f"q{opened.single.pk}": opened.option(opened.single, 1),
        f"q{opened.multiple.pk}": [opened.option(opened.multiple, 0)],
        f"q{opened.rating.pk}": "5",
        f"q{opened.text.pk}": "",
    }
    page = client.post(url, data)
    assert page.status_code == 302 and page.url == reverse("surveys:thanks", args=[opened.survey.pk])
    thanks = client.get(page.url)
    assert thanks.status_code == 200 and "فضای ورزشی" in thanks.content.decode()
    again = client.post(url, {**data, f"q{opened.single.pk}": opened.option(opened.single, 0)})
    assert again.status_code == 302
    assert Response.objects.count() == 1


def test_too_many_picks_through_the_page_writes_nothing(client, opened) -> None:
    client.force_login(resident(opened.world))
    page = client.post(
        reverse("surveys:answer", args=[opened.survey.pk]),
        {
            f"q{opened.single.pk}": opened.option(opened.single, 0),
            f"q{opened.multiple.pk}": [opened.option(opened.multiple, n) for n in (0, 1, 2)],
            f"q{opened.rating.pk}": "3",
        },
    )
    assert page.status_code == 400 and not Response.objects.exists()


def test_outsider_sees_why_and_cannot_answer(client, opened) -> None:
    client.force_login(opened.world.people["citizen"])
    page = client.get(reverse("surveys:answer", args=[opened.survey.pk]))
    assert page.status_code == 200 and "btn-lg w-100" not in page.content.decode()


def test_draft_is_hidden_from_the_public(client, sw) -> None:
    assert client.get(reverse("surveys:answer", args=[sw.survey.pk])).status_code == 404


def test_results_private_while_open_public_once_closed(client, opened, django_assert_max_num_queries) -> None:
    _fill(opened, 9)
    url = reverse("surveys:results", args=[opened.survey.pk])
    client.force_login(resident(opened.world))
    assert client.get(url).status_code == 403
    client.force_login(opened.world.chair)  # the neighborhood's council reads them while open
    assert client.get(url).status_code == 200
    services.survey_close(actor=opened.officer, survey=opened.survey)
    client.logout()
    with django_assert_max_num_queries(10):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    charts = json.loads(html.split('id="survey-charts" type="application/json">')[1].split("</script>")[0])
    assert charts[0]["counts"] == [3, 3, 3]
    assert "۳۳٫۳" in html or "۳۳.۳" in html  # percentages in Persian digits in the table
    assert "<script>" not in html.replace("<script src=", "")  # no inline script besides json_script data
    assert "پیشنهاد 1" not in html  # free texts are not public
    assert reverse("surveys:propose", args=[opened.survey.pk]) not in html


def test_staff_see_free_text_without_names(client, opened) -> None:
    person = resident(opened.world)
    person.full_name = "نام‌پنهان"
    person.save()
    services.response_submit(actor=person, survey=opened.survey, answers=opened.answers(text="فقط متن"))
    client.force_login(opened.world.people["deputy"])
    html = client.get(reverse("surveys:results", args=[opened.survey.pk])).content.decode()
    assert "فقط متن" in html and "نام‌پنهان" not in html and person.phone_local not in html


def test_district_staff_propose_from_results(client, opened) -> None:
    _fill(opened, 3)
    services.survey_close(actor=opened.officer, survey=opened.survey)
    client.force_login(opened.officer)
    url = reverse("surveys:results", args=[opened.survey.pk])
    html = client.get(url).content.decode()
    assert reverse("surveys:propose", args=[opened.survey.pk]) in html
    option = opened.single.options.get(text="کتابخانه")
    page = client.post(reverse("surveys:propose", args=[opened.survey.pk]), {"option": option.pk})
    assert page.status_code == 302
    assert AgendaItem.objects.filter(council=opened.world.council, title__contains="کتابخانه").count() == 1


def test_deputy_gets_no_propose_button(client, opened) -> None:
    _fill(opened, 2)
    services.survey_close(actor=opened.officer, survey=opened.survey)
    client.force_login(opened.world.people["deputy"])
    html = client.get(reverse("surveys:results", args=[opened.survey.pk])).content.decode()
    assert reverse("surveys:propose", args=[opened.survey.pk]) not in html
    option = opened.single.options.first()
    client.post(reverse("surveys:propose", args=[opened.survey.pk]), {"option": option.pk})
    assert not AgendaItem.objects.filter(title__contains=option.text).exists()


def test_neighborhood_page_lists_open_surveys(client, opened, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(8):
        page = client.get(reverse("surveys:neighborhood", args=[opened.world.n1.slug]))
    assert opened.survey.title in page.content.decode()
