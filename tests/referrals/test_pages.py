"""The web pages of referral work: the list (an agency's inbox for its liaisons), a referral's page and
its actions, attachments, and sending a referral from a report, a resolution or a district."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from mahalat.persian.jalali import format_jalali_date
from mahalat.referrals.models import (
    Agency,
    Referral,
    ReferralAttachment,
    ReferralState,
    ReferralTransition,
    SourceKind,
    TargetKind,
)
from mahalat.referrals.services import Target, referral_create, referral_transition
from mahalat.reports.models import ReportState
from mahalat.resolutions.models import ResponsibleKind
from mahalat.resolutions.services import resolution_adopt
from mahalat.worktime.calendar import local_date
from tests.referrals_world import ReferralWorld, submit_leak

S = ReferralState
LIST = "/referrals/"
NEW = "/referrals/new/"


def client_for(user: Any) -> Client:
    client = Client()
    client.cookies["mahalat_language"] = "en"  # messages in their English msgids
    if user is not None:
        client.force_login(user)
    return client


def ids_in(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'href="/referrals/([0-9]+)/"', html)}


def page_messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"xref\n0 3\ntrailer\n<< /Root 1 0 R /Size 3 >>\nstartxref\n9\n%%EOF\n"
    )


def pdf_upload(name: str = "letter.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def send(w: ReferralWorld, **extra: Any) -> Referral:
    """The leak report referred to the water agency by the district officer (now, through the service)."""
    return referral_create(
        actor=extra.pop("actor", w.people["district_officer"]),
        report=extra.pop("report", w.report),
        target=extra.pop("target", Target(kind=TargetKind.AGENCY, agency=w.water)),
        subject=extra.pop("subject", "نشت آب لوله اصلی"),
        note=extra.pop("note", "لطفاً رسیدگی شود"),
        **extra,
    )


def send_direct(w: ReferralWorld, **extra: Any) -> Referral:
    return referral_create(
        actor=w.people["district_officer"],
        district=w.town.d1,
        target=extra.pop("target", Target(kind=TargetKind.AGENCY, agency=w.power)),
        subject=extra.pop("subject", "قطعی برق خیابان"),
        **extra,
    )


# --- the list -------------------------------------------------------------------------------------


def test_a_liaison_sees_only_its_own_agencys_referrals(referral_world: ReferralWorld) -> None:
    w = referral_world
    water = send(w)
    power = send_direct(w)
    cases = {
        "liaison": {water.pk},
        "power_liaison": {power.pk},
        "district_officer": {water.pk, power.pk},
        "area_officer": {water.pk},  # the report is in its area; the direct one has no area
        "deputy": {water.pk, power.pk},
        "other_district_officer": set(),
    }
    for who, expected in cases.items():
        response = client_for(w.people[who]).get(LIST)
        assert response.status_code == 200, who
        assert ids_in(response.content.decode()) == expected, who
    html = client_for(w.people["liaison"]).get(LIST).content.decode()
    assert "Agency inbox" in html and 'name="agency"' not in html  # no agency filter for a liaison
    assert 'name="agency"' in client_for(w.people["district_officer"]).get(LIST).content.decode()
    assert client_for(w.people["citizen"]).get(LIST).status_code == 403
    anonymous = Client().get(LIST)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_list_filters(referral_world: ReferralWorld) -> None:
    w = referral_world
    water = send(w)
    power = send_direct(w, subject="چراغ‌های پارک خاموش")
    late = send_direct(w, subject="کابل افتاده", target=Target(kind=TargetKind.DISTRICT, district=w.town.d2))
    Referral.objects.filter(pk=late.pk).update(
        acknowledge_due_at=timezone.now() - timedelta(hours=3),
        answer_due_at=timezone.now() - timedelta(hours=2),
        finish_due_at=timezone.now() - timedelta(hours=1),
        escalation_level=1,
    )
    referral_transition(actor=w.people["liaison"], referral=water, to=S.ACKNOWLEDGED)
    client = client_for(w.people["district_officer"])

    def shown(**params: Any) -> set[int]:
        response = client.get(LIST, params)
        assert response.status_code == 200
        return ids_in(response.content.decode())

    assert shown() == {water.pk, power.pk, late.pk}
    assert shown(state="acknowledged") == {water.pk}
    assert shown(state=["acknowledged", "sent"]) == {water.pk, power.pk, late.pk}
    assert shown(agency=w.power.pk) == {power.pk}
    assert shown(district=w.town.d1.pk) == {water.pk, power.pk, late.pk}
    assert shown(district=w.town.d2.pk) == set()
    assert shown(due="overdue") == {late.pk}
    assert shown(escalated="on") == {late.pk}
    assert shown(source=SourceKind.REPORT) == {water.pk}
    assert shown(source=SourceKind.DIRECT) == {power.pk, late.pk}
    assert shown(q="پارک") == {power.pk}
    assert shown(q=w.report.tracking_code) == {water.pk}
    assert shown(q=f"#{late.pk}") == {late.pk}
    assert shown(state="nonsense", due="someday") == {water.pk, power.pk, late.pk}  # bad filters ignored
    html = client.get(LIST, {"due": "overdue"}).content.decode()
    row = html[html.index(f'href="/referrals/{late.pk}/"') :][:3000]
    assert "overdue" in row and "text-danger" in row
    assert "Escalated to the district manager" in row


def _bulk_referrals(w: ReferralWorld, count: int) -> None:
    now = timezone.now()
    states = [S.SENT, S.ACKNOWLEDGED, S.ACCEPTED, S.ANSWERED, S.DONE, S.DECLINED]
    targets = [
        {"target_kind": TargetKind.AGENCY, "target_agency": w.water},
        {"target_kind": TargetKind.AGENCY, "target_agency": w.power},
        {"target_kind": TargetKind.AREA, "target_area": w.town.a21, "target_district": w.town.d2},
    ]
    Referral.objects.bulk_create(
        [
            Referral(
                city=w.city,
                district=w.town.d1,
                area=w.town.a11,
                neighborhood=w.town.n1 if i % 2 else w.town.n3,
                source_kind=SourceKind.DIRECT,
                subject=f"ارجاع شماره {i}",
                state=states[i % len(states)],
                sent_by=w.people["district_officer"],
                sent_at=now - timedelta(hours=i),
                state_changed_at=now - timedelta(hours=i),
                acknowledge_due_at=now + timedelta(hours=i - 10),
                answer_due_at=now + timedelta(hours=i),
                finish_due_at=now + timedelta(hours=i + 10),
                escalation_level=i % 3,
                **targets[i % len(targets)],
            )
            for i in range(count)
        ]
    )


# Session, user, roles, districts, agencies (filter form), count, rows, navigation (2) and slack.
LIST_QUERIES = 11


def test_list_query_count_does_not_grow_with_rows(
    referral_world: ReferralWorld, django_assert_max_num_queries
) -> None:
    w = referral_world
    client = client_for(w.people["district_officer"])
    client.get(LIST)
    counts = []
    for total, batch in [(5, 5), (35, 30)]:
        _bulk_referrals(w, batch)
        with django_assert_max_num_queries(LIST_QUERIES) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        assert len(ids_in(response.content.decode())) == min(total, 25)
        counts.append(len(captured))
    assert counts[0] == counts[1]
    # The next page keeps the filters.
    html = client.get(LIST, {"source": "direct"}).content.decode()
    assert "source=direct&amp;page=2" in html


def test_the_agency_workspace_links_to_the_inbox_with_counts(referral_world: ReferralWorld) -> None:
    w = referral_world
    send(w)
    late = send_direct(w, target=Target(kind=TargetKind.AGENCY, agency=w.water))
    Referral.objects.filter(pk=late.pk).update(acknowledge_due_at=timezone.now() - timedelta(hours=1))
    html = client_for(w.people["liaison"]).get("/workspace/agency-liaison/").content.decode()
    assert 'href="/referrals/"' in html
    assert "New: 2" in html and "Overdue: 1" in html
    html = client_for(w.people["power_liaison"]).get("/workspace/agency-liaison/").content.decode()
    assert "New: 0" in html and "Overdue: 0" in html


# --- a referral's page ----------------------------------------------------------------------------


def test_the_page_is_refused_to_outsiders(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send(w)
    url = f"/referrals/{referral.pk}/"
    for who in ("power_liaison", "other_district_officer", "other_area_officer", "citizen"):
        assert client_for(w.people[who]).get(url).status_code == 403, who
    for who in ("liaison", "district_officer", "area_officer", "deputy", "council_chair"):
        assert client_for(w.people[who]).get(url).status_code == 200, who
    assert client_for(w.people["district_officer"]).get(f"/referrals/{referral.pk + 999}/").status_code == 404
    response = client_for(w.people["power_liaison"]).post(
        f"{url}transition/", {"to": "acknowledged", "expected_state": "sent"}
    )
    assert response.status_code == 403
    # The deputy reads the referral but does nothing operational with it.
    response = client_for(w.people["deputy"]).post(
        f"{url}transition/", {"to": "acknowledged", "expected_state": "sent"}
    )
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.state == S.SENT and referral.transitions.count() == 1


def test_the_page_shows_the_whole_referral(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send(w)
    html = client_for(w.people["liaison"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert referral.subject in html and referral.note in html
    assert f'href="/workspace/inbox/{w.report.tracking_code}/"' in html
    assert w.people["district_officer"].full_name in html  # the history names who sent it
    assert "Acknowledge by" in html and "Answer by" in html and "Finish by" in html
    assert "current deadline" in html
    # The receiving body acknowledges; the sender has nothing to do yet.
    assert 'name="to" value="acknowledged"' in html
    officer_html = client_for(w.people["district_officer"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert 'name="to"' not in officer_html


def test_reporter_contact_is_hidden_unless_shared(referral_world: ReferralWorld) -> None:
    w = referral_world
    phone = w.people["citizen"].phone_local
    hidden = send(w)
    assert phone not in client_for(w.people["liaison"]).get(f"/referrals/{hidden.pk}/").content.decode()
    # The sending side always sees whom to call.
    assert phone in client_for(w.people["district_officer"]).get(f"/referrals/{hidden.pk}/").content.decode()
    other = submit_leak(w.town, now=timezone.now(), description="آب از زیر آسفالت بیرون می‌زند")
    shared = send(w, report=other, share_reporter_contact=True)
    html = client_for(w.people["liaison"]).get(f"/referrals/{shared.pk}/").content.decode()
    assert phone in html


def _post(client: Client, referral: Referral, to: str, **fields: Any) -> Any:
    data = {"to": to, "expected_state": fields.pop("expected_state", referral.state), **fields}
    return client.post(f"/referrals/{referral.pk}/transition/", data)


def test_a_referral_is_worked_through_the_page(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send(w)
    liaison = client_for(w.people["liaison"])
    response = _post(liaison, referral, "acknowledged", note="دریافت شد")
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}/"
    referral.refresh_from_db()
    assert referral.state == S.ACKNOWLEDGED
    assert _post(liaison, referral, "accepted").status_code == 302
    referral.refresh_from_db()
    planned = local_date(timezone.now()) + timedelta(days=10)
    response = _post(
        liaison,
        referral,
        "answered",
        response="لوله تا ده روز دیگر تعویض می‌شود",
        planned_date=format_jalali_date(planned, digits="persian"),
    )
    assert response.status_code == 302
    page = liaison.get(response["Location"])
    assert "The referral is now “Answered”." in page_messages(page)
    referral.refresh_from_db()
    assert (referral.state, referral.planned_date) == (S.ANSWERED, planned)
    # The district confirms the work done; the report follows.
    officer = client_for(w.people["district_officer"])
    html = officer.get(f"/referrals/{referral.pk}/").content.decode()
    assert 'name="to" value="done"' in html and 'name="to" value="reopened"' in html
    assert _post(officer, referral, "done").status_code == 302
    referral.refresh_from_db()
    w.report.refresh_from_db()
    assert referral.state == S.DONE and w.report.state == ReportState.RESOLVED
    assert list(referral.transitions.values_list("to_state", flat=True)) == [
        S.SENT,
        S.ACKNOWLEDGED,
        S.ACCEPTED,
        S.ANSWERED,
        S.DONE,
    ]


def test_decline_with_a_reason_and_a_suggested_agency(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send(w)
    liaison = client_for(w.people["liaison"])
    _post(liaison, referral, "acknowledged")
    referral.refresh_from_db()
    response = _post(liaison, referral, "declined")  # no reason
    assert response.status_code == 400
    assert "Write the reason; the citizen will see it." in response.content.decode()
    referral.refresh_from_db()
    assert referral.state == S.ACKNOWLEDGED and referral.transitions.count() == 2
    response = _post(
        liaison, referral, "declined", reason="این لوله متعلق به شهرداری است", suggested_agency=w.power.pk
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.state, referral.decline_reason) == (S.DECLINED, "این لوله متعلق به شهرداری است")
    assert referral.suggested_agency_id == w.power.pk
    html = liaison.get(f"/referrals/{referral.pk}/").content.decode()
    assert "این لوله متعلق به شهرداری است" in html and 'name="to"' not in html
    w.report.refresh_from_db()
    assert w.report.state == ReportState.IN_PROGRESS


def test_a_stale_page_is_a_conflict_and_changes_nothing(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send(w)
    referral_transition(actor=w.people["liaison"], referral=referral, to=S.ACKNOWLEDGED)
    client = client_for(w.people["liaison"])
    response = _post(client, referral, "acknowledged", expected_state="sent")
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed while you were looking" in html
    assert 'name="to" value="accepted"' in html  # the page now offers the real next steps
    response = _post(client, referral, "done", expected_state="acknowledged")  # not from this state
    assert response.status_code == 409 and "cannot become" in response.content.decode()
    response = _post(client, referral, "explode", expected_state="acknowledged")
    assert response.status_code == 400
    response = client.post(f"/referrals/{referral.pk}/transition/", {"to": "accepted"})  # no state seen
    assert response.status_code == 400 and "The page was out of date" in response.content.decode()
    referral.refresh_from_db()
    assert referral.state == S.ACKNOWLEDGED and referral.transitions.count() == 2


def test_bad_answers_are_shown_and_change_nothing(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send(w)
    liaison = client_for(w.people["liaison"])
    _post(liaison, referral, "acknowledged")
    referral.refresh_from_db()
    _post(liaison, referral, "accepted")
    referral.refresh_from_db()
    yesterday = local_date(timezone.now()) - timedelta(days=1)
    cases = [
        ({"response": "انجام می‌شود", "planned_date": format_jalali_date(yesterday)}, "cannot be in the past"),
        ({"response": "انجام می‌شود", "planned_date": "1405/13/40"}, "not a valid Jalali date"),
        (
            {"response": "", "planned_date": format_jalali_date(yesterday + timedelta(days=5))},
            "Write the answer",
        ),
        ({"response": "انجام می‌شود"}, "Give the date by which the work will be done."),
    ]
    for fields, message in cases:
        response = _post(liaison, referral, "answered", **fields)
        assert response.status_code == 400, fields
        html = response.content.decode()
        assert message in html, fields
        assert 'id="id_answered_response"' in html  # the form is shown again, with what was typed
    referral.refresh_from_db()
    assert referral.state == S.ACCEPTED and referral.response == "" and referral.transitions.count() == 3


# --- attachments ----------------------------------------------------------------------------------


def test_attachments_are_served_only_to_those_who_see_the_referral(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send(w, attachments=[pdf_upload(), png_upload()])
    pdf, photo = referral.attachments.order_by("id")
    url = f"/referrals/{referral.pk}/attachments/{pdf.pk}/"
    response = client_for(w.people["liaison"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")
    assert response["Content-Type"] == "application/pdf" and "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(w.people["district_officer"]).get(url).status_code == 200
    assert client_for(w.people["power_liaison"]).get(url).status_code == 403
    assert client_for(w.people["citizen"]).get(url).status_code == 403
    other = send_direct(w, attachments=[pdf_upload()])
    wrong = f"/referrals/{referral.pk}/attachments/{other.attachments.get().pk}/"
    assert client_for(w.people["district_officer"]).get(wrong).status_code == 404
    html = client_for(w.people["liaison"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert url in html and f"/attachments/{photo.pk}/" in html and "letter.pdf" in html


# --- sending --------------------------------------------------------------------------------------


def test_refer_a_report_through_the_page(referral_world: ReferralWorld) -> None:
    w = referral_world
    client = client_for(w.people["district_officer"])
    url = f"{NEW}?report={w.report.tracking_code}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "نشت آب از لوله اصلی کوچه" in html  # the subject is prefilled from the report
    assert f'value="agency:{w.water.pk}"' in html and f'value="agency:{w.power.pk}"' in html
    assert f'value="district:{w.town.d2.pk}"' in html and f'value="area:{w.town.a21.pk}"' in html
    assert "by agreement until" in html
    box = re.search(r'<input[^>]*name="share_reporter_contact"[^>]*>', html)
    assert box is not None and "checked" not in box.group(0)  # off unless the sender turns it on
    response = client.post(
        url,
        {
            "target": f"agency:{w.water.pk}",
            "subject": "نشت آب",
            "note": "فوری",
            "share_reporter_contact": "on",
            "attachments": [pdf_upload(), png_upload()],
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}/"
    assert "The referral was sent to" in page_messages(client.get(response["Location"]))[0]
    assert (referral.source_kind, referral.report_id, referral.target_agency_id) == (
        SourceKind.REPORT,
        w.report.pk,
        w.water.pk,
    )
    assert referral.share_reporter_contact and referral.attachments.count() == 2
    w.report.refresh_from_db()
    assert w.report.state == ReportState.REFERRED
    # A second referral of the same report is a conflict while the first is open.
    again = client.post(url, {"target": f"agency:{w.power.pk}", "subject": "دوباره"})
    assert again.status_code == 409 and "already referred" in again.content.decode()
    assert Referral.objects.count() == 1


def test_refer_directly_for_the_district(referral_world: ReferralWorld) -> None:
    w = referral_world
    client = client_for(w.people["district_officer"])
    html = client.get(LIST).content.decode()
    assert f'href="{NEW}?district={w.town.d1.pk}"' in html
    url = f"{NEW}?district={w.town.d1.pk}"
    page = client.get(url).content.decode()
    assert 'name="share_reporter_contact"' not in page  # only a report has a reporter
    deadline = local_date(timezone.now()) + timedelta(days=1)
    response = client.post(
        url,
        {
            "target": f"area:{w.town.a21.pk}",
            "subject": "هماهنگی جمع‌آوری نخاله",
            "deadline": format_jalali_date(deadline),
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.source_kind, referral.target_kind, referral.target_area_id) == (
        SourceKind.DIRECT,
        TargetKind.AREA,
        w.town.a21.pk,
    )
    assert local_date(referral.finish_due_at) <= deadline
    # An area officer cannot send for the whole district; other districts cannot send for this one.
    assert client_for(w.people["area_officer"]).get(url).status_code == 403
    assert client_for(w.people["other_district_officer"]).get(url).status_code == 403
    assert client_for(w.people["liaison"]).get(url).status_code == 403
    assert client.get(f"{NEW}?district=999999").status_code == 404
    assert client.get(NEW).status_code == 404


def test_refer_a_resolution_from_its_staff_page(council_world: Any) -> None:
    from tests.resolutions.conftest import make_item

    cw = council_world
    resolution = resolution_adopt(
        actor=cw.chair,
        item=make_item(cw.council),
        title="بازسازی پیاده‌رو خیابان اصلی",
        text="منطقه یک پیاده‌رو را بازسازی کند.",
        responsible_kind=ResponsibleKind.DISTRICT,
        responsible_agency=None,
        deadline=timezone.localdate() + timedelta(days=30),
    )
    client = client_for(cw.people["district_officer"])
    staff_page = client.get(f"/workspace/resolutions/{resolution.pk}/").content.decode()
    create = f"{NEW}?resolution={resolution.pk}"
    assert f'href="{create}"' in staff_page
    html = client.get(create).content.decode()
    assert "بازسازی پیاده‌رو خیابان اصلی" in html
    response = client.post(create, {"target": f"agency:{cw.agency.pk}", "subject": "بازسازی پیاده‌رو"})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.source_kind, referral.resolution_id) == (SourceKind.RESOLUTION, resolution.pk)
    staff_page = client.get(f"/workspace/resolutions/{resolution.pk}/").content.decode()
    assert f'href="/referrals/{referral.pk}/"' in staff_page
    # The council's chair reads the resolution but does not send referrals.
    chair_page = client_for(cw.chair).get(f"/workspace/resolutions/{resolution.pk}/").content.decode()
    assert f'href="{create}"' not in chair_page
    assert client_for(cw.chair).get(create).status_code == 403


def test_bad_referrals_are_refused_and_nothing_is_written(referral_world: ReferralWorld) -> None:
    w = referral_world
    client = client_for(w.people["district_officer"])
    url = f"{NEW}?report={w.report.tracking_code}"
    water = f"agency:{w.water.pk}"
    # The water × leak agreement gives 40 working hours: far less than sixty days.
    too_late = local_date(timezone.now()) + timedelta(days=60)
    cases = [
        ({"target": "", "subject": "نشت"}, "This field is required."),
        ({"target": water, "subject": ""}, "Give the referral a subject."),
        (
            {"target": water, "subject": "نشت", "attachments": [SimpleUploadedFile("x.pdf", b"MZ\x90\x00")]},
            "Send the document as a PDF file or as a photo",
        ),
        (
            {"target": water, "subject": "نشت", "attachments": [pdf_upload(f"{i}.pdf") for i in range(6)]},
            "At most 5 attachments.",
        ),
        (
            {"target": water, "subject": "نشت", "deadline": format_jalali_date(too_late)},
            "a deadline can be shortened, not lengthened",
        ),
        ({"target": water, "subject": "نشت", "deadline": "1405/02/31x"}, "not a valid Jalali date"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not Referral.objects.exists() and not ReferralAttachment.objects.exists()
    assert not ReferralTransition.objects.exists()
    w.report.refresh_from_db()
    assert w.report.state == ReportState.SUBMITTED


def test_the_report_inbox_lists_its_referrals(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send(w)
    referral_transition(actor=w.people["liaison"], referral=referral, to=S.ACKNOWLEDGED)
    html = client_for(w.people["district_officer"]).get(f"/workspace/inbox/{w.report.tracking_code}/")
    text = html.content.decode()
    assert f'href="/referrals/{referral.pk}/"' in text and "Acknowledged" in text
    inbox = client_for(w.people["district_officer"]).get("/workspace/inbox/").content.decode()
    assert 'href="/referrals/"' in inbox  # staff reach the referrals from their inbox


@pytest.mark.parametrize("deadline_days", [0, 1])
def test_a_shorter_deadline_is_accepted(referral_world: ReferralWorld, deadline_days: int) -> None:
    w = referral_world
    client = client_for(w.people["district_officer"])
    day: date = local_date(timezone.now()) + timedelta(days=deadline_days)
    response = client.post(
        f"{NEW}?report={w.report.tracking_code}",
        {"target": f"agency:{w.water.pk}", "subject": "نشت", "deadline": format_jalali_date(day)},
    )
    assert response.status_code == 302
    assert local_date(Referral.objects.get().finish_due_at) <= day


def test_referral_page_query_count_is_bounded(
    referral_world: ReferralWorld, django_assert_max_num_queries
) -> None:
    w = referral_world
    # The agency takes webhooks (its address is never called: deliveries wait for after the commit).
    Agency.objects.filter(pk=w.water.pk).update(
        webhook_url="https://water.example/hooks", webhook_secret="s" * 40, webhook_active=True
    )
    referral = send(w, attachments=[pdf_upload(), png_upload()])
    referral_transition(actor=w.people["liaison"], referral=referral, to=S.ACKNOWLEDGED)
    for i in range(3):  # more history does not mean more queries
        Referral.objects.filter(pk=referral.pk).update(state=S.SENT)
        referral_transition(actor=w.people["liaison"], referral=referral, to=S.ACKNOWLEDGED, note=f"{i}")
    for who in ("liaison", "district_officer", "deputy"):
        client = client_for(w.people[who])
        client.get(LIST)
        # Session, user, referral, history, attachments, roles (2), deliveries, agencies, navigation.
        with django_assert_max_num_queries(11):
            response = client.get(f"/referrals/{referral.pk}/")
        assert response.status_code == 200, who
    html = client_for(w.people["district_officer"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert "Deliveries to the agency&#x27;s system" in html or "Deliveries to the agency's system" in html
    html = client_for(w.people["deputy"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert "Deliveries to the agency" not in html


def test_sending_page_query_count_is_bounded(
    referral_world: ReferralWorld, django_assert_max_num_queries
) -> None:
    w = referral_world
    client = client_for(w.people["district_officer"])
    client.get(LIST)
    # Session, user, report, roles, agencies, districts, areas, agreements, calendar (2), open referral, nav.
    with django_assert_max_num_queries(14):
        response = client.get(f"{NEW}?report={w.report.tracking_code}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("who", "space", "linked"),
    [
        ("district_officer", "district-officer", True),
        ("district_manager", "district-manager", True),
        ("area_officer", "area-officer", True),
        ("deputy", "deputy", True),
        ("council_chair", "council-chair", False),
    ],
)
def test_workspaces_lead_to_the_referrals(
    referral_world: ReferralWorld, who: str, space: str, linked: bool
) -> None:
    html = client_for(referral_world.people[who]).get(f"/workspace/{space}/").content.decode()
    assert (f'href="{LIST}"' in html) is linked
