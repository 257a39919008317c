"""Region perturbation ("pixel flipping") over arbitrary feature groups, and AOPC.

A faithful explanation ranks the features the model really uses first: when
they are removed most-relevant first (MoRF) the target logit falls fast, when
least-relevant first (LeRF) slowly (Samek et al. 2017; Bach et al. 2015).
Features are removed in *groups* given by an integer mask of one sample's shape
(EEG channel × time window, image patches or superpixels, words, sequence
windows) and replaced by a domain's *baseline* (EEG phase surrogate, blurred or
zero pixels, zero word embedding, uniform nucleotide).

References
----------
.. [1] Samek W. et al. (2017). Evaluating the visualization of what a deep
   neural network has learned. IEEE TNNLS 28(11):2660–2673.
.. [2] Bach S. et al. (2015). On pixel-wise explanations for non-linear
   classifier decisions by layer-wise relevance propagation. PLoS ONE 10(7).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .._check import check_array, check_option, check_positive, check_random_state

__all__ = [
    "BASELINES",
    "ORDERS",
    "aopc",
    "eeg_segments",
    "faithfulness_table",
    "group_relevance",
    "perturbation_curve",
    "predict_logits",
]

ORDERS = ("morf", "lerf", "random")
BASELINES = ("channel_mean", "zero", "surrogate")


def predict_logits(
    model, X: np.ndarray, *, batch_size: int = 256, device: str = "auto"
) -> np.ndarray:
    """Raw model outputs for ``X``, leaving the model's device and mode as they were.

    A torch model on 3-D input goes through :func:`eegxai.training.predict_logits`
    (eval mode, no gradients, crops averaged); a torch model on input of other
    rank gets the same treatment here (trailing output axes averaged). Any
    other callable is called on ``X`` in batches.

    Parameters
    ----------
    model : torch.nn.Module | callable
        The classifier; a callable maps an ndarray ``(n, ...)`` to scores
        ``(n, n_classes)``.
    X : ndarray, shape (n_samples, ...)
        Input samples, e.g. ``(n_trials, n_chans, n_times)``.
    batch_size : int
        Samples per forward pass.
    device : 'auto' | 'cpu' | 'cuda'
        Where to compute (torch models).

    Returns
    -------
    logits : ndarray, shape (n_samples, n_classes)
    """
    import torch
    from torch import nn

    if not isinstance(model, nn.Module):
        return _call_scores(model, X, batch_size)
    from ..training import predict_logits as _predict_logits

    model_device = next(model.parameters()).device
    was_training = model.training
    try:
        if np.ndim(X) == 3:
            return _predict_logits(model, X, device=device, batch_size=batch_size)
        from .._device import resolve_device

        dev = resolve_device(device)
        dtype = next(model.parameters()).dtype
        model.to(dev).eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                xb = torch.as_tensor(X[start : start + batch_size], dtype=dtype, device=dev)
                scores = model(xb)
                if scores.ndim > 2:
                    scores = scores.flatten(2).mean(2)
                out.append(scores.cpu())
        return torch.cat(out).numpy()
    finally:
        model.to(model_device)
        model.train(was_training)


def _call_scores(fn, X, batch_size) -> np.ndarray:
    if not callable(fn):
        raise TypeError(
            "'model' must be a torch.nn.Module or a callable mapping an ndarray "
            f"(n, ...) to scores (n, n_classes), but got {type(fn).__name__}."
        )
    out = [np.asarray(fn(X[s : s + batch_size])) for s in range(0, len(X), batch_size)]
    out = np.concatenate(out)
    if out.ndim != 2 or len(out) != len(X):
        raise ValueError(
            f"'model' must return scores of shape ({len(X)}, n_classes), but "
            f"returned shape {out.shape}."
        )
    return out


def eeg_segments(n_chans: int, n_times: int, window: int) -> np.ndarray:
    """Group mask of EEG channel × time-window segments.

    Returns
    -------
    groups : ndarray of int, shape (n_chans, n_times)
        ``channel * n_windows + window_index``: time-major within each channel.
    """
    n_win = -(-n_times // window)
    win = np.arange(n_times) // window
    return np.arange(n_chans)[:, None] * n_win + win[None, :]


def _phase_surrogate(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Phase-randomized surrogate along the last axis: same amplitude spectrum."""
    spec = np.fft.rfft(x, axis=-1)
    phases = rng.uniform(0, 2 * np.pi, size=spec.shape)
    phases[..., 0] = 0.0  # keep the mean real
    return np.fft.irfft(np.abs(spec) * np.exp(1j * phases), n=x.shape[-1], axis=-1)


