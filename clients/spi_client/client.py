"""SpiClient: the Python client of spi.v1.SpiEngine.

>>> from spi_client import SpiClient
>>> with SpiClient("localhost:50051") as client:  # doctest: +SKIP
...     result = client.score("spi-2024", internal=75.61, external=89.02, expert=73.53, correction=7.59)
...     result[0].index, result[0].category
(71.66, 'rentan')

Every call goes through :meth:`SpiClient.rpc`: one deadline per call (``timeout`` seconds,
retries included), the bearer token, retries with exponential backoff for UNAVAILABLE only,
and any failure raised as :class:`~spi_client.errors.SpiRpcError`.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable, Mapping
from typing import Any

import grpc
from google.protobuf.message import Message

from spi.v1 import engine_pb2, scoring_pb2

from . import results
from .errors import SpiRpcError

SERVICE = "spi.v1.SpiEngine"
METHODS: Mapping[str, tuple[type[Message], type[Message]]] = {
    "ListRulesets": (engine_pb2.ListRulesetsRequest, engine_pb2.ListRulesetsResponse),
    "GetRuleset": (engine_pb2.GetRulesetRequest, engine_pb2.GetRulesetResponse),
    "ValidateRuleset": (engine_pb2.ValidateRulesetRequest, engine_pb2.ValidateRulesetResponse),
    "Score": (engine_pb2.ScoreRequest, engine_pb2.ScoreResponse),
    "Summarize": (engine_pb2.SummarizeRequest, engine_pb2.SummarizeResponse),
}
"""RPC name -> (request class, response class)."""

UNIT_FIELDS = (
    "unit_id",
    "group",
    "internal",
    "external",
    "expert",
    "correction",
    "correction_integrity",
    "correction_prevalence",
)
_NUMBERS = UNIT_FIELDS[2:]
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE})
MIB = 1024 * 1024


class SpiClient:
    """A connection to a spi-engine server. Use it as a context manager, or call close().

    TLS is on when ``tls`` is true or any certificate is given: ``root_certificates`` (PEM bytes
    of the CA that signed the server's certificate; None = the system's roots), and for mutual
    TLS ``client_cert`` and ``client_key`` (PEM bytes). ``token`` is sent as
    ``authorization: Bearer TOKEN``. A call failing with UNAVAILABLE is tried again up to
    ``retries`` times, waiting ``backoff`` seconds doubled each time (with jitter, at most
    ``max_backoff``), as long as the call's ``timeout`` allows.
    """

    def __init__(
        self,
        target: str,
        *,
        timeout: float = 10.0,
        tls: bool = False,
        root_certificates: bytes | None = None,
        client_cert: bytes | None = None,
        client_key: bytes | None = None,
        token: str | None = None,
        retries: int = 3,
        backoff: float = 0.1,
        max_backoff: float = 2.0,
        max_message_bytes: int = 64 * MIB,
        server_name: str | None = None,
    ) -> None:
        if retries < 0 or backoff < 0 or timeout <= 0:
            raise ValueError(
                f"expected retries >= 0, backoff >= 0 and timeout > 0; got {retries}, {backoff}, {timeout}"
            )
        if (client_cert is None) != (client_key is None):
            raise ValueError("client_cert and client_key go together (mutual TLS); got only one")
        self.target = target
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        options: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
        ]
        if server_name:
            options.append(("grpc.ssl_target_name_override", server_name))
        if tls or root_certificates or client_cert:
            credentials = grpc.ssl_channel_credentials(root_certificates, client_key, client_cert)
            self._channel = grpc.secure_channel(target, credentials, options)
        else:
            self._channel = grpc.insecure_channel(target, options)
        self._calls = {
            name: self._channel.unary_unary(
                f"/{SERVICE}/{name}",
                request_serializer=request.SerializeToString,
                response_deserializer=response.FromString,
            )
            for name, (request, response) in METHODS.items()
        }

    def __enter__(self) -> SpiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def rpc(self, name: str, request: Message, *, timeout: float | None = None) -> Any:
        """Call the RPC ``name`` (e.g. "Score") with ``request``; return its response message."""
        if name not in METHODS:
            raise ValueError(f"unknown RPC {name!r}; expected one of {', '.join(METHODS)}")
        expected = METHODS[name][0]
        if not isinstance(request, expected):
            raise TypeError(
                f"{name} takes a {expected.DESCRIPTOR.full_name}; got {type(request).__name__}"
            )
        deadline = time.monotonic() + (timeout or self.timeout)
        attempt = 0
        while True:
            try:
                return self._calls[name](
                    request,
                    timeout=max(deadline - time.monotonic(), 0.001),
                    metadata=self._metadata,
                )
            except grpc.RpcError as error:
                pause = self._pause(attempt)
                if error.code() not in RETRYABLE or attempt >= self.retries:
                    raise SpiRpcError.from_rpc_error(error, name) from None
                if time.monotonic() + pause >= deadline:
                    raise SpiRpcError.from_rpc_error(error, name) from None
                time.sleep(pause)
                attempt += 1

    def _pause(self, attempt: int) -> float:
        ceiling: float = min(self.max_backoff, self.backoff * 2**attempt)
        return ceiling * random.uniform(0.5, 1.0)

    def rulesets(self) -> tuple[results.RulesetInfo, ...]:
        """The rulesets the server has loaded, ordered by id."""
        return results.rulesets_from_pb(self.rpc("ListRulesets", engine_pb2.ListRulesetsRequest()))

    def get_ruleset(self, ruleset_id: str) -> results.RulesetDetail:
        """One ruleset in full, with its sha256 and origin."""
        request = engine_pb2.GetRulesetRequest(ruleset_id=ruleset_id)
        return results.ruleset_from_pb(self.rpc("GetRuleset", request))

    def validate_ruleset(self, ruleset: str | bytes) -> results.Validation:
        """Check a ruleset given as protobuf text (str) or binary (bytes); nothing is activated."""
        if isinstance(ruleset, bytes):
            request = engine_pb2.ValidateRulesetRequest(binary=ruleset)
        else:
            request = engine_pb2.ValidateRulesetRequest(text=ruleset)
        return results.validation_from_pb(self.rpc("ValidateRuleset", request))

    def score(
        self,
        ruleset_id: str,
        *,
        internal: float,
        external: float,
        expert: float,
        correction: float | None = None,
        correction_integrity: float | None = None,
        correction_prevalence: float | None = None,
        unit_id: str = "",
        group: str = "",
    ) -> results.ScoreResult:
        """Score one unit; the result holds one UnitResult."""
        unit = {
            "unit_id": unit_id,
            "group": group,
            "internal": internal,
            "external": external,
            "expert": expert,
            "correction": correction,
            "correction_integrity": correction_integrity,
            "correction_prevalence": correction_prevalence,
        }
        request = engine_pb2.ScoreRequest(ruleset_id=ruleset_id, units=[unit_to_pb(unit)])
        return results.score_from_pb(self.rpc("Score", request))

    def score_many(self, ruleset_id: str, units: Any) -> Any:
        """Score many units in one call.

        ``units`` is an iterable of dicts (keys as in UNIT_FIELDS; other keys are ignored) and
        gives a ScoreResult; or a pandas DataFrame with those columns, which gives a DataFrame
        of results with the same index (join it to the input if you need both).
        """
        frame = _is_frame(units)
        request = engine_pb2.ScoreRequest(ruleset_id=ruleset_id, units=_units_to_pb(units))
        scored = results.score_from_pb(self.rpc("Score", request))
        return scored.to_frame(index=units.index) if frame else scored

    def summarize(self, ruleset_id: str, units: Any) -> results.SummaryResult:
        """Rank and summarise units (dicts or a DataFrame, as for score_many)."""
        request = engine_pb2.SummarizeRequest(ruleset_id=ruleset_id, units=_units_to_pb(units))
        return results.summary_from_pb(self.rpc("Summarize", request))


def unit_to_pb(unit: Mapping[str, Any]) -> scoring_pb2.UnitInput:
    """A UnitInput from a dict; None (or NaN for a correction) means absent."""
    message = scoring_pb2.UnitInput(
        unit_id=_text(unit.get("unit_id")), group=_text(unit.get("group"))
    )
    for name in _NUMBERS:
        value = unit.get(name)
        if value is None or (name.startswith("correction") and _is_nan(value)):
            continue
        setattr(message, name, float(value))
    return message


def _units_to_pb(units: Any) -> list[scoring_pb2.UnitInput]:
    if _is_frame(units):
        present = [name for name in UNIT_FIELDS if name in units.columns]
        rows: Iterable[Mapping[str, Any]] = units[present].to_dict("records")
    else:
        rows = units
    return [unit_to_pb(row) for row in rows]


def _is_frame(units: Any) -> bool:
    return type(units).__module__.startswith("pandas") and hasattr(units, "columns")


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _text(value: Any) -> str:
    return "" if value is None or _is_nan(value) else str(value)
