"""Saving programs, who may, and the lifecycle planned → held | cancelled."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mahalat.audit.models import Event
from mahalat.councils.models import Council
from mahalat.errors import TransitionNotAllowed
from mahalat.programs.models import OrganizerKind, Program, ProgramPhoto, ProgramState
from mahalat.programs.services import (
    program_cancel,
    program_mark_held,
    program_photo_add,
    program_photo_remove,
    program_save,
)
from tests.programs.conftest import at, not_an_image, png, save
from tests.towns import Town


def _counts() -> tuple[int, int, int]:
    return Program.objects.count(), ProgramPhoto.objects.count(), Event.objects.count()


def test_district_officer_creates_a_program(town: Town) -> None:
    program = save(town, town.people["district_officer"], neighborhoods=[town.n1, town.n3])
    assert program.title == "پیاده‌روی خانوادگی"
    assert program.planned_budget == 12_500_000
    assert program.state == ProgramState.PLANNED
    assert (program.district_id, program.area_id, program.neighborhood_id) == (town.d1.pk, town.a11.pk, None)
    assert program.neighborhood_count == 2
    assert set(program.neighborhoods.values_list("slug", flat=True)) == {"n1", "n3"}
    assert program.created_by == town.people["district_officer"]
    assert Event.objects.filter(action="programs.program.created", object_id=str(program.pk)).exists()


def test_area_officer_inside_its_area(town: Town) -> None:
    program = save(town, town.people["area_officer"], neighborhoods=[town.n3])
    assert program.neighborhood_id == town.n3.pk


def test_area_officer_outside_its_area_is_refused(town: Town) -> None:
    before = _counts()
    with pytest.raises(PermissionDenied):
        save(town, town.people["area_officer"], district=town.d2, neighborhoods=[town.n2])
    assert _counts() == before


@pytest.mark.parametrize("who", ["deputy", "city_council", "citizen", "liaison", "other_district_officer"])
def test_others_cannot_create(town: Town, who: str) -> None:
    before = _counts()
    with pytest.raises(PermissionDenied):
        save(town, town.people[who])
    assert _counts() == before


@pytest.mark.parametrize("who", ["deputy", "city_council", "officer_and_deputy"])
def test_deputy_and_city_council_cannot_change_a_program(town: Town, who: str) -> None:
    program = save(town, town.people["other_district_officer"], district=town.d2, neighborhoods=[town.n2])
    with pytest.raises(PermissionDenied):
        save(town, town.people[who], program=program, district=town.d2, neighborhoods=[town.n2], title="x")
    with pytest.raises(PermissionDenied):
        program_cancel(actor=town.people[who], program=program, reason="نه")
    with pytest.raises(PermissionDenied):
        program_photo_add(actor=town.people[who], program=program, image=png())
    program.refresh_from_db()
    assert program.state == ProgramState.PLANNED and program.title == "پیاده‌روی خانوادگی"


def test_district_officer_cannot_create_in_another_district(town: Town) -> None:
    with pytest.raises(PermissionDenied):
        save(town, town.people["district_officer"], district=town.d2, neighborhoods=[town.n2])


def test_neighborhoods_outside_the_district_are_refused(town: Town) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        save(town, town.people["district_officer"], neighborhoods=[town.n1, town.n2])
    assert "neighborhoods" in exc.value.message_dict
    assert _counts() == before


def test_council_chair_creates_for_own_neighborhood(town: Town, council: Council) -> None:
    chair = town.people["council_chair"]
    program = save(town, chair, organizer_kind=OrganizerKind.COUNCIL, organizer_council=council)
    assert program.organizer_council == council and program.neighborhood_id == town.n1.pk
    # … and carries it through.
    program = program_mark_held(actor=chair, program=program, participants=40, spent_budget=0, now=at(4))
    assert program.state == ProgramState.HELD


def test_council_chair_is_limited_to_its_council_and_neighborhood(town: Town, council: Council) -> None:
    chair = town.people["council_chair"]
    before = _counts()
    with pytest.raises(PermissionDenied):  # organized by the district: not the council's to make
        save(town, chair)
    with pytest.raises(PermissionDenied):  # for two neighborhoods
        save(
            town,
            chair,
            neighborhoods=[town.n1, town.n3],
            organizer_kind=OrganizerKind.COUNCIL,
            organizer_council=council,
        )
    with pytest.raises(PermissionDenied):  # another neighborhood
        save(
            town,
            chair,
            neighborhoods=[town.n3],
            organizer_kind=OrganizerKind.COUNCIL,
            organizer_council=council,
        )
    assert _counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"planned_budget": -5}, "planned_budget"),
        ({"planned_budget": "-۱۰۰"}, "planned_budget"),
        ({"planned_budget": "a lot"}, "planned_budget"),
        ({"ends_at": at(3, 16)}, "ends_at"),
        ({"ends_at": at(3, 17)}, "ends_at"),
        ({"title": "   "}, "title"),
        ({"place": ""}, "place"),
        ({"kind": "party"}, "kind"),
        ({"organizer_kind": OrganizerKind.NGO}, "organizer_name"),
        ({"organizer_kind": OrganizerKind.AGENCY}, "organizer_agency"),
        ({"lat": 48.0, "lng": 10.0}, "location"),
        ({"lat": "north", "lng": 51.0}, "lat"),
    ],
)
def test_bad_input_is_refused_writing_nothing(town: Town, overrides: dict[str, Any], field: str) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        save(town, town.people["district_officer"], **overrides)
    assert field in exc.value.message_dict
    assert all(exc.value.message_dict[field])
    assert _counts() == before


def test_point_inside_the_city_and_organizers(town: Town) -> None:
    lat, lng = town.P1
    ngo = save(
        town, town.people["district_officer"], lat=lat, lng=lng, organizer_kind="ngo", organizer_name="خیریه"
    )
    assert (ngo.lat, ngo.lng, ngo.organizer_label) == (lat, lng, "خیریه")
    agency = save(town, town.people["district_officer"], organizer_kind="agency", organizer_agency=town.water)
    assert agency.organizer_agency == town.water


def test_edit_while_planned_only(town: Town) -> None:
    officer = town.people["district_officer"]
    program = save(town, officer)
    program = save(town, officer, program=program, neighborhoods=[town.n3], title="کارگاه")
    assert program.title == "کارگاه" and list(program.neighborhoods.all()) == [town.n3]
    program_cancel(actor=officer, program=program, reason="باران")
    with pytest.raises(TransitionNotAllowed):
        save(town, officer, program=program, title="دوباره")


def test_mark_held_with_participants_and_photos(town: Town) -> None:
    officer = town.people["district_officer"]
    program = save(town, officer)
    held = program_mark_held(
        actor=officer,
        program=program,
        participants="۱۲۰",
        spent_budget="9,800,000",
        outcome="  استقبال خوب بود  ",
        photos=[png(), png("b.png")],
        now=at(4),
    )
    assert (held.state, held.participants, held.spent_budget, held.outcome) == (
        ProgramState.HELD,
        120,
        9_800_000,
        "استقبال خوب بود",
    )
    photos = list(held.photos.all())
    assert len(photos) == 2 and all(p.image.name.endswith(".jpg") for p in photos)
    assert Event.objects.filter(action="programs.program.held").count() == 1


def test_mark_held_before_it_starts_is_refused(town: Town) -> None:
    program = save(town, town.people["district_officer"])
    with pytest.raises(ValidationError):
        program_mark_held(
            actor=town.people["district_officer"], program=program, participants=1, spent_budget=0
        )


@pytest.mark.parametrize(
    ("participants", "spent", "photos", "field"),
    [
        (-1, 0, [], "participants"),
        (10, -1, [], "spent_budget"),
        (10, 0, [not_an_image()], "photos"),
        (10, 0, [png(f"{i}.png") for i in range(9)], "photos"),
    ],
)
def test_bad_held_input_writes_nothing(
    town: Town, participants: int, spent: int, photos: list, field: str
) -> None:
    program = save(town, town.people["district_officer"])
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        program_mark_held(
            actor=town.people["district_officer"],
            program=program,
            participants=participants,
            spent_budget=spent,
            photos=photos,
            now=at(4),
        )
    assert field in exc.value.message_dict
    program.refresh_from_db()
    assert program.state == ProgramState.PLANNED and program.participants is None
    assert _counts() == before


def test_cancel_with_reason_and_out_of_order_moves(town: Town) -> None:
    officer = town.people["district_officer"]
    program = save(town, officer)
    with pytest.raises(ValidationError):
        program_cancel(actor=officer, program=program, reason="  ")
    cancelled = program_cancel(actor=officer, program=program, reason="پیش‌بینی باران شدید")
    assert cancelled.state == ProgramState.CANCELLED and cancelled.cancel_reason == "پیش‌بینی باران شدید"
    with pytest.raises(TransitionNotAllowed):
        program_mark_held(actor=officer, program=program, participants=5, spent_budget=0, now=at(4))
    with pytest.raises(TransitionNotAllowed):
        program_cancel(actor=officer, program=program, reason="باز هم")
    with pytest.raises(ValidationError):
        program_photo_add(actor=officer, program=program, image=png())
    program.refresh_from_db()
    assert program.state == ProgramState.CANCELLED and program.participants is None


def test_held_cannot_be_held_again(town: Town) -> None:
    officer = town.people["district_officer"]
    program = save(town, officer)
    program_mark_held(actor=officer, program=program, participants=5, spent_budget=0, now=at(4))
    with pytest.raises(TransitionNotAllowed):
        program_mark_held(actor=officer, program=program, participants=6, spent_budget=0, now=at(4))
    with pytest.raises(TransitionNotAllowed):
        program_cancel(actor=officer, program=program, reason="دیر")


def test_photos_at_most_eight_and_removal(town: Town, django_capture_on_commit_callbacks: Any) -> None:
    officer = town.people["district_officer"]
    program = save(town, officer)
    photos = [program_photo_add(actor=officer, program=program, image=png(f"{i}.png")) for i in range(8)]
    with pytest.raises(ValidationError):
        program_photo_add(actor=officer, program=program, image=png())
    storage, name = photos[0].image.storage, photos[0].image.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        program_photo_remove(actor=officer, photo=photos[0])
    assert not storage.exists(name)
    assert program.photos.count() == 7
    with pytest.raises(PermissionDenied):
        program_photo_remove(actor=town.people["deputy"], photo=photos[1])


def test_database_refuses_inconsistent_rows(town: Town) -> None:
    from django.db import IntegrityError, transaction

    program = save(town, town.people["district_officer"])
    for update in (
        {"planned_budget": -1},
        {"organizer_kind": "ngo"},
        {"state": "held"},
        {"state": "cancelled"},
        {"ends_at": program.starts_at},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Program.objects.filter(pk=program.pk).update(**update)
    assert timezone.is_aware(program.starts_at)


def test_program_save_keeps_district(town: Town) -> None:
    program = save(town, town.people["district_officer"])
    with pytest.raises(ValidationError):
        program_save(
            actor=town.people["district_officer"],
            program=program,
            district=town.d2,
            neighborhoods=[town.n1],
            kind="sport",
            title="x",
            starts_at=at(3),
            ends_at=at(3, 19),
            place="y",
            organizer_kind="district",
        )
