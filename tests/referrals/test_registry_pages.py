"""The agency registry and the service-level agreement pages: the deputy keeps them, districts read them,
bad input changes nothing, and the pages read in a bounded number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.audit.models import Event
from mahalat.persian.digits import to_persian_digits
from mahalat.referrals.models import Agency, AgencyKind, ServiceAgreement
from mahalat.referrals.registry_views import working_time_label
from tests.factories import AgencyFactory, UserFactory
from tests.referrals_world import ReferralWorld

pytestmark = pytest.mark.django_db

AGENCIES = reverse("referrals:agencies")
NEW = reverse("referrals:agency-new")
MUNICIPAL = reverse("referrals:agreements")


def _agreements(agency: Agency) -> str:
    return reverse("referrals:agreements", kwargs={"agency_id": agency.pk})


def _new_agency(**extra: Any) -> dict[str, Any]:
    return {
        "slug": "town-gas",
        "name": "شرکت گاز",
        "name_en": "Gas company",
        "kind": AgencyKind.GAS,
        "contact_person": "آقای رحیمی",
        "contact_phone": "021-5555",
        "contact_email": "gas@example.org",
        "address": "",
        "is_citywide": "on",
        "is_active": "on",
        **extra,
    }


def _english(client: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _hours(ack: Any, answer: Any, finish: Any, **extra: Any) -> dict[str, Any]:
    return {"acknowledge_hours": ack, "answer_hours": answer, "finish_hours": finish, **extra}


# --- the registry ---------------------------------------------------------------------------------------


def test_deputy_adds_and_edits_an_agency(client: Any, referral_world: ReferralWorld) -> None:
    w = referral_world
    client.force_login(w.people["deputy"])
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, _new_agency(is_citywide="", districts=["town-d2"]))
    gas = Agency.objects.get(slug="town-gas")
    assert response.status_code == 302 and response["Location"] == reverse("referrals:agency", args=[gas.pk])
    assert gas.city_id == w.city.pk and not gas.is_citywide
    assert list(gas.districts.values_list("slug", flat=True)) == ["town-d2"]
    assert Event.objects.filter(action="referrals.agency.created").count() == 1

    edit = reverse("referrals:agency-edit", args=[gas.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, _new_agency(slug="ignored", name="شرکت ملی گاز", is_citywide="on"))
    assert response.status_code == 302
    gas.refresh_from_db()
    assert (gas.slug, gas.name, gas.is_citywide) == ("town-gas", "شرکت ملی گاز", True)
    assert not gas.districts.exists()
    page = client.get(reverse("referrals:agency", args=[gas.pk])).content.decode()
    assert "شرکت ملی گاز" in page and "021-5555" in page


def test_bad_agency_input_changes_nothing(client: Any, referral_world: ReferralWorld) -> None:
    w = referral_world
    client.force_login(w.people["deputy"])
    before = Agency.objects.count()
    # A bad code, an unknown kind, no districts for a local agency, a bad email: messages, no row.
    for data in (
        _new_agency(slug="Bad Code!"),
        _new_agency(kind="spaceship"),
        _new_agency(is_citywide="", districts=[]),
        _new_agency(contact_email="not-an-email"),
        _new_agency(name=""),
    ):
        response = client.post(NEW, data)
        assert response.status_code == 400, data
        assert "invalid-feedback" in response.content.decode() or "alert-danger" in response.content.decode()
    assert Agency.objects.count() == before
    # A code already used: the other agency is not overwritten.
    response = client.post(NEW, _new_agency(slug="town-water", name="جعلی"))
    assert response.status_code == 400
    w.water.refresh_from_db()
    assert w.water.name != "جعلی"
    assert not Event.objects.filter(action__startswith="referrals.agency.").exists()


def test_district_officer_reads_the_registry_but_cannot_change_it(
    client: Any, referral_world: ReferralWorld
) -> None:
    w = referral_world
    client.force_login(w.people["district_officer"])
    page = client.get(AGENCIES)
    assert page.status_code == 200
    text = page.content.decode()
    assert w.water.name in text and w.power.name in text
    assert reverse("referrals:agency-new") not in text
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, _new_agency()).status_code == 403
    edit = reverse("referrals:agency-edit", args=[w.water.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, _new_agency(slug="town-water", name="x")).status_code == 403
    w.water.refresh_from_db()
    assert w.water.name != "x"
    assert not Agency.objects.filter(slug="town-gas").exists()


def test_registry_shows_jurisdiction_liaisons_and_contact_to_staff_only(
    client: Any, referral_world: ReferralWorld
) -> None:
    w = referral_world
    Agency.objects.filter(pk=w.water.pk).update(contact_phone="021-12345678")
    w.people["liaison"].full_name = "مریم کاظمی"
    w.people["liaison"].save()
    client.force_login(w.people["district_manager"])
    text = client.get(AGENCIES).content.decode()
    assert "مریم کاظمی" in text and "021-12345678" in text
    assert to_persian_digits(str(w.town.d1)) in text  # power serves district 1 only
    # A liaison of the power company sees the registry, but not the water company's contact details.
    client.force_login(w.people["power_liaison"])
    text = client.get(AGENCIES).content.decode()
    assert w.water.name in text
    assert "021-12345678" not in text and "مریم کاظمی" not in text
    # Someone without a role in the city: no registry.
    client.force_login(w.people["citizen"])
    assert client.get(AGENCIES).status_code == 403
    assert client.get(reverse("referrals:agency", args=[w.water.pk])).status_code == 403


def test_agency_page_links_to_scorecard_and_agreements(client: Any, referral_world: ReferralWorld) -> None:
    w = referral_world
    client.force_login(w.people["deputy"])
    _english(client)
    text = client.get(reverse("referrals:agency", args=[w.water.pk])).content.decode()
    assert f"/agencies/{w.water.pk}/scorecard/" in text
    assert _agreements(w.water) in text
    # The leak agreement: 4, 16 and 40 working hours, a working day being 7 hours.
    assert "4 working hours" in text
    assert "2 working days and 2 working hours" in text
    assert "5 working days and 5 working hours" in text
    assert client.get(reverse("referrals:agency", args=[999999])).status_code == 404


def test_registry_queries_are_bounded(
    client: Any, referral_world: ReferralWorld, django_assert_max_num_queries: Any
) -> None:
    w = referral_world
    client.force_login(w.people["deputy"])
    client.get(AGENCIES)
    for i in range(15):
        agency = AgencyFactory(city=w.city, slug=f"town-extra-{i}", is_citywide=False)
        agency.districts.set([w.town.d1, w.town.d2])
        person = UserFactory()
        role_assign(
            actor=None,
            user=person,
            role=Role.AGENCY_LIAISON,
            scope_kind=ScopeKind.AGENCY,
            scope_ref=agency.slug,
        )
        ServiceAgreement.objects.create(
            city=w.city, agency=agency, category=None, acknowledge_hours=1, answer_hours=2, finish_hours=3
        )
    with django_assert_max_num_queries(10):
        response = client.get(AGENCIES)
    assert response.status_code == 200
    assert response.content.decode().count('scope="row"') == 17
    with django_assert_max_num_queries(12):
        assert client.get(_agreements(w.water)).status_code == 200


# --- the agreements -------------------------------------------------------------------------------------


def test_deputy_adds_changes_and_removes_an_agreement(client: Any, referral_world: ReferralWorld) -> None:
    w = referral_world
    client.force_login(w.people["deputy"])
    _english(client)
    url = _agreements(w.water)
    page = client.get(url)
    assert page.status_code == 200 and "Add an agreement" in page.content.decode()
    # Persian digits are numbers too.
    response = client.post(url, _hours("۴", "۱۴", "۷۰", category=""))
    assert response.status_code == 302
    default = ServiceAgreement.objects.get(agency=w.water, category__isnull=True)
    assert (default.acknowledge_hours, default.answer_hours, default.finish_hours) == (4, 14, 70)
    assert default.updated_by == w.people["deputy"]
    text = client.get(url).content.decode()
    assert "10 working days" in text  # 70 hours of a 7-hour working day

    edit = reverse("referrals:agreement-edit", args=[default.pk])
    assert client.get(edit).status_code == 200
    assert client.post(edit, _hours(2, 7, 21)).status_code == 302
    default.refresh_from_db()
    assert (default.acknowledge_hours, default.answer_hours, default.finish_hours) == (2, 7, 21)

    assert client.post(reverse("referrals:agreement-delete", args=[default.pk])).status_code == 302
    assert not ServiceAgreement.objects.filter(pk=default.pk).exists()
    actions = list(
        Event.objects.filter(action__startswith="referrals.agreement.").values_list("action", flat=True)
    )
    assert sorted(actions) == [
        "referrals.agreement.created",
        "referrals.agreement.deleted",
        "referrals.agreement.updated",
    ]


def test_municipal_agreements_have_no_agency(client: Any, referral_world: ReferralWorld) -> None:
    w = referral_world
    client.force_login(w.people["deputy"])
    assert client.get(MUNICIPAL).status_code == 200
    response = client.post(MUNICIPAL, _hours(8, 24, 80, category=str(w.town.lighting.pk)))
    assert response.status_code == 302
    row = ServiceAgreement.objects.get(agency__isnull=True)
    assert (row.city_id, row.category_id, row.answer_hours) == (w.city.pk, w.town.lighting.pk, 24)
    client.force_login(w.people["area_officer"])
    text = client.get(MUNICIPAL).content.decode()
    assert str(w.town.lighting) in text and reverse("referrals:agreement-edit", args=[row.pk]) not in text


@pytest.mark.parametrize(
    "data",
    [
        _hours(8, 4, 40),  # answering faster than acknowledging
        _hours(4, 16, 8),  # finishing before answering
        _hours(-1, 16, 40),  # negative
        _hours(0, 16, 40),  # zero
        _hours("چهار", 16, 40),  # not a number
        _hours("2.5", 16, 40),  # not whole
        _hours("", 16, 40),  # missing
        _hours(4, 16, 99999),  # too long
        _hours(4, 16, 40, category="999999"),  # not a category of the city
    ],
)
def test_bad_agreement_input_changes_nothing(
    client: Any, referral_world: ReferralWorld, data: dict[str, Any]
) -> None:
    w = referral_world
    client.force_login(w.people["deputy"])
    data.setdefault("category", "")
    before = list(
        ServiceAgreement.objects.values_list("pk", "acknowledge_hours", "answer_hours", "finish_hours")
    )
    response = client.post(_agreements(w.water), data)
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode() or "alert-danger" in response.content.decode()
    assert (
        list(ServiceAgreement.objects.values_list("pk", "acknowledge_hours", "answer_hours", "finish_hours"))
        == before
    )
    # The same on the edit form of the existing agreement (whose category is fixed).
    if data["category"]:
        return
    existing = ServiceAgreement.objects.get(agency=w.water, category=w.town.leaks)
    response = client.post(reverse("referrals:agreement-edit", args=[existing.pk]), data)
    assert response.status_code == 400
    existing.refresh_from_db()
    assert (existing.acknowledge_hours, existing.answer_hours, existing.finish_hours) == (4, 16, 40)
    assert not Event.objects.filter(action__startswith="referrals.agreement.").exists()


def test_duplicate_agreement_is_refused_not_overwritten(client: Any, referral_world: ReferralWorld) -> None:
    w = referral_world
    client.force_login(w.people["deputy"])
    _english(client)
    response = client.post(_agreements(w.water), _hours(1, 2, 3, category=str(w.town.leaks.pk)))
    assert response.status_code == 400
    assert "There is already an agreement for this category" in response.content.decode()
    existing = ServiceAgreement.objects.get(agency=w.water, category=w.town.leaks)
    assert (existing.acknowledge_hours, existing.answer_hours, existing.finish_hours) == (4, 16, 40)


def test_districts_read_agreements_but_cannot_change_them(client: Any, referral_world: ReferralWorld) -> None:
    w = referral_world
    existing = ServiceAgreement.objects.get(agency=w.water, category=w.town.leaks)
    for name in ("district_officer", "district_manager", "area_officer", "city_council"):
        client.force_login(w.people[name])
        page = client.get(_agreements(w.water))
        assert page.status_code == 200, name
        assert reverse("referrals:agreement-edit", args=[existing.pk]) not in page.content.decode()
        assert client.post(_agreements(w.water), _hours(1, 2, 3, category="")).status_code == 403, name
        edit = reverse("referrals:agreement-edit", args=[existing.pk])
        assert client.get(edit).status_code == 403, name
        assert client.post(edit, _hours(1, 2, 3)).status_code == 403, name
        delete = reverse("referrals:agreement-delete", args=[existing.pk])
        assert client.post(delete).status_code == 403, name
        assert client.post(MUNICIPAL, _hours(1, 2, 3, category="")).status_code == 403, name
    existing.refresh_from_db()
    assert (existing.acknowledge_hours, existing.answer_hours, existing.finish_hours) == (4, 16, 40)
    assert ServiceAgreement.objects.count() == 1
    # A liaison of another agency does not read the water company's agreements.
    client.force_login(w.people["power_liaison"])
    assert client.get(_agreements(w.water)).status_code == 403


@pytest.mark.parametrize(
    ("hours", "english"),
    [
        (3, "3 working hours"),
        (7, "1 working day"),
        (14, "2 working days"),
        (16, "2 working days and 2 working hours"),
        (1, "1 working hour"),
    ],
)
def test_working_time_reads_in_days_and_hours(hours: int, english: str) -> None:
    from django.utils import translation

    with translation.override("en"):
        assert working_time_label(hours, day_hours=7) == english
