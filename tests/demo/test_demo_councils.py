"""The demo city's councils: loaded once for the module (city, a few reports, councils), inside a
transaction rolled back when the module ends; each test runs in its own savepoint inside it."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import jdatetime
import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from mahalat.accounts.models import Role, RoleAssignment, User
from mahalat.accounts.phone import normalize_phone
from mahalat.councils.models import Council, CouncilState, MemberRole, Membership, MembershipEnd, WorkingGroup
from mahalat.demo import councils as data
from mahalat.demo.city import CITY_SLUG, COUNCIL_NEIGHBORHOOD_SLUG
from mahalat.demo.council_loader import MEMBER_PHONE, VOTER_PHONE, DemoCouncilsSummary, demo_councils_load
from mahalat.demo.reports import demo_reports_load
from mahalat.demo.services import CITIZEN, DEMO_ACCOUNTS, demo_city_load
from mahalat.elections.models import (
    Application,
    ApplicationState,
    Ballot,
    CallState,
    Candidate,
    Election,
    ElectionState,
    RegistrationCall,
    Residency,
    ResidencyState,
)
from mahalat.elections.tally import Entry, tally
from mahalat.meetings.decisions import decide, has_quorum, quorum_required
from mahalat.meetings.models import (
    AgendaItem,
    AgendaItemState,
    AgendaSource,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingState,
    MemberVote,
    Minutes,
    MinutesState,
    VoteMode,
)
from mahalat.meetings.sanitize import clean_html
from mahalat.resolutions.models import (
    OPEN_RESOLUTION_STATES,
    Resolution,
    ResolutionEscalation,
    ResolutionState,
    ResolutionTransition,
)
from mahalat.territory.locate import invalidate_index
from mahalat.territory.models import City, Neighborhood
from mahalat.worktime.calendar import local_date

REPORTS = 120
MEDIA: dict[str, Path] = {}


@pytest.fixture(scope="module")
def loaded(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoCouncilsSummary]:
    from django.conf import settings

    media, private = settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT
    # The open call's documents are written under the module's own folders.
    settings.MEDIA_ROOT = MEDIA["root"] = tmp_path_factory.mktemp("module") / "media"
    settings.PRIVATE_MEDIA_ROOT = MEDIA["private"] = MEDIA["root"].parent / "private"
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        demo_city_load(progress=False)
        invalidate_index()
        demo_reports_load(count=REPORTS, progress=False)
        yield demo_councils_load(progress=False)
        transaction.set_rollback(True)
    settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT = media, private
    invalidate_index()


def _city() -> City:
    return City.objects.get(slug=CITY_SLUG)


def _demo_user(role: str) -> User:
    phone = next(a["phone"] for a in DEMO_ACCOUNTS if a["role"] == role)
    return User.objects.get(phone=normalize_phone(phone))


# --- councils and seats --------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_neighborhood_has_a_council_with_every_seat_type(loaded: DemoCouncilsSummary) -> None:
    """The rule: the current council when it sits (active or suspended) has a current member in every
    seat type; a council still forming is covered by its previous term's members."""
    assert loaded.created
    city = _city()
    codes = {s.code for s in data.SEATS}
    hoods = list(Neighborhood.objects.filter(city=city))
    assert len(hoods) == 60
    current = {
        c.neighborhood_id: c
        for c in Council.objects.filter(
            city=city, state__in=[CouncilState.FORMING, CouncilState.ACTIVE, CouncilState.SUSPENDED]
        ).select_related("predecessor")
    }
    assert set(current) == {h.pk for h in hoods}
    seats: dict[int, set[str]] = defaultdict(set)
    for council_id, code, ends_on in Membership.objects.filter(city_id=city.pk).values_list(
        "council_id", "seat_type__code", "ends_on"
    ):
        if ends_on is None:
            seats[council_id].add(code)
        seats[-council_id].add(code)  # every seat type it ever had
    states = Counter(c.state for c in current.values())
    assert states == {CouncilState.ACTIVE: 57, CouncilState.FORMING: 2, CouncilState.SUSPENDED: 1}
    for council in current.values():
        if council.state == CouncilState.FORMING:
            assert council.predecessor is not None
            assert council.predecessor.state == CouncilState.RENEWED
            assert seats[-council.predecessor.pk] == codes
        else:
            assert seats[council.pk] == codes, council
            assert council.term_start is not None and council.term_end is not None
    suspended = next(c for c in current.values() if c.state == CouncilState.SUSPENDED)
    assert suspended.state_reason


