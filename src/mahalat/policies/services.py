"""Every write about policies and circulars: drafting (with attachments), publication (numbering, the
acknowledgement rows, the council rules a policy sets, notifications), withdrawal, a district's
acknowledgement, and the daily reminders to districts that have not acknowledged.

Each function is keyword-only, runs in one transaction, checks the actor's permission and appends an
audit event. Bad input raises a ValidationError naming the field, and nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import jdatetime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from mahalat.accounts.models import DISTRICT_ROLES, RoleAssignment, User
from mahalat.accounts.rules import has_permission, require_permission
from mahalat.audit.services import event_record
from mahalat.councils.models import CouncilPolicy
from mahalat.councils.services import council_policy_save
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.meetings.sanitize import MAX_HTML, clean_html
from mahalat.notifications.services import notify
from mahalat.persian.digits import localize_digits
from mahalat.persian.jalali import format_jalali_date
from mahalat.persian.text import normalize_text
from mahalat.policies.models import (
    COUNCIL_RULE_FIELDS,
    Acknowledgement,
    Policy,
    PolicyAttachment,
    PolicyKind,
    PolicyState,
)
from mahalat.territory.models import City, District
from mahalat.uploads import check_document
from mahalat.worktime.calendar import local_date

TITLE_MAX = 200
REASON_MAX = 2000
ATTACHMENTS_MAX = 5
# A district still silent this many days after publication is reminded, once a day.
REMIND_AFTER_DAYS = 3

# The bounds `councils.CouncilPolicy` keeps, checked here so the draft form can word them.
RULE_BOUNDS: dict[str, tuple[int, int]] = {
    "meetings_per_month": (1, 8),
    "quorum_numerator": (0, 99),
    "quorum_denominator": (1, 100),
    "term_months": (6, 60),
    "max_consecutive_terms": (1, 10),
    "resolution_escalation_days": (1, 365),
}


# --- small helpers -----------------------------------------------------------------------------------


def jalali_year_of(moment: datetime) -> int:
    return jdatetime.date.fromgregorian(date=local_date(moment)).year


def _text(value: object, *, field: str, limit: int, multiline: bool, errors: dict[str, list[str]]) -> str:
    if not isinstance(value, str):
        errors[field] = [_("Enter text.")]
        return ""
    text = normalize_text(value, multiline=multiline)
    if len(text) > limit:
        errors[field] = [_("At most %(limit)s characters.") % {"limit": limit}]
    return text


def _check_rule(rule: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, int]:
    cleaned: dict[str, int] = {}
    for name in COUNCIL_RULE_FIELDS:
        value = rule.get(name)
        low, high = RULE_BOUNDS[name]
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = [_("Enter a whole number.")]
        elif not low <= value <= high:
            errors[name] = [
                _("Enter a number from %(low)s to %(high)s.")
                % {"low": localize_digits(low), "high": localize_digits(high)}
            ]
        else:
            cleaned[name] = value
    numerator, denominator = cleaned.get("quorum_numerator"), cleaned.get("quorum_denominator")
    if numerator is not None and denominator is not None and numerator >= denominator:
        errors["quorum_numerator"] = [_("The quorum must be a fraction below one (for example 1/2).")]
    return cleaned


def _district_staff(district_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active district managers and social officers of each district, in one query."""
    by_district: dict[int, list[User]] = defaultdict(list)
    rows = (
        RoleAssignment.objects.active()
        .filter(role__in=DISTRICT_ROLES, district_id__in=list(district_ids), user__is_active=True)
        .select_related("user")
        .order_by("district_id", "user_id")
    )
    for row in rows:
        if all(u.pk != row.user_id for u in by_district[row.district_id]):
            by_district[row.district_id].append(row.user)
    return by_district


def _kind_label(policy: Policy) -> str:
    return str(PolicyKind(policy.kind).label)


def _notify_districts(
    policy: Policy,
    district_ids: Iterable[int],
    *,
    kind: str,
    subject: str,
    body: str,
    skip: int | None = None,
    dedupe: str | None = None,
) -> int:
    sent = 0
    for district_id, people in _district_staff(district_ids).items():
        for person in people:
            if person.pk == skip:
                continue
            notify(
                recipient=person,
                kind=kind,
                template="generic",
                context={"subject": subject, "body": body},
                channels=["in_app", "email"],
                city_id=policy.city_id,
                dedupe_key=f"{dedupe}:d{district_id}" if dedupe else None,
            )
            sent += 1
    return sent


# --- drafts ------------------------------------------------------------------------------------------


