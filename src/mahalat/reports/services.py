"""Every write about citizen reports: submission (with routing and deadlines), the one transition
service, and escalation of overdue reports."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from mahalat.accounts.models import COUNCIL_ROLES, DISTRICT_ROLES, ApiToken, Role, User
from mahalat.accounts.phone import normalize_phone
from mahalat.accounts.rules import require_permission
from mahalat.accounts.selectors import role_holders
from mahalat.accounts.throttle import check_not_throttled, record_failure
from mahalat.audit.services import event_record
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.notifications.services import neighborhood_followers_notify, notify
from mahalat.notifications.sms import send_sms
from mahalat.persian.digits import to_ascii_digits
from mahalat.persian.text import normalize_text, search_key
from mahalat.referrals.models import Agency
from mahalat.reports.models import (
    OPEN_STATES,
    Category,
    EscalationLevel,
    HandlerKind,
    Report,
    ReportFollow,
    ReportKind,
    ReportState,
    ReportTransition,
    RoutingRule,
)
from mahalat.reports.workflow import TRANSITIONS
from mahalat.territory.locate import locate, validate_coordinates
from mahalat.territory.models import City, Neighborhood, unit_bulk
from mahalat.territory.selectors import neighborhood_named_in
from mahalat.worktime.calendar import load_calendar, local_date

DESCRIPTION_MAX = 4000
ADDRESS_MAX = 300


# --- tracking codes ---------------------------------------------------------------------------------


def _check_digit(digits: str) -> str:
    """Luhn check digit, so that a mistyped code is caught before it is looked up."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return str((10 - total % 10) % 10)


def new_tracking_code() -> str:
    body = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(8))
    return body + _check_digit(body)


def tracking_code_is_well_formed(code: str) -> bool:
    return len(code) == 10 and code.isdigit() and _check_digit(code[:9]) == code[9]


# --- routing ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Route:
    handler_kind: str
    agency: Agency | None
    needs_routing: bool


def route(*, category: Category | None, neighborhood: Neighborhood) -> Route:
    """Category × territory → who handles it. What no rule can place goes to the district's triage queue."""
    if category is None:
        return Route(HandlerKind.DISTRICT, None, needs_routing=True)
    rule = (
        RoutingRule.objects.filter(category=category, district_id=neighborhood.district_id)
        .select_related("agency")
        .first()
    )
    kind, agency = (rule.handler_kind, rule.agency) if rule else (category.handler_kind, category.agency)
    if kind == HandlerKind.AGENCY and (agency is None or not agency.is_active):
        return Route(HandlerKind.DISTRICT, None, needs_routing=True)
    return Route(kind, agency if kind == HandlerKind.AGENCY else None, needs_routing=False)


# --- telling the reporter -----------------------------------------------------------------------------


def notify_reporter(report: Report, *, kind: str, template: str, extra: dict[str, Any] | None = None) -> None:
    """In the write's transaction: the reporter hears of it (an anonymous one by SMS only). Other apps
    whose work touches a report (council resolutions) tell its reporter through this too."""
    context = {"tracking_code": report.tracking_code, **(extra or {})}
    if report.reporter_id:
        notify(
            recipient=report.reporter,
            kind=kind,
            template=template,
            context=context,
            city_id=report.city_id,
            neighborhood_id=report.neighborhood_id,
        )
    elif report.reporter_phone:
        notify(
            recipient=None,
            phone=report.reporter_phone,
            kind=kind,
            template=template,
            context=context,
            channels=["sms"],
            city_id=report.city_id,
            neighborhood_id=report.neighborhood_id,
        )


def _notify_followers(report: Report, *, actor: Any | None, state: str) -> None:
    """Everyone following the report hears of its new state in the app (not the reporter, not the actor)."""
    skip = {report.reporter_id, getattr(actor, "pk", None)}
    followers = (
        ReportFollow.objects.filter(report=report)
        .exclude(user_id__in=[s for s in skip if s])
        .select_related("user")
    )
    for follow in followers:
        notify(
            recipient=follow.user,
            kind=f"reports.report.{state}",
            template="report_followed_changed",
            context={"tracking_code": report.tracking_code, "state": state},
            channels=["in_app"],
            city_id=report.city_id,
            neighborhood_id=report.neighborhood_id,
        )


