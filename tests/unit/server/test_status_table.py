"""The error table, row by row: every error class the server can meet, and its status."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from spi_engine.errors import (
    InvalidInputError,
    InvalidRulesetError,
    LimitExceededError,
    SpiError,
    UnknownDatasetError,
    UnknownRulesetError,
    Violation,
)
from spi_engine.survey import UnknownInstrumentError
from spi_server import status
from spi_server.errors import (
    CancelledError,
    DeadlineExceededError,
    DecisionLogError,
    MalformedRequestError,
    PermissionDeniedError,
    ShuttingDownError,
    UnauthenticatedError,
)

ROWS = [
    (
        InvalidInputError([Violation("units[3].external", "expected 0 to 100; got 101.5")]),
        grpc.StatusCode.INVALID_ARGUMENT,
    ),
    (
        InvalidRulesetError([Violation("weights.internal", "expected >= 0; got -1")], context="x"),
        grpc.StatusCode.INVALID_ARGUMENT,
    ),
    (UnknownRulesetError("spi-1999", ["spi-2024"]), grpc.StatusCode.NOT_FOUND),
    (UnknownDatasetError("nope", ["spi-published"]), grpc.StatusCode.NOT_FOUND),
    (UnknownInstrumentError("nope", ("example-survey",)), grpc.StatusCode.NOT_FOUND),
    (LimitExceededError("units per request", 10, 11), grpc.StatusCode.RESOURCE_EXHAUSTED),
    (SpiError("a domain error without a row of its own"), grpc.StatusCode.FAILED_PRECONDITION),
    (MalformedRequestError("not a ScoreRequest"), grpc.StatusCode.INVALID_ARGUMENT),
    (UnauthenticatedError("no token"), grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDeniedError("not Score"), grpc.StatusCode.PERMISSION_DENIED),
    (ShuttingDownError("draining"), grpc.StatusCode.UNAVAILABLE),
    (DeadlineExceededError("late"), grpc.StatusCode.DEADLINE_EXCEEDED),
    (CancelledError("gone"), grpc.StatusCode.CANCELLED),
    (DecisionLogError("disk full"), grpc.StatusCode.UNAVAILABLE),
    (RuntimeError("secret internals"), grpc.StatusCode.INTERNAL),
    (KeyError("secret internals"), grpc.StatusCode.INTERNAL),
]


class _SubclassOfUnknownError(UnknownRulesetError):
    pass


def _proto(error: BaseException) -> status_pb2.Status:
    found = status.status_of(error, "ref123")
    trailer = dict(found.trailing_metadata)["grpc-status-details-bin"]
    return status_pb2.Status.FromString(trailer)


def _unpack(detail: any_pb2.Any, kind: type) -> object:
    message = kind()
    assert detail.Unpack(message)
    return message


@pytest.mark.parametrize(("error", "code"), ROWS, ids=[type(e).__name__ for e, _ in ROWS])
def test_each_row_gives_its_code(error: BaseException, code: grpc.StatusCode) -> None:
    found = status.status_of(error, "ref123")
    assert found.code is code
    assert status.code_of(error) is code
    assert _proto(error).code == code.value[0]


def test_every_row_of_the_table_is_tested() -> None:
    tested = {type(error) for error, _ in ROWS}
    assert set(status.TABLE) <= tested


def test_a_subclass_inherits_its_parents_code() -> None:
    assert status.code_of(_SubclassOfUnknownError("x", [])) is grpc.StatusCode.NOT_FOUND


def test_invalid_argument_carries_field_violations() -> None:
    error = InvalidInputError([Violation("units[3].external", "expected 0 to 100; got 101.5")])
    (detail,) = _proto(error).details
    request = _unpack(detail, error_details_pb2.BadRequest)
    assert [(v.field, v.description) for v in request.field_violations] == [
        ("units[3].external", "expected 0 to 100; got 101.5")
    ]
    assert status.status_of(error).details == "units[3].external: expected 0 to 100; got 101.5"


def test_violations_are_capped_and_cut_so_trailers_stay_small() -> None:
    many = [Violation(f"units[{i}].internal", "x" * 5000) for i in range(50)]
    (detail,) = _proto(InvalidInputError(many)).details
    request = _unpack(detail, error_details_pb2.BadRequest)
    assert len(request.field_violations) == status.MAX_VIOLATIONS
    assert all(len(v.description) <= status.MAX_DESCRIPTION for v in request.field_violations)
    assert len(status.status_of(InvalidInputError(many)).details) <= status.MAX_MESSAGE


def test_not_found_names_the_ruleset_and_the_known_ones() -> None:
    (detail,) = _proto(UnknownRulesetError("spi-1999", ["spi-2023", "spi-2024"])).details
    info = _unpack(detail, error_details_pb2.ResourceInfo)
    assert (info.resource_type, info.resource_name) == ("spi.v1.Ruleset", "spi-1999")
    assert info.description == "known rulesets: spi-2023, spi-2024"


def test_not_found_names_the_dataset_and_the_known_ones() -> None:
    (detail,) = _proto(UnknownDatasetError("nope", ["spi-published", "survey"])).details
    info = _unpack(detail, error_details_pb2.ResourceInfo)
    assert (info.resource_type, info.resource_name) == ("spi.v1.Dataset", "nope")
    assert info.description == "known datasets: spi-published, survey"
    assert status.status_of(UnknownDatasetError("nope", [])).details == (
        "unknown dataset 'nope'; known datasets: none"
    )


def test_not_found_names_the_instrument_and_the_known_ones() -> None:
    (detail,) = _proto(UnknownInstrumentError("nope", ("example-survey", "mine"))).details
    info = _unpack(detail, error_details_pb2.ResourceInfo)
    assert (info.resource_type, info.resource_name) == ("spi.v1.Instrument", "nope")
    assert info.description == "known instruments: example-survey, mine"


def test_resource_exhausted_names_the_limit() -> None:
    (detail,) = _proto(LimitExceededError("units per request", 10, 11)).details
    quota = _unpack(detail, error_details_pb2.QuotaFailure)
    assert quota.violations[0].subject == "units per request"
    assert "at most 10 allowed; got 11" in quota.violations[0].description


def test_internal_hides_the_error_text_and_gives_a_reference() -> None:
    found = status.status_of(RuntimeError("secret internals"), "ref123")
    assert "secret" not in found.details
    assert "ref123" in found.details
    assert _proto(RuntimeError("secret")).details == []


def test_a_huge_caller_string_leaves_a_small_status() -> None:
    huge = "A" * 4 * 2**20
    for error in (
        UnknownRulesetError(huge, ["spi-2024"]),
        UnknownDatasetError(huge, ["spi-published"]),
        UnknownInstrumentError(huge, ("example-survey",)),
        InvalidInputError([Violation(huge, huge)] * 30, context=huge),
        LimitExceededError(huge, 10, 11),
    ):
        proto = status_pb2.Status.FromString(
            dict(status.status_of(error).trailing_metadata)["grpc-status-details-bin"]
        )
        assert proto.ByteSize() < 16_384
        assert len(proto.message) <= status.MAX_MESSAGE
        shown = proto.message + str(proto.details)
        assert " characters, sha256 " in shown
        if not isinstance(error, InvalidInputError):  # else the length of the whole violation
            assert f"({len(huge)} characters, sha256 " in shown
