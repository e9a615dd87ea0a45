"""The demo city's councils as pure data: the seat template, the policy, people's names and the texts of
agendas, discussions, minutes and resolutions. No database; `council_loader` turns it into rows.

The composition follows the common Iranian neighborhood social council (see
`shared/reference/domain-notes.md`): elected residents beside the neighborhood's trustee, women and youth
representatives, the mosque's imam, a school principal, the police station, the health centre, the guilds,
an NGO and the area officer.
"""

from __future__ import annotations

from dataclasses import dataclass

from mahalat.councils.models import SeatFill, WorkingGroupKind
from mahalat.resolutions.models import ResponsibleKind

TEMPLATE_NAME = "ترکیب رایج شورای اجتماعی محله"
TEMPLATE_NAME_EN = "Common neighborhood social council composition"
TEMPLATE_DESCRIPTION = (
    "ترکیب رایج شوراهای اجتماعی محلات: پنج نماینده‌ی منتخب ساکنان در کنار معتمد محل، نمایندگان بانوان و "
    "جوانان، امام جماعت مسجد محله، مدیر یکی از مدارس، نماینده‌ی کلانتری، مرکز سلامت، اصناف، یک سازمان "
    "مردم‌نهاد و مدیر ناحیه."
)


@dataclass(frozen=True, slots=True)
class SeatSeed:
    code: str
    name: str
    name_en: str
    fill: str
    seats: int
    # The office that holds an ex officio seat ({neighborhood} is the neighborhood's name).
    office: str = ""


RESIDENTS = "residents"
TRUSTEE = "trustee"
WOMEN = "women"
YOUTH = "youth"
AREA_OFFICER_SEAT = "area-officer"

SEATS: tuple[SeatSeed, ...] = (
    SeatSeed(RESIDENTS, "نمایندگان منتخب ساکنان", "Elected residents' representatives", SeatFill.ELECTED, 5),
    SeatSeed(TRUSTEE, "معتمد محل", "Neighborhood trustee", SeatFill.APPOINTED, 1),
    SeatSeed(WOMEN, "نماینده‌ی بانوان", "Women's representative", SeatFill.APPOINTED, 1),
    SeatSeed(YOUTH, "نماینده‌ی جوانان", "Youth representative", SeatFill.APPOINTED, 1),
    SeatSeed(
        "imam",
        "امام جماعت مسجد محله",
        "Imam of the neighborhood mosque",
        SeatFill.EX_OFFICIO,
        1,
        "امام جماعت مسجد جامع {neighborhood}",
    ),
    SeatSeed(
        "school",
        "مدیر مدرسه",
        "School principal",
        SeatFill.EX_OFFICIO,
        1,
        "مدیر دبستان {neighborhood}",
    ),
    SeatSeed(
        "police",
        "نماینده‌ی کلانتری",
        "Police station",
        SeatFill.EX_OFFICIO,
        1,
        "رئیس کلانتری حوزه‌ی {neighborhood}",
    ),
    SeatSeed(
        "health",
        "نماینده‌ی مرکز سلامت",
        "Health centre",
        SeatFill.EX_OFFICIO,
        1,
        "مسئول مرکز خدمات جامع سلامت {neighborhood}",
    ),
    SeatSeed("guilds", "نماینده‌ی اصناف", "Local guilds", SeatFill.APPOINTED, 1),
    SeatSeed("ngo", "نماینده‌ی سازمان‌های مردم‌نهاد", "Non-governmental organisation", SeatFill.APPOINTED, 1),
    SeatSeed(
        AREA_OFFICER_SEAT,
        "مدیر ناحیه",
        "Area officer",
        SeatFill.EX_OFFICIO,
        1,
        "مدیر {area}",
    ),
)
SEATED_TOTAL = sum(seat.seats for seat in SEATS)

# The deputy's policy: quorum more than ½, 24-month terms, 2 consecutive terms, twice a month, 30 days.
POLICY = {
    "term_months": 24,
    "max_consecutive_terms": 2,
    "quorum_numerator": 1,
    "quorum_denominator": 2,
    "meetings_per_month": 2,
    "resolution_escalation_days": 30,
}

