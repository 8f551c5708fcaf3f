"""``score_many("auto", frame)``: each row under the ruleset of its year, as ``--ruleset auto``
does in the CLI (``spi-2024`` for 2024), for multi-year data such as the published results."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from spi_engine.errors import InvalidInputError, Violation

from .unit_inputs import is_frame


def score_by_year(score_many: Callable[[str, Any], Any], frame: Any) -> Any:
    """A DataFrame of results in the rows' order (and index) of ``frame``, which needs a whole
    ``year`` in every row; the year column itself is not sent."""
    # pandas is optional: imported only here, untyped (the client carries no pandas-stubs).
    pd: Any = importlib.import_module("pandas")
    if not is_frame(frame) or "year" not in frame.columns:
        raise InvalidInputError(
            [Violation("units", "ruleset_id 'auto' needs a DataFrame with a 'year' column")]
        )
    years = pd.to_numeric(frame["year"], errors="coerce").to_numpy()
    bad = [i for i, year in enumerate(years.tolist()) if not (year == year and year == int(year))]
    if bad:
        got = frame["year"].iloc[bad[0]]
        raise InvalidInputError(
            [
                Violation(f"units[{i}].year", f"expected a whole year; got {got!r}")
                for i in bad[:20]
            ],
            total=len(bad),
        )
    rows = frame.reset_index(drop=True).drop(columns="year")
    parts = [
        score_many(f"spi-{int(year)}", rows[years == year]) for year in sorted(set(years.tolist()))
    ]
    result = pd.concat(parts).sort_index()
    result.index = frame.index
    return result
