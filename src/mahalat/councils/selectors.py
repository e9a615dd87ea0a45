"""Reads about councils: the current council of a neighborhood, its seated members and vacancies, the
policy in force, a district's council health, and the public list the API serves.

Each read fetches the related rows it needs in a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.councils.models import (
    Council,
    CouncilPolicy,
    CouncilState,
    MemberRole,
    Membership,
    SeatTemplate,
    SeatType,
    WorkingGroup,
)
from mahalat.councils.workflow import CURRENT_STATES
from mahalat.territory.models import District, Neighborhood

# Officers first, then the seats in the template's order.
_ROLE_ORDER = {MemberRole.CHAIR: 0, MemberRole.VICE_CHAIR: 1, MemberRole.SECRETARY: 2, MemberRole.MEMBER: 3}
TERM_ENDING_SOON_DAYS = 90
HEALTH_WINDOW_DAYS = 90


def _current_members_qs() -> QuerySet[Membership]:
    return Membership.objects.filter(ends_on__isnull=True).select_related("user", "seat_type")


def _sort_members(members: list[Membership]) -> list[Membership]:
    return sorted(
        members, key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.seat_type.position, m.seat_type_id, m.pk)
    )


def current_council(*, neighborhood_id: int) -> Council | None:
    """The neighborhood's council now (forming, active or suspended), if it has one."""
    return (
        Council.objects.filter(neighborhood_id=neighborhood_id, state__in=CURRENT_STATES)
        .select_related("neighborhood", "seat_template")
        .first()
    )


def council_get(*, council_id: int) -> Council:
    council = (
        Council.objects.select_related(
            "neighborhood", "district", "area", "city", "seat_template", "predecessor"
        )
        .filter(pk=council_id)
        .first()
    )
    if council is None:
        raise Http404(_("There is no such council."))
    return council


def seated_members(*, council: Council) -> list[Membership]:
    """Current members: chair, vice chair, secretary, then by seat position. One query."""
    return _sort_members(list(_current_members_qs().filter(council=council)))


def policy_in_force(*, city_id: int, on: date | None = None) -> CouncilPolicy:
    """The newest policy in force on `on` (today by default); the defaults, unsaved, when there is none."""
    on = on or timezone.localdate()
    policy = (
        CouncilPolicy.objects.filter(city_id=city_id, in_force_from__lte=on)
        .order_by("-in_force_from")
        .first()
    )
    return policy if policy is not None else CouncilPolicy(city_id=city_id, in_force_from=on)


def _vacancies(seat_types: list[SeatType], members: list[Membership]) -> list[tuple[SeatType, int]]:
    taken: dict[int, int] = {}
    for m in members:
        taken[m.seat_type_id] = taken.get(m.seat_type_id, 0) + 1
    return [(st, st.seats - taken.get(st.pk, 0)) for st in seat_types if st.seats > taken.get(st.pk, 0)]


def vacant_seats(*, council: Council) -> list[tuple[SeatType, int]]:
    """The seat types of the council's template with free seats, and how many: two queries."""
    seat_types = list(SeatType.objects.filter(template_id=council.seat_template_id))
    members = list(
        Membership.objects.filter(council=council, ends_on__isnull=True).only("id", "seat_type_id")
    )
    return _vacancies(seat_types, members)


def seat_templates(*, city_id: int) -> list[SeatTemplate]:
    return list(
        SeatTemplate.objects.filter(city_id=city_id)
        .annotate(council_count=Count("councils", distinct=True))
        .prefetch_related("seat_types")
        .order_by("-is_default", "name", "id")
    )


def policies(*, city_id: int) -> list[CouncilPolicy]:
    return list(CouncilPolicy.objects.filter(city_id=city_id).order_by("-in_force_from"))


def working_groups(*, council: Council) -> list[WorkingGroup]:
    """The council's working groups with their lead and current members: three queries."""
    return list(
        WorkingGroup.objects.filter(council=council)
        .select_related("lead__user")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Membership.objects.filter(ends_on__isnull=True)
                .select_related("user")
                .order_by("id"),
                to_attr="current_members",
            )
        )
    )


