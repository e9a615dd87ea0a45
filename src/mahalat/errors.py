"""Error codes shared by services, views and the API, so that every failure has one name."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    OUTSIDE_CITY = "outside_city"
    THROTTLED = "throttled"
    CONFLICT = "conflict"
    SERVER_ERROR = "server_error"


class DomainError(Exception):
    """A failure a user can understand: a code, a translated message, and optional field errors."""

    code: ErrorCode = ErrorCode.INVALID
    status: int = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ThrottledError(DomainError):
    code = ErrorCode.THROTTLED
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConflictError(DomainError):
    """Someone else changed the object first, or the transition is not allowed from its state."""

    code = ErrorCode.CONFLICT
    status = 409


class TransitionNotAllowed(ConflictError):
    """The object's current state does not allow the requested one (a pair missing from its table)."""


class NotAuthenticatedError(DomainError):
    code = ErrorCode.NOT_AUTHENTICATED
    status = 401
