"""Are the explanations right? Faithfulness, sanity checks and ground truth.

A heatmap that looks plausible proves nothing. This module measures each
explanation:

- **Faithfulness** by region perturbation (Samek et al. 2017; Bach et al. 2015
  "pixel flipping"), adapted to EEG: channel × time-window segments are removed
  most-relevant first (MoRF), least-relevant first (LeRF) or in random order,
  and the target logit is recorded. The area over the perturbation curve
  (AOPC) summarises it: a faithful explanation makes the logit fall fast under
  MoRF (large AOPC) and slowly under LeRF.
- **Sanity checks** (Adebayo et al. 2018): cascading model-parameter
  randomization (top layer to bottom) and label randomization. An explanation
  that barely changes when the weights it should depend on are destroyed fails.
- **Ground truth** on simulated EEG: relevance mass accuracy and relevance rank
  accuracy (Arras et al. 2022) against the channels × window planted by the
  simulator.
- **Clever Hans**: the share of relevance on artefact channels (e.g. EOG).

The functions take a torch model and arrays of shape
``(n_trials, n_chans, n_times)``; attribution goes through
:func:`eegxai.explain.explain`.

References
----------
.. [1] Samek W. et al. (2017). Evaluating the visualization of what a deep
   neural network has learned. IEEE TNNLS 28(11):2660–2673.
.. [2] Bach S. et al. (2015). On pixel-wise explanations for non-linear
   classifier decisions by layer-wise relevance propagation. PLoS ONE 10(7).
.. [3] Adebayo J. et al. (2018). Sanity checks for saliency maps. NeurIPS.
.. [4] Arras L., Osman A., Samek W. (2022). CLEVR-XAI: a benchmark dataset for
   the ground truth evaluation of neural network explanations. Inf. Fusion 81.
.. [5] Sujatha Ravindran A., Contreras-Vidal J. (2023). An empirical comparison
   of deep learning explainability approaches for EEG using simulated ground
   truth. Sci. Rep. 13:17709.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ._check import check_array, check_option, check_positive, check_random_state

ORDERS = ("morf", "lerf", "random")
BASELINES = ("channel_mean", "zero", "surrogate")




def predict_logits(
    model, X: np.ndarray, *, batch_size: int = 256, device: str = "auto"
) -> np.ndarray:
    """Raw model outputs for ``X``, leaving the model's device and mode as they were.

    :func:`eegxai.training.predict_logits` (eval mode, no gradients, crops
    averaged) followed by restoring the model, since the perturbation loops
    call it many times on a model they do not own.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier.
    X : ndarray, shape (n_trials, n_chans, n_times)
        Input trials.
    batch_size : int
        Trials per forward pass.
    device : 'auto' | 'cpu' | 'cuda'
        Where to compute.

    Returns
    -------
    logits : ndarray, shape (n_trials, n_classes)
    """
    from .training import predict_logits as _predict_logits

    model_device = next(model.parameters()).device
    was_training = model.training
    try:
        return _predict_logits(model, X, device=device, batch_size=batch_size)
    finally:
        model.to(model_device)
        model.train(was_training)


def _segments(n_chans: int, n_times: int, window: int) -> list[tuple[int, slice]]:
    """All (channel, time-window) segments, time-major within each channel."""
    return [
        (ch, slice(t0, min(t0 + window, n_times)))
        for ch in range(n_chans)
        for t0 in range(0, n_times, window)
    ]


def _phase_surrogate(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Phase-randomized surrogate of each channel: same amplitude spectrum."""
    spec = np.fft.rfft(x, axis=-1)
    phases = rng.uniform(0, 2 * np.pi, size=spec.shape)
    phases[..., 0] = 0.0  # keep the mean real
    return np.fft.irfft(np.abs(spec) * np.exp(1j * phases), n=x.shape[-1], axis=-1)


def _fill_values(X: np.ndarray, baseline: str, rng: np.random.Generator) -> np.ndarray:
    if baseline == "zero":
        return np.zeros_like(X)
    if baseline == "channel_mean":
        return np.broadcast_to(X.mean(axis=-1, keepdims=True), X.shape).copy()
    return _phase_surrogate(X, rng).astype(X.dtype)


