"""Golden cases: every ``*.cases.txtpb`` beside the bundled rulesets and in tests/golden/.

Each case is its own test (``bundled/spi-2024.cases.txtpb::probolinggo-2024``). Scenario files in
this folder name a bundled ruleset; ``rulesets/`` holds local rulesets with their cases beside them
(``NAME.txtpb`` + ``NAME.cases.txtpb``, as ``spi rules check`` expects), loaded the way a user
loads their own (``Catalog.with_directory``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import spi_engine.rulesets
from spi.v1 import scoring_pb2
from spi_engine import Catalog, InvalidRulesetError, bundled
from spi_engine.golden import load_suite, run_suite
from spi_engine.numeric import value_to_steps

HERE = Path(__file__).parent
BUNDLED_DIR = Path(spi_engine.rulesets.__file__).parent
CASES = "*.cases.txtpb"
BUNDLED_SUITES = sorted(BUNDLED_DIR.glob(CASES))
SCENARIO_SUITES = sorted(HERE.glob(CASES)) + sorted((HERE / "rulesets").glob(CASES))


def catalog() -> Catalog:
    return bundled().with_directory(HERE / "rulesets")


def label(path: Path) -> str:
    where = {BUNDLED_DIR: "bundled", HERE: "scenario"}.get(path.parent, "local")
    return f"{where}/{path.name}"


def case_params() -> list[object]:
    params: list[object] = []
    for path in BUNDLED_SUITES + SCENARIO_SUITES:
        try:
            names = [case.name for case in load_suite(path).cases]
        except InvalidRulesetError as error:  # reported by the test, not as a collection error
            params.append(pytest.param(path, -1, str(error), id=f"{label(path)}::unreadable"))
            continue
        params += [
            pytest.param(path, i, "", id=f"{label(path)}::{name}") for i, name in enumerate(names)
        ]
    return params


@pytest.mark.parametrize(("path", "index", "problem"), case_params())
def test_golden_case(path: Path, index: int, problem: str) -> None:
    assert not problem, problem
    suite = load_suite(path)
    rules = catalog().get(suite.ruleset_id)
    one = scoring_pb2.GoldenSuite(ruleset_id=suite.ruleset_id, cases=[suite.cases[index]])
    (outcome,) = run_suite(rules, one, str(path))
    assert outcome.passed, outcome.describe()


@pytest.mark.parametrize("path", BUNDLED_SUITES + SCENARIO_SUITES, ids=label)
def test_suite_file_is_valid_as_a_whole(path: Path) -> None:
    suite = load_suite(path)
    outcomes = run_suite(catalog().get(suite.ruleset_id), suite, str(path))
    assert len(outcomes) == len(suite.cases) > 0


def test_every_bundled_ruleset_has_a_suite() -> None:
    assert [p.name for p in BUNDLED_SUITES] == [f"{i}.cases.txtpb" for i in bundled().ids]
    for path in BUNDLED_SUITES:
        assert load_suite(path).ruleset_id == path.name.removesuffix(".cases.txtpb")


def test_scenario_files_exist() -> None:
    assert len(SCENARIO_SUITES) >= 3
    assert HERE / "rulesets" / "spi-2023-alt775.cases.txtpb" in SCENARIO_SUITES
    assert "spi-2023-alt775" in catalog()


@pytest.mark.parametrize("path", BUNDLED_SUITES, ids=label)
def test_bundled_suites_cover_both_sides_of_every_bound(path: Path) -> None:
    suite = load_suite(path)
    rules = bundled().get(suite.ruleset_id)
    covered = {
        (value_to_steps(case.expected_index, rules.decimals), case.expected_category)
        for case in suite.cases
        if case.tolerance == 0
    }
    for position, bound in enumerate(rules.lower_bound_steps[1:], start=1):
        assert (bound, rules.category_ids[position]) in covered
        assert (bound - 1, rules.category_ids[position - 1]) in covered


def test_local_variant_differs_from_the_bundled_year_only_in_its_scheme() -> None:
    alt, bundled_2023 = catalog().get("spi-2023-alt775"), bundled().get("spi-2023")
    assert alt.weights == bundled_2023.weights
    assert alt.correction_factors == bundled_2023.correction_factors
    assert alt.lower_bound_steps == (0, 7300, 7750)
    assert alt.sha256 != bundled_2023.sha256