def _verification_key(report_id: int) -> str:
    return f"report-verify:{report_id}"


def report_verification_send(*, report: Report, client_ip: str = "") -> None:
    """Send an anonymous reporter the code that confirms their phone and puts the report live.

    The code is sent straight to the SMS channel after commit, never stored in the outbox: it is a
    secret, and a lost one is simply asked for again.
    """
    if report.state != ReportState.UNVERIFIED or not report.reporter_phone:
        raise TransitionNotAllowed(_("This report does not wait for a phone confirmation."))
    idents = [report.reporter_phone, client_ip]
    check_not_throttled(kind="report-verify-send", idents=idents, limit=settings.OTP_MAX_SENDS_PER_WINDOW)
    record_failure(kind="report-verify-send", idents=idents)
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(
        _verification_key(report.pk),
        {"hash": ApiToken.hash_key(code), "attempts": 0},
        timeout=settings.OTP_TTL_SECONDS,
    )
    body = _("Mahalat: the code that confirms your report %(tracking)s is %(code)s.") % {
        "tracking": report.tracking_code,
        "code": code,
    }
    phone = report.reporter_phone
    transaction.on_commit(lambda: send_sms(to=phone, body=body))


def report_verify(*, tracking_code: str, code: str, client_ip: str = "") -> Report:
    """Confirm an anonymous report with the SMS code; the report goes live (state "submitted")."""
    wrong = ValidationError({"code": [_("The code is not correct or has expired. Ask for a new one.")]})
    report = Report.objects.filter(tracking_code=tracking_code.strip(), state=ReportState.UNVERIFIED).first()
    if report is None:
        raise wrong
    check_not_throttled(kind="report-verify", idents=[report.reporter_phone, client_ip])
    key = _verification_key(report.pk)
    entry = cache.get(key)
    if entry is None or entry["hash"] != ApiToken.hash_key(to_ascii_digits(code or "").strip()):
        record_failure(kind="report-verify", idents=[report.reporter_phone, client_ip])
        if entry is not None:
            entry["attempts"] += 1
            if entry["attempts"] >= settings.OTP_MAX_ATTEMPTS:
                cache.delete(key)
            else:
                cache.set(key, entry, timeout=settings.OTP_TTL_SECONDS)
        raise wrong
    cache.delete(key)
    return report_transition(
        actor=None, report=report, to=ReportState.SUBMITTED, expected_state=ReportState.UNVERIFIED
    )


# --- submission ---------------------------------------------------------------------------------------