def perturbation_curve(
    model,
    X,
    relevance,
    *,
    target=None,
    order: Literal["morf", "lerf", "random"] = "morf",
    window: int = 25,
    n_steps: int = 20,
    baseline: Literal["channel_mean", "zero", "surrogate"] = "surrogate",
    batch_size: int = 256,
    device: str = "auto",
    seed: int | None = 0,
) -> dict:
    """Region-perturbation curve of the target logit (Samek et al. 2017).

    The trial is cut into segments of one channel × ``window`` samples. Each
    segment's relevance is the sum of ``relevance`` inside it. Segments are
    replaced by ``baseline`` values in the given order, in ``n_steps`` equal
    increments until all are replaced, and the target logit is recorded after
    each increment.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier returning raw scores, shape (n_trials, n_classes).
    X : ndarray, shape (n_trials, n_chans, n_times)
        Trials.
    relevance : ndarray, shape (n_trials, n_chans, n_times)
        Explanation of each trial for ``target``.
    target : None | int | ndarray of int, shape (n_trials,)
        Class whose logit is tracked; None = the predicted class.
    order : 'morf' | 'lerf' | 'random'
        Most relevant first, least relevant first, or random order.
    window : int
        Segment length in samples.
    n_steps : int
        Number of perturbation steps (the curve has ``n_steps + 1`` points).
    baseline : 'channel_mean' | 'zero' | 'surrogate'
        Replacement values: the trial's channel mean (0 after standardization),
        zeros, or a phase-randomized surrogate of the channel (same amplitude
        spectrum, random phases — removes the time-locked information but
        keeps the spectral power).
    batch_size, device
        Passed to :func:`predict_logits`.
    seed : int | None
        Seed of the random order and the surrogates.

    Returns
    -------
    result : dict
        ``fraction`` (n_steps + 1,) share of segments removed; ``logits``
        (n_trials, n_steps + 1) target logit per step; ``curve``
        (n_steps + 1,) its mean over trials; ``aopc`` float, the area over the
        perturbation curve, ``mean_k <f(x⁽⁰⁾) − f(x⁽ᵏ⁾)>`` over the
        ``n_steps + 1`` points (Samek et al. 2017, eq. 12), in logit units —
        larger means a faster drop.
    """
    X = check_array(X, "X", ndim=3)
    relevance = check_array(relevance, "relevance", ndim=3)
    if relevance.shape != X.shape:
        raise ValueError(
            f"'relevance' must have the shape of 'X' {X.shape}, but got "
            f"{relevance.shape} instead."
        )
    check_option("order", order, ORDERS)
    check_option("baseline", baseline, BASELINES)
    check_positive(window, "window")
    check_positive(n_steps, "n_steps")
    rng = check_random_state(seed)
    n_trials, n_chans, n_times = X.shape
    target = _resolve_target(model, X, target, batch_size=batch_size, device=device)

    segments = _segments(n_chans, n_times, int(window))
    seg_rel = np.stack(
        [relevance[:, ch, sl].sum(axis=-1) for ch, sl in segments], axis=1
    )  # (n_trials, n_segments)
    if order == "morf":
        ranking = np.argsort(-seg_rel, axis=1, kind="stable")
    elif order == "lerf":
        ranking = np.argsort(seg_rel, axis=1, kind="stable")
    else:
        ranking = np.stack([rng.permutation(len(segments)) for _ in range(n_trials)])
    fill = _fill_values(X, baseline, rng)

    n_seg = len(segments)
    counts = np.unique(np.linspace(0, n_seg, int(n_steps) + 1).round().astype(int))
    logits = np.empty((n_trials, len(counts)))
    Xp = X.copy()
    removed = 0
    for step, count in enumerate(counts):
        for k in range(removed, count):
            for trial in range(n_trials):
                ch, sl = segments[ranking[trial, k]]
                Xp[trial, ch, sl] = fill[trial, ch, sl]
        removed = count
        out = predict_logits(model, Xp, batch_size=batch_size, device=device)
        logits[:, step] = out[np.arange(n_trials), target]
    drops = logits[:, :1] - logits
    return {
        "fraction": counts / n_seg,
        "logits": logits,
        "curve": logits.mean(axis=0),
        "aopc": float(drops.mean()),
        "order": order,
        "baseline": baseline,
        "window": int(window),
    }


