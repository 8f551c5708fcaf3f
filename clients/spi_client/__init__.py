"""spi_client: the Python client and the `spi` command.

The client (:class:`SpiClient`) is imported when first named, so that the `spi` command working
in-process never imports grpc.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import FieldViolation, SpiRpcError
from .results import (
    CategoryCount,
    Contributions,
    GroupSummary,
    Margin,
    Provenance,
    RankedUnit,
    RulesetDetail,
    RulesetInfo,
    ScoreResult,
    SummaryResult,
    UnitResult,
    Validation,
)

__all__ = [
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


if TYPE_CHECKING:
    from .client import SpiClient


def __getattr__(name: str) -> Any:
    if name == "SpiClient":
        from .client import SpiClient

        return SpiClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
