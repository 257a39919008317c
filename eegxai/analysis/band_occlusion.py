"""Which frequencies does the decoder *use*? Band occlusion of the class margin.

The relevance spectra of :mod:`eegxai.analysis.spectral` follow the power that a
network passes. At 64 channels / 160 Hz that power is mostly the 1/f background
of the channels without a rhythm, so they peak at the high-pass edge
(docs/explain.md, "What LRP shows on band-power ConvNets"). Occlusion asks the
model instead: remove one frequency band from every channel of the test
trials and measure how much the margin of the true class falls,

    m(x) = z_true(x) − max_{k ≠ true} z_k(x),
    D(b) = mean_i [ m(x_i) − m(x_i without b) ],

with ``z`` the trial logits. A band the model does not use for the class
decision shifts the logits of both classes alike: the shift cancels in the
margin, and a shift that favours one class (e.g. a logit that grows with
broadband power) raises the margin of one class as much as it lowers that of
the other, which cancels in the mean over balanced classes. Removing the
discriminative band instead lowers the margin of *both* classes. ``D(b)`` is
in logit units; its peak is the band the decision rests on. A negative
``D(b)`` means the decision got sharper without the band: the model passes
some of it (e.g. the edge of a band-pass filter) but it carries only noise.
:func:`occlusion_peak_test` gives the peak a p-value against a sign-flip
max-statistic null (Nichols & Holmes 2002) [3]_; :func:`pooled_band_occlusion`
runs every cross-validation fold's model on its own test trials and
:func:`occlusion_summary` reduces the pooled drops to the numbers the reports
show. Occlusion is the
frequency-domain analogue of the occlusion sensitivity of Zeiler & Fergus
(2014) [1]_; in the spectral domain see Schirrmeister et al. (2017) [2]_, who
perturb amplitudes instead of removing them.

References
----------
.. [1] Zeiler, M. D., & Fergus, R. (2014). Visualizing and understanding
       convolutional networks. ECCV 2014, LNCS 8689, 818-833.
.. [2] Schirrmeister, R. T., et al. (2017). Deep learning with convolutional
       neural networks for EEG decoding and visualization. Human Brain Mapping,
       38(11), 5391-5420.
.. [3] Nichols, T. E., & Holmes, A. P. (2002). Nonparametric permutation tests
       for functional neuroimaging: a primer with examples. Human Brain Mapping,
       15(1), 1-25.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._check import check_array, check_positive, check_trials, validate_type

__all__ = ["band_occlusion", "occlusion_bands", "occlusion_peak_test",
           "occlusion_summary", "pooled_band_occlusion"]

#: Default band centres in Hz: 2 Hz bands tiling 4–38 Hz.
DEFAULT_BANDS = tuple(float(f) for f in np.arange(5.0, 38.0, 2.0))


def _band_bins(bands, width: float, sfreq: float, n_times: int) -> list[np.ndarray]:
    """Indices of the rFFT bins in ``[c − width/2, c + width/2)`` per band centre ``c``."""
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    nyquist = sfreq / 2.0
    masks = []
    for centre in bands:
        low, high = centre - width / 2.0, centre + width / 2.0
        if low <= 0 or high > nyquist:
            raise ValueError(
                f"Every band of 'bands' ± 'width'/2 must lie in (0, {nyquist}] Hz "
                f"(the DC bin is never occluded), but got the band [{low}, {high}) Hz "
                f"(centre {centre}, width {width})."
            )
        idx = np.flatnonzero((freqs >= low) & (freqs < high))
        if idx.size == 0:
            raise ValueError(
                f"The band [{low}, {high}) Hz holds no rFFT bin: 'width' must be at "
                f"least the frequency resolution sfreq / n_times = "
                f"{sfreq / n_times:.3g} Hz, but got {width}."
            )
        masks.append(idx)
    return masks


def _margin(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``z_true − max_{k ≠ true} z_k`` per trial; logits shape (n_trials, n_classes)."""
    rows = np.arange(len(y))
    true = logits[rows, y]
    other = logits.copy()
    other[rows, y] = -np.inf
    return true - other.max(axis=1)


