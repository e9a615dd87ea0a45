"""Reads of notifications, already limited to what the person may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mahalat.notifications.models import Channel, NeighborhoodFollow, Notification


def notifications_for(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The person's in-app notifications, newest first (slice or paginate it; one query a page)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=user.pk, channel=Channel.IN_APP).order_by(
        "-created_at", "-id"
    )
    if unread_only:
        qs = qs.filter(read_at=None)
    return qs


def unread_count(*, user: Any) -> int:
    return notifications_for(user=user, unread_only=True).count()


def is_following(*, user: Any, neighborhood: Any) -> bool:
    return NeighborhoodFollow.objects.filter(user=user, neighborhood=neighborhood).exists()
