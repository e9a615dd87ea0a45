"""Reads for forming a council, already limited to what the person may see, in a fixed number of queries.

Election counts are read here and nowhere else, and only once the polls have closed: before that the
candidates are listed without their `votes` column ever being selected, for everyone, staff included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import DISTRICT_ROLES, Role
from mahalat.accounts.rules import has_permission, held_roles, require_permission
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
from mahalat.elections.workflow import RESULTS_STATES
from mahalat.territory.models import Neighborhood

# --- scope helpers ------------------------------------------------------------------------------------


def staff_district_ids(user: Any) -> set[int]:
    """The districts this person runs (district social officer, district manager)."""
    return {h.scope.district_id for h in held_roles(user) if h.role in DISTRICT_ROLES and h.scope.district_id}


def _operations_q(user: Any) -> Q:
    """Rows in the districts and areas this person runs operations for (the residency verifiers)."""
    q = Q(pk__in=[])
    for held in held_roles(user):
        if held.role in DISTRICT_ROLES and held.scope.district_id:
            q |= Q(district_id=held.scope.district_id)
        elif held.role == Role.AREA_OFFICER and held.scope.area_id:
            q |= Q(area_id=held.scope.area_id)
    return q


# --- calls --------------------------------------------------------------------------------------------


def _call_related(qs: QuerySet[RegistrationCall]) -> QuerySet[RegistrationCall]:
    return qs.select_related("city", "district").prefetch_related("neighborhoods", "seat_types")


def call_list_public(*, now: datetime | None = None) -> QuerySet[RegistrationCall]:
    """Published calls of every city: the open ones first (closing soonest first), then the others, newest
    first. Drafts are never public; cancelled calls stay listed so a shared link keeps working."""
    now = now or timezone.now()
    qs = RegistrationCall.objects.exclude(state=CallState.DRAFT).annotate(
        open_now=Case(
            When(Q(state=CallState.OPEN, closes_at__gt=now), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    return _call_related(qs).order_by("-open_now", "-closes_at", "-id")


def call_get(*, user: Any, pk: int) -> RegistrationCall:
    """A call the person may see (a draft only by its district), or 404."""
    call = _call_related(RegistrationCall.objects.filter(pk=pk)).first()
    if call is None or not (call.is_public or has_permission(user, "elections.run_call", call)):
        raise Http404(_("There is no such registration call."))
    return call


def call_list_staff(*, user: Any, state: str | None = None) -> QuerySet[RegistrationCall]:
    """The calls of the districts this person runs, with their application counts."""
    qs = RegistrationCall.objects.filter(district_id__in=staff_district_ids(user))
    if state in CallState.values:
        qs = qs.filter(state=state)
    qs = qs.annotate(
        applications_total=Count("applications", filter=~Q(applications__state=ApplicationState.WITHDRAWN)),
        applications_waiting=Count("applications", filter=Q(applications__state=ApplicationState.SUBMITTED)),
    )
    return _call_related(qs).order_by("-opens_at", "-id")


def call_for_staff(*, user: Any, pk: int) -> RegistrationCall:
    call = _call_related(RegistrationCall.objects.filter(pk=pk)).first()
    if call is None:
        raise Http404(_("There is no such registration call."))
    require_permission(user, "elections.run_call", call)
    return call


# --- applications -------------------------------------------------------------------------------------


def applications_of(*, user: Any) -> QuerySet[Application]:
    """The person's own applications, newest first, with the reviewer's reason."""
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    return (
        Application.objects.filter(applicant_id=user.pk)
        .select_related("call", "neighborhood", "seat_type")
        .prefetch_related("documents")
        .order_by("-submitted_at", "-id")
    )


@dataclass(frozen=True, slots=True)
class ApplicationFilters:
    neighborhood: int | None = None
    seat_type: int | None = None
    state: str | None = None


def applications_for_review(
    *, user: Any, call: RegistrationCall, filters: ApplicationFilters
) -> QuerySet[Application]:
    """A call's applications for its district's reviewers, filtered, oldest first (the order they came)."""
    require_permission(user, "elections.run_call", call)
    qs = Application.objects.filter(call=call)
    if filters.neighborhood:
        qs = qs.filter(neighborhood_id=filters.neighborhood)
    if filters.seat_type:
        qs = qs.filter(seat_type_id=filters.seat_type)
    if filters.state in ApplicationState.values:
        qs = qs.filter(state=filters.state)
    return qs.select_related("applicant", "neighborhood", "seat_type").order_by("submitted_at", "id")


def application_get(*, user: Any, pk: int) -> Application:
    """An application for the applicant or the reviewing district (404 for anyone else: it is private)."""
    application = (
        Application.objects.filter(pk=pk)
        .select_related("call", "applicant", "neighborhood", "seat_type", "reviewed_by")
        .prefetch_related("documents")
        .first()
    )
    if application is None or not has_permission(user, "elections.view_application", application):
        raise Http404(_("There is no such application."))
    return application


def document_get(*, user: Any, pk: int) -> ApplicationDocument:
    """An attached document, for the applicant and the reviewing district only."""
    document = ApplicationDocument.objects.filter(pk=pk).select_related("application").first()
    if document is None or not has_permission(user, "elections.view_application", document.application):
        raise Http404(_("There is no such document."))
    return document


def verified_residency(*, user: Any, neighborhood_id: int) -> bool:
    return Residency.objects.filter(
        user_id=user.pk, neighborhood_id=neighborhood_id, state=ResidencyState.VERIFIED
    ).exists()


# --- residency ----------------------------------------------------------------------------------------


def residencies_of(*, user: Any) -> list[Residency]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Residency.objects.filter(user_id=user.pk)
        .select_related("neighborhood")
        .order_by("-claimed_at", "-id")
    )


def residency_list_for_staff(
    *, user: Any, neighborhood: int | None = None, state: str | None = None
) -> QuerySet[Residency]:
    """Residency claims in the districts and areas this person verifies, waiting ones first."""
    qs = Residency.objects.filter(_operations_q(user))
    if neighborhood:
        qs = qs.filter(neighborhood_id=neighborhood)
    if state in ResidencyState.values:
        qs = qs.filter(state=state)
    return qs.select_related("user", "neighborhood").order_by("claimed_at", "id")


def is_residency_verifier(user: Any) -> bool:
    """Whether the person verifies residencies anywhere (a district or area role)."""
    return any(h.role in DISTRICT_ROLES or h.role == Role.AREA_OFFICER for h in held_roles(user))


def residency_neighborhoods(*, user: Any) -> list[Neighborhood]:
    """The neighborhoods whose residencies this person verifies, for the list's filter."""
    return list(
        Neighborhood.objects.filter(_operations_q(user)).order_by("name").only("pk", "name", "name_en")
    )


