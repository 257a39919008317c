"""One entry point for attribution methods: :func:`explain`.

Nothing here knows about EEG: a model is any ``torch.nn.Module`` mapping a batch
``(n_samples, ...)`` to class scores ``(n_samples, n_classes)`` (extra trailing
axes, e.g. braindecode's cropped predictions ``(n_samples, n_classes,
n_preds)``, are averaged). The *logit* of a sample is the model's raw output for
the target class (no softmax).

References
----------
.. [1] Bach, S. et al. (2015). On pixel-wise explanations for non-linear
   classifier decisions by layer-wise relevance propagation. PLoS ONE 10(7).
.. [2] Simonyan, K., Vedaldi, A. & Zisserman, A. (2014). Deep inside
   convolutional networks: visualising image classification models and saliency
   maps. ICLR workshop.
.. [3] Montavon, G., Samek, W. & Müller, K.-R. (2018). Methods for interpreting
   and understanding deep neural networks. Digital Signal Processing 73, 1–15.
.. [4] Shrikumar, A., Greenside, P. & Kundaje, A. (2017). Learning important
   features through propagating activation differences. ICML (gradient × input).
.. [5] Sundararajan, M., Taly, A. & Yan, Q. (2017). Axiomatic attribution for
   deep networks. ICML (integrated gradients).
.. [6] Springenberg, J. T. et al. (2015). Striving for simplicity: the all
   convolutional net. ICLR workshop (guided backpropagation).
.. [7] Zeiler, M. D. & Fergus, R. (2014). Visualizing and understanding
   convolutional networks. ECCV (deconvnet, occlusion).
.. [8] Lundberg, S. M. & Lee, S.-I. (2017). A unified approach to
   interpreting model predictions. NeurIPS (SHAP, Kernel SHAP).
.. [9] Zhou, B. et al. (2016). Learning deep features for discriminative
   localization. CVPR (CAM).
.. [10] Selvaraju, R. R. et al. (2017). Grad-CAM. ICCV.

Each method is one entry of :data:`REGISTRY` (a per-batch function with the
common signature of :class:`~eegxai.explain._core.Method`); a new method is a
new entry (:func:`register_method`).
"""

from __future__ import annotations

import contextlib
import numbers
import warnings
from collections import defaultdict
from typing import Any

import numpy as np
import torch
from torch import nn
from zennit.composites import LayerMapComposite
from zennit.rules import ReLUDeconvNet, ReLUGuidedBackprop
from zennit.types import Activation

from .._check import check_kwargs, check_option, validate_type
from .._device import resolve_device
from ._core import (
    Batch,
    CallableModel,
    Method,
    _check_target,
    _check_X,
    _logit,
    _model_dtype,
    _seed,
    check_int_kwargs,
    check_logit_model,
    prepared_model,
    removing,
)
from ._modules import execution_order, resolve_layer
from .cam import CAM_METHODS
from .canonizers import canonize
from .composites import COMPOSITES, check_rule_kwargs, make_composite
from .shapley import SHAPLEY_METHODS

__all__ = ["METHODS", "REGISTRY", "explain", "register_method", "relevance_budget"]

_resolve_device = resolve_device


# ----------------------------------------------------------------------------
# per-batch methods: fn(model, x, ctx: Batch, **kwargs) -> relevance | dict
# ----------------------------------------------------------------------------
def _grad_and_values(model, x, ctx):
    x = x.detach().requires_grad_(True)
    out = ctx.forward(model, x)
    target = ctx.target(out)
    wrt = ctx.layer_box["output"] if ctx.layer_box is not None else x
    (grad,) = torch.autograd.grad(_logit(out, target).sum(), wrt)
    return grad, wrt.detach()


def _gradient(model, x, ctx):
    return _grad_and_values(model, x, ctx)[0]


def _sensitivity(model, x, ctx):
    return _grad_and_values(model, x, ctx)[0] ** 2


def _gradient_x_input(model, x, ctx):
    grad, values = _grad_and_values(model, x, ctx)
    return grad * values


