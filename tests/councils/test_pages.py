from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mahalat.councils.models import Council, CouncilState, Membership, SeatTemplate, WorkingGroup
from mahalat.councils.services import working_groups_create_defaults
from tests.councils_world import CouncilWorld
from tests.factories import NeighborhoodFactory, UserFactory, square


def _client(user: object | None = None) -> Client:
    client = Client()
    client.cookies["mahalat_language"] = "en"  # messages are asserted by their English msgids
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


def test_public_council_page_shows_names_never_contacts(council_world: CouncilWorld) -> None:
    w = council_world
    working_groups_create_defaults(actor=w.chair, council=w.council)
    response = _client().get(reverse("councils:public", args=[w.n1.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert w.chair.full_name in html and "کارگروه سلامت" in html
    for m in w.members:
        assert m.user.phone not in html and m.user.phone[3:] not in html
    assert reverse("portal:neighborhood", args=[w.n1.slug]) in html
    assert _client().get(reverse("councils:public", args=["nowhere"])).status_code == 404


def test_public_page_of_a_neighborhood_without_a_council(council_world: CouncilWorld) -> None:
    n = NeighborhoodFactory(area=council_world.a11, slug="cw-empty", boundary=square(51.03, 35.03))
    response = _client().get(reverse("councils:public", args=[n.slug]))
    assert response.status_code == 200 and "no council in office" in response.content.decode()


def test_neighborhood_page_links_to_the_council(council_world: CouncilWorld) -> None:
    response = _client().get(reverse("portal:neighborhood", args=[council_world.n1.slug]))
    assert response.status_code == 200
    assert reverse("councils:public", args=[council_world.n1.slug]) in response.content.decode()


def test_council_workspace_for_members_and_staff_only(council_world: CouncilWorld) -> None:
    w = council_world
    url = reverse("councils:workspace", args=[w.council.pk])
    for user in [
        w.members[3].user,
        w.people["district_officer"],
        w.people["deputy"],
        w.people["area_officer"],
    ]:
        assert _client(user).get(url).status_code == 200
    for user in [
        w.people["citizen"],
        w.people["other_district_officer"],
        w.other_council.memberships.first().user,
    ]:
        assert _client(user).get(url).status_code == 403
    assert _client().get(url).status_code == 302  # to the sign-in page
    assert _client(w.chair).get(reverse("councils:workspace", args=[999999])).status_code == 404
    page = _client(w.members[3].user).get(url).content.decode()
    assert reverse("councils:resign", args=[w.council.pk, w.members[3].pk]) in page


def test_council_desk_is_linked_from_the_members_workspace(council_world: CouncilWorld) -> None:
    w = council_world
    page = _client(w.chair).get(reverse("workspace:space", args=["council-chair"])).content.decode()
    assert reverse("councils:workspace", args=[w.council.pk]) in page


def test_resign_from_the_workspace(council_world: CouncilWorld) -> None:
    w = council_world
    member = w.members[2]
    other = _client(w.chair).post(reverse("councils:resign", args=[w.council.pk, member.pk]))
    assert other.status_code == 403
    response = _client(member.user).post(reverse("councils:resign", args=[w.council.pk, member.pk]))
    assert response.status_code == 302
    assert Membership.objects.get(pk=member.pk).ended_reason == "resigned"


def test_manage_page_and_its_actions(council_world: CouncilWorld) -> None:
    w = council_world
    url = reverse("councils:manage", args=[w.council.pk])
    officer = _client(w.people["district_officer"])
    assert officer.get(url).status_code == 200
    assert _client(w.people["other_district_officer"]).get(url).status_code == 403
    assert _client(w.members[2].user).get(url).status_code == 403
    assert _client(w.chair).get(url).status_code == 200  # the chair manages working groups
    # End a seat, then seat someone by mobile number.
    officer.post(reverse("councils:member-end", args=[w.council.pk, w.members[2].pk]), {"reason": "removed"})
    person = UserFactory()
    seated = officer.post(
        reverse("councils:seat", args=[w.council.pk]),
        {"phone": person.phone, "seat_type": w.seats["residents"].pk, "role": "member"},
    )
    assert seated.status_code == 302
    assert Membership.objects.filter(council=w.council, user=person, ends_on__isnull=True).exists()
    # A full seat type: the form shows the service's message, nothing is written.
    full = officer.post(
        reverse("councils:seat", args=[w.council.pk]),
        {"phone": UserFactory().phone, "seat_type": w.seats["residents"].pk, "role": "member"},
    )
    assert full.status_code == 400 and "are taken" in full.content.decode()
    unknown = officer.post(
        reverse("councils:seat", args=[w.council.pk]),
        {"phone": "09999999999", "seat_type": w.seats["residents"].pk, "role": "member"},
    )
    assert unknown.status_code == 400
    # Working groups.
    officer.post(reverse("councils:working-group-save", args=[w.council.pk]), {"defaults": "1"})
    assert WorkingGroup.objects.filter(council=w.council).count() == 6


def test_transitions_through_the_page(council_world: CouncilWorld) -> None:
    w = council_world
    officer = _client(w.people["district_officer"])
    url = reverse("councils:transition", args=[w.council.pk])
    no_reason = officer.post(url, {"to": "suspended", "reason": "", "expected_state": "active"})
    assert no_reason.status_code == 400
    not_in_table = officer.post(url, {"to": "forming", "expected_state": "active"})
    assert not_in_table.status_code == 409
    stale = officer.post(url, {"to": "suspended", "reason": "x", "expected_state": "suspended"})
    assert stale.status_code == 409
    done = officer.post(url, {"to": "suspended", "reason": "بازرسی", "expected_state": "active"})
    assert done.status_code == 302
    w.council.refresh_from_db()
    assert w.council.state == CouncilState.SUSPENDED
    assert _client(w.people["other_district_officer"]).post(url, {"to": "active"}).status_code == 403


def test_district_staff_form_a_council_from_the_health_page(council_world: CouncilWorld) -> None:
    w = council_world
    n = NeighborhoodFactory(area=w.a11, slug="cw-new", boundary=square(51.04, 35.04))
    page = _client(w.people["district_officer"]).get(reverse("councils:district-health", args=[w.d1.slug]))
    assert page.status_code == 200 and "cw-new" in page.content.decode()
    denied = _client(w.people["deputy"]).post(
        reverse("councils:form-council", args=[w.d1.slug]), {"neighborhood": n.slug}
    )
    assert denied.status_code == 403
    response = _client(w.people["district_officer"]).post(
        reverse("councils:form-council", args=[w.d1.slug]), {"neighborhood": n.slug}
    )
    assert response.status_code == 302
    assert Council.objects.get(neighborhood=n).state == CouncilState.FORMING


def test_district_health_page_permissions(council_world: CouncilWorld) -> None:
    w = council_world
    url = reverse("councils:district-health", args=[w.d1.slug])
    for user in [w.people["district_manager"], w.people["deputy"], w.people["city_council"]]:
        assert _client(user).get(url).status_code == 200
    assert _client(w.people["other_district_officer"]).get(url).status_code == 403
    assert _client(w.people["citizen"]).get(url).status_code == 403
    assert (
        _client(w.people["deputy"]).get(reverse("councils:district-health", args=["none"])).status_code == 404
    )
    sorted_page = _client(w.people["deputy"]).get(url + "?sort=overdue")
    assert sorted_page.status_code == 200


def test_seat_templates_and_policy_pages(council_world: CouncilWorld) -> None:
    w = council_world
    deputy = _client(w.people["deputy"])
    assert deputy.get(reverse("councils:seat-templates")).status_code == 200
    assert _client(w.people["district_officer"]).get(reverse("councils:seat-templates")).status_code == 403
    data = {
        "name": "ترکیب نو",
        "name_en": "New",
        "description": "",
        "seat-TOTAL_FORMS": "2",
        "seat-INITIAL_FORMS": "0",
        "seat-0-code": "residents",
        "seat-0-name": "ساکنان",
        "seat-0-name_en": "Residents",
        "seat-0-fill": "elected",
        "seat-0-seats": "7",
        "seat-1-code": "",
    }
    response = deputy.post(reverse("councils:seat-templates"), data)
    assert response.status_code == 302
    assert SeatTemplate.objects.get(name="ترکیب نو").seat_types.get().seats == 7
    bad = deputy.post(reverse("councils:seat-templates"), {**data, "seat-0-seats": "abc"})
    assert bad.status_code == 400
    empty = deputy.post(
        reverse("councils:seat-templates"),
        {**data, "name": "خالی", "seat-0-code": "", "seat-0-name": "", "seat-0-seats": ""},
    )
    assert empty.status_code == 400 and "at least one seat type" in empty.content.decode()
    oversized = deputy.post(reverse("councils:seat-templates"), {**data, "seat-TOTAL_FORMS": "5000"})
    assert oversized.status_code == 400
    assert deputy.get(reverse("councils:policy")).status_code == 200
    later = (timezone.localdate() + timedelta(days=10)).isoformat()
    policy = {
        "in_force_from": later,
        "term_months": "24",
        "max_consecutive_terms": "2",
        "quorum_numerator": "2",
        "quorum_denominator": "3",
        "meetings_per_month": "2",
        "resolution_escalation_days": "30",
    }
    assert deputy.post(reverse("councils:policy"), policy).status_code == 302
    assert deputy.post(reverse("councils:policy"), {**policy, "quorum_numerator": "3"}).status_code == 400
    assert _client(w.people["district_officer"]).post(reverse("councils:policy"), policy).status_code == 403


@pytest.mark.parametrize("name", ["councils/public.html"])
def test_templates_are_rtl_friendly(name: str) -> None:
    from pathlib import Path

    text = (Path("src/mahalat/templates") / name).read_text()
    assert " ml-" not in text and " mr-" not in text and "text-left" not in text
