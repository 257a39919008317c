"""explain(): methods, targets, validation, devices, no leaks."""

import gc

import numpy as np
import pytest
import torch
from torch import nn

from eegxai.explain import COMPOSITES, METHODS, explain, explain_layer

from .conftest import assert_unchanged, make_model, randomize_batch_norm, snapshot


def test_public_registries():
    assert {
        "lrp",
        "gradient",
        "sensitivity",
        "gradient_x_input",
        "taylor",
        "integrated_gradients",
        "guided_backprop",
        "deconvnet",
        "occlusion",
    } <= set(METHODS)
    assert {
        "epsilon",
        "alpha1_beta0",
        "alpha2_beta1",
        "epsilon_plus_flat",
        "epsilon_gamma_wsquare",
    } <= set(COMPOSITES)
    assert all(spec.reference for spec in COMPOSITES.values())


_CHANNEL_PLAYERS = np.repeat(np.arange(3), 500).reshape(3, 500)
_RUN_KWARGS = {
    "occlusion": {"window": 100},
    "taylor": {"n_grid": 4, "n_iter": 10},
    "integrated_gradients": {"n_steps": 4},
    "shapley": {"groups": _CHANNEL_PLAYERS},
    "kernel_shap": {"groups": _CHANNEL_PLAYERS, "n_samples": 16},
    "gradcam": {"layer": "conv_time_spat"},
}


@pytest.mark.parametrize("method", [m for m in METHODS if m != "cam"])  # cam: GAP nets
def test_every_method_runs_and_leaves_model_untouched(method, X):
    model = randomize_batch_norm(make_model("shallow"))
    model.train()  # explain must use eval mode and give the flag back
    before = snapshot(model)
    kwargs = _RUN_KWARGS.get(method, {})
    first = explain(model, X, method=method, device="cpu", batch_size=3, **kwargs)
    second = explain(model, X, method=method, device="cpu", batch_size=3, **kwargs)
    shape = X.shape[:1] + X.shape[2:] if method == "gradcam" else X.shape  # time map
    assert first.shape == shape and first.dtype == np.float64
    assert np.all(np.isfinite(first))
    np.testing.assert_array_equal(first, second)  # deterministic, no state carried
    assert_unchanged(model, before)


def test_batching_does_not_change_result(X):
    model = make_model("deep4")
    a = explain(model, X, device="cpu", batch_size=1)
    b = explain(model, X, device="cpu", batch_size=256)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_float32_model_gives_float32(X):
    model = make_model("shallow").float()
    relevance = explain(model, X.astype(np.float32), device="cpu")
    assert relevance.dtype == np.float32
    relevance = explain(model, torch.as_tensor(X), device="cpu")  # tensors accepted
    assert relevance.dtype == np.float32


def test_gradient_methods_match_autograd(X):
    model = make_model("eegnet")
    x = torch.as_tensor(X).requires_grad_(True)
    out = model(x)
    target = out.argmax(1)
    (grad,) = torch.autograd.grad(out[range(len(X)), target].sum(), x)
    grad = grad.numpy()
    np.testing.assert_allclose(explain(model, X, method="gradient", device="cpu"), grad)
    np.testing.assert_allclose(
        explain(model, X, method="sensitivity", device="cpu"), grad**2
    )
    np.testing.assert_allclose(
        explain(model, X, method="gradient_x_input", device="cpu"), grad * X
    )


def test_target_int_array_and_none(X):
    model = make_model("shallow")
    with torch.no_grad():
        pred = model(torch.as_tensor(X)).argmax(1).numpy()
    r_none = explain(model, X, device="cpu")
    r_pred = explain(model, X, target=pred, device="cpu")
    np.testing.assert_array_equal(r_none, r_pred)
    r0 = explain(model, X, target=0, device="cpu")
    r1 = explain(model, X, target=1, device="cpu")
    assert not np.allclose(r0, r1)


def test_integrated_gradients_completeness():
    model = make_model("mlp")
    X = np.random.default_rng(1).standard_normal((3, 3, 500))
    relevance = explain(
        model, X, method="integrated_gradients", n_steps=64, target=0, device="cpu"
    )
    with torch.no_grad():
        f_x = model(torch.as_tensor(X))[:, 0].numpy()
        f_0 = model(torch.zeros(1, 3, 500, dtype=torch.float64))[0, 0].item()
    np.testing.assert_allclose(
        relevance.reshape(3, -1).sum(1), f_x - f_0, rtol=0.02, atol=1e-3
    )


