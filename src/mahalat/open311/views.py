"""Open311 GeoReport v2 at /open311/v2/: every resource as .xml (the specification's reference
format) and .json, UTF-8, errors as the specification writes them.

Decisions (the specification leaves them to the implementer):
- jurisdiction_id is the city's slug; it may be left out when the installation serves one city, and
  on POST when the api_key's city is meant.
- POST answers a token, never a service_request_id: a report sent without an account waits for its
  reporter's SMS confirmation. The token is the tracking code; `tokens/{token}` gives the
  service_request_id (the same code) once confirmed, and null until then.
- Status: open = submitted, triaged, in progress, referred, reopened; closed = resolved, closed,
  rejected, duplicate (status_notes says which and why).
- A description holding HTML is refused (400), never silently changed.
- media_url is checked to be an http(s) URL and kept as text for staff; it is never fetched nor
  published. A request's media_url is our own copy of the reporter's first photo, if any.
- email, first_name and last_name are not stored: the mobile number is the contact we use.
- Language: the Accept-Language header (or the site's language cookie), Persian by default.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from mahalat.errors import ThrottledError
from mahalat.open311 import output
from mahalat.open311.errors import Open311Error, bad_request, forbidden
from mahalat.open311.params import arg, posted_request, request_filters, submit_errors
from mahalat.open311.render import JSON, XML, error_response, respond
from mahalat.open311.selectors import (
    discovery_changeset,
    jurisdiction_get,
    request_get,
    requests_list,
    service_get,
    services_list,
    token_get,
)
from mahalat.open311.services import client_application_authenticate, open311_request_submit

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def open311_view(*methods: str) -> Callable[[View], View]:
    """Language from the request, the answer in the format of the suffix, every failure in the
    specification's error format. CSRF does not apply: machine clients send an api_key instead."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            with translation.override(translation.get_language_from_request(request)):
                if request.method not in allowed:
                    response = error_response(
                        fmt,
                        405,
                        [
                            (
                                405,
                                _("This resource answers only %(methods)s.")
                                % {"methods": ", ".join(methods)},
                            )
                        ],
                    )
                    response["Allow"] = ", ".join(sorted(allowed))
                    return response
                try:
                    response = view(request, fmt, *args, **kwargs)
                except Open311Error as exc:
                    response = error_response(fmt, exc.status, exc.errors)
                except ThrottledError as exc:
                    response = error_response(fmt, 429, [(429, exc.message)])
                    response["Retry-After"] = str(exc.retry_after)
                except Exception:
                    logger.exception("Unhandled Open311 error")
                    message = _("Something went wrong on our side. Please try again later.")
                    response = error_response(fmt, 500, [(500, message)])
                response["Content-Language"] = translation.get_language()
                return response

        return wrapper

    return decorate


def _jurisdiction(data: QueryDict) -> Any:
    return jurisdiction_get(jurisdiction_id=arg(data, "jurisdiction_id"))


@open311_view("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changeset = discovery_changeset()
    here = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    return respond(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": _(
                "The municipality's Neighborhood Social Councils system (Mahalat); write to the system "
                "administrator of your city."
            ),
            "key_service": _(
                "An api_key is issued by the system administrator of the city, who registers your client "
                "application. Reading needs no key; posting requests does."
            ),
            "endpoints": [
                {
                    "specification": output.SPECIFICATION,
                    "url": here.rsplit("/", 1)[0],
                    "changeset": changeset,
                    "type": "test" if settings.DEBUG else "production",
                    "formats": output.FORMATS,
                }
            ],
        },
    )


@open311_view("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    city = _jurisdiction(request.GET)
    return respond(fmt, "services", [output.service_out(c) for c in services_list(city=city)])


@open311_view("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    category = service_get(city=_jurisdiction(request.GET), service_code=service_code)
    return respond(fmt, "service_definition", output.definition_out(category))


def _form(request: HttpRequest) -> QueryDict:
    """The POST form; an argument some clients put in the query string instead is read from there."""
    data = QueryDict(mutable=True)
    for source in (request.GET, request.POST):
        for key in source:
            data.setlist(key, source.getlist(key))
    return data


def _submit(request: HttpRequest, fmt: str) -> HttpResponse:
    data = _form(request)
    key = arg(data, "api_key")
    if not key:
        raise forbidden(_("api_key: missing. Posting requests needs the api_key of a client application."))
    client = client_application_authenticate(key=key)
    if client is None:
        raise forbidden(
            _("api_key: not valid (unknown, replaced, or its client application is switched off).")
        )
    if arg(data, "jurisdiction_id"):
        city = _jurisdiction(data)
        if city.pk != client.city_id:
            raise forbidden(
                _("api_key: not valid for the jurisdiction “%(id)s”.") % {"id": arg(data, "jurisdiction_id")}
            )
    else:
        city = client.city
    code = arg(data, "service_code")
    category = service_get(city=city, service_code=code) if code else None
    posted = posted_request(data, category=category)
    try:
        report = open311_request_submit(
            client=client,
            city=city,
            service_code=posted.service_code,
            lat=posted.lat,
            lng=posted.lng,
            description=posted.description,
            phone=posted.phone,
            address=posted.address,
            answers=posted.answers,
            device_id=posted.device_id,
            account_id=posted.account_id,
            media_url=posted.media_url,
        )
    except ValidationError as exc:
        raise bad_request(submit_errors(exc)) from exc
    return respond(fmt, "service_requests", [output.submitted_out(report)])


@open311_view("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, fmt)
    city = _jurisdiction(request.GET)
    filters = request_filters(request.GET, now=timezone.now())
    reports = requests_list(city=city, filters=filters)
    absolute = request.build_absolute_uri
    return respond(
        fmt, "service_requests", [output.request_out(r, city=city, absolute_url=absolute) for r in reports]
    )


@open311_view("GET")
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    city = _jurisdiction(request.GET)
    report = request_get(city=city, service_request_id=service_request_id)
    absolute = request.build_absolute_uri
    return respond(fmt, "service_requests", [output.request_out(report, city=city, absolute_url=absolute)])


@open311_view("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    city = _jurisdiction(request.GET)
    token, service_request_id = token_get(city=city, token=token)
    return respond(fmt, "service_requests", [{"service_request_id": service_request_id, "token": token}])


@csrf_exempt
def unknown(request: HttpRequest, path: str) -> HttpResponse:
    fmt = XML if path.endswith(".xml") else JSON
    with translation.override(translation.get_language_from_request(request)):
        return error_response(
            fmt,
            404,
            [(404, _("There is no such resource here; the resources are listed in discovery.xml."))],
        )
