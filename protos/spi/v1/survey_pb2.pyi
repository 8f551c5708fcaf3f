from spi.v1 import instrument_pb2 as _instrument_pb2
from spi.v1 import scoring_pb2 as _scoring_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScreeningMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCREENING_MODE_UNSPECIFIED: _ClassVar[ScreeningMode]
    SCREENING_MODE_OFF: _ClassVar[ScreeningMode]
    SCREENING_MODE_EXCLUDE: _ClassVar[ScreeningMode]
    SCREENING_MODE_EXCLUDE_AND_CORRECT: _ClassVar[ScreeningMode]

class SampleAdequacy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SAMPLE_ADEQUACY_UNSPECIFIED: _ClassVar[SampleAdequacy]
    SAMPLE_ADEQUACY_NOT_PUBLISHABLE: _ClassVar[SampleAdequacy]
    SAMPLE_ADEQUACY_PUBLISHABLE: _ClassVar[SampleAdequacy]
    SAMPLE_ADEQUACY_MEETS_TARGET: _ClassVar[SampleAdequacy]

class SurveyStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SURVEY_STATUS_UNSPECIFIED: _ClassVar[SurveyStatus]
    SURVEY_STATUS_SCORED: _ClassVar[SurveyStatus]
    SURVEY_STATUS_NOT_PUBLISHABLE: _ClassVar[SurveyStatus]
    SURVEY_STATUS_MISSING_COMPONENT: _ClassVar[SurveyStatus]
SCREENING_MODE_UNSPECIFIED: ScreeningMode
SCREENING_MODE_OFF: ScreeningMode
SCREENING_MODE_EXCLUDE: ScreeningMode
SCREENING_MODE_EXCLUDE_AND_CORRECT: ScreeningMode
SAMPLE_ADEQUACY_UNSPECIFIED: SampleAdequacy
SAMPLE_ADEQUACY_NOT_PUBLISHABLE: SampleAdequacy
SAMPLE_ADEQUACY_PUBLISHABLE: SampleAdequacy
SAMPLE_ADEQUACY_MEETS_TARGET: SampleAdequacy
SURVEY_STATUS_UNSPECIFIED: SurveyStatus
SURVEY_STATUS_SCORED: SurveyStatus
SURVEY_STATUS_NOT_PUBLISHABLE: SurveyStatus
SURVEY_STATUS_MISSING_COMPONENT: SurveyStatus

class ScreeningOptions(_message.Message):
    __slots__ = ("mode", "rules", "list_excluded")
    MODE_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    LIST_EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    mode: ScreeningMode
    rules: _instrument_pb2.ScreeningRules
    list_excluded: bool
    def __init__(self, mode: _Optional[_Union[ScreeningMode, str]] = ..., rules: _Optional[_Union[_instrument_pb2.ScreeningRules, _Mapping]] = ..., list_excluded: _Optional[bool] = ...) -> None: ...

class ScoreSurveyStart(_message.Message):
    __slots__ = ("instrument_id", "instrument", "ruleset_id", "population", "screening", "weakest_dimensions", "expected_respondents")
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    POPULATION_FIELD_NUMBER: _ClassVar[int]
    SCREENING_FIELD_NUMBER: _ClassVar[int]
    WEAKEST_DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str
    instrument: _instrument_pb2.Instrument
    ruleset_id: str
    population: _containers.RepeatedCompositeFieldContainer[_instrument_pb2.PopulationEntry]
    screening: ScreeningOptions
    weakest_dimensions: int
    expected_respondents: int
    def __init__(self, instrument_id: _Optional[str] = ..., instrument: _Optional[_Union[_instrument_pb2.Instrument, _Mapping]] = ..., ruleset_id: _Optional[str] = ..., population: _Optional[_Iterable[_Union[_instrument_pb2.PopulationEntry, _Mapping]]] = ..., screening: _Optional[_Union[ScreeningOptions, _Mapping]] = ..., weakest_dimensions: _Optional[int] = ..., expected_respondents: _Optional[int] = ...) -> None: ...

class ScoreSurveyEnd(_message.Message):
    __slots__ = ("respondents", "chunks")
    RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    respondents: int
    chunks: int
    def __init__(self, respondents: _Optional[int] = ..., chunks: _Optional[int] = ...) -> None: ...

