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


class ReportIn(Schema):
    kind: str = Field("problem", max_length=12)
    category: str | None = Field(None, max_length=60, description="The category's code")
    description: str = Field(max_length=4000)
    lat: float
    lng: float
    address: str = Field("", max_length=300)
    answers: dict[str, Any] = Field(default_factory=dict)
    show_name: bool = False
    phone: str | None = Field(None, max_length=32, description="Required when not signed in")


class AgencyRef(Schema):
    slug: str
    name: str
    name_en: str


class ReportOut(Schema):
    tracking_code: str
    state: str
    state_label: str
    kind: str
    category: UnitRef | None
    description: str
    address: str
    lat: float
    lng: float
    neighborhood: UnitRef
    area: UnitRef
    district: UnitRef
    handler_kind: str
    handler_agency: AgencyRef | None
    submitted_at: datetime
    triage_due_at: datetime
    resolve_due_at: datetime
    escalation_level: int
    supports_count: int
    reporter_name: str | None = Field(
        None, description="Only when the reporter chose to show it, or to staff"
    )
    reporter_phone: str | None = Field(None, description="Only to staff who may see private details")


class TransitionIn(Schema):
    to: str = Field(max_length=12)
    note: str = Field("", max_length=4000)
    expected_state: str | None = Field(
        None, max_length=12, description="The state you saw; 409 if it changed"
    )
    duplicate_of: str | None = Field(None, max_length=12, description="Tracking code of the original")
    agency: str | None = Field(
        None,
        max_length=80,
        description="Not accepted any more (422): a report is referred with POST /api/v1/referrals",
    )
