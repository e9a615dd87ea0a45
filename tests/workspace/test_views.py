from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.audit.models import Event
from mahalat.territory.models import Neighborhood, NeighborhoodProfileRevision
from mahalat.territory.services import neighborhood_profile_publish
from tests.factories import (
    AgencyFactory,
    AreaFactory,
    CityFactory,
    DistrictFactory,
    NeighborhoodFactory,
    UserFactory,
)

PASSWORD = "a-Strong-pass-1405"


@pytest.fixture
def town(db: None) -> dict:
    city = CityFactory(slug="town")
    d1 = DistrictFactory(city=city, slug="town-d1", number=1)
    d2 = DistrictFactory(city=city, slug="town-d2", number=2)
    a11 = AreaFactory(district=d1, slug="town-d1-a1", number=1)
    a21 = AreaFactory(district=d2, slug="town-d2-a1", number=1)
    n1 = NeighborhoodFactory(area=a11, slug="n1", name="سرچشمه", name_en="Sarcheshmeh")
    n2 = NeighborhoodFactory(area=a21, slug="n2", name="باغ‌بهشت", name_en="Bagh-e Behesht")
    agency = AgencyFactory(city=city, slug="town-water")
    return {"city": city, "d1": d1, "d2": d2, "a11": a11, "n1": n1, "n2": n2, "agency": agency}


def make_user(role: str | None, kind: str | None = None, ref: str | None = None, **extra):
    user = UserFactory(**extra)
    if role:
        role_assign(actor=None, user=user, role=role, scope_kind=kind, scope_ref=ref)
    return user


ROLE_SCOPES = {
    Role.COUNCIL_MEMBER: (ScopeKind.NEIGHBORHOOD, "n1"),
    Role.COUNCIL_CHAIR: (ScopeKind.NEIGHBORHOOD, "n1"),
    Role.COUNCIL_SECRETARY: (ScopeKind.NEIGHBORHOOD, "n1"),
    Role.AREA_OFFICER: (ScopeKind.AREA, "town-d1-a1"),
    Role.DISTRICT_OFFICER: (ScopeKind.DISTRICT, "town-d1"),
    Role.DISTRICT_MANAGER: (ScopeKind.DISTRICT, "town-d1"),
    Role.AGENCY_LIAISON: (ScopeKind.AGENCY, "town-water"),
    Role.DEPUTY: (ScopeKind.CITY, "town"),
    Role.CITY_COUNCIL: (ScopeKind.CITY, "town"),
    Role.ADMINISTRATOR: (ScopeKind.CITY, "town"),
}


def login(client: Client, user, password: str = PASSWORD):
    return client.post("/accounts/login/", {"phone": user.phone_local, "password": password})


@pytest.mark.parametrize("role", [*ROLE_SCOPES, None])
def test_each_role_lands_on_its_own_workspace(town, role, django_assert_max_num_queries) -> None:
    if role is None:
        user = make_user(None)
        expected = "/workspace/citizen/"
    else:
        user = make_user(role, *ROLE_SCOPES[role])
        expected = f"/workspace/{role.replace('_', '-')}/"
    client = Client()
    response = login(client, user)
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == expected
    with django_assert_max_num_queries(14):
        page = client.get(expected)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert "<h1" in html