WORKING_GROUPS: tuple[tuple[str, str], ...] = (
    (WorkingGroupKind.HEALTH, "کارگروه سلامت و درمان"),
    (WorkingGroupKind.LIVELIHOOD, "کارگروه حمایت معیشتی و اشتغال"),
    (WorkingGroupKind.SECURITY, "کارگروه امنیت اجتماعی"),
    (WorkingGroupKind.CULTURE, "کارگروه فرهنگی و آموزشی"),
    (WorkingGroupKind.CIVIL_WORKS, "کارگروه عمران و خدمات محله‌ای"),
    (WorkingGroupKind.ENVIRONMENT, "کارگروه محیط زیست"),
)

# --- people -------------------------------------------------------------------------------------

MALE_NAMES: tuple[str, ...] = (
    "محمد", "علی", "حسین", "رضا", "مهدی", "امیر", "مصطفی", "جواد", "سعید", "مجید", "احمد", "محسن",
    "حمید", "وحید", "مرتضی", "ابوالفضل", "یوسف", "ناصر", "بهروز", "فرهاد", "داوود", "عباس", "کاظم",
    "غلامرضا", "اکبر", "منصور", "هادی", "میلاد", "پویا", "سجاد",
)  # fmt: skip
FEMALE_NAMES: tuple[str, ...] = (
    "فاطمه", "زهرا", "معصومه", "زینب", "سمیه", "لیلا", "الهام", "مینا", "مریم", "نرگس", "طاهره",
    "اعظم", "شهلا", "پروین", "منیژه", "سمانه", "نسرین", "فریبا", "رقیه", "کبری", "محدثه", "نگار",
)  # fmt: skip
YOUTH_NAMES: tuple[str, ...] = ("آرش", "کیان", "سینا", "امیرحسین", "محمدطاها", "یاسین", "ریحانه", "هستی")
CLERIC_PREFIX = "حجت‌الاسلام"

# --- formation ----------------------------------------------------------------------------------

