"""Agreement of group maps (eegxai.report.group_maps) on planted group truth."""

from __future__ import annotations

import numpy as np
import pytest

from eegxai.report.group_maps import (
    group_agreement,
    group_channel_maps,
    group_csp_patterns,
    zscored,
)

from ._group_fixture import CLASSES, expert, planted_pattern, summary


def _group(planted: bool, seed: int, n_subjects: int = 4):
    rng = np.random.default_rng(seed)
    summaries = [summary(rng, model="shallow", subject=f"sub-{i}", planted=planted)
                 for i in range(n_subjects)]
    return summaries, [expert(rng) for _ in range(n_subjects)]


def test_group_maps_are_means_of_zscored_maps():
    summaries, experts = _group(True, seed=0)
    maps = group_channel_maps(summaries, key="channel_relevance_abs")
    patterns = group_csp_patterns(experts, CLASSES)
    assert list(maps) == CLASSES
    for c in CLASSES:
        # affine copies of one pattern: every z-scored map, hence the mean, is equal
        np.testing.assert_allclose(maps[c], zscored(planted_pattern()), atol=1e-12)
        np.testing.assert_allclose(patterns[c], zscored(planted_pattern()), atol=1e-12)
        assert abs(maps[c].mean()) < 1e-12


def test_planted_group_map_agrees_beyond_chance():
    summaries, experts = _group(True, seed=1)
    metrics = group_agreement(summaries, experts, n_permutations=999, seed=0)
    for c in CLASSES:
        m = metrics[f"csp_pattern_correlation_{c}"]
        assert m["value"] == pytest.approx(1.0)
        assert m["p_value"] == pytest.approx(1 / 1000)  # no shuffle reaches r = 1
        assert m["null"] == "shuffled channels"
        assert m["null_p95"] < 0.5 < m["value"]
    lat = metrics["lateralization_agreement"]
    # 2 classes, exact sign-flip null {0, .5, .5, 1}: full agreement has p = 1/4
    assert (lat["value"], lat["relation"], lat["null_mean"], lat["p_value"]) == (
        1.0, "same", 0.5, 0.25)
    share = metrics["mu_beta_share_first_layer"]
    freqs = np.asarray(summaries[0]["subsets"]["all"]["first_layer"]["freqs"])
    positive = np.asarray(summaries[0]["subsets"]["all"]["first_layer"]["positive"])
    grid = (freqs >= 1) & (freqs <= 40)  # every subject has this spectrum
    expected = positive[grid & (freqs >= 8) & (freqs <= 30)].sum() / positive[grid].sum()
    assert share["value"] == pytest.approx(expected)
    # every circular shift of the 1-40 Hz spectrum (the subject reports' null)
    mass, band = positive[grid], (freqs[grid] >= 8) & (freqs[grid] <= 30)
    shifted = [np.roll(mass, k)[band].sum() / mass.sum() for k in range(1, grid.sum())]
    at_least = sum(v >= expected - 1e-12 for v in shifted)
    assert share["p_value"] == pytest.approx((1 + at_least) / grid.sum())
    course = metrics["time_course_correlation"]
    assert course["value"] > 0.9 and course["p_value"] < 0.05


def test_random_group_maps_are_not_significant():
    significant = 0
    for seed in range(10):
        summaries, experts = _group(False, seed=seed)
        metrics = group_agreement(summaries, experts, n_permutations=199, seed=seed)
        for c in CLASSES:
            m = metrics[f"csp_pattern_correlation_{c}"]
            assert abs(m["value"]) < 0.8
            significant += m["p_value"] < 0.05
    # 20 tests under the null: P(>= 5 below 0.05) is 1.6 %
    assert significant <= 4


def test_group_maps_reject_bad_input():
    summaries, _ = _group(True, seed=0)
    with pytest.raises(ValueError, match="'key'.*channel_relevance_abs.*'signed'"):
        group_channel_maps(summaries, key="signed")
    with pytest.raises(ValueError, match="empty"):
        group_channel_maps([])
    short = dict(summaries[1], ch_names=["C3", "C4"])
    with pytest.raises(ValueError, match="differ in channels"):
        group_channel_maps([summaries[0], short])
    with pytest.raises(ValueError, match="No CSP patterns"):
        group_csp_patterns([{}], CLASSES)
