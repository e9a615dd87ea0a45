"""Open311 GeoReport v2 at /open311/v2/: conformance with the specification field by field, JSON and
XML saying the same, posting a request through to its SMS confirmation, every error path, privacy,
paging and bounded queries, and the client applications behind the api_keys."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from mahalat.open311.models import ClientApplication, ClientSubmission
from mahalat.open311.services import (
    client_application_authenticate,
    client_application_create,
    client_application_rotate_key,
    client_application_update,
)
from mahalat.reports.models import Category, HandlerKind, Report, ReportPhoto, ReportState
from mahalat.reports.services import report_submit, report_transition, report_verify
from tests.factories import CityFactory, UserFactory

BASE = "/open311/v2"
PHONE = "09125550011"

# The specification's fields, in its order (GeoReport v2, "GET Service Requests" → Response).
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
# W3C date-time with the offset the specification requires.
W3C_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

# XML elements whose children are the items of a list (JSON arrays).
LIST_ELEMENTS = {"services", "service_requests", "attributes", "values", "endpoints", "formats", "errors"}


# --- helpers ------------------------------------------------------------------------------------


def get(path: str, *, lang: str | None = None, **params: Any):
    headers = {"HTTP_ACCEPT_LANGUAGE": lang} if lang else {}
    return Client().get(f"{BASE}/{path}", params, **headers)


def post(fmt: str = "json", *, lang: str | None = None, **form: Any):
    headers = {"HTTP_ACCEPT_LANGUAGE": lang} if lang else {}
    # A machine client: no session, no CSRF token; the api_key is the authentication.
    return Client(enforce_csrf_checks=True).post(
        f"{BASE}/requests.{fmt}",
        urlencode(form, doseq=True),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        **headers,
    )


def xml_of(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def json_of(response) -> Any:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content.decode("utf-8"))


def xml_to_python(element: ET.Element) -> Any:
    """Read XML the way the specification maps it to JSON (an empty element is null)."""
    if element.tag in LIST_ELEMENTS:
        return [xml_to_python(child) for child in element]
    if len(element) == 0:
        return element.text if element.text not in (None, "") else None
    return {child.tag: xml_to_python(child) for child in element}


def as_xml_text(value: Any) -> Any:
    """JSON values as XML would write them, for comparing the two formats."""
    if isinstance(value, dict):
        return {k: as_xml_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_xml_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value == "":
        return None
    return str(value)


def assert_same_in_both_formats(path: str, **params: Any) -> Any:
    as_json = get(f"{path}.json", **params)
    as_xml = get(f"{path}.xml", **params)
    assert as_json.status_code == as_xml.status_code == 200, (as_json.content, as_xml.content)
    data = json_of(as_json)
    assert xml_to_python(xml_of(as_xml)) == as_xml_text(data)
    return data


def errors_of(response, fmt: str = "json") -> list[dict[str, Any]]:
    if fmt == "xml":
        root = xml_of(response)
        assert root.tag == "errors"
        assert all(child.tag == "error" for child in root)
        assert all([e.tag for e in child] == ["code", "description"] for child in root)
        return [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root]
    body = json_of(response)
    assert isinstance(body, list)
    assert body
    for item in body:
        assert set(item) == {"code", "description"}
        assert isinstance(item["code"], int)
        assert isinstance(item["description"], str)
        assert item["description"]
    return body


def sms_code(message_body: str, tracking_code: str) -> str:
    return re.findall(r"\d{6}", message_body.replace(tracking_code, ""))[0]


def citizen_report(town, *, category: str | None = "lighting", point=None, now=None, **extra: Any) -> Report:
    lat, lng = point or town.P1
    return report_submit(
        actor=town.people["citizen"],
        city=town.city,
        description=extra.pop("description", "چراغ کوچه خاموش است"),
        lat=lat,
        lng=lng,
        category_slug=category,
        answers=extra.pop("answers", None),
        now=now,
        **extra,
    )


@pytest.fixture
def app(town) -> tuple[ClientApplication, str]:
    return client_application_create(
        actor=None, city=town.city, name="اپ شهروندی", contact_email="dev@example.com"
    )


@pytest.fixture
def key(app) -> str:
    return app[1]


@pytest.fixture
def grouped(town) -> Category:
    """The town's categories under a group, plus a list question with several answers."""
    group = Category.objects.create(
        city=town.city, slug="urban", name="خدمات شهری", name_en="Urban services", handler_kind="district"
    )
    Category.objects.filter(pk__in=[town.lighting.pk, town.leaks.pk]).update(parent=group)
    Category.objects.filter(pk=town.lighting.pk).update(keywords="چراغ لامپ، تیر برق", description="خاموشی")
    Category.objects.create(
        city=town.city,
        slug="retired",
        name="قدیمی",
        name_en="Retired",
        handler_kind=HandlerKind.AREA,
        is_active=False,
    )
    Category.objects.create(
        city=town.city,
        slug="trees",
        name="فضای سبز",
        name_en="Green space",
        handler_kind=HandlerKind.AREA,
        questions=[
            {
                "code": "kinds",
                "label": "چه درختانی؟",
                "label_en": "Which trees?",
                "datatype": "multivaluelist",
                "required": False,
                "values": [{"key": "pine", "name": "کاج"}, {"key": "plane", "name": "چنار"}],
            },
            {"code": "count", "label": "چند تا؟", "label_en": "How many?", "datatype": "number"},
        ],
    )
    return group


