"""A suggested category from a report's text, learnt from the city's own past reports.

Features
    Character n-grams of 2, 3 and 4 letters inside each word padded with a space on either side
    (« چراغ » gives « چ», «چر», … «اغ », « چرا», …) of :func:`search_key` of the text, so Arabic
    ي/ك, digits of every script, half-spaces and diacritics are already folded; the first
    KEY_CHARS characters only. Each n-gram is hashed (32-bit FNV-1a over code points and murmur3's
    finaliser: stable across processes, unlike Python's ``hash``) into 2**20 buckets; the
    vocabulary is the buckets seen in at least two training reports, at most the 65,536 commonest.
    A report's vector is sublinear tf (1 + log count) × idf, L2-normalised over all its n-grams,
    known or not, so that a text the model barely knows gets a weak vector. Everything is
    vectorised in numpy, a chunk of reports at a time: no Python per n-gram, bounded memory.

Model
    Complement Naive Bayes (Rennie et al. 2003: smoothing 0.3, weight normalisation) on vectors
    whose features are scaled by how unevenly they spread over the categories (√(1 − normalised
    entropy)), so greetings, street names and «لطفاً رسیدگی کنید» weigh nothing; then a softmax
    temperature fitted by three-fold cross-validation, so that probabilities mean what they say
    (plain Naive Bayes is over-confident, which would defeat the confidence threshold). Scale and
    temperature are folded into the weights.

    Chosen on synthetic reports of six categories, 30 % of them cut to 2–5 words and 12 %
    misfiled at random (top-1 accuracy on held-out 20 %, averaged over 4–6 splits; "skew": category
    shares of 40/25/15/10/6/4 %, as real cities have):

    ==============================================  =====  ========  =====  ==========
    reports                                         360    360 skew  1,500  1,500 skew
    ==============================================  =====  ========  =====  ==========
    this model                                      0.76   0.77      0.78   0.80
    multinomial Naive Bayes, same features          0.77   0.76      0.78   0.78
    softmax regression (L2, minibatch Adagrad) [*]  0.72   0.72      0.80   0.79
    ==============================================  =====  ========  =====  ==========

    [*] on plain tf-idf vectors. The noise caps these near 0.85; without it every model scores
    0.96–1.00. Naive Bayes needs no tuning, is best with little data (exactly where a city starts)
    and trains in one pass, against ten times as long for the regression. Without the entropy
    scale, a bare greeting got the category with the shortest reports at p ≈ 0.5; with it,
    p ≈ 0.2 (uniform: 0.17), and the accuracy is unchanged. On the demo city's texts
    (`mahalat.demo.report_texts`, 16 categories, Zipf-skewed, 30 % cut to 3–8 words): top-1 0.91,
    top-3 0.93–0.95 from 300 to 20,000 reports (0.98–1.00 uncut). One CPU: about 1 s to train on
    21,000 reports of ~95 characters, 2 s on 20,000 of ~165, 8–9 s on 100,000 of ~165 (peak
    ~0.5 GB); a suggestion takes about 1 ms.

Storage
    The model is a few numpy arrays (vocabulary buckets, idf, feature × category weights in
    float16) plus JSON metadata, written with ``np.savez_compressed`` and read back with
    ``allow_pickle=False``: 20–120 kB for the test and demo data, at most 2 bytes × 65,536 ×
    categories before compression. It lives in the Django cache (CATEGORY_MODEL_CACHE if that alias
    is set, else the default: Redis in production) under a versioned key per city, beside a small
    "stamp" key naming it. Every process keeps the models it used and re-reads only the stamp, at
    most every CHECK_SECONDS; a new stamp makes it fetch the new model. Suggesting never touches
    the database.

    The cache is the only copy: if it loses the model (a Redis flush or eviction), suggestions are
    silent until the next retrain (daily, ``reports.retrain_classifier``; or ``manage.py
    category_classifier --save``). With the embedded per-process cache (no REDIS_URL) a model is
    seen only by the process that trained it.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from mahalat.persian.text import search_key
from mahalat.reports.models import Report, ReportState
from mahalat.territory.models import City

logger = logging.getLogger(__name__)

FORMAT = 1  # bump when features or arrays change: old models then simply go unread
NGRAM_SIZES = (2, 3, 4)
HASH_BITS = 20
MIN_DF = 2
MAX_FEATURES = 1 << 16
ALPHA = 0.3  # complement Naive Bayes smoothing
FOLDS = 3  # cross-validation folds for the temperature
TEMPERATURE_REPORTS = 20_000  # at most, for those folds: plenty for one number
KEY_CHARS = 400  # of a report's search key: the opening says what it is about; bounds time and memory
MAX_TRAINING_REPORTS = 100_000  # the most recent ones; practice drifts, and training stays seconds
CHECK_SECONDS = 60.0  # how often a process re-reads a city's model stamp
# States whose category says nothing reliable: rejected, duplicates, never confirmed.
EXCLUDED_STATES = (ReportState.REJECTED, ReportState.DUPLICATE, ReportState.UNVERIFIED)

_SEP = "\x01"  # between reports in the joined text; never in a search key
_CHUNK = 5_000  # reports hashed at a time, and
_BLOCK = 4_000_000  # values multiplied at a time: memory stays bounded whatever the city's size
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = np.uint32(0x01000193)
_FMIX = (
    (np.uint32(16), np.uint32(0x85EBCA6B)),
    (np.uint32(13), np.uint32(0xC2B2AE35)),
    (np.uint32(16), None),
)


@dataclass(frozen=True, slots=True)
class Suggestion:
    slug: str
    probability: float


# --- features ---------------------------------------------------------------------------------------


def _ngram_counts(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (report index, bucket) pair of a few reports with its count, sorted by report then
    bucket. Only the first KEY_CHARS characters of a key count."""
    keys = [k[:KEY_CHARS] for k in keys]
    lengths = np.fromiter((len(k) + 3 if k else 1 for k in keys), dtype=np.int64, count=len(keys))
    text = "".join(f" {k} {_SEP}" if k else _SEP for k in keys)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    report_of = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
    separator, space = codes == ord(_SEP), codes == ord(" ")
    pairs = []
    for n in NGRAM_SIZES:
        m = len(codes) - n + 1
        if m <= 0:
            continue
        h = np.full(m, _FNV_OFFSET ^ n, dtype=np.uint32)  # 32-bit FNV-1a over code points
        ok = np.ones(m, dtype=bool)
        for k in range(n):
            h ^= codes[k : k + m]
            h *= _FNV_PRIME
            ok &= ~separator[k : k + m]
            if 0 < k < n - 1:  # a space only at either end: n-grams stay inside a padded word
                ok &= ~space[k : k + m]
        for shift, multiplier in _FMIX:  # murmur3's finaliser spreads the bits
            h ^= h >> shift
            if multiplier is not None:
                h *= multiplier
        buckets = (h >> np.uint32(32 - HASH_BITS)).astype(np.int64)
        pairs.append((report_of[:m][ok] << HASH_BITS) | buckets[ok])
    unique, counts = np.unique(np.concatenate(pairs) if pairs else np.zeros(0, np.int64), return_counts=True)
    return unique >> HASH_BITS, unique & ((1 << HASH_BITS) - 1), counts


