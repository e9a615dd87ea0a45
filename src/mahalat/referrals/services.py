"""Every write about executive agencies and referrals: the registry, the service-level agreements, the
referral itself (made from a citizen report, a council resolution or directly by a district), the one
transition service, and the periodic reminders and escalations.

A report that is referred follows its referral: referring it moves the report to "referred", a decline
hands it back to the municipality ("in progress"), "done" resolves it, reopening refers it again. The
citizen hears of each step through the reports app's `notify_reporter`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import COUNCIL_ROLES, DISTRICT_ROLES, ApiToken, Role, User
from mahalat.accounts.rules import has_permission, require_permission
from mahalat.accounts.selectors import role_holders
from mahalat.audit.services import event_record
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.notifications.services import notify
from mahalat.persian.text import normalize_text
from mahalat.referrals.models import (
    OPEN_REFERRAL_STATES,
    WAITING_FOR_ANSWER_STATES,
    Agency,
    AgencyKind,
    AlarmKind,
    DeadlineKind,
    Referral,
    ReferralAlarm,
    ReferralAttachment,
    ReferralEscalation,
    ReferralState,
    ReferralTransition,
    ServiceAgreement,
    SourceKind,
    TargetKind,
)
from mahalat.referrals.webhooks import webhook_enqueue
from mahalat.referrals.workflow import TRANSITIONS
from mahalat.reports.models import Category, Report, ReportState
from mahalat.reports.services import notify_reporter, report_transition
from mahalat.reports.workflow import TRANSITIONS as REPORT_TRANSITIONS
from mahalat.resolutions.models import OPEN_RESOLUTION_STATES, Resolution
from mahalat.territory.models import Area, City, District, Neighborhood
from mahalat.territory.scope import Scope
from mahalat.uploads import check_document
from mahalat.worktime.calendar import TEHRAN, load_calendar, local_date

SUBJECT_MAX = 200
NOTE_MAX = 4000
ATTACHMENTS_MAX = 5
_SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _text(
    value: str | None, *, field: str, limit: int, errors: dict[str, list[str]], multiline: bool = False
) -> str:
    text = normalize_text(value or "", multiline=multiline)
    if len(text) > limit:
        errors[field] = [_("At most %(limit)s characters.") % {"limit": limit}]
    return text


# --- the registry ---------------------------------------------------------------------------------------


@transaction.atomic
def agency_save(
    *,
    actor: Any | None,
    city: City,
    slug: str,
    name: str,
    name_en: str,
    kind: str,
    contact_person: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    address: str = "",
    is_citywide: bool = True,
    district_slugs: list[str] | None = None,
    is_active: bool = True,
) -> tuple[Agency, bool]:
    """Create or update an agency of the city's registry (policy: the deputy or the administrator).
    Returns the agency and whether it was created."""
    if actor is not None:
        require_permission(actor, "referrals.manage_agency", city)
    errors: dict[str, list[str]] = {}
    slug = (slug or "").strip().lower()
    if not slug or len(slug) > 80 or not set(slug) <= _SLUG_CHARS:
        errors["slug"] = [_("Use lowercase letters, digits and hyphens.")]
    name = _text(name, field="name", limit=160, errors=errors)
    name_en = _text(name_en, field="name_en", limit=160, errors=errors)
    if not name:
        errors["name"] = [_("This field is required.")]
    if not name_en:
        errors["name_en"] = [_("This field is required.")]
    if kind not in AgencyKind.values:
        errors["kind"] = [_("Choose one of the kinds offered.")]
    contact_person = _text(contact_person, field="contact_person", limit=150, errors=errors)
    contact_phone = _text(contact_phone, field="contact_phone", limit=32, errors=errors)
    address = _text(address, field="address", limit=300, errors=errors)
    contact_email = (contact_email or "").strip()
    if contact_email:
        from django.core.validators import validate_email

        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = [_("Enter a valid email address.")]
    districts = list(District.objects.filter(city=city, slug__in=district_slugs or []))
    if not is_citywide and (not districts or len(districts) != len(set(district_slugs or []))):
        errors["districts"] = [_("Choose the districts of this city the agency serves.")]
    if errors:
        raise ValidationError(errors)
    existing = Agency.objects.select_for_update().filter(slug=slug).first()
    if existing is not None and existing.city_id != city.pk:
        raise ValidationError({"slug": [_("This code is taken by an agency of another city.")]})
    values = {
        "name": name,
        "name_en": name_en,
        "kind": kind,
        "contact_person": contact_person,
        "contact_phone": contact_phone,
        "contact_email": contact_email,
        "address": address,
        "is_citywide": bool(is_citywide),
        "is_active": bool(is_active),
    }
    if existing is None:
        agency = Agency.objects.create(city=city, slug=slug, **values)
        before: dict[str, Any] = {}
    else:
        agency = existing
        before = {k: getattr(agency, k) for k, v in values.items() if getattr(agency, k) != v}
        for key in before:
            setattr(agency, key, values[key])
        if before:
            agency.save()
    agency.districts.set([] if is_citywide else districts)
    event_record(
        actor=actor,
        action="referrals.agency.created" if existing is None else "referrals.agency.updated",
        obj=agency,
        before=before,
        after={
            **{k: values[k] for k in (values if existing is None else before)},
            "districts": sorted(d.slug for d in districts) if not is_citywide else [],
        },
    )
    return agency, existing is None


def agency_serves(agency: Agency, district_id: int) -> bool:
    """Whether the agency's jurisdiction covers the district (one query unless city-wide)."""
    return agency.is_citywide or agency.districts.filter(pk=district_id).exists()


