"""Sending SMS behind one small interface. The backend is chosen by the SMS_BACKEND setting.

- ConsoleSmsBackend: prints messages (development and the demo);
- InMemorySmsBackend: keeps them in `outbox` (tests);
A provider adapter (Kavenegar) plugs in the same way.
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SmsMessage:
    to: str
    body: str


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> None: ...


class ConsoleSmsBackend:
    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"[SMS to {message.to}] {message.body}\n")
        sys.stdout.flush()


class InMemorySmsBackend:
    outbox: list[SmsMessage] = []
    _lock = threading.Lock()

    def send(self, message: SmsMessage) -> None:
        with self._lock:
            InMemorySmsBackend.outbox.append(message)


@cache
def _backend(path: str) -> SmsBackend:
    return import_string(path)()


def send_sms(*, to: str, body: str) -> None:
    _backend(settings.SMS_BACKEND).send(SmsMessage(to=to, body=body))
