"""Activation maximization: the input a model finds most typical of a class.

Three objectives of the lecture (Montavon, Samek & Müller 2018, §3), all
maximized by gradient ascent (Adam with a cosine-decaying step size, so that
the iterate settles at the optimum):

(a) ℓ2-regularized: ``x* = argmax_x log p(c|x) − λ‖x‖²`` (Simonyan et al. 2014);
(b) with a data prior: ``argmax_x log p(c|x) + β log p(x) − λ‖x‖²``, ``p(x)`` a
    density fitted to the data (:func:`eegxai.interpret.fit_prior`);
(c) in code space (Nguyen et al. 2016): with a decoder ``g: Z → X`` trained on
    the data, ``z* = argmax_z log p(c|g(z)) − λ‖z − z̄_c‖²`` with ``z̄_c`` the mean
    code of class c, and the prototype ``x* = g(z*)``.

``log p(c|x)`` is the log-softmax of the model's raw output (trailing axes,
e.g. crops, averaged). Nothing here knows the domain: any model, input shape
and decoder.

References
----------
.. [1] Montavon, G., Samek, W. & Müller, K.-R. (2018). Methods for interpreting
   and understanding deep neural networks. Digital Signal Processing 73, 1–15.
.. [2] Simonyan, K., Vedaldi, A. & Zisserman, A. (2014). Deep inside
   convolutional networks: visualising image classification models and
   saliency maps. ICLR workshop.
.. [3] Nguyen, A. et al. (2016). Synthesizing the preferred inputs for neurons
   in neural networks via deep generator networks. NeurIPS.
"""

from __future__ import annotations

import contextlib
import numbers

import numpy as np
import torch
from torch import nn

from .._check import check_array, validate_type
from .._device import resolve_device
from ..explain._core import _model_dtype, prepared_model
from .priors import as_prior

__all__ = ["activation_maximization", "prototypes"]


def _log_prob(model: nn.Module, x: torch.Tensor, target: int) -> torch.Tensor:
    out = model(x)
    if out.ndim > 2:
        out = out.flatten(2).mean(2)
    if not 0 <= target < out.shape[1]:
        raise ValueError(
            f"'target' must lie in [0, {out.shape[1]}) (the model has "
            f"{out.shape[1]} outputs), but got {target} instead."
        )
    return torch.log_softmax(out, dim=1)[:, target]


def _initial(init, shape, center, rng, dtype, device) -> torch.Tensor:
    if isinstance(init, str):
        if init not in ("zeros", "random"):
            raise ValueError(
                "Invalid value for the 'init' parameter. Allowed values are 'zeros', "
                f"'random' or an array, but got {init!r} instead."
            )
        start = np.array(center, dtype=np.float64)
        if init == "random":
            start = start + 0.01 * rng.standard_normal(shape)
    else:
        start = check_array(init, "init").astype(np.float64)
        if start.shape != tuple(shape):
            raise ValueError(f"'init' must have shape {tuple(shape)}, but got {start.shape}.")
    return torch.as_tensor(start[None], dtype=dtype, device=device).requires_grad_(True)


def _check_args(target, lam, prior_weight, n_steps, lr):
    validate_type(target, numbers.Integral, "target")
    for name, value in (("lam", lam), ("prior_weight", prior_weight), ("lr", lr)):
        validate_type(value, numbers.Real, name)
        if value < 0 or (name == "lr" and value == 0):
            raise ValueError(f"{name!r} must be {'> 0' if name == 'lr' else '>= 0'}, "
                             f"but got {value!r} instead.")
    validate_type(n_steps, numbers.Integral, "n_steps")
    if n_steps < 1:
        raise ValueError(f"'n_steps' must be >= 1, but got {n_steps!r} instead.")


