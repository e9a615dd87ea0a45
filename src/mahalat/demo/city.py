"""The demo city «کوهسار (شهر نمایشی)» / "Kuhsar (demo city)": pure data and geometry, no database.

Kuhsar is invented. It is modelled on a mid-size Iranian mountain city (Hamedan, Kerman: about
550,000 people): four districts (منطقه), three areas (ناحیه) in each and five neighborhoods (محله) in
each area, sixty in all. The old core sits where the four districts meet; districts grow outwards
into absorbed villages, teachers' and workers' cooperatives and new townships, and each
neighborhood's name, identity profile and population follow from where it sits.

Everything here is deterministic (fixed seeds), so two loads produce identical data and a second
import changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Polygon, mapping
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

CITY_SLUG = "kuhsar"
CITY_NAME = "کوهسار (شهر نمایشی)"
CITY_NAME_EN = "Kuhsar (demo city)"
CITY_DESCRIPTION = (
    "کوهسار یک شهر نمایشی و خیالی است و داده‌های آن واقعی نیست. این شهر با الگوگیری از یک شهر کوهستانی "
    "میانه‌اندام ایران (با حدود ۵۵۰٬۰۰۰ نفر جمعیت) ساخته شده تا سامانه‌ی شورای اجتماعی محلات را بتوان "
    "بی‌خطر آزمود: ۴ منطقه، ۱۲ ناحیه و ۶۰ محله. نام‌ها، مرزها، جمعیت‌ها، تاریخچه‌ها و افراد همه نمایشی‌اند."
)
CITY_DESCRIPTION_EN = (
    "Kuhsar is an invented demo city; none of its data is real. It is modelled on a mid-size Iranian "
    "mountain city (about 550,000 people) so that the Neighborhood Social Councils system can be tried "
    "safely: 4 districts, 12 areas and 60 neighborhoods. Names, boundaries, populations, histories and "
    "people are all for demonstration only."
)

DISTRICTS = 4
AREAS_PER_DISTRICT = 3
NEIGHBORHOODS_PER_AREA = 5
TARGET_POPULATION = 550_000
POPULATION_RANGE = (4_000, 18_000)

# The grid of neighborhood cells: 10 columns (west → east) × 6 rows (south → north).
COLUMNS = 10
ROWS = 6
LNG_MIN, LNG_MAX = 48.46, 48.58
LAT_MIN, LAT_MAX = 34.76, 34.84
GEOMETRY_SEED = 1405
PROFILE_SEED = 1357
# Jitter as a fraction of a cell's width/height. Below a quarter, every cell stays a simple,
# nearly convex polygon whatever the dice say; edges also get a bent midpoint so the map does not
# look like graph paper.
INTERIOR_JITTER = 0.18
EDGE_JITTER = 0.12
MIDPOINT_BEND = 0.08
DIGITS = 6  # ~0.1 m; shared vertices are rounded once, so neighbors agree exactly

_PERSIAN_DIGITS = str.maketrans("0123456789,", "۰۱۲۳۴۵۶۷۸۹٬")


def persian_number(value: int) -> str:
    """12345 → «۱۲٬۳۴۵» (Persian digits and thousands separator), for text written into profiles."""
    return f"{value:,}".translate(_PERSIAN_DIGITS)


# --- the neighborhoods ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NeighborhoodSeed:
    """What is particular to one neighborhood; the rest of its profile is composed from its kind."""

    name: str
    name_en: str
    slug: str
    # core, gate, shrine, garden, village, cooperative, township or institution
    kind: str
    # One sentence of this neighborhood's own history.
    origin: str
    historical_name: str = ""
    landmark: str = ""


def _n(
    name: str, name_en: str, slug: str, kind: str, origin: str, historical_name: str = "", landmark: str = ""
) -> NeighborhoodSeed:
    return NeighborhoodSeed(name, name_en, slug, kind, origin, historical_name, landmark)


# SEEDS[district - 1][area - 1] lists five neighborhoods from the city centre outwards. Districts:
# 1 north-west (the old bazaar quarter), 2 north-east, 3 south-west, 4 south-east. Area 1 of every
# district is the row next to the centre, area 3 the row on the city's edge.
SEEDS: tuple[tuple[tuple[NeighborhoodSeed, ...], ...], ...] = (
    (  # منطقه ۱
        (
            _n(
                "سرچشمه",
                "Sarcheshmeh",
                "sarcheshmeh",
                "core",
                "نام محله از چشمه‌ای گرفته شده که آب نخستین قنات شهر در آن به سطح زمین می‌رسید و آسیاب‌ها و "
                "حمام‌های شهر قدیم را می‌گرداند.",
                historical_name="چشمه‌سار",
                landmark="مظهر قنات سرچشمه",
            ),
            _n(
                "بازارچه",
                "Bazarcheh",
                "bazarcheh",
                "core",
                "راسته‌ی سرپوشیده‌ی آن در دوره‌ی صفوی ساخته شد و تا نیم قرن پیش کاروان‌های گندم و پشم "
                "کوهستان در "
                "کاروانسرای همین محله بار می‌انداختند.",
                historical_name="بازارچه‌ی حاجی",
                landmark="راسته‌بازار سرپوشیده",
            ),
            _n(
                "میدان کهنه",
                "Meydan-e Kohneh",
                "meydan-e-kohneh",
                "core",
                "این میدان تا دوره‌ی قاجار مرکز حکومت شهر بود و دارالحکومه و نقاره‌خانه در ضلع شمالی آن قرار "
                "داشت.",
                historical_name="میدان نقاره‌خانه",
                landmark="سردر دارالحکومه",
            ),
            _n(
                "پاچنار",
                "Pachenar",
                "pachenar",
                "core",
                "چنار کهنسالی که محله به نام آن خوانده می‌شود بیش از هفتصد سال عمر دارد و اهالی هنوز زیر "
                "سایه‌ی "
                "آن نذری می‌پزند.",
                landmark="چنار هفتصدساله",
            ),
            _n(
                "حسین‌آباد",
                "Hoseynabad",
                "hoseynabad",
                "village",
                "تا دهه‌ی ۱۳۵۰ روستایی جدا در غرب شهر بود که باغ‌های گردو و سیب آن میوه‌ی بازار شهر را تأمین "
                "می‌کرد و با گسترش شهر به آن پیوست.",
            ),
        ),
        (
            _n(
                "حصار",
                "Hesar",
                "hesar",
                "core",
                "بخشی از باروی خشتی شهر قدیم که محله نام خود را از آن دارد، هنوز در حیاط چند خانه‌ی قدیمی "
                "دیده "
                "می‌شود.",
                historical_name="حصار کهنه",
                landmark="بقایای باروی خشتی",
            ),
            _n(
                "گذر قاضی",
                "Gozar-e Qazi",
                "gozar-e-qazi",
                "core",
                "نام محله یادگار خاندان قاضیان شهر است که خانه و محکمه‌ی شرعی آنان در این گذر بود و "
                "قباله‌های "
                "مردم همین‌جا مهر می‌شد.",
                landmark="خانه‌ی قاضی (خانه‌ی تاریخی)",
            ),
            _n(
                "آب‌انبار",
                "Ab-Anbar",
                "ab-anbar",
                "core",
                "آب‌انبار پلکانی محله در سال ۱۲۸۰ خورشیدی با وقف یکی از بازرگانان ساخته شد و تا آمدن "
                "لوله‌کشی، "
                "آب آشامیدنی چند محله را تأمین می‌کرد.",
                landmark="آب‌انبار پلکانی حاج‌رحیم",
            ),
            _n(
                "چشمه‌علی",
                "Cheshmeh Ali",
                "cheshmeh-ali",
                "garden",
                "چشمه‌ای که از دامنه‌ی کوه می‌جوشد از قدیم گردشگاه اهالی در روز سیزده‌به‌در بوده و باغ‌های "
                "پلکانی "
                "گرداگرد آن هنوز بخشی از چهره‌ی محله است.",
                landmark="چشمه و استخر سنگی",
            ),
            _n(
                "کوی کارمندان",
                "Kuy-e Karmandan",
                "kuy-e-karmandan",
                "cooperative",
                "زمین‌های این کوی در سال ۱۳۴۸ از سوی تعاونی مسکن کارمندان دولت تفکیک شد و خانه‌های "
                "یک‌طبقه‌ی آجری "
                "با حیاط‌های باغچه‌دار نخستین بار همین‌جا ساخته شد.",
            ),
        ),
        (
            _n(
                "امامزاده یحیی",
                "Emamzadeh Yahya",
                "emamzadeh-yahya",
                "shrine",
                "بقعه‌ی امامزاده با گنبد رک آجری در دوره‌ی ایلخانی بنا شده و محله در طول قرن‌ها گرد صحن و "
                "قبرستان آن شکل گرفته است.",
                landmark="بقعه‌ی امامزاده یحیی",
            ),
            _n(
                "سرآسیاب",
                "Sar-e Asiab",
                "sar-e-asiab",
                "village",
                "سه آسیاب آبی که روزگاری گندم شهر را آرد می‌کردند بر مسیر رودخانه‌ی فصلی این محله بودند؛ سنگ "
                "یکی از آن‌ها اکنون در بوستان محله گذاشته شده است.",
                historical_name="آسیاب‌سر",
                landmark="سنگ آسیاب در بوستان",
            ),
            _n(
                "باغ‌نظر",
                "Bagh-e Nazar",
                "bagh-e-nazar",
                "garden",
                "کوشک تابستانی حاکم شهر در دوره‌ی قاجار در این باغ بود و نام محله از همان کوشک مانده است.",
                historical_name="باغ‌نظر حاکم",
                landmark="کوشک باغ‌نظر",
            ),
            _n(
                "کوی دانشگاه",
                "Kuy-e Daneshgah",
                "kuy-e-daneshgah",
                "institution",
                "پس از تأسیس دانشگاه شهر در دهه‌ی ۱۳۵۰، خانه‌های سازمانی استادان و کارکنان در این کوی ساخته "
                "شد و "
                "خوابگاه‌های دانشجویی هنوز در آن است.",
                landmark="سردر قدیمی دانشگاه",
            ),
            _n(
                "شهرک پردیس",
                "Shahrak-e Pardis",
                "shahrak-e-pardis",
                "township",
                "این شهرک در دهه‌ی ۱۳۸۰ با آپارتمان‌های چهار تا هشت طبقه بر دامنه‌ی شمالی ساخته شد و از "
                "جوان‌ترین "
                "بخش‌های منطقه است.",
            ),
        ),
    ),
    (  # منطقه ۲
        (
            _n(
                "چهارباغ",
                "Chaharbagh",
                "chaharbagh",
                "garden",
                "خیابان چهارباغ در دوره‌ی صفوی با چهار ردیف چنار و جوی آب میانی طراحی شد و محله در دو سوی آن "
                "گسترش یافت.",
                historical_name="چهارباغ صفوی",
                landmark="خیابان درختی چهارباغ",
            ),
            _n(
                "مصلی",
                "Mosalla",
                "mosalla",
                "core",
                "زمین باز مصلی از دیرباز جای نماز عید فطر و قربان مردم شهر بوده و طاق‌نمای آجری نیمه‌ویران "
                "آن از "
                "بناهای دوره‌ی تیموری است.",
                historical_name="عیدگاه",
                landmark="طاق‌نمای مصلای قدیم",
            ),
            _n(
                "سبزه‌میدان",
                "Sabzeh Meydan",
                "sabzeh-meydan",
                "core",
                "میدان سبزی‌فروشان و میوه‌فروشان شهر در این محله بود و هنوز بامدادها بازار روز محلی در آن "
                "برپا "
                "می‌شود.",
                landmark="بازار روز سبزه‌میدان",
            ),
            _n(
                "قلعه‌نو",
                "Qaleh-ye Now",
                "qaleh-ye-now",
                "village",
                "قلعه‌ی خشتی چهاربرجی که در دوره‌ی زندیه برای نگهبانی از راه کاروان‌رو ساخته شد، هسته‌ی "
                "نخستین "
                "این محله بود.",
                historical_name="قلعه‌ی حاجی‌خان",
                landmark="برج‌های قلعه‌ی خشتی",
            ),
            _n(
                "دولت‌آباد",
                "Dowlatabad",
                "dowlatabad",
                "village",
                "روستای دولت‌آباد با قنات پرآب و مزارع یونجه‌اش در دهه‌ی ۱۳۶۰ به محدوده‌ی شهر پیوست و "
                "بسیاری از "
                "اهالی هنوز در حومه زمین کشاورزی دارند.",
            ),
        ),
        (
            _n(
                "جولان",
                "Jowlan",
                "jowlan",
                "core",
                "نام محله از میدان جولان اسبان گرفته شده که سواران شهر در آن چوگان می‌باختند و اسب‌های "
                "کاروان‌ها "
                "را تیمار می‌کردند.",
                historical_name="میدان جولان",
                landmark="زورخانه‌ی جولان",
            ),
            _n(
                "کوچه‌باغ",
                "Kucheh Bagh",
                "kucheh-bagh",
                "garden",
                "کوچه‌های پیچ‌درپیچ این محله میان دیوارهای کاهگلی باغ‌های قدیمی می‌گذرد و بخشی از آن‌ها در "
                "طرح "
                "حفظ باغات شهر ثبت شده است.",
            ),
            _n(
                "باغ‌ملی",
                "Bagh-e Melli",
                "bagh-e-melli",
                "institution",
                "باغ ملی شهر در سال ۱۳۱۴ بر زمین یک باغ وقفی ساخته شد و کتابخانه‌ی عمومی، تالار شهر و نخستین "
                "سینمای شهر پیرامون آن شکل گرفتند.",
                landmark="کتابخانه‌ی عمومی باغ‌ملی",
            ),
            _n(
                "کوی فرهنگیان",
                "Kuy-e Farhangian",
                "kuy-e-farhangian",
                "cooperative",
                "تعاونی مسکن فرهنگیان این کوی را در سال ۱۳۵۲ برای معلمان شهر ساخت و نام بسیاری از کوچه‌هایش "
                "را به "
                "یاد معلمان قدیمی گذاشتند.",
            ),
            _n(
                "سعادت‌آباد",
                "Saadatabad",
                "saadatabad",
                "village",
                "روستای کوچک سعادت‌آباد در دهه‌ی ۱۳۶۰ با آمدن خانواده‌های مهاجر از روستاهای اطراف به‌سرعت "
                "بزرگ شد "
                "و بخشی از بافت آن هنوز نیازمند نوسازی است.",
            ),
        ),
        (
            _n(
                "امامزاده عبدالله",
                "Emamzadeh Abdollah",
                "emamzadeh-abdollah",
                "shrine",
                "زیارتگاه امامزاده عبدالله با سقاخانه و صحن درختکاری‌شده‌اش، شب‌های جمعه زائران بسیاری را از "
                "سراسر شهر به محله می‌آورد.",
                landmark="صحن و سقاخانه‌ی امامزاده عبدالله",
            ),
            _n(
                "تپه‌سبز",
                "Tappeh Sabz",
                "tappeh-sabz",
                "village",
                "محله بر تپه‌ای باستانی ساخته شده که در کاوش‌های سال ۱۳۷۸ سفال‌های منقوش هزاره‌ی سوم پیش از "
                "میلاد در آن پیدا شد.",
                historical_name="تپه‌ی پیر",
                landmark="محوطه‌ی باستانی تپه",
            ),
            _n(
                "کوی گلستان",
                "Kuy-e Golestan",
                "kuy-e-golestan",
                "cooperative",
                "این کوی در دهه‌ی ۱۳۶۰ برای خانواده‌های جنگ‌زده‌ای ساخته شد که از شهرهای مرزی به شهر آمده "
                "بودند "
                "و بسیاری از آنان ماندگار شدند.",
            ),
            _n(
                "شهرک ولیعصر",
                "Shahrak-e Valiasr",
                "shahrak-e-valiasr",
                "township",
                "شهرک ولیعصر در دهه‌ی ۱۳۷۰ با طرح آماده‌سازی زمین شهرداری ساخته شد و بوستان خطی میان "
                "بلوک‌های آن "
                "جای ورزش صبحگاهی اهالی است.",
            ),
            _n(
                "شهرک الغدیر",
                "Shahrak-e Alghadir",
                "shahrak-e-alghadir",
                "township",
                "جوان‌ترین شهرک منطقه است که ساخت آن از سال ۱۳۹۰ با طرح مسکن مهر آغاز شد و هنوز برخی خدمات "
                "شهری "
                "آن کامل نشده است.",
            ),
        ),
    ),
    (  # منطقه ۳
        (
            _n(
                "دروازه شیراز",
                "Darvazeh Shiraz",
                "darvazeh-shiraz",
                "gate",
                "دروازه‌ی جنوبی شهر که راه کاروان‌رو شیراز از آن می‌گذشت تا سال ۱۳۱۰ برپا بود و میدان امروزی "
                "محله جای همان دروازه است.",
                historical_name="دروازه‌ی جنوبی",
                landmark="میدان دروازه شیراز",
            ),
            _n(
                "باغ‌بهشت",
                "Bagh-e Behesht",
                "bagh-e-behesht",
                "garden",
                "باغ بهشت، باغی ایرانی با حوض‌های پلکانی و کوشک هشت‌ضلعی، در دوره‌ی قاجار وقف عام شد و امروز "
                "بوستان عمومی محله است.",
                historical_name="باغ بهشت‌آیین",
                landmark="کوشک هشت‌ضلعی باغ‌بهشت",
            ),
            _n(
                "گلشن",
                "Golshan",
                "golshan",
                "core",
                "اهالی این محله تا چند دهه پیش در کارگاه‌های خانگی گلاب و عرقیات گیاهی می‌گرفتند و نام قدیم "
                "محله "
                "از همین پیشه است.",
                historical_name="محله‌ی گلاب‌گیران",
            ),
            _n(
                "مهدیه",
                "Mahdiyeh",
                "mahdiyeh",
                "core",
                "نام محله از حسینیه‌ی بزرگ مهدیه گرفته شده که در سال ۱۳۳۵ با کمک بازاریان ساخته شد و هنوز "
                "کانون "
                "مراسم مذهبی و کارهای خیریه‌ی جنوب شهر است.",
                landmark="حسینیه‌ی مهدیه",
            ),
            _n(
                "قنات‌سر",
                "Qanat-sar",
                "qanat-sar",
                "village",
                "مادرچاه قنات بزرگ شهر در این محله است و تا سال ۱۳۴۰ میراب محله نوبت آب باغ‌ها را با ساعت "
                "آفتابی "
                "تقسیم می‌کرد.",
                landmark="مادرچاه قنات",
            ),
        ),
        (
            _n(
                "زینبیه",
                "Zeynabiyeh",
                "zeynabiyeh",
                "village",
                "محله در دهه‌ی ۱۳۵۰ گرد حسینیه‌ی زینبیه و بر زمین‌های زراعی پیرامون آن شکل گرفت و بیشتر "
                "ساکنان "
                "نخستینش کارگران کارخانه‌های جنوب شهر بودند.",
            ),
            _n(
                "ده‌نو",
                "Deh-e Now",
                "deh-e-now",
                "village",
                "ده‌نو همان‌طور که از نامش پیداست روستایی نوساز بود که پس از سیل سال ۱۳۳۳ برای ساکنان روستای "
                "آسیب‌دیده‌ی کنار رودخانه ساخته شد.",
            ),
            _n(
                "خضر",
                "Khezr",
                "khezr",
                "shrine",
                "قدمگاه خضر در دامنه‌ی تپه‌ی محله زیارتگاهی کهن است و اهالی باور دارند چشمه‌ی کنار آن هرگز "
                "خشک "
                "نمی‌شود.",
                historical_name="قدمگاه خضر",
                landmark="قدمگاه و چشمه‌ی خضر",
            ),
            _n(
                "کوی مطهری",
                "Kuy-e Motahhari",
                "kuy-e-motahhari",
                "cooperative",
                "کوی مطهری در آغاز دهه‌ی ۱۳۶۰ با واگذاری زمین به کارکنان بیمارستان و شبکه‌ی بهداشت شهر "
                "ساخته شد.",
            ),
            _n(
                "اسلام‌آباد",
                "Eslamabad",
                "eslamabad",
                "village",
                "نام قدیم این آبادی قاسم‌آباد بود؛ ساخت‌وسازهای بی‌برنامه‌ی دهه‌ی ۱۳۷۰ آن را به یکی از "
                "متراکم‌ترین محله‌های شهر تبدیل کرد.",
                historical_name="قاسم‌آباد",
            ),
        ),
        (
            _n(
                "شیخ‌آباد",
                "Sheykhabad",
                "sheykhabad",
                "village",
                "زمین‌های این آبادی وقف مدرسه‌ی علمیه‌ی شهر بود و کشاورزان آن تا دهه‌ی ۱۳۵۰ سهمی از گندم را "
                "به "
                "موقوفه می‌دادند.",
            ),
            _n(
                "کوی جهاد",
                "Kuy-e Jahad",
                "kuy-e-jahad",
                "cooperative",
                "این کوی را جهاد سازندگی در سال ۱۳۶۲ با مصالح ارزان و کار خود اهالی ساخت و خانه‌های آن هنوز "
                "نقشه‌ی "
                "یکسان دارند.",
            ),
            _n(
                "شهرک شهید رجایی",
                "Shahrak-e Shahid Rajaei",
                "shahrak-e-shahid-rajaei",
                "township",
                "شهرک در دهه‌ی ۱۳۷۰ برای کارکنان راه‌آهن و ترابری جنوب شهر ساخته شد و پایانه‌ی اتوبوس‌های "
                "بین‌شهری نزدیک آن است.",
            ),
            _n(
                "کوی آزادگان",
                "Kuy-e Azadegan",
                "kuy-e-azadegan",
                "cooperative",
                "زمین‌های این کوی در سال ۱۳۷۰ به آزادگان و خانواده‌های ایثارگر واگذار شد و انجمن محله‌ی آن "
                "از "
                "نخستین انجمن‌های مردمی شهر بود.",
            ),
            _n(
                "ایستگاه",
                "Istgah",
                "istgah",
                "institution",
                "محله پس از ساخته شدن ایستگاه راه‌آهن در سال ۱۳۵۴ کنار آن شکل گرفت و انبارها و باربری‌ها "
                "هنوز "
                "بخش بزرگی از آن را گرفته‌اند.",
                landmark="ساختمان قدیمی ایستگاه راه‌آهن",
            ),
        ),
    ),
    (  # منطقه ۴
        (
            _n(
                "پشت‌باغ",
                "Posht-e Bagh",
                "posht-e-bagh",
                "garden",
                "نام محله از جایش پشت دیوار باغ بزرگ حاکم‌نشین آمده؛ باغی که در دهه‌ی ۱۳۴۰ تفکیک شد و "
                "کوچه‌های "
                "محله بر خیابان‌بندی همان باغ ساخته شدند.",
            ),
            _n(
                "کبوترخان",
                "Kabutarkhan",
                "kabutarkhan",
                "core",
                "برج کبوتر استوانه‌ای محله که کود آن روزگاری به صیفی‌کاران فروخته می‌شد، از معدود برج‌های "
                "کبوتر "
                "باقی‌مانده در این ناحیه است.",
                historical_name="برج کبوتر",
                landmark="برج کبوتر",
            ),
            _n(
                "سرتپه",
                "Sar-e Tappeh",
                "sar-e-tappeh",
                "village",
                "خانه‌های نخستین محله بر تپه‌ای مشرف به شهر ساخته شد که در روزهای صاف قله‌ی کوه از آن "
                "پیداست و "
                "به همین سبب به بام شهر مشهور است.",
                landmark="دیدگاه بام شهر",
            ),
            _n(
                "نظام‌آباد",
                "Nezamabad",
                "nezamabad",
                "village",
                "آبادی نظام‌آباد در دوره‌ی قاجار ملک یکی از سرداران بود و خانه‌ی اربابی آن با ایوان "
                "ستون‌دار هنوز "
                "در میانه‌ی محله دیده می‌شود.",
                landmark="خانه‌ی اربابی نظام‌آباد",
            ),
            _n(
                "کارخانه قند",
                "Karkhaneh Qand",
                "karkhaneh-qand",
                "institution",
                "کارخانه‌ی قند شهر در سال ۱۳۱۳ این‌جا راه افتاد و خانه‌های آجری کارگرانش نخستین خانه‌های "
                "سازمانی "
                "شهر بودند؛ دودکش کارخانه اکنون نماد محله است.",
                historical_name="کوی کارگران قند",
                landmark="دودکش کارخانه‌ی قند",
            ),
        ),
        (
            _n(
                "کوی انقلاب",
                "Kuy-e Enqelab",
                "kuy-e-enqelab",
                "cooperative",
                "کوی انقلاب در سال‌های ۱۳۵۸ و ۱۳۵۹ با واگذاری زمین شهری به خانواده‌های بی‌مسکن شکل گرفت و "
                "مسجد آن "
                "با کار داوطلبانه‌ی اهالی ساخته شد.",
            ),
            _n(
                "شهرک امام",
                "Shahrak-e Emam",
                "shahrak-e-emam",
                "township",
                "شهرک امام در دهه‌ی ۱۳۶۰ با نقشه‌ی شطرنجی و خیابان‌های پهن ساخته شد و بازارچه‌ی مرکزی آن "
                "مرکز خرید "
                "جنوب‌شرق شهر است.",
                landmark="بازارچه‌ی مرکزی شهرک",
            ),
            _n(
                "کوی نصر",
                "Kuy-e Nasr",
                "kuy-e-nasr",
                "cooperative",
                "این کوی را تعاونی مسکن کارکنان کارخانه‌های نساجی شهر در دهه‌ی ۱۳۶۰ ساخت و بسیاری از ساکنان "
                "قدیمی "
                "آن بافندگان بازنشسته‌اند.",
            ),
            _n(
                "کوی پرستار",
                "Kuy-e Parastar",
                "kuy-e-parastar",
                "cooperative",
                "کوی پرستار نزدیک بیمارستان بزرگ شهر برای کادر درمان ساخته شد و درمانگاه خیریه‌ی آن را "
                "پرستاران "
                "بازنشسته‌ی داوطلب می‌گردانند.",
                landmark="درمانگاه خیریه‌ی کوی",
            ),
            _n(
                "شهرک بهشتی",
                "Shahrak-e Beheshti",
                "shahrak-e-beheshti",
                "township",
                "شهرک بهشتی در دهه‌ی ۱۳۷۰ بر زمین‌های یک کوره‌پزخانه‌ی قدیمی ساخته شد و گودال‌های پرشده‌ی "
                "آن اکنون "
                "بوستان و زمین ورزش محله است.",
            ),
        ),
        (
            _n(
                "فرودگاه",
                "Forudgah",
                "forudgah",
                "institution",
                "محله کنار فرودگاه شهر که در سال ۱۳۴۷ گشایش یافت شکل گرفت و محدودیت ارتفاع ساختمان‌ها "
                "چهره‌ای "
                "کم‌تراکم به آن داده است.",
            ),
            _n(
                "شهرک مدرس",
                "Shahrak-e Modarres",
                "shahrak-e-modarres",
                "township",
                "شهرک مدرس با طرح آماده‌سازی دهه‌ی ۱۳۷۰ ساخته شد و نخستین فرهنگسرای محله‌ای شهر در آن گشایش "
                "یافت.",
                landmark="فرهنگسرای شهرک مدرس",
            ),
            _n(
                "کوی سینا",
                "Kuy-e Sina",
                "kuy-e-sina",
                "cooperative",
                "کوی سینا را تعاونی مسکن پزشکان و داروسازان شهر در دهه‌ی ۱۳۷۰ ساخت و به خانه‌های ویلایی و "
                "کوچه‌های "
                "آرامش شناخته می‌شود.",
            ),
            _n(
                "شهرک بعثت",
                "Shahrak-e Besat",
                "shahrak-e-besat",
                "township",
                "شهرک بعثت در دهه‌ی ۱۳۸۰ در حاشیه‌ی جنوب‌شرقی ساخته شد و رشد جمعیتش از ساخت مدرسه و درمانگاه "
                "پیشی گرفت.",
            ),
            _n(
                "شهرک فجر",
                "Shahrak-e Fajr",
                "shahrak-e-fajr",
                "township",
                "شهرک فجر تازه‌ترین توسعه‌ی شهر است که در دهه‌ی ۱۳۹۰ با طرح مسکن ملی آغاز شد و بسیاری از "
                "ساکنانش "
                "زوج‌های جوان‌اند.",
            ),
        ),
    ),
)

# --- profile templates, per kind ---------------------------------------------------------------

_INTRO: dict[str, tuple[str, ...]] = {
    "core": (
        "{name} از محله‌های هسته‌ی تاریخی کوهسار است و کوچه‌های تنگ و ساباط‌دارش هنوز نقشه‌ی شهر کهن را "
        "نگه داشته‌اند.",
        "{name} یکی از کهن‌ترین محله‌های شهر است که پیشینه‌ی آن دست‌کم به دوره‌ی صفوی می‌رسد.",
        "محله‌ی {name} در دل بافت قدیم کوهسار جای دارد و بسیاری از خانواده‌های قدیمی شهر ریشه در آن دارند.",
    ),
    "gate": ("{name} بر جای یکی از دروازه‌های باروی قدیم شهر شکل گرفته و همیشه محله‌ی آمدوشد بوده است.",),
    "shrine": (
        "{name} محله‌ای زیارتی است که زندگی روزمره‌اش با آیین‌های بقعه‌ی محله گره خورده است.",
        "محله‌ی {name} گرد یکی از زیارتگاه‌های کهن کوهسار پدید آمده است.",
    ),
    "garden": (
        "{name} از محله‌های باغی کوهسار است و هنوز درختان کهنسال و جوی‌های آب در آن دیده می‌شود.",
        "محله‌ی {name} روزگاری سراسر باغ بود و کوچه‌هایش هنوز رد دیوارهای باغ را دنبال می‌کنند.",
    ),
    "village": (
        "{name} آبادی‌ای در حومه‌ی کوهسار بود که با گسترش شهر به آن پیوست.",
        "محله‌ی {name} ریشه‌ای روستایی دارد و پیوندهای خویشاوندی میان اهالی آن هنوز استوار است.",
        "{name} پیش از آن‌که محله‌ای شهری شود، آبادی کوچکی با قنات و مزرعه‌های خودش بود.",
    ),
    "cooperative": (
        "{name} با مشارکت یک تعاونی مسکن ساخته شد و ساکنان نخستینش بیشتر هم‌صنف بودند.",
        "محله‌ی {name} از کوی‌های تعاونی کوهسار است که با نقشه‌ی منظم و قطعه‌های هم‌اندازه ساخته شدند.",
    ),
    "township": (
        "{name} از شهرک‌های برنامه‌ریزی‌شده‌ی کوهسار است و ساختمان‌های چندطبقه و جمعیتی جوان دارد.",
        "محله‌ی {name} شهرکی نوساز در حاشیه‌ی شهر است که خانواده‌هایی از همه‌جای استان در آن ساکن شده‌اند.",
    ),
    "institution": (
        "{name} محله‌ای است که کنار یکی از نهادهای بزرگ شهر پدید آمد و نامش را از آن گرفت.",
        "زندگی محله‌ی {name} از آغاز با نهادی گره خورده که محله پیرامون آن شکل گرفت.",
    ),
}

_TODAY: dict[str, tuple[str, ...]] = {
    "core": (
        "امروز فرسودگی بافت و کوچ خانواده‌های قدیمی بزرگ‌ترین دغدغه‌ی اهالی است و شورای محله پیگیر طرح‌های "
        "بازآفرینی است.",
        "در سال‌های اخیر چند خانه‌ی تاریخی محله مرمت شده و به اقامتگاه بوم‌گردی و کارگاه صنایع دستی تبدیل "
        "شده است.",
        "کارگاه‌ها و مغازه‌های کوچک روزها محله را شلوغ می‌کنند، اما شب‌ها بسیاری از کوچه‌ها خلوت و کم‌نورند.",
    ),
    "gate": (
        "ترافیک ورودی شهر و نبود پارکینگ از مطالبات همیشگی اهالی است.",
        "میدان محله هنوز پاتوق قدیمی‌ترها و جای قرارهای روزانه است.",
    ),
    "shrine": (
        "موقوفات بقعه هزینه‌ی بخشی از کارهای خیریه‌ی محله را می‌پردازد.",
        "ازدحام زائران در روزهای تعطیل، پارکینگ و پاکیزگی پیرامون صحن از دغدغه‌های همیشگی اهالی است.",
    ),
    "garden": (
        "فشار ساخت‌وساز بر باغ‌های باقی‌مانده و کم‌آبی قنات‌ها نگرانی اصلی اهالی است.",
        "اهالی با پویش‌های درختکاری می‌کوشند سیمای سبز محله را نگه دارند.",
    ),
    "village": (
        "هنوز برخی کوچه‌ها آسفالت نشده‌اند و دفع آب‌های سطحی در بارندگی‌ها دردسرساز است.",
        "مراسم جمعی محله با مشارکت همه‌ی خانواده‌ها برگزار می‌شود و ریش‌سفیدان در حل اختلاف‌ها نقش دارند.",
        "مسجد قدیمی آبادی هنوز کانون دیدارها و تصمیم‌های جمعی محله است.",
    ),
    "cooperative": (
        "کوچه‌های منظم و چنارهایی که ساکنان نخستین کاشتند چهره‌ای آرام به محله داده است.",
        "با بالا رفتن سن ساکنان نخستین، نیاز به خدمات سالمندان در محله بیشتر شده است.",
    ),
    "township": (
        "کمبود فضای آموزشی، پارکینگ و دوری از مرکز شهر از مطالبات اصلی ساکنان است.",
        "جمعیت جوان شهرک برنامه‌های ورزشی و فرهنگی محله را پرشور کرده است.",
        "حمل‌ونقل عمومی و خطوط اتوبوس از دغدغه‌های روزمره‌ی ساکنان است.",
    ),
    "institution": (
        "رفت‌وآمد کارکنان و مراجعان در ساعت‌های اداری، ترافیک و پارکینگ را به مسئله‌ی اصلی محله تبدیل کرده است.",
        "ساکنان قدیمی هنوز ساعت زندگی محله را با برنامه‌ی کار همسایه‌ی بزرگشان تنظیم می‌کنند.",
    ),
}

# What a neighborhood without a historical name of its own was called before it grew into the city:
# the village, the gardens or the farmland it stands on.
_FORMER_NAMES: dict[str, tuple[str, ...]] = {
    "core": ("گذر قدیم {name}", "محله‌ی کهنه‌ی {name}"),
    "gate": ("بیرون دروازه‌ی {name}", "میدان دروازه‌ی {name}"),
    "shrine": ("جوار آستانه‌ی {name}", "صحن کهنه‌ی {name}"),
    "garden": ("باغات {name}", "باغ‌های پایین {name}"),
    "village": ("ده {name}", "قریه‌ی {name}"),
    "cooperative": ("مزرعه‌ی {name}", "اراضی کشاورزی {name}"),
    "township": ("اراضی {name}", "دشت {name}"),
    "institution": ("کوی کارمندان {name}", "اردوگاه قدیم {name}"),
}

_LANDMARKS: dict[str, tuple[str, ...]] = {
    "core": (
        "مسجد جامع {name}",
        "حمام قدیمی {name} (اکنون موزه‌ی مردم‌شناسی)",
        "تکیه‌ی {name}",
        "سقاخانه‌ی گذر",
        "کاروانسرای قدیمی",
    ),
    "gate": ("مسجد {name}", "کاروانسرای بیرون دروازه", "سقاخانه‌ی میدان"),
    "shrine": ("سقاخانه‌ی صحن", "قبرستان قدیمی و سنگ‌قبرهای منقوش", "حسینیه‌ی {name}"),
    "garden": ("بوستان {name}", "جوی آب و ردیف چنارهای کهنسال", "کوشک باغ (اکنون خانه‌ی فرهنگ)"),
    "village": ("مسجد جامع آبادی", "حمام قدیمی ده (مرمت‌شده)", "مظهر قنات", "امامزاده‌ی کوچک آبادی"),
    "cooperative": ("مسجد {name}", "بوستان محله‌ای {name}", "مدرسه‌ی قدیمی کوی", "سرای محله‌ی {name}"),
    "township": ("سرای محله‌ی {name}", "بوستان خطی شهرک", "مجموعه‌ی ورزشی {name}", "مسجد جامع شهرک"),
    "institution": ("سرای محله‌ی {name}", "بوستان {name}", "مسجد {name}"),
}

_HERITAGE: dict[str, tuple[str, ...]] = {
    "core": (
        "بافت تاریخی با کوچه‌های ساباط‌دار و درهای چوبی با کوبه‌های جداگانه‌ی زنانه و مردانه",
        "خانه‌های خشتی و آجری دوره‌ی قاجار با ارسی‌های رنگی",
        "سنگ‌فرش قدیمی گذر اصلی",
        "کتیبه‌های کاشی معرق سردر مسجد",
    ),
    "gate": ("پی‌های سنگی برج دروازه که در کاوش‌های شهری پیدا شد", "سنت قهوه‌خانه‌های کنار راه کاروان‌رو"),
    "shrine": (
        "گنبد آجری و صندوق چوبی منبت‌کاری‌شده‌ی بقعه",
        "سنگ‌قبرهای شیرسنگی در قبرستان قدیمی",
        "کتیبه‌های ثلث سردر بقعه",
    ),
    "garden": (
        "نظام آبیاری سنتی باغ‌ها و تقسیم آب به نوبت",
        "دیوارهای چینه‌ای کاهگلی باغ‌ها",
        "درختان چنار و گردوی کهنسال ثبت‌شده در فهرست درختان کهن شهر",
    ),
    "village": ("قنات کهن آبادی و مظهر آن", "خانه‌های روستایی با تنور و انبار مشترک", "آسیاب آبی قدیمی"),
    "cooperative": (
        "خانه‌های آجری نخستین با بام شیروانی، نمونه‌ی معماری مسکونی دهه‌ی پنجاه شهر",
        "سنت جلسه‌های ماهانه‌ی هیئت‌مدیره‌ی تعاونی که هنوز ادامه دارد",
    ),
    "township": (
        "هم‌زیستی خانواده‌هایی از شهرها و روستاهای گوناگون استان",
        "دیوارنگاره‌هایی که نوجوانان محله درباره‌ی تاریخ شهر کشیده‌اند",
    ),
    "institution": (
        "ساختمان‌های اداری آجری دهه‌های چهل و پنجاه با پنجره‌های بلند",
        "عکس‌ها و اسناد قدیمی محله که در آرشیو نهاد همسایه نگه‌داری می‌شود",
    ),
}

_CRAFTS: dict[str, tuple[str, ...]] = {
    "core": ("گیوه‌دوزی", "مسگری", "سراجی و چرم‌دوزی", "قلمزنی", "درودگری و درسازی سنتی", "کاشی‌کاری"),
    "gate": ("نعل‌بندی و زین‌سازی (اکنون از یاد رفته)", "چاقوسازی", "نان‌پزی سنتی"),
    "shrine": ("شیرینی‌پزی سنتی (نان برنجی و کلوچه)", "علم‌سازی", "تسبیح‌سازی"),
    "garden": ("برگه و خشکبار", "گلاب و عرقیات گیاهی", "سبدبافی با ترکه‌ی بید", "مربا و ترشی خانگی"),
    "village": ("قالی‌بافی", "گلیم‌بافی", "نمدمالی", "کشک و قره‌قروت خانگی", "نان محلی تنوری"),
    "cooperative": ("خیاطی خانگی", "کارگاه‌های کوچک نجاری", "شیرینی‌پزی خانگی"),
    "township": ("کسب‌وکارهای خانگی اینترنتی", "معرق و چرم‌دوزی بانوان", "تعمیر لوازم خانگی"),
    "institution": ("صحافی و چاپ", "تعمیر ساعت و لوازم دقیق"),
}

_EVENTS_COMMON: tuple[str, ...] = (
    "عزاداری دهه‌ی اول محرم و پخت نذری",
    "جشن نیمه‌ی شعبان و چراغانی کوچه‌ها",
    "جشن شب یلدا در سرای محله",
    "مسابقات فوتبال جام محلات",
    "بازارچه‌ی خیریه‌ی پیش از نوروز",
    "پویش پاکسازی محله در هفته‌ی زمین پاک",
)
_EVENTS: dict[str, tuple[str, ...]] = {
    "core": (
        "تعزیه‌خوانی روز عاشورا در میدان محله",
        "آیین کلوخ‌اندازان پیش از ماه رمضان",
        "روز محله با بازدید از خانه‌های تاریخی",
    ),
    "gate": ("آیین استقبال از زائران بازگشته از سفر", "روز محله با نمایش عکس‌های قدیمی دروازه"),
    "shrine": ("آیین غبارروبی بقعه", "آیین تعویض پرچم گنبد در روز عرفه"),
    "garden": ("جشن شکوفه‌ها در اردیبهشت", "برداشت گردو و سیب در پاییز", "سیزده‌به‌در در باغ‌های محله"),
    "village": (
        "آیین لایروبی قنات در پایان زمستان",
        "جشن خرمن در پایان تابستان",
        "نمایش کوسه‌گلین در آخر زمستان",
    ),
    "cooperative": ("جشن سالروز تأسیس کوی", "جشنواره‌ی کتاب‌خوانی کودکان در تابستان"),
    "township": (
        "جشنواره‌ی بازی‌های محلی کودکان",
        "دوی همگانی شهرک در هفته‌ی تربیت بدنی",
        "جشن عید غدیر و اطعام همگانی",
    ),
    "institution": ("روز درهای باز برای اهالی محله", "جشن سالروز تأسیس محله"),
}

_PEOPLE_ROLES: dict[str, tuple[str, ...]] = {
    "core": (
        "استاد کاشی‌کار و مرمتگر بناهای تاریخی",
        "خوشنویس و معلم خط",
        "بازرگان نیکوکار و بانی مدرسه‌ی محله",
        "شاعر محلی و سراینده‌ی اشعار آیینی",
        "نخستین پزشک زن شهر",
    ),
    "gate": ("پهلوان زورخانه‌ی محله", "قهوه‌چی و نقال شاهنامه"),
    "shrine": ("متولی پیشین بقعه و پژوهشگر تاریخ محلی", "مداح و ذاکر پیشکسوت"),
    "garden": ("باغبان پیشکسوت و پیوندزن درختان میوه", "نویسنده‌ی کتاب «باغ‌های کوهسار»"),
    "village": ("میراب قدیمی آبادی", "مقنی پیشکسوت", "معلم نخستین مدرسه‌ی ده"),
    "cooperative": ("بنیان‌گذار تعاونی مسکن", "معلم بازنشسته و مروج کتاب‌خوانی کودکان"),
    "township": ("قهرمان کشتی نوجوانان کشور", "بنیان‌گذار گروه داوطلب محیط‌زیستی محله"),
    "institution": ("نخستین مدیر نهادی که محله گرد آن شکل گرفت", "عکاس قدیمی که سیمای محله را ثبت کرد"),
}
_PEOPLE_COMMON: tuple[str, ...] = (
    "از شهدای دفاع مقدس",
    "نیکوکار مدرسه‌ساز",
    "مربی فوتبال نوجوانان",
    "بانوی کارآفرین کارگاه فرش دستباف",
    "پرستار پیشکسوت و فعال داوطلب",
)
_FIRST_NAMES: tuple[str, ...] = (
    "محمدحسین",
    "غلامرضا",
    "عباس",
    "حسن",
    "اکبر",
    "کاظم",
    "رضا",
    "ابوالفضل",
    "یدالله",
    "منصور",
    "جواد",
    "مصطفی",
    "فاطمه",
    "زهرا",
    "معصومه",
    "طاهره",
    "اشرف",
    "بتول",
    "پروین",
    "منیژه",
    "صدیقه",
    "فرخنده",
    "مهین",
    "رقیه",
)
_LAST_NAMES: tuple[str, ...] = (
    "قلی‌زاده",
    "امیری",
    "ملکی",
    "شریفی",
    "سلطانی",
    "نجفی",
    "کرمانی",
    "همدانی",
    "ترابی",
    "بهرامی",
    "یوسفی",
    "زارعی",
    "حیدری",
    "اکبری",
    "فتحی",
    "خسروی",
    "مرادی",
    "رستمی",
    "قاسمی",
    "پورحسینی",
    "باقری",
    "صفری",
    "نیک‌نام",
    "رحمانی",
)
# Population ranges by kind before the city total is scaled to TARGET_POPULATION.
_POPULATION_BY_KIND: dict[str, tuple[int, int]] = {
    "core": (6_000, 11_000),
    "gate": (7_000, 12_000),
    "shrine": (7_000, 13_000),
    "garden": (5_000, 10_000),
    "village": (9_000, 17_000),
    "cooperative": (7_000, 14_000),
    "township": (10_000, 18_000),
    "institution": (4_000, 9_000),
}


# --- the assembled city -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoNeighborhood:
    seed: NeighborhoodSeed
    district: int
    area: int
    position: int  # 1..5 from the centre outwards
    column: int
    row: int
    population: int
    profile: dict[str, str]

    @property
    def slug(self) -> str:
        return self.seed.slug

    @property
    def area_slug(self) -> str:
        return area_slug(self.district, self.area)


def district_slug(district: int) -> str:
    return f"district-{district}"


def area_slug(district: int, area: int) -> str:
    return f"district-{district}-area-{area}"


def district_names(district: int) -> tuple[str, str]:
    return f"منطقه {persian_number(district)}", f"District {district}"


def area_names(district: int, area: int) -> tuple[str, str]:
    # «ناحیه ۲ منطقه ۱» as municipalities write it: "ناحیه ۲" alone would repeat in every district.
    return (
        f"ناحیه {persian_number(area)} منطقه {persian_number(district)}",
        f"District {district}, Area {area}",
    )


def _cell_of(district: int, area: int, position: int) -> tuple[int, int]:
    """Grid (column, row) of a neighborhood: districts are quadrants, areas rows, positions columns."""
    west = district in (1, 3)
    north = district in (1, 2)
    half_cols, half_rows = COLUMNS // 2, ROWS // 2
    column = half_cols - position if west else half_cols - 1 + position
    row = half_rows - 1 + area if north else half_rows - area
    return column, row


def _pick(rng: random.Random, pool: tuple[str, ...], count: int) -> list[str]:
    return rng.sample(pool, min(count, len(pool)))


def _former_name(seed: NeighborhoodSeed) -> str:
    """Chosen from the slug, not the shared random stream, so the rest of every profile stays as it was."""
    choices = _FORMER_NAMES[seed.kind]
    return choices[sum(map(ord, seed.slug)) % len(choices)].format(name=seed.name)


def _profile(
    seed: NeighborhoodSeed, population: int, rng: random.Random, used_people: set[str]
) -> dict[str, str]:
    kind = seed.kind
    sentences = [rng.choice(_INTRO[kind]).format(name=seed.name), seed.origin, rng.choice(_TODAY[kind])]
    if rng.random() < 0.5:
        sentences.append(f"جمعیت محله در آخرین برآورد حدود {persian_number(population)} نفر است.")
    landmarks = [seed.landmark] if seed.landmark else []
    landmarks += [item.format(name=seed.name) for item in _pick(rng, _LANDMARKS[kind], rng.randint(2, 3))]
    people: list[str] = []
    roles = list(_PEOPLE_ROLES[kind]) + list(_PEOPLE_COMMON)
    for role in _pick(rng, tuple(roles), 1 if kind == "township" else rng.randint(1, 3)):
        # Invented people: a demo city must not attribute anything to real ones.
        while True:
            person = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
            if person not in used_people:
                used_people.add(person)
                break
        people.append(f"{person}، {role}")
    events = _pick(rng, _EVENTS[kind], rng.randint(1, 2)) + _pick(rng, _EVENTS_COMMON, rng.randint(1, 2))
    # One item per line: the profile fields are multi-line text.
    return {
        "historical_name": seed.historical_name or _former_name(seed),
        "history": " ".join(sentences),
        "landmarks": "\n".join(landmarks),
        "heritage": "\n".join(_pick(rng, _HERITAGE[kind], rng.randint(1, 2))),
        "notable_people": "\n".join(people),
        "crafts": "\n".join(_pick(rng, _CRAFTS[kind], rng.randint(1, 3))),
        "annual_events": "\n".join(events),
    }


def _populations(seeds: list[NeighborhoodSeed]) -> list[int]:
    """Draw by kind, then scale so the city totals about TARGET_POPULATION, kept inside the range."""
    rng = random.Random(PROFILE_SEED + 1)
    raw = [rng.randint(*_POPULATION_BY_KIND[seed.kind]) for seed in seeds]
    factor = TARGET_POPULATION / sum(raw)
    low, high = POPULATION_RANGE
    return [min(high, max(low, round(value * factor / 10) * 10)) for value in raw]


def demo_neighborhoods() -> list[DemoNeighborhood]:
    """The sixty neighborhoods, district by district, area by area, from the centre outwards."""
    placed = [
        (district, area, position, seed)
        for district, areas in enumerate(SEEDS, start=1)
        for area, seeds in enumerate(areas, start=1)
        for position, seed in enumerate(seeds, start=1)
    ]
    populations = _populations([seed for *_, seed in placed])
    rng = random.Random(PROFILE_SEED)
    used_people: set[str] = set()
    result = []
    for (district, area, position, seed), population in zip(placed, populations, strict=True):
        column, row = _cell_of(district, area, position)
        result.append(
            DemoNeighborhood(
                seed=seed,
                district=district,
                area=area,
                position=position,
                column=column,
                row=row,
                population=population,
                profile=_profile(seed, population, rng, used_people),
            )
        )
    return result


# The neighborhood whose council the demo council accounts sit on: the first of district-1-area-1.
COUNCIL_NEIGHBORHOOD_SLUG = SEEDS[0][0][0].slug


# --- geometry -----------------------------------------------------------------------------------

Point = tuple[float, float]


def _vertices() -> dict[tuple[int, int], Point]:
    """Grid vertex (i, j) → (lng, lat): interior vertices jittered both ways, outer ones only across
    the outline (so the city edge is irregular but no cell folds over)."""
    rng = random.Random(GEOMETRY_SEED)
    dx = (LNG_MAX - LNG_MIN) / COLUMNS
    dy = (LAT_MAX - LAT_MIN) / ROWS
    vertices: dict[tuple[int, int], Point] = {}
    for j in range(ROWS + 1):
        for i in range(COLUMNS + 1):
            x, y = LNG_MIN + i * dx, LAT_MIN + j * dy
            on_x_edge, on_y_edge = i in (0, COLUMNS), j in (0, ROWS)
            # Draw both numbers always, so the sequence does not depend on which branch runs.
            jx, jy = rng.uniform(-1, 1), rng.uniform(-1, 1)
            if not on_x_edge and not on_y_edge:
                x += jx * INTERIOR_JITTER * dx
                y += jy * INTERIOR_JITTER * dy
            elif on_x_edge and not on_y_edge:
                x += jx * EDGE_JITTER * dx
            elif on_y_edge and not on_x_edge:
                y += jy * EDGE_JITTER * dy
            vertices[(i, j)] = (round(x, DIGITS), round(y, DIGITS))
    return vertices


def _bent_midpoint(a: Point, b: Point, amount: float) -> Point:
    """The midpoint of a-b pushed sideways by `amount` of the edge's length."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    ex, ey = b[0] - a[0], b[1] - a[1]
    return round(mx - ey * amount, DIGITS), round(my + ex * amount, DIGITS)