@transaction.atomic
def agency_integration_set(*, actor: Any, agency: Agency, webhook_url: str, webhook_active: bool) -> Agency:
    """Where the agency's system receives referrals. A secret is made the first time (see rotation)."""
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    require_permission(actor, "referrals.manage_integration", locked)
    url = (webhook_url or "").strip()
    errors: dict[str, list[str]] = {}
    if url:
        from django.core.validators import URLValidator

        try:
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError:
            errors["webhook_url"] = [_("Enter a full web address starting with https://.")]
        if len(url) > 400:
            errors["webhook_url"] = [_("At most %(limit)s characters.") % {"limit": 400}]
    elif webhook_active:
        errors["webhook_url"] = [_("Give the address before turning delivery on.")]
    if errors:
        raise ValidationError(errors)
    before = {"webhook_url": locked.webhook_url, "webhook_active": locked.webhook_active}
    locked.webhook_url = url
    locked.webhook_active = bool(webhook_active) and bool(url)
    if not locked.webhook_secret:
        locked.webhook_secret = "whsec_" + secrets.token_urlsafe(32)
    locked.save(update_fields=["webhook_url", "webhook_active", "webhook_secret"])
    event_record(
        actor=actor,
        action="referrals.agency.integration_set",
        obj=locked,
        before=before,
        after={"webhook_url": locked.webhook_url, "webhook_active": locked.webhook_active},
    )
    return locked


@transaction.atomic
def agency_webhook_secret_rotate(*, actor: Any, agency: Agency) -> str:
    """A new signing secret; the old one stops working at once. Returns the new secret."""
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    require_permission(actor, "referrals.manage_integration", locked)
    locked.webhook_secret = "whsec_" + secrets.token_urlsafe(32)
    locked.save(update_fields=["webhook_secret"])
    event_record(actor=actor, action="referrals.agency.secret_rotated", obj=locked)
    return locked.webhook_secret


@transaction.atomic
def agency_token_issue(*, actor: Any, agency: Agency, name: str = "") -> tuple[str, ApiToken]:
    """A bearer token for the agency's own system, issued by one of its liaisons. It acts as that
    liaison over this agency only, whatever else the person holds; it is shown once."""
    require_permission(actor, "referrals.manage_integration", agency)
    if not has_permission(actor, "governance.act_for_agency", agency):
        raise PermissionDenied(_("Only a liaison of this agency can issue its system a token."))
    key = "mht_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        agency=agency,
        key_hash=ApiToken.hash_key(key),
        prefix=key[4:12],
        name=normalize_text(name or "")[:100] or str(_("Agency system")),
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    event_record(
        actor=actor, action="referrals.agency.token_issued", obj=agency, after={"token": token.prefix}
    )
    return key, token


@transaction.atomic
def agency_token_revoke(*, actor: Any, token: ApiToken) -> None:
    locked = ApiToken.objects.select_for_update(of=("self",)).select_related("agency").get(pk=token.pk)
    if locked.agency is None:
        raise PermissionDenied(_("This is not an agency system's token."))
    require_permission(actor, "referrals.manage_integration", locked.agency)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        event_record(
            actor=actor,
            action="referrals.agency.token_revoked",
            obj=locked.agency,
            after={"token": locked.prefix},
        )


# --- service-level agreements ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hours:
    acknowledge: int
    answer: int
    finish: int


def default_hours() -> Hours:
    ack, answer, finish = settings.REFERRAL_DEFAULT_HOURS
    return Hours(acknowledge=ack, answer=answer, finish=finish)


def agreement_hours(*, city_id: int, agency_id: int | None, category_id: int | None) -> Hours:
    """The agreement that governs a referral: the body × category one, else the body's default, else the
    city's setting (REFERRAL_DEFAULT_HOURS). `agency_id=None` is a municipal unit. One query."""
    body = Q(agency_id=agency_id) if agency_id is not None else Q(agency__isnull=True, city_id=city_id)
    rows = {
        row.category_id: row
        for row in ServiceAgreement.objects.filter(body).filter(
            Q(category__isnull=True) | Q(category_id=category_id)
        )
    }
    found = rows.get(category_id) if category_id is not None else None
    found = found or rows.get(None)
    if found is None:
        return default_hours()
    return Hours(acknowledge=found.acknowledge_hours, answer=found.answer_hours, finish=found.finish_hours)