def good_form(key: str, town, **changes: Any) -> dict[str, Any]:
    form = {
        "api_key": key,
        "service_code": "water-leak",
        "lat": town.P1[0],
        "long": town.P1[1],
        "attribute[severity]": "high",
        "description": "لوله آب سر کوچه ترکیده\nآب در خیابان جاری است",
        "phone": PHONE,
        "address_string": "کوچه بهار، پلاک ۱۲",
        "email": "reporter@example.com",
        "first_name": "Sara",
        "last_name": "Karimi",
        "device_id": "device-42",
        "account_id": "acct-7",
        "media_url": "https://photos.example.com/leak.jpg",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


# --- discovery ----------------------------------------------------------------------------------


def test_discovery_in_both_formats(town) -> None:
    data = assert_same_in_both_formats("discovery")
    assert list(data) == ["changeset", "contact", "key_service", "endpoints"]
    assert all(isinstance(data[k], str) and data[k] for k in ("changeset", "contact", "key_service"))
    (endpoint,) = data["endpoints"]
    assert list(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] in {"production", "test"}
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml_of(get("discovery.xml"))
    assert root.tag == "discovery"
    assert [e.tag for e in root.find("endpoints")] == ["endpoint"]
    assert [e.tag for e in root.find("endpoints/endpoint/formats")] == ["format", "format"]


def test_discovery_changeset_moves_when_a_category_changes(town) -> None:
    from mahalat.reports.services import category_save

    before = json_of(get("discovery.json"))["changeset"]
    category_save(
        actor=None,
        city=town.city,
        slug="graffiti",
        name="دیوارنویسی",
        name_en="Graffiti",
        handler_kind="area",
    )
    after = json_of(get("discovery.json"))["changeset"]
    assert after > before
    assert W3C_DATETIME.match(after)


# --- services -----------------------------------------------------------------------------------


def test_services_lists_active_leaf_categories_field_by_field(town, grouped) -> None:
    data = assert_same_in_both_formats("services")
    assert isinstance(data, list)
    for service in data:
        assert list(service) == SERVICE_FIELDS
        assert isinstance(service["service_code"], str)
        assert isinstance(service["service_name"], str)
        assert isinstance(service["metadata"], bool)
        assert service["type"] in {"realtime", "batch", "blackbox"}
        assert service["description"] is None or isinstance(service["description"], str)
        assert service["keywords"] is None or isinstance(service["keywords"], str)
        assert service["group"] is None or isinstance(service["group"], str)
    by_code = {s["service_code"]: s for s in data}
    # The group and the inactive category are not services; the leaves are.
    assert set(by_code) == {"lighting", "water-leak", "trees"}
    lighting = by_code["lighting"]
    assert lighting["service_name"] == "روشنایی معابر"
    assert lighting["metadata"] is False
    assert lighting["group"] == "خدمات شهری"
    assert lighting["keywords"] == "چراغ, لامپ, تیر, برق"
    assert lighting["description"] == "خاموشی"
    # A report waits for its reporter's SMS before it has an id: GeoReport's "batch" (a token).
    assert lighting["type"] == "batch"
    assert by_code["water-leak"]["metadata"] is True
    assert by_code["trees"]["group"] is None

    root = xml_of(get("services.xml"))
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}
    assert [e.tag for e in root[0]] == SERVICE_FIELDS


