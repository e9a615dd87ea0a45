"""Reads of the territory, each with its related rows fetched in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from mahalat.accounts.models import Role
from mahalat.accounts.rules import held_roles
from mahalat.persian.text import search_key
from mahalat.territory.models import (
    Area,
    City,
    District,
    Neighborhood,
    NeighborhoodPhoto,
    NeighborhoodProfileRevision,
    PhotoState,
    RevisionState,
)


def _one(model: type, slug: str, message: str) -> object:
    obj = model.objects.filter(slug=slug).first()
    if obj is None:
        raise Http404(message)
    return obj


def city_list() -> QuerySet[City]:
    return City.objects.order_by("name", "id")


def district_list(*, city: str | None = None) -> QuerySet[District]:
    qs = District.objects.select_related("city").order_by("city_id", "number", "id")
    if city:
        qs = qs.filter(city=_one(City, city, _("There is no city “%(slug)s”.") % {"slug": city}))
    return qs


def area_list(*, city: str | None = None, district: str | None = None) -> QuerySet[Area]:
    qs = Area.objects.select_related("city", "district").order_by("district_id", "number", "id")
    if city:
        qs = qs.filter(city=_one(City, city, _("There is no city “%(slug)s”.") % {"slug": city}))
    if district:
        qs = qs.filter(
            district=_one(District, district, _("There is no district “%(slug)s”.") % {"slug": district})
        )
    return qs


def neighborhood_list(
    *, city: str | None = None, district: str | None = None, area: str | None = None
) -> QuerySet[Neighborhood]:
    qs = (
        Neighborhood.objects.select_related("city", "district", "area")
        .defer("boundary", "history", "landmarks", "heritage", "notable_people", "crafts", "annual_events")
        .order_by("district__number", "area__number", "name", "id")
    )
    if city:
        qs = qs.filter(city=_one(City, city, _("There is no city “%(slug)s”.") % {"slug": city}))
    if district:
        qs = qs.filter(
            district=_one(District, district, _("There is no district “%(slug)s”.") % {"slug": district})
        )
    if area:
        qs = qs.filter(area=_one(Area, area, _("There is no area “%(slug)s”.") % {"slug": area}))
    return qs


def published_photos() -> QuerySet[NeighborhoodPhoto]:
    """The photos the public sees: published ones only, in their order."""
    return NeighborhoodPhoto.objects.filter(state=PhotoState.PUBLISHED).order_by("position", "id")


def neighborhood_get(*, slug: str) -> Neighborhood:
    """One neighborhood with its territory and its published photos (`neighborhood.photos.all`):
    two queries, however many photos it has."""
    neighborhood = (
        Neighborhood.objects.select_related("city", "district", "area")
        .prefetch_related(Prefetch("photos", queryset=published_photos()))
        .filter(slug=slug)
        .first()
    )
    if neighborhood is None:
        raise Http404(_("There is no neighborhood “%(slug)s”.") % {"slug": slug})
    return neighborhood


def district_tree(*, city: City, district_id: int | None = None) -> list[District]:
    """The city's districts (or one of them) with their areas and neighborhoods: three queries."""
    neighborhoods = Neighborhood.objects.only(
        "id", "slug", "name", "name_en", "area_id", "district_id", "city_id", "population"
    ).order_by("name")
    areas = Area.objects.order_by("number").prefetch_related(
        Prefetch("neighborhoods", queryset=neighborhoods)
    )
    districts = District.objects.filter(city=city)
    if district_id is not None:
        districts = districts.filter(pk=district_id)
    return list(districts.order_by("number").prefetch_related(Prefetch("areas", queryset=areas)))


