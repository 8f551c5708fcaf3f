from spi.v1 import ruleset_pb2 as _ruleset_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RespondentGroup(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESPONDENT_GROUP_UNSPECIFIED: _ClassVar[RespondentGroup]
    RESPONDENT_GROUP_INTERNAL: _ClassVar[RespondentGroup]
    RESPONDENT_GROUP_EXTERNAL: _ClassVar[RespondentGroup]
    RESPONDENT_GROUP_EXPERT: _ClassVar[RespondentGroup]

class AnswerType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ANSWER_TYPE_UNSPECIFIED: _ClassVar[AnswerType]
    ANSWER_TYPE_LIKERT: _ClassVar[AnswerType]
    ANSWER_TYPE_LIKERT_REVERSED: _ClassVar[AnswerType]
    ANSWER_TYPE_YES_NO: _ClassVar[AnswerType]

class GoodAnswer(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GOOD_ANSWER_UNSPECIFIED: _ClassVar[GoodAnswer]
    GOOD_ANSWER_YES: _ClassVar[GoodAnswer]
    GOOD_ANSWER_NO: _ClassVar[GoodAnswer]

class ExclusionReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXCLUSION_REASON_UNSPECIFIED: _ClassVar[ExclusionReason]
    EXCLUSION_REASON_SPEEDER: _ClassVar[ExclusionReason]
    EXCLUSION_REASON_STRAIGHT_LINER: _ClassVar[ExclusionReason]
    EXCLUSION_REASON_DUPLICATE_DEVICE: _ClassVar[ExclusionReason]
    EXCLUSION_REASON_DUPLICATE_ANSWERS: _ClassVar[ExclusionReason]
    EXCLUSION_REASON_BURST: _ClassVar[ExclusionReason]
RESPONDENT_GROUP_UNSPECIFIED: RespondentGroup
RESPONDENT_GROUP_INTERNAL: RespondentGroup
RESPONDENT_GROUP_EXTERNAL: RespondentGroup
RESPONDENT_GROUP_EXPERT: RespondentGroup
ANSWER_TYPE_UNSPECIFIED: AnswerType
ANSWER_TYPE_LIKERT: AnswerType
ANSWER_TYPE_LIKERT_REVERSED: AnswerType
ANSWER_TYPE_YES_NO: AnswerType
GOOD_ANSWER_UNSPECIFIED: GoodAnswer
GOOD_ANSWER_YES: GoodAnswer
GOOD_ANSWER_NO: GoodAnswer
EXCLUSION_REASON_UNSPECIFIED: ExclusionReason
EXCLUSION_REASON_SPEEDER: ExclusionReason
EXCLUSION_REASON_STRAIGHT_LINER: ExclusionReason
EXCLUSION_REASON_DUPLICATE_DEVICE: ExclusionReason
EXCLUSION_REASON_DUPLICATE_ANSWERS: ExclusionReason
EXCLUSION_REASON_BURST: ExclusionReason

class AnswerCodes(_message.Message):
    __slots__ = ("yes", "no", "dont_know")
    YES_FIELD_NUMBER: _ClassVar[int]
    NO_FIELD_NUMBER: _ClassVar[int]
    DONT_KNOW_FIELD_NUMBER: _ClassVar[int]
    yes: int
    no: int
    dont_know: int
    def __init__(self, yes: _Optional[int] = ..., no: _Optional[int] = ..., dont_know: _Optional[int] = ...) -> None: ...

class SurveyItem(_message.Message):
    __slots__ = ("id", "text", "group", "dimension", "answer_type", "scale_points", "good_answer")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    ANSWER_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCALE_POINTS_FIELD_NUMBER: _ClassVar[int]
    GOOD_ANSWER_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    group: RespondentGroup
    dimension: str
    answer_type: AnswerType
    scale_points: int
    good_answer: GoodAnswer
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ..., group: _Optional[_Union[RespondentGroup, str]] = ..., dimension: _Optional[str] = ..., answer_type: _Optional[_Union[AnswerType, str]] = ..., scale_points: _Optional[int] = ..., good_answer: _Optional[_Union[GoodAnswer, str]] = ...) -> None: ...

class SurveyDimension(_message.Message):
    __slots__ = ("id", "label", "group", "weight", "weight_reference", "follow_up_actions", "description")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    group: RespondentGroup
    weight: float
    weight_reference: _ruleset_pb2.Reference
    follow_up_actions: _containers.RepeatedScalarFieldContainer[str]
    description: str
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ..., group: _Optional[_Union[RespondentGroup, str]] = ..., weight: _Optional[float] = ..., weight_reference: _Optional[_Union[_ruleset_pb2.Reference, _Mapping]] = ..., follow_up_actions: _Optional[_Iterable[str]] = ..., description: _Optional[str] = ...) -> None: ...

