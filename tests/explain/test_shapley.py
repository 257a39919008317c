"""Shapley values (exact and Kernel SHAP): the lecture's example, the axioms, shap."""

import numpy as np
import pytest
import torch
from torch import nn

from eegxai.explain import exact_shapley, explain, shapley_weights


def test_lecture_three_player_weights_and_values():
    # weights of |S| = 0, 1, 1, 2 for one player of three: 1/3, 1/6, 1/6, 1/3
    np.testing.assert_allclose(shapley_weights(3), [1 / 3, 1 / 6, 1 / 3])
    v = {(): 0.0, (0,): 1.0, (1,): 2.0, (2,): 0.0, (0, 1): 4.0, (0, 2): 2.0,
         (1, 2): 3.0, (0, 1, 2): 6.0}

    def value(coalitions):
        return np.array([v[tuple(np.flatnonzero(c))] for c in coalitions])

    phi, base = exact_shapley(value, 3)
    # by hand, the lecture's formula for player 0 (players 1, 2 analogously)
    by_hand = [
        1 / 3 * (v[(0,)] - v[()]) + 1 / 6 * (v[(0, 1)] - v[(1,)])
        + 1 / 6 * (v[(0, 2)] - v[(2,)]) + 1 / 3 * (v[(0, 1, 2)] - v[(1, 2)]),
        1 / 3 * (v[(1,)] - v[()]) + 1 / 6 * (v[(0, 1)] - v[(0,)])
        + 1 / 6 * (v[(1, 2)] - v[(2,)]) + 1 / 3 * (v[(0, 1, 2)] - v[(0, 2)]),
        1 / 3 * (v[(2,)] - v[()]) + 1 / 6 * (v[(0, 2)] - v[(0,)])
        + 1 / 6 * (v[(1, 2)] - v[(1,)]) + 1 / 3 * (v[(0, 1, 2)] - v[(0, 1)]),
    ]
    np.testing.assert_allclose(phi, by_hand, rtol=1e-12)
    assert phi.sum() + base == pytest.approx(v[(0, 1, 2)])  # efficiency


