"""The election pages: public calls, applying, my applications, documents, residency, voting, results, and
the district's staff pages — permissions, bad input, pagination with a bounded number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from mahalat.elections import services
from mahalat.elections.models import (
    Application,
    ApplicationState,
    Ballot,
    CallState,
    Candidate,
    Election,
    ElectionState,
    RegistrationCall,
    Residency,
    ResidencyState,
)
from tests.elections.conftest import DOCS, pdf_upload, verify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _many_calls(world, n: int) -> None:
    officer = world.people["district_officer"]
    now = timezone.now()
    for i in range(n):
        call = services.call_create(
            actor=officer,
            district=world.d1,
            title=f"فراخوان {i}",
            neighborhoods=[world.n1],
            seat_types=[world.seats["residents"], world.seats["women"]],
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=i + 1),
            required_documents=DOCS,
        )
        if i % 3:
            services.call_transition(actor=officer, call=call, to=CallState.OPEN)


# --- public calls -------------------------------------------------------------------------------------


def test_public_list_hides_drafts_and_stays_bounded(
    client, council_world, django_assert_max_num_queries
) -> None:
    _many_calls(council_world, 40)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("elections:calls"))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == RegistrationCall.objects.exclude(state=CallState.DRAFT).count()
    assert all(c.state != CallState.DRAFT for c in page.object_list)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("elections:calls") + "?page=2").status_code == 200
    client.force_login(council_world.people["district_officer"])
    with django_assert_max_num_queries(12):
        staff = client.get(reverse("elections:staff-calls"))
    assert staff.context["page"].paginator.count == 40


def test_a_draft_is_not_public(client, council_world) -> None:
    _many_calls(council_world, 1)
    draft = RegistrationCall.objects.get()
    assert client.get(reverse("elections:call", args=[draft.pk])).status_code == 404
    client.force_login(council_world.people["district_officer"])
    assert client.get(reverse("elections:call", args=[draft.pk])).status_code == 200


def test_call_page_offers_to_apply_while_open(client, formation) -> None:
    response = client.get(reverse("elections:call", args=[formation.call.pk]))
    assert response.status_code == 200
    assert reverse("elections:apply", args=[formation.call.pk]).encode() in response.content


# --- applying -----------------------------------------------------------------------------------------


def _form(formation, **over):
    data = {
        "neighborhood": formation.world.n1.pk,
        "seat_type": formation.world.seats["residents"].pk,
        "birth_date": "۱۳۶۹/۰۲/۱۱",
        "address": "خیابان نخست",
        "statement": "برای محله",
        "document_id-card": pdf_upload(),
    }
    data.update(over)
    return data


def test_apply_through_the_page(client, formation) -> None:
    person = formation.resident()
    client.force_login(person)
    url = reverse("elections:apply", args=[formation.call.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(formation))
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get(applicant=person)
    assert application.birth_date.year == 1990
    assert application.documents.count() == 1


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"document_id-card": pdf_upload(data=b"%PDF-1.4 broken")}, "document_id-card"),
        (
            {"document_id-card": SimpleUploadedFile("x.png", b"GIF89a-not-really", "image/gif")},
            "document_id-card",
        ),
        ({"birth_date": "۱۴۰۰/۱۳/۴۰"}, "birth_date"),
        ({"seat_type": "not-a-number"}, "seat_type"),
        ({"statement": "ب" * 3001}, "statement"),
    ],
)
def test_bad_input_on_the_apply_page(client, formation, over, field) -> None:
    client.force_login(formation.resident())
    response = client.post(reverse("elections:apply", args=[formation.call.pk]), _form(formation, **over))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Application.objects.exists()


def test_apply_requires_sign_in(client, formation) -> None:
    response = client.get(reverse("elections:apply", args=[formation.call.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_closed_call_refuses_on_the_page(client, formation) -> None:
    services.call_transition(actor=formation.officer, call=formation.call, to=CallState.REVIEW)
    client.force_login(formation.resident())
    response = client.post(reverse("elections:apply", args=[formation.call.pk]), _form(formation))
    assert response.status_code == 400
    assert "not taking applications" in " ".join(response.context["form"].non_field_errors())


# --- my applications, the reviewer's reason, documents ------------------------------------------------


def test_the_reason_is_seen_by_the_applicant_only(client, formation) -> None:
    person = formation.resident()
    application = formation.apply(person)
    services.application_transition(
        actor=formation.officer,
        application=application,
        to=ApplicationState.REJECTED,
        reason="دلیل-محرمانه-۷",
    )
    client.force_login(person)
    assert "دلیل-محرمانه-۷" in client.get(reverse("elections:my-applications")).content.decode()
    client.force_login(formation.resident())
    assert "دلیل-محرمانه-۷" not in client.get(reverse("elections:my-applications")).content.decode()
    client.logout()
    assert (
        "دلیل-محرمانه-۷"
        not in client.get(reverse("elections:call", args=[formation.call.pk])).content.decode()
    )


def test_withdraw_from_the_page(client, formation) -> None:
    person = formation.resident()
    application = formation.apply(person)
    client.force_login(formation.resident())  # someone else
    assert client.post(reverse("elections:application-withdraw", args=[application.pk])).status_code == 404
    client.force_login(person)
    client.post(reverse("elections:application-withdraw", args=[application.pk]))
    assert Application.objects.get(pk=application.pk).state == ApplicationState.WITHDRAWN


def test_documents_are_served_to_the_applicant_and_the_district_only(client, formation) -> None:
    person = formation.resident()
    document = formation.apply(person).documents.get()
    url = reverse("elections:document", args=[document.pk])
    world = formation.world
    for who, status in [
        (person, 200),
        (formation.officer, 200),
        (world.people["district_manager"], 200),
        (world.people["other_district_officer"], 404),
        (world.people["deputy"], 404),
        (world.people["area_officer"], 404),
        (world.chair, 404),
        (UserFactory(), 404),
    ]:
        client.force_login(who)
        response = client.get(url)
        assert response.status_code == status, who
        if status == 200:
            assert b"".join(response.streaming_content).startswith(b"%PDF")
            assert response["Content-Disposition"].startswith("attachment")
            assert "no-store" in response["Cache-Control"]
    client.logout()
    assert client.get(url).status_code == 302


def test_my_applications_stays_bounded(client, council_world, django_assert_max_num_queries) -> None:
    _many_calls(council_world, 30)
    person = UserFactory()
    verify(council_world, person, council_world.n1)
    for call in RegistrationCall.objects.filter(state=CallState.OPEN):
        services.application_submit(
            actor=person,
            call=call,
            neighborhood=council_world.n1,
            seat_type=council_world.seats["residents"],
            birth_date=timezone.localdate() - timedelta(days=365 * 30),
            address="x",
            statement="y",
            documents={"id-card": pdf_upload()},
        )
    client.force_login(person)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("elections:my-applications"))
    assert response.status_code == 200 and len(response.context["page"].object_list) == 20


# --- residency ----------------------------------------------------------------------------------------


def test_claim_residency_on_the_page(client, council_world) -> None:
    person = UserFactory()
    client.force_login(person)
    url = reverse("elections:residency")
    bad = client.post(url, {"neighborhood": council_world.n1.pk, "address": "کوچه", "postal_code": "123"})
    assert bad.status_code == 400 and "postal_code" in bad.context["form"].errors
    assert not Residency.objects.exists()
    ok = client.post(
        url, {"neighborhood": council_world.n1.pk, "address": "کوچه", "postal_code": "۱۲۳۴۵۶۷۸۹۰"}
    )
    assert ok.status_code == 302
    assert Residency.objects.get(user=person).postal_code == "1234567890"


def test_staff_residency_list_filters_verifies_and_is_bounded(
    client, council_world, django_assert_max_num_queries
) -> None:
    for _ in range(30):
        services.residency_claim(
            actor=UserFactory(), neighborhood=council_world.n1, address="x", postal_code="1234567890"
        )
    services.residency_claim(
        actor=UserFactory(), neighborhood=council_world.n2, address="x", postal_code="1234567890"
    )
    client.force_login(council_world.people["area_officer"])
    url = reverse("elections:staff-residency")
    with django_assert_max_num_queries(10):
        response = client.get(url + f"?neighborhood={council_world.n1.pk}&state=claimed")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30  # n2 is another district's
    with django_assert_max_num_queries(10):
        assert client.get(url + "?page=2&state=claimed").status_code == 200
    target = Residency.objects.filter(neighborhood=council_world.n1).first()
    client.post(reverse("elections:staff-residency-review", args=[target.pk]), {"to": "verified"})
    assert Residency.objects.get(pk=target.pk).state == ResidencyState.VERIFIED
    other = Residency.objects.get(neighborhood=council_world.n2)
    client.post(reverse("elections:staff-residency-review", args=[other.pk]), {"to": "verified"})
    assert Residency.objects.get(pk=other.pk).state == ResidencyState.CLAIMED


def test_citizens_have_no_staff_pages(client, council_world) -> None:
    client.force_login(council_world.people["citizen"])
    for name in ("staff-residency", "staff-calls", "staff-elections", "staff-call-new"):
        assert client.get(reverse(f"elections:{name}")).status_code == 403, name


# --- staff calls --------------------------------------------------------------------------------------


def test_staff_create_and_publish_a_call(client, council_world) -> None:
    client.force_login(council_world.people["district_officer"])
    response = client.post(
        reverse("elections:staff-call-new"),
        {
            "district": council_world.d1.pk,
            "title": "فراخوان تازه",
            "neighborhoods": [council_world.n1.pk],
            "seat_types": [council_world.seats["residents"].pk],
            "opens_on": "۱۴۰۵/۰۱/۰۱",
            "opens_time": "08:00",
            "closes_on": "۱۴۰۵/۰۲/۰۱",
            "closes_time": "20:00",
            "residents_only": "on",
            "min_age": "18",
            "required_documents": "id-card | کارت ملی | National ID card",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    call = RegistrationCall.objects.get()
    assert call.required_documents == [{"code": "id-card", "name": "کارت ملی", "name_en": "National ID card"}]
    client.post(
        reverse("elections:staff-call-transition", args=[call.pk]), {"to": "open", "expected_state": "draft"}
    )
    assert RegistrationCall.objects.get(pk=call.pk).state == CallState.OPEN


def test_another_district_cannot_manage_the_call(client, formation) -> None:
    client.force_login(formation.world.people["other_district_officer"])
    assert client.get(reverse("elections:staff-call", args=[formation.call.pk])).status_code == 403
    client.post(reverse("elections:staff-call-transition", args=[formation.call.pk]), {"to": "review"})
    assert RegistrationCall.objects.get(pk=formation.call.pk).state == CallState.OPEN


def test_staff_call_page_with_many_applications_is_bounded(
    client, formation, django_assert_max_num_queries
) -> None:
    for _ in range(30):
        formation.apply(formation.resident())
    client.force_login(formation.officer)
    url = reverse("elections:staff-call", args=[formation.call.pk])
    with django_assert_max_num_queries(14):
        response = client.get(url + f"?state=submitted&neighborhood={formation.world.n1.pk}")
    assert response.status_code == 200 and response.context["page"].paginator.count == 30


def test_review_on_the_page_needs_a_reason_to_reject(client, formation) -> None:
    application = formation.apply(formation.resident())
    client.force_login(formation.officer)
    url = reverse("elections:staff-application-review", args=[application.pk])
    client.post(url, {"to": "rejected", "reason": ""})
    assert Application.objects.get(pk=application.pk).state == ApplicationState.SUBMITTED
    client.post(url, {"to": "rejected", "reason": "ناقص"})
    assert Application.objects.get(pk=application.pk).state == ApplicationState.REJECTED


# --- voting and results -------------------------------------------------------------------------------


def test_vote_on_the_page_then_see_when(client, poll) -> None:
    poll.open()
    voter = poll.voters[0]
    client.force_login(voter)
    url = reverse("elections:election", args=[poll.election.pk])
    page = client.get(url)
    assert page.context["form"] is not None
    first, second = Candidate.objects.filter(election=poll.election).order_by("id")[:2]
    too_many = [c.pk for c in Candidate.objects.filter(election=poll.election)]
    assert client.post(url, {"candidates": too_many}).status_code == 400
    assert not Ballot.objects.exists()
    assert client.post(url, {"candidates": [first.pk, second.pk]}).status_code == 302
    after = client.get(url)
    assert after.context["voted_on"] == timezone.localdate() and after.context["form"] is None
    again = client.post(url, {"candidates": [first.pk]})
    assert again.status_code == 409
    assert Ballot.objects.count() == 1


def test_a_non_resident_is_told_why(client, poll) -> None:
    poll.open()
    client.force_login(UserFactory())
    response = client.get(reverse("elections:election", args=[poll.election.pk]))
    assert response.context["form"] is None
    assert "verified residents" in response.content.decode()


def test_counts_are_hidden_on_the_public_and_staff_pages_until_close(client, poll) -> None:
    poll.open()
    picks = list(Candidate.objects.filter(election=poll.election).order_by("id").values_list("pk", flat=True))
    for voter in poll.voters:
        services.ballot_cast(actor=voter, election=poll.election, candidate_ids=[picks[0]])
    public = reverse("elections:election", args=[poll.election.pk])
    staff = reverse("elections:staff-election", args=[poll.election.pk])
    client.force_login(poll.formation.officer)
    for url in (public, staff):
        response = client.get(url)
        assert all(c.votes is None and c.rank is None for c in response.context["candidates"])
        assert not response.context["results"]
        assert "table-success" not in response.content.decode()
    poll.close()
    for url in (public, staff):
        response = client.get(url)
        assert response.context["candidates"][0].votes == 3
        assert "earlier application" in response.content.decode()


def test_staff_election_buttons(client, poll) -> None:
    client.force_login(poll.formation.officer)
    url = reverse("elections:staff-election-transition", args=[poll.election.pk])
    client.post(url, {"to": "open"})  # too early: refused with a message
    assert poll.election.__class__.objects.get(pk=poll.election.pk).state == ElectionState.SCHEDULED
    poll.open()
    poll.close()
    client.post(url, {"to": "certified", "expected_state": "closed"})
    assert poll.election.__class__.objects.get(pk=poll.election.pk).state == ElectionState.CERTIFIED
    client.force_login(poll.formation.world.people["other_district_officer"])
    assert client.get(reverse("elections:staff-election", args=[poll.election.pk])).status_code == 403


def test_staff_elections_list_is_bounded(client, poll, django_assert_max_num_queries) -> None:
    e = poll.election
    for i in range(30):  # past, cancelled elections of the same seat: history rows for the list
        Election.objects.create(
            city_id=e.city_id,
            district_id=e.district_id,
            area_id=e.area_id,
            neighborhood_id=e.neighborhood_id,
            call=e.call,
            council=e.council,
            seat_type=e.seat_type,
            seats=1,
            opens_at=e.opens_at - timedelta(days=i + 2),
            closes_at=e.opens_at - timedelta(days=i + 1),
            state=ElectionState.CANCELLED,
        )
    client.force_login(poll.formation.officer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("elections:staff-elections"))
    assert response.status_code == 200 and response.context["page"].paginator.count == 31
    with django_assert_max_num_queries(10):
        assert client.get(reverse("elections:staff-elections") + "?state=cancelled&page=2").status_code == 200