def test_services_follow_accept_language(town, grouped) -> None:
    english = {s["service_code"]: s for s in json_of(get("services.json", lang="en"))}
    assert english["lighting"]["service_name"] == "Street lighting"
    assert english["lighting"]["group"] == "Urban services"
    persian = {s["service_code"]: s for s in json_of(get("services.json", lang="fa"))}
    assert persian["lighting"]["service_name"] == "روشنایی معابر"
    response = get("services.json", lang="en")
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]
    # Error descriptions too: Persian unless the client asks for English.
    assert get("services/nope.json")["Content-Language"] == "fa"
    english_error = errors_of(get("services/nope.json", lang="en"))[0]["description"]
    assert english_error.startswith("service_code: there is no service")


def test_service_definition_field_by_field(town, grouped) -> None:
    data = assert_same_in_both_formats("services/water-leak")
    assert list(data) == ["service_code", "attributes"]
    assert data["service_code"] == "water-leak"
    (severity,) = data["attributes"]
    assert list(severity) == ATTRIBUTE_FIELDS
    assert severity["variable"] is True
    assert severity["code"] == "severity"
    assert severity["datatype"] == "singlevaluelist"
    assert severity["required"] is True
    assert severity["order"] == 1
    assert severity["description"] == "شدت"
    assert severity["values"] == [{"key": "low", "name": "کم"}, {"key": "high", "name": "زیاد"}]

    trees = json_of(get("services/trees.json", lang="en"))
    kinds, count = trees["attributes"]
    assert kinds["datatype"] == "multivaluelist"
    assert kinds["required"] is False
    assert kinds["description"] == "Which trees?"
    assert (kinds["order"], count["order"]) == (1, 2)
    assert count["values"] == []
    assert isinstance(count["datatype_description"], str)
    for attribute in trees["attributes"]:
        assert attribute["datatype"] in DATATYPES

    root = xml_of(get("services/water-leak.xml"))
    assert root.tag == "service_definition"
    assert [e.tag for e in root] == ["service_code", "attributes"]
    attribute = root.find("attributes/attribute")
    assert [e.tag for e in attribute] == ATTRIBUTE_FIELDS
    assert [v.tag for v in attribute.find("values")] == ["value", "value"]
    assert [e.tag for e in attribute.find("values/value")] == ["key", "name"]

    # A category without questions has an empty definition.
    assert json_of(get("services/lighting.json")) == {"service_code": "lighting", "attributes": []}


