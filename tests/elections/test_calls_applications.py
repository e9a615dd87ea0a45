"""Registration calls (lifecycle, district scope), applications (eligibility, documents, review) and
residency verification, through the services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mahalat.audit.models import Event
from mahalat.elections import services
from mahalat.elections.documents import MAX_DOCUMENT_BYTES
from mahalat.elections.models import (
    Application,
    ApplicationDocument,
    ApplicationState,
    CallState,
    RegistrationCall,
    Residency,
    ResidencyState,
)
from mahalat.errors import ConflictError
from mahalat.notifications.models import Notification
from tests.elections.conftest import DOCS, pdf_bytes, pdf_upload, png_upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _call_kwargs(world, **over):
    now = timezone.now()
    values = {
        "district": world.d1,
        "title": "فراخوان",
        "neighborhoods": [world.n1],
        "seat_types": [world.seats["residents"]],
        "opens_at": now,
        "closes_at": now + timedelta(days=5),
        "required_documents": DOCS,
    }
    values.update(over)
    return values


# --- calls --------------------------------------------------------------------------------------------


def test_call_lifecycle_follows_the_table(council_world) -> None:
    officer = council_world.people["district_officer"]
    call = services.call_create(actor=officer, **_call_kwargs(council_world))
    assert call.state == CallState.DRAFT
    assert list(call.neighborhoods.all()) == [council_world.n1]
    with pytest.raises(ConflictError):  # a draft cannot go straight to review
        services.call_transition(actor=officer, call=call, to=CallState.REVIEW)
    for to in (CallState.OPEN, CallState.REVIEW, CallState.CLOSED):
        call = services.call_transition(actor=officer, call=call, to=to)
        assert call.state == to
    with pytest.raises(ConflictError):  # closed is the end
        services.call_transition(actor=officer, call=call, to=CallState.OPEN)
    actions = list(
        Event.objects.filter(object_id=str(call.pk), object_type="elections.registrationcall")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "elections.call.created",
        "elections.call.open",
        "elections.call.review",
        "elections.call.closed",
    ]


def test_cancelling_needs_a_reason(council_world) -> None:
    officer = council_world.people["district_manager"]
    call = services.call_create(actor=officer, **_call_kwargs(council_world))
    with pytest.raises(ValidationError) as exc:
        services.call_transition(actor=officer, call=call, to=CallState.CANCELLED)
    assert "reason" in exc.value.message_dict
    assert RegistrationCall.objects.get(pk=call.pk).state == CallState.DRAFT
    services.call_transition(actor=officer, call=call, to=CallState.CANCELLED, reason="بودجه نرسید")
    assert RegistrationCall.objects.get(pk=call.pk).state == CallState.CANCELLED


def test_stale_expected_state_is_a_conflict(council_world) -> None:
    officer = council_world.people["district_officer"]
    call = services.call_create(actor=officer, **_call_kwargs(council_world))
    services.call_transition(actor=officer, call=call, to=CallState.OPEN)
    with pytest.raises(ConflictError):
        services.call_transition(
            actor=officer, call=call, to=CallState.CANCELLED, reason="x", expected_state=CallState.DRAFT
        )
    assert RegistrationCall.objects.get(pk=call.pk).state == CallState.OPEN


def test_other_district_is_refused(council_world) -> None:
    other = council_world.people["other_district_officer"]
    with pytest.raises(PermissionDenied):
        services.call_create(actor=other, **_call_kwargs(council_world))
    officer = council_world.people["district_officer"]
    call = services.call_create(actor=officer, **_call_kwargs(council_world))
    for actor in (other, council_world.people["deputy"], council_world.people["area_officer"]):
        with pytest.raises(PermissionDenied):
            services.call_transition(actor=actor, call=call, to=CallState.OPEN)
    assert RegistrationCall.objects.get(pk=call.pk).state == CallState.DRAFT


def test_a_district_cannot_call_for_another_districts_neighborhood(council_world) -> None:
    officer = council_world.people["district_officer"]
    with pytest.raises(ValidationError) as exc:
        services.call_create(actor=officer, **_call_kwargs(council_world, neighborhoods=[council_world.n2]))
    assert "neighborhoods" in exc.value.message_dict
    assert not RegistrationCall.objects.exists()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "ا" * 201}, "title"),
        ({"seat_types": []}, "seat_types"),
        ({"min_age": "eighteen"}, "min_age"),
        ({"min_age": 5}, "min_age"),
        ({"opens_at": "tomorrow"}, "opens_at"),
        ({"required_documents": "id card"}, "required_documents"),
        ({"required_documents": [{"code": "کارت", "name": "x"}]}, "required_documents"),
        (
            {"required_documents": [{"code": "a", "name": "x"}, {"code": "a", "name": "y"}]},
            "required_documents",
        ),
    ],
)
def test_bad_call_input_changes_nothing(council_world, over, field) -> None:
    officer = council_world.people["district_officer"]
    with pytest.raises(ValidationError) as exc:
        services.call_create(actor=officer, **_call_kwargs(council_world, **over))
    assert field in exc.value.message_dict
    assert not RegistrationCall.objects.exists()


def test_ex_officio_seats_take_no_volunteers(council_world) -> None:
    officer = council_world.people["district_officer"]
    with pytest.raises(ValidationError) as exc:
        services.call_create(
            actor=officer, **_call_kwargs(council_world, seat_types=[council_world.seats["imam"]])
        )
    assert "seat_types" in exc.value.message_dict


def test_only_drafts_are_edited(council_world) -> None:
    officer = council_world.people["district_officer"]
    call = services.call_create(actor=officer, **_call_kwargs(council_world))
    kwargs = _call_kwargs(council_world, title="نو")
    kwargs.pop("district")
    services.call_update(actor=officer, call=call, **kwargs)
    assert RegistrationCall.objects.get(pk=call.pk).title == "نو"
    services.call_transition(actor=officer, call=call, to=CallState.OPEN)
    kwargs = _call_kwargs(council_world, title="دیگر")
    kwargs.pop("district")
    with pytest.raises(ConflictError):
        services.call_update(actor=officer, call=call, **kwargs)
    assert RegistrationCall.objects.get(pk=call.pk).title == "نو"


# --- applications: eligibility ----------------------------------------------------------------------------


def test_a_verified_resident_applies(formation) -> None:
    person = formation.resident()
    application = formation.apply(person)
    assert application.state == ApplicationState.SUBMITTED
    document = application.documents.get()
    assert document.code == "id-card" and document.content_type == "application/pdf"
    assert document.file.read().startswith(b"%PDF-1.4")
    assert Event.objects.filter(
        action="elections.application.submitted", object_id=str(application.pk)
    ).exists()


def test_too_young_on_the_closing_date(formation) -> None:
    person = formation.resident()
    closing = timezone.localtime(formation.call.closes_at).date()
    seventeen = date(closing.year - 18, closing.month, closing.day) + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        formation.apply(person, birth_date=seventeen)
    assert "birth_date" in exc.value.message_dict
    exactly_eighteen = date(closing.year - 18, closing.month, closing.day)
    assert formation.apply(person, birth_date=exactly_eighteen).pk


@pytest.mark.parametrize("birth", [date(2999, 1, 1), date(1850, 1, 1), "1990-01-01"])
def test_impossible_birth_dates(formation, birth) -> None:
    with pytest.raises(ValidationError) as exc:
        formation.apply(formation.resident(), birth_date=birth)
    assert "birth_date" in exc.value.message_dict
    assert not Application.objects.exists()


def test_residents_only_needs_a_verified_residency_there(formation) -> None:
    world = formation.world
    stranger = UserFactory()
    with pytest.raises(ValidationError) as exc:
        formation.apply(stranger)
    assert "neighborhood" in exc.value.message_dict
    claimed = UserFactory()
    services.residency_claim(actor=claimed, neighborhood=world.n1, address="الف", postal_code="1234567890")
    with pytest.raises(ValidationError):  # a claim is not yet a verified residency
        formation.apply(claimed)
    elsewhere = formation.resident(neighborhood=world.n2)
    with pytest.raises(ValidationError):
        formation.apply(elsewhere)
    assert not Application.objects.exists()


def test_one_application_per_call_unless_withdrawn(formation) -> None:
    person = formation.resident()
    first = formation.apply(person)
    with pytest.raises(ConflictError):
        formation.apply(person, seat_type=formation.world.seats["women"])
    services.application_transition(actor=person, application=first, to=ApplicationState.WITHDRAWN)
    second = formation.apply(person)
    assert second.pk != first.pk
    assert Application.objects.filter(applicant=person).count() == 2


@pytest.mark.parametrize("state", [CallState.REVIEW, CallState.CLOSED, CallState.CANCELLED])
def test_a_call_not_open_takes_no_application(formation, state) -> None:
    RegistrationCall.objects.filter(pk=formation.call.pk).update(state=state)
    formation.call.refresh_from_db()
    with pytest.raises(ConflictError):
        formation.apply(formation.resident())
    assert not Application.objects.exists()


def test_an_open_call_past_its_closing_time_takes_none(formation) -> None:
    person = formation.resident()
    with pytest.raises(ConflictError):
        formation.apply(person, now=formation.call.closes_at + timedelta(seconds=1))
    with pytest.raises(ConflictError):
        formation.apply(person, now=formation.call.opens_at - timedelta(seconds=1))


def test_seat_and_neighborhood_must_be_the_calls(formation) -> None:
    person = formation.resident()
    with pytest.raises(ValidationError) as exc:
        formation.apply(person, seat_type=formation.world.seats["imam"], neighborhood=formation.world.n2)
    assert {"seat_type", "neighborhood"} <= set(exc.value.message_dict)


def test_oversized_text_is_refused(formation) -> None:
    with pytest.raises(ValidationError) as exc:
        formation.apply(formation.resident(), address="ب" * 301, statement="پ" * 3001)
    assert {"address", "statement"} <= set(exc.value.message_dict)


# --- applications: documents --------------------------------------------------------------------------------


def _doc_error(formation, upload) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        formation.apply(formation.resident(), documents={"id-card": upload})
    assert not Application.objects.exists()
    assert not ApplicationDocument.objects.exists()
    return exc.value.message_dict["document_id-card"]


def test_malformed_pdf_is_refused(formation) -> None:
    messages = _doc_error(formation, pdf_upload(data=b"%PDF-1.7\nthis is not really a pdf"))
    assert "PDF" in messages[0]


def test_pdf_with_scripts_is_refused(formation) -> None:
    body = b"3 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n"
    assert _doc_error(formation, pdf_upload(data=pdf_bytes(body)))


def test_fake_image_is_refused(formation) -> None:
    fake = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0 not a jpeg at all", content_type="image/jpeg")
    assert _doc_error(formation, fake)


def test_wrong_type_is_refused(formation) -> None:
    script = SimpleUploadedFile("id.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")
    messages = _doc_error(formation, script)
    assert "PDF" in messages[0]


def test_oversized_document_is_refused(formation) -> None:
    big = pdf_upload(data=pdf_bytes(b"%" + b"x" * MAX_DOCUMENT_BYTES + b"\n"))
    messages = _doc_error(formation, big)
    assert "5" in messages[0]


def test_missing_and_unknown_documents(formation) -> None:
    with pytest.raises(ValidationError) as exc:
        formation.apply(formation.resident(), documents={"passport": pdf_upload()})
    assert {"document_id-card", "document_passport"} <= set(exc.value.message_dict)


def test_an_image_is_reencoded(formation) -> None:
    application = formation.apply(formation.resident(), documents={"id-card": png_upload()})
    document = application.documents.get()
    assert document.content_type == "image/jpeg"
    assert document.file.name.endswith(".jpg")
    assert document.file.read()[:3] == b"\xff\xd8\xff"


def test_documents_are_not_under_the_public_media_folder(formation, settings) -> None:
    application = formation.apply(formation.resident())
    path = application.documents.get().file.path
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError, match="no public URL"):
        application.documents.get().file.url  # noqa: B018


# --- review -------------------------------------------------------------------------------------------


def test_rejection_needs_a_reason_the_applicant_hears(formation) -> None:
    person = formation.resident()
    application = formation.apply(person)
    with pytest.raises(ValidationError):
        services.application_transition(
            actor=formation.officer, application=application, to=ApplicationState.REJECTED
        )
    assert Application.objects.get(pk=application.pk).state == ApplicationState.SUBMITTED
    services.application_transition(
        actor=formation.officer, application=application, to=ApplicationState.REJECTED, reason="مدرک ناخوانا"
    )
    application.refresh_from_db()
    assert (application.state, application.review_reason) == (ApplicationState.REJECTED, "مدرک ناخوانا")
    assert application.reviewed_by == formation.officer
    note = Notification.objects.get(recipient=person, kind="elections.application.rejected", channel="in_app")
    assert note.context["reason"] == "مدرک ناخوانا"


def test_only_the_district_reviews(formation) -> None:
    application = formation.apply(formation.resident())
    world = formation.world
    for actor in (
        world.people["other_district_officer"],
        world.people["deputy"],
        world.people["area_officer"],
        application.applicant,
    ):
        with pytest.raises(PermissionDenied):
            services.application_transition(
                actor=actor, application=application, to=ApplicationState.ACCEPTED
            )
    assert Application.objects.get(pk=application.pk).state == ApplicationState.SUBMITTED


def test_only_the_applicant_withdraws_and_only_while_waiting(formation) -> None:
    application = formation.apply(formation.resident())
    with pytest.raises(PermissionDenied):
        services.application_transition(
            actor=formation.officer, application=application, to=ApplicationState.WITHDRAWN
        )
    services.application_transition(
        actor=formation.officer, application=application, to=ApplicationState.ACCEPTED
    )
    with pytest.raises(ConflictError):
        services.application_transition(
            actor=application.applicant, application=application, to=ApplicationState.WITHDRAWN
        )


def test_accepting_needs_a_verified_residency_for_resident_only_calls(formation) -> None:
    person = formation.resident()
    application = formation.apply(person)
    residency = Residency.objects.get(user=person)
    services.residency_transition(
        actor=formation.officer, residency=residency, to=ResidencyState.REJECTED, reason="نقل مکان"
    )
    with pytest.raises(ValidationError):
        services.application_transition(
            actor=formation.officer, application=application, to=ApplicationState.ACCEPTED
        )
    assert Application.objects.get(pk=application.pk).state == ApplicationState.SUBMITTED


def test_open_calls_accept_non_residents(council_world) -> None:
    officer = council_world.people["district_officer"]
    call = services.call_create(actor=officer, residents_only=False, **_call_kwargs(council_world))
    services.call_transition(actor=officer, call=call, to=CallState.OPEN)
    stranger = UserFactory()
    application = services.application_submit(
        actor=stranger,
        call=call,
        neighborhood=council_world.n1,
        seat_type=council_world.seats["residents"],
        birth_date=date(1980, 1, 1),
        address="جای دیگر",
        statement="متخصص شهری هستم",
        documents={"id-card": pdf_upload()},
    )
    accepted = services.application_transition(
        actor=officer, application=application, to=ApplicationState.ACCEPTED
    )
    assert accepted.state == ApplicationState.ACCEPTED


# --- residency ----------------------------------------------------------------------------------------


def test_residency_claim_and_verification(council_world) -> None:
    person = UserFactory()
    residency = services.residency_claim(
        actor=person, neighborhood=council_world.n1, address="کوچه", postal_code="۱۲۳۴۵-۶۷۸۹۰"
    )
    assert (residency.state, residency.postal_code) == (ResidencyState.CLAIMED, "1234567890")
    with pytest.raises(ConflictError):  # one live claim per person
        services.residency_claim(
            actor=person, neighborhood=council_world.n2, address="x", postal_code="1234567890"
        )
    with pytest.raises(PermissionDenied):
        services.residency_transition(
            actor=council_world.people["other_district_officer"],
            residency=residency,
            to=ResidencyState.VERIFIED,
        )
    with pytest.raises(PermissionDenied):
        services.residency_transition(actor=person, residency=residency, to=ResidencyState.VERIFIED)
    verified = services.residency_transition(
        actor=council_world.people["area_officer"], residency=residency, to=ResidencyState.VERIFIED
    )
    assert verified.state == ResidencyState.VERIFIED
    assert Notification.objects.filter(recipient=person, kind="elections.residency.verified").exists()
    with pytest.raises(ConflictError):
        services.residency_transition(
            actor=council_world.people["area_officer"], residency=residency, to=ResidencyState.CLAIMED
        )


@pytest.mark.parametrize("code", ["12345", "123456789012", "abcdefghij", ""])
def test_postal_code_has_ten_digits(council_world, code) -> None:
    with pytest.raises(ValidationError) as exc:
        services.residency_claim(
            actor=UserFactory(), neighborhood=council_world.n1, address="x", postal_code=code
        )
    assert "postal_code" in exc.value.message_dict
    assert not Residency.objects.exists()


def test_anonymous_cannot_claim(council_world) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.residency_claim(
            actor=AnonymousUser(), neighborhood=council_world.n1, address="x", postal_code="1234567890"
        )


@pytest.mark.parametrize(
    "data",
    [
        pdf_bytes()[:-20],  # cut short: no end-of-file marker
        b"%PDF-9.9\n" + pdf_bytes()[9:],  # no such version
        b"%PDF-1.4\n%%EOF\nstartxref\n",  # a header and a trailer, nothing inside
    ],
)
def test_broken_pdfs(data) -> None:
    from mahalat.elections.documents import check_pdf

    with pytest.raises(ValidationError) as exc:
        check_pdf(data)
    assert exc.value.code == "malformed_pdf"