@transaction.atomic
def agreement_save(
    *,
    actor: Any | None,
    city: City,
    agency: Agency | None,
    category: Category | None,
    acknowledge_hours: Any,
    answer_hours: Any,
    finish_hours: Any,
) -> tuple[ServiceAgreement, bool]:
    """Set how fast a body must act on the city's referrals (of one category, or by default). Policy:
    the deputy (or the administrator); districts only use it."""
    if actor is not None:
        require_permission(actor, "referrals.set_service_agreement", city)
    errors: dict[str, list[str]] = {}
    if agency is not None and agency.city_id != city.pk:
        errors["agency"] = [_("Choose an executive agency of this city.")]
    if category is not None and category.city_id != city.pk:
        errors["category"] = [_("There is no such category in this city.")]
    values: dict[str, int] = {}
    for field, value, high in (
        ("acknowledge_hours", acknowledge_hours, 2000),
        ("answer_hours", answer_hours, 4000),
        ("finish_hours", finish_hours, 8000),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            errors[field] = [_("Enter a whole number from %(low)s to %(high)s.") % {"low": 1, "high": high}]
        else:
            values[field] = value
    if len(values) == 3 and not (
        values["acknowledge_hours"] <= values["answer_hours"] <= values["finish_hours"]
    ):
        errors["answer_hours"] = [
            _("Acknowledging cannot take longer than answering, nor answering longer than finishing.")
        ]
    if errors:
        raise ValidationError(errors)
    body = Q(agency=agency) if agency is not None else Q(agency__isnull=True, city=city)
    row = (
        ServiceAgreement.objects.select_for_update()
        .filter(body)
        .filter(Q(category=category) if category is not None else Q(category__isnull=True))
        .first()
    )
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    if row is None:
        row = ServiceAgreement.objects.create(
            city=city, agency=agency, category=category, updated_by=actor_user, **values
        )
        event_record(actor=actor, action="referrals.agreement.created", obj=row, after=values)
        return row, True
    before = {k: getattr(row, k) for k, v in values.items() if getattr(row, k) != v}
    if before:
        for key in before:
            setattr(row, key, values[key])
        row.updated_by = actor_user
        row.save()
        event_record(
            actor=actor,
            action="referrals.agreement.updated",
            obj=row,
            before=before,
            after={k: values[k] for k in before},
        )
    return row, False


@transaction.atomic
def agreement_delete(*, actor: Any, agreement: ServiceAgreement) -> None:
    """Remove an agreement: its referrals keep their deadlines; new ones fall back to the default."""
    locked = ServiceAgreement.objects.select_for_update().get(pk=agreement.pk)
    require_permission(actor, "referrals.set_service_agreement", locked.city)
    event_record(
        actor=actor,
        action="referrals.agreement.deleted",
        obj=locked,
        before={
            "acknowledge_hours": locked.acknowledge_hours,
            "answer_hours": locked.answer_hours,
            "finish_hours": locked.finish_hours,
        },
    )
    locked.delete()


# --- making a referral ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deadlines:
    acknowledge: datetime
    answer: datetime
    finish: datetime


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=TEHRAN)


def referral_deadlines(
    *, city_id: int, hours: Hours, start: datetime, finish_by: date | None = None
) -> Deadlines:
    """The three deadlines from the agreement, counted in the city's working time from `start`; a
    `finish_by` day earlier than the agreement's shortens them (never lengthens)."""
    calendar = load_calendar(city_id=city_id, first_day=local_date(start))
    ack = calendar.add_working_time(start=start, hours=hours.acknowledge)
    answer = calendar.add_working_time(start=start, hours=hours.answer)
    finish = calendar.add_working_time(start=start, hours=hours.finish)
    if finish_by is not None:
        latest = local_date(finish)
        if finish_by > latest:
            raise ValidationError(
                {
                    "deadline": [
                        _(
                            "The agreement with this body allows until %(latest)s at most; a deadline can be "
                            "shortened, not lengthened."
                        )
                        % {"latest": _jalali(latest)}
                    ]
                }
            )
        if finish_by < local_date(start):
            raise ValidationError({"deadline": [_("The deadline cannot be in the past.")]})
        finish = min(finish, _end_of_day(finish_by))
        answer = min(answer, finish)
        ack = min(ack, answer)
    return Deadlines(acknowledge=ack, answer=answer, finish=finish)


def _jalali(day: date) -> str:
    from mahalat.persian.jalali import format_jalali_date

    return format_jalali_date(day)


