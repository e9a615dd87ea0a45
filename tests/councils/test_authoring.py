from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mahalat.councils.models import CouncilPolicy, SeatTemplate
from mahalat.councils.selectors import policy_in_force
from mahalat.councils.services import _clean_seat_types, add_months, council_policy_save, seat_template_save
from tests.councils_world import CouncilWorld

ROWS = [
    {"code": "residents", "name": "ساکنان", "name_en": "Residents", "fill": "elected", "seats": 5},
    {"code": "trustee", "name": "معتمد محل", "name_en": "Trustee", "fill": "appointed", "seats": 1},
]


def _save(w: CouncilWorld, **kwargs: object) -> SeatTemplate:
    values: dict[str, object] = {
        "actor": w.people["deputy"],
        "city": w.city,
        "name": "ترکیب ۱۴۰۵",
        "name_en": "1405",
        "description": "",
        "seat_types": ROWS,
        "is_default": False,
    }
    values.update(kwargs)
    return seat_template_save(**values)  # type: ignore[arg-type]


def test_the_deputy_authors_a_template_and_makes_it_the_default(council_world: CouncilWorld) -> None:
    w = council_world
    t = _save(w, is_default=True)
    assert [(s.code, s.seats, s.position) for s in t.seat_types.all()] == [
        ("residents", 5, 1),
        ("trustee", 1, 2),
    ]
    w.template.refresh_from_db()
    assert t.is_default and not w.template.is_default


def test_a_template_in_use_is_not_changed_in_place(council_world: CouncilWorld) -> None:
    w = council_world
    saved = _save(w, template=w.template, name="بازنگری")
    assert saved.pk != w.template.pk
    assert w.template.seat_types.count() == 3 and saved.seat_types.count() == 2
    unused = _save(w)
    again = _save(w, template=unused, seat_types=ROWS[:1])
    assert again.pk == unused.pk and again.seat_types.count() == 1


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([], "at least one"),
        ([ROWS[0], ROWS[0]], "used twice"),
        ([{**ROWS[0], "seats": 0}], "between 1 and 30"),
        ([{**ROWS[0], "seats": "5"}], "between 1 and 30"),
        ([{**ROWS[0], "fill": "lottery"}], "how its seats are filled"),
        ([{**ROWS[0], "code": ""}], "needs a code"),
        ([{**ROWS[0], "name": "x" * 500}], "at most 120"),
        (["not a row"], "not valid"),
        ([ROWS[0]] * 31, "at most 30"),
    ],
)
def test_bad_seat_types_are_refused_and_nothing_is_written(
    council_world: CouncilWorld, rows: list[object], fragment: str
) -> None:
    before = SeatTemplate.objects.count()
    with pytest.raises(ValidationError) as exc:
        _save(council_world, seat_types=rows)
    assert fragment in " ".join(exc.value.message_dict["seat_types"])
    assert SeatTemplate.objects.count() == before


def test_only_the_deputy_authors_templates_and_policy(council_world: CouncilWorld) -> None:
    w = council_world
    for name in ["district_officer", "city_council", "citizen"]:
        with pytest.raises(PermissionDenied):
            _save(w, actor=w.people[name])
        with pytest.raises(PermissionDenied):
            council_policy_save(actor=w.people[name], city=w.city, in_force_from=timezone.localdate())


def test_policy_from_a_date_and_history_is_kept(council_world: CouncilWorld) -> None:
    w = council_world
    later = timezone.localdate() + timedelta(days=30)
    p = council_policy_save(actor=w.people["deputy"], city=w.city, in_force_from=later, term_months=36)
    assert policy_in_force(city_id=w.city.pk) == w.policy
    assert policy_in_force(city_id=w.city.pk, on=later) == p
    p2 = council_policy_save(actor=w.people["deputy"], city=w.city, in_force_from=later, term_months=30)
    assert p2.pk == p.pk and p2.term_months == 30  # a future policy may still be corrected
    with pytest.raises(ValidationError) as exc:
        council_policy_save(actor=w.people["deputy"], city=w.city, in_force_from=w.policy.in_force_from)
    assert "in_force_from" in exc.value.message_dict
    with pytest.raises(ValidationError) as bad:
        council_policy_save(
            actor=w.people["deputy"],
            city=w.city,
            in_force_from=later,
            quorum_numerator=2,
            quorum_denominator=2,
        )
    assert "quorum_numerator" in bad.value.message_dict
    with pytest.raises(ValidationError) as typed:
        council_policy_save(actor=w.people["deputy"], city=w.city, in_force_from=later, term_months="many")  # type: ignore[arg-type]
    assert "term_months" in typed.value.message_dict
    with pytest.raises(ValidationError):
        council_policy_save(actor=w.people["deputy"], city=w.city, in_force_from=later, term_months=600)
    assert CouncilPolicy.objects.get(pk=p.pk).term_months == 30


def test_without_a_policy_the_defaults_apply(db: None) -> None:
    from tests.factories import CityFactory

    policy = policy_in_force(city_id=CityFactory().pk)
    assert policy.pk is None and policy.term_months == 24 and policy.max_consecutive_terms == 2


@given(st.dates(), st.integers(min_value=0, max_value=120))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_adding_months_keeps_the_day_or_the_months_end(day: object, months: int) -> None:
    from datetime import date

    assert isinstance(day, date)
    if day.year > 9000:
        return
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and (result + timedelta(days=1)).day == 1)


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["code", "name", "fill", "seats"]),
            st.one_of(st.text(max_size=5), st.integers(-3, 40), st.none()),
        ),
        max_size=5,
    )
)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_seat_type_input_is_cleaned_or_refused_never_crashes(rows: list[dict[str, object]]) -> None:
    cleaned, errors = _clean_seat_types(rows)
    if not errors:
        assert cleaned and all(1 <= r["seats"] <= 30 for r in cleaned)
