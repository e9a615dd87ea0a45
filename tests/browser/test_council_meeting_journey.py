"""A council meeting in a real browser: the secretary schedules a meeting with a citizen report on the
agenda, opens it, records attendance and the members' open votes, adopts a resolution and closes the
meeting; the chair approves the minutes; the secretary publishes them; a visitor reads them on the public
meeting page and downloads the PDF."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jdatetime
import pytest

from tests.browser.conftest import MANAGE_PY, REPO_ROOT, BrowserSession, DemoServer

pytestmark = pytest.mark.browser

NEIGHBORHOOD = "sarcheshmeh"  # the demo council accounts' neighborhood
MINUTES_TEXT = "جلسه با حضور اعضا برگزار شد و موضوع روشنایی کوچه‌ها بررسی شد"

# Run inside the demo server's database: make sure the neighborhood has an active council on which the
# demo council accounts sit, and a citizen report the chair proposed for the agenda.
SETUP = r"""
import json
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from mahalat.accounts.models import Role, RoleAssignment, User
from mahalat.accounts.phone import normalize_phone
from mahalat.councils.models import (Council, CouncilPolicy, CouncilState, MemberRole, Membership, SeatFill,
    SeatTemplate, SeatType)
from mahalat.reports.models import Report, ReportEndorsement
from mahalat.territory.models import Neighborhood

ROLE_OF = {Role.COUNCIL_CHAIR: MemberRole.CHAIR, Role.COUNCIL_SECRETARY: MemberRole.SECRETARY,
           Role.COUNCIL_MEMBER: MemberRole.MEMBER}
with transaction.atomic():
    hood = Neighborhood.objects.get(slug="%(slug)s")
    today = timezone.localdate()
    CouncilPolicy.objects.get_or_create(city_id=hood.city_id, in_force_from=today - timedelta(days=400))
    council = Council.objects.filter(neighborhood=hood, state=CouncilState.ACTIVE).first()
    if council is None:
        template = SeatTemplate.objects.filter(city_id=hood.city_id, is_default=True).first()
        if template is None:
            template = SeatTemplate.objects.create(city_id=hood.city_id, name="ترکیب آزمون", name_en="Test")
        council = Council.objects.create(
            city_id=hood.city_id, district_id=hood.district_id, area_id=hood.area_id, neighborhood=hood,
            seat_template=template, state=CouncilState.ACTIVE, term_start=today - timedelta(days=100),
            term_end=today + timedelta(days=600),
            term_number=Council.objects.filter(neighborhood=hood).count() + 1)
    seat_type = SeatType.objects.filter(template=council.seat_template).order_by("position").first()
    if seat_type is None:
        seat_type = SeatType.objects.create(template=council.seat_template, code="residents",
            name="نمایندگان ساکنان", name_en="Residents", fill=SeatFill.ELECTED, seats=5)
    holders = RoleAssignment.objects.active().filter(neighborhood=hood, role__in=list(ROLE_OF))
    for assignment in holders.select_related("user"):
        if Membership.objects.filter(council=council, user=assignment.user, ends_on__isnull=True).exists():
            continue
        role = ROLE_OF[assignment.role]
        taken = Membership.objects.filter(council=council, role=role, ends_on__isnull=True).exists()
        if role != MemberRole.MEMBER and taken:
            role = MemberRole.MEMBER
        Membership.objects.create(council=council, city_id=hood.city_id, district_id=hood.district_id,
            area_id=hood.area_id, neighborhood=hood, user=assignment.user, seat_type=seat_type, role=role,
            starts_on=council.term_start)
    reporter = User.objects.get(phone=normalize_phone("%(citizen_phone)s"))
    now = timezone.now()
    code = str(9000000000 + Report.objects.count())
    report = Report.objects.create(tracking_code=code, city_id=hood.city_id, district_id=hood.district_id,
        area_id=hood.area_id, neighborhood=hood, description="چراغ‌های کوچه شهید رضایی یک ماه است خاموش است",
        lat=0, lng=0, state="submitted", handler_kind="area", reporter=reporter, submitted_at=now,
        state_changed_at=now, triage_due_at=now + timedelta(days=1), resolve_due_at=now + timedelta(days=7),
        deputy_due_at=now + timedelta(days=14))
    chair = RoleAssignment.objects.active().filter(neighborhood=hood, role=Role.COUNCIL_CHAIR).first()
    ReportEndorsement.objects.create(report=report, endorsed_by=chair.user, proposed_for_agenda=True)
    print(json.dumps({"council": council.pk, "report": report.pk, "tracking_code": code}))
