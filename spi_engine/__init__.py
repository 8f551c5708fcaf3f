"""spi-engine: deterministic scoring and simulation for Indonesia's Survei Penilaian Integritas.

The core is pure (numpy, the standard library and the generated protobuf messages); it never
imports grpc. The public surface is what ``__all__`` lists here (scoring) and in
:mod:`spi_engine.whatif` (simulation for planners); a test locks both.

>>> from spi_engine import bundled, score, units_from_columns
>>> rules = bundled().get("spi-2024")
>>> result = score(rules, units_from_columns([75.61], [89.02], [73.53], correction=[7.59]))
>>> result.index.tolist(), result.categories
([71.66], ('rentan',))
"""

from .catalog import Catalog, bundled, load_directory
from .errors import (
    InvalidInputError,
    InvalidRulesetError,
    LimitExceededError,
    SpiError,
    UnknownDatasetError,
    UnknownRulesetError,
    Violation,
)
from .ruleset import Ruleset, load_file, parse_text
from .scoring import Scores, score
from .summary import GroupSummary, Summary, summarize
from .units import Units, units_from_columns
from .version import __version__

__all__ = [
    "Catalog",
    "GroupSummary",
    "InvalidInputError",
    "InvalidRulesetError",
    "LimitExceededError",
    "Ruleset",
    "Scores",
    "SpiError",
    "Summary",
    "Units",
    "UnknownDatasetError",
    "UnknownRulesetError",
    "Violation",
    "__version__",
    "bundled",
    "load_directory",
    "load_file",
    "parse_text",
    "score",
    "summarize",
    "units_from_columns",
]
