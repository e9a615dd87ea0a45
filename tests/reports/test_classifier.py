"""The suggested category: trained on the city's own reports, silent with too little data, stored in
the cache for every process, never touching the database when suggesting."""

from __future__ import annotations

import random
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone, translation

from mahalat.persian.text import search_key
from mahalat.reports import classifier
from mahalat.reports.classifier import (
    CategoryModel,
    ModelHolder,
    Suggestion,
    evaluate,
    forget_models,
    retrain_all,
    store_model,
    suggest_category,
    train,
    training_data,
)
from mahalat.reports.models import Category, HandlerKind, Report, ReportState

# --- synthetic but realistic report texts ---------------------------------------------------------

VOCABULARY: dict[str, dict[str, list[str]]] = {
    "lighting": {
        "subject": [
            "چراغ کوچه",
            "لامپ تیر برق",
            "چراغ‌های خیابان",
            "روشنایی معبر",
            "تیر چراغ برق",
            "پایه چراغ",
            "لامپ‌های پارک",
            "چراغ سر کوچه",
            "نور خیابان",
            "چراغ‌های بلوار",
        ],
        "problem": [
            "خاموش است",
            "سوخته و عوض نشده",
            "کار نمی‌کند",
            "چشمک می‌زند",
            "روشن نمی‌شود",
            "شب‌ها کاملاً تاریک است",
            "سیم‌هایش بیرون زده",
            "روزها هم روشن می‌ماند",
            "نورش خیلی کم شده",
        ],
        "extra": ["شب‌ها رفت و آمد خطرناک شده", "خانم‌ها شب می‌ترسند رد شوند", "حباب لامپ شکسته"],
    },
    "asphalt": {
        "subject": [
            "آسفالت کوچه",
            "چاله وسط خیابان",
            "دست‌انداز",
            "سرعت‌گیر",
            "آسفالت خیابان",
            "گودال جلوی خانه",
            "روکش آسفالت",
            "جدول کنار خیابان",
            "سطح معبر",
            "چاله‌های بزرگ",
        ],
        "problem": [
            "خراب شده",
            "ترک خورده",
            "گود افتاده",
            "نشست کرده",
            "بعد از حفاری ترمیم نشده",
            "ماشین‌ها آسیب می‌بینند",
            "پر از چاله است",
            "کنده شده",
            "موتورسوارها زمین می‌خورند",
        ],
        "extra": [
            "لاستیک ماشینم پنچر شد",
            "بعد از لوله‌کشی گاز همین‌طور رها شده",
            "باران که می‌آید پر آب می‌شود",
        ],
    },
    "waste": {
        "subject": [
            "زباله‌ها",
            "سطل زباله",
            "نخاله ساختمانی",
            "آشغال‌ها",
            "کیسه‌های زباله",
            "مخزن زباله",
            "پسماند",
            "نخاله‌ها",
            "سطل‌های آشغال",
            "زباله‌های کنار جوی",
        ],
        "problem": [
            "جمع‌آوری نشده",
            "بوی بد می‌دهد",
            "پر شده و سر ریز کرده",
            "روی زمین ریخته شده",
            "سه روز است کسی نبرده",
            "شکسته و درش نیست",
            "وسط کوچه رها شده",
            "گربه‌ها پاره‌اش کرده‌اند",
        ],
        "extra": ["ماشین حمل زباله نیامده", "کسی شب‌ها نخاله خالی می‌کند", "مگس و پشه زیاد شده"],
    },
    "water-leak": {
        "subject": [
            "لوله آب",
            "نشت آب",
            "فاضلاب",
            "شیر آب عمومی",
            "کنتور آب",
            "منهول فاضلاب",
            "لوله اصلی",
            "آب شرب",
            "چاه فاضلاب",
            "شیر آتش‌نشانی",
        ],
        "problem": [
            "ترکیده",
            "آب هدر می‌رود",
            "پس زده",
            "نشتی دارد",
            "خیابان را آب برداشته",
            "فشار آبش کم است",
            "از زیر آسفالت آب بیرون می‌زند",
            "بوی فاضلاب همه جا را گرفته",
            "درپوشش شکسته",
        ],
        "extra": [
            "چند روز است آب قطع و وصل می‌شود",
            "آب گل‌آلود است",
            "زیرزمین خانه‌ها را آب گرفته",
        ],
    },
    "green-space": {
        "subject": [
            "درخت‌های کوچه",
            "درخت چنار",
            "فضای سبز پارک",
            "چمن بوستان",
            "شاخه‌های درخت",
            "نهال‌ها",
            "درختان بلوار",
            "باغچه وسط میدان",
            "گل‌کاری پارک",
            "درخت کاج",
        ],
        "problem": [
            "خشک شده",
            "نیاز به هرس دارد",
            "آبیاری نمی‌شود",
            "شکسته",
            "افتاده روی زمین",
            "روی سیم‌ها آمده",
            "آفت زده",
            "زرد شده",
            "قطع شده",
        ],
        "extra": [
            "باغبان شهرداری مدتی است نیامده",
            "برگ‌ها جوی را گرفته",
            "شاخه روی ماشین‌ها افتاده",
        ],
    },
    "stray-animals": {
        "subject": [
            "سگ‌های ولگرد",
            "سگ ولگرد",
            "سگ‌های بی‌صاحب",
            "حیوانات ولگرد",
            "یک گله سگ",
            "گربه‌های زیاد",
            "موش‌ها",
            "سگ‌های پارک",
            "توله سگ‌ها",
            "سگ‌های زخمی",
        ],
        "problem": [
            "به بچه‌ها حمله می‌کنند",
            "شب‌ها پارس می‌کنند",
            "مردم می‌ترسند",
            "یک نفر را گاز گرفته",
            "دنبال موتورها می‌دوند",
            "جلوی مدرسه جمع شده‌اند",
            "بیمار به نظر می‌رسند",
            "زیاد شده‌اند",
        ],
        "extra": [
            "بچه‌ها نمی‌توانند به مدرسه بروند",
            "لطفاً به سازمان مربوط خبر دهید",
            "خطر هاری دارد",
        ],
    },
}
# Shared by every category, as in real reports: greetings, places, how long, pleas.
OPENINGS = ["", "سلام", "با سلام و احترام", "با عرض سلام و خسته نباشید", "سلام وقت بخیر", "ضمن تشکر"]
STREETS = ["شهید رجایی", "بهار", "گلستان", "آزادی", "امام خمینی", "فردوسی", "نسترن", "ولیعصر", "شقایق"]
PLACES = [
    "در کوچه {street} {n}",
    "خیابان {street}",
    "نبش کوچه {street}",
    "روبروی مدرسه {street}",
    "کنار پارک {street}",
    "جلوی نانوایی",
    "پلاک {n}",
    "بلوار {street} کوچه {n}",
    "پشت مسجد محله",
    "ابتدای خیابان {street}",
    "نزدیک ایستگاه اتوبوس",
]
DURATIONS = ["", "از {n} روز پیش", "چند هفته است که", "مدتی است", "از دیروز", "بیش از یک ماه است"]
PLEAS = [
    "",
    "لطفاً رسیدگی کنید",
    "خواهشمند است پیگیری شود",
    "چند بار تماس گرفتیم ولی کسی نیامد",
    "ممنون می‌شوم زودتر اقدام کنید",
    "تشکر",
    "لطفا سریع‌تر",
    "هیچ کس جواب نمی‌دهد",
]
DIGITS = ["۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩", "0123456789"]


