"""Does the relevance lie on the ground truth? Mass, rank, pointing game, shares.

Domain-free: relevance of shape ``(n_samples, ...)`` (EEG channel × time,
image H × W, tokens, positions) against a boolean ground-truth mask of a
sample's shape or of the relevance's shape.

References
----------
.. [1] Arras L., Osman A., Samek W. (2022). CLEVR-XAI: a benchmark dataset for
   the ground truth evaluation of neural network explanations. Inf. Fusion 81.
.. [2] Zhang J. et al. (2018). Top-down neural attention by excitation
   backprop. IJCV 126:1084–1102 (pointing game).
"""

from __future__ import annotations

import numbers

import numpy as np

from .._check import check_array, validate_type

__all__ = [
    "pointing_game",
    "relevance_mass_accuracy",
    "relevance_rank_accuracy",
    "relevance_share",
]


def _check_relevance(relevance) -> np.ndarray:
    relevance = check_array(relevance, "relevance")
    if relevance.ndim < 2:
        raise ValueError(
            "'relevance' must have shape (n_samples, ...), but got an array of "
            f"shape {relevance.shape} instead."
        )
    return relevance


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
    features inside the mask. Samples with no positive relevance give NaN.

    Parameters
    ----------
    relevance : ndarray, shape (n_samples, ...)
        Explanations, e.g. ``(n_trials, n_chans, n_times)`` or ``(n, H, W)``.
    mask : ndarray of bool, shape relevance.shape[1:] or relevance.shape
        Ground-truth features (e.g. planted channels × ERD window, an object's
        pixels, a binding site).

    Returns
    -------
    rma : ndarray, shape (n_samples,)
    """
    relevance = _check_relevance(relevance)
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
    relevance : ndarray, shape (n_samples, ...)
        Explanations.
    mask : ndarray of bool, shape relevance.shape[1:] or relevance.shape
        Ground-truth features.

    Returns
    -------
    rra : ndarray, shape (n_samples,)
    """
    relevance = _check_relevance(relevance)
    mask = _check_mask(mask, relevance.shape)
    flat_r = relevance.reshape(len(relevance), -1)
    flat_m = mask.reshape(len(relevance), -1)
    out = np.empty(len(relevance))
    for i, (r, m) in enumerate(zip(flat_r, flat_m, strict=True)):
        k = int(m.sum())
        top = np.argpartition(-r, k - 1)[:k]
        out[i] = m[top].mean()
    return out


def pointing_game(relevance, mask, *, tolerance: int = 0) -> np.ndarray:
    """Does the most relevant feature hit the ground truth? (Zhang et al. 2018).

    A hit when the arg-max of the relevance lies inside the mask, dilated by
    ``tolerance`` features along every axis (Zhang et al. use 15 pixels).
    Hit rate = mean of the result; chance = the (dilated) mask's share of
    features.

    Parameters
    ----------
    relevance : ndarray, shape (n_samples, ...)
        Explanations, e.g. Grad-CAM maps ``(n, H, W)``.
    mask : ndarray of bool, shape relevance.shape[1:] or relevance.shape
        Ground-truth features.
    tolerance : int
        Dilation of the mask in features (0 = exact).

    Returns
    -------
    hit : ndarray of bool, shape (n_samples,)
    """
    relevance = _check_relevance(relevance)
    mask = _check_mask(mask, relevance.shape)
    validate_type(tolerance, numbers.Integral, "tolerance")
    if tolerance < 0:
        raise ValueError(f"'tolerance' must be >= 0, but got {tolerance!r} instead.")
    if tolerance:
        from scipy.ndimage import binary_dilation

        structure = np.ones((1,) + (2 * int(tolerance) + 1,) * (mask.ndim - 1), bool)
        mask = binary_dilation(mask, structure=structure)
    flat_r = relevance.reshape(len(relevance), -1)
    best = flat_r.argmax(axis=1)
    return mask.reshape(len(relevance), -1)[np.arange(len(relevance)), best]


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