def activation_maximization(
    model: nn.Module,
    target: int,
    shape=None,
    *,
    lam: float = 1e-2,
    prior=None,
    prior_weight: float = 1.0,
    decoder: nn.Module | None = None,
    code_mean=None,
    n_steps: int = 500,
    lr: float = 0.05,
    init="zeros",
    seed: int = 0,
    device: str | torch.device = "auto",
):
    r"""Prototype of class ``target`` by activation maximization.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier returning raw scores ``(n, n_classes[, ...])``. Left as it
        was (eval mode during the call; no parameter is changed).
    target : int
        Class c.
    shape : tuple of int
        Shape of one input sample, e.g. ``(1, 28, 28)`` or ``(n_chans,
        n_times)``. Ignored in code space (the code has ``code_mean``'s shape).
    lam : float
        λ of the ℓ2 term ``λ‖x‖²`` (code space: ``λ‖z − z̄_c‖²``).
    prior : None | torch callable | sklearn GaussianMixture
        Data density ``log p(x)`` (:func:`~eegxai.interpret.fit_prior`); None =
        no prior term. Not used in code space.
    prior_weight : float
        β, the weight of ``log p(x)``.
    decoder : torch.nn.Module | None
        Generator ``g`` mapping codes ``(n, *code_shape)`` to inputs; with it
        the optimisation runs in code space.
    code_mean : ndarray, shape code_shape
        z̄_c, the mean code of class c (required with ``decoder``); the start
        and the centre of the penalty.
    n_steps : int
        Gradient-ascent steps.
    lr : float
        Initial Adam step size (cosine decay to 0 over ``n_steps``).
    init : 'zeros' | 'random' | ndarray
        Start: the centre (0, or z̄_c), the centre plus N(0, 0.01²) noise
        (seeded), or a given array of the sample's (code's) shape.
    seed : int
        Seed of the random start.
    device : str | torch.device
        'auto', 'cpu' or 'cuda'.

    Returns
    -------
    x_star : ndarray, shape ``shape`` (code space: the decoder's output shape)
        The prototype.
    trace : dict
        Per step (arrays of shape (n_steps,)): ``objective``, ``log_prob``
        (log p(c|x)), ``prob``, ``penalty`` (λ‖·‖²), ``log_prior`` (β log p(x),
        zeros without a prior); ``final_prob`` (p(c|x*)); ``code`` (z*,
        code space only).
    """
    _check_args(target, lam, prior_weight, n_steps, lr)
    validate_type(model, nn.Module, "model")
    rng = np.random.default_rng(seed)
    dev = resolve_device(device)
    prior = as_prior(prior)
    code_space = decoder is not None
    if code_space:
        validate_type(decoder, nn.Module, "decoder")
        if code_mean is None:
            raise TypeError("'code_mean' (z̄_c, the mean code of the class) is required "
                            "with 'decoder'.")
        center = check_array(code_mean, "code_mean").astype(np.float64)
        shape = center.shape
    else:
        if shape is None:
            raise TypeError("'shape' (the shape of one input sample) is required.")
        shape = tuple(int(s) for s in shape)
        center = np.zeros(shape)
    with contextlib.ExitStack() as stack:
        work = stack.enter_context(prepared_model(model, dev))
        gen = stack.enter_context(prepared_model(decoder, dev)) if code_space else None
        dtype = _model_dtype(work, center)
        if prior is not None and isinstance(prior, nn.Module):
            prior = prior.to(dev)
        v = _initial(init, shape, center, rng, dtype, dev)
        c = torch.as_tensor(center[None], dtype=dtype, device=dev)
        opt = torch.optim.Adam([v], lr=float(lr))
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=int(n_steps))
        trace = {k: np.empty(int(n_steps)) for k in
                 ("objective", "log_prob", "prob", "penalty", "log_prior")}
        with torch.enable_grad():
            for step in range(int(n_steps)):
                x = gen(v) if code_space else v
                log_prob = _log_prob(work, x, int(target))
                penalty = float(lam) * ((v - c) ** 2).sum()
                log_prior = (float(prior_weight) * prior(x).sum()
                             if prior is not None and not code_space else penalty * 0)
                objective = log_prob.sum() - penalty + log_prior
                # gradient w.r.t. the input only: the model's .grad stay untouched
                (v.grad,) = torch.autograd.grad(-objective, [v])
                opt.step()
                sched.step()
                for key, value in (("objective", objective), ("log_prob", log_prob),
                                   ("penalty", penalty), ("log_prior", log_prior)):
                    trace[key][step] = float(value.detach().sum())
                trace["prob"][step] = float(np.exp(trace["log_prob"][step]))
        with torch.no_grad():
            x = gen(v) if code_space else v
            trace["final_prob"] = float(_log_prob(work, x, int(target)).exp()[0])
        x_star = x.detach().cpu().numpy()[0]
        if code_space:
            trace["code"] = v.detach().cpu().numpy()[0]
    return x_star, trace


def prototypes(model: nn.Module, classes, shape=None, *, code_means=None, **kwargs):
    """Activation-maximization prototypes of several classes.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier.
    classes : sequence of int
        Classes to visualise.
    shape : tuple of int
        Shape of one input sample.
    code_means : dict | sequence | None
        z̄_c per class (code space, with ``decoder=`` in ``kwargs``).
    **kwargs
        Passed to :func:`activation_maximization`.

    Returns
    -------
    x_star : ndarray, shape (n_classes, *shape)
        One prototype per class, in the order of ``classes``.
    traces : list of dict
        The optimisation trace of each.
    """
    xs, traces = [], []
    for i, c in enumerate(classes):
        extra = {}
        if code_means is not None:
            extra["code_mean"] = code_means[c] if isinstance(code_means, dict) else code_means[i]
        x, trace = activation_maximization(model, int(c), shape, **kwargs, **extra)
        xs.append(x)
        traces.append(trace)
    return np.stack(xs), traces