def _resolve_target(model, X, target, *, batch_size, device) -> np.ndarray:
    n_trials = len(X)
    if target is None:
        logits = predict_logits(model, X, batch_size=batch_size, device=device)
        return logits.argmax(axis=1)
    target = np.asarray(target)
    if target.ndim == 0:
        return np.full(n_trials, int(target))
    if target.shape != (n_trials,):
        raise ValueError(
            f"'target' must be None, an int or an array of shape ({n_trials},), "
            f"but got shape {target.shape} instead."
        )
    return target.astype(int)


def faithfulness_table(
    model,
    X,
    *,
    methods=("lrp", "gradient_x_input", "gradient"),
    composites=("epsilon_plus_flat",),
    target=None,
    window: int = 25,
    n_steps: int = 20,
    baseline: str | Sequence[str] = "surrogate",
    device: str = "auto",
    seed: int = 0,
    return_curves: bool = False,
):
    """AOPC of every method (and LRP composite) under MoRF, LeRF and random order.

    Which baseline? Replacing a segment by the channel mean (≈ 0 after
    standardization) removes its power: for a band-power decoder that *creates*
    an event-related desynchronization, i.e. it adds evidence for the class
    whose ERD lies there, so the "removal" is itself a strong, class-specific
    signal. The phase-randomized surrogate keeps the trial's amplitude spectrum
    and destroys only the time-locked structure of the segment; it is the
    default for EEG. Passing several baselines reports each (one relevance
    computation per method).

    Parameters
    ----------
    model : torch.nn.Module
        Classifier.
    X : ndarray, shape (n_trials, n_chans, n_times)
        Test trials.
    methods : sequence of str
        Names from :data:`eegxai.explain.METHODS`.
    composites : sequence of str
        LRP composites from :data:`eegxai.explain.COMPOSITES` (used for
        ``method='lrp'`` only).
    baseline : str | sequence of str
        One or several baselines of :func:`perturbation_curve`.
    target, window, n_steps, device, seed
        See :func:`perturbation_curve`.
    return_curves : bool
        Also return the curves, keyed by ``(method, composite, baseline, order)``.

    Returns
    -------
    table : pandas.DataFrame
        One row per method/composite/baseline: ``aopc_morf``, ``aopc_lerf``,
        ``aopc_random`` and ``abpc = aopc_morf − aopc_lerf`` (area between the
        curves; > 0 means the ranking is informative, larger is better).
    curves : dict
        Only with ``return_curves=True``.
    """
    from .explain import METHODS, explain

    X = check_array(X, "X", ndim=3)
    for method in methods:
        check_option("methods", method, METHODS)
    baselines = (baseline,) if isinstance(baseline, str) else tuple(baseline)
    for base in baselines:
        check_option("baseline", base, BASELINES)
    target = _resolve_target(model, X, target, batch_size=256, device=device)
    rows, curves = [], {}
    for method in methods:
        for composite in composites if method == "lrp" else (None,):
            kwargs = {"composite": composite} if composite else {}
            relevance = explain(model, X, method=method, target=target, device=device, **kwargs)
            for base in baselines:
                row = {"method": method, "composite": composite or "", "baseline": base}
                for order in ORDERS:
                    res = perturbation_curve(
                        model, X, relevance, target=target, order=order, window=window,
                        n_steps=n_steps, baseline=base, device=device, seed=seed,
                    )
                    row[f"aopc_{order}"] = res["aopc"]
                    curves[(method, composite or "", base, order)] = res
                row["abpc"] = row["aopc_morf"] - row["aopc_lerf"]
                rows.append(row)
    table = pd.DataFrame(rows)
    return (table, curves) if return_curves else table


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
    from .explain import explain

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