@dataclass(frozen=True, slots=True)
class Target:
    kind: str
    agency: Agency | None = None
    district: District | None = None
    area: Area | None = None


def _check_target(target: Target, *, city_id: int, district_id: int, errors: dict[str, list[str]]) -> None:
    if target.kind == TargetKind.AGENCY:
        agency = target.agency
        if agency is None or agency.city_id != city_id or not agency.is_active:
            errors["target"] = [_("Choose an active executive agency of this city.")]
        elif not agency_serves(agency, district_id):
            errors["target"] = [_("This agency does not serve the district; choose one that does.")]
    elif target.kind == TargetKind.DISTRICT:
        if target.district is None or target.district.city_id != city_id:
            errors["target"] = [_("Choose a district of this city.")]
    elif target.kind == TargetKind.AREA:
        if target.area is None or target.area.district.city_id != city_id:
            errors["target"] = [_("Choose an area of this city.")]
    else:
        errors["target"] = [_("Choose an agency or a municipal unit to refer to.")]


class _Probe:
    """Where a referral about to be made would sit, for the permission check."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope


@transaction.atomic
def referral_create(
    *,
    actor: Any,
    target: Target,
    subject: str,
    note: str = "",
    report: Report | None = None,
    resolution: Resolution | None = None,
    district: District | None = None,
    neighborhood: Neighborhood | None = None,
    category: Category | None = None,
    deadline: date | None = None,
    share_reporter_contact: bool = False,
    attachments: list[Any] | None = None,
    now: datetime | None = None,
) -> Referral:
    """Refer a citizen report, a council resolution, or (with `district`) a matter of the district's own
    to an agency or another municipal unit, with deadlines from the agreement (shortened by `deadline`).

    A referred report moves to "referred" (a report still waiting for triage is triaged first) and
    follows the referral from then on; a report follows one referral at a time."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if sum(x is not None for x in (report, resolution)) > 1:
        raise ValidationError({"source": [_("Refer one thing at a time: a report or a resolution.")]})

    locked_report: Report | None = None
    locked_resolution: Resolution | None = None
    if report is not None:
        locked_report = Report.objects.select_for_update().get(pk=report.pk)
        place = {
            "city_id": locked_report.city_id,
            "district_id": locked_report.district_id,
            "area_id": locked_report.area_id,
            "neighborhood_id": locked_report.neighborhood_id,
        }
        source_kind = SourceKind.REPORT
        category = category or (
            Category.objects.filter(pk=locked_report.category_id).first()
            if locked_report.category_id
            else None
        )
    elif resolution is not None:
        locked_resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
        place = {
            "city_id": locked_resolution.city_id,
            "district_id": locked_resolution.district_id,
            "area_id": locked_resolution.area_id,
            "neighborhood_id": locked_resolution.neighborhood_id,
        }
        source_kind = SourceKind.RESOLUTION
    else:
        if district is None:
            raise ValidationError({"district": [_("Say which district sends the referral.")]})
        if neighborhood is not None and neighborhood.district_id != district.pk:
            raise ValidationError({"neighborhood": [_("Choose a neighborhood of this district.")]})
        place = {
            "city_id": district.city_id,
            "district_id": district.pk,
            "area_id": neighborhood.area_id if neighborhood else None,
            "neighborhood_id": neighborhood.pk if neighborhood else None,
        }
        source_kind = SourceKind.DIRECT
    require_permission(actor, "referrals.send_referral", _Probe(Scope(**place)))

    if locked_report is not None and locked_report.state not in {
        ReportState.SUBMITTED,
        ReportState.TRIAGED,
        ReportState.IN_PROGRESS,
        ReportState.REOPENED,
    }:
        raise TransitionNotAllowed(
            _("A report that is “%(state)s” cannot be referred.")
            % {"state": ReportState(locked_report.state).label}
        )
    if locked_resolution is not None and locked_resolution.state not in OPEN_RESOLUTION_STATES:
        raise TransitionNotAllowed(_("Only a resolution still being carried out can be referred."))
    if category is not None and category.city_id != place["city_id"]:
        errors["category"] = [_("There is no such category in this city.")]
    _check_target(target, city_id=place["city_id"], district_id=place["district_id"], errors=errors)
    subject = _text(subject, field="subject", limit=SUBJECT_MAX, errors=errors)
    if not subject:
        errors["subject"] = [_("Give the referral a subject.")]
    note = _text(note, field="note", limit=NOTE_MAX, errors=errors, multiline=True)
    uploads = [u for u in (attachments or []) if u]
    if len(uploads) > ATTACHMENTS_MAX:
        errors["attachments"] = [_("At most %(limit)s attachments.") % {"limit": ATTACHMENTS_MAX}]
    checked = []
    for upload in uploads[:ATTACHMENTS_MAX]:
        try:
            checked.append((upload, check_document(upload)))
        except ValidationError as exc:
            errors["attachments"] = exc.messages
            break
    hours = agreement_hours(
        city_id=place["city_id"],
        agency_id=target.agency.pk if target.kind == TargetKind.AGENCY and target.agency else None,
        category_id=category.pk if category else None,
    )
    deadlines = None
    try:
        deadlines = referral_deadlines(city_id=place["city_id"], hours=hours, start=now, finish_by=deadline)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    assert deadlines is not None

    referral = Referral(
        **place,
        source_kind=source_kind,
        report=locked_report,
        resolution=locked_resolution,
        target_kind=target.kind,
        target_agency=target.agency if target.kind == TargetKind.AGENCY else None,
        target_district=(
            target.district
            if target.kind == TargetKind.DISTRICT
            else (target.area.district if target.kind == TargetKind.AREA and target.area else None)
        ),
        target_area=target.area if target.kind == TargetKind.AREA else None,
        category=category,
        subject=subject,
        note=note,
        share_reporter_contact=bool(share_reporter_contact) and locked_report is not None,
        state=ReferralState.SENT,
        sent_by=actor,
        sent_at=now,
        state_changed_at=now,
        acknowledge_due_at=deadlines.acknowledge,
        answer_due_at=deadlines.answer,
        finish_due_at=deadlines.finish,
    )
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError as exc:
        if (
            locked_report is not None
            and Referral.objects.filter(report=locked_report, state__in=OPEN_REFERRAL_STATES).exists()
        ):
            raise ConflictError(
                _("This report is already referred; wait for the answer or follow up that referral.")
            ) from exc
        raise
    ReferralTransition.objects.create(
        referral=referral,
        city_id=referral.city_id,
        actor=actor,
        from_state="",
        to_state=ReferralState.SENT,
        at=now,
    )
    for upload, document in checked:
        attachment = ReferralAttachment(
            referral=referral,
            original_name=(getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200],
            content_type=document.content_type,
            size=document.size,
            uploaded_by=actor,
        )
        attachment.file.save(document.content.name, document.content, save=False)
        attachment.save()

    if locked_report is not None:
        if locked_report.state == ReportState.SUBMITTED:
            locked_report = report_transition(
                actor=actor, report=locked_report, to=ReportState.TRIAGED, now=now
            )
        report_transition(
            actor=actor,
            report=locked_report,
            to=ReportState.REFERRED,
            referral=referral,
            note=_("Referred to %(body)s.") % {"body": referral.target_label},
            now=now,
        )
    event_record(
        actor=actor,
        action="referrals.referral.sent",
        obj=referral,
        after={
            "source": source_kind,
            "report": locked_report.tracking_code if locked_report else None,
            "resolution": locked_resolution.pk if locked_resolution else None,
            "target_kind": referral.target_kind,
            "target": referral.target_label,
            "subject": subject,
            "share_reporter_contact": referral.share_reporter_contact,
            "deadline": deadline.isoformat() if deadline else None,
            "attachments": len(checked),
        },
    )
    _notify_receivers(referral, kind="referrals.received", template="referral_received")
    webhook_enqueue(referral=referral, event="referral.sent", now=now)
    return referral


