"""Activation maximization: closed-form optima on linear softmax models."""

import numpy as np
import pytest
import torch
from scipy.optimize import brentq
from scipy.special import expit
from torch import nn

from eegxai.interpret import (
    GaussianPrior,
    activation_maximization,
    fit_prior,
    prototypes,
)

D = 6


def linear_softmax(seed=0):
    torch.manual_seed(seed)
    model = nn.Linear(D, 2).double()
    W = model.weight.detach().numpy()
    b = model.bias.detach().numpy()
    return model, W[1] - W[0], b[1] - b[0]


def test_l2_optimum_closed_form():
    # max log σ(w·x + β) − λ‖x‖²  ⇒  x* = t w/‖w‖ with ‖w‖ σ(−(‖w‖t + β)) = 2λt
    model, w, beta = linear_softmax()
    lam, a = 0.05, np.linalg.norm(w)
    t = brentq(lambda t: a * expit(-(a * t + beta)) - 2 * lam * t, 0, 100)
    x_star, trace = activation_maximization(model, 1, (D,), lam=lam, n_steps=400, lr=0.1,
                                            device="cpu")
    np.testing.assert_allclose(x_star, t * w / a, atol=1e-4)
    assert trace["objective"].shape == (400,)
    assert trace["objective"][-1] >= trace["objective"][0]
    assert trace["final_prob"] == pytest.approx(expit(a * t + beta), abs=1e-6)
    # the other class: the mirror image
    x_other, _ = activation_maximization(model, 0, (D,), lam=lam, n_steps=400, lr=0.1,
                                         device="cpu")
    t0 = brentq(lambda t: a * expit(-(a * t - beta)) - 2 * lam * t, 0, 100)
    np.testing.assert_allclose(x_other, -t0 * w / a, atol=1e-4)


def test_gaussian_prior_optimum_closed_form():
    # max log σ(w·x + β) − ‖x − μ‖²/(2σ²)  ⇒  x* = μ + s u, a σ(−(a(u·μ + s) + β)) σ² = s
    model, w, beta = linear_softmax(1)
    a, u = np.linalg.norm(w), w / np.linalg.norm(w)
    mu, var = np.linspace(-1, 1, D), 0.3
    s = brentq(lambda s: a * expit(-(a * (u @ mu + s) + beta)) * var - s, -10, 10)
    prior = GaussianPrior(mu, np.full(D, var))
    x_star, trace = activation_maximization(model, 1, (D,), lam=0.0, prior=prior,
                                            init=mu, n_steps=400, lr=0.05, device="cpu")
    np.testing.assert_allclose(x_star, mu + s * u, atol=1e-4)
    assert np.all(trace["log_prior"] < 0)


def test_code_space_optimum_closed_form():
    # decoder g(z) = A z: max log σ(v·z + v·... + β) − λ‖z − z̄‖², v = Aᵀw
    model, w, beta = linear_softmax(2)
    torch.manual_seed(3)
    decoder = nn.Linear(3, D, bias=False).double()
    A = decoder.weight.detach().numpy()
    v = A.T @ w
    a, u = np.linalg.norm(v), v / np.linalg.norm(v)
    z_bar, lam = np.array([0.5, -0.2, 0.1]), 0.1
    s = brentq(lambda s: a * expit(-(v @ z_bar + beta + a * s)) - 2 * lam * s, -10, 100)
    x_star, trace = activation_maximization(model, 1, decoder=decoder, code_mean=z_bar,
                                            lam=lam, n_steps=400, lr=0.1, device="cpu")
    np.testing.assert_allclose(trace["code"], z_bar + s * u, atol=1e-4)
    np.testing.assert_allclose(x_star, A @ trace["code"], rtol=1e-10)


def test_seeded_random_start_and_model_untouched():
    model, _, _ = linear_softmax()
    before = [p.detach().clone() for p in model.parameters()]
    kw = dict(lam=0.1, n_steps=20, init="random", device="cpu")
    a, _ = activation_maximization(model, 1, (D,), seed=3, **kw)
    b, _ = activation_maximization(model, 1, (D,), seed=3, **kw)
    c, _ = activation_maximization(model, 1, (D,), seed=4, **kw)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    for p, q in zip(before, model.parameters(), strict=True):
        assert torch.equal(p, q) and q.grad is None
    xs, traces = prototypes(model, [0, 1], (D,), lam=0.1, n_steps=200, device="cpu")
    assert xs.shape == (2, D) and traces[1]["final_prob"] > 0.5


def test_fitted_priors():
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-2, 0.5, (100, 2, 2)), rng.normal(2, 0.5, (100, 2, 2))])
    gmm_prior = fit_prior(X, kind="gmm", n_components=2, covariance_type="full")
    gmm = GaussianMixture(2, covariance_type="full", reg_covar=1e-6, random_state=0)
    gmm.fit(X.reshape(200, -1))
    with torch.no_grad():
        ours = gmm_prior(torch.as_tensor(X[:7])).numpy()
    np.testing.assert_allclose(ours, gmm.score_samples(X[:7].reshape(7, -1)), rtol=1e-8)
    gauss = fit_prior(X, shrinkage=False)
    from scipy.stats import multivariate_normal

    flat = X.reshape(200, -1)
    ref = multivariate_normal(flat.mean(0), np.cov(flat, rowvar=False) + 1e-6 * np.eye(4))
    with torch.no_grad():
        np.testing.assert_allclose(gauss(torch.as_tensor(X[:5])).numpy(),
                                   ref.logpdf(flat[:5]), rtol=1e-8)


def test_errors():
    model, _, _ = linear_softmax()
    with pytest.raises(ValueError, match="'target' must lie in \\[0, 2\\)"):
        activation_maximization(model, 2, (D,), n_steps=1, device="cpu")
    with pytest.raises(TypeError, match="'shape'"):
        activation_maximization(model, 0, n_steps=1, device="cpu")
    with pytest.raises(TypeError, match="'code_mean'"):
        activation_maximization(model, 0, decoder=nn.Identity(), n_steps=1, device="cpu")
    with pytest.raises(ValueError, match="'lam' must be >= 0"):
        activation_maximization(model, 0, (D,), lam=-1.0, device="cpu")
    with pytest.raises(ValueError, match="'init' parameter"):
        activation_maximization(model, 0, (D,), init="ones", device="cpu")
