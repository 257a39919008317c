"""Every rule equals an independent numpy implementation of its equation (float64).

A linear layer (Linear, Conv1d with padding, grouped Conv2d) is turned into its
dense matrix ``W`` (n_out × n_in) and bias ``b``; the rules are then written in
numpy from the papers' equations over contributions ``x_j W_kj``.
"""

import numpy as np
import pytest
import torch
from torch import nn
from zennit.core import Composite
from zennit.rules import AlphaBeta as ZennitAlphaBeta

from eegxai.explain import rules

SEEDS = [0, 1, 2]
STAB = 1e-6


def _layers():
    return {
        "linear": (lambda: nn.Linear(7, 5), (7,)),
        "conv1d": (lambda: nn.Conv1d(2, 3, 3, padding=1), (2, 6)),
        "conv2d_grouped": (lambda: nn.Conv2d(2, 4, (3, 2), groups=2), (2, 4, 3)),
    }


def _dense(layer, in_shape):
    n_in = int(np.prod(in_shape))
    with torch.no_grad():
        bias = layer(torch.zeros((1, *in_shape), dtype=torch.float64)).flatten()
        eye = torch.eye(n_in, dtype=torch.float64).reshape(n_in, *in_shape)
        W = (layer(eye).reshape(n_in, -1) - bias).T  # (n_out, n_in)
    return W.numpy(), bias.numpy()


def _stab(z, eps=STAB):
    return z + eps * np.where(z == 0, 1.0, np.sign(z))


def _np_epsilon(W, b, x, R, eps):
    z = W @ x + b
    return x * (W.T @ (R / _stab(z, eps)))


def _np_zplus(W, b, x, R):
    C = W * x[None, :]  # contributions (n_out, n_in)
    pos = np.clip(C, 0, None)
    neg = np.clip(C, None, 0)
    P = pos.sum(1) + np.clip(b, 0, None)
    N = neg.sum(1) + np.clip(b, None, 0)
    share = np.where((P > 0)[:, None], pos / _stab(P)[:, None], neg / _stab(N)[:, None])
    return share.T @ R


def _np_alpha_beta(W, b, x, R, alpha, beta):
    C = W * x[None, :]
    pos, neg = np.clip(C, 0, None), np.clip(C, None, 0)
    P = pos.sum(1) + np.clip(b, 0, None)
    N = neg.sum(1) + np.clip(b, None, 0)
    return (
        alpha * (pos / _stab(P)[:, None]).T @ R - beta * (neg / _stab(N)[:, None]).T @ R
    )


def _np_alpha_beta_conserving(W, b, x, R, alpha, beta):
    """αβ where one-sided neurons distribute over the sign they have."""
    C = W * x[None, :]
    pos, neg = np.clip(C, 0, None), np.clip(C, None, 0)
    P = pos.sum(1) + np.clip(b, 0, None)
    N = neg.sum(1) + np.clip(b, None, 0)
    a = np.where((P > 0) & (N < 0), alpha, np.where(P > 0, 1.0, 0.0))
    c = np.where((P > 0) & (N < 0), beta, np.where(P > 0, 0.0, -1.0))
    share_pos = np.where((P > 0)[:, None], pos / _stab(P)[:, None], 0.0)
    share_neg = np.where((N < 0)[:, None], neg / _stab(N)[:, None], 0.0)
    return (a[:, None] * share_pos).T @ R - (c[:, None] * share_neg).T @ R


def _np_gamma(W, b, x, R, gamma):
    xp, xn = np.clip(x, 0, None), np.clip(x, None, 0)
    Wp, Wn = np.clip(W, 0, None), np.clip(W, None, 0)
    bp, bn = np.clip(b, 0, None), np.clip(b, None, 0)
    z = W @ x + b
    # z > 0: favour positive contributions; z < 0: negative ones (generalized γ)
    up = (W + gamma * Wp) * xp[None] + (W + gamma * Wn) * xn[None]
    down = (W + gamma * Wn) * xp[None] + (W + gamma * Wp) * xn[None]
    den_up = up.sum(1) + b + gamma * bp
    den_down = down.sum(1) + b + gamma * bn
    Rup = np.where(z > 0, R / _stab(den_up), 0.0)
    Rdown = np.where(z < 0, R / _stab(den_down), 0.0)
    return up.T @ Rup + down.T @ Rdown


def _np_wsquare(W, b, x, R):
    W2 = W**2
    return W2.T @ (R / _stab(W2.sum(1) + b**2))


def _np_flat(W, b, x, R):
    connected = (W != 0).astype(float)
    return connected.T @ (R / _stab(connected.sum(1)))


