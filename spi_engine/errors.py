"""The errors spi_engine raises. Every one is an :class:`SpiError`::

    SpiError
    ├── InvalidInputError(SpiError, ValueError)      bad unit inputs; carries field violations
    ├── InvalidRulesetError(SpiError, ValueError)    a ruleset that does not parse or validate
    ├── UnknownRulesetError(SpiError, LookupError)   no ruleset with that id is loaded
    ├── UnknownDatasetError(SpiError, LookupError)   no reference dataset with that name is loaded
    └── LimitExceededError(SpiError, ValueError)     a request larger than a configured limit

Messages say what was wrong, where, what was expected and what was got. Adapters (server, CLI)
map the classes to their own codes; nothing here knows about transport.

A string the caller chose (an id, a name, a cell) is shown through :func:`shown`, so a message
stays short whatever was sent: a long one keeps a readable prefix, its length and its sha256.
Every :class:`Violation` and every message of the classes here is bounded the same way
(MAX_MESSAGE characters) as a last resort, whatever it quotes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

MAX_SHOWN = 256
"""Longest caller-supplied string a message shows whole."""
MAX_MESSAGE = 1000
"""Longest message, violation field or violation description (longer ones are :func:`shown`)."""
SHOWN_PREFIX = 32
"""Shortest prefix kept of a string too long to show whole."""
_SUFFIX = 100
"""Room left for the length and the sha256 after the prefix (see :func:`shown`)."""


def shown(text: str, limit: int = MAX_SHOWN, *, quote: bool = True) -> str:
    """``text`` as a message or a log shows a string the caller chose.

    At most ``limit`` characters: the text itself (``repr``-quoted when ``quote``). Longer: a
    prefix of ``max(SHOWN_PREFIX, limit - 100)`` characters, then its length and sha256 (of its
    UTF-8 bytes), at most ``limit`` characters in all when ``limit`` >= 132 and not quoted::

        'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…' (4194304 characters, sha256 3f2a…)
    """
    if len(text) <= limit:
        return repr(text) if quote else text
    head = text[: max(SHOWN_PREFIX, limit - _SUFFIX)] + "…"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{repr(head) if quote else head} ({len(text)} characters, sha256 {digest})"


@dataclass(frozen=True)
class Violation:
    """One problem with one field: ``units[3].external``, ``weights.internal``, ``line 7, external``."""

    field: str
    description: str

    def __post_init__(self) -> None:
        for name in ("field", "description"):
            text = getattr(self, name)
            if len(text) > MAX_MESSAGE:
                object.__setattr__(self, name, shown(text, MAX_MESSAGE, quote=False))

    def __str__(self) -> str:
        return f"{self.field}: {self.description}" if self.field else self.description


class SpiError(Exception):
    """Root of every error spi_engine raises."""


class _ViolationsError(SpiError):
    def __init__(self, violations: Sequence[Violation], *, context: str = "") -> None:
        if not violations:
            raise TypeError("an error needs at least one violation")
        self.violations = tuple(violations)
        self.context = context
        first = str(self.violations[0])
        more = len(self.violations) - 1
        text = f"{context}: {first}" if context else first
        if more:
            text += f" (and {more} more problem{'s' if more > 1 else ''})"
        super().__init__(shown(text, MAX_MESSAGE, quote=False))


class InvalidInputError(_ViolationsError, ValueError):
    """Unit inputs that cannot be scored: a missing, non-finite or out-of-range value."""


class InvalidRulesetError(_ViolationsError, ValueError):
    """A ruleset that does not parse or does not validate; ``context`` names the file."""


class UnknownRulesetError(SpiError, LookupError):
    """No ruleset with this id is loaded."""

    def __init__(self, ruleset_id: str, known: Sequence[str]) -> None:
        self.ruleset_id = ruleset_id
        self.known = tuple(known)
        super().__init__(
            shown(
                f"unknown ruleset {shown(ruleset_id)}; known rulesets: "
                + (", ".join(self.known) or "none"),
                MAX_MESSAGE,
                quote=False,
            )
        )


class UnknownDatasetError(SpiError, LookupError):
    """No reference dataset with this name is loaded."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(
            shown(
                f"unknown dataset {shown(name)}; known datasets: "
                + (", ".join(self.known) or "none"),
                MAX_MESSAGE,
                quote=False,
            )
        )


class LimitExceededError(SpiError, ValueError):
    """A request larger than a configured limit (units per request, grid points, draws)."""

    def __init__(self, what: str, limit: int, got: int) -> None:
        self.what = what
        self.limit = limit
        self.got = got
        super().__init__(f"{what}: at most {limit:,} allowed; got {got:,}")
