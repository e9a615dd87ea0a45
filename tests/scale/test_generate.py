"""The scale generator at `small` size writes a consistent data set: every foreign key resolves, every
history is a walk through its lifecycle table ending in the row's state, denormalized columns agree
with what they copy, and the product's own pages render it."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, F, Q
from django.urls import reverse

from mahalat.accounts.models import Role, RoleAssignment, User
from mahalat.councils.models import Council, CouncilState, CouncilTransition, Membership
from mahalat.councils.workflow import TRANSITIONS as COUNCIL_TRANSITIONS
from mahalat.insights.models import IndicatorValue
from mahalat.meetings.models import AgendaItem, AgendaItemState, Attendance, Meeting, MeetingState
from mahalat.referrals.models import OPEN_REFERRAL_STATES, Referral, ReferralTransition
from mahalat.referrals.workflow import TRANSITIONS as REFERRAL_TRANSITIONS
from mahalat.reports.models import (
    OPEN_STATES,
    Report,
    ReportComment,
    ReportState,
    ReportSupport,
    ReportTransition,
)
from mahalat.reports.services import tracking_code_is_well_formed
from mahalat.reports.workflow import TRANSITIONS as REPORT_TRANSITIONS
from mahalat.resolutions.models import Resolution, ResolutionTransition
from mahalat.resolutions.workflow import TRANSITIONS as RESOLUTION_TRANSITIONS
from mahalat.scale.generate import WRITTEN, ScaleSummary, city_delete, scale_data_generate, tracking_code_for
from mahalat.scale.sizes import SMALL
from mahalat.scale.writer import foreign_keys_verify, trigger_checks_off
from mahalat.territory.locate import invalidate_index, locate
from mahalat.territory.models import City, Neighborhood

pytestmark = pytest.mark.django_db(transaction=False)

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
TINY = SMALL.scaled(0.1)


@pytest.fixture(scope="module")
def small(django_db_setup: None, django_db_blocker: Any) -> Iterator[ScaleSummary]:
    """One `small` city for the module's checks, committed, and removed again at the end."""
    with django_db_blocker.unblock():
        summary = scale_data_generate(size=SMALL, slug="scale-test", seed=7, progress=False, now=NOW)
        invalidate_index()
        yield summary
        with transaction.atomic():
            city_delete(City.objects.get(slug="scale-test"))
        invalidate_index()


def _walk(
    rows: list[tuple[int, str, str]], table: dict[tuple[str, str], object], first: set[str]
) -> dict[int, str]:
    """Check each object's history (object id, from, to; in order) is a walk through `table` starting
    from "" into one of `first`; return each object's last state."""
    last: dict[int, str] = {}
    for obj, frm, to in rows:
        if obj not in last:
            assert frm == "" and to in first, (obj, frm, to)
        else:
            assert frm == last[obj], (obj, frm, to, last[obj])
            assert (frm, to) in table, (obj, frm, to)
        last[obj] = to
    return last


def test_every_foreign_key_points_at_a_row(small: ScaleSummary) -> None:
    checked = 0
    for model in WRITTEN:
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            target = field.related_model
            dangling = (
                model.objects.exclude(**{f"{field.attname}__isnull": True})
                .exclude(**{f"{field.attname}__in": target.objects.values("pk")})
                .count()
            )
            assert dangling == 0, f"{model._meta.db_table}.{field.column}"
            checked += 1
    assert checked > 60
    # Ids copied beside the foreign keys (no constraint holds them) agree with their report.
    for model in (ReportTransition, ReportComment):
        assert not model.objects.exclude(
            city_id=F("report__city_id"), neighborhood_id=F("report__neighborhood_id")
        ).exists()
    assert not ReferralTransition.objects.exclude(city_id=F("referral__city_id")).exists()
    for model in (Report, Meeting, AgendaItem, Resolution, Membership, Council):
        assert not model.objects.exclude(
            district_id=F("neighborhood__district_id"), area_id=F("neighborhood__area_id")
        ).exists(), model


def test_the_sizes_are_the_table(small: ScaleSummary) -> None:
    city = City.objects.get(slug="scale-test")
    assert city.districts.count() == SMALL.districts
    assert city.areas.count() == SMALL.areas
    assert city.neighborhoods.count() == SMALL.neighborhoods
    assert Report.objects.filter(city=city).count() == SMALL.reports
    assert Council.objects.filter(city=city, state=CouncilState.ACTIVE).count() == SMALL.neighborhoods
    assert small.tables["reports_report"].rows == SMALL.reports
    assert small.rows == sum(s.rows for s in small.tables.values()) > 20_000
    assert IndicatorValue.objects.filter(city_id=city.pk).exists()