@pytest.mark.parametrize("code", ["nope", "urban", "retired"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_404(town, grouped, code, fmt) -> None:
    response = get(f"services/{code}.{fmt}", lang="en")
    assert response.status_code == 404
    (error,) = errors_of(response, fmt)
    assert error["code"] == 404
    assert "service_code" in error["description"]


# --- jurisdictions ------------------------------------------------------------------------------


def test_jurisdiction_is_optional_with_one_city_and_checked_always(town) -> None:
    assert get("services.json").status_code == 200
    assert get("services.json", jurisdiction_id="town").status_code == 200
    assert get("services.json", jurisdiction_id="").status_code == 200  # empty counts as absent
    for path in ("services.json", "requests.json", "services/lighting.json", "tokens/1234567897.json"):
        response = get(path, lang="en", jurisdiction_id="atlantis")
        assert response.status_code == 404, path
        assert "jurisdiction_id" in errors_of(response)[0]["description"]


def test_jurisdiction_is_required_when_several_cities_are_served(town) -> None:
    CityFactory(slug="other-town")
    response = get("services.json", lang="en")
    assert response.status_code == 400
    description = errors_of(response)[0]["description"]
    assert "jurisdiction_id" in description
    assert "other-town" in description
    assert get("services.json", jurisdiction_id="town").status_code == 200
    assert json_of(get("services.json", jurisdiction_id="other-town")) == []


# --- POST requests ------------------------------------------------------------------------------


def test_post_then_confirm_then_token_resolves(
    town, app, key, sms_outbox, django_capture_on_commit_callbacks
) -> None:
    client_app, _key = app
    with django_capture_on_commit_callbacks(execute=True):
        response = post(**good_form(key, town))
    assert response.status_code == 200, response.content
    (answer,) = json_of(response)
    assert list(answer) == ["token", "service_notice", "account_id"]
    assert "service_request_id" not in answer  # "should not be returned if token is returned"
    token = answer["token"]
    assert isinstance(token, str)
    assert token in answer["service_notice"]
    assert answer["account_id"] is None

    report = Report.objects.get(tracking_code=token)
    assert report.state == ReportState.UNVERIFIED
    assert report.reporter is None
    assert report.reporter_phone == "+989125550011"
    assert report.category == town.leaks
    assert report.answers == {"severity": "high"}
    assert report.address == "کوچه بهار، پلاک ۱۲"
    assert report.description == "لوله آب سر کوچه ترکیده\nآب در خیابان جاری است"
    submission = ClientSubmission.objects.get(report=report)
    assert submission.client == client_app
    assert (submission.device_id, submission.account_id) == ("device-42", "acct-7")
    assert submission.media_url == "https://photos.example.com/leak.jpg"  # kept as text, never fetched
    client_app.refresh_from_db()
    assert client_app.last_used_at is not None

    # Before the SMS confirmation: the token is known, the request is not public yet.
    assert json_of(get(f"tokens/{token}.json")) == [{"service_request_id": None, "token": token}]
    root = xml_of(get(f"tokens/{token}.xml"))
    assert root.tag == "service_requests"
    assert [e.tag for e in root[0]] == ["service_request_id", "token"]
    assert root.findtext("request/service_request_id") == ""
    assert get(f"requests/{token}.json").status_code == 404
    assert token not in get("requests.json").content.decode()

    (sms,) = sms_outbox
    assert sms.to == "+989125550011"
    report_verify(tracking_code=token, code=sms_code(sms.body, token))

    assert json_of(get(f"tokens/{token}.json")) == [{"service_request_id": token, "token": token}]
    assert xml_of(get(f"tokens/{token}.xml")).findtext("request/service_request_id") == token
    (request,) = json_of(get(f"requests/{token}.json"))
    assert request["service_request_id"] == token
    assert request["status"] == "open"
    assert request["service_code"] == "water-leak"
    # Who reported it never leaves the staff side, nor anything the client sent about them.
    text = get("requests.json").content.decode() + get("requests.xml").content.decode()
    for private in (
        "5550011",
        "reporter@example.com",
        "Sara",
        "Karimi",
        "device-42",
        "acct-7",
        "photos.example",
    ):
        assert private not in text


def test_post_answers_in_xml(town, key) -> None:
    response = post("xml", **good_form(key, town))
    assert response.status_code == 200, response.content
    root = xml_of(response)
    assert root.tag == "service_requests"
    assert [e.tag for e in root] == ["request"]
    assert [e.tag for e in root[0]] == ["token", "service_notice", "account_id"]
    assert Report.objects.filter(tracking_code=root.findtext("request/token")).exists()
    assert root.findtext("request/account_id") == ""


def test_post_reads_multivalue_attributes_and_arguments_in_the_query_string(town, grouped, key) -> None:
    form = good_form(key, town, service_code="trees", **{"attribute[severity]": None})
    form["attribute[kinds][]"] = ["pine", "plane"]
    form["attribute[count]"] = "۳"
    api_key = form.pop("api_key")
    response = Client().post(
        f"{BASE}/requests.json?api_key={api_key}",
        urlencode(form, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.content
    report = Report.objects.get(tracking_code=json_of(response)[0]["token"])
    assert report.answers == {"kinds": ["pine", "plane"], "count": "۳"}


def test_plain_text_with_angle_brackets_is_not_html(town, key) -> None:
    response = post(**good_form(key, town, description="قطر لوله < 5 سانتی‌متر و فشار > زیاد"))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("changes", "status", "names"),
    [
        ({"api_key": None}, 403, ["api_key"]),
        ({"api_key": "not-a-real-key-at-all"}, 403, ["api_key"]),
        ({"api_key": ""}, 403, ["api_key"]),
        ({"service_code": "nope"}, 404, ["service_code"]),
        ({"service_code": "urban"}, 404, ["service_code"]),
        ({"jurisdiction_id": "atlantis"}, 404, ["jurisdiction_id"]),
        ({"service_code": None}, 400, ["service_code"]),
        ({"lat": None, "long": None, "address_string": None}, 400, ["lat, long"]),
        ({"lat": None, "long": None}, 400, ["lat, long", "address_string"]),
        ({"lat": None, "long": None, "address_string": None, "address_id": "545483"}, 400, ["address_id"]),
        ({"long": None}, 400, ["long:"]),
        ({"lat": "north"}, 400, ["lat:"]),
        ({"lat": "91"}, 400, ["lat:"]),
        ({"long": "181"}, 400, ["long:"]),
        ({"lat": "36.0", "long": "52.0"}, 400, ["lat, long"]),  # outside every neighborhood
        ({"description": "x" * 4001}, 400, ["description"]),
        ({"description": None}, 400, ["description"]),
        ({"description": "لوله <b>ترکیده</b>"}, 400, ["description", "HTML"]),
        ({"description": "<script>alert(1)</script>"}, 400, ["description", "HTML"]),
        ({"phone": None}, 400, ["phone", "SMS"]),
        ({"phone": "12345"}, 400, ["phone:"]),
        ({"attribute[severity]": None}, 400, ["attribute[severity]"]),
        ({"attribute[severity]": "catastrophic"}, 400, ["attribute[severity]"]),
        ({"attribute[colour]": "red"}, 400, ["attribute[colour]"]),
        ({"media_url": "javascript:alert(1)"}, 400, ["media_url"]),
        ({"address_string": "خ" * 301}, 400, ["address_string"]),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors(town, grouped, key, changes, status, names, fmt) -> None:
    response = post(fmt, lang="en", **good_form(key, town, **changes))
    assert response.status_code == status, response.content
    errors = errors_of(response, fmt)
    assert {e["code"] for e in errors} == {status}
    text = " ".join(e["description"] for e in errors)
    for name in names:
        assert name in text
    assert not Report.objects.exists()
    assert not ClientSubmission.objects.exists()


def test_post_lists_every_missing_argument(town, key) -> None:
    response = post(lang="en", api_key=key)
    assert response.status_code == 400
    errors = errors_of(response)
    assert len(errors) >= 4
    text = " ".join(e["description"] for e in errors)
    for name in ("service_code", "lat, long", "phone", "description"):
        assert name in text


def test_post_refuses_a_switched_off_client_and_another_citys_key(town, app, key) -> None:
    other_city = CityFactory(slug="elsewhere")
    _other, other_key = client_application_create(
        actor=None, city=other_city, name="Other", contact_email="o@example.com"
    )
    response = post(lang="en", **good_form(other_key, town, jurisdiction_id="town"))
    assert response.status_code == 403
    assert "town" in errors_of(response)[0]["description"]
    client_application_update(
        actor=None, client=app[0], name=app[0].name, contact_email=app[0].contact_email, is_active=False
    )
    assert post(**good_form(key, town)).status_code == 403
    assert not Report.objects.exists()


def test_posts_are_throttled_per_client(town, key, settings) -> None:
    settings.OPEN311_POSTS_PER_WINDOW = 2
    phones = ["09125550021", "09125550022", "09125550023"]
    statuses = [post(**good_form(key, town, phone=phone)).status_code for phone in phones]
    assert statuses == [200, 200, 429]
    response = post(**good_form(key, town, phone="09125550024"))
    assert response.status_code == 429
    assert errors_of(response)[0]["code"] == 429
    assert int(response["Retry-After"]) > 0
    assert Report.objects.count() == 2


def test_other_methods_and_unknown_resources(town) -> None:
    response = Client().put(f"{BASE}/services.json")
    assert response.status_code == 405
    assert errors_of(response)[0]["code"] == 405
    assert "GET" in response["Allow"]
    for path, fmt in [("nothing.xml", "xml"), ("services.csv", "json"), ("", "json")]:
        response = get(path)
        assert response.status_code == 404, path
        assert errors_of(response, fmt)[0]["code"] == 404


# --- GET requests -------------------------------------------------------------------------------


def test_requests_field_by_field_in_both_formats(town, grouped) -> None:
    report = citizen_report(town, address="کوچه بهار")
    ReportPhoto.objects.create(report=report, image="reports/2025/01/leak.jpg", position=1)
    ReportPhoto.objects.create(report=report, image="reports/2025/01/fixed.jpg", is_resolution=True)
    data = assert_same_in_both_formats("requests")
    (request,) = data
    assert list(request) == REQUEST_FIELDS
    assert request["service_request_id"] == report.tracking_code
    assert request["status"] == "open"
    assert isinstance(request["status_notes"], str)
    assert request["status_notes"]
    assert request["service_name"] == "روشنایی معابر"
    assert request["service_code"] == "lighting"
    assert request["description"] == "چراغ کوچه خاموش است"
    assert request["agency_responsible"] == town.a11.name  # the area handles street lighting
    assert "8" in request["service_notice"]
    assert "40" in request["service_notice"]
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C_DATETIME.match(request[name]), request[name]
        assert datetime.fromisoformat(request[name]).tzinfo is not None
    assert datetime.fromisoformat(request["requested_datetime"]) == report.submitted_at.replace(microsecond=0)
    assert datetime.fromisoformat(request["expected_datetime"]) == report.resolve_due_at.replace(
        microsecond=0
    )
    assert request["requested_datetime"].endswith("+03:30")  # the city's own time zone
    assert request["address"] == f"کوچه بهار، {town.n1.name}، {town.city.name}"
    assert request["address_id"] is None
    assert request["zipcode"] is None
    assert isinstance(request["lat"], float)
    assert isinstance(request["long"], float)
    assert (request["lat"], request["long"]) == town.P1
    assert request["media_url"] == "http://testserver/media/reports/2025/01/leak.jpg"

    root = xml_of(get("requests.xml"))
    assert root.tag == "service_requests"
    assert [e.tag for e in root] == ["request"]
    assert [e.tag for e in root[0]] == REQUEST_FIELDS
    assert root.findtext("request/address_id") == ""


def test_status_mapping_and_notes(town) -> None:
    officer = town.people["area_officer"]
    open_one = citizen_report(town)
    rejected = citizen_report(town)
    report_transition(actor=officer, report=rejected, to=ReportState.REJECTED, note="خارج از حوزه شهرداری")
    resolved = citizen_report(town)
    for to, note in [
        (ReportState.TRIAGED, ""),
        (ReportState.IN_PROGRESS, ""),
        (ReportState.RESOLVED, "تعمیر شد"),
    ]:
        report_transition(actor=officer, report=resolved, to=to, note=note)
    duplicate = citizen_report(town)
    report_transition(actor=officer, report=duplicate, to=ReportState.DUPLICATE, duplicate_of=open_one)
    leak = citizen_report(town, category="water-leak", answers={"severity": "low"})

    by_id = {r["service_request_id"]: r for r in json_of(get("requests.json", lang="en"))}
    assert by_id[open_one.tracking_code]["status"] == "open"
    assert by_id[open_one.tracking_code]["status_notes"] == "Submitted"
    assert by_id[rejected.tracking_code]["status"] == "closed"
    assert by_id[rejected.tracking_code]["status_notes"] == "خارج از حوزه شهرداری"
    assert by_id[resolved.tracking_code]["status"] == "closed"
    assert by_id[resolved.tracking_code]["status_notes"] == "تعمیر شد"
    assert by_id[duplicate.tracking_code]["status"] == "closed"
    assert open_one.tracking_code in by_id[duplicate.tracking_code]["status_notes"]
    assert by_id[leak.tracking_code]["agency_responsible"] == town.water.name_en

    def ids(**params: Any) -> set[str]:
        return {r["service_request_id"] for r in json_of(get("requests.json", **params))}

    assert ids(status="open") == {open_one.tracking_code, leak.tracking_code}
    assert ids(status="closed") == {rejected.tracking_code, resolved.tracking_code, duplicate.tracking_code}
    assert ids(status="open,closed") == set(by_id)
    assert ids(service_code="water-leak") == {leak.tracking_code}
    assert ids(service_code="water-leak,lighting") == set(by_id)
    # service_request_id overrides every other argument.
    assert ids(service_request_id=f"{leak.tracking_code}, {rejected.tracking_code}", status="open") == {
        leak.tracking_code,
        rejected.tracking_code,
    }


def test_uncategorized_reports_have_a_reserved_code(town) -> None:
    report = citizen_report(town, category=None)
    (request,) = json_of(get("requests.json"))
    assert request["service_code"] == "uncategorized"
    assert request["service_notice"] is None
    assert request["agency_responsible"] == town.d1.name  # the district's triage queue
    assert [r["service_request_id"] for r in json_of(get("requests.json", service_code="uncategorized"))] == [
        report.tracking_code
    ]
    assert json_of(get("requests.json", service_code="lighting")) == []


def test_private_and_unconfirmed_reports_are_never_listed(town, key) -> None:
    Category.objects.filter(pk=town.lighting.pk).update(public_by_default=False)
    private = citizen_report(town)
    public = citizen_report(town, category="water-leak", answers={"severity": "low"})
    post(**good_form(key, town))  # waits for its SMS confirmation
    listed = {r["service_request_id"] for r in json_of(get("requests.json"))}
    assert listed == {public.tracking_code}
    assert get(f"requests/{private.tracking_code}.json").status_code == 404
    assert json_of(get("requests.json", service_request_id=private.tracking_code)) == []
    body = get("requests.xml").content.decode()
    assert private.tracking_code not in body
    assert town.people["citizen"].phone[3:] not in body
    if town.people["citizen"].full_name:
        assert town.people["citizen"].full_name not in body


def test_single_request_and_its_errors(town) -> None:
    report = citizen_report(town)
    assert_same_in_both_formats(f"requests/{report.tracking_code}")
    for bad in ("1234567897", "12", "abc"):
        for fmt in ("json", "xml"):
            response = get(f"requests/{bad}.{fmt}", lang="en")
            assert response.status_code == 404
            assert "service_request_id" in errors_of(response, fmt)[0]["description"]
    response = get(f"tokens/{report.tracking_code}.json", lang="en")  # not filed through Open311
    assert response.status_code == 404
    assert "token" in errors_of(response)[0]["description"]


def test_dates_default_to_the_last_90_days_and_are_checked(town) -> None:
    now = timezone.now()
    old = citizen_report(town, now=now - timedelta(days=120))
    recent = citizen_report(town, now=now - timedelta(days=10))

    def ids(**params: Any) -> list[str]:
        response = get("requests.json", **params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in json_of(response)]

    assert ids() == [recent.tracking_code]
    start = (now - timedelta(days=130)).isoformat()
    assert ids(start_date=start) == [old.tracking_code]  # 90 days from the start
    assert ids(end_date=(now - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")) == [old.tracking_code]
    assert ids(start_date="2000-01-01", end_date="2000-02-01") == []
    both = ids(
        start_date=(now - timedelta(days=125)).isoformat(), end_date=(now - timedelta(days=40)).isoformat()
    )
    assert both == [old.tracking_code]

    for params, name in [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2025-13-45T00:00:00Z"}, "end_date"),
        ({"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"}, "90 days"),
        ({"start_date": "2025-02-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"page": "0"}, "page"),
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
    ]:
        for fmt in ("json", "xml"):
            response = get(f"requests.{fmt}", lang="en", **params)
            assert response.status_code == 400, params
            (error,) = errors_of(response, fmt)
            assert error["code"] == 400
            assert name in error["description"], (params, error)
    response = get("requests.json", lang="en", service_code="lighting,nope")
    assert response.status_code == 404
    assert "nope" in errors_of(response)[0]["description"]


def test_pages_newest_first(town) -> None:
    now = timezone.now()
    reports = [citizen_report(town, now=now - timedelta(hours=i)) for i in range(5)]
    pages = [
        [r["service_request_id"] for r in json_of(get("requests.json", page=page, page_size=2))]
        for page in (1, 2, 3, 4)
    ]
    assert pages == [
        [reports[0].tracking_code, reports[1].tracking_code],
        [reports[2].tracking_code, reports[3].tracking_code],
        [reports[4].tracking_code],
        [],
    ]
    assert len(json_of(get("requests.json"))) == 5  # up to 1000 without paging


def test_listing_50_requests_takes_a_fixed_number_of_queries(town, django_assert_max_num_queries) -> None:
    now = timezone.now()
    for i in range(50):
        report = citizen_report(
            town,
            category=("lighting", "water-leak", None)[i % 3],
            point=(town.P1, town.P2)[i % 2],
            answers={"severity": "low"} if i % 3 == 1 else None,
            now=now - timedelta(minutes=i),
        )
        ReportPhoto.objects.create(report=report, image=f"reports/2025/01/{i}.jpg")
    for fmt in ("json", "xml"):
        with django_assert_max_num_queries(4):
            response = get(f"requests.{fmt}", status="open", service_code="lighting,water-leak,uncategorized")
        assert response.status_code == 200
    assert len(json_of(response := get("requests.json"))) == 50
    assert all(r["media_url"] for r in json_of(response))


# --- client applications ------------------------------------------------------------------------


def test_client_applications_store_only_a_hash_and_rotate(town, app, key) -> None:
    client_app, plain = app
    assert plain.startswith("o311_")
    assert len(plain) > 30
    stored = ClientApplication.objects.get(pk=client_app.pk)
    assert plain not in (stored.key_hash, stored.key_prefix)
    assert stored.key_prefix == plain[:8]
    assert client_application_authenticate(key=plain) == client_app
    rotated, new_key = client_application_rotate_key(actor=None, client=client_app)
    assert new_key != plain
    assert client_application_authenticate(key=plain) is None
    assert client_application_authenticate(key=new_key) == rotated
    assert post(**good_form(plain, town)).status_code == 403


def test_client_application_checks(town, app) -> None:
    with pytest.raises(ValidationError) as caught:
        client_application_create(actor=None, city=town.city, name="", contact_email="nope", key="short")
    assert set(caught.value.message_dict) == {"name", "contact_email", "key"}
    _client, fixed = client_application_create(
        actor=None,
        city=town.city,
        name="Fixed",
        contact_email="f@example.com",
        key="a-fixed-key-of-some-length",
    )
    assert fixed == "a-fixed-key-of-some-length"
    with pytest.raises(ValidationError):  # a key in use
        client_application_create(
            actor=None, city=town.city, name="Again", contact_email="f@example.com", key=fixed
        )


def test_only_the_citys_administrator_manages_clients(town, app) -> None:
    from mahalat.accounts.models import Role, ScopeKind
    from mahalat.accounts.services import role_assign

    administrator = UserFactory()
    role_assign(
        actor=None, user=administrator, role=Role.ADMINISTRATOR, scope_kind=ScopeKind.CITY, scope_ref="town"
    )
    client_app, _key = client_application_create(
        actor=administrator, city=town.city, name="By admin", contact_email="a@example.com"
    )
    for person in ("deputy", "district_manager", "citizen"):
        with pytest.raises(PermissionDenied):
            client_application_create(
                actor=town.people[person], city=town.city, name="x", contact_email="x@example.com"
            )
        with pytest.raises(PermissionDenied):
            client_application_rotate_key(actor=town.people[person], client=client_app)


def test_admin_shows_the_key_once_and_rotates_it(town) -> None:
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin_user)
    response = browser.post(
        "/admin/open311/clientapplication/add/",
        {"city": town.city.pk, "name": "Neighborhood app", "contact_email": "app@example.com"},
        follow=True,
    )
    assert response.status_code == 200
    client_app = ClientApplication.objects.get(name="Neighborhood app")
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    (key,) = [re.search(r"o311_\S+", m).group(0).rstrip(".") for m in shown if "o311_" in m]
    assert client_application_authenticate(key=key) == client_app
    response = browser.post(
        "/admin/open311/clientapplication/",
        {"action": "rotate_key", "_selected_action": [client_app.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert client_application_authenticate(key=key) is None
    assert browser.get(f"/admin/open311/clientapplication/{client_app.pk}/change/").status_code == 200


# --- the demo ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_client_posts_to_the_demo_city() -> None:
    from io import StringIO

    from django.core.management import call_command

    from mahalat.demo.services import DEMO_OPEN311_CLIENT_NAME, DEMO_OPEN311_KEY, demo_city_load
    from mahalat.territory.locate import invalidate_index

    demo_city_load(progress=False)
    invalidate_index()
    assert client_application_authenticate(key=DEMO_OPEN311_KEY) is not None
    out = StringIO()
    call_command("demo_accounts", "--json", stdout=out)
    entry = next(e for e in json.loads(out.getvalue()) if e["role"] == "open311_client")
    assert entry == {
        "role": "open311_client",
        "api_key": DEMO_OPEN311_KEY,
        "scope": "kuhsar",
        "phone": None,
        "password": None,
        "scope_kind": "city",
        "full_name": DEMO_OPEN311_CLIENT_NAME,
    }
    services = json_of(get("services.json", jurisdiction_id="kuhsar"))
    assert services
    assert all(s["group"] for s in services)  # the demo's groups are not services themselves
    summary = demo_city_load(progress=False)
    assert summary.open311_clients_created == 0
    assert ClientApplication.objects.count() == 1
