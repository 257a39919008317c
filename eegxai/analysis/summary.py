"""One JSON-ready summary of a relevance file: time, channels, frequencies per subset.

:func:`summarize_relevance` applies the analyses of :mod:`eegxai.analysis` to
the test trials of one subject and model, for every trial subset of
:func:`~eegxai.analysis.trial_subsets` (all trials, each class, correct and
wrong predictions). :func:`summarize_relevance_file` does the same from a file
written by :func:`~eegxai.analysis.save_relevance`; write the result with
:func:`~eegxai.analysis.save_summary`.

Summary layout (arrays as lists in JSON)::

    {"method", "composite", "sfreq", "ch_names", "times", "class_names",
     "lateralization": {"left", "right", "mode"},
     "class_difference": {"mean", "low", "high", "n"},   # class 1 − class 0
     "subsets": {"<subset>": {
         "n_trials": int,
         "time_course": {"mean", "low", "high"},          # (n_times,), Σ_c |R|
         "peak_time": float,                               # s
         "channel_relevance": [float], "channel_relevance_abs": [float],
         "lateralization_index": float,                   # signed channel sums
         "hemisphere_sums": {"left", "right", "midline", "other"},
         "first_layer": {"freqs", "positive", "negative", "net",
                         "peak_freq", "mu_beta_share",
                         "resolution"},                   # if FIR + layer relevance
         "frequency_relevance": {"freqs", "mean", "peak_freq",
                                 "resolution"}            # if DFT-LRP per trial
     }}}
"""

from __future__ import annotations

import os

import numpy as np

from .._check import check_array
from .io import read_relevance
from .spatial import (
    _normalize_name,
    channel_relevance,
    hemisphere_sums,
    lateralization_index,
)
from .spectral import (
    band_mass_share,
    first_layer_relevance_spectrum,
    first_layer_spectrum_folds,
    peak_frequency,
)
from .temporal import peak_time, relevance_time_course, trial_subsets

__all__ = ["summarize_relevance", "summarize_relevance_file"]


def summarize_relevance(
    relevance,
    *,
    y,
    y_pred=None,
    times=None,
    ch_names=None,
    sfreq: float | None = None,
    layer_relevance=None,
    fir=None,
    filter_positive=None,
    filter_negative=None,
    fold=None,
    frequency_relevance=None,
    frequency_freqs=None,
    class_names=("left_hand", "right_hand"),
    left: str = "C3",
    right: str = "C4",
    fmax: float = 60.0,
    ci: float = 0.95,
) -> dict:
    """Summarize relevance over time, channels and frequency for each trial subset.

    Parameters
    ----------
    relevance : array-like, shape (n_trials, n_chans, n_times)
        Input relevance of the test trials.
    y : array-like of int, shape (n_trials,)
        True labels.
    y_pred : array-like of int, shape (n_trials,) | None
        Predicted labels (adds the ``"correct"``/``"wrong"`` subsets).
    times : array-like, shape (n_times,) | None
        Sample times in s (default sample indices).
    ch_names : sequence of str | None
        Channel names (default ``"ch0"``, ...).
    sfreq : float | None
        Sampling rate; needed for the first-layer spectrum.
    layer_relevance : array-like, shape (n_trials, n_filters, ...) | None
        First-layer relevance (:func:`eegxai.explain.explain_layer`).
    fir : array-like, shape (n_filters, filter_len) | (n_folds, n_filters, filter_len) | None
        First-layer FIR taps (:func:`~eegxai.analysis.first_layer_fir`), one
        set per cross-validation fold when the trials were explained by several
        models.
    filter_positive, filter_negative : array-like, shape (n_trials, n_filters) | None
        Per-trial positive / negative relevance of each first-layer filter
        (summed over its outputs); used instead of ``layer_relevance`` (see
        :func:`~eegxai.analysis.first_layer_spectrum_folds`).
    fold : array-like of int, shape (n_trials,) | None
        Fold of each trial (row of a 3-D ``fir``).
    frequency_relevance : array-like, shape (n_trials, n_freqs) | None
        Per-trial DFT-LRP relevance of the input frequencies
        (:func:`~eegxai.analysis.frequency_relevance`); its mean, peak and
        resolution are added per subset.
    frequency_freqs : array-like, shape (n_freqs,) | None
        Frequencies of ``frequency_relevance`` (Hz, evenly spaced).
    class_names : sequence of str
        Names of classes 0 and 1.
    left, right : str
        Channels of the lateralization index; when either is missing, the
        hemisphere sums are compared instead.
    fmax : float
        Highest frequency kept in the spectra.
    ci : float
        Confidence level of the time courses.

    Returns
    -------
    summary : dict
        See the module docstring.
    """
    relevance = check_array(relevance, "relevance", ndim=3, dtype=float)
    n_trials, n_chans, n_times = relevance.shape
    times = np.arange(n_times, dtype=float) if times is None else np.asarray(times, float)
    ch_names = [f"ch{i}" for i in range(n_chans)] if ch_names is None else list(ch_names)
    if len(ch_names) != n_chans:
        raise ValueError("'ch_names' must have one name per channel of 'relevance'.")
    y = np.asarray(y)
    subsets = trial_subsets(y, y_pred, class_names=class_names)
    norm = {_normalize_name(c) for c in ch_names}
    mode = ("channels" if {_normalize_name(left), _normalize_name(right)} <= norm
            else "hemispheres")
    folded = filter_positive is not None and fir is not None
    if folded:
        filter_positive = np.asarray(filter_positive, dtype=float)
        filter_negative = np.asarray(filter_negative, dtype=float)
        if sfreq is None:
            raise ValueError("The first-layer spectrum needs 'sfreq'.")
    first_layer = layer_relevance is not None and fir is not None
    if first_layer:
        if sfreq is None:
            raise ValueError("The first-layer spectrum needs 'sfreq'.")
        layer_relevance = np.asarray(layer_relevance, dtype=float)
        if layer_relevance.shape[0] != n_trials:
            raise ValueError("'layer_relevance' must have one row per trial.")
    per_channel = channel_relevance(relevance)
    per_channel_abs = channel_relevance(relevance, absolute=True)
    diff = relevance_time_course(relevance, y, times=times, class_names=class_names,
                                 ci=ci, absolute=True).get("difference")
    out: dict = {
        "sfreq": sfreq, "ch_names": ch_names, "times": times,
        "class_names": list(class_names),
        "lateralization": {"left": left, "right": right, "mode": mode},
        "class_difference": diff,
        "subsets": {},
    }
    for name, mask in subsets.items():
        if not mask.any():
            out["subsets"][name] = {"n_trials": 0}
            continue
        tc = relevance_time_course(relevance[mask], times=times, ci=ci,
                                   absolute=True)["all"]
        mean_ch = per_channel[mask].mean(0)
        entry = {
            "n_trials": int(mask.sum()),
            "time_course": {k: tc[k] for k in ("mean", "low", "high")},
            "peak_time": peak_time(times, tc["mean"], mode="max"),
            "channel_relevance": mean_ch,
            "channel_relevance_abs": per_channel_abs[mask].mean(0),
            "lateralization_index": float(lateralization_index(
                mean_ch, ch_names, left=left, right=right, mode=mode)),
            "hemisphere_sums": {k: float(v) for k, v in
                                hemisphere_sums(mean_ch, ch_names).items()},
        }
        spec = None
        if folded:
            spec = first_layer_spectrum_folds(
                fir, filter_positive[mask], filter_negative[mask], sfreq,
                fold=None if fold is None else np.asarray(fold)[mask], fmax=fmax)
        elif first_layer:
            spec = first_layer_relevance_spectrum(fir, layer_relevance[mask], sfreq,
                                                  fmax=fmax)
        if spec is not None:
            entry["first_layer"] = {
                "freqs": spec["freqs"], "positive": spec["positive"],
                "negative": spec["negative"], "net": spec["net"],
                "peak_freq": peak_frequency(spec["freqs"], spec["positive"],
                                            fmax=min(45.0, fmax)),
                "mu_beta_share": band_mass_share(spec["freqs"], spec["positive"],
                                                 fmax=min(45.0, fmax)),
                # main-lobe width of a filter of this many taps (Hz)
                "resolution": float(sfreq) / np.shape(fir)[-1],
            }
        if frequency_relevance is not None:
            entry["frequency_relevance"] = _frequency_entry(
                np.asarray(frequency_relevance, dtype=float)[mask], frequency_freqs, fmax)
        out["subsets"][name] = entry
    return out


