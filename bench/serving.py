"""Serving throughput and latency, against the transport floor and the in-process engine.

In one run, on loopback:

- the transport floor: a trivial echo service (a generic handler returning the request bytes)
  on the same gRPC stack as spi-server (grpc.aio, one event loop) and the same message
  options, in its own process, called with the same bytes;
- the bare engine handler: the same process also serves a generic handler that only parses,
  scores with spi_engine and serialises (no auth, limits, metrics, logs or decision log), so
  the serving layer's own cost shows as the gap between it and spi-server;
- ``spi-server`` as ``make run`` starts it (defaults), then with a decision log (fsync per
  call), and with ``--processes 2``;
- single-unit ``Score``: calls/s and p50/p99 latency with 1, 8, 32 and 128 concurrent callers;
- 641-unit batches: units/s and p50/p99 latency with 1 caller, as ``Score`` (rows) and as
  ``ScoreColumns`` (columns, against echo of its own bytes);
- the in-process engine on the same request bytes (parse, convert, score, convert, serialise);
- the access log's cost: spi-server with and without it, 1-unit ``Score`` with 32 callers, in
  many short slices taken in turn (``--log-pairs``), as the median of the pair-by-pair ratios
  with a 95 % confidence interval of that median (its spread);
- the longest answer the event loop gives itself (spi_server.service.INLINE_BYTES): the worst
  request found within each method's bound, timed in-process (``--inline-worst`` alone).

At its end it records one line per goal of issue 12's serving items in the run's summary
(:mod:`bench._goals`): figure, baseline, ratio, goal, met or MISSED.

The load generator is one grpc.aio process with N concurrent callers, the same for every server.
All servers run during the whole benchmark, idle while another is measured. Each measurement
(``--seconds``, default 3) is cut into slices (``--rounds``, default 5) taken in turn with the
other servers', each after a short warm-up, so that load from other work on the machine, which
comes and goes, weighs on every server alike: a share such as "of echo" is the median of the
slice-by-slice ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np

from spi.v1 import engine_pb2, scoring_pb2
from spi_engine import bundled, score
from spi_engine.api.scoring_messages import score_response_to_pb, units_from_pb

from . import _goals, _inline

SCORE = "/spi.v1.SpiEngine/Score"
COLUMNS = "/spi.v1.SpiEngine/ScoreColumns"
ECHO = "/bench.Echo/Echo"
BARE = "/bench.Echo/Engine"
BATCH = 641


@dataclass(frozen=True)
class Run:
    """One measurement: calls, seconds, per-call latencies (s), units per call."""

    label: str
    calls: int
    seconds: float
    latencies: np.ndarray
    units: int

    @property
    def rate(self) -> float:
        return self.calls / self.seconds

    def line(self, baselines: Sequence[tuple[str, float]] = ()) -> str:
        """One line: rate, units/s for batches, p50/p99, and the rate as a share of each baseline."""
        p50, p99 = np.percentile(self.latencies, [50, 99]) * 1000
        text = f"{self.label:<46} {self.rate:7,.0f} calls/s"
        text += f" {self.rate * self.units:9,.0f} units/s" if self.units > 1 else " " * 17
        text += f"  p50 {p50:6.3f} ms  p99 {p99:6.3f} ms"
        for name, rate in baselines:
            text += f"  {self.rate / rate:6.1%} of {name}"
        return text


def request_bytes(n: int, seed: int = 11) -> bytes:
    """A ScoreRequest of ``n`` units under spi-2024, serialised."""
    rng = np.random.default_rng(seed)
    values = np.round(rng.uniform(40, 100, (n, 3)), 2)
    corrections = np.round(rng.uniform(0, 8, n), 2)
    units = [
        scoring_pb2.UnitInput(
            unit_id=f"u{i}", internal=a, external=b, expert=c, correction=float(d)
        )
        for i, ((a, b, c), d) in enumerate(zip(values.tolist(), corrections.tolist(), strict=True))
    ]
    return engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=units).SerializeToString()


async def _drive(
    target: str, method: str, payload: bytes, callers: int, seconds: float
) -> tuple[int, float, list[float]]:
    async with grpc.aio.insecure_channel(
        target, options=[("grpc.max_receive_message_length", 64 << 20)]
    ) as channel:
        call = channel.unary_unary(method)
        for _ in range(50):
            await call(payload)
        latencies: list[float] = []
        stop_at = time.perf_counter() + seconds

        async def caller() -> None:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                await call(payload)
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(callers)))
        return len(latencies), time.perf_counter() - started, latencies


def measure(
    label: str, target: str, method: str, payload: bytes, callers: int, seconds: float, units: int
) -> Run:
    calls, elapsed, latencies = asyncio.run(_drive(target, method, payload, callers, seconds))
    return Run(label, calls, elapsed, np.asarray(latencies), units)


def in_process_rate(payload: bytes, seconds: float) -> float:
    """Calls/s of the engine on these request bytes, as the server does it, minus the transport."""
    rules = bundled().get("spi-2024")

    def once() -> bytes:
        request = engine_pb2.ScoreRequest.FromString(payload)
        scores = score(rules, units_from_pb(request.units))
        return score_response_to_pb(
            scores, "00000000-0000-0000-0000-000000000000"
        ).SerializeToString()

    for _ in range(20):
        once()
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        once()
        calls += 1
    return calls / (time.perf_counter() - started)


def bare_engine(request: bytes, context: object) -> bytes:
    """The engine alone in a gRPC handler: parse, score, serialise."""
    parsed = engine_pb2.ScoreRequest.FromString(request)
    rules = bundled().get(parsed.ruleset_id)
    scores = score(rules, units_from_pb(parsed.units))
    return score_response_to_pb(scores, "bare").SerializeToString()


def serve_echo(port_file: str) -> None:
    """Echo and the bare engine handler on grpc.aio, as spi-server serves: the same message
    options, the engine's work in a pool of 4 threads (spi-server's ``--workers``) off the loop.
    """
    pool = futures.ThreadPoolExecutor(max_workers=4)

    async def echo(request: bytes, context: object) -> bytes:
        return request

    async def engine(request: bytes, context: object) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(pool, bare_engine, request, None)

    async def run() -> None:
        handler = grpc.method_handlers_generic_handler(
            "bench.Echo",
            {
                "Echo": grpc.unary_unary_rpc_method_handler(echo),
                "Engine": grpc.unary_unary_rpc_method_handler(engine),
            },
        )
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", 16 << 20),
                ("grpc.max_send_message_length", -1),
                ("grpc.so_reuseport", 0),
            ]
        )
        server.add_generic_rpc_handlers((handler,))
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


def start(command: Sequence[str], folder: Path, name: str) -> tuple[subprocess.Popen[bytes], str]:
    port_file = folder / f"{name}.json"
    with open(folder / f"{name}.log", "wb") as log:  # the server writes to its own copy
        process = subprocess.Popen(
            [*command, "--port-file", str(port_file)], stdout=log, stderr=log
        )
    deadline = time.monotonic() + 60
    while not port_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start; see {folder / (name + '.log')}")
        time.sleep(0.05)
    time.sleep(0.2)
    return process, f"127.0.0.1:{json.loads(port_file.read_text())['port']}"


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


def spi_server(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("spi-server")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "spi_server.main"]
    return [*base, "--address", "127.0.0.1:0", "--http-address", "", *args]


LOG_PROCESSES = 3
"""server processes on each side of the access log's cost (see access_log_cost)"""
SHAPES = (
    ("1", 1, 1),
    ("8", 1, 8),
    ("32", 1, 32),
    ("128", 1, 128),
    ("batch", BATCH, 1),
    ("columns", BATCH, 1),
)
"""(key, units per call, concurrent callers); "columns" calls ScoreColumns (no bare handler)"""