@pytest.mark.django_db
def test_terms_vacancies_and_replacements(loaded: DemoCouncilsSummary) -> None:
    city = _city()
    today = local_date(timezone.now())
    active = list(Council.objects.filter(city=city, state=CouncilState.ACTIVE))
    ages = [(today - c.term_start).days for c in active]
    assert min(ages) >= 180 and max(ages) <= 720
    assert 3 <= sum((c.term_end - today).days <= 90 for c in active) <= 10
    assert all(c.term_end > today for c in active)
    assert Council.objects.filter(city=city, state=CouncilState.RENEWED).count() >= 20
    total = sum(s.seats for s in data.SEATS)
    current_seats = Counter(
        Membership.objects.filter(council__in=active, ends_on__isnull=True).values_list(
            "council_id", flat=True
        )
    )
    vacant = [c for c in active if current_seats[c.pk] < total]
    assert 3 <= len(vacant) <= 12
    assert all(current_seats[c.pk] <= total for c in active)
    replacements = Membership.objects.filter(city_id=city.pk, replaces__isnull=False).select_related(
        "replaces"
    )
    assert replacements.exists()
    for m in replacements:
        assert m.replaces.ended_reason == MembershipEnd.RESIGNED
        assert m.starts_on > m.replaces.ends_on
        assert m.election_id == m.replaces.election_id is not None
        candidate = Candidate.objects.get(election_id=m.election_id, user_id=m.user_id)
        assert not candidate.is_elected  # a runner-up
    # Officers: one chair, vice chair and secretary on every sitting council.
    officers = Counter(
        Membership.objects.filter(council__in=active, ends_on__isnull=True)
        .exclude(role=MemberRole.MEMBER)
        .values_list("council_id", "role")
    )
    assert all(officers[(c.pk, r)] == 1 for c in active for r in ("chair", "vice_chair", "secretary"))
    # Six working groups, each led by one of its current members.
    groups = WorkingGroup.objects.filter(council__in=active).prefetch_related("members")
    assert groups.count() == 6 * len(active)
    for group in groups:
        members = list(group.members.all())
        assert group.lead in members
        assert all(m.council_id == group.council_id and m.ends_on is None for m in members)


@pytest.mark.django_db
def test_role_assignments_follow_the_seats(loaded: DemoCouncilsSummary) -> None:
    city = _city()
    expected = {
        MemberRole.CHAIR: Role.COUNCIL_CHAIR,
        MemberRole.SECRETARY: Role.COUNCIL_SECRETARY,
        MemberRole.VICE_CHAIR: Role.COUNCIL_MEMBER,
        MemberRole.MEMBER: Role.COUNCIL_MEMBER,
    }
    active_ids = set(RoleAssignment.objects.active().values_list("id", flat=True))
    seats = Membership.objects.filter(city_id=city.pk).select_related("role_assignment")
    assert seats.count() > 1000
    for m in seats:
        a = m.role_assignment
        assert a is not None
        assert (a.user_id, a.neighborhood_id, a.district_id, a.area_id) == (
            m.user_id,
            m.neighborhood_id,
            m.district_id,
            m.area_id,
        )
        assert a.role == expected[m.role]
        sits = m.ends_on is None and m.council.state in (
            CouncilState.ACTIVE,
            CouncilState.FORMING,
            "suspended",
        )
        assert (a.pk in active_ids) == sits, m
        assert (m.ends_on is None) == (m.ended_reason == "")


