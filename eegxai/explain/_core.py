"""Shared pieces of the attribution methods: input checks, batches, the method registry.

Every attribution method of :func:`eegxai.explain.explain` is one
:class:`Method` entry: a per-batch function with the common signature
``fn(model, x, batch, **kwargs)`` plus its keyword arguments. The driver in
:mod:`eegxai.explain.attribution` validates the input, prepares the model and
calls the function batch by batch.
"""

from __future__ import annotations

import contextlib
import copy
import numbers
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .._check import check_array, validate_type

__all__ = ["Batch", "Method", "check_int_kwargs", "prepared_model"]


@dataclass(frozen=True)
class Method:
    """One attribution method of :func:`~eegxai.explain.explain`.

    Attributes
    ----------
    batch : callable
        ``batch(model, x, ctx, **kwargs)`` with ``model`` the prepared model,
        ``x`` a tensor ``(n_batch, ...)`` and ``ctx`` a :class:`Batch`; returns
        the relevance tensor, or a dict with ``"relevance"`` and further
        per-sample arrays (concatenated over batches into the extras).
    params : dict
        Accepted keyword arguments and their defaults.
    check : callable | None
        ``check(merged_kwargs) -> kwargs``: validation beyond the generic one.
    context : callable | None
        ``context(model, kwargs, ctx_template) -> context manager`` entered
        once around all batches (e.g. hooks of guided backprop).
    canonize : bool
        Canonize braindecode models first (needed by LRP's rules).
    torch_only : bool
        False when any callable ``ndarray -> scores`` is accepted as model.
    logit_model : bool
        The method needs raw scores (a final (Log)Softmax is an error).
    reference : str
        Where the method comes from.
    """

    batch: Callable
    params: dict[str, Any] = field(default_factory=dict)
    check: Callable | None = None
    context: Callable | None = None
    canonize: bool = False
    torch_only: bool = True
    logit_model: bool = True
    reference: str = ""


@dataclass
class Batch:
    """What a per-batch method needs to know besides the model and input."""

    target_np: np.ndarray | None
    start: int
    stop: int
    X_shape: tuple
    layer_box: dict | None = None
    state: dict = field(default_factory=dict)

    def forward(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Model output for ``x`` with a clear error for a wrong input shape."""
        return _forward_logits(model, x, self.X_shape)

    def target(self, out: torch.Tensor) -> torch.Tensor:
        """Target class per sample of this batch (predicted class when None)."""
        return _resolve_batch_target(out, self.target_np, self.start, self.stop)


def check_int_kwargs(merged: dict, keys=("n_grid", "n_iter", "n_steps")) -> dict:
    """Check that the given keyword arguments are ints >= 1 (None allowed)."""
    for key in keys:
        if merged.get(key) is not None:
            validate_type(merged[key], numbers.Integral, key)
            if merged[key] < 1:
                raise ValueError(f"{key!r} must be >= 1, but got {merged[key]!r}.")
    return merged


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


@contextlib.contextmanager
def removing(handle):
    """Remove a hook handle on exit."""
    try:
        yield handle
    finally:
        handle.remove()


class CallableModel(nn.Module):
    """A torch module around a numpy callable ``f(ndarray (n, ...)) -> (n, n_classes)``.

    Lets model-agnostic methods (Shapley values) take scikit-learn pipelines
    (``clf.decision_function``, ``predict_proba``) or any function. No
    gradients flow through it.
    """

    def __init__(self, fn: Callable):
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        out = np.asarray(self.fn(x.detach().cpu().numpy()))
        if out.ndim == 1:
            raise ValueError(
                "The model callable must return scores of shape (n_samples, "
                f"n_classes), but returned shape {out.shape}; reshape a 1-D "
                "decision function with .reshape(-1, 1) or stack [-d, d]."
            )
        return torch.as_tensor(out, dtype=x.dtype, device=x.device)


_SOFTMAX = (nn.Softmax, nn.LogSoftmax, nn.Softmin, nn.Softmax2d)


def check_logit_model(model: nn.Module, x: torch.Tensor, X_shape=None) -> list[str]:
    """Raise when the model ends in a (Log)Softmax; return its execution order.

    Gradients and LRP explain the raw class score (the logit). Behind a
    softmax, the score of every class depends on all others and LRP's
    relevance sums to zero for every sample, so the explanation is void.
    Detected from the last module that runs (forward hooks) and, for a
    functional softmax, from the output (rows summing to one, or
    log-probabilities whose exponentials do).
    """
    from ._modules import execution_order

    try:
        order = execution_order(model, x)
    except RuntimeError as err:
        shape = tuple(X_shape) if X_shape is not None else tuple(x.shape)
        raise ValueError(
            f"The model could not be applied to 'X' of shape {shape} "
            f"(samples of shape {shape[1:]}): {err}"
        ) from err
    named = dict(model.named_modules())
    last = order[-1] if order else None
    is_softmax = last is not None and isinstance(named[last], _SOFTMAX)
    if not is_softmax:
        with torch.no_grad():
            out = model(x)
        if isinstance(out, torch.Tensor) and out.ndim >= 2 and out.shape[1] > 1:
            scores = out.flatten(2).mean(2) if out.ndim > 2 else out
            tol = 1e-5 if scores.dtype == torch.float64 else 1e-4
            ones = torch.ones(len(scores), dtype=scores.dtype, device=scores.device)
            probs = bool((scores >= 0).all()) and torch.allclose(scores.sum(1), ones, atol=tol)
            logp = bool((scores <= 0).all()) and torch.allclose(
                scores.exp().sum(1), ones, atol=tol
            )
            is_softmax = probs or logp
    if is_softmax:
        where = f"module {last!r} ({type(named[last]).__name__})" if last and isinstance(
            named[last], _SOFTMAX) else "a softmax or log-softmax in forward()"
        raise ValueError(
            f"The model ends in {where}: explanations are of the raw class score "
            "(logit), and behind a softmax LRP relevance sums to 0 for every "
            "sample. Pass the logit model instead, e.g. "
            "nn.Sequential(*list(model.children())[:-1]) or the model built "
            "without its final (log-)softmax."
        )
    return order
