from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Basis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BASIS_UNSPECIFIED: _ClassVar[Basis]
    BASIS_STATED: _ClassVar[Basis]
    BASIS_INFERRED: _ClassVar[Basis]
    BASIS_ASSUMED: _ClassVar[Basis]

class RoundingMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROUNDING_MODE_UNSPECIFIED: _ClassVar[RoundingMode]
    ROUNDING_MODE_HALF_UP: _ClassVar[RoundingMode]
BASIS_UNSPECIFIED: Basis
BASIS_STATED: Basis
BASIS_INFERRED: Basis
BASIS_ASSUMED: Basis
ROUNDING_MODE_UNSPECIFIED: RoundingMode
ROUNDING_MODE_HALF_UP: RoundingMode

class Fit(_message.Message):
    __slots__ = ("dataset", "rows_reproduced", "rows_total", "tolerance", "max_residual")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    ROWS_REPRODUCED_FIELD_NUMBER: _ClassVar[int]
    ROWS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    MAX_RESIDUAL_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    rows_reproduced: int
    rows_total: int
    tolerance: float
    max_residual: float
    def __init__(self, dataset: _Optional[str] = ..., rows_reproduced: _Optional[int] = ..., rows_total: _Optional[int] = ..., tolerance: _Optional[float] = ..., max_residual: _Optional[float] = ...) -> None: ...

class Reference(_message.Message):
    __slots__ = ("source", "basis", "note", "fit")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    FIT_FIELD_NUMBER: _ClassVar[int]
    source: str
    basis: Basis
    note: str
    fit: Fit
    def __init__(self, source: _Optional[str] = ..., basis: _Optional[_Union[Basis, str]] = ..., note: _Optional[str] = ..., fit: _Optional[_Union[Fit, _Mapping]] = ...) -> None: ...

class ComponentWeights(_message.Message):
    __slots__ = ("internal", "external", "expert", "reference")
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    internal: float
    external: float
    expert: float
    reference: Reference
    def __init__(self, internal: _Optional[float] = ..., external: _Optional[float] = ..., expert: _Optional[float] = ..., reference: _Optional[_Union[Reference, _Mapping]] = ...) -> None: ...

class CorrectionPart(_message.Message):
    __slots__ = ("factor", "reference")
    FACTOR_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    factor: float
    reference: Reference
    def __init__(self, factor: _Optional[float] = ..., reference: _Optional[_Union[Reference, _Mapping]] = ...) -> None: ...

class CorrectionRule(_message.Message):
    __slots__ = ("integrity", "prevalence", "regional")
    INTEGRITY_FIELD_NUMBER: _ClassVar[int]
    PREVALENCE_FIELD_NUMBER: _ClassVar[int]
    REGIONAL_FIELD_NUMBER: _ClassVar[int]
    integrity: CorrectionPart
    prevalence: CorrectionPart
    regional: RegionalDeduction
    def __init__(self, integrity: _Optional[_Union[CorrectionPart, _Mapping]] = ..., prevalence: _Optional[_Union[CorrectionPart, _Mapping]] = ..., regional: _Optional[_Union[RegionalDeduction, _Mapping]] = ...) -> None: ...

class RegionalClass(_message.Message):
    __slots__ = ("unit_id", "n", "m")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    M_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    n: int
    m: int
    def __init__(self, unit_id: _Optional[str] = ..., n: _Optional[int] = ..., m: _Optional[int] = ...) -> None: ...

class RegionalDeduction(_message.Message):
    __slots__ = ("unit_points", "classes", "flag", "reference")
    UNIT_POINTS_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    unit_points: float
    classes: _containers.RepeatedCompositeFieldContainer[RegionalClass]
    flag: str
    reference: Reference
    def __init__(self, unit_points: _Optional[float] = ..., classes: _Optional[_Iterable[_Union[RegionalClass, _Mapping]]] = ..., flag: _Optional[str] = ..., reference: _Optional[_Union[Reference, _Mapping]] = ...) -> None: ...

class IndexBounds(_message.Message):
    __slots__ = ("min", "max", "reference")
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    min: float
    max: float
    reference: Reference
    def __init__(self, min: _Optional[float] = ..., max: _Optional[float] = ..., reference: _Optional[_Union[Reference, _Mapping]] = ...) -> None: ...

class Rounding(_message.Message):
    __slots__ = ("decimals", "mode", "reference")
    DECIMALS_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    decimals: int
    mode: RoundingMode
    reference: Reference
    def __init__(self, decimals: _Optional[int] = ..., mode: _Optional[_Union[RoundingMode, str]] = ..., reference: _Optional[_Union[Reference, _Mapping]] = ...) -> None: ...

class Category(_message.Message):
    __slots__ = ("id", "label", "colour", "lower_bound", "reference")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    COLOUR_FIELD_NUMBER: _ClassVar[int]
    LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    colour: str
    lower_bound: float
    reference: Reference
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ..., colour: _Optional[str] = ..., lower_bound: _Optional[float] = ..., reference: _Optional[_Union[Reference, _Mapping]] = ...) -> None: ...

class CategoryScheme(_message.Message):
    __slots__ = ("name", "categories", "reference")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    categories: _containers.RepeatedCompositeFieldContainer[Category]
    reference: Reference
    def __init__(self, name: _Optional[str] = ..., categories: _Optional[_Iterable[_Union[Category, _Mapping]]] = ..., reference: _Optional[_Union[Reference, _Mapping]] = ...) -> None: ...

class Note(_message.Message):
    __slots__ = ("topic", "text", "reference")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    topic: str
    text: str
    reference: Reference
    def __init__(self, topic: _Optional[str] = ..., text: _Optional[str] = ..., reference: _Optional[_Union[Reference, _Mapping]] = ...) -> None: ...

class Ruleset(_message.Message):
    __slots__ = ("id", "label", "year", "description", "weights", "correction", "bounds", "rounding", "categories", "notes")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_FIELD_NUMBER: _ClassVar[int]
    BOUNDS_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    year: int
    description: str
    weights: ComponentWeights
    correction: CorrectionRule
    bounds: IndexBounds
    rounding: Rounding
    categories: CategoryScheme
    notes: _containers.RepeatedCompositeFieldContainer[Note]
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ..., year: _Optional[int] = ..., description: _Optional[str] = ..., weights: _Optional[_Union[ComponentWeights, _Mapping]] = ..., correction: _Optional[_Union[CorrectionRule, _Mapping]] = ..., bounds: _Optional[_Union[IndexBounds, _Mapping]] = ..., rounding: _Optional[_Union[Rounding, _Mapping]] = ..., categories: _Optional[_Union[CategoryScheme, _Mapping]] = ..., notes: _Optional[_Iterable[_Union[Note, _Mapping]]] = ...) -> None: ...
