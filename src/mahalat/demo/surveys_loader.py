"""The demo city's needs assessments (نیازسنجی), written through the real services.

`load_demo_surveys` adds to the loaded demo city:

- a completed needs assessment of Sarcheshmeh by district 1's social officer: closed some days ago,
  about 80 responses from verified residents of the neighborhood (the ones already there, and new
  demo residents with a verified residency, +98 912 150 0xxx, no usable password, for the rest), so
  its results page shows charts, the top needs and the "propose to the council's agenda" button;
- an open one by the deputy in the neighborhood where the demo citizen (09120000001) is a verified
  resident (the councils demo makes her a resident of the neighborhood whose election is running;
  Sarcheshmeh when she has no residency), answered by a few of her neighbors and not by her, so
  signing in as her shows a survey she can answer.

Each survey is found by its neighborhood and title; a second run adds nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mahalat.accounts.models import Role, RoleAssignment, User
from mahalat.accounts.phone import normalize_phone
from mahalat.accounts.services import user_register
from mahalat.demo import report_texts as texts
from mahalat.demo.city import COUNCIL_NEIGHBORHOOD_SLUG
from mahalat.elections.models import Residency, ResidencyState
from mahalat.surveys import services
from mahalat.surveys.models import Question, QuestionKind, Survey
from mahalat.territory.models import City, Neighborhood

SEED = 1405
RESPONSES = 80
OPEN_RESPONSES = 12
RESIDENT_PHONE = "09121500{n:03d}"
CITIZEN_PHONE = "09120000001"

COMPLETED_TITLE = "نیازسنجی فرهنگی اجتماعی محله‌ی سرچشمه"
OPEN_TITLE = "نیازسنجی برنامه‌های تابستانی محله"

# (kind, text, options, weights of the options, max picks)
COMPLETED_QUESTIONS: list[tuple[str, str, list[str], list[float], int | None]] = [
    (
        QuestionKind.SINGLE,
        "به نظر شما مهم‌ترین نیاز فرهنگی اجتماعی محله چیست؟",
        [
            "کتابخانه و فرهنگسرای محله",
            "فضای ورزشی سرپوشیده",
            "پارک و زمین بازی کودکان",
            "خانه‌ی سالمندان",
            "کلاس‌های آموزش مهارت برای جوانان",
        ],
        [30, 22, 18, 8, 14],
        None,
    ),
    (
        QuestionKind.MULTIPLE,
        "در کدام برنامه‌ها شرکت می‌کنید؟ (حداکثر سه مورد)",
        [
            "جشن‌های ملی و مذهبی محله",
            "ورزش صبحگاهی همگانی",
            "کارگاه‌های هنری",
            "دوره‌های آموزش خانواده",
            "تورهای گردشگری شهری",
            "جلسات هم‌اندیشی با شورا",
        ],
        [40, 30, 22, 18, 15, 10],
        3,
    ),
    (
        QuestionKind.RATING,
        "از برنامه‌های فرهنگی سال گذشته‌ی محله چقدر راضی بودید؟",
        [],
        [6, 10, 24, 28, 12],
        None,
    ),
    (QuestionKind.TEXT, "پیشنهاد دیگری برای محله دارید؟", [], [], None),
]
SUGGESTIONS = [
    "نورپردازی مظهر قنات برای برنامه‌های شبانه",
    "برگزاری بازارچه‌ی محلی صنایع دستی در روزهای جمعه",
    "کلاس قرآن و خوشنویسی برای نوجوانان",
    "تعمیر نیمکت‌های پارک و گذاشتن آبخوری",
    "برنامه‌ی کتاب‌خوانی برای کودکان در مسجد محله",
    "راه‌اندازی گروه کوهنوردی محله",
]
OPEN_QUESTIONS: list[tuple[str, str, list[str], list[float], int | None]] = [
    (
        QuestionKind.MULTIPLE,
        "کدام برنامه‌های تابستانی را برای فرزندان خود می‌خواهید؟",
        ["کلاس شنا", "اردوی علمی", "کارگاه نقاشی", "فوتبال محلات", "کلاس رباتیک"],
        [30, 20, 18, 25, 12],
        2,
    ),
    (QuestionKind.SINGLE, "چه ساعتی برای برنامه‌ها مناسب‌تر است؟", ["صبح", "عصر", "شب"], [20, 50, 30], None),
    (QuestionKind.TEXT, "توضیح یا پیشنهاد", [], [], None),
]


def _holder(role: str, **scope: Any) -> User:
    assignment = (
        RoleAssignment.objects.active()
        .filter(role=role, **scope)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    if assignment is None:
        raise ValidationError(_("The demo accounts are missing; load the demo city first."))
    return assignment.user


def _verified(hood: Neighborhood, *, exclude: set[int]) -> list[User]:
    return [
        r.user
        for r in Residency.objects.filter(neighborhood=hood, state=ResidencyState.VERIFIED)
        .exclude(user_id__in=exclude)
        .select_related("user")
        .order_by("user_id")
    ]


def _residents(
    hood: Neighborhood, count: int, *, rng: random.Random, exclude: set[int], now: datetime
) -> list[User]:
    """`count` verified residents of `hood`: those already there first, new demo residents for the rest."""
    people = _verified(hood, exclude=exclude)[:count]
    names = [f"{f} {last}" for f in texts.FIRST_NAMES for last in texts.LAST_NAMES]
    rng.shuffle(names)
    n = 0
    while len(people) < count:
        n += 1
        phone = RESIDENT_PHONE.format(n=n)
        user = User.objects.filter(phone=normalize_phone(phone)).first()
        if user is None:
            user = user_register(phone=phone, password=None, full_name=names[n % len(names)])
        if (
            user.pk in exclude
            or Residency.objects.filter(user=user).exclude(state=ResidencyState.REJECTED).exists()
        ):
            continue  # one residency per person: someone living elsewhere is not asked here
        Residency.objects.create(
            city_id=hood.city_id,
            district_id=hood.district_id,
            area_id=hood.area_id,
            neighborhood=hood,
            user=user,
            address=_("Demo address"),
            state=ResidencyState.VERIFIED,
            verified_at=now - timedelta(days=rng.randint(60, 400)),
        )
        people.append(user)
    return people


def _build(
    *,
    actor: User,
    hood: Neighborhood,
    title: str,
    introduction: str,
    opens_at: datetime,
    closes_at: datetime,
    questions: list[tuple[str, str, list[str], list[float], int | None]],
) -> tuple[Survey, list[Question]]:
    survey = services.survey_save(
        actor=actor,
        neighborhood=hood,
        title=title,
        introduction=introduction,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    made = [
        services.question_save(
            actor=actor,
            survey=survey,
            kind=kind,
            text=text,
            options=options,
            max_picks=picks,
            required=kind != QuestionKind.TEXT,
        )
        for kind, text, options, _weights, picks in questions
    ]
    return survey, made


def _answers(
    rng: random.Random, made: list[Question], spec: list[tuple[str, str, list[str], list[float], int | None]]
) -> dict[int, object]:
    answers: dict[int, object] = {}
    for question, (kind, _text, _options, weights, picks) in zip(made, spec, strict=True):
        ids = [o.pk for o in question.options.all()]
        if kind == QuestionKind.SINGLE:
            answers[question.pk] = rng.choices(ids, weights)[0]
        elif kind == QuestionKind.MULTIPLE:
            chosen = {rng.choices(ids, weights)[0] for _ in range(rng.randint(1, picks or 1))}
            answers[question.pk] = sorted(chosen)
        elif kind == QuestionKind.RATING:
            answers[question.pk] = rng.choices([1, 2, 3, 4, 5], weights)[0]
        elif rng.random() < 0.25:
            answers[question.pk] = rng.choice(SUGGESTIONS)
    return answers


@transaction.atomic
def load_demo_surveys(*, city: City, now: datetime) -> str:
    """One closed needs assessment with about 80 responses and one open one; returns a summary line."""
    rng = random.Random(SEED)
    sarcheshmeh = Neighborhood.objects.get(city=city, slug=COUNCIL_NEIGHBORHOOD_SLUG)
    officer = _holder(Role.DISTRICT_OFFICER, district_id=sarcheshmeh.district_id)
    deputy = _holder(Role.DEPUTY, city=city)
    citizen = User.objects.filter(phone=normalize_phone(CITIZEN_PHONE)).first()
    keep_out = {citizen.pk} if citizen is not None else set()
    made_surveys = 0

    if not Survey.objects.filter(neighborhood=sarcheshmeh, title=COMPLETED_TITLE).exists():
        opens_at, closes_at = now - timedelta(days=45), now - timedelta(days=12)
        survey, questions = _build(
            actor=officer,
            hood=sarcheshmeh,
            title=COMPLETED_TITLE,
            introduction="مدیریت فرهنگی اجتماعی منطقه برای برنامه‌ریزی سال آینده نظر ساکنان محله را می‌پرسد.",
            opens_at=opens_at,
            closes_at=closes_at,
            questions=COMPLETED_QUESTIONS,
        )
        services.survey_open(actor=officer, survey=survey, now=opens_at)
        people = _residents(sarcheshmeh, RESPONSES, rng=rng, exclude=keep_out, now=now)
        span = (closes_at - opens_at).total_seconds()
        moments = sorted(opens_at + timedelta(seconds=rng.uniform(0, span * 0.95)) for _ in people)
        for person, at in zip(people, moments, strict=True):
            services.response_submit(
                actor=person, survey=survey, answers=_answers(rng, questions, COMPLETED_QUESTIONS), now=at
            )
        services.survey_close(actor=officer, survey=survey, now=closes_at)
        made_surveys += 1

    home = sarcheshmeh
    if citizen is not None:
        residency = Residency.objects.filter(user=citizen, state=ResidencyState.VERIFIED).first()
        if residency is not None and residency.city_id == city.pk:
            home = residency.neighborhood
    if not Survey.objects.filter(neighborhood=home, title=OPEN_TITLE).exists():
        opens_at, closes_at = now - timedelta(days=3), now + timedelta(days=18)
        survey, questions = _build(
            actor=deputy,
            hood=home,
            title=OPEN_TITLE,
            introduction="معاونت فرهنگی اجتماعی برای برنامه‌های تابستان نظر خانواده‌های محله را می‌پرسد.",
            opens_at=opens_at,
            closes_at=closes_at,
            questions=OPEN_QUESTIONS,
        )
        services.survey_open(actor=deputy, survey=survey, now=now)
        neighbors = _verified(home, exclude=keep_out)[:OPEN_RESPONSES]
        for n, person in enumerate(neighbors):
            services.response_submit(
                actor=person,
                survey=survey,
                answers=_answers(rng, questions, OPEN_QUESTIONS),
                now=opens_at + timedelta(hours=6 + n * 5),
            )
        made_surveys += 1
    total = Survey.objects.filter(city=city).count()
    return _("Needs assessments: %(made)s made, %(total)s in the city.") % {
        "made": made_surveys,
        "total": total,
    }
