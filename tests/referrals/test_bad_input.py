"""Bad input to the referral services: refused with a clear, translated message naming the field, and
nothing written — no referral, no history row, no attachment, no audit event, no notification."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from mahalat.audit.models import Event
from mahalat.errors import TransitionNotAllowed
from mahalat.notifications.models import Notification
from mahalat.referrals.models import (
    Referral,
    ReferralAttachment,
    ReferralState,
    ReferralTransition,
    TargetKind,
    WebhookDelivery,
)
from mahalat.referrals.services import Target, referral_create, referral_transition
from mahalat.reports.models import Report, ReportState
from mahalat.reports.services import report_submit
from mahalat.resolutions.models import Resolution, ResolutionState, ResponsibleKind
from mahalat.resolutions.services import resolution_adopt
from mahalat.uploads import MAX_DOCUMENT_BYTES
from tests.factories import AgencyFactory, AreaFactory, CityFactory, DistrictFactory
from tests.referrals_world import SATURDAY_9, ReferralWorld
from tests.resolutions.conftest import make_item

pytestmark = pytest.mark.django_db

S = ReferralState
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are read by their English text here; the Persian ones are checked by name below."""
    with translation.override("en"):
        yield


def _counts() -> dict[str, int]:
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    return {
        "referrals": Referral.objects.count(),
        "transitions": ReferralTransition.objects.count(),
        "attachments": ReferralAttachment.objects.count(),
        "files": sum(1 for f in private.rglob("*") if f.is_file()) if private.exists() else 0,
        "events": Event.objects.count(),
        "notifications": Notification.objects.count(),
        "deliveries": WebhookDelivery.objects.count(),
    }


@contextmanager
def writes_nothing() -> Iterator[None]:
    before = _counts()
    yield
    assert _counts() == before


def refused(call: Any, *, field: str | None = None, error: type[Exception] = ValidationError) -> str:
    """Run `call`, expect it refused with `error` (on `field`), nothing written; return the message."""
    with writes_nothing(), pytest.raises(error) as caught:
        call()
    exc = caught.value
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        assert field is not None and field in exc.message_dict, exc.message_dict
        return " ".join(exc.message_dict[field])
    return str(exc.message if hasattr(exc, "message") else exc)


def _send(w: ReferralWorld, **changes: Any) -> Referral:
    args: dict[str, Any] = {
        "actor": w.people["district_officer"],
        "report": w.report,
        "target": Target(kind=TargetKind.AGENCY, agency=w.water),
        "subject": "نشت آب",
        "note": "لطفاً رسیدگی شود",
        "now": SATURDAY_9,
    }
    args.update(changes)
    return referral_create(**args)


def _pdf(name: str = "letter.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


# --- making a referral ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "message"),
    [
        ("", "Give the referral a subject."),
        ("   \u200c\t ", "Give the referral a subject."),
        ("\x00\x01\x1b\x7f", "Give the referral a subject."),  # control characters only: nothing left
        ("ب" * 201, "At most 200 characters."),
    ],
)
def test_subject_empty_or_too_long(referral_world: ReferralWorld, subject: str, message: str) -> None:
    assert refused(lambda: _send(referral_world, subject=subject), field="subject") == message


def test_note_over_the_limit(referral_world: ReferralWorld) -> None:
    message = refused(lambda: _send(referral_world, note="ن" * 4001), field="note")
    assert message == "At most 4000 characters."


def test_control_characters_are_removed_before_storing(referral_world: ReferralWorld) -> None:
    """NUL and other control characters never reach the database (PostgreSQL would refuse NUL)."""
    referral = _send(referral_world, subject="نشت\x00 آب\x07", note="خط اول\x00\r\nخط دوم\x1b")
    referral.refresh_from_db()
    assert (referral.subject, referral.note) == ("نشت آب", "خط اول\nخط دوم")


def test_target_of_another_city(referral_world: ReferralWorld) -> None:
    w = referral_world
    elsewhere = CityFactory(slug="elsewhere")
    district = DistrictFactory(city=elsewhere, number=1, slug="elsewhere-d1")
    area = AreaFactory(district=district, number=1, slug="elsewhere-d1-a1")
    agency = AgencyFactory(city=elsewhere, slug="elsewhere-water")
    for target, message in [
        (Target(kind=TargetKind.AGENCY, agency=agency), "Choose an active executive agency of this city."),
        (Target(kind=TargetKind.DISTRICT, district=district), "Choose a district of this city."),
        (Target(kind=TargetKind.AREA, area=area), "Choose an area of this city."),
        (Target(kind=TargetKind.AGENCY), "Choose an active executive agency of this city."),
        (Target(kind="ministry"), "Choose an agency or a municipal unit to refer to."),
    ]:
        assert refused(lambda target=target: _send(w, target=target), field="target") == message


