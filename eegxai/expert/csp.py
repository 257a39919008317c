"""Common spatial patterns (CSP) + LDA, and the band-pass filter the baselines share.

CSP (Koles 1991; Ramoser et al. 2000) finds spatial filters ``w`` that maximise
the variance ratio of the two classes; the log-variance of the filtered trials
feeds a linear discriminant. ``mne.decoding.CSP`` does the work; the fitted
spatial filters and patterns (Haufe et al. 2014) are what eegxai compares with
the ConvNets' relevance maps.

Shapes (``csp_maps``): ``patterns`` and ``filters`` are ``(n_components,
n_channels)``: one row per selected CSP component, in the order in which
``CSP.transform`` uses them.

References
----------
.. [1] Ramoser, H., Müller-Gerking, J., Pfurtscheller, G. (2000). Optimal spatial
   filtering of single trial EEG during imagined hand movement. IEEE Trans.
   Rehabil. Eng. 8(4), 441-446.
.. [2] Haufe, S. et al. (2014). On the interpretation of weight vectors of linear
   models in multivariate neuroimaging. NeuroImage 87, 96-110.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from .._check import check_array, check_positive, validate_type


def check_band(band: Any, sfreq: float, name: str = "band") -> tuple[float, float]:
    """Validate a ``(l_freq, h_freq)`` pass band below Nyquist."""
    validate_type(band, tuple | list, name)
    if len(band) != 2:
        raise ValueError(f"{name!r} must be (l_freq, h_freq), but got {band!r}.")
    low, high = (float(f) for f in band)
    if not 0 < low < high < sfreq / 2:
        raise ValueError(
            f"{name!r} must satisfy 0 < l_freq < h_freq < sfreq/2 = {sfreq / 2}, "
            f"but got {band!r}."
        )
    return low, high


def bandpass(X: np.ndarray, sfreq: float, band: tuple[float, float], order: int = 4):
    """Zero-phase Butterworth band-pass along the last axis (per trial).

    Filtering each trial separately (``sosfiltfilt``) uses no information from
    other trials, so it cannot leak test data into training.
    """
    from scipy.signal import butter, sosfiltfilt

    sos = butter(order, band, btype="bandpass", fs=sfreq, output="sos")
    return sosfiltfilt(sos, X, axis=-1)


class BandpassFilter(TransformerMixin, BaseEstimator):
    """Scikit-learn transformer: zero-phase band-pass of every trial.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    band : (float, float)
        Pass band in Hz.
    order : int
        Butterworth order (doubled by the forward-backward pass).
    """

    def __init__(self, sfreq: float, band: tuple[float, float] = (8.0, 30.0),
                 order: int = 4):
        self.sfreq = sfreq
        self.band = band
        self.order = order

    def fit(self, X, y=None):
        """Validate the parameters; nothing is learned."""
        check_positive(self.sfreq, "sfreq")
        check_band(self.band, self.sfreq)
        validate_type(self.order, numbers.Integral, "order")
        return self

    def transform(self, X):
        """X : ndarray, shape (n_trials, n_chans, n_times) → same shape."""
        X = check_array(X, "X", ndim=3, dtype=np.float64)
        return bandpass(X, self.sfreq, check_band(self.band, self.sfreq), self.order)


def data_rank(X: np.ndarray, tol: float = 1e-5) -> int:
    """Numerical rank of trials concatenated in time (channels x samples).

    Singular values below ``tol`` times the largest count as zero: well above
    float32 rounding (~1e-7) and far below the spread of real EEG channels. An
    average reference, for example, removes one dimension.
    """
    X = np.asarray(X, dtype=np.float64)
    cov = np.einsum("nct,ndt->cd", X, X)
    sing = np.sqrt(np.clip(np.linalg.eigvalsh(cov), 0, None))
    return int((sing > tol * sing.max()).sum())


def make_csp(n_components: int, n_channels: int | None = None, *, reg=None,
             component_order: str = "mutual_info", rank: int | None = None):
    """``mne.decoding.CSP`` with log-variance features, components ≤ channels.

    ``rank`` (e.g. from :func:`data_rank`) spares MNE one SVD of the whole
    training data per fit; None lets MNE estimate it.
    """
    from mne.decoding import CSP

    validate_type(n_components, numbers.Integral, "n_components")
    check_positive(n_components, "n_components")
    if n_channels is not None:
        n_components = min(int(n_components), int(n_channels))
    return CSP(n_components=int(n_components), reg=reg, log=True, norm_trace=False,
               component_order=component_order,
               rank=None if rank is None else {"eeg": int(rank)})


def make_csp_lda(
    sfreq: float,
    *,
    n_channels: int | None = None,
    n_components: int = 4,
    band: tuple[float, float] | None = (8.0, 30.0),
    reg: str | float | None = None,
) -> Pipeline:
    """Band-pass → CSP (log-variance) → LDA, as the MOABB CSP+LDA pipeline.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    n_channels : int | None
        Number of channels; caps ``n_components``.
    n_components : int
        Number of CSP components.
    band : (float, float) | None
        Pass band before CSP; None uses the data as they are.
    reg : str | float | None
        Covariance regularization of ``mne.decoding.CSP``.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``filter`` (when ``band``), ``csp``, ``lda``.
    """
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    steps = []
    if band is not None:
        steps.append(("filter", BandpassFilter(sfreq, tuple(band))))
    steps += [
        ("csp", make_csp(n_components, n_channels, reg=reg)),
        ("lda", LinearDiscriminantAnalysis()),
    ]
    return Pipeline(steps)


def csp_maps(csp) -> dict[str, np.ndarray]:
    """Selected components of a fitted ``mne.decoding.CSP``.

    Returns
    -------
    maps : dict
        ``patterns`` and ``filters``, each ndarray of shape
        ``(n_components, n_channels)``.
    """
    n = csp.n_components
    return {"patterns": np.asarray(csp.patterns_[:n]),
            "filters": np.asarray(csp.filters_[:n])}
