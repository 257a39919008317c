"""Sliding-window scanning: planted canvases, relevance conservation, pointing game."""

from __future__ import annotations

import numpy as np
import pytest

from eegxai.image.scanning import (
    canvas_relevance,
    crop_training_set,
    make_canvases,
    scan,
    window_positions,
)


def test_canvases_hold_the_planted_digits(digits):
    X, y = digits[2], digits[3]
    canvases = make_canvases(X, y, n_canvases=5, side=40, n_digits=2, seed=0)
    assert canvases.images.shape == (5, 1, 40, 40)
    boxes = canvases.box_masks()
    for i in range(5):
        assert len(set(canvases.labels[i])) == 2
        assert not (boxes[i, 0] & boxes[i, 1]).any()  # no overlap
        assert canvases.images[i, 0][~boxes[i].any(0)].max() == 0  # ink only in boxes
    again = make_canvases(X, y, n_canvases=5, side=40, n_digits=2, seed=0)
    np.testing.assert_array_equal(again.images, canvases.images)
    with pytest.raises(ValueError, match="n_digits"):
        make_canvases(X, y, n_digits=11)


def test_window_grid():
    pos = window_positions(40, 16, 4)
    assert pos.shape == (49, 2) and pos.max() == 24 and tuple(pos[1]) == (0, 4)


def test_canvas_map_conserves_relevance(cnn, digits):
    canvases = make_canvases(digits[2], digits[3], n_canvases=2, side=32, n_digits=2,
                             seed=1)
    out = canvas_relevance(cnn, canvases.images, canvases.labels, window=16, stride=4,
                           composite="epsilon")
    assert out["relevance"].shape == (2, 2, 32, 32)
    np.testing.assert_allclose(out["relevance"].sum((2, 3)) + out["bias"], out["logit"],
                               rtol=1e-4, atol=1e-3)


def test_scanning_points_at_the_planted_digits(digits):
    from eegxai.evaluate import pointing_game
    from eegxai.image.models import build_image_model
    from eegxai.image.training import fit_image_model

    X_train, y_train, X_test, y_test = digits
    X_crops, y_crops = crop_training_set(X_train, y_train, n_background=600,
                                         canvas_side=40, min_offset=6, seed=0)
    assert set(np.unique(y_crops)) == set(range(11)) and (y_crops == 10).sum() == 600
    net = fit_image_model(build_image_model("cnn", side=16, n_classes=11, n_filters=8,
                                            n_hidden=32), X_crops, y_crops,
                          n_epochs=6, lr=3e-3, seed=0)
    canvases = make_canvases(X_test, y_test, n_canvases=6, side=40, n_digits=2, seed=2)
    evidence = scan(net, canvases.images, window=16, stride=4)
    assert evidence.shape == (6, 11, 7, 7)
    np.testing.assert_allclose(evidence.sum(1), 1, atol=1e-5)
    maps = canvas_relevance(net, canvases.images, canvases.labels, window=16, stride=4)
    hits = pointing_game(maps["relevance"].reshape(-1, 40, 40),
                         canvases.box_masks().reshape(-1, 40, 40))
    chance = canvases.box_masks().reshape(-1, 1600).mean()
    assert hits.mean() >= 0.75 > chance + 0.4