def _check_mask(mask, shape) -> np.ndarray:
    mask = np.asarray(mask, dtype=bool)
    if mask.shape == shape[1:]:
        mask = np.broadcast_to(mask, shape)
    if mask.shape != shape:
        raise ValueError(
            f"'mask' must have shape {shape[1:]} or {shape}, but got {mask.shape} instead."
        )
    if not mask.reshape(shape[0], -1).any(axis=1).all():
        raise ValueError("'mask' marks no ground-truth feature for some trials.")
    return mask


def relevance_mass_accuracy(relevance, mask) -> np.ndarray:
    """Share of positive relevance inside the ground truth (Arras et al. 2022).

    ``RMA = Σ_{i∈GT} R⁺_i / Σ_i R⁺_i``, in [0, 1]; chance = the share of
    features inside the mask. Trials with no positive relevance give NaN.

    Parameters
    ----------
    relevance : ndarray, shape (n_trials, n_chans, n_times)
        Explanations.
    mask : ndarray of bool, shape (n_chans, n_times) or (n_trials, n_chans, n_times)
        Ground-truth features (e.g. planted channels × ERD window).

    Returns
    -------
    rma : ndarray, shape (n_trials,)
    """
    relevance = check_array(relevance, "relevance", ndim=3)
    mask = _check_mask(mask, relevance.shape)
    pos = np.clip(relevance, 0, None).reshape(len(relevance), -1)
    inside = (pos * mask.reshape(len(relevance), -1)).sum(axis=1)
    total = pos.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, inside / total, np.nan)


def relevance_rank_accuracy(relevance, mask) -> np.ndarray:
    """Share of the K most relevant features that lie in the ground truth.

    ``RRA = |top_K(R) ∩ GT| / K`` with ``K = |GT|`` (Arras et al. 2022), in
    [0, 1]; chance = K / n_features.

    Parameters
    ----------
    relevance : ndarray, shape (n_trials, n_chans, n_times)
        Explanations.
    mask : ndarray of bool, shape (n_chans, n_times) or (n_trials, n_chans, n_times)
        Ground-truth features.

    Returns
    -------
    rra : ndarray, shape (n_trials,)
    """
    relevance = check_array(relevance, "relevance", ndim=3)
    mask = _check_mask(mask, relevance.shape)
    flat_r = relevance.reshape(len(relevance), -1)
    flat_m = mask.reshape(len(relevance), -1)
    out = np.empty(len(relevance))
    for i, (r, m) in enumerate(zip(flat_r, flat_m, strict=True)):
        k = int(m.sum())
        top = np.argpartition(-r, k - 1)[:k]
        out[i] = m[top].mean()
    return out


def relevance_share(relevance, channels, *, ch_names=None) -> np.ndarray:
    """Share of absolute relevance on the given channels, per trial.

    Used for the Clever Hans check: a decoder whose relevance mass sits on EOG
    (or frontal) channels decides from eye movements, not from the motor
    cortex. In [0, 1]; chance = n_selected / n_chans for uniform relevance.

    Parameters
    ----------
    relevance : ndarray, shape (n_trials, n_chans, n_times)
        Explanations.
    channels : sequence of int or str
        Channel indices, or names when ``ch_names`` is given.
    ch_names : sequence of str | None
        Names of the channels of ``relevance``.

    Returns
    -------
    share : ndarray, shape (n_trials,)
    """
    relevance = check_array(relevance, "relevance", ndim=3)
    idx = []
    for ch in channels:
        if isinstance(ch, str):
            if ch_names is None or ch not in list(ch_names):
                raise ValueError(
                    f"Invalid value for the 'channels' parameter. Allowed values are "
                    f"{list(ch_names) if ch_names is not None else 'indices'}, but got "
                    f"{ch!r} instead."
                )
            idx.append(list(ch_names).index(ch))
        else:
            idx.append(int(ch))
    mass = np.abs(relevance).sum(axis=-1)  # (n_trials, n_chans)
    total = mass.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, mass[:, idx].sum(axis=1) / total, np.nan)