@pytest.mark.django_db
def test_demo_council_accounts_are_seated_with_their_roles(loaded: DemoCouncilsSummary) -> None:
    council = Council.objects.get(neighborhood__slug=COUNCIL_NEIGHBORHOOD_SLUG, state=CouncilState.ACTIVE)
    for role, member_role in (
        (Role.COUNCIL_CHAIR, MemberRole.CHAIR),
        (Role.COUNCIL_SECRETARY, MemberRole.SECRETARY),
        (Role.COUNCIL_MEMBER, MemberRole.MEMBER),
    ):
        user = _demo_user(role)
        seat = Membership.objects.get(council=council, user=user, ends_on__isnull=True)
        assert seat.role == member_role
        assert seat.seat_type.code == data.RESIDENTS
        assert seat.role_assignment is not None and seat.role_assignment.role == role
        # The account's own (single) assignment is the seat's: no duplicate role rows.
        assert RoleAssignment.objects.active().filter(user=user, role=role).count() == 1
        assert Candidate.objects.get(election=seat.election, user=user).is_elected
    out = StringIO()
    call_command("demo_accounts", stdout=out, skip_checks=True)
    text = out.getvalue()
    assert COUNCIL_NEIGHBORHOOD_SLUG in text
    assert text.count(COUNCIL_NEIGHBORHOOD_SLUG) >= 3


# --- formation ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_open_call_and_one_running_election(loaded: DemoCouncilsSummary) -> None:
    now = timezone.now()
    city = _city()
    calls = RegistrationCall.objects.filter(city=city, state=CallState.OPEN)
    assert calls.count() == 1
    call = calls.get()
    assert call.opens_at < now < call.closes_at
    assert timedelta(days=13) < call.closes_at - now <= timedelta(days=14)
    assert call.district.number == 1
    assert [d["code"] for d in call.required_documents] == [d["code"] for d in data.REQUIRED_DOCUMENTS]
    hood = call.neighborhoods.get()
    assert (
        Council.objects.get(neighborhood=hood, state__in=["forming", "active", "suspended"]).state
        == "forming"
    )
    applications = list(call.applications.prefetch_related("documents"))
    assert 10 <= len(applications) <= 14
    states = Counter(a.state for a in applications)
    assert set(states) == {ApplicationState.SUBMITTED, ApplicationState.ACCEPTED, ApplicationState.REJECTED}
    for a in applications:
        assert {d.code for d in a.documents.all()} == {d["code"] for d in data.REQUIRED_DOCUMENTS}
        assert (a.state == ApplicationState.REJECTED) == bool(a.review_reason)
        assert (a.state == ApplicationState.SUBMITTED) == (a.reviewed_at is None)
        if a.state == ApplicationState.ACCEPTED and a.seat_type.code == data.RESIDENTS:
            assert Residency.objects.filter(user=a.applicant, neighborhood=hood, state="verified").exists()

    elections = Election.objects.filter(city_id=city.pk, state=ElectionState.OPEN)
    assert elections.count() == 1
    election = elections.get()
    assert election.opens_at < now < election.closes_at
    assert timedelta(days=2) < election.closes_at - now <= timedelta(days=4)
    assert election.council.state == CouncilState.FORMING
    assert election.turnout is None and election.eligible_voters is None
    candidates = list(election.candidates.select_related("application"))
    assert len(candidates) >= election.seats + 2
    for c in candidates:
        assert c.application.state == ApplicationState.ACCEPTED
        assert c.application.neighborhood_id == election.neighborhood_id
        assert c.rank is None and not c.is_elected
    ballots = Ballot.objects.filter(election=election)
    assert ballots.count() > 0
    votes = [c.votes for c in candidates]
    assert max(votes) <= ballots.count() <= sum(votes) <= election.seats * ballots.count()
    verified = set(
        Residency.objects.filter(
            neighborhood_id=election.neighborhood_id, state=ResidencyState.VERIFIED
        ).values_list("user_id", flat=True)
    )
    assert set(ballots.values_list("voter_id", flat=True)) <= verified
    citizen = _demo_user(CITIZEN)
    assert citizen.pk in verified
    assert not ballots.filter(voter=citizen).exists()
    assert call.neighborhoods.get().pk != election.neighborhood_id


