from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class UnitColumns(_message.Message):
    __slots__ = ("unit_ids", "groups", "internal", "external", "expert", "correction", "correction_integrity", "correction_prevalence")
    UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_INTEGRITY_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_PREVALENCE_FIELD_NUMBER: _ClassVar[int]
    unit_ids: _containers.RepeatedScalarFieldContainer[str]
    groups: _containers.RepeatedScalarFieldContainer[str]
    internal: bytes
    external: bytes
    expert: bytes
    correction: bytes
    correction_integrity: bytes
    correction_prevalence: bytes
    def __init__(self, unit_ids: _Optional[_Iterable[str]] = ..., groups: _Optional[_Iterable[str]] = ..., internal: _Optional[bytes] = ..., external: _Optional[bytes] = ..., expert: _Optional[bytes] = ..., correction: _Optional[bytes] = ..., correction_integrity: _Optional[bytes] = ..., correction_prevalence: _Optional[bytes] = ...) -> None: ...

class ResultColumns(_message.Message):
    __slots__ = ("units", "index_raw", "index", "category_codes", "category_ids", "contribution_internal", "contribution_external", "contribution_expert", "contribution_correction", "margin_up", "margin_down")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    INDEX_RAW_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_CODES_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_IDS_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_INTERNAL_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_EXPERT_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_CORRECTION_FIELD_NUMBER: _ClassVar[int]
    MARGIN_UP_FIELD_NUMBER: _ClassVar[int]
    MARGIN_DOWN_FIELD_NUMBER: _ClassVar[int]
    units: int
    index_raw: bytes
    index: bytes
    category_codes: bytes
    category_ids: _containers.RepeatedScalarFieldContainer[str]
    contribution_internal: bytes
    contribution_external: bytes
    contribution_expert: bytes
    contribution_correction: bytes
    margin_up: bytes
    margin_down: bytes
    def __init__(self, units: _Optional[int] = ..., index_raw: _Optional[bytes] = ..., index: _Optional[bytes] = ..., category_codes: _Optional[bytes] = ..., category_ids: _Optional[_Iterable[str]] = ..., contribution_internal: _Optional[bytes] = ..., contribution_external: _Optional[bytes] = ..., contribution_expert: _Optional[bytes] = ..., contribution_correction: _Optional[bytes] = ..., margin_up: _Optional[bytes] = ..., margin_down: _Optional[bytes] = ...) -> None: ...
