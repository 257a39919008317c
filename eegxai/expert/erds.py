"""ERD/ERS: event-related (de)synchronization maps and time courses.

Motor imagery desynchronizes the sensorimotor mu (8–13 Hz) and beta
(13–30 Hz) rhythms over the contralateral hemisphere (ERD) and is followed by a
beta rebound (ERS) [1]_. The classical quantification is the percent power
change relative to a reference (baseline) interval before the cue,

    ERD/ERS%(f, t) = (A(f, t) − R(f)) / R(f) · 100,

with ``A`` the power averaged over trials and ``R`` its mean over the baseline
[1]_ (eq. 1). Negative values are ERD, positive ERS.

Significance follows MNE's ERDS example: per channel and class, the per-trial
log-ratio ``log10(P(f, t) / mean_baseline P(f))`` is tested against 0 with a
cluster-based permutation test over the time-frequency plane
(:func:`mne.stats.permutation_cluster_1samp_test`), separately for positive
(``tail=1``) and negative (``tail=-1``) clusters [2]_.

Output of :func:`erds_map` is an :class:`ERDSResult`; ``to_dict`` gives a
JSON-serializable form and :func:`ERDSResult.from_dict` reads it back.

References
----------
.. [1] Pfurtscheller, G., & Lopes da Silva, F. H. (1999). Event-related EEG/MEG
       synchronization and desynchronization: basic principles. Clinical
       Neurophysiology, 110(11), 1842-1857.
.. [2] Maris, E., & Oostenveld, R. (2007). Nonparametric statistical testing of
       EEG- and MEG-data. Journal of Neuroscience Methods, 164(1), 177-190.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .._check import (
    check_array,
    check_option,
    check_positive,
    check_random_state,
    check_range,
    validate_type,
)

__all__ = [
    "ERDSResult",
    "band_window_mean",
    "compute_erds",
    "two_class_arrays",
    "erd_lateralization",
    "erd_time_course",
    "erds_map",
    "plot_erds_maps",
]

DEFAULT_CLASS_NAMES = ("left_hand", "right_hand")


@dataclass
class ERDSResult:
    """ERD/ERS maps with significance masks.

    Attributes
    ----------
    freqs : ndarray, shape (n_freqs,)
        Frequencies in Hz.
    times : ndarray, shape (n_times,)
        Times in s relative to the cue.
    ch_names : list of str, length n_chans
        Channel names.
    class_names : list of str, length n_classes
        Class names (class ``k`` at position ``k``).
    percent : ndarray, shape (n_classes, n_chans, n_freqs, n_times)
        ERD/ERS in percent of the baseline power.
    mask_ers : ndarray of bool, same shape as ``percent``
        Points in a significant positive (ERS) cluster.
    mask_erd : ndarray of bool, same shape as ``percent``
        Points in a significant negative (ERD) cluster.
    n_trials : list of int, length n_classes
        Trials per class.
    params : dict
        Parameters used (baseline, method, n_permutations, alpha, ...).
    """

    freqs: np.ndarray
    times: np.ndarray
    ch_names: list
    class_names: list
    percent: np.ndarray
    mask_ers: np.ndarray
    mask_erd: np.ndarray
    n_trials: list
    params: dict = field(default_factory=dict)

    @property
    def mask(self) -> np.ndarray:
        """Points in any significant cluster, shape (n_classes, n_chans, n_freqs, n_times)."""
        return self.mask_ers | self.mask_erd

    def to_dict(self) -> dict:
        """JSON-serializable dict (arrays as nested lists)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, np.ndarray):
                out[key] = value.tolist()
        return out

    @classmethod
    def from_dict(cls, data: dict) -> ERDSResult:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        for key in ("freqs", "times", "percent"):
            data[key] = np.asarray(data[key], dtype=float)
        for key in ("mask_ers", "mask_erd"):
            data[key] = np.asarray(data[key], dtype=bool)
        return cls(**data)


