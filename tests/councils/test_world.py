from __future__ import annotations

from mahalat.accounts.rules import has_permission
from tests.councils_world import CouncilWorld


def test_the_shared_council_is_seated_and_its_officers_hold_their_roles(council_world: CouncilWorld) -> None:
    w = council_world
    assert w.council.memberships.filter(ends_on__isnull=True).count() == 5
    assert has_permission(w.chair, "meetings.approve_minutes", w.council)
    assert not has_permission(w.secretary, "meetings.approve_minutes", w.council)
    assert has_permission(w.secretary, "meetings.run_meeting", w.council)
    assert not has_permission(w.chair, "meetings.run_meeting", w.other_council)
