"""Every write about councils: seat templates and policy (the deputy), councils and their lifecycle,
memberships and working groups (the district, and the council's officers for its working groups).

Each function is keyword-only, runs in one transaction, checks the actor's permission on the object it
changes, and appends an audit event. Rows a person acts on are locked (`select_for_update`) so that two
people acting at once are served one after the other.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mahalat.accounts.models import DISTRICT_ROLES, Role, RoleAssignment, ScopeKind
from mahalat.accounts.rules import require_permission
from mahalat.accounts.services import role_assign, role_revoke
from mahalat.audit.services import event_record, snapshot
from mahalat.councils.models import (
    Council,
    CouncilPolicy,
    CouncilState,
    CouncilTransition,
    MemberRole,
    Membership,
    MembershipEnd,
    SeatFill,
    SeatTemplate,
    SeatType,
    WorkingGroup,
    WorkingGroupKind,
    placement,
)
from mahalat.councils.selectors import policy_in_force
from mahalat.councils.workflow import CURRENT_STATES, ENDS_SEATS, SEATING_STATES, TRANSITIONS
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.notifications.services import notify
from mahalat.persian.text import normalize_text
from mahalat.territory.models import City, Neighborhood

MAX_SEAT_TYPES = 30
REASON_MAX = 2000
NAME_MAX = 120
OFFICE_MAX = 150

# The permissions each council role carries, as a role assignment over the neighborhood.
COUNCIL_ROLE_FOR = {
    MemberRole.CHAIR: Role.COUNCIL_CHAIR,
    MemberRole.SECRETARY: Role.COUNCIL_SECRETARY,
    MemberRole.VICE_CHAIR: Role.COUNCIL_MEMBER,
    MemberRole.MEMBER: Role.COUNCIL_MEMBER,
}
OFFICER_ROLES = frozenset({MemberRole.CHAIR, MemberRole.VICE_CHAIR, MemberRole.SECRETARY})

DEFAULT_WORKING_GROUPS: list[tuple[str, str]] = [
    (WorkingGroupKind.HEALTH, "کارگروه سلامت"),
    (WorkingGroupKind.LIVELIHOOD, "کارگروه اشتغال و معیشت"),
    (WorkingGroupKind.SECURITY, "کارگروه امنیت اجتماعی"),
    (WorkingGroupKind.CULTURE, "کارگروه فرهنگی و آموزشی"),
    (WorkingGroupKind.CIVIL_WORKS, "کارگروه عمران و خدمات شهری"),
    (WorkingGroupKind.ENVIRONMENT, "کارگروه محیط زیست"),
]


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when that day does not exist."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _clean_text(
    value: str, *, field: str, limit: int, errors: dict[str, list[str]], required: bool = False
) -> str:
    text = normalize_text(value or "", multiline=True)
    if len(text) > limit:
        errors.setdefault(field, []).append(_("At most %(limit)s characters.") % {"limit": limit})
    elif required and not text:
        errors.setdefault(field, []).append(_("This field is required."))
    return text


# --- seat templates and policy (the deputy) --------------------------------------------------------------


def _clean_seat_types(seat_types: Any) -> tuple[list[dict[str, Any]], list[str]]:
    errors: list[str] = []
    if not isinstance(seat_types, list) or not seat_types:
        return [], [_("A template needs at least one seat type.")]
    if len(seat_types) > MAX_SEAT_TYPES:
        return [], [_("A template has at most %(limit)s seat types.") % {"limit": MAX_SEAT_TYPES}]
    cleaned: list[dict[str, Any]] = []
    codes: set[str] = set()
    for index, raw in enumerate(seat_types, start=1):
        if not isinstance(raw, dict):
            errors.append(_("Seat type %(n)s is not valid.") % {"n": index})
            continue
        code = slugify(str(raw.get("code") or ""))[:40]
        name = normalize_text(str(raw.get("name") or ""))
        name_en = normalize_text(str(raw.get("name_en") or ""))
        fill = raw.get("fill")
        seats = raw.get("seats")
        label = {"n": index}
        if not code:
            errors.append(_("Seat type %(n)s needs a code (Latin letters, digits and dashes).") % label)
        elif code in codes:
            errors.append(
                _("The code “%(code)s” is used twice; each seat type needs its own.") % {"code": code}
            )
        codes.add(code)
        if not name or len(name) > NAME_MAX or len(name_en) > NAME_MAX:
            errors.append(_("Seat type %(n)s needs a name of at most 120 characters.") % label)
        if fill not in SeatFill.values:
            errors.append(_("Seat type %(n)s: choose how its seats are filled.") % label)
        if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= 30:
            errors.append(_("Seat type %(n)s needs between 1 and 30 seats.") % label)
        cleaned.append(
            {
                "code": code,
                "name": name,
                "name_en": name_en or name,
                "fill": fill,
                "seats": seats,
                "position": index,
            }
        )
    return cleaned, errors


@transaction.atomic
def seat_template_save(
    *,
    actor: Any,
    city: City,
    name: str,
    name_en: str,
    description: str,
    seat_types: list[dict[str, Any]],
    is_default: bool,
    template: SeatTemplate | None = None,
) -> SeatTemplate:
    """Create a seat template, or change `template`. A template some council already uses is never
    changed in place (its members sit in its seats): the change becomes a new template."""
    require_permission(actor, "councils.author_seat_template", SeatTemplate(city=city))
    errors: dict[str, list[str]] = {}
    name = _clean_text(name, field="name", limit=NAME_MAX, errors=errors, required=True)
    name_en = _clean_text(name_en, field="name_en", limit=NAME_MAX, errors=errors)
    description = _clean_text(description, field="description", limit=REASON_MAX, errors=errors)
    cleaned, seat_errors = _clean_seat_types(seat_types)
    if seat_errors:
        errors["seat_types"] = seat_errors
    if template is not None and template.city_id != city.pk:
        errors.setdefault("template", []).append(_("This template belongs to another city."))
    if errors:
        raise ValidationError(errors)
    if template is not None:
        template = SeatTemplate.objects.select_for_update().get(pk=template.pk)
        if template.councils.exists():
            template = None  # in use: keep it as it is and make a new one
    if is_default:
        SeatTemplate.objects.filter(city=city, is_default=True).exclude(
            pk=template.pk if template else None
        ).update(is_default=False)
    before = None
    if template is None:
        try:
            with transaction.atomic():
                template = SeatTemplate.objects.create(
                    city=city,
                    name=name,
                    name_en=name_en or name,
                    description=description,
                    is_default=is_default,
                )
        except IntegrityError as exc:  # another default was made at the same moment
            raise ConflictError(_("Another default template was saved at the same time. Try again.")) from exc
        action = "councils.seat_template.created"
    else:
        before = {
            **snapshot(template, ["name", "name_en", "description", "is_default"]),
            "seat_types": list(template.seat_types.values("code", "fill", "seats")),
        }
        template.name, template.name_en, template.description = name, name_en or name, description
        template.is_default = is_default
        template.save(update_fields=["name", "name_en", "description", "is_default"])
        template.seat_types.all().delete()
        action = "councils.seat_template.changed"
    SeatType.objects.bulk_create([SeatType(template=template, **row) for row in cleaned])
    event_record(
        actor=actor,
        action=action,
        obj=template,
        before=before,
        after={
            **snapshot(template, ["name", "name_en", "is_default"]),
            "seat_types": [{k: row[k] for k in ("code", "fill", "seats")} for row in cleaned],
        },
        city_id=city.pk,
    )
    return template


@transaction.atomic
def council_policy_save(
    *,
    actor: Any,
    city: City,
    in_force_from: date,
    term_months: int = 24,
    max_consecutive_terms: int = 2,
    quorum_numerator: int = 1,
    quorum_denominator: int = 2,
    meetings_per_month: int = 2,
    resolution_escalation_days: int = 30,
) -> CouncilPolicy:
    """A new council policy from a date. One already in force is history and is not rewritten; a future
    one with the same date is replaced."""
    require_permission(actor, "councils.set_council_policy", CouncilPolicy(city=city))
    today = timezone.localdate()
    existing = (
        CouncilPolicy.objects.select_for_update().filter(city=city, in_force_from=in_force_from).first()
    )
    if existing is not None and existing.in_force_from <= today:
        raise ValidationError(
            {
                "in_force_from": [
                    _("A policy already in force from this date cannot be changed; choose a later date.")
                ]
            }
        )
    policy = existing or CouncilPolicy(city=city, in_force_from=in_force_from)
    values = {
        "term_months": term_months,
        "max_consecutive_terms": max_consecutive_terms,
        "quorum_numerator": quorum_numerator,
        "quorum_denominator": quorum_denominator,
        "meetings_per_month": meetings_per_month,
        "resolution_escalation_days": resolution_escalation_days,
    }
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int):
            errors[field] = [_("Enter a whole number.")]
        setattr(policy, field, value)
    if not isinstance(in_force_from, date):
        errors["in_force_from"] = [_("Enter a valid date.")]
    if errors:
        raise ValidationError(errors)
    if in_force_from < today:
        errors["in_force_from"] = [_("A new policy cannot start in the past.")]
    if quorum_denominator >= 1 and not 0 <= quorum_numerator < quorum_denominator:
        errors["quorum_numerator"] = [_("The quorum must be a fraction below one (for example 1/2).")]
    try:
        policy.full_clean(exclude=["city", "quorum_numerator"] if "quorum_numerator" in errors else ["city"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    policy.save()
    event_record(
        actor=actor,
        action="councils.policy.saved",
        obj=policy,
        after={"in_force_from": in_force_from, **values},
        city_id=city.pk,
    )
    return policy


# --- councils and their lifecycle -------------------------------------------------------------------------


def _one_current_council_error() -> ValidationError:
    return ValidationError(
        {
            "neighborhood": [
                _("This neighborhood already has a council; end or dissolve it before forming another.")
            ]
        }
    )


@transaction.atomic
def council_create(
    *, actor: Any, neighborhood: Neighborhood, seat_template: SeatTemplate | None = None
) -> Council:
    """A new council, forming, for a neighborhood that has none in force (the city's default template)."""
    require_permission(actor, "councils.form_council", neighborhood)
    if seat_template is None:
        seat_template = SeatTemplate.objects.filter(city_id=neighborhood.city_id, is_default=True).first()
        if seat_template is None:
            raise ValidationError(
                {
                    "seat_template": [
                        _("The city has no default seat template yet; the deputy authors one first.")
                    ]
                }
            )
    elif seat_template.city_id != neighborhood.city_id:
        raise ValidationError({"seat_template": [_("Choose a seat template of this city.")]})
    if Council.objects.filter(neighborhood=neighborhood, state__in=CURRENT_STATES).exists():
        raise _one_current_council_error()
    last = Council.objects.filter(neighborhood=neighborhood).aggregate(n=Max("term_number"))["n"] or 0
    try:
        with transaction.atomic():
            council = Council.objects.create(
                seat_template=seat_template, term_number=last + 1, **placement(neighborhood)
            )
    except IntegrityError as exc:  # a council formed at the same moment won
        raise _one_current_council_error() from exc
    event_record(
        actor=actor,
        action="councils.council.created",
        obj=council,
        after={"seat_template": seat_template.pk, "term_number": council.term_number},
    )
    return council


def _district_staff(council: Council) -> list[Any]:
    assignments = (
        RoleAssignment.objects.active()
        .filter(role__in=DISTRICT_ROLES, district_id=council.district_id, scope_kind=ScopeKind.DISTRICT)
        .select_related("user")
    )
    return list({a.user_id: a.user for a in assignments}.values())


def _council_audience(council: Council) -> list[Any]:
    """The council's seated members and its district's staff."""
    people = {
        m.user_id: m.user
        for m in Membership.objects.filter(council=council, ends_on__isnull=True).select_related("user")
    }
    for person in _district_staff(council):
        people.setdefault(person.pk, person)
    return list(people.values())


def _notify_council(
    council: Council, *, actor: Any, people: list[Any], kind: str, template: str, context: dict[str, Any]
) -> None:
    """Everyone in `people` hears of a change, except the person who made it."""
    for person in people:
        if person.pk == getattr(actor, "pk", None):
            continue
        notify(
            recipient=person,
            kind=kind,
            template=template,
            context={"neighborhood": str(council.neighborhood), **context},
            city_id=council.city_id,
            neighborhood_id=council.neighborhood_id,
        )


def _end_all_seats(council: Council, *, actor: Any, reason: str, on: date) -> int:
    ended = 0
    for membership in Membership.objects.select_for_update().filter(council=council, ends_on__isnull=True):
        _end(membership, actor=actor, reason=reason, on=max(on, membership.starts_on))
        ended += 1
    return ended


@transaction.atomic
def council_transition(
    *,
    actor: Any | None,
    council: Council,
    to: str,
    reason: str = "",
    term_start: date | None = None,
    term_end: date | None = None,
    expected_state: str | None = None,
) -> Council:
    """Move a council to another state if the table allows it and the actor may.

    `actor=None` is the system (the term-end job). `expected_state` is the state the person saw: of two
    people acting on one council at once, the second is told it changed."""
    locked = Council.objects.select_for_update().select_related("neighborhood").get(pk=council.pk)
    if expected_state is not None and locked.state != expected_state:
        raise ConflictError(
            _(
                "This council changed while you were looking at it: it is now “%(state)s”. "
                "Reload and try again."
            )
            % {"state": CouncilState(locked.state).label}
        )
    rule = TRANSITIONS.get((locked.state, to))
    if rule is None or rule.via_renew_only:
        target = CouncilState(to).label if to in CouncilState.values else to
        if rule is not None:
            raise TransitionNotAllowed(
                _("A council's next term is opened with “renew”, not by a state change.")
            )
        raise TransitionNotAllowed(
            _("A council that is “%(current)s” cannot become “%(target)s”.")
            % {"current": CouncilState(locked.state).label, "target": target}
        )
    if actor is None:
        if not rule.system_may:
            raise PermissionDenied(_("Only a person can make this change."))
    else:
        require_permission(actor, rule.permission, locked)

    errors: dict[str, list[str]] = {}
    reason = _clean_text(
        reason, field="reason", limit=REASON_MAX, errors=errors, required="reason" in rule.requires
    )
    if "term_start" in rule.requires:
        if not isinstance(term_start, date):
            errors["term_start"] = [_("Give the date the term starts.")]
        else:
            if term_end is None:
                term_end = add_months(
                    term_start, policy_in_force(city_id=locked.city_id, on=term_start).term_months
                )
            if not isinstance(term_end, date) or term_end <= term_start:
                errors["term_end"] = [_("The term must end after it starts.")]
    if errors:
        raise ValidationError(errors)

    before = snapshot(locked, ["state", "term_start", "term_end", "state_reason"])
    now = timezone.now()
    locked.state, locked.state_changed_at = to, now
    changed = ["state", "state_changed_at", "state_reason"]
    locked.state_reason = reason
    if "term_start" in rule.requires:
        locked.term_start, locked.term_end = term_start, term_end
        changed += ["term_start", "term_end"]
    locked.save(update_fields=changed)
    audience = _council_audience(locked)  # before seats end: the members who sat hear of it too
    CouncilTransition.objects.create(
        council=locked,
        actor=actor,
        from_state=before["state"],
        to_state=to,
        reason=reason,
    )
    if to in ENDS_SEATS:
        why = MembershipEnd.TERM_ENDED if to == CouncilState.TERM_ENDED else MembershipEnd.DISSOLVED
        _end_all_seats(locked, actor=actor, reason=why, on=timezone.localdate())
    event_record(
        actor=actor,
        action=f"councils.council.{to}",
        obj=locked,
        before=before,
        after=snapshot(locked, ["state", "term_start", "term_end", "state_reason"]),
        note=reason,
    )
    _notify_council(
        locked,
        actor=actor,
        people=audience,
        kind=f"councils.council.{to}",
        template="council_state_changed",
        context={"state": to, "reason": reason},
    )
    council.state, council.term_start, council.term_end = locked.state, locked.term_start, locked.term_end
    council.state_reason, council.state_changed_at = locked.state_reason, locked.state_changed_at
    return locked


@transaction.atomic
def council_renew(*, actor: Any, council: Council) -> Council:
    """Close a term that has ended and open the next one, forming, under the city's default template
    (the old one when there is none). Any seat still open on the old council ends with the term."""
    locked = Council.objects.select_for_update().select_related("neighborhood").get(pk=council.pk)
    require_permission(actor, "councils.form_council", locked)
    if locked.state != CouncilState.TERM_ENDED:
        raise TransitionNotAllowed(
            _("Only a council whose term has ended can be renewed; this one is “%(state)s”.")
            % {"state": CouncilState(locked.state).label}
        )
    _end_all_seats(locked, actor=actor, reason=MembershipEnd.TERM_ENDED, on=timezone.localdate())
    locked.state, locked.state_changed_at = CouncilState.RENEWED, timezone.now()
    locked.save(update_fields=["state", "state_changed_at"])
    CouncilTransition.objects.create(
        council=locked, actor=actor, from_state=CouncilState.TERM_ENDED, to_state=CouncilState.RENEWED
    )
    template = (
        SeatTemplate.objects.filter(city_id=locked.city_id, is_default=True).first() or locked.seat_template
    )
    try:
        with transaction.atomic():
            successor = Council.objects.create(
                seat_template=template,
                term_number=locked.term_number + 1,
                predecessor=locked,
                **placement(locked),
            )
    except IntegrityError as exc:
        raise _one_current_council_error() from exc
    event_record(
        actor=actor,
        action="councils.council.renewed",
        obj=locked,
        before={"state": CouncilState.TERM_ENDED},
        after={"state": CouncilState.RENEWED, "successor": successor.pk},
    )
    event_record(
        actor=actor,
        action="councils.council.created",
        obj=successor,
        after={"seat_template": template.pk, "term_number": successor.term_number, "predecessor": locked.pk},
    )
    council.state = locked.state
    return successor


def councils_end_expired_terms(*, now: Any | None = None) -> int:
    """End the term of every active council whose term end has passed; the number ended. For a
    periodic job: each council in its own transaction, so one failure does not hold the others back."""
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    ended = 0
    for council in Council.objects.filter(state=CouncilState.ACTIVE, term_end__lt=today).only("pk"):
        try:
            council_transition(
                actor=None, council=council, to=CouncilState.TERM_ENDED, expected_state=CouncilState.ACTIVE
            )
        except ConflictError:
            continue  # someone changed it meanwhile
        ended += 1
    return ended


# --- memberships -----------------------------------------------------------------------------------------


def _consecutive_terms(council: Council, user: Any, limit: int) -> int:
    """How many terms in a row, just before `council`, the person sat on this neighborhood's council
    (at most `limit` are looked at: one query per term)."""
    count = 0
    previous_id = council.predecessor_id
    while previous_id is not None and count < limit:
        if not Membership.objects.filter(council_id=previous_id, user=user).exists():
            break
        count += 1
        previous_id = Council.objects.filter(pk=previous_id).values_list("predecessor_id", flat=True).first()
    return count


def _assign_council_role(council: Council, user: Any, role: str) -> RoleAssignment:
    # The seat itself is the authority: the permission to seat was checked, so the system assigns.
    return role_assign(
        actor=None,
        user=user,
        role=COUNCIL_ROLE_FOR[role],
        scope_kind=ScopeKind.NEIGHBORHOOD,
        scope_ref=council.neighborhood_id,
    )


def _officer_taken_error(role: str) -> ValidationError:
    return ValidationError(
        {
            "role": [
                _("This council already has a %(role)s; change their role first.")
                % {"role": MemberRole(role).label}
            ]
        }
    )


@transaction.atomic
def membership_seat(
    *,
    actor: Any,
    council: Council,
    user: Any,
    seat_type: SeatType,
    role: str = MemberRole.MEMBER,
    office: str = "",
    starts_on: date | None = None,
    election: Any | None = None,
    replaces: Membership | None = None,
) -> Membership:
    """Seat a person on a council in a free seat of its template, with the role assignment that gives
    them the council's permissions."""
    locked = Council.objects.select_for_update().select_related("neighborhood").get(pk=council.pk)
    require_permission(actor, "councils.seat_member", locked)
    errors: dict[str, list[str]] = {}
    if locked.state not in SEATING_STATES:
        raise TransitionNotAllowed(
            _("Members are seated only while a council is forming or active; this one is “%(state)s”.")
            % {"state": CouncilState(locked.state).label}
        )
    if role not in MemberRole.values:
        errors["role"] = [_("Choose a role.")]
    office = _clean_text(office, field="office", limit=OFFICE_MAX, errors=errors)
    if seat_type.template_id != locked.seat_template_id:
        errors["seat_type"] = [_("This seat is not part of this council's composition.")]
    starts_on = starts_on or timezone.localdate()
    if locked.term_end and starts_on > locked.term_end:
        errors["starts_on"] = [_("The seat cannot start after the council's term ends.")]
    if user is None or not getattr(user, "is_active", False):
        errors["user"] = [_("Choose an active account.")]
    if errors:
        raise ValidationError(errors)
    if seat_type.fill == SeatFill.EX_OFFICIO and not office:
        errors["office"] = [_("Name the office that holds this ex officio seat.")]
    taken = Membership.objects.filter(council=locked, seat_type=seat_type, ends_on__isnull=True).count()
    if taken >= seat_type.seats:
        errors["seat_type"] = [_("All seats of “%(seat)s” are taken.") % {"seat": seat_type}]
    if Membership.objects.filter(council=locked, user=user, ends_on__isnull=True).exists():
        errors["user"] = [_("This person already has a seat on this council.")]
    if (
        role in OFFICER_ROLES
        and Membership.objects.filter(council=locked, role=role, ends_on__isnull=True).exists()
    ):
        errors.update(_officer_taken_error(role).message_dict)
    policy = policy_in_force(city_id=locked.city_id, on=starts_on)
    if _consecutive_terms(locked, user, policy.max_consecutive_terms) >= policy.max_consecutive_terms:
        errors.setdefault("user", []).append(
            _("This person has already sat %(n)s terms in a row on this council, the most the policy allows.")
            % {"n": policy.max_consecutive_terms}
        )
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                council=locked,
                user=user,
                seat_type=seat_type,
                role=role,
                office=office,
                starts_on=starts_on,
                election=election,
                replaces=replaces,
                **placement(locked),
            )
    except IntegrityError as exc:  # someone was seated in the same role or seat at the same moment
        if role in OFFICER_ROLES:
            raise _officer_taken_error(role) from exc
        raise ValidationError({"user": [_("This person already has a seat on this council.")]}) from exc
    membership.role_assignment = _assign_council_role(locked, user, role)
    membership.save(update_fields=["role_assignment"])
    event_record(
        actor=actor,
        action="councils.membership.seated",
        obj=membership,
        after={
            "user": user.pk,
            "seat_type": seat_type.code,
            "role": role,
            "starts_on": starts_on,
            "election": getattr(election, "pk", None),
            "replaces": getattr(replaces, "pk", None),
        },
    )
    notify(
        recipient=user,
        kind="councils.membership.seated",
        template="council_member_seated",
        context={"neighborhood": str(locked.neighborhood), "seat": str(seat_type), "role": role},
        city_id=locked.city_id,
        neighborhood_id=locked.neighborhood_id,
    )
    return membership