def test_every_report_history_ends_in_its_state(small: ScaleSummary) -> None:
    rows = ReportTransition.objects.order_by("report_id", "created_at", "id").values_list(
        "report_id", "from_state", "to_state"
    )
    last = _walk(list(rows), REPORT_TRANSITIONS, {ReportState.SUBMITTED, ReportState.UNVERIFIED})
    states = dict(Report.objects.values_list("id", "state"))
    assert last == states
    # A report's own dates agree with its history.
    assert not Report.objects.filter(state=ReportState.CLOSED, closed_at=None).exists()
    assert not Report.objects.filter(state=ReportState.RESOLVED, resolved_at=None).exists()
    assert not Report.objects.filter(state=ReportState.DUPLICATE, duplicate_of=None).exists()
    assert not Report.objects.filter(state=ReportState.REJECTED, rejection_reason="").exists()
    assert not Report.objects.filter(submitted_at__gt=F("state_changed_at")).exists()
    assert not Report.objects.filter(state_changed_at__gt=NOW).exists()
    assert not Report.objects.filter(duplicate_of__state=ReportState.DUPLICATE).exists()
    # Every state of the lifecycle occurs, open reports are escalated only past their deadlines.
    seen = set(states.values())
    assert seen >= set(ReportState.values) - {ReportState.UNVERIFIED}, seen
    assert not Report.objects.exclude(state__in=OPEN_STATES).exclude(escalation_level=0).exists()
    assert not Report.objects.filter(escalation_level__gt=0, escalated_at__gt=NOW).exists()
    assert Report.objects.filter(escalation_level__gt=0).exists()
    last_moment = dict(
        ReportTransition.objects.values("report_id")
        .annotate(last=models.Max("created_at"))
        .values_list("report_id", "last")
    )
    assert all(last_moment[r.pk] == r.state_changed_at for r in Report.objects.only("state_changed_at"))


def test_counters_codes_and_points_agree(small: ScaleSummary) -> None:
    supports = Counter(ReportSupport.objects.values_list("report_id", flat=True))
    counters = dict(Report.objects.values_list("id", "supports_count"))
    assert sum(counters.values()) == sum(supports.values()) > 0
    assert all(counters[rid] == supports.get(rid, 0) for rid in counters)
    assert not ReportSupport.objects.filter(user_id=F("report__reporter_id")).exists()
    assert (
        ReportSupport.objects.values("report_id", "user_id").annotate(n=Count("id")).filter(n__gt=1).count()
        == 0
    )
    codes = list(Report.objects.values_list("tracking_code", flat=True))
    assert len(set(codes)) == len(codes)
    assert all(tracking_code_is_well_formed(code) for code in codes)
    assert len({tracking_code_for(i) for i in range(1, 200_001)}) == 200_000
    for report in Report.objects.only("lat", "lng", "neighborhood_id"):
        found = locate(report.lat, report.lng)
        assert found is not None and found.neighborhood_id == report.neighborhood_id
    # Reports without a category wait in the district's triage queue until triaged.
    assert not Report.objects.filter(category=None, needs_routing=False, state=ReportState.SUBMITTED).exists()
    assert not Report.objects.filter(needs_routing=True).exclude(category=None).exists()
    assert not User.objects.filter(email__endswith="scale.example").exclude(password__startswith="!").exists()


def test_referrals_follow_their_reports(small: ScaleSummary) -> None:
    rows = ReferralTransition.objects.order_by("referral_id", "at", "id").values_list(
        "referral_id", "from_state", "to_state"
    )
    last = _walk(list(rows), REFERRAL_TRANSITIONS, {"sent"})
    assert last == dict(Referral.objects.values_list("id", "state"))
    referred = set(Report.objects.filter(state=ReportState.REFERRED).values_list("id", flat=True))
    open_referrals = set(
        Referral.objects.filter(state__in=OPEN_REFERRAL_STATES).values_list("report_id", flat=True)
    )
    assert referred == open_referrals and referred
    # The agency a referred report is with is the referral's.
    assert (
        not Report.objects.filter(state=ReportState.REFERRED)
        .exclude(
            handler_agency_id__in=Referral.objects.filter(state__in=OPEN_REFERRAL_STATES).values(
                "target_agency_id"
            )
        )
        .exists()
    )
    assert not Referral.objects.filter(~Q(report__transitions__to_state=ReportState.REFERRED)).exists()