class ScoreSurveyRequest(_message.Message):
    __slots__ = ("start", "chunk", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: ScoreSurveyStart
    chunk: _instrument_pb2.RespondentChunk
    end: ScoreSurveyEnd
    def __init__(self, start: _Optional[_Union[ScoreSurveyStart, _Mapping]] = ..., chunk: _Optional[_Union[_instrument_pb2.RespondentChunk, _Mapping]] = ..., end: _Optional[_Union[ScoreSurveyEnd, _Mapping]] = ...) -> None: ...

class GroupSample(_message.Message):
    __slots__ = ("group", "respondents", "population", "sampled", "response_rate", "margin_of_error")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    POPULATION_FIELD_NUMBER: _ClassVar[int]
    SAMPLED_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_RATE_FIELD_NUMBER: _ClassVar[int]
    MARGIN_OF_ERROR_FIELD_NUMBER: _ClassVar[int]
    group: _instrument_pb2.RespondentGroup
    respondents: int
    population: int
    sampled: int
    response_rate: float
    margin_of_error: float
    def __init__(self, group: _Optional[_Union[_instrument_pb2.RespondentGroup, str]] = ..., respondents: _Optional[int] = ..., population: _Optional[int] = ..., sampled: _Optional[int] = ..., response_rate: _Optional[float] = ..., margin_of_error: _Optional[float] = ...) -> None: ...

class DimensionScore(_message.Message):
    __slots__ = ("dimension_id", "respondents", "score", "standard_error", "category")
    DIMENSION_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    STANDARD_ERROR_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    dimension_id: str
    respondents: int
    score: float
    standard_error: float
    category: str
    def __init__(self, dimension_id: _Optional[str] = ..., respondents: _Optional[int] = ..., score: _Optional[float] = ..., standard_error: _Optional[float] = ..., category: _Optional[str] = ...) -> None: ...

class ComponentScore(_message.Message):
    __slots__ = ("group", "respondents", "score", "standard_error", "published", "inherited", "category")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    STANDARD_ERROR_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    INHERITED_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    group: _instrument_pb2.RespondentGroup
    respondents: int
    score: float
    standard_error: float
    published: float
    inherited: bool
    category: str
    def __init__(self, group: _Optional[_Union[_instrument_pb2.RespondentGroup, str]] = ..., respondents: _Optional[int] = ..., score: _Optional[float] = ..., standard_error: _Optional[float] = ..., published: _Optional[float] = ..., inherited: _Optional[bool] = ..., category: _Optional[str] = ...) -> None: ...

class WeakDimension(_message.Message):
    __slots__ = ("dimension_id", "label", "score", "category", "follow_up_actions")
    DIMENSION_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    dimension_id: str
    label: str
    score: float
    category: str
    follow_up_actions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, dimension_id: _Optional[str] = ..., label: _Optional[str] = ..., score: _Optional[float] = ..., category: _Optional[str] = ..., follow_up_actions: _Optional[_Iterable[str]] = ...) -> None: ...

