"""How the survey's cost grows: 60k, 600k and 6M respondents of 641 institutions.

Per size, in one run: the time in-process (respondent columns in memory -> scores of every unit
and sub-unit) and end to end from CSV (read, validate, score), ours against pandas and polars
doing the same work (``bench._survey_peers``), each with its ratio to the best peer; and our peak
memory: tracemalloc's peak (Python and numpy allocations; pyarrow's own pool is not traced) in
an untimed run in this process, and the maximum resident set size of a fresh process that reads
and scores the CSV (``python -m bench._survey_curve --child CSV POPULATION``), so that RSS is per
size.

60k is generated; 600k is the national survey of ``bench.survey`` (its figures are passed in);
6M is that survey ten times over (respondent ids made unique, population and sampled sizes times
ten), its CSV written once to a temporary folder and deleted after. Run by ``bench.survey``
(``python -m bench survey``); alone: ``python -m bench._survey_curve [--quick]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spi_engine.survey import Instrument, bundled_instrument, generate, write_survey, write_table

from . import _survey_peers as peers

GIB = 1024**3
MEMORY_GOAL = 4 * GIB
INSTITUTIONS = 641


@dataclass
class Point:
    """One size of the curve: seconds per contender, peak memory in bytes."""

    respondents: int
    in_process: dict[str, float]
    from_csv: dict[str, float]
    traced_in_process: int = 0
    traced_csv: int = 0
    rss_csv: int = 0


def best_of(repeat: int, run: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def traced_peak(run: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def child_rss(respondents: Path, population: Path) -> int:
    """Max RSS (bytes) of a fresh process that reads and scores the CSV once."""
    done = subprocess.run(
        [sys.executable, "-m", "bench._survey_curve", "--child", str(respondents), str(population)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return int(json.loads(done.stdout.strip().splitlines()[-1])["max_rss"])


def measure(
    inst: Instrument,
    columns: dict[str, Any],
    population: dict[str, Any],
    paths: dict[str, Path],
    repeat: int,
    *,
    pandas_in_process: bool = True,
) -> Point:
    """Every contender at one size, interleaved; then the untimed memory runs.
    ``pandas_in_process=False`` leaves out pandas building its frame from the columns in memory
    (at 6M: a minute in a trial run, three times polars, so polars is the best peer there)."""
    size = len(columns["respondent_id"])
    csv, pop = paths["respondents"], paths["population"]
    runs: dict[str, Callable[[], Any]] = {
        "ours": lambda: peers.ours_in_process(inst, columns, population),
        "pandas": lambda: peers.pandas_in_process(inst, columns),
        "polars": lambda: peers.polars_in_process(inst, columns),
        "ours csv": lambda: peers.ours_from_file(inst, csv, pop),
        "pandas csv": lambda: peers.pandas_from_file(inst, csv),
        "polars csv": lambda: peers.polars_from_file(inst, csv),
    }
    if not pandas_in_process:
        del runs["pandas"]
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):  # the contenders in turn in every round
        for name, run in runs.items():
            best[name] = min(best[name], best_of(1, run))
    in_process = {k: best.get(k, float("nan")) for k in ("ours", "pandas", "polars")}
    from_csv = {k: best[f"{k} csv"] for k in ("ours", "pandas", "polars")}
    point = Point(size, in_process, from_csv)
    point.traced_in_process = traced_peak(lambda: peers.ours_in_process(inst, columns, population))
    point.traced_csv = traced_peak(lambda: peers.ours_from_file(inst, csv, pop))
    point.rss_csv = child_rss(csv, pop)
    return point


def times_ten(
    inst: Instrument, columns: dict[str, Any], population: dict[str, Any], csv: Path, folder: Path
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Path]]:
    """The survey ten times over: columns in memory, and its files (the CSV's data lines copied
    with ids made unique, R0000001 -> 3-R0000001, rather than written again)."""
    copies = 10
    big = {name: np.tile(np.asarray(values), copies) for name, values in columns.items()}
    prefix = np.repeat(np.array([f"{k}-" for k in range(copies)]), len(columns["respondent_id"]))
    big["respondent_id"] = np.char.add(prefix, big["respondent_id"])
    folder.mkdir(parents=True, exist_ok=True)
    head, _, body = csv.read_bytes().partition(b"\n")
    respondents = folder / "respondents.csv"
    with respondents.open("wb") as out:
        out.write(head + b"\n")
        for k in range(copies):
            mark = b"%d-" % k
            out.write(mark + body.replace(b"\nR", b"\n" + mark + b"R"))
    scaled = dict(population)
    for name in ("population", "sampled"):
        scaled[name] = np.asarray(population[name]) * copies
    paths = {
        "respondents": respondents,
        "population": write_table(scaled, folder / "population.csv"),
    }
    return big, scaled, paths


def generated(
    inst: Instrument, respondents: int, folder: Path
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Path]]:
    institutions = min(INSTITUTIONS, respondents // 90)  # the generator's 30 per unit at least
    data = generate(inst, institutions=institutions, respondents=respondents, seed=2024)
    paths = write_survey(data.columns, data.population, None, inst, folder, fmt="csv")
    return data.columns, data.population, paths


def curve(
    inst: Instrument,
    national: tuple[dict[str, Any], dict[str, Any], dict[str, Path]],
    national_point: Point | None,
    folder: Path,
    *,
    quick: bool = False,
) -> list[Point]:
    """The points of the curve, smallest first (``quick``: a tenth of each size, at most 600k)."""
    columns, population, paths = national
    small = len(columns["respondent_id"]) // 10
    points = [measure(inst, *generated(inst, small, folder / "small"), repeat=3)]
    points.append(national_point or measure(inst, columns, population, paths, repeat=2))
    big = times_ten(inst, columns, population, paths["respondents"], folder / "big")
    points.append(measure(inst, *big, repeat=1, pandas_in_process=False))
    del big
    for file in (folder / "big").iterdir():
        file.unlink()
    if quick:
        print("  (--quick: sizes are a tenth of the full run's)")
    return points


def report(points: list[Point]) -> list[tuple[str, float, float, str, str, bool]]:
    """Print the curve; return its goal and figure lines (what, figure, baseline, unit, goal
    (empty for a figure), met)."""
    print(
        "  survey scaling curve (seconds; ratio = best peer's time / ours; peak memory: ours; "
        "nan: not run)"
    )
    print(
        f"  {'respondents':>11}  {'in-process':>10} {'pandas':>7} {'polars':>7} {'ratio':>6}  "
        f"{'from CSV':>8} {'pandas':>7} {'polars':>7} {'ratio':>6}  "
        f"{'traced in-proc':>14} {'traced CSV':>10} {'max RSS CSV':>11}"
    )
    for p in points:
        best_in = float(np.nanmin([p.in_process["pandas"], p.in_process["polars"]]))
        best_csv = min(p.from_csv["pandas"], p.from_csv["polars"])
        print(
            f"  {p.respondents:>11,}  {p.in_process['ours']:>10.3f} {p.in_process['pandas']:>7.3f} "
            f"{p.in_process['polars']:>7.3f} {best_in / p.in_process['ours']:>5.2f}x  "
            f"{p.from_csv['ours']:>8.3f} {p.from_csv['pandas']:>7.3f} {p.from_csv['polars']:>7.3f} "
            f"{best_csv / p.from_csv['ours']:>5.2f}x  {p.traced_in_process / GIB:>10.3f} GiB "
            f"{p.traced_csv / GIB:>6.3f} GiB {p.rss_csv / GIB:>7.3f} GiB"
        )
    last = points[-1]
    best_in = float(np.nanmin([last.in_process["pandas"], last.in_process["polars"]]))
    best_csv = min(last.from_csv["pandas"], last.from_csv["polars"])
    return [
        (
            f"survey from CSV, {last.respondents:,} respondents, peak RSS",
            last.rss_csv / GIB,
            MEMORY_GOAL / GIB,
            "GiB",
            "ratio >= 1 (<= 4 GiB)",
            last.rss_csv <= MEMORY_GOAL,
        ),
        (
            f"survey in-process, {last.respondents:,} respondents, vs the best peer",
            last.in_process["ours"],
            best_in,
            "s",
            "",
            True,
        ),
        (
            f"survey CSV end to end, {last.respondents:,} respondents, vs the best peer",
            last.from_csv["ours"],
            best_csv,
            "s",
            "",
            True,
        ),
    ]


def child(respondents: Path, population: Path) -> int:
    inst = bundled_instrument()
    peers.ours_from_file(inst, respondents, population)
    print(json.dumps({"max_rss": high_water()}))
    return 0


def high_water() -> int:
    """This process's peak resident set size in bytes: Linux's VmHWM, which starts afresh at
    exec (``ru_maxrss`` may carry the parent's peak over a fork), else ``ru_maxrss``."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) * 1024


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._survey_curve", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="6k, 60k and 600k respondents")
    parser.add_argument("--child", nargs=2, metavar=("CSV", "POPULATION"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(Path(args.child[0]), Path(args.child[1]))
    inst = bundled_instrument()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        national = generated(inst, 60_145 if args.quick else 601_453, folder / "national")
        goals = report(curve(inst, national, None, folder, quick=args.quick))
    for what, figure, baseline, unit, goal, met in goals:
        verdict = f", {goal}: {'met' if met else 'MISSED'}" if goal else ""
        print(f"  {what}: {figure:.3f} {unit}, baseline {baseline:.3f} {unit}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