def residency_for_staff(*, user: Any, pk: int) -> Residency:
    residency = Residency.objects.filter(pk=pk).select_related("user", "neighborhood").first()
    if residency is None:
        raise Http404(_("There is no such residency."))
    if not has_permission(user, "elections.verify_residency", residency):
        raise PermissionDenied(_("You do not have permission to do this here."))
    return residency


# --- elections ----------------------------------------------------------------------------------------


def _election_related(qs: QuerySet[Election]) -> QuerySet[Election]:
    return qs.select_related("neighborhood", "seat_type", "council", "call")


def election_get(*, pk: int) -> Election:
    """Elections are public: their candidates, times and (after the close) results."""
    election = _election_related(Election.objects.filter(pk=pk)).first()
    if election is None:
        raise Http404(_("There is no such election."))
    return election


def election_list_public(*, call: RegistrationCall | None = None) -> QuerySet[Election]:
    qs = Election.objects.exclude(state=ElectionState.CANCELLED)
    if call is not None:
        qs = qs.filter(call=call)
    return _election_related(qs).order_by("-opens_at", "-id")


def election_list_staff(*, user: Any, state: str | None = None) -> QuerySet[Election]:
    qs = Election.objects.filter(district_id__in=staff_district_ids(user))
    if state in ElectionState.values:
        qs = qs.filter(state=state)
    qs = qs.annotate(candidates_count=Count("candidates", distinct=True))
    return _election_related(qs).order_by("-opens_at", "-id")


def election_for_staff(*, user: Any, pk: int) -> Election:
    election = election_get(pk=pk)
    require_permission(user, "elections.run_election", election)
    return election


def results_visible(election: Election) -> bool:
    return election.state in RESULTS_STATES


@dataclass(frozen=True, slots=True)
class CandidateRow:
    id: int
    name: str
    statement: str
    submitted_at: datetime
    # None until the polls close — for everyone, whatever their role.
    votes: int | None
    rank: int | None
    is_elected: bool


def election_candidates(*, election: Election) -> list[CandidateRow]:
    """The candidates, in ballot order (by application) before the close and in result order after it.

    Before the polls close the query does not select the vote counters at all."""
    columns = ["pk", "user__full_name", "application__statement", "application__submitted_at"]
    qs = Candidate.objects.filter(election_id=election.pk)
    if not results_visible(election):
        rows = qs.order_by("application__submitted_at", "application_id").values_list(*columns)
        return [
            CandidateRow(
                id=pk, name=name, statement=st, submitted_at=at, votes=None, rank=None, is_elected=False
            )
            for pk, name, st, at in rows
        ]
    rows = qs.order_by("rank", "application__submitted_at", "application_id").values_list(
        *columns, "votes", "rank", "is_elected"
    )
    return [
        CandidateRow(id=pk, name=name, statement=st, submitted_at=at, votes=v, rank=r, is_elected=e)
        for pk, name, st, at, v, r, e in rows
    ]


def ballot_date(*, user: Any, election: Election) -> date | None:
    """The day this person voted in this election (the poll book holds nothing more), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Ballot.objects.filter(election=election, voter_id=user.pk).values_list("voted_on", flat=True).first()
    )
