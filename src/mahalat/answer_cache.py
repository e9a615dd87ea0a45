"""Answers kept for visitors who are not signed in, and dropped as soon as what they show changes.

A public page (a neighborhood's home, a report's page) and the public lists of the API and Open311 are
the same for every visitor who is not signed in, in one language. Rendering them costs tens of
milliseconds at city scale; reading them back from the cache costs one. Each answer is stored under a
key that holds the *generations* of the places it shows:

- every change the product makes records an audit event (`audit.services.event_record`); when its
  transaction commits, the event moves on the generation of the most specific place it names (its
  neighborhood, else its district's own, else its city's own) and the generation of everything;
- a page reads the generations of the places it depends on before it reads any data, so an answer
  rendered from data older than a change is stored under the old generations and never served again;
- what changes without an event (the nightly indicator refresh, the passing of time in "next meeting")
  is covered by a short lifetime, `ANSWER_CACHE_SECONDS`.

Only GET requests without a session, a bearer token or a pending message are answered from the cache;
an answer that set a cookie (a CSRF token, say) or is not a 200 is never stored.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

GENERATION_SECONDS = 7 * 24 * 3600  # longer than any answer lives
EVERYTHING = "gen:all"
# Headers the cache keeps with an answer; the middleware around it adds the rest on every response.
_SKIPPED_HEADERS = {"set-cookie", "date", "content-length"}


def _neighborhood_key(neighborhood_id: int) -> str:
    return f"gen:n:{neighborhood_id}"


def _district_key(district_id: int) -> str:
    return f"gen:d:{district_id}"


def _city_key(city_id: int) -> str:
    return f"gen:c:{city_id}"


def place_changed(*, city_id: int | None, district_id: int | None, neighborhood_id: int | None) -> None:
    """Something in this place changed: move its generation and everything's, once the transaction
    commits (a reader that starts before then still sees the old data, under the old generations)."""
    if not settings.ANSWER_CACHE_SECONDS:
        return
    keys = [EVERYTHING]
    if neighborhood_id is not None:
        keys.append(_neighborhood_key(neighborhood_id))
    elif district_id is not None:
        keys.append(_district_key(district_id))
    elif city_id is not None:
        keys.append(_city_key(city_id))
    token = time.time_ns()
    transaction.on_commit(lambda: cache.set_many(dict.fromkeys(keys, token), GENERATION_SECONDS))


def _neighborhood_places(slug: str) -> list[str] | None:
    """A neighborhood's page shows its own rows and its district's and city's own (news, programs)."""
    from mahalat.territory.models import Neighborhood

    row = Neighborhood.objects.filter(slug=slug).values_list("pk", "district_id", "city_id").first()
    if row is None:
        return None
    pk, district_id, city_id = row
    return [_neighborhood_key(pk), _district_key(district_id), _city_key(city_id)]


def _report_places(tracking_code: str) -> list[str] | None:
    """A report's page changes with the events of its neighborhood (its own, its comments, referrals)."""
    from mahalat.reports.models import Report

    row = (
        Report.objects.filter(tracking_code=tracking_code)
        .values_list("neighborhood_id", "district_id", "city_id")
        .first()
    )
    if row is None:
        return None
    neighborhood_id, district_id, city_id = row
    if neighborhood_id is not None:
        return [_neighborhood_key(neighborhood_id)]
    return [_district_key(district_id)] if district_id is not None else [_city_key(city_id)]


def _report_list_places(request: HttpRequest) -> list[str] | None:
    slug = request.GET.get("neighborhood")
    if slug and len(request.GET.getlist("neighborhood")) == 1:
        return _neighborhood_places(slug)
    return [EVERYTHING]


Rule = Callable[[HttpRequest, dict[str, Any]], list[str] | None]
RULES: dict[str, Rule] = {
    # The pages take no query: one with a query (a tracking parameter, anything) is rendered, not kept,
    # so that made-up queries cannot fill the cache with copies of a page.
    "portal:neighborhood": lambda request, kwargs: (
        None if request.GET else _neighborhood_places(kwargs["slug"])
    ),
    "portal:report": lambda request, kwargs: None if request.GET else _report_places(kwargs["tracking_code"]),
    "api-v1:create_report": lambda request, kwargs: _report_list_places(request),  # GET is the list
    "open311:requests": lambda request, kwargs: [EVERYTHING],
    "open311:request": lambda request, kwargs: _report_places(kwargs["service_request_id"]),
}


def is_visitor(request: HttpRequest) -> bool:
    """A GET by someone the answer cannot depend on: no session, no token, no message waiting."""
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def answer_key(request: HttpRequest, places: list[str]) -> str:
    generations = cache.get_many(places)
    stamp = ",".join(str(generations.get(place, 0)) for place in places)
    # The page's language, and the one a machine client asked for (the API and Open311 answer in it).
    languages = f"{translation.get_language()}/{translation.get_language_from_request(request)}"
    raw = f"{request.resolver_match.view_name}|{languages}|{request.get_full_path()}|{stamp}"
    return "answer:" + hashlib.sha256(raw.encode()).hexdigest()


class VisitorAnswerCacheMiddleware:
    """Serves a stored answer to a visitor, and stores a fresh one (see the module's text)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = getattr(request, "_answer_key", None)
        if key is not None and self._storable(response):
            headers = [(k, v) for k, v in response.items() if k.lower() not in _SKIPPED_HEADERS]
            cache.set(key, (response.content, headers), settings.ANSWER_CACHE_SECONDS)
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        if not settings.ANSWER_CACHE_SECONDS or request.resolver_match is None or not is_visitor(request):
            return None
        rule = RULES.get(request.resolver_match.view_name)
        places = rule(request, kwargs) if rule is not None else None
        if places is None:
            return None
        key = answer_key(request, places)
        stored = cache.get(key)
        if stored is None:
            request._answer_key = key  # type: ignore[attr-defined]
            return None
        content, headers = stored
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        # The session middleware adds this when a page looks at the visitor; a stored answer did.
        patch_vary_headers(response, ("Cookie",))
        return response

    @staticmethod
    def _storable(response: HttpResponse) -> bool:
        return response.status_code == 200 and not response.streaming and not response.cookies
