from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from mahalat.notifications.sms import InMemorySmsBackend, SmsMessage


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Throttle counters and one-time codes live in the cache (Redis in CI): start every test empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    """Uploaded files of a test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sms_outbox() -> Iterator[list[SmsMessage]]:
    InMemorySmsBackend.outbox.clear()
    yield InMemorySmsBackend.outbox
    InMemorySmsBackend.outbox.clear()
