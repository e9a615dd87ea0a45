"""The demo policies and circulars, loaded into the small town (the loader needs only a deputy, districts
and their staff)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation

from mahalat.demo.policies_loader import DEMO_POLICIES, load_demo_policies
from mahalat.policies.models import Acknowledgement, Policy, PolicyState
from mahalat.policies.selectors import policy_for_council_rule, unacknowledged
from mahalat.policies.services import policies_remind_unacknowledged


def test_demo_policies_load_once_with_some_unacknowledged(town: Any) -> None:
    now = timezone.now()
    with translation.override("en"):
        summary = load_demo_policies(city=town.city, now=now)
    assert "6 published" in summary
    assert Policy.objects.filter(city=town.city, state=PolicyState.PUBLISHED).count() == len(DEMO_POLICIES)
    assert Acknowledgement.objects.filter(policy__city=town.city).count() == 2 * len(DEMO_POLICIES)
    # Written by the deputy; the most acknowledged, two not (all districts of the fresh one, one of another).
    assert set(Policy.objects.values_list("published_by", flat=True)) == {town.people["deputy"].pk}
    waiting = unacknowledged(city_id=town.city.pk)
    assert len(waiting) == 2
    ranked = [p.pending for p in waiting]
    assert ranked == [1, 2]
    acked = Acknowledgement.objects.filter(acknowledged_at__isnull=False)
    assert acked.count() == 2 * len(DEMO_POLICIES) - 3
    assert all(a.acknowledged_at > a.policy.published_at for a in acked.select_related("policy"))
    # One policy set the council rule version, explainable from both sides.
    rule_policy = Policy.objects.get(council_policy__isnull=False)
    assert rule_policy.effective_from == rule_policy.council_policy.in_force_from
    assert policy_for_council_rule(rule_policy.council_policy) == rule_policy
    # The overdue one is reminded (once today); the one published yesterday is not yet due.
    summary_now = policies_remind_unacknowledged(now=now)
    assert summary_now.districts == 1
    assert policies_remind_unacknowledged(now=now).districts == 0
    # Idempotent.
    with translation.override("en"):
        assert "already loaded" in load_demo_policies(city=town.city, now=now)
    assert Policy.objects.filter(city=town.city).count() == len(DEMO_POLICIES)