@transaction.atomic
def policy_save(
    *,
    actor: Any,
    city: City,
    kind: str,
    title: str,
    body: str = "",
    effective_from: date | None = None,
    all_districts: bool = False,
    districts: Iterable[District] = (),
    council_rule: Mapping[str, Any] | None = None,
    attachments: Iterable[Any] = (),
    remove_attachment_ids: Iterable[int] = (),
    policy: Policy | None = None,
    now: datetime | None = None,
) -> Policy:
    """Create a draft (`policy=None`) or change one. Only a draft can be changed.

    - `body` is rich text, sanitized (`mahalat.meetings.sanitize.clean_html`) before it is stored;
    - `districts` are the target districts unless `all_districts` (resolved at publication);
    - `council_rule` (a policy only): the council rules it sets, named as `COUNCIL_RULE_FIELDS`;
    - `attachments`: new uploads (PDF or photos), at most five in all after `remove_attachment_ids`.
    """
    now = now or timezone.now()
    require_permission(actor, "policies.author_policy", Policy(city=city))
    if policy is not None:
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if policy.city_id != city.pk:
            raise PermissionDenied(_("You do not have permission to do this here."))
        if policy.state != PolicyState.DRAFT:
            raise ConflictError(_("Only a draft can be changed; this one is already published."))

    errors: dict[str, list[str]] = {}
    if kind not in PolicyKind.values:
        errors["kind"] = [_("Choose a policy or a circular.")]
    title = _text(title, field="title", limit=TITLE_MAX, multiline=False, errors=errors)
    if "title" not in errors and not title:
        errors["title"] = [_("Give it a title.")]
    if not isinstance(body, str):
        errors["body"] = [_("Enter text.")]
        body = ""
    elif len(body) > MAX_HTML:
        errors["body"] = [_("The text is too long.")]
    cleaned_body = clean_html(body) if "body" not in errors else ""
    if effective_from is not None and (
        not isinstance(effective_from, date) or isinstance(effective_from, datetime)
    ):
        errors["effective_from"] = [_("Enter a date.")]
    chosen = list(dict.fromkeys(districts or ()))
    if any(d.city_id != city.pk for d in chosen):
        errors["districts"] = [_("Choose districts of this city.")]
    rule: dict[str, int] = {}
    if council_rule is not None:
        if kind != PolicyKind.POLICY:
            errors["sets_council_rule"] = [_("Only a policy, not a circular, can set council rules.")]
        else:
            rule = _check_rule(council_rule, errors)

    kept = list(policy.attachments.all()) if policy is not None else []
    removing = {int(i) for i in remove_attachment_ids}
    kept = [a for a in kept if a.pk not in removing]
    uploads = [u for u in (attachments or []) if u]
    if len(kept) + len(uploads) > ATTACHMENTS_MAX:
        errors["attachments"] = [
            _("At most %(limit)s attachments.") % {"limit": localize_digits(ATTACHMENTS_MAX)}
        ]
    checked = []
    if "attachments" not in errors:
        for upload in uploads:
            try:
                checked.append((upload, check_document(upload)))
            except ValidationError as exc:
                errors["attachments"] = exc.messages
                break
    if errors:
        raise ValidationError(errors)

    creating = policy is None
    if policy is None:
        policy = Policy(city=city, created_by=actor, created_at=now)
    before = None if creating else {"title": policy.title, "kind": policy.kind}
    policy.kind = kind
    policy.title = title
    policy.body = cleaned_body
    policy.effective_from = effective_from
    policy.all_districts = bool(all_districts)
    policy.sets_council_rule = bool(rule)
    for name in COUNCIL_RULE_FIELDS:
        setattr(policy, name, rule.get(name))
    policy.updated_at = now
    policy.save()
    policy.target_districts.set([] if policy.all_districts else chosen)
    if removing:
        for attachment in PolicyAttachment.objects.filter(policy=policy, pk__in=removing):
            attachment.file.delete(save=False)
            attachment.delete()
    for upload, document in checked:
        attachment = PolicyAttachment(
            policy=policy,
            original_name=(getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200],
            content_type=document.content_type,
            size=document.size,
            uploaded_by=actor,
        )
        attachment.file.save(document.content.name, document.content, save=False)
        attachment.save()
    event_record(
        actor=actor,
        action="policies.policy.created" if creating else "policies.policy.changed",
        obj=policy,
        before=before,
        after={
            "kind": kind,
            "title": title,
            "effective_from": effective_from,
            "all_districts": policy.all_districts,
            "districts": [d.pk for d in chosen],
            "council_rule": rule or None,
            "attachments_added": len(checked),
            "attachments_removed": sorted(removing),
        },
    )
    return policy


# --- publication and withdrawal ------------------------------------------------------------------------


