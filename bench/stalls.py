"""Stalls: a 1-unit Score's latency under abuse, against an idle server; CPU after a deadline.

One ``spi-server`` subprocess (the one on PATH next to this Python, or ``--server`` CMD) on
loopback. First the latency of a 1-unit Score on the idle server (``--probes`` calls, one after
another), then the same while each abuse of :mod:`bench._abuse` is open (``--abusers`` calls
each: idle reflection streams, ScoreSurvey uploads that never end, Sweeps nobody reads, a mix of
heavy calls within the limits), printed as p50/p99/max and as ratios to the idle figures. A
probe that takes longer than ``--timeout`` counts as stalled; after 3 stalls an abuse is cut
short. Then the CPU seconds the server spends on GoalSeek, EstimateUncertainty and a 100,000-unit
Score in full and after a 50 ms deadline (from /proc, Linux only).

    python -m bench stalls
    PYTHONPATH=/tmp/main/server:/tmp/main python -m bench.stalls   # another checkout's server
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np

from bench import _abuse, _cpu, _goals
from spi.v1 import engine_pb2, scoring_pb2

STALLS_BEFORE_GIVING_UP = 3


@contextlib.contextmanager
def server(command: list[str]) -> Iterator[tuple[int, str]]:
    """(pid, host:port) of a spi-server started with ``command`` on 127.0.0.1:0."""
    with tempfile.TemporaryDirectory() as folder:
        port_file = Path(folder) / "port.json"
        process = subprocess.Popen(
            [
                *command,
                "--address",
                "127.0.0.1:0",
                "--http-address",
                "",
                "--port-file",
                str(port_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not port_file.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"spi-server did not start: {command}")
                time.sleep(0.05)
            yield process.pid, f"127.0.0.1:{json.loads(port_file.read_text())['port']}"
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def latencies(target: str, probes: int, timeout: float) -> tuple[np.ndarray, int]:
    """Seconds per 1-unit Score (``probes`` of them), and how many stalled past ``timeout``."""
    taken, stalled = [], 0
    with grpc.insecure_channel(target) as channel:
        score = channel.unary_unary("/spi.v1.SpiEngine/Score")
        for _ in range(probes):
            started = time.perf_counter()
            try:
                score(_abuse.SCORE, timeout=timeout)
            except grpc.RpcError:
                stalled += 1
                if stalled >= STALLS_BEFORE_GIVING_UP:
                    break
            taken.append(time.perf_counter() - started)
    return np.array(taken), stalled


def line(label: str, taken: np.ndarray, stalled: int, idle: np.ndarray | None) -> str:
    p50, p99 = np.percentile(taken, [50, 99])
    text = f"{label:<34} p50 {p50 * 1000:8.2f} ms  p99 {p99 * 1000:9.2f} ms"
    text += f"  max {taken.max() * 1000:9.2f} ms  stalled {stalled}"
    if idle is not None:
        i50, i99 = np.percentile(idle, [50, 99])
        text += f"  x{p50 / i50:7.1f} p50  x{p99 / i99:7.1f} p99"
    return text


def record(abuse: str, taken: np.ndarray, stalled: int, idle: np.ndarray) -> None:
    """The run's summary line: latency under the abuse against the idle server's, no stall."""
    p50, p99 = np.percentile(taken, [50, 99]) * 1000
    i50, i99 = np.percentile(idle, [50, 99]) * 1000
    _goals.goal(
        f"1-unit `Score` one after another, under {abuse}",
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {stalled} stalled",
        f"idle server: p50 {i50:.1f} ms, p99 {i99:.1f} ms",
        f"{p50 / i50:.1f}x p50, {p99 / i99:.1f}x p99",
        "no call stalled",
        stalled == 0,
    )


def deadline_cpu(pid: int, target: str) -> None:
    unit = scoring_pb2.UnitInput(**_abuse.UNIT)  # type: ignore[arg-type]
    big = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=[unit] * 100_000)
    cases = {
        "GoalSeek (20,000 units)": ("GoalSeek", _abuse.goal_seek(20_000)),
        "EstimateUncertainty (500 x 100k)": ("EstimateUncertainty", _abuse.uncertainty(500)),
        "Score (100,000 units)": ("Score", big.SerializeToString()),
    }
    options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    with grpc.insecure_channel(target, options=options) as channel:
        for label, (method, request) in cases.items():
            call = channel.unary_unary(f"/spi.v1.SpiEngine/{method}")
            full = _cpu.spent(pid, lambda: call(request, timeout=300))  # noqa: B023
            cut = _cpu.spent(pid, lambda: call(request, timeout=0.05))  # noqa: B023
            print(
                f"{label:<34} full {full:6.2f} s CPU  after a 50 ms deadline {cut:6.2f} s"
                f"  = {cut / full:6.1%} of the full work",
                flush=True,
            )
            _goals.figure(
                f"server CPU of a call with a 50 ms deadline (the work before it included), {label}",
                f"{cut:.3f} s",
                f"the same call in full: {full:.2f} s",
                f"{cut / full:.1%} of the full work",
            )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stalls")
    parser.add_argument("--probes", type=int, default=150)
    parser.add_argument("--abusers", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--kinds", nargs="*", default=list(_abuse.KINDS))
    parser.add_argument("--server", default="", help="command that runs spi-server")
    args = parser.parse_args(argv)
    script = Path(sys.executable).parent / "spi-server"
    command = args.server.split() or (
        [str(script)] if script.exists() else [sys.executable, "-m", "spi_server.main"]
    )
    command += ["--no-access-log", "--max-units", "1000000", "--max-message-bytes", str(2**26)]
    with server(command) as (pid, target):
        print(f"1-unit Score, {args.probes} calls one after another; {args.abusers} abusers each")
        idle, stalled = latencies(target, args.probes, args.timeout)
        print(line("idle server", idle, stalled, None), flush=True)
        for kind in args.kinds:
            abuse = _abuse.start(kind, target, n=args.abusers)
            try:
                time.sleep(1.0)
                taken, stalled = latencies(target, args.probes, args.timeout)
            finally:
                abuse.close()
            print(line(f"under {args.abusers} x {kind}", taken, stalled, idle), flush=True)
            record(f"{args.abusers} x {kind}", taken, stalled, idle)
            _cpu.settled(pid, limit=300)
        if sys.platform.startswith("linux"):
            print("\nCPU of the server process per call, in full and after a passed deadline")
            deadline_cpu(pid, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
