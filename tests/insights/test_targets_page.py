"""The targets page: the deputy reads and sets targets (PRG), bad input re-renders with messages and
writes nothing, district staff read but may not post, and the page reads a bounded number of queries."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mahalat.insights.models import IndicatorTarget
from mahalat.insights.services import target_set
from tests.insights.conftest import published_policy
from tests.towns import Town

URL = "/dashboards/targets/"


def login(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_url_is_named() -> None:
    assert reverse("insights:targets") == URL


def test_the_deputy_reads_targets_with_history_in_bounded_queries(
    town: Town, client: Client, django_assert_max_num_queries: object
) -> None:
    deputy = town.people["deputy"]
    policy = published_policy(town)
    for i, code in enumerate(["satisfaction", "reports_resolved_share", "resolutions_overdue"]):
        target_set(
            actor=deputy, city=town.city, code=code, target=3 + i, effective_from=(1405, 1), policy=policy
        )
        target_set(actor=deputy, city=town.city, code=code, target=2 + i, effective_from=(1405, 5))
        target_set(
            actor=deputy, city=town.city, code=code, target=4, district=town.d1, effective_from=(1405, 2)
        )
    login(client, deputy)
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="targets"' in html and "/dashboards/targets/set/" in html
    assert html.count('data-testid="target-value"') >= 6  # three city-wide and three district ones


@pytest.mark.parametrize("who", ["district_officer", "district_manager", "city_council"])
def test_other_internal_readers_read_without_the_form(town: Town, client: Client, who: str) -> None:
    response = login(client, town.people[who]).get(URL)
    assert response.status_code == 200
    assert "/dashboards/targets/set/" not in response.content.decode()


def test_a_citizen_may_not_read(town: Town, client: Client) -> None:
    assert login(client, town.people["citizen"]).get(URL).status_code == 403


def test_the_deputy_sets_a_target_with_persian_digits(town: Town, client: Client) -> None:
    policy = published_policy(town)
    response = login(client, town.people["deputy"]).post(
        reverse("insights:target-set"),
        {
            "code": "reports_resolved_share",
            "district": str(town.d1.pk),
            "target": "۷۵٫۵",
            "amber_band": "۱۰",
            "effective_from": "۱۴۰۵-۰۴",
            "policy": str(policy.pk),
        },
    )
    assert response.status_code == 302 and response["Location"].startswith(URL)
    row = IndicatorTarget.objects.get()
    assert (row.target, row.district_id, row.effective_from, row.policy_id) == (
        75.5,
        town.d1.pk,
        (1405, 4),
        policy.pk,
    )
    page = client.get(response["Location"])
    assert any(m.level_tag == "success" for m in page.context["messages"])


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"target": "بسیار"}, "target"),
        ({"target": "120"}, "target"),
        ({"effective_from": "1405-13"}, "effective_from"),
        ({"effective_from": "فروردین"}, "effective_from"),
        ({"amber_band": "200"}, "amber_band"),
        ({"code": "nothing"}, "code"),
    ],
)
def test_bad_input_rerenders_with_messages_and_writes_nothing(
    town: Town, client: Client, data: dict[str, str], field: str
) -> None:
    form = {"code": "reports_resolved_share", "target": "80", "amber_band": "10", "effective_from": "1405-01"}
    response = login(client, town.people["deputy"]).post(reverse("insights:target-set"), {**form, **data})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "is-invalid" in response.content.decode()
    assert not IndicatorTarget.objects.exists()


@pytest.mark.parametrize("who", ["district_manager", "district_officer", "city_council"])
def test_district_staff_may_not_post(town: Town, client: Client, who: str) -> None:
    row = target_set(actor=town.people["deputy"], city=town.city, code="satisfaction", target=4)
    login(client, town.people[who])
    form = {"code": "satisfaction", "target": "3", "amber_band": "10", "effective_from": "1405-01"}
    assert client.post(reverse("insights:target-set"), form).status_code == 403
    removal = {"version": row.pk, "effective_from": "1405-06"}
    assert client.post(reverse("insights:target-remove"), removal).status_code == 403
    assert list(IndicatorTarget.objects.values_list("target", flat=True)) == [4.0]


def test_the_deputy_ends_a_target_from_a_month(town: Town, client: Client) -> None:
    row = target_set(
        actor=town.people["deputy"], city=town.city, code="satisfaction", target=4, effective_from=(1405, 1)
    )
    login(client, town.people["deputy"])
    bad = client.post(reverse("insights:target-remove"), {"version": row.pk, "effective_from": "1404-06"})
    assert bad.status_code == 400 and 'data-testid="remove-errors"' in bad.content.decode()
    assert IndicatorTarget.objects.count() == 1
    response = client.post(
        reverse("insights:target-remove"), {"version": row.pk, "effective_from": "۱۴۰۵-۰۸"}
    )
    assert response.status_code == 302
    ended = IndicatorTarget.objects.get(effective_month=8)
    assert ended.target is None and ended.code == "satisfaction"