def test_taylor_finds_a_root_and_matches_linear_model():
    # a linear model without bias: f(t x) = t f(x), the root is t=0 and the
    # first-order Taylor expansion is exact: R = w * x
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 2, bias=False)).double()
    X = np.random.default_rng(0).standard_normal((4, 3, 4))
    relevance = explain(model, X, method="taylor", target=1, device="cpu")
    w = model[1].weight.detach().numpy()[1].reshape(3, 4)
    np.testing.assert_allclose(relevance, X * w, rtol=1e-8, atol=1e-10)
    # with a bias the root lies inside (0, 1): sum R = f(x) - f(x_root) = f(x)
    model[1].bias = nn.Parameter(torch.tensor([0.0, 0.3], dtype=torch.float64))
    relevance = explain(model, X, method="taylor", target=1, device="cpu")
    with torch.no_grad():
        f = model(torch.as_tensor(X))[:, 1].numpy()
    has_root = f < 0  # f(0) = 0.3 > 0: a sign change on [0, x] iff f(x) < 0
    assert has_root.any()
    np.testing.assert_allclose(
        relevance.reshape(4, -1).sum(1)[has_root], f[has_root], rtol=1e-6
    )


def test_occlusion_windows_channels():
    model = nn.Sequential(nn.Flatten(), nn.Linear(2 * 10, 1, bias=False)).double()
    X = np.random.default_rng(0).standard_normal((2, 2, 10))
    relevance = explain(model, X, method="occlusion", window=5, target=0, device="cpu")
    w = model[1].weight.detach().numpy().reshape(2, 10)
    contrib = X * w  # a linear model: drop = sum of contributions in the window
    expected = np.stack(
        [
            np.repeat(contrib[:, :, s : s + 5].sum(-1, keepdims=True) / 5, 5, axis=-1)
            for s in (0, 5)
        ],
        axis=2,
    ).reshape(2, 2, 10)
    np.testing.assert_allclose(relevance, expected, rtol=1e-10)
    # generic inputs: window over the last axis
    flat = nn.Sequential(nn.Linear(6, 2)).double()
    r = explain(flat, np.ones((2, 6)), method="occlusion", window=2, device="cpu")
    assert r.shape == (2, 6)


def test_guided_backprop_rectifies_elu_backward():
    model = make_model("deep4")
    X = np.random.default_rng(0).standard_normal((2, 3, 500))
    guided = explain(model, X, method="guided_backprop", device="cpu")
    grad = explain(model, X, method="gradient", device="cpu")
    assert not np.allclose(guided, grad)


@pytest.mark.parametrize("name", ["cnn", "mlp"])
def test_generic_torch_models(name):
    model = make_model(name)
    X = np.random.default_rng(0).standard_normal((3, 3, 500))
    with torch.no_grad():
        out = model(torch.as_tensor(X)).numpy()
    logit = out.max(1)
    for composite in ("epsilon", "alpha1_beta0"):
        # zero-bias check on the MLP only (the CNN keeps its biases: budget)
        relevance, bias = explain(
            model,
            X,
            composite=composite,
            device="cpu",
            return_bias_relevance=True,
            **({"epsilon": 1e-9} if composite == "epsilon" else {}),
        )
        np.testing.assert_allclose(
            relevance.reshape(3, -1).sum(1) + bias, logit, rtol=1e-5
        )


