from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from ninja.openapi.views import openapi_view

from mahalat.api.api import api


def docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI for /api/v1, from the assets django-ninja ships (no CDN)."""
    return openapi_view(request, api)


urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs", docs, name="api-docs"),
]
