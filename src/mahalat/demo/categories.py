"""The demo city's report categories: a realistic Persian set, grouped, with who handles each and how
fast (service levels in working hours). Agencies are named by their demo slugs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CategorySeed:
    slug: str
    name: str
    name_en: str
    handler_kind: str  # "area" | "district" | "agency"
    agency: str | None = None
    triage_hours: int = 8
    resolve_hours: int = 56
    public: bool = True
    radius_m: int = 150
    keywords: str = ""
    parent: str | None = None
    questions: list[dict[str, Any]] = field(default_factory=list)


def _group(slug: str, name: str, name_en: str) -> CategorySeed:
    # Groups hold no reports of their own; they are handled by the district if ever chosen.
    return CategorySeed(slug, name, name_en, "district")


SEVERITY = {
    "code": "severity",
    "label": "میزان خطر",
    "label_en": "How dangerous is it?",
    "datatype": "singlevaluelist",
    "required": True,
    "values": [
        {"key": "low", "name": "کم"},
        {"key": "medium", "name": "متوسط"},
        {"key": "high", "name": "زیاد؛ جان کسی در خطر است"},
    ],
}

CATEGORY_SEEDS: list[CategorySeed] = [
    _group("urban-services", "خدمات شهری", "Urban services"),
    CategorySeed(
        "asphalt",
        "آسفالت و چاله",
        "Roads and asphalt",
        "area",
        triage_hours=8,
        resolve_hours=80,
        keywords="چاله آسفالت دست‌انداز ترک خیابان کوچه",
        parent="urban-services",
        questions=[SEVERITY],
    ),
    CategorySeed(
        "street-lighting",
        "روشنایی معابر",
        "Street lighting",
        "area",
        triage_hours=8,
        resolve_hours=40,
        keywords="چراغ لامپ تیر برق روشنایی تاریک",
        parent="urban-services",
    ),
    CategorySeed(
        "green-space",
        "فضای سبز",
        "Green space",
        "area",
        triage_hours=8,
        resolve_hours=56,
        keywords="درخت پارک چمن آبیاری هرس باغچه",
        parent="urban-services",
    ),
    CategorySeed(
        "waste",
        "پسماند و نظافت",
        "Waste and street cleaning",
        "area",
        triage_hours=4,
        resolve_hours=16,
        keywords="زباله سطل نخاله جمع‌آوری کثیف جوی",
        parent="urban-services",
        radius_m=100,
    ),
    CategorySeed(
        "stray-animals",
        "حیوانات بلاتکلیف",
        "Stray animals",
        "district",
        triage_hours=4,
        resolve_hours=24,
        keywords="سگ ولگرد گربه حیوان",
        parent="urban-services",
        radius_m=300,
    ),
    CategorySeed(
        "nuisance",
        "مزاحمت‌های شهری",
        "Urban nuisances",
        "area",
        triage_hours=8,
        resolve_hours=40,
        keywords="سد معبر سروصدا مزاحمت دستفروش پارک دوبل",
        parent="urban-services",
    ),
    CategorySeed(
        "construction",
        "تخلفات ساختمانی",
        "Construction violations",
        "district",
        triage_hours=16,
        resolve_hours=120,
        keywords="ساخت‌وساز غیرمجاز پروانه نخاله ساختمان",
        parent="urban-services",
        public=False,
    ),
    _group("agencies", "خدمات دستگاه‌های اجرایی", "Executive agencies' services"),
    CategorySeed(
        "traffic",
        "ترافیک و انتظامی",
        "Traffic and policing",
        "agency",
        agency="kuhsar-police",
        triage_hours=4,
        resolve_hours=40,
        keywords="ترافیک چراغ راهنمایی تصادف سرقت امنیت",
        parent="agencies",
    ),
    CategorySeed(
        "water-sewage",
        "آب و فاضلاب",
        "Water and sewage",
        "agency",
        agency="kuhsar-water",
        triage_hours=4,
        resolve_hours=24,
        keywords="آب لوله نشت فاضلاب گرفتگی بو",
        parent="agencies",
        questions=[SEVERITY],
    ),
    CategorySeed(
        "power",
        "برق",
        "Power",
        "agency",
        agency="kuhsar-power",
        triage_hours=4,
        resolve_hours=24,
        keywords="برق قطعی سیم کابل ترانس",
        parent="agencies",
        questions=[SEVERITY],
    ),
    CategorySeed(
        "gas",
        "گاز",
        "Gas",
        "agency",
        agency="kuhsar-gas",
        triage_hours=2,
        resolve_hours=8,
        keywords="گاز نشت بو لوله",
        parent="agencies",
        questions=[SEVERITY],
    ),
    CategorySeed(
        "telecom",
        "مخابرات",
        "Telecommunication",
        "agency",
        agency="kuhsar-telecom",
        triage_hours=8,
        resolve_hours=56,
        keywords="تلفن اینترنت کابل مخابرات آنتن",
        parent="agencies",
    ),
    _group("social", "امور اجتماعی و فرهنگی", "Social and cultural affairs"),
    CategorySeed(
        "social-harms",
        "آسیب‌های اجتماعی",
        "Social harms",
        "agency",
        agency="kuhsar-welfare",
        triage_hours=8,
        resolve_hours=80,
        keywords="کودک کار تکدی اعتیاد کارتن‌خواب",
        parent="social",
        public=False,
        radius_m=500,
    ),
    CategorySeed(
        "schools",
        "مدارس",
        "Schools",
        "agency",
        agency="kuhsar-education",
        triage_hours=16,
        resolve_hours=120,
        keywords="مدرسه دانش‌آموز سرویس کلاس",
        parent="social",
    ),
    CategorySeed(
        "health",
        "بهداشت و سلامت",
        "Health",
        "agency",
        agency="kuhsar-health",
        triage_hours=8,
        resolve_hours=56,
        keywords="بهداشت درمانگاه خانه بهداشت بیماری",
        parent="social",
    ),
    CategorySeed(
        "culture",
        "فرهنگ و برنامه‌های محله",
        "Culture and programs",
        "district",
        triage_hours=16,
        resolve_hours=160,
        keywords="برنامه جشن کلاس کتابخانه فرهنگسرا ورزش",
        parent="social",
    ),
    CategorySeed(
        "proposal",
        "پیشنهاد برای محله",
        "Proposals for the neighborhood",
        "district",
        triage_hours=24,
        resolve_hours=240,
        keywords="پیشنهاد ایده طرح",
        parent="social",
        radius_m=400,
    ),
]
