"""Every RPC through the client against a real spi-server, compared with the library."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest

from spi.v1 import engine_pb2, scoring_pb2
from spi_client import SpiClient, SpiRpcError
from spi_engine import bundled, score, summarize
from spi_engine.api.scoring_messages import score_response_to_pb, summary_to_pb, units_from_pb

pytestmark = pytest.mark.integration

PROBOLINGGO = {"internal": 75.61, "external": 89.02, "expert": 73.53, "correction": 7.59}
UNITS = [
    {
        "unit_id": "a",
        "group": "kota",
        "internal": 80.0,
        "external": 85.5,
        "expert": 70.25,
        "correction": 0.0,
    },
    {"unit_id": "b", "group": "kabupaten", **PROBOLINGGO},
    {
        "unit_id": "c",
        "group": "kota",
        "internal": 72.0,
        "external": 74.0,
        "expert": 73.0,
        "correction_integrity": 0.5,
        "correction_prevalence": 0.25,
    },
    {"unit_id": "d", "internal": 100.0, "external": 100.0, "expert": 100.0, "correction": 0.0},
]


def _pb(units: list[dict[str, object]]) -> list[scoring_pb2.UnitInput]:
    return [scoring_pb2.UnitInput(**u) for u in units]  # type: ignore[arg-type]


def test_list_rulesets_matches_the_bundled_catalog(client: SpiClient) -> None:
    listed = client.rulesets()
    assert [(r.id, r.sha256, r.origin) for r in listed] == [
        (r.id, r.sha256, "bundled") for r in bundled()
    ]


def test_get_ruleset_returns_the_full_message(client: SpiClient) -> None:
    rules = bundled().get("spi-2024")
    detail = client.get_ruleset("spi-2024")
    assert (detail.id, detail.sha256, detail.origin) == ("spi-2024", rules.sha256, "bundled")
    assert detail.message() == rules.to_message()
    assert detail.message().weights.reference.source


def test_validate_ruleset_text_binary_and_bad(client: SpiClient) -> None:
    rules = bundled().get("spi-2023")
    good = client.validate_ruleset(rules.to_text())
    assert (good.valid, good.violations, good.ruleset_id, good.sha256) == (
        True,
        (),
        "spi-2023",
        rules.sha256,
    )
    assert client.validate_ruleset(rules.binary).sha256 == rules.sha256
    broken = rules.to_text().replace("internal: 0.", "internal: -0.", 1)
    bad = client.validate_ruleset(broken)
    assert not bad.valid
    assert bad.sha256 == ""
    assert "weights.internal" in [v.field for v in bad.violations]
    syntax = client.validate_ruleset("id: 'x'\nweights { internal: }")
    assert not syntax.valid
    assert syntax.violations[0].field.startswith("line 2")
    assert not client.validate_ruleset(b"\xff\xff garbage").valid


def test_score_equals_the_library_exactly(client: SpiClient) -> None:
    request = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=_pb(UNITS))
    response = client.rpc("Score", request)
    expected = score_response_to_pb(
        score(bundled().get("spi-2024"), units_from_pb(request.units)), response.decision_id
    )
    assert response == expected
    assert uuid.UUID(response.decision_id)


def test_typed_score(client: SpiClient) -> None:
    result = client.score("spi-2024", unit_id="probolinggo", **PROBOLINGGO)  # type: ignore[arg-type]
    (unit,) = result
    assert (unit.unit_id, unit.index, unit.category) == ("probolinggo", 71.66, "rentan")
    assert unit.margin_up is not None
    assert unit.margin_up.category == "waspada"
    assert unit.margin_down is None
    parts = unit.contributions
    assert parts.internal + parts.external + parts.expert + parts.correction == pytest.approx(
        unit.index_raw, abs=1e-12
    )
    assert result.provenance.ruleset_sha256 == bundled().get("spi-2024").sha256


def test_score_many_with_dicts_and_with_a_dataframe(client: SpiClient) -> None:
    typed = client.score_many("spi-2025", UNITS)
    frame = pd.DataFrame(UNITS, index=[10, 11, 12, 13])
    scored = client.score_many("spi-2025", frame)
    assert list(scored.index) == [10, 11, 12, 13]
    assert list(scored["index"]) == [r.index for r in typed]
    assert list(scored["category"]) == [r.category for r in typed]
    assert set(scored["ruleset"]) == {"spi-2025"}
    assert scored.attrs["decision_id"]


def test_summarize_equals_the_library(client: SpiClient) -> None:
    request = engine_pb2.SummarizeRequest(ruleset_id="spi-2024", units=_pb(UNITS))
    response = client.rpc("Summarize", request)
    library = summarize(score(bundled().get("spi-2024"), units_from_pb(request.units)))
    assert response == summary_to_pb(library, response.decision_id)
    typed = client.summarize("spi-2024", UNITS)
    assert [r.rank for r in typed.ranking] == [1, 2, 3, 4]
    assert [g.group for g in typed.groups] == ["kabupaten", "kota"]
    assert typed.overall.units == 4
    assert typed.to_frame()["rank"].tolist() == [1, 2, 3, 4]


def test_errors_reach_the_client_with_field_violations(client: SpiClient) -> None:
    units = [dict(UNITS[0]) for _ in range(5)]
    units[3]["external"] = 101.5
    with pytest.raises(SpiRpcError) as raised:
        client.score_many("spi-2024", units)
    assert raised.value.code.name == "INVALID_ARGUMENT"
    assert [(v.field, v.description) for v in raised.value.violations] == [
        ("units[3].external", "expected a number from 0 to 100; got 101.5")
    ]
    with pytest.raises(SpiRpcError) as raised:
        client.get_ruleset("spi-1999")
    assert raised.value.code.name == "NOT_FOUND"
    assert "known rulesets: spi-2021" in raised.value.message


def test_an_absent_component_is_an_error_not_a_zero(client: SpiClient) -> None:
    with pytest.raises(SpiRpcError) as raised:
        client.score_many("spi-2024", [{"internal": 70.0, "expert": 70.0, "correction": 0.0}])
    assert raised.value.violations[0].field == "units[0].external"
    assert "absent" in raised.value.violations[0].description


def test_empty_ruleset_id_is_invalid_argument(client: SpiClient) -> None:
    with pytest.raises(SpiRpcError) as raised:
        client.score_many("", UNITS)
    assert raised.value.code.name == "INVALID_ARGUMENT"
    assert raised.value.violations[0].field == "ruleset_id"


@pytest.mark.parametrize("field", ["correction", "correction_integrity", "correction_prevalence"])
def test_a_nan_correction_over_the_wire_is_invalid_argument(client: SpiClient, field: str) -> None:
    unit = scoring_pb2.UnitInput(internal=75.61, external=89.02, expert=79.53)
    if field == "correction":
        unit.correction = float("nan")
    else:
        unit.correction_integrity = unit.correction_prevalence = 1.0
        setattr(unit, field, float("nan"))
    request = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=[unit])
    with pytest.raises(SpiRpcError) as raised:
        client.rpc("Score", request)
    assert raised.value.code.name == "INVALID_ARGUMENT"
    assert raised.value.violations[0].field == f"units[0].{field}"
    assert raised.value.violations[0].description.endswith("got NaN")


def test_an_absent_correction_over_the_wire_is_invalid_argument(client: SpiClient) -> None:
    unit = scoring_pb2.UnitInput(internal=75.61, external=89.02, expert=79.53)
    request = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=[unit])
    with pytest.raises(SpiRpcError) as raised:
        client.rpc("Score", request)
    assert raised.value.code.name == "INVALID_ARGUMENT"
    assert raised.value.violations[0].field == "units[0].correction"


def test_score_many_auto_over_a_real_server(client: SpiClient) -> None:
    frame = pd.DataFrame(
        [
            {"year": 2024, "institution_id": "p", **PROBOLINGGO},
            {"year": 2021, "institution_id": "q", **PROBOLINGGO},
        ]
    )
    result = client.score_many("auto", frame)
    assert result["ruleset"].tolist() == ["spi-2024", "spi-2021"]
    assert result["unit_id"].tolist() == ["p", "q"]
