"""The followers of a neighborhood hear when its council publishes minutes or adopts a public resolution
(never a private one), and the officer who acted is not told."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mahalat.meetings import services
from mahalat.meetings.models import Minutes
from mahalat.notifications.models import Notification
from mahalat.notifications.services import neighborhood_follow
from mahalat.resolutions.models import ResponsibleKind
from mahalat.resolutions.services import resolution_adopt
from tests.meetings.test_minutes import _held
from tests.resolutions.conftest import make_item


def _news(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, template="neighborhood_news").order_by("id"))


def test_published_minutes_and_public_resolutions_reach_followers(world) -> None:
    follower = world.people.get("citizen") or world.members[3].user
    neighborhood_follow(actor=follower, neighborhood=world.n1)
    neighborhood_follow(actor=world.chair, neighborhood=world.n1)

    meeting, _public, _hidden = _held(world)
    minutes = Minutes.objects.get(meeting=meeting)
    minutes = services.minutes_transition(actor=world.chair, minutes=minutes, to="approved")
    assert _news(follower) == []  # approved is not yet public
    services.minutes_transition(actor=world.chair, minutes=minutes, to="published")
    [published] = _news(follower)
    assert published.context == {"event": "minutes", "neighborhood": world.n1.name, "number": meeting.number}
    assert _news(world.chair) == []  # the chair published them

    deadline = timezone.localdate() + timedelta(days=30)
    for private in (True, False):
        resolution_adopt(
            actor=world.chair,
            item=make_item(world.council, meeting=meeting, is_private=private),
            title="نصب چراغ در کوچه",
            text="شهرداری ناحیه چراغ نصب کند.",
            responsible_kind=ResponsibleKind.DISTRICT,
            deadline=deadline,
        )
    news = _news(follower)
    assert [n.context["event"] for n in news] == ["minutes", "resolution"]  # the private one is not news
    assert news[1].context["title"] == "نصب چراغ در کوچه"
