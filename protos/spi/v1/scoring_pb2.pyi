from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UnitInput(_message.Message):
    __slots__ = ("unit_id", "internal", "external", "expert", "correction_integrity", "correction_prevalence", "correction", "group")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_INTEGRITY_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_PREVALENCE_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    internal: float
    external: float
    expert: float
    correction_integrity: float
    correction_prevalence: float
    correction: float
    group: str
    def __init__(self, unit_id: _Optional[str] = ..., internal: _Optional[float] = ..., external: _Optional[float] = ..., expert: _Optional[float] = ..., correction_integrity: _Optional[float] = ..., correction_prevalence: _Optional[float] = ..., correction: _Optional[float] = ..., group: _Optional[str] = ...) -> None: ...

class Contributions(_message.Message):
    __slots__ = ("internal", "external", "expert", "correction")
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_FIELD_NUMBER: _ClassVar[int]
    internal: float
    external: float
    expert: float
    correction: float
    def __init__(self, internal: _Optional[float] = ..., external: _Optional[float] = ..., expert: _Optional[float] = ..., correction: _Optional[float] = ...) -> None: ...

class Margin(_message.Message):
    __slots__ = ("category", "points")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    category: str
    points: float
    def __init__(self, category: _Optional[str] = ..., points: _Optional[float] = ...) -> None: ...

class UnitResult(_message.Message):
    __slots__ = ("unit_id", "group", "index_raw", "index", "category", "contributions", "margin_up", "margin_down")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    INDEX_RAW_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    MARGIN_UP_FIELD_NUMBER: _ClassVar[int]
    MARGIN_DOWN_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    group: str
    index_raw: float
    index: float
    category: str
    contributions: Contributions
    margin_up: Margin
    margin_down: Margin
    def __init__(self, unit_id: _Optional[str] = ..., group: _Optional[str] = ..., index_raw: _Optional[float] = ..., index: _Optional[float] = ..., category: _Optional[str] = ..., contributions: _Optional[_Union[Contributions, _Mapping]] = ..., margin_up: _Optional[_Union[Margin, _Mapping]] = ..., margin_down: _Optional[_Union[Margin, _Mapping]] = ...) -> None: ...

class Provenance(_message.Message):
    __slots__ = ("ruleset_id", "ruleset_sha256", "engine_version", "index_decimals")
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    RULESET_SHA256_FIELD_NUMBER: _ClassVar[int]
    ENGINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    INDEX_DECIMALS_FIELD_NUMBER: _ClassVar[int]
    ruleset_id: str
    ruleset_sha256: str
    engine_version: str
    index_decimals: int
    def __init__(self, ruleset_id: _Optional[str] = ..., ruleset_sha256: _Optional[str] = ..., engine_version: _Optional[str] = ..., index_decimals: _Optional[int] = ...) -> None: ...

class GoldenCase(_message.Message):
    __slots__ = ("name", "source", "input", "expected_index", "tolerance", "expected_category")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_INDEX_FIELD_NUMBER: _ClassVar[int]
    TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    name: str
    source: str
    input: UnitInput
    expected_index: float
    tolerance: float
    expected_category: str
    def __init__(self, name: _Optional[str] = ..., source: _Optional[str] = ..., input: _Optional[_Union[UnitInput, _Mapping]] = ..., expected_index: _Optional[float] = ..., tolerance: _Optional[float] = ..., expected_category: _Optional[str] = ...) -> None: ...

class GoldenSuite(_message.Message):
    __slots__ = ("ruleset_id", "cases")
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    ruleset_id: str
    cases: _containers.RepeatedCompositeFieldContainer[GoldenCase]
    def __init__(self, ruleset_id: _Optional[str] = ..., cases: _Optional[_Iterable[_Union[GoldenCase, _Mapping]]] = ...) -> None: ...
