"""Rule-change impact: the same units under an old and a new ruleset (``spi rules diff``).

The answer has the units that change category (from -> to), the distribution of the index
changes (quantiles and a histogram), the mean index before and after, and ``changed``: True when
any unit's published index or category differs, so ``--fail-on-change`` can gate a CI job.

>>> from spi_engine import bundled, units_from_columns
>>> rules = bundled()
>>> units = units_from_columns([75.61, 80.0], [89.02, 80.0], [73.53, 77.9], correction=[7.59, 0])
>>> impact = compare_rulesets(rules.get("spi-2023"), rules.get("spi-2024"), units)
>>> impact.changed, impact.comparison.delta_steps.tolist()
(True, [1, 0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .comparison import Comparison, compare
from .levers import frozen
from .numeric import FloatArray, IntArray
from .ruleset import Ruleset
from .scoring import score
from .units import Units

QUANTILE_LEVELS = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)
NICE_WIDTHS = (1, 2, 5)
MAX_BINS = 20


@dataclass(frozen=True)
class Impact:
    """What moving from ``comparison.before.ruleset`` to ``comparison.after.ruleset`` does."""

    comparison: Comparison
    quantile_levels: tuple[float, ...]
    quantiles: FloatArray
    """index change in points at each level (level 0 is the minimum, 1 the maximum)"""
    histogram_edges: FloatArray
    """bin edges in index points; bins are [edge_i, edge_i+1), the last one closed"""
    histogram_counts: IntArray
    changed: bool
    """any unit's published index or category differs: the CI gate"""

    @property
    def units_changing_category(self) -> int:
        return int(np.count_nonzero(self.comparison.changed))

    @property
    def units_changing_index(self) -> int:
        return int(np.count_nonzero(self.comparison.delta_steps))


def compare_rulesets(old: Ruleset, new: Ruleset, units: Units) -> Impact:
    """The impact on ``units`` of replacing ``old`` by ``new``."""
    comparison = compare(score(old, units), score(new, units))
    deltas = comparison.delta_steps
    scale = float(10**old.decimals)
    edges, counts = histogram_steps(deltas)
    return Impact(
        comparison=comparison,
        quantile_levels=QUANTILE_LEVELS,
        quantiles=frozen(np.quantile(deltas, QUANTILE_LEVELS) / scale),
        histogram_edges=frozen(edges / scale),
        histogram_counts=counts,
        changed=bool(np.any(deltas != 0) or np.any(comparison.changed)),
    )


def histogram_steps(steps: IntArray) -> tuple[IntArray, IntArray]:
    """(edges, counts) of integer steps in at most 20 bins whose width is 1, 2 or 5 x 10**k steps.

    >>> edges, counts = histogram_steps(np.array([0, 0, 3, -7]))
    >>> edges.tolist(), counts.tolist()
    ([-7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4], [1, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1])
    """
    low, high = int(steps.min()), int(steps.max())
    width = _nice_width(high - low + 1)
    start = (low // width) * width
    bins = (high - start) // width + 1
    counts = np.bincount((steps - start) // width, minlength=bins).astype(np.int64)
    edges = start + width * np.arange(bins + 1, dtype=np.int64)
    return frozen(edges), frozen(counts)


def _nice_width(span: int) -> int:
    scale = 1
    while True:
        for base in NICE_WIDTHS:
            width = base * scale
            if -(-span // width) < MAX_BINS:
                return width
        scale *= 10