def _as_typed(text: str, rng: random.Random) -> str:
    """As different keyboards and people type it: Arabic ي/ك, no half-space, any digits."""
    roll = rng.random()
    if roll < 0.15:
        text = text.replace("ی", "ي").replace("ک", "ك")
    elif roll < 0.35:
        text = text.replace("\u200c", rng.choice(["", " "]))
    return text.translate(str.maketrans("0123456789", rng.choice(DIGITS)))


def report_text(slug: str, rng: random.Random) -> str:
    words = VOCABULARY[slug]
    parts = [
        rng.choice(OPENINGS),
        rng.choice(PLACES).format(street=rng.choice(STREETS), n=rng.randint(1, 120)),
        rng.choice(DURATIONS).format(n=rng.randint(2, 20)),
        rng.choice(words["subject"]),
        rng.choice(words["problem"]),
    ]
    if rng.random() < 0.4:
        parts.append(rng.choice(words["extra"]))
    if rng.random() < 0.15:  # a word of another category, as real reports have
        other = VOCABULARY[rng.choice([s for s in VOCABULARY if s != slug])]
        parts.append("و " + rng.choice(other["subject"]))
    parts.append(rng.choice(PLEAS))
    return _as_typed(" ".join(p for p in parts if p), rng)


def synthetic_reports(per_category: int, *, seed: int = 1405) -> list[tuple[str, str]]:
    """(text, category slug) pairs, ``per_category`` of each of the six categories."""
    rng = random.Random(seed)
    return [(report_text(slug, rng), slug) for slug in VOCABULARY for _ in range(per_category)]


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_models() -> Iterator[None]:
    forget_models()
    yield
    forget_models()


