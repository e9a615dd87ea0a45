"""Template helpers for councils: state and role labels, and the current council of a neighborhood for
pages that only have the neighborhood (the public neighborhood page, the council workspace card)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from mahalat.councils.models import Council, CouncilState, MemberRole, MembershipEnd, SeatFill
from mahalat.councils.selectors import current_council

register = template.Library()


def _label(choices: Any, value: object) -> str:
    return str(choices(value).label) if value in choices.values else str(value)


@register.filter
def council_state_label(value: object) -> str:
    return _label(CouncilState, value)


@register.filter
def member_role_label(value: object) -> str:
    return _label(MemberRole, value)


@register.filter
def membership_end_label(value: object) -> str:
    return _label(MembershipEnd, value)


@register.filter
def seat_fill_label(value: object) -> str:
    return _label(SeatFill, value)


@register.simple_tag
def current_council_of(neighborhood: Any) -> Council | None:
    """The neighborhood's council now, if any (one query)."""
    if neighborhood is None:
        return None
    return current_council(neighborhood_id=neighborhood.pk)


@register.simple_tag
def url_if_exists(name: str, *args: Any, **kwargs: Any) -> str:
    """The URL, or "" where that page does not exist in this installation."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""