def _fill_values(X: np.ndarray, baseline, rng: np.random.Generator) -> np.ndarray:
    """Replacement values of X's shape and dtype for ``baseline``."""
    if isinstance(baseline, str):
        check_option("baseline", baseline, BASELINES)
        if baseline == "zero":
            return np.zeros_like(X)
        if baseline == "channel_mean":
            return np.broadcast_to(X.mean(axis=-1, keepdims=True), X.shape).copy()
        return _phase_surrogate(X, rng).astype(X.dtype)
    if isinstance(baseline, numbers.Real) and not isinstance(baseline, bool):
        return np.full_like(X, float(baseline))
    if callable(baseline):
        fill = np.asarray(baseline(X, rng))
        what = "the output of the 'baseline' callable"
    else:
        fill = check_array(baseline, "baseline")
        if fill.shape == X.shape[1:]:
            fill = np.broadcast_to(fill, X.shape)
        what = "'baseline'"
    if fill.shape != X.shape:
        raise ValueError(
            f"{what} must have the shape of a sample {X.shape[1:]} or of 'X' "
            f"{X.shape}, but got {fill.shape} instead. Allowed values are "
            f"{', '.join(map(repr, BASELINES))}, a number, an array or a callable "
            "baseline(X, rng)."
        )
    return fill.astype(X.dtype, copy=True)


def _check_groups(groups, X: np.ndarray, window) -> np.ndarray:
    """Groups as an int array of X's shape (one mask per sample)."""
    if groups is None:
        if X.ndim != 3:
            raise ValueError(
                "'groups' is required for X that is not (n_trials, n_chans, n_times), "
                f"but got X of shape {X.shape} and groups=None."
            )
        check_positive(window, "window")
        groups = eeg_segments(X.shape[1], X.shape[2], int(window))
    groups = np.asarray(groups)
    if groups.dtype.kind not in "iu":
        raise ValueError(
            f"'groups' must be an array of ints, but got dtype {groups.dtype} instead."
        )
    if groups.shape == X.shape[1:]:
        groups = np.broadcast_to(groups, X.shape)
    if groups.shape != X.shape:
        raise ValueError(
            f"'groups' must have the shape of a sample {X.shape[1:]} or of 'X' "
            f"{X.shape}, but got {groups.shape} instead."
        )
    return groups


def group_relevance(relevance, groups) -> np.ndarray:
    """Relevance summed within each group (player).

    Parameters
    ----------
    relevance : ndarray, shape (n_samples, ...)
        Explanations.
    groups : ndarray of int, shape relevance.shape[1:]
        Group id per feature; groups are ``np.unique(groups)`` in sorted order.

    Returns
    -------
    group_relevance : ndarray, shape (n_samples, n_groups)
    """
    relevance = check_array(relevance, "relevance")
    groups = np.asarray(groups)
    if groups.shape != relevance.shape[1:] or groups.dtype.kind not in "iu":
        raise ValueError(
            f"'groups' must be an int array of shape {relevance.shape[1:]}, but got "
            f"{groups.dtype} of shape {groups.shape} instead."
        )
    flat = relevance.reshape(len(relevance), -1)
    gflat = groups.ravel()
    return np.stack([flat[:, gflat == g].sum(axis=1) for g in np.unique(gflat)], axis=1)


def _ranks(seg_rel: np.ndarray, order: str, rng) -> np.ndarray:
    if order == "morf":
        return np.argsort(-seg_rel, axis=1, kind="stable")
    if order == "lerf":
        return np.argsort(seg_rel, axis=1, kind="stable")
    return np.stack([rng.permutation(seg_rel.shape[1]) for _ in range(len(seg_rel))])


_NEVER = np.iinfo(np.int64).max


