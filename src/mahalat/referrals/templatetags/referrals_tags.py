"""Labels and dates for referral pages and notifications (notification contexts hold codes and ISO
strings, rendered in the reader's language when delivered)."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from mahalat.persian.templatetags.persian import jdate_filter, jdatetime_filter
from mahalat.referrals.models import DeadlineKind, ReferralEscalation, ReferralState

register = template.Library()


@register.filter
def referral_state_label(value: object) -> str:
    return str(ReferralState(value).label) if value in ReferralState.values else str(value)


@register.filter
def referral_deadline_label(value: object) -> str:
    return str(DeadlineKind(value).label) if value in DeadlineKind.values else str(value)


@register.filter
def referral_escalation_label(value: object) -> str:
    try:
        level = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(value)
    return str(ReferralEscalation(level).label) if level in ReferralEscalation.values else str(value)


@register.filter
def iso_jdate(value: object) -> str:
    """An ISO date or datetime string (or a date) in the Jalali calendar; "" when it is not one."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return ""
    if isinstance(value, datetime):
        return jdatetime_filter(value)
    return jdate_filter(value, "long")