@transaction.atomic
def report_submit(
    *,
    actor: Any | None,
    city: City,
    description: str,
    lat: object | None,
    lng: object | None,
    kind: str = ReportKind.PROBLEM,
    category_slug: str | None = None,
    address: str = "",
    answers: dict[str, Any] | None = None,
    show_name: bool = False,
    phone: str | None = None,
    now: datetime | None = None,
) -> Report:
    """File a report at a point. A signed-in resident's report goes live at once; an anonymous one
    waits (state "unverified") until the phone number is confirmed by an SMS code."""
    now = now or timezone.now()
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    errors: dict[str, list[str]] = {}

    text = normalize_text(description or "", multiline=True)
    if not text:
        errors["description"] = [_("Describe the problem, request or proposal.")]
    elif len(text) > DESCRIPTION_MAX:
        errors["description"] = [_("At most %(limit)s characters.") % {"limit": DESCRIPTION_MAX}]
    address = normalize_text(address or "")
    if len(address) > ADDRESS_MAX:
        errors["address"] = [_("At most %(limit)s characters.") % {"limit": ADDRESS_MAX}]
    if kind not in ReportKind.values:
        errors["kind"] = [_("Choose one of the kinds offered.")]

    category = None
    if category_slug:
        category = (
            Category.objects.filter(city=city, slug=category_slug, is_active=True)
            .select_related("agency")
            .first()
        )
        if category is None:
            errors["category"] = [_("There is no such category in this city.")]

    neighborhood = None
    if lat in (None, "") and lng in (None, "") and address:
        # No pin: a neighborhood named in the address stands for the point (its inside point).
        named = neighborhood_named_in(city=city, text=address)
        if named is not None and named.boundary:
            inside = shape(named.boundary).representative_point()
            lat, lng = inside.y, inside.x
    try:
        latitude, longitude = validate_coordinates(lat=lat, lng=lng)
    except ValidationError as exc:
        if lat in (None, "") and lng in (None, ""):
            errors["location"] = [_("Put a pin on the map, or name the neighborhood in the address.")]
        else:
            errors.update(exc.message_dict)
    else:
        found = locate(latitude, longitude)
        if found is None or found.city.id != city.pk:
            errors["location"] = [_("This point is outside every neighborhood of the city.")]
        else:
            neighborhood = (
                Neighborhood.objects.select_related("area", "district")
                .defer("boundary", *Neighborhood.PROFILE_FIELDS, *unit_bulk("area", "district"))
                .get(pk=found.neighborhood.id)
            )

    reporter_phone = ""
    if not signed_in:
        try:
            reporter_phone = normalize_phone(phone or "")
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if category is not None:
        errors.update(_check_answers(category, answers or {}))
    if errors:
        raise ValidationError(errors)
    assert neighborhood is not None

    routed = route(category=category, neighborhood=neighborhood)
    triage_hours = category.triage_hours if category else 8
    resolve_hours = category.resolve_hours if category else 56
    state = ReportState.SUBMITTED if signed_in else ReportState.UNVERIFIED
    calendar = load_calendar(city_id=city.pk, first_day=local_date(now))  # once for the three deadlines
    report = Report(
        city=city,
        # The loaded rows rather than their ids, so that whoever shows the new report needs no query.
        district=neighborhood.district,
        area=neighborhood.area,
        neighborhood=neighborhood,
        category=category,
        kind=kind,
        description=text,
        search_key=search_key(text),
        lat=latitude,
        lng=longitude,
        address=address,
        answers=answers or {},
        reporter=actor if signed_in else None,
        reporter_phone="" if signed_in else reporter_phone,
        show_name=bool(show_name) and signed_in,
        is_public=category.public_by_default if category else True,
        state=state,
        handler_kind=routed.handler_kind,
        handler_agency=routed.agency,
        needs_routing=routed.needs_routing,
        triage_due_at=calendar.add_working_time(start=now, hours=triage_hours),
        resolve_due_at=calendar.add_working_time(start=now, hours=resolve_hours),
        deputy_due_at=calendar.add_working_time(start=now, hours=2 * resolve_hours),
        submitted_at=now,
        state_changed_at=now,
    )
    for _attempt in range(5):
        report.tracking_code = new_tracking_code()
        try:
            with transaction.atomic():
                report.save()
            break
        except IntegrityError:
            if Report.objects.filter(tracking_code=report.tracking_code).exists():
                continue  # a one-in-a-billion collision: draw another code
            raise
    ReportTransition.objects.create(
        report=report,
        city_id=report.city_id,
        neighborhood_id=report.neighborhood_id,
        actor=report.reporter,
        from_state="",
        to_state=state,
    )
    if state == ReportState.SUBMITTED:
        notify_reporter(report, kind="reports.report.submitted", template="report_submitted")
    else:
        report_verification_send(report=report)
    event_record(
        actor=report.reporter,
        action="reports.report.submitted",
        obj=report,
        after={
            "tracking_code": report.tracking_code,
            "state": state,
            "category": category_slug,
            "handler_kind": routed.handler_kind,
            "needs_routing": routed.needs_routing,
        },
    )
    return report


