from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from mahalat.accounts.models import User
from mahalat.accounts.phone import normalize_phone


class PhoneBackend(ModelBackend):
    """Password sign-in by mobile number typed in any common form."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        phone = username or kwargs.get("phone")
        if not phone or not password:
            return None
        try:
            phone = normalize_phone(phone)
        except ValidationError:
            return None
        return super().authenticate(request, username=phone, password=password)