def test_agency_that_does_not_serve_the_district(referral_world: ReferralWorld) -> None:
    w = referral_world
    report = report_submit(
        actor=w.people["neighbor"],
        city=w.city,
        description="سیم برق افتاده",
        lat=w.town.P2[0],
        lng=w.town.P2[1],
        now=SATURDAY_9,
    )
    message = refused(
        lambda: _send(
            w,
            actor=w.people["other_district_officer"],
            report=report,
            target=Target(kind=TargetKind.AGENCY, agency=w.power),
        ),
        field="target",
    )
    assert message == "This agency does not serve the district; choose one that does."
    assert Report.objects.get(pk=report.pk).state == ReportState.SUBMITTED


def test_inactive_agency(referral_world: ReferralWorld) -> None:
    w = referral_world
    w.water.is_active = False
    w.water.save(update_fields=["is_active"])
    message = refused(lambda: _send(w), field="target")
    assert message == "Choose an active executive agency of this city."
    assert Report.objects.get(pk=w.report.pk).state == ReportState.SUBMITTED


@pytest.mark.parametrize("state", [ReportState.CLOSED, ReportState.REJECTED, ReportState.RESOLVED])
def test_report_in_a_closed_state(referral_world: ReferralWorld, state: str) -> None:
    w = referral_world
    Report.objects.filter(pk=w.report.pk).update(state=state)
    message = refused(lambda: _send(w), error=TransitionNotAllowed)
    assert message == f"A report that is “{ReportState(state).label}” cannot be referred."


def test_resolution_no_longer_carried_out(council_world: Any) -> None:
    w = council_world
    resolution = resolution_adopt(
        actor=w.chair,
        item=make_item(w.council),
        title="نصب چراغ در کوچه",
        text="اداره آب لوله را تعویض کند.",
        responsible_kind=ResponsibleKind.DISTRICT,
        deadline=timezone.localdate() + timedelta(days=30),
    )

    def send() -> Referral:
        return referral_create(
            actor=w.people["district_officer"],
            resolution=resolution,
            target=Target(kind=TargetKind.AGENCY, agency=w.agency),
            subject="تعویض لوله",
        )

    for state in (ResolutionState.DONE, ResolutionState.NOT_FEASIBLE):
        Resolution.objects.filter(pk=resolution.pk).update(state=state)
        message = refused(send, error=TransitionNotAllowed)
        assert message == "Only a resolution still being carried out can be referred."
    Resolution.objects.filter(pk=resolution.pk).update(state=ResolutionState.ASSIGNED)
    assert send().resolution_id == resolution.pk  # the same call goes through while it is open


def test_attachments(referral_world: ReferralWorld) -> None:
    w = referral_world
    six = [_pdf(f"page-{i}.pdf") for i in range(6)]
    assert refused(lambda: _send(w, attachments=six), field="attachments") == "At most 5 attachments."
    # A program renamed to .pdf, a PDF cut short, a file too large.
    fake = _pdf("letter.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    message = refused(lambda: _send(w, attachments=[fake]), field="attachments")
    assert message == "Send the document as a PDF file or as a photo (JPEG, PNG, WebP)."
    broken = _pdf("letter.pdf", PDF[:40])
    message = refused(lambda: _send(w, attachments=[broken]), field="attachments")
    assert message.startswith("This PDF file is damaged or is not a PDF.")
    large = _pdf("scan.pdf", PDF + b"0" * MAX_DOCUMENT_BYTES)
    message = refused(lambda: _send(w, attachments=[_pdf(), large]), field="attachments")
    assert message == "The file is too large: at most 5 MB."
    # The same call with five good files goes through, and keeps them.
    referral = _send(w, attachments=[_pdf(f"page-{i}.pdf") for i in range(5)])
    assert referral.attachments.count() == 5
    assert set(referral.attachments.values_list("content_type", flat=True)) == {"application/pdf"}


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        (date(2026, 12, 6), "a deadline can be shortened, not lengthened."),
        (date(2026, 11, 27), "The deadline cannot be in the past."),
    ],
)
def test_deadline_later_than_the_agreement_or_past(
    referral_world: ReferralWorld, deadline: date, message: str
) -> None:
    assert message in refused(lambda: _send(referral_world, deadline=deadline), field="deadline")


def test_outsiders_cannot_refer(referral_world: ReferralWorld) -> None:
    w = referral_world
    for who in ("citizen", "liaison", "deputy", "city_council", "council_chair", "other_district_officer"):
        refused(lambda who=who: _send(w, actor=w.people[who]), error=PermissionDenied)
    refused(lambda: _send(w, actor=None), error=PermissionDenied)
    # A referral of the district's own, by an officer of another district.
    refused(
        lambda: _send(w, actor=w.people["other_district_officer"], report=None, district=w.town.d1),
        error=PermissionDenied,
    )


