"""Whether the reporter's contact details reach the agency is the sender's choice per referral, recorded,
and off unless turned on. The sending district always sees them; the receiving liaison only when shared;
nobody else — the readers of the neighborhood, another agency — ever."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from mahalat.audit.models import Event
from mahalat.referrals.models import Referral, ReferralState, TargetKind
from mahalat.referrals.selectors import ReporterContact, reporter_contact
from mahalat.referrals.services import Target, agency_integration_set, referral_create, referral_transition
from mahalat.referrals.webhooks import referral_payload
from mahalat.reports.models import Report
from tests.referrals_world import SATURDAY_9, ReferralWorld

pytestmark = pytest.mark.django_db

SENDING_SIDE = ("district_officer", "district_manager", "area_officer", "officer_and_deputy")
NEVER = ("power_liaison", "other_district_officer", "deputy", "city_council", "council_chair", "citizen")


def _send(w: ReferralWorld, *, agency: Any = None, **extra: Any) -> Referral:
    return referral_create(
        actor=w.people["district_officer"],
        report=w.report,
        target=Target(kind=TargetKind.AGENCY, agency=agency or w.water),
        subject="نشت آب",
        now=SATURDAY_9,
        **extra,
    )


def _sees(w: ReferralWorld, who: str, referral: Referral) -> ReporterContact | None:
    return reporter_contact(user=w.people[who], referral=Referral.objects.get(pk=referral.pk))


def _payload_text(referral: Referral) -> str:
    fresh = Referral.objects.select_related("report__reporter", "district", "neighborhood", "category").get(
        pk=referral.pk
    )
    return json.dumps(
        referral_payload(fresh, event="referral.sent"), cls=DjangoJSONEncoder, ensure_ascii=False
    )


def test_off_by_default_and_recorded(referral_world: ReferralWorld) -> None:
    w = referral_world
    citizen = w.people["citizen"]
    referral = _send(w)
    assert referral.share_reporter_contact is False
    sent = Event.objects.for_object(referral).get(action="referrals.referral.sent")
    assert sent.after["share_reporter_contact"] is False
    assert sent.actor_id == w.people["district_officer"].pk
    # The liaison sees the report's place and text, never who sent it.
    assert _sees(w, "liaison", referral) is None
    payload = referral_payload(referral, event="referral.sent")
    assert payload["referral"]["reporter_contact"] is None
    text = _payload_text(referral)
    assert citizen.phone not in text and citizen.phone_local not in text and citizen.full_name not in text
    # The sending district sees it all the same.
    for who in SENDING_SIDE:
        assert _sees(w, who, referral) == ReporterContact(
            name=citizen.full_name, phone=citizen.phone_local, email=citizen.email
        ), who
    for who in NEVER:
        assert _sees(w, who, referral) is None, who


def test_shared_when_the_sender_chooses(referral_world: ReferralWorld) -> None:
    w = referral_world
    citizen = w.people["citizen"]
    referral = _send(w, share_reporter_contact=True)
    referral.refresh_from_db()
    assert referral.share_reporter_contact is True
    sent = Event.objects.for_object(referral).get(action="referrals.referral.sent")
    assert sent.after["share_reporter_contact"] is True
    assert _sees(w, "liaison", referral) == ReporterContact(
        name=citizen.full_name, phone=citizen.phone_local, email=citizen.email
    )
    payload = referral_payload(referral, event="referral.sent")
    assert payload["referral"]["reporter_contact"] == {"name": citizen.full_name, "phone": citizen.phone}
    for who in SENDING_SIDE:
        assert _sees(w, who, referral) is not None, who
    # Sharing with the water agency is not sharing with anyone else.
    for who in NEVER:
        assert _sees(w, who, referral) is None, who


def test_another_agencys_liaison_never_sees_it(referral_world: ReferralWorld) -> None:
    w = referral_world
    to_power = _send(w, agency=w.power, share_reporter_contact=True)
    assert _sees(w, "power_liaison", to_power) is not None
    assert _sees(w, "liaison", to_power) is None  # water's liaison: not its referral
    assert reporter_contact(user=w.people["power_liaison"], referral=to_power).phone == (
        w.people["citizen"].phone_local
    )


def test_the_webhook_body_follows_the_choice(referral_world: ReferralWorld) -> None:
    """What is signed and sent to the agency's system is the payload: the phone only when shared."""
    w = referral_world
    citizen = w.people["citizen"]
    agency_integration_set(
        actor=w.people["liaison"],
        agency=w.water,
        webhook_url="https://water.example/hook",
        webhook_active=True,
    )
    w.water.refresh_from_db()
    private = _send(w)
    body = private.deliveries.get().body
    assert json.loads(body)["referral"]["reporter_contact"] is None
    assert citizen.phone not in body and citizen.full_name not in body
    # Handed back, then referred again with the details shared.
    referral_transition(actor=w.people["liaison"], referral=private, to=ReferralState.ACKNOWLEDGED)
    referral_transition(
        actor=w.people["liaison"], referral=private, to=ReferralState.DECLINED, reason="مربوط به ما نیست"
    )
    for delivery in private.deliveries.all():
        assert citizen.phone not in delivery.body
    shared = _send(w, share_reporter_contact=True)
    body = shared.deliveries.get().body
    assert json.loads(body)["referral"]["reporter_contact"] == {
        "name": citizen.full_name,
        "phone": citizen.phone,
    }


def test_an_anonymous_reporters_phone_follows_the_same_choice(referral_world: ReferralWorld) -> None:
    w = referral_world
    Report.objects.filter(pk=w.report.pk).update(reporter=None, reporter_phone="+989351112233")
    w.report.refresh_from_db()
    private = _send(w)
    assert _sees(w, "liaison", private) is None
    assert "+989351112233" not in _payload_text(private)
    assert _sees(w, "district_officer", private) is not None
    assert _sees(w, "district_officer", private).phone in {"+989351112233", "09351112233"}


def test_only_a_report_has_contact_details_to_share(referral_world: ReferralWorld) -> None:
    w = referral_world
    direct = referral_create(
        actor=w.people["district_officer"],
        district=w.town.d1,
        target=Target(kind=TargetKind.AGENCY, agency=w.water),
        subject="بازدید از شبکه",
        share_reporter_contact=True,
        now=SATURDAY_9,
    )
    assert direct.share_reporter_contact is False
    assert _sees(w, "district_officer", direct) is None
    assert referral_payload(direct, event="referral.sent")["referral"]["reporter_contact"] is None
