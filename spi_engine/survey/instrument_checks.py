"""Checks an Instrument message and returns every violation, with its field path.

Pure: takes a message, returns violations; ``instrument.from_message`` raises on them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from spi.v1 import instrument_pb2 as ipb
from spi.v1 import ruleset_pb2

from ..errors import Violation
from ..validation import ID_PATTERN, WEIGHT_SUM_TOLERANCE
from ..validation import _reference as reference_violations

ITEM_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
RESERVED_COLUMNS = (
    "respondent_id",
    "unit_id",
    "sub_unit_id",
    "group",
    "completion_seconds",
    "device_fingerprint",
    "submitted_at",
)
"""Column names of respondent files that are not items, in file order (the items go after
``group``): the one list of them."""
MAX_CODE = 100
"""Answer codes are integers from 0 to 100 (held as int8)."""
SCALE_RANGE = (2, 10)
GROUPS = (
    ipb.RESPONDENT_GROUP_INTERNAL,
    ipb.RESPONDENT_GROUP_EXTERNAL,
    ipb.RESPONDENT_GROUP_EXPERT,
)


def validate(instrument: ipb.Instrument) -> list[Violation]:
    """Every violation in ``instrument``; an empty list means it is valid."""
    return [
        *_identity(instrument),
        *_codes(instrument.answer_codes),
        *_dimensions(instrument),
        *_items(instrument),
        *_sampling(instrument),
        *_screening(instrument.screening),
        *_local_rule(instrument),
    ]


def _identity(m: ipb.Instrument) -> Iterator[Violation]:
    if not ID_PATTERN.match(m.id):
        yield Violation(
            "id", f"expected 1-64 lower-case letters, digits, '.', '_' or '-'; got {m.id!r}"
        )
    for name in ("label", "version"):
        if not getattr(m, name).strip():
            yield Violation(name, f"expected a non-empty {name}")
    yield from reference_violations("provenance", m.HasField("provenance"), m.provenance)


def _codes(codes: ipb.AnswerCodes) -> Iterator[Violation]:
    values = {"yes": codes.yes, "no": codes.no, "dont_know": codes.dont_know}
    for name, value in values.items():
        if not 0 <= value <= MAX_CODE:
            yield Violation(
                f"answer_codes.{name}", f"expected a code from 0 to {MAX_CODE}; got {value}"
            )
    if len(set(values.values())) < len(values):
        yield Violation(
            "answer_codes",
            f"expected distinct codes for yes, no and don't know; got {codes.yes}, {codes.no}, "
            f"{codes.dont_know}",
        )


def _group(path: str, value: int) -> Iterator[Violation]:
    if value not in GROUPS:
        yield Violation(
            path, f"expected RESPONDENT_GROUP_INTERNAL, _EXTERNAL or _EXPERT; got {value}"
        )


def _dimensions(m: ipb.Instrument) -> Iterator[Violation]:
    seen: set[str] = set()
    for i, dim in enumerate(m.dimensions):
        path = f"dimensions[{i}]"
        if not ID_PATTERN.match(dim.id):
            yield Violation(f"{path}.id", f"expected a lower-case id; got {dim.id!r}")
        elif dim.id in seen:
            yield Violation(f"{path}.id", f"expected a unique id; {dim.id!r} is repeated")
        seen.add(dim.id)
        if not dim.label.strip():
            yield Violation(f"{path}.label", "expected a non-empty label")
        yield from _group(f"{path}.group", dim.group)
        for j, action in enumerate(dim.follow_up_actions):
            if not action.strip():
                yield Violation(f"{path}.follow_up_actions[{j}]", "expected a non-empty action")
        if dim.HasField("weight"):
            yield from reference_violations(
                f"{path}.weight_reference", dim.HasField("weight_reference"), dim.weight_reference
            )
    yield from _weights(m)
    if not m.dimensions:
        yield Violation("dimensions", "expected at least one dimension")


def _weights(m: ipb.Instrument) -> Iterator[Violation]:
    for group in GROUPS:
        rows = [(i, d) for i, d in enumerate(m.dimensions) if d.group == group]
        stated = [(i, d) for i, d in rows if d.HasField("weight")]
        if not stated:
            continue
        name = ipb.RespondentGroup.Name(group)
        if len(stated) < len(rows):
            first = next(i for i, d in rows if not d.HasField("weight"))
            yield Violation(
                f"dimensions[{first}].weight",
                f"expected a weight: other dimensions of {name} state theirs (all or none)",
            )
        for i, d in stated:
            if not (math.isfinite(d.weight) and d.weight >= 0):
                yield Violation(
                    f"dimensions[{i}].weight", f"expected a finite number >= 0; got {d.weight!r}"
                )
        total = math.fsum(d.weight for _, d in stated)
        if len(stated) == len(rows) and abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
            yield Violation(
                "dimensions",
                f"expected the weights of {name} to sum to 1 (within 1e-9); got {total!r}",
            )


def _items(m: ipb.Instrument) -> Iterator[Violation]:
    dims = {d.id: d for d in m.dimensions}
    seen: set[str] = set()
    for i, item in enumerate(m.items):
        path = f"items[{i}]"
        if not ITEM_ID_PATTERN.match(item.id):
            yield Violation(
                f"{path}.id",
                f"expected a column name (a letter, then letters, digits or '_'; at most 64); got {item.id!r}",
            )
        elif item.id in RESERVED_COLUMNS:
            yield Violation(
                f"{path}.id", f"{item.id!r} is a reserved column name of respondent files"
            )
        elif item.id in seen:
            yield Violation(f"{path}.id", f"expected a unique id; {item.id!r} is repeated")
        seen.add(item.id)
        yield from _group(f"{path}.group", item.group)
        yield from _item_dimension(path, item, dims)
        yield from _answer(path, item, m.answer_codes)
    used = {item.dimension for item in m.items}
    for i, dim in enumerate(m.dimensions):
        if dim.id not in used:
            yield Violation(f"dimensions[{i}]", f"dimension {dim.id!r} has no items")
    if not m.items:
        yield Violation("items", "expected at least one item")


def _item_dimension(
    path: str, item: ipb.SurveyItem, dims: dict[str, ipb.SurveyDimension]
) -> Iterator[Violation]:
    dim = dims.get(item.dimension)
    if dim is None:
        yield Violation(
            f"{path}.dimension", f"expected one of the dimension ids; got {item.dimension!r}"
        )
    elif dim.group != item.group and item.group in GROUPS:
        yield Violation(
            f"{path}.group",
            f"expected the group of dimension {dim.id!r} ({ipb.RespondentGroup.Name(dim.group)}); "
            f"got {ipb.RespondentGroup.Name(item.group)}",
        )


def _answer(path: str, item: ipb.SurveyItem, codes: ipb.AnswerCodes) -> Iterator[Violation]:
    kind = item.answer_type
    low, high = SCALE_RANGE
    if kind in (ipb.ANSWER_TYPE_LIKERT, ipb.ANSWER_TYPE_LIKERT_REVERSED):
        if not low <= item.scale_points <= high:
            yield Violation(
                f"{path}.scale_points", f"expected {low} to {high} points; got {item.scale_points}"
            )
        elif 1 <= codes.dont_know <= item.scale_points:
            yield Violation(
                f"{path}.scale_points",
                f"the don't-know code {codes.dont_know} is an answer of this {item.scale_points}-point scale; "
                "expected a don't-know code outside 1..scale_points",
            )
        if item.good_answer != ipb.GOOD_ANSWER_UNSPECIFIED:
            yield Violation(f"{path}.good_answer", "expected no good answer for a Likert item")
    elif kind == ipb.ANSWER_TYPE_YES_NO:
        if item.scale_points != 0:
            yield Violation(
                f"{path}.scale_points", f"expected 0 for a yes/no item; got {item.scale_points}"
            )
        if item.good_answer not in (ipb.GOOD_ANSWER_YES, ipb.GOOD_ANSWER_NO):
            yield Violation(f"{path}.good_answer", "expected GOOD_ANSWER_YES or GOOD_ANSWER_NO")
    else:
        yield Violation(
            f"{path}.answer_type",
            "expected ANSWER_TYPE_LIKERT, ANSWER_TYPE_LIKERT_REVERSED or ANSWER_TYPE_YES_NO",
        )


def _sampling(m: ipb.Instrument) -> Iterator[Violation]:
    if not m.HasField("sampling"):
        yield Violation("sampling", "expected the sampling rule (margins, groups)")
        return
    s = m.sampling
    if not (math.isfinite(s.confidence_z) and s.confidence_z > 0):
        yield Violation("sampling.confidence_z", f"expected a number > 0; got {s.confidence_z!r}")
    if not 0 < s.proportion < 1:
        yield Violation("sampling.proportion", f"expected a number in (0, 1); got {s.proportion!r}")
    if not 0 < s.target_margin < 1:
        yield Violation(
            "sampling.target_margin", f"expected a fraction in (0, 1); got {s.target_margin!r}"
        )
    if not s.target_margin <= s.max_margin < 1:
        yield Violation(
            "sampling.max_margin",
            f"expected a fraction from target_margin ({s.target_margin!r}) to below 1; got {s.max_margin!r}",
        )
    if s.min_respondents < 1:
        yield Violation("sampling.min_respondents", f"expected at least 1; got {s.min_respondents}")
    if not s.groups:
        yield Violation("sampling.groups", "expected at least one respondent group")
    for i, group in enumerate(s.groups):
        yield from _group(f"sampling.groups[{i}]", group)
        if group in s.groups[:i]:
            yield Violation(f"sampling.groups[{i}]", "expected each group once")
    yield from reference_violations("sampling.reference", s.HasField("reference"), s.reference)


def _screening(s: ipb.ScreeningRules) -> Iterator[Violation]:
    for name in ("speeder_min_seconds", "speeder_min_seconds_per_item", "burst_window_seconds"):
        value = getattr(s, name)
        if not (math.isfinite(value) and value >= 0):
            yield Violation(f"screening.{name}", f"expected a finite number >= 0; got {value!r}")
    for name in (
        "straight_line_min_items",
        "max_submissions_per_device",
        "burst_max_differing_items",
    ):
        if getattr(s, name) < 0:
            yield Violation(f"screening.{name}", f"expected a count >= 0; got {getattr(s, name)}")
    if not 0 <= s.identical_answers_alpha < 1:
        yield Violation(
            "screening.identical_answers_alpha",
            f"expected a probability from 0 (off) to below 1; got {s.identical_answers_alpha!r}",
        )
    if s.burst_window_seconds > 0 and s.burst_min_respondents < 2:
        yield Violation(
            "screening.burst_min_respondents",
            f"expected at least 2 when burst_window_seconds is set; got {s.burst_min_respondents}",
        )
    checks_on = any(
        getattr(s, name) > 0
        for name in (
            "speeder_min_seconds",
            "speeder_min_seconds_per_item",
            "straight_line_min_items",
            "max_submissions_per_device",
            "identical_answers_alpha",
            "burst_window_seconds",
        )
    )
    if checks_on or s.HasField("reference"):
        yield from reference_violations("screening.reference", s.HasField("reference"), s.reference)


def _local_rule(m: ipb.Instrument) -> Iterator[Violation]:
    if not m.HasField("local_integrity_rule"):
        return
    rule, path = m.local_integrity_rule, "local_integrity_rule"
    if "local" not in rule.label.lower():
        yield Violation(
            f"{path}.label", f"expected a label that says the rule is local; got {rule.label!r}"
        )
    if not 0 <= rule.free_percent <= 100:
        yield Violation(f"{path}.free_percent", f"expected 0 to 100; got {rule.free_percent!r}")
    for name in ("points_per_percent", "max_points"):
        value = getattr(rule, name)
        if not (math.isfinite(value) and value >= 0):
            yield Violation(f"{path}.{name}", f"expected a finite number >= 0; got {value!r}")
    for i, reason in enumerate(rule.reasons):
        if reason not in ipb.ExclusionReason.values() or reason == ipb.EXCLUSION_REASON_UNSPECIFIED:
            yield Violation(f"{path}.reasons[{i}]", f"expected an exclusion reason; got {reason}")
    yield from reference_violations(f"{path}.reference", rule.HasField("reference"), rule.reference)
    if rule.reference.basis not in (ruleset_pb2.BASIS_ASSUMED, ruleset_pb2.BASIS_UNSPECIFIED):
        yield Violation(
            f"{path}.reference.basis", "a local rule is an assumption: expected BASIS_ASSUMED"
        )
