"""Followers of a neighborhood hear, in the app, when a news item of it is published; a district item
reaches the followers of every neighborhood of the district, each person once. Drafts, items waiting for
review and items dated ahead tell nobody; the author and the publisher are not told of their own item."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone, translation

from mahalat.news.services import news_submit
from mahalat.notifications.models import Channel, NeighborhoodFollow, Notification
from mahalat.notifications.rendering import render_notification
from tests.factories import UserFactory
from tests.news.conftest import draft, published
from tests.towns import Town


def _told(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="news.item.published").order_by("id"))


def _follow(user: Any, *neighborhoods: Any) -> Any:
    for neighborhood in neighborhoods:
        NeighborhoodFollow.objects.create(user=user, neighborhood=neighborhood)
    return user


def test_a_neighborhood_item_tells_that_neighborhoods_followers_only(town: Town) -> None:
    here = _follow(UserFactory(), town.n1)
    next_door = _follow(UserFactory(), town.n3)
    author = _follow(town.people["district_officer"], town.n1)
    publisher = _follow(town.people["district_manager"], town.n1)
    item = published(town, title="جشن محله سرچشمه", neighborhood=town.n1)
    [note] = _told(here)
    assert note.channel == Channel.IN_APP and note.neighborhood_id == town.n1.pk
    assert note.context["title"] == "جشن محله سرچشمه" and note.context["url"] == item.get_absolute_url()
    text = render_notification(note)
    # Rendered in the reader's language from the followers' template (one line: the subject).
    assert town.n1.name in text.subject and "جشن محله سرچشمه" in text.subject
    assert _told(next_door) == [] and _told(author) == [] and _told(publisher) == []


def test_a_district_item_tells_each_follower_of_its_neighborhoods_once(town: Town) -> None:
    both = _follow(UserFactory(), town.n1, town.n3)
    one = _follow(UserFactory(), town.n3)
    other_district = _follow(UserFactory(), town.n2)
    published(town, title="خبر منطقه یک")
    assert len(_told(both)) == 1 and len(_told(one)) == 1
    assert _told(other_district) == []
    with translation.override("en"):
        published(town, title="Second district item")
    assert len(_told(both)) == 2


def test_drafts_reviews_and_items_dated_ahead_tell_nobody(town: Town) -> None:
    follower = _follow(UserFactory(), town.n1)
    item = draft(town, neighborhood=town.n1)
    news_submit(actor=town.people["district_officer"], item=item)
    assert _told(follower) == []
    published(town, title="خبر آینده", neighborhood=town.n1, publish_at=timezone.now() + timedelta(days=3))
    assert _told(follower) == []


def test_inactive_followers_are_not_told(town: Town) -> None:
    gone = _follow(UserFactory(is_active=False), town.n1)
    published(town, title="خبر برای همه", neighborhood=town.n1)
    assert _told(gone) == []
