"""One error body for every failure of the API: {"code", "message", "fields"}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from mahalat.errors import DomainError, ErrorCode, ThrottledError

logger = logging.getLogger(__name__)

# Pydantic's messages are English-only; these are the translated ones for the error types we meet.
_PYDANTIC_MESSAGES = {
    "missing": lambda: _("This field is required."),
    "float_parsing": lambda: _("Enter a number."),
    "float_type": lambda: _("Enter a number."),
    "int_parsing": lambda: _("Enter a whole number."),
    "int_type": lambda: _("Enter a whole number."),
    "string_type": lambda: _("Enter text."),
    "string_too_long": lambda: _("This text is too long."),
    "string_too_short": lambda: _("This text is too short."),
    "json_invalid": lambda: _("The request body is not valid JSON."),
    "model_attributes_type": lambda: _("The request body must be a JSON object."),
    "dict_type": lambda: _("The request body must be a JSON object."),
}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": str(code), "message": str(message), "fields": fields or {}}


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja prefixes locations with where the value came from (query, body, path) and the schema name.
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "form", "header", "cookie", "payload")]
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(NinjaValidationError)
    def on_request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            factory = _PYDANTIC_MESSAGES.get(error.get("type", ""))
            message = factory() if factory else _("Enter a valid value.")
            fields.setdefault(_field_name(error.get("loc", ())), []).append(str(message))
        return respond(
            request, 422, error_body(ErrorCode.INVALID, _("Some of the values are not valid."), fields)
        )

    @api.exception_handler(ValidationError)
    def on_domain_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
            message = _("Some of the values are not valid.")
        else:
            fields = {}
            message = " ".join(str(m) for m in exc.messages)
        return respond(request, 422, error_body(ErrorCode.INVALID, message, fields))

    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = respond(request, exc.status, error_body(exc.code, exc.message, exc.fields))
        if isinstance(exc, ThrottledError):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = _("Sign in, or send a valid bearer token, to use this.")
        return respond(request, 401, error_body(ErrorCode.NOT_AUTHENTICATED, message))

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc) or _("You do not have permission to do this here.")
        return respond(request, 403, error_body(ErrorCode.PERMISSION_DENIED, message))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        message = str(exc) if exc.args else _("Not found.")
        return respond(request, 404, error_body(ErrorCode.NOT_FOUND, message))

    @api.exception_handler(ObjectDoesNotExist)
    def on_missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return respond(request, 404, error_body(ErrorCode.NOT_FOUND, _("Not found.")))

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {
            401: ErrorCode.NOT_AUTHENTICATED,
            403: ErrorCode.PERMISSION_DENIED,
            404: ErrorCode.NOT_FOUND,
        }.get(exc.status_code, ErrorCode.INVALID)
        # ninja raises 400 for a body it cannot parse; its English text is replaced by ours.
        message = (
            _("The request body could not be read. Send valid JSON.")
            if exc.status_code == 400
            else exc.message
        )
        return respond(request, exc.status_code, error_body(code, str(message)))

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled API error", exc_info=exc)
        message = _("Something went wrong on our side. Please try again later.")
        return respond(request, 500, error_body(ErrorCode.SERVER_ERROR, message))
