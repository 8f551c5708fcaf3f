from spi.v1 import ruleset_pb2 as _ruleset_pb2
from spi.v1 import scoring_pb2 as _scoring_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Operation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATION_UNSPECIFIED: _ClassVar[Operation]
    OPERATION_SET: _ClassVar[Operation]
    OPERATION_ADD: _ClassVar[Operation]
    OPERATION_SCALE: _ClassVar[Operation]
    OPERATION_CAP: _ClassVar[Operation]

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIRECTION_UNSPECIFIED: _ClassVar[Direction]
    DIRECTION_SAME: _ClassVar[Direction]
    DIRECTION_UP: _ClassVar[Direction]
    DIRECTION_DOWN: _ClassVar[Direction]

class TargetDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TARGET_DIRECTION_UNSPECIFIED: _ClassVar[TargetDirection]
    TARGET_DIRECTION_UP: _ClassVar[TargetDirection]
    TARGET_DIRECTION_DOWN: _ClassVar[TargetDirection]
    TARGET_DIRECTION_THERE: _ClassVar[TargetDirection]

class GoalStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GOAL_STATUS_UNSPECIFIED: _ClassVar[GoalStatus]
    GOAL_STATUS_REACHED: _ClassVar[GoalStatus]
    GOAL_STATUS_NEEDS_SCORE_ABOVE_MAX: _ClassVar[GoalStatus]
    GOAL_STATUS_NEEDS_SCORE_BELOW_MIN: _ClassVar[GoalStatus]
    GOAL_STATUS_NEEDS_CORRECTION_BELOW_ZERO: _ClassVar[GoalStatus]
    GOAL_STATUS_NO_EFFECT: _ClassVar[GoalStatus]
    GOAL_STATUS_NOT_APPLICABLE: _ClassVar[GoalStatus]
    GOAL_STATUS_NO_CATEGORY: _ClassVar[GoalStatus]

class CertaintyStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CERTAINTY_STATUS_UNSPECIFIED: _ClassVar[CertaintyStatus]
    CERTAINTY_STATUS_CERTAIN_NOW: _ClassVar[CertaintyStatus]
    CERTAINTY_STATUS_MORE_RESPONDENTS: _ClassVar[CertaintyStatus]
    CERTAINTY_STATUS_ON_BOUND: _ClassVar[CertaintyStatus]
    CERTAINTY_STATUS_EXCEEDS_POPULATION: _ClassVar[CertaintyStatus]
OPERATION_UNSPECIFIED: Operation
OPERATION_SET: Operation
OPERATION_ADD: Operation
OPERATION_SCALE: Operation
OPERATION_CAP: Operation
DIRECTION_UNSPECIFIED: Direction
DIRECTION_SAME: Direction
DIRECTION_UP: Direction
DIRECTION_DOWN: Direction
TARGET_DIRECTION_UNSPECIFIED: TargetDirection
TARGET_DIRECTION_UP: TargetDirection
TARGET_DIRECTION_DOWN: TargetDirection
TARGET_DIRECTION_THERE: TargetDirection
GOAL_STATUS_UNSPECIFIED: GoalStatus
GOAL_STATUS_REACHED: GoalStatus
GOAL_STATUS_NEEDS_SCORE_ABOVE_MAX: GoalStatus
GOAL_STATUS_NEEDS_SCORE_BELOW_MIN: GoalStatus
GOAL_STATUS_NEEDS_CORRECTION_BELOW_ZERO: GoalStatus
GOAL_STATUS_NO_EFFECT: GoalStatus
GOAL_STATUS_NOT_APPLICABLE: GoalStatus
GOAL_STATUS_NO_CATEGORY: GoalStatus
CERTAINTY_STATUS_UNSPECIFIED: CertaintyStatus
CERTAINTY_STATUS_CERTAIN_NOW: CertaintyStatus
CERTAINTY_STATUS_MORE_RESPONDENTS: CertaintyStatus
CERTAINTY_STATUS_ON_BOUND: CertaintyStatus
CERTAINTY_STATUS_EXCEEDS_POPULATION: CertaintyStatus

class InlineUnits(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[_scoring_pb2.UnitInput]
    def __init__(self, units: _Optional[_Iterable[_Union[_scoring_pb2.UnitInput, _Mapping]]] = ...) -> None: ...

class DatasetUnits(_message.Message):
    __slots__ = ("dataset", "year", "groups", "unit_ids")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    year: int
    groups: _containers.RepeatedScalarFieldContainer[str]
    unit_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, dataset: _Optional[str] = ..., year: _Optional[int] = ..., groups: _Optional[_Iterable[str]] = ..., unit_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class UnitSelection(_message.Message):
    __slots__ = ("inline", "dataset")
    INLINE_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    inline: InlineUnits
    dataset: DatasetUnits
    def __init__(self, inline: _Optional[_Union[InlineUnits, _Mapping]] = ..., dataset: _Optional[_Union[DatasetUnits, _Mapping]] = ...) -> None: ...

class Intervention(_message.Message):
    __slots__ = ("lever", "operation", "value", "unit_ids", "groups")
    LEVER_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    lever: str
    operation: Operation
    value: float
    unit_ids: _containers.RepeatedScalarFieldContainer[str]
    groups: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, lever: _Optional[str] = ..., operation: _Optional[_Union[Operation, str]] = ..., value: _Optional[float] = ..., unit_ids: _Optional[_Iterable[str]] = ..., groups: _Optional[_Iterable[str]] = ...) -> None: ...