def test_image_like_4d_input():
    model = (
        nn.Sequential(
            nn.Conv2d(1, 4, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(4 * 3 * 3, 3),
        )
        .double()
        .eval()
    )
    X = np.random.default_rng(0).random((2, 1, 8, 8))
    for method in ("lrp", "gradient", "occlusion"):
        assert explain(model, X, method=method, device="cpu").shape == X.shape
    layer = explain_layer(model, X, layer="0", device="cpu")
    assert layer.shape == (2, 4, 6, 6)


def test_cropped_outputs_are_averaged():
    class Cropped(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(3, 2, 5, bias=False)

        def forward(self, x):
            return self.conv(x)  # (n, n_classes, n_preds)

    model = Cropped().double()
    X = np.random.default_rng(0).standard_normal((2, 3, 20))
    relevance = explain(
        model, X, composite="epsilon", epsilon=1e-12, target=1, device="cpu"
    )
    with torch.no_grad():
        logit = model(torch.as_tensor(X))[:, 1].mean(1).numpy()
    np.testing.assert_allclose(relevance.reshape(2, -1).sum(1), logit, rtol=1e-8)


@pytest.mark.filterwarnings("ignore")
def test_no_memory_growth(X):
    model = make_model("shallow")

    def n_tensors():
        gc.collect()
        return sum(isinstance(o, torch.Tensor) for o in gc.get_objects())

    explain(model, X, device="cpu")
    explain_layer(model, X, layer="conv_time", device="cpu")
    baseline = n_tensors()
    for _ in range(3):
        explain(model, X, device="cpu")
        explain(
            model, X, device="cpu", composite="alpha1_beta0", return_bias_relevance=True
        )
        explain_layer(model, X, layer="conv_time", device="cpu")
    assert n_tensors() <= baseline


def test_unknown_module_warns():
    class Weird(nn.Module):
        def forward(self, x):
            return x * 2

    model = nn.Sequential(nn.Flatten(), Weird(), nn.Linear(6, 2)).double()
    with pytest.warns(UserWarning, match="No LRP rule.*Weird"):
        explain(model, np.ones((2, 6)), device="cpu")


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (
            dict(method="lrpp"),
            ValueError,
            "Invalid value for the 'method' parameter.*'lrp'.*'lrpp'",
        ),
        (
            dict(composite="eps"),
            ValueError,
            "'composite' parameter.*'epsilon_plus_flat'",
        ),
        (dict(batch_size=0), ValueError, "'batch_size' must be > 0"),
        (dict(batch_size=1.5), TypeError, "'batch_size'"),
        (dict(target=5), ValueError, "'target' must lie in \\[0, 2\\)"),
        (dict(target=-1), ValueError, "'target' must lie"),
        (
            dict(target=np.array([0, 1])),
            ValueError,
            "'target' must have one entry per sample \\(4\\)",
        ),
        (dict(target=np.array([0.5] * 4)), ValueError, "'target' must be None, an int"),
        (
            dict(composite="epsilon", gamma=0.25),
            TypeError,
            "'gamma' for composite 'epsilon'.*'epsilon'",
        ),
        (
            dict(composite="epsilon_gamma_box"),
            TypeError,
            "requires the keyword argument 'low'",
        ),
        (dict(epsilon=-1.0), ValueError, "'epsilon' must be >= 0"),
        (
            dict(method="gradient", epsilon=1e-9),
            TypeError,
            "'epsilon' for method 'gradient'",
        ),
        (dict(method="occlusion", window=0), ValueError, "'window' must be >= 1"),
        (dict(device="tpu"), ValueError, "'device'"),
        (
            dict(return_bias_relevance=True, method="gradient"),
            ValueError,
            "only available",
        ),
    ],
)
def test_validation_errors(kwargs, exc, match, X):
    model = make_model("shallow")
    with pytest.raises(exc, match=match):
        explain(model, X, **{"device": "cpu", **kwargs})


def test_target_out_of_range_without_n_outputs_attribute():
    model = nn.Sequential(nn.Linear(4, 3)).double()
    with pytest.raises(ValueError, match="'target' must lie in \\[0, 3\\)"):
        explain(model, np.ones((2, 4)), target=3, device="cpu")


@pytest.mark.parametrize(
    "X, match",
    [
        (np.ones(5), "at least 2 dimensions"),
        (np.full((2, 3, 500), np.nan), "NaN or infinite"),
        (np.ones((0, 3, 500)), "at least one sample"),
        (np.ones((2, 5, 500)), "could not be applied to 'X' of shape \\(2, 5, 500\\)"),
    ],
)
def test_bad_X(X, match):
    model = make_model("shallow")
    with pytest.raises(ValueError, match=match):
        explain(model, X, device="cpu")


def test_bad_layer(X):
    model = make_model("shallow")
    with pytest.raises(
        ValueError, match="'layer' parameter.*'conv_time_spat.conv_time'"
    ):
        explain_layer(model, X, layer="nope", device="cpu")
    with pytest.raises(ValueError, match="'method' parameter"):
        explain_layer(model, X, layer="conv_time", method="occlusion", device="cpu")


# --------------------------------------------------------------------------- CUDA
@pytest.mark.gpu
@pytest.mark.parametrize("name", ["shallow", "deep4", "eegnet"])
def test_cuda_matches_cpu(name, X):
    model = make_model(name)
    before = snapshot(model)
    cpu = explain(model, X, device="cpu")
    gpu = explain(model, X, device="cuda")
    auto = explain(model, X, device="auto")
    np.testing.assert_allclose(gpu, cpu, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(auto, gpu)
    assert_unchanged(model, before)
    assert next(model.parameters()).device.type == "cpu"
    # a model already on the GPU
    cuda_model = make_model(name).cuda()
    np.testing.assert_allclose(
        explain(cuda_model, X, device="cuda"), cpu, rtol=1e-6, atol=1e-8
    )


def test_occlusion_of_feature_groups_image_patches():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2)).double()
    X = np.random.default_rng(0).normal(size=(3, 1, 4, 4))
    patches = np.repeat(np.repeat(np.arange(4).reshape(2, 2), 2, 0), 2, 1)[None]
    R = explain(model, X, method="occlusion", groups=patches, baseline=0.0, target=1,
                device="cpu")
    w = model[1].weight.detach().numpy()[1].reshape(1, 4, 4)
    contrib = w * X  # the logit drop of a linear model = the patch's w·x
    for g in range(4):
        m = patches == g
        np.testing.assert_allclose(R[:, m], (contrib[:, m].sum(1) / 4)[:, None].repeat(4, 1))
    with pytest.raises(ValueError, match="'groups' must be an int array"):
        explain(model, X, method="occlusion", groups=patches[0], device="cpu")
