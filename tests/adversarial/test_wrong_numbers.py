"""Random valid units over gRPC against an exact-decimal oracle; a correction is never assumed.

Issue 8 items 1 and 2. 600 seeded units (2-decimal components 0-100, corrections 0-30 as two parts
or one total) are scored under every loaded ruleset, in batches and one by one; each published
index and category must equal the oracle's (fractions.Fraction of the weights and inputs from
GetRuleset, ROUND_HALF_UP at the ruleset's decimals, the category of the rounded index). A unit
whose correction is absent, or NaN in any of its three fields, must be refused with
INVALID_ARGUMENT in every RPC that takes units, never scored.
"""

from __future__ import annotations

import math
import random

import pytest

from spi.v1 import engine_pb2, scoring_pb2

from . import harness, inputs

pytestmark = pytest.mark.adversarial

UNITS = 600
BATCH = 50
SINGLES = 100
"""The first SINGLES units are also scored one per call (the server's one-unit path)."""
CORRECTIONS = ("correction_integrity", "correction_prevalence", "correction")


def _random_unit(generator: random.Random, number: int) -> scoring_pb2.UnitInput:
    def two_decimals(high: int) -> float:
        return generator.randrange(high * 100 + 1) / 100

    unit = scoring_pb2.UnitInput(
        unit_id=f"u{number}",
        internal=two_decimals(100),
        external=two_decimals(100),
        expert=two_decimals(100),
    )
    if generator.random() < 0.7:
        unit.correction_integrity = two_decimals(30)
        unit.correction_prevalence = two_decimals(30)
    else:
        unit.correction = two_decimals(30)
    return unit


def _check(
    counts: harness.Tally,
    oracle: inputs.Oracle,
    units: list[scoring_pb2.UnitInput],
    outcome: harness.Outcome,
) -> None:
    if not outcome.ok:
        counts.fail("internal" if outcome.code == "INTERNAL" else "other", str(outcome)[:300])
        return
    results = outcome.responses[0].results  # type: ignore[attr-defined]
    for unit, result in zip(units, results, strict=True):
        counts.tried += 1
        steps = oracle.steps(unit)
        got = inputs.steps_of(result.index, oracle.decimals)
        if got != steps or result.category != oracle.category(steps):
            counts.fail("wrong", f"{unit}: {result.index} {result.category}; oracle {steps}")


def test_random_units_equal_the_exact_decimal_oracle(shared_server: harness.Server) -> None:
    counts = harness.tally("wrong numbers")
    generator = random.Random(8)
    units = [_random_unit(generator, n) for n in range(UNITS)]
    with shared_server.channel() as channel:
        for ruleset_id, ruleset in inputs.rulesets(channel).items():
            oracle = inputs.Oracle.of(ruleset)
            if oracle.factors[0] != oracle.factors[1]:
                continue  # a correction total needs the parts' common factor
            for start in range(0, UNITS, BATCH):
                batch = units[start : start + BATCH]
                request = engine_pb2.ScoreRequest(ruleset_id=ruleset_id, units=batch)
                _check(counts, oracle, batch, harness.invoke(channel, "Score", request))
            for unit in units[:SINGLES]:
                request = engine_pb2.ScoreRequest(ruleset_id=ruleset_id, units=[unit])
                _check(counts, oracle, [unit], harness.invoke(channel, "Score", request))
    assert counts.tried >= UNITS, "no ruleset was checked"
    assert counts.failures() == 0, counts.verdict()


def _without_correction() -> list[tuple[str, scoring_pb2.UnitInput]]:
    """(what is wrong, unit): absent correction, and NaN in each correction field."""
    bare = inputs.unit("no-correction")
    bare.ClearField("correction_integrity")
    bare.ClearField("correction_prevalence")
    cases = [("absent correction", bare)]
    for name in CORRECTIONS:
        poisoned = scoring_pb2.UnitInput()
        poisoned.CopyFrom(bare)
        setattr(poisoned, name, math.nan)
        cases.append((f"{name} NaN", poisoned))
    return cases


def _carrying(method: str, unit: scoring_pb2.UnitInput) -> object:
    """The valid request of ``method`` with its first unit replaced by ``unit``."""
    request = inputs.valid_requests()[method]
    copy = type(request)()
    copy.CopyFrom(request)  # type: ignore[arg-type]
    units = copy.units if method in ("Score", "Summarize") else copy.units.inline.units  # type: ignore[attr-defined]
    units[0].CopyFrom(unit)
    return copy


UNIT_METHODS = (
    "Score",
    "Summarize",
    "Simulate",
    "GoalSeek",
    "Sensitivity",
    "Sweep",
    "EstimateUncertainty",
    "CompareRulesets",
)


def test_a_missing_or_nan_correction_is_refused_everywhere(shared_server: harness.Server) -> None:
    counts = harness.tally("missing correction")
    with shared_server.channel() as channel:
        for what, unit in _without_correction():
            for method in UNIT_METHODS:
                outcome = harness.invoke(channel, method, _carrying(method, unit))  # type: ignore[arg-type]
                counts.tried += 1
                example = f"{method} {what}: {outcome.code} {outcome.message[:150]}"
                if outcome.ok:
                    counts.fail("wrong", f"{example} (scored)")
                elif outcome.code in ("INTERNAL", "UNKNOWN"):
                    counts.fail("internal", example)
                elif outcome.code != "INVALID_ARGUMENT" or not any(
                    "correction" in f for f in outcome.fields
                ):
                    counts.fail("other", f"{example} {outcome.fields}")
    assert counts.failures() == 0, counts.verdict()


def test_the_oracle_agrees_with_the_issue_example() -> None:
    """The oracle itself: 75.61/89.02/79.53 with correction 7.59 is 73.86 waspada (issue 8)."""
    from google.protobuf import text_format

    from spi.v1 import ruleset_pb2

    ruleset = text_format.Parse(inputs.ruleset_text(), ruleset_pb2.Ruleset())
    oracle = inputs.Oracle.of(ruleset)
    unit = scoring_pb2.UnitInput(internal=75.61, external=89.02, expert=79.53, correction=7.59)
    assert (oracle.steps(unit), oracle.category(oracle.steps(unit))) == (7386, "waspada")
