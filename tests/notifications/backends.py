"""SMS backends for the tests. Each has its own dotted path, because sms._backend caches by path."""

from __future__ import annotations

import threading
import time

from mahalat.notifications.sms import InMemorySmsBackend, SmsMessage


class ProviderDown(Exception):
    pass


class FailingSmsBackend:
    calls = 0

    def send(self, message: SmsMessage) -> None:
        FailingSmsBackend.calls += 1
        raise ProviderDown("the SMS provider did not answer")


class SlowSmsBackend(InMemorySmsBackend):
    """Like the in-memory backend, but each send takes a little while (so parallel runs overlap) and
    remembers which thread sent it."""

    senders: list[str] = []

    def send(self, message: SmsMessage) -> None:
        time.sleep(0.005)
        SlowSmsBackend.senders.append(threading.current_thread().name)
        super().send(message)
