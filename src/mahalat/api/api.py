"""The JSON API, version 1, at /api/v1/, with its OpenAPI description and docs served from this site."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from mahalat.api import (
    accounts,
    councils,
    exports,
    insights,
    meetings,
    referrals,
    reports,
    resolutions,
    territory,
)
from mahalat.api.errors import install_error_handlers

api = NinjaAPI(
    title="Mahalat API",
    version="1",
    description=(
        "The Neighborhood Social Councils platform. Errors always have the body "
        '`{"code": …, "message": …, "fields": {…}}`; messages follow the Accept-Language header (fa, en). '
        "Browsers use their session; machine clients send `Authorization: Bearer <token>` from "
        "`POST /api/v1/auth/token`."
    ),
    urls_namespace="api-v1",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url=None,
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/territory", territory.router)
api.add_router("/auth", accounts.router)
api.add_router("/reports", reports.router)
api.add_router("/councils", councils.router)
api.add_router("/meetings", meetings.router)
api.add_router("/resolutions", resolutions.router)
api.add_router("/referrals", referrals.router)
api.add_router("/agencies", referrals.agencies_router)
api.add_router("", insights.router)
api.add_router("/exports", exports.router)
