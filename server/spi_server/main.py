"""``spi-server``: parse the configuration, then serve in this process or in ``--processes``
worker processes (:mod:`spi_server.serving` says what one process does with its signals)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from . import logs
from .config import ConfigError, parse
from .serving import EXIT_CANNOT_START, serve
from .workers import run_workers


def main(argv: Sequence[str] | None = None) -> int:
    try:
        config = parse(argv)
    except ConfigError as error:
        print(f"spi-server: error: {error}", file=sys.stderr)
        return EXIT_CANNOT_START
    logs.configure(config.log_level)
    if config.processes > 1:
        return run_workers(config)
    return serve(config)


if __name__ == "__main__":
    sys.exit(main())