def _check_inputs(X, y, sfreq, bands, width, batch_size):
    X, y = check_trials(X, y, dtype=np.float64)
    if len(y) < 2:
        raise ValueError(f"'X' must hold at least 2 trials, but got {len(y)}.")
    check_positive(sfreq, "sfreq")
    check_positive(width, "width")
    bands = check_array(DEFAULT_BANDS if bands is None else bands, "bands", ndim=1,
                        dtype=float)
    if bands.size == 0:
        raise ValueError("'bands' must hold at least one band centre in Hz, but got none.")
    validate_type(batch_size, numbers.Integral, "batch_size")
    check_positive(batch_size, "batch_size")
    return X, y, bands


def band_occlusion(
    model,
    X,
    y,
    sfreq: float,
    *,
    bands=None,
    width: float = 2.0,
    batch_size: int = 32,
    device: str = "cpu",
) -> dict:
    """Mean drop of the true-class margin when one frequency band is removed.

    For each band centre ``c`` the rFFT bins in ``[c − width/2, c + width/2)``
    of every channel of every trial are set to zero and the trial is
    transformed back (irFFT). The drop of the margin
    ``m = z_true − max_{k ≠ true} z_k`` (see the module docstring) is averaged
    over trials.

    Zeroing rather than phase randomization: a band-power decoder (square →
    pool → log, the kind that decodes an ERD) reads the *power* of a band,
    which phase-randomized bins keep (Parseval), so it would show no drop for
    the very band it uses. Zeroing removes the band's power; it is an
    orthogonal projection in the DFT basis (the occluded trial and the band's
    own content add up to the trial), deterministic, and needs no repeats or
    seed. Its price: the occluded trials lie off the training distribution
    (a spectral hole, and less total power); shifts this causes in both
    classes' logits alike cancel in the mean margin over balanced classes.

    Parameters
    ----------
    model : torch.nn.Module
        Maps float trials of shape (n, n_chans, n_times) to logits of shape
        (n, n_classes), or a cropped model to (n, n_classes, n_preds) (the
        crops are averaged, :func:`eegxai.training.predict_logits`). Set to
        eval mode; run without gradients.
    X : array-like, shape (n_trials, n_chans, n_times)
        Test trials.
    y : array-like of int, shape (n_trials,)
        True class of each trial, in ``0 .. n_classes − 1``. Balanced classes
        make the cancellation above exact in expectation.
    sfreq : float
        Sampling rate in Hz.
    bands : array-like, shape (n_bands,) | None
        Band centres in Hz; None: 5, 7, ..., 37 Hz (with ``width=2``, the
        bands tile 4–38 Hz).
    width : float
        Band width in Hz: the frequency resolution of the result. Must be at
        least the rFFT resolution ``sfreq / n_times``.
    batch_size : int
        Trials per forward pass (and per FFT), so that 64-channel trials fit in
        memory: about ``batch_size × n_chans × n_times`` complex values are
        held at once.
    device : str
        Device of the forward passes (``"cpu"``, ``"cuda"``, ``"auto"``).

    Returns
    -------
    result : dict
        ``"freqs"`` (n_bands,): band centres in Hz; ``"drop"`` (n_bands,):
        ``D(b)`` in logits; ``"sem"`` (n_bands,): its standard error over
        trials (``std(ddof=1) / sqrt(n_trials)``); ``"trial_drop"``
        (n_trials, n_bands): the drop per trial; ``"margin"`` (n_trials,):
        the margin of the intact trials; ``"resolution"``: ``width`` in Hz.

    References
    ----------
    .. [1] Zeiler, M. D., & Fergus, R. (2014). Visualizing and understanding
           convolutional networks. ECCV 2014, LNCS 8689, 818-833.
    """
    from ..training import predict_logits  # torch only where a model is run

    X, y, bands = _check_inputs(X, y, sfreq, bands, width, batch_size)
    n_trials, _, n_times = X.shape
    bins = _band_bins(bands, float(width), float(sfreq), n_times)
    margin = np.empty(n_trials)
    trial_drop = np.empty((n_trials, len(bands)))
    for start in range(0, n_trials, batch_size):
        rows = slice(start, start + batch_size)
        logits = predict_logits(model, X[rows], device=device, batch_size=batch_size)
        if y[rows].max() >= logits.shape[1]:
            raise ValueError(f"'y' holds class {y.max()} but the model has "
                             f"{logits.shape[1]} outputs.")
        margin[rows] = _margin(logits, y[rows])
        spectrum = np.fft.rfft(X[rows], axis=-1)
        for b, idx in enumerate(bins):
            occluded = spectrum.copy()
            occluded[..., idx] = 0.0
            occluded = np.fft.irfft(occluded, n=n_times, axis=-1)
            logits = predict_logits(model, occluded, device=device, batch_size=batch_size)
            trial_drop[rows, b] = margin[rows] - _margin(logits, y[rows])
    drop, sem = _mean_sem(trial_drop)  # n_trials >= 2 (checked)
    return {
        "freqs": bands,
        "drop": drop,
        "sem": sem,
        "trial_drop": trial_drop,
        "margin": margin,
        "resolution": float(width),
    }


