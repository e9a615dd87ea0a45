"""Answers kept for visitors: a public page is read back from the cache until something it shows changes
through a service, then rendered afresh; signed-in people, other languages and answers that set a cookie
never share a visitor's answer; a dashboard's content is kept until the next refresh or target change."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from mahalat.answer_cache import VisitorAnswerCacheMiddleware
from mahalat.reports.interactions import report_comment_add
from mahalat.reports.models import Report
from mahalat.reports.services import report_submit
from tests.towns import Town

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def answer_cache(settings: Any) -> None:
    settings.ANSWER_CACHE_SECONDS = 300
    cache.clear()


def _kept_answers() -> list[str]:
    """The answers in the cache, in memory (SQLite runs) or in Redis (PostgreSQL runs)."""
    backend: Any = cache._cache  # type: ignore[attr-defined]
    if isinstance(backend, dict):
        return [key for key in backend if "answer:" in key]
    return [key.decode() for key in backend.get_client().scan_iter(match="*answer:*")]


def _submit(town: Town, point: tuple[float, float], text: str, run_on_commit: Any) -> Report:
    with run_on_commit(execute=True):
        return report_submit(
            actor=town.people["citizen"],
            city=town.city,
            description=text,
            lat=point[0],
            lng=point[1],
            category_slug="lighting",
        )


def _get(client: Client, url: str, max_queries: int | None = None, assert_max: Any = None) -> str:
    if max_queries is not None:
        with assert_max(max_queries):
            response = client.get(url)
    else:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_neighborhood_page_is_kept_until_a_report_is_filed_in_it(
    town: Town, django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    first = _submit(town, town.P1, "چراغ کوچه خاموش است", django_capture_on_commit_callbacks)
    url = reverse("portal:neighborhood", args=[town.n1.slug])
    rendered = _get(Client(), url)
    assert first.tracking_code in rendered
    # Kept: one query finds the neighborhood's generations, nothing else is read.
    assert _get(Client(), url, 1, django_assert_max_num_queries) == rendered

    # A report filed in another district does not touch this page.
    _submit(town, town.P2, "چراغ خیابان خاموش است", django_capture_on_commit_callbacks)
    assert _get(Client(), url, 1, django_assert_max_num_queries) == rendered

    second = _submit(town, town.P1, "تیر چراغ افتاده است", django_capture_on_commit_callbacks)
    fresh = _get(Client(), url)
    assert second.tracking_code in fresh


def test_a_report_page_shows_a_new_comment_at_once(
    town: Town, django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    report = _submit(town, town.P1, "چراغ کوچه خاموش است", django_capture_on_commit_callbacks)
    url = reverse("portal:report", args=[report.tracking_code])
    before = _get(Client(), url)
    assert _get(Client(), url, 1, django_assert_max_num_queries) == before
    with django_capture_on_commit_callbacks(execute=True):
        report_comment_add(actor=town.people["neighbor"], report=report, text="این چراغ یک ماه است خاموش است")
    assert "این چراغ یک ماه است خاموش است" in _get(Client(), url)


def test_signed_in_people_and_other_languages_never_get_a_visitors_answer(
    town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    _submit(town, town.P1, "چراغ کوچه خاموش است", django_capture_on_commit_callbacks)
    url = reverse("portal:neighborhood", args=[town.n1.slug])
    visitor = _get(Client(), url)
    assert 'lang="fa"' in visitor

    signed_in = Client()
    signed_in.force_login(town.people["citizen"])
    page = _get(signed_in, url)
    assert reverse("accounts:logout") in page and reverse("accounts:logout") not in visitor

    english = Client()
    english.cookies["mahalat_language"] = "en"
    assert 'lang="en"' in _get(english, url)
    # And the visitor's answer was not replaced by either.
    assert _get(Client(), url) == visitor


def test_open311_and_api_lists_show_a_new_report(
    town: Town, django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    _submit(town, town.P1, "چراغ کوچه خاموش است", django_capture_on_commit_callbacks)
    open311 = f"/open311/v2/requests.json?jurisdiction_id={town.city.slug}"
    api = f"/api/v1/reports?neighborhood={town.n2.slug}"
    listed, api_listed = _get(Client(), open311), _get(Client(), api)
    assert _get(Client(), open311, 0, django_assert_max_num_queries) == listed
    assert _get(Client(), api, 1, django_assert_max_num_queries) == api_listed

    new = _submit(town, town.P2, "چراغ خیابان خاموش است", django_capture_on_commit_callbacks)
    assert new.tracking_code in _get(Client(), open311)
    assert new.tracking_code in _get(Client(), api)


def test_an_answer_that_sets_a_cookie_or_fails_is_not_kept(town: Town) -> None:
    url = reverse("portal:neighborhood", args=[town.n1.slug])
    request = RequestFactory().get(url)
    request.resolver_match = resolve(url)
    request.COOKIES = {}

    def with_cookie(req: Any) -> HttpResponse:
        assert middleware.process_view(req, lambda r: None, (), {"slug": town.n1.slug}) is None
        response = HttpResponse("token inside")
        response.set_cookie("csrftoken", "abc")
        return response

    middleware = VisitorAnswerCacheMiddleware(with_cookie)
    middleware(request)
    assert _kept_answers() == []

    missing = Client().get(reverse("portal:neighborhood", args=["no-such-place"]))
    assert missing.status_code == 404
    assert _kept_answers() == []


def test_a_page_asked_for_with_a_query_is_rendered_not_kept(
    town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    _submit(town, town.P1, "چراغ کوچه خاموش است", django_capture_on_commit_callbacks)
    url = reverse("portal:neighborhood", args=[town.n1.slug])
    for n in range(3):
        _get(Client(), f"{url}?utm_source={n}")
    assert _kept_answers() == []
    _get(Client(), url)
    assert len(_kept_answers()) == 1


def test_the_language_switch_works_without_a_token(town: Town) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["mahalat_language"].value == "en"
    page = _get(client, reverse("portal:neighborhood", args=[town.n1.slug]))
    assert "csrfmiddlewaretoken" not in page