@dataclass(frozen=True)
class Target:
    """One thing measured: a label, a server address and the method called there."""

    label: str
    address: str
    method: str


def paired_ratio(rates: Sequence[float], baseline: Sequence[float]) -> float:
    """The median of round-by-round ratios: load that comes and goes hits both sides alike.

    >>> paired_ratio([90.0, 40.0, 95.0], [100.0, 50.0, 100.0])
    0.9
    """
    return float(np.median(np.asarray(rates) / np.asarray(baseline)))


def interleaved(
    targets: Sequence[Target], payload: bytes, callers: int, seconds: float, rounds: int
) -> dict[str, list[Run]]:
    """``rounds`` slices of ``seconds / rounds`` per target, the targets taken in turn."""
    runs: dict[str, list[Run]] = {t.label: [] for t in targets}
    for _ in range(rounds):
        for target in targets:
            run = measure(
                target.label,
                target.address,
                target.method,
                payload,
                callers,
                seconds / rounds,
                1,
            )
            runs[target.label].append(run)
    return runs


def pooled(label: str, runs: Sequence[Run], units: int) -> Run:
    return Run(
        label,
        sum(r.calls for r in runs),
        sum(r.seconds for r in runs),
        np.concatenate([r.latencies for r in runs]),
        units,
    )


