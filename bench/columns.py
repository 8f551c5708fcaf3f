"""Columnar scoring (ScoreColumns) against the transport floor, the row form and the engine.

In one run, on loopback, with every server started once and the measurements interleaved:

- the transport floor: an echo service on the same stack as spi-server (``grpc.aio``, the same
  message-size options), in its own process, called with exactly the request bytes measured;
- ``spi-server`` (access log on, as ``make run``; ``--max-units`` and ``--max-message-bytes``
  raised for the 1M-unit point);
- 641-unit batches: ScoreColumns and the row form (Score), each against echo of its own bytes;
- 100,000 units in one call: ScoreColumns against the in-process engine (``spi_engine.score``
  on validated Units) and against echo of the same bytes;
- the scaling curve 1k -> 1M units: the in-process engine, ScoreColumns over gRPC, the echo
  floor and the best peer in-process, a plain numpy expression of the same arithmetic (no
  validation, margins or rounding rule), each as units/s.

A share such as "of echo" is the median of slice-by-slice ratios (see bench/serving.py).
``--quick`` shortens every measurement and stops the curve at 100k units.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import grpc
import numpy as np

from bench import _goals
from bench.serving import paired_ratio, spi_server, start, stop
from spi.v1 import columns_pb2, engine_pb2, scoring_pb2
from spi_engine import bundled, score, units_from_columns
from spi_engine.api.scoring_columns import score_columns_response_to_pb, units_from_columns_pb

ECHO = "/bench.Echo/Echo"
COLUMNS = "/spi.v1.SpiEngine/ScoreColumns"
ROWS = "/spi.v1.SpiEngine/Score"
BATCH = 641
BIG = 100_000
MIB = 1 << 20
OPTIONS = [
    ("grpc.max_receive_message_length", 256 * MIB),
    ("grpc.max_send_message_length", -1),
]


def values(n: int, seed: int = 11) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "internal": np.round(rng.uniform(40, 100, n), 2),
        "external": np.round(rng.uniform(40, 100, n), 2),
        "expert": np.round(rng.uniform(40, 100, n), 2),
        "correction": np.round(rng.uniform(0, 8, n), 2),
    }


def columns_request(n: int, ids: bool = True) -> bytes:
    """A ScoreColumnsRequest of ``n`` units under spi-2024, serialised (ids u0, u1, ...)."""
    columns = columns_pb2.UnitColumns(
        unit_ids=[f"u{i}" for i in range(n)] if ids else [],
        **{name: column.astype("<f8").tobytes() for name, column in values(n).items()},  # type: ignore[arg-type]
    )
    request = engine_pb2.ScoreColumnsRequest(ruleset_id="spi-2024", columns=columns)
    return request.SerializeToString()


def rows_request(n: int) -> bytes:
    """The same units as :func:`columns_request`, as a ScoreRequest."""
    given = values(n)
    units = [
        scoring_pb2.UnitInput(unit_id=f"u{i}", internal=a, external=b, expert=c, correction=d)
        for i, (a, b, c, d) in enumerate(zip(*(given[k].tolist() for k in given), strict=True))
    ]
    return engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=units).SerializeToString()


async def _drive(
    target: str, method: str, payload: bytes, seconds: float, warm: int
) -> tuple[int, float]:
    async with grpc.aio.insecure_channel(target, options=OPTIONS) as channel:
        call = channel.unary_unary(method)
        for _ in range(warm):
            await call(payload, timeout=120)
        calls, started = 0, time.perf_counter()
        while calls == 0 or time.perf_counter() - started < seconds:
            await call(payload, timeout=120)
            calls += 1
        return calls, time.perf_counter() - started


def rate(target: str, method: str, payload: bytes, seconds: float, warm: int = 3) -> float:
    """Calls/s of one caller calling ``method`` with ``payload`` for about ``seconds``."""
    calls, elapsed = asyncio.run(_drive(target, method, payload, seconds, warm))
    return calls / elapsed


def interleaved(
    targets: Sequence[tuple[str, str, str, bytes]], seconds: float, rounds: int
) -> dict[str, list[float]]:
    """(label, address, method, payload) measured in turn, ``rounds`` slices each: calls/s."""
    rates: dict[str, list[float]] = {label: [] for label, *_ in targets}
    for _ in range(rounds):
        for label, address, method, payload in targets:
            rates[label].append(rate(address, method, payload, seconds / rounds))
    return rates


def engine_work(n: int) -> Callable[[], object]:
    """The engine alone in-process: validate columns and score (as bench/core)."""
    rules = bundled().get("spi-2024")
    given = values(n)
    return lambda: score(rules, units_from_columns(**given))  # type: ignore[arg-type]


def bytes_work(n: int) -> Callable[[], object]:
    """In-process on the request bytes, as the server does it minus the transport: parse,
    validate, score, build and serialise the ScoreColumnsResponse."""
    rules = bundled().get("spi-2024")
    payload = columns_request(n)

    def once() -> bytes:
        request = engine_pb2.ScoreColumnsRequest.FromString(payload)
        units = units_from_columns_pb(request.columns, texts=False)
        return score_columns_response_to_pb(score(rules, units), "0" * 36).SerializeToString()

    return once


def numpy_work(n: int) -> Callable[[], object]:
    """The bare arithmetic as one numpy expression: the best in-process peer."""
    given = values(n)
    weights = np.array([0.3, 0.4, 0.3])
    matrix = np.stack([given["internal"], given["external"], given["expert"]])
    bounds = np.array([0.0, 73.0, 78.0])

    def once() -> object:
        raw = weights @ matrix - given["correction"]
        index = np.floor(np.clip(raw, 0.0, 100.0) * 100 + 0.5) / 100
        return np.searchsorted(bounds, index, side="right")

    return once


def _calls_per_second(work: Callable[[], object], seconds: float) -> float:
    calls, started = 0, time.perf_counter()
    while calls == 0 or time.perf_counter() - started < seconds:
        work()
        calls += 1
    return calls / (time.perf_counter() - started)


def serve_echo(port_file: str) -> None:
    """Echo on grpc.aio with spi-server's message options."""

    async def run() -> None:
        async def echo(request: bytes, context: object) -> bytes:
            return request

        server = grpc.aio.server(options=[*OPTIONS, ("grpc.so_reuseport", 0)])
        handler = grpc.unary_unary_rpc_method_handler(echo)
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler("bench.Echo", {"Echo": handler}),)
        )
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        Path(port_file).write_text(json.dumps({"port": port}))
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopped.set)
        await stopped.wait()
        await server.stop(0)

    asyncio.run(run())