def test_councils_meetings_and_resolutions_are_consistent(small: ScaleSummary) -> None:
    per_hood = Counter(
        Council.objects.filter(state__in=["forming", "active", "suspended"]).values_list(
            "neighborhood_id", flat=True
        )
    )
    assert set(per_hood.values()) == {1} and len(per_hood) == SMALL.neighborhoods
    assert not Council.objects.filter(state=CouncilState.RENEWED, term_end__gt=NOW.date()).exists()
    assert not Council.objects.filter(term_number__gt=1, predecessor=None).exists()
    rows = CouncilTransition.objects.order_by("council_id", "at", "id").values_list(
        "council_id", "from_state", "to_state"
    )
    last: dict[int, str] = {}
    for council, frm, to in rows:
        assert frm == last.get(council, CouncilState.FORMING) and (frm, to) in COUNCIL_TRANSITIONS
        last[council] = to
    assert last == dict(Council.objects.values_list("id", "state"))
    # Meetings fall in their council's term; held ones have attendance for every member.
    assert not Meeting.objects.filter(starts_at__date__lt=F("council__term_start")).exists()
    assert not Meeting.objects.filter(state=MeetingState.SCHEDULED, starts_at__lt=NOW).exists()
    assert not Meeting.objects.filter(state=MeetingState.CLOSED, starts_at__gt=NOW).exists()
    members = Counter(Membership.objects.values_list("council_id", flat=True))
    attended = Attendance.objects.values("meeting_id", "meeting__council_id").annotate(n=Count("id"))
    assert attended and all(a["n"] == members[a["meeting__council_id"]] for a in attended)
    held = Meeting.objects.filter(state=MeetingState.CLOSED)
    assert not held.exclude(pk__in=Attendance.objects.values("meeting_id")).exists()
    # Current members hold the council role; past terms' members do not.
    current = Membership.objects.filter(ends_on=None)
    assert not current.filter(role_assignment=None).exists()
    assert not Membership.objects.exclude(ends_on=None).exclude(role_assignment=None).exists()
    assert RoleAssignment.objects.filter(role=Role.COUNCIL_CHAIR).count() == SMALL.neighborhoods
    # Adopted items, and only those, became resolutions; histories end in the state.
    adopted = set(AgendaItem.objects.filter(adopted=True).values_list("id", flat=True))
    assert adopted == set(Resolution.objects.values_list("agenda_item_id", flat=True)) and adopted
    assert not AgendaItem.objects.filter(adopted=True).exclude(state=AgendaItemState.DECIDED).exists()
    rows = ResolutionTransition.objects.order_by("resolution_id", "at", "id").values_list(
        "resolution_id", "from_state", "to_state"
    )
    last = _walk(list(rows), RESOLUTION_TRANSITIONS, {"adopted"})
    assert last == dict(Resolution.objects.values_list("id", "state"))
    # Items taken up from citizen reports: of the council's neighborhood, filed before the meeting;
    # their resolutions are linked to the report.
    from_reports = AgendaItem.objects.filter(source="report")
    assert from_reports.exists()
    assert not from_reports.exclude(report__neighborhood_id=F("neighborhood_id")).exists()
    assert not from_reports.filter(report__submitted_at__gt=F("meeting__starts_at")).exists()
    linked = set(Resolution.reports.through.objects.values_list("resolution__agenda_item_id", "report_id"))
    assert linked == set(from_reports.filter(adopted=True).values_list("id", "report_id"))
    numbers: dict[tuple[int, int], list[int]] = defaultdict(list)
    for council, year, number in Resolution.objects.order_by("adopted_at").values_list(
        "council_id", "jalali_year", "sequence"
    ):
        numbers[(council, year)].append(number)
    assert all(seq == list(range(1, len(seq) + 1)) for seq in numbers.values())


def test_the_product_pages_render_the_generated_data(small: ScaleSummary, client) -> None:
    city = City.objects.get(slug="scale-test")
    hood = Neighborhood.objects.filter(city=city).order_by("id").first()
    assert hood is not None
    report = Report.objects.filter(neighborhood=hood, is_public=True, state=ReportState.CLOSED).first()
    assert report is not None
    assert client.get(reverse("portal:neighborhood", args=[hood.slug])).status_code == 200
    assert client.get(reverse("portal:neighborhood-reports", args=[hood.slug])).status_code == 200
    page = client.get(reverse("portal:report", args=[report.tracking_code]))
    assert page.status_code == 200
    assert report.tracking_code[-4:] in page.content.decode() or page.content
    officer = (
        RoleAssignment.objects.filter(role=Role.DISTRICT_OFFICER, district_id=hood.district_id).first().user
    )
    client.force_login(officer)
    inbox = client.get(reverse("workspace:inbox"), {"state": "submitted"})
    assert inbox.status_code == 200
    assert client.get(reverse("workspace:inbox-report", args=[report.tracking_code])).status_code == 200