def _taylor(model, x, ctx, n_grid, n_iter):
    """Simple Taylor decomposition at a root point on the segment ``t x``."""
    with torch.no_grad():
        out = ctx.forward(model, x)
        target = ctx.target(out)
        shape = (-1,) + (1,) * (x.ndim - 1)

        def f(t):
            return _logit(model(x * t.reshape(shape)), target)

        n = x.shape[0]
        grid = torch.linspace(0, 1, n_grid + 1, dtype=x.dtype, device=x.device)
        values = torch.stack([f(g.expand(n)) for g in grid])  # (n_grid+1, n)
        # bracket closest to x: last sign change along the grid
        change = (values[:-1] * values[1:]) <= 0
        idx = torch.arange(n_grid, device=x.device).unsqueeze(1).expand_as(change)
        k = torch.where(change, idx, torch.full_like(idx, -1)).max(0).values
        has_root = k >= 0
        best = values.abs().argmin(0)
        t_best = grid[best]
        lo = grid[k.clamp(min=0)]
        hi = grid[(k + 1).clamp(max=n_grid)]
        f_lo = values[k.clamp(min=0), torch.arange(n, device=x.device)]
        for _ in range(n_iter if bool(has_root.any()) else 0):
            mid = (lo + hi) / 2
            f_mid = f(mid)
            same = torch.sign(f_mid) == torch.sign(f_lo)
            lo = torch.where(same, mid, lo)
            f_lo = torch.where(same, f_mid, f_lo)
            hi = torch.where(same, hi, mid)
        t_root = torch.where(has_root, (lo + hi) / 2, t_best)
        root = x * t_root.reshape(shape)
    root = root.requires_grad_(True)
    (grad,) = torch.autograd.grad(_logit(model(root), target).sum(), root)
    return grad * (x - root.detach())


def _integrated_gradients(model, x, ctx, n_steps, baseline):
    with torch.no_grad():
        target = ctx.target(ctx.forward(model, x))
    base = torch.full_like(x, float(baseline))
    total = torch.zeros_like(x)
    for k in range(n_steps):  # midpoint Riemann sum (Sundararajan et al. 2017, eq. 3)
        alpha = (k + 0.5) / n_steps
        point = (base + alpha * (x - base)).requires_grad_(True)
        (grad,) = torch.autograd.grad(_logit(model(point), target).sum(), point)
        total += grad
    return (x - base) * total / n_steps


def _occlude_groups(model, x, ctx, groups, baseline):
    """Logit drop when each group of features is replaced by ``baseline`` at once."""
    shape = tuple(ctx.X_shape[1:])
    groups = np.asarray(groups)
    if groups.dtype.kind not in "iu" or groups.shape != shape:
        raise ValueError(
            f"'groups' must be an int array of a sample's shape {shape}, but got "
            f"dtype {groups.dtype} and shape {groups.shape} instead."
        )
    with torch.no_grad():
        out = ctx.forward(model, x)
        target = ctx.target(out)
        reference = _logit(out, target)
        flat = x.reshape(len(x), -1)
        relevance = torch.zeros_like(flat)
        for g in np.unique(groups):
            mask = torch.as_tensor((groups == g).ravel(), device=x.device)
            occluded = torch.where(mask, torch.full_like(flat, float(baseline)), flat)
            drop = reference - _logit(model(occluded.reshape(x.shape)), target)
            relevance[:, mask] = (drop / int(mask.sum())).unsqueeze(1)
        return relevance.reshape(x.shape)


