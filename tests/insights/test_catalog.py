"""The catalog is consistent, documented, and open to new entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from mahalat.insights.catalog import (
    CATALOG,
    SOURCES,
    Dimension,
    Direction,
    Indicator,
    ScopeKind,
    Unit,
    register,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def test_every_indicator_is_well_formed_and_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for code, entry in CATALOG.items():
        assert entry.dimension in Dimension.values and entry.unit in Unit.values
        assert entry.direction in Direction.values and entry.source in SOURCES
        assert entry.scope_kinds <= set(ScopeKind.values) and entry.min_sample >= 0
        assert str(entry.formula) and callable(entry.compute())
        assert f"`{code}`" in text, f"{code} is missing from docs/indicators.md"


def test_a_code_is_registered_once_and_names_a_known_source() -> None:
    existing = CATALOG["satisfaction"]
    with pytest.raises(ValueError, match="twice"):
        register(existing)
    stray = Indicator(**{**existing.__dict__, "code": "stray", "source": "nowhere"})
    with pytest.raises(ValueError, match="unknown source"):
        register(stray)
    assert "stray" not in CATALOG