def for_shape(targets: Sequence[Target], key: str) -> list[Target]:
    """The targets of a shape: for "columns", ScoreColumns on spi-server and no bare handler."""
    if key != "columns":
        return list(targets)
    return [
        Target(t.label, t.address, COLUMNS if t.method == SCORE else t.method)
        for t in targets
        if t.method != BARE
    ]


def suite(
    targets: Sequence[Target],
    payloads: dict[str, bytes],
    seconds: float,
    rounds: int,
    in_process: dict[str, float],
) -> dict[str, dict[str, float]]:
    """Measure every shape with the targets interleaved; print each against the baselines
    (echo, and the bare engine handler for spi-server) and against the in-process engine.
    Returns each shape's shares of echo by target label, and its echo rate (label "echo")."""
    baselines = {"echo": "echo (transport floor)", "bare": "bare engine handler"}
    found: dict[str, dict[str, float]] = {}
    for key, units, callers in SHAPES:
        shape = (
            f"{units} unit{'s' if units > 1 else ''}, {callers} caller{'s' if callers > 1 else ''}"
        )
        shape += " (ScoreColumns)" if key == "columns" else ""
        chosen = for_shape(targets, key)
        runs = interleaved(chosen, payloads[key], callers, seconds, rounds)
        rates = {label: [r.rate for r in each] for label, each in runs.items()}
        found[key] = {
            f"{label} rate": float(np.median(each)) * units for label, each in rates.items()
        }
        for target in chosen:
            shares = [
                (name, paired_ratio(rates[target.label], rates[label]))
                for name, label in baselines.items()
                if label in rates
                and label != target.label
                and (name == "echo" or target.label.startswith("spi"))
            ]
            found[key][target.label] = shares[0][1] if shares else 1.0
            run = pooled(f"{target.label}: {shape}", runs[target.label], units)
            line = run.line()
            for name, share in shares:
                line += f"  {share:6.1%} of {name}"
            if target.label != baselines["echo"]:
                line += f"  {run.rate / in_process[key]:6.1%} of in-process"
            print(line, flush=True)
        logged, unlogged = "spi-server (defaults)", "spi-server --no-access-log"
        if logged in rates and unlogged in rates:
            cost = 1 - paired_ratio(rates[logged], rates[unlogged])
            print(f"  access log cost ({shape}): {cost:+.1%} of calls/s (goal <= 5%)", flush=True)
    return found


