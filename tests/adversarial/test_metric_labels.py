"""Metric labels: caller-chosen ruleset and variant ids never become Prometheus series.

Issue 8 item 15. A server with a metrics endpoint gets CALLS Simulate calls, each with its own
variant id, and CALLS CompareRulesets calls, each with its own inline ruleset id. Afterwards no
line of /metrics names any of those ids (they are labelled "variant" / "inline"), so the number
of series does not grow with what callers send.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable

import pytest
from google.protobuf import text_format

from spi.v1 import ruleset_pb2
from spi.v1 import simulation_pb2 as sim

from . import harness, inputs

pytestmark = pytest.mark.adversarial

CALLS = 30


def _simulate(number: int) -> sim.SimulateRequest:
    request = inputs.valid_requests()["Simulate"]
    assert isinstance(request, sim.SimulateRequest)
    request.scenario.variant.id = f"adv-variant-{number}"
    return request


def _compare(number: int) -> sim.CompareRulesetsRequest:
    ruleset = text_format.Parse(inputs.ruleset_text(), ruleset_pb2.Ruleset())
    ruleset.id = f"adv-inline-{number}"
    return sim.CompareRulesetsRequest(
        old=sim.RulesetChoice(id="spi-2024"),
        new=sim.RulesetChoice(ruleset=ruleset),
        units=inputs.inline(),
    )


def test_caller_chosen_ids_are_not_metric_labels(spawn: Callable[..., harness.Server]) -> None:
    counts = harness.tally("metric labels")
    server = spawn("--metrics-address", "127.0.0.1:0")
    with server.channel() as channel:
        for number in range(CALLS):
            for method, request in (
                ("Simulate", _simulate(number)),
                ("CompareRulesets", _compare(number)),
            ):
                outcome = harness.invoke(channel, method, request)
                counts.tried += 1
                if not outcome.ok:
                    counts.fail("other", f"{method}: {outcome.code} {outcome.message[:100]}")
    url = f"http://127.0.0.1:{server.metrics_port}/metrics"
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    labelled = [
        line for line in text.splitlines() if "adv-variant-" in line or "adv-inline-" in line
    ]
    if labelled:
        counts.fail("other", f"{len(labelled)} series name caller ids, e.g. {labelled[0][:150]}")
    assert counts.failures() == 0, counts.verdict()