@pytest.fixture
def categories(town: Any) -> dict[str, Category]:
    """The town's lighting and water-leak categories and four more."""
    found = {"lighting": town.lighting, "water-leak": town.leaks}
    for position, (slug, name, name_en) in enumerate(
        [
            ("asphalt", "آسفالت و چاله", "Asphalt and potholes"),
            ("waste", "پسماند و زباله", "Waste"),
            ("green-space", "فضای سبز", "Green space"),
            ("stray-animals", "حیوانات ولگرد", "Stray animals"),
        ]
    ):
        found[slug] = Category.objects.create(
            city=town.city, slug=slug, name=name, name_en=name_en, position=position + 2
        )
    return found


_serial = iter(range(1, 10**9))


def add_reports(
    town: Any,
    categories: dict[str, Category],
    items: list[tuple[str, str]],
    *,
    state: str = ReportState.SUBMITTED,
) -> list[Report]:
    now = timezone.now()
    reports = [
        Report(
            tracking_code=f"T{next(_serial):09d}",
            city=town.city,
            district=town.d1,
            area=town.a11,
            neighborhood=town.n1,
            category=categories[slug],
            description=text,
            search_key=search_key(text),
            lat=town.P1[0],
            lng=town.P1[1],
            reporter=town.people["citizen"],
            state=state,
            handler_kind=HandlerKind.AREA,
            triage_due_at=now,
            resolve_due_at=now,
            deputy_due_at=now,
            submitted_at=now,
            state_changed_at=now,
        )
        for text, slug in items
    ]
    return Report.objects.bulk_create(reports)


@pytest.fixture
def trained_town(town: Any, categories: dict[str, Category]) -> Any:
    """The town with 6 categories × 60 reports."""
    add_reports(town, categories, synthetic_reports(60))
    return town


LIGHTING_TEXT = "لامپ تیر برق کوچه پلاک ۱۲ سوخته و شب‌ها تاریک است"
LIGHTING_TEXT_ARABIC = "لامپ تير برق كوچه پلاك ١٢ سوخته و شب‌ها تاريك است"


# --- silence ---------------------------------------------------------------------------------------


def test_silent_with_too_few_reports(town: Any, categories: dict[str, Category]) -> None:
    add_reports(town, categories, synthetic_reports(30))  # 180 < 200
    assert train(city_id=town.city.pk) is None
    assert evaluate(city_id=town.city.pk) is None
    assert retrain_all()["town"]["trained"] is False
    assert suggest_category(city_id=town.city.pk, text=LIGHTING_TEXT) == []
    # With a lower bar the same reports are enough.
    assert train(city_id=town.city.pk, min_reports=150) is not None


def test_silent_with_one_category(town: Any, categories: dict[str, Category]) -> None:
    rng = random.Random(1)
    add_reports(town, categories, [(report_text("lighting", rng), "lighting") for _ in range(250)])
    add_reports(town, categories, [(report_text("waste", rng), "waste") for _ in range(9)])
    assert train(city_id=town.city.pk) is None  # waste has fewer than min_per_category reports
    model = train(city_id=town.city.pk, min_per_category=5)
    assert model is not None and model.slugs == ("lighting", "waste")


def test_rejected_duplicate_unconfirmed_and_uncategorised_reports_are_not_learnt(
    trained_town: Any, categories: dict[str, Category]
) -> None:
    town = trained_town
    rng = random.Random(2)
    add_reports(
        town, categories, [(report_text("waste", rng), "lighting") for _ in range(20)], state="rejected"
    )
    add_reports(town, categories, [(report_text("waste", rng), "lighting")], state="unverified")
    original = Report.objects.filter(city=town.city, state=ReportState.SUBMITTED).earliest("id")
    [duplicate] = add_reports(town, categories, [(report_text("waste", rng), "lighting")])
    Report.objects.filter(pk=duplicate.pk).update(state=ReportState.DUPLICATE, duplicate_of=original)
    Report.objects.filter(pk=original.pk).update(category=None)
    keys, slugs = training_data(city_id=town.city.pk)
    assert len(keys) == len(slugs) == 359
    categories["stray-animals"].is_active = False
    categories["stray-animals"].save()
    _keys, slugs = training_data(city_id=town.city.pk)
    assert "stray-animals" not in slugs


