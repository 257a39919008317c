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
"""

from __future__ import annotations

import contextlib
import copy
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn
from zennit.composites import LayerMapComposite
from zennit.rules import ReLUDeconvNet, ReLUGuidedBackprop
from zennit.types import Activation

from .._check import check_array, check_option, validate_type
from .._device import resolve_device
from .canonizers import canonize
from .composites import COMPOSITES, check_rule_kwargs, make_composite

__all__ = ["METHODS", "explain", "relevance_budget"]

#: Attribution methods accepted by :func:`explain`, with their keyword
#: arguments and defaults.
METHODS: dict[str, dict[str, Any]] = {
    "lrp": {},  # keyword arguments: those of the chosen composite
    "gradient": {},
    "sensitivity": {},
    "gradient_x_input": {},
    "taylor": {"n_grid": 8, "n_iter": 30},
    "integrated_gradients": {"n_steps": 32, "baseline": 0.0},
    "guided_backprop": {},
    "deconvnet": {},
    "occlusion": {"window": None, "stride": None, "baseline": 0.0},
}


# ----------------------------------------------------------------------------
# validation and set-up
# ----------------------------------------------------------------------------
def _check_method_kwargs(method: str, composite: str, kwargs: dict) -> dict:
    if method == "lrp":
        check_option("composite", composite, COMPOSITES)
        return check_rule_kwargs(composite, kwargs)
    allowed = METHODS[method]
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        names = ", ".join(repr(k) for k in allowed) or "none"
        raise TypeError(
            f"Invalid keyword argument {unknown[0]!r} for method {method!r}. "
            f"Accepted keyword arguments are {names}."
        )
    merged = {**allowed, **kwargs}
    for key in ("n_grid", "n_iter", "n_steps"):
        if key in merged:
            validate_type(merged[key], numbers.Integral, key)
            if merged[key] < 1:
                raise ValueError(f"{key!r} must be >= 1, but got {merged[key]!r}.")
    for key in ("window", "stride"):
        if merged.get(key) is not None:
            validate_type(merged[key], numbers.Integral, key)
            if merged[key] < 1:
                raise ValueError(f"{key!r} must be >= 1, but got {merged[key]!r}.")
    if "baseline" in merged:
        validate_type(merged["baseline"], numbers.Real, "baseline")
    return merged


_resolve_device = resolve_device


def _check_X(X) -> np.ndarray:
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    X = check_array(X, "X")
    if X.ndim < 2:
        raise ValueError(
            "'X' must have at least 2 dimensions (n_samples, ...), but got an array "
            f"of shape {X.shape} instead."
        )
    if X.shape[0] == 0:
        raise ValueError("'X' must contain at least one sample, but got 0.")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"'X' must be numeric, but got dtype {X.dtype} instead.")
    return X


def _check_target(target, n_samples: int, n_outputs: int | None) -> np.ndarray | None:
    if target is None:
        return None
    if isinstance(target, torch.Tensor):
        target = target.detach().cpu().numpy()
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        target = np.full(n_samples, int(target))
    else:
        arr = np.asarray(target)
        if arr.dtype.kind not in "iu" or arr.ndim != 1:
            raise ValueError(
                "'target' must be None, an int or a 1-D array of ints (one per "
                f"sample), but got {type(target).__name__} with dtype {arr.dtype} "
                f"and shape {arr.shape} instead."
            )
        if arr.shape[0] != n_samples:
            raise ValueError(
                f"'target' must have one entry per sample ({n_samples}), but got "
                f"{arr.shape[0]} entries instead."
            )
        target = arr.astype(np.int64)
    if target.min() < 0 or (n_outputs is not None and target.max() >= n_outputs):
        bad = target[(target < 0) | (target >= (n_outputs or np.inf))][0]
        raise ValueError(
            f"'target' must lie in [0, {n_outputs}) (the model has {n_outputs} "
            f"outputs), but got {bad} instead."
        )
    return target


def _model_dtype(model: nn.Module, X: np.ndarray) -> torch.dtype:
    for tensor in list(model.parameters()) + list(model.buffers()):
        if tensor.is_floating_point():
            return tensor.dtype
    return torch.float64 if X.dtype == np.float64 else torch.float32


def _model_device(model: nn.Module) -> torch.device | None:
    for tensor in list(model.parameters()) + list(model.buffers()):
        return tensor.device
    return None


@contextlib.contextmanager
def prepared_model(model: nn.Module, device: torch.device) -> Iterator[nn.Module]:
    """Yield ``model`` in eval mode on ``device``; restore everything afterwards.

    A model on another device is deep-copied there, so the caller's model is
    never moved. The training flag of every submodule is restored on exit.
    """
    current = _model_device(model)
    work = model
    if current is not None and current != device:
        work = copy.deepcopy(model).to(device)
    flags = [(m, m.training) for m in work.modules()]
    work.eval()
    try:
        yield work
    finally:
        for module, flag in flags:
            module.training = flag


def _forward_logits(model: nn.Module, x: torch.Tensor, X_shape) -> torch.Tensor:
    try:
        out = model(x)
    except RuntimeError as err:
        raise ValueError(
            f"The model could not be applied to 'X' of shape {tuple(X_shape)} "
            f"(samples of shape {tuple(X_shape[1:])}): {err}"
        ) from err
    if not isinstance(out, torch.Tensor) or out.ndim < 2:
        raise ValueError(
            "The model must return class scores of shape (n_samples, n_classes, "
            f"...), but returned {getattr(out, 'shape', type(out))}."
        )
    return out


def _seed(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Output relevance: the target logit (averaged over trailing axes)."""
    n_extra = int(np.prod(out.shape[2:])) if out.ndim > 2 else 1
    mask = torch.zeros_like(out)
    mask[torch.arange(out.shape[0], device=out.device), target] = 1.0
    return mask * out.detach() / n_extra


