"""Log band power per channel (mu 8-13 Hz, beta 13-30 Hz) + shrinkage LDA.

The classical sensorimotor-rhythm features (Pfurtscheller & Lopes da Silva 1999):
event-related desynchronization shows as lower mu/beta power over the
contralateral sensorimotor cortex. Power is Welch's PSD (1-s Hann windows, 50 %
overlap) averaged over the band, then log10.

Feature order: band-major, ``features[:, b * n_channels + c]`` is band ``b``,
channel ``c``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from .._check import check_array, check_positive
from .csp import check_band

#: Sensorimotor bands in Hz.
SMR_BANDS: dict[str, tuple[float, float]] = {"mu": (8.0, 13.0), "beta": (13.0, 30.0)}


def log_band_power(
    X: np.ndarray, sfreq: float, bands: Mapping[str, tuple[float, float]] = SMR_BANDS
) -> np.ndarray:
    """Log10 mean Welch power per band and channel.

    Parameters
    ----------
    X : ndarray, shape (n_trials, n_chans, n_times)
        Trials.
    sfreq : float
        Sampling frequency in Hz.
    bands : mapping name → (l_freq, h_freq)
        Frequency bands in Hz.

    Returns
    -------
    power : ndarray, shape (n_trials, n_bands, n_chans)
    """
    from scipy.signal import welch

    X = check_array(X, "X", ndim=3, dtype=np.float64)
    check_positive(sfreq, "sfreq")
    nperseg = min(X.shape[-1], int(round(sfreq)))
    freqs, psd = welch(X, fs=sfreq, nperseg=nperseg, axis=-1)
    out = []
    for name, band in bands.items():
        low, high = check_band(band, sfreq, f"bands[{name!r}]")
        mask = (freqs >= low) & (freqs <= high)
        if not mask.any():
            raise ValueError(f"Band {name!r} {band} holds no frequency bin.")
        out.append(psd[..., mask].mean(axis=-1))
    return np.log10(np.stack(out, axis=1) + np.finfo(float).tiny)


class LogBandPower(TransformerMixin, BaseEstimator):
    """Scikit-learn transformer: trials → log band power features.

    ``transform`` returns shape ``(n_trials, n_bands * n_chans)`` (band-major).
    """

    def __init__(self, sfreq: float, bands: Mapping = SMR_BANDS):
        self.sfreq = sfreq
        self.bands = bands

    def fit(self, X, y=None):
        """Nothing is learned."""
        return self

    def transform(self, X):
        """See :func:`log_band_power`; flattened to 2-d."""
        power = log_band_power(X, self.sfreq, self.bands)
        return power.reshape(len(power), -1)


def make_bandpower_lda(sfreq: float, *, bands: Mapping = SMR_BANDS) -> Pipeline:
    """LogBandPower → shrinkage LDA (Ledoit-Wolf; many channels, few trials)."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    return Pipeline(
        [
            ("bandpower", LogBandPower(sfreq, dict(bands))),
            ("lda", LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")),
        ]
    )
