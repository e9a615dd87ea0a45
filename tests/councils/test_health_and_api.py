from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mahalat.councils.models import Council, CouncilState, Membership, MembershipEnd
from mahalat.councils.selectors import council_health
from mahalat.councils.services import working_groups_create_defaults
from mahalat.meetings.models import AgendaItem, Attendance, Meeting, MeetingState
from mahalat.resolutions.models import Resolution
from tests.councils_world import CouncilWorld, active_council, seat
from tests.factories import NeighborhoodFactory, UserFactory, square


def _placed(council: Council) -> dict[str, Any]:
    return {
        "council": council,
        "city_id": council.city_id,
        "district_id": council.district_id,
        "area_id": council.area_id,
        "neighborhood_id": council.neighborhood_id,
    }


def _meeting(
    council: Council, number: int, *, days_ago: int, present: int, had_quorum: bool = True
) -> Meeting:
    start = timezone.now() - timedelta(days=days_ago)
    meeting = Meeting.objects.create(
        number=number,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        state=MeetingState.CLOSED,
        seated_members=5,
        had_quorum=had_quorum,
        **_placed(council),
    )
    members = list(Membership.objects.filter(council=council, ends_on__isnull=True).order_by("id"))
    for i, m in enumerate(members):
        Attendance.objects.create(
            meeting=meeting, membership=m, status="present" if i < present else "absent"
        )
    Attendance.objects.create(meeting=meeting, guest_name="مهمان", status="guest")
    return meeting


def _resolution(
    council: Council, meeting: Meeting, seq: int, *, state: str, days_to_deadline: int
) -> Resolution:
    item = AgendaItem.objects.create(
        meeting=meeting, title=f"بند {seq}", source="member", state="decided", **_placed(council)
    )
    return Resolution.objects.create(
        meeting=meeting,
        agenda_item=item,
        jalali_year=1405,
        sequence=seq,
        title=f"مصوبه {seq}",
        text="متن",
        votes_for=4,
        votes_against=1,
        votes_abstain=0,
        majority="simple",
        vote_base=5,
        responsible_kind="district",
        deadline=timezone.localdate() + timedelta(days=days_to_deadline),
        state=state,
        adopted_at=timezone.now(),
        state_changed_at=timezone.now(),
        **_placed(council),
    )


def test_district_health_on_a_constructed_case(council_world: CouncilWorld) -> None:
    w = council_world
    c = w.council
    Council.objects.filter(pk=c.pk).update(term_end=timezone.localdate() + timedelta(days=30))
    m1 = _meeting(c, 1, days_ago=10, present=5)
    _meeting(c, 2, days_ago=40, present=2, had_quorum=False)
    _meeting(c, 3, days_ago=200, present=0, had_quorum=False)  # outside the window
    Meeting.objects.create(  # scheduled, not held: not counted
        number=4,
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=3, hours=2),
        **_placed(c),
    )
    _resolution(c, m1, 1, state="adopted", days_to_deadline=-1)
    _resolution(c, m1, 2, state="in_progress", days_to_deadline=-30)
    _resolution(c, m1, 3, state="in_progress", days_to_deadline=5)
    _resolution(c, m1, 4, state="done", days_to_deadline=-30)
    Membership.objects.filter(pk=w.members[2].pk).update(
        ends_on=timezone.localdate(), ended_reason=MembershipEnd.RESIGNED
    )
    empty = NeighborhoodFactory(area=w.a11, slug="cw-zz", name="یی", boundary=square(51.05, 35.05))

    rows = {r.neighborhood.slug: r for r in council_health(district_id=w.d1.pk)}
    assert set(rows) == {w.n1.slug, empty.slug}  # n2 is in district 2
    row = rows[w.n1.slug]
    assert (row.meetings_held, row.meetings_expected, row.behind_rhythm) == (2, 6, True)
    assert row.attendance_rate == pytest.approx(7 / 10)
    assert row.quorum_failures == 1
    assert row.overdue_resolutions == 2
    assert (row.seats_total, row.seated, row.vacant) == (5, 4, 1)
    assert row.ends_soon
    assert rows[empty.slug].council is None
    by_overdue = council_health(district_id=w.d1.pk, sort="overdue")
    assert by_overdue[0].neighborhood == w.n1


