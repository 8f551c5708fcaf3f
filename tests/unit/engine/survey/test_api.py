"""The public surface of spi_engine.survey is small and locked."""

from __future__ import annotations

import spi_engine
import spi_engine.survey as survey

EXPECTED = {
    "Corrections",
    "EntityScores",
    "Instrument",
    "InvalidInstrumentError",
    "Population",
    "Progress",
    "Responses",
    "Screening",
    "SurveyScores",
    "SurveyStats",
    "SyntheticSurvey",
    "UnknownInstrumentError",
    "bundled_instrument",
    "chunk_from_columns",
    "bundled_instrument_ids",
    "chunk_stats",
    "corrections_from_columns",
    "entity_rows",
    "excluded_rows",
    "fold",
    "generate",
    "load_instrument",
    "margin_of_error",
    "merge",
    "parse_instrument",
    "population_from_columns",
    "progress_rows",
    "read_population",
    "read_responses",
    "required_respondents",
    "responses_from_chunk",
    "responses_from_columns",
    "score_stats",
    "score_survey",
    "screen",
    "sub_unit_category_rows",
    "survey_progress",
    "text_table",
    "weakest_rows",
    "write_responses",
    "write_survey",
    "write_table",
}


def test_survey_exports() -> None:
    assert set(survey.__all__) == EXPECTED
    assert all(hasattr(survey, name) for name in EXPECTED)


def test_survey_is_not_part_of_the_core_surface() -> None:
    assert not set(spi_engine.__all__) & EXPECTED


def test_errors_are_spi_errors() -> None:
    assert issubclass(survey.InvalidInstrumentError, spi_engine.InvalidInputError)
    assert issubclass(survey.UnknownInstrumentError, spi_engine.SpiError)
    assert issubclass(survey.UnknownInstrumentError, LookupError)


def test_importing_survey_loads_neither_grpc_nor_pyarrow() -> None:
    import subprocess
    import sys

    code = (
        "import sys, spi_engine.survey; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('grpc', 'pyarrow', 'pandas')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