def _check_answers(category: Category, answers: dict[str, Any]) -> dict[str, list[str]]:
    """The category's extra questions: required ones answered, values of the right type."""
    errors: dict[str, list[str]] = {}
    if not isinstance(answers, dict):
        return {"answers": [_("Answers must be given question by question.")]}
    known = {q.get("code"): q for q in category.questions if isinstance(q, dict)}
    for code in answers:
        if code not in known:
            errors[f"answers.{code}"] = [_("This category does not ask this question.")]
    for code, question in known.items():
        value = answers.get(code)
        if value in (None, "", []):
            if question.get("required"):
                errors[f"answers.{code}"] = [_("This field is required.")]
            continue
        datatype = question.get("datatype", "string")
        allowed = {str(v.get("key")) for v in question.get("values", []) if isinstance(v, dict)}
        if datatype == "number":
            try:
                float(str(value))
            except ValueError:
                errors[f"answers.{code}"] = [_("Enter a number.")]
        elif datatype == "singlevaluelist" and str(value) not in allowed:
            errors[f"answers.{code}"] = [_("Choose one of the values offered.")]
        elif datatype == "multivaluelist" and (
            not isinstance(value, list) or not {str(v) for v in value} <= allowed
        ):
            errors[f"answers.{code}"] = [_("Choose among the values offered.")]
        elif datatype in {"string", "text"} and len(str(value)) > 1000:
            errors[f"answers.{code}"] = [_("At most %(limit)s characters.") % {"limit": 1000}]
    return errors


# --- the lifecycle ------------------------------------------------------------------------------------


@transaction.atomic
def report_transition(
    *,
    actor: Any | None,
    report: Report,
    to: str,
    note: str = "",
    expected_state: str | None = None,
    duplicate_of: Report | None = None,
    referral: Any | None = None,
    now: datetime | None = None,
) -> Report:
    """Move a report to another state, if the table allows it and the actor may.

    `actor=None` is the system (periodic jobs); `expected_state` is the state the person saw, so that
    of two officers acting on one report at once only the first succeeds. `referral` is the referral
    the report now follows (given by `referrals.services.referral_create`, the only way to refer one).
    """
    now = now or timezone.now()
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if expected_state is not None and locked.state != expected_state:
        raise ConflictError(
            _(
                "This report changed while you were looking at it: it is now “%(state)s”. "
                "Reload and try again."
            )
            % {"state": ReportState(locked.state).label}
        )
    rule = TRANSITIONS.get((locked.state, to))
    if rule is None:
        target = ReportState(to).label if to in ReportState.values else to
        raise TransitionNotAllowed(
            _("A report that is “%(current)s” cannot become “%(target)s”.")
            % {"current": ReportState(locked.state).label, "target": target}
        )
    if actor is None:
        if not rule.system_may:
            raise PermissionDenied(_("Only a person can make this change."))
    elif rule.permission is None:
        raise PermissionDenied(_("Only the system makes this change."))
    else:
        require_permission(actor, rule.permission, locked)

    note = normalize_text(note or "", multiline=True)
    errors: dict[str, list[str]] = {}
    if len(note) > DESCRIPTION_MAX:
        errors["note"] = [_("At most %(limit)s characters.") % {"limit": DESCRIPTION_MAX}]
    if "note" in rule.requires and not note:
        errors["note"] = [_("Write a note for the citizen.")]
    if "reason" in rule.requires and not note:
        errors["note"] = [_("Write the reason; the citizen will see it.")]
    if "duplicate_of" in rule.requires:
        errors.update(_check_original(locked, duplicate_of))
    if "referral" in rule.requires and (
        referral is None or getattr(referral, "report_id", None) != locked.pk
    ):
        errors["referral"] = [_("Refer a report by sending a referral to an agency or a municipal unit.")]
    if errors:
        raise ValidationError(errors)

    before_state = locked.state
    locked.state = to
    locked.state_changed_at = now
    changed = ["state", "state_changed_at"]
    was_referred = before_state == ReportState.REFERRED
    if to == ReportState.REJECTED:
        locked.rejection_reason = note
        changed.append("rejection_reason")
    elif to == ReportState.DUPLICATE:
        locked.duplicate_of = _original_of(duplicate_of)
        changed.append("duplicate_of")
    elif to == ReportState.REFERRED:
        assert referral is not None
        locked.handler_agency = referral.target_agency or (
            locked.handler_agency if locked.handler_kind == HandlerKind.AGENCY else None
        )
        changed.append("handler_agency")
    elif to == ReportState.RESOLVED:
        locked.resolution_note, locked.resolved_at = note, now
        changed += ["resolution_note", "resolved_at"]
    elif to == ReportState.CLOSED:
        locked.closed_at = now
        changed.append("closed_at")
    elif to == ReportState.REOPENED:
        locked.resolved_at = None
        changed.append("resolved_at")
    if was_referred and to != ReportState.REFERRED and locked.handler_kind != HandlerKind.AGENCY:
        locked.handler_agency = None  # handed back: the agency that had it no longer reaches it
        changed.append("handler_agency")
    if to == ReportState.TRIAGED:
        locked.needs_routing = False
        changed.append("needs_routing")
    locked.save(update_fields=changed)
    ReportTransition.objects.create(
        report=locked,
        city_id=locked.city_id,
        neighborhood_id=locked.neighborhood_id,
        actor=actor,
        from_state=before_state,
        to_state=to,
        note=note,
    )
    if actor is None or actor.pk != locked.reporter_id:
        template = "report_submitted" if to == ReportState.SUBMITTED else "report_state_changed"
        notify_reporter(
            locked,
            kind=f"reports.report.{to}",
            template=template,
            extra={"state": to, "note": note if to != ReportState.SUBMITTED else ""},
        )
    _notify_followers(locked, actor=actor, state=to)
    if to == ReportState.RESOLVED and locked.is_public:
        neighborhood_followers_notify(
            neighborhood_id=locked.neighborhood_id,
            city_id=locked.city_id,
            kind="reports.report.resolved",
            template="neighborhood_news",
            context={
                "event": "report",
                "neighborhood": locked.neighborhood.name,
                "number": locked.tracking_code,
                "title": str(locked.category) if locked.category_id else "",
            },
            exclude_user_ids=[getattr(actor, "pk", None), locked.reporter_id],
            # A report resolved, reopened and resolved again is news once.
            dedupe_key=f"neighborhood.report-resolved:{locked.pk}",
        )
    event_record(
        actor=actor,
        action=f"reports.report.{to}",
        obj=locked,
        before={"state": before_state},
        after={
            "state": to,
            "note": note,
            "referral": getattr(referral, "pk", None),
            "duplicate_of": locked.duplicate_of_id,
        },
    )
    return locked


