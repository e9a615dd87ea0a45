"""The demo news: a few published items per district and at least two per neighborhood over the last
three months, plus one draft and one item in review in district 1 (where the demo accounts work).

Written through the news services, each called with `now` set to the moment the step happened in the
story, so publish dates lie in the past as they would have. Only `created_at` and `updated_at` are
auto-set by the database to the loading time; they are put back afterwards to the story's times (the
same values the services would have written at those moments).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mahalat.accounts.models import Role, RoleAssignment, ScopeKind, User
from mahalat.accounts.phone import normalize_phone
from mahalat.accounts.services import role_assign, user_register
from mahalat.news.models import NewsItem
from mahalat.news.services import news_publish, news_save, news_submit
from mahalat.persian.digits import localize_digits
from mahalat.territory.models import City, District, Neighborhood

SEED = 1405
DAYS_BACK = 90
PER_NEIGHBORHOOD = 2
# Made-up staff for districts that have no officer or manager yet (district 1 has the demo accounts).
OFFICER_PHONE = "09120031{n:03d}"
MANAGER_PHONE = "09120030{n:03d}"

DISTRICT_NEWS: list[tuple[str, str, str]] = [
    (
        "آغاز ثبت‌نام کلاس‌های تابستانی {place}",
        "ثبت‌نام کلاس‌های ورزشی، هنری و آموزشی تابستان در سراهای محله {place} آغاز شد.",
        "<p>کلاس‌ها برای کودکان و نوجوانان رایگان است. برای ثبت‌نام به <strong>سرای محله</strong> "
        "نزدیک خانه‌تان مراجعه کنید.</p>",
    ),
    (
        "برنامه آسفالت معابر {place} در ماه جاری",
        "فهرست کوچه‌ها و خیابان‌هایی که این ماه در {place} آسفالت می‌شوند اعلام شد.",
        "<p>عملیات شب‌ها انجام می‌شود تا رفت‌وآمد ساکنان کمتر مختل شود.</p>"
        "<ul><li>خیابان‌های اصلی: هفته نخست</li><li>کوچه‌ها: هفته‌های دوم تا چهارم</li></ul>",
    ),
    (
        "گزارش سه‌ماهه عملکرد {place}",
        "گزارش کارهای انجام‌شده {place} در سه ماه گذشته برای آگاهی شهروندان منتشر شد.",
        "<p>در این گزارش رسیدگی به درخواست‌های شهروندان، برنامه‌های فرهنگی و پروژه‌های عمرانی آمده است.</p>",
    ),
    (
        "اطلاعیه {place} درباره جمع‌آوری پسماند خشک",
        "زمان‌بندی تازه جمع‌آوری پسماند خشک در محله‌های {place} اعلام شد.",
        "<p>لطفاً پسماند خشک را تفکیک‌شده و در روزهای اعلام‌شده تحویل دهید.</p>",
    ),
]

NEIGHBORHOOD_NEWS: list[tuple[str, str, str]] = [
    (
        "جشن محله {place} در بوستان محله برگزار می‌شود",
        "ساکنان {place} به جشن محله با برنامه‌های شاد برای خانواده‌ها دعوت شده‌اند.",
        "<p>این جشن با همکاری شورای اجتماعی محله برگزار می‌شود و شرکت در آن برای همه آزاد است.</p>",
    ),
    (
        "نشست شورای اجتماعی محله {place} با ساکنان",
        "شورای اجتماعی محله {place} درباره مسائل محله با ساکنان گفت‌وگو می‌کند.",
        "<p>در این نشست پیشنهادهای ساکنان درباره <em>ایمنی کوچه‌ها</em> و فضای سبز شنیده می‌شود.</p>",
    ),
    (
        "پاکسازی کوچه‌های {place} با مشارکت ساکنان",
        "طرح پاکسازی داوطلبانه کوچه‌ها و فضای سبز {place} این هفته اجرا شد.",
        "<p>از همه ساکنانی که در این طرح شرکت کردند سپاسگزاریم.</p>",
    ),
    (
        "بازگشایی کتابخانه محله {place}",
        "کتابخانه محله {place} پس از نوسازی دوباره به روی ساکنان باز شد.",
        "<p>کتابخانه هر روز جز جمعه‌ها از ساعت ۹ تا ۱۸ باز است.</p>",
    ),
    (
        "کلاس‌های رایگان آموزش کمک‌های اولیه در {place}",
        "دوره آموزش کمک‌های اولیه برای ساکنان {place} در سرای محله برگزار می‌شود.",
        "<p>ظرفیت محدود است؛ برای ثبت‌نام به سرای محله مراجعه کنید.</p>",
    ),
]


def _holder(role: str, district: District) -> User | None:
    assignment = (
        RoleAssignment.objects.active()
        .filter(role=role, district=district, scope_kind=ScopeKind.DISTRICT)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    return assignment.user if assignment is not None else None


def _staff_ensure(*, role: str, district: District, phone: str, full_name: str, since: datetime) -> User:
    holder = _holder(role, district)
    if holder is not None:
        return holder
    user = User.objects.filter(phone=normalize_phone(phone)).first() or user_register(
        phone=phone, password=None, full_name=full_name
    )
    role_assign(
        actor=None,
        user=user,
        role=role,
        scope_kind=ScopeKind.DISTRICT,
        scope_ref=district.slug,
        valid_from=since,
    )
    return user


def _publish(
    *,
    author: Any,
    manager: Any,
    district: District,
    neighborhood: Neighborhood | None,
    text: tuple[str, str, str],
    place: str,
    at: datetime,
) -> NewsItem:
    title, summary, body = (part.format(place=place) for part in text)
    written = at - timedelta(days=1, hours=3)
    item = news_save(
        actor=author,
        district=district,
        neighborhood=neighborhood,
        title=title,
        summary=summary,
        body=body,
        now=written,
    )
    item = news_submit(actor=author, item=item, now=written + timedelta(hours=2))
    item = news_publish(actor=manager, item=item, now=at)
    NewsItem.objects.filter(pk=item.pk).update(created_at=written, updated_at=at)
    return item


@transaction.atomic
def load_demo_news(*, city: City, now: datetime) -> str:
    """Load the demo news of `city` unless it has news already; a one-line summary."""
    existing = NewsItem.objects.filter(city=city).count()
    if existing:
        return _("News: already loaded (%(count)s).") % {"count": localize_digits(existing)}
    rng = random.Random(SEED)
    since = now - timedelta(days=400)
    districts = list(District.objects.filter(city=city).order_by("number", "id"))
    if not districts:
        return _("News: the city has no districts.")
    hoods: dict[int, list[Neighborhood]] = {}
    for hood in Neighborhood.objects.filter(city=city).order_by("slug"):
        hoods.setdefault(hood.district_id, []).append(hood)
    published = 0
    first_staff: tuple[User, District] | None = None
    for district in districts:
        author = _staff_ensure(
            role=Role.DISTRICT_OFFICER,
            district=district,
            phone=OFFICER_PHONE.format(n=district.number),
            full_name=f"کارشناس اجتماعی {district}",
            since=since,
        )
        manager = _staff_ensure(
            role=Role.DISTRICT_MANAGER,
            district=district,
            phone=MANAGER_PHONE.format(n=district.number),
            full_name=f"مدیر {district}",
            since=since,
        )
        first_staff = first_staff or (author, district)
        for text in DISTRICT_NEWS:
            moment = now - timedelta(days=rng.randint(1, DAYS_BACK), hours=rng.randint(0, 8))
            _publish(
                author=author,
                manager=manager,
                district=district,
                neighborhood=None,
                text=text,
                place=str(district),
                at=moment,
            )
            published += 1
        for hood in hoods.get(district.pk, []):
            for text in rng.sample(NEIGHBORHOOD_NEWS, PER_NEIGHBORHOOD):
                moment = now - timedelta(days=rng.randint(1, DAYS_BACK), hours=rng.randint(0, 8))
                _publish(
                    author=author,
                    manager=manager,
                    district=district,
                    neighborhood=hood,
                    text=text,
                    place=hood.display_name,
                    at=moment,
                )
                published += 1
    if first_staff is not None:
        author, district = first_staff
        news_save(
            actor=author,
            district=district,
            title="پیش‌نویس: برنامه‌های دهه فجر در محله‌ها",
            summary="فهرست برنامه‌های دهه فجر هنوز کامل نشده است.",
            body="<p>این متن پیش‌نویس است و هنوز منتشر نشده.</p>",
            now=now,
        )
        waiting = news_save(
            actor=author,
            district=district,
            title="طرح تازه ساماندهی پارک حاشیه‌ای",
            summary="طرح ساماندهی پارک حاشیه‌ای در انتظار بررسی مدیر منطقه است.",
            body="<p>پس از تأیید مدیر منطقه منتشر می‌شود.</p>",
            now=now,
        )
        news_submit(actor=author, item=waiting, now=now)
    return _("News: %(published)s published items, one draft and one in review.") % {
        "published": localize_digits(published)
    }