def neighborhood_named_in(*, city: City, text: str) -> Neighborhood | None:
    """The one neighborhood of the city whose name (Persian, English or historical) the text mentions,
    longest name first; None when none or several equally long names match."""
    key = f" {search_key(text)} "
    if not key.strip():
        return None
    found: dict[int, tuple[int, Neighborhood]] = {}
    for n in Neighborhood.objects.filter(city=city).only(
        "id", "name", "name_en", "historical_name", "boundary", "area_id", "district_id", "city_id"
    ):
        for name in (n.name, n.name_en, n.historical_name):
            name_key = search_key(name or "")
            if len(name_key) >= 3 and f" {name_key} " in key:
                found[n.pk] = max(found.get(n.pk, (0, n)), (len(name_key), n), key=lambda t: t[0])
    if not found:
        return None
    ranked = sorted(found.values(), key=lambda t: -t[0])
    if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
        return None
    return ranked[0][1]


# --- identity review ---------------------------------------------------------------------------------


def identity_neighborhood(*, slug: str) -> Neighborhood:
    """A neighborhood for its staff's identity page: every photo, pending ones included, with who
    uploaded it (two queries)."""
    photos = NeighborhoodPhoto.objects.select_related("uploaded_by").order_by("position", "id")
    neighborhood = (
        Neighborhood.objects.select_related("city", "district", "area")
        .prefetch_related(Prefetch("photos", queryset=photos))
        .filter(slug=slug)
        .first()
    )
    if neighborhood is None:
        raise Http404(_("There is no neighborhood “%(slug)s”.") % {"slug": slug})
    return neighborhood


@dataclass(frozen=True, slots=True)
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    # The live value when it is no longer what the proposal started from.
    live: str | None


def revision_changes(revision: NeighborhoodProfileRevision) -> list[FieldChange]:
    """Each field a revision changes, in the profile's order: before, after, and (while it is pending)
    the live value where someone changed it since."""
    neighborhood = revision.neighborhood
    rows = []
    for name in Neighborhood.PROFILE_FIELDS:
        if name not in revision.changes:
            continue
        before = revision.before.get(name, "")
        live = getattr(neighborhood, name)
        rows.append(
            FieldChange(
                name=name,
                label=str(Neighborhood._meta.get_field(name).verbose_name),
                before=before,
                after=revision.changes[name],
                live=live if revision.is_pending and live != before else None,
            )
        )
    return rows


def _revisions() -> QuerySet[NeighborhoodProfileRevision]:
    return NeighborhoodProfileRevision.objects.select_related(
        "neighborhood", "neighborhood__district", "author", "reviewer"
    )


def neighborhood_pending_revisions(*, neighborhood: Neighborhood) -> list[NeighborhoodProfileRevision]:
    """The neighborhood's pending edits, oldest first, each with its field changes: one query."""
    rows = list(
        _revisions()
        .filter(neighborhood=neighborhood, state=RevisionState.PENDING)
        .order_by("created_at", "id")
    )
    for revision in rows:
        revision.field_changes = revision_changes(revision)
    return rows


def neighborhood_decided_revisions(
    *, neighborhood: Neighborhood, limit: int = 10
) -> list[NeighborhoodProfileRevision]:
    """The latest decided or withdrawn edits, so the author sees what became of theirs: one query."""
    return list(
        _revisions()
        .filter(neighborhood=neighborhood)
        .exclude(state=RevisionState.PENDING)
        .order_by("-decided_at", "-id")[:limit]
    )


def reviewed_district_ids(*, user: Any) -> set[int]:
    """The districts where the person is district manager: where they review identity edits."""
    return {
        held.scope.district_id
        for held in held_roles(user)
        if held.role == Role.DISTRICT_MANAGER and held.scope.district_id is not None
    }


def revision_review_queue(*, user: Any) -> QuerySet[NeighborhoodProfileRevision]:
    """Pending edits in the districts the person reviews, oldest first."""
    return (
        _revisions()
        .filter(district_id__in=reviewed_district_ids(user=user), state=RevisionState.PENDING)
        .order_by("created_at", "id")
    )


def photo_review_queue(*, user: Any) -> QuerySet[NeighborhoodPhoto]:
    """Pending photos in the districts the person reviews, oldest first."""
    return (
        NeighborhoodPhoto.objects.filter(
            neighborhood__district_id__in=reviewed_district_ids(user=user), state=PhotoState.PENDING
        )
        .select_related("neighborhood", "neighborhood__district", "uploaded_by")
        .order_by("created_at", "id")
    )