CALL_TITLE = "فراخوان ثبت‌نام داوطلبان شورای اجتماعی محله‌ی {neighborhood}"
CALL_DESCRIPTION = (
    "ساکنان محترم محله‌ی {neighborhood}: شهرداری {district} از ساکنان علاقه‌مند به مشارکت در اداره‌ی محله "
    "دعوت می‌کند برای عضویت در شورای اجتماعی محله ثبت‌نام کنند. نمایندگان ساکنان با رأی مخفی ساکنان "
    "تأییدشده‌ی محله انتخاب می‌شوند و کرسی‌های انتصابی از میان داوطلبان واجد شرایط تعیین می‌شود."
)
REQUIRED_DOCUMENTS: list[dict[str, str]] = [
    {"code": "national-card", "name": "تصویر کارت ملی", "name_en": "National ID card"},
    {"code": "residence-proof", "name": "مدرک سکونت (اجاره‌نامه یا قبض)", "name_en": "Proof of residence"},
]
STATEMENTS: tuple[str, ...] = (
    "بیش از پانزده سال است در این محله زندگی می‌کنم و می‌خواهم در حل مشکلات روشنایی و نظافت کوچه‌ها "
    "سهمی داشته باشم.",
    "معلم بازنشسته‌ام و وقت آزاد دارم؛ دوست دارم برای برنامه‌های فرهنگی نوجوانان محله کار کنم.",
    "کاسب محله‌ام و مشکلات ترافیک و پارک خودرو در خیابان اصلی را از نزدیک می‌شناسم.",
    "در هیئت امنای مسجد فعال بوده‌ام و با بیشتر خانواده‌های محله آشنا هستم.",
    "جوانان محله به فضای ورزشی نیاز دارند و می‌خواهم صدای آن‌ها در شورا باشد.",
    "پرستارم و می‌توانم در کارگروه سلامت و آموزش کمک‌های اولیه به اهالی کمک کنم.",
    "مهندس عمرانم و پیگیری طرح‌های آسفالت و جدول‌گذاری محله برایم مهم است.",
    "عضو گروه داوطلبان محیط زیست هستم و می‌خواهم تفکیک پسماند را در محله جا بیندازم.",
)
ADDRESSES: tuple[str, ...] = (
    "خیابان اصلی {neighborhood}، کوچه‌ی {n}، پلاک {p}",
    "{neighborhood}، بن‌بست یاس، پلاک {p}",
    "{neighborhood}، خیابان شهید رجایی، کوچه‌ی {n}، پلاک {p}",
    "{neighborhood}، بلوار بهار، نبش کوچه‌ی {n}، پلاک {p}",
)
APPLICATION_REJECTIONS: tuple[str, ...] = (
    "مدرک سکونت پیوست‌شده به نام متقاضی نیست؛ سکونت در محله تأیید نشد.",
    "متقاضی در تاریخ پایان ثبت‌نام به حداقل سن لازم نمی‌رسد.",
    "تصویر کارت ملی خوانا نیست و در مهلت بررسی اصلاح نشد.",
)
SUSPENSION_REASON = (
    "به دلیل استعفای هم‌زمان چند عضو و نرسیدن جلسات به حد نصاب در دو ماه اخیر، فعالیت شورا تا تکمیل "
    "کرسی‌های خالی تعلیق شد."
)
CANCEL_REASONS: tuple[str, ...] = (
    "تعطیلی رسمی در روز جلسه",
    "هم‌زمانی با مراسم عزاداری در مسجد محل جلسه",
    "در دسترس نبودن سالن سرای محله",
    "درخواست رئیس شورا به دلیل بازدید میدانی مشترک با منطقه",
)
PLACES: tuple[str, ...] = ("سرای محله‌ی {neighborhood}", "سالن اجتماعات مسجد جامع {neighborhood}")
ONLINE_URL = "https://meet.kuhsar.example/council-{slug}"
GUESTS: tuple[tuple[str, str], ...] = (
    ("مهندس کامران شفیعی", "شرکت آب و فاضلاب کوهسار"),
    ("سرهنگ مسعود راد", "کلانتری حوزه"),
    ("دکتر نازنین فرهمند", "مرکز خدمات جامع سلامت"),
    ("مهندس بهنام کیانی", "معاونت خدمات شهری منطقه"),
    ("خانم شیرین آذر", "اداره بهزیستی کوهسار"),
)

# --- agendas ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Topic:
    """An agenda item the council may take up, with what it says and what it may decide."""

    title: str
    description: str
    discussion: tuple[str, ...]  # points raised; shown as a list in the minutes
    resolution: str  # the text of the resolution if it is adopted
    responsible: str  # a ResponsibleKind
    agency: str = ""  # the demo agency's slug when responsible is an agency
    private: bool = False
    milestones: tuple[str, ...] = ()


