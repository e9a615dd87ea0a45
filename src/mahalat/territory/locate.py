"""Which neighborhood contains a point: an STRtree over every neighborhood boundary, built once per process.

Each process keeps its index and re-reads a cheap version stamp (the sum of the cities' boundary
versions) at most every LOCATE_INDEX_CHECK_SECONDS; a boundary import bumps the stamp, so every
process rebuilds on its next look-up.

A point exactly on a border shared by two neighborhoods belongs to the one with the lowest id, so the
answer never depends on the order the tree happens to return.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape
from shapely.strtree import STRtree

from mahalat.territory.models import City, Neighborhood


@dataclass(frozen=True, slots=True)
class UnitRef:
    id: int
    slug: str
    name: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Located:
    """The answer, with the names of every level, so that answering needs no query."""

    neighborhood: UnitRef
    area: UnitRef
    district: UnitRef
    city: UnitRef

    @property
    def neighborhood_id(self) -> int:
        return self.neighborhood.id


class NeighborhoodIndex:
    def __init__(self, entries: list[tuple[Located, shapely.Geometry]], stamp: int) -> None:
        self.stamp = stamp
        # Sorted by id so that, among several hits, the first is the lowest id.
        entries.sort(key=lambda e: e[0].neighborhood_id)
        self._located = [e[0] for e in entries]
        geometries = [e[1] for e in entries]
        shapely.prepare(geometries)  # prepared geometries make the exact point-in-polygon test fast
        self._tree = STRtree(geometries) if geometries else None

    def __len__(self) -> int:
        return len(self._located)

    def locate(self, lat: float, lng: float) -> Located | None:
        if self._tree is None:
            return None
        # One call into GEOS: bounding-box candidates, then the exact test, which counts the border
        # as inside; the lowest index is the lowest id.
        hits = self._tree.query(shapely.Point(lng, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return self._located[hits.min()]


def _current_stamp() -> int:
    return int(City.objects.aggregate(total=Sum("boundaries_version"))["total"] or 0) + City.objects.count()


def build_index() -> NeighborhoodIndex:
    stamp = _current_stamp()
    levels = ("", "area__", "district__", "city__")
    columns = [f"{level}{field}" for level in levels for field in ("id", "slug", "name", "name_en")]
    rows = Neighborhood.objects.exclude(boundary=None).values_list(*columns, "boundary")
    entries = []
    for row in rows:
        refs = [UnitRef(*row[i : i + 4]) for i in range(0, 16, 4)]
        entries.append((Located(*refs), shape(row[16])))
    return NeighborhoodIndex(entries, stamp)


class _IndexHolder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: NeighborhoodIndex | None = None
        self._checked_at = 0.0

    def get(self) -> NeighborhoodIndex:
        now = time.monotonic()
        index = self._index
        if index is not None and now - self._checked_at < settings.LOCATE_INDEX_CHECK_SECONDS:
            return index
        with self._lock:
            if self._index is None or _current_stamp() != self._index.stamp:
                self._index = build_index()
            self._checked_at = time.monotonic()
            return self._index

    def invalidate(self) -> None:
        with self._lock:
            self._index = None


_holder = _IndexHolder()


def get_index() -> NeighborhoodIndex:
    return _holder.get()


def invalidate_index() -> None:
    """Forget this process's index now (other processes notice the bumped stamp)."""
    _holder.invalidate()


def validate_coordinates(*, lat: object, lng: object) -> tuple[float, float]:
    """Both numbers, in range, else a translated ValidationError naming the field."""
    errors: dict[str, list[str]] = {}
    values: dict[str, float] = {}
    for name, raw, limit in (("lat", lat, 90.0), ("lng", lng, 180.0)):
        try:
            value = float(str(raw).strip())
        except (TypeError, ValueError):
            errors[name] = [str(_("Enter a number in decimal degrees."))]
            continue
        if not math.isfinite(value) or not -limit <= value <= limit:
            errors[name] = [
                str(_("Must be between -%(limit)s and %(limit)s degrees.") % {"limit": int(limit)})
            ]
            continue
        values[name] = value
    if errors:
        raise ValidationError(errors)
    return values["lat"], values["lng"]


def locate(lat: float, lng: float) -> Located | None:
    """The neighborhood containing the point, or None when it is outside every neighborhood."""
    return get_index().locate(lat, lng)
