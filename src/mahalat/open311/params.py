"""Reading the arguments of GeoReport calls: query strings of the GETs, the form of the POST.

"An empty optional argument counts as absent" (the specification): every value is stripped and an
empty one is treated as not sent. Problems are collected, so one answer names all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from mahalat.open311.errors import bad_request
from mahalat.open311.selectors import CLOSED_STATUS, OPEN_STATUS, RequestFilters
from mahalat.persian.digits import to_ascii_digits
from mahalat.reports.models import Category
from mahalat.reports.services import ADDRESS_MAX, DESCRIPTION_MAX

MAX_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_IDS = 1000
MEDIA_URL_MAX = 500
CLIENT_ID_MAX = 100

# A tag (<b>, </p>, <br/>, <script src=…>) or a comment: the specification allows line breaks in a
# description, "but not html or code". A lone < or > (as in "pipe < 5 cm") is plain text.
_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(\s[^<>]*)?/?>|<!--")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def arg(data: QueryDict, name: str) -> str:
    return (data.get(name) or "").strip()


def _comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _datetime(name: str, raw: str, errors: list[str]) -> datetime | None:
    text = to_ascii_digits(raw)
    try:
        value = parse_datetime(text)
        if value is None and (day := parse_date(text)) is not None:
            value = datetime(day.year, day.month, day.day)
    except ValueError:
        value = None
    if value is None:
        errors.append(
            _(
                "%(name)s: “%(value)s” is not an ISO 8601 date and time; write it like "
                "2025-03-21T00:00:00+03:30."
            )
            % {"name": name, "value": raw[:40]}
        )
        return None
    # The specification asks for an offset; a time without one is read in the city's time zone.
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _positive_int(name: str, raw: str, high: int, errors: list[str]) -> int | None:
    try:
        value = int(to_ascii_digits(raw))
    except ValueError:
        value = 0
    if not 1 <= value <= high:
        errors.append(_("%(name)s: a whole number from 1 to %(high)s.") % {"name": name, "high": high})
        return None
    return value


def request_filters(data: QueryDict, *, now: datetime) -> RequestFilters:
    """The arguments of GET requests: service_request_id (overrides the rest), service_code,
    start_date, end_date (at most 90 days apart; the last 90 days by default), status, and the
    page/page_size extension (1000 rows at most)."""
    errors: list[str] = []
    page, page_size = 1, MAX_PAGE_SIZE
    if raw := arg(data, "page"):
        page = _positive_int("page", raw, 10**6, errors) or page
    if raw := arg(data, "page_size"):
        page_size = _positive_int("page_size", raw, MAX_PAGE_SIZE, errors) or page_size
    if raw := arg(data, "service_request_id"):
        if errors:
            raise bad_request(errors)
        return RequestFilters(service_request_ids=_comma_list(raw)[:MAX_IDS], page_size=page_size)

    start = _datetime("start_date", raw, errors) if (raw := arg(data, "start_date")) else None
    end = _datetime("end_date", raw, errors) if (raw := arg(data, "end_date")) else None
    statuses = _comma_list(arg(data, "status"))
    for status in statuses:
        if status not in (OPEN_STATUS, CLOSED_STATUS):
            errors.append(_("status: “%(value)s” is neither open nor closed.") % {"value": status[:20]})
    if start is not None and end is not None:
        if end < start:
            errors.append(_("end_date: must not be before start_date."))
        elif end - start > MAX_SPAN:
            errors.append(_("start_date, end_date: may not be more than 90 days apart."))
    if errors:
        raise bad_request(errors)
    if start is None and end is None:
        start = now - MAX_SPAN
    elif start is None:
        assert end is not None
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    return RequestFilters(
        service_codes=_comma_list(arg(data, "service_code")) or None,
        start=start,
        end=end,
        statuses=statuses or None,
        page=page,
        page_size=page_size,
    )


@dataclass
class PostedRequest:
    service_code: str
    lat: str
    lng: str
    address: str
    description: str
    phone: str
    answers: dict[str, Any] = field(default_factory=dict)
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""


def _answers(data: QueryDict, category: Category | None, errors: list[str]) -> dict[str, Any]:
    """attribute[CODE]=value, and attribute[CODE][]=v1&attribute[CODE][]=v2 for a multivaluelist."""
    datatypes = {
        q.get("code"): q.get("datatype", "string")
        for q in (category.questions if category else [])
        if isinstance(q, dict)
    }
    answers: dict[str, Any] = {}
    for key in data:
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        code = match.group(1)
        values = [v.strip() for v in data.getlist(key) if v.strip()]
        if not values:
            continue  # an empty optional argument counts as absent
        if datatypes.get(code) == "multivaluelist":
            answers[code] = [*answers.get(code, []), *values]
        elif len(values) > 1 or code in answers:
            errors.append(_("attribute[%(code)s]: takes one value.") % {"code": code[:40]})
        else:
            answers[code] = values[0]
    return answers


def posted_request(data: QueryDict, *, category: Category | None) -> PostedRequest:
    """The form of POST requests, checked for what this city needs beyond the report's own rules: a
    point (lat and long; an address alone cannot be placed on the map), a mobile number (anonymous
    reports are confirmed by SMS) and a plain-text description."""
    errors: list[str] = []
    if category is None:
        errors.append(_("service_code: required; choose one from services.xml or services.json."))
    lat, lng = arg(data, "lat"), arg(data, "long")
    address = arg(data, "address_string")
    if not lat and not lng:
        if address or arg(data, "address_id"):
            errors.append(
                _(
                    "lat, long: this city places every request at a point on its map; send lat and long "
                    "(WGS84). An address_string or address_id alone cannot be placed."
                )
            )
        else:
            errors.append(_("lat, long: a location is required; send lat and long (WGS84)."))
    elif not lat:
        errors.append(_("lat: required together with long."))
    elif not lng:
        errors.append(_("long: required together with lat."))
    if len(address) > ADDRESS_MAX:
        errors.append(_("address_string: at most %(limit)s characters.") % {"limit": ADDRESS_MAX})

    phone = arg(data, "phone")
    if not phone:
        errors.append(
            _(
                "phone: required here. Reports sent without an account are confirmed by the reporter "
                "with a code sent by SMS to this mobile number."
            )
        )
    description = (data.get("description") or "").strip()
    if not description:
        errors.append(_("description: required here; describe the problem in a few words."))
    elif len(description) > DESCRIPTION_MAX:
        errors.append(_("description: at most %(limit)s characters.") % {"limit": DESCRIPTION_MAX})
    elif _HTML.search(description):
        errors.append(_("description: HTML is not accepted; send plain text (line breaks are fine)."))

    media_url = arg(data, "media_url")
    if media_url:
        try:
            if len(media_url) > MEDIA_URL_MAX:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            errors.append(_("media_url: not a valid http or https URL."))
    answers = _answers(data, category, errors)
    if errors:
        raise bad_request(errors)
    return PostedRequest(
        service_code=category.slug if category else "",
        lat=lat,
        lng=lng,
        address=address,
        description=description,
        phone=phone,
        answers=answers,
        device_id=arg(data, "device_id")[:CLIENT_ID_MAX],
        account_id=arg(data, "account_id")[:CLIENT_ID_MAX],
        media_url=media_url,
    )


# The fields of `report_submit`'s errors, named as the client sent them.
_FIELD_NAMES = {
    "lat": "lat",
    "lng": "long",
    "location": "lat, long",
    "description": "description",
    "phone": "phone",
    "address": "address_string",
    "category": "service_code",
    "kind": "service_code",
    "answers": "attribute",
}


def submit_errors(exc: ValidationError) -> list[str]:
    """A service's ValidationError as descriptions that name the client's fields."""
    if not hasattr(exc, "error_dict"):
        return [str(m) for m in exc.messages]
    descriptions = []
    for name, messages in exc.message_dict.items():
        if name.startswith("answers."):
            shown = f"attribute[{name.removeprefix('answers.')}]"
        else:
            shown = _FIELD_NAMES.get(name, name)
        descriptions.extend(f"{shown}: {message}" for message in messages)
    return descriptions
