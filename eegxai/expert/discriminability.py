"""Band-power discriminability: signed r² per channel × frequency.

For every trial the log power spectral density (Welch) of each channel is
computed in an analysis window after the cue; the separability of the two
classes at each channel × frequency is the signed squared point-biserial
correlation [1]_, [2]_

    r = (m₁ − m₀) / s · sqrt(n₁ n₀) / n,   signed r² = sign(m₁ − m₀) · r²,

with ``m_k`` the class means, ``n_k`` the class sizes, ``n = n₀ + n₁`` and
``s`` the (population) standard deviation over all trials. Range [−1, 1];
positive means more power for class 1 (right_hand). For hand imagery, ERD at
C3 during right-hand imagery gives negative values at C3 and positive at C4
in the mu/beta bands.

References
----------
.. [1] Blankertz, B., Lemm, S., Treder, M., Haufe, S., & Müller, K.-R. (2011).
       Single-trial analysis and classification of ERP components — a tutorial.
       NeuroImage, 56(2), 814-825.
.. [2] Pfurtscheller, G., & Lopes da Silva, F. H. (1999). Event-related EEG/MEG
       synchronization and desynchronization: basic principles. Clinical
       Neurophysiology, 110(11), 1842-1857.
"""

from __future__ import annotations

import numpy as np

from .._check import check_array, check_option, check_positive

__all__ = [
    "band_power_r2",
    "discriminative_band",
    "most_discriminative_frequency",
    "signed_r2",
]