def _midpoints(
    vertices: dict[tuple[int, int], Point],
) -> dict[tuple[tuple[int, int], tuple[int, int]], Point]:
    """One bent midpoint per grid edge, keyed by its two vertices in grid order, shared by both cells."""
    rng = random.Random(GEOMETRY_SEED + 1)
    result = {}
    for j in range(ROWS + 1):
        for i in range(COLUMNS + 1):
            for nxt in ((i + 1, j), (i, j + 1)):
                if nxt in vertices:
                    result[((i, j), nxt)] = _bent_midpoint(
                        vertices[(i, j)], vertices[nxt], rng.uniform(-MIDPOINT_BEND, MIDPOINT_BEND)
                    )
    return result


def cell_polygons() -> dict[tuple[int, int], Polygon]:
    """Cell (column, row) → its polygon. Neighbours share exactly the same edge points, so the
    cells tile the city with no gap and no overlap."""
    v = _vertices()
    m = _midpoints(v)
    cells = {}
    for row in range(ROWS):
        for col in range(COLUMNS):
            sw, se, ne, nw = (col, row), (col + 1, row), (col + 1, row + 1), (col, row + 1)
            ring = [v[sw], m[(sw, se)], v[se], m[(se, ne)], v[ne], m[(nw, ne)], v[nw], m[(sw, nw)]]
            cells[(col, row)] = orient(Polygon(ring), 1.0)
    return cells


