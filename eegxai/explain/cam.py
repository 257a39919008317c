"""Class activation maps: CAM for GAP networks and Grad-CAM for any conv layer.

CAM (Zhou et al. 2016) applies to networks whose convolutional features
``f_k(p)`` (``p`` a spatial position) are globally average-pooled,
``F_k = mean_p f_k(p)``, and fed to a linear layer ``S_c = Σ_k w_k^c F_k + b_c``.
The class map ``M_c(p) = Σ_k w_k^c f_k(p) / N_p`` then decomposes the score
exactly: ``Σ_p M_c(p) + b_c = S_c`` (the lecture's identity, with the pooling's
``1/N_p`` folded into the map). Grad-CAM (Selvaraju et al. 2017) generalises
it to any layer ``A``: ``α_k = mean_p ∂S_c/∂A_k(p)``, ``M = ReLU(Σ_k α_k A_k)``.

Maps are over the layer's spatial axes; singleton axes are dropped and the
remaining ``d`` axes are upsampled (linear interpolation) to the *last* ``d``
axes of a sample: image pixels ``(H, W)`` of ``(3, H, W)``, sequence positions
``L`` of one-hot DNA ``(4, L)``, EEG time of braindecode's ``(K, T', 1)``
feature maps.

References
----------
.. [1] Zhou, B., Khosla, A., Lapedriza, A., Oliva, A. & Torralba, A. (2016).
   Learning deep features for discriminative localization. CVPR.
.. [2] Selvaraju, R. R. et al. (2017). Grad-CAM: visual explanations from deep
   networks via gradient-based localization. ICCV.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._check import validate_type
from ._core import Method, _logit
from ._modules import execution_order, resolve_layer

__all__ = ["CAM_METHODS", "cam_head"]

_POOLS = (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
          nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
_PASS = (nn.Flatten, nn.Identity, nn.Unflatten, nn.modules.dropout._DropoutNd)


def _not_gap(found: str) -> ValueError:
    return ValueError(
        "CAM needs a conv → global average pooling → linear network (Zhou et al. "
        "2016): the last module that runs must be an nn.Linear fed (through "
        "Flatten/Dropout/Identity only) by an average pooling (nn.AdaptiveAvgPool*"
        " or nn.AvgPool*) whose output is 1 along every spatial axis. "
        f"This model is not one: {found}. Use method='gradcam' with a layer name."
    )


def cam_head(model: nn.Module, x: torch.Tensor) -> tuple[str, str]:
    """Check the CAM architecture; return the names of the pooling and linear layers.

    Parameters
    ----------
    model : torch.nn.Module
        The model (eval mode).
    x : torch.Tensor, shape (n_samples, ...)
        One example batch (the check runs the model once).

    Returns
    -------
    pool, linear : str
        Module names of the global average pooling and the final linear layer.
    """
    order = execution_order(model, x, shapes=True)
    named = dict(model.named_modules())
    if not order:
        raise _not_gap("no submodule runs in forward()")
    name, _, _ = order[-1]
    if not isinstance(named[name], nn.Linear):
        raise _not_gap(f"the last module that runs is {name!r} "
                       f"({type(named[name]).__name__}), not nn.Linear")
    linear = name
    k = len(order) - 2
    while k >= 0 and isinstance(named[order[k][0]], _PASS):
        k -= 1
    if k < 0 or not isinstance(named[order[k][0]], _POOLS):
        found = "nothing" if k < 0 else (
            f"{order[k][0]!r} ({type(named[order[k][0]]).__name__})")
        raise _not_gap(f"the final nn.Linear {linear!r} is fed by {found}")
    pool, in_shape, out_shape = order[k]
    if len(out_shape) < 3 or any(s != 1 for s in out_shape[2:]):
        raise _not_gap(f"the pooling {pool!r} outputs {out_shape}, not 1 per spatial axis")
    if named[linear].in_features != out_shape[1]:
        raise _not_gap(f"{linear!r} takes {named[linear].in_features} features, "
                       f"the pooling gives {out_shape[1]} channels")
    if not any(isinstance(named[n], nn.modules.conv._ConvNd) for n, _, _ in order[:k]):
        raise _not_gap(f"no convolution runs before the pooling {pool!r}")
    return pool, linear


def _capture(module: nn.Module, box: dict):
    def hook(mod, inputs, output):
        box["input"] = inputs[0]
        box["output"] = output

    return module.register_forward_hook(hook)


def _to_input_axes(M: torch.Tensor, X_shape, upsample: bool, keep_sum: bool):
    """Drop singleton spatial axes; interpolate onto the last axes of a sample."""
    spatial = [s for s in M.shape[1:] if s != 1]
    d = len(spatial)
    if d == 0 or d > len(X_shape) - 1 or d > 3:
        raise ValueError(
            f"The map has spatial shape {tuple(M.shape[1:])}; it cannot be mapped "
            f"onto the axes of samples of shape {tuple(X_shape[1:])}."
        )
    M = M.reshape(len(M), *spatial)
    if not upsample:
        return M
    size = tuple(X_shape[-d:])
    mode = ("linear", "bilinear", "trilinear")[d - 1]
    up = F.interpolate(M.unsqueeze(1), size=size, mode=mode, align_corners=False)[:, 0]
    if keep_sum:
        up = up * (float(np.prod(spatial)) / float(np.prod(size)))
    return up


def _cam(model, x, ctx, upsample):
    if "cam_head" not in ctx.state:
        ctx.state["cam_head"] = cam_head(model, x[:1])
    pool_name, linear_name = ctx.state["cam_head"]
    linear = model.get_submodule(linear_name)
    box: dict = {}
    handle = _capture(model.get_submodule(pool_name), box)
    try:
        with torch.no_grad():
            out = ctx.forward(model, x)
    finally:
        handle.remove()
    target = ctx.target(out)
    features = box["input"]  # (n, K, *spatial)
    n_pos = int(np.prod(features.shape[2:]))
    weights = linear.weight[target]  # (n, K)
    M = torch.einsum("nk,nk...->n...", weights, features) / n_pos
    return _to_input_axes(M, ctx.X_shape, upsample, keep_sum=True)


def _gradcam(model, x, ctx, layer, upsample, relu):
    module = resolve_layer(model, layer)
    box: dict = {}
    handle = _capture(module, box)
    try:
        x = x.detach().requires_grad_(True)
        out = ctx.forward(model, x)
    finally:
        handle.remove()
    A = box.get("output")
    if not isinstance(A, torch.Tensor) or A.ndim < 3:
        raise ValueError(
            f"Grad-CAM needs a layer with spatial output (n, K, ...); {layer!r} "
            f"gives {getattr(A, 'shape', type(A))}."
        )
    target = ctx.target(out)
    (grad,) = torch.autograd.grad(_logit(out, target).sum(), A)
    alpha = grad.flatten(2).mean(2)  # (n, K)
    M = torch.einsum("nk,nk...->n...", alpha, A.detach())
    if relu:
        M = M.clamp(min=0)
    return _to_input_axes(M, ctx.X_shape, upsample, keep_sum=False)


def _check_cam(merged):
    validate_type(merged["upsample"], bool, "upsample")
    return merged


def _check_gradcam(merged):
    if merged["layer"] is None:
        raise TypeError(
            "method='gradcam' requires the keyword argument 'layer' (a module "
            "name of model.named_modules(), e.g. layer='features.3')."
        )
    validate_type(merged["layer"], str, "layer")
    validate_type(merged["relu"], bool, "relu")
    return _check_cam(merged)


#: Registry entries of :func:`eegxai.explain.explain`.
CAM_METHODS = {
    "cam": Method(_cam, {"upsample": True}, _check_cam, reference="Zhou et al. 2016"),
    "gradcam": Method(
        _gradcam,
        {"layer": None, "upsample": True, "relu": True},
        _check_gradcam,
        reference="Selvaraju et al. 2017",
    ),
}
