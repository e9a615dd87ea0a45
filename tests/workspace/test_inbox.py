"""The staff inbox of citizen reports: who sees what, filters and sorting, bulk actions with per-row
results, the per-report staff page with its transition forms, query counts and the time-left sign."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from mahalat.referrals.models import Referral
from mahalat.reports.interactions import report_comment_add, report_support
from mahalat.reports.models import (
    EscalationLevel,
    HandlerKind,
    Report,
    ReportComment,
    ReportPhoto,
    ReportState,
)
from mahalat.reports.services import new_tracking_code, report_submit, report_transition
from mahalat.workspace.inbox import TimeLeft, time_left
from tests.factories import AgencyFactory
from tests.towns import Town

S = ReportState
INBOX = "/workspace/inbox/"
BULK = "/workspace/inbox/bulk/"


def submit(town: Town, *, point: tuple[float, float] | None = None, **extra: Any) -> Report:
    lat, lng = point or town.P1
    return report_submit(
        actor=extra.pop("actor", town.people["citizen"]),
        city=town.city,
        description=extra.pop("description", "چراغ کوچه خاموش است"),
        lat=lat,
        lng=lng,
        category_slug=(category := extra.pop("category", "lighting")),
        answers=extra.pop("answers", {"severity": "high"} if category == "water-leak" else {}),
        now=extra.pop("now", None),
        **extra,
    )


def client_for(user: Any) -> Client:
    client = Client()
    client.cookies["mahalat_language"] = "en"  # messages in their English msgids
    if user is not None:
        client.force_login(user)
    return client


def codes_in(html: str) -> set[str]:
    return set(re.findall(r'href="/workspace/inbox/([0-9]{10})/"', html))


def page_messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- who sees what -------------------------------------------------------------------------------------


@pytest.fixture
def spread(town: Town) -> dict[str, Report]:
    """A report in each place: n1 and n3 (d1/a11), n2 (d2), and a water leak in n1 for the agency."""
    return {
        "n1": submit(town),
        "n3": submit(town, point=town.P3),
        "n2": submit(town, point=town.P2),
        "leak": submit(town, category="water-leak", description="آب از لوله بیرون می‌زند"),
    }


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("area_officer", {"n1", "n3", "leak"}),
        ("district_officer", {"n1", "n3", "leak"}),
        ("district_manager", {"n1", "n3", "leak"}),
        ("other_district_officer", {"n2"}),
        ("deputy", {"n1", "n3", "n2", "leak"}),
        ("city_council", {"n1", "n3", "n2", "leak"}),
        ("liaison", {"leak"}),
    ],
)
def test_each_role_sees_its_own_scope(town, spread, who, visible) -> None:
    response = client_for(town.people[who]).get(INBOX)
    assert response.status_code == 200
    html = response.content.decode()
    assert codes_in(html) == {spread[name].tracking_code for name in visible}
    acting = who in {"area_officer", "district_officer", "district_manager", "other_district_officer"}
    assert ('name="action" value="accept"' in html) is acting
    assert ('name="selected"' in html) is acting


@pytest.mark.parametrize("who", ["citizen", "council_chair"])
def test_citizens_and_council_roles_are_refused(town, spread, who) -> None:
    client = client_for(town.people[who])
    assert client.get(INBOX).status_code == 403
    assert client.get(f"{INBOX}{spread['n1'].tracking_code}/").status_code == 403
    response = client.post(
        BULK, {"action": "accept", "selected": [f"{spread['n1'].tracking_code}:submitted"]}
    )
    assert response.status_code == 403
    spread["n1"].refresh_from_db()
    assert spread["n1"].state == S.SUBMITTED


def test_anonymous_visitor_is_sent_to_sign_in(town) -> None:
    response = Client().get(INBOX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["deputy", "city_council", "liaison"])
def test_readers_get_no_buttons_and_a_403_on_every_post(town, spread, who) -> None:
    client = client_for(town.people[who])
    report = spread["leak"]
    page = client.get(f"{INBOX}{report.tracking_code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="to"' not in html and "/photos/" not in html
    assert (
        client.post(BULK, {"action": "accept", "selected": [f"{report.tracking_code}:submitted"]}).status_code
        == 403
    )
    data = {"to": "triaged", "to-triaged-expected_state": "submitted"}
    assert client.post(f"{INBOX}{report.tracking_code}/", data).status_code == 403
    report.refresh_from_db()
    assert report.state == S.SUBMITTED


def test_a_report_outside_the_scope_is_not_found(town, spread) -> None:
    client = client_for(town.people["area_officer"])
    assert client.get(f"{INBOX}{spread['n2'].tracking_code}/").status_code == 404
    assert client.get(f"{INBOX}{spread['n1'].tracking_code}/").status_code == 200


def test_the_inbox_is_linked_from_the_staff_workspaces(town) -> None:
    for who, slug in [
        ("area_officer", "area-officer"),
        ("district_officer", "district-officer"),
        ("district_manager", "district-manager"),
    ]:
        html = client_for(town.people[who]).get(f"/workspace/{slug}/").content.decode()
        assert 'href="/workspace/inbox/"' in html, who
    html = client_for(town.people["council_chair"]).get("/workspace/council-chair/").content.decode()
    assert 'href="/workspace/inbox/"' not in html


# --- filters and sorting -------------------------------------------------------------------------------


def test_state_filter_defaults_to_open_reports(town) -> None:
    open_one = submit(town)
    rejected = submit(town)
    report_transition(actor=town.people["area_officer"], report=rejected, to=S.REJECTED, note="تکراری")
    client = client_for(town.people["area_officer"])
    assert codes_in(client.get(INBOX).content.decode()) == {open_one.tracking_code}
    html = client.get(INBOX, {"state": ["rejected"]}).content.decode()
    assert codes_in(html) == {rejected.tracking_code}
    html = client.get(INBOX, {"state": ["rejected", "submitted"]}).content.decode()
    assert codes_in(html) == {open_one.tracking_code, rejected.tracking_code}


def test_category_filter(town) -> None:
    lamp = submit(town)
    leak = submit(town, category="water-leak")
    html = client_for(town.people["area_officer"]).get(INBOX, {"category": "water-leak"}).content.decode()
    assert codes_in(html) == {leak.tracking_code}
    assert lamp.tracking_code not in html


def test_neighborhood_filter_offers_only_the_scope(town) -> None:
    in_n1, in_n3, in_n2 = submit(town), submit(town, point=town.P3), submit(town, point=town.P2)
    officer = client_for(town.people["area_officer"])
    response = officer.get(INBOX, {"neighborhood": "n3"})
    assert codes_in(response.content.decode()) == {in_n3.tracking_code}
    options = re.findall(r'<option value="(n[0-9])"', response.content.decode())
    assert sorted(options) == ["n1", "n3"]
    # A neighborhood outside the scope is refused as a choice (and shows nothing of it).
    response = officer.get(INBOX, {"neighborhood": "n2"})
    assert response.status_code == 200
    assert response.context["form"].errors["neighborhood"]
    assert in_n2.tracking_code not in response.content.decode()
    html = client_for(town.people["deputy"]).get(INBOX, {"neighborhood": "n2"}).content.decode()
    assert codes_in(html) == {in_n2.tracking_code}
    assert in_n1.tracking_code not in html


def test_overdue_filter(town) -> None:
    late = submit(town, now=timezone.now() - timedelta(days=30))
    fresh = submit(town)
    client = client_for(town.people["area_officer"])
    assert codes_in(client.get(INBOX, {"overdue": "on"}).content.decode()) == {late.tracking_code}
    assert codes_in(client.get(INBOX).content.decode()) == {late.tracking_code, fresh.tracking_code}


def test_triage_queue_filter(town) -> None:
    unplaced = submit(town, category=None)
    placed = submit(town)
    assert unplaced.needs_routing and not placed.needs_routing
    html = client_for(town.people["district_officer"]).get(INBOX, {"needs_routing": "on"}).content.decode()
    assert codes_in(html) == {unplaced.tracking_code}


def test_submitted_dates_are_jalali_and_inclusive(town) -> None:
    # 1405/09/01 is 2026-11-22; a report at 23:00 Tehran time on that day, one the day after.
    on_the_first = submit(town, now=datetime(2026, 11, 22, 19, 30, tzinfo=UTC))
    next_day = submit(town, now=datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
    client = client_for(town.people["area_officer"])
    html = client.get(INBOX, {"submitted_from": "۱۴۰۵/۰۹/۰۱", "submitted_to": "1405/9/1"}).content.decode()
    assert codes_in(html) == {on_the_first.tracking_code}
    html = client.get(INBOX, {"submitted_from": "1405/09/02"}).content.decode()
    assert next_day.tracking_code in codes_in(html) and on_the_first.tracking_code not in html
    response = client.get(INBOX, {"submitted_from": "1405/09/05", "submitted_to": "1405/09/01"})
    assert response.context["form"].errors["submitted_to"]
    response = client.get(INBOX, {"submitted_from": "not a date"})
    assert response.status_code == 200 and response.context["form"].errors["submitted_from"]


def test_text_search_normalizes_persian_and_finds_tracking_codes(town) -> None:
    library = submit(town, description="درب كتابخانه محله شكسته است")  # Arabic kaf, as some keyboards type
    other = submit(town, description="چاله در خیابان")
    client = client_for(town.people["area_officer"])
    assert codes_in(client.get(INBOX, {"q": "کتابخانه"}).content.decode()) == {library.tracking_code}
    report_transition(actor=town.people["area_officer"], report=other, to=S.REJECTED, note="خارج از محدوده")
    code = "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in other.tracking_code)  # typed with Persian digits
    assert codes_in(client.get(INBOX, {"q": code}).content.decode()) == {other.tracking_code}


def test_escalation_filter(town) -> None:
    calm, hot, hotter = submit(town), submit(town), submit(town)
    Report.objects.filter(pk=hot.pk).update(escalation_level=EscalationLevel.DISTRICT)
    Report.objects.filter(pk=hotter.pk).update(escalation_level=EscalationLevel.DEPUTY)
    client = client_for(town.people["district_manager"])
    assert codes_in(client.get(INBOX, {"escalation": "1"}).content.decode()) == {hot.tracking_code}
    assert codes_in(client.get(INBOX, {"escalation": "2"}).content.decode()) == {hotter.tracking_code}
    html = client.get(INBOX, {"escalation": "0"}).content.decode()
    assert codes_in(html) == {calm.tracking_code}


def test_sorting(town) -> None:
    now = timezone.now()
    oldest = submit(town, now=now - timedelta(days=20))  # long overdue: the soonest deadline
    newest = submit(town, now=now)
    middle = submit(town, now=now - timedelta(days=2))
    report_support(actor=town.people["neighbor"], report=middle)
    client = client_for(town.people["area_officer"])

    def order(**params: str) -> list[str]:
        html = client.get(INBOX, params).content.decode()
        return list(dict.fromkeys(re.findall(r'href="/workspace/inbox/([0-9]{10})/"', html)))

    assert order() == [oldest.tracking_code, middle.tracking_code, newest.tracking_code]
    assert order(sort="newest") == [newest.tracking_code, middle.tracking_code, oldest.tracking_code]
    assert order(sort="supports")[0] == middle.tracking_code


def test_pagination_keeps_the_filters(town) -> None:
    make_reports(town, 55)
    html = client_for(town.people["area_officer"]).get(INBOX, {"sort": "newest"}).content.decode()
    assert len(codes_in(html)) == 50
    assert "?sort=newest&amp;page=2" in html


# --- bulk actions --------------------------------------------------------------------------------------


def test_bulk_accept_collects_results_per_row(town) -> None:
    user = town.people["officer_and_deputy"]
    fine = submit(town)
    taken = submit(town)
    elsewhere = submit(town, point=town.P2)  # d2: visible to the deputy in them, not theirs to handle
    # Another officer accepts `taken` after the page was drawn.
    report_transition(actor=town.people["district_officer"], report=taken, to=S.TRIAGED)
    client = client_for(user)
    page = client.get(INBOX).content.decode()
    assert f'value="{fine.tracking_code}:submitted"' in page
    assert f'value="{elsewhere.tracking_code}:submitted"' not in page  # no checkbox where it may not act
    response = client.post(
        BULK,
        {
            "action": "accept",
            "next": "/workspace/inbox/?sort=newest",
            "selected": [
                f"{fine.tracking_code}:submitted",
                f"{taken.tracking_code}:submitted",
                f"{elsewhere.tracking_code}:submitted",
            ],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/workspace/inbox/?sort=newest"
    notes = page_messages(response)
    assert notes[0] == "1 done, 2 could not be changed."
    assert any(taken.tracking_code in n and "changed while you were looking" in n for n in notes)
    assert any(elsewhere.tracking_code in n and "may not handle" in n for n in notes)
    states = dict(Report.objects.values_list("tracking_code", "state"))
    assert states[fine.tracking_code] == S.TRIAGED
    assert states[taken.tracking_code] == S.TRIAGED
    assert states[elsewhere.tracking_code] == S.SUBMITTED


def test_bulk_start_work_and_rows_it_does_not_apply_to(town) -> None:
    officer = town.people["area_officer"]
    accepted = submit(town)
    report_transition(actor=officer, report=accepted, to=S.TRIAGED)
    new = submit(town)
    foreign = submit(town, point=town.P2)
    response = client_for(officer).post(
        BULK,
        {
            "action": "start",
            "selected": [
                f"{accepted.tracking_code}:triaged",
                f"{new.tracking_code}:submitted",
                f"{foreign.tracking_code}:submitted",
                "garbage",
                "12:34:56",
            ],
        },
        follow=True,
    )
    notes = page_messages(response)
    assert notes[0] == "1 done, 3 could not be changed."
    assert any(new.tracking_code in n and "applies only to reports" in n for n in notes)
    assert any(foreign.tracking_code in n and "no such report in your inbox" in n for n in notes)
    accepted.refresh_from_db()
    new.refresh_from_db()
    assert (accepted.state, new.state) == (S.IN_PROGRESS, S.SUBMITTED)


def test_bulk_without_rows_or_with_an_unknown_action_is_no_error(town) -> None:
    client = client_for(town.people["area_officer"])
    response = client.post(BULK, {"action": "accept"}, follow=True)
    assert page_messages(response) == ["Select at least one report."]
    response = client.post(BULK, {"action": "explode", "selected": ["1234567890:submitted"]}, follow=True)
    assert page_messages(response) == ["Choose one of the actions offered."]
    # An outside "next" is not followed.
    response = client.post(BULK, {"action": "accept", "next": "https://evil.example/"})
    assert response["Location"] == INBOX


def test_bulk_needs_csrf(town) -> None:
    report = submit(town)
    client = Client(enforce_csrf_checks=True)
    client.force_login(town.people["area_officer"])
    response = client.post(BULK, {"action": "accept", "selected": [f"{report.tracking_code}:submitted"]})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == S.SUBMITTED


# --- the report's staff page ---------------------------------------------------------------------------


def test_staff_page_shows_the_whole_record(town) -> None:
    report = submit(town, address="کوچه ۱۲")
    officer = town.people["area_officer"]
    report_transition(actor=officer, report=report, to=S.TRIAGED, note="بازدید می‌شود")
    report_comment_add(actor=town.people["neighbor"], report=report, text="من هم دیدم")
    rude = report_comment_add(actor=town.people["neighbor"], report=report, text="حرف زشت")
    client = client_for(officer)
    response = client.post(
        f"{INBOX}{report.tracking_code}/comments/{rude.pk}/hide/", {f"hide-{rude.pk}-reason": "توهین"}
    )
    assert response.status_code == 302
    html = client.get(f"{INBOX}{report.tracking_code}/").content.decode()
    reporter = town.people["citizen"]
    assert reporter.full_name in html and reporter.phone_local in html  # staff see the reporter
    assert "بازدید می‌شود" in html and officer.full_name in html  # history with note and actor
    assert "حرف زشت" in html and "Hidden" in html and "توهین" in html
    assert 'name="to" value="in_progress"' in html and 'name="to" value="referred"' not in html
    # Referring is a referral of its own: the page links to it.
    assert f'href="/referrals/new/?report={report.tracking_code}"' in html
    assert 'name="to" value="triaged"' not in html
    assert 'id="inbox-map-data"' in html and "<script>" not in html


def test_required_reason_missing_is_a_400_with_the_message(town) -> None:
    report = submit(town)
    client = client_for(town.people["area_officer"])
    url = f"{INBOX}{report.tracking_code}/"
    response = client.post(url, {"to": "rejected", "to-rejected-expected_state": "submitted"})
    assert response.status_code == 400
    assert "Write the reason; the citizen will see it." in response.content.decode()
    report.refresh_from_db()
    assert report.state == S.SUBMITTED
    response = client.post(
        url,
        {"to": "rejected", "to-rejected-expected_state": "submitted", "to-rejected-note": "خارج از محدوده"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.rejection_reason) == (S.REJECTED, "خارج از محدوده")


def test_out_of_order_and_stale_forms_are_conflicts(town) -> None:
    report = submit(town)
    client = client_for(town.people["area_officer"])
    url = f"{INBOX}{report.tracking_code}/"
    # Resolving a report nobody has accepted: not in the table from its state.
    response = client.post(
        url, {"to": "resolved", "to-resolved-expected_state": "submitted", "to-resolved-note": "x"}
    )
    assert response.status_code == 409
    assert "cannot become" in response.content.decode()
    # Someone else accepted it after the page was drawn.
    report_transition(actor=town.people["district_officer"], report=report, to=S.TRIAGED)
    response = client.post(url, {"to": "triaged", "to-triaged-expected_state": "submitted"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed while you were looking" in html
    assert 'name="to" value="in_progress"' in html  # the page now offers the report's real next steps
    response = client.post(url, {"to": "explode"})
    assert response.status_code == 400


def test_refer_needs_an_active_agency_of_the_city(town) -> None:
    report = submit(town)
    officer = town.people["area_officer"]
    report_transition(actor=officer, report=report, to=S.TRIAGED)
    client = client_for(officer)
    url = f"{INBOX}{report.tracking_code}/"
    # The old way (a transition to "referred" on the report's page) changes nothing and says why.
    response = client.post(url, {"to": "referred", "to-referred-expected_state": "triaged"})
    assert response.status_code == 400
    assert "Refer a report by sending a referral" in response.content.decode()
    report.refresh_from_db()
    assert report.state == S.TRIAGED
    # Through the referral page: an inactive agency is not offered, an active one of the city is.
    closed = AgencyFactory(city=town.city, slug="town-closed", is_active=False)
    create = f"/referrals/new/?report={report.tracking_code}"
    page = client.get(create).content.decode()
    assert f'value="agency:{town.water.pk}"' in page and f'value="agency:{closed.pk}"' not in page
    response = client.post(create, {"target": f"agency:{closed.pk}", "subject": "نشت"})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.state == S.TRIAGED and not Referral.objects.exists()
    response = client.post(create, {"target": f"agency:{town.water.pk}", "subject": "نشت"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.handler_agency_id) == (S.REFERRED, town.water.pk)
    html = client.get(url).content.decode()
    referral = Referral.objects.get(report=report)
    assert f'href="/referrals/{referral.pk}/"' in html  # the report's page lists its referrals
    assert "/referrals/new/" not in html  # one open referral at a time


def test_mark_as_duplicate_by_tracking_code(town) -> None:
    original = submit(town)
    copy = submit(town, actor=town.people["neighbor"])
    client = client_for(town.people["area_officer"])
    url = f"{INBOX}{copy.tracking_code}/"
    data = {"to": "duplicate", "to-duplicate-expected_state": "submitted"}
    response = client.post(url, {**data, "to-duplicate-duplicate_of": ""})
    assert response.status_code == 400 and "Name the report this one repeats." in response.content.decode()
    response = client.post(url, {**data, "to-duplicate-duplicate_of": "1234567897"})
    assert response.status_code == 400
    assert "There is no report with this tracking code in this city." in response.content.decode()
    persian_code = "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in original.tracking_code)
    response = client.post(url, {**data, "to-duplicate-duplicate_of": persian_code})
    assert response.status_code == 302
    copy.refresh_from_db()
    original.refresh_from_db()
    assert (copy.state, copy.duplicate_of_id) == (S.DUPLICATE, original.pk)
    assert original.supports_count == 1  # the duplicate's reporter now supports the original


def png_upload(name: str = "fix.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 60)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_resolution_photo_upload(town) -> None:
    report = submit(town)
    officer = town.people["area_officer"]
    report_transition(actor=officer, report=report, to=S.TRIAGED)
    report_transition(actor=officer, report=report, to=S.IN_PROGRESS)
    client = client_for(officer)
    url = f"{INBOX}{report.tracking_code}/photos/"
    response = client.post(url, {"photo-image": SimpleUploadedFile("x.png", b"not an image")})
    assert response.status_code == 400
    response = client.post(url, {"photo-image": png_upload()})
    assert response.status_code == 302
    assert ReportPhoto.objects.filter(report=report, is_resolution=True).count() == 1
    assert client_for(town.people["deputy"]).post(url, {"photo-image": png_upload()}).status_code == 403


def test_hiding_a_comment_needs_a_reason(town) -> None:
    report = submit(town)
    comment = report_comment_add(actor=town.people["neighbor"], report=report, text="حرف زشت")
    url = f"{INBOX}{report.tracking_code}/comments/{comment.pk}/hide/"
    client = client_for(town.people["area_officer"])
    response = client.post(url, {f"hide-{comment.pk}-reason": ""})
    assert response.status_code == 400 and "Say why the comment is hidden." in response.content.decode()
    assert (
        client_for(town.people["city_council"]).post(url, {f"hide-{comment.pk}-reason": "x"}).status_code
        == 403
    )
    assert client.post(url, {f"hide-{comment.pk}-reason": "توهین"}).status_code == 302
    comment.refresh_from_db()
    assert comment.is_hidden and comment.hidden_reason == "توهین"
    other = submit(town, point=town.P2)
    foreign = ReportComment.objects.filter(pk=comment.pk)
    assert foreign.exists()
    assert client.post(f"{INBOX}{other.tracking_code}/comments/{comment.pk}/hide/", {}).status_code == 404


# --- query counts --------------------------------------------------------------------------------------


def make_reports(town: Town, count: int) -> list[Report]:
    """Many reports quickly (bulk_create), spread over states, neighborhoods and deadlines."""
    now = timezone.now()
    states = [S.SUBMITTED, S.TRIAGED, S.IN_PROGRESS, S.REFERRED, S.REOPENED]
    rows = []
    for i in range(count):
        submitted = now - timedelta(hours=3 * i)
        neighborhood = town.n1 if i % 2 else town.n3
        rows.append(
            Report(
                tracking_code=new_tracking_code(),
                city=town.city,
                district=town.d1,
                area=town.a11,
                neighborhood=neighborhood,
                category=town.lighting if i % 3 else town.leaks,
                description=f"گزارش شماره {i}",
                lat=town.P1[0],
                lng=town.P1[1],
                reporter=town.people["citizen"],
                state=states[i % len(states)],
                handler_kind=HandlerKind.AREA if i % 3 else HandlerKind.AGENCY,
                handler_agency=None if i % 3 else town.water,
                triage_due_at=submitted + timedelta(hours=8 + i),
                resolve_due_at=submitted + timedelta(days=7, hours=i),
                deputy_due_at=submitted + timedelta(days=14),
                escalation_level=i % 3,
                submitted_at=submitted,
                state_changed_at=submitted,
                supports_count=i % 4,
            )
        )
    return Report.objects.bulk_create(rows)


# Session, user, roles, neighborhoods, categories, count, the page's ids, its rows, calendar (2),
# navigation (2).
LIST_QUERIES = 12


@pytest.mark.parametrize("view", ["list", "map"])
def test_list_query_count_does_not_grow_with_rows(town, view, django_assert_max_num_queries) -> None:
    client = client_for(town.people["area_officer"])
    client.get(INBOX)  # the session's first use
    counts = []
    for total, batch in [(5, 5), (60, 55)]:
        make_reports(town, batch)
        with django_assert_max_num_queries(LIST_QUERIES) as captured:
            response = client.get(INBOX, {"view": view})
        assert response.status_code == 200
        assert len(codes_in(response.content.decode())) == min(total, 50)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_report_page_query_count_is_bounded(town, django_assert_max_num_queries) -> None:
    report = submit(town)
    officer = town.people["area_officer"]
    report_transition(actor=officer, report=report, to=S.TRIAGED)
    for i in range(5):
        report_comment_add(actor=town.people["neighbor"], report=report, text=f"نظر {i}")
    client = client_for(officer)
    with django_assert_max_num_queries(14):
        response = client.get(f"{INBOX}{report.tracking_code}/")
    assert response.status_code == 200


# --- time left ----------------------------------------------------------------------------------------

# Saturday 1405/09/08, 10:00 in Tehran (a working day, 07:30–14:30 by default; no holidays in tests).
SATURDAY_10 = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)


def _report_due(town: Town, *, state: str, due: datetime) -> Report:
    return Report(
        pk=hash(due) % 10_000 + 1,
        city=town.city,
        state=state,
        triage_due_at=due,
        resolve_due_at=due,
    )


def test_time_left_is_positive_before_and_negative_after_the_deadline(
    town, django_assert_num_queries
) -> None:
    ahead = _report_due(town, state=S.SUBMITTED, due=SATURDAY_10 + timedelta(hours=3))  # 13:00 same day
    # Wednesday 12:30: 2 h that day, 5 h on (half-day) Thursday, none on Friday, 2.5 h on Saturday.
    behind = _report_due(town, state=S.IN_PROGRESS, due=datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    closed = _report_due(town, state=S.CLOSED, due=SATURDAY_10)
    with django_assert_num_queries(2):  # one calendar for the city, whatever the rows
        times = time_left([ahead, behind, closed], now=SATURDAY_10)
    assert times[ahead.pk].hours == pytest.approx(3.0) and not times[ahead.pk].overdue
    assert times[behind.pk].hours == pytest.approx(-9.5) and times[behind.pk].overdue
    assert closed.pk not in times
    with translation.override("en"):
        assert times[ahead.pk].label == "3 working hours left"
        assert times[behind.pk].label == "10 working hours overdue"
    with translation.override("fa"):
        assert times[ahead.pk].label.startswith("۳ ")
        assert times[behind.pk].label.startswith("۱۰ ")


@translation.override("en")
def test_time_left_labels() -> None:
    due = SATURDAY_10
    assert TimeLeft(hours=0.4, due=due, overdue=False).label == "Less than a working hour left"
    assert TimeLeft(hours=1.0, due=due, overdue=False).label == "1 working hour left"
    assert TimeLeft(hours=-1.0, due=due, overdue=True).label == "1 working hour overdue"
    # Past the deadline over a weekend: no working hour has passed, but it is overdue all the same.
    assert TimeLeft(hours=0.0, due=due, overdue=True).label == "Deadline passed"


def test_overdue_rows_are_shown_in_red(town) -> None:
    late = submit(town, now=timezone.now() - timedelta(days=30))
    html = client_for(town.people["area_officer"]).get(INBOX).content.decode()
    row = html[html.index(late.tracking_code) :]
    assert "working hours overdue" in row[:3000] and "text-danger" in row[:3000]
