"""`{% council_meetings_panel council user %}`: the meetings part of the council workspace."""

from __future__ import annotations

from typing import Any

from django import template

from mahalat.meetings.selectors import council_panel

register = template.Library()


@register.inclusion_tag("meetings/_council_panel.html")
def council_meetings_panel(council: Any, user: Any) -> dict[str, Any]:
    return {"panel": council_panel(council=council, user=user)}
