from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from mahalat.notifications.selectors import unread_count
from mahalat.workspace.selectors import workspaces_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's workspaces for the navigation bar (lazy: no query on pages that don't show it)."""
    user = getattr(request, "user", None)

    def _workspaces() -> list[Any]:
        return workspaces_for(user=user) if user is not None and user.is_authenticated else []

    def _unread() -> int:
        return unread_count(user=user) if user is not None and user.is_authenticated else 0

    return {"nav_workspaces": _workspaces, "nav_unread": _unread, "map_tiles": settings.MAP_TILE_URL}
