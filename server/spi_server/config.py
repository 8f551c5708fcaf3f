"""The server's configuration: command-line flags, each with an environment variable.

A flag wins over its environment variable, which wins over the default. ``spi-server --help``
lists them all; :func:`parse` turns argv and an environment into an immutable :class:`Config`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

DEFAULT_ADDRESS = "localhost:50051"
DEFAULT_HTTP_ADDRESS = "localhost:8080"
MIB = 1024 * 1024


class ConfigError(ValueError):
    """A flag or environment variable with a value the server cannot use."""


@dataclass(frozen=True)
class Config:
    """Everything the server is started with. Paths are strings; empty means "not set"."""

    address: str = DEFAULT_ADDRESS
    http_address: str = DEFAULT_HTTP_ADDRESS
    """host:port of the HTTP/1.1 door (Connect protocol, /healthz, the web page); empty: off"""
    web_root: str = ""
    """directory served at / and /assets/ by the HTTP door; empty: the bundled page"""
    port_file: str = ""
    workers: int = 4
    processes: int = 1
    max_units: int = 100_000
    max_message_bytes: int = 16 * MIB
    max_concurrent_rpcs: int = 0
    rulesets: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    client_ca: str = ""
    tokens: str = ""
    metrics_address: str = ""
    decision_log: str = ""
    decision_log_min_free_mb: int = 64
    grace: float = 10.0
    reflection: bool = True
    access_log: bool = True
    log_level: str = "INFO"
    datasets: tuple[str, ...] = ()
    """NAME=PATH of each reference dataset (results files in the published format)"""
    max_grid_points: int = 2_000_000
    max_draws: int = 200_000
    max_draw_cells: int = 50_000_000
    chunk_size: int = 1000
    max_chunk_size: int = 10_000
    instruments: str = ""
    max_respondents: int = 2_000_000
    max_respondent_chunk: int = 100_000
    max_population_rows: int = 500_000
    max_listed_exclusions: int = 100_000
    heavy_workers: int = 2
    light_request_bytes: int = 64 * 1024
    max_heavy_per_caller: int = 8
    max_heavy_per_method: int = 8
    stream_idle_timeout: float = 30.0
    stream_write_timeout: float = 30.0
    max_call_seconds: float = 600.0
    max_upload_bytes: int = 512 * MIB

    def dataset_paths(self) -> dict[str, str]:
        """{name: path} of ``datasets`` (checked by :func:`check`)."""
        return dict(dataset_pair(item) for item in self.datasets)


@dataclass(frozen=True)
class _Flag:
    name: str
    env: str
    kind: type
    help: str
    metavar: str | None = None


_FLAGS = (
    _Flag("address", "SPI_ADDRESS", str, "host:port of the gRPC door", "HOST:PORT"),
    _Flag(
        "http_address",
        "SPI_HTTP_ADDRESS",
        str,
        "host:port of the HTTP/1.1 door: the same service over the Connect protocol (JSON or "
        "binary), GET /healthz and the web page; '' or off = no HTTP door",
        "HOST:PORT",
    ),
    _Flag(
        "web_root",
        "SPI_WEB_ROOT",
        str,
        "directory the HTTP door serves at / (index.html) and /assets/; empty = the bundled page",
        "DIR",
    ),
    _Flag(
        "port_file",
        "SPI_PORT_FILE",
        str,
        'write {"port": ..., "http_port": ..., "metrics_port": ..., "pid": ...} as JSON to this '
        "file once serving (useful with port 0)",
        "FILE",
    ),
    _Flag(
        "workers",
        "SPI_WORKERS",
        int,
        "threads per process for light calls (small Score, listings, ValidateRuleset, ...)",
        "N",
    ),
    _Flag(
        "heavy_workers",
        "SPI_HEAVY_WORKERS",
        int,
        "threads per process for heavy calls (simulation RPCs, ScoreSurvey, Score or Summarize "
        "over --light-request-bytes); heavy calls past them queue, never taking a light thread",
        "N",
    ),
    _Flag(
        "light_request_bytes",
        "SPI_LIGHT_REQUEST_BYTES",
        int,
        "largest Score or Summarize request (in bytes) served as a light call",
        "BYTES",
    ),
    _Flag(
        "max_heavy_per_caller",
        "SPI_MAX_HEAVY_PER_CALLER",
        int,
        "most heavy calls one caller may have in progress, running or queued "
        "(RESOURCE_EXHAUSTED past it)",
        "N",
    ),
    _Flag(
        "max_heavy_per_method",
        "SPI_MAX_HEAVY_PER_METHOD",
        int,
        "most heavy calls of one method in progress, running or queued "
        "(RESOURCE_EXHAUSTED past it)",
        "N",
    ),
    _Flag(
        "stream_idle_timeout",
        "SPI_STREAM_IDLE_TIMEOUT",
        float,
        "seconds an upload (ScoreSurvey) may go without a message (DEADLINE_EXCEEDED past it)",
        "SECONDS",
    ),
    _Flag(
        "stream_write_timeout",
        "SPI_STREAM_WRITE_TIMEOUT",
        float,
        "seconds a caller may take to read one message of a streamed answer "
        "(DEADLINE_EXCEEDED past it)",
        "SECONDS",
    ),
    _Flag(
        "max_call_seconds",
        "SPI_MAX_CALL_SECONDS",
        float,
        "longest a call may take, whatever the caller's deadline (DEADLINE_EXCEEDED past it)",
        "SECONDS",
    ),
    _Flag(
        "max_upload_bytes",
        "SPI_MAX_UPLOAD_BYTES",
        int,
        "most bytes in one upload (ScoreSurvey), all messages together "
        "(RESOURCE_EXHAUSTED past it)",
        "BYTES",
    ),
    _Flag(
        "processes",
        "SPI_PROCESSES",
        int,
        "server processes sharing the port (SO_REUSEPORT); 1 = a single process",
        "N",
    ),
    _Flag(
        "max_units",
        "SPI_MAX_UNITS",
        int,
        "most units in one request (RESOURCE_EXHAUSTED past it)",
        "N",
    ),
    _Flag(
        "max_message_bytes",
        "SPI_MAX_MESSAGE_BYTES",
        int,
        "largest request message in bytes (RESOURCE_EXHAUSTED past it)",
        "BYTES",
    ),
    _Flag(
        "max_concurrent_rpcs",
        "SPI_MAX_CONCURRENT_RPCS",
        int,
        "most calls in progress per process, 0 = no limit (RESOURCE_EXHAUSTED past it)",
        "N",
    ),
    _Flag(
        "rulesets",
        "SPI_RULESETS",
        str,
        "directory of extra .txtpb rulesets, added to the bundled ones; reloaded on SIGHUP",
        "DIR",
    ),
    _Flag("tls_cert", "SPI_TLS_CERT", str, "server certificate chain (PEM): turns TLS on", "FILE"),
    _Flag("tls_key", "SPI_TLS_KEY", str, "server private key (PEM), with --tls-cert", "FILE"),
    _Flag(
        "client_ca",
        "SPI_CLIENT_CA",
        str,
        "CA certificate(s) (PEM) for client certificates: turns mutual TLS on (required)",
        "FILE",
    ),
    _Flag(
        "tokens",
        "SPI_TOKENS",
        str,
        "file of bearer tokens, one 'NAME TOKEN [METHODS]' per line: turns token auth on; "
        "reloaded on SIGHUP",
        "FILE",
    ),
    _Flag(
        "metrics_address",
        "SPI_METRICS_ADDRESS",
        str,
        "host:port of the Prometheus /metrics endpoint (off when empty)",
        "HOST:PORT",
    ),
    _Flag(
        "decision_log",
        "SPI_DECISION_LOG",
        str,
        "append-only JSONL file recording every Score, Summarize and simulation call "
        "(off when empty)",
        "FILE",
    ),
    _Flag(
        "decision_log_min_free_mb",
        "SPI_DECISION_LOG_MIN_FREE_MB",
        int,
        "refuse to start when the decision log's disk has less free space than this",
        "MIB",
    ),
    _Flag(
        "grace",
        "SPI_GRACE",
        float,
        "seconds calls in flight may take to finish after SIGTERM/SIGINT",
        "SECONDS",
    ),
    _Flag("log_level", "SPI_LOG_LEVEL", str, "DEBUG, INFO, WARNING or ERROR", "LEVEL"),
    _Flag(
        "max_grid_points",
        "SPI_MAX_GRID_POINTS",
        int,
        "most grid points (units x values) one Sweep may score (RESOURCE_EXHAUSTED past it)",
        "N",
    ),
    _Flag(
        "max_draws",
        "SPI_MAX_DRAWS",
        int,
        "most Monte Carlo draws per unit in EstimateUncertainty (RESOURCE_EXHAUSTED past it)",
        "N",
    ),
    _Flag(
        "max_draw_cells",
        "SPI_MAX_DRAW_CELLS",
        int,
        "most Monte Carlo units x draws in one EstimateUncertainty (RESOURCE_EXHAUSTED past it)",
        "N",
    ),
    _Flag(
        "chunk_size",
        "SPI_CHUNK_SIZE",
        int,
        "rows or grid points per streamed message when the request does not say",
        "N",
    ),
    _Flag(
        "max_chunk_size",
        "SPI_MAX_CHUNK_SIZE",
        int,
        "most rows or grid points per streamed message (a larger request is lowered to it)",
        "N",
    ),
    _Flag(
        "instruments",
        "SPI_INSTRUMENTS",
        str,
        "directory of extra survey instruments (.txtpb or .binpb), added to the bundled ones; "
        "reloaded on SIGHUP",
        "DIR",
    ),
    _Flag(
        "max_respondents",
        "SPI_MAX_RESPONDENTS",
        int,
        "most respondents in one ScoreSurvey upload (RESOURCE_EXHAUSTED past it)",
        "N",
    ),
    _Flag(
        "max_respondent_chunk",
        "SPI_MAX_RESPONDENT_CHUNK",
        int,
        "most respondents in one ScoreSurvey chunk message (RESOURCE_EXHAUSTED past it)",
        "N",
    ),
    _Flag(
        "max_population_rows",
        "SPI_MAX_POPULATION_ROWS",
        int,
        "most population-table rows (and response counts) in one survey request "
        "(RESOURCE_EXHAUSTED past it)",
        "N",
    ),
    _Flag(
        "max_listed_exclusions",
        "SPI_MAX_LISTED_EXCLUSIONS",
        int,
        "most excluded respondents listed in one ScoreSurvey response (the rest are counted)",
        "N",
    ),
)
_SWITCHES = (
    (
        "reflection",
        "SPI_REFLECTION",
        "server reflection (grpc.reflection.v1 and grpc.reflection.v1alpha)",
    ),
    (
        "access_log",
        "SPI_ACCESS_LOG",
        "one INFO log line per call, with the caller's name; written in batches at most 10 ms "
        "apart (a crash loses at most the last 10 ms of them); WARNING lines at once",
    ),
)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spi-server",
        description="Serve spi.v1.SpiEngine over gRPC and over HTTP/1.1 (Connect protocol), "
        "with health checking, reflection, "
        "metrics and a decision log. Every flag can also be set by the environment variable "
        "shown; a flag wins over its variable.",
    )
    defaults = Config()
    for flag in _FLAGS:
        default = getattr(defaults, flag.name)
        parser.add_argument(
            "--" + flag.name.replace("_", "-"),
            dest=flag.name,
            type=flag.kind,
            metavar=flag.metavar,
            default=flag.kind(env[flag.env]) if env.get(flag.env) else default,
            help=f"{flag.help} [env {flag.env}; default {default!r}]",
        )
    parser.add_argument(
        "--dataset",
        "--datasets",
        dest="datasets",
        action="append",
        metavar="NAME=PATH",
        default=None,
        help="a results file in the published format, served as the reference dataset NAME "
        "(ListDatasets; units addressed by dataset and id); repeatable; reloaded on SIGHUP "
        "[env SPI_DATASETS=NAME=PATH,NAME=PATH; default none]",
    )
    for name, variable, text in _SWITCHES:
        parser.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            action=argparse.BooleanOptionalAction,
            default=_switch(env, variable, getattr(defaults, name)),
            help=f"{text} [env {variable}=on|off; default on]",
        )
    return parser


def _switch(env: Mapping[str, str], variable: str, default: bool) -> bool:
    value = env.get(variable, "").strip().lower()
    if not value:
        return default
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise ConfigError(f"{variable}: expected on or off; got {value!r}")


def parse(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """A checked Config from flags and environment; ConfigError names the bad setting."""
    environment = os.environ if env is None else env
    try:
        parser = build_parser(environment)
    except ValueError as error:  # a number-valued variable that is not a number
        raise ConfigError(f"environment: {error}") from None
    args = parser.parse_args(argv)
    values = vars(args)
    given = values.pop("datasets")
    from_env = [item for item in environment.get("SPI_DATASETS", "").split(",") if item.strip()]
    config = Config(**values, datasets=tuple(given if given is not None else from_env))
    if config.http_address.strip().lower() == "off":  # SPI_HTTP_ADDRESS=off: an empty one is unset
        config = replace(config, http_address="")
    check(config)
    return config


def check(config: Config) -> None:
    """Raise ConfigError on the first setting that cannot work."""
    positive = (
        "workers",
        "processes",
        "max_units",
        "max_message_bytes",
        "max_grid_points",
        "max_draws",
        "max_draw_cells",
        "chunk_size",
        "max_chunk_size",
        "max_respondents",
        "max_respondent_chunk",
        "max_population_rows",
        "max_listed_exclusions",
        "heavy_workers",
        "light_request_bytes",
        "max_heavy_per_caller",
        "max_heavy_per_method",
        "max_upload_bytes",
    )
    for name in ("stream_idle_timeout", "stream_write_timeout", "max_call_seconds"):
        if not getattr(config, name) > 0:  # NaN too
            raise ConfigError(
                f"--{name.replace('_', '-')}: expected a number of seconds > 0; "
                f"got {getattr(config, name)}"
            )
    for name in positive:
        if getattr(config, name) < 1:
            raise ConfigError(
                f"--{name.replace('_', '-')}: expected 1 or more; got {getattr(config, name)}"
            )
    if config.max_concurrent_rpcs < 0 or config.decision_log_min_free_mb < 0 or config.grace < 0:
        raise ConfigError(
            "--max-concurrent-rpcs, --decision-log-min-free-mb and --grace must be >= 0"
        )
    if bool(config.tls_cert) != bool(config.tls_key):
        raise ConfigError("--tls-cert and --tls-key go together; got only one of them")
    if config.client_ca and not config.tls_cert:
        raise ConfigError("--client-ca (mutual TLS) needs --tls-cert and --tls-key")
    if config.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(
            f"--log-level: expected DEBUG, INFO, WARNING or ERROR; got {config.log_level!r}"
        )
    split_address(config.address, "--address")
    names = [dataset_pair(item)[0] for item in config.datasets]
    if len(set(names)) != len(names):
        raise ConfigError(f"--dataset: expected each NAME once; got {names}")
    if config.metrics_address:
        split_address(config.metrics_address, "--metrics-address")
    check_http(config)


def check_http(config: Config) -> None:
    """The HTTP door's settings: an address, and nothing it cannot honour."""
    if not config.http_address:
        return
    split_address(config.http_address, "--http-address")
    if config.web_root and not os.path.isdir(config.web_root):
        raise ConfigError(f"--web-root: expected a directory; got {config.web_root!r}")
    if config.client_ca and not config.tokens:
        raise ConfigError(
            "--client-ca without --tokens names callers by certificate, which the HTTP door "
            "cannot do; add --tokens (the door then asks for a client certificate too), or turn "
            "the HTTP door off with --http-address ''"
        )


def split_address(address: str, what: str) -> tuple[str, int]:
    """('localhost', 50051) from 'localhost:50051'; '[::1]:80' keeps its brackets off."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ConfigError(
            f"{what}: expected HOST:PORT with a port from 0 to 65535; got {address!r}"
        )
    return host.strip("[]") or "0.0.0.0", int(port)


def dataset_pair(item: str) -> tuple[str, str]:
    """('published', 'results.csv') from 'published=results.csv'."""
    name, sep, path = item.strip().partition("=")
    if not sep or not name.strip() or not path.strip():
        raise ConfigError(f"--dataset: expected NAME=PATH; got {item!r}")
    return name.strip(), path.strip()
