from __future__ import annotations

from typing import Any

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