def _frequency_entry(spectra: np.ndarray, freqs, fmax: float) -> dict:
    """Mean DFT-LRP spectrum of a subset, its 4–40 Hz peak and bin width."""
    freqs = np.asarray(freqs, dtype=float)
    keep = freqs <= fmax
    mean = spectra.mean(0)[keep]
    return {"freqs": freqs[keep], "mean": mean,
            "peak_freq": peak_frequency(freqs[keep], mean, fmin=4.0, fmax=min(40.0, fmax)),
            "resolution": float(freqs[1] - freqs[0])}


def summarize_relevance_file(path: str | os.PathLike, **kwargs) -> dict:
    """:func:`summarize_relevance` of a file written by ``save_relevance``.

    Parameters
    ----------
    path : path-like
        Relevance HDF5 file (needs ``y``; uses ``y_pred``, ``times``,
        ``ch_names``, ``sfreq``, ``layer_relevance``, ``fir``, ``fir_folds``,
        ``filter_positive``, ``filter_negative``, ``fold``,
        ``frequency_relevance``, ``frequency_relevance_freqs``, ``class_names``
        when present).
    **kwargs
        Passed to :func:`summarize_relevance` (``left``, ``right``,
        ``fmax``, ``ci``).

    Returns
    -------
    summary : dict
        The summary plus ``method``, ``composite`` and the file's other
        scalar attributes (``subject``, ``model``, ...).
    """
    data = read_relevance(path)
    if "y" not in data:
        raise ValueError(f"{path} holds no labels 'y'; save them with save_relevance.")
    summary = summarize_relevance(
        data["relevance"], y=data["y"], y_pred=data.get("y_pred"),
        times=data.get("times"), ch_names=data.get("ch_names"),
        sfreq=data.get("sfreq"), layer_relevance=data.get("layer_relevance"),
        fir=data.get("fir", data.get("fir_folds")),
        filter_positive=data.get("filter_positive"),
        filter_negative=data.get("filter_negative"), fold=data.get("fold"),
        frequency_relevance=data.get("frequency_relevance"),
        frequency_freqs=data.get("frequency_relevance_freqs"),
        class_names=data.get("class_names", ("left_hand", "right_hand")), **kwargs,
    )
    for key, value in data.items():
        if isinstance(value, str | int | float) and key not in summary:
            summary[key] = value
    return summary