TOPICS: tuple[Topic, ...] = (
    Topic(
        "ساماندهی روشنایی کوچه‌های فرعی {neighborhood}",
        "چند کوچه‌ی فرعی شب‌ها تاریک است و اهالی، به‌ویژه بانوان، احساس ناامنی می‌کنند.",
        (
            "فهرست تیرهای خاموش را کارگروه عمران تهیه کرده است.",
            "نماینده‌ی کلانتری تاریکی را عامل سرقت‌های اخیر دانست.",
        ),
        "شرکت توزیع نیروی برق موظف است ظرف مهلت تعیین‌شده چراغ‌های خاموش کوچه‌های فرعی محله را تعمیر "
        "و در سه نقطه‌ی تاریک چراغ جدید نصب کند.",
        ResponsibleKind.AGENCY,
        "kuhsar-power",
        milestones=("بازدید میدانی و برداشت نقاط تاریک", "تعمیر چراغ‌های خاموش", "نصب چراغ‌های جدید"),
    ),
    Topic(
        "تفکیک پسماند از مبدأ در {neighborhood}",
        "پیشنهاد کارگروه محیط زیست برای آموزش خانوارها و استقرار مخازن تفکیک.",
        (
            "مدیر مدرسه آمادگی مدرسه را برای برگزاری کارگاه آموزشی اعلام کرد.",
            "اصناف خواستار مخزن جداگانه برای مقوا شدند.",
        ),
        "ناحیه با همکاری کارگروه محیط زیست، کارگاه آموزش تفکیک پسماند برگزار و چهار ایستگاه تفکیک در "
        "محله مستقر کند.",
        ResponsibleKind.AREA,
        milestones=("برگزاری کارگاه آموزشی", "استقرار ایستگاه‌های تفکیک"),
    ),
    Topic(
        "لکه‌گیری آسفالت خیابان اصلی {neighborhood}",
        "چاله‌های خیابان اصلی پس از بارندگی‌های اخیر بزرگ‌تر شده است.",
        ("نماینده‌ی ناحیه گفت اعتبار لکه‌گیری امسال تخصیص یافته است.",),
        "منطقه لکه‌گیری آسفالت خیابان اصلی محله را در اولویت برنامه‌ی عمرانی قرار دهد.",
        ResponsibleKind.DISTRICT,
        milestones=("برآورد حجم کار", "اجرای لکه‌گیری"),
    ),
    Topic(
        "ایمن‌سازی مسیر مدرسه‌ی {neighborhood}",
        "نبود خط‌کشی عابر و سرعت‌کاه جلوی دبستان خطرساز است.",
        ("مدیر مدرسه از دو حادثه‌ی جزئی در ماه گذشته خبر داد.", "پلیس راهور برای نصب تابلو اعلام آمادگی کرد."),
        "منطقه جلوی دبستان محله خط‌کشی عابر پیاده، سرعت‌کاه و تابلوی مدرسه نصب کند.",
        ResponsibleKind.DISTRICT,
        milestones=("طراحی و هماهنگی با پلیس راهور", "اجرای خط‌کشی و نصب سرعت‌کاه"),
    ),
    Topic(
        "برنامه‌ی جشن نیمه‌ی شعبان در {neighborhood}",
        "برگزاری جشن محله‌ای با مشارکت مسجد، مدرسه و اصناف.",
        ("امام جماعت میزبانی حیاط مسجد را پذیرفت.", "اصناف هزینه‌ی پذیرایی را تقبل کردند."),
        "شورای محله با همکاری مسجد و اصناف جشن نیمه‌ی شعبان را برگزار کند؛ کارگروه فرهنگی مسئول هماهنگی است.",
        ResponsibleKind.COUNCIL,
    ),
    Topic(
        "آب‌گرفتگی معابر در بارندگی",
        "جوی‌های خیابان اصلی گرفته است و هر بارندگی معبر را آب می‌گیرد.",
        ("شرکت آب و فاضلاب و منطقه هر کدام دیگری را مسئول می‌دانند.",),
        "شرکت آب و فاضلاب با هماهنگی منطقه، لایروبی جوی‌ها و اصلاح شیب آبروی خیابان اصلی را انجام دهد.",
        ResponsibleKind.AGENCY,
        "kuhsar-water",
        milestones=("لایروبی جوی‌ها", "اصلاح شیب آبرو"),
    ),
    Topic(
        "کلاس‌های آموزش مهارت برای زنان سرپرست خانوار",
        "پیشنهاد کارگروه حمایت معیشتی برای دوره‌های خیاطی و آشپزی در سرای محله.",
        (
            "نماینده‌ی بانوان فهرست بیست خانوار نیازمند را معرفی کرد.",
            "بهزیستی برای تأمین مربی اعلام آمادگی کرد.",
        ),
        "اداره بهزیستی با همکاری سرای محله دو دوره‌ی آموزش مهارت برای زنان سرپرست خانوار برگزار کند.",
        ResponsibleKind.AGENCY,
        "kuhsar-welfare",
        milestones=("شناسایی و ثبت‌نام متقاضیان", "برگزاری دوره‌ی اول", "برگزاری دوره‌ی دوم"),
    ),
    Topic(
        "ساماندهی سگ‌های بلاصاحب پارک محله",
        "گزارش‌های متعدد اهالی درباره‌ی حضور سگ‌های بلاصاحب در پارک.",
        ("مرکز سلامت درباره‌ی خطر هاری هشدار داد.",),
        "ناحیه با پیمانکار ساماندهی حیوانات، سگ‌های بلاصاحب پارک محله را به‌صورت انسانی جمع‌آوری کند.",
        ResponsibleKind.AREA,
    ),
    Topic(
        "پایش فشار خون و دیابت سالمندان",
        "پیشنهاد مرکز سلامت برای غربالگری رایگان در مسجد محله.",
        ("امام جماعت اعلام کرد بعد از نماز جمعه فضای مسجد در اختیار است.",),
        "شبکه بهداشت و درمان یک روز غربالگری فشار خون و قند خون سالمندان در مسجد محله برگزار کند.",
        ResponsibleKind.AGENCY,
        "kuhsar-health",
    ),
    Topic(
        "تعمیر وسایل بازی پارک کودک",
        "سرسره و تاب‌های پارک کودک شکسته و خطرناک است.",
        ("نماینده‌ی جوانان عکس‌های وسایل آسیب‌دیده را ارائه کرد.",),
        "ناحیه وسایل بازی آسیب‌دیده‌ی پارک کودک را تعمیر یا تعویض و کف‌پوش ایمن نصب کند.",
        ResponsibleKind.AREA,
        milestones=("بازدید و برآورد", "تعویض وسایل", "نصب کف‌پوش ایمن"),
    ),
    Topic(
        "جلوگیری از تخلیه‌ی نخاله در زمین بایر",
        "زمین بایر انتهای محله محل تخلیه‌ی شبانه‌ی نخاله شده است.",
        ("نماینده‌ی کلانتری گشت شبانه را پیشنهاد کرد.",),
        "منطقه زمین بایر را پاک‌سازی و حصارکشی کند و با کلانتری برای گشت شبانه هماهنگ شود.",
        ResponsibleKind.DISTRICT,
        milestones=("پاک‌سازی نخاله", "حصارکشی"),
    ),
    Topic(
        "برنامه‌ی ورزش صبحگاهی در بوستان",
        "پیشنهاد جوانان برای ورزش همگانی صبح‌های جمعه.",
        ("مربی داوطلب از اهالی معرفی شد.",),
        "کارگروه فرهنگی با همکاری سرای محله برنامه‌ی ورزش صبحگاهی جمعه‌ها را راه‌اندازی کند.",
        ResponsibleKind.COUNCIL,
    ),
    Topic(
        "کمبود فشار آب طبقات بالا در تابستان",
        "ساکنان ساختمان‌های چندطبقه از افت فشار آب در ساعات اوج مصرف گلایه دارند.",
        ("شرکت آب اصلاح شبکه را مشروط به اعتبار دانست.",),
        "شرکت آب و فاضلاب فشار شبکه‌ی محله را پایش و برای اصلاح لوله‌های فرسوده برنامه ارائه کند.",
        ResponsibleKind.AGENCY,
        "kuhsar-water",
    ),
    Topic(
        "وضعیت یک خانواده‌ی آسیب‌دیده از حریق",
        "بررسی کمک‌رسانی به خانواده‌ای که منزلشان در آتش‌سوزی آسیب دید.",
        ("جزئیات وضعیت خانواده به‌دلیل حفظ حریم خصوصی در صورتجلسه‌ی عمومی درج نمی‌شود.",),
        "کارگروه حمایت معیشتی با همکاری بهزیستی و خیران محله برای اسکان موقت و کمک به خانواده اقدام کند.",
        ResponsibleKind.AGENCY,
        "kuhsar-welfare",
        private=True,
    ),
    Topic(
        "گزارش محرمانه‌ی کلانتری درباره‌ی نقاط آلوده",
        "ارائه‌ی گزارش نماینده‌ی کلانتری درباره‌ی نقاط مستعد جرم در محله.",
        ("نقشه‌ی نقاط به‌دلیل ملاحظات امنیتی در صورتجلسه‌ی عمومی درج نمی‌شود.",),
        "کلانتری گشت‌زنی در نقاط شناسایی‌شده را افزایش دهد و منطقه روشنایی آن نقاط را تقویت کند.",
        ResponsibleKind.AGENCY,
        "kuhsar-police",
        private=True,
    ),
)

