"""Every write about forming a council: registration calls, applications and their documents,
residencies, elections, ballots and certification.

Secrecy of the vote is kept here as much as in the schema: casting a ballot writes the poll-book row
and increases the chosen candidates' counters, and nothing else — no audit event, no notification, no
log line. The audit log records the election's opening, its close (with the turnout) and its
certification.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import User
from mahalat.accounts.rules import require_permission
from mahalat.audit.services import event_record
from mahalat.councils.models import Council, CouncilState, Membership, SeatFill, SeatType, placement
from mahalat.elections.documents import check_document
from mahalat.elections.models import (
    Application,
    ApplicationDocument,
    ApplicationState,
    Ballot,
    CallState,
    Candidate,
    Election,
    ElectionState,
    RegistrationCall,
    Residency,
    ResidencyState,
)
from mahalat.elections.tally import Entry, tally
from mahalat.elections.workflow import (
    APPLICATION_TRANSITIONS,
    CALL_TRANSITIONS,
    ELECTION_CALL_STATES,
    ELECTION_TRANSITIONS,
    RESIDENCY_TRANSITIONS,
    REVIEWABLE_CALL_STATES,
)
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.notifications.services import notify
from mahalat.persian.digits import to_ascii_digits
from mahalat.persian.text import normalize_text
from mahalat.territory.models import District, Neighborhood
from mahalat.workflow import Rule

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
ADDRESS_MAX = 300
STATEMENT_MAX = 3000
REASON_MAX = 2000
DOCUMENTS_MAX = 10
OLDEST_AGE = 120


class AlreadyVoted(ConflictError):
    """The poll book already holds this resident for this election."""


# --- shared pieces ------------------------------------------------------------------------------------


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _check_transition(
    *,
    table: dict[tuple[str, str], Rule],
    choices: Any,
    noun: str,
    actor: Any | None,
    obj: Any,
    current: str,
    to: str,
    expected_state: str | None,
) -> Rule:
    """The rule for current → to, after checking the state the person saw, the table and the permission."""
    if expected_state is not None and current != expected_state:
        raise ConflictError(
            _(
                "This %(noun)s changed while you were looking at it: it is now “%(state)s”. "
                "Reload and try again."
            )
            % {"noun": noun, "state": _label(choices, current)}
        )
    rule = table.get((current, to))
    if rule is None:
        raise TransitionNotAllowed(
            _("A %(noun)s that is “%(current)s” cannot become “%(target)s”.")
            % {"noun": noun, "current": _label(choices, current), "target": _label(choices, to)}
        )
    if actor is None:
        if not rule.system_may:
            raise PermissionDenied(_("Only a person can make this change."))
    else:
        require_permission(actor, rule.permission, obj)
    return rule


def _reason(text: str, rule: Rule, *, field: str = "reason") -> str:
    reason = normalize_text(text or "", multiline=True)
    if len(reason) > REASON_MAX:
        raise ValidationError({field: [_("At most %(limit)s characters.") % {"limit": REASON_MAX}]})
    if "reason" in rule.requires and not reason:
        raise ValidationError({field: [_("Write the reason; the people concerned will read it.")]})
    return reason


def _aware(value: Any, field: str, errors: dict[str, list[str]]) -> datetime | None:
    if not isinstance(value, datetime):
        errors[field] = [_("Enter a date and a time.")]
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


# --- registration calls -------------------------------------------------------------------------------


def _parse_documents(value: Any) -> tuple[list[dict[str, str]], list[str]]:
    """The required-documents list, cleaned: each {"code", "name", "name_en"} with a unique slug code."""
    if value in (None, ""):
        return [], []
    if not isinstance(value, list):
        return [], [_("The required documents must be a list.")]
    if len(value) > DOCUMENTS_MAX:
        return [], [_("At most %(limit)s documents.") % {"limit": DOCUMENTS_MAX}]
    cleaned: list[dict[str, str]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            problems.append(_("Document %(n)s is not described properly.") % {"n": i})
            continue
        code = str(item.get("code") or "").strip().lower()
        name = normalize_text(str(item.get("name") or ""))[:120]
        name_en = normalize_text(str(item.get("name_en") or ""))[:120] or name
        if not code or not code.replace("-", "").replace("_", "").isalnum() or not code.isascii():
            problems.append(_("Document %(n)s needs a code of Latin letters, digits and hyphens.") % {"n": i})
        elif code in seen:
            problems.append(_("Two documents have the code “%(code)s”.") % {"code": code})
        if not name:
            problems.append(_("Document %(n)s needs a name.") % {"n": i})
        seen.add(code)
        cleaned.append({"code": code[:40], "name": name, "name_en": name_en})
    return cleaned, problems


def _check_call(
    *,
    district: District,
    title: str,
    description: str,
    neighborhoods: Sequence[Neighborhood],
    seat_types: Sequence[SeatType],
    opens_at: Any,
    closes_at: Any,
    min_age: Any,
    required_documents: Any,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = normalize_text(title or "")
    description = normalize_text(description or "", multiline=True)
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("At most %(limit)s characters.") % {"limit": TITLE_MAX}]
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("At most %(limit)s characters.") % {"limit": DESCRIPTION_MAX}]
    neighborhoods = list(neighborhoods or [])
    if not neighborhoods:
        errors["neighborhoods"] = [_("Choose at least one neighborhood.")]
    elif any(n.district_id != district.pk for n in neighborhoods):
        errors["neighborhoods"] = [_("A district can open calls only for its own neighborhoods.")]
    seat_types = list(seat_types or [])
    if not seat_types:
        errors["seat_types"] = [_("Choose at least one seat.")]
    elif any(s.template.city_id != district.city_id or s.fill == SeatFill.EX_OFFICIO for s in seat_types):
        errors["seat_types"] = [
            _(
                "Choose elected or appointed seats of this city's councils "
                "(ex officio seats take no volunteers)."
            )
        ]
    opens = _aware(opens_at, "opens_at", errors)
    closes = _aware(closes_at, "closes_at", errors)
    if opens and closes and closes <= opens:
        errors["closes_at"] = [_("Applications must close after they open.")]
    if not isinstance(min_age, int) or isinstance(min_age, bool) or not 15 <= min_age <= 80:
        errors["min_age"] = [_("Enter a whole number from %(low)s to %(high)s.") % {"low": 15, "high": 80}]
    documents, problems = _parse_documents(required_documents)
    if problems:
        errors["required_documents"] = problems
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "description": description,
        "neighborhoods": neighborhoods,
        "seat_types": seat_types,
        "opens_at": opens,
        "closes_at": closes,
        "min_age": min_age,
        "required_documents": documents,
    }


def _call_snapshot(call: RegistrationCall, neighborhoods: Iterable[Any], seat_types: Iterable[Any]) -> dict:
    return {
        "title": call.title,
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
        "residents_only": call.residents_only,
        "min_age": call.min_age,
        "required_documents": call.required_documents,
        "neighborhoods": sorted(n.pk for n in neighborhoods),
        "seat_types": sorted(s.pk for s in seat_types),
    }


def _call_write(call: RegistrationCall, values: dict[str, Any], *, residents_only: bool) -> None:
    """Store a call's checked values (`_check_call`), its neighborhoods and seat types included."""
    call.title, call.description = values["title"], values["description"]
    call.opens_at, call.closes_at = values["opens_at"], values["closes_at"]
    call.residents_only, call.min_age = bool(residents_only), values["min_age"]
    call.required_documents = values["required_documents"]
    call.save()
    call.neighborhoods.set(values["neighborhoods"])
    call.seat_types.set(values["seat_types"])


