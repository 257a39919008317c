"""Prototypes: the autoencoder, naturalness, and code space vs ℓ2."""

from __future__ import annotations

import numpy as np

from eegxai.image.prototypes import nearest_distance, prototype_study


def test_nearest_distance_closed_form(rng):
    train = rng.random((5, 1, 4, 4))
    probe = np.concatenate([train[2:3], train[2:3] + 0.5])
    distance = nearest_distance(probe, train)
    np.testing.assert_allclose(distance[0], 0, atol=1e-6)  # a training image itself
    brute = np.sqrt(((train.reshape(5, -1) - probe[1].ravel()) ** 2).sum(1)).min()
    np.testing.assert_allclose(distance[1], brute, rtol=1e-6)
    assert distance[1] <= 2.0 + 1e-6  # sqrt(16 · 0.5²) to the image it was made from


def test_code_space_prototypes_are_natural_and_classified(cnn, digits):
    X_train, y_train = digits[0], digits[1]
    keep = np.isin(y_train, [0, 1, 7])
    study = prototype_study(cnn, X_train[keep], y_train[keep], n_steps=60,
                            ae_epochs=15, n_code=8, lam_code=0.003, seed=0)
    assert study["classes"] == [0, 1, 7]
    assert study["prototypes"]["code"].shape == (3, 1, 16, 16)
    # decoded digits lie in [0, 1] and closer to real digits than ℓ2 prototypes
    assert study["prototypes"]["code"].min() >= 0 and study["prototypes"]["code"].max() <= 1
    assert study["distance"]["code"].mean() < study["distance"]["l2"].mean()
    assert study["probability"]["code"].min() > 0.9