@pytest.mark.django_db
def test_certified_elections_ranked_by_the_tally(loaded: DemoCouncilsSummary) -> None:
    city = _city()
    elections = Election.objects.filter(city_id=city.pk, state=ElectionState.CERTIFIED).prefetch_related(
        "candidates__application"
    )
    assert elections.count() >= 90
    ballots = dict(
        Ballot.objects.filter(election__city_id=city.pk).values_list("election").annotate(n=Count("id"))
    )
    with_poll_book = 0
    for election in elections:
        candidates = list(election.candidates.all())
        ranked = tally(
            [Entry(c.pk, c.votes, c.application.submitted_at, c.application_id) for c in candidates],
            seats=election.seats,
        )
        by_id = {c.pk: c for c in candidates}
        assert [(r.rank, r.is_elected) for r in ranked] == [
            (by_id[r.candidate_id].rank, by_id[r.candidate_id].is_elected) for r in ranked
        ]
        turnout = election.turnout
        assert turnout is not None and election.eligible_voters is not None
        assert turnout <= election.eligible_voters
        assert max(c.votes for c in candidates) <= turnout <= sum(c.votes for c in candidates)
        assert sum(c.votes for c in candidates) <= election.seats * turnout
        elected = {c.user_id for c in candidates if c.is_elected}
        seated = set(
            Membership.objects.filter(election=election, replaces__isnull=True).values_list(
                "user_id", flat=True
            )
        )
        assert seated == elected
        if election.pk in ballots:
            with_poll_book += 1
            assert ballots[election.pk] == turnout
    assert with_poll_book == 2


# --- meetings and votes --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_year_of_meetings(loaded: DemoCouncilsSummary) -> None:
    now = timezone.now()
    city = _city()
    meetings = Meeting.objects.filter(city_id=city.pk)
    per_hood = Counter(
        meetings.filter(starts_at__gte=now - timedelta(days=365), starts_at__lte=now).values_list(
            "neighborhood_id", flat=True
        )
    )
    assert len(per_hood) == 60
    assert sorted(per_hood.values())[5] >= 20  # about two a month (the forming ones stopped earlier)
    states = Counter(meetings.values_list("state", flat=True))
    assert states[MeetingState.CANCELLED] > 0 and states[MeetingState.SCHEDULED] > 0
    assert meetings.filter(kind="extraordinary").exists()
    assert not meetings.filter(state=MeetingState.SCHEDULED, starts_at__lt=now).exists()
    assert not meetings.filter(state=MeetingState.CLOSED, starts_at__gt=now).exists()
    upcoming = Counter(
        meetings.filter(state=MeetingState.SCHEDULED, council__state=CouncilState.ACTIVE).values_list(
            "council_id", flat=True
        )
    )
    assert set(upcoming.values()) == {2}
    assert len(upcoming) == 57
    numbers = defaultdict(list)
    for council_id, number, _starts in meetings.order_by("starts_at").values_list(
        "council_id", "number", "starts_at"
    ):
        numbers[council_id].append(number)
    assert all(n == list(range(1, len(n) + 1)) for n in numbers.values())
    # Every held meeting: attendance for every member seated that day, and quorum as the policy says.
    held = meetings.filter(state=MeetingState.CLOSED).annotate(
        members=Count("attendance", filter=Q(attendance__membership__isnull=False)),
        present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
    )
    for m in held:
        assert m.members == m.seated_members
        assert m.quorum_required == quorum_required(seated=m.seated_members, numerator=1, denominator=2)
        assert m.had_quorum == has_quorum(present=m.present, seated=m.seated_members)
    assert held.filter(had_quorum=False).exists()
    assert Minutes.objects.filter(meeting__in=held).count() == held.count()
    minutes_states = Counter(Minutes.objects.filter(meeting__city_id=city.pk).values_list("state", flat=True))
    assert minutes_states[MinutesState.PUBLISHED] > 0.8 * held.count()
    assert minutes_states[MinutesState.DRAFT] > 0 and minutes_states[MinutesState.APPROVED] > 0
    for minutes in Minutes.objects.filter(meeting__city_id=city.pk)[:200]:
        assert clean_html(minutes.body) == minutes.body
    for item in AgendaItem.objects.filter(city_id=city.pk).exclude(discussion="")[:300]:
        assert clean_html(item.discussion) == item.discussion


