"""Prometheus metrics, in a registry of the server's own (nothing global), served on /metrics.

spi_requests_total{method}                 calls received
spi_request_errors_total{method,code}      calls that ended with a status other than OK
spi_request_duration_seconds{method}       latency histogram, from request bytes to response bytes
spi_requests_in_flight                     calls being handled now
spi_work_in_progress                       numeric jobs running in the worker threads now (a job
                                           stops at its next check once its call has ended)
spi_units_scored_total{method,ruleset}     units scored by Score and Summarize; ``ruleset`` is a
                                           loaded ruleset's id, or "variant" for any other ruleset
                                           (a variant or a whole ruleset sent with the request), so
                                           callers cannot grow the number of series
spi_rulesets_loaded                        rulesets in the active catalog
spi_ruleset_reloads_total{outcome}         SIGHUP reloads: ok or failed
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

OTHER_RULESET = "variant"
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    errors: Counter
    duration: Histogram
    in_flight: Gauge
    working: Gauge
    units: Counter
    rulesets: Gauge
    reloads: Counter


def create() -> Metrics:
    registry = CollectorRegistry(auto_describe=True)
    return Metrics(
        registry=registry,
        requests=Counter("spi_requests", "Calls received", ["method"], registry=registry),
        errors=Counter(
            "spi_request_errors",
            "Calls ended with a status other than OK",
            ["method", "code"],
            registry=registry,
        ),
        duration=Histogram(
            "spi_request_duration_seconds",
            "Time from request bytes to response bytes",
            ["method"],
            buckets=BUCKETS,
            registry=registry,
        ),
        in_flight=Gauge("spi_requests_in_flight", "Calls being handled", registry=registry),
        working=Gauge(
            "spi_work_in_progress", "Numeric jobs running in worker threads", registry=registry
        ),
        units=Counter("spi_units_scored", "Units scored", ["method", "ruleset"], registry=registry),
        rulesets=Gauge("spi_rulesets_loaded", "Rulesets in the active catalog", registry=registry),
        reloads=Counter(
            "spi_ruleset_reloads", "Ruleset reloads on SIGHUP", ["outcome"], registry=registry
        ),
    )


def serve(metrics: Metrics, host: str, port: int) -> tuple[Any, int]:
    """Start the /metrics HTTP endpoint in a daemon thread; return (http server, bound port)."""
    server, _thread = start_http_server(port, addr=host, registry=metrics.registry)
    return server, int(server.server_port)


def ruleset_label(ruleset: tuple[str, str], loaded: Collection[tuple[str, str]]) -> str:
    """The ``ruleset`` label of a call's (ids, sha256s), each joined by commas: an id stays only
    when that id with that sha256 is loaded; any other ruleset is counted as "variant"."""
    ids, hashes = ruleset
    if not ids:
        return ""
    pairs = itertools.zip_longest(ids.split(","), hashes.split(","), fillvalue="")
    return ",".join(dict.fromkeys(i if (i, h) in loaded else OTHER_RULESET for i, h in pairs))
