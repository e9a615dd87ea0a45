"""The public portal's transparency pages, open data, sitemap and robots.txt (included at the root)."""

from __future__ import annotations

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from mahalat.portal import opendata, transparency
from mahalat.portal.sitemaps import SITEMAPS, robots_txt

app_name = "public"

urlpatterns = [
    path("c/<slug:slug>/numbers/", transparency.numbers, name="numbers"),
    path("c/<slug:slug>/open-data/", opendata.open_data, name="open-data"),
    path(
        "c/<slug:slug>/open-data/neighborhoods.geojson",
        opendata.neighborhoods_geojson,
        name="neighborhoods-geojson",
    ),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
]
