"""Many callers at once: every answer is the library's answer for that caller's own input."""

from __future__ import annotations

from concurrent import futures

import numpy as np
import pytest

from spi.v1 import engine_pb2, scoring_pb2
from spi_client import SpiClient
from spi_engine import bundled, score, units_from_columns
from spi_engine.api.scoring_messages import results_to_pb

pytestmark = pytest.mark.integration

CALLERS = 64
CALLS = 200


def test_64_callers_times_200_calls(server_address: str) -> None:
    total = CALLERS * CALLS
    rng = np.random.default_rng(64)
    columns = np.round(rng.uniform(0, 100, (3, total)), 2)
    corrections = np.round(rng.uniform(0, 10, total), 2)
    ids = [f"caller{i // CALLS}-call{i % CALLS}" for i in range(total)]
    rulesets = [f"spi-{2021 + i % 5}" for i in range(total)]
    expected = {}
    for ruleset_id in set(rulesets):
        rows = [i for i in range(total) if rulesets[i] == ruleset_id]
        units = units_from_columns(
            *(c[rows] for c in columns), correction=corrections[rows], ids=[ids[i] for i in rows]
        )
        for row, result in zip(
            rows, results_to_pb(score(bundled().get(ruleset_id), units)), strict=True
        ):
            expected[row] = result

    def caller(client: SpiClient, first: int) -> int:
        wrong = 0
        for row in range(first, first + CALLS):
            unit = scoring_pb2.UnitInput(
                unit_id=ids[row],
                internal=columns[0, row],
                external=columns[1, row],
                expert=columns[2, row],
                correction=corrections[row],
            )
            request = engine_pb2.ScoreRequest(ruleset_id=rulesets[row], units=[unit])
            response = client.rpc("Score", request)
            wrong += (
                response.results[0] != expected[row]
                or response.provenance.ruleset_id != rulesets[row]
            )
        return wrong

    with (
        SpiClient(server_address, timeout=60) as client,
        futures.ThreadPoolExecutor(CALLERS) as pool,
    ):
        wrong = list(pool.map(lambda k: caller(client, k * CALLS), range(CALLERS)))
    assert sum(wrong) == 0
