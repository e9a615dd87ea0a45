"""The citizen's view of a referred report: "referred to … on …, answered on …" in plain words, the
reason and the suggested body of a decline, and never an internal note or a staff member's name — the
same for the reporter and for an anonymous visitor."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from mahalat.persian.digits import to_persian_digits
from mahalat.persian.jalali import format_jalali_date
from mahalat.referrals.models import Referral, ReferralState, TargetKind
from mahalat.referrals.services import Target, referral_create, referral_transition
from tests.referrals_world import SATURDAY_9, ReferralWorld

pytestmark = pytest.mark.django_db

S = ReferralState
INTERNAL = "یادداشت محرمانه: پیمانکار قبلی بدحساب بود"
RESPONSE = "لوله اصلی تا پایان هفته تعویض می‌شود"
PLANNED = date(2026, 12, 5)


def _send(w: ReferralWorld) -> Referral:
    return referral_create(
        actor=w.people["district_officer"],
        report=w.report,
        target=Target(kind=TargetKind.AGENCY, agency=w.water),
        subject="نشت آب",
        note=INTERNAL,
        now=SATURDAY_9,
    )


def _answer(w: ReferralWorld, referral: Referral, *, at: datetime) -> None:
    liaison = w.people["liaison"]
    referral_transition(actor=liaison, referral=referral, to=S.ACKNOWLEDGED, now=at)
    referral_transition(actor=liaison, referral=referral, to=S.ACCEPTED, now=at)
    referral_transition(
        actor=liaison, referral=referral, to=S.ANSWERED, response=RESPONSE, planned_date=PLANNED, now=at
    )


def _page(client: Any, w: ReferralWorld) -> str:
    response = client.get(reverse("portal:report", args=[w.report.tracking_code]))
    assert response.status_code == 200
    return response.content.decode()


def _referral_part(html: str) -> str:
    found = re.search(r'<section aria-labelledby="h-referrals".*?</section>', html, re.S)
    assert found, "the page has no referral section"
    return found.group(0)


def _jalali(value: date | datetime, language: str = "fa") -> str:
    with translation.override(language):
        return format_jalali_date(value, style="long")


def test_citizen_sees_referred_and_answered_in_plain_words(
    client: Any, referral_world: ReferralWorld
) -> None:
    w = referral_world
    referral = _send(w)
    client.force_login(w.people["citizen"])
    part = _referral_part(_page(client, w))
    body = to_persian_digits(w.water.name)
    assert body in part and _jalali(SATURDAY_9) in part
    assert RESPONSE not in part

    answered_at = datetime(2026, 12, 1, 10, 0, tzinfo=SATURDAY_9.tzinfo)
    _answer(w, referral, at=answered_at)
    html = _page(client, w)
    part = _referral_part(html)
    assert body in part
    assert _jalali(SATURDAY_9) in part  # referred on
    assert _jalali(answered_at) in part  # answered on
    assert RESPONSE in part
    assert _jalali(PLANNED) in part  # the planned date
    # Nothing internal, and no one's name.
    assert INTERNAL not in html
    for person in ("district_officer", "liaison"):
        assert w.people[person].full_name not in html


def test_the_sentence_reads_in_english_too(client: Any, referral_world: ReferralWorld) -> None:
    w = referral_world
    answered_at = datetime(2026, 12, 1, 10, 0, tzinfo=SATURDAY_9.tzinfo)
    _answer(w, _send(w), at=answered_at)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    part = _referral_part(_page(client, w))
    text = " ".join(re.sub(r"<[^>]+>", " ", part).split())
    expected = (
        f"Referred to «{w.water.name_en}» on {_jalali(SATURDAY_9, 'en')} — answered on "
        f"{_jalali(answered_at, 'en')}."
    )
    assert expected in text
    assert f"{RESPONSE} Planned to be done by {_jalali(PLANNED, 'en')}." in text


def test_declined_referral_shows_the_reason_and_the_suggested_body(
    client: Any, referral_world: ReferralWorld
) -> None:
    w = referral_world
    referral = _send(w)
    liaison = w.people["liaison"]
    referral_transition(actor=liaison, referral=referral, to=S.ACKNOWLEDGED, now=SATURDAY_9)
    referral_transition(
        actor=liaison,
        referral=referral,
        to=S.DECLINED,
        reason="این لوله متعلق به شبکه شهرداری است",
        suggested_body="شهرداری منطقه ۱",
        now=SATURDAY_9,
    )
    html = _page(client, w)  # anonymous
    part = _referral_part(html)
    assert "این لوله متعلق به شبکه شهرداری است" in part
    assert "شهرداری منطقه ۱" in part
    assert str(ReferralState.DECLINED.label) in part or "رد" in part
    assert INTERNAL not in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = " ".join(re.sub(r"<[^>]+>", " ", _referral_part(_page(client, w))).split())
    assert f"— declined on {_jalali(SATURDAY_9, 'en')}." in text
    assert "Why: این لوله متعلق به شبکه شهرداری است" in text


def test_anonymous_visitor_reads_the_same_as_the_reporter(client: Any, referral_world: ReferralWorld) -> None:
    w = referral_world
    _answer(w, _send(w), at=SATURDAY_9)
    anonymous = _referral_part(_page(client, w))
    client.force_login(w.people["citizen"])
    reporter = _referral_part(_page(client, w))
    assert anonymous == reporter
    assert RESPONSE in anonymous and INTERNAL not in anonymous


def test_report_without_referrals_has_no_referral_section(client: Any, referral_world: ReferralWorld) -> None:
    html = _page(client, referral_world)
    assert 'aria-labelledby="h-referrals"' not in html


def test_report_page_reads_referrals_in_one_query(
    client: Any, referral_world: ReferralWorld, django_assert_max_num_queries: Any
) -> None:
    w = referral_world
    referral = _send(w)
    liaison = w.people["liaison"]
    referral_transition(actor=liaison, referral=referral, to=S.ACKNOWLEDGED, now=SATURDAY_9)
    referral_transition(
        actor=liaison, referral=referral, to=S.DECLINED, reason="خارج از حوزه", now=SATURDAY_9
    )
    _page(client, w)
    with django_assert_max_num_queries(20) as captured:
        _page(client, w)
    first = len(captured)
    # Two more referrals of the same report: no more queries.
    for _ in range(2):
        again = referral_create(
            actor=w.people["district_officer"],
            report=w.report,
            target=Target(kind=TargetKind.AREA, area=w.town.a11),
            subject="نشت آب",
            now=SATURDAY_9,
        )
        referral_transition(actor=w.people["area_officer"], referral=again, to=S.ACKNOWLEDGED, now=SATURDAY_9)
        referral_transition(
            actor=w.people["area_officer"], referral=again, to=S.DECLINED, reason="تکراری", now=SATURDAY_9
        )
    with django_assert_max_num_queries(first):
        html = _page(client, w)
    assert _referral_part(html).count("referral-public") == 3
