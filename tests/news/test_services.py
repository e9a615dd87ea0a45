"""The news workflow: drafts, review by another district manager, publishing, sending back,
withdrawing; who may do each; slugs; bad input that writes nothing; stale versions refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.audit.models import Event
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.news.models import NewsItem, NewsState
from mahalat.news.services import (
    news_publish,
    news_save,
    news_send_back,
    news_slug,
    news_submit,
    news_withdraw,
)
from tests.factories import CityFactory, DistrictFactory, UserFactory
from tests.news.conftest import draft, not_an_image, png, published
from tests.towns import Town

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted in English, whatever the translations say.
    with translation.override("en"):
        yield


# --- slugs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("بازگشایی کتابخانه محله", "بازگشایی-کتابخانه-محله"),
        ("  جشن   محله!  ", "جشن-محله"),
        # The half-space joins one word; Arabic yeh and kaf become Persian ones.
        ("کلاس‌های تابستانی", "کلاسهای-تابستانی"),
        ("علي و كتاب", "علی-و-کتاب"),
        # Persian digits are kept; Persian punctuation and guillemets are separators.
        ("گزارش ۱۴۰۵، «سه‌ماهه»؟", "گزارش-۱۴۰۵-سهماهه"),
        ("News Day 2", "news-day-2"),
        ("!!! ؟؟؟", "خبر"),
    ],
)
def test_slug_from_persian_title(title: str, slug: str) -> None:
    assert news_slug(title) == slug


def test_long_title_slug_is_cut_at_a_word() -> None:
    slug = news_slug(" ".join(["واژه"] * 60))
    assert len(slug) <= 120
    assert slug.endswith("واژه")


def test_slug_collisions_get_a_number_in_the_city_only(town: Town) -> None:
    first = draft(town, title="جشن محله")
    second = draft(town, title="جشن محله")
    third = draft(town, title="جشن  محله!")
    assert [first.slug, second.slug, third.slug] == ["جشن-محله", "جشن-محله-2", "جشن-محله-3"]
    # Another city may use the same slug.
    other = CityFactory(slug="other")
    district = DistrictFactory(city=other, number=1, slug="other-d1")
    officer = UserFactory()
    role_assign(
        actor=None,
        user=officer,
        role=Role.DISTRICT_OFFICER,
        scope_kind=ScopeKind.DISTRICT,
        scope_ref="other-d1",
    )
    elsewhere = news_save(actor=officer, district=district, title="جشن محله", summary="خلاصه")
    assert elsewhere.slug == "جشن-محله"


def test_editing_a_draft_keeps_its_own_slug(town: Town) -> None:
    item = draft(town, title="جشن محله")
    item = news_save(
        actor=town.people["district_officer"], item=item, district=town.d1, title="جشن محله", summary="تازه"
    )
    assert item.slug == "جشن-محله"


# --- the workflow ------------------------------------------------------------------------------------


def test_draft_review_publish(town: Town) -> None:
    officer, manager = town.people["district_officer"], town.people["district_manager"]
    before = Event.objects.count()
    item = draft(town, neighborhood=town.n1)
    assert (item.state, item.author, item.area_id, item.version) == (NewsState.DRAFT, officer, town.a11.pk, 1)
    item = news_submit(actor=officer, item=item)
    assert item.state == NewsState.IN_REVIEW and item.submitted_at is not None
    now = timezone.now()
    item = news_publish(actor=manager, item=item, now=now)
    item.refresh_from_db()
    assert item.state == NewsState.PUBLISHED
    assert item.reviewer == manager and item.publish_at == now and item.version == 3
    actions = list(Event.objects.order_by("id").values_list("action", flat=True)[before:])
    assert actions == ["news.item.created", "news.item.submitted", "news.item.published"]


def test_body_is_sanitized(town: Town) -> None:
    item = draft(town, body='<p onclick="x()">سلام</p><script>alert(1)</script><a href="javascript:x">ب</a>')
    assert "script" not in item.body and "onclick" not in item.body and "javascript" not in item.body
    assert "<p>سلام</p>" in item.body


def test_a_future_publish_date_is_kept(town: Town) -> None:
    later = timezone.now() + timedelta(days=3)
    item = published(town, title="خبر آینده", publish_at=later)
    assert item.publish_at == later


def test_the_reviewer_must_differ_from_the_author(town: Town) -> None:
    manager = town.people["district_manager"]
    item = draft(town, manager)
    item = news_submit(actor=manager, item=item)
    with pytest.raises(PermissionDenied, match="Another person"):
        news_publish(actor=manager, item=item)
    with pytest.raises(PermissionDenied):
        news_send_back(actor=manager, item=item, note="اصلاح کنید")
    item.refresh_from_db()
    assert item.state == NewsState.IN_REVIEW
    # A second manager of the district may.
    second = UserFactory()
    role_assign(
        actor=None,
        user=second,
        role=Role.DISTRICT_MANAGER,
        scope_kind=ScopeKind.DISTRICT,
        scope_ref="town-d1",
    )
    assert news_publish(actor=second, item=item).reviewer == second


def test_send_back_needs_a_note_and_returns_to_draft(town: Town) -> None:
    officer, manager = town.people["district_officer"], town.people["district_manager"]
    item = news_submit(actor=officer, item=draft(town))
    with pytest.raises(ValidationError) as caught:
        news_send_back(actor=manager, item=item, note="   ")
    assert "note" in caught.value.message_dict
    item = news_send_back(actor=manager, item=item, note="عنوان را کوتاه‌تر کنید")
    assert item.state == NewsState.DRAFT and item.review_note == "عنوان را کوتاه‌تر کنید"
    # Editable again, and submitting clears the note.
    news_save(actor=officer, item=item, district=town.d1, title="عنوان کوتاه", summary="خلاصه")
    assert news_submit(actor=officer, item=item).review_note == ""


def test_withdraw_needs_a_reason_and_district_staff(town: Town) -> None:
    item = published(town, title="خبر منتشرشده", neighborhood=town.n1)
    with pytest.raises(PermissionDenied):
        news_withdraw(actor=town.people["area_officer"], item=item, reason="اشتباه")
    with pytest.raises(ValidationError):
        news_withdraw(actor=town.people["district_officer"], item=item, reason="")
    item = news_withdraw(actor=town.people["district_officer"], item=item, reason="تاریخ اشتباه بود")
    assert item.state == NewsState.WITHDRAWN and item.withdrawn_at is not None
    with pytest.raises(TransitionNotAllowed):
        news_withdraw(actor=town.people["district_officer"], item=item, reason="دوباره")


def test_out_of_order_moves_are_refused(town: Town) -> None:
    officer, manager = town.people["district_officer"], town.people["district_manager"]
    item = draft(town)
    with pytest.raises(TransitionNotAllowed, match="cannot become"):
        news_publish(actor=manager, item=item)
    with pytest.raises(TransitionNotAllowed):
        news_send_back(actor=manager, item=item, note="یادداشت")
    item = news_submit(actor=officer, item=item)
    with pytest.raises(TransitionNotAllowed):
        news_submit(actor=officer, item=item)
    with pytest.raises(TransitionNotAllowed, match="Only a draft"):
        news_save(actor=officer, item=item, district=town.d1, title="تغییر", summary="تغییر")
    item.refresh_from_db()
    assert item.state == NewsState.IN_REVIEW and item.title == "بازگشایی کتابخانه محله"


def test_a_stale_version_is_refused(town: Town) -> None:
    officer = town.people["district_officer"]
    item = draft(town)
    seen = item.version
    news_save(actor=officer, item=item, version=seen, district=town.d1, title="نسخه دوم", summary="خلاصه")
    with pytest.raises(ConflictError, match="Someone else changed"):
        news_save(actor=officer, item=item, version=seen, district=town.d1, title="نسخه سوم", summary="خلاصه")
    with pytest.raises(ConflictError):
        news_submit(actor=officer, item=item, version=seen)
    item.refresh_from_db()
    assert (item.title, item.state, item.version) == ("نسخه دوم", NewsState.DRAFT, seen + 1)


# --- permissions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "person",
    ["citizen", "deputy", "city_council", "council_chair", "liaison", "other_district_officer"],
)
def test_who_may_not_write_in_district_1(town: Town, person: str) -> None:
    count = NewsItem.objects.count()
    for neighborhood in (None, town.n1):
        with pytest.raises(PermissionDenied):
            draft(town, town.people[person], neighborhood=neighborhood)
    assert NewsItem.objects.count() == count


def test_the_area_officer_writes_for_its_neighborhoods_only(town: Town) -> None:
    officer = town.people["area_officer"]
    assert draft(town, officer, neighborhood=town.n1).area_id == town.a11.pk
    with pytest.raises(PermissionDenied):
        draft(town, officer)  # the whole district is beyond its area
    with pytest.raises(PermissionDenied):
        draft(town, officer, district=town.d2, neighborhood=town.n2)


def test_only_the_district_manager_publishes(town: Town) -> None:
    item = news_submit(
        actor=town.people["area_officer"], item=draft(town, town.people["area_officer"], neighborhood=town.n1)
    )
    for person in ("district_officer", "area_officer", "deputy", "city_council", "other_district_officer"):
        with pytest.raises(PermissionDenied):
            news_publish(actor=town.people[person], item=item)
    assert news_publish(actor=town.people["district_manager"], item=item).state == NewsState.PUBLISHED


def test_a_neighborhood_outside_the_district_is_refused(town: Town) -> None:
    with pytest.raises(ValidationError) as caught:
        draft(town, neighborhood=town.n2)
    assert "neighborhood" in caught.value.message_dict
    assert not NewsItem.objects.exists()


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "ب" * 201}, "title"),
        ({"summary": ""}, "summary"),
        ({"summary": "خ" * 301}, "summary"),
        ({"body": "<p>" + "م" * 60_001 + "</p>"}, "body"),
        ({"title": 12}, "title"),
        ({"publish_at": timezone.now() - timedelta(days=2)}, "publish_at"),
        ({"publish_at": timezone.now() + timedelta(days=400)}, "publish_at"),
        ({"publish_at": "tomorrow"}, "publish_at"),
    ],
)
def test_bad_input_writes_nothing(town: Town, overrides: dict[str, object], field: str) -> None:
    events = Event.objects.count()
    with pytest.raises(ValidationError) as caught:
        draft(town, **overrides)
    assert field in caught.value.message_dict
    assert not NewsItem.objects.exists()
    assert Event.objects.count() == events


def test_an_image_that_is_not_an_image_is_refused(town: Town) -> None:
    with pytest.raises(ValidationError) as caught:
        draft(town, lead_image=not_an_image(), lead_image_alt="تصویر")
    assert "not an image" in " ".join(caught.value.message_dict["lead_image"])
    assert not NewsItem.objects.exists()


def test_an_image_needs_its_description(town: Town) -> None:
    with pytest.raises(ValidationError) as caught:
        draft(town, lead_image=png())
    assert "lead_image_alt" in caught.value.message_dict
    assert not NewsItem.objects.exists()


def test_the_lead_image_is_re_encoded_and_can_be_removed(town: Town) -> None:
    item = draft(town, lead_image=png(), lead_image_alt="نمای کتابخانه")
    assert item.lead_image.name.endswith(".jpg")
    with item.lead_image.open("rb") as handle:
        assert handle.read(3) == b"\xff\xd8\xff"
    item = news_save(
        actor=town.people["district_officer"],
        item=item,
        district=town.d1,
        title=item.title,
        summary=item.summary,
        remove_image=True,
    )
    assert not item.lead_image and item.lead_image_alt == ""
