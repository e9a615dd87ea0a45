from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mahalat.policies.models import Policy, PolicyKind
from mahalat.policies.services import policy_publish, policy_save

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"


def pdf(name: str = "circular.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def today() -> date:
    return timezone.localdate()


def draft(town: Any, **overrides: Any) -> Policy:
    values: dict[str, Any] = {
        "kind": PolicyKind.CIRCULAR,
        "title": "بخشنامه برگزاری جلسات",
        "body": "<p>متن <strong>بخشنامه</strong></p>",
        "effective_from": today() + timedelta(days=1),
        "districts": [town.d1, town.d2],
    }
    values.update(overrides)
    return policy_save(actor=town.people["deputy"], city=town.city, **values)


def published(town: Any, **overrides: Any) -> Policy:
    now = overrides.pop("now", None)
    return policy_publish(actor=town.people["deputy"], policy=draft(town, **overrides), now=now)


@pytest.fixture
def make_draft() -> Any:
    return draft


@pytest.fixture
def make_published() -> Any:
    return published
