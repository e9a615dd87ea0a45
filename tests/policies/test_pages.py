"""The pages: the list (the deputy's and a district's), one document, the draft form, the actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mahalat.policies.models import Acknowledgement, Policy, PolicyKind, PolicyState
from tests.policies.conftest import draft, pdf, published, today


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_deputy_list_shows_unacknowledged_and_is_bounded(
    town: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        published(town, title=f"بخشنامه {i}")
    draft(town, title="نسخه خام")
    client = _client(town.people["deputy"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("policies:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="unacknowledged"' in html
    assert "نسخه خام" in html


def test_district_list_has_acknowledge_buttons_unacknowledged_first(
    town: Any, django_assert_max_num_queries: Any
) -> None:
    old = published(town, title="قدیمی", districts=[town.d1], now=timezone.now() - timedelta(days=4))
    for i in range(8):
        p = published(town, title=f"تازه {i}", districts=[town.d1])
        Acknowledgement.objects.filter(policy=p).update(
            acknowledged_at=timezone.now(), acknowledged_by=town.people["district_officer"]
        )
    published(town, title="فقط منطقه دو", districts=[town.d2])
    draft(town, title="نسخه خام")
    client = _client(town.people["district_manager"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("policies:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "فقط منطقه دو" not in html, html[html.index("فقط منطقه دو") - 500 :][:800]
    assert "نسخه خام" not in html
    assert html.index("قدیمی") < html.index("تازه 0")
    assert reverse("policies:acknowledge", args=[old.pk]) in html
    # Acknowledging from the list.
    response = client.post(
        reverse("policies:acknowledge", args=[old.pk]), {"district": town.d1.pk, "next": "list"}
    )
    assert response.status_code == 302
    assert Acknowledgement.objects.get(policy=old, district=town.d1).acknowledged_at is not None
    again = client.post(reverse("policies:acknowledge", args=[old.pk]), {"district": town.d1.pk})
    assert again.status_code == 409


def test_detail_shows_acknowledgement_table_and_rule_version(town: Any) -> None:
    rule = {
        "meetings_per_month": 2,
        "quorum_numerator": 1,
        "quorum_denominator": 2,
        "term_months": 24,
        "max_consecutive_terms": 2,
        "resolution_escalation_days": 30,
    }
    policy = published(
        town, kind=PolicyKind.POLICY, council_rule=rule, effective_from=today() + timedelta(days=5)
    )
    html = _client(town.people["deputy"]).get(reverse("policies:detail", args=[policy.pk])).content.decode()
    assert 'data-testid="rule-version"' in html
    assert html.count("table-warning") == 2  # both districts "not yet"


def test_draft_form_creates_and_publish_action(town: Any) -> None:
    client = _client(town.people["deputy"])
    assert client.get(reverse("policies:create")).status_code == 200
    response = client.post(
        reverse("policies:create"),
        {
            "kind": PolicyKind.CIRCULAR,
            "title": "بخشنامه آزمایشی",
            "body": "<p>متن</p><script>x</script>",
            "districts": [town.d1.pk],
            "attachments": [pdf()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = Policy.objects.get(title="بخشنامه آزمایشی")
    assert "<script" not in policy.body and policy.attachments.count() == 1
    # Publishing without an effective date is refused with the reason, nothing changes.
    refused = client.post(reverse("policies:publish", args=[policy.pk]))
    assert refused.status_code == 400
    assert Policy.objects.get(pk=policy.pk).state == PolicyState.DRAFT
    # The attachment is downloadable by a reader of the city, not by a stranger.
    attachment = policy.attachments.get()
    url = reverse("policies:attachment", args=[policy.pk, attachment.pk])
    assert client.get(url).status_code == 200
    assert _client(town.people["citizen"]).get(url).status_code == 404


def test_empty_title_on_the_form_writes_nothing(town: Any) -> None:
    response = _client(town.people["deputy"]).post(
        reverse("policies:create"), {"kind": PolicyKind.CIRCULAR, "title": ""}
    )
    assert response.status_code == 400
    assert not Policy.objects.exists()


@pytest.mark.parametrize("who", ["district_manager", "district_officer", "city_council", "area_officer"])
def test_only_the_deputy_reaches_authoring_pages(town: Any, who: str) -> None:
    policy = draft(town)
    client = _client(town.people[who])
    assert client.get(reverse("policies:create")).status_code == 403
    assert client.post(reverse("policies:publish", args=[policy.pk])).status_code in (403, 404)
    assert Policy.objects.get(pk=policy.pk).state == PolicyState.DRAFT


def test_city_council_reads_but_writes_nothing(town: Any) -> None:
    policy = published(town)
    client = _client(town.people["city_council"])
    assert client.get(reverse("policies:list")).status_code == 200
    assert client.get(reverse("policies:detail", args=[policy.pk])).status_code == 200
    assert client.post(reverse("policies:withdraw", args=[policy.pk]), {"reason": "x"}).status_code == 403
    assert (
        client.post(reverse("policies:acknowledge", args=[policy.pk]), {"district": town.d1.pk}).status_code
        == 403
    )
    assert Policy.objects.get(pk=policy.pk).state == PolicyState.PUBLISHED
    assert not Acknowledgement.objects.filter(acknowledged_at__isnull=False).exists()


def test_circulars_are_internal_published_policies_public(town: Any) -> None:
    circular = published(town)
    policy = published(town, kind=PolicyKind.POLICY, title="سیاست عمومی")
    anonymous = Client()
    assert anonymous.get(reverse("policies:detail", args=[circular.pk])).status_code == 404
    public = anonymous.get(reverse("policies:detail", args=[policy.pk]))
    assert public.status_code == 200 and "سیاست عمومی" in public.content.decode()
    # A draft is not shown to the districts.
    hidden = draft(town, title="پیش‌نویس")
    assert (
        _client(town.people["district_manager"]).get(reverse("policies:detail", args=[hidden.pk])).status_code
        == 404
    )
    # District 2's staff do not read what was sent to district 1 only.
    only_d1 = published(town, districts=[town.d1])
    assert (
        _client(town.people["other_district_officer"])
        .get(reverse("policies:detail", args=[only_d1.pk]))
        .status_code
        == 404
    )
