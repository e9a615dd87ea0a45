"""Every write about cultural-social programs: saving one while it is planned, marking it held or
cancelled (planned → held | cancelled, nothing else), and its photos."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.rules import has_permission
from mahalat.audit.services import event_record
from mahalat.councils.models import Council, CouncilState
from mahalat.errors import TransitionNotAllowed
from mahalat.notifications.services import neighborhood_followers_notify
from mahalat.persian.digits import to_ascii_digits
from mahalat.persian.text import normalize_text
from mahalat.programs.models import (
    OrganizerKind,
    Program,
    ProgramKind,
    ProgramNeighborhood,
    ProgramPhoto,
    ProgramState,
)
from mahalat.referrals.models import Agency
from mahalat.territory.locate import locate, validate_coordinates
from mahalat.territory.models import District, Neighborhood
from mahalat.uploads import sanitize_image

TITLE_MAX = 200
PLACE_MAX = 300
TEXT_MAX = 4000
REASON_MAX = 2000
NGO_NAME_MAX = 200
MAX_PHOTOS = 8
MAX_NEIGHBORHOODS = 60
MAX_DURATION = timedelta(days=31)
MAX_YEARS_AHEAD = 2
# A hundred thousand billion rials is far beyond any district's yearly budget: a typo, not a program.
MAX_BUDGET = 10**14
MAX_PARTICIPANTS = 1_000_000
CURRENT_COUNCIL_STATES = frozenset({CouncilState.FORMING, CouncilState.ACTIVE})
# The lifecycle: the only moves there are.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {(ProgramState.PLANNED, ProgramState.HELD), (ProgramState.PLANNED, ProgramState.CANCELLED)}
)


# --- permission --------------------------------------------------------------------------------------


def may_write(actor: Any, program: Program) -> bool:
    """District staff of its district, the area officer of its area; a council's chair and secretary
    for a program their own council organizes for their own neighborhood alone."""
    if has_permission(actor, "programs.manage_program", program):
        return True
    return (
        program.organizer_kind == OrganizerKind.COUNCIL
        and program.organizer_council_id is not None
        and program.neighborhood_id is not None
        and program.organizer_council.neighborhood_id == program.neighborhood_id
        and has_permission(actor, "programs.organize_council_program", program)
    )


def _require_write(actor: Any, program: Program) -> None:
    if not may_write(actor, program):
        raise PermissionDenied(_("You do not have permission to do this here."))


# --- input checks ------------------------------------------------------------------------------------


def _text(
    value: object, *, field: str, limit: int, errors: dict[str, list[str]], multiline: bool = False
) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[field] = [_("Enter text.")]
        return ""
    text = normalize_text(value, multiline=multiline)
    if len(text) > limit:
        errors[field] = [_("At most %(limit)s characters.") % {"limit": limit}]
    return text


def _whole_number(value: object, *, field: str, limit: int, errors: dict[str, list[str]]) -> int:
    """A non-negative whole number typed in any digits, with or without thousands separators."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str):
        cleaned = to_ascii_digits(value).strip()
        for separator in (",", "٬", "،", " ", "\u066c"):
            cleaned = cleaned.replace(separator, "")
        value = int(cleaned) if cleaned.lstrip("-").isdigit() else None
    if not isinstance(value, int):
        errors[field] = [_("Enter a whole number.")]
        return 0
    if value < 0:
        errors[field] = [_("Cannot be negative.")]
    elif value > limit:
        errors[field] = [_("At most %(limit)s.") % {"limit": f"{limit:,}"}]
    return value


def _check_times(starts_at: object, ends_at: object, *, now: datetime, errors: dict[str, list[str]]) -> None:
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Enter the date and time it starts.")]
        return
    if not isinstance(ends_at, datetime) or timezone.is_naive(ends_at):
        errors["ends_at"] = [_("Enter the date and time it ends.")]
        return
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The program must end after it starts.")]
    elif ends_at - starts_at > MAX_DURATION:
        errors["ends_at"] = [_("A program lasts at most 31 days; enter a longer one as several programs.")]
    if starts_at > now + timedelta(days=365 * MAX_YEARS_AHEAD):
        errors["starts_at"] = [_("A program can be planned at most two years ahead.")]