# --- accuracy and normalisation ----------------------------------------------------------------------


def test_held_out_accuracy(trained_town: Any) -> None:
    result = evaluate(city_id=trained_town.city.pk, test_fraction=0.2, seed=1405)
    assert result is not None
    assert (result.reports, result.categories) == (360, 6)
    assert (result.train_reports, result.test_reports) == (288, 72)
    assert result.top1 >= 0.8
    assert result.top3 >= 0.95


def test_suggestions_are_ranked_probabilities(trained_town: Any) -> None:
    model = train(city_id=trained_town.city.pk)
    assert model is not None
    suggestions = model.suggest(LIGHTING_TEXT)
    assert len(suggestions) == 3 and suggestions[0].slug == "lighting"
    assert [s.probability for s in suggestions] == sorted((s.probability for s in suggestions), reverse=True)
    assert all(0 <= s.probability <= 1 for s in suggestions)
    assert sum(s.probability for s in model.suggest(LIGHTING_TEXT, top=6)) == pytest.approx(1, abs=1e-3)
    assert model.suggest("سگ های ولگرد به بچه ها حمله کردند", top=1)[0].slug == "stray-animals"
    assert model.suggest("نخاله ساختمانی وسط کوچه", top=1)[0].slug == "waste"
    assert model.suggest("") == []


def test_long_texts_and_tiny_training_sets() -> None:
    model = classifier.fit(city_id=1, keys=["الف", "ب"], slugs=["a", "b"])  # no n-gram twice
    assert model.features == 0 and model.suggest("الف") == []
    keys = [search_key(text) for text, _slug in synthetic_reports(20)]
    model = classifier.fit(city_id=1, keys=keys, slugs=[slug for _text, slug in synthetic_reports(20)])
    long_text = LIGHTING_TEXT + " " + "و باز هم همین‌طور" * 400  # the opening decides
    assert model.suggest(long_text, top=1)[0].slug == "lighting"


def test_arabic_letters_and_digits_get_the_same_suggestion(trained_town: Any) -> None:
    model = train(city_id=trained_town.city.pk)
    assert model is not None
    store_model(model)
    persian = suggest_category(city_id=trained_town.city.pk, text=LIGHTING_TEXT)
    arabic = suggest_category(city_id=trained_town.city.pk, text=LIGHTING_TEXT_ARABIC)
    assert persian and persian[0].slug == "lighting"
    assert arabic == persian
    # Half-space, joined or spaced: one spelling.
    assert model.suggest("چراغ‌های خیابان خاموش") == model.suggest("چراغهای خیابان خاموش")


def test_gibberish_and_low_confidence_are_silent(trained_town: Any, settings: Any) -> None:
    store_model(train(city_id=trained_town.city.pk))
    city_id = trained_town.city.pk
    assert suggest_category(city_id=city_id, text="qwxz zzkq vvbn") == []  # nothing it knows
    assert suggest_category(city_id=city_id, text="؟!... ") == []
    assert suggest_category(city_id=city_id, text="ژژژژ ظظظ غغغغغ") == []  # letters, no meaning
    assert suggest_category(city_id=city_id, text="با سلام، لطفاً رسیدگی کنید. تشکر") == []  # no subject
    assert suggest_category(city_id=city_id, text=LIGHTING_TEXT)
    settings.CATEGORY_SUGGESTION_MIN_CONFIDENCE = 1.01
    assert suggest_category(city_id=city_id, text=LIGHTING_TEXT) == []


# --- storage ---------------------------------------------------------------------------------------


def test_the_cache_round_trip_gives_the_same_suggestions(trained_town: Any) -> None:
    model = train(city_id=trained_town.city.pk)
    assert model is not None
    store_model(model)
    loaded = ModelHolder().get(trained_town.city.pk)  # as another process would
    assert loaded is not None and loaded is not model
    assert loaded.stamp == model.stamp and loaded.slugs == model.slugs
    for text, _slug in synthetic_reports(5, seed=99):
        assert loaded.suggest(text) == model.suggest(text)
    assert CategoryModel.from_bytes(model.to_bytes()).suggest(LIGHTING_TEXT) == model.suggest(LIGHTING_TEXT)


def test_unreadable_cache_entries_are_ignored(trained_town: Any) -> None:
    city_id = trained_town.city.pk
    with pytest.raises(ValueError, match="not a category model"):
        CategoryModel.from_bytes(b"not a model")
    cache.set(classifier._stamp_key(city_id), "x", timeout=None)
    cache.set(classifier._model_key(city_id), b"\x93NUMPY garbage", timeout=None)
    assert ModelHolder().get(city_id) is None
    assert suggest_category(city_id=city_id, text=LIGHTING_TEXT) == []


