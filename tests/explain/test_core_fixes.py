"""Fixes of the independent check of the LRP core (issue 11, §6)."""

import ast
import pathlib

import numpy as np
import pytest
import torch
from torch import nn

import eegxai.explain as explain_pkg
from eegxai.explain import (
    METHODS,
    REGISTRY,
    Method,
    explain,
    register_method,
    relevance_budget,
)

from .conftest import make_model


class PoolNet(nn.Module):
    """Conv → ReLU → average pooling → linear, no biases (LRP-0 = gradient × input)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv1d(3, 5, 7, bias=False)
        self.act = nn.ReLU()
        self.pool = nn.AvgPool1d(4)
        self.flat = nn.Flatten()
        self.fc = nn.Linear(5 * 11, 2, bias=False)

    def forward(self, x):
        return self.fc(self.flat(self.pool(self.act(self.conv(x)))))


def test_epsilon_zero_is_lrp0_equal_to_gradient_times_input():
    model = PoolNet().double()
    X = 1e-2 * np.random.default_rng(0).normal(size=(4, 3, 50))  # small activations
    lrp0 = explain(model, X, composite="epsilon", epsilon=0.0, target=1, device="cpu")
    gxi = explain(model, X, method="gradient_x_input", target=1, device="cpu")
    np.testing.assert_allclose(lrp0, gxi, rtol=1e-9, atol=1e-15)


class ClassifierFirst(nn.Module):
    """Classifier registered before the convolution; forward runs the conv first."""

    def __init__(self, reverse: bool):
        super().__init__()
        torch.manual_seed(0)
        fc = nn.Linear(4 * 44, 2)
        conv = nn.Conv1d(3, 4, 7)
        if reverse:  # registration order: fc, conv
            self.fc, self.conv = fc, conv
        else:
            self.conv, self.fc = conv, fc
        self.act = nn.ReLU()

    def forward(self, x):
        return self.fc(self.act(self.conv(x)).flatten(1))


def test_layer_roles_follow_execution_order_not_registration():
    from eegxai.explain._modules import execution_order
    from eegxai.explain.composites import make_composite

    X = np.random.default_rng(1).normal(size=(3, 3, 50))
    natural, reversed_ = ClassifierFirst(False).double(), ClassifierFirst(True).double()
    assert [n for n, _ in reversed_.named_children()][:2] == ["fc", "conv"]
    order = execution_order(reversed_, torch.as_tensor(X[:1]))
    assert order == ["conv", "act", "fc"]
    comp = make_composite("epsilon_gamma_wsquare", execution_order=order)
    with comp.context(reversed_):
        assert comp.assignments["conv"] == "WSquare" and comp.assignments["fc"] == "Epsilon"
    for composite in ("epsilon_gamma_wsquare", "epsilon_plus_flat"):
        a = explain(natural, X, composite=composite, device="cpu")
        b = explain(reversed_, X, composite=composite, device="cpu")
        np.testing.assert_allclose(a, b, rtol=1e-12)


class FunctionalLogSoftmax(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return torch.log_softmax(self.fc(x), dim=1)


@pytest.mark.parametrize("head", ["softmax", "log_softmax", "functional"])
@pytest.mark.parametrize("method", ["lrp", "gradient", "integrated_gradients"])
def test_softmax_ending_model_is_an_error(head, method):
    if head == "functional":
        model = FunctionalLogSoftmax().double()
    else:
        last = nn.Softmax(dim=1) if head == "softmax" else nn.LogSoftmax(dim=1)
        model = nn.Sequential(nn.Linear(6, 3), nn.ReLU(), nn.Linear(3, 3), last).double()
    X = np.random.default_rng(0).normal(size=(4, 6))
    with pytest.raises(ValueError, match="Pass the logit model"):
        explain(model, X, method=method, device="cpu")
    logits = nn.Sequential(*list(model.children())[:-1]) if head != "functional" else model.fc
    assert np.isfinite(explain(logits, X, method=method, device="cpu")).all()


def test_volt_scale_input_warns_about_absolute_stabilisers(X):
    model = make_model("shallow")
    with pytest.warns(UserWarning, match="stabiliser"):
        explain(model, 1e-5 * X, device="cpu")  # EEG in volts
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explain(model, X, device="cpu")  # standardized / µV scale: silent


def test_stabiliser_share_warns_in_relevance_budget_but_biases_do_not():
    import warnings

    torch.manual_seed(0)
    bias_free = nn.Sequential(nn.Linear(4, 3, bias=False), nn.ReLU(),
                              nn.Linear(3, 2, bias=False)).double()
    X = np.abs(np.random.default_rng(0).normal(size=(5, 4)))
    with pytest.warns(UserWarning, match="stabilisers absorb a median"):
        budget = relevance_budget(bias_free, 1e-7 * X, composite="epsilon", device="cpu")
    assert np.nanmedian(np.abs(budget["stabilizer"] / budget["logit"])) > 0.9
    np.testing.assert_allclose(budget["residual"], 0, atol=1e-12)
    biased = nn.Linear(4, 2).double()
    with torch.no_grad():
        biased.weight.mul_(0.01)
        biased.bias.fill_(5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a large *bias* share is the model, not an error
        budget = relevance_budget(biased, X, composite="epsilon", device="cpu")
    assert np.median(np.abs(budget["bias"] / budget["logit"])) > 0.9
    np.testing.assert_allclose(budget["stabilizer"], 0, atol=1e-12)


def _intra_package_imports(path: pathlib.Path) -> set[str]:
    """Modules of eegxai.explain imported anywhere in ``path`` (also inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
            "eegxai.explain."
        ):
            found.add(node.module.split(".")[2])
    return found


def test_no_import_cycle_inside_explain():
    root = pathlib.Path(explain_pkg.__file__).parent
    graph = {p.stem: _intra_package_imports(p) for p in root.glob("*.py") if p.stem != "__init__"}
    assert "layers" not in graph["attribution"]

    def visit(node, stack):
        assert node not in stack, f"import cycle: {' -> '.join([*stack, node])}"
        for nxt in graph.get(node, ()):
            visit(nxt, [*stack, node])

    for module in graph:
        visit(module, [])


def test_a_new_method_is_one_registry_entry(X):
    from eegxai.explain._core import _logit

    def doubled_gradient(model, x, ctx):
        x = x.detach().requires_grad_(True)
        out = ctx.forward(model, x)
        (grad,) = torch.autograd.grad(_logit(out, ctx.target(out)).sum(), x)
        return 2 * grad

    model = make_model("shallow")
    try:
        register_method("doubled_gradient", Method(doubled_gradient))
        assert "doubled_gradient" in METHODS
        R = explain(model, X, method="doubled_gradient", device="cpu", batch_size=3)
        np.testing.assert_allclose(R, 2 * explain(model, X, method="gradient", device="cpu"))
    finally:
        REGISTRY.pop("doubled_gradient", None)
        METHODS.pop("doubled_gradient", None)
    # every built-in method is such an entry with the common signature
    assert all(isinstance(m, Method) and callable(m.batch) for m in REGISTRY.values())