def _union(polygons: list[Polygon]) -> Polygon:
    merged = unary_union(polygons)
    if not isinstance(merged, Polygon):  # contiguous cells with shared edges always merge to one
        raise ValueError(f"expected one polygon, got {merged.geom_type}")
    return orient(merged, 1.0)


def _geojson(polygon: Polygon) -> dict[str, Any]:
    """GeoJSON Polygon with lists (as JSON gives back), exterior counter-clockwise and closed."""
    geometry = mapping(orient(polygon, 1.0))
    return {
        "type": "Polygon",
        "coordinates": [[[x, y] for x, y, *_ in ring] for ring in geometry["coordinates"]],
    }


def demo_feature_collection() -> dict[str, Any]:
    """The whole demo territory in the import format of `mahalat.territory.boundaries`: districts,
    then areas, then neighborhoods (parents before children)."""
    cells = cell_polygons()
    neighborhoods = demo_neighborhoods()
    by_area: dict[tuple[int, int], list[DemoNeighborhood]] = {}
    for item in neighborhoods:
        by_area.setdefault((item.district, item.area), []).append(item)

    features: list[dict[str, Any]] = []

    def feature(polygon: Polygon, properties: dict[str, Any]) -> None:
        features.append({"type": "Feature", "geometry": _geojson(polygon), "properties": properties})

    for district in range(1, DISTRICTS + 1):
        name, name_en = district_names(district)
        members = [n for n in neighborhoods if n.district == district]
        feature(
            _union([cells[(n.column, n.row)] for n in members]),
            {
                "level": "district",
                "slug": district_slug(district),
                "name": name,
                "name_en": name_en,
                "number": district,
                "population": sum(n.population for n in members),
            },
        )
    for (district, area), members in by_area.items():
        name, name_en = area_names(district, area)
        feature(
            _union([cells[(n.column, n.row)] for n in members]),
            {
                "level": "area",
                "slug": area_slug(district, area),
                "name": name,
                "name_en": name_en,
                "parent": district_slug(district),
                "number": area,
                "population": sum(n.population for n in members),
            },
        )
    for item in neighborhoods:
        feature(
            cells[(item.column, item.row)],
            {
                "level": "neighborhood",
                "slug": item.slug,
                "name": item.seed.name,
                "name_en": item.seed.name_en,
                "parent": item.area_slug,
                "population": item.population,
                **item.profile,
            },
        )
    return {
        "type": "FeatureCollection",
        # Foreign members (ignored by the importer) so the file explains itself if exported.
        "name": CITY_NAME_EN,
        "description": CITY_DESCRIPTION,
        "features": features,
    }