async def _slice(
    call: grpc.aio.UnaryUnaryMultiCallable, payload: bytes, callers: int, seconds: float
) -> float:
    """calls/s of ``callers`` concurrent callers for ``seconds``, after 10 warm-up calls."""
    for _ in range(10):
        await call(payload)
    stop_at, done = time.perf_counter() + seconds, [0]

    async def caller() -> None:
        while time.perf_counter() < stop_at:
            await call(payload)
            done[0] += 1

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return done[0] / (time.perf_counter() - started)


async def _alternate(
    targets: Sequence[str], payload: bytes, callers: int, seconds: float, pairs: int
) -> list[list[float]]:
    """calls/s of each target in ``pairs`` rounds of slices taken in turn (the order swapped
    every other round), each target's channel kept open."""
    rates: list[list[float]] = [[] for _ in targets]
    channels = [grpc.aio.insecure_channel(target) for target in targets]
    try:
        calls = [channel.unary_unary(SCORE) for channel in channels]
        for index in range(pairs):
            order = list(range(len(targets)))
            for which in order if index % 2 == 0 else order[::-1]:
                rates[which].append(await _slice(calls[which], payload, callers, seconds))
    finally:
        for channel in channels:
            await channel.close()
    return rates


def access_log_cost(
    logged: Sequence[str], unlogged: Sequence[str], callers: int, seconds: float, pairs: int
) -> tuple[float, float, float]:
    """The access log's cost, 1 - calls/s with it / without it: the median of ``pairs``
    slice-by-slice ratios, and the 95 % confidence interval of that median (order statistics).

    Two processes of the same server differ by a few percent on their own (memory layout, hash
    seeds), so each side is several processes, the pairs spread evenly over them."""
    ratios_of: list[np.ndarray] = []
    for index, (with_it, without_it) in enumerate(zip(logged, unlogged, strict=True)):
        share = pairs // len(logged) + (index < pairs % len(logged))
        with_log, without = asyncio.run(
            _alternate((with_it, without_it), request_bytes(1), callers, seconds, share)
        )
        ratios_of.append(np.asarray(with_log) / np.asarray(without))
    ratios = np.sort(np.concatenate(ratios_of))
    n = len(ratios)
    half = 1.96 * np.sqrt(n) / 2
    low, high = ratios[max(0, int(n / 2 - half))], ratios[min(n - 1, int(np.ceil(n / 2 + half)))]
    return 1 - float(np.median(ratios)), 1 - float(high), 1 - float(low)


