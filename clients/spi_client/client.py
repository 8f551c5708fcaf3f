"""SpiClient: the Python client of spi.v1.SpiEngine.

>>> from spi_client import SpiClient
>>> with SpiClient("localhost:50051") as client:  # doctest: +SKIP
...     result = client.score("spi-2024", internal=75.61, external=89.02, expert=73.53, correction=7.59)
...     result[0].index, result[0].category
(71.66, 'rentan')

Every call goes through :meth:`SpiClient.rpc` (unary), :meth:`SpiClient.stream` (server
streaming) or :meth:`SpiClient.stream_in` (client streaming: ScoreSurvey, never retried): one deadline per call (``timeout`` seconds, retries included), the bearer token,
retries with exponential backoff for UNAVAILABLE and a server's CANCELLED only (a stream only
before its first message), and any failure raised as :class:`~spi_client.errors.SpiRpcError`.

The simulation methods (``simulate``, ``goal_seek``, ``sensitivity``, ``sweep``,
``estimate_uncertainty``, ``compare_rulesets``, ``datasets``) address units inline (dicts or a
DataFrame, as ``score_many``) or by ``dataset=`` name with optional ``year``, ``groups`` and
``unit_ids``; streamed answers are gathered into one typed result.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import grpc
from google.protobuf.message import Message

from spi.v1 import engine_pb2, scoring_pb2
from spi.v1 import simulation_pb2 as sim_pb2
from spi_engine.api.rpcs import CLIENT_STREAM, SERVER_STREAM, UNARY, Declared, by_kind

from . import balancing, columns, results, survey_client, unit_inputs
from . import whatif_requests as build
from . import whatif_results as sim
from .by_year import score_by_year
from .errors import SpiRpcError
from .unit_inputs import UNIT_FIELDS, unit_to_pb

__all__ = ["UNIT_FIELDS", "SpiClient", "unit_to_pb"]

METHODS: Mapping[str, Declared] = by_kind(UNARY)
"""Unary RPC name -> its request and response classes (read from engine.proto's descriptor)."""
STREAMS: Mapping[str, Declared] = by_kind(SERVER_STREAM)
"""Server-streaming RPC name -> its request and response classes."""
UPLOADS: Mapping[str, Declared] = by_kind(CLIENT_STREAM)
"""Client-streaming RPC name -> its request and response classes."""

RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED})
"""This client never cancels a call it waits for, so CANCELLED means the server dropped it
unanswered (a replica shutting down cancels the calls it received but had not started)."""
MIB = 1024 * 1024
_ASK_BY_ROWS = frozenset({grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.UNIMPLEMENTED})
"""ScoreColumns answers after which score_many asks again with Score (the row form)."""


