"""The referrals API: sending, listing, reading and moving referrals, the agency registry and the
scorecard — for people signed in and for an agency's system with a token scoped to its agency."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.referrals.models import Referral, ReferralState, TargetKind
from mahalat.referrals.services import Target, agency_token_issue, referral_create, referral_transition
from mahalat.reports.models import Report, ReportState
from mahalat.worktime.calendar import local_date
from tests.referrals_world import SATURDAY_9, ReferralWorld

S = ReferralState
URL = "/api/v1/referrals"


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def bearer(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")


def post(client: Client, url: str, data: object):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def send_leak(w: ReferralWorld, **extra: Any) -> Referral:
    return referral_create(
        actor=w.people["district_officer"],
        report=w.report,
        target=Target(kind=TargetKind.AGENCY, agency=w.water),
        subject="نشت آب",
        **extra,
    )


def direct(w: ReferralWorld, *, agency: Any = None, area: Any = None, now: Any = None) -> Referral:
    target = (
        Target(kind=TargetKind.AREA, area=area)
        if area is not None
        else Target(kind=TargetKind.AGENCY, agency=agency or w.water)
    )
    return referral_create(
        actor=w.people["district_officer"], district=w.town.d1, target=target, subject="بازدید", now=now
    )


# --- POST /referrals ------------------------------------------------------------------------------------


def test_refer_a_report_to_an_agency(referral_world: ReferralWorld) -> None:
    w = referral_world
    response = post(
        signed_in(w.people["district_officer"]),
        URL,
        {
            "report": w.report.tracking_code,
            "target": {"agency": w.water.pk},
            "subject": "نشت آب کوچه",
            "note": "لطفاً فوری",
            "deadline": (local_date(timezone.now()) + timedelta(days=2)).isoformat(),
            "share_reporter_contact": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "sent" and body["subject"] == "نشت آب کوچه"
    assert body["source"] == {
        "kind": "report",
        "kind_label": "A citizen report",
        "report": w.report.tracking_code,
        "resolution": None,
    }
    assert body["target"]["kind"] == "agency" and body["target"]["agency"]["id"] == w.water.pk
    assert body["district"]["id"] == w.town.d1.pk and body["neighborhood"]["slug"] == "n1"
    assert body["share_reporter_contact"] is True
    assert body["deadlines"]["current"] == "acknowledge"
    assert body["history"][0]["to_state"] == "sent"
    assert body["reporter_contact"]["phone"]  # the sending side sees it
    assert Report.objects.get(pk=w.report.pk).state == ReportState.REFERRED


def test_a_district_refers_its_own_matter_to_an_area(referral_world: ReferralWorld) -> None:
    w = referral_world
    response = post(
        signed_in(w.people["district_officer"]),
        URL,
        {
            "district": w.town.d1.pk,
            "neighborhood": w.town.n3.pk,
            "target": {"area": w.town.a11.pk},
            "subject": "پاکسازی جوی",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"]["kind"] == "direct" and body["target"]["area"]["id"] == w.town.a11.pk
    assert body["neighborhood"]["id"] == w.town.n3.pk and body["reporter_contact"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"target": {"agency": 1, "area": 1}}, "target"),
        ({"target": {}}, "target"),
        ({"target": {"agency": 999999}}, "target"),
        ({"target": "water"}, "target"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"report": "0000000000"}, "report"),
        ({"report": None, "district": None}, "district"),
        ({"district": 999999, "report": None}, "district"),
        ({"deadline": "2099-01-01"}, "deadline"),
        ({"deadline": "tomorrow"}, "deadline"),
    ],
)
def test_bad_referrals_are_422_and_change_nothing(
    referral_world: ReferralWorld, payload: dict[str, Any], field: str
) -> None:
    w = referral_world
    data = {"report": w.report.tracking_code, "target": {"agency": w.water.pk}, "subject": "نشت", **payload}
    response = post(signed_in(w.people["district_officer"]), URL, data)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"], body
    assert not Referral.objects.exists()
    assert Report.objects.get(pk=w.report.pk).state == ReportState.SUBMITTED


def test_send_401_403_409(referral_world: ReferralWorld) -> None:
    w = referral_world
    data = {"report": w.report.tracking_code, "target": {"agency": w.water.pk}, "subject": "نشت"}
    assert post(Client(), URL, data).status_code == 401
    # The deputy sets policy and does nothing operational; a liaison receives, never sends.
    for who in ("deputy", "liaison", "other_district_officer"):
        response = post(signed_in(w.people[who]), URL, data)
        assert response.status_code == 403, (who, response.content)
        assert response.json()["code"] == "permission_denied"
    assert not Referral.objects.exists()
    officer = signed_in(w.people["district_officer"])
    assert post(officer, URL, data).status_code == 201
    response = post(officer, URL, data)  # one open referral per report
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert Referral.objects.count() == 1


# --- GET /referrals/{id} --------------------------------------------------------------------------------


def test_read_one_referral_404_403_and_contact(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send_leak(w)
    url = f"{URL}/{referral.pk}"
    assert Client().get(url).status_code == 401
    response = signed_in(w.people["district_officer"]).get(f"{URL}/999999")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    for who in ("power_liaison", "other_district_officer", "citizen"):
        response = signed_in(w.people[who]).get(url)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied", who
    body = signed_in(w.people["liaison"]).get(url).json()
    assert body["id"] == referral.pk and body["reporter_contact"] is None  # not shared
    assert body["deadlines"]["acknowledge"] <= body["deadlines"]["answer"] <= body["deadlines"]["finish"]
    assert signed_in(w.people["district_officer"]).get(url).json()["reporter_contact"] is not None
    assert signed_in(w.people["deputy"]).get(url).status_code == 200
    Referral.objects.filter(pk=referral.pk).update(share_reporter_contact=True)
    contact = signed_in(w.people["liaison"]).get(url).json()["reporter_contact"]
    assert contact["name"] == w.people["citizen"].full_name


# --- POST /referrals/{id}/transitions -------------------------------------------------------------------


def test_transitions_through_the_api(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send_leak(w)
    url = f"{URL}/{referral.pk}/transitions"
    liaison = signed_in(w.people["liaison"])
    assert post(Client(), url, {"to": "acknowledged"}).status_code == 401
    for who in ("power_liaison", "other_district_officer"):
        response = post(signed_in(w.people[who]), url, {"to": "answered"})
        assert response.status_code == 403, who  # an outsider learns nothing, not even the state
    response = post(signed_in(w.people["deputy"]), url, {"to": "acknowledged"})
    assert response.status_code == 403
    assert post(liaison, f"{URL}/999999/transitions", {"to": "acknowledged"}).status_code == 404
    response = post(liaison, url, {"to": "answered", "response": "x", "planned_date": "2099-01-01"})
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    response = post(liaison, url, {"to": "vanished"})
    assert response.status_code == 422 and "to" in response.json()["fields"]
    response = post(liaison, url, {"to": "acknowledged", "expected_state": "sent"})
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    response = post(liaison, url, {"to": "accepted", "expected_state": "sent"})  # stale
    assert response.status_code == 409 and "changed" in response.json()["message"]
    response = post(liaison, url, {"to": "declined"})
    assert response.status_code == 422 and "reason" in response.json()["fields"]
    assert post(liaison, url, {"to": "accepted"}).status_code == 200
    response = post(liaison, url, {"to": "answered", "planned_date": "2099-01-01"})
    assert response.status_code == 422 and "response" in response.json()["fields"]
    response = post(liaison, url, {"to": "answered", "response": "تعویض لوله"})
    assert response.status_code == 422 and "planned_date" in response.json()["fields"]
    planned = (local_date(timezone.now()) + timedelta(days=5)).isoformat()
    response = post(liaison, url, {"to": "answered", "response": "تعویض لوله", "planned_date": planned})
    assert response.status_code == 200
    body = response.json()
    assert body["response"] == "تعویض لوله" and body["planned_date"] == planned
    assert [h["to_state"] for h in body["history"]] == ["sent", "acknowledged", "accepted", "answered"]
    assert Referral.objects.get(pk=referral.pk).state == S.ANSWERED
    # The sending district reopens with a note, or confirms it done.
    officer = signed_in(w.people["district_officer"])
    response = post(officer, url, {"to": "reopened"})
    assert response.status_code == 422 and "note" in response.json()["fields"]
    response = post(officer, url, {"to": "done"})
    assert response.status_code == 200 and response.json()["done_at"] is not None
    assert Report.objects.get(pk=w.report.pk).state == ReportState.RESOLVED


def test_decline_with_a_suggested_agency(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send_leak(w)
    url = f"{URL}/{referral.pk}/transitions"
    liaison = signed_in(w.people["liaison"])
    post(liaison, url, {"to": "acknowledged"})
    response = post(liaison, url, {"to": "declined", "reason": "برق است", "suggested_agency": 999999})
    assert response.status_code == 422 and "suggested_agency" in response.json()["fields"]
    response = post(liaison, url, {"to": "declined", "reason": "برق است", "suggested_agency": w.power.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "declined" and body["decline_reason"] == "برق است"
    assert body["suggested_body"] == w.power.name_en  # the agency's name, in the language of the request


# --- agency tokens --------------------------------------------------------------------------------------


def test_an_agency_token_reaches_its_own_agency_only(referral_world: ReferralWorld) -> None:
    w = referral_world
    # The water liaison also works in district 1: its system's token must act for the agency only.
    role_assign(
        actor=None,
        user=w.people["liaison"],
        role=Role.DISTRICT_OFFICER,
        scope_kind=ScopeKind.DISTRICT,
        scope_ref="town-d1",
    )
    water_key, _token = agency_token_issue(actor=w.people["liaison"], agency=w.water)
    power_key, _token = agency_token_issue(actor=w.people["power_liaison"], agency=w.power)
    water, power = bearer(water_key), bearer(power_key)
    leak = send_leak(w)
    to_power = direct(w, agency=w.power)
    to_area = direct(w, area=w.town.a11)
    # Lists: each system sees its agency's referrals and nothing else.
    assert [r["id"] for r in water.get(URL).json()["items"]] == [leak.pk]
    assert [r["id"] for r in power.get(URL).json()["items"]] == [to_power.pk]
    assert power.get(f"{URL}?agency={w.water.pk}").json()["count"] == 0
    # One referral: power's system can neither see nor move water's; not even the district's own.
    assert power.get(f"{URL}/{leak.pk}").status_code == 403
    assert water.get(f"{URL}/{to_area.pk}").status_code == 403
    response = post(power, f"{URL}/{leak.pk}/transitions", {"to": "acknowledged"})
    assert response.status_code == 403
    assert Referral.objects.get(pk=leak.pk).state == S.SENT
    # Nor send referrals, though the person behind the token may.
    data = {"district": w.town.d1.pk, "target": {"agency": w.water.pk}, "subject": "x"}
    assert post(water, URL, data).status_code == 403
    # Its own: acknowledged, accepted and answered by the agency's system.
    url = f"{URL}/{leak.pk}/transitions"
    assert post(water, url, {"to": "acknowledged", "expected_state": "sent"}).status_code == 200
    assert post(water, url, {"to": "accepted"}).status_code == 200
    planned = (local_date(timezone.now()) + timedelta(days=3)).isoformat()
    response = post(water, url, {"to": "answered", "response": "اعزام اکیپ", "planned_date": planned})
    assert response.status_code == 200 and response.json()["state"] == "answered"
    assert response.json()["reporter_contact"] is None  # not shared with the agency
    assert bearer("mht_not-a-real-token").get(URL).status_code == 401


# --- GET /referrals -------------------------------------------------------------------------------------


@pytest.fixture
def many(referral_world: ReferralWorld) -> dict[str, list[Referral]]:
    """55 referrals from district 1: 40 fresh to water (5 of them acknowledged), 10 to power sent on a
    Saturday long past (overdue), 5 to the area (1 declined)."""
    w = referral_world
    fresh = [direct(w) for _ in range(40)]
    for r in fresh[:5]:
        referral_transition(actor=w.people["liaison"], referral=r, to=S.ACKNOWLEDGED)
    late = [direct(w, agency=w.power, now=SATURDAY_9) for _ in range(10)]
    units = [direct(w, area=w.town.a11) for _ in range(5)]
    referral_transition(actor=w.people["area_officer"], referral=units[0], to=S.ACKNOWLEDGED)
    referral_transition(actor=w.people["area_officer"], referral=units[0], to=S.DECLINED, reason="نه")
    return {"fresh": fresh, "late": late, "units": units}


def test_list_filters_pagination_and_bounded_queries(
    referral_world: ReferralWorld, many: dict[str, list[Referral]], django_assert_max_num_queries
) -> None:
    w = referral_world
    officer = signed_in(w.people["district_officer"])
    with django_assert_max_num_queries(8):
        body = officer.get(URL).json()
    assert body["count"] == 55 and len(body["items"]) == 50
    assert len(officer.get(f"{URL}?page=2").json()["items"]) == 5
    newest = body["items"][0]
    assert newest["target"]["kind"] == "area" and newest["district"]["id"] == w.town.d1.pk
    with django_assert_max_num_queries(8):
        body = officer.get(f"{URL}?agency={w.water.pk}&state=acknowledged").json()
    assert body["count"] == 5 and {r["target"]["agency"]["id"] for r in body["items"]} == {w.water.pk}
    assert officer.get(f"{URL}?state=sent,acknowledged").json()["count"] == 54
    assert officer.get(f"{URL}?state=declined").json()["count"] == 1
    body = officer.get(f"{URL}?overdue=true").json()
    assert body["count"] == 10 and all(r["overdue"] for r in body["items"])
    assert {r["id"] for r in body["items"]} == {r.pk for r in many["late"]}
    assert officer.get(f"{URL}?overdue=false").json()["count"] == 45
    assert officer.get(f"{URL}?district={w.town.d1.pk}").json()["count"] == 55
    assert officer.get(f"{URL}?district={w.town.d2.pk}").json()["count"] == 0
    assert officer.get(f"{URL}?source=direct").json()["count"] == 55
    response = officer.get(f"{URL}?state=vanished")
    assert response.status_code == 422 and "state" in response.json()["fields"]
    response = officer.get(f"{URL}?source=elsewhere")
    assert response.status_code == 422 and "source" in response.json()["fields"]
    assert officer.get(f"{URL}?overdue=maybe").status_code == 422
    # Who sees what: the water liaison its 40, the other district nothing, the deputy all.
    assert signed_in(w.people["liaison"]).get(URL).json()["count"] == 40
    assert signed_in(w.people["power_liaison"]).get(f"{URL}?overdue=true").json()["count"] == 10
    assert signed_in(w.people["other_district_officer"]).get(URL).json()["count"] == 0
    assert signed_in(w.people["deputy"]).get(URL).json()["count"] == 55
    assert Client().get(URL).status_code == 401


# --- agencies -------------------------------------------------------------------------------------------


def test_agencies_of_the_city(referral_world: ReferralWorld, django_assert_max_num_queries) -> None:
    w = referral_world
    client = signed_in(w.people["district_officer"])
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/agencies").json()
    by_slug = {a["slug"]: a for a in body["items"]}
    assert set(by_slug) == {"town-water", "town-power"}
    assert (
        by_slug["town-water"]["kind"] == "water" and by_slug["town-water"]["kind_label"] == "Water and sewage"
    )
    assert by_slug["town-water"]["is_citywide"] is True and by_slug["town-water"]["districts"] == []
    assert by_slug["town-power"]["districts"] == [
        {"id": w.town.d1.pk, "slug": "town-d1", "name": "District 1"}
    ]
    # Names and kinds are public: anyone may ask for a city's agencies by its id or code.
    assert Client().get(f"/api/v1/agencies?city={w.city.slug}").json()["count"] == 2
    assert Client().get(f"/api/v1/agencies?city={w.city.pk}").json()["count"] == 2
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/agencies")
    assert response.status_code == 422 and "city" in response.json()["fields"]
    assert Client().get("/api/v1/agencies?city=nowhere").status_code == 404


def test_scorecard_api(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = send_leak(w, now=SATURDAY_9)
    referral_transition(
        actor=w.people["liaison"], referral=referral, to=S.ACKNOWLEDGED, now=SATURDAY_9 + timedelta(hours=3)
    )
    url = f"/api/v1/agencies/{w.water.pk}/scorecard"
    response = signed_in(w.people["deputy"]).get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["agency"]["id"] == w.water.pk and body["from"] is None and body["to"] is None
    assert body["total"]["sent"] == 1 and body["total"]["acknowledge_hours_mean"] == 3.0
    assert body["by_district"][0]["district"] == {"id": w.town.d1.pk, "slug": "town-d1", "name": "District 1"}
    assert [(m["year"], m["month"]) for m in body["by_month"]] == [(1405, 9)]
    assert body["by_month"][0]["label"] == "Azar 1405"
    body = signed_in(w.people["liaison"]).get(f"{url}?from=2026-12-01&to=2026-12-31").json()
    assert body["from"] == "2026-12-01" and body["total"]["sent"] == 0 and body["by_month"] == []
    response = signed_in(w.people["deputy"]).get(f"{url}?from=2026-12-31&to=2026-12-01")
    assert response.status_code == 422 and "to" in response.json()["fields"]
    assert signed_in(w.people["deputy"]).get(f"{url}?from=yesterday").status_code == 422
    for who in ("citizen", "power_liaison"):
        response = signed_in(w.people[who]).get(url)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert signed_in(w.people["deputy"]).get("/api/v1/agencies/999999/scorecard").status_code == 404
    assert Client().get(url).status_code == 401


def test_the_openapi_description_lists_the_endpoints(db: None) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/referrals", "/api/v1/referrals/{referral_id}/transitions"} <= set(paths)
    assert "/api/v1/agencies/{agency_id}/scorecard" in paths