class SubUnitCount(_message.Message):
    __slots__ = ("category", "count")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    category: str
    count: int
    def __init__(self, category: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class SurveyEntityResult(_message.Message):
    __slots__ = ("unit_id", "sub_unit_id", "groups", "adequacy", "status", "dimensions", "components", "correction_integrity", "correction_prevalence", "index_raw", "index", "category", "weakest", "sub_unit_categories")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SUB_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    ADEQUACY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_INTEGRITY_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_PREVALENCE_FIELD_NUMBER: _ClassVar[int]
    INDEX_RAW_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    WEAKEST_FIELD_NUMBER: _ClassVar[int]
    SUB_UNIT_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    sub_unit_id: str
    groups: _containers.RepeatedCompositeFieldContainer[GroupSample]
    adequacy: SampleAdequacy
    status: SurveyStatus
    dimensions: _containers.RepeatedCompositeFieldContainer[DimensionScore]
    components: _containers.RepeatedCompositeFieldContainer[ComponentScore]
    correction_integrity: float
    correction_prevalence: float
    index_raw: float
    index: float
    category: str
    weakest: _containers.RepeatedCompositeFieldContainer[WeakDimension]
    sub_unit_categories: _containers.RepeatedCompositeFieldContainer[SubUnitCount]
    def __init__(self, unit_id: _Optional[str] = ..., sub_unit_id: _Optional[str] = ..., groups: _Optional[_Iterable[_Union[GroupSample, _Mapping]]] = ..., adequacy: _Optional[_Union[SampleAdequacy, str]] = ..., status: _Optional[_Union[SurveyStatus, str]] = ..., dimensions: _Optional[_Iterable[_Union[DimensionScore, _Mapping]]] = ..., components: _Optional[_Iterable[_Union[ComponentScore, _Mapping]]] = ..., correction_integrity: _Optional[float] = ..., correction_prevalence: _Optional[float] = ..., index_raw: _Optional[float] = ..., index: _Optional[float] = ..., category: _Optional[str] = ..., weakest: _Optional[_Iterable[_Union[WeakDimension, _Mapping]]] = ..., sub_unit_categories: _Optional[_Iterable[_Union[SubUnitCount, _Mapping]]] = ...) -> None: ...

class ReasonCount(_message.Message):
    __slots__ = ("reason", "respondents")
    REASON_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    reason: _instrument_pb2.ExclusionReason
    respondents: int
    def __init__(self, reason: _Optional[_Union[_instrument_pb2.ExclusionReason, str]] = ..., respondents: _Optional[int] = ...) -> None: ...

class UnitScreening(_message.Message):
    __slots__ = ("unit_id", "respondents", "flagged", "correction_points")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_POINTS_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    respondents: int
    flagged: int
    correction_points: float
    def __init__(self, unit_id: _Optional[str] = ..., respondents: _Optional[int] = ..., flagged: _Optional[int] = ..., correction_points: _Optional[float] = ...) -> None: ...

class ExcludedRespondent(_message.Message):
    __slots__ = ("respondent_id", "unit_id", "reasons", "related_to")
    RESPONDENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    RELATED_TO_FIELD_NUMBER: _ClassVar[int]
    respondent_id: str
    unit_id: str
    reasons: _containers.RepeatedScalarFieldContainer[_instrument_pb2.ExclusionReason]
    related_to: str
    def __init__(self, respondent_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., reasons: _Optional[_Iterable[_Union[_instrument_pb2.ExclusionReason, str]]] = ..., related_to: _Optional[str] = ...) -> None: ...

class ScreeningSummary(_message.Message):
    __slots__ = ("mode", "excluded", "reasons", "units", "excluded_respondents", "excluded_truncated", "local_rule_label")
    MODE_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    LOCAL_RULE_LABEL_FIELD_NUMBER: _ClassVar[int]
    mode: ScreeningMode
    excluded: int
    reasons: _containers.RepeatedCompositeFieldContainer[ReasonCount]
    units: _containers.RepeatedCompositeFieldContainer[UnitScreening]
    excluded_respondents: _containers.RepeatedCompositeFieldContainer[ExcludedRespondent]
    excluded_truncated: bool
    local_rule_label: str
    def __init__(self, mode: _Optional[_Union[ScreeningMode, str]] = ..., excluded: _Optional[int] = ..., reasons: _Optional[_Iterable[_Union[ReasonCount, _Mapping]]] = ..., units: _Optional[_Iterable[_Union[UnitScreening, _Mapping]]] = ..., excluded_respondents: _Optional[_Iterable[_Union[ExcludedRespondent, _Mapping]]] = ..., excluded_truncated: _Optional[bool] = ..., local_rule_label: _Optional[str] = ...) -> None: ...

class ScoreSurveyResponse(_message.Message):
    __slots__ = ("instrument_id", "instrument_sha256", "provenance", "respondents_received", "respondents_scored", "units", "sub_units", "screening", "decision_id")
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_SCORED_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    SUB_UNITS_FIELD_NUMBER: _ClassVar[int]
    SCREENING_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str
    instrument_sha256: str
    provenance: _scoring_pb2.Provenance
    respondents_received: int
    respondents_scored: int
    units: _containers.RepeatedCompositeFieldContainer[SurveyEntityResult]
    sub_units: _containers.RepeatedCompositeFieldContainer[SurveyEntityResult]
    screening: ScreeningSummary
    decision_id: str
    def __init__(self, instrument_id: _Optional[str] = ..., instrument_sha256: _Optional[str] = ..., provenance: _Optional[_Union[_scoring_pb2.Provenance, _Mapping]] = ..., respondents_received: _Optional[int] = ..., respondents_scored: _Optional[int] = ..., units: _Optional[_Iterable[_Union[SurveyEntityResult, _Mapping]]] = ..., sub_units: _Optional[_Iterable[_Union[SurveyEntityResult, _Mapping]]] = ..., screening: _Optional[_Union[ScreeningSummary, _Mapping]] = ..., decision_id: _Optional[str] = ...) -> None: ...

class ResponseCount(_message.Message):
    __slots__ = ("unit_id", "sub_unit_id", "group", "respondents")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SUB_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    sub_unit_id: str
    group: _instrument_pb2.RespondentGroup
    respondents: int
    def __init__(self, unit_id: _Optional[str] = ..., sub_unit_id: _Optional[str] = ..., group: _Optional[_Union[_instrument_pb2.RespondentGroup, str]] = ..., respondents: _Optional[int] = ...) -> None: ...

class SurveyProgressRequest(_message.Message):
    __slots__ = ("instrument_id", "instrument", "population", "responses")
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    POPULATION_FIELD_NUMBER: _ClassVar[int]
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str
    instrument: _instrument_pb2.Instrument
    population: _containers.RepeatedCompositeFieldContainer[_instrument_pb2.PopulationEntry]
    responses: _containers.RepeatedCompositeFieldContainer[ResponseCount]
    def __init__(self, instrument_id: _Optional[str] = ..., instrument: _Optional[_Union[_instrument_pb2.Instrument, _Mapping]] = ..., population: _Optional[_Iterable[_Union[_instrument_pb2.PopulationEntry, _Mapping]]] = ..., responses: _Optional[_Iterable[_Union[ResponseCount, _Mapping]]] = ...) -> None: ...

class ProgressRow(_message.Message):
    __slots__ = ("unit_id", "sub_unit_id", "group", "population", "sampled", "respondents", "response_rate", "margin_of_error", "adequacy", "more_for_max_margin", "max_margin_reachable", "more_for_target_margin", "target_margin_reachable")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SUB_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    POPULATION_FIELD_NUMBER: _ClassVar[int]
    SAMPLED_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_RATE_FIELD_NUMBER: _ClassVar[int]
    MARGIN_OF_ERROR_FIELD_NUMBER: _ClassVar[int]
    ADEQUACY_FIELD_NUMBER: _ClassVar[int]
    MORE_FOR_MAX_MARGIN_FIELD_NUMBER: _ClassVar[int]
    MAX_MARGIN_REACHABLE_FIELD_NUMBER: _ClassVar[int]
    MORE_FOR_TARGET_MARGIN_FIELD_NUMBER: _ClassVar[int]
    TARGET_MARGIN_REACHABLE_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    sub_unit_id: str
    group: _instrument_pb2.RespondentGroup
    population: int
    sampled: int
    respondents: int
    response_rate: float
    margin_of_error: float
    adequacy: SampleAdequacy
    more_for_max_margin: int
    max_margin_reachable: bool
    more_for_target_margin: int
    target_margin_reachable: bool
    def __init__(self, unit_id: _Optional[str] = ..., sub_unit_id: _Optional[str] = ..., group: _Optional[_Union[_instrument_pb2.RespondentGroup, str]] = ..., population: _Optional[int] = ..., sampled: _Optional[int] = ..., respondents: _Optional[int] = ..., response_rate: _Optional[float] = ..., margin_of_error: _Optional[float] = ..., adequacy: _Optional[_Union[SampleAdequacy, str]] = ..., more_for_max_margin: _Optional[int] = ..., max_margin_reachable: _Optional[bool] = ..., more_for_target_margin: _Optional[int] = ..., target_margin_reachable: _Optional[bool] = ...) -> None: ...

class SurveyProgressResponse(_message.Message):
    __slots__ = ("instrument_id", "instrument_sha256", "max_margin", "target_margin", "rows")
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    MAX_MARGIN_FIELD_NUMBER: _ClassVar[int]
    TARGET_MARGIN_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str
    instrument_sha256: str
    max_margin: float
    target_margin: float
    rows: _containers.RepeatedCompositeFieldContainer[ProgressRow]
    def __init__(self, instrument_id: _Optional[str] = ..., instrument_sha256: _Optional[str] = ..., max_margin: _Optional[float] = ..., target_margin: _Optional[float] = ..., rows: _Optional[_Iterable[_Union[ProgressRow, _Mapping]]] = ...) -> None: ...
