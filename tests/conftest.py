from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from mahalat.notifications.sms import InMemorySmsBackend, SmsMessage


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Throttle counters and one-time codes live in the cache (Redis in CI): start every test empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sms_outbox() -> Iterator[list[SmsMessage]]:
    InMemorySmsBackend.outbox.clear()
    yield InMemorySmsBackend.outbox
    InMemorySmsBackend.outbox.clear()
