"""Sanity checks of explanations (Adebayo et al. 2018).

References
----------
.. [1] Adebayo J. et al. (2018). Sanity checks for saliency maps. NeurIPS.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from .._check import check_array, check_random_state
from .perturbation import _resolve_target

__all__ = ["cascading_randomization", "explanation_similarity"]


def explanation_similarity(a, b) -> dict:
    """Similarity of two explanations of the same trials (Adebayo et al. 2018).

    Parameters
    ----------
    a, b : ndarray, shape (n_trials, n_chans, n_times)
        Two relevance maps of the same trials.

    Returns
    -------
    similarity : dict
        Means over trials of ``spearman`` (rank correlation of the signed
        maps, in [−1, 1]), ``spearman_abs`` (of the absolute maps, in [−1, 1])
        and ``ssim`` (structural similarity of the maps, each scaled to
        [−1, 1] by its largest absolute value; in [−1, 1]). 1 = identical
        ranking / structure, 0 = unrelated.
    """
    from skimage.metrics import structural_similarity

    a = check_array(a, "a", ndim=3).astype(np.float64)
    b = check_array(b, "b", ndim=3).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"'a' and 'b' must have one shape, got {a.shape} and {b.shape}.")
    sp, sp_abs, ssim = [], [], []
    for ra, rb in zip(a, b, strict=True):
        sp.append(_spearman(ra.ravel(), rb.ravel()))
        sp_abs.append(_spearman(np.abs(ra).ravel(), np.abs(rb).ravel()))
        na = ra / (np.abs(ra).max() or 1.0)
        nb = rb / (np.abs(rb).max() or 1.0)
        win = min(7, *[s if s % 2 else s - 1 for s in na.shape])
        if win >= 3:
            ssim.append(structural_similarity(na, nb, data_range=2.0, win_size=win))
        else:  # too few channels for a 2-D window: compare each as a 1-D row image
            ssim.append(
                structural_similarity(na.reshape(1, -1).repeat(7, 0),
                                      nb.reshape(1, -1).repeat(7, 0),
                                      data_range=2.0, win_size=7)
            )
    return {
        "spearman": float(np.nanmean(sp)),
        "spearman_abs": float(np.nanmean(sp_abs)),
        "ssim": float(np.nanmean(ssim)),
    }


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan
    return float(spearmanr(x, y).statistic)


def _parametrized_layers(model) -> list[tuple[str, object]]:
    """Modules that own parameters directly, in forward-registration order."""
    return [
        (name, module)
        for name, module in model.named_modules()
        if any(True for _ in module.parameters(recurse=False))
    ]


def _randomize(module, rng: np.random.Generator) -> None:
    import torch

    gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
    with torch.no_grad():
        for param in module.parameters(recurse=False):
            if param.ndim > 1:
                fan_in = param[0].numel()
                param.copy_(torch.randn(param.shape, generator=gen) / np.sqrt(fan_in))
            else:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.1)


def cascading_randomization(
    model,
    X,
    *,
    method: str = "lrp",
    target=None,
    device: str = "auto",
    seed: int = 0,
    **explain_kwargs,
) -> pd.DataFrame:
    """Cascading model-parameter randomization test (Adebayo et al. 2018, §3.1).

    Starting from the output layer, the parameters of one more layer are
    replaced by random values at each step (on a copy of ``model``) and the
    explanation is recomputed for the *same* target classes. A method whose
    maps stay similar while the network is destroyed explains the input, not
    the model: it fails the check.

    Parameters
    ----------
    model : torch.nn.Module
        Trained classifier (not modified).
    X : ndarray, shape (n_trials, n_chans, n_times)
        Trials to explain.
    method : str
        A name from :data:`eegxai.explain.METHODS`.
    target : None | int | ndarray
        Class explained; None = the trained model's predicted class.
    device : str
        'auto', 'cpu' or 'cuda'.
    seed : int
        Seed of the random weights.
    **explain_kwargs
        Passed to :func:`eegxai.explain.explain` (composite, rule parameters).

    Returns
    -------
    table : pandas.DataFrame
        One row per step: ``layer`` (the last layer randomized; ``"none"`` for
        the trained model), ``n_randomized``, and the similarity to the
        trained model's explanation (:func:`explanation_similarity`).
    """
    from ..explain import explain

    X = check_array(X, "X", ndim=3)
    rng = check_random_state(seed)
    target = _resolve_target(model, X, target, batch_size=256, device=device)
    reference = explain(model, X, method=method, target=target, device=device, **explain_kwargs)
    rows = [{"layer": "none", "n_randomized": 0,
             **explanation_similarity(reference, reference)}]
    randomized = copy.deepcopy(model)
    layers = _parametrized_layers(randomized)[::-1]
    for i, (name, module) in enumerate(layers, start=1):
        _randomize(module, rng)
        relevance = explain(randomized, X, method=method, target=target, device=device, **explain_kwargs)
        rows.append({"layer": name, "n_randomized": i,
                     **explanation_similarity(reference, relevance)})
    return pd.DataFrame(rows)


