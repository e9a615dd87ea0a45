from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache

from mahalat.celery import app as celery_app
from mahalat.notifications.sms import InMemorySmsBackend, SmsMessage

# The shared `town` fixture (a small town with a person for every role), for reports and the inbox.
pytest_plugins = ["tests.towns", "tests.councils_world", "tests.referrals_world"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgresql` need its row locks; on SQLite they are deselected (reported, never
    counted as passed). CI runs the suite on both, so they run there."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    deselected = [item for item in items if item.get_closest_marker("postgresql")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]


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
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def sms_outbox() -> Iterator[list[SmsMessage]]:
    InMemorySmsBackend.outbox.clear()
    yield InMemorySmsBackend.outbox
    InMemorySmsBackend.outbox.clear()


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Tasks run in-process, as in the embedded default (REDIS_URL may be set for this run)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before
