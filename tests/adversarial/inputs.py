"""Inputs of the fault-and-abuse suite: one small valid request of every RPC, and the oracle.

The valid requests are the starting point of every hostile input (a field set to NaN, an id made
1 MB long, ...); the oracle computes a published index in exact decimal arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.message import Message

from spi.v1 import engine_pb2, scoring_pb2
from spi.v1 import simulation_pb2 as sim
from spi.v1 import survey_pb2 as sp
from spi_engine.api.scoring_columns import units_to_columns_pb
from spi_engine.api.scoring_messages import units_from_pb

from .harness import invoke

# --- valid requests -----------------------------------------------------------------------------


def unit(unit_id: str = "u1", group: str = "kota", **values: float) -> scoring_pb2.UnitInput:
    """A valid unit, correction written explicitly (0 is fine); ``values`` override."""
    fields: dict[str, Any] = {
        "internal": 75.61,
        "external": 89.02,
        "expert": 79.53,
        "correction_integrity": 3.5,
        "correction_prevalence": 4.09,
    }
    fields.update(values)
    return scoring_pb2.UnitInput(unit_id=unit_id, group=group, **fields)


def inline(*units: scoring_pb2.UnitInput) -> sim.UnitSelection:
    chosen = units or (unit("u1"), unit("u2", internal=70.0, external=72.5, expert=68.25))
    return sim.UnitSelection(inline=sim.InlineUnits(units=list(chosen)))


def valid_requests() -> dict[str, Message | list[Message]]:
    """One small valid request of every spi.v1.SpiEngine method (a list for the upload)."""
    two = [unit("u1"), unit("u2", internal=70.0, external=72.5, expert=68.25)]
    range_axis = sim.SweepAxis(lever="internal", range=sim.AxisRange(start=60, stop=90, step=0.5))
    samples = sim.StandardErrors(
        units=[sim.ComponentValues(internal=1.2, external=0.8, expert=1.5)]
    )
    return {
        "ListRulesets": engine_pb2.ListRulesetsRequest(),
        "GetRuleset": engine_pb2.GetRulesetRequest(ruleset_id="spi-2024"),
        "ValidateRuleset": engine_pb2.ValidateRulesetRequest(text=ruleset_text()),
        "Score": engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=two),
        "Summarize": engine_pb2.SummarizeRequest(ruleset_id="spi-2024", units=two),
        "ScoreColumns": engine_pb2.ScoreColumnsRequest(
            ruleset_id="spi-2024",
            columns=units_to_columns_pb(units_from_pb(two)),
        ),
        "Simulate": sim.SimulateRequest(
            ruleset_id="spi-2024",
            units=inline(),
            scenario=sim.Scenario(
                name="s",
                interventions=[
                    sim.Intervention(lever="internal", operation=sim.OPERATION_ADD, value=2.5)
                ],
                variant=sim.RulesetVariant(
                    id="v1",
                    weights=sim.VariantWeights(internal=0.3, external=0.3, expert=0.4),
                    lower_bounds=[sim.CategoryBound(category="terjaga", lower_bound=79)],
                    correction_factors=sim.VariantFactors(integrity=1, prevalence=0.5),
                ),
            ),
        ),
        "GoalSeek": sim.GoalSeekRequest(
            ruleset_id="spi-2024",
            units=inline(),
            target=sim.Target(index=80.5),
            costs=[
                sim.LeverCost(lever="internal", cost_per_point=1.0, max_change=20),
                sim.LeverCost(lever="external", cost_per_point=2.0),
            ],
        ),
        "Sensitivity": sim.SensitivityRequest(ruleset_id="spi-2024", units=inline()),
        "Sweep": sim.SweepRequest(ruleset_id="spi-2024", units=inline(), axes=[range_axis]),
        "EstimateUncertainty": sim.EstimateUncertaintyRequest(
            ruleset_id="spi-2024",
            units=inline(),
            sampling=sim.SamplingInput(standard_errors=samples),
            level=0.9,
            draws=200,
            seed=7,
            certainty=0.8,
        ),
        "CompareRulesets": sim.CompareRulesetsRequest(
            old=sim.RulesetChoice(id="spi-2023"),
            new=sim.RulesetChoice(
                variant=sim.VariantOf(
                    base_id="spi-2024",
                    variant=sim.RulesetVariant(
                        id="v2", weights=sim.VariantWeights(internal=0.2, external=0.4, expert=0.4)
                    ),
                )
            ),
            units=inline(),
        ),
        "ListDatasets": sim.ListDatasetsRequest(),
        "ListDatasetUnits": sim.ListDatasetUnitsRequest(
            units=sim.UnitSelection(dataset=sim.DatasetUnits(dataset="published", year=2024))
        ),
        "ScoreSurvey": survey_upload(),
        "SurveyProgress": survey_progress(),
    }


def ruleset_text(ruleset_id: str = "spi-2024") -> str:
    """The text of a bundled ruleset file."""
    from spi_engine import rulesets

    return (Path(rulesets.__file__).parent / f"{ruleset_id}.txtpb").read_text("utf-8")


def _survey(respondents: int = 90) -> Any:
    import spi_engine.survey as sv

    return sv.generate(sv.bundled_instrument(), institutions=1, respondents=respondents, seed=3)


def survey_upload(respondents: int = 90, respondent_id: str = "") -> list[Message]:
    """A whole ScoreSurvey upload (start, chunks, end); ``respondent_id`` renames respondent 0."""
    import spi_engine.survey as sv
    from spi_client.survey_client import population_entries
    from spi_engine.api.survey_messages import score_requests

    survey = _survey(respondents)
    instrument = sv.bundled_instrument()
    c = survey.columns
    ids = list(c["respondent_id"])
    if respondent_id:
        ids[0] = respondent_id
    responses = sv.responses_from_columns(
        instrument,
        respondent_ids=ids,
        unit_ids=c["unit_id"],
        groups=c["group"],
        answers={i: c[i] for i in instrument.item_ids},
        sub_unit_ids=c["sub_unit_id"],
    )
    p = survey.population
    population = sv.population_from_columns(
        p["unit_id"],
        p["group"],
        p["population"],
        sampled=p["sampled"],
        sub_unit_ids=p["sub_unit_id"],
    )
    start = sp.ScoreSurveyStart(
        instrument_id=instrument.id,
        ruleset_id="spi-2024",
        population=population_entries(population),
    )
    return list(score_requests(start, responses, 40))


def survey_progress() -> sp.SurveyProgressRequest:
    upload = survey_upload()
    start = upload[0].start  # type: ignore[attr-defined]
    counts = [
        sp.ResponseCount(unit_id=e.unit_id, sub_unit_id=e.sub_unit_id, group=e.group, respondents=5)
        for e in start.population
    ]
    return sp.SurveyProgressRequest(
        instrument_id=start.instrument_id, population=start.population, responses=counts
    )


# --- the exact-decimal oracle -------------------------------------------------------------------


def exact(value: float) -> Fraction:
    """The decimal a float was written as (0.305 -> 305/1000), as an exact fraction."""
    return Fraction(Decimal(repr(value)))


@dataclass(frozen=True)
class Oracle:
    """A ruleset's published index and category in exact decimal arithmetic (ROUND_HALF_UP)."""

    weights: tuple[Fraction, Fraction, Fraction]
    factors: tuple[Fraction, Fraction]
    bounds: tuple[Fraction, Fraction]
    decimals: int
    categories: tuple[tuple[Fraction, str], ...]

    @classmethod
    def of(cls, ruleset: Any) -> Oracle:
        """From a spi.v1.Ruleset message (as GetRuleset returns it)."""
        w, c = ruleset.weights, ruleset.correction
        return cls(
            (exact(w.internal), exact(w.external), exact(w.expert)),
            (exact(c.integrity.factor), exact(c.prevalence.factor)),
            (exact(ruleset.bounds.min), exact(ruleset.bounds.max)),
            ruleset.rounding.decimals,
            tuple((exact(k.lower_bound), k.id) for k in ruleset.categories.categories),
        )

    def steps(self, unit: scoring_pb2.UnitInput) -> int:
        """The published index as an integer count of 10**-decimals."""
        value = (
            self.weights[0] * exact(unit.internal)
            + self.weights[1] * exact(unit.external)
            + self.weights[2] * exact(unit.expert)
        )
        if unit.HasField("correction_integrity") or unit.HasField("correction_prevalence"):
            value -= self.factors[0] * exact(unit.correction_integrity)
            value -= self.factors[1] * exact(unit.correction_prevalence)
        else:  # a total: the parts' common factor
            assert self.factors[0] == self.factors[1]
            value -= self.factors[0] * exact(unit.correction)
        clamped = min(max(value, self.bounds[0]), self.bounds[1])
        halfway_up = clamped * 10**self.decimals + Fraction(1, 2)
        return halfway_up.numerator // halfway_up.denominator

    def category(self, steps: int) -> str:
        index = Fraction(steps, 10**self.decimals)
        return [name for bound, name in self.categories if bound <= index][-1]


def steps_of(index: float, decimals: int) -> int | None:
    """An answer's published index as a step count, or None when it is not on the grid."""
    steps = round(index * 10**decimals)
    return steps if abs(steps - index * 10**decimals) < 1e-6 else None


def rulesets(channel: grpc.Channel) -> dict[str, Any]:
    """{id: Ruleset message} of every loaded ruleset, fetched with GetRuleset."""
    listed = invoke(channel, "ListRulesets", engine_pb2.ListRulesetsRequest())
    assert listed.ok, listed
    found = {}
    for summary in listed.responses[0].rulesets:  # type: ignore[attr-defined]
        got = invoke(channel, "GetRuleset", engine_pb2.GetRulesetRequest(ruleset_id=summary.id))
        assert got.ok, got
        found[summary.id] = got.responses[0].ruleset  # type: ignore[attr-defined]
    return found
