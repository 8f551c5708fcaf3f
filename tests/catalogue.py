"""The bundled rulesets as the tests see them: read from spi_engine/rulesets/, never typed by
hand, so that adding a year's ruleset (spi-2026.txtpb) needs no test edited."""

from __future__ import annotations

from pathlib import Path

import spi_engine.rulesets

RULESETS_DIR = Path(spi_engine.rulesets.__file__).parent
CASES_SUFFIX = ".cases.txtpb"
BUNDLED_IDS = tuple(
    sorted(
        path.name.removesuffix(".txtpb")
        for path in RULESETS_DIR.glob("*.txtpb")
        if not path.name.endswith(CASES_SUFFIX)
    )
)
"""Every bundled ruleset id (a file's stem is its id), in the catalogue's order."""
KNOWN = ", ".join(BUNDLED_IDS)
"""The ids as error messages list them."""
