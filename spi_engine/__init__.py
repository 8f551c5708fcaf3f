"""spi-engine: deterministic scoring and simulation for Indonesia's Survei Penilaian Integritas.

The core is pure (numpy, the standard library and the generated protobuf messages); it never
imports grpc. The public surface is what ``__all__`` lists; a test locks it.

>>> from spi_engine import bundled, score, units_from_columns
>>> rules = bundled().get("spi-2024")
>>> result = score(rules, units_from_columns([75.61], [89.02], [73.53], correction=[7.59]))
>>> result.index.tolist(), result.categories
([71.66], ('rentan',))
"""

__version__ = "0.1.0"

from .catalog import Catalog, bundled, load_directory
from .certainty import Certainty, respondents_for_certainty
from .comparison import Comparison
from .datasets import (
    Dataset,
    Datasets,
    DatasetSimulation,
    load_dataset,
    load_datasets,
    simulate_dataset,
)
from .errors import (
    InvalidInputError,
    InvalidRulesetError,
    LimitExceededError,
    SpiError,
    UnknownDatasetError,
    UnknownRulesetError,
    Violation,
)
from .goal import GoalSeek, goal_seek
from .impact import Impact, compare_rulesets
from .levers import LEVERS
from .plan import Plan, cheapest_plan
from .ruleset import Ruleset, load_file, parse_text
from .scenario import Intervention, Scenario, Simulation, simulate
from .scoring import Scores, score
from .sensitivity import Sensitivity, lever_sensitivity
from .summary import GroupSummary, Summary, summarize
from .sweep import Axis, Sweep, axis, sweep_levers
from .uncertainty import (
    Estimate,
    MonteCarlo,
    Sampling,
    estimate_uncertainty,
    monte_carlo,
    sampling_from_errors,
    sampling_from_respondents,
)
from .units import Units, units_from_columns
from .variants import Variant, derive_variant

__all__ = [
    "LEVERS",
    "Axis",
    "Catalog",
    "Certainty",
    "Comparison",
    "Dataset",
    "DatasetSimulation",
    "Datasets",
    "Estimate",
    "GoalSeek",
    "GroupSummary",
    "Impact",
    "Intervention",
    "InvalidInputError",
    "InvalidRulesetError",
    "LimitExceededError",
    "MonteCarlo",
    "Plan",
    "Ruleset",
    "Sampling",
    "Scenario",
    "Scores",
    "Sensitivity",
    "Simulation",
    "SpiError",
    "Summary",
    "Sweep",
    "Units",
    "UnknownDatasetError",
    "UnknownRulesetError",
    "Variant",
    "Violation",
    "__version__",
    "axis",
    "bundled",
    "cheapest_plan",
    "compare_rulesets",
    "derive_variant",
    "estimate_uncertainty",
    "goal_seek",
    "lever_sensitivity",
    "load_dataset",
    "load_datasets",
    "load_directory",
    "load_file",
    "monte_carlo",
    "parse_text",
    "respondents_for_certainty",
    "sampling_from_errors",
    "sampling_from_respondents",
    "score",
    "simulate",
    "simulate_dataset",
    "summarize",
    "sweep_levers",
    "units_from_columns",
]
