"""A catalog is an immutable set of rulesets by id: the bundled ones, plus any loaded from files."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from .errors import InvalidRulesetError, UnknownRulesetError, Violation
from .ruleset import Ruleset, load_file, parse_text

RULESET_SUFFIX = ".txtpb"
CASES_SUFFIX = ".cases.txtpb"


@dataclass(frozen=True)
class Catalog:
    """Rulesets by id. Build with :func:`bundled`, :meth:`with_rulesets` or :meth:`with_directory`."""

    rulesets: Mapping[str, Ruleset]

    def __post_init__(self) -> None:
        ordered = dict(sorted(self.rulesets.items()))
        object.__setattr__(self, "rulesets", MappingProxyType(ordered))

    def __iter__(self) -> Iterator[Ruleset]:
        return iter(self.rulesets.values())

    def __len__(self) -> int:
        return len(self.rulesets)

    def __contains__(self, ruleset_id: object) -> bool:
        return ruleset_id in self.rulesets

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.rulesets)

    def get(self, ruleset_id: str) -> Ruleset:
        """The ruleset with this id; UnknownRulesetError names the known ids otherwise."""
        try:
            return self.rulesets[ruleset_id]
        except KeyError:
            raise UnknownRulesetError(ruleset_id, self.ids) from None

    def for_year(self, year: int) -> Ruleset:
        """The bundled-style ruleset ``spi-YEAR``."""
        return self.get(f"spi-{year}")

    def with_rulesets(self, extra: Iterable[Ruleset]) -> Catalog:
        """A new catalog with ``extra`` added; an id loaded twice is an error."""
        merged = dict(self.rulesets)
        for rules in extra:
            if rules.id in merged:
                raise InvalidRulesetError(
                    [
                        Violation(
                            "id", f"{rules.id!r} is already loaded from {merged[rules.id].origin}"
                        )
                    ],
                    context=rules.origin,
                )
            merged[rules.id] = rules
        return Catalog(merged)

    def with_directory(self, directory: str | Path) -> Catalog:
        """A new catalog with every ``*.txtpb`` ruleset in ``directory`` (cases files skipped)."""
        return self.with_rulesets(load_directory(directory))


def load_directory(directory: str | Path) -> list[Ruleset]:
    """Every ruleset file in ``directory``, sorted by name; the first bad file raises."""
    folder = Path(directory)
    if not folder.is_dir():
        raise InvalidRulesetError(
            [Violation("", "expected a directory of .txtpb rulesets")], context=str(folder)
        )
    files = sorted(
        p for p in folder.glob(f"*{RULESET_SUFFIX}") if not p.name.endswith(CASES_SUFFIX)
    )
    return [load_file(path) for path in files]


@functools.cache
def bundled() -> Catalog:
    """The rulesets shipped with spi-engine (spi-2021 ... spi-2025)."""
    folder = resources.files("spi_engine.rulesets")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(RULESET_SUFFIX) and not entry.name.endswith(CASES_SUFFIX):
            found.append(parse_text(entry.read_text("utf-8"), origin="bundled"))
    return Catalog({rules.id: rules for rules in found})


def bundled_cases_text(ruleset_id: str) -> str | None:
    """The text of a bundled ruleset's golden cases file, if it has one."""
    entry = resources.files("spi_engine.rulesets").joinpath(f"{ruleset_id}{CASES_SUFFIX}")
    return entry.read_text("utf-8") if entry.is_file() else None
