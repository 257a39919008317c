"""Conservation on braindecode models, rule coverage, relevance budget."""

import numpy as np
import pytest
import torch

from eegxai.explain import (
    canonize,
    explain,
    explain_layer,
    make_composite,
    relevance_budget,
)

from .conftest import make_model, randomize_batch_norm, zero_biases

BRAINDECODE = ["shallow", "deep4", "eegnet"]
FIRST_LAYER = {"shallow": "conv_time", "deep4": "conv_time", "eegnet": "conv_temporal"}


def _logits(model, X, target=None):
    with torch.no_grad():
        out = model(torch.as_tensor(X)).numpy()
    target = out.argmax(1) if target is None else target
    return out[np.arange(len(X)), target]


@pytest.mark.parametrize("name", BRAINDECODE + ["cnn", "mlp"])
def test_every_leaf_gets_a_rule(name):
    model = make_model(name, small=False) if name != "cnn" else make_model(name)
    for composite in (
        "epsilon",
        "alpha1_beta0",
        "epsilon_plus_flat",
        "epsilon_gamma_wsquare",
    ):
        comp = make_composite(composite)
        with canonize(model):
            leaves = [n for n, m in model.named_modules() if not list(m.children())]
            with comp.context(model):
                assert comp.unassigned == []
                assert set(comp.assignments) == set(leaves)


@pytest.mark.parametrize("name", BRAINDECODE)
def test_first_layer_gets_the_first_layer_rule(name):
    model = make_model(name)
    comp = make_composite("epsilon_gamma_wsquare")
    with canonize(model), comp.context(model):
        linear = [
            n
            for n, a in comp.assignments.items()
            if a in ("WSquare", "Gamma", "Epsilon")
        ]
        assert comp.assignments[linear[0]] == "WSquare"
        assert linear[0].endswith(FIRST_LAYER[name])
        assert comp.assignments[linear[-1]] == "Epsilon"  # classifier = dense


@pytest.mark.parametrize("name", BRAINDECODE)
def test_epsilon_conserves(name, X):
    model = zero_biases(make_model(name))
    relevance = explain(model, X, composite="epsilon", epsilon=1e-9, device="cpu")
    logit = _logits(model, X)
    total = relevance.reshape(len(X), -1).sum(1)
    assert relevance.shape == X.shape and relevance.dtype == np.float64
    assert np.all(np.abs(total - logit) <= 0.01 * np.abs(logit)), (total, logit)


@pytest.mark.parametrize("name", BRAINDECODE)
def test_alpha1_beta0_conserves_and_is_positive(name, X):
    model = zero_biases(make_model(name))
    # target = class with a positive logit wherever possible
    with torch.no_grad():
        out = model(torch.as_tensor(X)).numpy()
    target = out.argmax(1)
    relevance = explain(model, X, composite="alpha1_beta0", target=target, device="cpu")
    logit = out[np.arange(len(X)), target]
    total = relevance.reshape(len(X), -1).sum(1)
    assert np.all(np.abs(total - logit) <= 0.01 * np.abs(logit)), (total, logit)
    positive = logit > 0
    assert positive.any()
    assert relevance[positive].min() >= 0


@pytest.mark.parametrize("name", BRAINDECODE)
def test_layer_relevance_sums_to_input_relevance(name, X):
    model = zero_biases(make_model(name))
    kwargs = dict(composite="epsilon", epsilon=1e-9, device="cpu")
    relevance = explain(model, X, **kwargs)
    layer = explain_layer(model, X, layer=FIRST_LAYER[name], **kwargs)
    assert layer.shape[0] == len(X) and layer.ndim == 4
    np.testing.assert_allclose(
        layer.reshape(len(X), -1).sum(1),
        relevance.reshape(len(X), -1).sum(1),
        rtol=1e-6,
    )


def test_layer_relevance_shape_shallow(X):
    model = make_model("shallow")
    layer = explain_layer(model, X, layer="conv_time", device="cpu")
    # braindecode layout inside the network: (n, n_filters, n_times_out, n_chans)
    assert layer.shape == (len(X), 8, X.shape[2] - 25 + 1, X.shape[1])


@pytest.mark.parametrize("name", BRAINDECODE)
@pytest.mark.parametrize("composite", ["epsilon", "epsilon_plus_flat", "alpha2_beta1"])
def test_budget_adds_up_with_biases_and_batch_norm(name, composite, X):
    model = randomize_batch_norm(make_model(name))
    budget = relevance_budget(model, X, composite=composite, device="cpu")
    np.testing.assert_allclose(budget["logit"], _logits(model, X), rtol=1e-10)
    np.testing.assert_allclose(
        budget["input"] + budget["bias"], budget["logit"], rtol=1e-6, atol=1e-9
    )
    assert np.abs(budget["bias"]).max() > 1e-6  # biases do absorb relevance here
    relevance, bias = explain(
        model, X, composite=composite, device="cpu", return_bias_relevance=True
    )
    np.testing.assert_allclose(bias, budget["bias"])


def test_bias_relevance_is_the_epsilon_rule_share():
    """One linear layer: bias share = b_k / z_k * R_k (Bach et al. 2015)."""
    layer = torch.nn.Linear(5, 2).double()
    X = np.random.default_rng(0).standard_normal((3, 5))
    relevance, bias = explain(
        layer,
        X,
        composite="epsilon",
        epsilon=1e-12,
        target=0,
        device="cpu",
        return_bias_relevance=True,
    )
    b = layer.bias.detach().numpy()[0]
    np.testing.assert_allclose(bias, np.full(3, b), rtol=1e-9)


def test_plain_zennit_is_not_conserving_on_shallow(X):
    """Documents the bug this package fixes (numbers quoted in docs/explain.md)."""
    from zennit.composites import EpsilonPlusFlat

    model = zero_biases(make_model("shallow"))
    x = torch.as_tensor(X).requires_grad_(True)
    with EpsilonPlusFlat().context(model):
        out = model(x)
        target = out.argmax(1)
        seed = torch.zeros_like(out)
        seed[range(len(X)), target] = out[range(len(X)), target].detach()
        (relevance,) = torch.autograd.grad(out, x, seed)
    ratio = relevance.sum((1, 2)).numpy() / _logits(model, X)
    assert np.abs(ratio - 1).max() > 0.05
    ours = explain(model, X, composite="epsilon_plus_flat", device="cpu")
    np.testing.assert_allclose(ours.sum((1, 2)) / _logits(model, X), 1, rtol=1e-3)


@pytest.mark.parametrize(
    "name, tol", [("shallow", 0.01), ("deep4", 0.01), ("eegnet", 0.05)]
)
def test_alpha2_beta1_conserves_with_one_sided_fallback(name, tol, X):
    """Textbook αβ creates (α R) or flips (−β R) relevance at one-sided neurons."""
    model = zero_biases(make_model(name))
    relevance = explain(model, X, composite="epsilon_alpha2_beta1", device="cpu")
    logit = _logits(model, X)
    total = relevance.reshape(len(X), -1).sum(1)
    assert np.all(np.abs(total - logit) <= tol * np.abs(logit)), (total, logit)
