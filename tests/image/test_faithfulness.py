"""Pixel flipping: LRP's MoRF curve falls faster than random orders."""

from __future__ import annotations

import numpy as np

from eegxai.image.faithfulness import paired_difference, pixel_flipping
from eegxai.image.heatmaps import heatmaps


def test_pixel_flipping_ranks_lrp_above_random(cnn, digits):
    X = digits[2][:30]
    maps = heatmaps(cnn, X, ["lrp_epsilon", "sensitivity"])
    result = pixel_flipping(cnn, X, maps, patch=4, n_steps=8, n_random=3, n_boot=50)
    lrp, rnd = result["aopc"]["lrp_epsilon"], result["random"]
    assert len(rnd["aopc"]) == 3 and rnd["sd"] >= 0
    assert lrp["morf"] > rnd["mean"] + 3 * rnd["sd"]
    assert lrp["morf"] > lrp["lerf"]
    curve = result["curves"]["lrp_epsilon|morf"]
    assert curve["fraction"][0] == 0 and curve["fraction"][-1] == 1
    assert result["morf_per_image"]["sensitivity"].shape == (30,)


def test_paired_difference():
    a = np.arange(10.0)
    out = paired_difference(a + 2, a)
    assert out["mean"] == 2 and out["sd"] < 1e-12  # a constant difference has no spread
