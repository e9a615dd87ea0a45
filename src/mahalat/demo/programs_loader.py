"""The demo city's cultural-social programs: about 150 over the last twelve months and the coming
weeks, across every district — the occasions of the Iranian year (Nowruz, Sizdah-be-dar, Teachers'
day, Muharram, Mehr and the school start, Yalda night, the Fajr decade, tree planting) and the
everyday ones (sport, workshops, health, clean-up days, meetings with residents).

Past programs are held (participants, spent budget, outcome) or, a few, cancelled with a reason;
future ones are planned. Deterministic (one seeded generator) and idempotent (a city that already has
programs is left alone). Rows are written directly, as the other demo loaders do: the data is made to
satisfy every constraint the services check.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import jdatetime
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import Role, RoleAssignment
from mahalat.councils.models import Council, CouncilState
from mahalat.programs.models import OrganizerKind, Program, ProgramKind, ProgramNeighborhood, ProgramState
from mahalat.referrals.models import Agency
from mahalat.territory.models import City, District, Neighborhood

SEED = 1405
TARGET = 150
DAYS_BACK = 365
DAYS_AHEAD = 35


@dataclass(frozen=True)
class Occasion:
    title: str
    kind: str
    month: int  # Jalali
    day: int
    hour: int
    place: str
    crowd: tuple[int, int]


# Dates of the solar year; Muharram moves with the lunar calendar and is placed by its Gregorian date.
OCCASIONS: tuple[Occasion, ...] = (
    Occasion("جشن نوروزی محله", ProgramKind.CELEBRATION, 1, 3, 17, "بوستان محله", (200, 900)),
    Occasion("سیزده‌به‌در در طبیعت", ProgramKind.CELEBRATION, 1, 13, 9, "پارک جنگلی", (300, 1500)),
    Occasion("بزرگداشت روز معلم", ProgramKind.CULTURE, 2, 12, 16, "سالن فرهنگسرای منطقه", (60, 250)),
    Occasion("جشن آغاز سال تحصیلی (مهر)", ProgramKind.EDUCATION, 7, 1, 8, "حیاط مدرسه محله", (150, 600)),
    Occasion("شب یلدا در سرای محله", ProgramKind.CELEBRATION, 9, 30, 18, "سرای محله", (80, 400)),
    Occasion("جشن دهه فجر", ProgramKind.CELEBRATION, 11, 20, 16, "میدان محله", (150, 700)),
    Occasion("کاشت نهال در روز درختکاری", ProgramKind.ENVIRONMENT, 12, 15, 9, "حاشیه رودخانه", (40, 200)),
)
MUHARRAM: tuple[str, ...] = (
    # Ashura of 1447 AH (Tir 1404) and 1448 AH (Tir 1405, estimated), by Gregorian date.
    "2025-07-06",
    "2026-06-25",
)
MUHARRAM_TITLE = "مراسم عزاداری تاسوعا و عاشورا"

EVERYDAY: tuple[tuple[str, str, str, tuple[int, int]], ...] = (
    ("پیاده‌روی خانوادگی صبح جمعه", ProgramKind.SPORT, "بوستان محله", (50, 300)),
    ("مسابقه فوتبال محلات", ProgramKind.SPORT, "زمین چمن مصنوعی", (40, 250)),
    ("والیبال بانوان محله", ProgramKind.SPORT, "سالن ورزشی منطقه", (20, 80)),
    ("کارگاه فرزندپروری", ProgramKind.EDUCATION, "سرای محله", (20, 70)),
    ("کارگاه مهارت‌های زندگی برای نوجوانان", ProgramKind.EDUCATION, "کتابخانه محله", (15, 60)),
    ("آموزش تفکیک پسماند از مبدأ", ProgramKind.ENVIRONMENT, "سرای محله", (25, 90)),
    ("روز پاکسازی محله", ProgramKind.ENVIRONMENT, "کوچه‌ها و معابر محله", (30, 150)),
    ("پاکسازی حاشیه رودخانه", ProgramKind.ENVIRONMENT, "حاشیه رودخانه", (30, 120)),
    ("غربالگری فشار خون و قند", ProgramKind.HEALTH, "پایگاه سلامت محله", (60, 300)),
    ("کارگاه کمک‌های اولیه", ProgramKind.HEALTH, "سرای محله", (20, 60)),
    ("نمایشگاه صنایع دستی محله", ProgramKind.CULTURE, "سرای محله", (100, 500)),
    ("شب شعر و خاطره", ProgramKind.CULTURE, "کتابخانه محله", (30, 120)),
    ("تئاتر خیابانی کودکان", ProgramKind.CULTURE, "میدان محله", (80, 300)),
    ("جشنواره بازی‌های محلی", ProgramKind.CULTURE, "بوستان محله", (100, 400)),
    ("توزیع بسته‌های معیشتی", ProgramKind.SOCIAL_SUPPORT, "مسجد جامع محله", (50, 200)),
    ("همیاری برای سالمندان تنها", ProgramKind.SOCIAL_SUPPORT, "سرای محله", (15, 60)),
    ("دیدار مدیر منطقه با اهالی", ProgramKind.MEETING, "سرای محله", (40, 150)),
    ("نشست هم‌اندیشی شورای محله و اهالی", ProgramKind.MEETING, "سرای محله", (30, 120)),
    ("جشن میلاد امام رضا (ع)", ProgramKind.RELIGIOUS, "مسجد محله", (100, 500)),
    ("مراسم دعای ندبه", ProgramKind.RELIGIOUS, "مسجد محله", (40, 200)),
)
NGOS = (
    "مؤسسه خیریه نیکوکاران محله",
    "انجمن دوستداران محیط زیست",
    "کانون جوانان محله",
    "انجمن حمایت از سالمندان",
)
CANCEL_REASONS = (
    "پیش‌بینی باران شدید؛ برنامه به زمان دیگری موکول می‌شود.",
    "تعمیرات سالن؛ مکان جایگزین مناسب پیدا نشد.",
    "هم‌زمانی با عزای عمومی.",
    "بودجه برنامه به اولویت دیگری منتقل شد.",
)
OUTCOMES = (
    "استقبال اهالی خوب بود و برگزاری دوباره خواسته شد.",
    "برنامه طبق زمان‌بندی برگزار شد؛ پیشنهادهای اهالی ثبت شد.",
    "مشارکت جوانان بیش از انتظار بود.",
    "با همکاری شورای محله و داوطلبان برگزار شد.",
)


def _at(day: jdatetime.date | datetime, hour: int) -> datetime:
    gregorian = day.togregorian() if isinstance(day, jdatetime.date) else day.date()
    return timezone.make_aware(datetime.combine(gregorian, time(hour)))


def _occasion_dates(now: datetime) -> list[tuple[datetime, Occasion]]:
    """Each occasion on its date in the window [now − 365 days, now + 35 days]."""
    first, last = now - timedelta(days=DAYS_BACK), now + timedelta(days=DAYS_AHEAD)
    year = jdatetime.date.fromgregorian(date=timezone.localtime(now).date()).year
    found: list[tuple[datetime, Occasion]] = []
    for jalali_year in (year - 1, year, year + 1):
        for occasion in OCCASIONS:
            moment = _at(jdatetime.date(jalali_year, occasion.month, occasion.day), occasion.hour)
            if first <= moment <= last:
                found.append((moment, occasion))
    for day in MUHARRAM:
        moment = _at(datetime.fromisoformat(day), 19)
        if first <= moment <= last:
            found.append(
                (
                    moment,
                    Occasion(MUHARRAM_TITLE, ProgramKind.RELIGIOUS, 0, 0, 19, "حسینیه محله", (200, 1200)),
                )
            )
    return sorted(found, key=lambda item: item[0])


def _round(value: float, step: int = 100_000) -> int:
    return max(0, int(value // step) * step)


class _Maker:
    def __init__(self, city: City, now: datetime, rng: random.Random) -> None:
        self.city, self.now, self.rng = city, now, rng
        self.districts = list(District.objects.filter(city=city).order_by("number", "id"))
        self.neighborhoods: dict[int, list[Neighborhood]] = {}
        for n in Neighborhood.objects.filter(city=city).order_by("district_id", "slug"):
            self.neighborhoods.setdefault(n.district_id, []).append(n)
        self.councils = {
            c.neighborhood_id: c
            for c in Council.objects.filter(city=city, state__in=[CouncilState.ACTIVE, CouncilState.FORMING])
        }
        self.agencies = list(Agency.objects.filter(city=city, is_active=True).order_by("slug"))
        self.officers: dict[int, int] = {}
        for district_id, user_id in (
            RoleAssignment.objects.active()
            .filter(city=city, role=Role.DISTRICT_OFFICER)
            .order_by("district_id", "id")
            .values_list("district_id", "user_id")
        ):
            self.officers.setdefault(district_id, user_id)
        self.rows: list[tuple[Program, list[Neighborhood]]] = []

    def add(
        self,
        *,
        district: District,
        title: str,
        kind: str,
        place: str,
        starts_at: datetime,
        crowd: tuple[int, int],
    ) -> None:
        rng = self.rng
        pool = self.neighborhoods.get(district.pk, [])
        if not pool:
            return
        chosen = sorted(rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 1, 2, 3)))), key=lambda n: n.pk)
        sole = chosen[0] if len(chosen) == 1 else None
        areas = {n.area_id for n in chosen}
        program = Program(
            city=self.city,
            district=district,
            area_id=areas.pop() if len(areas) == 1 else None,
            neighborhood=sole,
            neighborhood_count=len(chosen),
            kind=kind,
            title=title,
            description=f"{title} ویژه اهالی {'، '.join(n.name for n in chosen)}.",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=rng.choice((2, 2, 3, 4))),
            place=place,
            planned_budget=_round(rng.uniform(5_000_000, 180_000_000)),
            created_by_id=self.officers.get(district.pk),
            state=ProgramState.PLANNED,
        )
        program.created_at = starts_at - timedelta(days=rng.randint(10, 40))
        roll = rng.random()
        if sole is not None and sole.pk in self.councils and roll < 0.25:
            program.organizer_kind, program.organizer_council = OrganizerKind.COUNCIL, self.councils[sole.pk]
        elif self.agencies and roll < 0.35 and kind in {ProgramKind.HEALTH, ProgramKind.EDUCATION}:
            program.organizer_kind, program.organizer_agency = OrganizerKind.AGENCY, rng.choice(self.agencies)
        elif roll < 0.45:
            program.organizer_kind, program.organizer_name = OrganizerKind.NGO, rng.choice(NGOS)
        else:
            program.organizer_kind = OrganizerKind.DISTRICT
        if starts_at < self.now:
            if rng.random() < 0.06:
                program.state, program.cancel_reason = ProgramState.CANCELLED, rng.choice(CANCEL_REASONS)
            else:
                program.state = ProgramState.HELD
                program.participants = rng.randint(*crowd)
                program.spent_budget = _round(program.planned_budget * rng.uniform(0.6, 1.1))
                program.outcome = rng.choice(OUTCOMES)
            program.state_changed_at = min(program.ends_at + timedelta(days=1), self.now)
        elif rng.random() < 0.08:
            program.state, program.cancel_reason = ProgramState.CANCELLED, rng.choice(CANCEL_REASONS)
            program.state_changed_at = self.now
        self.rows.append((program, chosen))


@transaction.atomic
def load_demo_programs(*, city: City, now: datetime) -> str:
    """Load the demo programs of `city` unless it has programs already; a one-line summary."""
    if Program.objects.filter(city=city).exists():
        return _("Programs: already loaded (%(count)s).") % {
            "count": Program.objects.filter(city=city).count()
        }
    rng = random.Random(SEED)
    maker = _Maker(city, now, rng)
    if not maker.districts:
        return _("Programs: the city has no districts.")
    for starts_at, occasion in _occasion_dates(now):
        for district in maker.districts:
            maker.add(
                district=district,
                title=occasion.title,
                kind=occasion.kind,
                place=occasion.place,
                starts_at=starts_at,
                crowd=occasion.crowd,
            )
    while len(maker.rows) < TARGET:
        title, kind, place, crowd = rng.choice(EVERYDAY)
        day = now - timedelta(days=rng.randint(-DAYS_AHEAD, DAYS_BACK))
        starts_at = _at(timezone.localtime(day).replace(tzinfo=None), rng.choice((9, 10, 16, 17, 18)))
        maker.add(
            district=rng.choice(maker.districts),
            title=title,
            kind=kind,
            place=place,
            starts_at=starts_at,
            crowd=crowd,
        )
    # created_at is auto_now_add, so bulk_create sets it to now; the demo puts it back before each program.
    created = [program.created_at for program, _chosen in maker.rows]
    programs = Program.objects.bulk_create([program for program, _chosen in maker.rows])
    for program, moment in zip(programs, created, strict=True):
        program.created_at = moment
    Program.objects.bulk_update(programs, ["created_at"])
    ProgramNeighborhood.objects.bulk_create(
        [
            ProgramNeighborhood(program=program, neighborhood=n)
            for program, (_made, chosen) in zip(programs, maker.rows, strict=True)
            for n in chosen
        ]
    )
    states = {state: sum(1 for p in programs if p.state == state) for state in ProgramState.values}
    return _("Programs: %(count)s (%(held)s held, %(planned)s planned, %(cancelled)s cancelled).") % {
        "count": len(programs),
        "held": states["held"],
        "planned": states["planned"],
        "cancelled": states["cancelled"],
    }
