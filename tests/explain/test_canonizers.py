import numpy as np
import pytest
import torch
from torch import nn

from eegxai.explain import canonize
from eegxai.explain.canonizers import (
    MergeBatchNorm,
    RemoveParametrizations,
    SplitCombinedConv,
    SplitConv,
)

from .conftest import assert_unchanged, make_model, randomize_batch_norm, snapshot

MODELS = ["shallow", "deep4", "eegnet", "cnn", "mlp"]


@pytest.mark.parametrize("name", MODELS)
def test_canonize_keeps_output_and_is_reversible(name, X):
    model = randomize_batch_norm(make_model(name))
    x = torch.as_tensor(X)
    before = snapshot(model)
    with torch.no_grad():
        reference = model(x)
        with canonize(model) as canonical:
            assert canonical is model
            canonized_out = canonical(x)
            leaves = [type(m) for m in canonical.modules() if not list(m.children())]
        after = model(x)
    # float64: only rounding differences from re-associating the sums
    np.testing.assert_allclose(canonized_out, reference, rtol=1e-10, atol=1e-10)
    assert torch.equal(after, reference)
    assert nn.BatchNorm2d not in leaves and nn.BatchNorm1d not in leaves
    assert_unchanged(model, before)


def test_split_combined_conv_makes_first_layer_hookable(X):
    from braindecode.modules import CombinedConv

    model = make_model("shallow")
    calls = []
    with canonize(model, [SplitCombinedConv()]):
        assert not any(isinstance(m, CombinedConv) for m in model.modules())
        split = model.conv_time_spat
        assert isinstance(split, SplitConv)
        split.conv_time.register_forward_hook(lambda *a: calls.append("time"))
        split.conv_spat.register_forward_hook(lambda *a: calls.append("spat"))
        model(torch.as_tensor(X))
        # the original weights are shared, not copied
        assert split.conv_time.weight is model.conv_time_spat.conv_time.weight
    assert calls == ["time", "spat"]
    assert isinstance(model.conv_time_spat, CombinedConv)


def test_split_ignores_spat_bias_like_combined_conv(X):
    """CombinedConv(bias_spat=False) ignores a bias attached to conv_spat."""
    model = randomize_batch_norm(make_model("shallow"))
    conv_spat = model.conv_time_spat.conv_spat
    conv_spat.bias = nn.Parameter(
        torch.ones(conv_spat.out_channels, dtype=torch.float64)
    )
    x = torch.as_tensor(X)
    with torch.no_grad():
        reference = model(x)
        with canonize(model):
            out = model(x)
    np.testing.assert_allclose(out, reference, rtol=1e-10, atol=1e-10)


def test_zennit_merge_changes_logits_ours_does_not(X):
    """The bug of zennit's SequentialMergeBatchNorm on CombinedConv (ANCHORS.md)."""
    from zennit.canonizers import SequentialMergeBatchNorm

    model = randomize_batch_norm(make_model("shallow"))
    x = torch.as_tensor(X)
    with torch.no_grad():
        reference = model(x)
        handles = SequentialMergeBatchNorm().apply(model)
        zennit_out = model(x)
        for handle in handles:
            handle.remove()
        with canonize(model):
            ours = model(x)
    assert (zennit_out - reference).abs().max() > 1e-3
    np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-10)


def test_remove_parametrizations_exposes_constrained_weight():
    model = make_model("eegnet")
    constrained = model.conv_spatial.weight.detach().clone()
    with canonize(model, [RemoveParametrizations()]):
        conv = model.conv_spatial
        assert type(conv) is nn.Conv2d
        assert dict(conv.named_parameters(recurse=False)).keys() == {"weight"}
        assert torch.equal(conv.weight, constrained)
    assert hasattr(model.conv_spatial, "parametrizations")


def test_merge_batch_norm_only_in_sequential_chains():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = nn.BatchNorm1d(4)  # registered first but applied first too
            self.lin = nn.Linear(4, 4)

        def forward(self, x):
            return self.lin(self.bn(x))

    model = randomize_batch_norm(Custom().double().eval())
    x = torch.randn(5, 4, dtype=torch.float64)
    with torch.no_grad():
        reference = model(x)
        with canonize(model, [MergeBatchNorm()]):
            assert isinstance(model.bn, nn.BatchNorm1d)  # not merged: wrong order
            np.testing.assert_allclose(model(x), reference)


def test_canonize_restores_on_error():
    model = make_model("shallow")
    before = snapshot(model)
    with pytest.raises(RuntimeError, match="boom"):
        with canonize(model):
            raise RuntimeError("boom")
    assert_unchanged(model, before)
