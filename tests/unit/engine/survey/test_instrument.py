"""Instruments: the bundled example, identity, and every validation rule with its field path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from google.protobuf import text_format

from spi.v1 import instrument_pb2 as ipb
from spi_engine.survey import (
    InvalidInstrumentError,
    UnknownInstrumentError,
    bundled_instrument,
    bundled_instrument_ids,
    load_instrument,
    parse_instrument,
)
from spi_engine.survey.instrument import from_message
from tests.unit.engine.survey.fixtures import TINY

Edit = Callable[[ipb.Instrument], None]


def test_bundled_example_has_the_spi_dimensions_and_says_it_is_an_example() -> None:
    inst = bundled_instrument("example-survey")
    assert bundled_instrument_ids() == ("example-survey",)
    groups = {
        g: [d for d, dg in zip(inst.dimension_ids, inst.dimension_group, strict=True) if dg == g]
        for g in range(3)
    }
    assert groups[0] == [
        "transparency",
        "integrity-in-duties",
        "procurement",
        "hr-management",
        "trading-in-influence",
        "budget-management",
        "anti-corruption-socialisation",
    ]
    assert groups[1] == ["employee-integrity", "service-transparency", "corruption-prevention"]
    assert groups[2] == ["expert-view"]
    assert "NOT KPK's questionnaire" in inst.label
    message = inst.to_message()
    assert message.provenance.basis == 3  # BASIS_ASSUMED
    assert "not KPK" in message.provenance.note
    assert all(inst.follow_up_actions)
    assert inst.local_rule is not None
    assert inst.local_rule.label.startswith("Local rule (not KPK's)")


def test_equal_weights_unless_stated() -> None:
    inst = bundled_instrument()
    internal = inst.dimension_weight[inst.dimension_group == 0]
    assert internal.tolist() == pytest.approx([1 / 7] * 7)


def test_sha256_ignores_comments_and_layout(tmp_path: Path) -> None:
    first = parse_instrument(TINY)
    second = parse_instrument("# a comment\n" + TINY.replace("\n", "\n\n"))
    assert first.sha256 == second.sha256
    assert len(first.sha256) == 64
    changed = parse_instrument(TINY.replace('version: "1"', 'version: "2"'))
    assert changed.sha256 != first.sha256
    binary = tmp_path / "tiny.binpb"
    binary.write_bytes(first.binary)
    assert load_instrument(binary).sha256 == first.sha256


def test_load_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txtpb"
    path.write_text(TINY, encoding="utf-8")
    assert load_instrument(path).id == "tiny"


def test_unknown_bundled_id_lists_the_known_ones() -> None:
    with pytest.raises(
        UnknownInstrumentError,
        match="unknown instrument 'nope'; bundled instruments: example-survey",
    ):
        bundled_instrument("nope")


def test_syntax_errors_name_line_and_column() -> None:
    with pytest.raises(InvalidInstrumentError) as caught:
        parse_instrument('id: "x"\nlabel: 3 4\n', "bad.txtpb")
    assert str(caught.value).startswith("bad.txtpb: line 2, column")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInstrumentError, match="cannot read the file"):
        load_instrument(tmp_path / "missing.txtpb")


def _tiny() -> ipb.Instrument:
    return text_format.Parse(TINY, ipb.Instrument())


def _set(path: str, value: object) -> Edit:
    def edit(m: ipb.Instrument) -> None:
        *parents, leaf = path.split(".")
        target = m
        for part in parents:
            name, _, index = part.partition("[")
            target = getattr(target, name)
            if index:
                target = target[int(index.rstrip("]"))]
        setattr(target, leaf, value)

    return edit


def _clear(path: str) -> Edit:
    def edit(m: ipb.Instrument) -> None:
        m.ClearField(path)

    return edit


def _add_item(**fields: object) -> Edit:
    def edit(m: ipb.Instrument) -> None:
        m.items.add(**fields)

    return edit


BAD: list[tuple[str, Edit, str, str]] = [
    ("id", _set("id", "Bad Id"), "id", "expected 1-64 lower-case letters"),
    ("label", _set("label", " "), "label", "expected a non-empty label"),
    ("provenance", _clear("provenance"), "provenance", "expected a reference"),
    ("codes clash", _set("answer_codes.no", 1), "answer_codes", "expected distinct codes"),
    (
        "code range",
        _set("answer_codes.dont_know", 101),
        "answer_codes.dont_know",
        "expected a code from 0 to 100",
    ),
    (
        "dim id",
        _set("dimensions[1].id", "open"),
        "dimensions[1].id",
        "expected a unique id; 'open' is repeated",
    ),
    (
        "dim group",
        _set("dimensions[0].group", 0),
        "dimensions[0].group",
        "expected RESPONDENT_GROUP_INTERNAL",
    ),
    (
        "weights all or none",
        _set("dimensions[0].weight", 1.0),
        "dimensions[1].weight",
        "expected a weight: other dimensions of RESPONDENT_GROUP_INTERNAL state theirs",
    ),
    ("item id", _set("items[0].id", "1x"), "items[0].id", "expected a column name"),
    (
        "reserved",
        _set("items[0].id", "unit_id"),
        "items[0].id",
        "'unit_id' is a reserved column name",
    ),
    (
        "unknown dim",
        _set("items[0].dimension", "nope"),
        "items[0].dimension",
        "expected one of the dimension ids; got 'nope'",
    ),
    (
        "item group",
        _set("items[0].group", 2),
        "items[0].group",
        "expected the group of dimension 'open'",
    ),
    (
        "scale",
        _set("items[0].scale_points", 11),
        "items[0].scale_points",
        "expected 2 to 10 points; got 11",
    ),
    (
        "dk inside scale",
        _set("answer_codes.dont_know", 3),
        "items[0].scale_points",
        "the don't-know code 3 is an answer",
    ),
    (
        "yes/no good",
        _set("items[2].good_answer", 0),
        "items[2].good_answer",
        "expected GOOD_ANSWER_YES or GOOD_ANSWER_NO",
    ),
    (
        "likert good",
        _set("items[0].good_answer", 1),
        "items[0].good_answer",
        "expected no good answer",
    ),
    (
        "answer type",
        _set("items[0].answer_type", 0),
        "items[0].answer_type",
        "expected ANSWER_TYPE_LIKERT",
    ),
    (
        "blank item",
        _add_item(),
        "items[5].id",
        "expected a column name",
    ),
    ("z", _set("sampling.confidence_z", 0.0), "sampling.confidence_z", "expected a number > 0"),
    (
        "max margin",
        _set("sampling.max_margin", 0.01),
        "sampling.max_margin",
        "expected a fraction from target_margin",
    ),
    (
        "min respondents",
        _set("sampling.min_respondents", 0),
        "sampling.min_respondents",
        "expected at least 1",
    ),
    (
        "speeder",
        _set("screening.speeder_min_seconds", -1.0),
        "screening.speeder_min_seconds",
        "expected a finite number >= 0",
    ),
    (
        "alpha",
        _set("screening.identical_answers_alpha", 1.0),
        "screening.identical_answers_alpha",
        "below 1",
    ),
    (
        "burst",
        _set("screening.burst_min_respondents", 1),
        "screening.burst_min_respondents",
        "expected at least 2",
    ),
    (
        "local label",
        _set("local_integrity_rule.label", "A rule"),
        "local_integrity_rule.label",
        "says the rule is local",
    ),
    (
        "local basis",
        _set("local_integrity_rule.reference.basis", 1),
        "local_integrity_rule.reference.basis",
        "expected BASIS_ASSUMED",
    ),
]


@pytest.mark.parametrize(
    ("edit", "path", "message"), [case[1:] for case in BAD], ids=[case[0] for case in BAD]
)
def test_invalid_instruments_name_the_field(edit: Edit, path: str, message: str) -> None:
    m = _tiny()
    edit(m)
    with pytest.raises(InvalidInstrumentError) as caught:
        from_message(m, "tiny.txtpb")
    fields = {v.field: v.description for v in caught.value.violations}
    assert path in fields, fields
    assert message in fields[path]


def test_a_dimension_without_items_is_an_error() -> None:
    m = _tiny()
    m.dimensions.add(id="empty", label="Empty", group=ipb.RESPONDENT_GROUP_INTERNAL)
    with pytest.raises(
        InvalidInstrumentError, match=r"dimensions\[4\]: dimension 'empty' has no items"
    ):
        from_message(m)
