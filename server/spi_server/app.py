"""Build, start, reload and stop the server: the one place that wires the parts together.

The transport is ``grpc.aio`` on the process's shared event loop (:mod:`spi_server.loop`);
:func:`start` and :meth:`Server.stop` are ordinary functions that hand the transport's steps to
that loop, so ``spi-server`` keeps its main thread for signals.

Start order: metrics, decision log (refuses to start when unwritable or short of space), tokens,
TLS files, the gRPC server with health NOT_SERVING, the rulesets and reference datasets, then
health SERVING. Stop order: health NOT_SERVING, refuse new calls, let calls in flight finish
within the grace period, cut off the rest (each is decision-logged UNAVAILABLE), stop the
transport, close the decision log.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import _async as health
from grpc_health.v1 import health_pb2, health_pb2_grpc

from spi.v1 import engine_pb2
from spi_engine import Catalog, bundled
from spi_engine.api.survey import SurveyLimits
from spi_engine.api.whatif import Limits
from spi_engine.datasets import Datasets, load_datasets

from . import connections, logs, loop, metrics, reflection
from .auth import load_tokens
from .config import Config, ConfigError, split_address
from .decisions import DecisionLog
from .errors import DecisionLogError
from .http_door import WEB_ROOT, HttpDoor
from .http_listen import HttpListener, listen
from .limits import Settings
from .pipeline import Gate, Method, Pipeline
from .service import SpiEngineService
from .survey import Instruments, SurveyService
from .whatif import WhatifService

SERVICE_NAME = engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"].full_name
HEALTH_NAMES = ("", SERVICE_NAME)
HEALTH_SERVICE_NAME = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
CUT_OFF_SECONDS = 5.0
"""how long the calls cut off at the end of the grace period get to write their decision lines"""
LINGER_SECONDS = 2.0
"""at most this long (within the grace period) a drain waits, once its calls have finished, for
their callers to acknowledge the last bytes of their answers (:mod:`spi_server.connections`)"""


def load_catalog(directory: str) -> Catalog:
    """The bundled rulesets plus those in ``directory``; the first bad file raises."""
    return bundled().with_directory(directory) if directory else bundled()


class Rulesets:
    """The active catalog. A reload builds a whole new catalog, then swaps it in one assignment."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._catalog = load_catalog(directory)
        self.loaded = _pairs(self._catalog)

    def current(self) -> Catalog:
        return self._catalog

    def reload(self) -> Catalog:
        """Load the directory again; on error the active catalog stays and the error is raised."""
        catalog = load_catalog(self.directory)
        self._catalog, self.loaded = catalog, _pairs(catalog)
        return self._catalog


def _pairs(catalog: Catalog) -> frozenset[tuple[str, str]]:
    return frozenset((rules.id, rules.sha256) for rules in catalog)


class ReferenceData:
    """The active reference datasets (``--dataset``); a reload swaps in a whole new set."""

    def __init__(self, paths: dict[str, str]) -> None:
        self.paths = paths
        self._datasets = load_datasets(paths)

    def current(self) -> Datasets:
        return self._datasets

    def reload(self) -> Datasets:
        """Read the files again; on error the active datasets stay and the error is raised."""
        self._datasets = load_datasets(self.paths)
        return self._datasets


def limits_of(config: Config) -> Limits:
    """The what-if limits the flags set."""
    return Limits(
        max_units=config.max_units,
        max_grid_points=config.max_grid_points,
        max_draws=config.max_draws,
        max_draw_cells=config.max_draw_cells,
        chunk_size=config.chunk_size,
        max_chunk_size=config.max_chunk_size,
    )


def settings_of(config: Config) -> Settings:
    """The thread pools, heavy-call limits and stream timeouts the flags set."""
    return Settings(
        workers=config.workers,
        heavy_workers=config.heavy_workers,
        light_request_bytes=config.light_request_bytes,
        max_heavy_per_caller=config.max_heavy_per_caller,
        max_heavy_per_method=config.max_heavy_per_method,
        stream_idle_timeout=config.stream_idle_timeout,
        stream_write_timeout=config.stream_write_timeout,
        max_call_seconds=config.max_call_seconds,
        max_upload_bytes=config.max_upload_bytes,
    )


