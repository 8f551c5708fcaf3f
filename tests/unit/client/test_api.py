"""The public surface of spi_client is what __all__ lists; this test locks it."""

from __future__ import annotations

import dataclasses

import spi_client

EXPECTED = [
    "CategoryCount",
    "Contributions",
    "FieldViolation",
    "GroupSummary",
    "Margin",
    "Provenance",
    "RankedUnit",
    "RulesetDetail",
    "RulesetInfo",
    "ScoreResult",
    "SpiClient",
    "SpiRpcError",
    "SummaryResult",
    "UnitResult",
    "Validation",
]


def test_all_is_locked() -> None:
    assert spi_client.__all__ == EXPECTED


def test_results_are_frozen_dataclasses() -> None:
    for name in EXPECTED:
        exported = getattr(spi_client, name)
        if dataclasses.is_dataclass(exported):
            assert exported.__dataclass_params__.frozen, name  # type: ignore[attr-defined]