@pytest.mark.django_db
def test_agendas(loaded: DemoCouncilsSummary) -> None:
    city = _city()
    items = AgendaItem.objects.filter(city_id=city.pk)
    sources = Counter(items.values_list("source", flat=True))
    assert set(sources) == {AgendaSource.REPORT, AgendaSource.MEMBER, AgendaSource.DISTRICT}
    for item in items.filter(source=AgendaSource.REPORT).select_related("report"):
        assert item.report.neighborhood_id == item.neighborhood_id
        if item.meeting_id:
            assert item.report.submitted_at < item.meeting.starts_at
    assert items.filter(is_private=True).exists()
    assert items.filter(state=AgendaItemState.PROPOSED, meeting__isnull=True).exists()
    per_meeting = Counter(
        items.filter(meeting__state=MeetingState.CLOSED).values_list("meeting_id", flat=True)
    )
    assert set(per_meeting.values()) <= {1, 2, 3, 4}


@pytest.mark.django_db
def test_every_stored_vote_is_what_decide_computes(loaded: DemoCouncilsSummary) -> None:
    city = _city()
    voted = (
        AgendaItem.objects.filter(city_id=city.pk, state=AgendaItemState.DECIDED)
        .select_related("meeting")
        .annotate(
            present=Count(
                "meeting__attendance",
                filter=Q(meeting__attendance__status=AttendanceStatus.PRESENT),
                distinct=True,
            )
        )
    )
    rows = Counter(MemberVote.objects.filter(item__city_id=city.pk).values_list("item_id", "choice"))
    totals = Counter(MemberVote.objects.filter(item__city_id=city.pk).values_list("item_id", flat=True))
    modes = Counter()
    assert voted.count() > 500
    for item in voted:
        modes[item.vote_mode] += 1
        result = decide(
            method=item.majority,
            votes_for=item.votes_for,
            votes_against=item.votes_against,
            votes_abstain=item.votes_abstain,
            present=item.present,
            seated=item.meeting.seated_members,
        )
        assert (result.base, result.needed, result.adopted) == (
            item.vote_base,
            item.votes_needed,
            item.adopted,
        )
        assert item.meeting.had_quorum
        assert totals[item.pk] == item.votes_for + item.votes_against + item.votes_abstain
        if item.vote_mode == VoteMode.OPEN:
            assert (rows[(item.pk, "for")], rows[(item.pk, "against")], rows[(item.pk, "abstain")]) == (
                item.votes_for,
                item.votes_against,
                item.votes_abstain,
            )
        assert (item.adopted is True) == hasattr(item, "resolution") or not item.adopted
    assert modes[VoteMode.OPEN] and modes[VoteMode.SECRET]
    assert voted.filter(adopted=False).exists()
    # Only members present at the meeting voted.
    present = set(
        Attendance.objects.filter(meeting__city_id=city.pk, status=AttendanceStatus.PRESENT).values_list(
            "meeting_id", "membership_id"
        )
    )
    for meeting_id, membership_id in MemberVote.objects.filter(item__city_id=city.pk).values_list(
        "item__meeting_id", "membership_id"
    ):
        assert (meeting_id, membership_id) in present


@pytest.mark.django_db
def test_secret_votes_store_no_choice(loaded: DemoCouncilsSummary) -> None:
    secret = MemberVote.objects.filter(item__vote_mode=VoteMode.SECRET, item__city_id=_city().pk)
    assert secret.exists()
    assert not secret.exclude(choice="").exists()
    assert not MemberVote.objects.filter(item__vote_mode=VoteMode.OPEN, choice="").exists()


