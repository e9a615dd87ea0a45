"""The "today" page of district and area staff: each section holds what needs their attention in their
own place and nothing of another district's, with a link to act, in a fixed number of queries; and the
deputy's attention list of referrals on the deputy's workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mahalat.councils.models import Council, CouncilState, SeatFill, SeatTemplate, SeatType
from mahalat.elections.models import (
    Application,
    CallState,
    Election,
    ElectionState,
    RegistrationCall,
    Residency,
)
from mahalat.meetings.models import MeetingState
from mahalat.referrals.models import Referral, ReferralEscalation, ReferralState, TargetKind
from mahalat.referrals.services import Target, referral_create, referral_transition
from mahalat.reports.models import Report
from mahalat.reports.services import report_submit
from mahalat.resolutions.models import Resolution
from tests.factories import UserFactory
from tests.referrals_world import ReferralWorld
from tests.resolutions.conftest import make_meeting, stored_resolution

pytestmark = pytest.mark.django_db

TODAY = reverse("workspace:today")
S = ReferralState
_numbers = count(1)


def _place(neighborhood: Any) -> dict[str, Any]:
    return {
        "city_id": neighborhood.city_id,
        "district_id": neighborhood.district_id,
        "area_id": neighborhood.area_id,
        "neighborhood_id": neighborhood.pk,
    }


def _late(referral: Referral, *, escalation: int = ReferralEscalation.NONE) -> None:
    """Every deadline of the referral passed a day ago."""
    past = timezone.now() - timedelta(days=1)
    Referral.objects.filter(pk=referral.pk).update(
        acknowledge_due_at=past - timedelta(days=2),
        answer_due_at=past - timedelta(days=1),
        finish_due_at=past,
        escalation_level=escalation,
        escalated_at=past if escalation else None,
    )


def _on_time(referral: Referral) -> None:
    soon = timezone.now() + timedelta(days=5)
    Referral.objects.filter(pk=referral.pk).update(
        acknowledge_due_at=soon,
        answer_due_at=soon + timedelta(days=1),
        finish_due_at=soon + timedelta(days=2),
    )


def _direct(w: ReferralWorld, *, sender: str, district: Any, target: Target, subject: str) -> Referral:
    referral = referral_create(
        actor=w.people[sender], target=target, subject=subject, note="یادداشت", district=district
    )
    _on_time(referral)
    return referral


def _report(w: ReferralWorld, point: tuple[float, float], text: str) -> Report:
    lat, lng = point
    return report_submit(
        actor=w.people["citizen"], city=w.city, description=text, lat=lat, lng=lng, category_slug="lighting"
    )


def _council(neighborhood: Any, template: SeatTemplate) -> Council:
    return Council.objects.create(
        **{k: v for k, v in _place(neighborhood).items() if k != "neighborhood_id"},
        neighborhood=neighborhood,
        seat_template=template,
        state=CouncilState.ACTIVE,
        term_start=date(2026, 1, 1),
        term_end=date(2028, 1, 1),
    )


def _resolution(council: Council, *, deadline: date, title: str) -> Resolution:
    return stored_resolution(
        council,
        meeting=make_meeting(
            council, state=MeetingState.CLOSED, starts_at=timezone.now() - timedelta(days=40)
        ),
        title=title,
        responsible_kind="district",
        deadline=deadline,
        state="assigned",
    )


@dataclass
class Day:
    world: ReferralWorld
    d1_late: Referral  # sent directly by district 1 to the power company, late and escalated to the manager
    d2_late: Referral  # district 2's own, late: never on district 1's or area 1-1's page
    to_a11: Referral  # district 2 refers to area 1-1: waiting for a11's (and d1's) answer
    answered: Referral  # from the leak report in n1 (a11): answered, waiting for the sender to close
    late_report: Report  # n3 (d1/a11), past its triage deadline
    other_report: Report  # n2 (d2), late and escalated
    late_resolution: Resolution  # n1's council
    other_resolution: Resolution  # n2's council
    claim: Residency  # n1
    other_claim: Residency  # n2
    application: Application  # n1, district 1's open call
    election: Election  # n1, polls closed


@pytest.fixture
def day(referral_world: ReferralWorld) -> Day:
    w = referral_world
    t = w.town
    d1_late = _direct(
        w,
        sender="district_officer",
        district=t.d1,
        target=Target(kind=TargetKind.AGENCY, agency=w.power),
        subject="برق‌رسانی به پارک محله",
    )
    _late(d1_late, escalation=ReferralEscalation.DISTRICT)
    d2_late = _direct(
        w,
        sender="other_district_officer",
        district=t.d2,
        target=Target(kind=TargetKind.AGENCY, agency=w.water),
        subject="فاضلاب خیابان منطقه دو",
    )
    _late(d2_late, escalation=ReferralEscalation.DEPUTY)
    to_a11 = _direct(
        w,
        sender="other_district_officer",
        district=t.d2,
        target=Target(kind=TargetKind.AREA, area=t.a11),
        subject="درخواست همکاری ناحیه",
    )
    answered = referral_create(
        actor=w.people["district_officer"],
        report=w.report,
        target=Target(kind=TargetKind.AGENCY, agency=w.water),
        subject="نشت آب کوچه",
        note="یادداشت داخلی",
    )
    liaison = w.people["liaison"]
    referral_transition(actor=liaison, referral=answered, to=S.ACKNOWLEDGED)
    referral_transition(actor=liaison, referral=answered, to=S.ACCEPTED)
    referral_transition(
        actor=liaison,
        referral=answered,
        to=S.ANSWERED,
        response="تعمیر شد",
        planned_date=timezone.localdate() + timedelta(days=3),
    )
    _on_time(answered)

    late_report = _report(w, t.P3, "چراغ کوچه خاموش است")
    other_report = _report(w, t.P2, "چراغ خیابان اصلی خاموش است")
    past = timezone.now() - timedelta(days=3)
    Report.objects.filter(pk=late_report.pk).update(triage_due_at=past, resolve_due_at=past)
    Report.objects.filter(pk=other_report.pk).update(
        triage_due_at=past, resolve_due_at=past, escalation_level=1
    )
    # The leak report follows its referral, on time.
    Report.objects.filter(pk=w.report.pk).update(resolve_due_at=timezone.now() + timedelta(days=5))

    template = SeatTemplate.objects.create(city=w.city, name="پایه", name_en="Basic", is_default=True)
    seat = SeatType.objects.create(
        template=template,
        code="residents",
        name="ساکنان",
        name_en="Residents",
        fill=SeatFill.ELECTED,
        seats=3,
    )
    c1, c2 = _council(t.n1, template), _council(t.n2, template)
    yesterday = timezone.localdate() - timedelta(days=1)
    late_resolution = _resolution(c1, deadline=yesterday, title="روشنایی کوچه شهید رضایی")
    _resolution(c1, deadline=timezone.localdate() + timedelta(days=10), title="مصوبه‌ای که وقت دارد")
    other_resolution = _resolution(c2, deadline=yesterday, title="مصوبه منطقه دو")

    claim = Residency.objects.create(**_place(t.n1), user=UserFactory(), address="کوچه اول")
    other_claim = Residency.objects.create(**_place(t.n2), user=UserFactory(), address="کوچه دوم")
    now = timezone.now()
    call = RegistrationCall.objects.create(
        city=w.city,
        district=t.d1,
        title="فراخوان شورای سرچشمه",
        opens_at=now - timedelta(days=5),
        closes_at=now + timedelta(days=5),
        state=CallState.OPEN,
        created_by=w.people["district_officer"],
    )
    application = Application.objects.create(
        **_place(t.n1),
        call=call,
        applicant=UserFactory(),
        seat_type=seat,
        birth_date=date(1990, 1, 1),
        address="کوچه سوم",
        statement="برای خدمت",
    )
    election = Election.objects.create(
        **_place(t.n1),
        council=c1,
        seat_type=seat,
        seats=1,
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(days=1),
        state=ElectionState.CLOSED,
    )
    return Day(
        w,
        d1_late,
        d2_late,
        to_a11,
        answered,
        late_report,
        other_report,
        late_resolution,
        other_resolution,
        claim,
        other_claim,
        application,
        election,
    )


def _sections(client: Any, person: Any, **query: str) -> dict[str, Any]:
    client.force_login(person)
    response = client.get(TODAY, query)
    assert response.status_code == 200
    return {s.key: s for s in response.context["sections"]}


def _pks(section: Any) -> set[int]:
    return {row.pk for row in section.rows}


def test_district_manager_sees_what_needs_attention_in_the_district(client: Any, day: Day) -> None:
    sections = _sections(client, day.world.people["district_manager"])
    assert _pks(sections["referrals-late"]) == {day.d1_late.pk}
    assert _pks(sections["referrals-escalated"]) == {day.d1_late.pk}
    assert _pks(sections["referrals-to_answer"]) == {day.to_a11.pk}  # sent to an area of the district
    assert _pks(sections["referrals-waiting"]) == {day.d1_late.pk}
    assert _pks(sections["referrals-to_close"]) == {day.answered.pk}
    assert _pks(sections["reports-late"]) == {day.late_report.pk}
    assert _pks(sections["reports-escalated"]) == set()
    assert _pks(sections["resolutions-late"]) == {day.late_resolution.pk}
    assert _pks(sections["approvals-residency"]) == {day.claim.pk}
    assert _pks(sections["approvals-applications"]) == {day.application.pk}
    assert _pks(sections["approvals-elections"]) == {day.election.pk}
    assert sections["referrals-late"].count == 1 and sections["approvals-residency"].count == 1
    html = client.get(TODAY).content.decode()
    # Links to act: the referral's page, the report in the inbox, the full filtered list.
    assert f'href="/referrals/{day.d1_late.pk}/"' in html
    assert reverse("workspace:inbox-report", args=[day.late_report.tracking_code]) in html
    assert "/referrals/?due=overdue" in html
    assert reverse("resolutions:staff-detail", args=[day.late_resolution.pk]) in html
    assert reverse("elections:staff-election", args=[day.election.pk]) in html
    # Nothing of district 2.
    for text in ("فاضلاب خیابان منطقه دو", "مصوبه منطقه دو", day.other_report.tracking_code):
        assert text not in html


def test_area_officer_sees_only_the_area(client: Any, day: Day) -> None:
    sections = _sections(client, day.world.people["area_officer"])
    # District 1's direct referral has no area: not the area's.
    assert _pks(sections["referrals-late"]) == set()
    assert _pks(sections["referrals-to_answer"]) == {day.to_a11.pk}
    assert _pks(sections["referrals-waiting"]) == set()
    assert _pks(sections["referrals-to_close"]) == {day.answered.pk}  # the leak report is in the area
    assert _pks(sections["reports-late"]) == {day.late_report.pk}
    assert _pks(sections["resolutions-late"]) == {day.late_resolution.pk}
    assert _pks(sections["approvals-residency"]) == {day.claim.pk}
    # Applications and elections are the district's business.
    assert "approvals-applications" not in sections and "approvals-elections" not in sections


def test_other_district_sees_its_own_rows(client: Any, day: Day) -> None:
    sections = _sections(client, day.world.people["other_district_officer"])
    assert _pks(sections["referrals-late"]) == {day.d2_late.pk}
    assert _pks(sections["referrals-waiting"]) == {day.d2_late.pk, day.to_a11.pk}
    assert _pks(sections["referrals-to_answer"]) == set()
    assert _pks(sections["reports-late"]) == {day.other_report.pk}
    assert _pks(sections["reports-escalated"]) == {day.other_report.pk}
    assert _pks(sections["resolutions-late"]) == {day.other_resolution.pk}
    assert _pks(sections["approvals-residency"]) == {day.other_claim.pk}
    assert _pks(sections["approvals-applications"]) == set()


def test_only_district_and_area_staff_have_the_page(client: Any, day: Day) -> None:
    people = day.world.people
    for name in ("citizen", "liaison", "deputy", "city_council", "council_chair"):
        client.force_login(people[name])
        assert client.get(TODAY).status_code == 403, name
    client.logout()
    assert client.get(TODAY).status_code == 302
    # Someone who is an area officer and on the deputy's staff gets the area's page only.
    sections = _sections(client, people["officer_and_deputy"])
    assert _pks(sections["referrals-waiting"]) == set()
    assert day.d2_late.pk not in _pks(sections["referrals-late"])


def test_workspace_page_links_to_today(client: Any, day: Day) -> None:
    client.force_login(day.world.people["district_manager"])
    html = client.get(reverse("workspace:space", args=["district-manager"])).content.decode()
    assert f"{TODAY}?as=district-manager" in html
    client.force_login(day.world.people["citizen"])
    assert TODAY not in client.get(reverse("workspace:space", args=["citizen"])).content.decode()


def test_today_reads_in_a_fixed_number_of_queries(
    client: Any, day: Day, django_assert_max_num_queries: Any
) -> None:
    w = day.world
    manager = w.people["district_manager"]
    client.force_login(manager)
    client.get(TODAY)  # warm the session

    def measure() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(TODAY).status_code == 200
        return len(captured)

    def more(batch: int) -> None:
        """Rows in every section of district 1."""
        for i in range(7):
            referral = _direct(
                w,
                sender="district_officer",
                district=w.town.d1,
                target=Target(kind=TargetKind.AGENCY, agency=w.power),
                subject=f"ارجاع {batch}-{i}",
            )
            _late(referral, escalation=ReferralEscalation.DISTRICT)
            report = _report(w, w.town.P3, f"چراغ شماره {batch}-{i} خاموش است")
            Report.objects.filter(pk=report.pk).update(
                triage_due_at=timezone.now() - timedelta(days=1), escalation_level=1
            )
            Residency.objects.create(**_place(w.town.n3), user=UserFactory(), address=f"پلاک {batch}-{i}")

    more(1)
    before = measure()
    more(2)
    assert measure() == before
    with django_assert_max_num_queries(30):
        response = client.get(TODAY)
    sections = {s.key: s for s in response.context["sections"]}
    assert sections["referrals-late"].count == 15 and len(sections["referrals-late"].rows) == 10
    assert sections["reports-escalated"].count == 14
    assert sections["approvals-residency"].count == 15 and len(sections["approvals-residency"].rows) == 10


def test_deputy_workspace_lists_referrals_escalated_to_the_deputy(
    client: Any, day: Day, django_assert_max_num_queries: Any
) -> None:
    client.force_login(day.world.people["deputy"])
    url = reverse("workspace:space", args=["deputy"])
    with django_assert_max_num_queries(25):
        response = client.get(url)
    html = response.content.decode()
    assert f'href="/referrals/{day.d2_late.pk}/"' in html  # on the deputy's list
    assert f'href="/referrals/{day.d1_late.pk}/"' not in html  # escalated to the district manager only
    (entry,) = response.context["scopes"]
    assert entry["referral_attention"].count == 1
    # Done with it: off the list.
    Referral.objects.filter(pk=day.d2_late.pk).update(state=ReferralState.DONE)
    html = client.get(url).content.decode()
    assert f'href="/referrals/{day.d2_late.pk}/"' not in html
