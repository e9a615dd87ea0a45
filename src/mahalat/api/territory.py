from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from mahalat.api.schemas import (
    AreaOut,
    CityOut,
    DistrictOut,
    ErrorOut,
    LocateOut,
    NeighborhoodDetailOut,
    NeighborhoodOut,
)
from mahalat.errors import DomainError, ErrorCode
from mahalat.territory import selectors
from mahalat.territory.locate import locate, validate_coordinates
from mahalat.territory.models import Neighborhood

router = Router(tags=["territory"])


class OutsideCity(DomainError):
    code = ErrorCode.OUTSIDE_CITY
    status = 404


class DistrictFilter(Schema):
    city: str | None = None


class AreaFilter(Schema):
    city: str | None = None
    district: str | None = None


class NeighborhoodFilter(Schema):
    city: str | None = None
    district: str | None = None
    area: str | None = None


@router.get("/cities", response=list[CityOut], summary="Cities")
@paginate(PageNumberPagination)
def list_cities(request: HttpRequest) -> object:
    return selectors.city_list()


@router.get("/districts", response={200: list[DistrictOut], 404: ErrorOut}, summary="Districts")
@paginate(PageNumberPagination)
def list_districts(request: HttpRequest, filters: Query[DistrictFilter]) -> object:
    return selectors.district_list(city=filters.city)


@router.get("/areas", response={200: list[AreaOut], 404: ErrorOut}, summary="Areas")
@paginate(PageNumberPagination)
def list_areas(request: HttpRequest, filters: Query[AreaFilter]) -> object:
    return selectors.area_list(city=filters.city, district=filters.district)


@router.get("/neighborhoods", response={200: list[NeighborhoodOut], 404: ErrorOut}, summary="Neighborhoods")
@paginate(PageNumberPagination)
def list_neighborhoods(request: HttpRequest, filters: Query[NeighborhoodFilter]) -> object:
    return selectors.neighborhood_list(city=filters.city, district=filters.district, area=filters.area)


@router.get(
    "/neighborhoods/{slug}",
    response={200: NeighborhoodDetailOut, 404: ErrorOut},
    summary="One neighborhood, with its boundary and identity profile",
)
def get_neighborhood(request: HttpRequest, slug: str) -> dict[str, object]:
    n = selectors.neighborhood_get(slug=slug)
    return {
        "id": n.pk,
        "slug": n.slug,
        "name": n.name,
        "name_en": n.name_en,
        "population": n.population,
        "historical_name": n.historical_name,
        "city": n.city,
        "district": n.district,
        "area": n.area,
        "boundary": {
            "type": "Feature",
            "geometry": n.boundary,
            "properties": {"slug": n.slug, "name": n.name, "name_en": n.name_en},
        }
        if n.boundary
        else None,
        "profile": {
            **{field: getattr(n, field) for field in Neighborhood.PROFILE_FIELDS},
            "photos": [
                {"url": request.build_absolute_uri(p.image.url), "caption": p.caption} for p in n.photos.all()
            ],
        },
    }


@router.get(
    "/locate",
    response={200: LocateOut, 404: ErrorOut, 422: ErrorOut},
    summary="The neighborhood, area and district that contain a point",
)
def locate_point(request: HttpRequest, lat: str, lng: str) -> dict[str, object]:
    # Taken as text and checked here, so that malformed input gets our translated message.
    latitude, longitude = validate_coordinates(lat=lat, lng=lng)
    found = locate(latitude, longitude)
    if found is None:
        raise OutsideCity(_("This point is outside every neighborhood of the city."))
    return {
        "neighborhood": found.neighborhood,
        "area": found.area,
        "district": found.district,
        "city": found.city,
    }
