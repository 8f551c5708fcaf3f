"""The synthetic national survey: shape, determinism, realism, ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from spi_engine import InvalidInputError
from spi_engine.survey import bundled_instrument, generate
from spi_engine.survey.synthetic import _sizes


def test_national_sizes_are_exact() -> None:
    sizes = _sizes(np.random.Generator(np.random.PCG64(2024)), 641, 601_453, 30, 2_554)
    assert int(sizes.sum()) == 601_453
    assert int(sizes.min()) == 30
    assert int(sizes.max()) == 2_554


def test_same_seed_same_bytes_other_seed_other_data() -> None:
    inst = bundled_instrument()
    first = generate(inst, institutions=6, respondents=3_000, seed=9)
    second = generate(inst, institutions=6, respondents=3_000, seed=9)
    other = generate(inst, institutions=6, respondents=3_000, seed=10)
    for name, values in first.columns.items():
        assert np.array_equal(values, second.columns[name]), name
    assert np.array_equal(first.truth, second.truth)
    assert not np.array_equal(first.columns["int_trans_1"], other.columns["int_trans_1"])


def test_groups_sub_units_and_population() -> None:
    inst = bundled_instrument()
    data = generate(inst, institutions=10, respondents=8_000, seed=4)
    groups = data.columns["group"]
    assert set(np.unique(groups).tolist()) == {"internal", "external", "expert"}
    experts = groups == "expert"
    assert (data.columns["sub_unit_id"][experts] == "").all()
    assert (data.columns["sub_unit_id"][~experts] != "").all()
    pop = data.population
    whole = pop["sub_unit_id"] == ""
    assert whole.sum() == 30
    assert (pop["sampled"] <= pop["population"]).all()
    # answers only for the respondent's own group; some don't-know and missing
    internal_item = data.columns["int_trans_1"]
    assert (internal_item[groups != "internal"] == -1).all()
    share_dk = float((internal_item[groups == "internal"] == 9).mean())
    assert 0.005 < share_dk < 0.05


def test_items_are_correlated_within_a_respondent() -> None:
    data = generate(
        bundled_instrument(), institutions=5, respondents=5_000, seed=2, manipulation=False
    )
    a = data.columns["int_trans_1"].astype(float)
    b = data.columns["int_sdm_merit"].astype(float)
    keep = (a > 0) & (a < 9) & (b > 0) & (b < 9)
    assert np.corrcoef(a[keep], b[keep])[0, 1] > 0.2


def test_impossible_shapes_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="expected 30 to 2554 respondents per institution"):
        generate(bundled_instrument(), institutions=10, respondents=100)
