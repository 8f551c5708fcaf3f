"""Short text and HTML for result objects: ``print(result)`` shows what it holds in a few lines
(a sweep's repr used to be 175,695 characters), and a notebook shows the first rows as a table.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True, repr=False)
... class Demo(ShortRepr):
...     units: tuple[int, ...]
...     ruleset_id: str
>>> Demo(tuple(range(10_000)), "spi-2024")
Demo(units=<10,000 items>, ruleset_id='spi-2024')
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any, cast

MAX_TEXT = 60
HTML_ROWS = 20


class ShortRepr:
    """A mixin for frozen result dataclasses declared with ``repr=False``."""

    def __repr__(self) -> str:
        fields = dataclasses.fields(cast(Any, self))  # the mixin is only used on dataclasses
        parts = [f"{f.name}={_short(getattr(self, f.name))}" for f in fields]
        return f"{type(self).__name__}({', '.join(parts)})"

    def _repr_html_(self) -> str:
        """The first rows of ``to_frame()`` as an HTML table (the repr when pandas is absent)."""
        title = f"<p><code>{html.escape(repr(self))}</code></p>"
        to_frame = getattr(self, "to_frame", None)
        if to_frame is None:
            return title
        try:
            frame = to_frame()
        except ImportError:
            return title
        table: str = frame.head(HTML_ROWS).to_html()
        return title + table


def _short(value: Any) -> str:
    if isinstance(value, (tuple, list, dict, set, frozenset)) or hasattr(value, "shape"):
        count = len(value) if not hasattr(value, "shape") else int(getattr(value, "size", 0))
        return f"<{count:,} items>"
    if dataclasses.is_dataclass(value):
        return f"<{type(value).__name__}>"
    text = repr(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