def previous_terms(*, neighborhood_id: int, exclude_id: int | None = None) -> list[Council]:
    qs = Council.objects.filter(neighborhood_id=neighborhood_id).exclude(state__in=CURRENT_STATES)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.order_by("-term_number"))


# --- a council's whole composition, for the public page and the API ------------------------------------


@dataclass
class Composition:
    council: Council
    members: list[Membership]
    vacancies: list[tuple[SeatType, int]]
    groups: list[WorkingGroup]
    seat_types: list[SeatType]

    @property
    def by_seat_type(self) -> list[tuple[SeatType, list[Membership]]]:
        return [(st, [m for m in self.members if m.seat_type_id == st.pk]) for st in self.seat_types]


def compositions(councils: list[Council]) -> list[Composition]:
    """Members, vacancies and working groups of many councils in a fixed number of queries (four)."""
    if not councils:
        return []
    ids = [c.pk for c in councils]
    template_ids = {c.seat_template_id for c in councils}
    seat_types: dict[int, list[SeatType]] = {}
    for st in SeatType.objects.filter(template_id__in=template_ids):
        seat_types.setdefault(st.template_id, []).append(st)
    members: dict[int, list[Membership]] = {}
    for m in _current_members_qs().filter(council_id__in=ids):
        members.setdefault(m.council_id, []).append(m)
    groups: dict[int, list[WorkingGroup]] = {}
    group_qs = (
        WorkingGroup.objects.filter(council_id__in=ids)
        .select_related("lead__user")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Membership.objects.filter(ends_on__isnull=True)
                .select_related("user")
                .order_by("id"),
                to_attr="current_members",
            )
        )
    )
    for g in group_qs:
        groups.setdefault(g.council_id, []).append(g)
    result = []
    for c in councils:
        mine = _sort_members(members.get(c.pk, []))
        result.append(
            Composition(
                council=c,
                members=mine,
                vacancies=_vacancies(seat_types.get(c.seat_template_id, []), mine),
                groups=groups.get(c.pk, []),
                seat_types=seat_types.get(c.seat_template_id, []),
            )
        )
    return result


def public_councils(*, neighborhood: str | None = None, district: str | None = None) -> QuerySet[Council]:
    """Current councils, optionally of one neighborhood or district (by slug), for the public API."""
    qs = (
        Council.objects.filter(state__in=CURRENT_STATES)
        .select_related("neighborhood", "seat_template")
        .order_by("neighborhood__name", "id")
    )
    if neighborhood:
        qs = qs.filter(neighborhood__slug=neighborhood)
    if district:
        qs = qs.filter(district__slug=district)
    return qs


# --- a district's council health --------------------------------------------------------------------------


@dataclass
class CouncilHealth:
    neighborhood: Neighborhood
    council: Council | None
    seats_total: int = 0
    seated: int = 0
    meetings_held: int = 0
    meetings_expected: int = 0
    attendance_rate: float | None = None  # share of seated members present, over held meetings
    quorum_failures: int = 0
    overdue_resolutions: int = 0

    @property
    def vacant(self) -> int:
        return max(self.seats_total - self.seated, 0)

    @property
    def ends_soon(self) -> bool:
        return bool(
            self.council
            and self.council.term_end
            and self.council.state == CouncilState.ACTIVE
            and self.council.term_end <= self._today + timedelta(days=TERM_ENDING_SOON_DAYS)
        )

    @property
    def behind_rhythm(self) -> bool:
        return (
            self.council is not None
            and self.council.state == CouncilState.ACTIVE
            and (self.meetings_held < self.meetings_expected)
        )

    _today: date = date.min


HEALTH_SORTS = {
    "name": lambda h: (h.neighborhood.name,),
    "state": lambda h: (h.council.state if h.council else "~", h.neighborhood.name),
    "term_end": lambda h: (
        h.council.term_end if h.council and h.council.term_end else date.max,
        h.neighborhood.name,
    ),
    "meetings": lambda h: (h.meetings_held, h.neighborhood.name),
    "attendance": lambda h: (
        h.attendance_rate if h.attendance_rate is not None else 2.0,
        h.neighborhood.name,
    ),
    "quorum": lambda h: (-h.quorum_failures, h.neighborhood.name),
    "overdue": lambda h: (-h.overdue_resolutions, h.neighborhood.name),
    "vacant": lambda h: (-h.vacant, h.neighborhood.name),
}