def two_class_arrays(epochs, *, class_names: Sequence[str] = DEFAULT_CLASS_NAMES):
    """Data, labels and axes of an :class:`mne.Epochs` for two classes.

    Unlike :func:`eegxai.preprocessing.epochs_to_arrays` (all channels, all
    classes, metadata), this keeps the EEG channels of the epochs of
    ``class_names`` and returns the axes the ERD/ERS functions need.

    Parameters
    ----------
    epochs : mne.Epochs
        Epochs whose ``event_id`` contains ``class_names``.
    class_names : sequence of str
        Event names; class ``k`` is ``class_names[k]``.

    Returns
    -------
    X : ndarray, shape (n_trials, n_chans, n_times)
        EEG channels (``mne.pick_types(eeg=True)``; EOG and stim dropped) of
        the epochs whose event is one of ``class_names``.
    y : ndarray of int, shape (n_trials,)
        Class index.
    sfreq : float
        Sampling rate.
    times : ndarray, shape (n_times,)
        Epoch times.
    ch_names : list of str
        Names of the EEG channels in ``X``.
    """
    code_to_name = {code: name for name, code in epochs.event_id.items()}
    missing = [c for c in class_names if c not in epochs.event_id]
    if missing:
        raise ValueError(
            f"Event names {missing} not in the epochs' event_id "
            f"{sorted(epochs.event_id)}; pass the right 'class_names'."
        )
    names = [code_to_name.get(code) for code in epochs.events[:, 2]]
    keep = np.array([n in class_names for n in names])
    y = np.array([list(class_names).index(n) for n in names if n in class_names])
    import mne

    picks = mne.pick_types(epochs.info, eeg=True, exclude=())
    if len(picks) == 0:
        raise ValueError("The epochs contain no EEG channel.")
    X = epochs.get_data(picks=picks)[keep]
    ch_names = [epochs.ch_names[i] for i in picks]
    return X, y, float(epochs.info["sfreq"]), epochs.times.copy(), ch_names


def _tfr_power(X, sfreq, freqs, method, n_cycles, decim, n_jobs):
    from mne.time_frequency import tfr_array_morlet, tfr_array_multitaper

    kwargs = dict(n_cycles=n_cycles, decim=decim, output="power", n_jobs=n_jobs,
                  verbose=False)
    if method == "multitaper":
        return tfr_array_multitaper(X, sfreq, freqs, use_fft=True, **kwargs)
    return tfr_array_morlet(X, sfreq, freqs, use_fft=True, **kwargs)


def _time_sel(times, window, name):
    low, high = window
    sel = (times >= (times[0] if low is None else low)) & (
        times <= (times[-1] if high is None else high)
    )
    if not sel.any():
        raise ValueError(
            f"No sample lies in the {name} window {window}; the epoch spans "
            f"{times[0]:.3f} to {times[-1]:.3f} s."
        )
    return sel


def _check_inputs(X, y, sfreq, times):
    X = check_array(X, "X", ndim=3, dtype=float)
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"'y' must have shape ({X.shape[0]},) to match 'X', but got {y.shape}."
        )
    check_positive(sfreq, "sfreq")
    times = check_array(times, "times", ndim=1, dtype=float)
    if times.shape[0] != X.shape[2]:
        raise ValueError(
            f"'times' has {times.shape[0]} entries but 'X' has {X.shape[2]} samples."
        )
    return X, y, times