# An item made from a citizen report: its title and resolution around the report's category.
REPORT_ITEM_TITLE = "بررسی درخواست شهروندی {code}: {category}"
REPORT_ITEM_DESCRIPTION = (
    "این درخواست را اهالی ثبت کرده‌اند و شورا آن را برای پیگیری در دستور جلسه قرار داد.\n\n{excerpt}"
)
REPORT_ITEM_DISCUSSION: tuple[str, ...] = (
    "دبیر شورا خلاصه‌ی درخواست و سابقه‌ی پیگیری آن را ارائه کرد.",
    "اعضا تأکید کردند که این مشکل چند بار تکرار شده است.",
    "نماینده‌ی ناحیه زمان‌بندی پیشنهادی برای رفع مشکل را توضیح داد.",
)
REPORT_RESOLUTION = (
    "شورا پیگیری درخواست شهروندی {code} ({category}) را تصویب کرد و از {owner} می‌خواهد تا مهلت تعیین‌شده "
    "آن را رفع و نتیجه را به شورا و درخواست‌دهنده اعلام کند."
)
OWNER_NAMES = {
    ResponsibleKind.AREA: "ناحیه",
    ResponsibleKind.DISTRICT: "منطقه",
    ResponsibleKind.COUNCIL: "کارگروه مربوط در شورا",
}

