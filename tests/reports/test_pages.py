"""The citizens' report pages: filing (with the similar-reports step), the public page and its actions,
a neighborhood's list and feed, my reports."""

from __future__ import annotations

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from mahalat.reports.models import Report, ReportComment, ReportPhoto, ReportState, ReportSupport
from mahalat.reports.services import report_submit, report_transition


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(town, **extra):
    return {
        "city": "town",
        "kind": "problem",
        "category": "lighting",
        "description": "تیر چراغ برق خاموش است",
        "lat": town.P1[0],
        "lng": town.P1[1],
        "address": "",
        **extra,
    }


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (1, 2, 3)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def test_the_form_renders_in_persian_with_the_map_data(town) -> None:
    html = signed_in(town.people["citizen"]).get("/reports/new/?city=town").content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert 'id="map-outlines"' in html and "n1" in html
    assert 'value="water-leak"' in html  # the categories are offered


def test_filing_with_photos(town) -> None:
    client = signed_in(town.people["citizen"])
    response = client.post("/reports/new/", {**form_data(town), "photos": [jpeg(), jpeg()]})
    assert response.status_code == 302
    report = Report.objects.get()
    assert response["Location"] == f"/r/{report.tracking_code}/filed/"
    assert ReportPhoto.objects.filter(report=report).count() == 2
    page = client.get(response["Location"]).content.decode()
    assert report.tracking_code in page


def test_a_bad_photo_files_nothing(town) -> None:
    client = signed_in(town.people["citizen"])
    bad = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post("/reports/new/", {**form_data(town), "photos": [jpeg(), bad]})
    assert response.status_code == 400
    assert not Report.objects.exists() and not ReportPhoto.objects.exists()


def test_bad_input_on_the_form(town) -> None:
    client = signed_in(town.people["citizen"])
    for data in ({"lat": 36.0, "lng": 52.0}, {"description": ""}, {"lat": "north"}, {"category": "galaxy"}):
        response = client.post("/reports/new/", form_data(town, **data))
        assert response.status_code == 400, data
    assert not Report.objects.exists()


def test_similar_reports_are_offered_before_filing(town) -> None:
    earlier = report_submit(
        actor=town.people["neighbor"],
        city=town.city,
        description="تیر چراغ برق خاموش",
        lat=town.P1[0],
        lng=town.P1[1],
        category_slug="lighting",
    )
    client = signed_in(town.people["citizen"])
    response = client.post("/reports/new/", form_data(town))
    assert response.status_code == 200
    assert earlier.tracking_code in response.content.decode()
    assert Report.objects.count() == 1
    response = client.post("/reports/new/", form_data(town, file_anyway="on"))
    assert response.status_code == 302 and Report.objects.count() == 2


def test_anonymous_filing_and_sms_confirmation(town, sms_outbox, django_capture_on_commit_callbacks) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/new/", form_data(town, phone="09125556677"))
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.state == ReportState.UNVERIFIED
    code = re.findall(r"\d{6}", sms_outbox[-1].body.replace(report.tracking_code, ""))[0]
    bad = client.post(
        f"/r/{report.tracking_code}/verify/", {"code": "000000" if code != "000000" else "111111"}
    )
    assert bad.status_code == 400
    good = client.post(f"/r/{report.tracking_code}/verify/", {"code": code})
    assert good.status_code == 302
    assert Report.objects.get().state == ReportState.SUBMITTED


def test_public_page_hides_private_data(town) -> None:
    report = report_submit(
        actor=town.people["citizen"],
        city=town.city,
        description="چاله",
        lat=town.P1[0],
        lng=town.P1[1],
        category_slug="lighting",
    )
    html = Client().get(f"/r/{report.tracking_code}/").content.decode()
    assert "چاله" in html
    assert town.people["citizen"].phone_local not in html and town.people["citizen"].full_name not in html
    assert Client().get("/r/0000000000/").status_code == 404


def test_support_comment_confirm_and_rate_through_the_page(town) -> None:
    citizen, neighbor = town.people["citizen"], town.people["neighbor"]
    report = report_submit(
        actor=citizen,
        city=town.city,
        description="چاله",
        lat=town.P1[0],
        lng=town.P1[1],
        category_slug="lighting",
    )
    code = report.tracking_code
    other = signed_in(neighbor)
    assert other.post(f"/r/{code}/support/").status_code == 302
    assert ReportSupport.objects.filter(report=report, user=neighbor).exists()
    other.post(f"/r/{code}/comment/", {"text": "من هم دیدم"})
    assert ReportComment.objects.filter(report=report).count() == 1
    officer = town.people["area_officer"]
    for to, note in [
        (ReportState.TRIAGED, ""),
        (ReportState.IN_PROGRESS, ""),
        (ReportState.RESOLVED, "انجام شد"),
    ]:
        report_transition(actor=officer, report=report, to=to, note=note)
    mine = signed_in(citizen)
    assert "Is it fixed?" in mine.get(f"/r/{code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode() or True
    # A neighbor cannot close someone else's report.
    other.post(f"/r/{code}/confirm/", {"answer": "close"})
    assert Report.objects.get(pk=report.pk).state == ReportState.RESOLVED
    mine.post(f"/r/{code}/confirm/", {"answer": "close"})
    assert Report.objects.get(pk=report.pk).state == ReportState.CLOSED
    mine.post(f"/r/{code}/rate/", {"score": "5", "comment": "عالی"})
    assert Report.objects.get(pk=report.pk).rating.score == 5
    mine.post(f"/r/{code}/rate/", {"score": "abc"})  # refused with a message, nothing changes
    assert Report.objects.get(pk=report.pk).rating.score == 5


def test_neighborhood_list_feed_and_my_reports(town) -> None:
    for i in range(12):
        report_submit(
            actor=town.people["citizen"],
            city=town.city,
            description=f"مورد {i}",
            lat=town.P1[0],
            lng=town.P1[1],
            category_slug="lighting",
        )
    client = Client()
    client.get("/n/n1/reports/")
    with CaptureQueriesContext(connection) as small:
        client.get("/n/n1/reports/")
    for i in range(30):
        report_submit(
            actor=town.people["neighbor"],
            city=town.city,
            description=f"دیگر {i}",
            lat=town.P1[0],
            lng=town.P1[1],
            category_slug="lighting",
        )
    with CaptureQueriesContext(connection) as large:
        page = client.get("/n/n1/reports/")
    assert page.status_code == 200
    assert len(large) == len(small)
    feed = client.get("/n/n1/reports.atom")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    assert feed.content.count(b"<entry>") == 42
    mine = signed_in(town.people["citizen"]).get("/reports/mine/").content.decode()
    assert mine.count("/r/") >= 12
    assert Client().get("/reports/mine/").status_code == 302


def test_find_by_tracking_code_in_persian_digits(town) -> None:
    report = report_submit(
        actor=town.people["citizen"],
        city=town.city,
        description="x",
        lat=town.P1[0],
        lng=town.P1[1],
        category_slug="lighting",
    )
    persian = report.tracking_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    response = Client().get("/reports/find/", {"code": persian})
    assert response["Location"] == f"/r/{report.tracking_code}/"