def survey_limits_of(config: Config) -> SurveyLimits:
    """The survey limits the flags set."""
    return SurveyLimits(
        max_respondents=config.max_respondents,
        max_chunk_rows=config.max_respondent_chunk,
        max_population_rows=config.max_population_rows,
        max_listed_exclusions=config.max_listed_exclusions,
        max_response_counts=config.max_population_rows,
    )


@dataclass
class Server:
    """A started server and what it needs to reload and stop."""

    config: Config
    grpc_server: grpc.aio.Server
    port: int
    health: health.HealthServicer
    gate: Gate
    rulesets: Rulesets
    metrics: metrics.Metrics
    metrics_http: Any = None
    metrics_port: int | None = None
    decision_log: DecisionLog | None = None
    pipeline: Pipeline | None = None
    datasets: ReferenceData | None = None
    instruments: Instruments | None = None
    stopped: bool = False
    door: HttpDoor | None = None
    http: HttpListener | None = None

    @property
    def http_port(self) -> int | None:
        """The HTTP door's bound port (None: no HTTP door)."""
        return self.http.port if self.http is not None else None

    @property
    def target(self) -> str:
        host, _ = split_address(self.config.address, "--address")
        return f"{'localhost' if host in ('0.0.0.0', '::') else host}:{self.port}"

    def reload(self) -> bool:
        """Reload ``--rulesets``, ``--dataset`` files, ``--instruments`` and ``--tokens``, and
        open the ``--decision-log`` path again (after a rotation), and write the log lines
        still buffered; what fails to load is logged and the previous version of it stays.
        True when all reloaded."""
        rulesets_ok = self._reload_rulesets()
        datasets_ok = self._reload_datasets()
        instruments_ok = self._reload_instruments()
        tokens_ok = self._reload_tokens()
        decision_log_ok = self._reopen_decision_log()
        logs.flush()
        return rulesets_ok and datasets_ok and instruments_ok and tokens_ok and decision_log_ok

    def _reopen_decision_log(self) -> bool:
        if self.decision_log is None:
            return True
        try:
            self.decision_log.reopen()
        except DecisionLogError as error:
            logs.event("decision_log_reopen_failed", 40, error=str(error))
            return False
        return True

    def _reload_instruments(self) -> bool:
        if self.instruments is None or not self.instruments.directory:
            return True
        try:
            loaded = self.instruments.reload()
        except Exception as error:
            self.metrics.reloads.labels("failed").inc()
            kept = sorted(self.instruments.current())
            logs.event("instruments_reload_failed", 40, error=str(error), kept=kept)
            return False
        logs.event("instruments_reloaded", instruments=sorted(loaded))
        return True

    def _reload_datasets(self) -> bool:
        if self.datasets is None or not self.datasets.paths:
            return True
        try:
            loaded = self.datasets.reload()
        except Exception as error:
            self.metrics.reloads.labels("failed").inc()
            kept = list(self.datasets.current().names)
            logs.event("datasets_reload_failed", 40, error=str(error), kept=kept)
            return False
        logs.event("datasets_reloaded", datasets=list(loaded.names))
        return True

    def _reload_rulesets(self) -> bool:
        try:
            catalog = self.rulesets.reload()
        except Exception as error:
            self.metrics.reloads.labels("failed").inc()
            logs.event(
                "reload_failed", 40, error=str(error), kept=list(self.rulesets.current().ids)
            )
            return False
        self.metrics.reloads.labels("ok").inc()
        logs.event("reloaded", rulesets=list(catalog.ids))
        return True

    def _reload_tokens(self) -> bool:
        if self.pipeline is None or not self.config.tokens:
            return True
        try:
            self.pipeline.tokens = load_tokens(self.config.tokens)
        except ConfigError as error:
            logs.event("tokens_reload_failed", 40, error=str(error))
            return False
        logs.event("tokens_reloaded", callers=len(self.pipeline.tokens.by_digest))
        return True

    def stop(self, grace: float | None = None) -> bool:
        """Drain and stop; True when every call in flight finished within the grace period.
        A second stop does nothing (and returns True)."""
        if self.stopped:
            return True
        self.stopped = True
        grace = self.config.grace if grace is None else grace
        deadline = time.monotonic() + grace

        def remaining() -> float:
            return max(0.0, deadline - time.monotonic())

        loop.run(self.health.enter_graceful_shutdown())
        if self.door is not None:
            self.door.serving = False
        self.gate.close()
        finished = self.gate.wait_idle(grace) and self.gate.wait_sent(remaining())
        # Answers written are not yet delivered: stopping closes the sockets, and a socket
        # closed with unread input is reset, its unsent output lost (spi_server.connections).
        ports = [p for p in (self.port, self.http_port) if p]
        left = connections.wait_delivered(ports, min(LINGER_SECONDS, remaining()))
        if left is not None:
            logs.event(
                "answers_delivered",
                connections=left.connections,
                unacknowledged_bytes=left.unacknowledged,
            )
        if self.pipeline is not None:
            self.pipeline.cut_off = True
        # What is still running gets the rest of the grace period; then the calls left are
        # cancelled (health Watch streams too).
        loop.run(self.grpc_server.stop(remaining()))
        if self.http is not None:
            loop.run(self.http.stop(remaining()))
        self.gate.wait_idle(CUT_OFF_SECONDS)
        if self.pipeline is not None:
            self.pipeline.close()
        if self.metrics_http is not None:
            self.metrics_http.shutdown()
            self.metrics_http.server_close()
        if self.decision_log is not None:
            self.decision_log.close()
        logs.flush()  # the access lines of the last calls
        return finished


