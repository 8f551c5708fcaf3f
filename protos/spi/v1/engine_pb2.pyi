from spi.v1 import columns_pb2 as _columns_pb2
from spi.v1 import ruleset_pb2 as _ruleset_pb2
from spi.v1 import scoring_pb2 as _scoring_pb2
from spi.v1 import simulation_pb2 as _simulation_pb2
from spi.v1 import survey_pb2 as _survey_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RulesetSummary(_message.Message):
    __slots__ = ("id", "label", "year", "sha256", "origin")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    year: int
    sha256: str
    origin: str
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ..., year: _Optional[int] = ..., sha256: _Optional[str] = ..., origin: _Optional[str] = ...) -> None: ...

class ListRulesetsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListRulesetsResponse(_message.Message):
    __slots__ = ("rulesets",)
    RULESETS_FIELD_NUMBER: _ClassVar[int]
    rulesets: _containers.RepeatedCompositeFieldContainer[RulesetSummary]
    def __init__(self, rulesets: _Optional[_Iterable[_Union[RulesetSummary, _Mapping]]] = ...) -> None: ...

class GetRulesetRequest(_message.Message):
    __slots__ = ("ruleset_id",)
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    ruleset_id: str
    def __init__(self, ruleset_id: _Optional[str] = ...) -> None: ...

class GetRulesetResponse(_message.Message):
    __slots__ = ("ruleset", "sha256", "origin")
    RULESET_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    ruleset: _ruleset_pb2.Ruleset
    sha256: str
    origin: str
    def __init__(self, ruleset: _Optional[_Union[_ruleset_pb2.Ruleset, _Mapping]] = ..., sha256: _Optional[str] = ..., origin: _Optional[str] = ...) -> None: ...

class ValidateRulesetRequest(_message.Message):
    __slots__ = ("text", "binary")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    BINARY_FIELD_NUMBER: _ClassVar[int]
    text: str
    binary: bytes
    def __init__(self, text: _Optional[str] = ..., binary: _Optional[bytes] = ...) -> None: ...

class FieldViolation(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ValidateRulesetResponse(_message.Message):
    __slots__ = ("valid", "violations", "ruleset_id", "sha256")
    VALID_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    violations: _containers.RepeatedCompositeFieldContainer[FieldViolation]
    ruleset_id: str
    sha256: str
    def __init__(self, valid: _Optional[bool] = ..., violations: _Optional[_Iterable[_Union[FieldViolation, _Mapping]]] = ..., ruleset_id: _Optional[str] = ..., sha256: _Optional[str] = ...) -> None: ...

class ScoreRequest(_message.Message):
    __slots__ = ("ruleset_id", "units")
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    ruleset_id: str
    units: _containers.RepeatedCompositeFieldContainer[_scoring_pb2.UnitInput]
    def __init__(self, ruleset_id: _Optional[str] = ..., units: _Optional[_Iterable[_Union[_scoring_pb2.UnitInput, _Mapping]]] = ...) -> None: ...

class ScoreResponse(_message.Message):
    __slots__ = ("results", "provenance", "decision_id")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[_scoring_pb2.UnitResult]
    provenance: _scoring_pb2.Provenance
    decision_id: str
    def __init__(self, results: _Optional[_Iterable[_Union[_scoring_pb2.UnitResult, _Mapping]]] = ..., provenance: _Optional[_Union[_scoring_pb2.Provenance, _Mapping]] = ..., decision_id: _Optional[str] = ...) -> None: ...

class ScoreColumnsRequest(_message.Message):
    __slots__ = ("ruleset_id", "columns")
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    ruleset_id: str
    columns: _columns_pb2.UnitColumns
    def __init__(self, ruleset_id: _Optional[str] = ..., columns: _Optional[_Union[_columns_pb2.UnitColumns, _Mapping]] = ...) -> None: ...

class ScoreColumnsResponse(_message.Message):
    __slots__ = ("results", "provenance", "decision_id")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    results: _columns_pb2.ResultColumns
    provenance: _scoring_pb2.Provenance
    decision_id: str
    def __init__(self, results: _Optional[_Union[_columns_pb2.ResultColumns, _Mapping]] = ..., provenance: _Optional[_Union[_scoring_pb2.Provenance, _Mapping]] = ..., decision_id: _Optional[str] = ...) -> None: ...

class SummarizeRequest(_message.Message):
    __slots__ = ("ruleset_id", "units")
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    ruleset_id: str
    units: _containers.RepeatedCompositeFieldContainer[_scoring_pb2.UnitInput]
    def __init__(self, ruleset_id: _Optional[str] = ..., units: _Optional[_Iterable[_Union[_scoring_pb2.UnitInput, _Mapping]]] = ...) -> None: ...

class RankedUnit(_message.Message):
    __slots__ = ("rank", "result")
    RANK_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    rank: int
    result: _scoring_pb2.UnitResult
    def __init__(self, rank: _Optional[int] = ..., result: _Optional[_Union[_scoring_pb2.UnitResult, _Mapping]] = ...) -> None: ...

class CategoryCount(_message.Message):
    __slots__ = ("category", "count")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    category: str
    count: int
    def __init__(self, category: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class GroupSummary(_message.Message):
    __slots__ = ("group", "units", "mean_index", "categories")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    MEAN_INDEX_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    group: str
    units: int
    mean_index: float
    categories: _containers.RepeatedCompositeFieldContainer[CategoryCount]
    def __init__(self, group: _Optional[str] = ..., units: _Optional[int] = ..., mean_index: _Optional[float] = ..., categories: _Optional[_Iterable[_Union[CategoryCount, _Mapping]]] = ...) -> None: ...

class SummarizeResponse(_message.Message):
    __slots__ = ("ranking", "overall", "groups", "provenance", "decision_id")
    RANKING_FIELD_NUMBER: _ClassVar[int]
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    ranking: _containers.RepeatedCompositeFieldContainer[RankedUnit]
    overall: GroupSummary
    groups: _containers.RepeatedCompositeFieldContainer[GroupSummary]
    provenance: _scoring_pb2.Provenance
    decision_id: str
    def __init__(self, ranking: _Optional[_Iterable[_Union[RankedUnit, _Mapping]]] = ..., overall: _Optional[_Union[GroupSummary, _Mapping]] = ..., groups: _Optional[_Iterable[_Union[GroupSummary, _Mapping]]] = ..., provenance: _Optional[_Union[_scoring_pb2.Provenance, _Mapping]] = ..., decision_id: _Optional[str] = ...) -> None: ...