def _np_zbox(W, b, x, R, low, high):
    Wp, Wn = np.clip(W, 0, None), np.clip(W, None, 0)
    C = W * x[None] - Wp * low - Wn * high
    return C.T @ (R / _stab(C.sum(1)))


def _torch_rule(layer, rule, x, R):
    composite = Composite(module_map=lambda ctx, name, m: rule if m is layer else None)
    x = torch.as_tensor(x)[None].requires_grad_(True)
    with composite.context(layer):
        out = layer(x)
        (relevance,) = torch.autograd.grad(
            out, x, torch.as_tensor(R).reshape(out.shape)
        )
    return relevance.detach().numpy().ravel()


CASES = {
    "epsilon": (
        lambda: rules.Epsilon(epsilon=0.1),
        lambda W, b, x, R: _np_epsilon(W, b, x, R, 0.1),
    ),
    "epsilon_small": (
        lambda: rules.Epsilon(epsilon=1e-9),
        lambda W, b, x, R: _np_epsilon(W, b, x, R, 1e-9),
    ),
    "zplus": (lambda: rules.ZPlus(stabilizer=STAB), _np_zplus),
    "alpha2_beta1": (
        lambda: rules.AlphaBeta(alpha=2.0, beta=1.0, stabilizer=STAB),
        lambda W, b, x, R: _np_alpha_beta_conserving(W, b, x, R, 2.0, 1.0),
    ),
    "alpha1_beta0": (
        lambda: rules.AlphaBeta(alpha=1.0, beta=0.0, stabilizer=STAB),
        lambda W, b, x, R: _np_alpha_beta_conserving(W, b, x, R, 1.0, 0.0),
    ),
    "alpha2_beta1_zennit": (
        lambda: ZennitAlphaBeta(alpha=2.0, beta=1.0, stabilizer=STAB),
        lambda W, b, x, R: _np_alpha_beta(W, b, x, R, 2.0, 1.0),
    ),
    "alpha1_beta0_zennit": (
        lambda: ZennitAlphaBeta(alpha=1.0, beta=0.0, stabilizer=STAB),
        lambda W, b, x, R: _np_alpha_beta(W, b, x, R, 1.0, 0.0),
    ),
    "gamma": (
        lambda: rules.Gamma(gamma=0.25, stabilizer=STAB),
        lambda W, b, x, R: _np_gamma(W, b, x, R, 0.25),
    ),
    "wsquare": (lambda: rules.WSquare(stabilizer=STAB), _np_wsquare),
    "flat": (lambda: rules.Flat(stabilizer=STAB), _np_flat),
    "zbox": (
        lambda: rules.ZBox(low=-3.0, high=3.0, stabilizer=STAB),
        lambda W, b, x, R: _np_zbox(W, b, x, R, -3.0, 3.0),
    ),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("layer_name", list(_layers()))
@pytest.mark.parametrize("case", list(CASES))
def test_linear_rule_matches_numpy(case, layer_name, seed):
    make_rule, numpy_rule = CASES[case]
    make_layer, in_shape = _layers()[layer_name]
    torch.manual_seed(seed)
    layer = make_layer().double()
    with torch.no_grad():
        layer.bias.normal_(0, 0.3)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(in_shape)
    W, b = _dense(layer, in_shape)
    R = rng.standard_normal(W.shape[0])
    expected = numpy_rule(W, b, x.ravel(), R)
    got = _torch_rule(layer, make_rule(), x, R)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_zplus_fallback_conserves_and_keeps_sign(seed):
    """A neuron whose contributions are all negative keeps its relevance."""
    layer = nn.Linear(3, 2, bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -2.0, 0.5], [-1.0, -1.0, -1.0]]))
    x = np.abs(np.random.default_rng(seed).standard_normal(3)) + 0.1
    R = np.array([0.7, 0.3])
    got = _torch_rule(layer, rules.ZPlus(stabilizer=1e-12), x, R)
    assert np.all(got >= 0)
    np.testing.assert_allclose(got.sum(), R.sum(), rtol=1e-9)
    # zennit drops the second neuron's relevance
    from zennit.rules import ZPlus as ZennitZPlus

    dropped = _torch_rule(layer, ZennitZPlus(stabilizer=1e-12), x, R)
    np.testing.assert_allclose(dropped.sum(), 0.7, rtol=1e-9)


