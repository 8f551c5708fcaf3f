"""ScoreColumns against a real spi-server: the library's answer, the row form's numbers through
the client (dicts and DataFrames), its errors and its decision-log line."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spi.v1 import columns_pb2, engine_pb2, scoring_pb2
from spi_client import SpiClient, SpiRpcError
from spi_client.results import score_from_pb
from spi_engine import InvalidInputError, __version__, bundled, score
from spi_engine.api.scoring_columns import score_columns_response_to_pb, units_from_columns_pb

from .conftest import ServerProcess

pytestmark = pytest.mark.integration

UNITS: list[dict[str, Any]] = [
    {"unit_id": "a", "group": "kota", "internal": 80.0, "external": 85.5, "expert": 70.25},
    {"unit_id": "b", "group": "kabupaten", "internal": 75.61, "external": 89.02, "expert": 73.53},
    {"unit_id": "c", "internal": 72.0, "external": 74.0, "expert": 73.0},
    {"unit_id": "d", "group": "kota", "internal": 100.0, "external": 100.0, "expert": 100.0},
    {"unit_id": "e", "internal": 0.0, "external": 0.0, "expert": 0.0},
]
CORRECTIONS = (0.0, 7.59, 0.75, 0.0, 3.0)
UNITS = [{**u, "correction": c} for u, c in zip(UNITS, CORRECTIONS, strict=True)]
UNITS[2] |= {"correction_integrity": 0.5, "correction_prevalence": 0.25}


def _f64(values: list[float]) -> bytes:
    return np.asarray(values, dtype="<f8").tobytes()


def _request(ruleset_id: str = "spi-2024") -> engine_pb2.ScoreColumnsRequest:
    columns = columns_pb2.UnitColumns(
        unit_ids=[u["unit_id"] for u in UNITS],
        groups=[u.get("group", "") for u in UNITS],
        internal=_f64([u["internal"] for u in UNITS]),
        external=_f64([u["external"] for u in UNITS]),
        expert=_f64([u["expert"] for u in UNITS]),
        correction=_f64([u["correction"] for u in UNITS]),
    )
    return engine_pb2.ScoreColumnsRequest(ruleset_id=ruleset_id, columns=columns)


def test_score_columns_equals_the_library(client: SpiClient) -> None:
    request = _request()
    response = client.rpc("ScoreColumns", request)
    library = score(bundled().get("spi-2024"), units_from_columns_pb(request.columns))
    assert response == score_columns_response_to_pb(library, response.decision_id)
    assert response.decision_id


def test_score_many_by_columns_equals_the_row_form(client: SpiClient) -> None:
    for ruleset_id in ("spi-2023", "spi-2024", "spi-2025"):
        rows = client.rpc(
            "Score",
            engine_pb2.ScoreRequest(
                ruleset_id=ruleset_id, units=[scoring_pb2.UnitInput(**u) for u in UNITS]
            ),
        )
        expected = score_from_pb(rows)
        typed = client.score_many(ruleset_id, UNITS)
        assert typed.results == expected.results
        assert typed.provenance == expected.provenance
        assert typed.decision_id != expected.decision_id
        frame = pd.DataFrame(UNITS, index=[10, 11, 12, 13, 14])
        scored = client.score_many(ruleset_id, frame)
        wanted = expected.to_frame(index=frame.index)
        pd.testing.assert_frame_equal(scored, wanted)
        assert scored.attrs["decision_id"]


def test_score_columns_errors_name_the_column_and_row(client: SpiClient) -> None:
    request = _request()
    values = np.frombuffer(request.columns.external, dtype="<f8").copy()
    values[3] = 101.5
    request.columns.external = values.tobytes()
    with pytest.raises(SpiRpcError) as raised:
        client.rpc("ScoreColumns", request)
    assert raised.value.code.name == "INVALID_ARGUMENT"
    assert [(v.field, v.description) for v in raised.value.violations] == [
        ("columns.external[3]", "expected a number from 0 to 100; got 101.5")
    ]


def test_score_many_names_a_refused_unit_as_the_caller_wrote_it(client: SpiClient) -> None:
    units = [dict(UNITS[1]) for _ in range(5)]
    units[3]["external"] = 101.5
    with pytest.raises(SpiRpcError) as raised:
        client.score_many("spi-2024", units)
    assert raised.value.code.name == "INVALID_ARGUMENT"
    assert [(v.field, v.description) for v in raised.value.violations] == [
        ("units[3].external", "expected a number from 0 to 100; got 101.5")
    ]


def test_score_columns_is_decision_logged(server: ServerProcess, client: SpiClient) -> None:
    request = _request()
    response = client.rpc("ScoreColumns", request)
    assert server.decision_log is not None
    lines = [json.loads(line) for line in server.decision_log.read_text().splitlines()]
    line = next(x for x in lines if x["decision_id"] == response.decision_id)
    assert line == {
        "decision_id": response.decision_id,
        "time": line["time"],
        "method": "ScoreColumns",
        "caller": "anonymous",
        "ruleset_id": "spi-2024",
        "ruleset_sha256": bundled().get("spi-2024").sha256,
        "engine_version": __version__,
        "units": len(UNITS),
        "request_sha256": hashlib.sha256(request.SerializeToString()).hexdigest(),
        "response_sha256": hashlib.sha256(response.SerializeToString()).hexdigest(),
        "status": "OK",
    }


def test_a_frame_with_a_column_it_does_not_know_is_refused_not_sent_by_columns(
    client: SpiClient,
) -> None:
    frame = pd.DataFrame(UNITS).drop(columns=["correction_integrity", "correction_prevalence"])
    frame["koreksi"] = 7.59
    with pytest.raises(InvalidInputError, match="unknown column 'koreksi'"):
        client.score_many("spi-2024", frame)


def test_a_frame_of_numbers_as_text_or_ids_under_an_alias_goes_by_rows(client: SpiClient) -> None:
    frame = pd.DataFrame(UNITS).drop(columns=["correction_integrity", "correction_prevalence"])
    texts = frame.astype({"internal": str})
    with pytest.raises(InvalidInputError) as refused:
        client.score_many("spi-2024", texts)
    assert refused.value.violations[0].field == "units[0].internal"
    aliased = frame.rename(columns={"unit_id": "institution_id", "group": "type"})
    scored = client.score_many("spi-2024", aliased)
    assert list(scored["unit_id"]) == [u["unit_id"] for u in UNITS]