def _chunks(keys: Sequence[str]) -> Iterator[Sequence[str]]:
    for first in range(0, len(keys), _CHUNK):
        yield keys[first : first + _CHUNK]


@dataclass(slots=True)
class _Matrix:
    """Sparse rows (CSR): report i has columns cols[indptr[i]:indptr[i + 1]] with values vals[…]."""

    indptr: np.ndarray
    cols: np.ndarray  # int32
    vals: np.ndarray  # float32

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def stack(cls, parts: Sequence[_Matrix]) -> _Matrix:
        indptr = [np.zeros(1, dtype=np.int64)]
        offset = 0
        for part in parts:
            indptr.append(part.indptr[1:] + offset)
            offset += len(part.cols)
        cols = [part.cols for part in parts] or [np.zeros(0, np.int32)]
        vals = [part.vals for part in parts] or [np.zeros(0, np.float32)]
        return cls(np.concatenate(indptr), np.concatenate(cols), np.concatenate(vals))

    def take(self, rows: np.ndarray) -> _Matrix:
        lengths = np.diff(self.indptr)[rows]
        starts = np.repeat(self.indptr[rows] - np.cumsum(lengths) + lengths, lengths)
        positions = starts + np.arange(lengths.sum())
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        return _Matrix(indptr, self.cols[positions], self.vals[positions])

    def blocks(self, values: int) -> Iterator[tuple[int, int]]:
        """(first row, end row) spans of about ``values`` stored values each."""
        first = 0
        while first < self.rows:
            end = int(np.searchsorted(self.indptr, self.indptr[first] + values, side="right")) - 1
            end = min(max(end, first + 1), self.rows)
            yield first, end
            first = end

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """This matrix times dense feature × class weights, a block of rows at a time."""
        weights = np.asarray(weights, dtype=np.float32)
        out = np.zeros((self.rows, weights.shape[1]), dtype=np.float32)
        for first, end in self.blocks(_BLOCK // max(1, weights.shape[1])):
            lo, hi = self.indptr[first], self.indptr[end]
            rows = np.arange(first, end)
            nonempty = rows[self.indptr[rows + 1] > self.indptr[rows]]
            if len(nonempty):
                contributions = weights[self.cols[lo:hi]]
                contributions *= self.vals[lo:hi, None]
                out[nonempty] = np.add.reduceat(contributions, self.indptr[nonempty] - lo, axis=0)
        return out


class _Vocabulary:
    """The hashed n-grams the model knows (sorted buckets) and their idf."""

    def __init__(self, buckets: np.ndarray, idf: np.ndarray, *, reports: int) -> None:
        self.buckets = buckets.astype(np.int32, copy=False)
        self.idf = idf.astype(np.float32, copy=False)
        # An n-gram no training report had weighs as much as the rarest known one.
        self.unseen_idf = np.float32(np.log(1 + reports) + 1)
        self._table: np.ndarray | None = None

    @classmethod
    def learn(cls, keys: Sequence[str]) -> _Vocabulary:
        """Buckets in at least MIN_DF reports, at most the MAX_FEATURES commonest."""
        df = np.zeros(1 << HASH_BITS, dtype=np.int64)
        for chunk in _chunks(keys):
            df += np.bincount(_ngram_counts(chunk)[1], minlength=1 << HASH_BITS)
        keep = np.flatnonzero(df >= MIN_DF)
        if len(keep) > MAX_FEATURES:
            keep = np.sort(keep[np.argsort(-df[keep], kind="stable")[:MAX_FEATURES]])
        idf = np.log((1 + len(keys)) / (1 + df[keep])) + 1
        vocabulary = cls(keep, idf, reports=len(keys))
        vocabulary._table = np.full(1 << HASH_BITS, -1, dtype=np.int32)  # fast look-ups for training
        vocabulary._table[keep] = np.arange(len(keep), dtype=np.int32)
        return vocabulary

    def __len__(self) -> int:
        return len(self.buckets)

    def columns(self, buckets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each bucket's column (0 when unknown) and whether it is known."""
        if self._table is not None:
            cols = self._table[buckets]
            known = cols >= 0
            return np.where(known, cols, 0).astype(np.int32), known
        if not len(self.buckets):
            return np.zeros(len(buckets), dtype=np.int32), np.zeros(len(buckets), dtype=bool)
        cols = np.minimum(np.searchsorted(self.buckets, buckets), len(self.buckets) - 1)
        return cols.astype(np.int32), self.buckets[cols] == buckets

    def vectors(self, keys: Sequence[str]) -> _Matrix:
        """Sublinear tf × idf, L2-normalised over all of a report's n-grams, known or not, and then
        only the known ones kept: a text of which the model knows one n-gram in twenty gets a weak
        vector, not that n-gram at full strength."""
        return _Matrix.stack([self._chunk_vectors(chunk) for chunk in _chunks(keys)])

    def _chunk_vectors(self, keys: Sequence[str]) -> _Matrix:
        report, buckets, counts = _ngram_counts(keys)
        cols, known = self.columns(buckets)
        vals = (1 + np.log(counts)).astype(np.float32)
        vals *= np.where(known, self.idf[cols] if len(self.idf) else 0, self.unseen_idf)
        norms = np.sqrt(np.bincount(report, weights=vals * vals, minlength=len(keys))).astype(np.float32)
        report, cols, vals = report[known], cols[known], vals[known]
        vals /= norms[report]
        indptr = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(np.bincount(report, minlength=len(keys)), out=indptr[1:])
        return _Matrix(indptr, cols, vals)


# --- the model --------------------------------------------------------------------------------------


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    return scores / scores.sum(axis=1, keepdims=True)


def _class_mass(x: _Matrix, labels: np.ndarray, classes: int, features: int) -> np.ndarray:
    """Feature × class: the sum of the feature's values over the class's reports."""
    mass = np.zeros(features * classes, dtype=np.float64)
    for first, end in x.blocks(_BLOCK):
        lo, hi = x.indptr[first], x.indptr[end]
        cell = x.cols[lo:hi].astype(np.int64) * classes
        cell += np.repeat(labels[first:end], np.diff(x.indptr[first : end + 1]))
        mass += np.bincount(cell, weights=x.vals[lo:hi], minlength=features * classes)
    return mass.reshape(features, classes)


def _complement_nb(x: _Matrix, labels: np.ndarray, classes: int, features: int) -> np.ndarray:
    """Feature × class weights; a report's class scores are its vector times these."""
    if features == 0:
        return np.zeros((0, classes))
    mass = _class_mass(x, labels, classes, features)
    complement = mass.sum(axis=1, keepdims=True) - mass + ALPHA
    log_p = np.log(complement / complement.sum(axis=0, keepdims=True))
    # Rennie's weight normalisation (by the mean rather than the sum: the same up to a scale, which
    # the temperature takes), so that no category gains from simply having more text; it helps the
    # rare categories.
    weights = log_p / log_p.mean(axis=0, keepdims=True)
    # Centred per feature: the same constant for every class of a report, so nothing changes but
    # the weights become small numbers that float16 keeps well.
    return weights - weights.mean(axis=1, keepdims=True)


def _discrimination(x: _Matrix, labels: np.ndarray, classes: int, features: int) -> np.ndarray:
    """Per feature, 0 for an n-gram spread evenly over the categories (greetings, street names,
    «لطفاً رسیدگی کنید») up to 1 for one seen in one category only: the square root of one minus
    the normalised entropy of its distribution over categories (each category's share taken
    relative to the category's size). Naive Bayes alone lets such n-grams lean to whichever
    category has the shortest reports, so that a bare greeting would get a confident suggestion."""
    mass = _class_mass(x, labels, classes, features) + 0.01
    share = mass / mass.sum(axis=0, keepdims=True)
    q = share / share.sum(axis=1, keepdims=True)
    entropy = -(q * np.log(q)).sum(axis=1) / np.log(classes)
    return np.sqrt(np.clip(1 - entropy, 0, 1))


def _temperature(x: _Matrix, labels: np.ndarray, classes: int, features: int, seed: int) -> float:
    """The softmax temperature with the least log-loss on cross-validated scores (of at most
    TEMPERATURE_REPORTS reports)."""
    rng = np.random.default_rng(seed)
    if x.rows > TEMPERATURE_REPORTS:
        sample = np.sort(rng.choice(x.rows, TEMPERATURE_REPORTS, replace=False))
        x, labels = x.take(sample), labels[sample]
    fold = np.arange(x.rows) % FOLDS
    rng.shuffle(fold)
    scores, truth = [], []
    for f in range(FOLDS):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        weights = _complement_nb(x.take(train), labels[train], classes, features)
        scores.append(x.take(test).dot(weights))
        truth.append(labels[test])
    s, y = np.concatenate(scores), np.concatenate(truth)

    def loss(t: float) -> float:
        return float(-np.log(_softmax(s / t)[np.arange(len(y)), y] + 1e-12).mean())

    # A coarse grid over 0.001 … 100, then a fine one around the best.
    coarse = np.linspace(np.log(0.001), np.log(100.0), 41)
    best = coarse[int(np.argmin([loss(np.exp(c)) for c in coarse]))]
    step = coarse[1] - coarse[0]
    fine = np.linspace(best - step, best + step, 21)
    return float(np.exp(fine[int(np.argmin([loss(np.exp(f)) for f in fine]))]))


class CategoryModel:
    """A city's trained classifier. Immutable once built; safe to share between threads."""

    def __init__(
        self,
        *,
        city_id: int,
        slugs: Sequence[str],
        vocabulary: np.ndarray,
        idf: np.ndarray,
        weights: np.ndarray,
        reports: int,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if weights.shape != (len(vocabulary), len(slugs)) or idf.shape != (len(vocabulary),):
            raise ValueError("inconsistent category model arrays")
        self.city_id = city_id
        self.slugs = tuple(slugs)
        self.reports = reports  # how many it learnt from
        self._vocabulary = _Vocabulary(vocabulary, idf, reports=reports)
        self.weights = weights.astype(np.float16, copy=False)
        self.meta = dict(meta or {})
        self.meta.setdefault("stamp", secrets.token_hex(8))

    @property
    def stamp(self) -> str:
        return self.meta["stamp"]

    @property
    def features(self) -> int:
        return len(self._vocabulary)

    def probabilities(self, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """For search keys: (reports × categories probabilities, whether any n-gram was known)."""
        x = self._vocabulary.vectors(keys)
        return _softmax(x.dot(self.weights)), np.diff(x.indptr) > 0

    def suggest(self, text: str, *, top: int = 3) -> list[Suggestion]:
        """The likeliest categories, best first; [] for a text with nothing the model knows."""
        # Only the opening counts (KEY_CHARS), so a 4,000-character text costs no more than a short one.
        key = search_key((text or "")[: 2 * KEY_CHARS])
        if not key or top < 1:
            return []
        probabilities, known = self.probabilities([key])
        if not known[0]:
            return []
        row = probabilities[0]
        best = np.argsort(-row, kind="stable")[:top]
        return [Suggestion(self.slugs[i], round(float(row[i]), 4)) for i in best]

    # Serialisation: numpy arrays without pickle, metadata as JSON.

    def to_bytes(self) -> bytes:
        meta = {
            **self.meta,
            "format": FORMAT,
            "city_id": self.city_id,
            "slugs": list(self.slugs),
            "reports": self.reports,
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            vocabulary=self._vocabulary.buckets,
            idf=self._vocabulary.idf,
            weights=self.weights,
            meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> CategoryModel:
        """Raises ValueError for anything that is not a model of this format."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                meta = json.loads(arrays["meta"].tobytes().decode())
                if meta.get("format") != FORMAT:
                    raise ValueError("category model of another format")
                return cls(
                    city_id=int(meta["city_id"]),
                    slugs=[str(s) for s in meta["slugs"]],
                    vocabulary=arrays["vocabulary"],
                    idf=arrays["idf"],
                    weights=arrays["weights"],
                    reports=int(meta["reports"]),
                    meta=meta,
                )
        except (OSError, KeyError, TypeError, ValueError) as exc:  # JSON and Unicode errors are ValueErrors
            raise ValueError(f"not a category model: {exc}") from exc


def fit(*, city_id: int, keys: Sequence[str], slugs: Sequence[str], seed: int = 1405) -> CategoryModel:
    """Train on search keys and their category slugs (at least two distinct)."""
    classes = sorted(set(slugs))
    if len(classes) < 2:
        raise ValueError("need at least two categories")
    index = {slug: i for i, slug in enumerate(classes)}
    labels = np.fromiter((index[s] for s in slugs), dtype=np.int64, count=len(slugs))
    vocabulary = _Vocabulary.learn(keys)
    x = vocabulary.vectors(keys)
    # Learnt on vectors scaled by each feature's discrimination; the scale is then folded into the
    # weights, so suggesting applies it to plain vectors.
    discrimination = _discrimination(x, labels, len(classes), len(vocabulary))
    x.vals *= discrimination.astype(np.float32)[x.cols]
    weights = _complement_nb(x, labels, len(classes), len(vocabulary))
    temperature = _temperature(x, labels, len(classes), len(vocabulary), seed)
    return CategoryModel(
        city_id=city_id,
        slugs=classes,
        vocabulary=vocabulary.buckets,
        idf=vocabulary.idf,
        weights=weights * discrimination[:, None] / temperature,
        reports=len(keys),
        meta={
            "temperature": temperature,
            "trained_at": timezone.now().isoformat(),
        },
    )


# --- training data ----------------------------------------------------------------------------------


def training_data(*, city_id: int, min_per_category: int = 10) -> tuple[list[str], list[str]]:
    """Search keys and category slugs of the city's most recent categorised reports, without
    rejected, duplicate or unconfirmed reports, empty texts and categories with fewer than
    ``min_per_category`` reports; active categories only."""
    rows = (
        Report.objects.filter(city_id=city_id, category__isnull=False, category__is_active=True)
        .exclude(state__in=EXCLUDED_STATES)
        .order_by("-submitted_at", "-id")
        .values_list("search_key", "description", "category__slug")[:MAX_TRAINING_REPORTS]
    )
    keys, slugs = [], []
    for key, description, slug in rows.iterator(chunk_size=5000):
        key = key or search_key(description)
        if key:
            keys.append(key)
            slugs.append(slug)
    counts = Counter(slugs)
    kept = [(k, s) for k, s in zip(keys, slugs, strict=True) if counts[s] >= min_per_category]
    return [k for k, _ in kept], [s for _, s in kept]


def _enough(slugs: Sequence[str], min_reports: int) -> bool:
    return len(slugs) >= min_reports and len(set(slugs)) >= 2


def train(*, city_id: int, min_reports: int = 200, min_per_category: int = 10) -> CategoryModel | None:
    """The city's model, or None ("silent") with fewer than ``min_reports`` usable reports or
    fewer than two categories of at least ``min_per_category`` reports each."""
    keys, slugs = training_data(city_id=city_id, min_per_category=min_per_category)
    if not _enough(slugs, min_reports):
        return None
    return fit(city_id=city_id, keys=keys, slugs=slugs)


# --- evaluation -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evaluation:
    reports: int
    categories: int
    train_reports: int
    test_reports: int
    top1: float
    top3: float
    train_seconds: float


def stratified_split(
    slugs: Sequence[str], *, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) indices with about ``test_fraction`` of every category held out."""
    rng = np.random.default_rng(seed)
    by_slug: dict[str, list[int]] = {}
    for i, slug in enumerate(slugs):
        by_slug.setdefault(slug, []).append(i)
    train, test = [], []
    for slug in sorted(by_slug):
        members = rng.permutation(by_slug[slug])
        held = min(len(members) - 1, max(1, round(len(members) * test_fraction)))
        test.extend(members[:held])
        train.extend(members[held:])
    return np.sort(np.array(train, dtype=np.int64)), np.sort(np.array(test, dtype=np.int64))


def evaluate_split(
    *, city_id: int, keys: Sequence[str], slugs: Sequence[str], test_fraction: float = 0.2, seed: int = 1405
) -> Evaluation:
    """Train on part of the reports and measure top-1 and top-3 accuracy on the rest."""
    train_ix, test_ix = stratified_split(slugs, test_fraction=test_fraction, seed=seed)
    started = time.perf_counter()
    model = fit(
        city_id=city_id, keys=[keys[i] for i in train_ix], slugs=[slugs[i] for i in train_ix], seed=seed
    )
    seconds = time.perf_counter() - started
    probabilities, _known = model.probabilities([keys[i] for i in test_ix])
    index = {slug: i for i, slug in enumerate(model.slugs)}
    # A category absent from the training part (cannot happen with the split above) counts as a miss.
    truth = np.array([index.get(slugs[i], -1) for i in test_ix])
    ranked = np.argsort(-probabilities, axis=1, kind="stable")
    return Evaluation(
        reports=len(slugs),
        categories=len(set(slugs)),
        train_reports=len(train_ix),
        test_reports=len(test_ix),
        top1=float((ranked[:, 0] == truth).mean()) if len(truth) else 0.0,
        top3=float((ranked[:, :3] == truth[:, None]).any(axis=1).mean()) if len(truth) else 0.0,
        train_seconds=seconds,
    )


def evaluate(
    *,
    city_id: int,
    test_fraction: float = 0.2,
    seed: int = 1405,
    min_reports: int = 200,
    min_per_category: int = 10,
) -> Evaluation | None:
    """Accuracy on a held-out split of the city's reports; None when training would be silent."""
    keys, slugs = training_data(city_id=city_id, min_per_category=min_per_category)
    if not _enough(slugs, min_reports):
        return None
    return evaluate_split(city_id=city_id, keys=keys, slugs=slugs, test_fraction=test_fraction, seed=seed)


# --- storage: the cache, and a copy in every process --------------------------------------------------


def model_cache() -> Any:
    """The cache holding the models: CATEGORY_MODEL_CACHE if that alias is set, else the default."""
    return caches[getattr(settings, "CATEGORY_MODEL_CACHE", "default")]


def _model_key(city_id: int) -> str:
    return f"reports:category-model:v{FORMAT}:{city_id}"


def _stamp_key(city_id: int) -> str:
    return f"reports:category-model:v{FORMAT}:{city_id}:stamp"


def store_model(model: CategoryModel) -> None:
    """Publish a city's model to every process (each picks it up within CHECK_SECONDS)."""
    cache = model_cache()
    cache.set(_model_key(model.city_id), model.to_bytes(), timeout=None)
    cache.set(_stamp_key(model.city_id), model.stamp, timeout=None)  # last: readers follow the stamp
    _holder.put(model)  # this process knows it at once


def delete_model(city_id: int) -> None:
    model_cache().delete_many([_stamp_key(city_id), _model_key(city_id)])
    _holder.drop(city_id)


@dataclass(slots=True)
class _Held:
    model: CategoryModel | None
    stamp: str | None
    checked_at: float


class ModelHolder:
    """The models this process has read from the cache, by city; re-checks each stamp at most every
    CHECK_SECONDS and fetches the model again only when the stamp changed. Never reads the database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[int, _Held] = {}

    def get(self, city_id: int) -> CategoryModel | None:
        held = self._held.get(city_id)
        if held is not None and time.monotonic() - held.checked_at < CHECK_SECONDS:
            return held.model
        with self._lock:
            try:
                stamp = model_cache().get(_stamp_key(city_id))
                if stamp is None:
                    model = None
                elif held is not None and held.stamp == stamp:
                    model = held.model
                else:
                    model = self._fetch(city_id)
            except Exception:  # the cache is down: a suggestion is not worth failing a request for
                logger.warning("category model of city %s unreachable", city_id, exc_info=True)
                stamp, model = (held.stamp, held.model) if held is not None else (None, None)
            self._held[city_id] = _Held(model, stamp, time.monotonic())
            return model

    @staticmethod
    def _fetch(city_id: int) -> CategoryModel | None:
        data = model_cache().get(_model_key(city_id))
        if data is None:
            return None
        try:
            model = CategoryModel.from_bytes(data)
        except ValueError:
            logger.exception("unreadable category model for city %s", city_id)
            return None
        return model if model.city_id == city_id else None

    def put(self, model: CategoryModel) -> None:
        with self._lock:
            self._held[model.city_id] = _Held(model, model.stamp, time.monotonic())

    def drop(self, city_id: int) -> None:
        with self._lock:
            self._held.pop(city_id, None)

    def clear(self) -> None:
        with self._lock:
            self._held.clear()


_holder = ModelHolder()


def forget_models() -> None:
    """Drop this process's copies (tests; the next suggestion reads the cache again)."""
    _holder.clear()


def suggest_category(*, city_id: int, text: str) -> list[Suggestion]:
    """Up to three likely categories for a report's text, best first; [] when the city has no model
    (too little data, or the cache lost it) or the best is below CATEGORY_SUGGESTION_MIN_CONFIDENCE."""
    model = _holder.get(city_id)
    if model is None:
        return []
    suggestions = model.suggest(text)
    if not suggestions or suggestions[0].probability < settings.CATEGORY_SUGGESTION_MIN_CONFIDENCE:
        return []
    return suggestions


# --- the periodic job -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Retrained:
    trained: bool
    reports: int
    categories: int
    top1: float | None = None
    top3: float | None = None
    seconds: float = 0.0


def retrain(*, city: City, min_reports: int = 200, min_per_category: int = 10) -> Retrained:
    """Measure on a held-out split, then train on everything and publish; or withdraw the city's
    model when there is too little data."""
    started = time.perf_counter()
    keys, slugs = training_data(city_id=city.pk, min_per_category=min_per_category)
    if not _enough(slugs, min_reports):
        delete_model(city.pk)
        return Retrained(False, len(slugs), len(set(slugs)), seconds=time.perf_counter() - started)
    measured = evaluate_split(city_id=city.pk, keys=keys, slugs=slugs)
    model = fit(city_id=city.pk, keys=keys, slugs=slugs)
    model.meta.update(top1=round(measured.top1, 4), top3=round(measured.top3, 4))
    store_model(model)
    return Retrained(
        True,
        len(slugs),
        len(set(slugs)),
        top1=round(measured.top1, 4),
        top3=round(measured.top3, 4),
        seconds=round(time.perf_counter() - started, 3),
    )


def retrain_all() -> dict[str, dict[str, Any]]:
    """Retrain every city's model; by city slug, whether it was trained (or is silent) and its
    held-out accuracy. One city failing does not stop the others."""
    results: dict[str, dict[str, Any]] = {}
    for city in City.objects.order_by("slug"):
        try:
            results[city.slug] = asdict(retrain(city=city))
        except Exception:
            logger.exception("retraining the category classifier of %s failed", city.slug)
            results[city.slug] = {"trained": False, "error": True}
    return results
