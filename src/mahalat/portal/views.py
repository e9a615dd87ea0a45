"""The public site's first pages: the city's neighborhoods and each neighborhood's identity."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mahalat.notifications.selectors import is_following
from mahalat.notifications.services import neighborhood_follow, neighborhood_unfollow
from mahalat.persian.text import search_key
from mahalat.territory.models import City, Neighborhood
from mahalat.territory.selectors import city_list, district_tree, neighborhood_get

SEARCH_RESULTS_LIMIT = 20


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    cities = list(city_list()[:2])
    if len(cities) > 1:
        return render(request, "portal/cities.html", {"cities": city_list()})
    return _city_page(request, cities[0] if cities else None)


@require_GET
def city(request: HttpRequest, slug: str) -> HttpResponse:
    found = City.objects.filter(slug=slug).first()
    if found is None:
        raise Http404(_("There is no city “%(slug)s”.") % {"slug": slug})
    return _city_page(request, found)


def _city_page(request: HttpRequest, city: City | None) -> HttpResponse:
    query = request.GET.get("q", "")[:100].strip()
    results = None
    if city is not None and query:
        key = search_key(query)
        results = (
            list(
                Neighborhood.objects.filter(city=city, search_key__contains=key)
                .select_related("area", "district")
                .only(
                    "slug",
                    "name",
                    "name_en",
                    "area__name",
                    "area__name_en",
                    "district__name",
                    "district__name_en",
                )[:SEARCH_RESULTS_LIMIT]
            )
            if key
            else []
        )
        if len(results) == 1:
            return redirect("portal:neighborhood", slug=results[0].slug)
    districts = district_tree(city=city) if city is not None else []
    return render(
        request,
        "portal/home.html",
        {"city": city, "districts": districts, "query": query, "results": results},
    )


@require_GET
def neighborhood(request: HttpRequest, slug: str) -> HttpResponse:
    found = neighborhood_get(slug=slug)
    following = request.user.is_authenticated and is_following(user=request.user, neighborhood=found)
    return render(request, "portal/neighborhood.html", {"neighborhood": found, "following": following})


@login_required
@require_POST
def neighborhood_follow_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Follow or stop following (`action=unfollow`) the neighborhood, then back to its page."""
    found = neighborhood_get(slug=slug)
    if request.POST.get("action") == "unfollow":
        neighborhood_unfollow(actor=request.user, neighborhood=found)
        messages.success(request, _("You no longer follow %(name)s.") % {"name": found})
    else:
        neighborhood_follow(actor=request.user, neighborhood=found)
        messages.success(
            request,
            _("You follow %(name)s: new minutes, resolutions, programs and solved problems will reach you.")
            % {"name": found},
        )
    return redirect("portal:neighborhood", slug=found.slug)
