"""Importing a city's districts, areas and neighborhoods from one GeoJSON FeatureCollection.

The file format
---------------
One city per file: a GeoJSON (RFC 7946) ``FeatureCollection`` whose ``features`` are ``Feature``
objects, in any order. Each feature has:

``geometry``
    A ``Polygon`` or ``MultiPolygon`` in WGS84 longitude/latitude (``[lng, lat]`` positions). Every
    ring has at least four positions and is closed (last position = first); exterior rings run
    counter-clockwise and holes clockwise (RFC 7946 §3.1.6). The geometry must be valid (no
    self-intersection, no overlapping rings).

``properties``
    ``level``
        ``"district"`` (منطقه), ``"area"`` (ناحیه) or ``"neighborhood"`` (محله).
    ``slug``
        ASCII slug (letters, digits, ``-``, ``_``; at most 80 characters), unique in the file. An
        existing unit of the same city with that slug is updated in place; a slug used in another
        city is refused.
    ``name``, ``name_en``
        The Persian and the English name (both required; at most 120 characters).
    ``parent``
        The slug of the district (for an area) or of the area (for a neighborhood); absent for a
        district. The parent is either in the same file or already in the database for this city,
        so a file may add neighborhoods to existing areas.
    ``number``
        Whole number ≥ 1, required for districts (unique in the city) and areas (unique in the
        district); ignored for neighborhoods.
    ``population``
        Optional whole number ≥ 0 (``null`` clears it; absent leaves it as it is).
    ``historical_name``, ``history``, ``landmarks``, ``heritage``, ``notable_people``, ``crafts``,
    ``annual_events``
        Optional identity profile of a neighborhood (text; absent leaves it as it is).

Other members and properties are ignored.

Checks on the whole city (the units in the file together with those already stored): neighborhoods
may not overlap by more than ``overlap_tolerance`` of the smaller one's area, a neighborhood must lie
inside its area and an area inside its district (up to the same tolerance, as a fraction of the
child's area), whenever both have a boundary.

`validate_feature_collection` reports every problem at once; `boundaries_import` writes all features
in one transaction, or nothing if there is any problem.
"""

from __future__ import annotations

import datetime
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.strtree import STRtree

from mahalat.accounts.rules import require_permission
from mahalat.audit.services import event_record
from mahalat.persian.text import normalize_text, search_key
from mahalat.territory.locate import invalidate_index
from mahalat.territory.models import Area, City, District, Neighborhood

LEVELS: tuple[str, ...] = ("district", "area", "neighborhood")
PARENT_LEVEL: dict[str, str] = {"area": "district", "neighborhood": "area"}
MODELS: dict[str, type[models.Model]] = {"district": District, "area": Area, "neighborhood": Neighborhood}
PARENT_FIELD: dict[str, str] = {"area": "district_id", "neighborhood": "area_id"}

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+\Z")
SLUG_MAX = 80
NAME_MAX = 120
_NUMBER_MAX = 32767  # PositiveSmallIntegerField
_POPULATION_MAX = 2147483647  # PositiveIntegerField
_PROFILE_LIMITS = {"historical_name": 120}
_PROFILE_TEXT_LIMIT = 20_000
_SEARCH_KEY_MAX = 300
_VALID = "Valid Geometry"  # what shapely.is_valid_reason says of a valid geometry

Unit = District | Area | Neighborhood


@dataclass(frozen=True, slots=True)
class BoundaryProblem:
    """One thing wrong with the file; `feature_index` is None for the file as a whole."""

    feature_index: int | None
    slug: str
    message: str

    def __str__(self) -> str:
        if self.feature_index is None:
            return self.message
        return _("feature #%(index)s (%(slug)s): %(message)s") % {
            "index": self.feature_index,
            "slug": self.slug,
            "message": self.message,
        }


class BoundaryImportError(ValidationError):
    """The file has problems; nothing was written. `problems` lists all of them."""

    def __init__(self, problems: list[BoundaryProblem]) -> None:
        super().__init__([str(p) for p in problems])
        self.problems = problems