def test_workspace_queries_do_not_grow_with_the_city(town, django_assert_num_queries) -> None:
    user = make_user(Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, "town-d1")
    client = Client()
    client.force_login(user)
    client.get("/workspace/district-officer/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get("/workspace/district-officer/")
    for i in range(40):
        NeighborhoodFactory(area=AreaFactory(district=town["d1"], number=10 + i))
    with CaptureQueriesContext(connection) as large:
        assert client.get("/workspace/district-officer/").status_code == 200
    assert len(large) == len(small)


def test_someone_elses_workspace_is_404(town) -> None:
    citizen = make_user(None)
    client = Client()
    client.force_login(citizen)
    assert client.get("/workspace/deputy/").status_code == 404


def test_workspace_needs_sign_in(town) -> None:
    response = Client().get("/workspace/deputy/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_wrong_password_is_refused_with_a_message(town) -> None:
    user = make_user(None)
    client = Client()
    response = client.post("/accounts/login/", {"phone": user.phone_local, "password": "nope"})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_invalid_phone_on_the_login_form(town) -> None:
    response = Client().post("/accounts/login/", {"phone": "12", "password": "x"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()


def test_login_is_throttled(town) -> None:
    user = make_user(None)
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"phone": user.phone_local, "password": "nope"})
    response = client.post("/accounts/login/", {"phone": user.phone_local, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_next_is_kept_but_only_on_this_site(town) -> None:
    user = make_user(None)
    response = Client().post(
        "/accounts/login/?next=/n/n1/", {"phone": user.phone_local, "password": PASSWORD}
    )
    assert response["Location"] == "/n/n1/"
    response = Client().post(
        "/accounts/login/?next=https://evil.example/", {"phone": user.phone_local, "password": PASSWORD}
    )
    assert response["Location"] == "/workspace/"


def test_sms_code_login_journey(town, sms_outbox) -> None:
    user = make_user(None)
    client = Client()
    response = client.post("/accounts/login/code/", {"phone": user.phone_local})
    assert response.status_code == 200
    code = re.search(r"\d{6}", sms_outbox[0].body).group(0)
    response = client.post(
        "/accounts/login/code/verify/",
        {"phone": user.phone, "code": "000000" if code != "000000" else "111111"},
    )
    assert response.status_code == 400
    response = client.post("/accounts/login/code/verify/", {"phone": user.phone, "code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_journey(town, sms_outbox) -> None:
    user = make_user(None)
    client = Client()
    client.post("/accounts/password-reset/", {"phone": user.phone_local})
    code = re.search(r"\d{6}", sms_outbox[0].body).group(0)
    response = client.post(
        "/accounts/password-reset/complete/",
        {
            "phone": user.phone,
            "code": code,
            "new_password1": "New-pass-1405!",
            "new_password2": "New-pass-1405!",
        },
    )
    assert response.status_code == 302
    assert login(Client(), user, "New-pass-1405!").status_code == 302


def test_signup_and_duplicate_signup(town) -> None:
    data = {
        "full_name": "علی رضایی",
        "phone": "۰۹۱۲۵۵۵۱۲۳۴",
        "national_code": "",
        "password1": "Good-pass-1405x",
        "password2": "Good-pass-1405x",
    }
    client = Client()
    assert client.post("/accounts/signup/", data).status_code == 302
    response = Client().post("/accounts/signup/", data)
    assert response.status_code == 400


def test_logout_is_post_only(town) -> None:
    user = make_user(None)
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


PROFILE = {
    "historical_name": "محلهٔ چشمه",
    "history": "در دورهٔ قاجار…",
    "landmarks": "",
    "heritage": "",
    "notable_people": "",
    "crafts": "گیوه‌دوزی",
    "annual_events": "",
}


def publish_all(neighborhood_slug: str = "n1") -> None:
    """A district manager who wrote none of them publishes every pending edit of the neighborhood."""
    manager = make_user(Role.DISTRICT_MANAGER, ScopeKind.DISTRICT, "town-d1")
    for revision in NeighborhoodProfileRevision.objects.filter(
        neighborhood__slug=neighborhood_slug, state="pending"
    ).order_by("id"):
        neighborhood_profile_publish(actor=manager, revision=revision)


@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        (Role.DISTRICT_OFFICER, "town-d1", 302),
        (Role.DISTRICT_MANAGER, "town-d1", 302),
        (Role.AREA_OFFICER, "town-d1-a1", 302),
        (Role.DISTRICT_OFFICER, "town-d2", 403),
        (Role.DEPUTY, "town", 403),
        (Role.CITY_COUNCIL, "town", 403),
        (Role.COUNCIL_CHAIR, "n1", 403),
        (Role.AGENCY_LIAISON, "town-water", 403),
        (None, None, 403),
    ],
)
def test_identity_profile_edit_follows_the_governance_rules(town, role, scope, status) -> None:
    """Staff of the neighborhood propose; the public profile stays as it was until a review."""
    user = make_user(role, ROLE_SCOPES[role][0], scope) if role else make_user(None)
    client = Client()
    client.force_login(user)
    response = client.post("/workspace/neighborhoods/n1/profile/", PROFILE)
    assert response.status_code == status
    assert Neighborhood.objects.get(slug="n1").crafts == ""
    events = Event.objects.filter(action="territory.profile_revision.proposed")
    if status == 302:
        revision = NeighborhoodProfileRevision.objects.get()
        assert (revision.author, revision.state) == (user, "pending")
        assert revision.changes == {
            "historical_name": "محلهٔ چشمه",
            "history": "در دورهٔ قاجار…",
            "crafts": "گیوه‌دوزی",
        }
        assert events.get().actor == user
    else:
        assert not NeighborhoodProfileRevision.objects.exists()
        assert not events.exists()


def test_identity_profile_bad_input_changes_nothing(town) -> None:
    user = make_user(Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, "town-d1")
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        response = client.post(
            "/workspace/neighborhoods/n1/profile/", {**PROFILE, "historical_name": "x" * 500}
        )
    assert response.status_code == 400
    assert "at most 120 characters" in response.content.decode()
    assert not NeighborhoodProfileRevision.objects.exists()
    assert not Event.objects.filter(action__startswith="territory.profile_revision").exists()


def test_profile_text_is_normalized_and_searchable_once_published(town) -> None:
    user = make_user(Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, "town-d1")
    client = Client()
    client.force_login(user)
    client.post("/workspace/neighborhoods/n1/profile/", {**PROFILE, "historical_name": "كوي يوسف"})
    assert NeighborhoodProfileRevision.objects.get().changes["historical_name"] == "کوی یوسف"
    assert Client().get("/?q=کوی یوسف").get("Location") != "/n/n1/"
    publish_all()
    assert Neighborhood.objects.get(slug="n1").historical_name == "کوی یوسف"
    response = Client().get("/?q=کوی یوسف")
    assert response.status_code == 302
    assert response["Location"] == "/n/n1/"


def test_audit_log_page_is_scoped(town) -> None:
    officer_d1 = make_user(Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, "town-d1")
    officer_d2 = make_user(Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, "town-d2")
    client = Client()
    client.force_login(officer_d1)
    client.post("/workspace/neighborhoods/n1/profile/", PROFILE)
    page = client.get("/workspace/audit/")
    assert page.status_code == 200
    assert "territory.profile_revision.proposed" in page.content.decode()
    other = Client()
    other.force_login(officer_d2)
    page = other.get("/workspace/audit/")
    assert "territory.profile_revision.proposed" not in page.content.decode()
    citizen = Client()
    citizen.force_login(make_user(None))
    assert citizen.get("/workspace/audit/").status_code == 403


def test_a_proposal_drawn_from_an_old_profile_is_refused(town) -> None:
    """Two officers open the form; the first's edit is published; the second is told, and nothing of
    theirs is proposed."""
    first = Client()
    first.force_login(make_user(Role.DISTRICT_OFFICER, ScopeKind.DISTRICT, "town-d1"))
    second = Client()
    second.force_login(make_user(Role.AREA_OFFICER, ScopeKind.AREA, "town-d1-a1"))
    version = re.search(
        r'name="version" value="([^"]+)"', first.get("/workspace/neighborhoods/n1/profile/").content.decode()
    ).group(1)
    assert version in second.get("/workspace/neighborhoods/n1/profile/").content.decode()
    response = first.post("/workspace/neighborhoods/n1/profile/", {**PROFILE, "version": version})
    assert response.status_code == 302
    publish_all()
    second.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        response = second.post(
            "/workspace/neighborhoods/n1/profile/", {**PROFILE, "crafts": "قالی‌بافی", "version": version}
        )
    assert response.status_code == 409
    assert "Someone else changed this profile" in response.content.decode()
    assert Neighborhood.objects.get(slug="n1").crafts == "گیوه‌دوزی"
    assert NeighborhoodProfileRevision.objects.count() == 1


def test_audit_log_page_queries_are_bounded(town, django_assert_max_num_queries) -> None:
    from mahalat.audit.services import event_record

    deputy = make_user(Role.DEPUTY, ScopeKind.CITY, "town")
    for i in range(120):
        event_record(actor=deputy, action="test.bulk", obj=town["n1"], note=str(i))
    client = Client()
    client.force_login(deputy)
    with django_assert_max_num_queries(8):
        page = client.get("/workspace/audit/?page=2")
    assert page.status_code == 200
    assert page.content.decode().count("test.bulk") == 50
