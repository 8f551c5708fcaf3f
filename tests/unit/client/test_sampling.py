"""estimate_uncertainty's sampling arguments take the CLI's and costs='s forms (issue 10 item 11)."""

from __future__ import annotations

import pytest

from spi.v1 import simulation_pb2 as pb
from spi_client.whatif_requests import sampling_message

EXPECTED = pb.SamplingInput(
    respondents=pb.RespondentSamples(
        units=[
            pb.RespondentSample(
                respondents=pb.ComponentValues(internal=120, external=200, expert=10),
                deviations=pb.ComponentValues(internal=12, external=10, expert=9),
            )
        ]
    )
)


@pytest.mark.parametrize(
    ("respondents", "deviations"),
    [
        (
            {"internal": 120, "external": 200, "expert": 10},
            {"internal": 12, "external": 10, "expert": 9},
        ),
        (["internal=120", "external=200", "expert=10"], ["internal=12", "external=10", "expert=9"]),
        ([120, 200, 10], [12, 10, 9]),
        ([{"internal": 120, "external": 200, "expert": 10}], [[12, 10, 9]]),
    ],
    ids=["dicts", "name=value", "rows", "one row per unit"],
)
def test_every_form_gives_the_same_message(respondents: object, deviations: object) -> None:
    assert sampling_message(respondents=respondents, deviations=deviations) == EXPECTED


@pytest.mark.parametrize(
    ("respondents", "got"),
    [
        ({"internal": 120, "externl": 200}, "unknown component(s) ['externl']"),
        ("internal=120", "got the text 'internal=120'"),
        (["internal=12o"], "got 'internal=12o'"),
        ([1, 2], "got a row of 2 values"),
    ],
)
def test_a_wrong_form_names_the_expected_one(respondents: object, got: str) -> None:
    with pytest.raises(ValueError, match="expected, for all units") as caught:
        sampling_message(respondents=respondents, deviations=[1, 1, 1])
    assert got in str(caught.value)


def test_score_survey_takes_ruleset_id_like_every_other_method() -> None:
    from spi_client import SpiClient

    with SpiClient("127.0.0.1:9") as client:  # no call is made: the arguments are wrong first
        with pytest.raises(TypeError, match="needs ruleset_id"):
            client.score_survey({}, instrument="example-survey")
        with pytest.raises(TypeError, match="not both"):
            client.score_survey({}, instrument="x", ruleset_id="spi-2024", ruleset="spi-2023")