def _original_of(report: Report | None) -> Report | None:
    """Follow a duplicate to the report it duplicates, so chains never form."""
    seen = set()
    while report is not None and report.duplicate_of_id and report.pk not in seen:
        seen.add(report.pk)
        report = report.duplicate_of
    return report


def _check_original(report: Report, original: Report | None) -> dict[str, list[str]]:
    original = _original_of(original)
    if original is None:
        return {"duplicate_of": [_("Name the report this one repeats.")]}
    if original.pk == report.pk or original.city_id != report.city_id:
        return {"duplicate_of": [_("A report cannot duplicate itself or a report of another city.")]}
    if original.state in {ReportState.REJECTED, ReportState.UNVERIFIED}:
        return {"duplicate_of": [_("The original must be a live report.")]}
    return {}


# --- escalation -----------------------------------------------------------------------------------------


@dataclass
class EscalationStats:
    to_district: int = 0
    to_deputy: int = 0


def reports_escalate_overdue(*, now: datetime | None = None, batch: int = 500) -> EscalationStats:
    """Raise overdue reports one level: from the area to the district, then to the deputy's attention list.

    - to the district: the triage deadline passed while the report was still untouched, or the
      resolution deadline passed while it was open;
    - to the deputy: still open a whole resolution window after its resolution deadline
      (`deputy_due_at`), or never even triaged by its resolution deadline.
    The level only rises, so each breach escalates once however often the periodic job runs.
    """
    now = now or timezone.now()
    stats = EscalationStats()
    deputy_due = Q(state__in=OPEN_STATES, deputy_due_at__lt=now) | Q(
        state=ReportState.SUBMITTED, resolve_due_at__lt=now
    )
    district_due = Q(state=ReportState.SUBMITTED, triage_due_at__lt=now) | Q(
        state__in=OPEN_STATES, resolve_due_at__lt=now
    )
    for level, due in ((EscalationLevel.DEPUTY, deputy_due), (EscalationLevel.DISTRICT, district_due)):
        ids = list(
            Report.objects.filter(due, escalation_level__lt=level)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        for report_id in ids:
            if _escalate(report_id=report_id, level=level, due=due, now=now):
                if level == EscalationLevel.DEPUTY:
                    stats.to_deputy += 1
                else:
                    stats.to_district += 1
    return stats


@transaction.atomic
def _escalate(*, report_id: int, level: int, due: Q, now: datetime) -> bool:
    # Re-checked under the lock: an officer may have acted since the list was read.
    locked = (
        Report.objects.select_for_update()
        .select_related("neighborhood")
        .filter(due, pk=report_id, escalation_level__lt=level)
        .first()
    )
    if locked is None:
        return False
    before = locked.escalation_level
    locked.escalation_level, locked.escalated_at = level, now
    locked.save(update_fields=["escalation_level", "escalated_at"])
    event_record(
        actor=None,
        action="reports.report.escalated",
        obj=locked,
        before={"escalation_level": before},
        after={"escalation_level": level},
    )
    for person in _escalation_recipients(locked, level):
        notify(
            recipient=person,
            kind="reports.escalation",
            template="report_escalated",
            context={
                "tracking_code": locked.tracking_code,
                "level": level,
                "neighborhood": locked.neighborhood.name,
            },
            city_id=locked.city_id,
            neighborhood_id=locked.neighborhood_id,
            dedupe_key=f"report:{locked.pk}:escalation:{level}",
        )
    return True


def _escalation_recipients(report: Report, level: int) -> list[User]:
    """Who must hear of an overdue report: the next level up, and the neighborhood's council."""
    who = Q(role__in=COUNCIL_ROLES, neighborhood_id=report.neighborhood_id)
    if level == EscalationLevel.DISTRICT:
        who |= Q(role__in=DISTRICT_ROLES, district_id=report.district_id)
        who |= Q(role=Role.AREA_OFFICER, area_id=report.area_id)
    else:
        who |= Q(role=Role.DEPUTY, city_id=report.city_id)
        who |= Q(role=Role.DISTRICT_MANAGER, district_id=report.district_id)
    return role_holders(who=who)


# --- categories -----------------------------------------------------------------------------------------

QUESTION_DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}\Z")


