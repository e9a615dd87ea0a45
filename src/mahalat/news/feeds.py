"""Atom feeds of published news: the city's, a district's and a neighborhood's. Items enter a feed
only once published and due, exactly as on the public lists (the same selectors)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from mahalat.news import selectors
from mahalat.news.models import NewsItem
from mahalat.territory.models import City, District, Neighborhood
from mahalat.territory.selectors import neighborhood_get


def only_city(request: HttpRequest) -> City | None:
    """The city `?city=<slug>` names, or the one city there is; None when there are several."""
    slug = request.GET.get("city")
    if slug:
        found = City.objects.filter(slug=slug).first()
        if found is None:
            raise Http404(_("There is no city “%(slug)s”.") % {"slug": slug})
        return found
    cities = list(City.objects.order_by("name", "id")[:2])
    return cities[0] if len(cities) == 1 else None


class _NewsFeed(Feed):
    feed_type = Atom1Feed

    def items(self, obj: object) -> list[NewsItem]:
        raise NotImplementedError

    def item_title(self, item: NewsItem) -> str:
        return item.title

    def item_description(self, item: NewsItem) -> str:
        return item.summary

    def item_link(self, item: NewsItem) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: NewsItem) -> datetime | None:
        return item.publish_at

    def item_updateddate(self, item: NewsItem) -> datetime:
        return item.updated_at

    def item_author_name(self, item: NewsItem) -> str:
        return str(item.neighborhood or item.district)


class CityNewsFeed(_NewsFeed):
    def get_object(self, request: HttpRequest) -> City:
        city = only_city(request)
        if city is None:
            raise Http404(_("Choose a city."))
        return city

    def title(self, obj: City) -> str:
        return _("News of %(place)s") % {"place": obj}

    def subtitle(self, obj: City) -> str:
        return _("News and announcements of the districts and neighborhoods of %(place)s") % {"place": obj}

    def link(self, obj: City) -> str:
        return reverse("news:city") + f"?city={obj.slug}"

    def items(self, obj: City) -> list[NewsItem]:
        return list(selectors.city_news(city_id=obj.pk)[: selectors.FEED_LIMIT])


class DistrictNewsFeed(_NewsFeed):
    def get_object(self, request: HttpRequest, slug: str) -> District:
        return get_object_or_404(District.objects.select_related("city"), slug=slug)

    def title(self, obj: District) -> str:
        return _("News of %(place)s") % {"place": obj}

    def subtitle(self, obj: District) -> str:
        return _("News and announcements of %(place)s and its neighborhoods") % {"place": obj}

    def link(self, obj: District) -> str:
        return reverse("news:district", kwargs={"slug": obj.slug})

    def items(self, obj: District) -> list[NewsItem]:
        return list(selectors.district_news(district_id=obj.pk)[: selectors.FEED_LIMIT])


class NeighborhoodNewsFeed(_NewsFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Neighborhood:
        return neighborhood_get(slug=slug)

    def title(self, obj: Neighborhood) -> str:
        return _("News of %(place)s") % {"place": obj.display_name}

    def subtitle(self, obj: Neighborhood) -> str:
        return _("News and announcements of %(place)s") % {"place": obj.display_name}

    def link(self, obj: Neighborhood) -> str:
        return reverse("news:neighborhood", kwargs={"slug": obj.slug})

    def items(self, obj: Neighborhood) -> list[NewsItem]:
        return list(
            selectors.neighborhood_news(neighborhood_id=obj.pk, district_id=obj.district_id)[
                : selectors.FEED_LIMIT
            ]
        )
