"""Reads of the territory, each with its related rows fetched in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from mahalat.persian.text import search_key
from mahalat.territory.models import Area, City, District, Neighborhood, NeighborhoodPhoto


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


def neighborhood_get(*, slug: str) -> Neighborhood:
    neighborhood = (
        Neighborhood.objects.select_related("city", "district", "area")
        .prefetch_related(Prefetch("photos", queryset=NeighborhoodPhoto.objects.order_by("position", "id")))
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
