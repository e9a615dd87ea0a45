"""Open311 GeoReport v2, mounted at /open311/v2/. Every resource ends in .xml or .json."""

from __future__ import annotations

from django.urls import re_path

from mahalat.open311 import views

app_name = "open311"

_FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + _FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + _FORMAT, views.services, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+?)" + _FORMAT, views.service_definition, name="service"),
    re_path(r"^requests" + _FORMAT, views.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+?)" + _FORMAT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + _FORMAT, views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.unknown, name="unknown"),
]
