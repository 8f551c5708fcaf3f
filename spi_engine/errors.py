"""The errors spi_engine raises. Every one is an :class:`SpiError`::

    SpiError
    ├── InvalidInputError(SpiError, ValueError)      bad unit inputs; carries field violations
    ├── InvalidRulesetError(SpiError, ValueError)    a ruleset that does not parse or validate
    ├── UnknownRulesetError(SpiError, LookupError)   no ruleset with that id is loaded
    ├── UnknownDatasetError(SpiError, LookupError)   no reference dataset with that name is loaded
    └── LimitExceededError(SpiError, ValueError)     a request larger than a configured limit

Messages say what was wrong, where, what was expected and what was got. Adapters (server, CLI)
map the classes to their own codes; nothing here knows about transport.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """One problem with one field: ``units[3].external``, ``weights.internal``, ``line 7, external``."""

    field: str
    description: str

    def __str__(self) -> str:
        return f"{self.field}: {self.description}" if self.field else self.description


class SpiError(Exception):
    """Root of every error spi_engine raises."""


class _ViolationsError(SpiError):
    def __init__(
        self, violations: Sequence[Violation], *, context: str = "", total: int | None = None
    ) -> None:
        """``violations``: the ones listed (at most 20 by convention); ``total``: how many
        problems were found in all (default: as many as listed)."""
        if not violations:
            raise TypeError("an error needs at least one violation")
        self.violations = tuple(violations)
        self.total = max(total or 0, len(self.violations))
        self.context = context
        first = str(self.violations[0])
        more = self.total - 1
        text = f"{context}: {first}" if context else first
        if more:
            text += f" (and {more} more problem{'s' if more > 1 else ''})"
        super().__init__(text)


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
            f"unknown ruleset {ruleset_id!r}; known rulesets: {', '.join(self.known) or 'none'}"
        )


class UnknownDatasetError(SpiError, LookupError):
    """No reference dataset with this name is loaded."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(
            f"unknown dataset {name!r}; known datasets: {', '.join(self.known) or 'none'}"
        )


class LimitExceededError(SpiError, ValueError):
    """A request larger than a configured limit (units per request, grid points, draws)."""

    def __init__(self, what: str, limit: int, got: int) -> None:
        self.what = what
        self.limit = limit
        self.got = got
        super().__init__(f"{what}: at most {limit:,} allowed; got {got:,}")
