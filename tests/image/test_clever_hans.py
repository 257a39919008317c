"""The Clever Hans tag: planting, flip rate, LRP mass in the tag, and SpRAy."""

from __future__ import annotations

import numpy as np
import pytest

from eegxai.image.clever_hans import (
    clever_hans_study,
    flip_rate,
    paste_tag,
    plant_tags,
    tag_mask,
)
from eegxai.image.spray import spray


def test_tag_is_small_and_planted_in_one_class_only():
    mask = tag_mask(28, size=4)
    assert mask.sum() == 16 and mask[1:5, 1:5].all()
    with pytest.raises(ValueError, match="at most 3%"):
        tag_mask(28, size=5)  # 25 pixels > 3 % of 784
    X = np.zeros((20, 1, 28, 28), np.float32)
    y = np.repeat([0, 1], 10)
    X_tagged, tagged = plant_tags(X, y, tag_class=1, fraction=0.5, mask=mask, seed=0)
    assert tagged.sum() == 5 and tagged[y == 1].sum() == 5
    assert (X_tagged[tagged][:, 0, 1, 1] == 1).all() and X_tagged[~tagged].max() == 0
    assert X.max() == 0  # the input is not modified


def test_flip_rate_counts_digits_that_turn_into_the_tag_class():
    mask = tag_mask(16, size=2)
    X = np.zeros((10, 1, 16, 16), np.float32)
    y = np.arange(10) % 5

    def tag_reader(Z):  # predicts class 3 whenever the tag is there
        return np.where(Z[:, 0, 1, 1] == 1, 3, 0)

    assert flip_rate(tag_reader, X, y, tag_class=3, mask=mask) == 1.0
    assert flip_rate(lambda Z: np.zeros(len(Z), int), X, y, tag_class=3, mask=mask) == 0
    np.testing.assert_array_equal(paste_tag(X, mask)[:, 0][:, mask], 1)


def test_spray_separates_two_strategies(rng):
    maps = rng.normal(0, 0.05, size=(40, 16, 16))
    maps[:20, 1:3, 1:3] += 1.0   # a "tag" strategy
    maps[20:, 6:12, 6:12] += 0.3  # a "digit" strategy
    labels, eigenvalues = spray(maps, n_neighbors=5, seed=0)
    truth = np.repeat([0, 1], 20)
    assert (labels == truth).all() or (labels == 1 - truth).all()
    assert eigenvalues.shape == (8,) and np.all(np.diff(eigenvalues) >= -1e-9)
    assert eigenvalues[1] < 1e-6 < eigenvalues[2]  # two components: an eigengap at 2


def test_lrp_finds_the_tag_and_spray_clusters_it(digits):
    from eegxai.image.models import build_image_model
    from eegxai.image.training import fit_image_model

    def train(X, y):
        return fit_image_model(build_image_model("cnn", side=16, n_filters=8,
                                                 n_hidden=32), X, y, n_epochs=6,
                               lr=3e-3, seed=0)

    metrics, arrays = clever_hans_study(train, *digits, tag_class=1, fraction=0.8,
                                        mask=tag_mask(16, size=2), seed=0)
    assert metrics["tag_share"] < 0.03
    assert metrics["clean_accuracy"]["tagged"] > 0.85
    assert metrics["flip_rate"]["tagged"] > metrics["flip_rate"]["control"] + 0.05
    assert metrics["tag_mass"]["tagged"] > 0.3
    assert metrics["tag_mass"]["control"] < 0.1
    assert metrics["spray_ari"] > 0.8
    assert arrays["spray_relevance"].shape[1:] == (16, 16)