@pytest.mark.django_db
def test_meetings_without_quorum_adopt_nothing(loaded: DemoCouncilsSummary) -> None:
    city = _city()
    weak = Meeting.objects.filter(city_id=city.pk, state=MeetingState.CLOSED, had_quorum=False)
    assert weak.exists()
    items = AgendaItem.objects.filter(meeting__in=weak)
    assert items.exists()
    assert not items.filter(Q(adopted=True) | Q(state__in=["voting", "decided"])).exists()
    assert not MemberVote.objects.filter(item__meeting__in=weak).exists()
    assert not Resolution.objects.filter(meeting__in=weak).exists()
    assert not AgendaItem.objects.filter(
        meeting__state__in=["scheduled", "cancelled"], state="decided"
    ).exists()


# --- resolutions --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_resolutions_in_every_state_some_overdue_and_escalated(loaded: DemoCouncilsSummary) -> None:
    city = _city()
    today = local_date(timezone.now())
    resolutions = Resolution.objects.filter(city_id=city.pk).select_related("agenda_item", "meeting")
    assert set(resolutions.values_list("state", flat=True)) == set(ResolutionState.values)
    days = data.POLICY["resolution_escalation_days"]
    overdue = 0
    for r in resolutions:
        item = r.agenda_item
        assert item.adopted is True and item.meeting_id == r.meeting_id
        assert (r.votes_for, r.votes_against, r.votes_abstain, r.vote_base, r.majority) == (
            item.votes_for,
            item.votes_against,
            item.votes_abstain,
            item.vote_base,
            item.majority,
        )
        assert r.is_public == (not item.is_private)
        assert (r.responsible_kind == "agency") == (r.responsible_agency_id is not None)
        late = (today - r.deadline).days
        if r.state in OPEN_RESOLUTION_STATES and late > 0:
            overdue += 1
            expected = ResolutionEscalation.DEPUTY if late > days else ResolutionEscalation.DISTRICT
            assert r.escalation_level == expected and r.escalated_at is not None
        else:
            assert r.escalation_level == ResolutionEscalation.NONE and r.escalated_at is None
        if r.state == ResolutionState.DONE:
            assert r.progress == 100 and r.outcome and r.finished_at
        elif r.state == ResolutionState.NOT_FEASIBLE:
            assert r.outcome and r.finished_at
        else:
            assert r.finished_at is None
        if r.state == ResolutionState.IN_PROGRESS:
            assert 0 < r.progress < 100
    assert overdue > 10
    levels = Counter(resolutions.values_list("escalation_level", flat=True))
    assert levels[1] > 0 and levels[2] > 0
    assert resolutions.filter(state=ResolutionState.IN_PROGRESS, milestones__isnull=False).exists()
    assert resolutions.filter(reports__isnull=False).exists()
    assert resolutions.filter(responsible_kind="agency").exists()


@pytest.mark.django_db
def test_resolution_history_follows_the_lifecycle(loaded: DemoCouncilsSummary) -> None:
    from mahalat.resolutions.workflow import TRANSITIONS

    city = _city()
    history: dict[int, list[ResolutionTransition]] = defaultdict(list)
    for t in ResolutionTransition.objects.filter(resolution__city_id=city.pk).order_by("at", "id"):
        history[t.resolution_id].append(t)
    for r in Resolution.objects.filter(city_id=city.pk):
        adoption, *steps = history[r.pk]  # the first entry is the adoption, as resolution_adopt writes it
        assert (adoption.from_state, adoption.to_state) == ("", ResolutionState.ADOPTED)
        assert adoption.at == r.adopted_at
        state = ResolutionState.ADOPTED
        for t in steps:
            assert t.from_state == state and (t.from_state, t.to_state) in TRANSITIONS
            state = t.to_state
            assert t.at >= r.adopted_at
        assert state == r.state
        assert r.version == 1 + len(steps)