def test_district_health_queries_are_bounded(
    council_world: CouncilWorld, django_assert_max_num_queries: Any
) -> None:
    w = council_world
    for i in range(25):
        n = NeighborhoodFactory(area=w.a11, slug=f"cw-h{i}", boundary=square(51.1 + i / 100, 35.1))
        c = active_council(n, w.template, term_start=timezone.localdate() - timedelta(days=100))
        seat(c, user=UserFactory(), seat_type=w.seats["residents"])
        _meeting(c, 1, days_ago=5, present=1)
    with django_assert_max_num_queries(4):
        rows = council_health(district_id=w.d1.pk)
    assert len(rows) == 26 and sum(r.meetings_held for r in rows) == 25
    client = Client()
    client.force_login(w.people["district_officer"])
    client.get(reverse("councils:district-health", args=[w.d1.slug]))  # warm the session and roles
    with django_assert_max_num_queries(14):
        response = client.get(reverse("councils:district-health", args=[w.d1.slug]))
    assert response.status_code == 200


def test_api_lists_councils_with_members_and_no_private_data(council_world: CouncilWorld) -> None:
    w = council_world
    working_groups_create_defaults(actor=w.chair, council=w.council)
    response = Client().get("/api/v1/councils", {"neighborhood": w.n1.slug})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    council = body["items"][0]
    assert council["neighborhood"]["slug"] == w.n1.slug
    assert council["state"] == "active" and council["seats"] == 5
    assert [m["role"] for m in council["members"]][:2] == ["chair", "secretary"]
    assert council["members"][0]["full_name"] == w.chair.full_name
    assert council["members"][0]["seat_type"]["code"] == "residents"
    assert council["vacant_seats"] == []
    assert len(council["working_groups"]) == 6
    text = json.dumps(body, ensure_ascii=False)
    for m in Membership.objects.select_related("user"):
        assert m.user.phone not in text
        assert "phone" not in text and "national_code" not in text
    by_district = Client().get("/api/v1/councils", {"district": w.d2.slug}).json()
    assert [c["neighborhood"]["slug"] for c in by_district["items"]] == [w.n2.slug]


def test_api_query_count_is_bounded(council_world: CouncilWorld, django_assert_max_num_queries: Any) -> None:
    w = council_world
    for i in range(30):
        n = NeighborhoodFactory(area=w.a11, slug=f"cw-a{i}", boundary=square(51.2 + i / 100, 35.2))
        c = active_council(n, w.template, term_start=timezone.localdate())
        seat(c, user=UserFactory(), seat_type=w.seats["residents"])
        seat(c, user=UserFactory(), seat_type=w.seats["women"])
    client = Client()
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/councils", {"district": w.d1.slug, "page_size": 50})
    assert response.status_code == 200
    assert response.json()["count"] == 31
    assert all(len(c["members"]) >= 2 for c in response.json()["items"])


def test_api_bad_input_is_a_422_not_a_500(council_world: CouncilWorld) -> None:
    response = Client().get("/api/v1/councils", {"page": "many"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    unknown = Client().get("/api/v1/councils", {"neighborhood": "nowhere"})
    assert unknown.status_code == 200 and unknown.json()["count"] == 0


def test_ended_councils_are_not_listed(council_world: CouncilWorld) -> None:
    Council.objects.filter(pk=council_world.council.pk).update(state=CouncilState.DISSOLVED)
    body = Client().get("/api/v1/councils", {"neighborhood": council_world.n1.slug}).json()
    assert body["count"] == 0
