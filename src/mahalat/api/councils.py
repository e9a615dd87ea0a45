"""Councils in the API: the neighborhood councils in office with their members, seats and working
groups. Public data only: members are named, never reached (no phone, no national code)."""

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from mahalat.api.auth import optional_session_or_token
from mahalat.api.schemas import ErrorOut
from mahalat.councils.models import Council, CouncilState, MemberRole, SeatFill
from mahalat.councils.selectors import Composition, compositions, public_councils

router = Router(tags=["councils"])


class CouncilQuery(Schema):
    neighborhood: str | None = None
    district: str | None = None


class SeatTypeRef(Schema):
    code: str
    name: str
    name_en: str
    fill: str
    fill_label: str


class MemberOut(Schema):
    full_name: str
    role: str
    role_label: str
    office: str
    seat_type: SeatTypeRef
    since: date


class VacancyOut(Schema):
    seat_type: SeatTypeRef
    vacant: int


class WorkingGroupOut(Schema):
    name: str
    kind: str
    lead: str | None
    members: list[str]


class NeighborhoodRef(Schema):
    slug: str
    name: str
    name_en: str


class CouncilOut(Schema):
    id: int
    neighborhood: NeighborhoodRef
    state: str
    state_label: str
    term_number: int
    term_start: date | None
    term_end: date | None
    seats: int
    members: list[MemberOut]
    vacant_seats: list[VacancyOut]
    working_groups: list[WorkingGroupOut]


def _seat_type(st: object) -> dict[str, object]:
    return {
        "code": st.code,  # type: ignore[attr-defined]
        "name": st.name,  # type: ignore[attr-defined]
        "name_en": st.name_en,  # type: ignore[attr-defined]
        "fill": st.fill,  # type: ignore[attr-defined]
        "fill_label": str(SeatFill(st.fill).label),  # type: ignore[attr-defined]
    }


def council_out(c: Composition) -> dict[str, object]:
    council = c.council
    n = council.neighborhood
    return {
        "id": council.pk,
        "neighborhood": {"slug": n.slug, "name": n.name, "name_en": n.name_en},
        "state": council.state,
        "state_label": str(CouncilState(council.state).label),
        "term_number": council.term_number,
        "term_start": council.term_start,
        "term_end": council.term_end,
        "seats": sum(st.seats for st in c.seat_types),
        "members": [
            {
                "full_name": m.user.full_name,
                "role": m.role,
                "role_label": str(MemberRole(m.role).label),
                "office": m.office,
                "seat_type": _seat_type(m.seat_type),
                "since": m.starts_on,
            }
            for m in c.members
        ],
        "vacant_seats": [{"seat_type": _seat_type(st), "vacant": n} for st, n in c.vacancies],
        "working_groups": [
            {
                "name": g.name,
                "kind": g.kind,
                "lead": g.lead.user.full_name if g.lead else None,
                "members": [m.user.full_name for m in g.current_members],
            }
            for g in c.groups
        ],
    }


class _OutList:
    """Builds the compositions of the page the paginator slices only, in a fixed number of queries."""

    def __init__(self, qs: object) -> None:
        self.qs = qs

    def __getitem__(self, item: slice) -> list[dict[str, object]]:
        page: list[Council] = list(self.qs[item])  # type: ignore[index]
        return [council_out(c) for c in compositions(page)]

    def count(self) -> int:
        return self.qs.count()  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return self.count()


@router.get(
    "",
    response={200: list[CouncilOut], 422: ErrorOut},
    auth=optional_session_or_token,
    summary="Councils in office, by neighborhood or district, with members, roles, seats and working groups",
)
@paginate(PageNumberPagination)
def list_councils(request: HttpRequest, filters: Query[CouncilQuery]) -> _OutList:
    return _OutList(public_councils(neighborhood=filters.neighborhood, district=filters.district))