"""


def _account(server: DemoServer, role: str) -> dict[str, Any]:
    return next(a for a in server.accounts if a["role"] == role)


def _sign_in(page: Any, account: dict[str, Any]) -> None:
    page.goto("/accounts/login/")
    form = page.locator('main form[action^="/accounts/login/"]')
    form.locator('input[name="phone"]').fill(str(account["phone"]))
    form.locator('input[name="password"]').fill(str(account["password"]))
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def _setup(server: DemoServer) -> dict[str, Any]:
    script = SETUP % {"slug": NEIGHBORHOOD, "citizen_phone": _account(server, "citizen")["phone"]}
    result = subprocess.run(
        [sys.executable, str(MANAGE_PY), "shell", "-c", script],
        cwd=REPO_ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _submit(page: Any, button: Any) -> None:
    with page.expect_navigation():
        button.click()


def _jalali(day: Any) -> str:
    return jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")


def test_a_council_meeting_from_schedule_to_public_minutes(
    web: BrowserSession, demo_server: DemoServer, tmp_path
) -> None:
    data = _setup(demo_server)
    council_url = f"/workspace/councils/{data['council']}/meetings/"
    tomorrow = datetime.now(ZoneInfo("Asia/Tehran")).date() + timedelta(days=1)

    secretary = web.new_page()
    _sign_in(secretary, _account(demo_server, "council_secretary"))

    # Propose the citizen report for the agenda, then schedule the meeting.
    secretary.goto(f"{council_url}?report={data['report']}")
    propose = secretary.locator("#propose-form")
    assert propose.locator("#id_report").input_value() == str(data["report"])
    _submit(secretary, propose.locator("button"))
    schedule = secretary.locator("#schedule-form")
    schedule.locator("#id_day").fill(_jalali(tomorrow))
    schedule.locator("#id_starts").fill("10:00")
    schedule.locator("#id_ends").fill("12:00")
    schedule.locator("#id_place").fill("سرای محله سرچشمه")
    _submit(secretary, schedule.locator("button"))
    assert "/workspace/meetings/" in secretary.url
    manage_url = secretary.url

    # Put the report's item on the agenda and open the meeting.
    place = secretary.locator("#place-form")
    place.locator("select").select_option(
        label=next(o for o in place.locator("option").all_inner_texts() if data["tracking_code"] in o)
    )
    _submit(secretary, place.locator("button"))
    item = secretary.locator("[data-item]").filter(has_text=data["tracking_code"])
    assert item.count() == 1
    _submit(secretary, secretary.locator("#open-meeting"))
    assert secretary.locator("#close-meeting").count() == 1  # in session

    # Everyone seated is present.
    rows = secretary.locator("tr[data-member]")
    for index in range(rows.count()):
        _submit(secretary, secretary.locator("tr[data-member]").nth(index).locator('button[value="present"]'))
    assert (
        secretary.locator("tr[data-member] button[aria-pressed=true][value=present]").count() == rows.count()
    )

    # An open vote, each member's vote recorded by the secretary from the paper ballots.
    item = secretary.locator("[data-item]").filter(has_text=data["tracking_code"])
    _submit(secretary, item.locator('.open-vote button[value="voting"]'))
    item = secretary.locator("[data-item]").filter(has_text=data["tracking_code"])
    members = item.locator(".record-vote select[name=membership] option").evaluate_all(
        "os => os.map(o => o.value)"
    )
    assert len(members) >= 2
    for member in members:
        record = (
            secretary.locator("[data-item]").filter(has_text=data["tracking_code"]).locator(".record-vote")
        )
        record.locator("select[name=membership]").select_option(member)
        record.locator("select[name=choice]").select_option("for")
        _submit(secretary, record.locator("button"))
    _submit(
        secretary,
        secretary.locator("[data-item]").filter(has_text=data["tracking_code"]).locator(".close-vote"),
    )
    item = secretary.locator("[data-item]").filter(has_text=data["tracking_code"])
    assert item.locator("[data-vote-result] .text-bg-success").count() == 1

    # Adopt the resolution, the report linked.
    item.locator("details:has(.resolution-form) > summary").click()
    form = item.locator(".resolution-form")
    form.locator("textarea").fill("شهرداری ناحیه ظرف یک ماه چراغ‌های کوچه را تعمیر کند")
    form.locator("select[name$=responsible_kind]").select_option("area")
    form.locator("input[name$=deadline]").fill(_jalali(tomorrow + timedelta(days=30)))
    assert form.locator("input[name$=reports]").first.is_checked()
    _submit(secretary, form.locator("button"))
    assert secretary.locator(".alert-success").count() == 1, secretary.locator("main").inner_text()[:2000]

    # Close the meeting and write the minutes.
    _submit(secretary, secretary.locator("#close-meeting"))
    secretary.locator("#minutes-form #id_body").fill(f"<p>{MINUTES_TEXT}</p><script>alert(1)</script>")
    _submit(secretary, secretary.locator("#minutes-form button"))

    # The chair approves.
    chair = web.new_page()
    _sign_in(chair, _account(demo_server, "council_chair"))
    chair.goto(manage_url)
    _submit(chair, chair.locator("#approve-minutes"))
    assert chair.locator("#approve-minutes").count() == 0
    assert chair.locator("#minutes-form").count() == 0  # approved minutes are no longer edited

    # The secretary publishes.
    secretary.goto(manage_url)
    _submit(secretary, secretary.locator("#publish-minutes"))
    meeting_id = manage_url.rstrip("/").rsplit("/", 1)[-1]

    # A visitor reads the minutes and downloads the PDF.
    visitor = web.new_page(width=390, height=844)
    visitor.goto(f"/n/{NEIGHBORHOOD}/meetings/")
    with visitor.expect_navigation():
        visitor.locator(f'a[href="/meetings/{meeting_id}/"]').first.click()
    assert MINUTES_TEXT in visitor.locator("#minutes").inner_text()
    assert "alert(1)" not in visitor.content()
    assert visitor.locator("html").get_attribute("dir") == "rtl"
    with visitor.expect_download() as download:
        visitor.locator("#minutes-pdf").click()
    path = tmp_path / "minutes.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
