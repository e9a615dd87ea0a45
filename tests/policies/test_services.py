"""Policies and circulars: drafting, publication, acknowledgement, reminders, council rules."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from mahalat.audit.models import Event
from mahalat.councils.models import CouncilPolicy
from mahalat.councils.selectors import policy_in_force
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.notifications.models import Notification
from mahalat.policies.models import Acknowledgement, Policy, PolicyAttachment, PolicyKind, PolicyState
from mahalat.policies.selectors import policy_for_council_rule
from mahalat.policies.services import (
    policies_remind_unacknowledged,
    policy_acknowledge,
    policy_publish,
    policy_save,
    policy_withdraw,
)
from mahalat.worktime.calendar import TEHRAN, local_date
from tests.policies.conftest import draft, pdf, published, today

RULE = {
    "meetings_per_month": 3,
    "quorum_numerator": 2,
    "quorum_denominator": 3,
    "term_months": 36,
    "max_consecutive_terms": 3,
    "resolution_escalation_days": 20,
}


def _in_app(kind: str) -> set[int]:
    return set(
        Notification.objects.filter(kind=kind, channel="in_app").values_list("recipient_id", flat=True)
    )


def test_publish_writes_one_acknowledgement_per_target_district_and_tells_their_staff(town: Any) -> None:
    policy = published(town)
    assert policy.state == PolicyState.PUBLISHED
    assert policy.sequence == 1 and policy.number
    rows = list(Acknowledgement.objects.filter(policy=policy).order_by("district_id"))
    assert [r.district_id for r in rows] == sorted([town.d1.pk, town.d2.pk])
    assert all(r.acknowledged_at is None for r in rows)
    people = town.people
    assert _in_app("policies.policy.published") == {
        people["district_officer"].pk,
        people["district_manager"].pk,
        people["other_district_officer"].pk,
    }
    assert Event.objects.filter(action="policies.policy.published", object_id=str(policy.pk)).exists()
    # The next circular of the year gets the next number; a policy is numbered on its own.
    assert published(town, title="دومی").sequence == 2
    assert published(town, kind=PolicyKind.POLICY, title="سیاست").sequence == 1


def test_all_districts_resolved_at_publication(town: Any) -> None:
    policy = published(town, districts=[], all_districts=True)
    assert set(policy.acknowledgements.values_list("district_id", flat=True)) == {town.d1.pk, town.d2.pk}
    assert set(policy.target_districts.values_list("pk", flat=True)) == {town.d1.pk, town.d2.pk}


def test_acknowledge_once(town: Any) -> None:
    policy = published(town, districts=[town.d1])
    manager = town.people["district_manager"]
    ack = policy_acknowledge(actor=manager, policy=policy, district=town.d1)
    assert ack.acknowledged_by == manager and ack.acknowledged_at is not None
    first_at = ack.acknowledged_at
    with translation.override("en"), pytest.raises(ConflictError, match="already acknowledged"):
        policy_acknowledge(actor=town.people["district_officer"], policy=policy, district=town.d1)
    ack.refresh_from_db()
    assert ack.acknowledged_by == manager and ack.acknowledged_at == first_at
    assert Event.objects.filter(action="policies.policy.acknowledged").count() == 1


def test_a_district_not_targeted_cannot_acknowledge(town: Any) -> None:
    policy = published(town, districts=[town.d1])
    with pytest.raises(PermissionDenied):
        policy_acknowledge(actor=town.people["other_district_officer"], policy=policy, district=town.d2)
    # Nor for a district it does not serve.
    with pytest.raises(PermissionDenied):
        policy_acknowledge(actor=town.people["other_district_officer"], policy=policy, district=town.d1)
    assert not Acknowledgement.objects.filter(acknowledged_at__isnull=False).exists()


@pytest.mark.parametrize("who", ["deputy", "city_council", "area_officer", "council_chair", "liaison"])
def test_only_district_staff_acknowledge(town: Any, who: str) -> None:
    policy = published(town, districts=[town.d1])
    with pytest.raises(PermissionDenied):
        policy_acknowledge(actor=town.people[who], policy=policy, district=town.d1)
    assert not Acknowledgement.objects.filter(acknowledged_at__isnull=False).exists()


@pytest.mark.parametrize("who", ["district_manager", "district_officer", "city_council", "area_officer"])
def test_only_the_deputy_authors(town: Any, who: str) -> None:
    with pytest.raises(PermissionDenied):
        policy_save(actor=town.people[who], city=town.city, kind=PolicyKind.CIRCULAR, title="x")
    policy = draft(town)
    with pytest.raises(PermissionDenied):
        policy_publish(actor=town.people[who], policy=policy)
    done = published(town)
    with pytest.raises(PermissionDenied):
        policy_withdraw(actor=town.people[who], policy=done, reason="x")
    assert Policy.objects.filter(state=PolicyState.DRAFT).count() == 1
    assert Policy.objects.get(pk=done.pk).state == PolicyState.PUBLISHED


def test_withdraw_needs_a_reason_and_stops_reminders(town: Any) -> None:
    policy = published(town, now=timezone.now() - timedelta(days=10))
    with pytest.raises(ValidationError) as exc:
        policy_withdraw(actor=town.people["deputy"], policy=policy, reason="  ")
    assert "reason" in exc.value.message_dict
    policy_withdraw(actor=town.people["deputy"], policy=policy, reason="جایگزین شد")
    policy.refresh_from_db()
    assert policy.state == PolicyState.WITHDRAWN and policy.withdrawn_reason == "جایگزین شد"
    assert policies_remind_unacknowledged().districts == 0
    with translation.override("en"), pytest.raises(TransitionNotAllowed, match="published"):
        policy_acknowledge(actor=town.people["district_manager"], policy=policy, district=town.d1)


def test_reminders_once_a_day_per_unacknowledged_district(town: Any) -> None:
    start = timezone.now() - timedelta(days=5)
    policy = published(town, now=start)
    policy_acknowledge(actor=town.people["district_manager"], policy=policy, district=town.d1)
    fresh = published(town, title="تازه")  # published now: not yet due
    assert fresh.pk

    # Noon in Tehran today, so that "an hour later" is the same day whenever the test runs.
    now = datetime.combine(local_date(timezone.now()), time(12), tzinfo=TEHRAN)
    first = policies_remind_unacknowledged(now=now)
    assert first.districts == 1  # d2 only: d1 acknowledged, the fresh one is not due
    assert _in_app("policies.policy.reminder") == {town.people["other_district_officer"].pk}
    # Again the same day (even an hour later): nothing.
    assert policies_remind_unacknowledged(now=now + timedelta(hours=1)).districts == 0
    assert Notification.objects.filter(kind="policies.policy.reminder", channel="in_app").count() == 1
    # The next day: once more.
    assert policies_remind_unacknowledged(now=now + timedelta(days=1)).districts == 1
    assert Notification.objects.filter(kind="policies.policy.reminder", channel="in_app").count() == 2
    ack = Acknowledgement.objects.get(policy=policy, district=town.d2)
    assert ack.reminders_sent == 2


def test_council_rule_is_put_in_force_from_the_effective_date(town: Any) -> None:
    earlier = CouncilPolicy.objects.create(
        city=town.city, in_force_from=today() - timedelta(days=100), quorum_numerator=1, quorum_denominator=2
    )
    effective = today() + timedelta(days=10)
    policy = published(town, kind=PolicyKind.POLICY, effective_from=effective, council_rule=RULE)
    rule = policy.council_policy
    assert rule is not None and rule.in_force_from == effective
    assert (rule.quorum_numerator, rule.quorum_denominator, rule.meetings_per_month) == (2, 3, 3)
    assert policy_for_council_rule(rule) == policy
    assert policy_for_council_rule(earlier) is None
    # Until the effective date the earlier rule applies: meetings held before keep it.
    assert policy_in_force(city_id=town.city.pk, on=effective - timedelta(days=1)) == earlier
    assert policy_in_force(city_id=town.city.pk, on=effective) == rule
    earlier.refresh_from_db()
    assert (earlier.quorum_numerator, earlier.quorum_denominator) == (1, 2)


def test_a_circular_cannot_carry_council_rules(town: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        draft(town, kind=PolicyKind.CIRCULAR, council_rule=RULE)
    assert "sets_council_rule" in exc.value.message_dict
    assert not Policy.objects.exists()


def test_sanitizer_strips_script(town: Any) -> None:
    policy = draft(
        town, body='<p onclick="x()">سلام</p><script>alert(1)</script><a href="javascript:x">l</a>'
    )
    assert "<script" not in policy.body and "alert" not in policy.body
    assert "onclick" not in policy.body and "javascript" not in policy.body
    assert "سلام" in policy.body


def _nothing_written() -> None:
    assert not Policy.objects.exclude(state=PolicyState.DRAFT).exists()
    assert not Acknowledgement.objects.exists()
    assert not CouncilPolicy.objects.exists()
    assert not Notification.objects.filter(kind__startswith="policies.").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "   "}, "title"),
        ({"kind": "memo"}, "kind"),
        ({"council_rule": {**RULE, "quorum_numerator": 3}, "kind": PolicyKind.POLICY}, "quorum_numerator"),
        ({"attachments": [SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")]}, "attachments"),
        ({"attachments": [pdf(f"{i}.pdf") for i in range(6)]}, "attachments"),
    ],
)
def test_bad_draft_writes_nothing(town: Any, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        draft(town, **overrides)
    assert field in exc.value.message_dict
    assert not Policy.objects.exists()
    assert not PolicyAttachment.objects.exists()
    _nothing_written()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"districts": []}, "districts"),
        ({"body": "<script>x</script>"}, "body"),
        ({"effective_from": None}, "effective_from"),
        (
            {"kind": PolicyKind.POLICY, "council_rule": RULE, "effective_from": today() - timedelta(days=1)},
            "effective_from",
        ),
    ],
)
def test_bad_publication_writes_nothing(town: Any, overrides: dict[str, Any], field: str) -> None:
    policy = draft(town, **overrides)
    with pytest.raises(ValidationError) as exc:
        policy_publish(actor=town.people["deputy"], policy=policy)
    assert field in exc.value.message_dict
    policy.refresh_from_db()
    assert policy.state == PolicyState.DRAFT and policy.sequence is None
    _nothing_written()


def test_attachments_up_to_five_kept_privately(town: Any) -> None:
    policy = draft(town, attachments=[pdf(f"{i}.pdf") for i in range(5)])
    assert policy.attachments.count() == 5
    with pytest.raises(ValidationError):
        policy_save(
            actor=town.people["deputy"],
            city=town.city,
            policy=policy,
            kind=policy.kind,
            title=policy.title,
            attachments=[pdf("6.pdf")],
        )
    assert policy.attachments.count() == 5
    first = policy.attachments.first()
    policy_save(
        actor=town.people["deputy"],
        city=town.city,
        policy=policy,
        kind=policy.kind,
        title=policy.title,
        attachments=[pdf("6.pdf")],
        remove_attachment_ids=[first.pk],
    )
    assert policy.attachments.count() == 5
    assert not policy.attachments.filter(pk=first.pk).exists()


def test_published_cannot_be_edited(town: Any) -> None:
    policy = published(town)
    with pytest.raises(ConflictError):
        policy_save(actor=town.people["deputy"], city=town.city, policy=policy, kind=policy.kind, title="نو")
    assert Policy.objects.get(pk=policy.pk).title != "نو"


def test_the_administrator_cannot_set_council_rules(town: Any) -> None:
    from mahalat.accounts.models import Role, ScopeKind
    from mahalat.accounts.services import role_assign
    from tests.factories import UserFactory

    admin = UserFactory()
    role_assign(actor=None, user=admin, role=Role.ADMINISTRATOR, scope_kind=ScopeKind.CITY, scope_ref="town")
    policy = policy_save(
        actor=admin,
        city=town.city,
        kind=PolicyKind.POLICY,
        title="قواعد",
        body="<p>متن</p>",
        effective_from=today() + timedelta(days=3),
        districts=[town.d1],
        council_rule=RULE,
    )
    with pytest.raises(ValidationError) as exc:
        policy_publish(actor=admin, policy=policy)
    assert "sets_council_rule" in exc.value.message_dict
    _nothing_written()