def signed_r2(features, y) -> np.ndarray:
    """Signed squared point-biserial correlation between features and a binary label.

    Parameters
    ----------
    features : array-like, shape (n_trials, ...)
        One or more features per trial.
    y : array-like of int, shape (n_trials,)
        Labels 0 and 1.

    Returns
    -------
    r2 : ndarray, shape (...)
        ``sign(m₁ − m₀) · r²`` in [−1, 1]; 0 where a feature is constant.
    """
    features = check_array(features, "features", dtype=float)
    y = np.asarray(y)
    if y.shape != (features.shape[0],):
        raise ValueError(
            f"'y' must have shape ({features.shape[0]},), but got {y.shape} instead."
        )
    labels = set(np.unique(y).tolist())
    if labels != {0, 1}:
        raise ValueError(
            f"'y' must contain exactly the labels 0 and 1, but got {sorted(labels)}."
        )
    x1, x0 = features[y == 1], features[y == 0]
    n1, n0, n = len(x1), len(x0), len(y)
    diff = x1.mean(0) - x0.mean(0)
    sd = features.std(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = diff / sd * np.sqrt(n1 * n0) / n
    r = np.where(sd > 0, r, 0.0)
    return np.sign(r) * r**2


def band_power_r2(
    X,
    y,
    *,
    sfreq: float,
    times=None,
    window: tuple[float, float] | None = None,
    fmin: float = 1.0,
    fmax: float = 40.0,
    n_per_seg: int | None = None,
) -> dict:
    """Signed r² of log Welch power per channel × frequency between two classes.

    Parameters
    ----------
    X : array-like, shape (n_trials, n_chans, n_times)
        Epoch data.
    y : array-like of int, shape (n_trials,)
        Labels 0 and 1.
    sfreq : float
        Sampling rate in Hz.
    times : array-like, shape (n_times,) | None
        Epoch times in s; needed with ``window``.
    window : (float, float) | None
        Analysis window in s (e.g. 0.5–2.5 s after the cue); all samples if None.
    fmin, fmax : float
        Frequency range kept, in Hz.
    n_per_seg : int | None
        Welch segment length in samples (default 1 s, at most the window).
        The frequency resolution is ``sfreq / n_per_seg``.

    Returns
    -------
    result : dict
        ``"freqs"`` (n_freqs,), ``"r2"`` (n_chans, n_freqs) signed r²,
        ``"log_psd"`` (n_trials, n_chans, n_freqs) log10 power.
    """
    from scipy import signal

    X = check_array(X, "X", ndim=3, dtype=float)
    check_positive(sfreq, "sfreq")
    if window is not None:
        if times is None:
            raise ValueError("'window' needs the epoch 'times'.")
        times = check_array(times, "times", ndim=1, dtype=float)
        if len(times) != X.shape[2]:
            raise ValueError("'times' must have one entry per sample of 'X'.")
        sel = (times >= window[0]) & (times <= window[1])
        if sel.sum() < 2:
            raise ValueError(f"The window {window} s holds fewer than 2 samples.")
        X = X[..., sel]
    n_times = X.shape[-1]
    if n_per_seg is None:
        n_per_seg = min(int(round(sfreq)), n_times)
    n_per_seg = min(int(n_per_seg), n_times)
    freqs, psd = signal.welch(X, fs=sfreq, nperseg=n_per_seg, axis=-1)
    keep = (freqs >= fmin) & (freqs <= fmax)
    if not keep.any():
        raise ValueError(f"No Welch frequency lies in [{fmin}, {fmax}] Hz.")
    log_psd = np.log10(psd[..., keep] + np.finfo(float).tiny)
    return {"freqs": freqs[keep], "r2": signed_r2(log_psd, y), "log_psd": log_psd}


def most_discriminative_frequency(
    freqs,
    r2,
    *,
    fmin: float = 5.0,
    fmax: float = 35.0,
    reduce: str = "max",
) -> dict:
    """Frequency (and channel) with the largest ``|r²|``.

    Parameters
    ----------
    freqs : array-like, shape (n_freqs,)
        Frequencies in Hz.
    r2 : array-like, shape (n_chans, n_freqs)
        Signed r² (:func:`band_power_r2`).
    fmin, fmax : float
        Search range in Hz.
    reduce : ``"max"`` | ``"mean"``
        Reduce ``|r²|`` over channels by maximum or mean.

    Returns
    -------
    result : dict
        ``"freq"`` (Hz), ``"channel"`` (index of the channel with the
        largest ``|r²|`` at that frequency), ``"r2"`` (its signed value),
        ``"spectrum"`` (n_freqs,) the reduced ``|r²|``.
    """
    check_option("reduce", reduce, ("max", "mean"))
    freqs = check_array(freqs, "freqs", ndim=1, dtype=float)
    r2 = check_array(r2, "r2", ndim=2, dtype=float)
    if r2.shape[1] != len(freqs):
        raise ValueError("'r2' must have shape (n_chans, n_freqs) matching 'freqs'.")
    spectrum = np.abs(r2).max(0) if reduce == "max" else np.abs(r2).mean(0)
    sel = (freqs >= fmin) & (freqs <= fmax)
    if not sel.any():
        raise ValueError(f"No frequency lies in [{fmin}, {fmax}] Hz.")
    idx = np.flatnonzero(sel)[np.argmax(spectrum[sel])]
    ch = int(np.argmax(np.abs(r2[:, idx])))
    return {"freq": float(freqs[idx]), "channel": ch, "r2": float(r2[ch, idx]),
            "spectrum": spectrum}


def discriminative_band(
    freqs,
    r2,
    *,
    fmin: float = 5.0,
    fmax: float = 35.0,
    threshold: float = 0.5,
    reduce: str = "max",
    min_width: float = 2.0,
) -> tuple[float, float]:
    """Contiguous band around the most discriminative frequency.

    The band grows from the peak of the reduced ``|r²|`` spectrum while the
    value stays ``>= threshold · peak`` (half maximum by default), inside
    ``[fmin, fmax]``, in the spirit of the heuristic band selection of
    Blankertz et al. (2008, IEEE Signal Processing Magazine 25(1)).

    Parameters
    ----------
    freqs : array-like, shape (n_freqs,)
        Frequencies in Hz.
    r2 : array-like, shape (n_chans, n_freqs)
        Signed r².
    fmin, fmax : float
        Search range in Hz.
    threshold : float
        Fraction of the peak that bounds the band, in (0, 1].
    reduce : ``"max"`` | ``"mean"``
        Reduction over channels.
    min_width : float
        A band narrower than this (a single sharp bin, common with few trials)
        is widened symmetrically around its centre to ``min_width`` Hz, so
        that a band-pass filter can be designed for it.

    Returns
    -------
    band : (float, float)
        Lower and upper edge in Hz (frequencies of the outermost bins kept,
        widened to ``min_width`` if needed).
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"'threshold' must lie in (0, 1], but got {threshold!r}.")
    peak = most_discriminative_frequency(freqs, r2, fmin=fmin, fmax=fmax, reduce=reduce)
    freqs = np.asarray(freqs, dtype=float)
    spectrum = peak["spectrum"]
    inside = (freqs >= fmin) & (freqs <= fmax)
    idx = int(np.flatnonzero(freqs == peak["freq"])[0])
    level = threshold * spectrum[idx]
    lo = idx
    while lo - 1 >= 0 and inside[lo - 1] and spectrum[lo - 1] >= level:
        lo -= 1
    hi = idx
    while hi + 1 < len(freqs) and inside[hi + 1] and spectrum[hi + 1] >= level:
        hi += 1
    low, high = float(freqs[lo]), float(freqs[hi])
    if high - low < min_width:
        centre = (low + high) / 2
        low, high = max(centre - min_width / 2, 0.5), centre + min_width / 2
    return low, high
