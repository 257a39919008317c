"""CAM and Grad-CAM: the lecture's identity S_c = Σ M_c + b_c, shapes, errors."""

import numpy as np
import pytest
import torch
from torch import nn

from eegxai.explain import explain

from .conftest import make_model


def gap_net_2d():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 8, 3, stride=2), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(8, 4),
    ).double()


def gap_net_1d():  # DNA-like: one-hot (4, L) -> positions
    torch.manual_seed(1)
    return nn.Sequential(
        nn.Conv1d(4, 5, 7), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(5, 2)
    ).double()


def _scores(model, X):
    with torch.no_grad():
        return model.eval()(torch.as_tensor(X)).numpy()


def test_cam_identity_score_is_sum_of_map_plus_bias():
    model = gap_net_2d()
    X = np.random.default_rng(0).normal(size=(5, 3, 16, 12))
    target = np.array([0, 1, 2, 3, 1])
    M = explain(model, X, method="cam", target=target, upsample=False, device="cpu")
    assert M.shape == (5, 7, 5)  # the last conv's resolution
    bias = model[-1].bias.detach().numpy()[target]
    S = _scores(model, X)[np.arange(5), target]
    np.testing.assert_allclose(M.reshape(5, -1).sum(1) + bias, S, rtol=1e-10)
    up = explain(model, X, method="cam", target=target, device="cpu")
    assert up.shape == (5, 16, 12)  # pixels
    np.testing.assert_allclose(up.reshape(5, -1).sum(1) + bias, S, rtol=0.05, atol=0.05)


def test_gradcam_of_the_last_conv_is_cam():
    # Selvaraju et al. 2017: for a GAP network Grad-CAM (without ReLU) is CAM
    model = gap_net_2d()
    X = np.random.default_rng(1).normal(size=(3, 3, 16, 12))
    cam = explain(model, X, method="cam", upsample=False, device="cpu")
    grad = explain(model, X, method="gradcam", layer="3", relu=False, upsample=False,
                   device="cpu")
    np.testing.assert_allclose(grad, cam, rtol=1e-10, atol=1e-12)
    relu = explain(model, X, method="gradcam", layer="3", device="cpu")
    assert relu.shape == (3, 16, 12) and relu.min() >= 0


def test_cam_1d_positions():
    model = gap_net_1d()
    X = np.eye(4)[np.random.default_rng(2).integers(0, 4, (4, 30))].transpose(0, 2, 1)
    M = explain(model, X, method="cam", target=1, device="cpu")
    assert M.shape == (4, 30)
    raw = explain(model, X, method="cam", target=1, upsample=False, device="cpu")
    S = _scores(model, X)[:, 1] - model[-1].bias.detach().numpy()[1]
    np.testing.assert_allclose(raw.sum(1), S, rtol=1e-10)


@pytest.mark.parametrize("bad", ["flatten_linear", "shallow", "max_pool"])
def test_cam_rejects_non_gap_models(bad, X):
    if bad == "shallow":
        model, data = make_model("shallow"), X
    else:
        pool = nn.AdaptiveMaxPool2d(1) if bad == "max_pool" else nn.Identity()
        n_in = 6 if bad == "max_pool" else 6 * 16 * 12
        model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), pool, nn.Flatten(),
                              nn.Linear(n_in, 2)).double()
        data = np.zeros((2, 3, 16, 12))
    with pytest.raises(ValueError, match="CAM needs a conv → global average pooling"):
        explain(model, data, method="cam", device="cpu")


def test_gradcam_on_braindecode_shallow_gives_time_maps(X):
    model = make_model("shallow")
    M = explain(model, X, method="gradcam", layer="conv_time_spat", device="cpu")
    assert M.shape == (len(X), X.shape[-1]) and np.all(np.isfinite(M)) and M.min() >= 0
    with pytest.raises(TypeError, match="requires the keyword argument 'layer'"):
        explain(model, X, method="gradcam", device="cpu")
    with pytest.raises(ValueError, match="'layer' parameter"):
        explain(model, X, method="gradcam", layer="nope", device="cpu")
