"""The demo city's neighborhood councils: every neighborhood with a council, a year of meetings,
resolutions in every state, an open registration call and a running election.

`demo_councils_load` adds to the loaded demo city «کوهسار»:

- the city's default seat template (the common Iranian composition, `demo.councils.SEATS`: 15 seats)
  and the council policy in force (quorum more than ½, 24-month terms, 2 consecutive terms, two
  meetings a month, 30 days before an overdue resolution reaches the deputy);
- a council in every one of the 60 neighborhoods. Most are active, their term started 6–20 months ago;
  a few started 21–23 months ago and end within 90 days; one is suspended with a reason. Councils whose
  year of meetings reaches back before their term have a previous term (state renewed) with its own
  members, election and meetings. Two neighborhoods of district 1 are forming their next council:
  one has an OPEN registration call (a dozen applications: submitted, accepted, rejected with a
  reason), the other a RUNNING election (polls open, ballots cast);
- members in every seat of the template (15 seats; one elected seat vacant in a few councils),
  chair, vice chair and secretary, a few resignations with the runner-up seated in their place,
  six working groups each; the demo accounts of the council roles (09120000002–4) are THE member,
  chair and secretary of their neighborhood's council, and the demo citizen (09120000001) is a
  verified resident of the neighborhood whose election is running, so she can vote;
- the certified election behind every term's elected seats: the call, the applications, the
  candidates with votes, ranks and who was elected (ranked by `elections.tally.tally`, the rule the
  elections app certifies with); a poll book (`Ballot` rows, no choice in them) for three neighborhoods,
  a turnout number for the others;
- about 24 meetings a year per council (every other week, a few extraordinary, a few cancelled, two
  upcoming), agendas from the neighborhood's citizen reports when `load_demo_reports` has run and
  from members and the district otherwise, attendance for every seated member, open and secret
  votes whose stored results are `meetings.decisions.decide(...)` of their counts, minutes (sanitized
  HTML) mostly published;
- a resolution for every adopted item, numbered per council per Jalali year, in every state, some
  overdue and escalated exactly as `resolutions_escalate_overdue` would have (level 1 once past the
  deadline, level 2 once `resolution_escalation_days` past it), linked to the citizen reports their
  items came from, with their transition history and milestones.

Who counts as "a council with members in every seat type": the neighborhood's current council when it
sits (active or suspended); for the two neighborhoods forming their next council, the previous term,
whose members served until it ended.

Rows are written directly with `bulk_create` (a few thousand meetings and tens of thousands of
attendance rows), in the states and with the numbers the services would have produced. Their history
is dated: the `auto_now`/`auto_now_add` fields of these models are switched off during the load, which
runs in a management command or a test, never beside requests. The whole load is one transaction, so a
council in the demo city is a sure sign that it ran, and a second run does nothing. Every draw comes
from one seeded random generator; dates count back from today.
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jdatetime
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from mahalat.accounts.models import Role, RoleAssignment, ScopeKind, User
from mahalat.accounts.phone import normalize_phone
from mahalat.accounts.services import role_assign
from mahalat.audit.services import event_record
from mahalat.councils.models import (
    Council,
    CouncilPolicy,
    CouncilState,
    CouncilTransition,
    MemberRole,
    Membership,
    MembershipEnd,
    SeatFill,
    SeatTemplate,
    SeatType,
    WorkingGroup,
    placement,
)
from mahalat.councils.services import add_months
from mahalat.demo import councils as data
from mahalat.demo.city import CITY_SLUG, COUNCIL_NEIGHBORHOOD_SLUG
from mahalat.demo.report_texts import LAST_NAMES
from mahalat.demo.reports import STAFF_PHONE
from mahalat.demo.services import CITIZEN, DEMO_ACCOUNTS
from mahalat.elections.models import (
    Application,
    ApplicationDocument,
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
    MajorityMethod,
    Meeting,
    MeetingKind,
    MeetingState,
    MemberVote,
    Minutes,
    MinutesState,
    VoteChoice,
    VoteMode,
)
from mahalat.persian.digits import to_persian_digits
from mahalat.referrals.models import Agency
from mahalat.reports.models import HandlerKind, Report
from mahalat.resolutions.models import (
    Milestone,
    Resolution,
    ResolutionEscalation,
    ResolutionState,
    ResolutionTransition,
    ResponsibleKind,
)
from mahalat.scale.writer import dates_as_given
from mahalat.territory.models import City, District, Neighborhood
from mahalat.worktime.calendar import TEHRAN, local_date

DEFAULT_SEED = 1405
HISTORY_DAYS = 365
UPCOMING_DAYS = 30  # how far ahead the next regular meetings are already scheduled
BATCH = 500
# Reserved demo ranges: council members, candidates and applicants; voters of the poll-book
# neighborhoods. The demo accounts are +98 912 000 00xx, the report loader's people +98 912 100 0xxx
# and +98 912 001 0xxx.
MEMBER_PHONE = "0912200{n:04d}"
VOTER_PHONE = "0912201{n:04d}"
# The policy's rule set in force for the whole history: 1400/01/01.
POLICY_IN_FORCE_FROM = date(2021, 3, 21)
# A tiny valid PDF for the open call's application documents.
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
_COUNCIL_ROLE = {
    MemberRole.CHAIR: Role.COUNCIL_CHAIR,
    MemberRole.SECRETARY: Role.COUNCIL_SECRETARY,
    MemberRole.VICE_CHAIR: Role.COUNCIL_MEMBER,
    MemberRole.MEMBER: Role.COUNCIL_MEMBER,
}
# Every model whose dated fields the load writes itself.
_DATED_MODELS: tuple[type[models.Model], ...] = (
    RoleAssignment,
    Council,
    CouncilTransition,
    Membership,
    RegistrationCall,
    Application,
    ApplicationDocument,
    Residency,
    Meeting,
    AgendaItem,
    Attendance,
    Minutes,
    ResolutionTransition,
)


@dataclass(frozen=True, slots=True)
class DemoCouncilsSummary:
    created: bool  # False when the demo city already had its councils
    councils: int
    current_councils: int
    members: int  # current seats
    users_created: int
    meetings: int
    agenda_items: int
    member_votes: int
    resolutions: int
    resolutions_by_state: dict[str, int]
    overdue: int
    elections: int
    ballots: int
    applications: int
    seconds: float


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of a local (Tehran) day, as the aware UTC the database stores."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TEHRAN).astimezone(UTC)


def jalali_year(moment: datetime) -> int:
    return jdatetime.date.fromgregorian(date=local_date(moment)).year


# --- the plan -----------------------------------------------------------------------------------


@dataclass(eq=False)
class _Term:
    """One council term being built: the council row and the seats that sit on it."""

    council: Council
    start: date | None
    # The last day it sits: its term end, the day it was suspended, or None while it sits.
    stops: date | None
    seats: list[Membership] = field(default_factory=list)
    election: Election | None = None
    runners_up: list[User] = field(default_factory=list)


@dataclass(eq=False)
class _ReportRow:
    report: Report
    used: bool = False


class _Builder:
    def __init__(self, *, city: City, seed: int, now: datetime, progress: bool) -> None:
        self.city = city
        self.rng = random.Random(seed)
        self.now = now
        self.today = local_date(now)
        self.progress = progress
        self.rows: dict[str, list[Any]] = {}
        self.phones_taken: set[str] = set()
        self.phone_next = {"member": 0, "voter": 0}
        self.users_created = 0
        self.unusable = make_password(None)
        self.residents: set[int] = set()  # id() of users given a residency
        self.used_names: set[str] = {str(a["full_name"]) for a in DEMO_ACCOUNTS}
        self.terms: list[_Term] = []
        # Each agenda item's subject (None for a citizen report) and whether it only follows one up.
        self.topics: dict[int, tuple[data.Topic | None, bool]] = {}

    # --- rows -------------------------------------------------------------------------------

    def add(self, kind: str, obj: Any) -> Any:
        self.rows.setdefault(kind, []).append(obj)
        return obj

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # --- people -----------------------------------------------------------------------------

    def name(self, *, female: bool | None = None, youth: bool = False, cleric: bool = False) -> str:
        rng = self.rng
        if cleric:
            female = False
        elif female is None:
            female = rng.random() < 0.35
        for _attempt in range(50):
            first = rng.choice(
                data.YOUTH_NAMES if youth else data.FEMALE_NAMES if female else data.MALE_NAMES
            )
            if cleric:
                first = f"{data.CLERIC_PREFIX} {rng.choice(('سید ', ''))}{first}"
            name = f"{first} {rng.choice(LAST_NAMES)}"
            if name not in self.used_names:
                break
        self.used_names.add(name)
        return name

    def person(self, *, joined: date, kind: str = "member", **name: Any) -> User:
        pattern = MEMBER_PHONE if kind == "member" else VOTER_PHONE
        while True:
            self.phone_next[kind] += 1
            phone = normalize_phone(pattern.format(n=self.phone_next[kind]))
            if phone not in self.phones_taken:
                break
        self.users_created += 1
        return self.add(
            "user",
            User(
                phone=phone,
                full_name=self.name(**name),
                password=self.unusable,
                date_joined=_at(joined, self.rng.randint(8, 22), self.rng.randint(0, 59)),
            ),
        )

    def residency(
        self, user: User, hood: Neighborhood, *, on: date, state: str = ResidencyState.VERIFIED
    ) -> None:
        if id(user) in self.residents:
            return
        self.residents.add(id(user))
        if (
            user.pk is not None
            and Residency.objects.filter(user=user).exclude(state=ResidencyState.REJECTED).exists()
        ):
            return  # an existing account that already lives somewhere
        officer = self.officers.get(hood.district_id)
        verified = state != ResidencyState.CLAIMED
        self.add(
            "residency",
            Residency(
                user=user,
                **self.place(hood),
                address=self.address(hood),
                postal_code=f"{self.rng.randint(1000000000, 9999999999)}",
                state=state,
                reason=data.APPLICATION_REJECTIONS[0] if state == ResidencyState.REJECTED else "",
                verified_by=officer if verified else None,
                verified_at=_at(on, 11) if verified else None,
                claimed_at=_at(on - timedelta(days=self.rng.randint(2, 6)), 20),
            ),
        )

    def address(self, hood: Neighborhood) -> str:
        rng = self.rng
        return rng.choice(data.ADDRESSES).format(
            neighborhood=hood.name,
            n=to_persian_digits(rng.randint(1, 24)),
            p=to_persian_digits(rng.randint(1, 180)),
        )

    @staticmethod
    def place(hood: Neighborhood) -> dict[str, Any]:
        return {
            "city_id": hood.city_id,
            "district_id": hood.district_id,
            "area_id": hood.area_id,
            "neighborhood": hood,
        }

    # --- the setting --------------------------------------------------------------------------

    def prepare(self) -> None:
        city = self.city
        self.template, self.seat_types = _template_ensure(city)
        self.policy = _policy_ensure(city)
        self.hoods = list(
            Neighborhood.objects.filter(city=city)
            .select_related("area", "district")
            .order_by("district__number", "area__number", "slug")
        )
        self.districts = list(District.objects.filter(city=city).order_by("number"))
        self.officers = _district_officers(city, self.districts, self)
        self.agencies = {a.slug: a for a in Agency.objects.filter(city=city)}
        accounts = {a["role"]: normalize_phone(a["phone"]) for a in DEMO_ACCOUNTS}
        users = {u.phone: u for u in User.objects.filter(phone__in=accounts.values())}
        self.demo = {role: users.get(phone) for role, phone in accounts.items()}
        self.demo_assignments = {
            (a.user_id, a.role): a
            for a in RoleAssignment.objects.active().filter(
                user__in=[u for u in self.demo.values() if u is not None],
                neighborhood__slug=COUNCIL_NEIGHBORHOOD_SLUG,
            )
        }
        self.phones_taken = set(
            User.objects.filter(
                Q(phone__startswith="+98912200") | Q(phone__startswith="+98912201")
            ).values_list("phone", flat=True)
        )
        self.reports: dict[int, list[_ReportRow]] = {}
        for report in (
            Report.objects.filter(city=city, duplicate_of__isnull=True)
            .select_related("category")
            .order_by("submitted_at", "id")
        ):
            self.reports.setdefault(report.neighborhood_id, []).append(_ReportRow(report))
        # The neighborhoods with a part to play.
        d1 = [h for h in self.hoods if h.district.number == 1]
        area1 = [h for h in d1 if h.area.number == 1]
        self.council_hood = next(h for h in self.hoods if h.slug == COUNCIL_NEIGHBORHOOD_SLUG)
        self.election_hood = next(h for h in area1 if h is not self.council_hood)
        self.call_hood = next(h for h in d1 if h.area.number == 2)
        others = [h for h in self.hoods if h not in (self.council_hood, self.election_hood, self.call_hood)]
        self.suspended_hood = next(h for h in others if h.district.number == 3)
        self.poll_book_hoods = {self.council_hood.pk, next(h for h in others if h.district.number == 2).pk}
        rest = [h for h in others if h is not self.suspended_hood]
        self.ending_hoods = {h.pk for h in self.rng.sample(rest, 5)}
        self.vacancy_hoods = {h.pk for h in self.rng.sample(rest, 5)}

    # --- councils -------------------------------------------------------------------------------

    def build(self) -> None:
        with tqdm(
            total=len(self.hoods),
            desc=_("Demo councils"),
            unit=_("council"),
            file=sys.stderr,
            disable=not self.progress,
        ) as bar:
            for hood in self.hoods:
                self.neighborhood(hood)
                bar.update(1)
        self.flush()

    def neighborhood(self, hood: Neighborhood) -> None:
        rng, today = self.rng, self.today
        forming = hood in (self.call_hood, self.election_hood)
        if hood is self.council_hood:
            start = today - timedelta(days=300)
        elif hood is self.call_hood:
            start = None
            prev_end = today - timedelta(days=14)
        elif hood is self.election_hood:
            start = None
            prev_end = today - timedelta(days=50)
        elif hood.pk in self.ending_hoods:
            start = today - timedelta(days=rng.randint(650, 700))
        elif hood is self.suspended_hood:
            start = today - timedelta(days=rng.randint(300, 380))
        else:
            start = today - timedelta(days=rng.randint(183, 610))
        terms: list[_Term] = []
        prev: Council | None = None
        if forming or start > today - timedelta(days=HISTORY_DAYS + 30) or rng.random() < 0.3:
            if start is not None:
                prev_end = start - timedelta(days=47)
            prev_start = add_months(prev_end, -self.policy.term_months)
            prev = self.council(hood, term=1, start=prev_start, state=CouncilState.RENEWED, stops=prev_end)
            terms.append(self.terms[-1])
            renewed = prev_end + timedelta(days=2)
        else:
            renewed = (start or today) - timedelta(days=45)
        state = CouncilState.FORMING if forming else CouncilState.ACTIVE
        if hood is self.suspended_hood:
            state = CouncilState.SUSPENDED
        current = self.council(
            hood, term=2 if prev else 1, start=start, state=state, predecessor=prev, created=renewed
        )
        terms.append(self.terms[-1])
        for term in terms:
            self.seat_term(hood, term, previous=terms[0] if term is not terms[0] else None)
        if hood is self.call_hood:
            self.open_call(hood, current, opened=renewed)
        elif hood is self.election_hood:
            self.running_election(hood, self.terms[-1], renewed=renewed)
        for term in terms:
            if term.council.state != CouncilState.FORMING:
                self.meetings(hood, term)
        if self.terms[-1].council.state in (CouncilState.ACTIVE, CouncilState.SUSPENDED):
            self.working_groups(self.terms[-1])

    def council(
        self,
        hood: Neighborhood,
        *,
        term: int,
        start: date | None,
        state: str,
        stops: date | None = None,
        predecessor: Council | None = None,
        created: date | None = None,
    ) -> Council:
        officer = self.officers.get(hood.district_id)
        end = add_months(start, self.policy.term_months) if start else None
        created = created or (start - timedelta(days=45) if start else self.today)
        council = self.add(
            "council_first" if predecessor is None else "council_next",
            Council(
                **self.place(hood),
                seat_template=self.template,
                term_number=term,
                state=state,
                term_start=start,
                term_end=end,
                predecessor=predecessor,
                created_at=_at(created, 9),
                state_changed_at=_at(created, 9),
            ),
        )

        def move(frm: str, to: str, day: date, *, actor: User | None = officer, reason: str = "") -> None:
            self.add(
                "council_transition",
                CouncilTransition(
                    council=council, actor=actor, from_state=frm, to_state=to, reason=reason, at=_at(day, 10)
                ),
            )
            council.state_changed_at = _at(day, 10)

        if start is not None:
            move(CouncilState.FORMING, CouncilState.ACTIVE, start)
        if state == CouncilState.RENEWED:
            assert stops is not None
            move(CouncilState.ACTIVE, CouncilState.TERM_ENDED, stops + timedelta(days=1), actor=None)
            move(CouncilState.TERM_ENDED, CouncilState.RENEWED, stops + timedelta(days=2))
        if state == CouncilState.SUSPENDED:
            stops = self.today - timedelta(days=20)
            council.state_reason = data.SUSPENSION_REASON
            move(CouncilState.ACTIVE, CouncilState.SUSPENDED, stops, reason=data.SUSPENSION_REASON)
        self.terms.append(_Term(council=council, start=start, stops=stops))
        return council

    # --- members and their election ---------------------------------------------------------

    def seat_term(self, hood: Neighborhood, term: _Term, *, previous: _Term | None) -> None:
        """Everyone who sat on this term: elected residents from its election, the appointed and ex
        officio seats, officers, a resignation or two; ended at the term's end when it is over."""
        rng = self.rng
        if term.start is None:
            if hood is self.election_hood:
                # The district seats the appointed and ex officio members while the council forms.
                on = self.today - timedelta(days=10)
                for seat in self.seat_types:
                    if seat.fill != SeatFill.ELECTED:
                        self.membership(
                            hood, term, user=self.seat_holder(hood, seat, on, previous), seat=seat, on=on
                        )
            return
        start = term.start
        carried = (
            [m.user for m in previous.seats if m.seat_type.code == data.RESIDENTS][:2] if previous else []
        )
        demo = hood is self.council_hood and term.council.state == CouncilState.ACTIVE
        demo_users = [
            self.demo.get(r) for r in (Role.COUNCIL_CHAIR, Role.COUNCIL_SECRETARY, Role.COUNCIL_MEMBER)
        ]
        elected = [u for u in demo_users if u is not None] if demo and all(demo_users) else []
        elected += carried
        while len(elected) < data.SEATS[0].seats:
            elected.append(self.person(joined=start - timedelta(days=rng.randint(100, 900))))
        elected = elected[: data.SEATS[0].seats]
        term.runners_up = [
            self.person(joined=start - timedelta(days=rng.randint(100, 900)))
            for _ in range(rng.randint(2, 4))
        ]
        self.election(hood, term, candidates=elected + term.runners_up)
        residents_seat = self.seat_types[0]
        seated: list[Membership] = []
        for user in elected:
            seated.append(
                self.membership(hood, term, user=user, seat=residents_seat, on=start, election=term.election)
            )
        for seat in self.seat_types[1:]:
            seated.append(
                self.membership(
                    hood, term, user=self.seat_holder(hood, seat, start, previous), seat=seat, on=start
                )
            )
        # Officers: the top two elected chair and secretary (the demo accounts where they sit), the
        # trustee vice chair.
        seated[0].role = MemberRole.CHAIR
        seated[1].role = MemberRole.SECRETARY
        seated[data.SEATS[0].seats].role = MemberRole.VICE_CHAIR
        for m in seated:
            m.role_assignment.role = _COUNCIL_ROLE[m.role]
        if demo and all(demo_users):
            # The demo accounts already hold their council roles; their seats use those assignments.
            for m in seated[:3]:
                held = self.demo_assignments.get((m.user.pk, _COUNCIL_ROLE[m.role]))
                if held is not None:
                    self.rows["role"].remove(m.role_assignment)
                    m.role_assignment = held
        last = term.stops or self.today
        plain = seated[2 : data.SEATS[0].seats]
        if (last - start).days > 90:
            if hood is self.suspended_hood:
                leaving = plain[:2]
            elif hood.pk in self.vacancy_hoods:
                leaving = plain[:1]
            elif rng.random() < 0.25:
                leaving = plain[-1:]
            else:
                leaving = []
            for m in leaving:
                day = start + timedelta(days=rng.randint(45, (last - start).days - 30))
                self.end(m, day, MembershipEnd.RESIGNED)
                if hood is self.suspended_hood or hood.pk in self.vacancy_hoods or not term.runners_up:
                    continue  # the seat stays vacant
                runner = term.runners_up.pop(0)
                replacement = self.membership(
                    hood,
                    term,
                    user=runner,
                    seat=residents_seat,
                    on=day + timedelta(days=7),
                    election=term.election,
                )
                replacement.replaces = m
        if term.council.state == CouncilState.RENEWED:
            assert term.stops is not None
            for m in term.seats:
                if m.ends_on is None:
                    self.end(m, term.stops, MembershipEnd.TERM_ENDED)

    def seat_holder(self, hood: Neighborhood, seat: SeatType, on: date, previous: _Term | None) -> User:
        """Who fills an appointed or ex officio seat: often the same office holder as last term."""
        if previous is not None and seat.fill == SeatFill.EX_OFFICIO and self.rng.random() < 0.6:
            for m in previous.seats:
                if m.seat_type.code == seat.code:
                    return m.user
        joined = on - timedelta(days=self.rng.randint(30, 600))
        code = seat.code
        return self.person(
            joined=joined,
            female=True if code == data.WOMEN else None,
            youth=code == data.YOUTH,
            cleric=code == "imam",
        )

    def membership(
        self,
        hood: Neighborhood,
        term: _Term,
        *,
        user: User,
        seat: SeatType,
        on: date,
        election: Election | None = None,
    ) -> Membership:
        seed = next(s for s in data.SEATS if s.code == seat.code)
        assignment = self.add(
            "role",
            RoleAssignment(
                user=user,
                role=Role.COUNCIL_MEMBER,
                scope_kind=ScopeKind.NEIGHBORHOOD,
                **placement(hood),
                valid_from=_at(on, 0),
                created_at=_at(on, 9),
            ),
        )
        office = seed.office.format(neighborhood=hood.name, area=hood.area.name) if seed.office else ""
        if seat.code == data.AREA_OFFICER_SEAT:
            office = f"نماینده‌ی مدیر {hood.area.name}"
        m = Membership(
            council=term.council,
            **placement(hood),
            user=user,
            seat_type=seat,
            role=MemberRole.MEMBER,
            office=office,
            starts_on=on,
            election=election,
            role_assignment=assignment,
            created_at=_at(on, 9),
        )
        term.seats.append(m)
        self.add("membership", m)
        return m

    def end(self, m: Membership, day: date, reason: str) -> None:
        m.ends_on, m.ended_reason = day, reason
        if m.role_assignment is not None and m.role_assignment.pk is None:
            m.role_assignment.revoked_at = _at(day, 12)

    def election(self, hood: Neighborhood, term: _Term, *, candidates: list[User]) -> None:
        """The call, applications and certified election that filled the term's elected seats; the
        candidates are given in the order of the result."""
        rng, start = self.rng, term.start
        assert start is not None
        officer = self.officers[hood.district_id]
        call = self.call(
            hood, opens=_at(start - timedelta(days=40), 8), closes=_at(start - timedelta(days=20), 23, 59)
        )
        call.state = CallState.CLOSED
        seat = self.seat_types[0]
        applied = sorted(
            [(c, call.opens_at + timedelta(minutes=rng.randint(60, 19 * 24 * 60))) for c in candidates],
            key=lambda pair: pair[1],
        )
        applications: dict[int, Application] = {}
        for user, at in applied:
            self.residency(user, hood, on=local_date(at) - timedelta(days=1))
            applications[id(user)] = self.application(
                hood,
                call,
                user,
                seat,
                at=at,
                state=ApplicationState.ACCEPTED,
                reviewed=call.closes_at + timedelta(days=2),
            )
        rejected = self.person(joined=start - timedelta(days=rng.randint(100, 900)))
        self.application(
            hood,
            call,
            rejected,
            seat,
            at=call.opens_at + timedelta(days=rng.randint(1, 18)),
            state=ApplicationState.REJECTED,
            reviewed=call.closes_at + timedelta(days=2),
        )
        polls = start - timedelta(days=8)
        poll_book = hood.pk in self.poll_book_hoods and term.council.state != CouncilState.RENEWED
        turnout = rng.randint(90, 140) if poll_book else rng.randint(150, 700)
        eligible = turnout * rng.randint(3, 6) if not poll_book else turnout + rng.randint(30, 80)
        votes = self.votes(turnout, len(candidates), seat.seats)
        election = self.add(
            "election",
            Election(
                **self.place(hood),
                call=call,
                council=term.council,
                seat_type=seat,
                seats=seat.seats,
                opens_at=_at(polls, 8),
                closes_at=_at(polls, 20),
                state=ElectionState.CERTIFIED,
                turnout=turnout,
                eligible_voters=eligible,
                certified_by=officer,
                certified_at=_at(polls + timedelta(days=3), 11),
            ),
        )
        term.election = election
        ranked = tally(
            [
                Entry(
                    candidate_id=i,
                    votes=votes[i],
                    submitted_at=applications[id(u)].submitted_at,
                    application_id=i,
                )
                for i, u in enumerate(candidates)
            ],
            seats=seat.seats,
        )
        for r in ranked:
            user = candidates[r.candidate_id]
            self.add(
                "candidate",
                Candidate(
                    election=election,
                    application=applications[id(user)],
                    user=user,
                    votes=r.votes,
                    rank=r.rank,
                    is_elected=r.is_elected,
                ),
            )
        if poll_book:
            self.poll_book(
                hood, election, turnout, on=polls, verified_on=call.closes_at.date(), eligible=eligible
            )

    def votes(self, turnout: int, candidates: int, seats: int) -> list[int]:
        """Strictly falling counts a poll book of `turnout` ballots of up to `seats` choices can give:
        each at most `turnout`, together at least `turnout` and at most `seats × turnout`."""
        rng = self.rng
        top = int(turnout * rng.uniform(0.55, 0.8))
        counts = [top]
        for _n in range(candidates - 1):
            counts.append(max(counts[-1] - rng.randint(2, max(3, turnout // 12)), 1))
        for i in range(len(counts) - 2, -1, -1):  # keep them strictly falling above the floor
            counts[i] = max(counts[i], counts[i + 1] + 1)
        while sum(counts) < turnout:
            counts = [c + 1 for c in counts]
        n = len(counts)
        while sum(counts) > seats * turnout:
            # Lower every count above its floor (n - i keeps them strictly falling) by one.
            counts = [c - 1 if c > n - i else c for i, c in enumerate(counts)]
        assert all(c <= turnout for c in counts) and sum(counts) <= seats * turnout
        return counts

    def poll_book(
        self,
        hood: Neighborhood,
        election: Election,
        ballots: int,
        *,
        on: date,
        verified_on: date,
        eligible: int,
    ) -> None:
        """Verified residents of the neighborhood, `ballots` of them in the poll book (no choices)."""
        for n in range(eligible):
            voter = self.person(joined=verified_on - timedelta(days=self.rng.randint(5, 400)), kind="voter")
            self.residency(voter, hood, on=verified_on - timedelta(days=self.rng.randint(1, 60)))
            if n < ballots:
                self.add("ballot", Ballot(election=election, voter=voter, voted_on=on))

    def call(
        self, hood: Neighborhood, *, opens: datetime, closes: datetime, documents: list[Any] | None = None
    ) -> RegistrationCall:
        district = next(d for d in self.districts if d.pk == hood.district_id)
        call = self.add(
            "call",
            RegistrationCall(
                city_id=hood.city_id,
                district_id=hood.district_id,
                title=data.CALL_TITLE.format(neighborhood=hood.name),
                description=data.CALL_DESCRIPTION.format(neighborhood=hood.name, district=district.name),
                opens_at=opens,
                closes_at=closes,
                residents_only=True,
                min_age=18,
                required_documents=documents or [],
                state=CallState.OPEN,
                created_by=self.officers[hood.district_id],
                created_at=opens - timedelta(days=3),
            ),
        )
        through_n = RegistrationCall.neighborhoods.through
        through_s = RegistrationCall.seat_types.through
        self.add("call_hood", through_n(registrationcall=call, neighborhood=hood))
        for seat in self.seat_types:
            if seat.fill != SeatFill.EX_OFFICIO:
                self.add("call_seat", through_s(registrationcall=call, seattype=seat))
        return call

    def application(
        self,
        hood: Neighborhood,
        call: RegistrationCall,
        user: User,
        seat: SeatType,
        *,
        at: datetime,
        state: str,
        reviewed: datetime | None = None,
    ) -> Application:
        rng = self.rng
        reviewed_state = state in (ApplicationState.ACCEPTED, ApplicationState.REJECTED)
        return self.add(
            "application",
            Application(
                **self.place(hood),
                call=call,
                applicant=user,
                seat_type=seat,
                birth_date=date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28)),
                address=self.address(hood),
                statement=rng.choice(data.STATEMENTS),
                state=state,
                review_reason=rng.choice(data.APPLICATION_REJECTIONS)
                if state == ApplicationState.REJECTED
                else "",
                reviewed_by=self.officers[hood.district_id] if reviewed_state else None,
                reviewed_at=reviewed if reviewed_state else None,
                submitted_at=at,
            ),
        )

    # --- formation in progress ------------------------------------------------------------------

    def open_call(self, hood: Neighborhood, council: Council, *, opened: date) -> None:
        """An open call with a dozen applications: submitted, accepted and rejected with a reason."""
        rng, now = self.rng, self.now
        opens = now - timedelta(days=6)
        call = self.call(
            hood, opens=opens, closes=now + timedelta(days=14), documents=data.REQUIRED_DOCUMENTS
        )
        seats = {s.code: s for s in self.seat_types}
        plan = (
            [(data.RESIDENTS, ApplicationState.ACCEPTED)] * 3
            + [(data.RESIDENTS, ApplicationState.SUBMITTED)] * 4
            + [(data.RESIDENTS, ApplicationState.REJECTED)]
            + [(data.WOMEN, ApplicationState.ACCEPTED), (data.YOUTH, ApplicationState.SUBMITTED)]
            + [("ngo", ApplicationState.SUBMITTED), ("guilds", ApplicationState.REJECTED)]
        )
        for n, (code, state) in enumerate(plan):
            at = opens + timedelta(hours=6 + n * 9 + rng.randint(0, 5))
            user = self.person(
                joined=at.date() - timedelta(days=rng.randint(30, 900)),
                female=True if code == data.WOMEN else None,
            )
            if state == ApplicationState.ACCEPTED or (state == ApplicationState.SUBMITTED and n % 2 == 0):
                self.residency(user, hood, on=local_date(at) - timedelta(days=2))
            elif state == ApplicationState.SUBMITTED:
                self.residency(user, hood, on=local_date(at), state=ResidencyState.CLAIMED)
            application = self.application(
                hood, call, user, seats[code], at=at, state=state, reviewed=at + timedelta(days=1, hours=3)
            )
            for document in data.REQUIRED_DOCUMENTS:
                doc = ApplicationDocument(
                    application=application,
                    code=document["code"],
                    content_type="application/pdf",
                    size=len(_PDF),
                    uploaded_at=at,
                )
                doc.file.save(f"{document['code']}.pdf", ContentFile(_PDF), save=False)
                self.add("document", doc)

    def running_election(self, hood: Neighborhood, term: _Term, *, renewed: date) -> None:
        """The forming council's election: polls opened yesterday and close in three days."""
        rng = self.rng
        seat = self.seat_types[0]
        call = self.call(
            hood, opens=_at(renewed + timedelta(days=3), 8), closes=_at(renewed + timedelta(days=23), 23, 59)
        )
        call.state = CallState.CLOSED
        opens = _at(self.today - timedelta(days=1), 8)
        election = self.add(
            "election",
            Election(
                **self.place(hood),
                call=call,
                council=term.council,
                seat_type=seat,
                seats=seat.seats,
                opens_at=opens,
                closes_at=opens + timedelta(days=4),
                state=ElectionState.OPEN,
            ),
        )
        term.election = election
        verified_on = local_date(call.closes_at)
        voters = 70
        ballots = rng.randint(24, 32)
        candidates = [self.person(joined=renewed - timedelta(days=rng.randint(100, 900))) for _ in range(8)]
        counts = self.votes(ballots, len(candidates), seat.seats)
        rng.shuffle(counts)  # nobody sees them before the polls close; no order to give away
        for n, user in enumerate(candidates):
            at = call.opens_at + timedelta(days=1 + n * 2, hours=rng.randint(0, 12))
            self.residency(user, hood, on=local_date(at) - timedelta(days=1))
            application = self.application(
                hood,
                call,
                user,
                seat,
                at=at,
                state=ApplicationState.ACCEPTED,
                reviewed=call.closes_at + timedelta(days=2),
            )
            self.add(
                "candidate", Candidate(election=election, application=application, user=user, votes=counts[n])
            )
        for n in range(voters):
            voter = self.person(joined=verified_on - timedelta(days=rng.randint(5, 400)), kind="voter")
            self.residency(voter, hood, on=verified_on - timedelta(days=rng.randint(1, 20)))
            if n < ballots:
                voted = self.today if n % 3 == 0 else self.today - timedelta(days=1)
                self.add("ballot", Ballot(election=election, voter=voter, voted_on=voted))
        citizen = self.demo.get(CITIZEN)
        if citizen is not None:
            self.residency(citizen, hood, on=verified_on)

    # --- working groups -------------------------------------------------------------------------

    def working_groups(self, term: _Term) -> None:
        sitting = [m for m in term.seats if m.ends_on is None]
        through = WorkingGroup.members.through
        for kind, name in data.WORKING_GROUPS:
            members = self.rng.sample(sitting, min(len(sitting), self.rng.randint(3, 5)))
            group = self.add(
                "group", WorkingGroup(council=term.council, kind=kind, name=name, lead=members[0])
            )
            for m in members:
                self.add("group_member", through(workinggroup=group, membership=m))

    # --- meetings -------------------------------------------------------------------------------

    def meetings(self, hood: Neighborhood, term: _Term) -> None:
        """The term's meetings within the last year (and the next two for a sitting council)."""
        rng, today = self.rng, self.today
        assert term.start is not None
        first = max(term.start + timedelta(days=5), today - timedelta(days=HISTORY_DAYS))
        stop = term.stops or today + timedelta(days=UPCOMING_DAYS)
        if first > stop:
            return
        # Every other week on one weekday (Saturday–Wednesday), in the late afternoon.
        weekday = rng.choice((5, 6, 0, 1, 2))
        hour = rng.choice((16, 17, 18))
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        days: list[tuple[date, str]] = []
        while day <= stop:
            days.append((day, MeetingKind.REGULAR))
            day += timedelta(days=14)
        for _n in range(rng.choice((1, 1, 2))):
            extra = first + timedelta(days=rng.randint(10, max(11, (min(stop, today) - first).days - 3)))
            if extra < today and all(abs((extra - d).days) > 2 for d, _k in days):
                days.append((extra, MeetingKind.EXTRAORDINARY))
        days.sort()
        upcoming = 0
        suspended = term.council.state == CouncilState.SUSPENDED
        topics = list(data.TOPICS)
        rng.shuffle(topics)
        state: dict[str, Any] = {"topics": topics, "used": {}}
        secretary = next((m.user for m in term.seats if m.role == MemberRole.SECRETARY), None)
        number = 0
        for day, kind in days:
            starts = _at(day, hour if kind == MeetingKind.REGULAR else 19)
            if starts > self.now:
                if upcoming >= 2 or suspended:
                    continue
                upcoming += 1
            number += 1
            meeting = self.add(
                "meeting",
                Meeting(
                    **self.place(hood),
                    council=term.council,
                    number=number,
                    kind=kind,
                    uid=self.uid(),
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    place=rng.choice(data.PLACES).format(neighborhood=hood.name),
                    online_url=data.ONLINE_URL.format(slug=hood.slug) if rng.random() < 0.1 else "",
                    created_by=secretary,
                    created_at=starts - timedelta(days=rng.randint(7, 20)),
                ),
            )
            if starts > self.now:
                self.items(hood, term, meeting, state, count=rng.randint(1, 3), held=False)
                continue
            if kind == MeetingKind.REGULAR and rng.random() < 0.06:
                meeting.state = MeetingState.CANCELLED
                meeting.cancel_reason = rng.choice(data.CANCEL_REASONS)
                meeting.version = 2
                continue
            weak = suspended and day > (term.stops or today) - timedelta(days=60)
            self.hold(hood, term, meeting, state, weak=weak or rng.random() < 0.06)
        if term.council.state == CouncilState.ACTIVE and term.stops is None:
            # Proposals waiting for a meeting.
            for _n in range(rng.randint(1, 3)):
                self.items(hood, term, None, state, count=1, held=False)

    def present_members(self, term: _Term, day: date) -> list[Membership]:
        return [m for m in term.seats if m.starts_on <= day and (m.ends_on is None or m.ends_on > day)]

    def hold(
        self, hood: Neighborhood, term: _Term, meeting: Meeting, state: dict[str, Any], *, weak: bool
    ) -> None:
        rng = self.rng
        day = local_date(meeting.starts_at)
        seated = self.present_members(term, day)
        chance = 0.3 if weak else 0.87
        present: list[Membership] = []
        for m in seated:
            if rng.random() < chance:
                status = AttendanceStatus.PRESENT
                present.append(m)
            else:
                status = AttendanceStatus.EXCUSED if rng.random() < 0.4 else AttendanceStatus.ABSENT
            self.add(
                "attendance",
                Attendance(meeting=meeting, membership=m, status=status, recorded_at=meeting.starts_at),
            )
        if rng.random() < 0.3:
            guest, affiliation = rng.choice(data.GUESTS)
            self.add(
                "attendance",
                Attendance(
                    meeting=meeting,
                    guest_name=guest,
                    guest_affiliation=affiliation,
                    status=AttendanceStatus.GUEST,
                    recorded_at=meeting.starts_at,
                ),
            )
        num, den = self.policy.quorum_numerator, self.policy.quorum_denominator
        meeting.state = MeetingState.CLOSED
        meeting.seated_members = len(seated)
        meeting.quorum_numerator, meeting.quorum_denominator = num, den
        meeting.quorum_required = quorum_required(seated=len(seated), numerator=num, denominator=den)
        meeting.had_quorum = has_quorum(
            present=len(present), seated=len(seated), numerator=num, denominator=den
        )
        meeting.opened_at = meeting.starts_at + timedelta(minutes=rng.randint(0, 15))
        meeting.closed_at = meeting.ends_at - timedelta(minutes=rng.randint(0, 20))
        meeting.version = 3
        count = 1 if meeting.kind == MeetingKind.EXTRAORDINARY else rng.randint(2, 3)
        self.items(hood, term, meeting, state, count=count, held=True, present=present, seated=len(seated))
        self.minutes(hood, term, meeting, present=len(present))

    def next_topic(self, state: dict[str, Any], when: datetime) -> tuple[data.Topic, bool]:
        """The next subject the council takes up, and whether it only follows up one taken up in the
        last three months (a progress report, no vote)."""
        recent = [t for t, at in state["used"].items() if when - at < timedelta(days=90)]
        if recent and self.rng.random() < 0.2:
            return self.rng.choice(recent), True
        if not state["topics"]:
            state["topics"] = list(data.TOPICS)
            self.rng.shuffle(state["topics"])
        topic = state["topics"].pop()
        state["used"][topic] = when
        return topic, False

    def report_for(self, hood: Neighborhood, before: datetime) -> Report | None:
        rows = self.reports.get(hood.pk, [])
        fresh = [
            r
            for r in rows
            if not r.used and r.report.submitted_at < before - timedelta(days=3) and r.report.is_public
        ]
        recent = [r for r in fresh if r.report.submitted_at > before - timedelta(days=60)]
        pool = recent or fresh
        if not pool:
            return None
        row = self.rng.choice(pool[-10:])
        row.used = True
        return row.report

    def items(
        self,
        hood: Neighborhood,
        term: _Term,
        meeting: Meeting | None,
        state: dict[str, Any],
        *,
        count: int,
        held: bool,
        present: Sequence[Membership] = (),
        seated: int = 0,
    ) -> list[AgendaItem]:
        rng = self.rng
        when = meeting.starts_at if meeting is not None else self.now
        officer = self.officers.get(hood.district_id)
        members = [m.user for m in self.present_members(term, local_date(when))] or [None]
        made: list[AgendaItem] = []
        for position in range(1, count + 1):
            report = self.report_for(hood, when) if rng.random() < 0.45 else None
            item = AgendaItem(
                **self.place(hood),
                council=term.council,
                meeting=meeting,
                position=position,
                state=AgendaItemState.SCHEDULED if meeting is not None else AgendaItemState.PROPOSED,
                created_at=when - timedelta(days=rng.randint(8, 25)),
            )
            if report is not None:
                category = report.category.name
                item.title = data.REPORT_ITEM_TITLE.format(
                    code=to_persian_digits(report.tracking_code), category=category
                )[:200]
                item.description = data.REPORT_ITEM_DESCRIPTION.format(excerpt=report.description[:600])
                item.source, item.report, item.proposed_by = AgendaSource.REPORT, report, rng.choice(members)
                self.topics[id(item)] = (None, False)
                points = data.REPORT_ITEM_DISCUSSION
            else:
                topic, follow_up = self.next_topic(state, when)
                title = topic.title.format(neighborhood=hood.name)
                item.title = (f"پیگیری: {title}" if follow_up else title)[:200]
                item.description = topic.description
                item.is_private = topic.private
                if rng.random() < 0.3 and officer is not None:
                    item.source, item.proposed_by = AgendaSource.DISTRICT, officer
                else:
                    item.source, item.proposed_by = AgendaSource.MEMBER, rng.choice(members)
                self.topics[id(item)] = (topic, follow_up)
                points = topic.discussion
            if held:
                assert meeting is not None
                self.decide_item(meeting, item, points, present=present, seated=seated)
            self.add("item", item)
            made.append(item)
        return made

    def decide_item(
        self,
        meeting: Meeting,
        item: AgendaItem,
        points: Sequence[str],
        *,
        present: Sequence[Membership],
        seated: int,
    ) -> None:
        """What the meeting did with the item: a vote (results by `decide`), a discussion, a deferral."""
        rng = self.rng
        listed = "".join(f"<li>{p}</li>" for p in points)
        item.discussion = f"<p>{item.description.splitlines()[0]}</p><ul>{listed}</ul>"
        if not meeting.had_quorum:
            item.state = AgendaItemState.DISCUSSED if rng.random() < 0.6 else AgendaItemState.DEFERRED
            item.discussion += "<p><strong>بدون حد نصاب؛ تصمیمی گرفته نشد.</strong></p>"
            return
        follow_up = self.topics[id(item)][1]
        if follow_up or rng.random() < 0.15:
            item.state = AgendaItemState.DISCUSSED
            item.discussion += "<p><strong>گزارش پیشرفت ارائه شد؛ رأی‌گیری لازم نبود.</strong></p>"
            return
        item.vote_mode = VoteMode.SECRET if item.is_private or rng.random() < 0.15 else VoteMode.OPEN
        item.majority = rng.choices(
            (MajorityMethod.SIMPLE, MajorityMethod.TWO_THIRDS, MajorityMethod.ABSOLUTE), (80, 15, 5)
        )[0]
        lean = rng.choice((0.9, 0.85, 0.8, 0.7, 0.5, 0.35))
        counts = Counter()
        votes: list[MemberVote] = []
        for m in present:
            if rng.random() < 0.04:
                continue  # did not vote
            draw = rng.random()
            choice = (
                VoteChoice.FOR
                if draw < lean
                else VoteChoice.ABSTAIN
                if draw < lean + 0.08
                else VoteChoice.AGAINST
            )
            counts[choice] += 1
            secret = item.vote_mode == VoteMode.SECRET
            votes.append(MemberVote(item=item, membership=m, choice="" if secret else choice))
        result = decide(
            method=item.majority,
            votes_for=counts[VoteChoice.FOR],
            votes_against=counts[VoteChoice.AGAINST],
            votes_abstain=counts[VoteChoice.ABSTAIN],
            present=len(present),
            seated=seated,
        )
        item.votes_for, item.votes_against, item.votes_abstain = (
            result.votes_for,
            result.votes_against,
            result.votes_abstain,
        )
        item.vote_base, item.votes_needed, item.adopted = result.base, result.needed, result.adopted
        item.state = AgendaItemState.DECIDED
        assert meeting.opened_at is not None
        item.vote_closed_at = meeting.opened_at + timedelta(minutes=20 + 25 * item.position)
        verdict = "تصویب شد" if result.adopted else "تصویب نشد"
        item.discussion += (
            f"<p><strong>نتیجه‌ی رأی‌گیری:</strong> {to_persian_digits(result.votes_for)} موافق، "
            f"{to_persian_digits(result.votes_against)} مخالف، "
            f"{to_persian_digits(result.votes_abstain)} ممتنع؛ {verdict}.</p>"
        )
        for vote in votes:
            self.add("vote", vote)
        if result.adopted:
            self.resolution(meeting, item)

    def minutes(self, hood: Neighborhood, term: _Term, meeting: Meeting, *, present: int) -> None:
        rng = self.rng
        assert meeting.closed_at is not None
        chair = next((m.user for m in term.seats if m.role == MemberRole.CHAIR), None)
        body = data.MINUTES_OPENING.format(
            number=to_persian_digits(meeting.number),
            neighborhood=hood.name,
            present=to_persian_digits(present),
            seated=to_persian_digits(meeting.seated_members),
            place=meeting.place,
        )
        body += (data.MINUTES_QUORUM if meeting.had_quorum else data.MINUTES_NO_QUORUM) + data.MINUTES_CLOSING
        age = (self.now - meeting.closed_at).days
        minutes = Minutes(meeting=meeting, body=body, updated_at=meeting.closed_at + timedelta(hours=20))
        if (age > 21 and rng.random() < 0.95) or (age > 8 and rng.random() < 0.5):
            state = MinutesState.PUBLISHED
        elif age > 3:
            state = MinutesState.APPROVED
        else:
            state = MinutesState.DRAFT
        if state != MinutesState.DRAFT:
            minutes.approved_by = chair
            minutes.approved_at = meeting.closed_at + timedelta(days=rng.randint(1, 3), hours=2)
            minutes.version = 2
            minutes.updated_at = minutes.approved_at
        if state == MinutesState.PUBLISHED:
            assert minutes.approved_at is not None
            minutes.published_at = minutes.approved_at + timedelta(days=rng.randint(0, 2), hours=3)
            minutes.version = 3
            minutes.updated_at = minutes.published_at
        minutes.state = state
        self.add("minutes", minutes)

    # --- resolutions ----------------------------------------------------------------------------

    def resolution(self, meeting: Meeting, item: AgendaItem) -> None:
        """The resolution of an adopted item and how far its owner has got with it by today."""
        rng = self.rng
        assert item.vote_closed_at is not None
        topic = self.topics[id(item)][0]
        agency = None
        if topic is not None:
            kind, text = topic.responsible, topic.resolution
            agency = self.agencies.get(topic.agency) if topic.agency else None
            if kind == ResponsibleKind.AGENCY and agency is None:
                kind = ResponsibleKind.DISTRICT
            milestones = topic.milestones
        else:
            report = item.report
            assert report is not None
            if report.handler_agency_id:
                kind = ResponsibleKind.AGENCY
                agency = next((a for a in self.agencies.values() if a.pk == report.handler_agency_id), None)
            else:
                kind = (
                    ResponsibleKind.AREA
                    if report.handler_kind == HandlerKind.AREA
                    else ResponsibleKind.DISTRICT
                )
            if kind == ResponsibleKind.AGENCY and agency is None:
                kind = ResponsibleKind.DISTRICT
            owner = agency.name if agency is not None else data.OWNER_NAMES[kind]
            text = data.REPORT_RESOLUTION.format(
                code=to_persian_digits(report.tracking_code), category=report.category.name, owner=owner
            )
            milestones = ()
        adopted_at = item.vote_closed_at + timedelta(minutes=5)
        adopted_on = local_date(adopted_at)
        deadline = adopted_on + timedelta(days=rng.choice((30, 45, 60, 60, 90, 120)))
        resolution = Resolution(
            council=meeting.council,
            **placement(meeting),
            meeting=meeting,
            agenda_item=item,
            jalali_year=jalali_year(adopted_at),
            sequence=0,  # numbered once all of the council's resolutions are known
            title=item.title.removeprefix("پیگیری: "),
            text=text,
            votes_for=item.votes_for,
            votes_against=item.votes_against,
            votes_abstain=item.votes_abstain,
            majority=item.majority,
            vote_base=item.vote_base or 0,
            responsible_kind=kind,
            responsible_agency=agency if kind == ResponsibleKind.AGENCY else None,
            deadline=deadline,
            is_public=not item.is_private,
            adopted_at=adopted_at,
            state_changed_at=adopted_at,
        )
        if item.report is not None:
            self.add("resolution_report", (resolution, item.report))
        self.add("resolution", resolution)
        self.follow_through(resolution, milestones)

    def follow_through(self, resolution: Resolution, milestones: Sequence[str]) -> None:
        rng, now, today = self.rng, self.now, self.today
        actor = self.officers.get(resolution.district_id)
        adopted_at = resolution.adopted_at
        deadline = resolution.deadline
        # at, from, to, progress, note; the first is the adoption itself, as `resolution_adopt` records it
        steps: list[tuple[datetime, str, str, int, str]] = [(adopted_at, "", ResolutionState.ADOPTED, 0, "")]
        assigned_at = adopted_at + timedelta(days=rng.randint(1, 10), hours=rng.randint(1, 5))
        if (now - adopted_at).days < 20 and rng.random() < 0.5:
            assigned_at = now + timedelta(days=1)  # the district has not confirmed the owner yet
        span = max((deadline - local_date(adopted_at)).days, 1)
        fate = rng.random()
        if assigned_at > now:
            pass
        elif fate < 0.04:
            steps.append(
                (
                    assigned_at,
                    ResolutionState.ADOPTED,
                    ResolutionState.NOT_FEASIBLE,
                    0,
                    rng.choice(data.NOT_FEASIBLE_REASONS),
                )
            )
        else:
            steps.append(
                (
                    assigned_at,
                    ResolutionState.ADOPTED,
                    ResolutionState.ASSIGNED,
                    0,
                    rng.choice(data.ASSIGN_NOTES),
                )
            )
            started_at = assigned_at + timedelta(days=rng.randint(3, 15))
            # Late owners: some never start, some start and stall; most finish around the deadline.
            stall = rng.random()
            if started_at <= now and stall > 0.07:
                first = rng.randint(10, 40)
                steps.append(
                    (
                        started_at,
                        ResolutionState.ASSIGNED,
                        ResolutionState.IN_PROGRESS,
                        first,
                        rng.choice(data.PROGRESS_NOTES),
                    )
                )
                finish = _at(deadline + timedelta(days=rng.randint(-span // 2, span // 3)), 12)
                middle = started_at + (finish - started_at) / 2
                if middle <= now and middle > started_at:
                    steps.append(
                        (
                            middle,
                            ResolutionState.IN_PROGRESS,
                            ResolutionState.IN_PROGRESS,
                            rng.randint(first + 10, 85),
                            rng.choice(data.PROGRESS_NOTES),
                        )
                    )
                if finish <= now and finish > steps[-1][0] and stall > 0.2:
                    if rng.random() < 0.1:
                        steps.append(
                            (
                                finish,
                                ResolutionState.IN_PROGRESS,
                                ResolutionState.NOT_FEASIBLE,
                                steps[-1][3],
                                rng.choice(data.NOT_FEASIBLE_REASONS),
                            )
                        )
                    else:
                        steps.append(
                            (
                                finish,
                                ResolutionState.IN_PROGRESS,
                                ResolutionState.DONE,
                                100,
                                rng.choice(data.DONE_OUTCOMES),
                            )
                        )
        for at, frm, to, progress, note in steps:
            self.add(
                "resolution_transition",
                ResolutionTransition(
                    resolution=resolution,
                    actor=actor if frm else None,  # the adoption was the council's, not the officer's
                    from_state=frm,
                    to_state=to,
                    progress=progress,
                    note=note,
                    at=at,
                ),
            )
        if steps:
            at, _frm, to, progress, note = steps[-1]
            resolution.state, resolution.progress, resolution.state_changed_at = to, progress, at
            if to in (ResolutionState.DONE, ResolutionState.NOT_FEASIBLE):
                resolution.outcome, resolution.finished_at = note, at
        resolution.version = len(steps)  # the adoption is version 1, as in the services
        # Overdue: open after its deadline day. The escalation job raised it as it would have.
        if resolution.state in (
            ResolutionState.ADOPTED,
            ResolutionState.ASSIGNED,
            ResolutionState.IN_PROGRESS,
        ):
            late = (today - deadline).days
            if late > self.policy.resolution_escalation_days:
                resolution.escalation_level = ResolutionEscalation.DEPUTY
                resolution.escalated_at = _at(
                    deadline + timedelta(days=self.policy.resolution_escalation_days + 1), 2
                )
            elif late > 0:
                resolution.escalation_level = ResolutionEscalation.DISTRICT
                resolution.escalated_at = _at(deadline + timedelta(days=1), 2)
        # Milestones across the time given, done as far as the progress reached.
        finished = resolution.finished_at
        for position, title in enumerate(milestones, start=1):
            due = local_date(adopted_at) + timedelta(days=span * position // len(milestones))
            done = resolution.state == ResolutionState.DONE or (
                resolution.state == ResolutionState.IN_PROGRESS
                and resolution.progress >= 100 * position // (len(milestones) + 1)
            )
            done_on = None
            if done:
                done_on = min(due, local_date(finished) if finished else today, today)
            self.add(
                "milestone",
                Milestone(resolution=resolution, title=title, due_on=due, done_on=done_on, position=position),
            )

    # --- writing --------------------------------------------------------------------------------

    def number_resolutions(self) -> None:
        """Per council, per Jalali year, in the order adopted: 1, 2, 3…; Nowruz starts again at 1."""
        counters: Counter[tuple[int, int]] = Counter()
        for resolution in sorted(self.rows.get("resolution", []), key=lambda r: r.adopted_at):
            key = (id(resolution.council), resolution.jalali_year)
            counters[key] += 1
            resolution.sequence = counters[key]

    def flush(self) -> None:
        self.number_resolutions()
        order: tuple[tuple[str, type[models.Model] | None], ...] = (
            ("user", User),
            ("residency", Residency),
            ("role", RoleAssignment),
            ("council_first", Council),
            ("council_next", Council),
            ("council_transition", CouncilTransition),
            ("call", RegistrationCall),
            ("call_hood", RegistrationCall.neighborhoods.through),
            ("call_seat", RegistrationCall.seat_types.through),
            ("application", Application),
            ("document", ApplicationDocument),
            ("election", Election),
            ("candidate", Candidate),
            ("ballot", Ballot),
            ("membership", None),
            ("group", WorkingGroup),
            ("group_member", WorkingGroup.members.through),
            ("meeting", Meeting),
            ("item", AgendaItem),
            ("attendance", Attendance),
            ("vote", MemberVote),
            ("minutes", Minutes),
            ("resolution", Resolution),
            ("resolution_transition", ResolutionTransition),
            ("milestone", Milestone),
            ("resolution_report", None),
        )
        for kind, model in order:
            rows = self.rows.get(kind, [])
            if kind == "membership":
                # A replacement points at the seat it replaces, so the first holders go in first.
                first = [m for m in rows if m.replaces is None]
                Membership.objects.bulk_create(first, batch_size=BATCH)
                Membership.objects.bulk_create([m for m in rows if m.replaces is not None], batch_size=BATCH)
            elif kind == "resolution_report":
                through = Resolution.reports.through
                through.objects.bulk_create(
                    [through(resolution_id=r.pk, report_id=report.pk) for r, report in rows], batch_size=BATCH
                )
            else:
                assert model is not None
                model.objects.bulk_create(rows, batch_size=BATCH)


# --- the setting, made once -----------------------------------------------------------------------


def _template_ensure(city: City) -> tuple[SeatTemplate, list[SeatType]]:
    template = SeatTemplate.objects.filter(city=city, name=data.TEMPLATE_NAME).first()
    if template is None:
        template = SeatTemplate.objects.create(
            city=city,
            name=data.TEMPLATE_NAME,
            name_en=data.TEMPLATE_NAME_EN,
            description=data.TEMPLATE_DESCRIPTION,
            is_default=not SeatTemplate.objects.filter(city=city, is_default=True).exists(),
        )
        SeatType.objects.bulk_create(
            [
                SeatType(
                    template=template,
                    code=seat.code,
                    name=seat.name,
                    name_en=seat.name_en,
                    fill=seat.fill,
                    seats=seat.seats,
                    position=position,
                )
                for position, seat in enumerate(data.SEATS)
            ]
        )
        event_record(actor=None, action="councils.seat_template.created", obj=template, city_id=city.pk)
    seats = list(template.seat_types.order_by("position", "id"))
    if [s.code for s in seats] != [s.code for s in data.SEATS]:
        raise ValidationError(
            _("The demo seat template “%(name)s” was changed; the demo councils need the original.")
            % {"name": data.TEMPLATE_NAME}
        )
    return template, seats


def _policy_ensure(city: City) -> CouncilPolicy:
    policy, created = CouncilPolicy.objects.get_or_create(
        city=city, in_force_from=POLICY_IN_FORCE_FROM, defaults=data.POLICY
    )
    if created:
        event_record(actor=None, action="councils.policy.created", obj=policy, after=dict(data.POLICY))
    return policy


def _district_officers(city: City, districts: list[District], builder: _Builder) -> dict[int, User]:
    """Each district's social officer, who ran its councils' calls and elections. Where none is
    seated yet (the report loader seats them outside district 1), one is seated as that loader would:
    its number in the same reserved range, holding the role since before the history began."""
    officers: dict[int, User] = {}
    held = (
        RoleAssignment.objects.active()
        .filter(role=Role.DISTRICT_OFFICER, district__in=districts)
        .select_related("user")
        .order_by("user_id")
    )
    for assignment in held:
        officers.setdefault(assignment.district_id, assignment.user)
    number = 0
    for district in districts:
        number += 1
        if district.pk not in officers:
            phone = normalize_phone(STAFF_PHONE.format(n=number))
            user = User.objects.filter(phone=phone).first()
            if user is None:
                user = User.objects.create_user(phone, full_name=builder.name())
            role_assign(
                actor=None,
                user=user,
                role=Role.DISTRICT_OFFICER,
                scope_kind=ScopeKind.DISTRICT,
                scope_ref=district.slug,
                valid_from=builder.now - timedelta(days=HISTORY_DAYS + 120),
            )
            officers[district.pk] = user
        number += district.areas.count()
    return officers


# --- the service --------------------------------------------------------------------------------


def demo_councils_load(*, seed: int = DEFAULT_SEED, progress: bool = True) -> DemoCouncilsSummary:
    """Give every neighborhood of the demo city its council and a year of its work (see the module's
    docstring). Does nothing when the demo city already has councils; raises ValidationError when the
    demo city is not loaded."""
    started = time.monotonic()
    city = City.objects.filter(slug=CITY_SLUG, is_demo=True).first()
    if city is None:
        raise ValidationError(_("The demo city is not loaded; load it first with: manage.py load_demo_city"))
    if Council.objects.filter(city=city).exists():
        return _summary(city, created=False, users_created=0, started=started)
    with transaction.atomic():
        builder = _Builder(city=city, seed=seed, now=timezone.now(), progress=progress)
        builder.prepare()  # through the services, with the clock's own dates
        # The load writes the dates of a year of history into `auto_now`/`auto_now_add` fields.
        with dates_as_given(list(_DATED_MODELS)):
            builder.build()
        summary = _summary(city, created=True, users_created=builder.users_created, started=started)
        event_record(
            actor=None,
            action="demo.councils.loaded",
            obj=city,
            after={
                "councils": summary.councils,
                "meetings": summary.meetings,
                "resolutions": summary.resolutions,
                "users": summary.users_created,
            },
            city_id=city.pk,
        )
    return summary


def _summary(city: City, *, created: bool, users_created: int, started: float) -> DemoCouncilsSummary:
    councils = Council.objects.filter(city=city)
    resolutions = Resolution.objects.filter(city_id=city.pk)
    by_state = dict(resolutions.values_list("state").annotate(n=Count("id")).order_by("state"))
    open_states = [ResolutionState.ADOPTED, ResolutionState.ASSIGNED, ResolutionState.IN_PROGRESS]
    elections = Election.objects.filter(city_id=city.pk)
    return DemoCouncilsSummary(
        created=created,
        councils=councils.count(),
        current_councils=councils.filter(
            state__in=[CouncilState.FORMING, CouncilState.ACTIVE, CouncilState.SUSPENDED]
        ).count(),
        members=Membership.objects.filter(city_id=city.pk, ends_on__isnull=True).count(),
        users_created=users_created,
        meetings=Meeting.objects.filter(city_id=city.pk).count(),
        agenda_items=AgendaItem.objects.filter(city_id=city.pk).count(),
        member_votes=MemberVote.objects.filter(item__city_id=city.pk).count(),
        resolutions=sum(by_state.values()),
        resolutions_by_state={s: by_state.get(s, 0) for s in ResolutionState.values},
        overdue=resolutions.filter(state__in=open_states, deadline__lt=local_date(timezone.now())).count(),
        elections=elections.count(),
        ballots=Ballot.objects.filter(election__city_id=city.pk).count(),
        applications=Application.objects.filter(city_id=city.pk).count(),
        seconds=time.monotonic() - started,
    )