class SpiClient(survey_client.SurveyCalls):
    """A connection to a spi-engine server. Use it as a context manager, or call close().

    TLS is on when ``tls`` is true or any certificate is given: ``root_certificates`` (PEM bytes
    of the CA that signed the server's certificate; None = the system's roots), and for mutual
    TLS ``client_cert`` and ``client_key`` (PEM bytes). ``token`` is sent as
    ``authorization: Bearer TOKEN``. A call failing with UNAVAILABLE (or CANCELLED by a replica
    shutting down) is tried again up to ``retries`` times, waiting ``backoff`` seconds doubled
    each time (with jitter, at most ``max_backoff``), as long as the call's ``timeout`` allows.
    ``load_balancing="round_robin"`` spreads calls over every address of the target
    (:mod:`spi_client.balancing`).
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
        load_balancing: str | None = None,
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
            *balancing.channel_options(load_balancing),
        ]
        if server_name:
            options.append(("grpc.ssl_target_name_override", server_name))
        if tls or root_certificates or client_cert:
            credentials = grpc.ssl_channel_credentials(root_certificates, client_key, client_cert)
            self._channel = grpc.secure_channel(target, credentials, options)
        else:
            self._channel = grpc.insecure_channel(target, options)
        self._calls = _callables(self._channel.unary_unary, METHODS)
        self._streams = _callables(self._channel.unary_stream, STREAMS)
        self._uploads = _callables(self._channel.stream_unary, UPLOADS)

    def __enter__(self) -> SpiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def rpc(self, name: str, request: Message, *, timeout: float | None = None) -> Any:
        """Call the unary RPC ``name`` (e.g. "Score") with ``request``; return its response."""
        _check_request(METHODS, name, request)
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

    def stream(self, name: str, request: Message, *, timeout: float | None = None) -> Iterator[Any]:
        """Call the server-streaming RPC ``name`` (e.g. "Sweep"); yield its response messages.

        The whole stream shares one deadline; UNAVAILABLE (CANCELLED) is retried only before the first
        message arrives (a stream is never replayed from the middle).
        """
        _check_request(STREAMS, name, request)
        deadline = time.monotonic() + (timeout or self.timeout)
        attempt, received = 0, False
        while True:
            try:
                left = max(deadline - time.monotonic(), 0.001)
                for message in self._streams[name](request, timeout=left, metadata=self._metadata):
                    received = True
                    yield message
                return
            except grpc.RpcError as error:
                pause = self._pause(attempt)
                retry = error.code() in RETRYABLE and attempt < self.retries and not received
                if not retry or time.monotonic() + pause >= deadline:
                    raise SpiRpcError.from_rpc_error(error, name) from None
                time.sleep(pause)
                attempt += 1

    def stream_in(
        self, name: str, requests: Iterable[Message], *, timeout: float | None = None
    ) -> Any:
        """Call the client-streaming RPC ``name`` (e.g. "ScoreSurvey") with the messages of
        ``requests`` (consumed lazily, as gRPC sends them); return its response. Never retried:
        an upload cannot be replayed. An exception raised by ``requests`` cancels the call and is
        raised here as itself (not as a CANCELLED call)."""
        if name not in UPLOADS:
            raise ValueError(f"unknown client-streaming RPC {name!r}; known: {', '.join(UPLOADS)}")
        failed: list[Exception] = []
        started = threading.Event()
        calls: list[Any] = []

        def guarded() -> Iterator[Message]:
            try:
                yield from requests
            except Exception as error:
                failed.append(error)
                started.wait()
                if calls:
                    calls[0].cancel()

        try:
            try:
                calls.append(
                    self._uploads[name].future(
                        guarded(), timeout=timeout or self.timeout, metadata=self._metadata
                    )
                )
            finally:
                started.set()
            return calls[0].result()
        except grpc.FutureCancelledError:
            if failed:
                raise failed[0] from None
            raise
        except grpc.RpcError as error:
            if failed:
                raise failed[0] from None
            raise SpiRpcError.from_rpc_error(error, name) from None

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

        ``units`` is an iterable of dicts (keys as in UNIT_FIELDS, or the aliases
        ``institution_id``/``id`` and ``type``; any other key is an error naming it) and gives a
        ScoreResult; or a pandas DataFrame with those columns (the same rule), which gives a
        DataFrame of results with the same index (join it to the input if you need both). Each
        unit needs its correction: ``correction`` (0 for none) or both parts. ``ruleset_id``
        ``"auto"`` scores each row of a DataFrame with a ``year`` column under that year's
        ruleset (``spi-2024`` for 2024), as ``--ruleset auto`` in the CLI.

        The units travel as columns (ScoreColumns) when every one has its three components and
        its correction total as numbers; otherwise as one message each (Score), whose errors then
        name what is wrong (``units[3].external``). The numbers are the same bit for bit.
        """
        if ruleset_id == "auto":
            return score_by_year(self.score_many, units)
        frame = unit_inputs.is_frame(units)
        if frame:
            unit_inputs.check_columns(list(units.columns))
            by_columns = columns.request_from_frame(ruleset_id, units)
            response = self._by_columns(by_columns)
            if by_columns is not None and response is not None:
                return columns.frame_from_columns(by_columns, response, units.index)
        messages = _units_to_pb(units)
        by_columns = None if frame else columns.request_from_messages(ruleset_id, messages)
        response = self._by_columns(by_columns)
        if by_columns is not None and response is not None:
            return columns.score_from_columns(by_columns, response)
        request = engine_pb2.ScoreRequest(ruleset_id=ruleset_id, units=messages)
        scored = results.score_from_pb(self.rpc("Score", request))
        return scored.to_frame(index=units.index) if frame else scored

    def _by_columns(self, batch: columns.Batch | None) -> Any:
        """ScoreColumns' answer to ``batch``; None when there is no batch, or when the server
        refuses its values (the row form is then asked, so the error names ``units[i].field``
        as the caller wrote it, not ``columns.field[i]``), or when it predates ScoreColumns
        (UNIMPLEMENTED: a rolling upgrade, an older replica)."""
        if batch is None:
            return None
        try:
            return self.rpc("ScoreColumns", batch.request)
        except SpiRpcError as error:
            if error.code not in _ASK_BY_ROWS:
                raise
            return None

    def summarize(self, ruleset_id: str, units: Any) -> results.SummaryResult:
        """Rank and summarise units (dicts or a DataFrame, as for score_many)."""
        request = engine_pb2.SummarizeRequest(ruleset_id=ruleset_id, units=_units_to_pb(units))
        return results.summary_from_pb(self.rpc("Summarize", request))

    def datasets(self) -> tuple[sim.DatasetInfo, ...]:
        """The reference datasets the server has loaded, ordered by name."""
        return sim.datasets_from_pb(self.rpc("ListDatasets", sim_pb2.ListDatasetsRequest()))

    def simulate(
        self,
        interventions: Iterable[Any] = (),
        *,
        ruleset_id: str = "",
        units: Any = None,
        variant: Any = None,
        name: str = "",
        keep_withheld: bool = False,
        changed_only: bool = False,
        chunk_size: int = 0,
        timeout: float | None = None,
        **where: Any,
    ) -> sim.SimulationResult:
        """Baseline beside a scenario (interventions, optionally a ruleset variant).

        ``interventions``: (lever, operation, value) tuples, dicts, Intervention objects, or a
        whole Scenario message. Units: ``units=`` (dicts or a DataFrame) or ``dataset=NAME``
        (with ``year=``, ``groups=``, ``unit_ids=``); a dataset without ``ruleset_id`` is scored
        year by year under ``spi-YEAR``.
        """
        request = sim_pb2.SimulateRequest(
            ruleset_id=ruleset_id,
            units=_selection(units, where),
            scenario=build.scenario_message(interventions, variant=variant, name=name),
            keep_withheld=keep_withheld,
            changed_only=changed_only,
            chunk_size=chunk_size,
        )
        return sim.simulation_from_pb(list(self.stream("Simulate", request, timeout=timeout)))

    def goal_seek(
        self,
        target: str | float,
        *,
        ruleset_id: str = "",
        units: Any = None,
        levers: Sequence[str] = (),
        costs: Mapping[str, float] | None = None,
        max_change: Mapping[str, float] | None = None,
        timeout: float | None = None,
        **where: Any,
    ) -> sim.GoalSeekResult:
        """The smallest change of each lever alone reaching ``target`` (a category or an index),
        and with ``costs`` (per point, per lever) the cheapest multi-lever plan."""
        request = sim_pb2.GoalSeekRequest(
            ruleset_id=ruleset_id,
            units=_selection(units, where),
            target=build.target_message(target),
            levers=list(levers),
            costs=build.costs_message(costs, max_change) if costs else [],
        )
        return sim.goal_seek_from_pb(self.rpc("GoalSeek", request, timeout=timeout))

    def sensitivity(
        self,
        *,
        ruleset_id: str = "",
        units: Any = None,
        levers: Sequence[str] = (),
        timeout: float | None = None,
        **where: Any,
    ) -> sim.SensitivityResult:
        """Slopes, points to the next category up and down per lever, and the tornado order."""
        request = sim_pb2.SensitivityRequest(
            ruleset_id=ruleset_id, units=_selection(units, where), levers=list(levers)
        )
        return sim.sensitivity_from_pb(self.rpc("Sensitivity", request, timeout=timeout))

    def sweep(
        self,
        axes: Sequence[Any],
        *,
        ruleset_id: str = "",
        units: Any = None,
        with_crossings: bool = False,
        chunk_size: int = 0,
        timeout: float | None = None,
        **where: Any,
    ) -> sim.SweepResult:
        """Index and category over a grid of one or two levers: each axis is (lever, start,
        stop, step), (lever, [values]), an Axis object or a SweepAxis message."""
        request = sim_pb2.SweepRequest(
            ruleset_id=ruleset_id,
            units=_selection(units, where),
            axes=[build.axis_message(a) for a in axes],
            with_crossings=with_crossings,
            chunk_size=chunk_size,
        )
        return sim.sweep_from_pb(list(self.stream("Sweep", request, timeout=timeout)))

    def estimate_uncertainty(
        self,
        *,
        ruleset_id: str = "",
        units: Any = None,
        standard_errors: Any = None,
        respondents: Any = None,
        deviations: Any = None,
        population: Any = None,
        level: float = 0.95,
        draws: int = 0,
        seed: int = 0,
        certainty: float = 0.0,
        timeout: float | None = None,
        **where: Any,
    ) -> sim.UncertaintyResult:
        """Standard error, interval and P(category) from the components' sampling error;
        Monte Carlo with ``draws`` > 0; respondents for certainty with ``certainty`` > 0."""
        request = sim_pb2.EstimateUncertaintyRequest(
            ruleset_id=ruleset_id,
            units=_selection(units, where),
            sampling=build.sampling_message(
                standard_errors=standard_errors,
                respondents=respondents,
                deviations=deviations,
                population=population,
            ),
            level=level,
            draws=draws,
            seed=seed,
            certainty=certainty,
        )
        return sim.uncertainty_from_pb(self.rpc("EstimateUncertainty", request, timeout=timeout))

    def compare_rulesets(
        self,
        old: Any,
        new: Any,
        *,
        units: Any = None,
        changed_only: bool = False,
        chunk_size: int = 0,
        timeout: float | None = None,
        **where: Any,
    ) -> sim.ImpactResult:
        """The impact of replacing ``old`` by ``new`` (ids, Ruleset messages, or for ``new`` a
        variant dict/object of ``old``) on the units."""
        base = old if isinstance(old, str) else ""
        request = sim_pb2.CompareRulesetsRequest(
            old=build.ruleset_choice_message(old),
            new=build.ruleset_choice_message(new, base),
            units=_selection(units, where),
            changed_only=changed_only,
            chunk_size=chunk_size,
        )
        return sim.impact_from_pb(list(self.stream("CompareRulesets", request, timeout=timeout)))


