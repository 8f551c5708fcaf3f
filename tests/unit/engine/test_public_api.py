"""The public surface of spi_engine is what __all__ lists; this test locks it."""

from __future__ import annotations

import spi_engine
from spi_engine import whatif

EXPECTED = [
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


WHATIF = [
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


def test_all_is_locked() -> None:
    assert spi_engine.__all__ == EXPECTED


def test_whatif_all_is_locked() -> None:
    assert whatif.__all__ == WHATIF
    assert [name for name in whatif.__all__ if not hasattr(whatif, name)] == []


def test_every_exported_name_exists() -> None:
    missing = [name for name in spi_engine.__all__ if not hasattr(spi_engine, name)]
    assert missing == []


def test_errors_form_one_tree() -> None:
    for name in (
        "InvalidInputError",
        "InvalidRulesetError",
        "LimitExceededError",
        "UnknownRulesetError",
    ):
        assert issubclass(getattr(spi_engine, name), spi_engine.SpiError)
    assert issubclass(spi_engine.InvalidInputError, ValueError)
    assert issubclass(spi_engine.UnknownRulesetError, LookupError)


def test_version_is_a_string() -> None:
    assert isinstance(spi_engine.__version__, str)
    assert spi_engine.__version__.count(".") == 2
