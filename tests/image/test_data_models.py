"""Data, models, training and the CAM recipe on real digits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eegxai.image.data import load_images, train_test_split_images
from eegxai.image.models import CAM_LAYER, build_image_model, cam_model
from eegxai.image.training import accuracy, fit_image_model


def test_mnist_is_real_and_scaled():
    X, y = load_images("mnist")
    assert X.shape == (5000, 1, 28, 28) and X.dtype == np.float32
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == [500] * 10
    # digits are centred: the border row is blank, the centre is ink
    assert X[:, 0, 0].max() == 0 and X[:, 0, 10:18, 10:18].mean() > 0.3


def test_subset_and_split_are_seeded_and_stratified():
    X, y = load_images("digits", n_per_class=50, seed=3)
    assert np.bincount(y).tolist() == [50] * 10
    a = train_test_split_images(y, test_fraction=0.2, seed=1)
    b = train_test_split_images(y, test_fraction=0.2, seed=1)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert not set(a[0]) & set(a[1]) and len(a[0]) + len(a[1]) == len(y)
    assert np.bincount(y[a[1]]).tolist() == [10] * 10
    with pytest.raises(ValueError, match="'dataset'"):
        load_images("cifar")


def test_cnn_accuracy_on_held_out_digits(cnn, digits):
    _, _, X_test, y_test = digits
    assert accuracy(cnn, X_test, y_test) > 0.9  # chance is 0.1


def test_training_is_seeded(digits):
    X_train, y_train, X_test, _ = digits
    a, b = (fit_image_model(build_image_model("mlp", side=16, n_hidden=16),
                            X_train[:200], y_train[:200], n_epochs=1, seed=4)
            for _ in range(2))
    with torch.no_grad():
        assert torch.equal(a(torch.as_tensor(X_test)), b(torch.as_tensor(X_test)))


def test_cam_recipe_keeps_trained_convs_and_retrains_head(cnn, digits):
    X_train, y_train, X_test, y_test = digits
    cam = cam_model(cnn, 10, n_maps=16)
    before = [p.clone() for p in cam[0].parameters()]
    cam = fit_image_model(cam, X_train, y_train, n_epochs=8, lr=1e-2, seed=0)
    assert all(torch.equal(p, q) for p, q in zip(before, cam[0].parameters(), strict=True))
    assert torch.equal(cam[0][0].weight, cnn[0].weight)  # the CNN's trained conv
    assert accuracy(cam, X_test, y_test) > 0.4  # chance 0.1; frozen small convs
    # GAP + linear: the logit is the spatial mean of the class map w_c·A plus b_c
    x = torch.as_tensor(X_test[:5])
    with torch.no_grad():
        maps = cam[: int(CAM_LAYER) + 1](x)
        head = cam[-1]
        cam_maps = torch.einsum("k,nkij->nij", head.weight[3], maps)
        assert torch.allclose(cam_maps.mean((1, 2)) + head.bias[3], cam(x)[:, 3],
                              atol=1e-5)


def test_model_arguments_are_checked():
    with pytest.raises(ValueError, match="'name'"):
        build_image_model("resnet")
    with pytest.raises(ValueError, match="divisible by 4"):
        build_image_model("cnn", side=10)