def _check_point(
    *, city_id: int, lat: object, lng: object, errors: dict[str, list[str]]
) -> tuple[float | None, float | None]:
    if lat in (None, "") and lng in (None, ""):
        return None, None
    try:
        latitude, longitude = validate_coordinates(lat=lat, lng=lng)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return None, None
    found = locate(latitude, longitude)
    if found is None or found.city.id != city_id:
        errors["location"] = [_("This point is outside every neighborhood of the city.")]
        return None, None
    return latitude, longitude


def _place_in(
    program: Program,
    *,
    district: District,
    neighborhoods: Sequence[Neighborhood],
    errors: dict[str, list[str]],
) -> list[Neighborhood]:
    """Copy the district, the common area and the sole neighborhood onto the program; those outside the
    district are an error (the rest still place it, so the permission check sees where it would sit)."""
    unique = list({n.pk: n for n in neighborhoods}.values())
    inside = [n for n in unique if n.district_id == district.pk]
    if not unique:
        errors["neighborhoods"] = [_("Choose at least one neighborhood.")]
    elif len(inside) != len(unique):
        errors["neighborhoods"] = [_("Choose only neighborhoods of the program's district.")]
    elif len(unique) > MAX_NEIGHBORHOODS:
        errors["neighborhoods"] = [_("At most %(limit)s neighborhoods.") % {"limit": MAX_NEIGHBORHOODS}]
    program.city_id = district.city_id
    program.district = district
    areas = {n.area_id for n in inside}
    program.area_id = areas.pop() if len(areas) == 1 else None
    program.neighborhood_id = inside[0].pk if len(inside) == 1 else None
    program.neighborhood_count = len(inside)
    return inside


def _check_organizer(
    program: Program,
    *,
    kind: object,
    council: Council | None,
    agency: Agency | None,
    name: str,
    neighborhood_ids: set[int],
    errors: dict[str, list[str]],
) -> None:
    program.organizer_council = None
    program.organizer_agency = None
    program.organizer_name = ""
    if kind not in OrganizerKind.values:
        errors["organizer_kind"] = [_("Choose who organizes the program.")]
        return
    program.organizer_kind = str(kind)
    if kind == OrganizerKind.COUNCIL:
        if (
            council is None
            or council.neighborhood_id not in neighborhood_ids
            or council.state not in CURRENT_COUNCIL_STATES
        ):
            errors["organizer_council"] = [
                _("Choose the current council of one of the program's neighborhoods.")
            ]
        else:
            program.organizer_council = council
    elif kind == OrganizerKind.AGENCY:
        if agency is None or agency.city_id != program.city_id or not agency.is_active:
            errors["organizer_agency"] = [_("Choose an active executive agency of this city.")]
        else:
            program.organizer_agency = agency
    elif kind == OrganizerKind.NGO:
        if not name:
            errors["organizer_name"] = [_("Enter the name of the organizing NGO.")]
        program.organizer_name = name


def _snapshot(program: Program) -> dict[str, Any]:
    return {
        "kind": program.kind,
        "title": program.title,
        "starts_at": program.starts_at,
        "ends_at": program.ends_at,
        "place": program.place,
        "organizer_kind": program.organizer_kind,
        "planned_budget": program.planned_budget,
        "spent_budget": program.spent_budget,
        "participants": program.participants,
        "state": program.state,
    }


def _locked(program: Program) -> Program:
    # Locks the program's row only (an outer join cannot be locked); the council is read after.
    locked = (
        Program.objects.select_for_update(of=("self",)).select_related("organizer_council").get(pk=program.pk)
    )
    return locked


def _require_move(program: Program, to: str) -> None:
    if (program.state, to) not in TRANSITIONS:
        raise TransitionNotAllowed(
            _("A program that is “%(current)s” cannot become “%(target)s”.")
            % {"current": ProgramState(program.state).label, "target": ProgramState(to).label}
        )


# --- saving ------------------------------------------------------------------------------------------


