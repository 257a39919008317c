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
