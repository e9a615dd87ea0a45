"""What each GeoReport resource says, as plain data (render.py writes it as JSON or XML).

Only public facts: never the reporter's name, phone or email.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mahalat.open311.selectors import UNCATEGORIZED, status_of
from mahalat.persian.text import localized_name
from mahalat.reports.models import Category, HandlerKind, Report, ReportState
from mahalat.territory.models import City

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ["text/xml", "application/json"]

# Every service answers with a token (the report waits for its reporter's SMS confirmation before it
# has a public id): that is what GeoReport calls a "batch" service.
SERVICE_TYPE = "batch"

_KEYWORD_SPLIT = re.compile(r"[\s,،]+")


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with the offset, in the city's time zone (Asia/Tehran: +03:30)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _english() -> bool:
    return (get_language() or "fa").startswith("en")


def service_out(category: Category) -> dict[str, Any]:
    keywords = [k for k in _KEYWORD_SPLIT.split(category.keywords or "") if k]
    return {
        "service_code": category.slug,
        "service_name": category.display_name,
        "description": category.description or None,
        "metadata": bool(category.questions),
        "type": SERVICE_TYPE,
        "keywords": ", ".join(keywords) or None,
        "group": category.parent.display_name if category.parent_id else None,
    }


_DATATYPE_DESCRIPTIONS: dict[str, Callable[[], str]] = {
    "number": lambda: _("A number, in Latin or Persian digits."),
    "datetime": lambda: _("An ISO 8601 date and time with its offset, like 2025-03-21T10:30:00+03:30."),
    "singlevaluelist": lambda: _("One of the keys of the values."),
    "multivaluelist": lambda: _("One or more of the keys of the values, as attribute[CODE][]."),
}


def definition_out(category: Category) -> dict[str, Any]:
    attributes = []
    questions = [q for q in category.questions if isinstance(q, dict)]
    for order, question in enumerate(questions, start=1):
        datatype = question.get("datatype", "string")
        describe = _DATATYPE_DESCRIPTIONS.get(datatype)
        values = question.get("values") if datatype.endswith("valuelist") else None
        attributes.append(
            {
                "variable": True,
                "code": question.get("code"),
                "datatype": datatype,
                "required": bool(question.get("required")),
                "datatype_description": describe() if describe else None,
                "order": order,
                "description": localized_name(
                    name=str(question.get("label", "")), name_en=str(question.get("label_en", ""))
                ),
                "values": [
                    {
                        "key": str(v.get("key")),
                        "name": localized_name(
                            name=str(v.get("name", "")), name_en=str(v.get("name_en", ""))
                        ),
                    }
                    for v in values or []
                    if isinstance(v, dict)
                ],
            }
        )
    return {"service_code": category.slug, "attributes": attributes}


def _status_notes(report: Report) -> str:
    state = report.state
    if state == ReportState.REJECTED and report.rejection_reason:
        return report.rejection_reason
    if state in (ReportState.RESOLVED, ReportState.CLOSED) and report.resolution_note:
        return report.resolution_note
    if state == ReportState.DUPLICATE:
        original = report.duplicate_of
        if original is not None and original.is_public and original.state != ReportState.UNVERIFIED:
            return _("A duplicate of request %(id)s; it is followed there.") % {"id": original.tracking_code}
        return _("A duplicate of an earlier request; it is followed there.")
    if state == ReportState.REFERRED and report.handler_agency is not None:
        return _("Referred to %(agency)s.") % {"agency": report.handler_agency.display_name}
    return str(ReportState(state).label)


def _agency_responsible(report: Report) -> str:
    if report.handler_kind == HandlerKind.AGENCY and report.handler_agency is not None:
        return report.handler_agency.display_name
    if report.handler_kind == HandlerKind.AREA and not report.needs_routing:
        return report.area.display_name
    return report.district.display_name


def _service_notice(report: Report) -> str | None:
    category = report.category
    if category is None:
        return None
    return _(
        "Reviewed within %(triage)s working hours and resolved within %(resolve)s working hours of "
        "the municipality's calendar."
    ) % {"triage": category.triage_hours, "resolve": category.resolve_hours}


def _address(report: Report, city: City) -> str:
    """From the most specific to the most general: the address given, the neighborhood, the city."""
    separator = ", " if _english() else "، "
    parts = [report.address, report.neighborhood.display_name, city.display_name]
    return separator.join(p for p in parts if p)


def request_out(report: Report, *, city: City, absolute_url: Callable[[str], str]) -> dict[str, Any]:
    category = report.category
    photos = getattr(report, "open311_photos", None)
    if photos is None:
        photos = list(report.photos.filter(is_resolution=False).order_by("position", "id")[:1])
    return {
        "service_request_id": report.tracking_code,
        "status": status_of(report.state),
        "status_notes": _status_notes(report),
        "service_name": category.display_name if category else _("Not placed in a category yet"),
        "service_code": category.slug if category else UNCATEGORIZED,
        "description": report.description,
        "agency_responsible": _agency_responsible(report),
        "service_notice": _service_notice(report),
        "requested_datetime": iso(report.submitted_at),
        "updated_datetime": iso(report.state_changed_at),
        "expected_datetime": iso(report.resolve_due_at),
        "address": _address(report, city),
        "address_id": None,
        "zipcode": None,
        "lat": report.lat,
        "long": report.lng,
        # Our own copy of the reporter's first photo (re-encoded, stripped of EXIF and GPS on upload).
        "media_url": absolute_url(photos[0].image.url) if photos else None,
    }


def submitted_out(report: Report) -> dict[str, Any]:
    """The answer to POST requests: a token (the tracking code) until the reporter confirms by SMS."""
    return {
        "token": report.tracking_code,
        "service_notice": _(
            "Received with the tracking code %(code)s. It goes to the municipality once the reporter "
            "confirms it with the code sent by SMS to their mobile number; then tokens/%(code)s gives "
            "its service_request_id."
        )
        % {"code": report.tracking_code},
        "account_id": None,
    }
