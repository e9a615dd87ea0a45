"""The agency's integration page (webhook address, signing secret, API tokens, test event) and its delivery
log: who may use them, what bad input does, and the log's bounded queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from mahalat.accounts.models import ApiToken, Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.audit.models import Event
from mahalat.referrals.models import Agency, DeliveryState, ReferralState, TargetKind, WebhookDelivery
from mahalat.referrals.services import Target, agency_integration_set, referral_create, referral_transition
from tests.factories import UserFactory
from tests.referrals_world import SATURDAY_9, ReferralWorld

pytestmark = pytest.mark.django_db

HOOK = "https://water.example.org/mahalat/hook"


def _integration(agency: Agency) -> str:
    return reverse("referrals:integration", kwargs={"agency_id": agency.pk})


def _deliveries(agency: Agency) -> str:
    return reverse("referrals:deliveries", kwargs={"agency_id": agency.pk})


def _hook(world: ReferralWorld) -> None:
    agency_integration_set(
        actor=world.people["liaison"], agency=world.water, webhook_url=HOOK, webhook_active=True
    )


@pytest.fixture
def administrator(referral_world: ReferralWorld) -> Any:
    person = UserFactory()
    role_assign(actor=None, user=person, role=Role.ADMINISTRATOR, scope_kind=ScopeKind.CITY, scope_ref="town")
    return person


# --- the integration page -------------------------------------------------------------------------------


def test_liaison_sets_the_address_and_sees_the_first_secret_once(
    client: Any, referral_world: ReferralWorld
) -> None:
    w = referral_world
    client.force_login(w.people["liaison"])
    assert client.get(_integration(w.water)).status_code == 200
    response = client.post(_integration(w.water), {"webhook_url": HOOK, "webhook_active": "on"})
    assert response.status_code == 200
    w.water.refresh_from_db()
    assert (w.water.webhook_url, w.water.webhook_active) == (HOOK, True)
    assert w.water.webhook_secret.startswith("whsec_")
    assert w.water.webhook_secret in response.content.decode()
    assert "no-store" in response.headers.get("Cache-Control", "")
    # Shown once: the page never shows it again.
    again = client.get(_integration(w.water))
    assert w.water.webhook_secret not in again.content.decode()
    # A later change of address keeps the secret and does not show it.
    response = client.post(_integration(w.water), {"webhook_url": HOOK + "/v2", "webhook_active": "on"})
    assert response.status_code == 302
    secret = w.water.webhook_secret
    w.water.refresh_from_db()
    assert w.water.webhook_url == HOOK + "/v2" and w.water.webhook_secret == secret
    assert Event.objects.filter(action="referrals.agency.integration_set").count() == 2


def test_liaison_rotates_the_secret_and_sees_the_new_one_once(
    client: Any, referral_world: ReferralWorld
) -> None:
    w = referral_world
    _hook(w)
    w.water.refresh_from_db()
    old = w.water.webhook_secret
    client.force_login(w.people["liaison"])
    response = client.post(reverse("referrals:integration-secret", kwargs={"agency_id": w.water.pk}))
    assert response.status_code == 200
    w.water.refresh_from_db()
    assert w.water.webhook_secret != old
    page = response.content.decode()
    assert w.water.webhook_secret in page and old not in page
    assert w.water.webhook_secret not in client.get(_integration(w.water)).content.decode()
    assert (
        client.get(reverse("referrals:integration-secret", kwargs={"agency_id": w.water.pk})).status_code
        == 405
    )


def test_liaison_issues_a_token_shown_once_that_works_on_the_api(
    client: Any, referral_world: ReferralWorld
) -> None:
    w = referral_world
    client.force_login(w.people["liaison"])
    response = client.post(
        reverse("referrals:integration-token-issue", kwargs={"agency_id": w.water.pk}),
        {"name": "سامانه آبفا"},
    )
    assert response.status_code == 200
    match = re.search(r"mht_[A-Za-z0-9_\-]+", response.content.decode())
    assert match is not None
    key = match.group(0)
    token = ApiToken.objects.get(agency=w.water)
    assert token.name == "سامانه آبفا" and token.user == w.people["liaison"]
    assert key not in client.get(_integration(w.water)).content.decode()  # shown once

    api = client.__class__()  # a machine client: no session, only the token
    me = api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert me.status_code == 200
    assert [r["role"] for r in me.json()["roles"]] == [Role.AGENCY_LIAISON]


def _issue(client: Any, world: ReferralWorld) -> tuple[str, ApiToken]:
    response = client.post(
        reverse("referrals:integration-token-issue", kwargs={"agency_id": world.water.pk}), {"name": "سامانه"}
    )
    match = re.search(r"mht_[A-Za-z0-9_\-]+", response.content.decode())
    assert match is not None
    return match.group(0), ApiToken.objects.get(agency=world.water)


def test_revoked_token_stops_working(client: Any, referral_world: ReferralWorld) -> None:
    w = referral_world
    client.force_login(w.people["liaison"])
    key, token = _issue(client, w)
    api = client.__class__()
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    revoke = reverse(
        "referrals:integration-token-revoke", kwargs={"agency_id": w.water.pk, "token_id": token.pk}
    )
    assert client.post(revoke).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_another_agencys_token_cannot_be_revoked_here(client: Any, referral_world: ReferralWorld) -> None:
    from mahalat.referrals.services import agency_token_issue

    w = referral_world
    _key, power_token = agency_token_issue(actor=w.people["power_liaison"], agency=w.power)
    client.force_login(w.people["liaison"])
    url = reverse(
        "referrals:integration-token-revoke", kwargs={"agency_id": w.water.pk, "token_id": power_token.pk}
    )
    assert client.post(url).status_code == 404
    power_token.refresh_from_db()
    assert power_token.revoked_at is None


@pytest.mark.parametrize(
    "bad",
    ["ftp://water.example.org/hook", "not a web address", "https://" + "a" * 400 + ".example.org/hook", ""],
    ids=["ftp", "garbage", "too-long", "empty-but-active"],
)
def test_bad_address_gives_a_message_and_changes_nothing(
    client: Any, referral_world: ReferralWorld, bad: str
) -> None:
    w = referral_world
    _hook(w)
    w.water.refresh_from_db()
    before = (w.water.webhook_url, w.water.webhook_active, w.water.webhook_secret)
    client.force_login(w.people["liaison"])
    response = client.post(_integration(w.water), {"webhook_url": bad, "webhook_active": "on"})
    assert response.status_code == 400
    errors = response.context["form"].errors["webhook_url"]
    assert errors and all(str(e) for e in errors)
    assert 'class="invalid-feedback' in response.content.decode()
    w.water.refresh_from_db()
    assert (w.water.webhook_url, w.water.webhook_active, w.water.webhook_secret) == before


@pytest.mark.parametrize("name", ["power_liaison", "district_officer", "deputy", "citizen", "city_council"])
def test_only_the_agencys_liaison_and_administrators_manage_it(
    client: Any, referral_world: ReferralWorld, name: str
) -> None:
    w = referral_world
    client.force_login(w.people[name])
    assert client.get(_integration(w.water)).status_code == 403
    assert (
        client.post(_integration(w.water), {"webhook_url": HOOK, "webhook_active": "on"}).status_code == 403
    )
    assert (
        client.post(reverse("referrals:integration-secret", kwargs={"agency_id": w.water.pk})).status_code
        == 403
    )
    token_url = reverse("referrals:integration-token-issue", kwargs={"agency_id": w.water.pk})
    assert client.post(token_url, {"name": "x"}).status_code == 403
    w.water.refresh_from_db()
    assert (w.water.webhook_url, w.water.webhook_secret) == ("", "")
    assert not ApiToken.objects.filter(agency=w.water).exists()


def test_anonymous_is_sent_to_sign_in_and_unknown_agency_is_404(
    client: Any, referral_world: ReferralWorld
) -> None:
    response = client.get(_integration(referral_world.water))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(referral_world.people["liaison"])
    assert client.get(reverse("referrals:integration", kwargs={"agency_id": 999999})).status_code == 404
    assert client.get(reverse("referrals:deliveries", kwargs={"agency_id": 999999})).status_code == 404


def test_administrator_sets_the_address_but_cannot_issue_a_token(
    client: Any, referral_world: ReferralWorld, administrator: Any
) -> None:
    w = referral_world
    client.force_login(administrator)
    response = client.post(_integration(w.water), {"webhook_url": HOOK, "webhook_active": ""})
    assert response.status_code == 200
    w.water.refresh_from_db()
    assert (w.water.webhook_url, w.water.webhook_active) == (HOOK, False)
    page = client.get(_integration(w.water))
    assert page.context["may_issue_tokens"] is False
    token_url = reverse("referrals:integration-token-issue", kwargs={"agency_id": w.water.pk})
    assert client.post(token_url, {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_test_event_button_logs_a_ping_or_explains_why_not(
    client: Any, referral_world: ReferralWorld
) -> None:
    w = referral_world
    client.force_login(w.people["liaison"])
    url = reverse("referrals:integration-test", kwargs={"agency_id": w.water.pk})
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == _integration(w.water)
    assert not WebhookDelivery.objects.exists()
    assert any("test event" in str(m).lower() or "آزمایشی" in str(m) for m in response.context["messages"])
    _hook(w)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == _deliveries(w.water)
    ping = WebhookDelivery.objects.get()
    assert (ping.event, ping.referral_id, ping.state) == ("ping", None, DeliveryState.PENDING)


# --- the delivery log -----------------------------------------------------------------------------------


def _direct(world: ReferralWorld, *, officer: str, district: Any, subject: str) -> Any:
    return referral_create(
        actor=world.people[officer],
        district=district,
        target=Target(kind=TargetKind.AGENCY, agency=world.water),
        subject=subject,
        now=SATURDAY_9,
    )


@pytest.fixture
def logged(referral_world: ReferralWorld) -> ReferralWorld:
    """Deliveries of referrals from both districts, a test event, one of them failed."""
    w = referral_world
    _hook(w)
    w.water.refresh_from_db()
    d1 = _direct(w, officer="district_officer", district=w.town.d1, subject="ارجاع منطقه یک")
    _direct(w, officer="other_district_officer", district=w.town.d2, subject="ارجاع منطقه دو")
    referral_transition(actor=w.people["liaison"], referral=d1, to=ReferralState.ACKNOWLEDGED, now=SATURDAY_9)
    from mahalat.referrals.webhooks import webhook_send_test

    webhook_send_test(actor=w.people["liaison"], agency=w.water, now=SATURDAY_9)
    WebhookDelivery.objects.filter(event="referral.acknowledged").update(
        state=DeliveryState.FAILED, attempts=10, last_status=500, last_error="HTTP 500: boom"
    )
    return w


def _subjects(response: Any) -> list[str]:
    return sorted(d.referral.subject if d.referral_id else "ping" for d in response.context["deliveries"])


def test_liaison_sees_the_whole_log(client: Any, logged: ReferralWorld) -> None:
    client.force_login(logged.people["liaison"])
    response = client.get(_deliveries(logged.water))
    assert response.status_code == 200
    assert _subjects(response) == ["ping", "ارجاع منطقه دو", "ارجاع منطقه یک", "ارجاع منطقه یک"]
    page = response.content.decode()
    assert "HTTP 500: boom" in page
    assert str(WebhookDelivery.objects.filter(event="ping").get().delivery_id) in page


def test_district_staff_see_only_their_districts_deliveries(client: Any, logged: ReferralWorld) -> None:
    client.force_login(logged.people["district_officer"])
    response = client.get(_deliveries(logged.water))
    assert response.status_code == 200
    assert _subjects(response) == ["ارجاع منطقه یک", "ارجاع منطقه یک"]
    assert response.context["may_manage"] is False
    client.force_login(logged.people["other_district_officer"])
    assert _subjects(client.get(_deliveries(logged.water))) == ["ارجاع منطقه دو"]
    # The area officer sees its area's referrals only; these were sent by the district itself, no area.
    client.force_login(logged.people["area_officer"])
    assert _subjects(client.get(_deliveries(logged.water))) == []


@pytest.mark.parametrize("name", ["power_liaison", "citizen", "deputy", "council_chair"])
def test_others_cannot_see_the_log(client: Any, logged: ReferralWorld, name: str) -> None:
    client.force_login(logged.people[name])
    assert client.get(_deliveries(logged.water)).status_code == 403


def test_log_filters_by_state(client: Any, logged: ReferralWorld) -> None:
    client.force_login(logged.people["liaison"])
    failed = client.get(_deliveries(logged.water), {"state": DeliveryState.FAILED})
    assert [d.event for d in failed.context["deliveries"]] == ["referral.acknowledged"]
    pending = client.get(_deliveries(logged.water), {"state": DeliveryState.PENDING})
    assert len(pending.context["deliveries"]) == 3
    # An unknown state is ignored (the whole log), never an error.
    assert len(client.get(_deliveries(logged.water), {"state": "nope"}).context["deliveries"]) == 4


def test_log_pages_in_a_bounded_number_of_queries(
    client: Any, logged: ReferralWorld, django_assert_max_num_queries: Any
) -> None:
    w = logged
    client.force_login(w.people["liaison"])
    with django_assert_max_num_queries(12) as few:
        assert client.get(_deliveries(w.water)).status_code == 200
    bound = len(few.captured_queries)  # read now: the connection's query log is a bounded window
    for i in range(60):
        _direct(w, officer="district_officer", district=w.town.d1, subject=f"ارجاع {i}")
    with django_assert_max_num_queries(bound) as many:
        response = client.get(_deliveries(w.water))
    assert len(response.context["deliveries"]) == 50
    assert response.context["page"].paginator.num_pages == 2
    assert len(many.captured_queries) == bound
    second = client.get(_deliveries(w.water), {"page": 2, "state": DeliveryState.PENDING})
    assert len(second.context["deliveries"]) == 13
    assert "state=pending&amp;page=1" in second.content.decode()
    client.force_login(w.people["district_officer"])
    with django_assert_max_num_queries(bound):
        assert client.get(_deliveries(w.water)).status_code == 200


def test_referral_page_partial_shows_its_deliveries_or_nothing(logged: ReferralWorld) -> None:
    from django.template.loader import render_to_string

    from mahalat.referrals.delivery_selectors import deliveries_of_referral
    from mahalat.referrals.models import Referral

    referral = Referral.objects.get(subject="ارجاع منطقه یک")
    rows = deliveries_of_referral(user=logged.people["district_officer"], referral=referral)
    assert [d.event for d in rows] == ["referral.acknowledged", "referral.sent"]
    html = render_to_string("referrals/_deliveries.html", {"deliveries": rows})
    assert str(rows[0].delivery_id) in html and "HTTP 500: boom" in html
    assert "ارجاع منطقه یک" not in html  # no referral column on the referral's own page
    hidden = deliveries_of_referral(user=logged.people["other_district_officer"], referral=referral)
    assert hidden == []
    assert render_to_string("referrals/_deliveries.html", {"deliveries": hidden}).strip() == ""