def _occlusion(model, x, ctx, window, stride, baseline, groups):
    """Logit drop when a window is replaced by ``baseline``.

    With ``groups`` (int array of a sample's shape, e.g. image patches), each
    group is occluded at once and its drop spread evenly over its features.
    Otherwise, 3-D inputs ``(n, n_channels, n_times)``: one window per channel
    and time segment; other inputs: windows along the last axis, all other
    axes at once. Each occluded element receives the drop divided by the
    window length, averaged over the windows covering it.
    """
    if groups is not None:
        return _occlude_groups(model, x, ctx, groups, baseline)
    with torch.no_grad():
        out = ctx.forward(model, x)
        target = ctx.target(out)
        reference = _logit(out, target)
        length = x.shape[-1]
        window = window or max(1, length // 10)
        window = min(window, length)
        stride = stride or window
        starts = list(range(0, max(length - window, 0) + 1, stride))
        if starts[-1] + window < length:
            starts.append(length - window)
        relevance = torch.zeros_like(x)
        counts = torch.zeros(length, dtype=x.dtype, device=x.device)
        for s in starts:
            counts[s : s + window] += 1
        rows = range(x.shape[1]) if x.ndim == 3 else [None]
        for row in rows:
            for s in starts:
                occluded = x.clone()
                if row is None:
                    occluded[..., s : s + window] = baseline
                else:
                    occluded[:, row, s : s + window] = baseline
                drop = reference - _logit(model(occluded), target)
                shape = (-1,) + (1,) * (x.ndim - 1)
                share = (drop / window).reshape(shape)
                if row is None:
                    relevance[..., s : s + window] += share
                else:
                    relevance[:, row, s : s + window] += share.reshape(-1, 1)
        return relevance / counts


def _lrp(model, x, ctx, **rule_kwargs):
    x = x.detach().requires_grad_(True)
    out = ctx.forward(model, x)
    target = ctx.target(out)
    wrt = ctx.layer_box["output"] if ctx.layer_box is not None else x
    comp = ctx.state["composite"]
    comp.absorbed.clear()
    (relevance,) = torch.autograd.grad(out, wrt, grad_outputs=_seed(out, target))
    logit = _logit(out, target).detach()
    result = {"relevance": relevance, "logit": logit}
    if comp.track_budget:
        parts = [sum(v) for v in comp.absorbed.values()]
        result["bias"] = sum(parts) if parts else torch.zeros_like(logit)
        # what layers without a (non-zero) bias absorb is stabiliser alone
        stab = [sum(v) for k, v in comp.absorbed.items() if k in ctx.state["bias_free"]]
        result["stabilizer"] = sum(stab) if stab else torch.zeros_like(logit)
    return result


# ----------------------------------------------------------------------------
# contexts entered once around all batches
# ----------------------------------------------------------------------------
def _guided_context(method):
    def context(model, kwargs, state):
        hook = ReLUGuidedBackprop() if method == "guided_backprop" else ReLUDeconvNet()
        # zennit maps these rules to nn.ReLU only; its hooks are valid for any
        # element-wise activation (ELU, LeakyReLU, ...), so they are mapped to all.
        return LayerMapComposite(layer_map=[(Activation, hook)]).context(model)

    return context


@contextlib.contextmanager
def _lrp_context(model, kwargs, state):
    # roles (first / dense) follow the order the modules run in, not the order
    # __init__ registered them
    order = state.get("order") or execution_order(model, state["x0"])
    comp = make_composite(
        state["composite_name"],
        track_budget=state["track_budget"],
        execution_order=order,
        **kwargs,
    )
    state["composite"] = comp
    state["bias_free"] = {
        name for name, m in model.named_modules()
        if getattr(m, "bias", None) is None or not bool(torch.as_tensor(m.bias).any())
    }
    with comp.context(model):
        if comp.unassigned:
            warnings.warn(
                "No LRP rule for module(s) "
                + ", ".join(
                    f"{n!r} ({type(model.get_submodule(n)).__name__})"
                    for n in comp.unassigned
                )
                + "; the plain gradient flows through them, so relevance may "
                "not be conserved.",
                UserWarning,
                stacklevel=5,
            )
        yield


def _check_occlusion(merged):
    check_int_kwargs(merged, ("window", "stride"))
    validate_type(merged["baseline"], numbers.Real, "baseline")
    return merged


def _check_ig(merged):
    check_int_kwargs(merged)
    validate_type(merged["baseline"], numbers.Real, "baseline")
    return merged


#: Every attribution method: one :class:`~eegxai.explain._core.Method` entry
#: each (per-batch function, keyword arguments, set-up).
REGISTRY: dict[str, Method] = {
    "lrp": Method(_lrp, canonize=True, context=_lrp_context, reference="Bach et al. 2015"),
    "gradient": Method(_gradient, reference="Simonyan et al. 2014"),
    "sensitivity": Method(_sensitivity, reference="Montavon et al. 2018"),
    "gradient_x_input": Method(_gradient_x_input, reference="Shrikumar et al. 2017"),
    "taylor": Method(_taylor, {"n_grid": 8, "n_iter": 30}, check_int_kwargs,
                     reference="Montavon et al. 2018"),
    "integrated_gradients": Method(
        _integrated_gradients, {"n_steps": 32, "baseline": 0.0}, _check_ig,
        reference="Sundararajan et al. 2017"),
    "guided_backprop": Method(_gradient, context=_guided_context("guided_backprop"),
                              reference="Springenberg et al. 2015"),
    "deconvnet": Method(_gradient, context=_guided_context("deconvnet"),
                        reference="Zeiler & Fergus 2014"),
    "occlusion": Method(_occlusion,
                        {"window": None, "stride": None, "baseline": 0.0, "groups": None},
                        _check_occlusion, reference="Zeiler & Fergus 2014"),
    **SHAPLEY_METHODS,
    **CAM_METHODS,
}

#: Attribution methods accepted by :func:`explain`, with their keyword
#: arguments and defaults (LRP: those of the chosen composite).
METHODS: dict[str, dict[str, Any]] = {name: dict(m.params) for name, m in REGISTRY.items()}


def register_method(name: str, method: Method) -> None:
    """Add an attribution method to :func:`explain` (one registry entry).

    Parameters
    ----------
    name : str
        The ``method=`` value.
    method : Method
        Its per-batch function ``fn(model, x, ctx, **kwargs)`` and options.
    """
    validate_type(name, str, "name")
    validate_type(method, Method, "method")
    REGISTRY[name] = method
    METHODS[name] = dict(method.params)


# ----------------------------------------------------------------------------
# driver
# ----------------------------------------------------------------------------
def _check_method_kwargs(method: str, composite: str, kwargs: dict) -> dict:
    if method == "lrp":
        check_option("composite", composite, COMPOSITES)
        return check_rule_kwargs(composite, kwargs)
    spec = REGISTRY[method]
    merged = check_kwargs(kwargs, spec.params, owner=f"method {method!r}")
    return spec.check(merged) if spec.check is not None else merged


def _probe(layer_box):
    def probe(mod, inp, output):
        # a fresh view: its gradient is exactly the relevance arriving from the
        # layers above, before any rule of this layer acts
        output = output.view_as(output)
        layer_box["output"] = output
        return output

    return probe


def _warn_scale(X: np.ndarray, composite: str, kwargs: dict) -> None:
    """Warn when LRP's absolute stabilisers are large against the input's scale."""
    stabs = [v for k, v in kwargs.items() if k in ("epsilon", "stabilizer") and v > 0]
    stab = max(stabs, default=0.0)
    scale = float(np.median(np.abs(X))) if X.size else 0.0
    if stab and 0 < scale < 1e3 * stab:
        warnings.warn(
            f"The input's median |x| is {scale:.3g}, within 1000x of LRP's absolute "
            f"stabiliser/epsilon {stab:g} (composite {composite!r}): stabilisers may "
            "absorb much of the logit (after squaring, as in ShallowFBCSPNet, even "
            "more). Rescale the input (e.g. volts to microvolts), pass a smaller "
            "epsilon/stabilizer, and check relevance_budget().",
            UserWarning,
            stacklevel=4,
        )


def _attribute(
    model,
    X,
    *,
    method,
    composite,
    target,
    batch_size,
    device,
    rule_kwargs,
    layer=None,
    track_budget=False,
):
    """Shared driver of :func:`explain` and :func:`~eegxai.explain.explain_layer`.

    Returns ``(relevance, extras)`` where ``relevance`` is a float ndarray and
    ``extras`` holds further per-sample arrays (``logit`` and ``bias`` of LRP,
    ``players`` and ``base`` of Shapley values).
    """
    check_option("method", method, REGISTRY)
    spec = REGISTRY[method]
    if not isinstance(model, nn.Module) and not spec.torch_only and callable(model):
        model = CallableModel(model)
    validate_type(model, nn.Module, "model")
    validate_type(composite, str, "composite")
    kwargs = _check_method_kwargs(method, composite, rule_kwargs)
    validate_type(batch_size, numbers.Integral, "batch_size")
    if batch_size <= 0:
        raise ValueError(f"'batch_size' must be > 0, but got {batch_size!r} instead.")
    X = _check_X(X)
    target_np = _check_target(target, X.shape[0], getattr(model, "n_outputs", None))
    torch_device = _resolve_device(device)
    dtype = _model_dtype(model, X)
    if method == "lrp":
        _warn_scale(X, composite, kwargs)

    state = {"composite_name": composite, "track_budget": track_budget,
             "rows": int(batch_size)}
    parts: dict[str, list] = defaultdict(list)
    with contextlib.ExitStack() as stack:
        work = stack.enter_context(prepared_model(model, torch_device))
        if spec.canonize or layer is not None:
            work = stack.enter_context(canonize(work))
        state["x0"] = torch.as_tensor(X[:1], dtype=dtype, device=torch_device)
        if spec.logit_model:
            state["order"] = check_logit_model(work, state["x0"], X.shape)
        if spec.context is not None:
            stack.enter_context(spec.context(work, kwargs, state))
        layer_box = None
        if layer is not None:
            layer_box = {}
            module = resolve_layer(work, layer)
            stack.enter_context(removing(module.register_forward_hook(_probe(layer_box))))
        # fast rules switch grad mode off inside a layer's forward; this context
        # restores the caller's grad mode even if a forward raises
        stack.enter_context(torch.enable_grad())
        for start in range(0, X.shape[0], batch_size):
            stop = min(start + batch_size, X.shape[0])
            x = torch.as_tensor(X[start:stop], dtype=dtype, device=torch_device)
            ctx = Batch(target_np, start, stop, X.shape, layer_box, state)
            out = spec.batch(work, x, ctx, **kwargs)
            for key, value in (out if isinstance(out, dict) else {"relevance": out}).items():
                if isinstance(value, torch.Tensor):
                    value = value.detach().cpu().numpy()
                parts[key].append(np.asarray(value))
            if layer_box is not None:
                layer_box.clear()
    relevance = np.concatenate(parts.pop("relevance"))
    return relevance, {key: np.concatenate(v) for key, v in parts.items()}


def explain(
    model: nn.Module,
    X,
    *,
    method: str = "lrp",
    composite: str = "epsilon_plus_flat",
    target=None,
    batch_size: int = 256,
    device: str | torch.device = "auto",
    return_bias_relevance: bool = False,
    **rule_kwargs,
):
    r"""Relevance of every input element for the model's decision.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch of shape ``(n_samples, ...)`` to class scores
        ``(n_samples, n_classes[, ...])``. Left exactly as it was (parameters,
        buffers, training flags, hooks): it is put in eval mode, canonized and
        hooked only during the call.
    X : ndarray | torch.Tensor, shape (n_samples, ...)
        Input, e.g. ``(n_trials, n_chans, n_times)`` for EEG decoders. Must be
        finite.
    method : str
        One of :data:`METHODS`:

        - ``"lrp"``: layer-wise relevance propagation with ``composite`` [1]_;
        - ``"gradient"``: ``∂f/∂x`` (saliency) [2]_;
        - ``"sensitivity"``: ``(∂f/∂x)²`` (sensitivity analysis) [3]_;
        - ``"gradient_x_input"``: ``x ∂f/∂x`` [4]_;
        - ``"taylor"``: simple Taylor decomposition
          ``R = ∂f/∂x|_x̃ (x − x̃)`` at a root point ``x̃`` with ``f(x̃) = 0`` [3]_.
          The root is searched on the segment ``x̃ = t x``, ``t ∈ [0, 1]``:
          ``f(t x)`` is evaluated on ``n_grid + 1`` equally spaced ``t``; where it
          changes sign, the bracket closest to ``t = 1`` is refined by
          ``n_iter`` bisection steps; where it never changes sign, the grid
          point with the smallest ``|f|`` is used (then ``f(x̃) ≠ 0`` and the
          decomposition is not complete);
        - ``"integrated_gradients"``: ``(x − b) · mean_α ∂f/∂x|_{b + α(x − b)}``
          with ``n_steps`` midpoints and constant ``baseline`` b [5]_;
        - ``"guided_backprop"`` / ``"deconvnet"``: gradient with the backward of
          every element-wise activation (ReLU, ELU, ...) rectified [6]_ [7]_;
          other nonlinearities (e.g. square, log) keep their gradient;
        - ``"occlusion"``: drop of the logit when a window is replaced by
          ``baseline`` [7]_. For 3-D ``X`` one window per channel and time
          segment (``window`` samples, default ``n_times // 10``; ``stride``
          default ``window``); otherwise windows along the last axis; with
          ``groups`` (int array of a sample's shape, e.g. image patches) each
          group at once, its drop spread evenly over its features;
        - ``"shapley"`` / ``"kernel_shap"``: Shapley values of players = groups
          of features (``groups``, ``background``, ``value``; exact enumeration
          or Kernel SHAP) [8]_, see :mod:`eegxai.explain.shapley`; ``model``
          may be any callable ``ndarray -> scores``;
        - ``"cam"`` / ``"gradcam"``: class activation maps of conv → global
          average pooling → linear models [9]_ and Grad-CAM of a named layer
          [10]_, see :mod:`eegxai.explain.cam`; they return maps over the
          input's last axes, not X's shape.
    composite : str
        LRP composite, one of :data:`~eegxai.explain.COMPOSITES` (only used by
        ``method="lrp"``).
    target : None | int | array of int, shape (n_samples,)
        Class to explain: ``None`` for the predicted class of each sample.
    batch_size : int
        Samples per forward/backward pass.
    device : str | torch.device
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ... A model on
        another device is copied there; the original is not moved.
    return_bias_relevance : bool
        With ``method="lrp"``, also return the relevance absorbed per sample by
        biases (and stabilisers), so that
        ``relevance.sum(axes) + bias_relevance == logit``
        (see :func:`relevance_budget`).
    **rule_kwargs
        Keyword arguments of the composite (``epsilon``, ``gamma``, ``low``,
        ``high``, ``stabilizer``) or of the method (see :data:`METHODS`:
        ``n_grid``, ``n_iter``, ``n_steps``, ``baseline``, ``window``,
        ``stride``; ``groups``, ``background``, ``value``, ``return_players``,
        ``max_players``, ``seed``; ``layer``, ``upsample``, ``relu``). Others
        raise ``TypeError``.

    Returns
    -------
    relevance : ndarray, shape like X
        In the model's floating dtype (float32 or float64). CAM / Grad-CAM:
        shape ``(n_samples, *X.shape[-d:])`` (d = the layer's spatial axes).
        Shapley values with ``return_players=True``: a tuple ``(phi, base)``,
        ``phi`` of shape ``(n_samples, n_players)`` and ``base`` (n_samples,)
        the value of the empty coalition.
    bias_relevance : ndarray, shape (n_samples,)
        Only with ``return_bias_relevance=True``.

    References
    ----------
    .. [1] Bach, S. et al. (2015). PLoS ONE 10(7), e0130140.
    .. [2] Simonyan, K. et al. (2014). ICLR workshop.
    .. [3] Montavon, G., Samek, W. & Müller, K.-R. (2018). Digital Signal
       Processing 73, 1–15.
    .. [4] Shrikumar, A. et al. (2017). ICML.
    .. [5] Sundararajan, M. et al. (2017). ICML.
    .. [6] Springenberg, J. T. et al. (2015). ICLR workshop.
    .. [7] Zeiler, M. D. & Fergus, R. (2014). ECCV.
    .. [8] Lundberg, S. M. & Lee, S.-I. (2017). A unified approach to
       interpreting model predictions. NeurIPS.
    .. [9] Zhou, B. et al. (2016). Learning deep features for discriminative
       localization. CVPR.
    .. [10] Selvaraju, R. R. et al. (2017). Grad-CAM: visual explanations from
       deep networks via gradient-based localization. ICCV.
    """
    validate_type(return_bias_relevance, bool, "return_bias_relevance")
    if return_bias_relevance and method != "lrp":
        raise ValueError(
            "'return_bias_relevance' is only available with method='lrp', but got "
            f"method={method!r}."
        )
    relevance, extras = _attribute(
        model,
        X,
        method=method,
        composite=composite,
        target=target,
        batch_size=batch_size,
        device=device,
        rule_kwargs=rule_kwargs,
        track_budget=return_bias_relevance,
    )
    if return_bias_relevance:
        _warn_budget(extras["logit"], extras["stabilizer"])
        return relevance, extras["bias"]
    if "players" in extras:
        return extras["players"], extras["base"]
    return relevance


def _warn_budget(logit: np.ndarray, stabilizer: np.ndarray, limit: float = 0.1) -> None:
    """Warn when stabilisers (not biases) absorb a large share of the logit.

    ``stabilizer`` is what the rules of layers without a non-zero bias absorb
    (pooling, bias-free convolutions): there it can only be the stabiliser.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.abs(stabilizer) / np.abs(logit)
    median = float(np.nanmedian(share)) if np.isfinite(share).any() else 0.0
    if median > limit:
        warnings.warn(
            f"LRP's stabilisers absorb a median {100 * median:.0f}% of the logit in "
            f"layers without biases (limit {100 * limit:.0f}%): the absolute "
            "stabiliser/epsilon is too large for the activations' scale. Rescale the "
            "input (e.g. volts to microvolts) or pass a smaller epsilon/stabilizer.",
            UserWarning,
            stacklevel=3,
        )


def relevance_budget(
    model: nn.Module,
    X,
    *,
    composite: str = "epsilon_plus_flat",
    target=None,
    batch_size: int = 256,
    device: str | torch.device = "auto",
    **rule_kwargs,
) -> dict[str, np.ndarray]:
    r"""Where the logit goes under LRP: input relevance + absorbed relevance.

    LRP rules with biases (and ε/stabilisers) keep part of the relevance in the
    layer: for the ε rule, neuron ``k`` keeps ``(b_k + ε) / (z_k + ε) R_k``. This
    function records, at every rule, ``Σ R(output) − Σ R(input)`` per sample, so
    that ``input + bias == logit`` up to rounding, for any model whose other
    modules pass relevance exactly (all rules in :mod:`eegxai.explain.rules`).

    Parameters
    ----------
    model, X, composite, target, batch_size, device, **rule_kwargs
        As in :func:`explain` (``method="lrp"``).

    Returns
    -------
    budget : dict of ndarray, each of shape (n_samples,)
        ``"logit"`` (model output for the target), ``"input"`` (sum of input
        relevance), ``"bias"`` (sum of absorbed relevance), ``"stabilizer"``
        (the part of it absorbed in layers without a non-zero bias: stabiliser
        only; a median share > 10 % of the logit warns) and ``"residual"``
        (``logit − input − bias``, should be ~0).
    """
    relevance, extras = _attribute(
        model,
        X,
        method="lrp",
        composite=composite,
        target=target,
        batch_size=batch_size,
        device=device,
        rule_kwargs=rule_kwargs,
        track_budget=True,
    )
    total = relevance.reshape(len(relevance), -1).sum(1)
    _warn_budget(extras["logit"], extras["stabilizer"])
    return {
        "logit": extras["logit"],
        "input": total,
        "bias": extras["bias"],
        "stabilizer": extras["stabilizer"],
        "residual": extras["logit"] - total - extras["bias"],
    }