class Interacting(nn.Module):
    """Non-linear, interacting 2-class model on (n, 2, 6) inputs."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.fc1 = nn.Linear(12, 16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x.flatten(1))))


GROUPS = np.array([[0, 0, 1, 1, 2, 2], [3, 3, 4, 4, 5, 5]])  # 6 players of 2 features


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return Interacting().double(), rng.normal(size=(3, 2, 6)), rng.normal(size=(8, 2, 6))


def _scores(model, X):
    with torch.no_grad():
        return model(torch.as_tensor(X)).numpy()


@pytest.mark.parametrize("value", ["marginal", "mean"])
def test_efficiency(data, value):
    model, X, B = data
    phi, base = explain(model, X, method="shapley", groups=GROUPS, background=B,
                        value=value, target=1, return_players=True, device="cpu")
    assert phi.shape == (3, 6)
    if value == "marginal":
        f_empty = _scores(model, B)[:, 1].mean()
    else:
        f_empty = _scores(model, B.mean(0, keepdims=True))[0, 1]
    np.testing.assert_allclose(base, f_empty, rtol=1e-12)
    np.testing.assert_allclose(phi.sum(1), _scores(model, X)[:, 1] - f_empty, rtol=1e-10)
    # spread over the features: relevance of X's shape with the same totals
    R = explain(model, X, method="shapley", groups=GROUPS, background=B, value=value,
                target=1, device="cpu")
    assert R.shape == X.shape
    np.testing.assert_allclose(R[:, 0, 0], phi[:, 0] / 2, rtol=1e-12)
    np.testing.assert_allclose(R.reshape(3, -1).sum(1), phi.sum(1), rtol=1e-10)


def test_symmetry_and_dummy():
    class Sym(nn.Module):  # f = (x0 + x1)^2 + x0 x1 x2; x3 is a dummy
        def forward(self, x):
            s = (x[:, 0] + x[:, 1]) ** 2 + x[:, 0] * x[:, 1] * x[:, 2]
            return torch.stack([s, -s], 1)

    x = np.array([[1.5, 1.5, -0.7, 3.0]])
    B = np.random.default_rng(1).normal(size=(5, 4))
    B[:, 1] = B[:, 0]  # players 0 and 1 are interchangeable in data and model
    phi, _ = explain(Sym(), x, method="shapley", background=B, target=0,
                     return_players=True, device="cpu")
    assert phi[0, 0] == pytest.approx(phi[0, 1], rel=1e-12)
    assert phi[0, 3] == pytest.approx(0.0, abs=1e-12)
    assert abs(phi[0, 2]) > 1e-3


def test_linear_model_closed_form():
    w = np.array([1.0, -2.0, 0.5, 3.0])
    model = nn.Linear(4, 1).double()
    with torch.no_grad():
        model.weight.copy_(torch.as_tensor(w[None]))
        model.bias.fill_(0.3)
    X = np.random.default_rng(2).normal(size=(4, 4))
    B = np.random.default_rng(3).normal(size=(10, 4))
    for value in ("marginal", "mean"):
        phi, _ = explain(model, X, method="shapley", background=B, value=value,
                         target=0, return_players=True, device="cpu")
        np.testing.assert_allclose(phi, w * (X - B.mean(0)), rtol=1e-10, atol=1e-12)


@pytest.fixture
def shap_uncompiled(monkeypatch):
    """shap with its numba functions run as plain Python (same code, no 45 s JIT)."""
    import sys

    import shap

    for name, module in list(sys.modules.items()):
        if name.startswith("shap") and module is not None:
            for attr, obj in list(vars(module).items()):
                if hasattr(obj, "py_func"):
                    monkeypatch.setattr(module, attr, obj.py_func)
    return shap


def test_exact_equals_shap_exact_explainer(data, shap_uncompiled):
    shap = shap_uncompiled
    model, X, B = data
    Xf, Bf = X.reshape(3, -1)[:, :8], B.reshape(8, -1)[:, :8]  # 8 tabular features

    def f(Z):  # class-1 score; the remaining 4 inputs held at 0
        full = np.concatenate([Z, np.zeros((len(Z), 4))], 1)
        return _scores(model, full.reshape(-1, 2, 6))

    ours, _ = explain(f, Xf, method="shapley", background=Bf, target=1,
                      return_players=True)
    explainer = shap.explainers.Exact(lambda Z: f(Z)[:, 1],
                                      shap.maskers.Independent(Bf, max_samples=len(Bf)))
    theirs = explainer(Xf).values
    assert np.max(np.abs(ours - theirs)) <= 1e-8


def test_kernel_shap_with_every_coalition_equals_exact(data):
    model, X, B = data
    kw = dict(groups=GROUPS, background=B, target=0, return_players=True, device="cpu")
    exact, base = explain(model, X, method="shapley", **kw)
    kernel, kbase = explain(model, X, method="kernel_shap", n_samples=2**6, **kw)
    np.testing.assert_allclose(kernel, exact, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(kbase, base, rtol=1e-10)
    # fewer samples: an estimate, but still efficient (shap enforces it)
    approx, _ = explain(model, X, method="kernel_shap", n_samples=20, seed=1, **kw)
    np.testing.assert_allclose(approx.sum(1), exact.sum(1), rtol=1e-6)


def test_sklearn_callable_model():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(4)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = LogisticRegression().fit(X, y)
    phi, base = explain(lambda Z: np.log(clf.predict_proba(Z)), X[:5], method="shapley",
                        background=X[:20], target=1, return_players=True)
    assert np.all(np.abs(phi[:, 0]) > np.abs(phi[:, 1:]).max(1))  # feature 0 decides
    np.testing.assert_allclose(phi.sum(1) + base, np.log(clf.predict_proba(X[:5]))[:, 1])


def test_errors(data):
    model, X, B = data
    with pytest.raises(ValueError, match="kernel_shap"):
        explain(model, X, method="shapley", background=B, max_players=10, device="cpu")
    with pytest.raises(ValueError, match="'groups' must be an int array"):
        explain(model, X, method="shapley", groups=GROUPS[:1], device="cpu")
    with pytest.raises(ValueError, match="'background' must have shape"):
        explain(model, X, method="shapley", groups=GROUPS, background=B[:, :1],
                device="cpu")
    with pytest.raises(ValueError, match="'value' parameter"):
        explain(model, X, method="shapley", groups=GROUPS, value="cond", device="cpu")
    with pytest.raises(TypeError, match="'n_samples' for method 'shapley'"):
        explain(model, X, method="shapley", groups=GROUPS, n_samples=5, device="cpu")
