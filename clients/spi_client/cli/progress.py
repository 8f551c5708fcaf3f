"""A tiny progress bar on standard error, shown only when standard error is a terminal.

Pipes, files and captured output (tests, CI logs) get nothing at all, so a command's output is
the same wherever it runs. The bar is redrawn only when its whole percentage changes (no clock),
and erased when the work ends, so it never mixes with what the command prints.

>>> import io
>>> with Progress("Monte Carlo", 10, stream=io.StringIO()) as bar:  # not a terminal: silent
...     bar.advance(10)
>>> bar.done, bar.shown
(10, False)
"""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 24
"""Characters of the bar itself."""


class Progress:
    """Work done out of ``total`` units (None: unknown total), drawn as ``label [####----] 40%``."""

    def __init__(
        self,
        label: str,
        total: int | None,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.shown = _is_terminal(self.stream) if enabled is None else enabled
        self.done = 0
        self._drawn = ""

    def __enter__(self) -> Progress:
        self._draw()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def advance(self, amount: int = 1) -> None:
        """``amount`` more units of work are done."""
        self.done += amount
        self._draw()

    def close(self) -> None:
        """Erase the bar (the line is left blank for what the command prints next)."""
        if self.shown and self._drawn:
            self.stream.write("\r" + " " * len(self._drawn) + "\r")
            self.stream.flush()
        self._drawn = ""

    def line(self) -> str:
        """The bar as text (what a terminal shows).

        >>> bar = Progress("sweep", 200, enabled=False)
        >>> bar.advance(50)
        >>> bar.line()
        'sweep [######------------------]  25% 50/200'
        >>> Progress("stream", None, enabled=False).line()
        'stream ... 0'
        """
        if not self.total:
            return f"{self.label} ... {self.done:,}"
        share = min(max(self.done / self.total, 0.0), 1.0)
        filled = int(share * WIDTH)
        bar = "#" * filled + "-" * (WIDTH - filled)
        return f"{self.label} [{bar}] {int(share * 100):3d}% {self.done:,}/{self.total:,}"

    def _draw(self) -> None:
        if not self.shown:
            return
        text = self.line()
        if _percent(text) == _percent(self._drawn) and self.total:
            return
        padding = " " * max(len(self._drawn) - len(text), 0)
        self.stream.write("\r" + text + padding)
        self.stream.flush()
        self._drawn = text


def _percent(text: str) -> str:
    """The part of a drawn line that changes when the bar must be redrawn."""
    return text.split("]", 1)[-1].split("%", 1)[0] if "]" in text else ""


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or exotic stream is no terminal
        return False