def erds_map(
    X,
    y,
    *,
    sfreq: float,
    times,
    freqs,
    ch_names: Sequence[str] | None = None,
    class_names: Sequence[str] = DEFAULT_CLASS_NAMES,
    baseline: tuple[float | None, float] = (-1.0, 0.0),
    tmin: float | None = None,
    tmax: float | None = None,
    method: str = "multitaper",
    n_cycles=None,
    decim: int = 1,
    n_permutations: int = 1000,
    alpha: float = 0.05,
    seed=None,
    n_jobs: int | None = None,
) -> ERDSResult:
    """ERD/ERS maps per class and channel with cluster-permutation masks.

    Parameters
    ----------
    X : array-like, shape (n_trials, n_chans, n_times)
        Epoch data; the epoch must include the baseline and a margin of
        about half a wavelet/taper window at both ends (cropped by
        ``tmin``/``tmax``).
    y : array-like of int, shape (n_trials,)
        Class index per epoch.
    sfreq : float
        Sampling rate in Hz.
    times : array-like, shape (n_times,)
        Epoch times in s relative to the cue.
    freqs : array-like, shape (n_freqs,)
        Frequencies in Hz.
    ch_names : sequence of str | None
        Channel names (default ``"ch0"``, ...).
    class_names : sequence of str
        Name of class ``k`` at position ``k``.
    baseline : (float | None, float)
        Reference interval in s (None = epoch start).
    tmin, tmax : float | None
        Crop the maps to this interval (None = keep all) after the
        transform, to drop edge artefacts.
    method : ``"multitaper"`` | ``"morlet"``
        Time-frequency transform (:mod:`mne.time_frequency`).
    n_cycles : float | array-like | None
        Cycles per frequency; default ``freqs / 2`` (0.5 s windows), at
        least 3 cycles for Morlet.
    decim : int
        Decimation of the time axis.
    n_permutations : int
        Permutations of the cluster test (use ~100 in tests, ≥1000 for
        results); 0 skips the test (masks all False).
    alpha : float
        Cluster-level significance.
    seed : int | numpy.random.Generator | None
        Seed of the permutation test.
    n_jobs : int | None
        Parallel jobs for the transform.

    Returns
    -------
    result : ERDSResult
        Maps, masks and parameters.

    References
    ----------
    .. [1] Pfurtscheller & Lopes da Silva (1999), Clinical Neurophysiology
           110(11), 1842-1857.
    """
    from mne.stats import permutation_cluster_1samp_test

    X, y, times = _check_inputs(X, y, sfreq, times)
    check_option("method", method, ("multitaper", "morlet"))
    freqs = check_array(freqs, "freqs", ndim=1, dtype=float)
    if np.any(freqs <= 0) or np.any(freqs >= sfreq / 2):
        raise ValueError(f"'freqs' must lie in (0, {sfreq / 2}) Hz (Nyquist).")
    validate_type(decim, numbers.Integral, "decim")
    validate_type(n_permutations, numbers.Integral, "n_permutations")
    check_range(alpha, "alpha", 0.0, 1.0)
    if n_cycles is None:
        n_cycles = freqs / 2.0 if method == "multitaper" else np.maximum(freqs / 2.0, 3)
    ch_names = [f"ch{i}" for i in range(X.shape[1])] if ch_names is None else list(ch_names)
    if len(ch_names) != X.shape[1]:
        raise ValueError("'ch_names' must have one name per channel of 'X'.")
    rng = check_random_state(seed)
    # MNE >= 1.13 renamed the permutation test's 'seed' to 'rng' (and warns on 'seed').
    seed_kw = ("rng" if "rng" in inspect.signature(permutation_cluster_1samp_test).parameters
               else "seed")
    power = _tfr_power(X, sfreq, freqs, method, n_cycles, decim, n_jobs)
    tfr_times = times[::decim]
    base_sel = _time_sel(tfr_times, baseline, "baseline")
    crop = _time_sel(tfr_times, (tmin, tmax), "crop")
    # Per-trial baseline power, shape (n_trials, n_chans, n_freqs, 1).
    base = power[..., base_sel].mean(-1, keepdims=True)
    power, out_times = power[..., crop], tfr_times[crop]
    shape = (len(class_names), X.shape[1], len(freqs), len(out_times))
    percent = np.zeros(shape)
    mask_ers = np.zeros(shape, bool)
    mask_erd = np.zeros(shape, bool)
    n_trials = []
    for k in range(len(class_names)):
        sel = y == k
        n_trials.append(int(sel.sum()))
        if not sel.any():
            continue
        # Pfurtscheller & Lopes da Silva 1999, eq. 1: trial-averaged power vs reference.
        ref = base[sel].mean(0)
        percent[k] = 100.0 * (power[sel].mean(0) / ref - 1.0)
        if n_permutations <= 0 or sel.sum() < 3:
            continue
        with np.errstate(divide="ignore"):
            log_ratio = np.log10(power[sel] / base[sel])
        for c in range(X.shape[1]):
            for tail, mask in ((1, mask_ers), (-1, mask_erd)):
                _, clusters, p_values, _ = permutation_cluster_1samp_test(
                    log_ratio[:, c], tail=tail, n_permutations=int(n_permutations),
                    out_type="mask", **{seed_kw: int(rng.integers(2**31 - 1))},
                    buffer_size=None, verbose=False,
                )
                for cluster, p in zip(clusters, p_values, strict=True):
                    if p < alpha:
                        mask[k, c] |= cluster
    params = dict(
        baseline=list(baseline), tmin=tmin, tmax=tmax, method=method,
        n_cycles=np.atleast_1d(n_cycles).tolist(), decim=int(decim),
        n_permutations=int(n_permutations), alpha=float(alpha), sfreq=float(sfreq),
    )
    return ERDSResult(
        freqs=freqs, times=out_times, ch_names=ch_names,
        class_names=[str(c) for c in class_names], percent=percent,
        mask_ers=mask_ers, mask_erd=mask_erd, n_trials=n_trials, params=params,
    )