def _check_questions(questions: object) -> list[str]:
    if not isinstance(questions, list):
        return [_("The questions must be a list.")]
    problems: list[str] = []
    codes: set[str] = set()
    for i, q in enumerate(questions, start=1):
        if not isinstance(q, dict):
            problems.append(_("Question %(n)s is not an object.") % {"n": i})
            continue
        code = q.get("code")
        if not isinstance(code, str) or not _CODE_RE.match(code) or code in codes:
            problems.append(
                _("Question %(n)s needs a unique code of lowercase letters and digits.") % {"n": i}
            )
        else:
            codes.add(code)
        if not q.get("label") or not q.get("label_en"):
            problems.append(_("Question %(n)s needs a Persian and an English label.") % {"n": i})
        if q.get("datatype") not in QUESTION_DATATYPES:
            problems.append(_("Question %(n)s has an unknown type.") % {"n": i})
        elif q["datatype"].endswith("valuelist"):
            values = q.get("values")
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, dict) and v.get("key") and v.get("name") for v in values)
            ):
                problems.append(
                    _("Question %(n)s needs a list of values, each with a key and a name.") % {"n": i}
                )
    return problems


@transaction.atomic
def category_save(
    *,
    actor: Any | None,
    city: City,
    slug: str,
    name: str,
    name_en: str,
    handler_kind: str,
    agency_slug: str | None = None,
    parent_slug: str | None = None,
    triage_hours: int = 8,
    resolve_hours: int = 56,
    public_by_default: bool = True,
    duplicate_radius_m: int = 150,
    keywords: str = "",
    questions: list[dict[str, Any]] | None = None,
) -> tuple[Category, bool]:
    """Create or update a category of a city (its service levels are policy: the deputy or the
    administrator of the city). Returns the category and whether it was created."""
    if actor is not None:
        require_permission(actor, "reports.configure_categories", city)
    errors: dict[str, list[str]] = {}
    name, name_en = normalize_text(name or ""), normalize_text(name_en or "")
    if not _CODE_RE.match(slug or ""):
        errors["slug"] = [_("Use lowercase letters, digits and hyphens.")]
    if not name:
        errors["name"] = [_("This field is required.")]
    if not name_en:
        errors["name_en"] = [_("This field is required.")]
    if handler_kind not in HandlerKind.values:
        errors["handler_kind"] = [_("Choose the area, the district or an agency.")]
    agency = None
    if handler_kind == HandlerKind.AGENCY:
        agency = Agency.objects.filter(city=city, slug=agency_slug or "").first()
        if agency is None:
            errors["agency"] = [_("Choose an executive agency of this city.")]
    parent = None
    if parent_slug:
        parent = Category.objects.filter(city=city, slug=parent_slug).first()
        if parent is None or parent_slug == slug:
            errors["parent"] = [_("There is no such category in this city.")]
    for field, value, low, high in (
        ("triage_hours", triage_hours, 1, 2000),
        ("resolve_hours", resolve_hours, 1, 8000),
        ("duplicate_radius_m", duplicate_radius_m, 0, 5000),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[field] = [_("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}]
    if isinstance(triage_hours, int) and isinstance(resolve_hours, int) and resolve_hours < triage_hours:
        errors["resolve_hours"] = [_("Resolving cannot take less time than triaging.")]
    question_problems = _check_questions(questions or [])
    if question_problems:
        errors["questions"] = question_problems
    if errors:
        raise ValidationError(errors)
    values = {
        "name": name,
        "name_en": name_en,
        "handler_kind": handler_kind,
        "agency": agency,
        "parent": parent,
        "triage_hours": triage_hours,
        "resolve_hours": resolve_hours,
        "public_by_default": public_by_default,
        "duplicate_radius_m": duplicate_radius_m,
        "keywords": normalize_text(keywords or ""),
        "questions": questions or [],
    }
    category = Category.objects.select_for_update().filter(city=city, slug=slug).first()
    created = category is None
    if category is None:
        category = Category.objects.create(city=city, slug=slug, **values)
        event_record(
            actor=actor,
            action="reports.category.created",
            obj=category,
            after={"slug": slug, **{k: v for k, v in values.items() if k not in {"agency", "parent"}}},
        )
        return category, True
    before = {k: getattr(category, k) for k, v in values.items() if getattr(category, k) != v}
    if before:
        for key in before:
            setattr(category, key, values[key])
        category.save()
        event_record(
            actor=actor,
            action="reports.category.updated",
            obj=category,
            before=dict(before.items()),
            after={k: values[k] for k in before},
        )
    return category, created


def reports_close_resolved(*, now: datetime | None = None, batch: int = 500) -> int:
    """Close reports resolved more than REPORT_AUTO_CLOSE_DAYS ago that the reporter neither confirmed
    nor reopened (a periodic job; the system is the actor)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REPORT_AUTO_CLOSE_DAYS)
    ids = list(
        Report.objects.filter(state=ReportState.RESOLVED, resolved_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:batch]
    )
    closed = 0
    for report_id in ids:
        try:
            report_transition(
                actor=None,
                report=Report(pk=report_id),
                to=ReportState.CLOSED,
                expected_state=ReportState.RESOLVED,
                now=now,
            )
        except ConflictError:
            continue  # the reporter acted meanwhile
        closed += 1
    return closed