def share(rates: dict[str, list[float]], label: str, baseline: str) -> float:
    return paired_ratio(rates[label], rates[baseline])


def batches(spi: str, echo: str, seconds: float, rounds: int) -> None:
    columnar, rowform = columns_request(BATCH), rows_request(BATCH)
    rates = interleaved(
        [
            ("echo, columnar bytes", echo, ECHO, columnar),
            ("ScoreColumns", spi, COLUMNS, columnar),
            ("echo, row-form bytes", echo, ECHO, rowform),
            ("Score (row form)", spi, ROWS, rowform),
        ],
        seconds,
        rounds,
    )
    print(f"{BATCH}-unit batch, 1 caller ({len(columnar):,} B columnar, {len(rowform):,} B rows):")
    for label, baseline in (
        ("echo, columnar bytes", None),
        ("ScoreColumns", "echo, columnar bytes"),
        ("echo, row-form bytes", None),
        ("Score (row form)", "echo, row-form bytes"),
    ):
        per_second = float(np.median(rates[label]))
        line = f"  {label:<24} {per_second * BATCH:12,.0f} units/s"
        if baseline:
            line += f"  {share(rates, label, baseline):6.1%} of {baseline}"
        print(line, flush=True)
    print(
        f"  ScoreColumns / Score (row form): "
        f"{share(rates, 'ScoreColumns', 'Score (row form)'):.2f}x units/s",
        flush=True,
    )
    _goals.figure(
        f"{BATCH}-unit batch, `Score` (row form), 1 caller",
        f"{float(np.median(rates['Score (row form)'])) * BATCH / 1e3:,.0f} k units/s",
        f"`ScoreColumns`: {float(np.median(rates['ScoreColumns'])) * BATCH / 1e3:,.0f} k units/s",
        f"columns {share(rates, 'ScoreColumns', 'Score (row form)'):.1f}x the row form",
    )