@dataclass(slots=True)
class PlannedUnit:
    """A feature with a well-formed slug and level, as the field values it would write."""

    index: int
    level: str
    slug: str
    parent: str | None
    # Model field values to set; optional fields only when the feature carries them.
    values: dict[str, Any]


@dataclass(slots=True)
class BoundaryPlan:
    """What an import would do, and everything wrong with the file (empty when it may proceed)."""

    city: City
    units: list[PlannedUnit]
    problems: list[BoundaryProblem]
    # This city's stored units, by level then slug.
    existing: dict[str, dict[str, Unit]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def units_of(self, level: str) -> list[PlannedUnit]:
        return [u for u in self.units if u.level == level]

    def counts(self) -> dict[str, dict[str, int]]:
        """Per level, how many features would create a unit and how many match an existing one."""
        result = {level: {"create": 0, "update": 0} for level in LEVELS}
        for unit in self.units:
            matched = unit.slug in self.existing.get(unit.level, {})
            result[unit.level]["update" if matched else "create"] += 1
        return result


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did; `by_level` maps each level to its created/updated/unchanged counts."""

    created: int
    updated: int
    by_level: dict[str, dict[str, int]]
    unchanged: int = 0
    boundaries_version: int = 0


# --- validation ---------------------------------------------------------------------------------


def _level_name(level: str) -> str:
    return str(MODELS[level]._meta.verbose_name)


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.2f}%"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _as_lists(value: Any) -> Any:
    """Coordinates as nested lists (what JSON gives back), so a re-import compares equal."""
    if isinstance(value, list | tuple):
        return [_as_lists(v) for v in value]
    return value


def _check_ring(ring: object) -> tuple[str | None, list[tuple[float, float]] | None]:
    """(problem, positions) for one linear ring; only its first fault, thousands would bury the rest."""
    if not isinstance(ring, list | tuple):
        return _("it is not a list of positions."), None
    points: list[tuple[float, float]] = []
    for number, position in enumerate(ring, start=1):
        if (
            not isinstance(position, list | tuple)
            or len(position) < 2
            or not all(_is_number(c) for c in position)
        ):
            return _("position %(number)s is not a pair of numbers [lng, lat].") % {"number": number}, None
        lng, lat = float(position[0]), float(position[1])
        if not -180.0 <= lng <= 180.0:
            return _("position %(number)s has a longitude out of range (%(value)s).") % {
                "number": number,
                "value": position[0],
            }, None
        if not -90.0 <= lat <= 90.0:
            return _("position %(number)s has a latitude out of range (%(value)s).") % {
                "number": number,
                "value": position[1],
            }, None
        points.append((lng, lat))
    if len(points) < 4:
        return _("it has fewer than 4 positions."), None
    if points[0] != points[-1]:
        return _("it is not closed (its last position differs from its first)."), None
    return None, points


def _signed_area(points: list[tuple[float, float]]) -> float:
    xy = np.asarray(points)
    x, y = xy[:, 0], xy[:, 1]
    return float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) / 2.0


def check_geometry(geometry: object) -> tuple[list[str], shapely.Geometry | None]:
    """Problems with one GeoJSON geometry, and the shapely geometry when there are none."""
    if geometry is None:
        return [_("The feature has no geometry.")], None
    if not isinstance(geometry, dict):
        return [_("The geometry is not a GeoJSON object.")], None
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        return [
            _("The geometry is a %(type)s; only Polygon and MultiPolygon are accepted.") % {"type": kind}
        ], None
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list | tuple) or not coordinates:
        return [_("The geometry has no coordinates.")], None
    polygons = [coordinates] if kind == "Polygon" else list(coordinates)

    # First the structure and the numbers of every ring.
    messages: list[str] = []
    parsed: list[list[list[tuple[float, float]]]] = []
    for p_number, rings in enumerate(polygons, start=1):
        if not isinstance(rings, list | tuple) or not rings:
            messages.append(_("Polygon %(polygon)s has no rings.") % {"polygon": p_number})
            continue
        polygon: list[list[tuple[float, float]]] = []
        for r_number, ring in enumerate(rings, start=1):
            problem, points = _check_ring(ring)
            if problem is not None:
                messages.append(
                    _("Ring %(ring)s of polygon %(polygon)s: %(problem)s")
                    % {"ring": r_number, "polygon": p_number, "problem": problem}
                )
            elif points is not None:
                polygon.append(points)
        parsed.append(polygon)
    if messages:
        return messages, None

    # Then the geometry as a whole (self-intersections, rings crossing, holes outside their shell).
    parts = [shapely.Polygon(rings[0], rings[1:]) for rings in parsed]
    geom: shapely.Geometry = parts[0] if kind == "Polygon" else shapely.MultiPolygon(parts)
    reason = shapely.is_valid_reason(geom)
    if reason != _VALID:
        return [_("The geometry is not valid: %(reason)s.") % {"reason": reason}], None
    if geom.area <= 0:
        return [_("The geometry has no area.")], None

    # Last the winding order (meaningful only for valid rings). RFC 7946 §3.1.6; refused rather than
    # silently reversed, so the source data gets fixed.
    for p_number, rings in enumerate(parsed, start=1):
        for r_number, points in enumerate(rings, start=1):
            ccw = _signed_area(points) > 0
            if r_number == 1 and not ccw:
                messages.append(
                    _(
                        "The exterior ring of polygon %(polygon)s runs clockwise; "
                        "it must run counter-clockwise."
                    )
                    % {"polygon": p_number}
                )
            elif r_number > 1 and ccw:
                messages.append(
                    _("Hole %(hole)s of polygon %(polygon)s runs counter-clockwise; it must run clockwise.")
                    % {"hole": r_number - 1, "polygon": p_number}
                )
    if messages:
        return messages, None
    return [], geom


def _stored_geometry(boundary: object) -> shapely.Geometry | None:
    """A stored boundary as shapely, or None if it is missing or unusable (it is not ours to judge)."""
    if not boundary:
        return None
    try:
        geom = shape(boundary)
    except Exception:  # any malformed stored JSON just means "no boundary to compare"
        return None
    if geom.is_empty or not geom.is_valid or geom.area <= 0:
        return None
    return geom


def _text(
    props: dict[str, Any], key: str, *, label: str, limit: int, required: bool, multiline: bool = False
) -> tuple[str | None, str | None]:
    """(value, problem) for a text property; value None when absent and not required."""
    raw = props.get(key)
    if raw is None:
        if required:
            return None, _("%(field)s is missing.") % {"field": label}
        return ("" if key in props else None), None
    if not isinstance(raw, str):
        return None, _("%(field)s must be text.") % {"field": label}
    text = normalize_text(raw, multiline=multiline)
    if required and not text:
        return None, _("%(field)s is missing.") % {"field": label}
    if len(text) > limit:
        return None, _("%(field)s is too long (at most %(limit)s characters).") % {
            "field": label,
            "limit": limit,
        }
    return text, None


def _whole_number(value: object, *, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and low <= value <= high:
        return value
    return None


class _Problems:
    """Collects problems as they are found; nothing stops at the first one."""

    def __init__(self) -> None:
        self.items: list[BoundaryProblem] = []

    def add(self, index: int | None, slug: str, message: str) -> None:
        self.items.append(BoundaryProblem(feature_index=index, slug=slug, message=message))


def _features(collection: object, out: _Problems) -> list[object] | None:
    if not isinstance(collection, dict):
        out.add(
            None,
            "",
            _("The file is not a GeoJSON object (it holds a %(type)s).")
            % {"type": type(collection).__name__},
        )
        return None
    if collection.get("type") != "FeatureCollection":
        out.add(None, "", _("The file is not a GeoJSON FeatureCollection."))
        return None
    features = collection.get("features")
    if not isinstance(features, list):
        out.add(None, "", _("The FeatureCollection has no list of features."))
        return None
    if not features:
        out.add(None, "", _("The FeatureCollection has no features."))
        return None
    return features


def _check_feature(
    index: int, feature: object, out: _Problems
) -> tuple[PlannedUnit | None, str | None, shapely.Geometry | None]:
    """Check one feature on its own; returns (unit, its slug if well formed, its geometry if valid).

    A unit with problems of its own is still returned, so the cross-checks report theirs too.
    """
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        out.add(index, "", _("Not a GeoJSON Feature."))
        return None, None, None
    props = feature.get("properties")
    raw_slug = props.get("slug") if isinstance(props, dict) else None
    slug = raw_slug if isinstance(raw_slug, str) else ""
    geometry_messages, geom = check_geometry(feature.get("geometry"))
    if not isinstance(props, dict):
        out.add(index, slug, _("The feature has no properties object."))
        for message in geometry_messages:
            out.add(index, slug, message)
        return None, None, None

    slug_ok = isinstance(raw_slug, str) and bool(SLUG_RE.match(raw_slug)) and len(raw_slug) <= SLUG_MAX
    if raw_slug is None or raw_slug == "":
        out.add(index, slug, _("The slug is missing."))
    elif not slug_ok:
        out.add(
            index,
            slug,
            _(
                "The slug %(slug)s is not valid: use only ASCII letters, digits, hyphens and underscores, "
                "at most %(limit)s characters."
            )
            % {"slug": raw_slug, "limit": SLUG_MAX},
        )

    level = props.get("level")
    if level not in LEVELS:
        out.add(
            index,
            slug,
            _("Unknown level %(level)s: use district, area or neighborhood.") % {"level": repr(level)},
        )
        level = None

    values: dict[str, Any] = {}
    for key, label in (("name", _("The Persian name")), ("name_en", _("The English name"))):
        text, problem = _text(props, key, label=label, limit=NAME_MAX, required=True)
        if problem:
            out.add(index, slug, problem)
        else:
            values[key] = text

    if level in ("district", "area"):
        number = _whole_number(props.get("number"), low=1, high=_NUMBER_MAX)
        if number is None:
            out.add(
                index,
                slug,
                _("The number is missing or not a whole number from 1 to %(max)s.") % {"max": _NUMBER_MAX},
            )
        else:
            values["number"] = number

    if "population" in props:
        raw_population = props["population"]
        population = _whole_number(raw_population, low=0, high=_POPULATION_MAX)
        if raw_population is not None and population is None:
            out.add(index, slug, _("The population must be a whole number, zero or more."))
        else:
            values["population"] = population

    parent: str | None = None
    raw_parent = props.get("parent")
    if level == "district":
        if raw_parent not in (None, ""):
            out.add(index, slug, _("A district has no parent; remove the parent property."))
    elif level is not None:
        if isinstance(raw_parent, str) and raw_parent:
            parent = raw_parent
        else:
            out.add(
                index,
                slug,
                _("The parent (the slug of its %(level)s) is missing.")
                % {"level": _level_name(PARENT_LEVEL[level])},
            )

    if level == "neighborhood":
        for key in Neighborhood.PROFILE_FIELDS:
            text, problem = _text(
                props,
                key,
                label=str(Neighborhood._meta.get_field(key).verbose_name),
                limit=_PROFILE_LIMITS.get(key, _PROFILE_TEXT_LIMIT),
                required=False,
                multiline=key != "historical_name",
            )
            if problem:
                out.add(index, slug, problem)
            elif text is not None:
                values[key] = text

    for message in geometry_messages:
        out.add(index, slug, message)
    if geom is not None:
        geometry = feature["geometry"]
        # Stored as given (only the two members GeoJSON defines), as plain lists.
        values["boundary"] = {"type": geometry["type"], "coordinates": _as_lists(geometry["coordinates"])}

    if not slug_ok:
        return None, None, None
    if level is None:
        return None, raw_slug, None
    return PlannedUnit(index=index, level=level, slug=raw_slug, parent=parent, values=values), raw_slug, geom


@dataclass(slots=True)
class _Final:
    """A unit as the city would look after the import: from the file (index set) or as stored."""

    level: str
    slug: str
    index: int | None
    parent: str | None
    geom: shapely.Geometry | None


def _load_city_units(city: City) -> dict[str, dict[str, Unit]]:
    return {level: {u.slug: u for u in MODELS[level].objects.filter(city_id=city.pk)} for level in LEVELS}


def _other_city_slugs(city: City, slugs: set[str]) -> dict[str, dict[str, str]]:
    """Per level, slug → city slug, for the given slugs used in other cities."""
    if not slugs:
        return {level: {} for level in LEVELS}
    return {
        level: dict(
            MODELS[level]
            .objects.filter(slug__in=sorted(slugs))
            .exclude(city_id=city.pk)
            .values_list("slug", "city__slug")
        )
        for level in LEVELS
    }


def _check_tolerance(tolerance: float) -> None:
    if not _is_number(tolerance) or not 0.0 <= tolerance < 1.0:
        raise ValueError(_("The tolerance must be a fraction from 0 up to (not including) 1."))


def validate_feature_collection(
    *, city: City, collection: object, overlap_tolerance: float = 0.001
) -> BoundaryPlan:
    """Check a FeatureCollection for `city` against itself and the database; never stops at the first problem.

    Reads only (a few queries whatever the size of the file). The plan's `problems` is empty when the
    import may go ahead; they are ordered by feature.
    """
    _check_tolerance(overlap_tolerance)
    out = _Problems()
    plan = BoundaryPlan(city=city, units=[], problems=out.items)
    features = _features(collection, out)
    if features is None:
        return plan

    by_slug: dict[str, PlannedUnit] = {}
    geoms: dict[str, shapely.Geometry] = {}
    seen: dict[str, int] = {}  # every well-formed slug in the file → its first feature
    for index, feature in enumerate(features):
        unit, slug, geom = _check_feature(index, feature, out)
        if slug is None:
            continue
        if slug in seen:
            out.add(
                index,
                slug,
                _("The slug %(slug)s is also used by feature #%(other)s.")
                % {"slug": slug, "other": seen[slug]},
            )
            continue
        seen[slug] = index
        if unit is not None:
            plan.units.append(unit)
            by_slug[slug] = unit
            if geom is not None:
                geoms[slug] = geom

    existing = _load_city_units(city)
    plan.existing = existing
    level_of_stored = {slug: level for level in LEVELS for slug in existing[level]}
    wanted = set(seen) | {u.parent for u in plan.units if u.parent and u.parent not in seen}
    elsewhere = _other_city_slugs(city, {s for s in wanted if s not in level_of_stored})

    for unit in plan.units:
        other_city = elsewhere[unit.level].get(unit.slug)
        if other_city is not None:
            out.add(
                unit.index,
                unit.slug,
                _(
                    "The slug %(slug)s is already used by a unit of level “%(level)s” "
                    "in another city (%(city)s)."
                )
                % {"slug": unit.slug, "level": _level_name(unit.level), "city": other_city},
            )
        stored_level = level_of_stored.get(unit.slug)
        if stored_level is not None and stored_level != unit.level:
            out.add(
                unit.index,
                unit.slug,
                _("The slug %(slug)s already belongs to a unit of level “%(level)s” in this city.")
                % {"slug": unit.slug, "level": _level_name(stored_level)},
            )

    # Parents: in the file, else stored in this city; anything else is reported.
    parent_ok: dict[str, bool] = {}
    for unit in plan.units:
        if unit.parent is None:
            continue
        expected = PARENT_LEVEL[unit.level]
        found: str | None = None
        if unit.parent in by_slug:
            found = by_slug[unit.parent].level
        elif unit.parent in seen:
            continue  # the parent feature is malformed and already reported
        elif unit.parent in level_of_stored:
            found = level_of_stored[unit.parent]
        elif any(unit.parent in elsewhere[level] for level in LEVELS):
            out.add(
                unit.index,
                unit.slug,
                _("The parent %(parent)s belongs to another city.") % {"parent": unit.parent},
            )
            continue
        else:
            out.add(unit.index, unit.slug, _("Unknown parent %(parent)s.") % {"parent": unit.parent})
            continue
        if found != expected:
            out.add(
                unit.index,
                unit.slug,
                _("The parent %(parent)s is a unit of level “%(found)s”; a %(level)s needs a %(expected)s.")
                % {
                    "parent": unit.parent,
                    "found": _level_name(found),
                    "level": _level_name(unit.level),
                    "expected": _level_name(expected),
                },
            )
        else:
            parent_ok[unit.slug] = True

    final = _final_state(plan, geoms, parent_ok, seen)
    _check_numbers(plan, final, out)
    _check_containment(final, overlap_tolerance, out)
    _check_overlaps(final, overlap_tolerance, out)
    out.items.sort(key=lambda p: -1 if p.feature_index is None else p.feature_index)
    return plan


def _final_state(
    plan: BoundaryPlan, geoms: dict[str, shapely.Geometry], parent_ok: dict[str, bool], seen: dict[str, int]
) -> dict[str, dict[str, _Final]]:
    final: dict[str, dict[str, _Final]] = {level: {} for level in LEVELS}
    slug_by_id = {
        level: {u.pk: slug for slug, u in plan.existing[level].items()} for level in ("district", "area")
    }
    for level in LEVELS:
        for slug, stored in plan.existing[level].items():
            if slug in seen:
                continue
            parent = None
            if level in PARENT_LEVEL:
                parent = slug_by_id[PARENT_LEVEL[level]].get(getattr(stored, PARENT_FIELD[level]))
            final[level][slug] = _Final(level, slug, None, parent, _stored_geometry(stored.boundary))
    for unit in plan.units:
        if unit.slug in final[unit.level]:
            continue
        parent = unit.parent if parent_ok.get(unit.slug) else None
        final[unit.level][unit.slug] = _Final(unit.level, unit.slug, unit.index, parent, geoms.get(unit.slug))
    return final


def _check_numbers(plan: BoundaryPlan, final: dict[str, dict[str, _Final]], out: _Problems) -> None:
    """District numbers are unique in the city and area numbers in their district (database constraints)."""
    numbers: dict[str, dict[str, int]] = {level: {} for level in ("district", "area")}
    for level in numbers:
        for slug, stored in plan.existing[level].items():
            numbers[level][slug] = stored.number
        for unit in plan.units_of(level):
            if "number" in unit.values:
                numbers[level][unit.slug] = unit.values["number"]
            else:
                numbers[level].pop(unit.slug, None)
    for level in numbers:
        groups: dict[tuple[str | None, int], list[_Final]] = defaultdict(list)
        for slug, unit in final[level].items():
            if slug not in numbers[level]:
                continue
            scope = None if level == "district" else unit.parent
            if level == "area" and scope is None:
                continue
            groups[(scope, numbers[level][slug])].append(unit)
        for (_scope, number), units in groups.items():
            if len(units) < 2:
                continue
            for unit in units:
                if unit.index is None:
                    continue
                others = ", ".join(sorted(u.slug for u in units if u is not unit))
                message = (
                    _("District number %(number)s is also used by %(others)s.")
                    if level == "district"
                    else _("Area number %(number)s is also used in the same district by %(others)s.")
                )
                out.add(unit.index, unit.slug, message % {"number": number, "others": others})


def _outside_fraction(child: shapely.Geometry, parent: shapely.Geometry) -> float:
    if shapely.covers(parent, child):
        return 0.0
    return float(shapely.area(shapely.difference(child, parent)) / child.area)


def _check_containment(final: dict[str, dict[str, _Final]], tolerance: float, out: _Problems) -> None:
    for level in ("area", "neighborhood"):
        parents = final[PARENT_LEVEL[level]]
        for child in final[level].values():
            parent = parents.get(child.parent) if child.parent else None
            if parent is None or child.geom is None or parent.geom is None:
                continue
            if child.index is None and parent.index is None:
                continue  # both as stored: not this import's doing
            shapely.prepare(parent.geom)
            fraction = _outside_fraction(child.geom, parent.geom)
            if fraction <= tolerance:
                continue
            params = {
                "level": _level_name(level),
                "parent_level": _level_name(parent.level),
                "parent": parent.slug,
                "child": child.slug,
                "percent": _percent(fraction),
                "tolerance": _percent(tolerance),
            }
            if child.index is not None:
                out.add(
                    child.index,
                    child.slug,
                    _(
                        "The %(level)s lies %(percent)s outside its %(parent_level)s %(parent)s "
                        "(tolerance %(tolerance)s)."
                    )
                    % params,
                )
            else:
                assert parent.index is not None
                out.add(
                    parent.index,
                    parent.slug,
                    _(
                        "The stored %(level)s %(child)s would lie %(percent)s outside this %(parent_level)s "
                        "(tolerance %(tolerance)s)."
                    )
                    % params,
                )


def _check_overlaps(final: dict[str, dict[str, _Final]], tolerance: float, out: _Problems) -> None:
    units = [u for u in final["neighborhood"].values() if u.geom is not None]
    if len(units) < 2:
        return
    geoms = np.array([u.geom for u in units], dtype=object)
    areas = shapely.area(geoms)
    # The tree finds the candidate pairs; only those that touch at all are measured.
    left, right = STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    in_file = np.array([u.index is not None for u in units])
    keep = in_file[left] | in_file[right]
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    fractions = shared / np.minimum(areas[left], areas[right])
    for a, b, fraction in zip(left, right, fractions, strict=True):
        if fraction <= tolerance:
            continue
        first, second = units[a], units[b]
        # Report on the later feature of the file, naming the other one.
        if second.index is None or (first.index is not None and first.index > second.index):
            first, second = second, first
        assert second.index is not None
        out.add(
            second.index,
            second.slug,
            _(
                "The neighborhood overlaps neighborhood %(other)s by %(percent)s of the smaller one "
                "(tolerance %(tolerance)s)."
            )
            % {"other": first.slug, "percent": _percent(float(fraction)), "tolerance": _percent(tolerance)},
        )


# --- writing ------------------------------------------------------------------------------------

_TRACKED = {
    "district": ["name", "name_en", "number", "population", "boundary", "city_id"],
    "area": ["name", "name_en", "number", "population", "boundary", "city_id", "district_id"],
    "neighborhood": [
        "name",
        "name_en",
        "population",
        "boundary",
        "city_id",
        "district_id",
        "area_id",
        *Neighborhood.PROFILE_FIELDS,
        "search_key",
    ],
}


def _renumber_safely(model: type[models.Model], rows: list[Unit], new_numbers: dict[int, int]) -> None:
    """First give rows whose number changes a free temporary one, so swaps pass the unique constraint."""
    moving = [row for row in rows if row.pk in new_numbers]
    if not moving:
        return
    used = set(model.objects.filter(city_id=moving[0].city_id).values_list("number", flat=True))
    free = (n for n in range(_NUMBER_MAX, 0, -1) if n not in used)
    final_numbers = {row.pk: row.number for row in moving}
    for row in moving:
        row.number = next(free)
    model.objects.bulk_update(moving, ["number"])
    for row in moving:
        row.number = final_numbers[row.pk]


def _event_ids(level: str, unit: Unit) -> dict[str, int | None]:
    # A district has no district_id attribute of its own; file its events under itself.
    return {"district_id": unit.pk} if level == "district" else {}


def _write_level(
    *,
    plan: BoundaryPlan,
    level: str,
    actor: Any,
    parents: dict[str, Unit],
    now: datetime.datetime,
    progress: Callable[[int], None] | None,
) -> tuple[dict[str, Unit], dict[str, int]]:
    """Create or update every unit of one level; returns (all units of the level by slug, counts)."""
    model = MODELS[level]
    city = plan.city
    units_by_slug: dict[str, Unit] = dict(plan.existing[level])
    to_create: list[tuple[PlannedUnit, Unit]] = []
    to_update: list[tuple[PlannedUnit, Unit, dict[str, Any], dict[str, Any]]] = []
    unchanged: list[PlannedUnit] = []
    new_numbers: dict[int, int] = {}
    fields_changed: set[str] = set()
    for planned in plan.units_of(level):
        values = dict(planned.values)
        values["city_id"] = city.pk
        if level == "area":
            values["district_id"] = parents[planned.parent or ""].pk
        elif level == "neighborhood":
            area = parents[planned.parent or ""]
            values["area_id"] = area.pk
            values["district_id"] = area.district_id
        instance = plan.existing[level].get(planned.slug)
        if level == "neighborhood":
            current = instance.historical_name if instance is not None else ""
            historical = values.get("historical_name", current)
            key = search_key(f"{values['name']} {values['name_en']} {historical}")
            values["search_key"] = key[:_SEARCH_KEY_MAX]
        if instance is None:
            new = model(slug=planned.slug, **values)
            to_create.append((planned, new))
            units_by_slug[planned.slug] = new
            continue
        before = {k: getattr(instance, k) for k, v in values.items() if getattr(instance, k) != v}
        if not before:
            unchanged.append(planned)
            continue
        after = {k: values[k] for k in before}
        if "number" in before:
            new_numbers[instance.pk] = values["number"]
        for name, value in after.items():
            setattr(instance, name, value)
        instance.updated_at = now  # bulk_update does not apply auto_now
        fields_changed.update(after)
        to_update.append((planned, instance, before, after))

    # Updates before creates, so a new unit may take a number an existing one gives up.
    if to_update:
        rows = [row for _p, row, _b, _a in to_update]
        _renumber_safely(model, rows, new_numbers)
        model.objects.bulk_update(rows, sorted(fields_changed | {"updated_at"}), batch_size=200)
    if to_create:
        model.objects.bulk_create([row for _p, row in to_create], batch_size=200)

    for _planned, row in to_create:
        after = {name: getattr(row, name) for name in _TRACKED[level] if name != "city_id"}
        event_record(
            actor=actor,
            action=f"territory.{level}.created",
            obj=row,
            after={"slug": row.slug, **after},
            city_id=city.pk,
            **_event_ids(level, row),
        )
        if progress:
            progress(1)
    for _planned, row, before, after in to_update:
        event_record(
            actor=actor,
            action=f"territory.{level}.updated",
            obj=row,
            before=before,
            after=after,
            city_id=city.pk,
            **_event_ids(level, row),
        )
        if progress:
            progress(1)
    if progress:
        for _planned in unchanged:
            progress(1)

    if level == "area":
        # Stored neighborhoods of an area that moved to another district follow it.
        moved = [row.pk for _p, row, before, _a in to_update if "district_id" in before]
        if moved:
            Neighborhood.objects.filter(area_id__in=moved).update(
                district_id=Subquery(Area.objects.filter(pk=OuterRef("area_id")).values("district_id")[:1])
            )
    counts = {"created": len(to_create), "updated": len(to_update), "unchanged": len(unchanged)}
    return units_by_slug, counts


def boundaries_import(
    *,
    actor: Any,
    city: City,
    collection: object,
    overlap_tolerance: float = 0.001,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Validate and write a city's boundaries in one transaction; on any problem write nothing.

    `actor` None is the system (the command line); anyone else needs ``territory.import_boundaries``
    over the city. Raises BoundaryImportError listing every problem, or PermissionDenied.
    """
    _check_tolerance(overlap_tolerance)
    with transaction.atomic():
        # Locking the city serialises two imports for it (a no-op on SQLite, which locks the file).
        locked = City.objects.select_for_update().get(pk=city.pk)
        if actor is not None:
            require_permission(actor, "territory.import_boundaries", locked)
        plan = validate_feature_collection(
            city=locked, collection=collection, overlap_tolerance=overlap_tolerance
        )
        if plan.problems:
            raise BoundaryImportError(plan.problems)

        now = timezone.now()
        by_level: dict[str, dict[str, int]] = {}
        written: dict[str, dict[str, Unit]] = {}
        for level in LEVELS:
            parents = written.get(PARENT_LEVEL.get(level, ""), {})
            written[level], by_level[level] = _write_level(
                plan=plan, level=level, actor=actor, parents=parents, now=now, progress=progress
            )

        before_version = locked.boundaries_version
        City.objects.filter(pk=locked.pk).update(
            boundaries_version=F("boundaries_version") + 1, updated_at=now
        )
        locked.refresh_from_db(fields=["boundaries_version"])
        summary = ImportSummary(
            created=sum(c["created"] for c in by_level.values()),
            updated=sum(c["updated"] for c in by_level.values()),
            unchanged=sum(c["unchanged"] for c in by_level.values()),
            by_level=by_level,
            boundaries_version=locked.boundaries_version,
        )
        event_record(
            actor=actor,
            action="territory.boundaries.imported",
            obj=locked,
            before={"boundaries_version": before_version},
            after={
                "boundaries_version": locked.boundaries_version,
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "by_level": by_level,
            },
            city_id=locked.pk,
        )
        transaction.on_commit(invalidate_index)
    city.boundaries_version = locked.boundaries_version
    return summary