def council_health(*, district_id: int, today: date | None = None, sort: str = "name") -> list[CouncilHealth]:
    """One row per neighborhood of the district: the current council's state, term, meetings held in the
    last 90 days against the rhythm, attendance, quorum failures, overdue resolutions and vacant seats.

    Three queries whatever the size of the district: neighborhoods; councils with their counts as
    subqueries over memberships, meetings, attendance and resolutions; the policy.
    """
    # Read-only use of the meeting and resolution tables; those apps depend on this one, not the reverse.
    from mahalat.meetings.models import Attendance, AttendanceStatus, Meeting, MeetingState
    from mahalat.resolutions.models import OPEN_RESOLUTION_STATES, Resolution

    today = today or timezone.localdate()
    since = timezone.make_aware(datetime.combine(today - timedelta(days=HEALTH_WINDOW_DAYS), time.min))
    neighborhoods = list(
        Neighborhood.objects.filter(district_id=district_id).select_related("area").order_by("name")
    )
    if not neighborhoods:
        return []
    held = Meeting.objects.filter(council=OuterRef("pk"), state=MeetingState.CLOSED, starts_at__gte=since)

    def count_of(qs: QuerySet[Any]) -> Subquery:
        return Subquery(
            qs.order_by().values("council").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        )

    councils = (
        Council.objects.filter(district_id=district_id, state__in=CURRENT_STATES)
        .select_related("seat_template")
        .annotate(
            seats_total=Coalesce(
                Subquery(
                    SeatType.objects.filter(template=OuterRef("seat_template"))
                    .order_by()
                    .values("template")
                    .annotate(n=Sum("seats"))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
            seated=Coalesce(
                count_of(Membership.objects.filter(council=OuterRef("pk"), ends_on__isnull=True)), 0
            ),
            meetings_held=Coalesce(count_of(held), 0),
            quorum_failures=Coalesce(count_of(held.filter(had_quorum=False)), 0),
            # Attendance: members present over the seated members each held meeting recorded.
            present_sum=Coalesce(
                Subquery(
                    Attendance.objects.filter(
                        meeting__council=OuterRef("pk"),
                        meeting__state=MeetingState.CLOSED,
                        meeting__starts_at__gte=since,
                        membership__isnull=False,
                        status=AttendanceStatus.PRESENT,
                    )
                    .order_by()
                    .values("meeting__council")
                    .annotate(n=Count("pk"))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
            expected_sum=Coalesce(
                Subquery(
                    held.order_by().values("council").annotate(n=Sum("seated_members")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
            overdue_resolutions=Coalesce(
                count_of(
                    Resolution.objects.filter(
                        council=OuterRef("pk"), state__in=list(OPEN_RESOLUTION_STATES), deadline__lt=today
                    )
                ),
                0,
            ),
        )
    )
    by_neighborhood = {c.neighborhood_id: c for c in councils}
    policy = policy_in_force(city_id=neighborhoods[0].city_id, on=today)
    expected = policy.meetings_per_month * 3
    rows: list[CouncilHealth] = []
    for n in neighborhoods:
        c = by_neighborhood.get(n.pk)
        row = CouncilHealth(neighborhood=n, council=c)
        row._today = today
        if c is not None:
            row.seats_total = c.seats_total
            row.seated = c.seated
            row.meetings_held = c.meetings_held
            row.quorum_failures = c.quorum_failures
            row.overdue_resolutions = c.overdue_resolutions
            row.meetings_expected = expected if c.state == CouncilState.ACTIVE else 0
            if c.expected_sum:
                row.attendance_rate = min(c.present_sum / c.expected_sum, 1.0)
        rows.append(row)
    rows.sort(key=HEALTH_SORTS.get(sort, HEALTH_SORTS["name"]))
    return rows


def district_get(*, slug: str) -> District:
    district = District.objects.select_related("city").filter(slug=slug).first()
    if district is None:
        raise Http404(_("There is no such district."))
    return district