# --- the lifecycle --------------------------------------------------------------------------------------


@transaction.atomic
def referral_transition(
    *,
    actor: Any,
    referral: Referral,
    to: str,
    note: str = "",
    reason: str = "",
    suggested_body: str = "",
    suggested_agency: Agency | None = None,
    response: str = "",
    planned_date: date | None = None,
    expected_state: str | None = None,
    now: datetime | None = None,
) -> Referral:
    """Move a referral to another state, if the table allows it and the actor may.

    `expected_state` is the state the person saw: of two people acting on one referral at once only the
    first succeeds (the other gets a conflict, 409 in the API)."""
    now = now or timezone.now()
    if referral.report_id is not None:
        # The report first, then the referral, in the order `referral_create` takes them: two people
        # acting on one report through two referrals never wait for each other in a circle.
        Report.objects.select_for_update().filter(pk=referral.report_id).values_list("pk").first()
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("target_agency", "target_district", "target_area")
        .get(pk=referral.pk)
    )
    # Someone who may not see the referral is refused before anything else: a conflict or a refused
    # move would tell them its state.
    if actor is None or not has_permission(actor, "referrals.view_referral", locked):
        raise PermissionDenied(_("You do not have permission to do this here."))
    if expected_state is not None and locked.state != expected_state:
        raise ConflictError(
            _(
                "This referral changed while you were looking at it: it is now “%(state)s”. "
                "Reload and try again."
            )
            % {"state": ReferralState(locked.state).label}
        )
    rule = TRANSITIONS.get((locked.state, to))
    if rule is None:
        target = ReferralState(to).label if to in ReferralState.values else to
        raise TransitionNotAllowed(
            _("A referral that is “%(current)s” cannot become “%(target)s”.")
            % {"current": ReferralState(locked.state).label, "target": target}
        )
    if actor is None or rule.permission is None:
        raise PermissionDenied(_("Only a person can make this change."))
    require_permission(actor, rule.permission, locked)
    if (
        to == ReferralState.REOPENED
        and locked.report_id is not None
        and Referral.objects.filter(report_id=locked.report_id, state__in=OPEN_REFERRAL_STATES)
        .exclude(pk=locked.pk)
        .exists()
    ):
        # Reopening a finished referral of a report that has since been referred again elsewhere.
        raise ConflictError(
            _("This report is already referred; wait for the answer or follow up that referral.")
        )

    errors: dict[str, list[str]] = {}
    note = _text(note, field="note", limit=NOTE_MAX, errors=errors, multiline=True)
    reason = _text(reason or note, field="reason", limit=NOTE_MAX, errors=errors, multiline=True)
    response = _text(response or note, field="response", limit=NOTE_MAX, errors=errors, multiline=True)
    suggested_body = _text(suggested_body, field="suggested_body", limit=200, errors=errors)
    if "reason" in rule.requires and not reason:
        errors["reason"] = [_("Write the reason; the citizen will see it.")]
    if "response" in rule.requires and not response:
        errors["response"] = [_("Write the answer; the citizen will see it.")]
    if "planned_date" in rule.requires:
        if not isinstance(planned_date, date):
            errors["planned_date"] = [_("Give the date by which the work will be done.")]
        elif planned_date < local_date(now):
            errors["planned_date"] = [_("The planned date cannot be in the past.")]
    if "note" in rule.requires and not note:
        errors["note"] = [_("Write why it is reopened; the other side will see it.")]
    if suggested_agency is not None and (
        suggested_agency.city_id != locked.city_id or suggested_agency.pk == locked.target_agency_id
    ):
        errors["suggested_agency"] = [_("Suggest another agency of this city.")]
    if errors:
        raise ValidationError(errors)

    before_state = locked.state
    locked.state, locked.state_changed_at = to, now
    changed = ["state", "state_changed_at"]
    stored_note = note
    if to == ReferralState.ACKNOWLEDGED:
        locked.acknowledged_at = now
        changed.append("acknowledged_at")
    elif to == ReferralState.ACCEPTED:
        locked.accepted_at = now
        changed.append("accepted_at")
    elif to == ReferralState.DECLINED:
        locked.declined_at, locked.decline_reason = now, reason
        locked.suggested_body = suggested_body or (str(suggested_agency) if suggested_agency else "")
        locked.suggested_agency = suggested_agency
        changed += ["declined_at", "decline_reason", "suggested_body", "suggested_agency"]
        stored_note = reason
    elif to == ReferralState.ANSWERED:
        locked.answered_at, locked.response, locked.planned_date = now, response, planned_date
        changed += ["answered_at", "response", "planned_date"]
        stored_note = response
    elif to == ReferralState.DONE:
        locked.done_at = now
        changed.append("done_at")
    elif to == ReferralState.REOPENED:
        # A new round: the body owes a new answer, with fresh deadlines from the agreement.
        hours = agreement_hours(
            city_id=locked.city_id, agency_id=locked.target_agency_id, category_id=locked.category_id
        )
        fresh = referral_deadlines(city_id=locked.city_id, hours=hours, start=now)
        locked.reopen_count += 1
        locked.done_at = None
        locked.answer_due_at, locked.finish_due_at = fresh.answer, fresh.finish
        locked.acknowledge_due_at = min(locked.acknowledge_due_at, fresh.answer)
        changed += ["reopen_count", "done_at", "answer_due_at", "finish_due_at", "acknowledge_due_at"]
    locked.save(update_fields=changed)
    ReferralTransition.objects.create(
        referral=locked,
        city_id=locked.city_id,
        actor=actor,
        from_state=before_state,
        to_state=to,
        note=stored_note,
        at=now,
    )
    _follow_in_report(locked, actor=actor, to=to, now=now)
    event_record(
        actor=actor,
        action=f"referrals.referral.{to}",
        obj=locked,
        before={"state": before_state},
        after={
            "state": to,
            "note": stored_note,
            "planned_date": planned_date.isoformat()
            if planned_date and to == ReferralState.ANSWERED
            else None,
            "suggested_body": locked.suggested_body if to == ReferralState.DECLINED else None,
        },
    )
    context = _context(locked, state=to, note=stored_note)
    if has_permission(actor, "referrals.receive_referral", locked):
        _notify_senders(locked, kind=f"referrals.referral.{to}", template="referral_changed", context=context)
    else:
        _notify_receivers(
            locked, kind=f"referrals.referral.{to}", template="referral_changed", context=context
        )
    webhook_enqueue(referral=locked, event=f"referral.{to}", now=now)
    return locked