def _logit(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    scores = out.flatten(2).mean(2) if out.ndim > 2 else out
    return scores[torch.arange(out.shape[0], device=out.device), target]


def _resolve_batch_target(out, target_np, start, stop):
    if target_np is None:
        scores = out.detach().flatten(2).mean(2) if out.ndim > 2 else out.detach()
        return scores.argmax(1)
    n_outputs = out.shape[1]
    if target_np.max() >= n_outputs:
        _check_target(target_np, len(target_np), n_outputs)
    return torch.as_tensor(target_np[start:stop], device=out.device)


# ----------------------------------------------------------------------------
# per-batch methods
# ----------------------------------------------------------------------------
def _gradient(model, x, target_np, start, stop, X_shape, layer_box=None):
    x = x.detach().requires_grad_(True)
    out = _forward_logits(model, x, X_shape)
    target = _resolve_batch_target(out, target_np, start, stop)
    wrt = layer_box["output"] if layer_box is not None else x
    (grad,) = torch.autograd.grad(_logit(out, target).sum(), wrt)
    return grad, wrt.detach(), target


def _taylor(model, x, target_np, start, stop, X_shape, n_grid, n_iter):
    """Simple Taylor decomposition at a root point on the segment ``t x``."""
    with torch.no_grad():
        out = _forward_logits(model, x, X_shape)
        target = _resolve_batch_target(out, target_np, start, stop)
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


def _integrated_gradients(model, x, target_np, start, stop, X_shape, n_steps, baseline):
    with torch.no_grad():
        target = _resolve_batch_target(
            _forward_logits(model, x, X_shape), target_np, start, stop
        )
    base = torch.full_like(x, float(baseline))
    total = torch.zeros_like(x)
    for k in range(n_steps):  # midpoint Riemann sum (Sundararajan et al. 2017, eq. 3)
        alpha = (k + 0.5) / n_steps
        point = (base + alpha * (x - base)).requires_grad_(True)
        (grad,) = torch.autograd.grad(_logit(model(point), target).sum(), point)
        total += grad
    return (x - base) * total / n_steps


def _occlusion(model, x, target_np, start, stop, X_shape, window, stride, baseline):
    """Logit drop when a window is replaced by ``baseline``.

    3-D inputs ``(n, n_channels, n_times)``: one window per channel and time
    segment. Other inputs: windows along the last axis, all other axes at once.
    Each occluded element receives the drop divided by the window length,
    averaged over the windows covering it.
    """
    with torch.no_grad():
        out = _forward_logits(model, x, X_shape)
        target = _resolve_batch_target(out, target_np, start, stop)
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


def _lrp(model, x, target_np, start, stop, X_shape, layer_box=None):
    x = x.detach().requires_grad_(True)
    out = _forward_logits(model, x, X_shape)
    target = _resolve_batch_target(out, target_np, start, stop)
    wrt = layer_box["output"] if layer_box is not None else x
    (relevance,) = torch.autograd.grad(out, wrt, grad_outputs=_seed(out, target))
    return relevance, _logit(out, target).detach(), target


def _guided_composite(method):
    hook = ReLUGuidedBackprop() if method == "guided_backprop" else ReLUDeconvNet()
    # zennit maps these rules to nn.ReLU only; its hooks are valid for any
    # element-wise activation (ELU, LeakyReLU, ...), so they are mapped to all.
    return LayerMapComposite(layer_map=[(Activation, hook)])


# ----------------------------------------------------------------------------
# driver
# ----------------------------------------------------------------------------
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
    ``extras`` holds per-sample ``logit`` and ``bias`` arrays when available.
    """
    validate_type(model, nn.Module, "model")
    check_option("method", method, METHODS)
    validate_type(composite, str, "composite")
    kwargs = _check_method_kwargs(method, composite, rule_kwargs)
    validate_type(batch_size, numbers.Integral, "batch_size")
    if batch_size <= 0:
        raise ValueError(f"'batch_size' must be > 0, but got {batch_size!r} instead.")
    X = _check_X(X)
    target_np = _check_target(target, X.shape[0], getattr(model, "n_outputs", None))
    torch_device = _resolve_device(device)
    dtype = _model_dtype(model, X)

    results, logits, biases = [], [], []
    with contextlib.ExitStack() as stack:
        work = stack.enter_context(prepared_model(model, torch_device))
        needs_canonical = method == "lrp" or layer is not None
        if needs_canonical:
            work = stack.enter_context(canonize(work))
        comp = None
        if method == "lrp":
            comp = make_composite(composite, track_budget=track_budget, **kwargs)
            stack.enter_context(comp.context(work))
            if comp.unassigned:
                import warnings

                warnings.warn(
                    "No LRP rule for module(s) "
                    + ", ".join(
                        f"{n!r} ({type(work.get_submodule(n)).__name__})"
                        for n in comp.unassigned
                    )
                    + "; the plain gradient flows through them, so relevance may "
                    "not be conserved.",
                    UserWarning,
                    stacklevel=3,
                )
        elif method in ("guided_backprop", "deconvnet"):
            stack.enter_context(_guided_composite(method).context(work))
        layer_box = None
        if layer is not None:
            from .layers import resolve_layer

            module = resolve_layer(work, layer)
            layer_box = {}

            def probe(mod, inp, output):
                # a fresh view: its gradient is exactly the relevance arriving
                # from the layers above, before any rule of this layer acts
                output = output.view_as(output)
                layer_box["output"] = output
                return output

            stack.enter_context(_removing(module.register_forward_hook(probe)))

        # fast rules switch grad mode off inside a layer's forward; this context
        # restores the caller's grad mode even if a forward raises
        stack.enter_context(torch.enable_grad())
        for start in range(0, X.shape[0], batch_size):
            stop = min(start + batch_size, X.shape[0])
            x = torch.as_tensor(X[start:stop], dtype=dtype, device=torch_device)
            if comp is not None:
                comp.absorbed.clear()
            if method == "lrp":
                rel, logit, _ = _lrp(
                    work, x, target_np, start, stop, X.shape, layer_box
                )
                logits.append(logit)
                if track_budget:
                    parts = [sum(v) for v in comp.absorbed.values()]
                    biases.append(sum(parts) if parts else torch.zeros_like(logit))
            elif method in (
                "gradient",
                "sensitivity",
                "gradient_x_input",
                "guided_backprop",
                "deconvnet",
            ):
                grad, values, _ = _gradient(
                    work, x, target_np, start, stop, X.shape, layer_box
                )
                if method == "sensitivity":
                    rel = grad**2
                elif method == "gradient_x_input":
                    rel = grad * values
                else:
                    rel = grad
            elif method == "taylor":
                rel = _taylor(work, x, target_np, start, stop, X.shape, **kwargs)
            elif method == "integrated_gradients":
                rel = _integrated_gradients(
                    work, x, target_np, start, stop, X.shape, **kwargs
                )
            else:
                rel = _occlusion(work, x, target_np, start, stop, X.shape, **kwargs)
            results.append(rel.detach().cpu().numpy())
            if layer_box is not None:
                layer_box.clear()
    extras = {}
    if logits:
        extras["logit"] = torch.cat(logits).cpu().numpy()
    if biases:
        extras["bias"] = torch.cat(biases).cpu().numpy()
    return np.concatenate(results), extras


@contextlib.contextmanager
def _removing(handle):
    try:
        yield handle
    finally:
        handle.remove()


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
          default ``window``); otherwise windows along the last axis.
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
        ``high``, ``stabilizer``) or of the method (``n_grid``, ``n_iter``,
        ``n_steps``, ``baseline``, ``window``, ``stride``). Others raise
        ``TypeError``.

    Returns
    -------
    relevance : ndarray, shape like X
        In the model's floating dtype (float32 or float64).
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
        return relevance, extras["bias"]
    return relevance


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
        relevance), ``"bias"`` (sum of absorbed relevance) and ``"residual"``
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
    return {
        "logit": extras["logit"],
        "input": total,
        "bias": extras["bias"],
        "residual": extras["logit"] - total - extras["bias"],
    }