@transaction.atomic
def program_save(
    *,
    actor: Any,
    district: District,
    neighborhoods: Sequence[Neighborhood],
    kind: object,
    title: object,
    starts_at: object,
    ends_at: object,
    place: object,
    organizer_kind: object,
    program: Program | None = None,
    description: object = "",
    lat: object | None = None,
    lng: object | None = None,
    organizer_council: Council | None = None,
    organizer_agency: Agency | None = None,
    organizer_name: object = "",
    planned_budget: object = 0,
    now: datetime | None = None,
) -> Program:
    """Create a program, or edit one still planned (its district stays). All input is checked before
    anything is written; every error comes back at once, by field."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if program is not None:
        program = _locked(program)
        _require_write(actor, program)  # the person must hold the program where it is now …
        if program.state != ProgramState.PLANNED:
            raise TransitionNotAllowed(_("Only a planned program can be changed."))
        if district.pk != program.district_id:
            errors["district"] = [_("A program stays in its district.")]
            district = program.district
        before = _snapshot(program)
    else:
        program = Program(created_by=actor if getattr(actor, "is_authenticated", False) else None)
        before = None
    inside = _place_in(program, district=district, neighborhoods=neighborhoods, errors=errors)
    _check_organizer(
        program,
        kind=organizer_kind,
        council=organizer_council,
        agency=organizer_agency,
        name=_text(organizer_name, field="organizer_name", limit=NGO_NAME_MAX, errors=errors),
        neighborhood_ids={n.pk for n in inside},
        errors=errors,
    )
    _require_write(actor, program)  # … and where it will be, as who it will be organized by.

    if kind not in ProgramKind.values:
        errors["kind"] = [_("Choose one of the kinds offered.")]
    program.kind = str(kind)
    program.title = _text(title, field="title", limit=TITLE_MAX, errors=errors)
    if not program.title and "title" not in errors:
        errors["title"] = [_("Enter a title.")]
    program.description = _text(
        description, field="description", limit=TEXT_MAX, errors=errors, multiline=True
    )
    program.place = _text(place, field="place", limit=PLACE_MAX, errors=errors)
    if not program.place and "place" not in errors:
        errors["place"] = [_("Say where the program takes place.")]
    _check_times(starts_at, ends_at, now=now, errors=errors)
    program.lat, program.lng = _check_point(city_id=district.city_id, lat=lat, lng=lng, errors=errors)
    program.planned_budget = _whole_number(
        planned_budget, field="planned_budget", limit=MAX_BUDGET, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    assert isinstance(starts_at, datetime) and isinstance(ends_at, datetime)
    program.starts_at, program.ends_at = starts_at, ends_at
    created = program.pk is None
    if created:
        program.state_changed_at = now
    program.save()
    current = set(
        ProgramNeighborhood.objects.filter(program=program).values_list("neighborhood_id", flat=True)
    )
    wanted = {n.pk for n in inside}
    ProgramNeighborhood.objects.filter(program=program, neighborhood_id__in=current - wanted).delete()
    ProgramNeighborhood.objects.bulk_create(
        [ProgramNeighborhood(program=program, neighborhood_id=pk) for pk in sorted(wanted - current)]
    )
    if created:
        for hood in inside:
            neighborhood_followers_notify(
                neighborhood_id=hood.pk,
                city_id=program.city_id,
                kind="programs.program.created",
                template="neighborhood_news",
                context={"event": "program", "neighborhood": hood.name, "title": program.title},
                exclude_user_ids=[getattr(actor, "pk", None)],
            )
    event_record(
        actor=actor,
        action="programs.program.created" if created else "programs.program.updated",
        obj=program,
        before=before,
        after={**_snapshot(program), "neighborhoods": sorted(wanted)},
        neighborhood_id=program.neighborhood_id,
    )
    return program


# --- the lifecycle -----------------------------------------------------------------------------------


def _clean_photos(images: Sequence[UploadedFile], *, existing: int) -> list[Any]:
    if existing + len(images) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("At most %(limit)s photos.") % {"limit": MAX_PHOTOS}]})
    cleaned = []
    for image in images:
        try:
            cleaned.append(sanitize_image(image))
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc
    return cleaned


def _store_photos(program: Program, cleaned: Sequence[Any], *, first_position: int) -> list[ProgramPhoto]:
    """Write the files and their rows; a failure removes the files already written (the transaction
    takes the rows back, files it cannot)."""
    stored: list[ProgramPhoto] = []
    try:
        for offset, content in enumerate(cleaned):
            photo = ProgramPhoto(program=program, position=first_position + offset)
            photo.image.save(content.name, content, save=False)
            stored.append(photo)
            photo.save()
    except Exception:
        for photo in stored:
            photo.image.delete(save=False)
        raise
    return stored


@transaction.atomic
def program_mark_held(
    *,
    actor: Any,
    program: Program,
    participants: object,
    spent_budget: object,
    outcome: object = "",
    photos: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Program:
    """The program took place: how many came, what it cost, what came of it, and its pictures."""
    now = now or timezone.now()
    locked = _locked(program)
    _require_write(actor, locked)
    _require_move(locked, ProgramState.HELD)
    errors: dict[str, list[str]] = {}
    if locked.starts_at > now:
        errors["__all__"] = [_("A program can be marked held only once it has started.")]
    count = _whole_number(participants, field="participants", limit=MAX_PARTICIPANTS, errors=errors)
    spent = _whole_number(spent_budget, field="spent_budget", limit=MAX_BUDGET, errors=errors)
    text = _text(outcome, field="outcome", limit=TEXT_MAX, errors=errors, multiline=True)
    existing = ProgramPhoto.objects.filter(program=locked).count()
    cleaned: list[Any] = []
    if not errors:
        cleaned = _clean_photos(photos, existing=existing)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(locked)
    locked.participants, locked.spent_budget, locked.outcome = count, spent, text
    locked.state, locked.state_changed_at = ProgramState.HELD, now
    locked.save()
    stored = _store_photos(locked, cleaned, first_position=existing + 1)
    event_record(
        actor=actor,
        action="programs.program.held",
        obj=locked,
        before=before,
        after={**_snapshot(locked), "photos": [p.pk for p in stored]},
        neighborhood_id=locked.neighborhood_id,
    )
    return locked


@transaction.atomic
def program_cancel(*, actor: Any, program: Program, reason: object, now: datetime | None = None) -> Program:
    """Called off, with the reason the public reads."""
    locked = _locked(program)
    _require_write(actor, locked)
    _require_move(locked, ProgramState.CANCELLED)
    errors: dict[str, list[str]] = {}
    text = _text(reason, field="reason", limit=REASON_MAX, errors=errors, multiline=True)
    if not text and not errors:
        errors["reason"] = [_("Say why the program is cancelled.")]
    if errors:
        raise ValidationError(errors)
    locked.state, locked.cancel_reason, locked.state_changed_at = (
        ProgramState.CANCELLED,
        text,
        now or timezone.now(),
    )
    locked.save(update_fields=["state", "cancel_reason", "state_changed_at", "updated_at"])
    event_record(
        actor=actor,
        action="programs.program.cancelled",
        obj=locked,
        after={"state": locked.state, "reason": text},
        neighborhood_id=locked.neighborhood_id,
    )
    return locked


# --- photos ------------------------------------------------------------------------------------------


@transaction.atomic
def program_photo_add(*, actor: Any, program: Program, image: UploadedFile) -> ProgramPhoto:
    """A poster before the program or a picture of it after; never on a cancelled one; at most eight."""
    locked = _locked(program)
    _require_write(actor, locked)
    if locked.state == ProgramState.CANCELLED:
        raise ValidationError({"photos": [_("A cancelled program takes no photos.")]})
    existing = ProgramPhoto.objects.filter(program=locked).count()
    (cleaned,) = _clean_photos([image], existing=existing)
    (photo,) = _store_photos(locked, [cleaned], first_position=existing + 1)
    event_record(
        actor=actor,
        action="programs.program.photo_added",
        obj=locked,
        after={"photo": photo.pk},
        neighborhood_id=locked.neighborhood_id,
    )
    return photo


@transaction.atomic
def program_photo_remove(*, actor: Any, photo: ProgramPhoto) -> None:
    locked = _locked(photo.program)
    _require_write(actor, locked)
    photo = ProgramPhoto.objects.get(pk=photo.pk, program=locked)
    photo_id, name, storage = photo.pk, photo.image.name, photo.image.storage
    photo.delete()
    event_record(
        actor=actor,
        action="programs.program.photo_removed",
        obj=locked,
        before={"photo": photo_id, "file": name},
        neighborhood_id=locked.neighborhood_id,
    )
    # The file goes only once the row is surely gone.
    transaction.on_commit(lambda: storage.delete(name))
