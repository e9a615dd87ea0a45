"""The sitemap (`/sitemap.xml`) and `robots.txt`: the public pages search engines should find.

Listed: the home page and the city pages (numbers, open data, programs calendar), every district's
page, every neighborhood's page and its council's page, and the programs not cancelled. Single reports
are left out: there are too many and they age fast; a neighborhood's page leads to them. Each section
is one query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from mahalat.programs.models import Program, ProgramState
from mahalat.territory.models import City, District, Neighborhood

# Never crawled: private pages, the API, the admin, and the answers of find my neighborhood.
ROBOTS_DISALLOW = ("/workspace/", "/accounts/", "/api/", "/admin/", "/find/")


class PagesSitemap(Sitemap):
    """The home page, the programs calendar, and each city's page, numbers and open data."""

    changefreq = "daily"

    def items(self) -> list[tuple[str, tuple[str, ...]]]:
        pages: list[tuple[str, tuple[str, ...]]] = [("portal:home", ()), ("programs:calendar", ())]
        for slug in City.objects.order_by("pk").values_list("slug", flat=True):
            pages += [("portal:city", (slug,)), ("public:numbers", (slug,)), ("public:open-data", (slug,))]
        return pages

    def location(self, item: tuple[str, tuple[str, ...]]) -> str:
        name, args = item
        return reverse(name, args=args)


class DistrictSitemap(Sitemap):
    """Every district's page: what it did, its response times and its news (no lastmod: it changes
    with the district's work, not with the district's row)."""

    changefreq = "daily"
    priority = 0.6

    def items(self) -> Any:
        return District.objects.order_by("pk").only("slug")

    def location(self, item: District) -> str:
        return reverse("portal:district", args=[item.slug])


class NeighborhoodSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> Any:
        return Neighborhood.objects.order_by("pk").only("slug", "updated_at")

    def location(self, item: Neighborhood) -> str:
        return reverse("portal:neighborhood", args=[item.slug])

    def lastmod(self, item: Neighborhood) -> datetime:
        return item.updated_at


class CouncilSitemap(Sitemap):
    """Every neighborhood's council page (members by seat, meetings, minutes)."""

    changefreq = "weekly"

    def items(self) -> Any:
        return Neighborhood.objects.order_by("pk").only("slug")

    def location(self, item: Neighborhood) -> str:
        return reverse("councils:public", args=[item.slug])


class ProgramSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self) -> Any:
        return Program.objects.exclude(state=ProgramState.CANCELLED).order_by("pk").only("pk", "updated_at")

    def location(self, item: Program) -> str:
        return reverse("programs:detail", args=[item.pk])

    def lastmod(self, item: Program) -> datetime:
        return item.updated_at


SITEMAPS: dict[str, type[Sitemap]] = {
    "pages": PagesSitemap,
    "districts": DistrictSitemap,
    "neighborhoods": NeighborhoodSitemap,
    "councils": CouncilSitemap,
    "programs": ProgramSitemap,
}


@require_GET
@cache_control(public=True, max_age=24 * 60 * 60)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('public:sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