class SamplingRule(_message.Message):
    __slots__ = ("confidence_z", "proportion", "target_margin", "max_margin", "min_respondents", "groups", "reference")
    CONFIDENCE_Z_FIELD_NUMBER: _ClassVar[int]
    PROPORTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_MARGIN_FIELD_NUMBER: _ClassVar[int]
    MAX_MARGIN_FIELD_NUMBER: _ClassVar[int]
    MIN_RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    confidence_z: float
    proportion: float
    target_margin: float
    max_margin: float
    min_respondents: int
    groups: _containers.RepeatedScalarFieldContainer[RespondentGroup]
    reference: _ruleset_pb2.Reference
    def __init__(self, confidence_z: _Optional[float] = ..., proportion: _Optional[float] = ..., target_margin: _Optional[float] = ..., max_margin: _Optional[float] = ..., min_respondents: _Optional[int] = ..., groups: _Optional[_Iterable[_Union[RespondentGroup, str]]] = ..., reference: _Optional[_Union[_ruleset_pb2.Reference, _Mapping]] = ...) -> None: ...

class ScreeningRules(_message.Message):
    __slots__ = ("speeder_min_seconds", "speeder_min_seconds_per_item", "straight_line_min_items", "max_submissions_per_device", "identical_answers_alpha", "burst_window_seconds", "burst_min_respondents", "burst_max_differing_items", "reference")
    SPEEDER_MIN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SPEEDER_MIN_SECONDS_PER_ITEM_FIELD_NUMBER: _ClassVar[int]
    STRAIGHT_LINE_MIN_ITEMS_FIELD_NUMBER: _ClassVar[int]
    MAX_SUBMISSIONS_PER_DEVICE_FIELD_NUMBER: _ClassVar[int]
    IDENTICAL_ANSWERS_ALPHA_FIELD_NUMBER: _ClassVar[int]
    BURST_WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    BURST_MIN_RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    BURST_MAX_DIFFERING_ITEMS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    speeder_min_seconds: float
    speeder_min_seconds_per_item: float
    straight_line_min_items: int
    max_submissions_per_device: int
    identical_answers_alpha: float
    burst_window_seconds: float
    burst_min_respondents: int
    burst_max_differing_items: int
    reference: _ruleset_pb2.Reference
    def __init__(self, speeder_min_seconds: _Optional[float] = ..., speeder_min_seconds_per_item: _Optional[float] = ..., straight_line_min_items: _Optional[int] = ..., max_submissions_per_device: _Optional[int] = ..., identical_answers_alpha: _Optional[float] = ..., burst_window_seconds: _Optional[float] = ..., burst_min_respondents: _Optional[int] = ..., burst_max_differing_items: _Optional[int] = ..., reference: _Optional[_Union[_ruleset_pb2.Reference, _Mapping]] = ...) -> None: ...

class LocalIntegrityRule(_message.Message):
    __slots__ = ("label", "free_percent", "points_per_percent", "max_points", "reasons", "reference")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    FREE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    POINTS_PER_PERCENT_FIELD_NUMBER: _ClassVar[int]
    MAX_POINTS_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    label: str
    free_percent: float
    points_per_percent: float
    max_points: float
    reasons: _containers.RepeatedScalarFieldContainer[ExclusionReason]
    reference: _ruleset_pb2.Reference
    def __init__(self, label: _Optional[str] = ..., free_percent: _Optional[float] = ..., points_per_percent: _Optional[float] = ..., max_points: _Optional[float] = ..., reasons: _Optional[_Iterable[_Union[ExclusionReason, str]]] = ..., reference: _Optional[_Union[_ruleset_pb2.Reference, _Mapping]] = ...) -> None: ...

