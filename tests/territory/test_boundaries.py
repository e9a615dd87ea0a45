"""Boundary import: validation of every kind of bad input, all-or-nothing writes, and the command."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import translation
from shapely.geometry import box, mapping

from mahalat.audit.models import Event
from mahalat.territory.boundaries import (
    BoundaryImportError,
    BoundaryProblem,
    boundaries_import,
    validate_feature_collection,
)
from mahalat.territory.locate import locate
from mahalat.territory.models import Area, City, District, Neighborhood
from tests.factories import AreaFactory, CityFactory, DistrictFactory, UserFactory, square

pytestmark = pytest.mark.django_db

Collection = dict[str, Any]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Problems are asserted by their English wording.
    with translation.override("en"):
        yield


def rect(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    """A counter-clockwise GeoJSON polygon, as plain lists (as if read from a file)."""
    return json.loads(json.dumps(mapping(box(x0, y0, x1, y1, ccw=True))))


def feature(level: str, slug: str, geometry: Any, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "level": level,
            "slug": slug,
            "name": f"نام {slug}",
            "name_en": slug.title(),
            **properties,
        },
    }


def valid_collection(prefix: str = "") -> Collection:
    """One district split into two areas, each split into two neighborhoods (lng 51.0–51.2, lat 35.6–35.8)."""
    p = prefix
    return {
        "type": "FeatureCollection",
        "features": [
            feature("district", f"{p}d1", rect(51.0, 35.6, 51.2, 35.8), number=1),
            feature("area", f"{p}a1", rect(51.0, 35.6, 51.1, 35.8), parent=f"{p}d1", number=1),
            feature("area", f"{p}a2", rect(51.1, 35.6, 51.2, 35.8), parent=f"{p}d1", number=2),
            feature("neighborhood", f"{p}n1", rect(51.0, 35.6, 51.1, 35.7), parent=f"{p}a1", population=9000),
            feature("neighborhood", f"{p}n2", rect(51.0, 35.7, 51.1, 35.8), parent=f"{p}a1"),
            feature("neighborhood", f"{p}n3", rect(51.1, 35.6, 51.2, 35.7), parent=f"{p}a2"),
            feature("neighborhood", f"{p}n4", rect(51.1, 35.7, 51.2, 35.8), parent=f"{p}a2"),
        ],
    }


# Index of each feature in valid_collection().
D1, A1, A2, N1, N2, N3, N4 = range(7)


def state(city: City) -> tuple[int, int, int, int, int]:
    city.refresh_from_db()
    return (
        District.objects.count(),
        Area.objects.count(),
        Neighborhood.objects.count(),
        Event.objects.count(),
        city.boundaries_version,
    )


def problems_of(city: City, collection: object) -> list[BoundaryProblem]:
    return validate_feature_collection(city=city, collection=collection).problems


# --- success ------------------------------------------------------------------------------------


def test_valid_collection_imports_with_denormalized_parents(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    city = CityFactory()
    collection = valid_collection()
    collection["features"][N1]["properties"].update(
        name="علي آباد",  # Arabic yeh, normalized to Persian
        historical_name="ده علی",
        history="  قدیمی‌ترین   محله  ",
    )
    calls: list[int] = []

    with django_capture_on_commit_callbacks(execute=True):
        summary = boundaries_import(actor=None, city=city, collection=collection, progress=calls.append)

    assert (summary.created, summary.updated) == (7, 0)
    assert summary.by_level == {
        "district": {"created": 1, "updated": 0, "unchanged": 0},
        "area": {"created": 2, "updated": 0, "unchanged": 0},
        "neighborhood": {"created": 4, "updated": 0, "unchanged": 0},
    }
    assert calls == [1] * 7
    district = District.objects.get(slug="d1")
    assert (district.city, district.number) == (city, 1)
    a2 = Area.objects.get(slug="a2")
    assert (a2.city, a2.district, a2.number) == (city, district, 2)
    n1 = Neighborhood.objects.get(slug="n1")
    assert (n1.city, n1.district, n1.area.slug) == (city, district, "a1")
    assert n1.name == "علی آباد"
    assert n1.population == 9000
    assert n1.history == "قدیمی‌ترین محله"
    assert n1.boundary == collection["features"][N1]["geometry"]
    assert "ده" in n1.search_key
    assert "n1" in n1.search_key.lower()
    assert Neighborhood.objects.get(slug="n2").population is None
    city.refresh_from_db()
    assert city.boundaries_version == summary.boundaries_version == 1
    assert Event.objects.filter(action="territory.neighborhood.created").count() == 4
    assert Event.objects.filter(action="territory.area.created", district_id=district.pk).count() == 2
    summary_event = Event.objects.get(action="territory.boundaries.imported")
    assert summary_event.city_id == city.pk
    assert summary_event.after["created"] == 7
    # The locate index was dropped on commit, so the new neighborhoods are found at once.
    found = locate(35.75, 51.15)
    assert found is not None
    assert found.neighborhood_id == Neighborhood.objects.get(slug="n4").pk


def test_reimport_updates_in_place() -> None:
    city = CityFactory()
    boundaries_import(actor=None, city=city, collection=valid_collection())
    ids = dict(Neighborhood.objects.values_list("slug", "id"))
    collection = valid_collection()
    collection["features"][N3]["properties"].update(name="محله تازه", population=500)
    # Swapping the two area numbers must not trip the (district, number) unique constraint.
    collection["features"][A1]["properties"]["number"] = 2
    collection["features"][A2]["properties"]["number"] = 1

    summary = boundaries_import(actor=None, city=city, collection=collection)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 3, 4)
    assert (District.objects.count(), Area.objects.count(), Neighborhood.objects.count()) == (1, 2, 4)
    assert dict(Neighborhood.objects.values_list("slug", "id")) == ids
    n3 = Neighborhood.objects.get(slug="n3")
    assert (n3.name, n3.population) == ("محله تازه", 500)
    assert dict(Area.objects.values_list("slug", "number")) == {"a1": 2, "a2": 1}
    event = Event.objects.get(action="territory.neighborhood.updated")
    assert event.before == {"name": "نام n3", "population": None, "search_key": event.before["search_key"]}
    assert event.after["population"] == 500
    city.refresh_from_db()
    assert city.boundaries_version == 2


def test_neighborhoods_can_be_added_to_stored_areas() -> None:
    city = CityFactory()
    area = AreaFactory(
        district=DistrictFactory(city=city), city=city, slug="old-area", boundary=square(51.0, 35.6, 0.1)
    )
    collection = {
        "type": "FeatureCollection",
        "features": [feature("neighborhood", "new-n", rect(51.0, 35.6, 51.05, 35.65), parent="old-area")],
    }

    boundaries_import(actor=None, city=city, collection=collection)

    added = Neighborhood.objects.get(slug="new-n")
    assert (added.area, added.district_id, added.city) == (area, area.district_id, city)


def test_moving_an_area_to_another_district_moves_its_stored_neighborhoods() -> None:
    city = CityFactory()
    boundaries_import(actor=None, city=city, collection=valid_collection())
    collection = {
        "type": "FeatureCollection",
        "features": [
            feature("district", "d1", rect(51.0, 35.6, 51.1, 35.8), number=1),
            feature("district", "d2", rect(51.1, 35.6, 51.2, 35.8), number=2),
            feature("area", "a2", rect(51.1, 35.6, 51.2, 35.8), parent="d2", number=1),
        ],
    }

    summary = boundaries_import(actor=None, city=city, collection=collection)

    assert summary.by_level["district"] == {"created": 1, "updated": 1, "unchanged": 0}
    d2 = District.objects.get(slug="d2")
    assert Area.objects.get(slug="a2").district == d2
    assert set(Neighborhood.objects.filter(district=d2).values_list("slug", flat=True)) == {"n3", "n4"}


def test_tiny_overlap_within_tolerance_is_accepted() -> None:
    city = CityFactory()
    collection = valid_collection()
    # n2 reaches 0.05% of n1's height into n1; the default tolerance is 0.1%.
    collection["features"][N2]["geometry"] = rect(51.0, 35.69995, 51.1, 35.8)

    assert problems_of(city, collection) == []
    assert boundaries_import(actor=None, city=city, collection=collection).created == 7


def test_superuser_may_import() -> None:
    city = CityFactory()
    summary = boundaries_import(
        actor=UserFactory(is_superuser=True), city=city, collection=valid_collection()
    )
    assert summary.created == 7
    assert Event.objects.filter(action="territory.boundaries.imported").get().actor is not None


def test_user_without_permission_is_refused_and_nothing_is_written() -> None:
    city = CityFactory()
    before = state(city)
    with pytest.raises(PermissionDenied):
        boundaries_import(actor=UserFactory(), city=city, collection=valid_collection())
    assert state(city) == before


# --- problems -----------------------------------------------------------------------------------


def _set_geometry(index: int, geometry: Any) -> Callable[[Collection], None]:
    def change(collection: Collection) -> None:
        collection["features"][index]["geometry"] = geometry

    return change


def _set_property(index: int, **changes: Any) -> Callable[[Collection], None]:
    def change(collection: Collection) -> None:
        collection["features"][index]["properties"].update(changes)

    return change


def _drop_property(index: int, key: str) -> Callable[[Collection], None]:
    def change(collection: Collection) -> None:
        del collection["features"][index]["properties"][key]

    return change


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[51.0, 35.6], [51.1, 35.7], [51.1, 35.6], [51.0, 35.7], [51.0, 35.6]]],
}
CLOCKWISE = {
    "type": "Polygon",
    "coordinates": [list(reversed(rect(51.0, 35.7, 51.1, 35.8)["coordinates"][0]))],
}
HOLE_CCW = {
    "type": "Polygon",
    "coordinates": [
        rect(51.0, 35.6, 51.1, 35.7)["coordinates"][0],
        rect(51.02, 35.62, 51.03, 35.63)["coordinates"][0],
    ],
}
LAT_OUT_OF_RANGE = {
    "type": "Polygon",
    "coordinates": [[[51.0, 35.6], [51.1, 35.6], [51.1, 95.0], [51.0, 35.6]]],
}
NOT_CLOSED = {"type": "Polygon", "coordinates": [[[51.0, 35.6], [51.1, 35.6], [51.1, 35.7], [51.0, 35.7]]]}
TEXT_COORDINATE = {
    "type": "Polygon",
    "coordinates": [[[51.0, 35.6], ["51.1", 35.6], [51.1, 35.7], [51.0, 35.6]]],
}


@pytest.mark.parametrize(
    ("change", "index", "slug", "expected"),
    [
        pytest.param(_set_geometry(N1, BOWTIE), N1, "n1", "Self-intersection", id="bowtie"),
        pytest.param(_set_geometry(N2, CLOCKWISE), N2, "n2", "runs clockwise", id="clockwise-exterior"),
        pytest.param(
            _set_geometry(N1, HOLE_CCW), N1, "n1", "Hole 1 of polygon 1 runs counter", id="ccw-hole"
        ),
        pytest.param(
            _set_geometry(N3, {"type": "Point", "coordinates": [51.15, 35.65]}),
            N3,
            "n3",
            "is a Point",
            id="point",
        ),
        pytest.param(_set_geometry(N3, None), N3, "n3", "has no geometry", id="no-geometry"),
        pytest.param(
            _set_geometry(N1, LAT_OUT_OF_RANGE), N1, "n1", "latitude out of range (95.0)", id="lat-range"
        ),
        pytest.param(_set_geometry(N1, NOT_CLOSED), N1, "n1", "is not closed", id="ring-not-closed"),
        pytest.param(
            _set_geometry(N1, TEXT_COORDINATE), N1, "n1", "position 2 is not a pair", id="text-coordinate"
        ),
        pytest.param(_drop_property(A2, "name"), A2, "a2", "The Persian name is missing", id="missing-name"),
        pytest.param(
            _set_property(A2, name_en="  "), A2, "a2", "The English name is missing", id="blank-name-en"
        ),
        pytest.param(_set_property(N4, slug="n3"), N4, "n3", "also used by feature #5", id="duplicate-slug"),
        pytest.param(_set_property(N4, slug="bad slug!"), N4, "bad slug!", "is not valid", id="bad-slug"),
        pytest.param(
            _set_property(N4, parent="nowhere"), N4, "n4", "Unknown parent nowhere", id="unknown-parent"
        ),
        pytest.param(
            _set_property(N4, parent="d1"), N4, "n4", "The parent d1 is a unit of level", id="wrong-level"
        ),
        pytest.param(
            _set_property(N4, level="street"), N4, "n4", "Unknown level 'street'", id="unknown-level"
        ),
        pytest.param(_drop_property(A1, "number"), A1, "a1", "The number is missing", id="missing-number"),
        pytest.param(
            _set_property(A2, number=1), A2, "a2", "Area number 1 is also used", id="duplicate-number"
        ),
        pytest.param(
            _set_property(N1, population=-5), N1, "n1", "population must be", id="negative-population"
        ),
        pytest.param(
            _set_property(D1, parent="x"), D1, "d1", "A district has no parent", id="district-parent"
        ),
        pytest.param(_set_property(N1, history=12), N1, "n1", "history must be text", id="profile-not-text"),
        pytest.param(
            _set_geometry(N2, rect(51.0, 35.69, 51.1, 35.8)),
            N2,
            "n2",
            "overlaps neighborhood n1 by 10.00%",
            id="overlap",
        ),
        pytest.param(
            _set_geometry(N1, rect(50.9, 35.6, 51.0, 35.7)),
            N1,
            "n1",
            "lies 100.00% outside its area a1",
            id="outside-area",
        ),
        pytest.param(
            _set_geometry(A2, rect(51.1, 35.6, 51.3, 35.8)),
            A2,
            "a2",
            "lies 50.00% outside its district d1",
            id="area-outside-district",
        ),
    ],
)
def test_bad_input_is_reported_and_nothing_is_written(
    change: Callable[[Collection], None], index: int, slug: str, expected: str
) -> None:
    city = CityFactory()
    collection = valid_collection()
    change(collection)
    before = state(city)

    with pytest.raises(BoundaryImportError) as caught:
        boundaries_import(actor=None, city=city, collection=collection)

    assert any(
        p.feature_index == index and p.slug == slug and expected in p.message for p in caught.value.problems
    ), caught.value.problems
    assert state(city) == before


@pytest.mark.parametrize(
    ("collection", "expected"),
    [
        pytest.param("not json at all", "it holds a str", id="string"),
        pytest.param([1, 2], "it holds a list", id="list"),
        pytest.param(
            {"type": "Feature", "geometry": None, "properties": {}},
            "not a GeoJSON FeatureCollection",
            id="feature",
        ),
        pytest.param({"type": "FeatureCollection", "features": []}, "has no features", id="empty"),
        pytest.param({"type": "FeatureCollection"}, "no list of features", id="no-features"),
    ],
)
def test_not_a_feature_collection(collection: object, expected: str) -> None:
    city = CityFactory()
    before = state(city)
    with pytest.raises(BoundaryImportError) as caught:
        boundaries_import(actor=None, city=city, collection=collection)
    [problem] = caught.value.problems
    assert problem.feature_index is None
    assert expected in problem.message
    assert str(problem) == problem.message
    assert state(city) == before


def test_feature_that_is_not_a_feature() -> None:
    collection = valid_collection()
    collection["features"].append({"type": "Point", "coordinates": [51, 35]})
    collection["features"].append({"type": "Feature", "geometry": rect(0, 0, 1, 1), "properties": None})
    problems = problems_of(CityFactory(), collection)
    assert [(p.feature_index, p.message) for p in problems] == [
        (7, "Not a GeoJSON Feature."),
        (8, "The feature has no properties object."),
    ]


def test_several_problems_are_all_reported() -> None:
    city = CityFactory()
    collection = valid_collection()
    _set_geometry(N1, BOWTIE)(collection)
    _drop_property(A2, "name")(collection)
    _set_property(N4, parent="nowhere")(collection)
    _set_geometry(N3, {"type": "Point", "coordinates": [51.15, 35.65]})(collection)
    before = state(city)

    with pytest.raises(BoundaryImportError) as caught:
        boundaries_import(actor=None, city=city, collection=collection)

    found = {(p.feature_index, p.slug) for p in caught.value.problems}
    assert {(A2, "a2"), (N1, "n1"), (N3, "n3"), (N4, "n4")} <= found
    indexes = [p.feature_index for p in caught.value.problems]
    assert indexes == sorted(indexes)
    assert state(city) == before


def test_slugs_and_parents_of_another_city_are_refused() -> None:
    other = CityFactory()
    boundaries_import(actor=None, city=other, collection=valid_collection())
    city = CityFactory()
    collection = valid_collection(prefix="x-")
    _set_property(N4, slug="n1")(collection)  # n1 is a neighborhood of the other city
    _set_property(N3, parent="a2")(collection)  # a2 is an area of the other city
    before = state(city)

    with pytest.raises(BoundaryImportError) as caught:
        boundaries_import(actor=None, city=city, collection=collection)

    messages = {(p.feature_index, p.message) for p in caught.value.problems}
    assert (N3, "The parent a2 belongs to another city.") in messages
    assert any(i == N4 and "in another city" in m for i, m in messages)
    assert state(city) == before


def test_overlap_with_a_stored_neighborhood_is_reported() -> None:
    city = CityFactory()
    boundaries_import(actor=None, city=city, collection=valid_collection())
    collection = {
        "type": "FeatureCollection",
        "features": [feature("neighborhood", "n5", rect(51.0, 35.65, 51.1, 35.75), parent="a1")],
    }
    problems = problems_of(city, collection)
    assert {p.message for p in problems} == {
        "The neighborhood overlaps neighborhood n1 by 50.00% of the smaller one (tolerance 0.10%).",
        "The neighborhood overlaps neighborhood n2 by 50.00% of the smaller one (tolerance 0.10%).",
    }
    assert {(p.feature_index, p.slug) for p in problems} == {(0, "n5")}


def test_shrinking_an_area_away_from_its_stored_neighborhoods_is_reported() -> None:
    city = CityFactory()
    boundaries_import(actor=None, city=city, collection=valid_collection())
    collection = {
        "type": "FeatureCollection",
        "features": [feature("area", "a1", rect(51.0, 35.6, 51.1, 35.7), parent="d1", number=1)],
    }
    [problem] = problems_of(city, collection)
    assert (problem.feature_index, problem.slug) == (0, "a1")
    assert "The stored neighborhood n2 would lie 100.00% outside this area" in problem.message


def test_tolerance_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        validate_feature_collection(city=CityFactory(), collection=valid_collection(), overlap_tolerance=1.5)


def test_many_neighborhoods_need_few_queries(django_assert_max_num_queries: Callable[..., Any]) -> None:
    city = CityFactory()
    collection = generated_collection(columns=10, rows=6)
    with django_assert_max_num_queries(10):
        assert problems_of(city, collection) == []


def generated_collection(*, columns: int, rows: int) -> Collection:
    """One district, one area per column, `rows` neighborhoods per area, all tiling a rectangle."""
    size = 0.01
    x0, y0 = 51.0, 35.6
    features = [
        feature("district", "g-d", rect(x0, y0, x0 + columns * size, y0 + rows * size), number=1),
    ]
    for c in range(columns):
        x = x0 + c * size
        features.append(
            feature("area", f"g-a{c}", rect(x, y0, x + size, y0 + rows * size), parent="g-d", number=c + 1)
        )
        for r in range(rows):
            y = y0 + r * size
            features.append(
                feature("neighborhood", f"g-n{c}-{r}", rect(x, y, x + size, y + size), parent=f"g-a{c}")
            )
    return {"type": "FeatureCollection", "features": features}


# --- the command --------------------------------------------------------------------------------


def write(tmp_path: Path, collection: object, name: str = "city.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_boundaries", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_and_prints_a_summary(tmp_path: Path) -> None:
    city = CityFactory(slug="tehran")
    out, _err = run(str(write(tmp_path, valid_collection())), "--city", "tehran")
    assert "7 created, 0 updated, 0 unchanged; boundaries version 1" in out
    assert "neighborhood: 4 created" in out
    assert Neighborhood.objects.filter(city=city).count() == 4


def test_command_creates_the_city(tmp_path: Path) -> None:
    run(
        str(write(tmp_path, valid_collection())),
        "--city",
        "qom",
        "--create-city",
        "--city-name",
        "قم",
        "--city-name-en",
        "Qom",
    )
    city = City.objects.get(slug="qom")
    assert (city.name, city.boundaries_version, city.neighborhoods.count()) == ("قم", 1, 4)
    assert Event.objects.filter(action="territory.city.created", city_id=city.pk).exists()


def test_command_prints_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    collection = valid_collection()
    _set_geometry(N1, BOWTIE)(collection)
    _set_property(N4, parent="nowhere")(collection)
    path = write(tmp_path, collection)
    before = (City.objects.count(), Event.objects.count())
    err = StringIO()

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_boundaries",
            str(path),
            "--city",
            "qom",
            "--create-city",
            "--city-name",
            "قم",
            "--city-name-en",
            "Qom",
            stdout=StringIO(),
            stderr=err,
        )

    lines = err.getvalue().splitlines()
    assert any(
        line.startswith("feature #3 (n1): The geometry is not valid: Self-intersection") for line in lines
    )
    assert "feature #6 (n4): Unknown parent nowhere." in lines
    assert (City.objects.count(), Event.objects.count()) == before
    assert Neighborhood.objects.count() == 0


def test_command_reports_malformed_json_with_its_position(tmp_path: Path) -> None:
    CityFactory(slug="tehran")
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection",\n  "features": [,]}', encoding="utf-8")
    with pytest.raises(CommandError, match=r"not valid JSON: .* at line 2, column 16"):
        run(str(path), "--city", "tehran")


def test_command_reports_a_missing_file(tmp_path: Path) -> None:
    CityFactory(slug="tehran")
    with pytest.raises(CommandError, match="File not found"):
        run(str(tmp_path / "nothing-here.geojson"), "--city", "tehran")


def test_command_needs_an_existing_city_or_create_city(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no city with the slug nowhere"):
        run(str(write(tmp_path, valid_collection())), "--city", "nowhere")


def test_command_dry_run_writes_nothing(tmp_path: Path) -> None:
    city = CityFactory(slug="tehran")
    before = state(city)
    out, _err = run(str(write(tmp_path, valid_collection())), "--city", "tehran", "--dry-run")
    assert "nothing was written" in out
    assert "neighborhood: 4 to create, 0 to update" in out
    assert state(city) == before


def test_command_dry_run_with_a_new_city_keeps_no_city(tmp_path: Path) -> None:
    run(
        str(write(tmp_path, valid_collection())),
        "--city",
        "qom",
        "--create-city",
        "--city-name",
        "قم",
        "--city-name-en",
        "Qom",
        "--dry-run",
    )
    assert not City.objects.filter(slug="qom").exists()
    assert Event.objects.count() == 0


def test_problem_collection_is_not_mutated() -> None:
    collection = valid_collection()
    original = copy.deepcopy(collection)
    boundaries_import(actor=None, city=CityFactory(), collection=collection)
    assert collection == original