@transaction.atomic
def call_create(
    *,
    actor: Any,
    district: District,
    title: str,
    neighborhoods: Sequence[Neighborhood],
    seat_types: Sequence[SeatType],
    opens_at: datetime,
    closes_at: datetime,
    description: str = "",
    residents_only: bool = True,
    min_age: int = 18,
    required_documents: list[dict[str, str]] | None = None,
) -> RegistrationCall:
    """A district drafts a call for some of its neighborhoods (`call_transition` publishes it)."""
    call = RegistrationCall(city_id=district.city_id, district=district)
    require_permission(actor, "elections.run_call", call)
    values = _check_call(
        district=district,
        title=title,
        description=description,
        neighborhoods=neighborhoods,
        seat_types=seat_types,
        opens_at=opens_at,
        closes_at=closes_at,
        min_age=min_age,
        required_documents=required_documents,
    )
    call.created_by = actor
    _call_write(call, values, residents_only=residents_only)
    event_record(
        actor=actor,
        action="elections.call.created",
        obj=call,
        after=_call_snapshot(call, values["neighborhoods"], values["seat_types"]),
    )
    return call


@transaction.atomic
def call_update(
    *,
    actor: Any,
    call: RegistrationCall,
    title: str,
    neighborhoods: Sequence[Neighborhood],
    seat_types: Sequence[SeatType],
    opens_at: datetime,
    closes_at: datetime,
    description: str = "",
    residents_only: bool = True,
    min_age: int = 18,
    required_documents: list[dict[str, str]] | None = None,
) -> RegistrationCall:
    """Edit a call while it is a draft: once published, applicants rely on what it said."""
    locked = RegistrationCall.objects.select_for_update().select_related("district").get(pk=call.pk)
    require_permission(actor, "elections.run_call", locked)
    if locked.state != CallState.DRAFT:
        raise ConflictError(_("Only a draft call can be edited; this one is already published."))
    before = _call_snapshot(locked, locked.neighborhoods.all(), locked.seat_types.all())
    values = _check_call(
        district=locked.district,
        title=title,
        description=description,
        neighborhoods=neighborhoods,
        seat_types=seat_types,
        opens_at=opens_at,
        closes_at=closes_at,
        min_age=min_age,
        required_documents=required_documents,
    )
    _call_write(locked, values, residents_only=residents_only)
    event_record(
        actor=actor,
        action="elections.call.updated",
        obj=locked,
        before=before,
        after=_call_snapshot(locked, values["neighborhoods"], values["seat_types"]),
    )
    return locked


