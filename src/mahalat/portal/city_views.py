"""The public home page (the city's neighborhoods on a map and in a list, finding one's neighborhood by
address or location, the latest work across the city) and each district's page. Thin: reads come from
`portal.selectors` and the territory selectors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from mahalat.insights.periods import month_label
from mahalat.portal import selectors
from mahalat.territory.locate import locate, validate_coordinates
from mahalat.territory.models import City
from mahalat.territory.selectors import city_list, district_tree

QUERY_PARAM_MAX_LENGTH = selectors.QUERY_MAX_LENGTH
# Outlines change when boundaries are imported, rarely: browsers and proxies may keep them a while.
OUTLINES_MAX_AGE = 60 * 60


def _home_context(city: City | None) -> dict[str, Any]:
    if city is None:
        return {"city": None}
    return {
        "city": city,
        "districts": district_tree(city=city),
        "outlines_url": reverse("portal:outlines", args=[city.slug]),
        "resolutions_done": selectors.resolutions_carried_out(city_id=city.pk),
        "problems_solved": selectors.problems_solved(city_id=city.pk),
        "meetings": selectors.upcoming_meetings(city_id=city.pk),
        "programs": selectors.upcoming_programs(city_id=city.pk),
    }


def _render_home(request: HttpRequest, city: City | None, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "portal/home.html", {**_home_context(city), **extra}, status=status)


def _the_city(request: HttpRequest) -> City | None:
    slug = request.GET.get("city", "")[:80]
    if slug:
        return City.objects.filter(slug=slug).first()
    return city_list().first()


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    cities = list(city_list()[:2])
    if len(cities) > 1:
        return render(request, "portal/cities.html", {"cities": city_list()})
    city = cities[0] if cities else None
    if request.GET.get("q") and city is not None:
        return _find_by_text(request, city)
    return _render_home(request, city)


@require_GET
def city(request: HttpRequest, slug: str) -> HttpResponse:
    found = City.objects.filter(slug=slug).first()
    if found is None:
        raise Http404(_("There is no city “%(slug)s”.") % {"slug": slug})
    if request.GET.get("q"):
        return _find_by_text(request, found)
    return _render_home(request, found)


@require_GET
def find(request: HttpRequest) -> HttpResponse:
    """Find my neighborhood: `?lat=…&lng=…` (the location button, or typed by hand) or `?q=…` (an
    address, a place, a name). One answer → its page; otherwise the home page with the answer on top."""
    city = _the_city(request)
    if "lat" in request.GET or "lng" in request.GET:
        return _find_by_location(request, city)
    if request.GET.get("q", "").strip() and city is not None:
        return _find_by_text(request, city)
    return (
        redirect("portal:city", slug=city.slug)
        if request.GET.get("city") and city
        else redirect("portal:home")
    )


def _find_by_location(request: HttpRequest, city: City | None) -> HttpResponse:
    try:
        lat, lng = validate_coordinates(lat=request.GET.get("lat"), lng=request.GET.get("lng"))
    except ValidationError:
        message = _(
            "We could not read this location. Use the button again, or find your neighborhood by name."
        )
        return _render_home(request, city, status=400, find_message=message)
    located = locate(lat, lng)
    if located is None:
        message = _(
            "This location is outside every neighborhood we know. Type your neighborhood's name or a place "
            "near it, or pick it from the list of districts and neighborhoods."
        )
        return _render_home(request, city, find_message=message)
    return redirect("portal:neighborhood", slug=located.neighborhood.slug)


def _find_by_text(request: HttpRequest, city: City) -> HttpResponse:
    query = request.GET.get("q", "")[:QUERY_PARAM_MAX_LENGTH].strip()
    matches = selectors.neighborhood_matches(city=city, text=query)
    the_one = selectors.the_one_match(matches)
    if the_one is not None:
        return redirect("portal:neighborhood", slug=the_one.slug)
    return _render_home(request, city, query=query, matches=matches, searched=True)


@require_GET
def district(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.district_get(slug=slug)
    activity = selectors.district_activity(district=found)
    tree = district_tree(city=found.city, district_id=found.pk)
    context = {
        "district": found,
        "city": found.city,
        "areas": tree[0].areas.all() if tree else [],
        "activity": activity,
        "month_label": month_label(activity.month_key),
        "response_times": selectors.response_times(district=found, month=activity.month_key),
        "resolutions_done": selectors.resolutions_carried_out(city_id=found.city_id, district_id=found.pk),
        "problems_solved": selectors.problems_solved(city_id=found.city_id, district_id=found.pk),
        "news": selectors.district_latest_news(district=found),
        "outlines_url": reverse("portal:outlines", args=[found.city.slug]),
    }
    return render(request, "portal/district.html", context)


@require_GET
@cache_control(public=True, max_age=OUTLINES_MAX_AGE)
def outlines(request: HttpRequest, slug: str) -> JsonResponse:
    """The light GeoJSON the home and district maps draw (fetched after the page, never inlined)."""
    found = City.objects.filter(slug=slug).first()
    if found is None:
        raise Http404(_("There is no city “%(slug)s”.") % {"slug": slug})
    return JsonResponse(
        selectors.neighborhood_outlines(city=found),
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
