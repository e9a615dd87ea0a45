"""Counting failures in the cache (Redis in production) to slow down password and code guessing."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from mahalat.errors import ThrottledError


def _key(kind: str, ident: str) -> str:
    return f"throttle:{kind}:{ident}"


def check_not_throttled(*, kind: str, idents: list[str], limit: int | None = None) -> None:
    limit = limit or settings.LOGIN_MAX_FAILURES
    for ident in idents:
        if ident and (cache.get(_key(kind, ident)) or 0) >= limit:
            minutes = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
            raise ThrottledError(
                _("Too many attempts. Please wait %(minutes)s minutes and try again.") % {"minutes": minutes},
                retry_after=settings.LOGIN_FAILURE_WINDOW_SECONDS,
            )


def record_failure(*, kind: str, idents: list[str]) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for ident in idents:
        if not ident:
            continue
        key = _key(kind, ident)
        # add() is atomic: it only sets when absent; incr() is atomic in Redis and locmem alike.
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window)


def clear_failures(*, kind: str, idents: list[str]) -> None:
    cache.delete_many([_key(kind, ident) for ident in idents if ident])
