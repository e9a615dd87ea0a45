"""factory-boy factories shared by every test module."""

from __future__ import annotations

from typing import Any

import factory
from shapely.geometry import box, mapping

from mahalat.accounts.models import User
from mahalat.referrals.models import Agency, AgencyKind
from mahalat.territory.models import Area, City, District, Neighborhood


def square(x: float, y: float, size: float = 0.01) -> dict[str, Any]:
    """A GeoJSON square polygon with its south-west corner at (lng=x, lat=y), counter-clockwise."""
    return mapping(box(x, y, x + size, y + size, ccw=True))


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    name = factory.Sequence(lambda n: f"شهر {n}")
    name_en = factory.Sequence(lambda n: f"City {n}")
    slug = factory.Sequence(lambda n: f"city-{n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    city = factory.SubFactory(CityFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"منطقه {o.number}")
    name_en = factory.LazyAttribute(lambda o: f"District {o.number}")
    slug = factory.Sequence(lambda n: f"district-{n}")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    district = factory.SubFactory(DistrictFactory)
    city = factory.SelfAttribute("district.city")
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"ناحیه {o.number}")
    name_en = factory.LazyAttribute(lambda o: f"Area {o.number}")
    slug = factory.Sequence(lambda n: f"area-{n}")


class NeighborhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighborhood

    area = factory.SubFactory(AreaFactory)
    district = factory.SelfAttribute("area.district")
    city = factory.SelfAttribute("area.city")
    name = factory.Sequence(lambda n: f"محله {n}")
    name_en = factory.Sequence(lambda n: f"Neighborhood {n}")
    slug = factory.Sequence(lambda n: f"neighborhood-{n}")
    population = 12000


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"دستگاه {n}")
    name_en = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    kind = AgencyKind.WATER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: f"+98912{n:07d}")
    full_name = factory.Sequence(lambda n: f"کاربر {n}")
    password = factory.PostGenerationMethodCall("set_password", "a-Strong-pass-1405")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


def indicator_value(
    *,
    city: Any,
    code: str,
    kind: str,
    scope_id: int,
    month: tuple[int, int],
    value: float | None,
    sample: int,
    computed_at: Any,
    numerator: float | None = None,
    denominator: float | None = None,
) -> Any:
    """An unsaved pre-computed indicator value, for tests that bulk-create a year of them."""
    from mahalat.insights.models import IndicatorValue

    return IndicatorValue(
        code=code,
        scope_kind=kind,
        scope_id=scope_id,
        city=city,
        year=month[0],
        month=month[1],
        value=value,
        numerator=numerator,
        denominator=denominator,
        sample=sample,
        computed_at=computed_at,
    )


def indicator_months(
    *,
    city: Any,
    last: tuple[int, int],
    months: int,
    places: list[tuple[str, int]],
    value_of: Any,
    agency_id: int,
    computed_at: Any,
) -> int:
    """Store a value for every territory indicator, place and month up to `last`, and the agency
    indicators for one agency (6.0 of 12). `value_of(code, kind, scope_id, n, month)` gives the
    (value, sample) of a territory row, `n` months before `last`. Returns the number of rows."""
    from mahalat.insights.catalog import ScopeKind, indicators
    from mahalat.insights.models import IndicatorValue
    from mahalat.insights.periods import month_add

    rows = []
    for n in range(months):
        month = month_add(last, -n)
        for entry in indicators(kind=ScopeKind.NEIGHBORHOOD):
            for kind, pk in places:
                value, sample = value_of(entry.code, kind, pk, n, month)
                rows.append(
                    indicator_value(
                        city=city,
                        code=entry.code,
                        kind=kind,
                        scope_id=pk,
                        month=month,
                        value=value,
                        numerator=value,
                        denominator=100,
                        sample=sample,
                        computed_at=computed_at,
                    )
                )
        rows.extend(
            indicator_value(
                city=city,
                code=entry.code,
                kind=ScopeKind.AGENCY,
                scope_id=agency_id,
                month=month,
                value=6.0,
                sample=12,
                computed_at=computed_at,
            )
            for entry in indicators(kind=ScopeKind.AGENCY)
        )
    IndicatorValue.objects.bulk_create(rows)
    return len(rows)