def test_a_cache_that_is_down_makes_suggestions_silent_not_errors(
    trained_town: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Down:
        def get(self, key: str) -> None:
            raise ConnectionError("redis is down")

    monkeypatch.setattr(classifier, "model_cache", Down)
    assert suggest_category(city_id=trained_town.city.pk, text=LIGHTING_TEXT) == []


def test_suggesting_never_queries_the_database(trained_town: Any, django_assert_num_queries: Any) -> None:
    store_model(train(city_id=trained_town.city.pk))
    forget_models()
    with django_assert_num_queries(0):
        first = suggest_category(city_id=trained_town.city.pk, text=LIGHTING_TEXT)  # reads the cache
        again = suggest_category(city_id=trained_town.city.pk, text=LIGHTING_TEXT)  # this process's copy
        none = suggest_category(city_id=trained_town.city.pk + 1000, text=LIGHTING_TEXT)
    assert first == again and first[0].slug == "lighting"
    assert none == []


def test_a_new_model_or_a_lost_one_is_noticed(trained_town: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    city_id = trained_town.city.pk
    store_model(train(city_id=city_id))
    assert suggest_category(city_id=city_id, text=LIGHTING_TEXT)
    cache.clear()  # Redis flushed: this process still has its copy until the next check
    assert suggest_category(city_id=city_id, text=LIGHTING_TEXT)
    monkeypatch.setattr(classifier, "CHECK_SECONDS", 0.0)
    assert suggest_category(city_id=city_id, text=LIGHTING_TEXT) == []  # silent until retrained
    results = retrain_all()
    assert results["town"]["trained"] is True
    assert results["town"]["reports"] == 360 and results["town"]["categories"] == 6
    assert results["town"]["top1"] >= 0.8
    suggestions = suggest_category(city_id=city_id, text=LIGHTING_TEXT)
    assert suggestions and isinstance(suggestions[0], Suggestion)


def test_the_daily_task_retrains_every_city(trained_town: Any, settings: Any) -> None:
    from mahalat.reports.tasks import retrain_classifier

    entry = settings.CELERY_BEAT_SCHEDULE["retrain-category-classifier"]
    assert entry == {"task": "reports.retrain_classifier", "schedule": 86400.0}
    results = retrain_classifier.apply().get()
    assert results["town"]["trained"] is True
    assert suggest_category(city_id=trained_town.city.pk, text=LIGHTING_TEXT)[0].slug == "lighting"


# --- the command -------------------------------------------------------------------------------------


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.usefixtures("english")
def test_the_command_prints_held_out_accuracy(trained_town: Any) -> None:
    out = StringIO()
    call_command("category_classifier", "--city", "town", stdout=out)
    text = out.getvalue()
    assert "Reports: 360 in 6 categories (288 to train, 72 held out)." in text
    assert "Accuracy on the held-out reports: top-1 " in text and "top-3 " in text
    assert "Training took " in text
    assert suggest_category(city_id=trained_town.city.pk, text=LIGHTING_TEXT) == []  # nothing saved

    out = StringIO()
    call_command("category_classifier", "--city", "town", "--save", "--test-fraction", "0.3", stdout=out)
    assert "(252 to train, 108 held out)" in out.getvalue() and "published" in out.getvalue()
    assert suggest_category(city_id=trained_town.city.pk, text=LIGHTING_TEXT)[0].slug == "lighting"


@pytest.mark.usefixtures("english")
def test_the_command_says_when_data_is_too_little(town: Any) -> None:
    out = StringIO()
    call_command("category_classifier", stdout=out)
    assert "Too little data: 0 usable reports in 0 categories" in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("category_classifier", "--city", "nowhere", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("category_classifier", "--test-fraction", "1", stdout=StringIO())


def test_the_report_form_offers_the_suggestion(trained_town: Any) -> None:
    from django.test import Client

    from mahalat.reports.classifier import retrain

    assert retrain(city=trained_town.city).trained
    client = Client()
    url = "/reports/suggest/"
    html = client.get(url, {"city": trained_town.city.slug, "description": LIGHTING_TEXT}).content.decode()
    assert 'data-suggested-category="lighting"' in html
    too_short = client.get(url, {"city": trained_town.city.slug, "description": "سلام"})
    assert too_short.content.strip() == b""
