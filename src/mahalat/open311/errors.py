"""A failure told to an Open311 client: an HTTP status and one or more {code, description}."""

from __future__ import annotations

from collections.abc import Iterable


class Open311Error(Exception):
    def __init__(self, status: int, descriptions: str | Iterable[str]) -> None:
        items = [descriptions] if isinstance(descriptions, str) else list(descriptions)
        super().__init__("; ".join(str(d) for d in items))
        self.status = status
        self.errors = [(status, str(d)) for d in items]


def bad_request(descriptions: str | Iterable[str]) -> Open311Error:
    return Open311Error(400, descriptions)


def not_found(descriptions: str | Iterable[str]) -> Open311Error:
    return Open311Error(404, descriptions)


def forbidden(description: str) -> Open311Error:
    return Open311Error(403, description)
