"""Stopping long computations early: an optional ``check`` callable, called between blocks.

The engine's long computations (goal seeking and sensitivity, which score many candidate
moves; sweeps; Monte Carlo draws; the certainty bisection; a large batch score) call
:func:`checkpoint` between their vectorised blocks. It does nothing unless the caller installed
a check with :func:`checking`; the check returns normally to go on, or raises to stop the work
(the server's raises when the caller's deadline passed or the call was cancelled). The engine
knows nothing of why: the exception travels out of the computation unchanged, and no partial
result is kept, so a computation either finishes with the same bits or does not finish at all.

    >>> def stop() -> None:
    ...     raise TimeoutError("past the deadline")
    >>> with checking(stop):
    ...     checkpoint()
    Traceback (most recent call last):
    TimeoutError: past the deadline

The check lives in a context variable, so it follows the thread (or task) that installed it
and not the others: two calls on two threads each see their own.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

Check = Callable[[], None]

_CHECK: contextvars.ContextVar[Check | None] = contextvars.ContextVar("spi_check", default=None)


T = TypeVar("T")
EVERY = 1024
"""Items between two checks in :func:`checked` (a message per unit costs microseconds)."""


def checked(items: Iterable[T], every: int = EVERY) -> Iterator[T]:
    """``items``, with :func:`checkpoint` called before the first and then every ``every``: for
    the per-unit loops that build answer messages, which can outlast the numeric work.

    >>> list(checked("abc", every=2))
    ['a', 'b', 'c']
    """
    for position, item in enumerate(items):
        if position % every == 0:
            checkpoint()
        yield item


def checkpoint() -> None:
    """Call the installed check, if any (it raises to stop the computation)."""
    check = _CHECK.get()
    if check is not None:
        check()


@contextlib.contextmanager
def checking(check: Check | None) -> Iterator[None]:
    """Install ``check`` for the computations run inside the ``with`` block (None: no check)."""
    token = _CHECK.set(check)
    try:
        yield
    finally:
        _CHECK.reset(token)
