"""Writes through the API as the real server checks them: CSRF enforced, as outside the test client.

A machine client's bearer token must be enough for a write; a browser session must still carry its
CSRF token.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from mahalat.accounts.models import ApiToken
from mahalat.reports.models import Report


def _token(user) -> str:
    key = "mht_" + "k" * 40
    ApiToken.objects.create(
        user=user,
        key_hash=ApiToken.hash_key(key),
        prefix=key[4:12],
        expires_at=timezone.now() + timedelta(days=1),
    )
    return key


def _payload(town) -> str:
    return json.dumps(
        {"category": "lighting", "description": "چراغ خاموش", "lat": town.P1[0], "lng": town.P1[1]}
    )


def test_a_bearer_token_writes_without_a_csrf_token(town) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/reports",
        data=_payload(town),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {_token(town.people['citizen'])}",
    )
    assert response.status_code == 201, response.content
    assert Report.objects.get().reporter == town.people["citizen"]


def test_a_session_write_without_csrf_is_refused_and_changes_nothing(town) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(town.people["citizen"])
    response = client.post("/api/v1/reports", data=_payload(town), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Report.objects.exists()


def test_a_forged_token_with_a_session_still_needs_csrf(town) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(town.people["citizen"])
    response = client.post(
        "/api/v1/reports",
        data=_payload(town),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer mht_forged",
    )
    assert response.status_code == 403
    assert not Report.objects.exists()