def start(config: Config) -> Server:
    """Start serving ``config``; raise ConfigError, DecisionLogError or InvalidRulesetError."""
    registry = metrics.create()
    decision_log = _decision_log(config)
    tokens = load_tokens(config.tokens) if config.tokens else None
    gate = Gate()
    registry.in_flight.set_function(lambda: gate.busy)
    holder: list[Rulesets] = []
    data: list[ReferenceData] = []
    surveys: list[Instruments] = []
    service = SpiEngineService(lambda: holder[0].current(), config.max_units)
    whatif = WhatifService(
        lambda: holder[0].current(), lambda: data[0].current(), limits_of(config)
    )
    survey = SurveyService(
        lambda: holder[0].current(), lambda: surveys[0].current(), survey_limits_of(config)
    )
    pipeline = Pipeline(
        gate,
        registry,
        tokens,
        bool(config.client_ca),
        decision_log,
        config.access_log,
        settings_of(config),
        loaded=lambda: holder[0].loaded if holder else frozenset(),
    )
    methods = (*service.methods(), *whatif.methods(), *survey.methods())
    door = HttpDoor(
        pipeline,
        methods,
        config.max_message_bytes,
        Path(config.web_root) if config.web_root else WEB_ROOT,
    )
    try:
        server, health_servicer, port = loop.run(_serve(config, pipeline, methods))
    except BaseException:
        pipeline.close()
        raise
    try:
        http = loop.run(listen(door, config)) if config.http_address else None
    except BaseException:
        loop.run(server.stop(0))
        pipeline.close()
        raise
    try:
        holder.append(Rulesets(config.rulesets))
        data.append(ReferenceData(config.dataset_paths()))
        surveys.append(Instruments(config.instruments))
    except Exception:
        loop.run(server.stop(0))
        if http is not None:
            loop.run(http.stop(0))
        pipeline.close()
        raise
    registry.rulesets.set_function(lambda: len(holder[0].current()))
    running = Server(
        config,
        server,
        port,
        health_servicer,
        gate,
        holder[0],
        registry,
        decision_log=decision_log,
        pipeline=pipeline,
        datasets=data[0],
        instruments=surveys[0],
        door=door if http is not None else None,
        http=http,
    )
    if config.metrics_address:
        host, metrics_port = split_address(config.metrics_address, "--metrics-address")
        running.metrics_http, running.metrics_port = metrics.serve(registry, host, metrics_port)
    loop.run(_set_health(health_servicer, health_pb2.HealthCheckResponse.SERVING))
    door.serving = True
    if config.port_file:
        write_port_file(config.port_file, port, running.metrics_port, running.http_port)
    return running