def occlusion_bands(sfreq: float, *, width: float = 2.0, fmin: float = 4.0,
                    fmax: float = 38.0) -> np.ndarray:
    """Centres of adjacent bands of ``width`` Hz tiling ``fmin`` up to ``fmax``.

    The bands are ``[fmin + k·width, fmin + (k + 1)·width)``, as many as fit
    below ``min(fmax, sfreq / 2 − width / 2)``: the top band keeps half a band
    clear of the Nyquist frequency, where the anti-alias filter of a
    resampling rolls off. With the defaults and any sampling rate of at least
    80 Hz they are :data:`DEFAULT_BANDS` (5, 7, ..., 37 Hz).

    Parameters
    ----------
    sfreq : float
        Sampling rate in Hz.
    width : float
        Band width in Hz (the resolution of the occlusion spectrum).
    fmin, fmax : float
        Lowest band edge and highest allowed band edge in Hz.

    Returns
    -------
    bands : ndarray, shape (n_bands,)
        Band centres in Hz.
    """
    for value, name in ((sfreq, "sfreq"), (width, "width"), (fmin, "fmin"),
                        (fmax, "fmax")):
        check_positive(value, name)
    top = min(float(fmax), sfreq / 2.0 - width / 2.0)
    # the small tolerance keeps a band whose upper edge lands on `top` exactly
    n_bands = int(np.floor((top - fmin) / width + 1e-9))
    if n_bands < 1:
        raise ValueError(
            f"No band of 'width' {width} Hz fits between 'fmin' {fmin} Hz and "
            f"min('fmax', sfreq / 2 − width / 2) = {top:g} Hz (sfreq {sfreq} Hz): "
            "lower 'fmin' or 'width', or raise 'fmax'.")
    return fmin + width / 2.0 + width * np.arange(n_bands)


