"""From raw answers to scores: instruments, respondent tables, scoring, monitoring and screening.

The survey API is pure and columnar (numpy arrays in, frozen dataclasses of arrays out) and maps
onto a client-streaming RPC of columnar chunks: :func:`chunk_stats` folds one chunk of columns
into exact integer sufficient statistics, :func:`fold` and :func:`merge` combine chunks (any
chunking gives identical results), and :func:`score_stats` turns statistics into scores.

>>> from spi_engine import bundled
>>> from spi_engine.survey import bundled_instrument, generate, responses_from_columns, score_survey
>>> inst = bundled_instrument()
>>> data = generate(inst, institutions=3, respondents=900, seed=1, manipulation=False)
>>> c = data.columns
>>> r = responses_from_columns(inst, respondent_ids=c["respondent_id"], unit_ids=c["unit_id"],
...     groups=c["group"], answers={i: c[i] for i in inst.item_ids}, sub_unit_ids=c["sub_unit_id"])
>>> scores = score_survey(r, bundled().get("spi-2024"))
>>> scores.units.unit_ids
('kabupaten-001', 'kabupaten-002', 'kabupaten-003')
"""

from ..api.respondent_chunks import chunk_from_columns, responses_from_chunk
from .files import read_population, read_responses, write_responses, write_survey, write_table
from .instrument import (
    Instrument,
    InvalidInstrumentError,
    UnknownInstrumentError,
    bundled_instrument,
    bundled_instrument_ids,
    load_instrument,
    parse_instrument,
)
from .population import Population, population_from_columns
from .progress import Progress, survey_progress
from .report import (
    entity_rows,
    excluded_rows,
    progress_rows,
    sub_unit_category_rows,
    text_table,
    weakest_rows,
)
from .responses import Responses, responses_from_columns
from .results import (
    Corrections,
    EntityScores,
    SurveyScores,
    corrections_from_columns,
    score_stats,
    score_survey,
)
from .sampling import margin_of_error, required_respondents
from .screening import Screening, screen
from .stats import SurveyStats, chunk_stats, fold, merge
from .synthetic import SyntheticSurvey, generate

__all__ = [
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
    "bundled_instrument_ids",
    "chunk_from_columns",
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
]
