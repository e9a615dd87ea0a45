"""The demo city's agencies, service-level agreements and referrals: a smaller year (150 reports, the
councils, the direct and resolution referrals) loaded once for the whole module, in a transaction
rolled back when the module ends; each test runs in its own savepoint inside it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from mahalat.accounts.models import Role, RoleAssignment
from mahalat.accounts.phone import normalize_phone
from mahalat.accounts.rules import has_permission
from mahalat.accounts.services import user_authenticate
from mahalat.audit.models import Event
from mahalat.demo import referral_texts
from mahalat.demo.city import AGENCIES, AGREEMENTS, CITY_SLUG, WATER_AGENCY_SLUG
from mahalat.demo.council_loader import demo_councils_load
from mahalat.demo.referral_loader import DemoReferralsSummary, demo_referrals_load
from mahalat.demo.reports import DemoReportsSummary, demo_reports_load
from mahalat.demo.services import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_city_load
from mahalat.notifications.models import Notification, State
from mahalat.persian.text import normalize_text
from mahalat.referrals.models import (
    OPEN_REFERRAL_STATES,
    Agency,
    AlarmKind,
    Referral,
    ReferralAlarm,
    ReferralState,
    ReferralTransition,
    ServiceAgreement,
    SourceKind,
    TargetKind,
)
from mahalat.referrals.services import agreement_hours
from mahalat.reports.models import Category, Report, ReportState
from mahalat.territory.locate import invalidate_index
from mahalat.worktime.calendar import local_date

REPORTS = 150


@dataclass(frozen=True)
class Loaded:
    reports: DemoReportsSummary
    referrals: DemoReferralsSummary
    started: datetime


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Loaded]:
    with django_db_blocker.unblock(), transaction.atomic():
        started = timezone.now()
        demo_city_load(progress=False)
        invalidate_index()
        reports = demo_reports_load(count=REPORTS, progress=False)
        demo_councils_load(progress=False)
        yield Loaded(reports=reports, referrals=demo_referrals_load(progress=False), started=started)
        transaction.set_rollback(True)
    invalidate_index()


def _liaison_accounts() -> dict[str, dict[str, Any]]:
    return {str(a["scope"]): dict(a) for a in DEMO_ACCOUNTS if a["role"] == Role.AGENCY_LIAISON}


# --- the registry and the agreements ---------------------------------------------------------------


@pytest.mark.django_db
def test_about_ten_agencies_each_with_a_liaison_who_signs_in(loaded: Loaded) -> None:
    agencies = list(Agency.objects.filter(city__slug=CITY_SLUG).prefetch_related("districts"))
    assert 10 <= len(agencies) == len(AGENCIES)
    assert len({a.kind for a in agencies}) >= 8
    accounts = _liaison_accounts()
    assert set(accounts) == {a.slug for a in agencies}
    for agency in agencies:
        assert agency.name and agency.name_en and agency.contact_person and agency.address, agency.slug
        assert agency.contact_phone or agency.contact_email, agency.slug
        account = accounts[agency.slug]
        user = user_authenticate(phone=str(account["phone"]), password=DEMO_PASSWORD)
        assert (
            RoleAssignment.objects.active()
            .filter(user=user, role=Role.AGENCY_LIAISON, agency=agency)
            .exists()
        )
        assert has_permission(user, "governance.act_for_agency", agency)
    assert accounts[WATER_AGENCY_SLUG]["phone"] == "09120000008"  # the featured liaison
    partial = [a for a in agencies if not a.is_citywide]
    assert 1 <= len(partial) <= 2
    served = [set(a.districts.values_list("number", flat=True)) for a in partial]
    assert all(served) and all(s != {1, 2, 3, 4} for s in served)
    assert all(not a.districts.exists() for a in agencies if a.is_citywide)


@pytest.mark.django_db
def test_agreements_are_authored_by_the_deputy(loaded: Loaded) -> None:
    deputy_phone = next(a["phone"] for a in DEMO_ACCOUNTS if a["role"] == Role.DEPUTY)
    rows = list(ServiceAgreement.objects.filter(city__slug=CITY_SLUG).select_related("updated_by"))
    assert len(rows) == len(AGREEMENTS)
    assert {r.updated_by.phone for r in rows} == {normalize_phone(deputy_phone)}
    assert Event.objects.filter(action="referrals.agreement.created").count() >= len(AGREEMENTS)
    defaults = {r.agency_id for r in rows if r.category_id is None}
    assert set(Agency.objects.filter(city__slug=CITY_SLUG).values_list("id", flat=True)) | {None} == defaults
    assert any(r.agency_id is None and r.category_id is not None for r in rows)
    # Leaks are faster than the water company's default.
    water = Agency.objects.get(slug=WATER_AGENCY_SLUG)
    leaks = Category.objects.get(city=water.city, slug="water-sewage")
    fast = agreement_hours(city_id=water.city_id, agency_id=water.pk, category_id=leaks.pk)
    default = agreement_hours(city_id=water.city_id, agency_id=water.pk, category_id=None)
    assert fast.acknowledge < default.acknowledge and fast.finish < default.finish


# --- the referrals ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_state_source_and_target(loaded: Loaded) -> None:
    referrals = Referral.objects.filter(city__slug=CITY_SLUG)
    assert set(referrals.values_list("state", flat=True)) == set(ReferralState.values)
    assert set(referrals.values_list("source_kind", flat=True)) == set(SourceKind.values)
    assert set(referrals.values_list("target_kind", flat=True)) == set(TargetKind.values)
    assert loaded.referrals.referrals == referrals.count() == sum(loaded.referrals.by_state.values())
    assert loaded.reports.referrals == referrals.filter(source_kind=SourceKind.REPORT).count() > 10
    assert referrals.filter(share_reporter_contact=True).exists()
    assert not referrals.exclude(source_kind=SourceKind.REPORT).filter(share_reporter_contact=True).exists()
    assert referrals.filter(state=ReferralState.DONE, reopen_count__gt=0).exists()


@pytest.mark.django_db
def test_overdue_referrals_are_escalated_once(loaded: Loaded) -> None:
    referrals = list(Referral.objects.filter(city__slug=CITY_SLUG))
    overdue = [r for r in referrals if r.is_overdue(loaded.started)]
    assert len(overdue) >= 5
    assert {r.state for r in overdue} >= {ReferralState.SENT, ReferralState.ACKNOWLEDGED}
    breaches = set(
        ReferralAlarm.objects.filter(kind=AlarmKind.BREACH).values_list("referral_id", "deadline", "round")
    )
    now = timezone.now()
    for referral in overdue:
        assert referral.escalation_level > 0, referral.pk
        assert loaded.started <= referral.escalated_at <= now
        assert any(key[0] == referral.pk for key in breaches)
    assert loaded.reports.referrals_escalated + loaded.referrals.escalated == len(breaches)
    # Escalation is for what is still owed: nothing closed in time was ever escalated.
    assert not any(
        r.escalation_level for r in referrals if r.state not in OPEN_REFERRAL_STATES and not r.escalated_at
    )


@pytest.mark.django_db
def test_a_referred_report_follows_its_referral(loaded: Loaded) -> None:
    by_report: dict[int, list[Referral]] = {}
    for referral in Referral.objects.filter(source_kind=SourceKind.REPORT).order_by("sent_at", "id"):
        by_report.setdefault(referral.report_id, []).append(referral)
    reports = Report.objects.in_bulk(list(by_report))
    for report_id, chain in by_report.items():
        report, last = reports[report_id], chain[-1]
        assert sum(r.is_open for r in chain) <= 1
        if last.is_open:
            assert report.state == ReportState.REFERRED, report.tracking_code
            assert report.handler_agency_id == last.target_agency_id
        else:
            assert report.state != ReportState.REFERRED, report.tracking_code
        if last.state == ReferralState.DONE:
            assert report.state in {ReportState.RESOLVED, ReportState.CLOSED, ReportState.REOPENED}
        if last.state == ReferralState.DECLINED:
            assert report.state in {ReportState.IN_PROGRESS, ReportState.RESOLVED, ReportState.CLOSED}
    assert not Report.objects.filter(state=ReportState.REFERRED).exclude(pk__in=list(by_report)).exists()


@pytest.mark.django_db
def test_histories_are_whole_and_dated_in_the_past_year(loaded: Loaded) -> None:
    now = timezone.now()
    history: dict[int, list[ReferralTransition]] = {}
    for t in ReferralTransition.objects.order_by("referral_id", "at", "id"):
        history.setdefault(t.referral_id, []).append(t)
    liaisons = dict(
        RoleAssignment.objects.active().filter(role=Role.AGENCY_LIAISON).values_list("user_id", "agency_id")
    )
    for referral in Referral.objects.select_related("report", "resolution"):
        steps = history[referral.pk]
        assert steps[0].from_state == "" and steps[0].to_state == ReferralState.SENT
        assert steps[0].at == referral.sent_at
        assert now - timedelta(days=400) < referral.sent_at <= now
        for before, after in itertools.pairwise(steps):
            assert after.from_state == before.to_state
            assert before.at <= after.at <= now
        assert steps[-1].to_state == referral.state and steps[-1].at == referral.state_changed_at
        if referral.report is not None:
            assert referral.report.submitted_at <= referral.sent_at
        if referral.resolution is not None:
            assert referral.resolution.adopted_at <= referral.sent_at
        for step in steps:
            if referral.target_kind == TargetKind.AGENCY and step.to_state in {
                ReferralState.ACKNOWLEDGED,
                ReferralState.ACCEPTED,
                ReferralState.DECLINED,
                ReferralState.ANSWERED,
            }:
                assert liaisons.get(step.actor_id) == referral.target_agency_id
        if referral.answered_at is not None:
            assert referral.response
            assert referral.planned_date is not None
            assert referral.planned_date >= local_date(referral.answered_at)
        if referral.state == ReferralState.DECLINED:
            assert referral.decline_reason and referral.suggested_body


@pytest.mark.django_db
def test_no_notification_of_the_load_is_left_pending(loaded: Loaded) -> None:
    assert loaded.referrals.notifications > 0
    assert not Notification.objects.filter(state=State.PENDING).exists()
    assert Notification.objects.filter(kind__startswith="referrals.").exists()


def test_texts_are_stored_as_written() -> None:
    pools = [
        referral_texts.REFER_NOTES,
        referral_texts.RESPONSES_AGAIN,
        referral_texts.REOPEN_NOTES,
        referral_texts.UNIT_RESPONSES,
        referral_texts.RESOLUTION_RESPONSES,
        *referral_texts.RESPONSES.values(),
        tuple(d.reason for pool in referral_texts.DECLINES.values() for d in pool),
        tuple(d.subject + d.note for d in referral_texts.DIRECT),
    ]
    for text in itertools.chain.from_iterable(pools):
        assert normalize_text(text, multiline=True) == text
    for pool in referral_texts.RESPONSES.values():
        assert all("{date}" in text for text in pool)
    slugs = {a.slug for a in AGENCIES}
    for pool in referral_texts.DECLINES.values():
        assert all(d.suggested_body or d.suggested_agency in slugs for d in pool)
    assert {d.agency for d in referral_texts.DIRECT if d.agency} <= slugs


# --- the load itself ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_again_adds_nothing(loaded: Loaded) -> None:
    before = {model._meta.label: model.objects.count() for model in apps.get_models()}
    again = demo_referrals_load(progress=False)
    assert again.created == 0 and again.referrals == loaded.referrals.referrals
    assert demo_reports_load(count=REPORTS, progress=False).created == 0
    assert not demo_city_load(progress=False).changed
    out = StringIO()
    call_command("load_demo_referrals", "--no-progress", stdout=out)
    assert str(loaded.referrals.referrals) in out.getvalue()
    assert {model._meta.label: model.objects.count() for model in apps.get_models()} == before
