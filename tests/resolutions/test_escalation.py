"""Overdue resolutions rise to the district, then to the deputy's attention list; the council is told."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from mahalat.audit.models import Event
from mahalat.councils.models import CouncilPolicy
from mahalat.notifications.models import Notification
from mahalat.resolutions import tasks
from mahalat.resolutions.models import Resolution, ResolutionEscalation, ResponsibleKind
from mahalat.resolutions.selectors import deputy_attention_list
from mahalat.resolutions.services import resolution_transition, resolutions_escalate_overdue

pytestmark = pytest.mark.django_db


def _told(resolution: Resolution, level: int) -> set[int]:
    rows = Notification.objects.filter(
        kind="resolutions.escalation", channel="in_app", context__level=level, context__number__isnull=False
    ).filter(dedupe_key__startswith=f"resolution:{resolution.pk}:escalation:{level}|")
    return set(rows.values_list("recipient_id", flat=True))


def test_levels_rise_once_each_and_the_council_is_told(council_world: Any, adopt: Any) -> None:
    people = council_world.people
    council_ids = {m.user_id for m in council_world.members}
    CouncilPolicy.objects.filter(pk=council_world.policy.pk).update(resolution_escalation_days=10)
    # A newer policy not yet in force does not count.
    CouncilPolicy.objects.create(
        city=council_world.city,
        in_force_from=timezone.localdate() + timedelta(days=365),
        resolution_escalation_days=1,
    )
    late = adopt(kind=ResponsibleKind.AGENCY, agency=council_world.agency, deadline=timezone.localdate())
    on_time = adopt(deadline=timezone.localdate() + timedelta(days=5))
    finished = adopt(deadline=timezone.localdate())
    resolution_transition(
        actor=people["district_officer"], resolution=finished, to="not_feasible", note="نمی‌شود"
    )

    # On the deadline day nothing is late yet.
    assert resolutions_escalate_overdue() == type(resolutions_escalate_overdue())(0, 0)
    day_after = timezone.now() + timedelta(days=1)
    stats = resolutions_escalate_overdue(now=day_after)
    assert (stats.to_district, stats.to_deputy) == (1, 0)
    late.refresh_from_db()
    assert late.escalation_level == ResolutionEscalation.DISTRICT
    assert Resolution.objects.get(pk=on_time.pk).escalation_level == 0
    assert Resolution.objects.get(pk=finished.pk).escalation_level == 0
    district_told = _told(late, 1)
    assert (
        council_ids
        | {
            people["district_officer"].pk,
            people["district_manager"].pk,
            people["area_officer"].pk,
            people["liaison"].pk,
        }
        == district_told
    )
    # Running again changes and sends nothing.
    count = Notification.objects.count()
    assert resolutions_escalate_overdue(now=day_after + timedelta(hours=1)).to_district == 0
    assert Notification.objects.count() == count

    # Ten days after the deadline it is still open: not yet the deputy's (the policy says more than ten).
    assert resolutions_escalate_overdue(now=timezone.now() + timedelta(days=10)).to_deputy == 0
    stats = resolutions_escalate_overdue(now=timezone.now() + timedelta(days=11))
    assert stats.to_deputy == 1
    late.refresh_from_db()
    assert late.escalation_level == ResolutionEscalation.DEPUTY
    assert _told(late, 2) == council_ids | {people["deputy"].pk, people["district_manager"].pk}
    assert (
        Event.objects.filter(action="resolutions.resolution.escalated", object_id=str(late.pk)).count() == 2
    )
    # The level never falls back, however often the job runs.
    assert resolutions_escalate_overdue(now=timezone.now() + timedelta(days=12)) == type(stats)(0, 0)

    # The deputy's attention list holds it; another district's officer does not see it there.
    assert [r.pk for r in deputy_attention_list(user=people["deputy"])] == [late.pk]
    assert list(deputy_attention_list(user=people["other_district_officer"])) == []


def test_without_a_policy_the_deputy_hears_after_thirty_days(council_world: Any, adopt: Any) -> None:
    CouncilPolicy.objects.filter(city=council_world.city).update(in_force_from=date(2100, 1, 1))
    late = adopt(deadline=timezone.localdate())
    assert resolutions_escalate_overdue(now=timezone.now() + timedelta(days=30)).to_deputy == 0
    assert resolutions_escalate_overdue(now=timezone.now() + timedelta(days=31)).to_deputy == 1
    late.refresh_from_db()
    assert late.escalation_level == ResolutionEscalation.DEPUTY


def test_the_periodic_task_runs_the_service(council_world: Any, adopt: Any) -> None:
    late = adopt(deadline=timezone.localdate())
    Resolution.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=2))
    assert tasks.escalate_overdue() == {"to_district": 1, "to_deputy": 0}
