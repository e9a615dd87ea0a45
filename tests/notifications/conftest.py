from __future__ import annotations

import pytest
from django.core import mail


@pytest.fixture
def mailbox() -> list:
    mail.outbox = []
    return mail.outbox
