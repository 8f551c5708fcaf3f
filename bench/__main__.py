"""Run every benchmark module (or the ones named): ``python -m bench [core serving ...]``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


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
    for name in chosen:
        started = time.perf_counter()
        print(f"\n=== bench.{name} ===", flush=True)
        importlib.import_module(f"bench.{name}").main([])
        print(f"--- bench.{name} took {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
