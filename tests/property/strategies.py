"""Shared Hypothesis strategies: component scores, corrections, batches of units, rulesets."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from spi_engine import Ruleset, Units, bundled, units_from_columns

SHIPPED_IDS = bundled().ids
"""Every bundled ruleset; property tests run for each one."""

MAX_CORRECTION = 30.0
NAN = float("nan")

two_decimals = st.integers(min_value=0, max_value=10_000).map(lambda n: n / 100)
"""A component score as published: 2 decimals in [0, 100]."""

any_score = st.floats(min_value=0.0, max_value=100.0, allow_nan=False, allow_infinity=False)
"""Any float64 in [0, 100], including subnormals and values with many decimals."""

component_scores = st.one_of(two_decimals, any_score)

correction_points = st.one_of(
    st.integers(min_value=0, max_value=int(MAX_CORRECTION * 100)).map(lambda n: n / 100),
    st.floats(min_value=0.0, max_value=MAX_CORRECTION, allow_nan=False, allow_infinity=False),
)
"""Correction points >= 0, up to about 30 (observed totals reach about 24)."""

shipped_rulesets = st.sampled_from([bundled().get(i) for i in SHIPPED_IDS])


@st.composite
def unit_rows(draw: st.DrawFn) -> dict[str, Any]:
    """One unit: three components and a correction given as parts, as a total, as both, or as an
    explicit 0 (a correction is never absent)."""
    row: dict[str, Any] = {
        name: draw(component_scores) for name in ("internal", "external", "expert")
    }
    form = draw(st.sampled_from(["parts", "total", "zero", "both"]))
    integrity, prevalence = draw(correction_points), draw(correction_points)
    row["correction_integrity"] = integrity if form in ("parts", "both") else NAN
    row["correction_prevalence"] = prevalence if form in ("parts", "both") else NAN
    row["correction"] = {"total": integrity, "both": integrity + prevalence, "zero": 0.0}.get(
        form, NAN
    )
    row["id"] = draw(st.text(alphabet="abcdefghij0123456789-", max_size=8))
    row["group"] = draw(st.sampled_from(["", "kota", "kabupaten", "provinsi"]))
    return row


def rows_to_units(rows: list[dict[str, Any]]) -> Units:
    """Units from row dicts, through the public constructor."""
    return units_from_columns(
        [r["internal"] for r in rows],
        [r["external"] for r in rows],
        [r["expert"] for r in rows],
        correction_integrity=[r["correction_integrity"] for r in rows],
        correction_prevalence=[r["correction_prevalence"] for r in rows],
        correction=[r["correction"] for r in rows],
        ids=[r["id"] for r in rows],
        groups=[r["group"] for r in rows],
    )


def batches(min_size: int = 1, max_size: int = 25) -> st.SearchStrategy[list[dict[str, Any]]]:
    """A batch of unit rows."""
    return st.lists(unit_rows(), min_size=min_size, max_size=max_size)


units_batches = batches().map(rows_to_units)


def column_bytes(units: Units) -> list[bytes]:
    """Every numeric column as raw bytes, so that -0.0 and 0.0 or NaN payloads would differ."""
    names = (
        "internal",
        "external",
        "expert",
        "correction_integrity",
        "correction_prevalence",
        "correction_unsplit",
    )
    return [np.ascontiguousarray(getattr(units, name)).tobytes() for name in names]


def ruleset_of(ruleset_id: str) -> Ruleset:
    return bundled().get(ruleset_id)