def _removal_positions(X, relevance, groups, order, rng):
    """Per feature, the rank at which its group is removed; and groups per sample.

    Features of group ``-1`` are no player: never removed (rank ``_NEVER``).
    """
    n = len(X)
    flat_r = relevance.reshape(n, -1)
    flat_g = groups.reshape(n, -1)
    if (flat_g == flat_g[:1]).all():  # one grouping for every sample
        uniq, inverse = np.unique(flat_g[0], return_inverse=True)
        players = uniq >= 0
        idx = np.flatnonzero(players)
        seg_rel = np.stack([flat_r[:, inverse == k].sum(axis=-1) for k in idx], axis=1)
        ranking = _ranks(seg_rel, order, rng)
        position = np.full((n, len(uniq)), _NEVER, dtype=np.int64)
        position[:, idx] = np.argsort(ranking, axis=1)  # group k removed as number position[k]
        return np.take_along_axis(position, inverse[None, :].repeat(n, 0), 1), np.full(
            n, len(idx)
        )
    positions = np.full(flat_g.shape, _NEVER, dtype=np.int64)
    n_groups = np.empty(n, dtype=int)
    for i in range(n):
        keep = flat_g[i] >= 0
        uniq, inverse = np.unique(flat_g[i][keep], return_inverse=True)
        seg_rel = np.bincount(inverse, weights=flat_r[i][keep], minlength=len(uniq))[None]
        position = np.argsort(_ranks(seg_rel, order, rng)[0])
        positions[i, keep], n_groups[i] = position[inverse], len(uniq)
    return positions, n_groups


def _removal_counts(n_groups, n_steps, n_removed):
    """Groups removed per sample and point, shape (n, n_points); and the fractions."""
    if n_removed is not None:
        steps = np.asarray(n_removed)
        if steps.ndim != 1 or steps.dtype.kind not in "iu" or (steps < 0).any():
            raise ValueError(
                "'n_removed' must be a 1-D sequence of ints >= 0, but got "
                f"{n_removed!r} instead."
            )
        counts = np.minimum(steps[None, :], n_groups[:, None])
        with np.errstate(invalid="ignore", divide="ignore"):
            return counts, np.nanmean(counts / n_groups[:, None], axis=0)
    if (n_groups == n_groups[0]).all():
        counts = np.unique(np.linspace(0, n_groups[0], int(n_steps) + 1).round().astype(int))
        return np.broadcast_to(counts, (len(n_groups), len(counts))), counts / n_groups[0]
    fraction = np.linspace(0, 1, int(n_steps) + 1)
    return (fraction[None, :] * n_groups[:, None]).round().astype(int), fraction


