"""What-if simulation for planners: one import for scenarios, rule variants, goal seeking,
plans, sensitivity, sweeps, uncertainty and reference datasets.

>>> from spi_engine import bundled, units_from_columns
>>> from spi_engine.whatif import goal_seek
>>> unit = units_from_columns([75.61], [89.02], [73.53], correction=[7.59])
>>> seek = goal_seek(bundled().get("spi-2024"), unit, "waspada")
>>> [(lever, seek.change(0, lever)) for lever in ("internal", "external", "expert", "correction")]
[('internal', 4.4), ('external', 4.09), ('expert', 3.66), ('correction', -1.34)]
"""

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
from .goal import GoalSeek, goal_seek
from .impact import Impact, compare_rulesets
from .levers import LEVERS
from .plan import Plan, cheapest_plan
from .scenario import Intervention, Scenario, Simulation, simulate
from .sensitivity import Sensitivity, lever_sensitivity
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
from .variants import Variant, derive_variant

__all__ = [
    "LEVERS",
    "Axis",
    "Certainty",
    "Comparison",
    "Dataset",
    "DatasetSimulation",
    "Datasets",
    "Estimate",
    "GoalSeek",
    "Impact",
    "Intervention",
    "MonteCarlo",
    "Plan",
    "Sampling",
    "Scenario",
    "Sensitivity",
    "Simulation",
    "Sweep",
    "Variant",
    "axis",
    "cheapest_plan",
    "compare_rulesets",
    "derive_variant",
    "estimate_uncertainty",
    "goal_seek",
    "lever_sensitivity",
    "load_dataset",
    "load_datasets",
    "monte_carlo",
    "respondents_for_certainty",
    "sampling_from_errors",
    "sampling_from_respondents",
    "simulate",
    "simulate_dataset",
    "sweep_levers",
]