@pytest.mark.django_db
def test_numbering_is_unique_and_restarts_every_jalali_year(loaded: DemoCouncilsSummary) -> None:
    city = _city()
    numbers: dict[tuple[int, int], list[tuple[object, int]]] = defaultdict(list)
    for council_id, year, sequence, adopted_at in Resolution.objects.filter(city_id=city.pk).values_list(
        "council_id", "jalali_year", "sequence", "adopted_at"
    ):
        assert year == jdatetime.date.fromgregorian(date=local_date(adopted_at)).year
        numbers[(council_id, year)].append((adopted_at, sequence))
    for rows in numbers.values():
        rows.sort()
        assert [s for _at, s in rows] == list(range(1, len(rows) + 1))
    years = {year for _council, year in numbers}
    assert len(years) >= 2  # the year of meetings spans a Nowruz
    councils_in_two_years = Counter(council for council, _year in numbers)
    assert any(n >= 2 for n in councils_in_two_years.values())


# --- people ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_people_have_their_own_numbers_and_no_password(loaded: DemoCouncilsSummary) -> None:
    member_prefix = normalize_phone(MEMBER_PHONE.format(n=0))[:-4]
    voter_prefix = normalize_phone(VOTER_PHONE.format(n=0))[:-4]
    demo_phones = {normalize_phone(a["phone"]) for a in DEMO_ACCOUNTS}
    made = User.objects.filter(Q(phone__startswith=member_prefix) | Q(phone__startswith=voter_prefix))
    assert made.count() == loaded.users_created
    assert not made.filter(phone__in=demo_phones).exists()
    assert all(not u.has_usable_password() for u in made)
    # The ranges belong to no one else: the report loader's residents and staff are elsewhere.
    assert (
        not User.objects.filter(phone__startswith=member_prefix[:-1])
        .exclude(Q(phone__startswith=member_prefix) | Q(phone__startswith=voter_prefix))
        .exists()
    )
    seated = Membership.objects.filter(city_id=_city().pk).values_list("user__phone", flat=True)
    assert set(seated) <= {*made.values_list("phone", flat=True), *demo_phones}
    assert Residency.objects.values("user").annotate(n=Count("id")).filter(n__gt=1).count() == 0


# --- the load itself -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_load_changes_nothing(loaded: DemoCouncilsSummary) -> None:
    before = {model._meta.label: model.objects.count() for model in apps.get_models()}
    again = demo_councils_load(progress=False)
    assert not again.created
    assert again.councils == loaded.councils and again.resolutions == loaded.resolutions
    out = StringIO()
    call_command("load_demo_councils", "--no-progress", stdout=out, skip_checks=True)
    assert str(loaded.councils) in out.getvalue()
    after = {model._meta.label: model.objects.count() for model in apps.get_models()}
    assert after == before


@pytest.mark.django_db
def test_the_load_is_quick_and_says_what_it_made(loaded: DemoCouncilsSummary) -> None:
    assert loaded.seconds < 60
    assert loaded.current_councils == 60
    assert loaded.meetings > 60 * 20
    assert sum(loaded.resolutions_by_state.values()) == loaded.resolutions
    assert all(loaded.resolutions_by_state.values())
    assert loaded.overdue > 0


@pytest.mark.django_db
def test_refuses_without_the_demo_city(loaded: DemoCouncilsSummary) -> None:
    City.objects.filter(slug=CITY_SLUG).update(is_demo=False)
    with pytest.raises(ValidationError):
        demo_councils_load(progress=False)


@pytest.mark.django_db
def test_open_call_documents_are_pdfs(loaded: DemoCouncilsSummary, settings: Any) -> None:
    settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT = MEDIA["root"], MEDIA["private"]
    application = Application.objects.filter(call__state=CallState.OPEN).prefetch_related("documents").first()
    assert application is not None
    for document in application.documents.all():
        with document.file.open("rb") as f:
            assert f.read(5) == b"%PDF-"
        assert Path(document.file.name).suffix == ".pdf"
