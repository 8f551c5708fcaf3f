"""Where the `spi` command's work happens: in this process, or on a server.

Both backends take validated Units and return the same spi.v1 response messages, so everything
after them (rendering) is shared and the two modes print byte-identical output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from spi.v1 import engine_pb2
from spi_engine import Catalog, Ruleset, Units, bundled, load_file, score, summarize
from spi_engine.convert import score_response_to_pb, summary_to_pb, units_to_pb
from spi_engine.errors import InvalidInputError, Violation

RULESET_FILE_SUFFIXES = (".txtpb", ".binpb", ".pb", ".textproto")


def is_ruleset_file(reference: str) -> bool:
    """A ``--ruleset`` value names a file when it ends like one or contains a path separator."""
    return reference.endswith(RULESET_FILE_SUFFIXES) or "/" in reference


class Backend(Protocol):
    def ruleset_ids(self) -> tuple[str, ...]: ...
    def score(self, ruleset: str, units: Units) -> engine_pb2.ScoreResponse: ...
    def summarize(self, ruleset: str, units: Units) -> engine_pb2.SummarizeResponse: ...
    def list_rulesets(self) -> engine_pb2.ListRulesetsResponse: ...
    def get_ruleset(self, ruleset: str) -> engine_pb2.GetRulesetResponse: ...
    def close(self) -> None: ...


class LocalBackend:
    """The engine in this process, with the bundled rulesets (and ruleset files by path)."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or bundled()

    def resolve(self, reference: str) -> Ruleset:
        if is_ruleset_file(reference) and not Path(reference).is_dir():
            return load_file(reference)
        return self.catalog.get(reference)

    def ruleset_ids(self) -> tuple[str, ...]:
        return self.catalog.ids

    def score(self, ruleset: str, units: Units) -> engine_pb2.ScoreResponse:
        return score_response_to_pb(score(self.resolve(ruleset), units))

    def summarize(self, ruleset: str, units: Units) -> engine_pb2.SummarizeResponse:
        return summary_to_pb(summarize(score(self.resolve(ruleset), units)))

    def list_rulesets(self) -> engine_pb2.ListRulesetsResponse:
        return engine_pb2.ListRulesetsResponse(
            rulesets=[
                engine_pb2.RulesetSummary(
                    id=r.id, label=r.label, year=r.year, sha256=r.sha256, origin=r.origin
                )
                for r in self.catalog
            ]
        )

    def get_ruleset(self, ruleset: str) -> engine_pb2.GetRulesetResponse:
        rules = self.resolve(ruleset)
        return engine_pb2.GetRulesetResponse(
            ruleset=rules.to_message(), sha256=rules.sha256, origin=rules.origin
        )

    def close(self) -> None:
        return None


class RemoteBackend:
    """A spi-engine server, through the Python client."""

    def __init__(self, target: str, **options: Any) -> None:
        from .client import SpiClient

        self.client = SpiClient(target, **options)

    def _check(self, ruleset: str) -> None:
        if is_ruleset_file(ruleset):
            raise InvalidInputError(
                [
                    Violation(
                        "--ruleset",
                        f"a ruleset file ({ruleset}) can only be used in-process; load it into the "
                        "server with `spi-server --rulesets DIR` and pass its id",
                    )
                ]
            )

    def ruleset_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.list_rulesets().rulesets)

    def score(self, ruleset: str, units: Units) -> engine_pb2.ScoreResponse:
        self._check(ruleset)
        request = engine_pb2.ScoreRequest(ruleset_id=ruleset, units=units_to_pb(units))
        response: engine_pb2.ScoreResponse = self.client.rpc("Score", request)
        return response

    def summarize(self, ruleset: str, units: Units) -> engine_pb2.SummarizeResponse:
        self._check(ruleset)
        request = engine_pb2.SummarizeRequest(ruleset_id=ruleset, units=units_to_pb(units))
        response: engine_pb2.SummarizeResponse = self.client.rpc("Summarize", request)
        return response

    def list_rulesets(self) -> engine_pb2.ListRulesetsResponse:
        response: engine_pb2.ListRulesetsResponse = self.client.rpc(
            "ListRulesets", engine_pb2.ListRulesetsRequest()
        )
        return response

    def get_ruleset(self, ruleset: str) -> engine_pb2.GetRulesetResponse:
        self._check(ruleset)
        response: engine_pb2.GetRulesetResponse = self.client.rpc(
            "GetRuleset", engine_pb2.GetRulesetRequest(ruleset_id=ruleset)
        )
        return response

    def close(self) -> None:
        self.client.close()
