"""The gate counts calls in flight (handlers running) and, for gRPC, calls whose answers are
still being written after their handlers have returned; a drain waits for both."""

from __future__ import annotations

import threading
import time

import pytest

from spi_server.errors import ShuttingDownError
from spi_server.pipeline import Gate


def test_a_closed_gate_refuses_new_calls_and_counts_the_ones_inside() -> None:
    gate = Gate()
    gate.enter()
    gate.close()
    with pytest.raises(ShuttingDownError):
        gate.enter()
    assert gate.busy == 1
    assert gate.wait_idle(0.05) is False
    gate.leave()
    assert gate.wait_idle(0.05) is True


def test_wait_sent_returns_when_the_last_answer_is_written() -> None:
    gate = Gate()
    gate.send_begins()
    gate.send_begins()
    gate.send_ends(object())  # as gRPC calls it: with the call's context
    assert gate.wait_sent(0.05) is False
    threading.Timer(0.1, gate.send_ends).start()
    started = time.monotonic()
    assert gate.wait_sent(10.0) is True
    assert 0.05 < time.monotonic() - started < 9.0
    assert gate.sending == 0
