from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core import mail

from mahalat.celery import app as celery_app


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Tasks run in-process, as in the embedded default (REDIS_URL may be set for this run)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def mailbox() -> list:
    mail.outbox = []
    return mail.outbox
