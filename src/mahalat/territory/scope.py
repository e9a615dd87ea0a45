"""Where an object sits in the territory (and, for agency business, which agency it addresses).

Permission rules compare a role's scope with an object's scope; every scoped model exposes `.scope`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    city_id: int | None = None
    district_id: int | None = None
    area_id: int | None = None
    neighborhood_id: int | None = None
    agency_id: int | None = None


def scope_of(obj: object) -> Scope | None:
    """The object's scope: its `.scope` if it has one, else one built from its *_id attributes."""
    if obj is None:
        return None
    explicit = getattr(obj, "scope", None)
    if isinstance(explicit, Scope):
        return explicit
    ids = {name: getattr(obj, name, None) for name in Scope.__slots__}
    if all(v is None for v in ids.values()):
        return None
    return Scope(**ids)
