"""Heatmaps of every method, the z^B box, and the stroke share (sensitivity vs LRP)."""

from __future__ import annotations

import numpy as np
import pytest

from eegxai.explain import relevance_budget
from eegxai.image.heatmaps import (
    CAM_METHODS,
    HEATMAP_METHODS,
    PIXEL_RANGE,
    heatmaps,
    patch_groups,
    stroke_share,
)


def test_zbox_uses_the_pixel_box():
    spec = HEATMAP_METHODS["lrp_zbox"]
    assert spec["composite"] == "epsilon_gamma_box"
    assert (spec["low"], spec["high"]) == PIXEL_RANGE == (0.0, 1.0)


def test_patch_groups_tile_the_image():
    groups = patch_groups(16, 4)
    assert groups.shape == (1, 16, 16)
    assert np.bincount(groups.ravel()).tolist() == [16] * 16
    assert groups[0, 0, 3] == 0 and groups[0, 0, 4] == 1 and groups[0, 4, 0] == 4


def test_every_method_gives_a_finite_map(cnn, cam, digits):
    X = digits[2][:4]
    methods = list(HEATMAP_METHODS) + list(CAM_METHODS)
    maps = heatmaps(cnn, X, methods, cam_model=cam, patch=4)
    assert set(maps) == set(methods)
    for name, values in maps.items():
        assert values.shape == (4, 16, 16), name
        assert np.isfinite(values).all() and np.abs(values).sum() > 0, name
    with pytest.raises(ValueError, match="cam_model"):
        heatmaps(cnn, X, ["cam"])


def test_lrp_is_on_the_stroke_sensitivity_is_not(cnn, digits):
    X = digits[2][:40]
    maps = heatmaps(cnn, X, ["lrp_epsilon_plus", "lrp_zbox", "sensitivity"])
    lrp = stroke_share(maps["lrp_epsilon_plus"], X)
    zbox = stroke_share(maps["lrp_zbox"], X)
    sens = stroke_share(maps["sensitivity"], X)
    # LRP decomposes the score onto the ink; the gradient also points at blank pixels
    assert lrp["positive"] > 0.8 > lrp["chance"] + 0.3
    assert lrp["positive"] > sens["positive"] + 0.2
    assert zbox["positive"] > sens["positive"]


def test_lrp_epsilon_conserves_the_logit(cnn, digits):
    budget = relevance_budget(cnn, digits[2][:8], composite="epsilon", device="cpu")
    np.testing.assert_allclose(budget["residual"], 0, atol=1e-4)