def _callables(make: Any, table: Mapping[str, Declared]) -> dict[str, Any]:
    """One channel callable per RPC of ``table`` (``make``: the channel's method for its kind)."""
    return {
        name: make(
            rpc.path,
            request_serializer=rpc.request.SerializeToString,
            response_deserializer=rpc.response.FromString,
        )
        for name, rpc in table.items()
    }


def _check_request(table: Mapping[str, Declared], name: str, request: Message) -> None:
    if name not in table:
        raise ValueError(f"unknown RPC {name!r}; expected one of {', '.join(table)}")
    expected = table[name].request
    if not isinstance(request, expected):
        raise TypeError(
            f"{name} takes a {expected.DESCRIPTOR.full_name}; got {type(request).__name__}"
        )


_WHERE = ("dataset", "year", "groups", "unit_ids")


def _selection(units: Any, where: Mapping[str, Any]) -> sim_pb2.UnitSelection:
    unknown = sorted(set(where) - set(_WHERE))
    if unknown:
        raise TypeError(f"unexpected keyword argument(s) {unknown}; expected {', '.join(_WHERE)}")
    if isinstance(units, sim_pb2.UnitSelection):
        return units
    inline = None if units is None else _units_to_pb(units)
    return build.selection_message(inline, **where)


def _units_to_pb(units: Any) -> list[scoring_pb2.UnitInput]:
    return unit_inputs.units_to_pb(units)