def _square_log_chain(seed):
    from braindecode.modules import SafeLog, Square

    return nn.Sequential(
        Square(), nn.AvgPool1d(4, 2), SafeLog()
    ), np.random.default_rng(seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_square_pool_log_chain_matches_numpy(seed):
    from eegxai.explain.composites import COMPOSITES, RuleComposite

    chain, rng = _square_log_chain(seed)
    chain = chain.double()
    z = rng.standard_normal((2, 3, 10))
    R_out = rng.standard_normal((2, 3, 4))
    composite = RuleComposite(
        COMPOSITES["epsilon"], {"epsilon": 1e-9, "stabilizer": 1e-9}
    )
    x = torch.as_tensor(z).requires_grad_(True)
    with composite.context(chain):
        out = chain(x)
        (got,) = torch.autograd.grad(out, x, torch.as_tensor(R_out))
    assert composite.assignments == {"0": "SquareRule", "1": "PoolNorm", "2": "LogRule"}
    # numpy: log passes, pool distributes in proportion to a/K, square passes
    a = z**2
    expected = np.zeros_like(z)
    for w in range(4):
        window = slice(2 * w, 2 * w + 4)
        p = a[..., window].mean(-1, keepdims=True)
        expected[..., window] += (
            (a[..., window] / 4) / _stab(p, 1e-9) * R_out[..., w : w + 1]
        )
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-9, atol=1e-12)
    # conservation except the sample not covered by any window (index 9 of 10 ... none here)
    np.testing.assert_allclose(got.sum(), R_out.sum(), rtol=1e-7)


@pytest.mark.parametrize("seed", SEEDS)
def test_pool_plus_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    pool = nn.AvgPool1d(3)
    x = rng.standard_normal((1, 2, 9))
    x[0, 0, :3] = -np.abs(x[0, 0, :3])  # a window without positive input
    R = np.abs(rng.standard_normal((1, 2, 3)))
    got = _torch_rule(pool, rules.PoolPlus(stabilizer=1e-12), x[0], R)
    expected = np.zeros(18)
    xf = x.reshape(2, 3, 3)
    for c in range(2):
        for w in range(3):
            v = xf[c, w]
            pos, neg = np.clip(v, 0, None), np.clip(v, None, 0)
            share = pos / pos.sum() if pos.sum() > 0 else neg / neg.sum()
            expected[c * 9 + 3 * w : c * 9 + 3 * w + 3] = share * R[0, c, w]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    assert np.all(got >= 0)


def test_affine_norm_on_batch_norm():
    bn = nn.BatchNorm1d(3).double().eval()
    with torch.no_grad():
        bn.running_mean.copy_(torch.tensor([0.1, -0.2, 0.3]))
        bn.running_var.copy_(torch.tensor([0.5, 2.0, 1.0]))
        bn.weight.copy_(torch.tensor([1.5, -0.5, 1.0]))
        bn.bias.copy_(torch.tensor([0.2, 0.1, -0.3]))
    x = np.random.default_rng(0).standard_normal(3)
    R = np.array([1.0, 2.0, -1.0])
    a = bn.weight.detach().numpy() / np.sqrt(bn.running_var.numpy() + bn.eps)
    y = a * (x - bn.running_mean.numpy()) + bn.bias.detach().numpy()
    expected = a * x / _stab(y) * R
    got = _torch_rule(bn, rules.AffineNorm(stabilizer=STAB), x, R)
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_fast_epsilon_equals_zennit_epsilon():
    from zennit.rules import Epsilon as ZennitEpsilon

    layer = nn.Conv1d(3, 4, 5, padding=2).double()
    x = np.random.default_rng(3).standard_normal((3, 20))
    R = np.random.default_rng(4).standard_normal(4 * 20)
    for zero_params in (None, ["bias"]):
        ours = _torch_rule(layer, rules.Epsilon(0.01, zero_params=zero_params), x, R)
        ref = _torch_rule(layer, ZennitEpsilon(0.01, zero_params=zero_params), x, R)
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_alpha_beta_one_sided_neurons_conserve(seed):
    layer = nn.Linear(3, 3, bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(
            torch.tensor([[1.0, 2.0, 0.5], [-1.0, -1.0, -1.0], [1.0, -1.0, 1.0]])
        )
    x = np.abs(np.random.default_rng(seed).standard_normal(3)) + 0.1
    R = np.array([0.5, 0.3, 0.2])
    ours = _torch_rule(layer, rules.AlphaBeta(2.0, 1.0, stabilizer=1e-12), x, R)
    np.testing.assert_allclose(ours.sum(), R.sum(), rtol=1e-9)
    zennit = _torch_rule(layer, ZennitAlphaBeta(2.0, 1.0, stabilizer=1e-12), x, R)
    # textbook αβ: 2 R_0 (all positive) - 1 R_1 (all negative) + R_2
    np.testing.assert_allclose(zennit.sum(), 2 * 0.5 - 0.3 + 0.2, rtol=1e-9)