def curve(spi: str, echo: str, sizes: Sequence[int], seconds: float, rounds: int) -> None:
    print(
        "scaling, units/s (1 caller; ids sent for every unit). numpy: the bare arithmetic as one "
        "expression; engine: validate + score; in-process: request bytes to response bytes "
        "(what the server does minus the transport); echo: the transport floor for the same "
        "request bytes; gRPC: ScoreColumns on spi-server. Each figure is the median of "
        f"{rounds} slices taken in turn with the others."
    )
    print(
        f"  {'units':>9} {'numpy':>12} {'engine':>12} {'in-process':>12} {'echo':>12} "
        f"{'gRPC':>12}  engine/numpy  gRPC/in-process  gRPC/echo"
    )
    for n in sizes:
        payload = columns_request(n)
        local = {"numpy": numpy_work(n), "engine": engine_work(n), "in-process": bytes_work(n)}
        remote = {"echo": (echo, ECHO), "gRPC": (spi, COLUMNS)}
        rates: dict[str, list[float]] = {name: [] for name in (*local, *remote)}
        for _ in range(rounds):
            for name, work in local.items():
                rates[name].append(n * _calls_per_second(work, seconds / rounds))
            for name, (address, method) in remote.items():
                rates[name].append(n * rate(address, method, payload, seconds / rounds, warm=1))
        median = {name: float(np.median(each)) for name, each in rates.items()}
        print(
            f"  {n:>9,}"
            + "".join(f" {median[name]:>12,.0f}" for name in rates)
            + f"  {share(rates, 'engine', 'numpy'):11.1%}"
            + f"  {share(rates, 'gRPC', 'in-process'):14.1%}"
            + f"  {share(rates, 'gRPC', 'echo'):8.1%}",
            flush=True,
        )
        _goals.figure(
            f"scoring {n:,} units in one `ScoreColumns` call",
            f"{median['gRPC'] / 1e6:.2f} M units/s",
            f"in-process {median['in-process'] / 1e6:.2f} M, echo {median['echo'] / 1e6:.2f} M, "
            f"engine {median['engine'] / 1e6:.1f} M, numpy {median['numpy'] / 1e6:.1f} M units/s",
            f"{share(rates, 'gRPC', 'in-process'):.1%} of in-process, "
            f"{share(rates, 'gRPC', 'echo'):.1%} of echo",
        )
        if n == BIG:
            _goals.goal(
                f"{BIG:,} units in one `ScoreColumns` call",
                f"{median['gRPC'] / 1e6:.2f} M units/s",
                f"in-process, request to response bytes: {median['in-process'] / 1e6:.2f} M",
                f"{share(rates, 'gRPC', 'in-process'):.1%} of in-process "
                f"({share(rates, 'gRPC', 'engine'):.1%} of validate + score alone)",
                ">= 30 %",
                share(rates, "gRPC", "in-process") >= 0.30,
            )
            print(
                f"  -> {BIG:,} units in one call: {share(rates, 'gRPC', 'in-process'):.1%} of the "
                "in-process engine on the same bytes (goal >= 30%); "
                f"{share(rates, 'gRPC', 'engine'):.1%} of validate + score alone",
                flush=True,
            )


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.columns", description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved slices per measurement")
    parser.add_argument("--quick", action="store_true", help="short slices, curve up to 100k")
    parser.add_argument("--echo-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.echo_server:
        serve_echo(args.port_file)
        return 0
    seconds = 1.0 if args.quick else args.seconds
    sizes = (1_000, 10_000, BIG) if args.quick else (1_000, 10_000, BIG, 1_000_000)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        processes = []
        try:
            process, echo = start(
                [sys.executable, "-m", "bench.columns", "--echo-server"], folder, "echo"
            )
            processes.append(process)
            command = spi_server("--max-units", "1000000", "--max-message-bytes", str(256 * MIB))
            process, spi = start(command, folder, "spi")
            processes.append(process)
            batches(spi, echo, seconds, args.rounds)
            curve(spi, echo, sizes, seconds, args.rounds)
        finally:
            for process in processes:
                stop(process)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"(loopback, {os.cpu_count()} cores shared with the load generator; load average {load})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
