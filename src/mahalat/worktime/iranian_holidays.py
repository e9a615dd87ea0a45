"""Iran's official national holidays for the Jalali years 1404, 1405 and 1406.

The fixed solar holidays (Nowruz, 12–13 Farvardin, 14–15 Khordad, 22 Bahman, 29 Esfand) are the
same Jalali dates every year and are computed for any year.

The religious holidays follow the lunar (Hijri) calendar, so their Jalali dates MOVE EVERY YEAR
(about 11 days earlier each year) and are entered here per year, by hand. Each year's official
calendar (تقویم رسمی کشور, approved by the Public Culture Council and computed by the Calendar Center of
the University of Tehran's Institute of Geophysics) must be checked every year and this table
corrected to match it; the government can also move a lunar holiday by a day when the crescent is
seen earlier or later than predicted.

Each religious entry says where its date comes from:
- ``OFFICIAL``: as published in the official calendar for that year (or worked out from published
  dates of the same lunar month, such as 21 Ramadan from 30 Ramadan).
- ``ESTIMATED``: the official calendar was not at hand, so the date is the tabular Islamic calendar's
  (`mahalat.worktime.hijri`), which can be a day off either way. Replace these with the official dates.

Status when written: 1404 all official; 1405 official up to Ashura (Tir), estimated from Arbaeen on;
1406 all estimated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from mahalat.persian.jalali import parse_jalali_date
from mahalat.worktime.models import HolidayKind

OFFICIAL: Final = "official"
ESTIMATED: Final = "estimated"

# (Jalali month, day, Persian name, English name)
SOLAR_FIXED: tuple[tuple[int, int, str, str], ...] = (
    (1, 1, "آغاز نوروز", "Nowruz (New Year)"),
    (1, 2, "عید نوروز", "Nowruz holiday"),
    (1, 3, "عید نوروز", "Nowruz holiday"),
    (1, 4, "عید نوروز", "Nowruz holiday"),
    (1, 12, "روز جمهوری اسلامی ایران", "Islamic Republic Day"),
    (1, 13, "روز طبیعت", "Nature Day (Sizdah Bedar)"),
    (3, 14, "رحلت حضرت امام خمینی (ره)", "Death of Imam Khomeini"),
    (3, 15, "قیام ۱۵ خرداد", "Uprising of 15 Khordad"),
    (11, 22, "پیروزی انقلاب اسلامی", "Victory of the Islamic Revolution"),
    (12, 29, "روز ملی شدن صنعت نفت", "Oil Industry Nationalization Day"),
)


@dataclass(frozen=True, slots=True)
class ReligiousEvent:
    hijri_month: int
    hijri_day: int  # 30 in a 29-day month means the month's last day (Imam Reza, end of Safar)
    name: str
    name_en: str


RELIGIOUS_EVENTS: dict[str, ReligiousEvent] = {
    "tasua": ReligiousEvent(1, 9, "تاسوعای حسینی", "Tasua"),
    "ashura": ReligiousEvent(1, 10, "عاشورای حسینی", "Ashura"),
    "arbaeen": ReligiousEvent(2, 20, "اربعین حسینی", "Arbaeen"),
    "prophet_death": ReligiousEvent(
        2,
        28,
        "رحلت حضرت رسول اکرم (ص) و شهادت امام حسن مجتبی (ع)",
        "Death of the Prophet and martyrdom of Imam Hassan",
    ),
    "imam_reza": ReligiousEvent(2, 30, "شهادت امام رضا (ع)", "Martyrdom of Imam Reza"),
    "prophet_birthday": ReligiousEvent(
        3, 17, "میلاد حضرت رسول اکرم (ص) و امام جعفر صادق (ع)", "Birthday of the Prophet and Imam Sadeq"
    ),
    "fatima": ReligiousEvent(6, 3, "شهادت حضرت فاطمه زهرا (س)", "Martyrdom of Fatima al-Zahra"),
    "imam_ali_birthday": ReligiousEvent(7, 13, "ولادت امام علی (ع)", "Birthday of Imam Ali"),
    "mabath": ReligiousEvent(7, 27, "مبعث حضرت رسول اکرم (ص)", "Mab'ath (the Prophet's mission)"),
    "mahdi_birthday": ReligiousEvent(8, 15, "ولادت حضرت قائم (عج)", "Birthday of Imam Mahdi"),
    "imam_ali_martyrdom": ReligiousEvent(9, 21, "شهادت حضرت علی (ع)", "Martyrdom of Imam Ali"),
    "eid_al_fitr": ReligiousEvent(10, 1, "عید سعید فطر", "Eid al-Fitr"),
    "eid_al_fitr_2": ReligiousEvent(10, 2, "تعطیل به مناسبت عید سعید فطر", "Eid al-Fitr (second day)"),
    "imam_sadeq": ReligiousEvent(10, 25, "شهادت امام جعفر صادق (ع)", "Martyrdom of Imam Sadeq"),
    "eid_al_adha": ReligiousEvent(12, 10, "عید سعید قربان", "Eid al-Adha"),
    "eid_al_ghadir": ReligiousEvent(12, 18, "عید سعید غدیر خم", "Eid al-Ghadir"),
}

# Per Jalali year: (Jalali date, event, Hijri year, Hijri month and day as kept that year, source).
# RE-CHECK AGAINST THE OFFICIAL CALENDAR EVERY YEAR: these dates move.
RELIGIOUS: dict[int, tuple[tuple[str, str, tuple[int, int, int], str], ...]] = {
    1404: (
        ("1404/01/02", "imam_ali_martyrdom", (1446, 9, 21), OFFICIAL),
        ("1404/01/11", "eid_al_fitr", (1446, 10, 1), OFFICIAL),
        ("1404/01/12", "eid_al_fitr_2", (1446, 10, 2), OFFICIAL),
        ("1404/02/04", "imam_sadeq", (1446, 10, 25), OFFICIAL),
        ("1404/03/16", "eid_al_adha", (1446, 12, 10), OFFICIAL),
        ("1404/03/24", "eid_al_ghadir", (1446, 12, 18), OFFICIAL),
        ("1404/04/14", "tasua", (1447, 1, 9), OFFICIAL),
        ("1404/04/15", "ashura", (1447, 1, 10), OFFICIAL),
        ("1404/05/23", "arbaeen", (1447, 2, 20), OFFICIAL),
        ("1404/05/31", "prophet_death", (1447, 2, 28), OFFICIAL),
        ("1404/06/02", "imam_reza", (1447, 2, 30), OFFICIAL),
        ("1404/06/19", "prophet_birthday", (1447, 3, 17), OFFICIAL),
        ("1404/09/03", "fatima", (1447, 6, 3), OFFICIAL),
        ("1404/10/13", "imam_ali_birthday", (1447, 7, 13), OFFICIAL),
        ("1404/10/27", "mabath", (1447, 7, 27), OFFICIAL),
        ("1404/11/15", "mahdi_birthday", (1447, 8, 15), OFFICIAL),
        # The official calendar has 29 Esfand 1404 = 30 Ramadan 1447, so Eid al-Fitr 1447 is in 1405.
        ("1404/12/20", "imam_ali_martyrdom", (1447, 9, 21), OFFICIAL),
    ),
    1405: (
        ("1405/01/01", "eid_al_fitr", (1447, 10, 1), OFFICIAL),
        ("1405/01/02", "eid_al_fitr_2", (1447, 10, 2), OFFICIAL),
        # 24 days after 1 Shawwal = 1 Farvardin; not in the published month-by-month list at hand.
        ("1405/01/25", "imam_sadeq", (1447, 10, 25), OFFICIAL),
        ("1405/03/06", "eid_al_adha", (1447, 12, 10), OFFICIAL),
        ("1405/03/14", "eid_al_ghadir", (1447, 12, 18), OFFICIAL),
        ("1405/04/03", "tasua", (1448, 1, 9), OFFICIAL),
        ("1405/04/04", "ashura", (1448, 1, 10), OFFICIAL),
        # From here on, tabular estimates. The official 1405 calendar starts Muharram 1448 a day
        # earlier than the tabular one, so these are more likely a day late than early.
        ("1405/05/14", "arbaeen", (1448, 2, 20), ESTIMATED),
        ("1405/05/22", "prophet_death", (1448, 2, 28), ESTIMATED),
        ("1405/05/23", "imam_reza", (1448, 2, 29), ESTIMATED),
        ("1405/06/09", "prophet_birthday", (1448, 3, 17), ESTIMATED),
        ("1405/08/23", "fatima", (1448, 6, 3), ESTIMATED),
        ("1405/10/02", "imam_ali_birthday", (1448, 7, 13), ESTIMATED),
        ("1405/10/16", "mabath", (1448, 7, 27), ESTIMATED),
        ("1405/11/04", "mahdi_birthday", (1448, 8, 15), ESTIMATED),
        ("1405/12/09", "imam_ali_martyrdom", (1448, 9, 21), ESTIMATED),
        ("1405/12/19", "eid_al_fitr", (1448, 10, 1), ESTIMATED),
        ("1405/12/20", "eid_al_fitr_2", (1448, 10, 2), ESTIMATED),
    ),
    1406: (
        ("1406/01/14", "imam_sadeq", (1448, 10, 25), ESTIMATED),
        ("1406/02/27", "eid_al_adha", (1448, 12, 10), ESTIMATED),
        ("1406/03/04", "eid_al_ghadir", (1448, 12, 18), ESTIMATED),
        ("1406/03/24", "tasua", (1449, 1, 9), ESTIMATED),
        ("1406/03/25", "ashura", (1449, 1, 10), ESTIMATED),
        ("1406/05/03", "arbaeen", (1449, 2, 20), ESTIMATED),
        ("1406/05/11", "prophet_death", (1449, 2, 28), ESTIMATED),
        ("1406/05/12", "imam_reza", (1449, 2, 29), ESTIMATED),
        ("1406/05/29", "prophet_birthday", (1449, 3, 17), ESTIMATED),
        ("1406/08/12", "fatima", (1449, 6, 3), ESTIMATED),
        ("1406/09/21", "imam_ali_birthday", (1449, 7, 13), ESTIMATED),
        ("1406/10/05", "mabath", (1449, 7, 27), ESTIMATED),
        ("1406/10/23", "mahdi_birthday", (1449, 8, 15), ESTIMATED),
        ("1406/11/28", "imam_ali_martyrdom", (1449, 9, 21), ESTIMATED),
        ("1406/12/08", "eid_al_fitr", (1449, 10, 1), ESTIMATED),
        ("1406/12/09", "eid_al_fitr_2", (1449, 10, 2), ESTIMATED),
    ),
}

YEARS: tuple[int, ...] = tuple(sorted(RELIGIOUS))


@dataclass(frozen=True, slots=True)
class NationalHoliday:
    """One day off in the official calendar; days on which two holidays fall are merged into one."""

    jalali_year: int
    jalali_month: int
    jalali_day: int
    name: str
    name_en: str
    kind: str
    estimated: bool = False

    @property
    def jalali_text(self) -> str:
        return f"{self.jalali_year:04d}/{self.jalali_month:02d}/{self.jalali_day:02d}"

    @property
    def date(self) -> date:
        return parse_jalali_date(self.jalali_text)


def _ymd(text: str) -> tuple[int, int, int]:
    year, month, day = (int(part) for part in text.split("/"))
    return year, month, day


def national_holidays(year: int) -> list[NationalHoliday]:
    """The national holidays of Jalali ``year`` in date order, one per day.

    When a solar and a lunar holiday fall on the same day (2 Farvardin 1404 is both Nowruz and
    21 Ramadan), the day is one holiday whose names are joined; its kind is ``solar_fixed``, since the
    day is off every year whatever the lunar calendar does. Raises ``KeyError`` for a year whose
    religious holidays are not in the table.
    """
    religious = RELIGIOUS[year]
    by_day: dict[tuple[int, int, int], list[tuple[str, str, str, bool]]] = {}
    for month, day, name, name_en in SOLAR_FIXED:
        by_day.setdefault((year, month, day), []).append((name, name_en, HolidayKind.SOLAR_FIXED, False))
    for text, code, _hijri, source in religious:
        event = RELIGIOUS_EVENTS[code]
        by_day.setdefault(_ymd(text), []).append(
            (event.name, event.name_en, HolidayKind.RELIGIOUS, source == ESTIMATED)
        )
    merged = []
    for (y, m, d), parts in sorted(by_day.items()):
        kinds = {kind for _n, _e, kind, _est in parts}
        merged.append(
            NationalHoliday(
                jalali_year=y,
                jalali_month=m,
                jalali_day=d,
                name="، ".join(dict.fromkeys(name for name, _e, _k, _est in parts)),
                name_en="; ".join(dict.fromkeys(name_en for _n, name_en, _k, _est in parts)),
                kind=HolidayKind.SOLAR_FIXED if HolidayKind.SOLAR_FIXED in kinds else HolidayKind.RELIGIOUS,
                estimated=any(est for _n, _e, _k, est in parts),
            )
        )
    return merged