def record_goals(found: dict[str, dict[str, float]], log: tuple[float, float, float]) -> None:
    """One line per goal in the run's summary (:mod:`bench._goals`): figure, baseline, ratio,
    goal, met or MISSED. The access log's goal is met only when its whole 95 % interval is at
    or below 5 %."""
    spi, echo = "spi-server (defaults)", "echo (transport floor)"
    single, columns = found["32"], found["columns"]
    cost, low, high = log
    _goals.goal(
        "1-unit `Score`, 32 callers, spi-server defaults",
        f"{single[spi + ' rate']:,.0f} calls/s",
        f"echo on grpc.aio, same options: {single[echo + ' rate']:,.0f} calls/s",
        f"{single[spi]:.1%} of echo",
        ">= 70 %",
        single[spi] >= 0.70,
    )
    _goals.goal(
        "access log cost, 1-unit `Score`, 32 callers",
        f"{cost:+.1%} of calls/s (95 % interval {low:+.1%} to {high:+.1%})",
        "`--no-access-log`",
        f"{1 - cost:.1%} of the calls/s",
        "<= 5 % (whole interval)",
        high <= 0.05,
    )
    _goals.goal(
        f"{BATCH}-unit batch, `ScoreColumns`, 1 caller",
        f"{columns[spi + ' rate'] / 1e3:,.0f} k units/s",
        f"echo of the same request bytes: {columns[echo + ' rate'] / 1e3:,.0f} k units/s",
        f"{columns[spi]:.1%} of echo",
        ">= 50 %",
        columns[spi] >= 0.50,
    )


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.serving", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="seconds per measurement (all rounds)"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="slices per measurement, the targets taken in turn"
    )
    parser.add_argument(
        "--log-pairs",
        type=int,
        default=150,
        help="pairs of slices with and without the access log, taken in turn",
    )
    parser.add_argument(
        "--log-slice", type=float, default=0.2, help="seconds per slice of --log-pairs"
    )
    parser.add_argument(
        "--inline-worst", action="store_true", help="only the longest inline answers"
    )
    parser.add_argument("--echo-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.echo_server:
        serve_echo(args.port_file)
        return 0
    if args.inline_worst:
        _inline.report()
        return 0
    from bench.columns import bytes_work, columns_request  # bench.columns imports this module

    payloads = {
        "1": request_bytes(1),
        "batch": request_bytes(BATCH),
        "columns": columns_request(BATCH),
    }
    for key in ("8", "32", "128"):
        payloads[key] = payloads["1"]
    single, batch = (
        in_process_rate(payloads["1"], args.seconds),
        in_process_rate(payloads["batch"], args.seconds),
    )
    columnar = _calls_per_second(bytes_work(BATCH), args.seconds)
    in_process = {"1": single, "8": single, "32": single, "128": single, "batch": batch}
    in_process["columns"] = columnar
    print(f"{'in-process engine: 1 unit':<46} {single:7,.0f} calls/s")
    for label, rate in ((f"{BATCH} units", batch), (f"{BATCH} units, columns", columnar)):
        print(
            f"{'in-process engine: ' + label:<46} {rate:7,.0f} calls/s {rate * BATCH:9,.0f} units/s"
        )
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        servers = [
            ("spi-server (defaults)", spi_server()),
            ("spi-server --no-access-log", spi_server("--no-access-log")),
            (
                "spi-server --decision-log",
                spi_server("--decision-log", str(folder / "decisions.jsonl")),
            ),
            ("spi-server --processes 2", spi_server("--processes", "2")),
        ]
        processes: list[subprocess.Popen[bytes]] = []
        try:
            process, echo = start(
                [sys.executable, "-m", "bench.serving", "--echo-server"], folder, "echo"
            )
            processes.append(process)
            targets = [
                Target("echo (transport floor)", echo, ECHO),
                Target("bare engine handler", echo, BARE),
            ]
            for index, (label, command) in enumerate(servers):
                process, address = start(command, folder, f"spi-{index}")
                processes.append(process)
                targets.append(Target(label, address, SCORE))
            found = suite(targets, payloads, args.seconds, args.rounds, in_process)
            logged, unlogged = [targets[2].address], [targets[3].address]
            for index in range(LOG_PROCESSES - 1):
                for side, flags in ((logged, ()), (unlogged, ("--no-access-log",))):
                    process, address = start(spi_server(*flags), folder, f"log-{index}-{flags}")
                    processes.append(process)
                    side.append(address)
            log = access_log_cost(logged, unlogged, 32, args.log_slice, args.log_pairs)
        finally:
            for process in processes:
                stop(process)
    print(
        f"access log cost, 1-unit Score, 32 callers, {args.log_pairs} pairs of "
        f"{args.log_slice:g} s slices: "
        f"{log[0]:+.1%} of calls/s, 95% interval of the median {log[1]:+.1%} to {log[2]:+.1%}"
    )
    worst = _inline.report()
    print(
        f"(loopback, {os.cpu_count()} cores shared by the load generator and the servers; "
        f"each figure pools {args.rounds} slices taken in turn with the others, and each "
        "share is the median of the slice-by-slice ratios; load average "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + ")"
    )
    record_goals(found, log)
    print(f"longest inline answer found: {worst:.2f} ms (the loop's longest wait for it)")
    return 0


def _calls_per_second(work: Callable[[], object], seconds: float) -> float:
    calls, started = 0, time.perf_counter()
    while calls == 0 or time.perf_counter() - started < seconds:
        work()
        calls += 1
    return calls / (time.perf_counter() - started)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
