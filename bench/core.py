"""Scoring throughput in-process, against a plain-Python baseline measured in the same run.

- a 1,000,000-unit batch through spi_engine.score (validation included);
- the same arithmetic unit by unit in plain Python (decimal half-up rounding), on a 50,000-unit
  slice, scaled to units per second: the baseline a straightforward implementation gives;
- the published results file (3,187 rows) through the `spi` command, end to end (process start,
  CSV in, CSV out), when ../shared/data/spi-published/results.csv is present.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

from bench import _goals
from spi_engine import bundled, score, units_from_columns

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = Path(
    os.environ.get("SPI_PUBLISHED_DIR", ROOT.parent / "shared" / "data" / "spi-published")
)


ROUNDS = 7
"""runs of the command line and of its start-up alone, in turn; the best of each is kept"""


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def synthetic(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "internal": np.round(rng.uniform(50, 100, n), 2),
        "external": np.round(rng.uniform(50, 100, n), 2),
        "expert": np.round(rng.uniform(40, 100, n), 2),
        "correction_integrity": np.round(rng.uniform(0, 8, n), 2),
        "correction_prevalence": np.round(rng.uniform(0, 4, n), 2),
    }


def python_loop(
    columns: dict[str, np.ndarray], weights: tuple[float, float, float]
) -> list[tuple[str, str]]:
    rows = zip(*(columns[k].tolist() for k in columns), strict=True)
    out = []
    for internal, external, expert, ci, cp in rows:
        raw = weights[0] * internal + weights[1] * external + weights[2] * expert - ci - cp
        clamped = min(max(raw, 0.0), 100.0)
        index = Decimal(repr(round(clamped, 9))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        category = "terjaga" if index >= 78 else "waspada" if index >= 73 else "rentan"
        out.append((str(index), category))
    return out


def main(argv: list[str]) -> None:
    rules = bundled().get("spi-2024")
    n = 1_000_000
    columns = synthetic(n)

    def engine() -> None:
        score(
            rules,
            units_from_columns(
                columns["internal"],
                columns["external"],
                columns["expert"],
                correction_integrity=columns["correction_integrity"],
                correction_prevalence=columns["correction_prevalence"],
            ),
        )

    engine_s = best_of(3, engine)
    slice_n = 50_000
    part = {k: v[:slice_n] for k, v in columns.items()}
    loop_s = best_of(2, lambda: python_loop(part, rules.weights)) * (n / slice_n)
    print(
        f"score 1,000,000 units in-process      {engine_s * 1000:8.1f} ms   {n / engine_s:12,.0f} units/s"
    )
    print(
        f"baseline: plain-Python loop (scaled)   {loop_s * 1000:8.1f} ms   {n / loop_s:12,.0f} units/s"
    )
    print(f"ratio engine / baseline                {loop_s / engine_s:8.1f}x faster")
    _goals.figure(
        "score 1,000,000 units in-process",
        f"{engine_s * 1000:.1f} ms ({n / engine_s / 1e6:.1f} M units/s)",
        f"plain-Python loop {n / loop_s / 1e3:,.0f} k units/s",
        f"{loop_s / engine_s:.1f}x faster",
    )

    results = PUBLISHED / "results.csv"
    if not results.exists():
        print(f"skipped the CLI run: {results} is absent (set SPI_PUBLISHED_DIR)")
        return
    spi = str(Path(sys.executable).with_name("spi"))
    command = [spi, "score", "--ruleset", "auto", "--input", str(results), "--output", os.devnull]
    cli, version = [], []
    for _ in range(ROUNDS):  # taken in turn, so a passing load weighs on both alike
        cli.append(best_of(1, lambda: subprocess.run(command, check=True)))
        version.append(
            best_of(1, lambda: subprocess.run([spi, "--version"], check=True, capture_output=True))
        )
    cli_s, version_s = min(cli), min(version)
    print(f"spi score --ruleset auto, 3,187 published rows, end to end  {cli_s * 1000:7.1f} ms")
    print(f"baseline: `spi --version` (process start and imports)       {version_s * 1000:7.1f} ms")
    print(
        f"scoring work beyond start-up                                {(cli_s - version_s) * 1000:7.1f} ms"
    )
    _goals.figure(
        "`spi score --ruleset auto`, 3,187 published rows, end to end",
        f"{cli_s * 1000:.0f} ms",
        f"`spi --version` (start-up) {version_s * 1000:.0f} ms",
        f"{(cli_s - version_s) * 1000:.0f} ms of work",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
