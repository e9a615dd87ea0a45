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


# A bearer token or the browser's session (with CSRF on writes). The token is tried first: the session
# check refuses a write without a CSRF token before a later method is asked, which would turn every
# machine client's POST away.
session_or_token = [BearerToken(), django_auth]


class AnonymousAllowed:
    """Lets a request through unauthenticated, after the real methods had their chance."""

    def __call__(self, request: HttpRequest) -> Any:
        return request.user if request.user.is_authenticated else AnonymousUser()


# Endpoints open to everyone that still recognise a signed-in person or a token.
optional_session_or_token = [*session_or_token, AnonymousAllowed()]
