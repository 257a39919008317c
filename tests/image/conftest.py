"""Fixtures of the image tests: scikit-learn digits at 16×16, models trained once per session."""

from __future__ import annotations

import numpy as np
import pytest
import torch


def digits16(seed: int = 0):
    """sklearn digits upsampled to 16×16 (pixel doubling), seeded 80/20 split."""
    from eegxai.image.data import load_images, train_test_split_images

    X, y = load_images("digits")
    X = X.repeat(2, axis=2).repeat(2, axis=3)
    train, test = train_test_split_images(y, test_fraction=0.2, seed=seed)
    return X[train], y[train], X[test], y[test]


@pytest.fixture(scope="session")
def digits():
    torch.set_num_threads(1)
    return digits16()


@pytest.fixture(scope="session")
def cnn(digits):
    from eegxai.image.models import build_image_model
    from eegxai.image.training import fit_image_model

    X_train, y_train, _, _ = digits
    model = build_image_model("cnn", side=16, n_filters=8, n_hidden=32)
    return fit_image_model(model, X_train, y_train, n_epochs=8, lr=3e-3, seed=0)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def cam(cnn, digits):
    from eegxai.image.models import cam_model
    from eegxai.image.training import fit_image_model

    X_train, y_train, _, _ = digits
    return fit_image_model(cam_model(cnn, 10, n_maps=16), X_train, y_train, n_epochs=3,
                           lr=1e-2, seed=0)