def city_population() -> int:
    return sum(n.population for n in demo_neighborhoods())


def city_boundary() -> dict[str, Any]:
    """The outline of the whole city (the union of every neighborhood) as a GeoJSON Polygon."""
    return _geojson(_union(list(cell_polygons().values())))


# --- executive agencies -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgencySeed:
    kind: str  # a value of mahalat.referrals.models.AgencyKind
    name: str
    name_en: str
    slug: str
    # National public hotlines where one exists; e-mail on the reserved .example domain.
    contact_phone: str
    contact_email: str
    contact_person: str = ""
    address: str = ""
    # Jurisdiction: empty for the whole city, else the numbers of the districts served.
    districts: tuple[int, ...] = ()
    # The demo liaison account: its number in the demo range (0912 000 00nn) and name.
    liaison_number: int = 0
    liaison_name: str = ""


AGENCIES: tuple[AgencySeed, ...] = (
    AgencySeed(
        "water",
        "شرکت آب و فاضلاب کوهسار",
        "Kuhsar Water and Sewage Company",
        "kuhsar-water",
        "122",
        "water@kuhsar.example",
        "مهندس کامران یزدانی، معاون بهره‌برداری",
        "کوهسار، بلوار آبشار، ساختمان مرکزی آبفا",
        liaison_number=8,
        liaison_name="مهدی صادقی",
    ),
    AgencySeed(
        "power",
        "شرکت توزیع نیروی برق کوهسار",
        "Kuhsar Power Distribution Company",
        "kuhsar-power",
        "121",
        "power@kuhsar.example",
        "مهندس لیلا فرهادی، مدیر دفتر ارتباط با مشتریان",
        "کوهسار، خیابان نیرو، پلاک ۲۴",
        liaison_number=13,
        liaison_name="حمید رستمی",
    ),
    AgencySeed(
        "gas",
        "شرکت گاز کوهسار",
        "Kuhsar Gas Company",
        "kuhsar-gas",
        "194",
        "gas@kuhsar.example",
        "مهندس بهروز سلطانی، رئیس امور مشترکین",
        "کوهسار، بلوار شهید باکری، نبش خیابان گاز",
        liaison_number=14,
        liaison_name="سمیرا قاسمی",
    ),
    AgencySeed(
        "telecom",
        "مخابرات کوهسار",
        "Kuhsar Telecommunication Company",
        "kuhsar-telecom",
        "2020",
        "telecom@kuhsar.example",
        "شهرام نیک‌پور، مدیر ارتباطات مردمی",
        "کوهسار، میدان مخابرات، ساختمان شماره ۱",
        liaison_number=15,
        liaison_name="کیوان اسدی",
    ),
    AgencySeed(
        "police",
        "فرماندهی انتظامی کوهسار",
        "Kuhsar Police Command",
        "kuhsar-police",
        "110",
        "police@kuhsar.example",
        "سرهنگ مجید توکلی، معاون اجتماعی",
        "کوهسار، خیابان انتظام",
        liaison_number=16,
        liaison_name="بهزاد کرمی",
    ),
    AgencySeed(
        "police",
        "پلیس راهور کوهسار",
        "Kuhsar Traffic Police",
        "kuhsar-traffic-police",
        "110",
        "traffic@kuhsar.example",
        "سرگرد علیرضا باقری، رئیس دایره مهندسی ترافیک",
        "کوهسار، میدان راهور، جنب پارک ترافیک",
        liaison_number=17,
        liaison_name="یاسر نادری",
    ),
    AgencySeed(
        "education",
        "آموزش و پرورش ناحیه یک کوهسار",
        "Kuhsar Education Department, Zone 1",
        "kuhsar-education",
        "",
        "education@kuhsar.example",
        "منیژه طاهری، معاون پرورشی و فرهنگی",
        "کوهسار، خیابان فرهنگ، کوچه دانش",
        districts=(1, 2),
        liaison_number=18,
        liaison_name="فرشته مرادی",
    ),
    AgencySeed(
        "education",
        "آموزش و پرورش ناحیه دو کوهسار",
        "Kuhsar Education Department, Zone 2",
        "kuhsar-education-2",
        "",
        "education2@kuhsar.example",
        "داوود شریفی، معاون آموزش متوسطه",
        "کوهسار، بلوار معلم، روبه‌روی پارک دانشجو",
        districts=(3, 4),
        liaison_number=19,
        liaison_name="پروین صفایی",
    ),
    AgencySeed(
        "health",
        "شبکه بهداشت و درمان کوهسار",
        "Kuhsar Health Network",
        "kuhsar-health",
        "190",
        "health@kuhsar.example",
        "دکتر نسرین اکبری، مدیر سلامت محیط و کار",
        "کوهسار، خیابان بوعلی، جنب بیمارستان شهدا",
        liaison_number=20,
        liaison_name="سعید امینی",
    ),
    AgencySeed(
        "welfare",
        "اداره بهزیستی کوهسار",
        "Kuhsar Welfare Office",
        "kuhsar-welfare",
        "123",
        "welfare@kuhsar.example",
        "مریم شاکری، معاون امور اجتماعی",
        "کوهسار، خیابان امید، پلاک ۸",
        liaison_number=21,
        liaison_name="الهام یوسفی",
    ),
    AgencySeed(
        "other",
        "سازمان آتش‌نشانی و خدمات ایمنی کوهسار",
        "Kuhsar Fire and Safety Services",
        "kuhsar-fire",
        "125",
        "fire@kuhsar.example",
        "مهندس رامین حیدری، معاون پیشگیری و حفاظت",
        "کوهسار، میدان آتش‌نشان، ایستگاه مرکزی",
        liaison_number=22,
        liaison_name="مجتبی فتحی",
    ),
)
WATER_AGENCY_SLUG = "kuhsar-water"


