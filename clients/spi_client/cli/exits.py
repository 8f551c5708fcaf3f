"""The exit codes of `spi`, and what happens when standard output is closed early.

0 ok; 1 anything else (an internal error, or an answer cut short by a closed standard output);
2 bad input; 3 `spi rules diff --fail-on-change` when results change; 4 `spi rules check` when a
golden case fails; 5 a ruleset file that does not parse or validate (for `spi rules check` also:
provenance stating a fit its numbers no longer give).
"""

from __future__ import annotations

import os
import sys

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_CHANGED = 3
"""`spi rules diff --fail-on-change`: some unit's published index or category changes."""
EXIT_GOLDEN_FAILED = 4
"""`spi rules check`: a valid ruleset whose golden cases do not all pass."""
EXIT_INVALID_RULESET = 5
"""A ruleset (or cases) file that does not parse or validate, or states a stale fit."""


def output_cut(code: int) -> int:
    """Standard output was closed early (`| head`): say so, and return ``code`` (never 0).

    Later writes (and the flush at exit) go to /dev/null, so Python prints no second error.
    """
    code = code or EXIT_INTERNAL
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor behind sys.stdout (a test's capture)
        pass
    print(
        f"spi: error: standard output was closed before the whole answer was written (exit {code})",
        file=sys.stderr,
    )
    return code
