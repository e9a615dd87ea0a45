"""The demo news: published items in every district, at least two per neighborhood, one draft and one in
review; every published item reviewed by someone other than its author; idempotent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from mahalat.demo.city import CITY_SLUG
from mahalat.demo.news_loader import load_demo_news
from mahalat.news.models import NewsItem, NewsState
from mahalat.territory.locate import invalidate_index
from mahalat.territory.models import City, Neighborhood

NOW = timezone.make_aware(datetime(2026, 4, 20, 12))


@pytest.fixture(scope="module")
def city(django_db_setup: None, django_db_blocker: Any) -> Iterator[City]:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo_city", "--no-progress", "--no-reports", "--no-deputy", stdout=StringIO())
        invalidate_index()
        yield City.objects.get(slug=CITY_SLUG)
        transaction.set_rollback(True)
    invalidate_index()


@pytest.mark.django_db
def test_demo_news(city: City) -> None:
    with translation.override("en"):
        summary = load_demo_news(city=city, now=NOW)
        assert summary.startswith("News: ")
        assert "already loaded" in load_demo_news(city=city, now=NOW)
    items = NewsItem.objects.filter(city=city)
    states = Counter(items.values_list("state", flat=True))
    assert states[NewsState.DRAFT] == 1 and states[NewsState.IN_REVIEW] == 1
    public = items.filter(state=NewsState.PUBLISHED)
    assert not public.filter(reviewer=F("author")).exists()
    assert not public.filter(publish_at__gt=NOW).exists()
    per_district = Counter(public.filter(neighborhood__isnull=True).values_list("district_id", flat=True))
    assert set(per_district) == set(city.districts.values_list("id", flat=True))
    assert min(per_district.values()) >= 3
    per_hood = Counter(public.exclude(neighborhood__isnull=True).values_list("neighborhood_id", flat=True))
    hoods = set(Neighborhood.objects.filter(city=city).values_list("id", flat=True))
    assert set(per_hood) == hoods and min(per_hood.values()) >= 2
    assert items.values("slug").distinct().count() == items.count()