@transaction.atomic
def policy_publish(*, actor: Any, policy: Policy, now: datetime | None = None) -> Policy:
    """Publish a draft: number it, write one acknowledgement row per target district, put the council
    rules it carries in force from its effective date, and tell the target districts' staff.

    Needs a title, a text, an effective date (for council rules not before today) and at least one
    target district ("all districts" is resolved to the city's districts now)."""
    now = now or timezone.now()
    today = local_date(now)
    # Locking the city serialises publications there: the numbering's guarantee (a unique constraint
    # backs it).
    city = City.objects.select_for_update().get(pk=policy.city_id)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    require_permission(actor, "policies.author_policy", policy)
    if policy.state != PolicyState.DRAFT:
        raise TransitionNotAllowed(_("Only a draft can be published."))

    errors: dict[str, list[str]] = {}
    if not policy.title.strip():
        errors["title"] = [_("Give it a title.")]
    if not strip_tags(policy.body).strip():
        errors["body"] = [_("Write the text before publishing.")]
    if policy.effective_from is None:
        errors["effective_from"] = [_("Choose the day it takes effect.")]
    elif policy.sets_council_rule and policy.effective_from < today:
        errors["effective_from"] = [_("Council rules cannot take effect in the past; choose today or later.")]
    if policy.all_districts:
        district_ids = list(District.objects.filter(city_id=city.pk).values_list("pk", flat=True))
    else:
        district_ids = list(policy.target_districts.values_list("pk", flat=True))
    if not district_ids:
        errors["districts"] = [_("Choose at least one target district.")]
    if policy.sets_council_rule:
        if not has_permission(actor, "councils.set_council_policy", CouncilPolicy(city=city)):
            errors["sets_council_rule"] = [_("Only the Cultural-Social Deputy can set council rules.")]
        elif policy.effective_from is not None and (
            Policy.objects.filter(
                council_policy__city_id=city.pk, council_policy__in_force_from=policy.effective_from
            )
            .exclude(pk=policy.pk)
            .exists()
        ):
            errors["effective_from"] = [
                _(
                    "Another published policy already sets the council rules from this day; "
                    "choose another day."
                )
            ]
    if errors:
        raise ValidationError(errors)

    if policy.sets_council_rule:
        try:
            rule = council_policy_save(
                actor=actor,
                city=city,
                in_force_from=policy.effective_from,
                **{name: getattr(policy, name) for name in COUNCIL_RULE_FIELDS},
            )
        except ValidationError as exc:
            raise ValidationError(
                {("effective_from" if k == "in_force_from" else k): v for k, v in exc.message_dict.items()}
            ) from exc
        policy.council_policy = rule

    year = jalali_year_of(now)
    last = Policy.objects.filter(city_id=city.pk, kind=policy.kind, jalali_year=year).aggregate(
        top=Max("sequence")
    )["top"]
    policy.jalali_year = year
    policy.sequence = (last or 0) + 1
    policy.state = PolicyState.PUBLISHED
    policy.published_by = actor
    policy.published_at = now
    policy.updated_at = now
    policy.save()
    policy.target_districts.set(district_ids)
    Acknowledgement.objects.bulk_create(
        [Acknowledgement(policy=policy, city_id=city.pk, district_id=d) for d in sorted(district_ids)]
    )
    event_record(
        actor=actor,
        action="policies.policy.published",
        obj=policy,
        after={
            "number": policy.ascii_number,
            "kind": policy.kind,
            "effective_from": policy.effective_from,
            "districts": sorted(district_ids),
            "council_policy": policy.council_policy_id,
        },
    )
    subject = _("%(kind)s %(number)s: %(title)s") % {
        "kind": _kind_label(policy),
        "number": policy.number,
        "title": policy.title,
    }
    body = _(
        "The Cultural-Social Deputy published %(kind)s %(number)s “%(title)s”, in effect from %(date)s. "
        "Read it and acknowledge it for your district."
    ) % {
        "kind": _kind_label(policy),
        "number": policy.number,
        "title": policy.title,
        "date": format_jalali_date(policy.effective_from),
    }
    _notify_districts(
        policy, district_ids, kind="policies.policy.published", subject=subject, body=body, skip=actor.pk
    )
    return policy