class VariantWeights(_message.Message):
    __slots__ = ("internal", "external", "expert")
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    internal: float
    external: float
    expert: float
    def __init__(self, internal: _Optional[float] = ..., external: _Optional[float] = ..., expert: _Optional[float] = ...) -> None: ...

class CategoryBound(_message.Message):
    __slots__ = ("category", "lower_bound")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    category: str
    lower_bound: float
    def __init__(self, category: _Optional[str] = ..., lower_bound: _Optional[float] = ...) -> None: ...

class VariantFactors(_message.Message):
    __slots__ = ("integrity", "prevalence")
    INTEGRITY_FIELD_NUMBER: _ClassVar[int]
    PREVALENCE_FIELD_NUMBER: _ClassVar[int]
    integrity: float
    prevalence: float
    def __init__(self, integrity: _Optional[float] = ..., prevalence: _Optional[float] = ...) -> None: ...

class RulesetVariant(_message.Message):
    __slots__ = ("id", "label", "weights", "lower_bounds", "correction_factors", "note")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    LOWER_BOUNDS_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_FACTORS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    weights: VariantWeights
    lower_bounds: _containers.RepeatedCompositeFieldContainer[CategoryBound]
    correction_factors: VariantFactors
    note: str
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ..., weights: _Optional[_Union[VariantWeights, _Mapping]] = ..., lower_bounds: _Optional[_Iterable[_Union[CategoryBound, _Mapping]]] = ..., correction_factors: _Optional[_Union[VariantFactors, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class Scenario(_message.Message):
    __slots__ = ("name", "interventions", "variant")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INTERVENTIONS_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    name: str
    interventions: _containers.RepeatedCompositeFieldContainer[Intervention]
    variant: RulesetVariant
    def __init__(self, name: _Optional[str] = ..., interventions: _Optional[_Iterable[_Union[Intervention, _Mapping]]] = ..., variant: _Optional[_Union[RulesetVariant, _Mapping]] = ...) -> None: ...

class SimulateRequest(_message.Message):
    __slots__ = ("ruleset_id", "units", "scenario", "keep_withheld", "changed_only", "chunk_size")
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    KEEP_WITHHELD_FIELD_NUMBER: _ClassVar[int]
    CHANGED_ONLY_FIELD_NUMBER: _ClassVar[int]
    CHUNK_SIZE_FIELD_NUMBER: _ClassVar[int]
    ruleset_id: str
    units: UnitSelection
    scenario: Scenario
    keep_withheld: bool
    changed_only: bool
    chunk_size: int
    def __init__(self, ruleset_id: _Optional[str] = ..., units: _Optional[_Union[UnitSelection, _Mapping]] = ..., scenario: _Optional[_Union[Scenario, _Mapping]] = ..., keep_withheld: _Optional[bool] = ..., changed_only: _Optional[bool] = ..., chunk_size: _Optional[int] = ...) -> None: ...

class CategoryTally(_message.Message):
    __slots__ = ("category", "units")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    category: str
    units: int
    def __init__(self, category: _Optional[str] = ..., units: _Optional[int] = ...) -> None: ...

class Transition(_message.Message):
    __slots__ = ("from_category", "to_category", "units")
    FROM_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TO_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    from_category: str
    to_category: str
    units: int
    def __init__(self, from_category: _Optional[str] = ..., to_category: _Optional[str] = ..., units: _Optional[int] = ...) -> None: ...

class ComparisonSummary(_message.Message):
    __slots__ = ("year", "baseline", "scenario", "units", "counts_before", "counts_after", "mean_before", "mean_after", "moved_up", "moved_down", "changed_category", "changed_index", "transitions")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_BEFORE_FIELD_NUMBER: _ClassVar[int]
    COUNTS_AFTER_FIELD_NUMBER: _ClassVar[int]
    MEAN_BEFORE_FIELD_NUMBER: _ClassVar[int]
    MEAN_AFTER_FIELD_NUMBER: _ClassVar[int]
    MOVED_UP_FIELD_NUMBER: _ClassVar[int]
    MOVED_DOWN_FIELD_NUMBER: _ClassVar[int]
    CHANGED_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_INDEX_FIELD_NUMBER: _ClassVar[int]
    TRANSITIONS_FIELD_NUMBER: _ClassVar[int]
    year: int
    baseline: _scoring_pb2.Provenance
    scenario: _scoring_pb2.Provenance
    units: int
    counts_before: _containers.RepeatedCompositeFieldContainer[CategoryTally]
    counts_after: _containers.RepeatedCompositeFieldContainer[CategoryTally]
    mean_before: float
    mean_after: float
    moved_up: int
    moved_down: int
    changed_category: int
    changed_index: int
    transitions: _containers.RepeatedCompositeFieldContainer[Transition]
    def __init__(self, year: _Optional[int] = ..., baseline: _Optional[_Union[_scoring_pb2.Provenance, _Mapping]] = ..., scenario: _Optional[_Union[_scoring_pb2.Provenance, _Mapping]] = ..., units: _Optional[int] = ..., counts_before: _Optional[_Iterable[_Union[CategoryTally, _Mapping]]] = ..., counts_after: _Optional[_Iterable[_Union[CategoryTally, _Mapping]]] = ..., mean_before: _Optional[float] = ..., mean_after: _Optional[float] = ..., moved_up: _Optional[int] = ..., moved_down: _Optional[int] = ..., changed_category: _Optional[int] = ..., changed_index: _Optional[int] = ..., transitions: _Optional[_Iterable[_Union[Transition, _Mapping]]] = ...) -> None: ...

class UnitChange(_message.Message):
    __slots__ = ("row", "unit_id", "group", "name", "year", "index_raw_before", "index_before", "category_before", "index_raw_after", "index_after", "category_after", "delta", "direction", "capped_levers", "published_adjustment")
    ROW_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    INDEX_RAW_BEFORE_FIELD_NUMBER: _ClassVar[int]
    INDEX_BEFORE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_BEFORE_FIELD_NUMBER: _ClassVar[int]
    INDEX_RAW_AFTER_FIELD_NUMBER: _ClassVar[int]
    INDEX_AFTER_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_AFTER_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    CAPPED_LEVERS_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_ADJUSTMENT_FIELD_NUMBER: _ClassVar[int]
    row: int
    unit_id: str
    group: str
    name: str
    year: int
    index_raw_before: float
    index_before: float
    category_before: str
    index_raw_after: float
    index_after: float
    category_after: str
    delta: float
    direction: Direction
    capped_levers: _containers.RepeatedScalarFieldContainer[str]
    published_adjustment: float
    def __init__(self, row: _Optional[int] = ..., unit_id: _Optional[str] = ..., group: _Optional[str] = ..., name: _Optional[str] = ..., year: _Optional[int] = ..., index_raw_before: _Optional[float] = ..., index_before: _Optional[float] = ..., category_before: _Optional[str] = ..., index_raw_after: _Optional[float] = ..., index_after: _Optional[float] = ..., category_after: _Optional[str] = ..., delta: _Optional[float] = ..., direction: _Optional[_Union[Direction, str]] = ..., capped_levers: _Optional[_Iterable[str]] = ..., published_adjustment: _Optional[float] = ...) -> None: ...

class UnitChanges(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[UnitChange]
    def __init__(self, rows: _Optional[_Iterable[_Union[UnitChange, _Mapping]]] = ...) -> None: ...

class SimulationSummary(_message.Message):
    __slots__ = ("scenario_name", "dataset", "dataset_sha256", "units", "excluded", "capped_units", "comparisons", "decision_id", "rows", "adjusted_rows", "adjustment_min", "adjustment_max", "rows_needing_class_table")
    SCENARIO_NAME_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    DATASET_SHA256_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    CAPPED_UNITS_FIELD_NUMBER: _ClassVar[int]
    COMPARISONS_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    ADJUSTED_ROWS_FIELD_NUMBER: _ClassVar[int]
    ADJUSTMENT_MIN_FIELD_NUMBER: _ClassVar[int]
    ADJUSTMENT_MAX_FIELD_NUMBER: _ClassVar[int]
    ROWS_NEEDING_CLASS_TABLE_FIELD_NUMBER: _ClassVar[int]
    scenario_name: str
    dataset: str
    dataset_sha256: str
    units: int
    excluded: int
    capped_units: int
    comparisons: _containers.RepeatedCompositeFieldContainer[ComparisonSummary]
    decision_id: str
    rows: int
    adjusted_rows: int
    adjustment_min: float
    adjustment_max: float
    rows_needing_class_table: int
    def __init__(self, scenario_name: _Optional[str] = ..., dataset: _Optional[str] = ..., dataset_sha256: _Optional[str] = ..., units: _Optional[int] = ..., excluded: _Optional[int] = ..., capped_units: _Optional[int] = ..., comparisons: _Optional[_Iterable[_Union[ComparisonSummary, _Mapping]]] = ..., decision_id: _Optional[str] = ..., rows: _Optional[int] = ..., adjusted_rows: _Optional[int] = ..., adjustment_min: _Optional[float] = ..., adjustment_max: _Optional[float] = ..., rows_needing_class_table: _Optional[int] = ...) -> None: ...

class SimulateResponse(_message.Message):
    __slots__ = ("summary", "rows")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    summary: SimulationSummary
    rows: UnitChanges
    def __init__(self, summary: _Optional[_Union[SimulationSummary, _Mapping]] = ..., rows: _Optional[_Union[UnitChanges, _Mapping]] = ...) -> None: ...

class Target(_message.Message):
    __slots__ = ("category", "index")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    category: str
    index: float
    def __init__(self, category: _Optional[str] = ..., index: _Optional[float] = ...) -> None: ...

class LeverCost(_message.Message):
    __slots__ = ("lever", "cost_per_point", "max_change")
    LEVER_FIELD_NUMBER: _ClassVar[int]
    COST_PER_POINT_FIELD_NUMBER: _ClassVar[int]
    MAX_CHANGE_FIELD_NUMBER: _ClassVar[int]
    lever: str
    cost_per_point: float
    max_change: float
    def __init__(self, lever: _Optional[str] = ..., cost_per_point: _Optional[float] = ..., max_change: _Optional[float] = ...) -> None: ...

class GoalSeekRequest(_message.Message):
    __slots__ = ("ruleset_id", "units", "target", "levers", "costs")
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    LEVERS_FIELD_NUMBER: _ClassVar[int]
    COSTS_FIELD_NUMBER: _ClassVar[int]
    ruleset_id: str
    units: UnitSelection
    target: Target
    levers: _containers.RepeatedScalarFieldContainer[str]
    costs: _containers.RepeatedCompositeFieldContainer[LeverCost]
    def __init__(self, ruleset_id: _Optional[str] = ..., units: _Optional[_Union[UnitSelection, _Mapping]] = ..., target: _Optional[_Union[Target, _Mapping]] = ..., levers: _Optional[_Iterable[str]] = ..., costs: _Optional[_Iterable[_Union[LeverCost, _Mapping]]] = ...) -> None: ...

class LeverAnswer(_message.Message):
    __slots__ = ("lever", "status", "change", "new_value", "new_index", "new_category", "reason")
    LEVER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUE_FIELD_NUMBER: _ClassVar[int]
    NEW_INDEX_FIELD_NUMBER: _ClassVar[int]
    NEW_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    lever: str
    status: GoalStatus
    change: float
    new_value: float
    new_index: float
    new_category: str
    reason: str
    def __init__(self, lever: _Optional[str] = ..., status: _Optional[_Union[GoalStatus, str]] = ..., change: _Optional[float] = ..., new_value: _Optional[float] = ..., new_index: _Optional[float] = ..., new_category: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class LeverChange(_message.Message):
    __slots__ = ("lever", "change")
    LEVER_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    lever: str
    change: float
    def __init__(self, lever: _Optional[str] = ..., change: _Optional[float] = ...) -> None: ...

class PlanAnswer(_message.Message):
    __slots__ = ("feasible", "changes", "cost", "lp_cost", "best_single_cost", "new_index", "new_category")
    FEASIBLE_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    LP_COST_FIELD_NUMBER: _ClassVar[int]
    BEST_SINGLE_COST_FIELD_NUMBER: _ClassVar[int]
    NEW_INDEX_FIELD_NUMBER: _ClassVar[int]
    NEW_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    feasible: bool
    changes: _containers.RepeatedCompositeFieldContainer[LeverChange]
    cost: float
    lp_cost: float
    best_single_cost: float
    new_index: float
    new_category: str
    def __init__(self, feasible: _Optional[bool] = ..., changes: _Optional[_Iterable[_Union[LeverChange, _Mapping]]] = ..., cost: _Optional[float] = ..., lp_cost: _Optional[float] = ..., best_single_cost: _Optional[float] = ..., new_index: _Optional[float] = ..., new_category: _Optional[str] = ...) -> None: ...

class UnitGoal(_message.Message):
    __slots__ = ("unit_id", "group", "index", "category", "target_index", "direction", "levers", "plan")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TARGET_INDEX_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    LEVERS_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    group: str
    index: float
    category: str
    target_index: float
    direction: TargetDirection
    levers: _containers.RepeatedCompositeFieldContainer[LeverAnswer]
    plan: PlanAnswer
    def __init__(self, unit_id: _Optional[str] = ..., group: _Optional[str] = ..., index: _Optional[float] = ..., category: _Optional[str] = ..., target_index: _Optional[float] = ..., direction: _Optional[_Union[TargetDirection, str]] = ..., levers: _Optional[_Iterable[_Union[LeverAnswer, _Mapping]]] = ..., plan: _Optional[_Union[PlanAnswer, _Mapping]] = ...) -> None: ...

class GoalSeekResponse(_message.Message):
    __slots__ = ("target", "units", "costs", "provenance", "decision_id")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    COSTS_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    target: str
    units: _containers.RepeatedCompositeFieldContainer[UnitGoal]
    costs: _containers.RepeatedCompositeFieldContainer[LeverCost]
    provenance: _scoring_pb2.Provenance
    decision_id: str
    def __init__(self, target: _Optional[str] = ..., units: _Optional[_Iterable[_Union[UnitGoal, _Mapping]]] = ..., costs: _Optional[_Iterable[_Union[LeverCost, _Mapping]]] = ..., provenance: _Optional[_Union[_scoring_pb2.Provenance, _Mapping]] = ..., decision_id: _Optional[str] = ...) -> None: ...

class SensitivityRequest(_message.Message):
    __slots__ = ("ruleset_id", "units", "levers")
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    LEVERS_FIELD_NUMBER: _ClassVar[int]
    ruleset_id: str
    units: UnitSelection
    levers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ruleset_id: _Optional[str] = ..., units: _Optional[_Union[UnitSelection, _Mapping]] = ..., levers: _Optional[_Iterable[str]] = ...) -> None: ...

class LeverSlope(_message.Message):
    __slots__ = ("lever", "slope")
    LEVER_FIELD_NUMBER: _ClassVar[int]
    SLOPE_FIELD_NUMBER: _ClassVar[int]
    lever: str
    slope: float
    def __init__(self, lever: _Optional[str] = ..., slope: _Optional[float] = ...) -> None: ...

class LeverReach(_message.Message):
    __slots__ = ("lever", "up", "down")
    LEVER_FIELD_NUMBER: _ClassVar[int]
    UP_FIELD_NUMBER: _ClassVar[int]
    DOWN_FIELD_NUMBER: _ClassVar[int]
    lever: str
    up: LeverAnswer
    down: LeverAnswer
    def __init__(self, lever: _Optional[str] = ..., up: _Optional[_Union[LeverAnswer, _Mapping]] = ..., down: _Optional[_Union[LeverAnswer, _Mapping]] = ...) -> None: ...

class UnitSensitivity(_message.Message):
    __slots__ = ("unit_id", "group", "index", "category", "levers", "ranked")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LEVERS_FIELD_NUMBER: _ClassVar[int]
    RANKED_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    group: str
    index: float
    category: str
    levers: _containers.RepeatedCompositeFieldContainer[LeverReach]
    ranked: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, unit_id: _Optional[str] = ..., group: _Optional[str] = ..., index: _Optional[float] = ..., category: _Optional[str] = ..., levers: _Optional[_Iterable[_Union[LeverReach, _Mapping]]] = ..., ranked: _Optional[_Iterable[str]] = ...) -> None: ...

class SensitivityResponse(_message.Message):
    __slots__ = ("slopes", "units", "provenance", "decision_id")
    SLOPES_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    slopes: _containers.RepeatedCompositeFieldContainer[LeverSlope]
    units: _containers.RepeatedCompositeFieldContainer[UnitSensitivity]
    provenance: _scoring_pb2.Provenance
    decision_id: str
    def __init__(self, slopes: _Optional[_Iterable[_Union[LeverSlope, _Mapping]]] = ..., units: _Optional[_Iterable[_Union[UnitSensitivity, _Mapping]]] = ..., provenance: _Optional[_Union[_scoring_pb2.Provenance, _Mapping]] = ..., decision_id: _Optional[str] = ...) -> None: ...

class AxisRange(_message.Message):
    __slots__ = ("start", "stop", "step")
    START_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    start: float
    stop: float
    step: float
    def __init__(self, start: _Optional[float] = ..., stop: _Optional[float] = ..., step: _Optional[float] = ...) -> None: ...

class AxisValues(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, values: _Optional[_Iterable[float]] = ...) -> None: ...

class SweepAxis(_message.Message):
    __slots__ = ("lever", "range", "list")
    LEVER_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    lever: str
    range: AxisRange
    list: AxisValues
    def __init__(self, lever: _Optional[str] = ..., range: _Optional[_Union[AxisRange, _Mapping]] = ..., list: _Optional[_Union[AxisValues, _Mapping]] = ...) -> None: ...

class SweepRequest(_message.Message):
    __slots__ = ("ruleset_id", "units", "axes", "with_crossings", "chunk_size")
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    AXES_FIELD_NUMBER: _ClassVar[int]
    WITH_CROSSINGS_FIELD_NUMBER: _ClassVar[int]
    CHUNK_SIZE_FIELD_NUMBER: _ClassVar[int]
    ruleset_id: str
    units: UnitSelection
    axes: _containers.RepeatedCompositeFieldContainer[SweepAxis]
    with_crossings: bool
    chunk_size: int
    def __init__(self, ruleset_id: _Optional[str] = ..., units: _Optional[_Union[UnitSelection, _Mapping]] = ..., axes: _Optional[_Iterable[_Union[SweepAxis, _Mapping]]] = ..., with_crossings: _Optional[bool] = ..., chunk_size: _Optional[int] = ...) -> None: ...

class Crossing(_message.Message):
    __slots__ = ("value", "category")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    value: float
    category: str
    def __init__(self, value: _Optional[float] = ..., category: _Optional[str] = ...) -> None: ...

class SweptUnit(_message.Message):
    __slots__ = ("unit_id", "group", "current", "index", "category", "crossings")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CROSSINGS_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    group: str
    current: _containers.RepeatedScalarFieldContainer[float]
    index: float
    category: str
    crossings: _containers.RepeatedCompositeFieldContainer[Crossing]
    def __init__(self, unit_id: _Optional[str] = ..., group: _Optional[str] = ..., current: _Optional[_Iterable[float]] = ..., index: _Optional[float] = ..., category: _Optional[str] = ..., crossings: _Optional[_Iterable[_Union[Crossing, _Mapping]]] = ...) -> None: ...

class SweepSummary(_message.Message):
    __slots__ = ("levers", "sizes", "units", "points", "provenance", "decision_id")
    LEVERS_FIELD_NUMBER: _ClassVar[int]
    SIZES_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    levers: _containers.RepeatedScalarFieldContainer[str]
    sizes: _containers.RepeatedScalarFieldContainer[int]
    units: _containers.RepeatedCompositeFieldContainer[SweptUnit]
    points: int
    provenance: _scoring_pb2.Provenance
    decision_id: str
    def __init__(self, levers: _Optional[_Iterable[str]] = ..., sizes: _Optional[_Iterable[int]] = ..., units: _Optional[_Iterable[_Union[SweptUnit, _Mapping]]] = ..., points: _Optional[int] = ..., provenance: _Optional[_Union[_scoring_pb2.Provenance, _Mapping]] = ..., decision_id: _Optional[str] = ...) -> None: ...

class SweepPoint(_message.Message):
    __slots__ = ("unit", "x", "y", "index_raw", "index", "category")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    INDEX_RAW_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    unit: int
    x: float
    y: float
    index_raw: float
    index: float
    category: str
    def __init__(self, unit: _Optional[int] = ..., x: _Optional[float] = ..., y: _Optional[float] = ..., index_raw: _Optional[float] = ..., index: _Optional[float] = ..., category: _Optional[str] = ...) -> None: ...

class SweepPoints(_message.Message):
    __slots__ = ("points",)
    POINTS_FIELD_NUMBER: _ClassVar[int]
    points: _containers.RepeatedCompositeFieldContainer[SweepPoint]
    def __init__(self, points: _Optional[_Iterable[_Union[SweepPoint, _Mapping]]] = ...) -> None: ...

class SweepResponse(_message.Message):
    __slots__ = ("summary", "points")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    summary: SweepSummary
    points: SweepPoints
    def __init__(self, summary: _Optional[_Union[SweepSummary, _Mapping]] = ..., points: _Optional[_Union[SweepPoints, _Mapping]] = ...) -> None: ...

class ComponentValues(_message.Message):
    __slots__ = ("internal", "external", "expert")
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    internal: float
    external: float
    expert: float
    def __init__(self, internal: _Optional[float] = ..., external: _Optional[float] = ..., expert: _Optional[float] = ...) -> None: ...

class StandardErrors(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[ComponentValues]
    def __init__(self, units: _Optional[_Iterable[_Union[ComponentValues, _Mapping]]] = ...) -> None: ...

class RespondentSample(_message.Message):
    __slots__ = ("respondents", "deviations", "population")
    RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    DEVIATIONS_FIELD_NUMBER: _ClassVar[int]
    POPULATION_FIELD_NUMBER: _ClassVar[int]
    respondents: ComponentValues
    deviations: ComponentValues
    population: ComponentValues
    def __init__(self, respondents: _Optional[_Union[ComponentValues, _Mapping]] = ..., deviations: _Optional[_Union[ComponentValues, _Mapping]] = ..., population: _Optional[_Union[ComponentValues, _Mapping]] = ...) -> None: ...

class RespondentSamples(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[RespondentSample]
    def __init__(self, units: _Optional[_Iterable[_Union[RespondentSample, _Mapping]]] = ...) -> None: ...

class SamplingInput(_message.Message):
    __slots__ = ("standard_errors", "respondents")
    STANDARD_ERRORS_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    standard_errors: StandardErrors
    respondents: RespondentSamples
    def __init__(self, standard_errors: _Optional[_Union[StandardErrors, _Mapping]] = ..., respondents: _Optional[_Union[RespondentSamples, _Mapping]] = ...) -> None: ...

class EstimateUncertaintyRequest(_message.Message):
    __slots__ = ("ruleset_id", "units", "sampling", "level", "draws", "seed", "certainty")
    RULESET_ID_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    SAMPLING_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    DRAWS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    CERTAINTY_FIELD_NUMBER: _ClassVar[int]
    ruleset_id: str
    units: UnitSelection
    sampling: SamplingInput
    level: float
    draws: int
    seed: int
    certainty: float
    def __init__(self, ruleset_id: _Optional[str] = ..., units: _Optional[_Union[UnitSelection, _Mapping]] = ..., sampling: _Optional[_Union[SamplingInput, _Mapping]] = ..., level: _Optional[float] = ..., draws: _Optional[int] = ..., seed: _Optional[int] = ..., certainty: _Optional[float] = ...) -> None: ...

class CategoryProbability(_message.Message):
    __slots__ = ("category", "probability", "error")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    category: str
    probability: float
    error: float
    def __init__(self, category: _Optional[str] = ..., probability: _Optional[float] = ..., error: _Optional[float] = ...) -> None: ...

class MonteCarloAnswer(_message.Message):
    __slots__ = ("probabilities", "mean_index", "standard_error", "ci_low", "ci_high")
    PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    MEAN_INDEX_FIELD_NUMBER: _ClassVar[int]
    STANDARD_ERROR_FIELD_NUMBER: _ClassVar[int]
    CI_LOW_FIELD_NUMBER: _ClassVar[int]
    CI_HIGH_FIELD_NUMBER: _ClassVar[int]
    probabilities: _containers.RepeatedCompositeFieldContainer[CategoryProbability]
    mean_index: float
    standard_error: float
    ci_low: float
    ci_high: float
    def __init__(self, probabilities: _Optional[_Iterable[_Union[CategoryProbability, _Mapping]]] = ..., mean_index: _Optional[float] = ..., standard_error: _Optional[float] = ..., ci_low: _Optional[float] = ..., ci_high: _Optional[float] = ...) -> None: ...

class CertaintyAnswer(_message.Message):
    __slots__ = ("status", "probability", "factor", "respondents", "additional", "factor_alone", "respondents_alone", "probability_after")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    FACTOR_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_FIELD_NUMBER: _ClassVar[int]
    FACTOR_ALONE_FIELD_NUMBER: _ClassVar[int]
    RESPONDENTS_ALONE_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_AFTER_FIELD_NUMBER: _ClassVar[int]
    status: CertaintyStatus
    probability: float
    factor: float
    respondents: ComponentValues
    additional: ComponentValues
    factor_alone: ComponentValues
    respondents_alone: ComponentValues
    probability_after: float
    def __init__(self, status: _Optional[_Union[CertaintyStatus, str]] = ..., probability: _Optional[float] = ..., factor: _Optional[float] = ..., respondents: _Optional[_Union[ComponentValues, _Mapping]] = ..., additional: _Optional[_Union[ComponentValues, _Mapping]] = ..., factor_alone: _Optional[_Union[ComponentValues, _Mapping]] = ..., respondents_alone: _Optional[_Union[ComponentValues, _Mapping]] = ..., probability_after: _Optional[float] = ...) -> None: ...

class UnitUncertainty(_message.Message):
    __slots__ = ("unit_id", "group", "index", "category", "standard_error", "ci_low", "ci_high", "probabilities", "monte_carlo", "certainty")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STANDARD_ERROR_FIELD_NUMBER: _ClassVar[int]
    CI_LOW_FIELD_NUMBER: _ClassVar[int]
    CI_HIGH_FIELD_NUMBER: _ClassVar[int]
    PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    MONTE_CARLO_FIELD_NUMBER: _ClassVar[int]
    CERTAINTY_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    group: str
    index: float
    category: str
    standard_error: float
    ci_low: float
    ci_high: float
    probabilities: _containers.RepeatedCompositeFieldContainer[CategoryProbability]
    monte_carlo: MonteCarloAnswer
    certainty: CertaintyAnswer
    def __init__(self, unit_id: _Optional[str] = ..., group: _Optional[str] = ..., index: _Optional[float] = ..., category: _Optional[str] = ..., standard_error: _Optional[float] = ..., ci_low: _Optional[float] = ..., ci_high: _Optional[float] = ..., probabilities: _Optional[_Iterable[_Union[CategoryProbability, _Mapping]]] = ..., monte_carlo: _Optional[_Union[MonteCarloAnswer, _Mapping]] = ..., certainty: _Optional[_Union[CertaintyAnswer, _Mapping]] = ...) -> None: ...

class EstimateUncertaintyResponse(_message.Message):
    __slots__ = ("level", "draws", "seed", "certainty", "units", "provenance", "decision_id")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    DRAWS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    CERTAINTY_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    level: float
    draws: int
    seed: int
    certainty: float
    units: _containers.RepeatedCompositeFieldContainer[UnitUncertainty]
    provenance: _scoring_pb2.Provenance
    decision_id: str
    def __init__(self, level: _Optional[float] = ..., draws: _Optional[int] = ..., seed: _Optional[int] = ..., certainty: _Optional[float] = ..., units: _Optional[_Iterable[_Union[UnitUncertainty, _Mapping]]] = ..., provenance: _Optional[_Union[_scoring_pb2.Provenance, _Mapping]] = ..., decision_id: _Optional[str] = ...) -> None: ...

class VariantOf(_message.Message):
    __slots__ = ("base_id", "variant")
    BASE_ID_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    base_id: str
    variant: RulesetVariant
    def __init__(self, base_id: _Optional[str] = ..., variant: _Optional[_Union[RulesetVariant, _Mapping]] = ...) -> None: ...

class RulesetChoice(_message.Message):
    __slots__ = ("id", "ruleset", "variant")
    ID_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    id: str
    ruleset: _ruleset_pb2.Ruleset
    variant: VariantOf
    def __init__(self, id: _Optional[str] = ..., ruleset: _Optional[_Union[_ruleset_pb2.Ruleset, _Mapping]] = ..., variant: _Optional[_Union[VariantOf, _Mapping]] = ...) -> None: ...

class CompareRulesetsRequest(_message.Message):
    __slots__ = ("old", "new", "units", "changed_only", "chunk_size")
    OLD_FIELD_NUMBER: _ClassVar[int]
    NEW_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    CHANGED_ONLY_FIELD_NUMBER: _ClassVar[int]
    CHUNK_SIZE_FIELD_NUMBER: _ClassVar[int]
    old: RulesetChoice
    new: RulesetChoice
    units: UnitSelection
    changed_only: bool
    chunk_size: int
    def __init__(self, old: _Optional[_Union[RulesetChoice, _Mapping]] = ..., new: _Optional[_Union[RulesetChoice, _Mapping]] = ..., units: _Optional[_Union[UnitSelection, _Mapping]] = ..., changed_only: _Optional[bool] = ..., chunk_size: _Optional[int] = ...) -> None: ...

class Quantile(_message.Message):
    __slots__ = ("level", "change")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    level: float
    change: float
    def __init__(self, level: _Optional[float] = ..., change: _Optional[float] = ...) -> None: ...

class HistogramBin(_message.Message):
    __slots__ = ("low", "high", "units")
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    low: float
    high: float
    units: int
    def __init__(self, low: _Optional[float] = ..., high: _Optional[float] = ..., units: _Optional[int] = ...) -> None: ...

class ImpactSummary(_message.Message):
    __slots__ = ("comparison", "changed", "quantiles", "histogram", "dataset", "rows", "decision_id")
    COMPARISON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    HISTOGRAM_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    comparison: ComparisonSummary
    changed: bool
    quantiles: _containers.RepeatedCompositeFieldContainer[Quantile]
    histogram: _containers.RepeatedCompositeFieldContainer[HistogramBin]
    dataset: str
    rows: int
    decision_id: str
    def __init__(self, comparison: _Optional[_Union[ComparisonSummary, _Mapping]] = ..., changed: _Optional[bool] = ..., quantiles: _Optional[_Iterable[_Union[Quantile, _Mapping]]] = ..., histogram: _Optional[_Iterable[_Union[HistogramBin, _Mapping]]] = ..., dataset: _Optional[str] = ..., rows: _Optional[int] = ..., decision_id: _Optional[str] = ...) -> None: ...

class CompareRulesetsResponse(_message.Message):
    __slots__ = ("summary", "rows")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    summary: ImpactSummary
    rows: UnitChanges
    def __init__(self, summary: _Optional[_Union[ImpactSummary, _Mapping]] = ..., rows: _Optional[_Union[UnitChanges, _Mapping]] = ...) -> None: ...

class ListDatasetsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DatasetSummary(_message.Message):
    __slots__ = ("name", "origin", "sha256", "rows", "years", "groups")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    YEARS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    name: str
    origin: str
    sha256: str
    rows: int
    years: _containers.RepeatedScalarFieldContainer[int]
    groups: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., origin: _Optional[str] = ..., sha256: _Optional[str] = ..., rows: _Optional[int] = ..., years: _Optional[_Iterable[int]] = ..., groups: _Optional[_Iterable[str]] = ...) -> None: ...

class ListDatasetsResponse(_message.Message):
    __slots__ = ("datasets",)
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    datasets: _containers.RepeatedCompositeFieldContainer[DatasetSummary]
    def __init__(self, datasets: _Optional[_Iterable[_Union[DatasetSummary, _Mapping]]] = ...) -> None: ...

class ListDatasetUnitsRequest(_message.Message):
    __slots__ = ("units", "name_contains")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    NAME_CONTAINS_FIELD_NUMBER: _ClassVar[int]
    units: UnitSelection
    name_contains: str
    def __init__(self, units: _Optional[_Union[UnitSelection, _Mapping]] = ..., name_contains: _Optional[str] = ...) -> None: ...

class DatasetUnit(_message.Message):
    __slots__ = ("input", "name", "year", "published_index", "flag")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_INDEX_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    input: _scoring_pb2.UnitInput
    name: str
    year: int
    published_index: float
    flag: str
    def __init__(self, input: _Optional[_Union[_scoring_pb2.UnitInput, _Mapping]] = ..., name: _Optional[str] = ..., year: _Optional[int] = ..., published_index: _Optional[float] = ..., flag: _Optional[str] = ...) -> None: ...

class ListDatasetUnitsResponse(_message.Message):
    __slots__ = ("dataset", "dataset_sha256", "units")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    DATASET_SHA256_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    dataset_sha256: str
    units: _containers.RepeatedCompositeFieldContainer[DatasetUnit]
    def __init__(self, dataset: _Optional[str] = ..., dataset_sha256: _Optional[str] = ..., units: _Optional[_Iterable[_Union[DatasetUnit, _Mapping]]] = ...) -> None: ...