def compute_erds(epochs, freqs, *, class_names: Sequence[str] = DEFAULT_CLASS_NAMES,
                 **kwargs) -> ERDSResult:
    """ERD/ERS maps of :class:`mne.Epochs` (see :func:`erds_map` for ``kwargs``).

    Parameters
    ----------
    epochs : mne.Epochs
        Epochs with ``event_id`` containing ``class_names``.
    freqs : array-like, shape (n_freqs,)
        Frequencies in Hz.
    class_names : sequence of str
        Event names of classes 0 and 1.
    **kwargs
        Passed to :func:`erds_map` (``baseline``, ``tmin``, ``tmax``,
        ``method``, ``n_permutations``, ...).

    Returns
    -------
    result : ERDSResult
        Maps, masks and parameters.
    """
    X, y, sfreq, times, ch_names = two_class_arrays(epochs, class_names=class_names)
    return erds_map(X, y, sfreq=sfreq, times=times, freqs=freqs, ch_names=ch_names,
                    class_names=class_names, **kwargs)


def erd_time_course(
    X,
    y,
    *,
    sfreq: float,
    times,
    band: tuple[float, float],
    baseline: tuple[float | None, float] = (-1.0, 0.0),
    class_names: Sequence[str] = DEFAULT_CLASS_NAMES,
    smooth: float | None = 0.25,
    order: int = 4,
) -> dict:
    """ERD/ERS time course: band-power envelope in percent of the baseline.

    Band-pass (Butterworth, zero phase), instantaneous power ``|hilbert(x)|²``,
    mean over the trials of each class, optional moving-average smoothing,
    then ``100 · (A(t) − R) / R`` with ``R`` the mean over ``baseline`` [1]_.

    Parameters
    ----------
    X : array-like, shape (n_trials, n_chans, n_times)
        Epoch data.
    y : array-like of int, shape (n_trials,)
        Class index per epoch.
    sfreq : float
        Sampling rate in Hz.
    times : array-like, shape (n_times,)
        Epoch times in s.
    band : (float, float)
        Pass band in Hz, e.g. the subject's most discriminative band.
    baseline : (float | None, float)
        Reference interval in s.
    class_names : sequence of str
        Names of classes 0, 1, ...
    smooth : float | None
        Length of the moving-average window in s (None = no smoothing).
    order : int
        Butterworth order (of each of the two passes).

    Returns
    -------
    result : dict
        ``"times"`` (n_times,), ``"percent"`` (n_classes, n_chans, n_times),
        ``"class_names"``, ``"band"``.

    References
    ----------
    .. [1] Pfurtscheller & Lopes da Silva (1999), Clinical Neurophysiology
           110(11), 1842-1857.
    """
    from scipy import signal

    X, y, times = _check_inputs(X, y, sfreq, times)
    low, high = band
    if not 0 < low < high < sfreq / 2:
        raise ValueError(
            f"'band' must satisfy 0 < low < high < {sfreq / 2} Hz, but got {band}."
        )
    sos = signal.butter(order, [low, high], btype="bandpass", fs=sfreq, output="sos")
    filtered = signal.sosfiltfilt(sos, X, axis=-1)
    envelope = np.abs(signal.hilbert(filtered, axis=-1)) ** 2
    base_sel = _time_sel(times, baseline, "baseline")
    percent = np.zeros((len(class_names), X.shape[1], X.shape[2]))
    for k in range(len(class_names)):
        sel = y == k
        if not sel.any():
            continue
        power = envelope[sel].mean(0)
        if smooth:
            width = max(int(round(smooth * sfreq)), 1)
            kernel = np.ones(width) / width
            power = np.apply_along_axis(np.convolve, -1, power, kernel, mode="same")
        ref = power[:, base_sel].mean(-1, keepdims=True)
        percent[k] = 100.0 * (power / ref - 1.0)
    return {"times": times, "percent": percent,
            "class_names": [str(c) for c in class_names], "band": [low, high]}


