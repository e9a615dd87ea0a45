"""The two wire formats of GeoReport v2. XML is the reference; JSON mirrors it (a list element
becomes an array, an empty element null). Both UTF-8."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

JSON, XML = "json", "xml"
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}

# The element name of the items of each list, as in the specification's examples.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}

# Characters XML 1.0 cannot hold at all (text is normalized on intake; this is the last guard).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES[element.tag]
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    body = ET.tostring(element, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def respond(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """`root` names the XML root element (services, service_requests, discovery, …); in JSON the
    data is written as it is."""
    content = to_xml(root, data) if fmt == XML else json.dumps(data, ensure_ascii=False).encode()
    response = HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])
    response["Vary"] = "Accept-Language"
    return response


def error_response(fmt: str, status: int, errors: Iterable[tuple[int, str]]) -> HttpResponse:
    """The specification's error body: a list of {code, description}."""
    items = [{"code": code, "description": str(description)} for code, description in errors]
    return respond(fmt, "errors", items, status=status)
