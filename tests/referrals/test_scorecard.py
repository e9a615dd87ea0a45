"""The agency scorecard, on a frozen clock: every figure computed by hand from five referrals to the
water agency (two Jalali months, two sending districts), and the pages that show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from mahalat.referrals.models import Referral, ReferralState, TargetKind
from mahalat.referrals.scorecard import Figures, agency_scorecard, city_agencies_scorecard
from mahalat.referrals.services import Target, referral_create, referral_transition
from tests.referrals_world import SATURDAY_9, TEHRAN, ReferralWorld

S = ReferralState
T0 = SATURDAY_9  # 1405/09/07 (Azar), 09:00 in Tehran
T1 = datetime(2026, 12, 26, 9, 0, tzinfo=TEHRAN)  # 1405/10/05 (Dey), a Saturday
NOW = datetime(2026, 12, 27, 12, 0, tzinfo=TEHRAN)
H = timedelta(hours=1)


@dataclass
class Card:
    world: ReferralWorld
    referrals: dict[str, Referral]


def _direct(
    w: ReferralWorld, who: str, district: Any, *, at: datetime, agency: Any = None, **extra
) -> Referral:
    return referral_create(
        actor=w.people[who],
        district=district,
        target=Target(kind=TargetKind.AGENCY, agency=agency or w.water),
        subject="بازدید از شبکه",
        now=at,
        **extra,
    )


@pytest.fixture
def card(referral_world: ReferralWorld) -> Card:
    """R1 (d1, Azar) done; R2 (d1, Azar) declined; R3 (d2, Azar) never acknowledged, finish by 1405/09/10;
    R4 (d1, Dey) acknowledged and open; R5 (d2, Dey) never acknowledged, finish by the day it was sent.
    And one referral to the power agency, which the water agency's figures must not count."""
    w = referral_world
    t, liaison = w.town, w.people["liaison"]
    r1 = _direct(w, "district_officer", t.d1, at=T0)
    referral_transition(actor=liaison, referral=r1, to=S.ACKNOWLEDGED, now=T0 + 2 * H)
    referral_transition(actor=liaison, referral=r1, to=S.ACCEPTED, now=T0 + 3 * H)
    referral_transition(
        actor=liaison,
        referral=r1,
        to=S.ANSWERED,
        response="انجام می‌شود",
        planned_date=date(2026, 12, 1),
        now=T0 + 10 * H,
    )
    referral_transition(actor=liaison, referral=r1, to=S.DONE, now=T0 + 12 * H)
    r2 = _direct(w, "district_officer", t.d1, at=T0)
    referral_transition(actor=liaison, referral=r2, to=S.ACKNOWLEDGED, now=T0 + 4 * H)
    referral_transition(actor=liaison, referral=r2, to=S.DECLINED, reason="خارج از وظایف", now=T0 + 5 * H)
    r3 = _direct(w, "other_district_officer", t.d2, at=T0, deadline=date(2026, 12, 1))
    r4 = _direct(w, "district_officer", t.d1, at=T1)
    referral_transition(actor=liaison, referral=r4, to=S.ACKNOWLEDGED, now=T1 + H)
    r5 = _direct(w, "other_district_officer", t.d2, at=T1, deadline=date(2026, 12, 26))
    _direct(w, "district_officer", t.d1, at=T0, agency=w.power)
    referrals = {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r5": r5}
    for r in referrals.values():
        r.refresh_from_db()
    # What the hand computation below rests on: R3 and R5 are past every deadline at NOW, R4 is not.
    assert r3.finish_due_at < NOW and r5.finish_due_at < NOW
    assert r4.answer_due_at > NOW and r4.finish_due_at > NOW
    return Card(world=w, referrals=referrals)


def test_totals_by_hand(card: Card, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        result = agency_scorecard(agency=card.world.water, start=None, end=None, now=NOW)
    assert result.total == Figures(
        sent=5,
        acknowledged=3,  # R1 after 2 h, R2 after 4 h, R4 after 1 h
        answered=1,  # R1 after 10 h
        declined=1,
        done=1,
        due=4,  # R1 done, R2 declined, R3 and R5 past their finish deadline; R4 still has time
        overdue=2,  # R3 and R5
        acknowledge_hours_mean=2.3,  # (2 + 4 + 1) / 3
        acknowledge_hours_median=2.0,
        answer_hours_mean=10.0,
        answer_hours_median=10.0,
        completion_rate=0.25,  # 1 done of 4 due
    )
    assert result.total.completion_percent == 25


def test_per_district_and_per_month(card: Card) -> None:
    w = card.world
    with translation.override("fa"):
        result = agency_scorecard(agency=w.water, start=None, end=None, now=NOW)
    d1, d2 = result.by_district
    assert (d1.district_id, d2.district_id) == (w.town.d1.pk, w.town.d2.pk)
    assert (d1.figures.sent, d1.figures.acknowledged, d1.figures.done, d1.figures.declined) == (3, 3, 1, 1)
    assert (d1.figures.due, d1.figures.completion_rate, d1.figures.overdue) == (2, 0.5, 0)
    assert d1.figures.acknowledge_hours_median == 2.0
    assert (d2.figures.sent, d2.figures.acknowledged, d2.figures.due, d2.figures.overdue) == (2, 0, 2, 2)
    assert d2.figures.completion_rate == 0.0 and d2.figures.acknowledge_hours_mean is None
    azar, dey = result.by_month
    assert (azar.year, azar.month, azar.label) == (1405, 9, "آذر ۱۴۰۵")
    assert (dey.year, dey.month, dey.label) == (1405, 10, "دی ۱۴۰۵")
    assert (azar.figures.sent, azar.figures.due, azar.figures.done, azar.figures.overdue) == (3, 3, 1, 1)
    assert azar.figures.acknowledge_hours_mean == 3.0  # (2 + 4) / 2
    assert azar.figures.completion_rate == pytest.approx(1 / 3)
    assert (dey.figures.sent, dey.figures.acknowledged, dey.figures.due, dey.figures.overdue) == (2, 1, 1, 1)
    assert dey.figures.acknowledge_hours_mean == 1.0 and dey.figures.completion_rate == 0.0


def test_period_limits_the_referrals_counted(card: Card) -> None:
    w = card.world
    # Dey 1405 starts on 2026-12-22: only R4 and R5.
    result = agency_scorecard(agency=w.water, start=date(2026, 12, 22), end=date(2026, 12, 31), now=NOW)
    assert result.total.sent == 2 and [m.month for m in result.by_month] == [10]
    # The last day counts whole: R1–R3 were sent on 2026-11-28 at 09:00.
    result = agency_scorecard(agency=w.water, start=None, end=date(2026, 11, 28), now=NOW)
    assert result.total.sent == 3
    result = agency_scorecard(agency=w.water, start=date(2027, 1, 1), end=None, now=NOW)
    assert result.total == Figures() and result.by_month == [] and result.by_district == []


def test_months_without_referrals_between_are_shown_empty(referral_world: ReferralWorld) -> None:
    w = referral_world
    _direct(w, "district_officer", w.town.d1, at=T0)
    _direct(w, "district_officer", w.town.d1, at=datetime(2027, 1, 30, 9, 0, tzinfo=TEHRAN))  # Bahman
    result = agency_scorecard(agency=w.water, start=None, end=None, now=NOW)
    assert [(m.month, m.figures.sent) for m in result.by_month] == [(9, 1), (10, 0), (11, 1)]


def test_query_count_does_not_grow_with_rows(card: Card, django_assert_num_queries) -> None:
    w = card.world
    for _ in range(6):
        _direct(w, "district_officer", w.town.d1, at=T1)
    with django_assert_num_queries(1):
        assert agency_scorecard(agency=w.water, start=None, end=None, now=NOW).total.sent == 11
    with django_assert_num_queries(2):
        rows = city_agencies_scorecard(city_id=w.city.pk, start=None, end=None, now=NOW)
    by_slug = {row.agency.slug: row.figures for row in rows}
    assert by_slug["town-water"].sent == 11 and by_slug["town-power"].sent == 1
    assert (
        by_slug["town-water"].overdue
        == agency_scorecard(agency=w.water, start=None, end=None, now=NOW).total.overdue
    )


# --- the pages --------------------------------------------------------------------------------------------


def client_for(user: Any, language: str = "fa") -> Client:
    client = Client()
    client.cookies["mahalat_language"] = language
    client.force_login(user)
    return client


def test_scorecard_page_in_persian(card: Card, django_assert_max_num_queries) -> None:
    w = card.world
    url = f"/agencies/{w.water.pk}/scorecard/"
    client = client_for(w.people["deputy"])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'dir="rtl"' in html
    assert "آذر ۱۴۰۵" in html and "دی ۱۴۰۵" in html
    assert '<div class="fs-4 fw-semibold">۵</div>' in html  # five sent, in Persian digits
    assert "۲٫۳ / ۲" in html  # time to acknowledge, mean / median
    # The period, typed in Jalali (Persian digits too): from 1 Dey 1405.
    html = client.get(url, {"from": "۱۴۰۵/۱۰/۰۱"}).content.decode()
    assert '<div class="fs-4 fw-semibold">۲</div>' in html and "آذر ۱۴۰۵" not in html
    response = client.get(url, {"from": "1405/10/01", "to": "1405/09/01"})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()


@pytest.mark.parametrize("who", ["citizen", "power_liaison"])
def test_scorecard_page_refused_without_view_scorecard(card: Card, who: str) -> None:
    w = card.world
    assert client_for(w.people[who]).get(f"/agencies/{w.water.pk}/scorecard/").status_code == 403


def test_scorecard_page_for_the_agency_and_unknown_agency(card: Card) -> None:
    w = card.world
    assert client_for(w.people["liaison"]).get(f"/agencies/{w.water.pk}/scorecard/").status_code == 200
    assert client_for(w.people["deputy"]).get("/agencies/999999/scorecard/").status_code == 404
    assert Client().get(f"/agencies/{w.water.pk}/scorecard/").status_code == 302  # to the sign-in page


def test_city_comparison_page(card: Card, django_assert_max_num_queries) -> None:
    w = card.world
    client = client_for(w.people["deputy"])
    with django_assert_max_num_queries(12):
        response = client.get("/agencies/scorecards/")
    assert response.status_code == 200
    html = response.content.decode()
    assert w.water.name in html and w.power.name in html
    assert f'href="/agencies/{w.water.pk}/scorecard/"' in html
    html = client.get("/agencies/scorecards/", {"from": "1405/10/01"}).content.decode()
    assert f'href="/agencies/{w.water.pk}/scorecard/?from=1405%2F10%2F01"' in html
    # A liaison sees its own agency's card, not the city's comparison.
    assert client_for(w.people["liaison"]).get("/agencies/scorecards/").status_code == 403
    assert client_for(w.people["citizen"]).get("/agencies/scorecards/").status_code == 403
    assert client.get("/agencies/scorecards/", {"city": "999999"}).status_code == 404
