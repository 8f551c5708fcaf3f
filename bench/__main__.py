"""Run every benchmark module (or the ones named): ``python -m bench [core serving ...]``.

The run ends with its summary: every goal and headline figure the modules recorded
(:mod:`bench._goals`), as one Markdown table, with the date and the machine's load.
"""

from __future__ import annotations

import datetime
import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

from bench import _goals


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    available = sorted(
        m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_")
    )
    chosen = argv or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}",
            file=sys.stderr,
        )
        return 2
    began, load = _now(), _load()
    run_started = time.perf_counter()
    for name in chosen:
        started = time.perf_counter()
        print(f"\n=== bench.{name} ===", flush=True)
        importlib.import_module(f"bench.{name}").main([])
        print(f"--- bench.{name} took {time.perf_counter() - started:.1f} s", flush=True)
    seconds = time.perf_counter() - run_started
    print(f"\n=== summary: {began} to {_now()}, {seconds / 60:.1f} min; load average {load} at the")
    print(f"start, {_load()} at the end; {os.cpu_count()} cores ===\n")
    print(_goals.table(_goals.LINES))
    missed = sum(line.verdict == _goals.MISSED for line in _goals.LINES)
    met = sum(line.verdict == _goals.MET for line in _goals.LINES)
    print(f"\ngoals: {met} met, {missed} missed")
    return 0


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
