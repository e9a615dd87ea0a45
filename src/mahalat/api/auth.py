from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from mahalat.accounts.services import api_token_user


class BearerToken(HttpBearer):
    """Machine clients: `Authorization: Bearer mht_…` from POST /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(key=token)
        if user is not None:
            request.user = user
        return user


# The browser's session (with CSRF on writes) or a bearer token.
session_or_token = [django_auth, BearerToken()]


class AnonymousAllowed:
    """Lets a request through unauthenticated, after the real methods had their chance."""

    def __call__(self, request: HttpRequest) -> Any:
        return request.user if request.user.is_authenticated else AnonymousUser()


# Endpoints open to everyone that still recognise a signed-in person or a token.
optional_session_or_token = [*session_or_token, AnonymousAllowed()]
