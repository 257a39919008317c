"""Fast-path kernels of the hand-written rules equal the generic convolution."""

from __future__ import annotations

import pytest
import torch


@pytest.mark.parametrize("seed", [0, 1])
def test_full_width_conv_matmul_path_equals_convolution(seed):
    """braindecode's conv_spat (kernel spans all channels) runs as a matmul."""
    import torch.nn.functional as F

    from eegxai.explain.rules import _apply, _apply_transposed, _full_width

    g = torch.Generator().manual_seed(seed)
    conv = torch.nn.Conv2d(5, 7, (1, 6)).double()
    x = torch.randn(3, 5, 11, 6, generator=g, dtype=torch.float64)
    assert _full_width(conv, x.shape)
    assert not _full_width(conv, (3, 5, 11, 8))
    out = _apply(conv, x, conv.weight, conv.bias)
    torch.testing.assert_close(out, F.conv2d(x, conv.weight, conv.bias), rtol=1e-12, atol=1e-12)
    grad = torch.randn(out.shape, generator=g, dtype=torch.float64)
    expected = torch.nn.grad.conv2d_input(x.shape, conv.weight, grad)
    torch.testing.assert_close(_apply_transposed(conv, x.shape, conv.weight, grad), expected,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_chans", [3, 20])
def test_temporal_conv_matmul_path_equals_convolution(n_chans):
    """conv_time (1 input channel, (K x 1) kernel) as batched matmuls, both layouts."""
    import torch.nn.functional as F

    from eegxai.explain.rules import _apply, _temporal

    g = torch.Generator().manual_seed(n_chans)
    conv = torch.nn.Conv2d(1, 6, (9, 1)).double()
    x = torch.randn(4, 1, 40, n_chans, generator=g, dtype=torch.float64)
    assert _temporal(conv, x.shape)
    assert not _temporal(torch.nn.Conv2d(2, 6, (9, 1)), (4, 2, 40, n_chans))
    out = _apply(conv, x, conv.weight, conv.bias)
    # the values of the convolution, laid out (trials, times, filters, channels)
    torch.testing.assert_close(out, F.conv2d(x, conv.weight, conv.bias), rtol=1e-12, atol=1e-12)
    assert out.permute(0, 2, 1, 3).is_contiguous()


@pytest.mark.parametrize("kernel,stride,n_times", [((75, 1), (15, 1), 160), ((6, 1), (3, 1), 31),
                                                    ((3, 2), (1, 1), 9)])
def test_pool_transpose_equals_autograd(kernel, stride, n_times):
    from eegxai.explain.rules import _pool_transposed

    g = torch.Generator().manual_seed(0)
    pool = torch.nn.AvgPool2d(kernel, stride)
    x = torch.randn(2, 3, n_times, 4, generator=g, dtype=torch.float64, requires_grad=True)
    y = pool(x)
    grad = torch.randn(y.shape, generator=g, dtype=torch.float64)
    (expected,) = torch.autograd.grad(y, x, grad)
    torch.testing.assert_close(_pool_transposed(pool, x.detach(), grad), expected,
                               rtol=1e-12, atol=1e-12)


def _shallow(n_chans, n_times):
    import warnings

    from braindecode.models import ShallowFBCSPNet

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ShallowFBCSPNet(n_chans, 2, n_times=n_times).eval()


@pytest.mark.parametrize("composite", ["epsilon_plus_flat", "epsilon_alpha2_beta1_flat", "epsilon"])
def test_fused_pair_equals_layer_by_layer(composite, monkeypatch):
    """The chunked, fused conv_time -> conv_spat backward gives the same relevance."""
    from eegxai.explain import COMPOSITES, explain, rules

    if composite not in COMPOSITES:
        pytest.skip(f"no composite {composite!r}")
    model = _shallow(20, 200)
    X = torch.randn(5, 20, 200, generator=torch.Generator().manual_seed(1)).numpy()
    calls = []
    real = rules._FusedPair.apply
    monkeypatch.setattr(rules._FusedPair, "apply", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(rules, "PAIR_CHUNK_ELEMENTS", 1)  # one trial per chunk
    fused = explain(model, X, composite=composite, device="cpu")
    assert calls, "the fused path did not run"
    monkeypatch.setattr(rules, "fused_pair", lambda *a: None)
    layered = explain(model, X, composite=composite, device="cpu")
    assert len(calls) == 1
    scale = abs(layered).max()
    torch.testing.assert_close(torch.as_tensor(fused), torch.as_tensor(layered),
                               rtol=1e-4, atol=1e-5 * scale)


def test_fused_pair_not_used_when_a_layer_is_probed():
    """explain_layer hooks conv_time: the pair runs layer by layer (no fusion)."""
    from eegxai.explain import explain_layer, rules

    model = _shallow(3, 200)
    X = torch.randn(2, 3, 200, generator=torch.Generator().manual_seed(2)).numpy()
    real, calls = rules._FusedPair.apply, []
    rules._FusedPair.apply = lambda *a: calls.append(1) or real(*a)
    try:
        out = explain_layer(model, X, layer="conv_time")
    finally:
        rules._FusedPair.apply = real
    assert out.shape[:2] == (2, 40) and not calls
