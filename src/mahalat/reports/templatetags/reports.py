from __future__ import annotations

from django import template

from mahalat.reports.models import EscalationLevel, ReportState

register = template.Library()


@register.filter
def state_label(value: str) -> str:
    """A report state's name in the active language (notification texts are rendered per recipient)."""
    return str(ReportState(value).label) if value in ReportState.values else str(value)


@register.filter
def escalation_label(value: int) -> str:
    return str(EscalationLevel(int(value)).label) if int(value) in EscalationLevel.values else str(value)
