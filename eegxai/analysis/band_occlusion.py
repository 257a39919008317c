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
some of it (e.g. the edge of a band-pass filter) but it carries only noise. Occlusion is the
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
"""

from __future__ import annotations

import numbers

import numpy as np

from .._check import check_array, check_positive, check_trials, validate_type

__all__ = ["band_occlusion"]

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
    return {
        "freqs": bands,
        "drop": trial_drop.mean(axis=0),
        "sem": trial_drop.std(axis=0, ddof=1) / np.sqrt(n_trials),
        "trial_drop": trial_drop,
        "margin": margin,
        "resolution": float(width),
    }
