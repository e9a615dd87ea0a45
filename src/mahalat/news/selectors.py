"""Reads of news items: the public lists (published and due only), one public item, and the staff's
items. Each list is one query for its page (plus the paginator's count); related rows come joined."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import DISTRICT_ROLES, Role
from mahalat.accounts.rules import held_roles
from mahalat.news.models import NewsItem, NewsState

FEED_LIMIT = 30


def public_news(*, now: datetime | None = None) -> QuerySet[NewsItem]:
    """Every item the public may read: published, and its publish date reached."""
    now = now or timezone.now()
    return (
        NewsItem.objects.filter(state=NewsState.PUBLISHED, publish_at__lte=now)
        .select_related("district", "neighborhood")
        .order_by("-publish_at", "-id")
    )


def city_news(*, city_id: int, now: datetime | None = None) -> QuerySet[NewsItem]:
    return public_news(now=now).filter(city_id=city_id)


def district_news(*, district_id: int, now: datetime | None = None) -> QuerySet[NewsItem]:
    """The district's own items and those of its neighborhoods."""
    return public_news(now=now).filter(district_id=district_id)


def neighborhood_news(
    *, neighborhood_id: int, district_id: int, now: datetime | None = None
) -> QuerySet[NewsItem]:
    """The neighborhood's own items and its district's items for all its neighborhoods."""
    return public_news(now=now).filter(
        Q(neighborhood_id=neighborhood_id) | Q(district_id=district_id, neighborhood__isnull=True)
    )


def public_item(*, pk: int, now: datetime | None = None) -> NewsItem:
    item = public_news(now=now).select_related("city").filter(pk=pk).first()
    if item is None:
        raise Http404(_("There is no such news item."))
    return item


def staff_news(*, user: Any) -> QuerySet[NewsItem]:
    """The items of the places the person writes for or reviews: their district or their area."""
    where = Q(pk__in=[])
    for held in held_roles(user):
        if held.role in DISTRICT_ROLES:
            where |= Q(district_id=held.scope.district_id)
        elif held.role == Role.AREA_OFFICER:
            where |= Q(area_id=held.scope.area_id)
    if getattr(user, "is_superuser", False):
        where = Q()
    return (
        NewsItem.objects.filter(where)
        .select_related("district", "neighborhood", "author", "reviewer")
        .order_by("-updated_at", "-id")
    )