# --- service-level agreements -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgreementSeed:
    """How fast a body must act on a referral, in working hours (a working day is about 7 hours):
    `agency` None is the municipal units, `category` None the body's default."""

    agency: str | None
    category: str | None
    acknowledge: int
    answer: int
    finish: int


AGREEMENTS: tuple[AgreementSeed, ...] = (
    # Each agency's default…
    AgreementSeed("kuhsar-water", None, 4, 16, 120),
    AgreementSeed("kuhsar-power", None, 4, 16, 120),
    AgreementSeed("kuhsar-gas", None, 2, 8, 80),
    AgreementSeed("kuhsar-telecom", None, 8, 40, 200),
    AgreementSeed("kuhsar-police", None, 4, 24, 120),
    AgreementSeed("kuhsar-traffic-police", None, 8, 40, 160),
    AgreementSeed("kuhsar-education", None, 8, 40, 240),
    AgreementSeed("kuhsar-education-2", None, 8, 40, 240),
    AgreementSeed("kuhsar-health", None, 8, 32, 160),
    AgreementSeed("kuhsar-welfare", None, 8, 40, 240),
    AgreementSeed("kuhsar-fire", None, 2, 8, 40),
    # …faster where a delay does damage: leaks, outages, gas, …
    AgreementSeed("kuhsar-water", "water-sewage", 2, 8, 40),
    AgreementSeed("kuhsar-water", "asphalt", 8, 24, 80),
    AgreementSeed("kuhsar-power", "power", 2, 8, 32),
    AgreementSeed("kuhsar-power", "street-lighting", 8, 24, 80),
    AgreementSeed("kuhsar-gas", "gas", 1, 4, 24),
    AgreementSeed("kuhsar-police", "social-harms", 4, 16, 80),
    AgreementSeed("kuhsar-traffic-police", "traffic", 8, 24, 120),
    AgreementSeed("kuhsar-education", "schools", 8, 24, 160),
    AgreementSeed("kuhsar-education-2", "schools", 8, 24, 160),
    AgreementSeed("kuhsar-health", "stray-animals", 8, 24, 80),
    AgreementSeed("kuhsar-welfare", "social-harms", 8, 24, 160),
    # …and between the municipality's own units.
    AgreementSeed(None, None, 8, 40, 120),
    AgreementSeed(None, "asphalt", 8, 32, 120),
    AgreementSeed(None, "waste", 4, 16, 40),
    AgreementSeed(None, "green-space", 8, 32, 160),
)
