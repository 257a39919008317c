"""Relevance at the output of an inner layer: :func:`explain_layer`.

For a convolutional first layer, the relevance of each output channel (filter)
tells how much the decision relied on that filter; weighted by the filters'
frequency responses this gives the spectra the network used (done elsewhere,
this module is domain-agnostic).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._modules import resolve_layer
from .attribution import _attribute

__all__ = ["LAYER_METHODS", "explain_layer", "resolve_layer"]

#: Methods :func:`explain_layer` supports.
LAYER_METHODS = ("lrp", "gradient", "gradient_x_input", "sensitivity")


def explain_layer(
    model: nn.Module,
    X,
    *,
    layer: str,
    method: str = "lrp",
    composite: str = "epsilon_plus_flat",
    target=None,
    batch_size: int = 256,
    device: str | torch.device = "auto",
    **rule_kwargs,
) -> np.ndarray:
    r"""Relevance at the output of one layer of the (canonized) model.

    With ``method="lrp"`` this is the relevance that the layers *above*
    ``layer`` assign to each of its output elements; summed over everything it
    equals the input relevance when the rules of ``layer`` and below conserve
    (no biases, ε → 0). Other methods: ``"gradient"`` (``∂f/∂a``),
    ``"gradient_x_input"`` (``a ∂f/∂a``), ``"sensitivity"`` (``(∂f/∂a)²``), with
    ``a`` the layer output.

    Parameters
    ----------
    model : torch.nn.Module
        The model; canonized during the call (see
        :mod:`eegxai.explain.canonizers`), left unchanged afterwards.
    X : ndarray | torch.Tensor, shape (n_samples, ...)
        Input.
    layer : str
        Module name in the canonized model, or a unique suffix of it. For
        braindecode ShallowFBCSPNet / Deep4Net, ``"conv_time"`` is the temporal
        convolution split out of ``CombinedConv``; for other models use the
        module name (``model.named_modules()``).
    method : str
        One of :data:`LAYER_METHODS`.
    composite, target, batch_size, device, **rule_kwargs
        As in :func:`~eegxai.explain.explain`.

    Returns
    -------
    relevance : ndarray, shape (n_samples, *layer_output_shape)
        In the layout of the layer's output. For braindecode's temporal
        convolution this is ``(n_trials, n_filters, n_times_out, n_chans)``
        (braindecode puts time before channels inside the network); transpose
        with ``relevance.transpose(0, 1, 3, 2)`` for
        ``(n_trials, n_filters, n_chans, n_times_out)``.
    """
    from .._check import check_option

    check_option("method", method, LAYER_METHODS)
    relevance, _ = _attribute(
        model,
        X,
        method=method,
        composite=composite,
        target=target,
        batch_size=batch_size,
        device=device,
        rule_kwargs=rule_kwargs,
        layer=layer,
    )
    return relevance
