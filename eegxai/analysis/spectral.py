"""Which frequencies does the decoder use? Three independent spectral estimates.

1. **First layer** (the lecture's "LRP for the first convolutional layer"): the
   temporal filters of ShallowFBCSPNet/Deep4Net are FIR filters ``h_k`` of
   ``filter_len`` taps at the data's sampling rate. Their amplitude responses
   ``|H_k(f)|`` (:func:`scipy.signal.freqz`), weighted by the relevance that
   LRP assigns to each filter, give the network's relevance spectrum [2]_:

       S⁺(f) = Σ_k R_k⁺ |H_k(f)|,   S⁻(f) = Σ_k R_k⁻ |H_k(f)|,   S(f) = S⁺ − S⁻

   with ``R_k⁺`` / ``R_k⁻`` the summed positive / negative (magnitude)
   relevance of filter ``k`` (mean over trials). With ``normalize=True`` the
   weights are divided by their sum, so ``S⁺`` is a relevance-weighted mean
   gain.
2. **Amplitude perturbation** (Schirrmeister et al. 2017 [1]_, section 2.6):
   the input's rFFT amplitudes are perturbed by Gaussian noise (phases kept),
   and the change of amplitude at each channel × frequency is correlated over
   trials with the change of the target output. Uses only a ``predict``
   callable, not the gradients.
3. **Input relevance** (:func:`input_relevance_spectrum`): either the
   correlation over trials between a channel's relevance and its log amplitude
   spectrum (``"correlation"``), or the amplitude spectrum of the relevance
   signal itself (``"fft"``).

References
----------
.. [1] Schirrmeister, R. T., et al. (2017). Deep learning with convolutional
       neural networks for EEG decoding and visualization. Human Brain Mapping,
       38(11), 5391-5420.
.. [2] Montavon, G., Samek, W., & Müller, K.-R. (2018). Methods for interpreting
       and understanding deep neural networks. Digital Signal Processing, 73, 1-15.
.. [3] Sturm, I., Lapuschkin, S., Samek, W., & Müller, K.-R. (2016).
       Interpretable deep neural networks for single-trial EEG classification.
       Journal of Neuroscience Methods, 274, 141-145.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np
import scipy.fft
from scipy import signal

from .._check import (
    check_array,
    check_option,
    check_positive,
    check_random_state,
    validate_type,
)

__all__ = [
    "BANDS",
    "amplitude_perturbation_correlation",
    "band_mass_share",
    "filter_relevance",
    "fir_frequency_response",
    "frequency_relevance",
    "first_layer_bias",
    "first_layer_fir",
    "first_layer_relevance_spectrum",
    "first_layer_spectrum_folds",
    "input_relevance_spectrum",
    "peak_frequency",
]

#: Expert frequency bands in Hz (Pfurtscheller & Lopes da Silva 1999).
BANDS = {"mu": (8.0, 13.0), "beta": (13.0, 30.0)}


def first_layer_fir(model) -> np.ndarray:
    """FIR weights of the first temporal convolution of a braindecode ConvNet.

    Looks for ``model.conv_time_spat.conv_time`` (``CombinedConv`` of
    ShallowFBCSPNet/Deep4Net with ``split_first_layer=True``), then for a
    module named ``conv_time`` anywhere in the model (canonized models).

    Parameters
    ----------
    model : torch.nn.Module
        Trained ShallowFBCSPNet, Deep4Net or a canonized copy.

    Returns
    -------
    fir : ndarray, shape (n_filters, filter_len)
        Filter taps in the order they multiply the input samples
        (PyTorch's cross-correlation; the amplitude response is the same as
        for the flipped kernel).
    """
    weight = _temporal_conv(model).weight.detach().cpu().numpy().astype(float)
    if weight.ndim != 4 or weight.shape[1] != 1 or weight.shape[3] != 1:
        raise ValueError(
            f"Expected a temporal convolution weight of shape (n_filters, 1, "
            f"filter_len, 1), but got {weight.shape}; a first layer that mixes "
            "channels (split_first_layer=False) is not a bank of FIR filters."
        )
    return weight[:, 0, :, 0]


def _temporal_conv(model):
    """The module ``conv_time`` of a braindecode ConvNet (or a canonized copy)."""
    parent = getattr(model, "conv_time_spat", None)
    if parent is not None and hasattr(parent, "conv_time"):
        return parent.conv_time
    for name, module in model.named_modules():
        if name.split(".")[-1] == "conv_time" and hasattr(module, "weight"):
            return module
    raise ValueError(
        f"No temporal convolution 'conv_time' found in {type(model).__name__}; "
        "pass FIR weights of shape (n_filters, filter_len) directly instead."
    )


def first_layer_bias(model) -> np.ndarray | None:
    """Biases of the first temporal convolution (see :func:`first_layer_fir`).

    Returns
    -------
    bias : ndarray, shape (n_filters,) | None
        None when the convolution has no bias.
    """
    bias = _temporal_conv(model).bias
    return None if bias is None else bias.detach().cpu().numpy().astype(float)


def fir_frequency_response(fir, sfreq: float, *, n_freqs: int = 512,
                           fmax: float | None = None):
    """Amplitude response of each FIR filter.

    Parameters
    ----------
    fir : array-like, shape (n_filters, filter_len)
        Filter taps.
    sfreq : float
        Sampling rate of the data the filters were trained on, in Hz.
    n_freqs : int
        Number of frequencies, evenly spaced from 0 to ``sfreq / 2``.
    fmax : float | None
        Keep only frequencies ``<= fmax``.

    Returns
    -------
    freqs : ndarray, shape (n_freqs,)
        Frequencies in Hz.
    response : ndarray, shape (n_filters, n_freqs)
        ``|H_k(f)|``.
    """
    fir = check_array(fir, "fir", ndim=2, dtype=float)
    check_positive(sfreq, "sfreq")
    validate_type(n_freqs, numbers.Integral, "n_freqs")
    check_positive(n_freqs, "n_freqs")
    freqs = np.linspace(0, sfreq / 2, n_freqs)
    # freqz with an explicit frequency grid in Hz and fs: H(f) = Σ_n h[n] e^{-i2πfn/fs}
    response = np.stack(
        [np.abs(signal.freqz(h, worN=freqs, fs=sfreq)[1]) for h in fir]
    ) if len(fir) else np.zeros((0, n_freqs))
    if fmax is not None:
        keep = freqs <= fmax
        freqs, response = freqs[keep], response[:, keep]
    return freqs, response


def filter_relevance(layer_relevance, *, n_filters: int | None = None,
                     per_trial: bool = False):
    """Positive and negative relevance of each first-layer filter.

    Parameters
    ----------
    layer_relevance : array-like, shape (n_trials, n_filters, ...)
        Relevance at the output of the temporal convolution, from
        ``eegxai.explain.explain_layer(model, X, layer="conv_time")``
        (shape (n_trials, n_filters, n_chans_or_1, n_times_out)).
    n_filters : int | None
        Expected number of filters (checked when given).
    per_trial : bool
        Return one row per trial instead of the mean over trials.

    Returns
    -------
    positive : ndarray, shape (n_filters,) | (n_trials, n_filters)
        Summed positive relevance of each filter (mean over trials unless
        ``per_trial``).
    negative : ndarray, shape (n_filters,) | (n_trials, n_filters)
        Summed magnitude of negative relevance (≥ 0), likewise.
    """
    rel = check_array(layer_relevance, "layer_relevance", dtype=float)
    if rel.ndim < 2:
        raise ValueError(
            "'layer_relevance' must have shape (n_trials, n_filters, ...), but got "
            f"{rel.shape} instead."
        )
    if n_filters is not None and rel.shape[1] != n_filters:
        raise ValueError(
            f"'layer_relevance' has {rel.shape[1]} filters but the FIR weights have "
            f"{n_filters}."
        )
    flat = rel.reshape(rel.shape[0], rel.shape[1], -1)
    positive = np.clip(flat, 0, None).sum(-1)
    negative = -np.clip(flat, None, 0).sum(-1)
    if per_trial:
        return positive, negative
    return positive.mean(0), negative.mean(0)


def first_layer_relevance_spectrum(
    fir,
    layer_relevance,
    sfreq: float,
    *,
    n_freqs: int = 512,
    fmax: float | None = None,
    normalize: bool = True,
) -> dict:
    """Relevance spectrum of the network from its first-layer FIR filters.

    ``S⁺(f) = Σ_k R_k⁺ |H_k(f)|``, ``S⁻(f) = Σ_k R_k⁻ |H_k(f)|``,
    ``S(f) = S⁺(f) − S⁻(f)`` (see the module docstring).

    Parameters
    ----------
    fir : array-like, shape (n_filters, filter_len)
        First-layer temporal filter taps (:func:`first_layer_fir`).
    layer_relevance : array-like, shape (n_trials, n_filters, ...) | (n_filters,)
        Relevance of the filters' outputs (see :func:`filter_relevance`), or
        one signed relevance value per filter.
    sfreq : float
        Sampling rate in Hz.
    n_freqs : int
        Number of frequencies from 0 to ``sfreq / 2``.
    fmax : float | None
        Keep only frequencies ``<= fmax``.
    normalize : bool
        Divide ``S⁺`` by ``Σ R_k⁺`` and ``S⁻`` by ``Σ R_k⁻`` (and ``S`` by
        ``Σ (R_k⁺ + R_k⁻)``), giving relevance-weighted mean gains that are
        comparable across models.

    Returns
    -------
    spectrum : dict
        ``"freqs"`` (n_freqs,), ``"positive"``, ``"negative"``, ``"net"``
        (n_freqs,), ``"filter_positive"``, ``"filter_negative"`` (n_filters,),
        and ``"response"`` (n_filters, n_freqs).
    """
    fir = check_array(fir, "fir", ndim=2, dtype=float)
    validate_type(normalize, bool, "normalize")
    rel = np.asarray(layer_relevance, dtype=float)
    if rel.ndim == 1:
        if len(rel) != len(fir):
            raise ValueError(
                f"'layer_relevance' has {len(rel)} values but 'fir' has {len(fir)} "
                "filters."
            )
        positive, negative = np.clip(rel, 0, None), -np.clip(rel, None, 0)
    else:
        positive, negative = filter_relevance(rel, n_filters=len(fir))
    freqs, response = fir_frequency_response(fir, sfreq, n_freqs=n_freqs, fmax=fmax)
    pos = positive @ response
    neg = negative @ response
    net = pos - neg
    if normalize:
        total = positive.sum() + negative.sum()
        net = net / total if total > 0 else net
        pos = pos / positive.sum() if positive.sum() > 0 else pos
        neg = neg / negative.sum() if negative.sum() > 0 else neg
    return {
        "freqs": freqs,
        "positive": pos,
        "negative": neg,
        "net": net,
        "filter_positive": positive,
        "filter_negative": negative,
        "response": response,
    }


def first_layer_spectrum_folds(
    fir,
    filter_positive,
    filter_negative,
    sfreq: float,
    *,
    fold=None,
    n_freqs: int = 512,
    fmax: float | None = None,
) -> dict:
    """First-layer relevance spectrum of trials explained by different models.

    With cross-validation each trial is explained by the model of its fold,
    whose filters differ. The spectrum of :func:`first_layer_relevance_spectrum`
    is linear in the filter relevances, so the folds' unnormalized spectra
    ``Σ_trials Σ_k R_k± |H_k^(fold)(f)|`` add up, and are normalized at the end
    by the total positive (negative) relevance — for one fold this equals
    :func:`first_layer_relevance_spectrum` with ``normalize=True``.

    Parameters
    ----------
    fir : array-like, shape (n_folds, n_filters, filter_len) | (n_filters, filter_len)
        FIR taps of each fold's model.
    filter_positive, filter_negative : array-like, shape (n_trials, n_filters)
        Per trial, the summed positive relevance and the summed magnitude of
        negative relevance of each filter's output.
    sfreq : float
        Sampling rate in Hz.
    fold : array-like of int, shape (n_trials,) | None
        Fold (row of ``fir``) of each trial; None = all fold 0.
    n_freqs, fmax
        As in :func:`fir_frequency_response`.

    Returns
    -------
    spectrum : dict
        ``"freqs"``, ``"positive"``, ``"negative"``, ``"net"`` (n_freqs,).
    """
    fir = np.asarray(fir, dtype=float)
    fir = fir[None] if fir.ndim == 2 else fir
    if fir.ndim != 3:
        raise ValueError(
            f"'fir' must have shape (n_folds, n_filters, filter_len), got {fir.shape}."
        )
    pos_rel = check_array(filter_positive, "filter_positive", ndim=2, dtype=float)
    neg_rel = check_array(filter_negative, "filter_negative", ndim=2, dtype=float)
    if pos_rel.shape != neg_rel.shape or pos_rel.shape[1] != fir.shape[1]:
        raise ValueError(
            "'filter_positive' and 'filter_negative' must both have shape "
            f"(n_trials, {fir.shape[1]}), got {pos_rel.shape} and {neg_rel.shape}."
        )
    fold = np.zeros(len(pos_rel), int) if fold is None else np.asarray(fold, int)
    if fold.shape != (len(pos_rel),) or fold.min(initial=0) < 0 or (
        fold.max(initial=0) >= len(fir)
    ):
        raise ValueError("'fold' must give a valid row of 'fir' for every trial.")
    pos = neg = 0.0
    freqs = None
    for k in np.unique(fold):
        freqs, response = fir_frequency_response(fir[k], sfreq, n_freqs=n_freqs, fmax=fmax)
        in_fold = fold == k
        pos = pos + pos_rel[in_fold].sum(0) @ response
        neg = neg + neg_rel[in_fold].sum(0) @ response
    total_pos, total_neg = pos_rel.sum(), neg_rel.sum()
    net = (pos - neg) / (total_pos + total_neg) if total_pos + total_neg > 0 else pos - neg
    return {
        "freqs": freqs,
        "positive": pos / total_pos if total_pos > 0 else pos,
        "negative": neg / total_neg if total_neg > 0 else neg,
        "net": net,
    }


def _freq_mask(freqs: np.ndarray, fmin: float | None, fmax: float | None):
    sel = np.ones(len(freqs), bool)
    if fmin is not None:
        sel &= freqs >= fmin
    if fmax is not None:
        sel &= freqs <= fmax
    if not sel.any():
        raise ValueError(f"No frequency lies in [{fmin}, {fmax}] Hz.")
    return sel


def peak_frequency(freqs, spectrum, *, fmin: float | None = 1.0,
                   fmax: float | None = 45.0) -> float:
    """Frequency of the maximum of a spectrum within ``[fmin, fmax]``.

    Parameters
    ----------
    freqs : array-like, shape (n_freqs,)
        Frequencies in Hz.
    spectrum : array-like, shape (n_freqs,) | (n_chans, n_freqs)
        Spectrum; a 2-d spectrum is reduced by the maximum over channels.
    fmin, fmax : float | None
        Search range in Hz (the default 1–45 Hz excludes DC and line noise).

    Returns
    -------
    peak : float
        Frequency in Hz of the largest value.
    """
    freqs = check_array(freqs, "freqs", ndim=1, dtype=float)
    spectrum = check_array(spectrum, "spectrum", dtype=float)
    if spectrum.ndim == 2:
        spectrum = spectrum.max(axis=0)
    if spectrum.shape != freqs.shape:
        raise ValueError(
            f"'spectrum' has {spectrum.shape[-1]} frequencies but 'freqs' has "
            f"{len(freqs)}."
        )
    sel = _freq_mask(freqs, fmin, fmax)
    return float(freqs[sel][np.argmax(spectrum[sel])])


def band_mass_share(
    freqs,
    spectrum,
    *,
    bands: Sequence[tuple[float, float]] = (BANDS["mu"], BANDS["beta"]),
    fmin: float = 1.0,
    fmax: float = 45.0,
) -> float:
    """Share of the (positive) spectral mass that lies in the given bands.

    ``share = Σ_{f ∈ bands} S⁺(f) / Σ_{fmin ≤ f ≤ fmax} S⁺(f)`` with
    ``S⁺ = max(S, 0)``; range [0, 1]. For a flat spectrum it equals the
    bands' share of the frequency bins in ``[fmin, fmax]``.

    Parameters
    ----------
    freqs : array-like, shape (n_freqs,)
        Frequencies in Hz.
    spectrum : array-like, shape (n_freqs,)
        A spectrum (e.g. the positive first-layer relevance spectrum).
    bands : sequence of (float, float)
        Bands ``[low, high]`` in Hz (default mu 8–13 and beta 13–30 Hz);
        overlapping edges are counted once.
    fmin, fmax : float
        Range that defines the total mass.

    Returns
    -------
    share : float
        Value in [0, 1]; NaN if the total mass is 0.
    """
    freqs = check_array(freqs, "freqs", ndim=1, dtype=float)
    spectrum = check_array(spectrum, "spectrum", ndim=1, dtype=float)
    if spectrum.shape != freqs.shape:
        raise ValueError("'freqs' and 'spectrum' must have the same length.")
    total_sel = _freq_mask(freqs, fmin, fmax)
    in_band = np.zeros(len(freqs), bool)
    for low, high in bands:
        in_band |= (freqs >= low) & (freqs <= high)
    mass = np.clip(spectrum, 0, None)
    total = mass[total_sel].sum()
    if total <= 0:
        return float("nan")
    return float(mass[total_sel & in_band].sum() / total)


def _row_corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of ``b`` (n_obs,) with every column of ``a`` (n_obs, ...)."""
    a = a - a.mean(0)
    b = b - b.mean()
    num = np.tensordot(b, a, axes=(0, 0))
    den = np.sqrt((a**2).sum(0) * (b**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = num / den
    return np.where(den > 0, r, 0.0)


def _bin_matrix(freqs: np.ndarray, width: float | None, fmax: float | None):
    """Sum-aggregation matrix (n_freqs, n_bins) for bins of ``width`` Hz, and centers.

    Bin ``b`` holds the frequencies in ``[b·width − width/2, b·width + width/2)``,
    so bin centers are multiples of ``width`` (0, width, 2·width, ...).
    """
    top = freqs[-1] if fmax is None else min(fmax, freqs[-1])
    if width is None:
        keep = freqs <= top
        return np.eye(len(freqs))[:, keep], freqs[keep]
    check_positive(width, "freq_bin")
    index = np.floor(freqs / width + 0.5).astype(int)
    centers = np.arange(index.max() + 1) * width
    matrix = np.zeros((len(freqs), len(centers)))
    matrix[np.arange(len(freqs)), index] = 1.0
    keep = (matrix.sum(0) > 0) & (centers <= top)
    return matrix[:, keep], centers[keep]


def amplitude_perturbation_correlation(
    predict: Callable[[np.ndarray], np.ndarray],
    X,
    sfreq: float,
    *,
    target: int = 1,
    n_repeats: int = 10,
    noise_std: float = 0.1,
    fmax: float | None = None,
    freq_bin: float | None = 1.0,
    batch_size: int | None = None,
    seed=None,
) -> dict:
    """Amplitude-perturbation correlation per channel × frequency.

    Following Schirrmeister et al. 2017 (section 2.6.2): for each trial and
    repeat, the rFFT amplitudes ``a`` of every channel are perturbed by
    additive Gaussian noise ``Δa = noise_std · ā(c, f) · N(0, 1)`` (``ā`` the
    mean amplitude over trials; negative results clipped to 0), the phases are
    kept, the signal is transformed back and passed to ``predict``. The
    correlation over all trials × repeats between ``Δa[c, f]`` and the change of
    the target output ``Δy = y_target(X') − y_target(X)`` is the result. A
    positive value means more amplitude at (c, f) raises the target output.

    Parameters
    ----------
    predict : callable
        ``predict(X) -> logits`` with X of shape (n, n_chans, n_times) and
        logits of shape (n, n_outputs) (or (n,) for a single output). Wrap a
        torch model in e.g. ``lambda X: model(torch.as_tensor(X)).detach().numpy()``.
    X : array-like, shape (n_trials, n_chans, n_times)
        Input trials.
    sfreq : float
        Sampling rate in Hz.
    target : int
        Column of the output to explain (ignored for 1-d outputs).
    n_repeats : int
        Perturbations per trial.
    noise_std : float
        Noise standard deviation relative to the mean amplitude.
    fmax : float | None
        Keep only frequencies ``<= fmax`` in the result.
    freq_bin : float | None
        Width in Hz of the frequency bins: the amplitude changes of the rFFT
        bins inside a bin are summed before correlating. A long epoch has a
        fine rFFT grid (``sfreq / n_times`` Hz) whose single-bin correlations
        are small and noisy; summing raises the signal by about
        ``sqrt(bins per bin)``. None keeps the rFFT grid.
    batch_size : int | None
        Trials passed to ``predict`` at once (all when None).
    seed : int | numpy.random.Generator | None
        Random seed.

    Returns
    -------
    result : dict
        ``"freqs"`` (n_freqs,) in Hz and ``"correlation"``
        (n_chans, n_freqs), values in [−1, 1].

    References
    ----------
    .. [1] Schirrmeister, R. T., et al. (2017). Deep learning with convolutional
           neural networks for EEG decoding and visualization. Human Brain
           Mapping, 38(11), 5391-5420.
    """
    if not callable(predict):
        raise TypeError(f"'predict' must be callable, but got {type(predict).__name__}.")
    X = check_array(X, "X", ndim=3, dtype=float)
    check_positive(sfreq, "sfreq")
    validate_type(n_repeats, numbers.Integral, "n_repeats")
    check_positive(n_repeats, "n_repeats")
    check_positive(noise_std, "noise_std")
    validate_type(target, numbers.Integral, "target")
    rng = check_random_state(seed)
    n_trials, n_chans, n_times = X.shape
    batch_size = n_trials if batch_size is None else int(batch_size)

    def _out(data):
        outs = []
        for start in range(0, len(data), batch_size):
            out = np.asarray(predict(data[start:start + batch_size]), dtype=float)
            outs.append(out if out.ndim == 1 else out[:, target])
        return np.concatenate(outs)

    spec = np.fft.rfft(X, axis=-1)
    amp, phase = np.abs(spec), np.angle(spec)
    scale = noise_std * amp.mean(axis=0)
    base = _out(X)
    d_amp, d_out = [], []
    for _ in range(n_repeats):
        new_amp = np.clip(amp + scale * rng.standard_normal(amp.shape), 0, None)
        X_new = np.fft.irfft(new_amp * np.exp(1j * phase), n=n_times, axis=-1)
        d_amp.append(new_amp - amp)
        d_out.append(_out(X_new) - base)
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    matrix, centers = _bin_matrix(freqs, freq_bin, fmax)
    d_amp = np.concatenate(d_amp) @ matrix
    d_out = np.concatenate(d_out)
    return {"freqs": centers, "correlation": _row_corr(d_amp, d_out)}


def input_relevance_spectrum(
    relevance,
    sfreq: float,
    *,
    X=None,
    method: str = "correlation",
    fmax: float | None = None,
    freq_bin: float | None = 1.0,
    absolute: bool = False,
) -> dict:
    """Spectral view of input relevance, per channel × frequency.

    Parameters
    ----------
    relevance : array-like, shape (n_trials, n_chans, n_times)
        Input relevance.
    sfreq : float
        Sampling rate in Hz.
    X : array-like, shape (n_trials, n_chans, n_times) | None
        The explained inputs; required for ``method="correlation"``.
    method : ``"correlation"`` | ``"fft"``
        ``"correlation"``: Pearson correlation over trials between the
        channel's total relevance ``Σ_t R[n, c, t]`` and the log amplitude
        spectrum ``log |FFT(hann · X[n, c])|(f)`` (per frequency bin) — which input frequencies make a
        trial relevant (range [−1, 1]). ``"fft"``: mean over trials of the
        amplitude spectrum of the relevance signal ``|FFT(R[n, c])|(f)``
        (≥ 0). Caution: for a model that uses band power at ``f0``, relevance
        behaves like ``x · bandpass(x)`` and its spectrum peaks near 0 and
        ``2 f0``, not at ``f0``; use it to see the time scale of relevance.
    fmax : float | None
        Keep only frequencies ``<= fmax``.
    freq_bin : float | None
        Width in Hz of frequency bins (bins centered on multiples of the
        width): power (``"correlation"``) or amplitude (``"fft"``) is summed
        within a bin first. None keeps the FFT grid.
    absolute : bool
        Use ``|R|`` for the channel totals of ``"correlation"``.

    Returns
    -------
    result : dict
        ``"freqs"`` (n_freqs,) and ``"spectrum"`` (n_chans, n_freqs).
    """
    check_option("method", method, ("correlation", "fft"))
    relevance = check_array(relevance, "relevance", ndim=3, dtype=float)
    check_positive(sfreq, "sfreq")
    n_times = relevance.shape[-1]
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    matrix, centers = _bin_matrix(freqs, freq_bin, fmax)
    if method == "fft":
        spectrum = (np.abs(np.fft.rfft(relevance, axis=-1)) @ matrix).mean(axis=0)
    else:
        if X is None:
            raise ValueError("method='correlation' needs the inputs 'X'.")
        X = check_array(X, "X", ndim=3, dtype=float)
        if X.shape != relevance.shape:
            raise ValueError(
                f"'X' has shape {X.shape} but 'relevance' has {relevance.shape}."
            )
        window = signal.windows.hann(n_times, sym=False)
        power = np.abs(np.fft.rfft(X * window, axis=-1)) ** 2 @ matrix
        log_amp = 0.5 * np.log(power + np.finfo(float).tiny)
        totals = (np.abs(relevance) if absolute else relevance).sum(-1)
        spectrum = np.stack(
            [_row_corr(log_amp[:, c], totals[:, c]) for c in range(X.shape[1])]
        )
    return {"freqs": centers, "spectrum": spectrum}


def frequency_relevance(
    X,
    layer_relevance,
    fir,
    sfreq: float,
    *,
    bias=None,
    epsilon: float = 1e-6,
    fmax: float | None = None,
    freq_bin: float | None = 1.0,
) -> dict:
    r"""Relevance of the input's frequency components (DFT-LRP, virtual inspection layer).

    The first layer of ShallowFBCSPNet/Deep4Net is linear: filter ``k`` on
    channel ``c`` outputs ``z_kc[t] = Σ_τ h_k[τ] x_c[t + τ] + b_k``. Write each
    trial as the sum of its DFT components, ``x_c = Σ_f a_cf`` with
    ``a_cf[t] = (w_f / T) Re(X_c(f) e^{i2πft/T})`` (``w_f`` = 1 at 0 and
    Nyquist, 2 elsewhere); then ``z_kc = Σ_f h_k ⋆ a_cf + b_k`` exactly, and the
    LRP-ε rule through this (virtual) linear layer gives each frequency its share
    of the relevance ``R_kc[t]`` that the layers above assign to the filter
    output (Vielhaben et al. 2024 [4]_):

        R(f) = Σ_{k,c,t} (h_k ⋆ a_cf)[t] · R_kc[t] / (z_kc[t] + ε_kc)
             = (w_f / T) Re Σ_{c,k} X_c(f) conj(Ĥ_k(f)) conj(Q_kc(f))

    with ``Q_kc`` the DFT of ``q_kc = R_kc / (z_kc + ε_kc)`` (zero-padded to
    ``T``), ``Ĥ_k`` that of ``h_k`` and ``ε_kc = epsilon · std(z_kc)`` (sign of
    ``z``). Relevance is conserved: ``Σ_f R(f) + R_bias = Σ R · z / (z + ε)``.
    Unlike the FIR-response spectrum it weighs each filter by the power its
    *input* has at ``f``, so it stays sharp when the filters are short or
    barely trained (few trials, 160 Hz, Deep4Net's 10 taps) — but it also
    follows the power the network lets through, i.e. the data's own spectrum
    (measured in docs/explain.md). Resolution: the DFT grid ``sfreq / N``
    (``N`` = ``n_times`` zero-padded to a fast FFT length; 0.22 Hz for a
    4.5 s trial), summed into bins of ``freq_bin`` Hz.

    Parameters
    ----------
    X : array-like, shape (n_trials, n_chans, n_times)
        The explained trials.
    layer_relevance : array-like, shape (n_trials, n_filters, n_times_out, n_chans)
        Relevance at the output of the temporal convolution (braindecode's
        layout, as returned by ``explain_layer(model, X, layer="conv_time")``),
        ``n_times_out = n_times − filter_len + 1``.
    fir : array-like, shape (n_filters, filter_len)
        Filter taps (:func:`first_layer_fir`).
    sfreq : float
        Sampling rate in Hz.
    bias : array-like, shape (n_filters,) | None
        Filter biases (``conv_time.bias``); None = no bias.
    epsilon : float
        Stabilizer, relative to the standard deviation of each filter output.
    fmax : float | None
        Keep only frequencies ``<= fmax``.
    freq_bin : float | None
        Width in Hz of the frequency bins (bins centered on multiples of the
        width); None keeps the DFT grid.

    Returns
    -------
    result : dict
        ``"freqs"`` (n_freqs,), ``"relevance"`` (n_trials, n_freqs) signed
        relevance per trial and frequency, ``"channel_relevance"`` (n_trials,
        n_chans, n_freqs) the same per input channel, ``"bias"`` (n_trials,)
        relevance of the biases, ``"resolution"`` (Hz, the bin width or the
        DFT spacing).

    References
    ----------
    .. [4] Vielhaben, J., Lapuschkin, S., Montavon, G., & Samek, W. (2024).
           Explainable AI for time series via virtual inspection layers.
           Pattern Recognition, 150, 110309.
    """
    X = check_array(X, "X", ndim=3, dtype=float)
    fir = check_array(fir, "fir", ndim=2, dtype=float)
    rel = check_array(layer_relevance, "layer_relevance", ndim=4, dtype=float)
    check_positive(sfreq, "sfreq")
    check_positive(epsilon, "epsilon", strict=False)
    n_trials, n_chans, n_times = X.shape
    n_filters, filter_len = fir.shape
    n_out = n_times - filter_len + 1
    expected = (n_trials, n_filters, n_out, n_chans)
    if rel.shape != expected:
        raise ValueError(
            f"'layer_relevance' must have shape {expected} (n_trials, n_filters, "
            f"n_times - filter_len + 1, n_chans) for X of shape {X.shape} and "
            f"{n_filters} filters of {filter_len} taps, but got {rel.shape}."
        )
    b = np.zeros(n_filters) if bias is None else check_array(bias, "bias", ndim=1)
    # Zero-padding to a fast FFT length keeps the decomposition exact on the
    # trial's samples (the only ones a valid convolution reads).
    n_fft = scipy.fft.next_fast_len(n_times, real=True)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sfreq)
    matrix, centers = _bin_matrix(freqs, freq_bin, fmax)
    weight = np.full(len(freqs), 2.0)
    weight[0] = 1.0
    if n_fft % 2 == 0:
        weight[-1] = 1.0
    h_hat = np.conj(scipy.fft.rfft(fir, n=n_fft))  # (n_filters, n_freqs)
    out = np.empty((n_trials, n_chans, len(centers)))
    bias_rel = np.empty(n_trials)
    for i in range(n_trials):
        # z[k, c, t]: valid cross-correlation of each channel with each filter
        windows = np.lib.stride_tricks.sliding_window_view(X[i], filter_len, axis=-1)
        z = (np.ascontiguousarray(windows).reshape(-1, filter_len) @ fir.T)  # BLAS
        z = z.T.reshape(n_filters, n_chans, n_out) + b[:, None, None]
        eps = epsilon * z.std(axis=-1, keepdims=True) + np.finfo(float).tiny
        q = rel[i].transpose(0, 2, 1) / (z + np.where(z >= 0, eps, -eps))
        bias_rel[i] = float((q * b[:, None, None]).sum())
        q_hat = np.conj(scipy.fft.rfft(q, n=n_fft, axis=-1))  # (k, c, f)
        x_hat = scipy.fft.rfft(X[i], n=n_fft, axis=-1)  # (c, f)
        per_chan = np.einsum("cf,kf,kcf->cf", x_hat, h_hat, q_hat).real
        out[i] = (per_chan * weight / n_fft) @ matrix
    resolution = float(freq_bin) if freq_bin is not None else float(sfreq / n_fft)
    return {"freqs": centers, "relevance": out.sum(axis=1), "channel_relevance": out,
            "bias": bias_rel, "resolution": resolution}
