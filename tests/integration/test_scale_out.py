"""Scale-out with what gRPC already is (issue 10, item 6): replicas and client-side balancing.

Three ``spi-server`` processes on loopback and one :class:`SpiClient` with the ``round_robin``
policy over an ``ipv4:`` target listing them (what a Kubernetes headless Service gives through
DNS). Calls spread over all three; a replica stopped with SIGTERM while calls keep coming costs
no call (it drains: its new calls are refused with UNAVAILABLE and retried on another replica,
its calls in flight finish). With ``--processes 2`` the parent forwards SIGTERM to its workers.

Outcomes only (served counts from each replica's access log, failures, exit codes); the load is
bounded by a number of calls, with a generous deadline as a safety net.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field

import grpc
import pytest

from spi.v1 import engine_pb2
from spi_client import SpiClient
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

THREADS = 3
CALLS_BEFORE = 10
"""calls each thread makes before the SIGTERM"""
CALLS_AFTER = 20
"""calls each thread makes after the stopped replica exited"""
SAFETY_SECONDS = 50.0


def served(replica: ServerProcess) -> int:
    """Score calls this replica answered OK (its access log; every worker writes to it)."""
    return sum(
        1
        for line in replica.logs()
        if line.get("event") == "call" and line.get("method") == "Score" and line["code"] == "OK"
    )


def balanced_client(replicas: list[ServerProcess]) -> SpiClient:
    target = "ipv4:" + ",".join(f"127.0.0.1:{r.port}" for r in replicas)
    return SpiClient(target, load_balancing="round_robin", timeout=30.0, retries=8, backoff=0.05)


def one_call(client: SpiClient) -> None:
    result = client.score("spi-2024", internal=75.61, external=89.02, expert=73.53, correction=7.59)
    assert (result[0].index, result[0].category) == (71.66, "rentan")


def spread_over_all(client: SpiClient, replicas: list[ServerProcess]) -> list[int]:
    """Call until every replica served one (at most 300 calls); the counts per replica."""
    for _ in range(300):
        one_call(client)
        counts = [served(r) for r in replicas]
        if min(counts) >= 1 and sum(counts) >= 30:
            return counts
    return [served(r) for r in replicas]


@dataclass
class Load:
    """THREADS callers sharing one client; each counts its calls and keeps every failure."""

    client: SpiClient
    calls: list[int] = field(default_factory=lambda: [0] * THREADS)
    failures: list[BaseException] = field(default_factory=list)
    target: list[int] = field(default_factory=lambda: [CALLS_BEFORE])
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(THREADS)]
        for thread in self.threads:
            thread.start()

    def _run(self, index: int) -> None:
        deadline = time.monotonic() + SAFETY_SECONDS
        while self.calls[index] < self.target[0] and time.monotonic() < deadline:
            try:
                one_call(self.client)
            except Exception as error:  # every failure is a test outcome
                self.failures.append(error)
            self.calls[index] += 1

    def reach(self, calls: int) -> None:
        """Wait until every thread made ``calls`` calls (or stopped at the safety deadline)."""
        deadline = time.monotonic() + SAFETY_SECONDS
        while min(self.calls) < calls and any(t.is_alive() for t in self.threads):
            assert time.monotonic() < deadline, f"load stuck at {self.calls}"
            time.sleep(0.02)

    def finish(self, more: int) -> None:
        self.target[0] = min(self.calls) + more
        for thread in self.threads:
            thread.join(SAFETY_SECONDS + 10)


def drain_under_load(replicas: list[ServerProcess], stopped: ServerProcess) -> Load:
    """SIGTERM ``stopped`` while THREADS callers go on; the load, once it has finished."""
    with balanced_client(replicas) as client:
        counts = spread_over_all(client, replicas)
        assert min(counts) >= 1, f"calls did not reach every replica: {counts}"
        load = Load(client)
        load.target[0] = 10**6  # until finish() sets the real end
        load.start()
        load.reach(CALLS_BEFORE)
        stopped.signal(signal.SIGTERM)
        assert stopped.wait(60) == 0
        before = [served(r) for r in replicas if r is not stopped]
        load.finish(CALLS_AFTER)
        after = [served(r) for r in replicas if r is not stopped]
    assert all(n > b for n, b in zip(after, before, strict=True)), (before, after)
    return load


def test_round_robin_spreads_calls_and_a_drained_replica_costs_none(
    spawn_server: Callable[..., ServerProcess],
) -> None:
    replicas = [spawn_server(name=f"replica-{i}") for i in range(3)]
    load = drain_under_load(replicas, replicas[0])
    assert load.failures == []
    assert min(load.calls) >= CALLS_BEFORE + CALLS_AFTER
    assert replicas[0].wait_for_log("stopped")["all_calls_finished"] is True
    assert served(replicas[0]) >= 1


def test_a_multi_process_replica_forwards_sigterm_and_drains(
    spawn_server: Callable[..., ServerProcess],
) -> None:
    multi = spawn_server("--processes", "2", name="multi")
    replicas = [multi, spawn_server(name="single-1"), spawn_server(name="single-2")]
    workers = {w["pid"] for w in multi.extra["workers"]}
    load = drain_under_load(replicas, multi)
    assert load.failures == []
    assert min(load.calls) >= CALLS_BEFORE + CALLS_AFTER
    drained = {line["pid"] for line in multi.logs() if line.get("event") == "draining"}
    stopped = [line for line in multi.logs() if line.get("event") == "stopped"]
    assert drained == workers  # the parent forwarded SIGTERM to each worker
    assert len(stopped) == 2
    assert all(line["all_calls_finished"] for line in stopped)


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="load_balancing: expected one of pick_first, round_robin"):
        SpiClient("localhost:1", load_balancing="least_request")


def test_a_call_the_server_cancelled_is_asked_again() -> None:
    """A replica shutting down cancels calls it received but had not started: ask again."""
    answers = iter([grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE, None])

    def list_rulesets(request: bytes, context: grpc.ServicerContext) -> bytes:
        code = next(answers)
        if code is not None:
            context.abort(code, "dropped")
        return engine_pb2.ListRulesetsResponse().SerializeToString()

    handler = grpc.method_handlers_generic_handler(
        "spi.v1.SpiEngine", {"ListRulesets": grpc.unary_unary_rpc_method_handler(list_rulesets)}
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[handler])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with SpiClient(f"127.0.0.1:{port}", retries=3, backoff=0.01) as client:
            assert client.rulesets() == ()
        assert next(answers, "all used") == "all used"
    finally:
        server.stop(0)
