"""Finite huge doubles are refused with the field named, never an overflow (issue 8 item 8).

Every double of a valid request of each what-if RPC is set in turn to +-1e308, the float64
maximum and 2**63; the answer must be a result or an SpiError, with no floating-point warning
(an overflow to infinity would otherwise become a silent wrong number or an INTERNAL).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import text_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from spi.v1 import ruleset_pb2
from spi.v1 import simulation_pb2 as pb
from spi_client.cli.main import main
from spi_engine import InvalidInputError, SpiError, bundled, units_from_columns
from spi_engine.api import whatif as answer_whatif
from spi_engine.api.scoring_messages import units_to_pb
from spi_engine.datasets import Datasets
from spi_engine.errors import LimitExceededError
from spi_engine.validation import validate

SOURCES = answer_whatif.Sources(bundled(), Datasets({}))
UNITS = pb.UnitSelection(
    inline=pb.InlineUnits(
        units=units_to_pb(
            units_from_columns([75.61, 50], [89.02, 60], [73.53, 70], correction=[7.59, 0])
        )
    )
)
VARIANT = pb.RulesetVariant(
    id="v1",
    label="v",
    weights=pb.VariantWeights(internal=0.3, external=0.3, expert=0.4),
    lower_bounds=[pb.CategoryBound(category="terjaga", lower_bound=80)],
    correction_factors=pb.VariantFactors(integrity=1, prevalence=0.5),
)
SAMPLE = pb.RespondentSample(
    respondents=pb.ComponentValues(internal=120, external=200, expert=10),
    deviations=pb.ComponentValues(internal=12, external=10, expert=9),
    population=pb.ComponentValues(internal=1000, external=5000, expert=20),
)
REQUESTS: dict[str, Message] = {
    "simulate": pb.SimulateRequest(
        ruleset_id="spi-2024",
        units=UNITS,
        scenario=pb.Scenario(
            interventions=[
                pb.Intervention(lever="external", operation=pb.OPERATION_SCALE, value=1.5)
            ],
            variant=VARIANT,
        ),
    ),
    "goal_seek": pb.GoalSeekRequest(
        ruleset_id="spi-2024",
        units=UNITS,
        target=pb.Target(index=80),
        costs=[
            pb.LeverCost(lever="external", cost_per_point=2, max_change=5),
            pb.LeverCost(lever="internal", cost_per_point=1),
        ],
    ),
    "sensitivity": pb.SensitivityRequest(ruleset_id="spi-2024", units=UNITS),
    "sweep": pb.SweepRequest(
        ruleset_id="spi-2024",
        units=UNITS,
        axes=[
            pb.SweepAxis(lever="external", range=pb.AxisRange(start=80, stop=90, step=1)),
            pb.SweepAxis(lever="internal", list=pb.AxisValues(values=[70, 75])),
        ],
    ),
    "compare_rulesets": pb.CompareRulesetsRequest(
        old=pb.RulesetChoice(id="spi-2024"),
        new=pb.RulesetChoice(variant=pb.VariantOf(base_id="spi-2024", variant=VARIANT)),
        units=UNITS,
    ),
    "estimate_uncertainty": pb.EstimateUncertaintyRequest(
        ruleset_id="spi-2024",
        units=UNITS,
        sampling=pb.SamplingInput(respondents=pb.RespondentSamples(units=[SAMPLE])),
        level=0.95,
        draws=200,
        seed=1,
        certainty=0.9,
    ),
}
HUGE = [1e308, -1e308, 1.7976931348623157e308, 2.0**63]


def _doubles(message: Message, prefix: str = "") -> Iterator[str]:
    for field in message.DESCRIPTOR.fields:
        path = prefix + field.name
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.is_repeated:
                for i, item in enumerate(getattr(message, field.name)):
                    yield from _doubles(item, f"{path}[{i}].")
            elif message.HasField(field.name):
                yield from _doubles(getattr(message, field.name), path + ".")
        elif field.type == FieldDescriptor.TYPE_DOUBLE:
            yield f"{path}[0]" if field.is_repeated else path


def _set(message: Any, path: str, value: float) -> None:
    *parents, last = path.replace("]", "").split(".")
    for part in parents:
        name, _, index = part.partition("[")
        message = getattr(message, name)[int(index)] if index else getattr(message, name)
    name, _, index = last.partition("[")
    if index:
        getattr(message, name)[int(index)] = value
    else:
        setattr(message, name, value)


CASES = [(rpc, path) for rpc, request in REQUESTS.items() for path in _doubles(request)]


@pytest.mark.parametrize(("rpc", "path"), CASES, ids=[f"{r}:{p}" for r, p in CASES])
def test_a_huge_double_anywhere_is_refused_or_answered_without_overflow(
    rpc: str, path: str
) -> None:
    for value in HUGE:
        request = type(REQUESTS[rpc])()
        request.CopyFrom(REQUESTS[rpc])
        _set(request, path, value)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                answer = getattr(answer_whatif, rpc)(request, SOURCES)
                if not isinstance(answer, Message):
                    list(answer)
            except SpiError:
                pass


@pytest.mark.parametrize("index", [1e308, -1e308])
def test_goal_seek_target_index_1e308(index: float) -> None:
    request = pb.GoalSeekRequest(ruleset_id="spi-2024", units=UNITS, target=pb.Target(index=index))
    with pytest.raises(InvalidInputError) as caught:
        answer_whatif.goal_seek(request, SOURCES)
    assert caught.value.violations[0].field == "target"


@pytest.mark.parametrize(
    ("start", "stop", "step", "field"),
    [
        (80, 95, 1e308, "axes[0].range.step"),
        (80, 1e308, 0.5, "axes[0].range.stop"),
        (-1e308, 95, 0.5, "axes[0].range.start"),
    ],
)
def test_sweep_ranges_with_1e308(start: float, stop: float, step: float, field: str) -> None:
    axis = pb.SweepAxis(lever="external", range=pb.AxisRange(start=start, stop=stop, step=step))
    request = pb.SweepRequest(ruleset_id="spi-2024", units=UNITS, axes=[axis])
    with pytest.raises(InvalidInputError) as caught:
        list(answer_whatif.sweep(request, SOURCES))
    assert caught.value.violations[0].field == field


def test_a_range_of_10_to_the_15_points_is_over_the_limit_before_it_exists() -> None:
    axis = pb.SweepAxis(lever="external", range=pb.AxisRange(start=0, stop=1e13, step=0.01))
    request = pb.SweepRequest(ruleset_id="spi-2024", units=UNITS, axes=[axis])
    with pytest.raises(LimitExceededError, match="sweep grid points"):
        list(answer_whatif.sweep(request, SOURCES))


def _ruleset_2024() -> ruleset_pb2.Ruleset:
    path = Path(__file__).parents[3] / "spi_engine" / "rulesets" / "spi-2024.txtpb"
    return text_format.Parse(path.read_text("utf-8"), ruleset_pb2.Ruleset())


def test_weights_of_1e308_are_violations_not_an_overflow() -> None:
    rules = _ruleset_2024()
    rules.weights.internal = rules.weights.external = 1e308
    fields = [v.field for v in validate(rules)]
    assert fields == ["weights.internal", "weights.external"]


def test_a_correction_factor_of_1e308_is_a_violation() -> None:
    rules = _ruleset_2024()
    rules.correction.integrity.factor = 1e308
    (violation,) = validate(rules)
    assert violation.field == "correction.integrity.factor"


def test_rules_check_of_huge_weights_exits_5_as_an_invalid_ruleset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rules = _ruleset_2024()
    rules.weights.internal = rules.weights.external = 1e308
    path = tmp_path / "huge.txtpb"
    path.write_text(text_format.MessageToString(rules), "utf-8")
    code = main(["rules", "check", str(path)])
    out = capsys.readouterr().out
    assert code == 5  # an invalid ruleset file (spi --help: exit codes)
    assert "weights.internal: expected a weight from 0 to 1; got 1e+308" in out


@pytest.mark.parametrize(("rpc", "path"), CASES, ids=[f"{r}:{p}" for r, p in CASES])
def test_nan_or_infinity_anywhere_is_an_error_never_absent(rpc: str, path: str) -> None:
    for value in (float("nan"), float("inf"), float("-inf")):
        request = type(REQUESTS[rpc])()
        request.CopyFrom(REQUESTS[rpc])
        _set(request, path, value)
        with pytest.raises(SpiError):
            _answer(rpc, request)


def _answer(rpc: str, request: Message) -> None:
    answer = getattr(answer_whatif, rpc)(request, SOURCES)
    if not isinstance(answer, Message):
        list(answer)