def perturbation_curve(
    model,
    X,
    relevance,
    *,
    groups=None,
    target=None,
    order: Literal["morf", "lerf", "random"] = "morf",
    window: int = 25,
    n_steps: int = 20,
    baseline: str | float | np.ndarray | Callable = "surrogate",
    n_removed: Sequence[int] | None = None,
    batch_size: int = 256,
    device: str = "auto",
    seed: int | None = 0,
) -> dict:
    """Region-perturbation curve of the target logit (Samek et al. 2017).

    Each group's relevance is the sum of ``relevance`` inside it. Groups are
    replaced by ``baseline`` values in the given order, in ``n_steps`` equal
    increments until all are replaced, and the target logit is recorded after
    each increment.

    Parameters
    ----------
    model : torch.nn.Module | callable
        Classifier returning raw scores, shape (n_samples, n_classes); a
        callable takes and returns ndarrays (see :func:`predict_logits`).
    X : ndarray, shape (n_samples, ...)
        Samples, e.g. EEG trials ``(n_trials, n_chans, n_times)``, images
        ``(n, 3, H, W)``, embedded text ``(n, n_tokens, dim)``.
    relevance : ndarray, shape like X
        Explanation of each sample for ``target``.
    groups : None | ndarray of int, shape X.shape[1:] or X.shape
        Group (player) id of every feature, one mask for all samples or one
        per sample. Id ``-1`` marks features that are no player (e.g. padding
        of a short document): never removed, not counted. None: EEG segments
        of one channel × ``window`` samples (:func:`eeg_segments`; X must be
        3-D).
    target : None | int | ndarray of int, shape (n_samples,)
        Class whose logit is tracked; None = the predicted class.
    order : 'morf' | 'lerf' | 'random'
        Most relevant first, least relevant first, or random order.
    window : int
        EEG segment length in samples (only with ``groups=None``).
    n_steps : int
        Number of perturbation steps (the curve has ``n_steps + 1`` points,
        fewer when there are fewer groups than steps).
    baseline : str | float | ndarray | callable
        Replacement values: ``'channel_mean'`` (the sample's mean over the last
        axis; 0 after standardization), ``'zero'``, ``'surrogate'`` (a
        phase-randomized surrogate along the last axis: same amplitude
        spectrum, random phases — removes time-locked information but keeps
        spectral power; the EEG default), a number, an array of a sample's or
        of X's shape, or a callable ``baseline(X, rng) -> ndarray`` of X's
        shape (e.g. a blurred image, uniform nucleotides 0.25, zero word
        embeddings).
    n_removed : sequence of int | None
        Absolute numbers of groups removed at the points of the curve (e.g.
        ``range(11)`` words, Arras et al. 2017), capped at each sample's number
        of groups; overrides ``n_steps``.
    batch_size, device
        Passed to :func:`predict_logits`.
    seed : int | None
        Seed of the random order and the surrogates.

    Returns
    -------
    result : dict
        ``fraction`` (n_points,) share of groups removed (mean over samples
        when it differs); ``n_removed`` (n_samples, n_points) groups removed;
        ``logits`` (n_samples, n_points) target logit per step;
        ``predictions`` (n_samples, n_points) predicted class (arg-max of the
        scores) per step; ``target`` (n_samples,); ``curve`` (n_points,) mean
        logit over samples; ``aopc`` float (:func:`aopc`), in logit units —
        larger means a faster drop; ``order``; ``baseline`` (its name, or
        ``'custom'``); ``window``; ``n_groups`` (per sample, int array).
    """
    X = check_array(X, "X")
    if X.ndim < 2:
        raise ValueError(f"'X' must have shape (n_samples, ...), but got {X.shape}.")
    relevance = check_array(relevance, "relevance")
    if relevance.shape != X.shape:
        raise ValueError(
            f"'relevance' must have the shape of 'X' {X.shape}, but got "
            f"{relevance.shape} instead."
        )
    check_option("order", order, ORDERS)
    if isinstance(baseline, str):
        check_option("baseline", baseline, BASELINES)
    check_positive(n_steps, "n_steps")
    groups = _check_groups(groups, X, window)
    rng = check_random_state(seed)
    n = len(X)
    target = _resolve_target(model, X, target, batch_size=batch_size, device=device)
    positions, n_groups = _removal_positions(X, relevance, groups, order, rng)
    fill = _fill_values(X, baseline, rng).reshape(n, -1)
    flat = X.reshape(n, -1)
    counts, fraction = _removal_counts(n_groups, n_steps, n_removed)
    logits = np.empty(counts.shape)
    predictions = np.empty(counts.shape, dtype=int)
    for step in range(counts.shape[1]):
        Xp = np.where(positions < counts[:, step : step + 1], fill, flat).reshape(X.shape)
        out = predict_logits(model, Xp, batch_size=batch_size, device=device)
        logits[:, step] = out[np.arange(n), target]
        predictions[:, step] = out.argmax(axis=1)
    return {
        "fraction": fraction,
        "n_removed": np.array(counts),
        "logits": logits,
        "predictions": predictions,
        "target": target,
        "curve": logits.mean(axis=0),
        "aopc": aopc(logits),
        "order": order,
        "baseline": baseline if isinstance(baseline, str) else "custom",
        "window": int(window),
        "n_groups": n_groups,
    }


def aopc(curve) -> float:
    """Area over the perturbation curve (Samek et al. 2017, eq. 12).

    ``AOPC = mean_k <f(x⁽⁰⁾) − f(x⁽ᵏ⁾)>`` over the curve's points (and samples).

    Parameters
    ----------
    curve : dict | ndarray, shape (n_points,) or (n_samples, n_points)
        A :func:`perturbation_curve` result (its ``logits``), or logits.

    Returns
    -------
    aopc : float
        In the logit's units; larger = a faster drop.
    """
    logits = curve["logits"] if isinstance(curve, dict) else curve
    logits = check_array(logits, "curve")
    if logits.ndim not in (1, 2) or logits.shape[-1] < 1:
        raise ValueError(
            "'curve' must have shape (n_points,) or (n_samples, n_points), but got "
            f"{logits.shape} instead."
        )
    return float((logits[..., :1] - logits).mean())


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
    from ..explain import METHODS, explain

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


