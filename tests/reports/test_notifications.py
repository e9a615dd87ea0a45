from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from mahalat.notifications.delivery import deliver_due
from mahalat.notifications.models import Notification
from mahalat.reports.models import ReportState
from mahalat.reports.services import report_submit, report_transition, report_verify, reports_escalate_overdue


def submit(town, actor=None, phone=None):
    return report_submit(
        actor=actor,
        city=town.city,
        description="درخت افتاده",
        lat=town.P1[0],
        lng=town.P1[1],
        category_slug="lighting",
        phone=phone,
    )


def test_the_reporter_gets_the_tracking_code(town, sms_outbox, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(town, actor=town.people["citizen"])
    rows = Notification.objects.filter(recipient=town.people["citizen"], kind="reports.report.submitted")
    assert {n.channel for n in rows} == {"in_app", "sms"}
    deliver_due()
    assert any(report.tracking_code in m.body and m.to == town.people["citizen"].phone for m in sms_outbox)


def test_anonymous_reporter_confirms_by_sms_code(
    town, sms_outbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(town, phone="09127776655")
    assert report.state == ReportState.UNVERIFIED
    assert len(sms_outbox) == 1 and sms_outbox[0].to == "+989127776655"
    code = re.findall(r"\d{6}", sms_outbox[0].body.replace(report.tracking_code, ""))[0]
    with pytest.raises(ValidationError):
        report_verify(tracking_code=report.tracking_code, code="000000" if code != "000000" else "111111")
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    with django_capture_on_commit_callbacks(execute=True):
        report = report_verify(tracking_code=report.tracking_code, code=persian)
    assert report.state == ReportState.SUBMITTED
    deliver_due()
    assert any(report.tracking_code in m.body for m in sms_outbox[1:])
    with pytest.raises(ValidationError):  # a code works once
        report_verify(tracking_code=report.tracking_code, code=code)


def test_state_changes_are_told_to_the_reporter_not_by_them(town) -> None:
    citizen = town.people["citizen"]
    report = submit(town, actor=citizen)
    officer = town.people["area_officer"]
    for to, note in [
        (ReportState.TRIAGED, ""),
        (ReportState.IN_PROGRESS, ""),
        (ReportState.RESOLVED, "تعمیر شد"),
    ]:
        report = report_transition(actor=officer, report=report, to=to, note=note)
    report_transition(actor=citizen, report=report, to=ReportState.CLOSED)
    kinds = set(Notification.objects.filter(recipient=citizen).values_list("kind", flat=True))
    assert {"reports.report.triaged", "reports.report.in_progress", "reports.report.resolved"} <= kinds
    assert "reports.report.closed" not in kinds
    resolved = Notification.objects.filter(
        recipient=citizen, kind="reports.report.resolved", channel="in_app"
    ).get()
    assert resolved.context["note"] == "تعمیر شد"


def test_escalation_tells_the_next_level_and_the_council_once(town) -> None:
    report = submit(town, actor=town.people["citizen"])
    reports_escalate_overdue(now=report.triage_due_at + timedelta(minutes=1))
    told = set(Notification.objects.filter(kind="reports.escalation").values_list("recipient_id", flat=True))
    expected = {
        town.people[name].pk
        for name in (
            "area_officer",
            "officer_and_deputy",
            "district_officer",
            "district_manager",
            "council_chair",
        )
    }
    assert told == expected
    count = Notification.objects.filter(kind="reports.escalation").count()
    reports_escalate_overdue(now=report.triage_due_at + timedelta(hours=1))
    assert Notification.objects.filter(kind="reports.escalation").count() == count
    assert town.people["deputy"].pk not in told


def test_periodic_jobs_run_without_celery(town) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    old = report_submit(
        actor=town.people["citizen"],
        city=town.city,
        description="قدیمی",
        lat=town.P1[0],
        lng=town.P1[1],
        category_slug="lighting",
        now=timezone.now() - timedelta(days=60),
    )
    out = StringIO()
    call_command("run_periodic", "--once", stdout=out)
    text = out.getvalue()
    assert (
        "escalate-overdue-reports" in text
        and "deliver-notifications" in text
        and "close-resolved-reports" in text
    )
    old.refresh_from_db()
    assert old.escalation_level == 2
    assert Notification.objects.filter(kind="reports.escalation", recipient=town.people["deputy"]).exists()


def test_followers_hear_of_changes_in_the_app(town) -> None:
    from mahalat.reports.interactions import report_support

    report = submit(town, actor=town.people["citizen"])
    report_support(actor=town.people["neighbor"], report=report)  # supporting also follows
    report_transition(actor=town.people["area_officer"], report=report, to=ReportState.TRIAGED)
    told = Notification.objects.filter(recipient=town.people["neighbor"], kind="reports.report.triaged")
    assert [n.channel for n in told] == ["in_app"]
    assert not Notification.objects.filter(
        recipient=town.people["area_officer"], kind="reports.report.triaged"
    )