# --- moving one -----------------------------------------------------------------------------------------


@pytest.fixture
def acknowledged(referral_world: ReferralWorld) -> Referral:
    referral = _send(referral_world)
    return referral_transition(
        actor=referral_world.people["liaison"], referral=referral, to=S.ACKNOWLEDGED, now=SATURDAY_9
    )


def _move(w: ReferralWorld, referral: Referral, to: str, **extra: Any) -> Referral:
    extra.setdefault("actor", w.people["liaison"])
    return referral_transition(referral=referral, to=to, now=SATURDAY_9, **extra)


def test_decline_without_a_reason(referral_world: ReferralWorld, acknowledged: Referral) -> None:
    w = referral_world
    for blank in ("", "  \u200c ", "\x00"):
        message = refused(
            lambda blank=blank: _move(w, acknowledged, S.DECLINED, reason=blank), field="reason"
        )
        assert message == "Write the reason; the citizen will see it."


def test_suggested_agency_of_another_city_or_the_same(
    referral_world: ReferralWorld, acknowledged: Referral
) -> None:
    w = referral_world
    foreign = AgencyFactory(city=CityFactory(slug="elsewhere"), slug="elsewhere-gas")
    for suggested in (foreign, w.water):
        message = refused(
            lambda suggested=suggested: _move(
                w, acknowledged, S.DECLINED, reason="مربوط به ما نیست", suggested_agency=suggested
            ),
            field="suggested_agency",
        )
        assert message == "Suggest another agency of this city."


def test_answer_without_a_response_or_with_a_past_date(
    referral_world: ReferralWorld, acknowledged: Referral
) -> None:
    w = referral_world
    accepted = _move(w, acknowledged, S.ACCEPTED)
    future = date(2026, 12, 10)
    message = refused(lambda: _move(w, accepted, S.ANSWERED, planned_date=future), field="response")
    assert message == "Write the answer; the citizen will see it."
    message = refused(
        lambda: _move(w, accepted, S.ANSWERED, response="تعمیر می‌شود", planned_date=date(2026, 11, 27)),
        field="planned_date",
    )
    assert message == "The planned date cannot be in the past."
    message = refused(lambda: _move(w, accepted, S.ANSWERED, response="تعمیر می‌شود"), field="planned_date")
    assert message == "Give the date by which the work will be done."
    message = refused(
        lambda: _move(w, accepted, S.ANSWERED, response="پ" * 4001, planned_date=future), field="response"
    )
    assert message == "At most 4000 characters."


def test_reopen_without_a_note(referral_world: ReferralWorld, acknowledged: Referral) -> None:
    w = referral_world
    answered = _move(
        w, _move(w, acknowledged, S.ACCEPTED), S.ANSWERED, response="انجام شد", planned_date=date(2026, 12, 1)
    )
    message = refused(
        lambda: _move(w, answered, S.REOPENED, actor=w.people["district_officer"]), field="note"
    )
    assert message == "Write why it is reopened; the other side will see it."


def test_outsiders_cannot_move_it(referral_world: ReferralWorld, acknowledged: Referral) -> None:
    w = referral_world
    for who in ("power_liaison", "other_district_officer", "citizen"):
        # Refused as outsiders whatever the move, even one the table does not allow from here.
        for to in (S.ACCEPTED, S.ANSWERED, "archived"):
            refused(
                lambda who=who, to=to: _move(w, acknowledged, to, actor=w.people[who]), error=PermissionDenied
            )
    # Readers may see it but not act on it.
    for who in ("deputy", "city_council", "council_chair"):
        refused(
            lambda who=who: _move(w, acknowledged, S.ACCEPTED, actor=w.people[who]), error=PermissionDenied
        )
    assert Referral.objects.get(pk=acknowledged.pk).state == S.ACKNOWLEDGED


# --- in Persian -----------------------------------------------------------------------------------------


def test_messages_in_persian(referral_world: ReferralWorld, acknowledged: Referral) -> None:
    w = referral_world
    with translation.override("fa"):
        message = refused(lambda: _move(w, acknowledged, S.DECLINED), field="reason")
        assert message == "دلیل را بنویسید؛ شهروند آن را خواهد دید."
        message = refused(
            lambda: _send(w, report=None, district=w.town.d1, subject="ب" * 201), field="subject"
        )
        assert message == "حداکثر 200 نویسه."
        large = _pdf("scan.pdf", PDF + b"0" * MAX_DOCUMENT_BYTES)
        message = refused(
            lambda: _send(w, report=None, district=w.town.d1, attachments=[large]), field="attachments"
        )
        assert message == "حجم پرونده بیش از حد مجاز است: حداکثر 5 مگابایت."