async def _serve(
    config: Config, pipeline: Pipeline, methods: Sequence[Method]
) -> tuple[grpc.aio.Server, health.HealthServicer, int]:
    """The started aio server (health NOT_SERVING), its health servicer and its port."""
    server = _grpc_server(config)
    health_servicer = health.HealthServicer()
    await _set_health(health_servicer, health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    _add_service(server, pipeline, methods)
    if config.reflection:
        reflection.enable(server, (SERVICE_NAME, HEALTH_SERVICE_NAME))
    port = _bind(server, config)
    await server.start()
    return server, health_servicer, port


async def _set_health(servicer: health.HealthServicer, serving: Any) -> None:
    for name in HEALTH_NAMES:
        await servicer.set(name, serving)


def _decision_log(config: Config) -> DecisionLog | None:
    if not config.decision_log:
        return None
    return DecisionLog(config.decision_log, config.decision_log_min_free_mb * 2**20)


def _grpc_server(config: Config) -> grpc.aio.Server:
    options = [
        ("grpc.max_receive_message_length", config.max_message_bytes),
        ("grpc.max_send_message_length", -1),
        # One process alone must own its port: a second server on the same port fails to bind
        # instead of silently taking half the calls. Worker processes share it on purpose.
        ("grpc.so_reuseport", 1 if config.processes > 1 else 0),
    ]
    return grpc.aio.server(
        options=options, maximum_concurrent_rpcs=config.max_concurrent_rpcs or None
    )


def _add_service(server: grpc.aio.Server, pipeline: Pipeline, methods: Sequence[Method]) -> None:
    handlers = {method.name: pipeline.rpc_handler(method) for method in methods}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE_NAME, handlers),))
    server.add_registered_method_handlers(SERVICE_NAME, handlers)


def _bind(server: grpc.aio.Server, config: Config) -> int:
    try:
        if config.tls_cert:
            port = server.add_secure_port(config.address, _credentials(config))
        else:
            port = server.add_insecure_port(config.address)
    except RuntimeError as error:
        raise ConfigError(f"--address {config.address}: cannot listen there ({error})") from None
    if not port:
        raise ConfigError(f"--address {config.address}: cannot listen there")
    return int(port)


def _credentials(config: Config) -> grpc.ServerCredentials:
    key, cert = _read(config.tls_key, "--tls-key"), _read(config.tls_cert, "--tls-cert")
    client_ca = _read(config.client_ca, "--client-ca") if config.client_ca else None
    return grpc.ssl_server_credentials(
        [(key, cert)], root_certificates=client_ca, require_client_auth=client_ca is not None
    )


def _read(path: str, flag: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(f"{flag} {path}: cannot read the file ({error.strerror})") from None


def write_port_file(
    path: str,
    port: int,
    metrics_port: int | None,
    http_port: int | None = None,
    **extra: Any,
) -> None:
    """Write the bound ports (and any ``extra`` keys) as JSON in one atomic step.

    Readers never see half a file, nor a first version without the extra keys.
    """
    ports = {"port": port, "http_port": http_port, "metrics_port": metrics_port}
    text = json.dumps({**ports, "pid": os.getpid(), **extra})
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    Path(temporary).write_text(text + "\n", "utf-8")
    os.replace(temporary, path)