@transaction.atomic
def call_transition(
    *,
    actor: Any,
    call: RegistrationCall,
    to: str,
    reason: str = "",
    expected_state: str | None = None,
) -> RegistrationCall:
    """Publish, move to review, close or cancel a call, as the table allows."""
    locked = RegistrationCall.objects.select_for_update().get(pk=call.pk)
    rule = _check_transition(
        table=CALL_TRANSITIONS,
        choices=CallState,
        noun=_("call"),
        actor=actor,
        obj=locked,
        current=locked.state,
        to=to,
        expected_state=expected_state,
    )
    reason = _reason(reason, rule)
    before = locked.state
    locked.state = to
    locked.save(update_fields=["state"])
    event_record(
        actor=actor,
        action=f"elections.call.{to}",
        obj=locked,
        before={"state": before},
        after={"state": to, "reason": reason},
    )
    return locked


# --- applications -------------------------------------------------------------------------------------


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _verified_residency(*, user_id: int, neighborhood_id: int) -> bool:
    return Residency.objects.filter(
        user_id=user_id, neighborhood_id=neighborhood_id, state=ResidencyState.VERIFIED
    ).exists()


def application_submit(
    *,
    actor: Any,
    call: RegistrationCall,
    neighborhood: Neighborhood | None,
    seat_type: SeatType | None,
    birth_date: date | None,
    address: str,
    statement: str,
    documents: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Application:
    """A resident applies to a call. Every rule is checked here; the documents are checked by content
    before anything is written, and the application and its documents land together or not at all."""
    saved: list[ApplicationDocument] = []
    try:
        with transaction.atomic():
            return _application_submit(
                actor=actor,
                call=call,
                neighborhood=neighborhood,
                seat_type=seat_type,
                birth_date=birth_date,
                address=address,
                statement=statement,
                documents=documents or {},
                now=now or timezone.now(),
                saved=saved,
            )
    except BaseException:
        for document in saved:  # the rows rolled back; their files must not linger
            document.file.delete(save=False)
        raise


def _application_submit(
    *,
    actor: Any,
    call: RegistrationCall,
    neighborhood: Neighborhood | None,
    seat_type: SeatType | None,
    birth_date: date | None,
    address: str,
    statement: str,
    documents: Mapping[str, Any],
    now: datetime,
    saved: list[ApplicationDocument],
) -> Application:
    require_permission(actor, "elections.apply_to_call", call)
    # Locked: the call's state and its one-application-per-person rule are read under the same lock.
    call = RegistrationCall.objects.select_for_update().get(pk=call.pk)
    if call.state != CallState.OPEN or not call.opens_at <= now < call.closes_at:
        raise ConflictError(_("This call is not taking applications now."))
    if (
        Application.objects.filter(call=call, applicant_id=actor.pk)
        .exclude(state=ApplicationState.WITHDRAWN)
        .exists()
    ):
        raise ConflictError(
            _("You have already applied to this call. Withdraw that application to apply again.")
        )

    errors: dict[str, list[str]] = {}
    if neighborhood is None or not call.neighborhoods.filter(pk=neighborhood.pk).exists():
        errors["neighborhood"] = [_("Choose one of the call's neighborhoods.")]
    if seat_type is None or not call.seat_types.filter(pk=seat_type.pk).exists():
        errors["seat_type"] = [_("Choose one of the seats the call is for.")]
    if not isinstance(birth_date, date):
        errors["birth_date"] = [_("Enter your date of birth.")]
    else:
        on_closing = timezone.localtime(call.closes_at).date()
        age = _age_on(birth_date, on_closing)
        if birth_date > timezone.localdate(now) or age > OLDEST_AGE:
            errors["birth_date"] = [_("Enter a real date of birth.")]
        elif age < call.min_age:
            errors["birth_date"] = [
                _("Applicants must be at least %(age)s years old when the call closes.")
                % {"age": call.min_age}
            ]
    address = normalize_text(address or "")
    if not address:
        errors["address"] = [_("This field is required.")]
    elif len(address) > ADDRESS_MAX:
        errors["address"] = [_("At most %(limit)s characters.") % {"limit": ADDRESS_MAX}]
    statement = normalize_text(statement or "", multiline=True)
    if not statement:
        errors["statement"] = [_("Write a few words on why you are applying.")]
    elif len(statement) > STATEMENT_MAX:
        errors["statement"] = [_("At most %(limit)s characters.") % {"limit": STATEMENT_MAX}]
    if (
        call.residents_only
        and neighborhood is not None
        and "neighborhood" not in errors
        and not _verified_residency(user_id=actor.pk, neighborhood_id=neighborhood.pk)
    ):
        errors["neighborhood"] = [
            _(
                "This call is for verified residents of the neighborhood. Register your residency first "
                "and wait for the district to verify it."
            )
        ]
    required = {d["code"]: d for d in call.required_documents}
    checked: dict[str, Any] = {}
    for code in documents:
        if code not in required:
            errors[f"document_{code}"] = [_("The call does not ask for this document.")]
    for code in required:
        upload = documents.get(code)
        if upload is None:
            errors[f"document_{code}"] = [_("Attach this document.")]
            continue
        try:
            checked[code] = check_document(upload)
        except ValidationError as exc:
            errors[f"document_{code}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    assert neighborhood is not None and seat_type is not None and isinstance(birth_date, date)

    try:
        with transaction.atomic():
            application = Application.objects.create(
                **placement(neighborhood),
                call=call,
                applicant=actor,
                seat_type=seat_type,
                birth_date=birth_date,
                address=address,
                statement=statement,
            )
    except IntegrityError as exc:  # a twin request got there first
        raise ConflictError(_("You have already applied to this call.")) from exc
    for code, document in checked.items():
        row = ApplicationDocument(
            application=application, code=code, content_type=document.content_type, size=document.size
        )
        row.file.save(document.content.name, document.content, save=False)
        saved.append(row)
        row.save()
    event_record(
        actor=actor,
        action="elections.application.submitted",
        obj=application,
        after={
            "call": call.pk,
            "seat_type": seat_type.pk,
            "state": ApplicationState.SUBMITTED,
            "documents": sorted(checked),
        },
    )
    return application


@transaction.atomic
def application_transition(
    *,
    actor: Any,
    application: Application,
    to: str,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> Application:
    """Accept or reject an application (the district; a rejection needs a reason the applicant reads),
    or withdraw it (the applicant, while it waits)."""
    now = now or timezone.now()
    locked = (
        Application.objects.select_for_update().select_related("call", "applicant").get(pk=application.pk)
    )
    rule = _check_transition(
        table=APPLICATION_TRANSITIONS,
        choices=ApplicationState,
        noun=_("application"),
        actor=actor,
        obj=locked,
        current=locked.state,
        to=to,
        expected_state=expected_state,
    )
    reason = _reason(reason, rule)
    if locked.call.state not in REVIEWABLE_CALL_STATES:
        raise ConflictError(_("The call is closed: its applications can no longer change."))
    if (
        to == ApplicationState.ACCEPTED
        and locked.call.residents_only
        and not _verified_residency(user_id=locked.applicant_id, neighborhood_id=locked.neighborhood_id)
    ):
        raise ValidationError(
            {
                "reason": [
                    _(
                        "The applicant is not a verified resident of the neighborhood, and this call is for "
                        "residents only. Verify the residency first, or reject with a reason."
                    )
                ]
            }
        )
    before = locked.state
    locked.state = to
    fields = ["state"]
    if to in (ApplicationState.ACCEPTED, ApplicationState.REJECTED):
        locked.review_reason, locked.reviewed_by, locked.reviewed_at = reason, actor, now
        fields += ["review_reason", "reviewed_by", "reviewed_at"]
    locked.save(update_fields=fields)
    if to in (ApplicationState.ACCEPTED, ApplicationState.REJECTED):
        notify(
            recipient=locked.applicant,
            kind=f"elections.application.{to}",
            template="elections_application_reviewed",
            context={"call": locked.call.title, "state": to, "reason": reason},
            city_id=locked.city_id,
            neighborhood_id=locked.neighborhood_id,
        )
    event_record(
        actor=actor,
        action=f"elections.application.{to}",
        obj=locked,
        before={"state": before},
        after={"state": to, "reason": reason},
    )
    return locked


# --- residency ----------------------------------------------------------------------------------------


@transaction.atomic
def residency_claim(
    *, actor: Any, neighborhood: Neighborhood | None, address: str, postal_code: str
) -> Residency:
    """A signed-in person says where they live; the district or area verifies it before they may vote."""
    require_permission(actor, "elections.claim_residency", neighborhood)
    errors: dict[str, list[str]] = {}
    if neighborhood is None:
        errors["neighborhood"] = [_("Choose your neighborhood.")]
    address = normalize_text(address or "")
    if not address:
        errors["address"] = [_("This field is required.")]
    elif len(address) > ADDRESS_MAX:
        errors["address"] = [_("At most %(limit)s characters.") % {"limit": ADDRESS_MAX}]
    code = to_ascii_digits(str(postal_code or "")).replace("-", "").replace(" ", "")
    if not (len(code) == 10 and code.isascii() and code.isdigit()):
        errors["postal_code"] = [_("A postal code has 10 digits.")]
    if errors:
        raise ValidationError(errors)
    assert neighborhood is not None
    # Locks the person's live claim (if any): two tabs submitting at once cannot both pass the check.
    if (
        Residency.objects.select_for_update()
        .filter(user_id=actor.pk)
        .exclude(state=ResidencyState.REJECTED)
        .exists()
    ):
        raise ConflictError(
            _("You already have a residency registered or waiting. Ask the district to correct it.")
        )
    try:
        with transaction.atomic():
            residency = Residency.objects.create(
                **placement(neighborhood),
                user=actor,
                address=address,
                postal_code=code,
            )
    except IntegrityError as exc:
        raise ConflictError(_("You already have a residency registered or waiting.")) from exc
    # The address stays out of the log: the row itself is the record, and the log is read more widely.
    event_record(actor=actor, action="elections.residency.claimed", obj=residency, after={"state": "claimed"})
    return residency


@transaction.atomic
def residency_transition(
    *,
    actor: Any,
    residency: Residency,
    to: str,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> Residency:
    """Verify a residency, or refuse (or later revoke) it with a reason the resident reads."""
    now = now or timezone.now()
    locked = Residency.objects.select_for_update().select_related("user").get(pk=residency.pk)
    rule = _check_transition(
        table=RESIDENCY_TRANSITIONS,
        choices=ResidencyState,
        noun=_("residency"),
        actor=actor,
        obj=locked,
        current=locked.state,
        to=to,
        expected_state=expected_state,
    )
    reason = _reason(reason, rule)
    before = locked.state
    locked.state, locked.reason, locked.verified_by, locked.verified_at = to, reason, actor, now
    locked.save(update_fields=["state", "reason", "verified_by", "verified_at"])
    notify(
        recipient=locked.user,
        kind=f"elections.residency.{to}",
        template="elections_residency_reviewed",
        context={"neighborhood": str(locked.neighborhood), "state": to, "reason": reason},
        city_id=locked.city_id,
        neighborhood_id=locked.neighborhood_id,
    )
    event_record(
        actor=actor,
        action=f"elections.residency.{to}",
        obj=locked,
        before={"state": before},
        after={"state": to, "reason": reason},
    )
    return locked


# --- elections ----------------------------------------------------------------------------------------


def vacancies(*, council: Council, seat_type: SeatType) -> int:
    """How many seats of `seat_type` are empty on `council` now."""
    seated = Membership.objects.filter(council=council, seat_type=seat_type, ends_on__isnull=True).count()
    return max(seat_type.seats - seated, 0)


@transaction.atomic
def election_schedule(
    *,
    actor: Any,
    call: RegistrationCall,
    council: Council,
    seat_type: SeatType,
    opens_at: datetime,
    closes_at: datetime,
    now: datetime | None = None,
) -> Election:
    """Schedule the election of `seat_type`'s empty seats on `council`, among the call's accepted
    applicants for that seat in the council's neighborhood."""
    now = now or timezone.now()
    # Locked so two officers cannot schedule the same seats at once (the database refuses it too).
    council = Council.objects.select_for_update().get(pk=council.pk)
    call = RegistrationCall.objects.get(pk=call.pk)  # its state as it is now, not as the caller read it
    election = Election(
        **placement(council),
        call=call,
        council=council,
        seat_type=seat_type,
    )
    require_permission(actor, "elections.run_election", election)
    errors: dict[str, list[str]] = {}
    if (
        call.district_id != council.district_id
        or not call.neighborhoods.filter(pk=council.neighborhood_id).exists()
    ):
        errors["call"] = [_("The call does not cover this council's neighborhood.")]
    elif call.state not in ELECTION_CALL_STATES:
        errors["call"] = [_("Elections are held once the call's applications have been reviewed.")]
    if seat_type.fill != SeatFill.ELECTED or seat_type.template_id != council.seat_template_id:
        errors["seat_type"] = [_("Choose an elected seat of this council's composition.")]
    elif not call.seat_types.filter(pk=seat_type.pk).exists():
        errors["seat_type"] = [_("The call did not take applications for this seat.")]
    if council.state not in (CouncilState.FORMING, CouncilState.ACTIVE):
        errors["council"] = [_("Elections are held for a council that is forming or sitting.")]
    opens = _aware(opens_at, "opens_at", errors)
    closes = _aware(closes_at, "closes_at", errors)
    if opens and closes and closes <= opens:
        errors["closes_at"] = [_("The polls must close after they open.")]
    elif closes and closes <= now:
        errors["closes_at"] = [_("The polls must close in the future.")]
    if errors:
        raise ValidationError(errors)
    seats = vacancies(council=council, seat_type=seat_type)
    if seats < 1:
        raise ValidationError({"seat_type": [_("This seat has no vacancy on the council.")]})
    seated = Membership.objects.filter(council=council, ends_on__isnull=True).values("user_id")
    # Someone already seated on the council (in another seat) does not stand again.
    applications = list(
        Application.objects.exclude(applicant_id__in=seated)
        .filter(
            call=call,
            seat_type=seat_type,
            neighborhood_id=council.neighborhood_id,
            state=ApplicationState.ACCEPTED,
        )
        .order_by("submitted_at", "id")
    )
    if not applications:
        raise ValidationError({"seat_type": [_("No application for this seat has been accepted yet.")]})
    if Election.objects.filter(
        council=council,
        seat_type=seat_type,
        state__in=[ElectionState.SCHEDULED, ElectionState.OPEN, ElectionState.CLOSED],
    ).exists():
        raise ConflictError(_("An election for this seat is already under way."))
    election.seats, election.opens_at, election.closes_at = seats, opens, closes
    election.save()
    Candidate.objects.bulk_create(
        [Candidate(election=election, application=a, user_id=a.applicant_id) for a in applications]
    )
    event_record(
        actor=actor,
        action="elections.election.scheduled",
        obj=election,
        after={
            "council": council.pk,
            "seat_type": seat_type.pk,
            "seats": seats,
            "opens_at": opens,
            "closes_at": closes,
            "candidates": [a.pk for a in applications],
        },
    )
    return election


@transaction.atomic
def election_transition(
    *,
    actor: Any | None,
    election: Election,
    to: str,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> Election:
    """Open or close the polls (on time only), certify the result, or cancel, as the table allows.

    Closing counts the turnout and the eligible voters and ranks the candidates; certifying marks the
    elected and seats them on the council (through the councils' seating service)."""
    now = now or timezone.now()
    locked = Election.objects.select_for_update().get(pk=election.pk)
    rule = _check_transition(
        table=ELECTION_TRANSITIONS,
        choices=ElectionState,
        noun=_("election"),
        actor=actor,
        obj=locked,
        current=locked.state,
        to=to,
        expected_state=expected_state,
    )
    reason = _reason(reason, rule)
    if to == ElectionState.OPEN and now < locked.opens_at:
        raise TransitionNotAllowed(_("The polls cannot open before their opening time."))
    if to == ElectionState.CLOSED and now < locked.closes_at:
        raise TransitionNotAllowed(_("The polls cannot close before their closing time."))
    before = locked.state
    locked.state = to
    fields = ["state"]
    after: dict[str, Any] = {"state": to, "reason": reason}
    if to == ElectionState.CLOSED:
        fields += _count(locked)
        after.update(turnout=locked.turnout, eligible_voters=locked.eligible_voters)
    elif to == ElectionState.CERTIFIED:
        locked.certified_by, locked.certified_at = actor, now
        fields += ["certified_by", "certified_at"]
        after["elected"] = _certify(actor=actor, election=locked)
    locked.save(update_fields=fields)
    event_record(
        actor=actor, action=f"elections.election.{to}", obj=locked, before={"state": before}, after=after
    )
    return locked


def _entries(election: Election) -> list[Entry]:
    rows = (
        Candidate.objects.filter(election=election)
        .values_list("pk", "votes", "application__submitted_at", "application_id")
        .order_by("pk")
    )
    return [Entry(candidate_id=c, votes=v, submitted_at=s, application_id=a) for c, v, s, a in rows]


def _count(election: Election) -> list[str]:
    """At the close: the turnout, the eligible voters, and the ranks (elected is marked at certification)."""
    election.turnout = Ballot.objects.filter(election=election).count()
    election.eligible_voters = Residency.objects.filter(
        neighborhood_id=election.neighborhood_id, state=ResidencyState.VERIFIED
    ).count()
    for ranked in tally(_entries(election), seats=election.seats):
        Candidate.objects.filter(pk=ranked.candidate_id).update(rank=ranked.rank)
    return ["turnout", "eligible_voters"]


def _certify(*, actor: Any, election: Election) -> list[int]:
    """Mark every candidate's rank and whether elected, and seat the elected on the council."""
    from mahalat.councils.services import membership_seat  # the councils' one way to seat someone

    council = Council.objects.get(pk=election.council_id)
    seat_type = SeatType.objects.get(pk=election.seat_type_id)
    # Seats may have been filled (or emptied) since the polls were scheduled.
    seats = min(election.seats, vacancies(council=council, seat_type=seat_type))
    result = tally(_entries(election), seats=seats)
    users = dict(Candidate.objects.filter(election=election).values_list("pk", "user_id"))
    people = User.objects.in_bulk(list(users.values()))
    elected: list[int] = []
    for ranked in result:
        Candidate.objects.filter(pk=ranked.candidate_id).update(
            rank=ranked.rank, is_elected=ranked.is_elected
        )
        if ranked.is_elected:
            membership_seat(
                actor=actor,
                council=council,
                user=people[users[ranked.candidate_id]],
                seat_type=seat_type,
                election=election,
            )
            elected.append(ranked.candidate_id)
            notify(
                recipient=people[users[ranked.candidate_id]],
                kind="elections.election.elected",
                template="elections_elected",
                context={"neighborhood": str(council.neighborhood), "seat": str(seat_type)},
                city_id=election.city_id,
                neighborhood_id=election.neighborhood_id,
            )
    return elected


def elections_advance(*, now: datetime | None = None) -> int:
    """Open the elections whose polls are due to open and close those due to close; how many changed.

    The periodic job calls it (the system is the actor); each election changes in its own transaction
    and under its own lock, so a staff button pressed at the same moment is harmless."""
    now = now or timezone.now()
    changed = 0
    # Evaluated in turn: an election whose whole window passed between two runs opens, then closes.
    due = [
        (
            ElectionState.SCHEDULED,
            ElectionState.OPEN,
            Election.objects.filter(state=ElectionState.SCHEDULED, opens_at__lte=now),
        ),
        (
            ElectionState.OPEN,
            ElectionState.CLOSED,
            Election.objects.filter(state=ElectionState.OPEN, closes_at__lte=now),
        ),
    ]
    for before, after, queryset in due:
        for pk in list(queryset.order_by("pk").values_list("pk", flat=True)):
            try:
                election_transition(
                    actor=None, election=Election(pk=pk), to=after, expected_state=before, now=now
                )
            except ConflictError:
                continue  # someone moved it meanwhile
            changed += 1
    return changed


# --- voting -------------------------------------------------------------------------------------------


def voting_refusal(*, user: Any, election: Election, now: datetime | None = None) -> str | None:
    """Why this person cannot vote in this election now, in words they can act on; None if they can."""
    now = now or timezone.now()
    if not getattr(user, "is_authenticated", False):
        return _("Sign in to vote.")
    if election.state != ElectionState.OPEN or not election.opens_at <= now < election.closes_at:
        if election.state == ElectionState.SCHEDULED or now < election.opens_at:
            return _("The polls are not open yet.")
        return _("The polls are closed.")
    if not _verified_residency(user_id=user.pk, neighborhood_id=election.neighborhood_id):
        return _(
            "Only verified residents of this neighborhood vote. Register your residency and wait for the "
            "district to verify it."
        )
    if Ballot.objects.filter(election=election, voter_id=user.pk).exists():
        return _("You have already voted in this election.")
    return None


def ballot_cast(
    *, actor: Any, election: Election, candidate_ids: Sequence[Any], now: datetime | None = None
) -> Ballot:
    """Cast one secret ballot: up to `seats` distinct candidates of this election, at least one.

    One transaction writes the poll-book row (unique per voter and election) and adds one to each chosen
    candidate's counter. Nothing else is written: no event, no notification, no log — the choice is
    stored nowhere with the voter. The election row is locked for that short transaction, so closing
    (which takes the same lock) never counts the turnout beside a half-written ballot.
    """
    now = now or timezone.now()
    require_permission(actor, "elections.cast_ballot", election)
    try:
        with transaction.atomic():
            locked = Election.objects.select_for_update().get(pk=election.pk)
            if locked.state != ElectionState.OPEN or not locked.opens_at <= now < locked.closes_at:
                raise ConflictError(voting_refusal(user=actor, election=locked, now=now) or "")
            if Ballot.objects.filter(election=locked, voter_id=actor.pk).exists():
                raise AlreadyVoted(_("You have already voted in this election."))
            if not _verified_residency(user_id=actor.pk, neighborhood_id=locked.neighborhood_id):
                raise PermissionDenied(voting_refusal(user=actor, election=locked, now=now))
            chosen = _check_choices(election=locked, candidate_ids=candidate_ids)
            ballot = Ballot.objects.create(election=locked, voter=actor, voted_on=timezone.localdate(now))
            Candidate.objects.filter(election=locked, pk__in=chosen).update(votes=F("votes") + 1)
            return ballot
    except IntegrityError as exc:  # the same person's twin request, through another path
        raise AlreadyVoted(_("You have already voted in this election.")) from exc


def _check_choices(*, election: Election, candidate_ids: Sequence[Any]) -> list[int]:
    try:
        ids = [int(to_ascii_digits(str(c))) for c in candidate_ids]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"candidates": [_("Choose among the candidates listed.")]}) from exc
    if not ids:
        raise ValidationError({"candidates": [_("Choose at least one candidate.")]})
    if len(set(ids)) != len(ids):
        raise ValidationError({"candidates": [_("Choose each candidate at most once.")]})
    if len(ids) > election.seats:
        raise ValidationError(
            {"candidates": [_("Choose at most %(seats)s candidates.") % {"seats": election.seats}]}
        )
    known = set(Candidate.objects.filter(election=election, pk__in=ids).values_list("pk", flat=True))
    if known != set(ids):
        raise ValidationError({"candidates": [_("Choose among the candidates listed.")]})
    return ids
