"""What-if benchmarks in-process, each against a plain-Python loop measured in the same run.

- Monte Carlo: 641 units x 10,000 draws (category probabilities, mean, interval); the loop runs
  a slice of the units with the same draws per unit and is scaled to 641; and the curve over
  1,000 -> 100,000 draws against the best peer, the bare arithmetic as numpy expressions over
  blocks of units (draw, weigh, round half up, count categories, mean: no interval);
- a scenario over every published row (3,187, five years, each under its own ruleset; the 3
  withheld rows are left out, as from the national index), when
  ../shared/data/spi-published/results.csv is present (SPI_PUBLISHED_DIR overrides);
- a 101 x 101 sweep of two levers for one unit;
- single-lever goal seeking for 641 units and 6 levers (solved, put on the grid, verified by
  scoring), and the cheapest multi-lever plan for the same units.

Targets: Monte Carlo under 1 s; the dataset-wide scenario under 50 ms.
"""

from __future__ import annotations

import math
import os
import random
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

from bench import _goals
from spi_engine import Ruleset, Units, bundled, units_from_columns
from spi_engine.datasets import load_dataset, simulate_dataset
from spi_engine.goal import goal_seek
from spi_engine.plan import cheapest_plan
from spi_engine.scenario import Intervention, Scenario
from spi_engine.sweep import axis, sweep_levers
from spi_engine.uncertainty import monte_carlo, sampling_from_respondents

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = Path(
    os.environ.get("SPI_PUBLISHED_DIR", ROOT.parent / "shared" / "data" / "spi-published")
)
UNITS, DRAWS, LOOP_UNITS = 641, 10_000, 16
BOUNDS = (73.0, 78.0)


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def synthetic(n: int, seed: int = 11) -> tuple[Units, np.ndarray, np.ndarray]:
    """Units like the 2024 institutions, with respondent counts and standard deviations."""
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform([60, 70, 55], [92, 97, 90], (n, 3)), 2)
    units = units_from_columns(
        *scores.T,
        correction_integrity=np.round(rng.uniform(0, 6, n), 2),
        correction_prevalence=np.round(rng.uniform(0, 2, n), 2),
        ids=[f"u{i}" for i in range(n)],
    )
    counts = rng.integers([30, 60, 8], [2554, 2554, 40], (n, 3))
    deviations = rng.uniform(8, 20, (n, 3))
    return units, counts, deviations


def published_index(raw: float) -> Decimal:
    clamped = min(max(raw, 0.0), 100.0)
    return Decimal(repr(round(clamped, 9))).quantize(Decimal("0.01"), ROUND_HALF_UP)


def category(index: Decimal) -> int:
    return 2 if index >= BOUNDS[1] else 1 if index >= BOUNDS[0] else 0


def raw_index(rules: Ruleset, values: list[float]) -> float:
    w = rules.weights
    return w[0] * values[0] + w[1] * values[1] + w[2] * values[2] - values[3] - values[4]


def loop_monte_carlo(
    rules: Ruleset, units: Units, errors: np.ndarray, rows: int
) -> list[list[float]]:
    generator = random.Random(1)
    shares = []
    for row in range(rows):
        values = [float(getattr(units, name)[row]) for name in ("internal", "external", "expert")]
        corrections = float(units.correction_integrity[row] + units.correction_prevalence[row])
        counts = [0, 0, 0]
        for _ in range(DRAWS):
            drawn = [
                v + e * generator.gauss(0.0, 1.0)
                for v, e in zip(values, errors[row].tolist(), strict=True)
            ]
            counts[category(published_index(raw_index(rules, [*drawn, corrections, 0.0])))] += 1
        shares.append([c / DRAWS for c in counts])
    return shares


def bench_monte_carlo(rules: Ruleset) -> None:
    units, counts, deviations = synthetic(UNITS)
    sampling = sampling_from_respondents(counts, deviations)
    engine = best_of(3, lambda: monte_carlo(rules, units, sampling, draws=DRAWS, seed=1))
    loop = best_of(1, lambda: loop_monte_carlo(rules, units, sampling.standard_errors, LOOP_UNITS))
    loop_full = loop * UNITS / LOOP_UNITS
    verdict = "ok" if engine < 1.0 else "MISSED"
    print(
        f"Monte Carlo {UNITS} units x {DRAWS:,} draws: {engine * 1e3:8.1f} ms  (target < 1000 ms: {verdict})"
    )
    print(
        f"  plain-Python loop: {loop * 1e3:8.1f} ms for {LOOP_UNITS} units -> {loop_full:6.1f} s for {UNITS}; "
        f"engine is {loop_full / engine:,.0f}x faster"
    )
    _goals.goal(
        f"Monte Carlo, {UNITS} units x {DRAWS:,} draws",
        f"{engine * 1e3:,.0f} ms",
        f"plain-Python loop ~{loop_full:,.1f} s",
        f"{loop_full / engine:,.0f}x faster",
        "< 1 s",
        engine < 1.0,
    )


