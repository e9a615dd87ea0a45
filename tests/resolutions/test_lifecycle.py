"""The lifecycle table, who may move a resolution, progress and milestones, and the linked reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mahalat.audit.models import Event
from mahalat.errors import ConflictError
from mahalat.notifications.models import Notification
from mahalat.referrals.models import TargetKind
from mahalat.referrals.services import Target, referral_create
from mahalat.reports.models import ReportFollow, ReportState
from mahalat.resolutions.models import (
    Milestone,
    Resolution,
    ResolutionEscalation,
    ResolutionState,
    ResolutionTransition,
    ResponsibleKind,
)
from mahalat.resolutions.services import (
    TransitionNotAllowed,
    milestone_add,
    milestone_mark_done,
    resolution_transition,
)
from mahalat.resolutions.workflow import TRANSITIONS
from tests.factories import AgencyFactory, UserFactory
from tests.resolutions.conftest import make_report

pytestmark = pytest.mark.django_db

S = ResolutionState


def _move(resolution: Resolution, actor: Any, to: str, **kwargs: Any) -> Resolution:
    return resolution_transition(actor=actor, resolution=resolution, to=to, **kwargs)


def test_every_edge_of_the_table(council_world: Any, adopt: Any) -> None:
    officer, area = council_world.people["district_officer"], council_world.people["area_officer"]
    later = timezone.localdate() + timedelta(days=60)
    # adopted → assigned → assigned (corrected) → in progress → in progress → done
    a = adopt()
    a = _move(a, officer, S.ASSIGNED)
    a = _move(a, officer, S.ASSIGNED, deadline=later, note="پیمانکار دیرتر آغاز می‌کند")
    a = _move(a, area, S.IN_PROGRESS, progress=20)
    a = _move(a, area, S.IN_PROGRESS, progress=60)
    a = _move(a, area, S.DONE, note="چراغ‌ها نصب شد")
    assert (a.state, a.progress, a.deadline, a.outcome) == (S.DONE, 100, later, "چراغ‌ها نصب شد")
    assert a.finished_at is not None and a.version == 6
    # adopted → not feasible; assigned → not feasible; in progress → not feasible
    _move(adopt(), officer, S.NOT_FEASIBLE, note="در حریم راه‌آهن است")
    _move(_move(adopt(), officer, S.ASSIGNED), area, S.NOT_FEASIBLE, note="بودجه ندارد")
    c = _move(_move(adopt(), officer, S.ASSIGNED), area, S.IN_PROGRESS)
    _move(c, area, S.NOT_FEASIBLE, note="مالک زمین مخالف است")
    walked = set(
        ResolutionTransition.objects.exclude(from_state="").values_list("from_state", "to_state").distinct()
    )
    assert walked == set(TRANSITIONS)
    assert Event.objects.filter(action="resolutions.resolution.done", object_id=str(a.pk)).count() == 1
    # The council's members hear of each change, the one who made it does not.
    told = Notification.objects.filter(kind="resolutions.resolution.done", channel="in_app")
    assert set(told.values_list("recipient_id", flat=True)) == {m.user_id for m in council_world.members}


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], S.DONE),
        ([], S.IN_PROGRESS),
        ([S.ASSIGNED], S.DONE),
        ([S.ASSIGNED, S.IN_PROGRESS, S.DONE], S.IN_PROGRESS),
        ([], "archived"),
    ],
)
def test_a_step_outside_the_table_is_a_conflict(
    council_world: Any, adopt: Any, path: list[str], refused: str
) -> None:
    officer = council_world.people["district_officer"]
    resolution = adopt()
    for to in path:
        resolution = _move(resolution, officer, to, note="انجام شد" if to == S.DONE else "")
    before = (resolution.state, resolution.version)
    with pytest.raises(TransitionNotAllowed) as caught:
        _move(resolution, officer, refused, note="x")
    assert caught.value.status == 409 and caught.value.message
    resolution.refresh_from_db()
    assert (resolution.state, resolution.version) == before


def test_who_may_move_it(council_world: Any, adopt: Any) -> None:
    people = council_world.people
    resolution = adopt()
    for outsider in (
        people["citizen"],
        council_world.chair,
        people["other_district_officer"],
        people["deputy"],
    ):
        with pytest.raises(PermissionDenied):
            _move(resolution, outsider, S.ASSIGNED)
    # A liaison has nothing to do with a district's resolution…
    assigned = _move(resolution, people["district_officer"], S.ASSIGNED)
    with pytest.raises(PermissionDenied):
        _move(assigned, people["liaison"], S.IN_PROGRESS)
    # …acts on their own agency's…
    own = _move(
        adopt(kind=ResponsibleKind.AGENCY, agency=council_world.agency), people["area_officer"], S.ASSIGNED
    )
    assert _move(own, people["liaison"], S.IN_PROGRESS, progress=10).progress == 10
    # …and not on another agency's, even in their city.
    power = AgencyFactory(city=council_world.city, slug="cw-power")
    theirs = _move(adopt(kind=ResponsibleKind.AGENCY, agency=power), people["area_officer"], S.ASSIGNED)
    with pytest.raises(PermissionDenied):
        _move(theirs, people["liaison"], S.IN_PROGRESS)
    # Nor may a liaison confirm the owner: that is the district's and the area's.
    with pytest.raises(PermissionDenied):
        _move(adopt(kind=ResponsibleKind.AGENCY, agency=council_world.agency), people["liaison"], S.ASSIGNED)


def _invalid(resolution: Resolution, actor: Any, to: str, **kwargs: Any) -> dict[str, list[str]]:
    before = (resolution.state, resolution.progress, resolution.version)
    with pytest.raises(ValidationError) as caught:
        _move(resolution, actor, to, **kwargs)
    resolution.refresh_from_db()
    assert (resolution.state, resolution.progress, resolution.version) == before
    return caught.value.message_dict


def test_progress_rules(council_world: Any, adopt: Any) -> None:
    officer, area = council_world.people["district_officer"], council_world.people["area_officer"]
    resolution = _move(_move(adopt(), officer, S.ASSIGNED), area, S.IN_PROGRESS, progress=40)
    for bad in (101, -1, "50", True, 12.5):
        assert "progress" in _invalid(resolution, area, S.IN_PROGRESS, progress=bad)
    # Only up, unless a note explains.
    assert "progress" in _invalid(resolution, area, S.IN_PROGRESS, progress=30)
    assert "progress" in _invalid(resolution, area, S.IN_PROGRESS, progress=40)  # nothing new
    lower = _move(resolution, area, S.IN_PROGRESS, progress=30, note="بخشی از کار باید دوباره انجام شود")
    assert lower.progress == 30
    lower = _move(lower, area, S.IN_PROGRESS, note="پیمانکار مستقر شد")
    assert lower.progress == 30
    # Finishing: an outcome for done, a reason for not feasible.
    assert "note" in _invalid(lower, area, S.DONE)
    assert "note" in _invalid(lower, area, S.NOT_FEASIBLE, note="   ")
    assert "note" in _invalid(lower, area, S.DONE, note="ا" * 4001)
    # Progress is not given when assigning.
    assert "progress" in _invalid(
        _move(adopt(), officer, S.ASSIGNED), officer, S.ASSIGNED, progress=5, note="x"
    )


def test_owner_and_deadline_corrections(council_world: Any, adopt: Any) -> None:
    officer, liaison = council_world.people["district_officer"], council_world.people["liaison"]
    today = timezone.localdate()
    resolution = adopt()
    assert "note" in _invalid(resolution, officer, S.ASSIGNED, deadline=today + timedelta(days=90))
    assert "deadline" in _invalid(
        resolution, officer, S.ASSIGNED, deadline=today - timedelta(days=1), note="x"
    )
    assert "responsible_agency" in _invalid(
        resolution, officer, S.ASSIGNED, responsible_kind=ResponsibleKind.AGENCY, note="آب"
    )
    assigned = _move(
        resolution,
        officer,
        S.ASSIGNED,
        responsible_kind=ResponsibleKind.AGENCY,
        responsible_agency=council_world.agency,
        note="کار آبفاست",
    )
    assert assigned.responsible_agency_id == council_world.agency.pk
    assert Notification.objects.filter(recipient=liaison, kind="resolutions.resolution.adopted").exists()
    # Reassigning the same owner and deadline is nothing to record.
    assert "__all__" in _invalid(assigned, officer, S.ASSIGNED, note="همان")
    # Owner and deadline are set only while assigning.
    started = _move(assigned, liaison, S.IN_PROGRESS)
    assert "responsible_kind" in _invalid(started, liaison, S.IN_PROGRESS, deadline=today, progress=10)


def test_a_new_deadline_restarts_escalation(council_world: Any, adopt: Any) -> None:
    officer = council_world.people["district_officer"]
    resolution = _move(adopt(), officer, S.ASSIGNED)
    Resolution.objects.filter(pk=resolution.pk).update(escalation_level=ResolutionEscalation.DISTRICT)
    later = timezone.localdate() + timedelta(days=40)
    moved = _move(resolution, officer, S.ASSIGNED, deadline=later, note="مهلت تازه")
    assert (moved.deadline, moved.escalation_level) == (later, ResolutionEscalation.NONE)


def test_a_stale_version_is_a_conflict(council_world: Any, adopt: Any) -> None:
    officer, area = council_world.people["district_officer"], council_world.people["area_officer"]
    resolution = adopt()
    seen = resolution.version
    _move(resolution, officer, S.ASSIGNED, expected_version=seen)
    with pytest.raises(ConflictError) as caught:
        _move(resolution, area, S.NOT_FEASIBLE, note="نمی‌شود", expected_version=seen)
    assert caught.value.status == 409
    resolution.refresh_from_db()
    assert resolution.state == S.ASSIGNED and resolution.version == seen + 1


def test_milestones(council_world: Any, adopt: Any) -> None:
    officer, area = council_world.people["district_officer"], council_world.people["area_officer"]
    today = timezone.localdate()
    resolution = _move(adopt(), officer, S.ASSIGNED)
    step = milestone_add(
        actor=area, resolution=resolution, title="  خرید  چراغ ", due_on=today + timedelta(days=5)
    )
    assert (step.title, step.done_on) == ("خرید چراغ", None)
    for title, due_on, field in (
        ("", today, "title"),
        ("ا" * 201, today, "title"),
        ("نصب", today - timedelta(days=1), "due_on"),  # before the adoption
        ("نصب", today + timedelta(days=800), "due_on"),
        ("نصب", "1405/01/01", "due_on"),
    ):
        with pytest.raises(ValidationError) as caught:
            milestone_add(actor=area, resolution=resolution, title=title, due_on=due_on)
        assert field in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        milestone_add(actor=council_world.chair, resolution=resolution, title="نصب", due_on=today)
    with pytest.raises(ValidationError):
        milestone_mark_done(actor=area, milestone=step, done_on=today + timedelta(days=1))
    done = milestone_mark_done(actor=area, milestone=step)
    assert done.done_on == today
    with pytest.raises(ConflictError):
        milestone_mark_done(actor=area, milestone=step)
    assert Notification.objects.filter(
        kind="resolutions.milestone.done", recipient=council_world.chair
    ).exists()
    finished = _move(resolution, officer, S.NOT_FEASIBLE, note="نمی‌شود")
    with pytest.raises(ConflictError):
        milestone_add(actor=area, resolution=finished, title="نصب", due_on=today)
    assert Milestone.objects.filter(resolution=resolution).count() == 1


def test_finishing_updates_the_linked_reports(council_world: Any, adopt: Any) -> None:
    people = council_world.people
    officer, area = people["district_officer"], people["area_officer"]
    follower = UserFactory()
    # A report is referred only through a referral: this one goes to the agency and follows it.
    referred = make_report(council_world.n1, state=ReportState.TRIAGED, reporter=people["resident"])
    referral_create(
        actor=officer,
        report=referred,
        target=Target(kind=TargetKind.AGENCY, agency=council_world.agency),
        subject="روشنایی کوچه",
    )
    referred.refresh_from_db()
    assert referred.state == ReportState.REFERRED
    handled = make_report(council_world.n1, state=ReportState.IN_PROGRESS, reporter=people["citizen"])
    anonymous = make_report(council_world.n1, state=ReportState.TRIAGED, phone="+989351112233")
    ReportFollow.objects.create(report=handled, user=follower)
    resolution = adopt(report_ids=(referred.pk, handled.pk, anonymous.pk))
    resolution = _move(_move(resolution, officer, S.ASSIGNED), area, S.IN_PROGRESS, progress=50)
    _move(resolution, area, S.DONE, note="چراغ‌ها نصب شد")
    referred.refresh_from_db()
    handled.refresh_from_db()
    anonymous.refresh_from_db()
    # The report workflow lets the system resolve a referred report, and nothing else.
    assert referred.state == ReportState.RESOLVED and "چراغ‌ها نصب شد" in referred.resolution_note
    assert referred.transitions.filter(to_state=ReportState.RESOLVED, actor=None).exists()
    assert (handled.state, anonymous.state) == (ReportState.IN_PROGRESS, ReportState.TRIAGED)
    outcome = Notification.objects.filter(kind="resolutions.report.outcome")
    assert set(outcome.exclude(recipient=None).values_list("recipient_id", flat=True)) == {
        people["resident"].pk,
        people["citizen"].pk,
        follower.pk,
    }
    assert outcome.filter(recipient=None, address="+989351112233", channel="sms").exists()
    assert outcome.filter(recipient=follower, context__note="چراغ‌ها نصب شد").exists()


def test_not_feasible_tells_the_reports_but_resolves_nothing(council_world: Any, adopt: Any) -> None:
    referred = make_report(
        council_world.n1, state=ReportState.REFERRED, reporter=council_world.people["resident"]
    )
    resolution = adopt(report_ids=(referred.pk,))
    _move(resolution, council_world.people["district_officer"], S.NOT_FEASIBLE, note="در حریم رودخانه")
    referred.refresh_from_db()
    assert referred.state == ReportState.REFERRED
    assert Notification.objects.filter(
        kind="resolutions.report.outcome", recipient=council_world.people["resident"]
    ).exists()
