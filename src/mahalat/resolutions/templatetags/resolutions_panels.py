"""The resolution tracker panel for the council workspace, and labels for notification texts.

`{% load resolutions_panels %}{% resolution_tracker_panel council user %}`
"""

from __future__ import annotations

from typing import Any

from django import template

from mahalat.persian.digits import is_persian_active, to_persian_digits
from mahalat.resolutions.models import ResolutionEscalation, ResolutionState
from mahalat.resolutions.selectors import resolutions_of_report, tracker_panel

register = template.Library()

STATE_BADGES: dict[str, str] = {
    ResolutionState.ADOPTED: "text-bg-warning",
    ResolutionState.ASSIGNED: "text-bg-info",
    ResolutionState.IN_PROGRESS: "text-bg-primary",
    ResolutionState.DONE: "text-bg-success",
    ResolutionState.NOT_FEASIBLE: "text-bg-secondary",
}


@register.filter
def resolution_state_label(value: str) -> str:
    """A resolution state's name in the active language (notifications are rendered per recipient)."""
    return str(ResolutionState(value).label) if value in ResolutionState.values else str(value)


@register.filter
def resolution_escalation_label(value: object) -> str:
    try:
        level = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(value)
    return str(ResolutionEscalation(level).label) if level in ResolutionEscalation.values else str(value)


@register.filter
def resolution_state_badge(value: str) -> str:
    return STATE_BADGES.get(value, "text-bg-secondary")


@register.inclusion_tag("resolutions/_tracker_panel.html")
def resolution_tracker_panel(council: Any, user: Any) -> dict[str, Any]:
    """Counts by state, the overdue resolutions, the latest ones with their progress (4 queries)."""
    panel = tracker_panel(user=user, council_id=council.pk)
    states = [(value, label, panel.counts.get(value, 0)) for value, label in ResolutionState.choices]
    return {"council": council, "panel": panel, "states": states}


@register.inclusion_tag("resolutions/_report_resolutions.html")
def report_resolutions_panel(report: Any, user: Any, staff: bool = False) -> dict[str, Any]:
    """The council resolutions a report is linked to, for its public page and its staff page."""
    return {"resolutions": resolutions_of_report(user=user, report=report), "staff": staff}


@register.filter
def percent(value: object) -> str:
    """۴۰٪ on Persian pages, 40% on English ones."""
    if is_persian_active():
        return f"{to_persian_digits(value)}٪"
    return f"{value}%"