MINUTES_OPENING = (
    "<p>جلسه‌ی شماره‌ی {number} شورای اجتماعی محله‌ی <strong>{neighborhood}</strong> با حضور {present} "
    "نفر از {seated} عضو در {place} تشکیل شد.</p>"
)
MINUTES_QUORUM = "<p>جلسه به حد نصاب رسید و پس از تلاوت آیاتی از قرآن کریم، دستور جلسه بررسی شد.</p>"
MINUTES_NO_QUORUM = "<p>جلسه به حد نصاب نرسید؛ موارد دستور جلسه تنها بحث شد و هیچ تصمیمی گرفته نشد.</p>"
MINUTES_CLOSING = "<p>جلسه با ذکر صلوات پایان یافت. جلسه‌ی بعدی طبق برنامه‌ی منظم برگزار می‌شود.</p>"

# --- follow-through -----------------------------------------------------------------------------

ASSIGN_NOTES: tuple[str, ...] = (
    "مسئول اجرا تأیید و به واحد مربوط ابلاغ شد.",
    "مصوبه بررسی و برای اجرا ابلاغ شد.",
)
PROGRESS_NOTES: tuple[str, ...] = (
    "عملیات اجرایی آغاز شد.",
    "پیمانکار تعیین و کار شروع شد.",
    "بخشی از کار انجام شد؛ ادامه‌ی کار طبق برنامه.",
)
DONE_OUTCOMES: tuple[str, ...] = (
    "کار به‌طور کامل انجام شد و نتیجه در بازدید مشترک با اعضای شورا تأیید شد.",
    "اقدامات مصوبه اجرا شد و گزارش آن به شورا ارائه شد.",
    "کار انجام شد؛ اهالی از نتیجه رضایت دارند.",
)
NOT_FEASIBLE_REASONS: tuple[str, ...] = (
    "زمین مورد نظر ملک خصوصی است و مالک اجازه‌ی اجرا نداد؛ شورا پیگیری از راه دیگری را بررسی می‌کند.",
    "اعتبار لازم در بودجه‌ی امسال پیش‌بینی نشده است؛ موضوع برای بودجه‌ی سال آینده پیشنهاد شد.",
    "اجرای آن با طرح تفصیلی مصوب شهر مغایرت دارد.",
)