def _follow_in_report(referral: Referral, *, actor: Any, to: str, now: datetime) -> None:
    """The report a referral came from follows it, and its reporter hears what the body said."""
    if referral.report_id is None:
        return
    report = Report.objects.select_for_update().get(pk=referral.report_id)
    body = referral.target_label
    if to == ReferralState.DECLINED and report.state == ReportState.REFERRED:
        text = _("%(body)s declined it: %(reason)s") % {"body": body, "reason": referral.decline_reason}
        if referral.suggested_body:
            text += " " + _("Suggested body: %(suggested)s.") % {"suggested": referral.suggested_body}
        report_transition(actor=None, report=report, to=ReportState.IN_PROGRESS, note=text, now=now)
    elif to == ReferralState.ANSWERED and report.state == ReportState.REFERRED:
        notify_reporter(
            report,
            kind="referrals.answered",
            template="referral_answered",
            extra={
                "body": body,
                "response": referral.response,
                "planned_date": referral.planned_date.isoformat() if referral.planned_date else "",
            },
        )
    elif to == ReferralState.DONE and report.state == ReportState.REFERRED:
        text = referral.response or _("%(body)s reports the work done.") % {"body": body}
        report_transition(actor=None, report=report, to=ReportState.RESOLVED, note=text, now=now)
    elif to == ReferralState.REOPENED and (report.state, ReportState.REFERRED) in REPORT_TRANSITIONS:
        # Resolved, reopened by its citizen, or handed back after another body declined it since.
        report_transition(
            actor=actor,
            report=report,
            to=ReportState.REFERRED,
            referral=referral,
            note=_("Referred again to %(body)s.") % {"body": body},
            now=now,
        )