@transaction.atomic
def policy_withdraw(*, actor: Any, policy: Policy, reason: str, now: datetime | None = None) -> Policy:
    """Withdraw a published policy with a reason: it stays on record, no longer asks for acknowledgement,
    and its districts are told. Council rules it put in force stay in force (history is not rewritten);
    a newer policy replaces them."""
    now = now or timezone.now()
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    require_permission(actor, "policies.author_policy", policy)
    if policy.state != PolicyState.PUBLISHED:
        raise TransitionNotAllowed(_("Only a published policy or circular can be withdrawn."))
    errors: dict[str, list[str]] = {}
    reason = _text(reason, field="reason", limit=REASON_MAX, multiline=True, errors=errors)
    if "reason" not in errors and not reason:
        errors["reason"] = [_("Give the reason for withdrawing it.")]
    if errors:
        raise ValidationError(errors)
    policy.state = PolicyState.WITHDRAWN
    policy.withdrawn_by = actor
    policy.withdrawn_at = now
    policy.withdrawn_reason = reason
    policy.updated_at = now
    policy.save()
    event_record(
        actor=actor,
        action="policies.policy.withdrawn",
        obj=policy,
        before={"state": PolicyState.PUBLISHED},
        after={"state": PolicyState.WITHDRAWN, "reason": reason},
    )
    district_ids = list(policy.acknowledgements.values_list("district_id", flat=True))
    subject = _("%(kind)s %(number)s withdrawn") % {"kind": _kind_label(policy), "number": policy.number}
    body = _("%(kind)s %(number)s “%(title)s” was withdrawn: %(reason)s") % {
        "kind": _kind_label(policy),
        "number": policy.number,
        "title": policy.title,
        "reason": reason,
    }
    _notify_districts(
        policy, district_ids, kind="policies.policy.withdrawn", subject=subject, body=body, skip=actor.pk
    )
    return policy


# --- acknowledgement ---------------------------------------------------------------------------------


@transaction.atomic
def policy_acknowledge(
    *, actor: Any, policy: Policy, district: District, now: datetime | None = None
) -> Acknowledgement:
    """The district's manager or social officer acknowledges (اعلام وصول) a policy addressed to it, once."""
    now = now or timezone.now()
    ack = (
        Acknowledgement.objects.select_for_update(of=("self",))
        .select_related("policy", "acknowledged_by")
        .filter(policy_id=policy.pk, district_id=district.pk)
        .first()
    )
    if ack is None:
        # Staff of a district it was not addressed to may not act on it at all.
        raise PermissionDenied(_("This policy was not addressed to this district."))
    require_permission(actor, "policies.acknowledge_policy", ack)
    if ack.policy.state != PolicyState.PUBLISHED:
        raise TransitionNotAllowed(_("Only a published policy or circular can be acknowledged."))
    if ack.acknowledged_at is not None:
        raise ConflictError(
            _("This district already acknowledged it (%(who)s, %(date)s).")
            % {
                "who": str(ack.acknowledged_by),
                "date": format_jalali_date(ack.acknowledged_at),
            }
        )
    ack.acknowledged_by = actor
    ack.acknowledged_at = now
    ack.save(update_fields=["acknowledged_by", "acknowledged_at"])
    event_record(
        actor=actor,
        action="policies.policy.acknowledged",
        obj=ack.policy,
        after={"district": district.pk, "number": ack.policy.ascii_number},
        district_id=district.pk,
    )
    return ack


# --- reminders ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderSummary:
    districts: int
    notifications: int


@transaction.atomic
def policies_remind_unacknowledged(
    *, now: datetime | None = None, after_days: int = REMIND_AFTER_DAYS
) -> ReminderSummary:
    """Remind each target district still silent `after_days` after publication — at most once a (Tehran)
    day each: the row's `last_reminded_on` is the guard, the notification's dedupe key its backstop."""
    now = now or timezone.now()
    today = local_date(now)
    due = list(
        Acknowledgement.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            acknowledged_at__isnull=True,
            policy__state=PolicyState.PUBLISHED,
            policy__published_at__lte=now - timedelta(days=after_days),
        )
        .exclude(last_reminded_on__gte=today)
        .select_related("policy")
        .order_by("id")
    )
    if not due:
        return ReminderSummary(districts=0, notifications=0)
    staff = _district_staff({a.district_id for a in due})
    sent = 0
    for ack in due:
        policy = ack.policy
        waiting = (today - local_date(policy.published_at)).days
        subject = _("Not yet acknowledged: %(kind)s %(number)s") % {
            "kind": _kind_label(policy),
            "number": policy.number,
        }
        body = _(
            "%(kind)s %(number)s “%(title)s” was published %(days)s days ago and your district has not "
            "acknowledged it yet."
        ) % {
            "kind": _kind_label(policy),
            "number": policy.number,
            "title": policy.title,
            "days": localize_digits(waiting),
        }
        for person in staff.get(ack.district_id, []):
            sent += len(
                notify(
                    recipient=person,
                    kind="policies.policy.reminder",
                    template="generic",
                    context={"subject": subject, "body": body},
                    channels=["in_app", "email"],
                    city_id=ack.city_id,
                    dedupe_key=f"policies.remind:{ack.pk}:{today.isoformat()}",
                )
            )
        ack.last_reminded_on = today
        ack.reminders_sent += 1
    Acknowledgement.objects.bulk_update(due, ["last_reminded_on", "reminders_sent"])
    return ReminderSummary(districts=len(due), notifications=sent)
