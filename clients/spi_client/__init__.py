"""spi_client: the Python client and the `spi` command."""

from .client import SpiClient
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