def occlusion_peak_test(trial_drop, *, n_permutations: int = 1000,
                        seed: int | None = 0) -> float:
    """p-value of the largest mean drop against a sign-flip max-statistic null.

    The statistic is ``T = max_b mean_i d_ib`` over the bands ``b`` of the
    per-trial drops ``d``. Its null flips the sign of whole rows (one sign per
    trial, all bands at once) and takes the maximum again, so the dependence
    between bands is kept and the p-value holds for the peak *wherever* it
    lies (family-wise over bands, Nichols & Holmes 2002 [1]_):
    ``p = (1 + #{T_null ≥ T}) / (1 + n_permutations)``.

    The null is approximate. A sign flip assumes that, for a model that does
    not use any band, each trial's drop is as likely negative as positive.
    Band occlusion only promises less: a band that shifts one class's logit
    raises that class's margin and lowers the other's, and these shifts
    cancel across balanced *classes*, not per trial. Such class-dependent
    drops widen the sign-flip null (each flipped row keeps its full size),
    so the test then errs on the conservative side; it is exact when the
    per-trial drops are symmetric about zero under the null.

    Parameters
    ----------
    trial_drop : array-like, shape (n_trials, n_bands)
        Drop of the true-class margin per trial and band
        (:func:`band_occlusion`'s ``"trial_drop"``).
    n_permutations : int
        Random sign flips of the null.
    seed : int | None
        Seed of the sign flips.

    Returns
    -------
    p : float
        In ``[1 / (1 + n_permutations), 1]``.

    References
    ----------
    .. [1] Nichols, T. E., & Holmes, A. P. (2002). Nonparametric permutation
           tests for functional neuroimaging: a primer with examples. Human
           Brain Mapping, 15(1), 1-25.
    """
    drops = check_array(trial_drop, "trial_drop", ndim=2, dtype=np.float64)
    n_trials, n_bands = drops.shape
    if n_trials < 2 or n_bands < 1:
        raise ValueError("'trial_drop' must hold at least 2 trials (rows) and 1 band "
                         f"(column), but got shape {drops.shape}.")
    validate_type(n_permutations, numbers.Integral, "n_permutations")
    check_positive(n_permutations, "n_permutations")
    if seed is not None:
        validate_type(seed, numbers.Integral, "seed")
    rng = np.random.default_rng(seed)
    observed = drops.mean(axis=0).max()
    # ties (e.g. the identity flip) count as exceeding, up to rounding
    threshold = observed - 1e-12 * max(1.0, abs(observed))
    exceed = 0
    chunk = max(1, min(int(n_permutations), 2**20 // n_trials))
    for start in range(0, int(n_permutations), chunk):
        n = min(chunk, int(n_permutations) - start)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(n, n_trials))
        exceed += int(np.count_nonzero((signs @ drops / n_trials).max(axis=1)
                                       >= threshold))
    return (1.0 + exceed) / (1.0 + int(n_permutations))


def pooled_band_occlusion(folds, X, y, sfreq: float, *, bands=None, width: float = 2.0,
                          batch_size: int = 32, device: str = "cpu") -> dict:
    """:func:`band_occlusion` of every fold's model on its own test trials, pooled.

    Parameters
    ----------
    folds : iterable of (torch.nn.Module, array-like of int)
        Per cross-validation fold, its model and the indices of its test
        trials in ``X`` (a fold without test trials is skipped).
    X : array-like, shape (n_trials, n_chans, n_times)
        All trials of the subject.
    y : array-like of int, shape (n_trials,)
        True class of each trial.
    sfreq : float
        Sampling rate in Hz.
    bands, width, batch_size, device
        As in :func:`band_occlusion`.

    Returns
    -------
    result : dict
        :func:`band_occlusion`'s keys with ``"trial_drop"`` (n_pooled, n_bands)
        and ``"margin"`` (n_pooled,) concatenated over folds, plus ``"y"``
        (n_pooled,) their classes, ``"trial_index"`` (n_pooled,) their
        indices in ``X`` and ``"fold"`` (n_pooled,) their fold; ``"drop"``
        and ``"sem"`` are over the pooled trials.
    """
    X, y = check_trials(X, y, dtype=np.float32)
    parts = []
    for k, (model, test_idx) in enumerate(folds):
        test = np.asarray(test_idx if test_idx is not None else [], dtype=int)
        if test.size == 0:
            continue
        if test.min() < 0 or test.max() >= len(y):
            raise ValueError(f"Fold {k}'s test indices must lie in [0, {len(y) - 1}], "
                             f"but got {test.min()}..{test.max()}.")
        out = band_occlusion(model, X[test], y[test], sfreq, bands=bands, width=width,
                             batch_size=batch_size, device=device)
        parts.append((k, test, out))
    if not parts:
        raise ValueError("'folds' holds no fold with test trials.")
    trial_drop = np.concatenate([out["trial_drop"] for _, _, out in parts])
    index = np.concatenate([test for _, test, _ in parts])
    drop, sem = _mean_sem(trial_drop)  # every fold holds >= 2 trials (band_occlusion)
    return {
        "freqs": parts[0][2]["freqs"],
        "drop": drop,
        "sem": sem,
        "trial_drop": trial_drop,
        "margin": np.concatenate([out["margin"] for _, _, out in parts]),
        "y": y[index],
        "trial_index": index,
        "fold": np.concatenate([np.full(len(test), k) for k, test, _ in parts]),
        "resolution": float(width),
    }


def _mean_sem(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Mean over rows and its standard error (None with fewer than 2 rows)."""
    if len(rows) < 2:
        return rows.mean(axis=0), None
    return rows.mean(axis=0), rows.std(axis=0, ddof=1) / np.sqrt(len(rows))


def occlusion_summary(result: dict, *, class_names=None, n_permutations: int = 1000,
                      seed: int | None = 0) -> dict:
    """Peak, its p-value, per-class drops and accuracy of a band-occlusion result.

    Parameters
    ----------
    result : dict
        :func:`pooled_band_occlusion` (or :func:`band_occlusion` with a ``"y"``
        entry added): ``freqs``, ``trial_drop`` (n_trials, n_bands), ``margin``
        (n_trials,), ``y`` (n_trials,) and ``resolution``.
    class_names : sequence of str | None
        Name of each class index (None: ``"0"``, ``"1"``, ...).
    n_permutations, seed
        Of :func:`occlusion_peak_test`.

    Returns
    -------
    summary : dict
        Plain JSON types: ``freqs``, ``drop``, ``sem`` (n_bands,);
        ``classes``: per class name ``drop``, ``sem`` (None below 2 trials) and
        ``n_trials``; ``peak_freq``, ``peak_drop``, ``peak_sem`` (the band of
        the largest mean drop), ``p_peak`` (:func:`occlusion_peak_test`),
        ``n_permutations``; ``resolution`` (band width, Hz); ``n_trials``;
        ``accuracy`` (share of trials with a positive margin, i.e. predicted
        right); ``margin`` (mean margin of the intact trials, logits).
    """
    drops = check_array(result["trial_drop"], "trial_drop", ndim=2, dtype=np.float64)
    y = np.asarray(result["y"], dtype=int)
    margin = np.asarray(result["margin"], dtype=np.float64)
    if not len(y) == len(margin) == len(drops) or len(y) < 2:
        raise ValueError(f"'result' must hold as many trial drops, margins and labels, "
                         f"at least 2 of each, but got {len(drops)}, {len(margin)} and "
                         f"{len(y)}.")
    n_classes = int(y.max()) + 1
    names = ([str(k) for k in range(n_classes)] if class_names is None
             else [str(c) for c in class_names])
    if len(names) < n_classes:
        raise ValueError(f"'class_names' names {len(names)} classes, but 'y' holds "
                         f"class {n_classes - 1}.")
    mean, sem = _mean_sem(drops)
    peak = int(np.argmax(mean))
    classes = {}
    for k, name in enumerate(names):
        rows = drops[y == k]
        if len(rows):
            c_mean, c_sem = _mean_sem(rows)
            classes[name] = {"drop": c_mean.tolist(), "n_trials": int(len(rows)),
                             "sem": None if c_sem is None else c_sem.tolist()}
    return {
        "freqs": np.asarray(result["freqs"], float).tolist(),
        "drop": mean.tolist(),
        "sem": sem.tolist(),
        "classes": classes,
        "peak_freq": float(result["freqs"][peak]),
        "peak_drop": float(mean[peak]),
        "peak_sem": float(sem[peak]),
        "p_peak": occlusion_peak_test(drops, n_permutations=n_permutations, seed=seed),
        "n_permutations": int(n_permutations),
        "resolution": float(result["resolution"]),
        "n_trials": int(len(y)),
        "accuracy": float(np.mean(margin > 0)),
        "margin": float(margin.mean()),
    }