class Instrument(_message.Message):
    __slots__ = ("id", "label", "version", "description", "provenance", "answer_codes", "dimensions", "items", "sampling", "screening", "local_integrity_rule")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    ANSWER_CODES_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SAMPLING_FIELD_NUMBER: _ClassVar[int]
    SCREENING_FIELD_NUMBER: _ClassVar[int]
    LOCAL_INTEGRITY_RULE_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    version: str
    description: str
    provenance: _ruleset_pb2.Reference
    answer_codes: AnswerCodes
    dimensions: _containers.RepeatedCompositeFieldContainer[SurveyDimension]
    items: _containers.RepeatedCompositeFieldContainer[SurveyItem]
    sampling: SamplingRule
    screening: ScreeningRules
    local_integrity_rule: LocalIntegrityRule
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ..., version: _Optional[str] = ..., description: _Optional[str] = ..., provenance: _Optional[_Union[_ruleset_pb2.Reference, _Mapping]] = ..., answer_codes: _Optional[_Union[AnswerCodes, _Mapping]] = ..., dimensions: _Optional[_Iterable[_Union[SurveyDimension, _Mapping]]] = ..., items: _Optional[_Iterable[_Union[SurveyItem, _Mapping]]] = ..., sampling: _Optional[_Union[SamplingRule, _Mapping]] = ..., screening: _Optional[_Union[ScreeningRules, _Mapping]] = ..., local_integrity_rule: _Optional[_Union[LocalIntegrityRule, _Mapping]] = ...) -> None: ...

class TextColumn(_message.Message):
    __slots__ = ("dictionary", "codes")
    DICTIONARY_FIELD_NUMBER: _ClassVar[int]
    CODES_FIELD_NUMBER: _ClassVar[int]
    dictionary: _containers.RepeatedScalarFieldContainer[str]
    codes: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, dictionary: _Optional[_Iterable[str]] = ..., codes: _Optional[_Iterable[int]] = ...) -> None: ...

class AnswerColumn(_message.Message):
    __slots__ = ("item_id", "codes", "packed_codes")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    CODES_FIELD_NUMBER: _ClassVar[int]
    PACKED_CODES_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    codes: _containers.RepeatedScalarFieldContainer[int]
    packed_codes: bytes
    def __init__(self, item_id: _Optional[str] = ..., codes: _Optional[_Iterable[int]] = ..., packed_codes: _Optional[bytes] = ...) -> None: ...

class RespondentChunk(_message.Message):
    __slots__ = ("respondent_ids", "unit_ids", "sub_unit_ids", "groups", "answers", "completion_seconds", "device_fingerprints", "submitted_at")
    RESPONDENT_IDS_FIELD_NUMBER: _ClassVar[int]
    UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    SUB_UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FINGERPRINTS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    respondent_ids: _containers.RepeatedScalarFieldContainer[str]
    unit_ids: TextColumn
    sub_unit_ids: TextColumn
    groups: _containers.RepeatedScalarFieldContainer[RespondentGroup]
    answers: _containers.RepeatedCompositeFieldContainer[AnswerColumn]
    completion_seconds: _containers.RepeatedScalarFieldContainer[float]
    device_fingerprints: TextColumn
    submitted_at: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, respondent_ids: _Optional[_Iterable[str]] = ..., unit_ids: _Optional[_Union[TextColumn, _Mapping]] = ..., sub_unit_ids: _Optional[_Union[TextColumn, _Mapping]] = ..., groups: _Optional[_Iterable[_Union[RespondentGroup, str]]] = ..., answers: _Optional[_Iterable[_Union[AnswerColumn, _Mapping]]] = ..., completion_seconds: _Optional[_Iterable[float]] = ..., device_fingerprints: _Optional[_Union[TextColumn, _Mapping]] = ..., submitted_at: _Optional[_Iterable[float]] = ...) -> None: ...

class PopulationEntry(_message.Message):
    __slots__ = ("unit_id", "sub_unit_id", "group", "population", "sampled")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SUB_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    POPULATION_FIELD_NUMBER: _ClassVar[int]
    SAMPLED_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    sub_unit_id: str
    group: RespondentGroup
    population: int
    sampled: int
    def __init__(self, unit_id: _Optional[str] = ..., sub_unit_id: _Optional[str] = ..., group: _Optional[_Union[RespondentGroup, str]] = ..., population: _Optional[int] = ..., sampled: _Optional[int] = ...) -> None: ...