def _lock_current(membership: Membership) -> Membership:
    locked = (
        Membership.objects.select_for_update()
        .select_related("council", "user", "seat_type")
        .get(pk=membership.pk)
    )
    if locked.ends_on is not None:
        raise ConflictError(_("This seat has already ended."))
    return locked


@transaction.atomic
def membership_set_role(*, actor: Any, membership: Membership, role: str) -> Membership:
    """Give a seated member another role; the role assignment follows."""
    locked = _lock_current(membership)
    require_permission(actor, "councils.seat_member", locked.council)
    if role not in MemberRole.values:
        raise ValidationError({"role": [_("Choose a role.")]})
    if role == locked.role:
        return locked
    if (
        role in OFFICER_ROLES
        and Membership.objects.filter(council_id=locked.council_id, role=role, ends_on__isnull=True)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise _officer_taken_error(role)
    before = locked.role
    locked.role = role
    try:
        with transaction.atomic():
            locked.save(update_fields=["role"])
    except IntegrityError as exc:
        raise _officer_taken_error(role) from exc
    if COUNCIL_ROLE_FOR[before] != COUNCIL_ROLE_FOR[role] or locked.role_assignment_id is None:
        if locked.role_assignment_id is not None:
            role_revoke(actor=None, assignment=locked.role_assignment)
        locked.role_assignment = _assign_council_role(locked.council, locked.user, role)
        locked.save(update_fields=["role_assignment"])
    event_record(
        actor=actor,
        action="councils.membership.role_changed",
        obj=locked,
        before={"role": before},
        after={"role": role},
    )
    notify(
        recipient=locked.user,
        kind="councils.membership.role_changed",
        template="council_member_role",
        context={"neighborhood": str(locked.council.neighborhood), "role": role},
        city_id=locked.city_id,
        neighborhood_id=locked.neighborhood_id,
    )
    return locked


def _end(membership: Membership, *, actor: Any, reason: str, on: date) -> Membership:
    membership.ends_on, membership.ended_reason = on, reason
    membership.save(update_fields=["ends_on", "ended_reason"])
    if membership.role_assignment_id is not None:
        role_revoke(actor=None, assignment=membership.role_assignment)
    event_record(
        actor=actor,
        action="councils.membership.ended",
        obj=membership,
        before={"ends_on": None},
        after={"ends_on": on, "reason": reason},
    )
    return membership


@transaction.atomic
def membership_end(*, actor: Any, membership: Membership, reason: str, on: date | None = None) -> Membership:
    """End a seat: the member resigns their own; the district removes a member or ends the seat
    (term ended, deceased). The member's council role assignment is revoked."""
    locked = _lock_current(membership)
    if reason not in MembershipEnd.values:
        raise ValidationError({"reason": [_("Choose why the seat ends.")]})
    if reason == MembershipEnd.RESIGNED:
        require_permission(actor, "councils.resign_membership", locked)
    else:
        require_permission(actor, "councils.seat_member", locked.council)
    on = on or timezone.localdate()
    if on < locked.starts_on:
        raise ValidationError({"on": [_("A seat cannot end before it started.")]})
    if on > timezone.localdate() + timedelta(days=366):
        raise ValidationError({"on": [_("Choose a date within the next year.")]})
    _end(locked, actor=actor, reason=reason, on=on)
    if getattr(actor, "pk", None) != locked.user_id:
        notify(
            recipient=locked.user,
            kind="councils.membership.ended",
            template="council_member_ended",
            context={"neighborhood": str(locked.council.neighborhood), "reason": reason},
            city_id=locked.city_id,
            neighborhood_id=locked.neighborhood_id,
        )
    if reason == MembershipEnd.RESIGNED:
        for person in _district_staff(locked.council):
            notify(
                recipient=person,
                kind="councils.membership.resigned",
                template="council_member_resigned",
                context={"neighborhood": str(locked.council.neighborhood), "member": locked.user.full_name},
                city_id=locked.city_id,
                neighborhood_id=locked.neighborhood_id,
            )
    membership.ends_on, membership.ended_reason = locked.ends_on, locked.ended_reason
    return locked


@transaction.atomic
def membership_replace_from_runners_up(*, actor: Any, membership: Membership) -> Membership | None:
    """Fill an ended elected seat with the best-ranked candidate of its election who was not elected and
    has no seat on the council; None when no runner-up is left."""
    from mahalat.elections.models import Candidate  # elections depends on councils, not the reverse

    locked = (
        Membership.objects.select_for_update().select_related("council", "seat_type").get(pk=membership.pk)
    )
    require_permission(actor, "councils.seat_member", locked.council)
    if locked.ends_on is None:
        raise ConflictError(_("Only a seat that has ended can be filled by a runner-up."))
    if locked.election_id is None:
        raise ValidationError(
            {"membership": [_("This seat was not filled by an election; seat someone directly.")]}
        )
    if Membership.objects.filter(replaces=locked).exists():
        raise ConflictError(_("This seat has already been filled by a runner-up."))
    seated = Membership.objects.filter(council_id=locked.council_id, ends_on__isnull=True).values("user_id")
    candidate = (
        Candidate.objects.filter(election_id=locked.election_id, is_elected=False, rank__isnull=False)
        .exclude(user_id__in=seated)
        .exclude(user_id=locked.user_id)
        .select_related("user")
        .order_by("rank", "id")
        .first()
    )
    if candidate is None:
        return None
    return membership_seat(
        actor=actor,
        council=locked.council,
        user=candidate.user,
        seat_type=locked.seat_type,
        election=locked.election,
        replaces=locked,
    )


# --- working groups --------------------------------------------------------------------------------------


def _current_member_of(
    council: Council, membership: Membership | None, field: str, errors: dict[str, list[str]]
) -> None:
    if membership is not None and (membership.council_id != council.pk or membership.ends_on is not None):
        errors.setdefault(field, []).append(_("Choose a current member of this council."))


@transaction.atomic
def working_group_save(
    *,
    actor: Any,
    council: Council,
    name: str,
    kind: str = WorkingGroupKind.OTHER,
    lead: Membership | None = None,
    group: WorkingGroup | None = None,
) -> WorkingGroup:
    """Create a working group of the council, or rename it and change its kind and lead."""
    require_permission(actor, "councils.manage_working_groups", council)
    errors: dict[str, list[str]] = {}
    name = _clean_text(name, field="name", limit=NAME_MAX, errors=errors, required=True)
    if kind not in WorkingGroupKind.values:
        errors["kind"] = [_("Choose a kind of working group.")]
    _current_member_of(council, lead, "lead", errors)
    if group is not None and group.council_id != council.pk:
        errors["group"] = [_("This working group belongs to another council.")]
    if (
        name
        and WorkingGroup.objects.filter(council=council, name=name)
        .exclude(pk=getattr(group, "pk", None))
        .exists()
    ):
        errors.setdefault("name", []).append(_("This council already has a working group with this name."))
    if errors:
        raise ValidationError(errors)
    if group is None:
        try:
            with transaction.atomic():
                group = WorkingGroup.objects.create(council=council, name=name, kind=kind, lead=lead)
        except IntegrityError as exc:
            raise ValidationError(
                {"name": [_("This council already has a working group with this name.")]}
            ) from exc
        before = None
    else:
        group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
        before = snapshot(group, ["name", "kind", "lead"])
        group.name, group.kind, group.lead = name, kind, lead
        group.save(update_fields=["name", "kind", "lead"])
    if lead is not None:
        group.members.add(lead)
    event_record(
        actor=actor,
        action="councils.working_group.saved",
        obj=group,
        before=before,
        after=snapshot(group, ["name", "kind", "lead"]),
        city_id=council.city_id,
        district_id=council.district_id,
        neighborhood_id=council.neighborhood_id,
    )
    return group


def _group_event(actor: Any, group: WorkingGroup, action: str, membership: Membership) -> None:
    council = group.council
    event_record(
        actor=actor,
        action=action,
        obj=group,
        after={"membership": membership.pk, "user": membership.user_id},
        city_id=council.city_id,
        district_id=council.district_id,
        neighborhood_id=council.neighborhood_id,
    )


@transaction.atomic
def working_group_member_add(*, actor: Any, group: WorkingGroup, membership: Membership) -> WorkingGroup:
    group = WorkingGroup.objects.select_for_update().select_related("council").get(pk=group.pk)
    require_permission(actor, "councils.manage_working_groups", group.council)
    errors: dict[str, list[str]] = {}
    _current_member_of(group.council, membership, "membership", errors)
    if errors:
        raise ValidationError(errors)
    group.members.add(membership)
    _group_event(actor, group, "councils.working_group.member_added", membership)
    return group


@transaction.atomic
def working_group_member_remove(*, actor: Any, group: WorkingGroup, membership: Membership) -> WorkingGroup:
    group = WorkingGroup.objects.select_for_update().select_related("council").get(pk=group.pk)
    require_permission(actor, "councils.manage_working_groups", group.council)
    group.members.remove(membership)
    if group.lead_id == membership.pk:
        group.lead = None
        group.save(update_fields=["lead"])
    _group_event(actor, group, "councils.working_group.member_removed", membership)
    return group


@transaction.atomic
def working_group_delete(*, actor: Any, group: WorkingGroup) -> None:
    group = WorkingGroup.objects.select_for_update().select_related("council").get(pk=group.pk)
    require_permission(actor, "councils.manage_working_groups", group.council)
    event_record(
        actor=actor,
        action="councils.working_group.deleted",
        obj=group,
        before=snapshot(group, ["name", "kind"]),
        city_id=group.council.city_id,
        district_id=group.council.district_id,
        neighborhood_id=group.council.neighborhood_id,
    )
    group.delete()


@transaction.atomic
def working_groups_create_defaults(*, actor: Any, council: Council) -> list[WorkingGroup]:
    """The six standard working groups (health, livelihood, security, culture, civil works and services,
    environment); those the council already has are left as they are."""
    require_permission(actor, "councils.manage_working_groups", council)
    have = set(WorkingGroup.objects.filter(council=council).values_list("kind", flat=True))
    created = [
        working_group_save(actor=actor, council=council, name=name, kind=kind)
        for kind, name in DEFAULT_WORKING_GROUPS
        if kind not in have
    ]
    return created
