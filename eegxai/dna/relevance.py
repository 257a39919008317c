"""Relevance of every nucleotide for a binding prediction.

Gradient-based methods and LRP come from :func:`eegxai.explain.explain`
unchanged; this module adds in-silico mutagenesis, the perturbation analysis of
DNA models (Alipanahi et al. 2015; Zhou & Troyanskaya 2015): each position is
mutated to each of the 3 other nucleotides and the drop of the explained logit
is recorded, ``3 × length`` forward passes per sequence, where LRP needs one
forward and one backward pass.

Layout: relevance ``(n_sequences, 4, length)`` like the one-hot input;
:func:`per_position` sums the channels into ``(n_sequences, length)``.

References
----------
.. [1] Alipanahi, B. et al. (2015). Nature Biotechnology 33, 831–838.
.. [2] Zhou, J. & Troyanskaya, O. G. (2015). Predicting effects of noncoding
   variants with deep learning–based sequence model. Nature Methods 12, 931–934.
"""

from __future__ import annotations

import numpy as np
import torch

from .._check import check_array, check_option
from ..explain import METHODS as CORE_METHODS
from ..explain import explain

__all__ = ["DNA_METHODS", "mutagenesis", "nucleotide_relevance", "per_position"]

#: Methods of :func:`nucleotide_relevance`.
DNA_METHODS = ("lrp", "gradient_x_input", "integrated_gradients", "mutagenesis",
               "shap_windows")

#: Target class explained: the "bound" logit.
BOUND = 1


@torch.no_grad()
def mutagenesis(model, X, *, target: int = BOUND, batch_size: int = 600) -> np.ndarray:
    """In-silico mutagenesis: mean logit drop over the 3 substitutions.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(n, 4, length)`` to logits ``(n, n_classes)``.
    X : ndarray, shape (n_sequences, 4, length)
        One-hot sequences.
    target : int
        Logit explained.
    batch_size : int
        Mutants per forward pass.

    Returns
    -------
    relevance : ndarray, shape (n_sequences, 4, length)
        ``f(x) − mean_{b ≠ x_p} f(x with base b at p)`` on the reference
        nucleotide's channel at each position ``p``; 0 on the other channels.
    """
    X = check_array(X, "X", ndim=3, dtype=np.float32)
    model = model.eval()
    n, _, length = X.shape
    ref = X.argmax(axis=1)  # (n, length)
    pos = np.repeat(np.arange(length), 3)
    out = np.zeros_like(X)
    for i in range(n):
        alt = (ref[i][pos] + np.tile([1, 2, 3], length)) % 4
        mutants = np.repeat(X[i][None], 3 * length, axis=0)
        mutants[np.arange(3 * length), :, pos] = 0.0
        mutants[np.arange(3 * length), alt, pos] = 1.0
        base = float(model(torch.as_tensor(X[i : i + 1]))[0, target])
        scores = torch.cat([model(torch.as_tensor(mutants[b : b + batch_size]))[:, target]
                            for b in range(0, len(mutants), batch_size)]).numpy()
        out[i, ref[i], np.arange(length)] = base - scores.reshape(length, 3).mean(axis=1)
    return out


def nucleotide_relevance(model, X, method: str, *, composite: str = "epsilon",
                         n_steps: int = 32, baseline: float = 0.0,
                         window: int = 10, target: int = BOUND) -> np.ndarray:
    """Relevance of each nucleotide for the ``target`` logit.

    Parameters
    ----------
    model : torch.nn.Module
        The binding model.
    X : ndarray, shape (n_sequences, 4, length)
        One-hot sequences.
    method : str
        One of :data:`DNA_METHODS`: ``"lrp"`` (with ``composite``),
        ``"gradient_x_input"``, ``"integrated_gradients"`` (``n_steps``,
        ``baseline``), ``"mutagenesis"`` (:func:`mutagenesis`),
        ``"shap_windows"`` (Shapley values of windows of ``window`` bp, absent
        windows replaced by the uniform 0.25 background, from the core's
        ``explain(method="shapley" | "kernel_shap", groups=...)``).
    composite : str
        LRP composite (:data:`eegxai.explain.COMPOSITES`).
    n_steps, baseline
        Integrated-gradients parameters.
    window : int
        Window length of ``"shap_windows"``.
    target : int
        Logit explained (1 = bound).

    Returns
    -------
    relevance : ndarray, shape (n_sequences, 4, length)
    """
    check_option("method", method, DNA_METHODS)
    X = check_array(X, "X", ndim=3, dtype=np.float32)
    if method == "mutagenesis":
        return mutagenesis(model, X, target=target)
    if method == "lrp":
        return explain(model, X, method="lrp", composite=composite, target=target,
                       device="cpu")
    if method == "integrated_gradients":
        return explain(model, X, method=method, target=target, n_steps=n_steps,
                       baseline=baseline, device="cpu")
    if method == "shap_windows":
        return _shap_windows(model, X, window=window, target=target)
    return explain(model, X, method=method, target=target, device="cpu")


def _shap_windows(model, X, *, window: int, target: int) -> np.ndarray:
    """Shapley values of windows; absent windows are uniform (0.25 per base)."""
    length = X.shape[-1]
    groups = np.broadcast_to(np.arange(length) // window, X.shape[1:]).copy()
    n_players = int(groups.max()) + 1
    method = "shapley" if n_players <= 16 else "kernel_shap"
    if method not in CORE_METHODS:
        raise NotImplementedError(
            f"method='shap_windows' needs explain(method={method!r}, groups=...) "
            "from eegxai.explain, which this version does not provide; remove "
            "'shap_windows' from the config key 'dna.explain.methods'."
        )
    background = np.full((1,) + X.shape[1:], 0.25, dtype=np.float32)
    return explain(model, X, method=method, target=target, groups=groups,
                   background=background, device="cpu")


def per_position(relevance) -> np.ndarray:
    """Relevance per position: sum over the 4 nucleotide channels.

    Parameters
    ----------
    relevance : ndarray, shape (n_sequences, 4, length)
        Relevance per nucleotide channel.

    Returns
    -------
    ndarray, shape (n_sequences, length)
    """
    return check_array(relevance, "relevance", ndim=3).sum(axis=1)
