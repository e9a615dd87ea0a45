"""Builders for the election tests, on top of the shared `council_world`: a call through the services,
verified residents, accepted applications, a forming council, and small valid documents."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from mahalat.councils.models import Council, CouncilState
from mahalat.elections import services
from mahalat.elections.models import (
    Application,
    ApplicationState,
    CallState,
    Election,
    ElectionState,
    RegistrationCall,
    Residency,
    ResidencyState,
)
from tests.factories import NeighborhoodFactory, UserFactory, square

ADULT = date(1990, 5, 1)


def pdf_bytes(body: bytes = b"") -> bytes:
    """A tiny well-formed PDF."""
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n" + body + b"xref\n0 3\n"
        b"trailer\n<< /Root 1 0 R /Size 3 >>\nstartxref\n9\n%%EOF\n"
    )


def pdf_upload(name: str = "id.pdf", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else pdf_bytes(), content_type="application/pdf")


def png_upload(name: str = "id.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


DOCS = [{"code": "id-card", "name": "کارت ملی", "name_en": "National ID card"}]


@dataclass
class Formation:
    world: Any
    call: RegistrationCall
    officer: Any  # district 1 social officer

    def resident(self, neighborhood: Any = None, **user: Any) -> Any:
        """A new person with a verified residency in n1 (or `neighborhood`)."""
        person = UserFactory(**user)
        verify(self.world, person, neighborhood or self.world.n1)
        return person

    def apply(self, person: Any, *, seat: str = "residents", **kwargs: Any) -> Application:
        values: dict[str, Any] = {
            "actor": person,
            "call": self.call,
            "neighborhood": self.world.n1,
            "seat_type": self.world.seats[seat],
            "birth_date": ADULT,
            "address": "خیابان نخست، پلاک ۱",
            "statement": "برای محله‌ام کار می‌کنم.",
            "documents": {"id-card": pdf_upload()},
        }
        values.update(kwargs)
        return services.application_submit(**values)


def verify(world: Any, person: Any, neighborhood: Any) -> Residency:
    residency = services.residency_claim(
        actor=person, neighborhood=neighborhood, address="کوچه یک", postal_code="1234567890"
    )
    return services.residency_transition(
        actor=world.people["district_officer"]
        if neighborhood.district_id == world.d1.pk
        else world.people["other_district_officer"],
        residency=residency,
        to=ResidencyState.VERIFIED,
    )


@pytest.fixture
def formation(council_world: Any) -> Formation:
    """An open call of district 1 for n1, for its elected and appointed seats, asking for an ID card."""
    world = council_world
    officer = world.people["district_officer"]
    now = timezone.now()
    call = services.call_create(
        actor=officer,
        district=world.d1,
        title="فراخوان شورای سرچشمه",
        neighborhoods=[world.n1],
        seat_types=[world.seats["residents"], world.seats["women"]],
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
        required_documents=DOCS,
    )
    services.call_transition(actor=officer, call=call, to=CallState.OPEN)
    call.refresh_from_db()
    return Formation(world=world, call=call, officer=officer)


def forming_council(world: Any) -> Council:
    """n1's active council ends its term; a new one forms with no members (three empty elected seats)."""
    Council.objects.filter(pk=world.council.pk).update(state=CouncilState.TERM_ENDED)
    return Council.objects.create(
        city_id=world.n1.city_id,
        district_id=world.n1.district_id,
        area_id=world.n1.area_id,
        neighborhood=world.n1,
        seat_template=world.template,
        term_number=2,
        state=CouncilState.FORMING,
    )


@dataclass
class Poll:
    formation: Formation
    council: Council
    election: Election
    candidates: list[Any]  # the candidates' users, in application order
    voters: list[Any]

    def open(self) -> Election:
        Election.objects.filter(pk=self.election.pk).update(opens_at=timezone.now() - timedelta(minutes=1))
        self.election = services.election_transition(
            actor=self.formation.officer, election=self.election, to=ElectionState.OPEN
        )
        return self.election

    def close(self) -> Election:
        Election.objects.filter(pk=self.election.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
        self.election = services.election_transition(
            actor=self.formation.officer, election=self.election, to=ElectionState.CLOSED
        )
        return self.election


def make_poll(formation: Formation, *, candidates: int = 4, voters: int = 3) -> Poll:
    world = formation.world
    people = [formation.resident(full_name=f"نامزد {i}") for i in range(candidates)]
    for person in people:
        application = formation.apply(person)
        services.application_transition(
            actor=formation.officer, application=application, to=ApplicationState.ACCEPTED
        )
    services.call_transition(actor=formation.officer, call=formation.call, to=CallState.REVIEW)
    council = forming_council(world)
    now = timezone.now()
    election = services.election_schedule(
        actor=formation.officer,
        call=formation.call,
        council=council,
        seat_type=world.seats["residents"],
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(days=1),
    )
    return Poll(
        formation=formation,
        council=council,
        election=election,
        candidates=people,
        voters=[formation.resident() for _ in range(voters)],
    )


@pytest.fixture
def poll(formation: Formation) -> Poll:
    return make_poll(formation)


def other_neighborhood(world: Any) -> Any:
    """A second neighborhood of district 1 (area a11) without a council."""
    return NeighborhoodFactory(area=world.a11, slug="cw-n3", name="چهارباغ", boundary=square(51.02, 35.00))


def at(dt: datetime, **delta: Any) -> datetime:
    return dt + timedelta(**delta)


@pytest.fixture(autouse=True)
def _english_messages(client: Client) -> Iterator[None]:
    """These tests read messages by their English msgids: services and pages speak English here (the
    Persian translation is checked by tests/project/test_translations.py and the browser journeys)."""
    client.cookies["mahalat_language"] = "en"
    with translation.override("en"):
        yield
