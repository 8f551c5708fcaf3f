"""spi_engine.cancel: long computations call the installed check between blocks and stop when
it raises; without a check they give the same bits as before."""

from __future__ import annotations

import numpy as np
import pytest

from spi_engine import bundled, units_from_columns
from spi_engine.cancel import checking, checkpoint
from spi_engine.goal import goal_seek
from spi_engine.sweep import axis, sweep_levers
from spi_engine.uncertainty import monte_carlo, sampling_from_errors

RULES = bundled().get("spi-2024")
N = 50
UNITS = units_from_columns(
    internal=np.linspace(50, 95, N),
    external=np.linspace(60, 90, N),
    expert=np.linspace(55, 92, N),
    correction=np.linspace(0, 8, N),
)


class StopError(Exception):
    pass


class After:
    """A check that raises on its ``n``-th call, and counts its calls."""

    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0

    def __call__(self) -> None:
        self.calls += 1
        if self.calls >= self.n:
            raise StopError(f"stopped at check {self.calls}")


WORK = {
    "goal_seek": lambda: goal_seek(RULES, UNITS, "terjaga"),
    "sweep": lambda: sweep_levers(RULES, UNITS, [axis("internal", 0, 100, 0.5)]),
    "monte_carlo": lambda: monte_carlo(
        RULES, UNITS, sampling_from_errors([[1.5, 1.2, 2.0]] * N), draws=20_000, seed=3
    ),
}


@pytest.mark.parametrize("name", sorted(WORK))
def test_a_raising_check_stops_the_work(name: str) -> None:
    counting = After(10**9)
    with checking(counting):
        WORK[name]()
    assert counting.calls >= 1, f"{name} never calls checkpoint()"
    stopping = After(1)
    with checking(stopping), pytest.raises(StopError):
        WORK[name]()
    assert stopping.calls == 1  # nothing more ran after the check raised


def test_no_check_is_the_default_and_changes_nothing() -> None:
    checkpoint()  # no check installed: nothing happens
    plain = goal_seek(RULES, UNITS, "terjaga")
    with checking(lambda: None):
        checked = goal_seek(RULES, UNITS, "terjaga")
    assert np.array_equal(plain.change_steps, checked.change_steps)
    assert np.array_equal(plain.status, checked.status)
