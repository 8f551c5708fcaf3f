"""Run every benchmark module (or the ones named): ``python -m bench [--summary FILE] [core ...]``.

The run ends with its summary: every goal and headline figure the modules recorded
(:mod:`bench._goals`), as one Markdown table, with the date, the machine's load and the commit.
``--summary FILE`` also writes that summary to FILE, which ``python -m bench._publish`` copies
into the README and docs/benchmarks.md (``make bench`` does both).
"""

from __future__ import annotations

import datetime
import importlib
import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

from bench import _goals


def main(argv: list[str]) -> int:
    summary_file, chosen = _options(argv)
    here = Path(__file__).parent
    available = sorted(
        m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_")
    )
    chosen = chosen or available
    unknown = sorted(set(chosen) - set(available))
    if unknown or summary_file == "":
        problem = (
            "--summary needs a file name"
            if summary_file == ""
            else f"unknown benchmark(s): {', '.join(unknown)}"
        )
        print(f"{problem}; available: {', '.join(available)}", file=sys.stderr)
        return 2
    began, load = _now(), _load()
    run_started = time.perf_counter()
    for name in chosen:
        started = time.perf_counter()
        print(f"\n=== bench.{name} ===", flush=True)
        importlib.import_module(f"bench.{name}").main([])
        print(f"--- bench.{name} took {time.perf_counter() - started:.1f} s", flush=True)
    minutes = (time.perf_counter() - run_started) / 60
    heading = (
        f"Run of `python -m bench{' ' + ' '.join(argv) if argv else ''}`: {began} to {_now()} "
        f"({minutes:.1f} min); load average {load} at the start, {_load()} at the end; "
        f"{os.cpu_count()} cores; {_source()}."
    )
    summary = _goals.summary(heading, _goals.LINES)
    print("\n=== summary ===\n")
    print(summary, end="")
    if summary_file:
        Path(summary_file).parent.mkdir(parents=True, exist_ok=True)
        Path(summary_file).write_text(summary, "utf-8")
        print(f"\n(summary written to {summary_file})")
    return 0


def _options(argv: list[str]) -> tuple[str | None, list[str]]:
    """(--summary's file or None; "" when the flag has no value), and the benchmarks named."""
    if "--summary" not in argv:
        return None, argv
    at = argv.index("--summary")
    value = argv[at + 1] if at + 1 < len(argv) and not argv[at + 1].startswith("-") else ""
    return value, argv[:at] + argv[at + 2 :]


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _source() -> str:
    """The engine version and, in a git checkout, the commit (marked when the tree has changes)."""
    from spi_engine import __version__

    try:
        commit = _git("rev-parse", "--short=12", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return f"spi-engine {__version__}"
    return f"spi-engine {__version__} at commit {commit}{' with local changes' if dirty else ''}"


def _git(*args: str) -> str:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout.strip()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