# --- who hears of it ------------------------------------------------------------------------------------


def _receivers_q(referral: Referral) -> Q:
    if referral.target_kind == TargetKind.AGENCY:
        return Q(role=Role.AGENCY_LIAISON, agency_id=referral.target_agency_id)
    if referral.target_kind == TargetKind.AREA:
        return Q(role=Role.AREA_OFFICER, area_id=referral.target_area_id)
    return Q(role__in=DISTRICT_ROLES, district_id=referral.target_district_id)


def _context(referral: Referral, **extra: Any) -> dict[str, Any]:
    return {
        "referral_id": referral.pk,
        "subject": referral.subject,
        "body": referral.target_label,
        "tracking_code": referral.report.tracking_code if referral.report_id and referral.report else "",
        **extra,
    }


def _notify_all(
    people: list[User],
    *,
    referral: Referral,
    kind: str,
    template: str,
    context: dict[str, Any],
    dedupe_key: str | None = None,
) -> None:
    for person in people:
        notify(
            recipient=person,
            kind=kind,
            template=template,
            context=context,
            city_id=referral.city_id,
            neighborhood_id=referral.neighborhood_id,
            dedupe_key=dedupe_key,
        )


def _notify_receivers(
    referral: Referral, *, kind: str, template: str, context: dict[str, Any] | None = None
) -> None:
    _notify_all(
        role_holders(who=_receivers_q(referral)),
        referral=referral,
        kind=kind,
        template=template,
        context=context or _context(referral, state=referral.state),
    )


def _notify_senders(referral: Referral, *, kind: str, template: str, context: dict[str, Any]) -> None:
    """The person who sent it, and the sending district's staff."""
    people = role_holders(who=Q(role__in=DISTRICT_ROLES, district_id=referral.district_id))
    if referral.sent_by.is_active and referral.sent_by not in people:
        people.append(referral.sent_by)
    _notify_all(people, referral=referral, kind=kind, template=template, context=context)


# --- reminders and escalation (a periodic job) ----------------------------------------------------------

# Each deadline, the due field it is kept in, and the states in which it still binds.
DEADLINES: tuple[tuple[str, str, frozenset[str]], ...] = (
    (DeadlineKind.ACKNOWLEDGE, "acknowledge_due_at", frozenset({ReferralState.SENT})),
    (DeadlineKind.ANSWER, "answer_due_at", WAITING_FOR_ANSWER_STATES),
    (DeadlineKind.FINISH, "finish_due_at", OPEN_REFERRAL_STATES),
)


@dataclass
class DeadlineStats:
    reminders: int = 0
    breaches: int = 0
    to_district: int = 0
    to_deputy: int = 0


def _no_alarm(deadline: str, kind: str) -> Exists:
    return ~Exists(
        ReferralAlarm.objects.filter(
            referral=OuterRef("pk"), deadline=deadline, kind=kind, round=OuterRef("reopen_count")
        )
    )


