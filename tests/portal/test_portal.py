from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import AreaFactory, CityFactory, DistrictFactory, NeighborhoodFactory


@pytest.fixture
def city(db: None):
    city = CityFactory(slug="c", name="شهر نمونه", name_en="Sample City", is_demo=True)
    area = AreaFactory(district=DistrictFactory(city=city, number=1), number=1)
    NeighborhoodFactory(
        area=area,
        slug="sarcheshmeh",
        name="سرچشمه",
        name_en="Sarcheshmeh",
        search_key="سرچشمه sarcheshmeh",
        history="تاریخچهٔ محله",
    )
    return city


def test_home_is_persian_rtl_with_the_font(city) -> None:
    response = Client().get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fa" dir="rtl">' in html
    assert "vendor/vazirmatn/vazirmatn.css" in html
    assert "bootstrap.rtl.min.css" in html
    assert "سرچشمه" in html
    assert response["Content-Security-Policy"].startswith("default-src 'self'")


def test_english_switch(city) -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "bootstrap.min.css" in html
    assert "bootstrap.rtl.min.css" not in html
    assert "Sarcheshmeh" in html


def test_home_queries_do_not_grow(city) -> None:
    client = Client()
    client.get("/")
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    district = city.districts.get()
    for i in range(30):
        NeighborhoodFactory(area=AreaFactory(district=district, number=10 + i))
    with CaptureQueriesContext(connection) as large:
        client.get("/")
    assert len(large) == len(small) <= 8


def test_neighborhood_page(city) -> None:
    response = Client().get("/n/sarcheshmeh/")
    assert response.status_code == 200
    assert "تاریخچهٔ محله" in response.content.decode()
    assert Client().get("/n/nowhere/").status_code == 404


def test_search_by_any_keyboard(city) -> None:
    # Arabic yeh/kaf and Latin in the query still find the neighborhood.
    response = Client().get("/", {"q": "sarcheshmeh"})
    assert response.status_code == 302
    assert response["Location"] == "/n/sarcheshmeh/"
    response = Client().get("/", {"q": "هیچ‌کجا"})
    assert response.status_code == 200