def band_window_mean(result: ERDSResult, *, band: tuple[float, float],
                     window: tuple[float, float]) -> np.ndarray:
    """Mean ERD/ERS% over a frequency band and time window.

    Parameters
    ----------
    result : ERDSResult
        Output of :func:`erds_map`.
    band : (float, float)
        Frequencies in Hz (inclusive).
    window : (float, float)
        Times in s (inclusive).

    Returns
    -------
    values : ndarray, shape (n_classes, n_chans)
        Mean percent change.
    """
    fsel = (result.freqs >= band[0]) & (result.freqs <= band[1])
    if not fsel.any():
        raise ValueError(f"No map frequency lies in the band {band} Hz.")
    tsel = _time_sel(result.times, window, "window")
    return result.percent[:, :, fsel][..., tsel].mean(axis=(-2, -1))


def erd_lateralization(
    result: ERDSResult,
    *,
    band: tuple[float, float] = (8.0, 30.0),
    window: tuple[float, float] = (0.5, 2.5),
    left: str = "C3",
    right: str = "C4",
) -> dict[str, float]:
    """Lateralization of the ERD per class, on desynchronization strength.

    ``D = −ERD%`` (mean over ``band`` × ``window``) so that stronger ERD is
    larger, and ``LI = (D_left − D_right) / (|D_left| + |D_right|)`` ∈ [−1, 1].
    Left-hand imagery (ERD at C4) gives LI < 0, right-hand imagery LI > 0 —
    the same sign convention as the relevance LI of
    :func:`eegxai.analysis.lateralization_index` when relevance follows the
    ERD.

    Parameters
    ----------
    result : ERDSResult
        Output of :func:`erds_map`.
    band, window : (float, float)
        Frequency band (Hz) and time window (s) averaged.
    left, right : str
        Channels compared.

    Returns
    -------
    li : dict
        Class name → LI.
    """
    from ..analysis.spatial import lateralization_index

    desync = -band_window_mean(result, band=band, window=window)
    li = lateralization_index(desync, result.ch_names, left=left, right=right)
    return {name: float(v) for name, v in zip(result.class_names, li, strict=True)}


def plot_erds_maps(
    result: ERDSResult,
    *,
    picks: Sequence[str] | None = None,
    vlim: float | None = None,
    cmap: str = "RdBu_r",
):
    """Plot ERD/ERS maps: rows classes, columns channels; significant clusters opaque.

    Parameters
    ----------
    result : ERDSResult
        Output of :func:`erds_map`.
    picks : sequence of str | None
        Channels to show (default all, at most 8 recommended).
    vlim : float | None
        Color limits ``±vlim`` in percent (default: the 98th percentile of
        ``|percent|``), colormap centered at 0.
    cmap : str
        Diverging colormap.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure; non-significant points are drawn faded and significant
        clusters are outlined.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    picks = list(result.ch_names) if picks is None else list(picks)
    missing = [p for p in picks if p not in result.ch_names]
    if missing:
        raise ValueError(f"Channels {missing} not in {result.ch_names}.")
    idx = [result.ch_names.index(p) for p in picks]
    if vlim is None:
        vlim = float(np.percentile(np.abs(result.percent[:, idx]), 98)) or 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-vlim, vmax=vlim)
    n_rows, n_cols = len(result.class_names), len(idx)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(2.8 * n_cols + 0.8, 2.4 * n_rows),
                             squeeze=False, sharex=True, sharey=True,
                             layout="constrained")
    extent = (result.times[0], result.times[-1], result.freqs[0], result.freqs[-1])
    im = None
    for r, cls in enumerate(result.class_names):
        for c, ch in zip(range(n_cols), idx, strict=True):
            ax = axes[r, c]
            data = result.percent[r, ch]
            mask = result.mask[r, ch]
            ax.imshow(data, origin="lower", aspect="auto", extent=extent, cmap=cmap,
                      norm=norm, alpha=0.35)
            im = ax.imshow(np.ma.masked_where(~mask, data), origin="lower",
                           aspect="auto", extent=extent, cmap=cmap, norm=norm)
            if mask.any() and not mask.all():
                ax.contour(result.times, result.freqs, mask.astype(float), levels=[0.5],
                           colors="k", linewidths=0.6)
            ax.axvline(0, color="k", lw=0.8, ls="--")
            ax.set_title(f"{cls} — {result.ch_names[ch]}", fontsize=9)
            if r == n_rows - 1:
                ax.set_xlabel("time (s)")
            if c == 0:
                ax.set_ylabel("frequency (Hz)")
    fig.colorbar(im, ax=axes, shrink=0.8, label="ERD/ERS (%)")
    return fig