def referrals_check_deadlines(*, now: datetime | None = None, batch: int = 500) -> DeadlineStats:
    """Remind the receiving body before each deadline, and escalate at each breach: the first breach goes
    to the sending district's manager, the next to the deputy's attention list; the neighborhood's
    council is told. Each reminder and each breach happens once per deadline and round, however often
    the job runs (a `ReferralAlarm` row, unique, is written under the referral's lock)."""
    now = now or timezone.now()
    stats = DeadlineStats()
    lead = timedelta(hours=settings.REFERRAL_REMINDER_LEAD_HOURS)
    for deadline, field, states in DEADLINES:
        breached = list(
            Referral.objects.filter(state__in=states, **{f"{field}__lt": now})
            .filter(_no_alarm(deadline, AlarmKind.BREACH))
            .order_by(field, "id")
            .values_list("id", flat=True)[:batch]
        )
        for referral_id in breached:
            level = _breach(referral_id=referral_id, deadline=deadline, field=field, states=states, now=now)
            if level is not None:
                stats.breaches += 1
                if level == ReferralEscalation.DEPUTY:
                    stats.to_deputy += 1
                elif level == ReferralEscalation.DISTRICT:
                    stats.to_district += 1
        due_soon = list(
            Referral.objects.filter(state__in=states, **{f"{field}__gte": now, f"{field}__lte": now + lead})
            .filter(_no_alarm(deadline, AlarmKind.REMINDER))
            .order_by(field, "id")
            .values_list("id", flat=True)[:batch]
        )
        for referral_id in due_soon:
            if _remind(
                referral_id=referral_id, deadline=deadline, field=field, states=states, now=now, lead=lead
            ):
                stats.reminders += 1
    return stats


def _lock_for_alarm(
    *, referral_id: int, deadline: str, kind: str, field: str, states: frozenset[str]
) -> Referral | None:
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related(
            "target_agency", "target_district", "target_area", "report", "neighborhood", "sent_by"
        )
        .filter(pk=referral_id, state__in=states)
        .first()
    )
    if locked is None:
        return None
    if ReferralAlarm.objects.filter(
        referral=locked, deadline=deadline, kind=kind, round=locked.reopen_count
    ).exists():
        return None
    return locked


@transaction.atomic
def _remind(
    *, referral_id: int, deadline: str, field: str, states: frozenset[str], now: datetime, lead: timedelta
) -> bool:
    locked = _lock_for_alarm(
        referral_id=referral_id, deadline=deadline, kind=AlarmKind.REMINDER, field=field, states=states
    )
    if locked is None:
        return False
    due: datetime = getattr(locked, field)
    # Not before half the time allowed has passed: a short deadline is not reminded of at once.
    remind_at = max(due - lead, locked.state_changed_at + (due - locked.state_changed_at) / 2)
    if now < remind_at or now >= due:
        return False
    ReferralAlarm.objects.create(
        referral=locked, deadline=deadline, kind=AlarmKind.REMINDER, round=locked.reopen_count, at=now
    )
    _notify_receivers(
        locked,
        kind="referrals.reminder",
        template="referral_reminder",
        context=_context(locked, deadline=deadline, due=due.isoformat()),
    )
    return True


@transaction.atomic
def _breach(
    *, referral_id: int, deadline: str, field: str, states: frozenset[str], now: datetime
) -> int | None:
    """Record one breach and raise the referral one level; returns the new level (None: nothing to do)."""
    locked = _lock_for_alarm(
        referral_id=referral_id, deadline=deadline, kind=AlarmKind.BREACH, field=field, states=states
    )
    if locked is None or getattr(locked, field) >= now:
        return None
    ReferralAlarm.objects.create(
        referral=locked, deadline=deadline, kind=AlarmKind.BREACH, round=locked.reopen_count, at=now
    )
    before = locked.escalation_level
    level = min(before + 1, ReferralEscalation.DEPUTY)
    locked.escalation_level, locked.escalated_at = level, now
    locked.save(update_fields=["escalation_level", "escalated_at"])
    event_record(
        actor=None,
        action="referrals.referral.breached",
        obj=locked,
        before={"escalation_level": before},
        after={"escalation_level": level, "deadline": deadline, "round": locked.reopen_count},
    )
    who = _receivers_q(locked) | Q(role=Role.DISTRICT_MANAGER, district_id=locked.district_id)
    if locked.neighborhood_id is not None:
        who |= Q(role__in=COUNCIL_ROLES, neighborhood_id=locked.neighborhood_id)
    if level == ReferralEscalation.DEPUTY:
        who |= Q(role=Role.DEPUTY, city_id=locked.city_id)
    people = role_holders(who=who)
    if locked.sent_by.is_active and locked.sent_by not in people:
        people.append(locked.sent_by)
    _notify_all(
        people,
        referral=locked,
        kind="referrals.escalation",
        template="referral_breached",
        context=_context(locked, deadline=deadline, level=level),
        dedupe_key=f"referral:{locked.pk}:breach:{deadline}:{locked.reopen_count}",
    )
    return level