def numpy_monte_carlo(rules: Ruleset, units: Units, errors: np.ndarray, draws: int) -> object:
    """The bare Monte Carlo arithmetic in numpy, blocks of units at a time: the best peer."""
    normals = np.random.default_rng(1).standard_normal((draws, 3))
    weights = np.asarray(rules.weights[:3])
    values = np.stack([units.internal, units.external, units.expert], axis=1)
    corrections = units.correction_integrity + units.correction_prevalence
    block = max(1, 1_000_000 // draws)
    shares, means = [], []
    for start in range(0, len(units), block):
        rows = slice(start, start + block)
        drawn = values[rows, None, :] + errors[rows, None, :] * normals[None, :, :]
        raw = drawn @ weights - corrections[rows, None]
        index = np.floor(np.clip(raw, 0.0, 100.0) * 100 + 0.5)
        codes = np.searchsorted(np.asarray(BOUNDS) * 100, index, side="right")
        shares.append(np.stack([(codes == c).mean(axis=1) for c in range(3)], axis=1))
        means.append(index.mean(axis=1) / 100)
    return np.concatenate(shares), np.concatenate(means)


def bench_monte_carlo_curve(rules: Ruleset) -> None:
    units, counts, deviations = synthetic(UNITS)
    sampling = sampling_from_respondents(counts, deviations)
    print(f"Monte Carlo curve, {UNITS} units (best of 3; 1 run at 100,000 draws):")
    print(f"  {'draws':>9} {'engine':>10} {'numpy peer':>11}  engine / peer time")
    for draws in (1_000, 10_000, 100_000):
        runs = 1 if draws >= 100_000 else 3
        engine = best_of(runs, lambda d=draws: monte_carlo(rules, units, sampling, draws=d, seed=1))
        peer = best_of(
            runs, lambda d=draws: numpy_monte_carlo(rules, units, sampling.standard_errors, d)
        )
        print(f"  {draws:>9,} {engine * 1e3:8.1f} ms {peer * 1e3:8.1f} ms  {engine / peer:8.2f}x")
        _goals.figure(
            f"Monte Carlo curve, {UNITS} units x {draws:,} draws",
            f"{engine * 1e3:,.1f} ms",
            f"numpy peer {peer * 1e3:,.1f} ms",
            f"{engine / peer:.2f}x the peer's time",
        )


def loop_dataset(
    rows: list[tuple[int, str, list[float]]], catalog_weights: dict[int, Ruleset]
) -> dict[int, tuple[int, int, int]]:
    totals: dict[int, list[int]] = {}
    for year, kind, values in rows:
        rules = catalog_weights[year]
        before = published_index(raw_index(rules, values))
        moved = list(values)
        if kind == "kabupaten":
            moved[1] = min(moved[1] + 2.0, 100.0)
        after = published_index(raw_index(rules, moved))
        entry = totals.setdefault(year, [0, 0, 0])
        entry[0] += int(category(before) == 0 and category(after) > 0)
        entry[1] += int(before * 100)
        entry[2] += int(after * 100)
    return {year: (left, b, a) for year, (left, b, a) in totals.items()}


def bench_dataset() -> None:
    path = PUBLISHED / "results.csv"
    if not path.is_file():
        print(f"dataset-wide scenario: skipped ({path} is absent; set SPI_PUBLISHED_DIR)")
        return
    data = load_dataset(path, "spi-published")
    scenario = Scenario((Intervention("external", "add", 2.0, groups=("kabupaten",)),))
    engine = best_of(7, lambda: simulate_dataset(data, scenario))
    units = data.units
    columns = [
        getattr(units, name).tolist()
        for name in (
            "internal",
            "external",
            "expert",
            "correction_integrity",
            "correction_prevalence",
        )
    ]
    rows = [
        (int(y), g, list(v))
        for y, g, *v in zip(data.years.tolist(), units.groups, *columns, strict=True)
    ]
    catalog = {year: bundled().for_year(year) for year in data.year_list}
    loop = best_of(3, lambda: loop_dataset(rows, catalog))
    verdict = "ok" if engine < 0.05 else "MISSED"
    run = simulate_dataset(data, scenario)
    left = run.for_year(2024).transitions[0, 1:].sum()
    print(
        f"scenario over all {len(data):,} published rows (5 years): {engine * 1e3:8.2f} ms  (target < 50 ms: {verdict})"
    )
    _goals.goal(
        f"scenario over the {len(data):,} published rows",
        f"{engine * 1e3:.2f} ms",
        f"plain-Python loop {loop * 1e3:.1f} ms",
        f"{loop / engine:.1f}x faster",
        "< 50 ms",
        engine < 0.05,
    )
    print(f"  plain-Python loop: {loop * 1e3:8.2f} ms; engine is {loop / engine:.1f}x faster")
    print(
        f"  (2024: {left} units leave rentan; mean {run.for_year(2024).mean_before:.2f} -> {run.for_year(2024).mean_after:.2f})"
    )


def bench_sweep(rules: Ruleset) -> None:
    unit = units_from_columns([75.61], [89.02], [73.53], correction=[7.59])
    axes = [axis("external", 0, 100, 1), axis("expert", 0, 100, 1)]
    engine = best_of(5, lambda: sweep_levers(rules, unit, axes))

    def loop() -> list[int]:
        return [
            category(published_index(raw_index(rules, [75.61, x, y, 7.59, 0.0])))
            for x in axes[0].values.tolist()
            for y in axes[1].values.tolist()
        ]

    baseline = best_of(3, loop)
    print(
        f"sweep 101 x 101 (10,201 points): {engine * 1e3:8.2f} ms; plain-Python loop {baseline * 1e3:8.2f} ms; engine is {baseline / engine:.1f}x faster"
    )
    _goals.figure(
        "sweep 101 x 101 levers",
        f"{engine * 1e3:.2f} ms",
        f"plain-Python loop {baseline * 1e3:.1f} ms",
        f"{baseline / engine:.1f}x faster",
    )


def loop_goal(rules: Ruleset, units: Units) -> list[list[float | None]]:
    slopes = [*rules.weights, -1.0, -1.0]
    columns = [
        getattr(units, name).tolist()
        for name in (
            "internal",
            "external",
            "expert",
            "correction_integrity",
            "correction_prevalence",
        )
    ]
    answers = []
    for values in zip(*columns, strict=True):
        base = raw_index(rules, list(values))
        row: list[float | None] = []
        for lever, slope in enumerate(slopes):
            steps = max(
                0,
                math.floor((77.995 - base) / slope * 100)
                if slope > 0
                else math.floor((base - 77.995) / -slope * 100),
            )
            row.append(_loop_verify(rules, list(values), lever, slope, steps))
        answers.append(row)
    return answers


def _loop_verify(
    rules: Ruleset, values: list[float], lever: int, slope: float, steps: int
) -> float | None:
    sign = 1 if slope > 0 else -1
    for k in range(max(steps - 2, 0), steps + 3):
        moved = list(values)
        moved[lever] = values[lever] + sign * k / 100
        if not 0 <= moved[lever] <= (100 if lever < 3 else math.inf):
            return None
        if published_index(raw_index(rules, moved)) >= 78:
            return sign * k / 100
    return None


def bench_goal(rules: Ruleset) -> None:
    units, _, _ = synthetic(UNITS)
    engine = best_of(5, lambda: goal_seek(rules, units, "terjaga"))
    loop = best_of(3, lambda: loop_goal(rules, units))
    costs = {"internal": 3.0, "external": 1.0, "expert": 5.0, "correction_integrity": 2.0}
    plan = best_of(
        5, lambda: cheapest_plan(rules, units, "terjaga", costs, {"correction_integrity": 3.0})
    )
    print(
        f"goal seeking, {UNITS} units x 6 levers to terjaga: {engine * 1e3:8.2f} ms; plain-Python loop {loop * 1e3:8.2f} ms; engine is {loop / engine:.1f}x faster"
    )
    print(f"cheapest multi-lever plan, {UNITS} units x 4 levers: {plan * 1e3:8.2f} ms")
    _goals.figure(
        f"goal seeking, {UNITS} units x 6 levers",
        f"{engine * 1e3:.2f} ms",
        f"plain-Python loop {loop * 1e3:.1f} ms",
        f"{loop / engine:.1f}x faster",
    )


def main(argv: list[str]) -> None:
    rules = bundled().get("spi-2024")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cpu(s)")
    bench_monte_carlo(rules)
    bench_monte_carlo_curve(rules)
    bench_dataset()
    bench_sweep(rules)
    bench_goal(rules)


if __name__ == "__main__":
    main(sys.argv[1:])
