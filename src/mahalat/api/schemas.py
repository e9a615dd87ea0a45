"""The API's response and request shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = Field(default_factory=dict)


class UnitRef(Schema):
    slug: str
    name: str
    name_en: str


class CityOut(Schema):
    id: int
    slug: str
    name: str
    name_en: str
    population: int | None


class DistrictOut(Schema):
    id: int
    slug: str
    number: int
    name: str
    name_en: str
    population: int | None
    city: UnitRef


class AreaOut(DistrictOut):
    district: UnitRef


class NeighborhoodOut(Schema):
    id: int
    slug: str
    name: str
    name_en: str
    population: int | None
    historical_name: str
    city: UnitRef
    district: UnitRef
    area: UnitRef


class PhotoOut(Schema):
    url: str
    caption: str


class IdentityProfileOut(Schema):
    historical_name: str
    history: str
    landmarks: str
    heritage: str
    notable_people: str
    crafts: str
    annual_events: str
    photos: list[PhotoOut]


class NeighborhoodDetailOut(NeighborhoodOut):
    boundary: dict[str, Any] | None = Field(description="GeoJSON Feature with the neighborhood's boundary")
    profile: IdentityProfileOut


class LocateOut(Schema):
    neighborhood: UnitRef
    area: UnitRef
    district: UnitRef
    city: UnitRef


class TokenIn(Schema):
    phone: str = Field(max_length=32, description="Iranian mobile number in any common form")
    password: str = Field(max_length=256)
    name: str = Field("", max_length=100, description="What the token is for, e.g. the client's name")


class TokenOut(Schema):
    token: str
    expires_at: datetime


class RoleOut(Schema):
    role: str
    role_label: str
    scope_kind: str
    scope: str


class MeOut(Schema):
    id: int
    phone: str
    full_name: str
    roles: list[RoleOut]