def test_it_refuses_an_existing_city_and_replaces_only_that_one() -> None:
    scale_data_generate(size=TINY, slug="scale-a", seed=1, progress=False, indicators=False, now=NOW)
    scale_data_generate(size=TINY, slug="scale-b", seed=2, progress=False, indicators=False, now=NOW)
    b = City.objects.get(slug="scale-b")
    before_b = Report.objects.filter(city=b).count()
    users_before = User.objects.count()
    with pytest.raises(ValidationError):
        scale_data_generate(size=TINY, slug="scale-a", progress=False, indicators=False, now=NOW)
    scale_data_generate(
        size=TINY, slug="scale-a", seed=3, replace=True, progress=False, indicators=False, now=NOW
    )
    a = City.objects.get(slug="scale-a")
    assert Report.objects.filter(city=a).count() == TINY.reports
    assert Report.objects.filter(city=b).count() == before_b
    assert User.objects.count() == users_before  # the old city's people went with it
    # The two cities lie apart: each city's points are located in it.
    invalidate_index()
    for report in Report.objects.filter(city=b)[:50]:
        assert locate(report.lat, report.lng).city.id == b.pk
    city_delete(a)
    assert not City.objects.filter(slug="scale-a").exists()
    assert not Report.objects.filter(city_id=a.pk).exists()
    assert Report.objects.filter(city=b).count() == before_b


def test_the_command_prints_the_rates_and_refuses_bad_input() -> None:
    out = StringIO()
    call_command(
        "generate_scale_data",
        "--size=small",
        "--fraction=0.05",
        "--city-slug=scale-cmd",
        "--no-progress",
        "--no-indicators",
        "--skip-checks",
        stdout=out,
    )
    text = out.getvalue()
    assert "reports_report" in text and "rows/s" in text
    assert Report.objects.filter(city__slug="scale-cmd").count() == 100
    with pytest.raises(CommandError):
        call_command(
            "generate_scale_data", "--size=small", "--city-slug=scale-cmd", "--no-progress", "--skip-checks"
        )
    with pytest.raises(CommandError):
        call_command("generate_scale_data", "--size=small", "--fraction=0", "--no-progress", "--skip-checks")
    with pytest.raises(CommandError):
        call_command("generate_scale_data", "--size=small", "--city-slug=not a slug", "--skip-checks")
    assert City.objects.filter(slug__startswith="scale-cmd").count() == 1


def test_the_set_based_foreign_key_check_finds_a_dangling_row() -> None:
    """Where the per-row checks are switched off for speed, this check stands in for them."""
    scale_data_generate(size=TINY, slug="scale-fk", seed=4, progress=False, indicators=False, now=NOW)
    foreign_keys_verify(dict.fromkeys(WRITTEN, 0))  # the generated rows pass
    if connection.vendor == "postgresql":
        trigger_checks_off()
    report = Report.objects.filter(city__slug="scale-fk").first()
    missing = (User.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1000
    with connection.constraint_checks_disabled():
        ReportSupport.objects.bulk_create([ReportSupport(report=report, user_id=missing, created_at=NOW)])
    with pytest.raises(IntegrityError, match=r"reports_reportsupport\.user_id"):
        foreign_keys_verify({ReportSupport: 0})
    ReportSupport.objects.filter(user_id=missing).delete()


def test_several_cities_lie_apart_with_their_own_people() -> None:
    pair = replace(TINY, name="pair", cities=2)
    summary = scale_data_generate(
        size=pair, slug="scale-pair", seed=5, progress=False, indicators=False, now=NOW
    )
    assert summary.cities == ["scale-pair-01", "scale-pair-02"]
    invalidate_index()
    for city in City.objects.filter(slug__startswith="scale-pair"):
        reports = Report.objects.filter(city=city)
        assert reports.count() == TINY.reports
        for report in reports[:40]:
            assert locate(report.lat, report.lng).city.id == city.pk
        reporters = set(reports.exclude(reporter=None).values_list("reporter__email", flat=True))
        assert reporters and all(email.endswith(f"@{city.slug}.scale.example") for email in reporters)
