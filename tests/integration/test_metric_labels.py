"""Prometheus series stay bounded whatever ruleset ids callers choose (issue 8, item 15): only
loaded rulesets are labelled by id; any other (a variant, a whole ruleset sent inline) is
counted as "variant"."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest

from bench import _abuse
from spi.v1 import simulation_pb2 as pb
from spi_server import app

pytestmark = pytest.mark.integration

CALLS = 1500


def series(running: app.Server, name: str) -> set[tuple[tuple[str, str], ...]]:
    return {
        tuple(sorted(sample.labels.items()))
        for family in running.metrics.registry.collect()
        for sample in family.samples
        if sample.name == name
    }


def test_caller_chosen_ruleset_ids_do_not_make_new_series(
    start_inprocess: Callable[..., app.Server],
) -> None:
    running = start_inprocess(access_log=False)
    units = _abuse.units(1)
    with grpc.insecure_channel(running.target) as channel:
        compare = channel.unary_stream("/spi.v1.SpiEngine/CompareRulesets")
        for i in range(CALLS):
            variant = pb.RulesetVariant(id=f"caller-variant-{i}")
            request = pb.CompareRulesetsRequest(
                old=pb.RulesetChoice(id="spi-2024"),
                new=pb.RulesetChoice(variant=pb.VariantOf(base_id="spi-2024", variant=variant)),
                units=units,
            )
            assert list(compare(request.SerializeToString(), timeout=30))
        score = channel.unary_unary("/spi.v1.SpiEngine/Score")
        score(_abuse.SCORE, timeout=30)
    labels = series(running, "spi_units_scored_total")
    assert labels == {
        (("method", "CompareRulesets"), ("ruleset", "spi-2024,variant")),
        (("method", "Score"), ("ruleset", "spi-2024")),
    }
