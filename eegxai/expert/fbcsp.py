"""Filter-bank CSP (FBCSP; Ang et al. 2008), a scikit-learn transformer.

Steps (Ang et al. 2008, section II): (1) a bank of band-pass filters, by default
4-40 Hz in 4-Hz bands; (2) CSP per band, log-variance features; (3) mutual
information based best individual feature selection (MIBIF): the ``k_best``
features of highest mutual information with the label, plus, for two classes,
the paired CSP feature of each (the other end of the same eigenvalue pair); (4) a
classifier (here LDA; the competition entry used a naive Bayes Parzen window).

Deviations: Butterworth instead of Chebyshev type II filters; mutual information
is estimated with scikit-learn's k-nearest-neighbour estimator.

References
----------
.. [1] Ang, K. K., Chin, Z. Y., Zhang, H., Guan, C. (2008). Filter bank common
   spatial pattern (FBCSP) in brain-computer interface. IJCNN 2008, 2390-2397.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import mne
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._check import check_array, check_positive, validate_type
from .csp import bandpass, check_band, data_rank, make_csp

#: 4-40 Hz in 4-Hz bands (Ang et al. 2008).
FBCSP_BANDS: tuple[tuple[float, float], ...] = tuple(
    (float(f), float(f + 4)) for f in range(4, 40, 4)
)


class FilterBankCSP(TransformerMixin, BaseEstimator):
    """Filter bank + per-band CSP + mutual-information feature selection.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz.
    bands : sequence of (float, float)
        Pass bands in Hz; default :data:`FBCSP_BANDS` (bands at or above Nyquist
        are an error).
    n_components : int
        CSP components per band (rounded down to an even number ≤ n_channels for
        two classes, so that every component has its pair).
    k_best : int
        Number of features selected by mutual information (before pairing).
    random_state : int
        Seed of the mutual-information estimator.

    Attributes
    ----------
    csps_ : list of mne.decoding.CSP
        One fitted CSP per band.
    patterns_ : ndarray, shape (n_bands, n_components, n_chans)
        CSP patterns per band.
    filters_ : ndarray, shape (n_bands, n_components, n_chans)
        CSP spatial filters per band.
    mutual_info_ : ndarray, shape (n_bands * n_components,)
        Mutual information of each feature with the label (band-major order).
    selected_features_ : ndarray of int
        Indices of the selected features (into the band-major feature vector;
        band = index // n_components_, component = index % n_components_).
    n_components_ : int
        Components per band actually used.
    """

    def __init__(
        self,
        sfreq: float,
        bands: Sequence[tuple[float, float]] = FBCSP_BANDS,
        n_components: int = 4,
        k_best: int = 4,
        random_state: int = 0,
    ):
        self.sfreq = sfreq
        self.bands = bands
        self.n_components = n_components
        self.k_best = k_best
        self.random_state = random_state

    def _band_features(self, X: np.ndarray) -> np.ndarray:
        feats = [
            csp.transform(bandpass(X, self.sfreq, band))
            for csp, band in zip(self.csps_, self._bands, strict=True)
        ]
        return np.concatenate(feats, axis=1)

    def fit(self, X, y):
        """Fit the CSPs and select features on training trials.

        Parameters
        ----------
        X : ndarray, shape (n_trials, n_chans, n_times)
            Training trials.
        y : ndarray of int, shape (n_trials,)
            Their labels.
        """
        from sklearn.feature_selection import mutual_info_classif

        X = check_array(X, "X", ndim=3, dtype=np.float64)
        y = np.asarray(y)
        check_positive(self.sfreq, "sfreq")
        validate_type(self.n_components, numbers.Integral, "n_components")
        validate_type(self.k_best, numbers.Integral, "k_best")
        check_positive(self.n_components, "n_components")
        check_positive(self.k_best, "k_best")
        self._bands = [check_band(b, self.sfreq, "bands") for b in self.bands]
        if not self._bands:
            raise ValueError("'bands' is empty.")
        self.classes_ = np.unique(y)
        n_channels = X.shape[1]
        binary = len(self.classes_) == 2
        n_comp = min(int(self.n_components), n_channels)
        if binary:
            # Pairs (largest, smallest eigenvalue), (2nd, 2nd-smallest), ...
            n_comp = max(2, n_comp - n_comp % 2)
        self.n_components_ = n_comp
        order = "alternate" if binary else "mutual_info"
        self.csps_ = []
        # Band-pass filtering keeps the spatial rank: estimate it once, not per band.
        rank = data_rank(X)
        with mne.utils.use_log_level("error"):
            for band in self._bands:
                csp = make_csp(n_comp, n_channels, component_order=order, rank=rank)
                csp.fit(bandpass(X, self.sfreq, band), y)
                self.csps_.append(csp)
            features = self._band_features(X)
        self.mutual_info_ = mutual_info_classif(
            features, y, random_state=self.random_state
        )
        k = min(int(self.k_best), features.shape[1])
        best = np.argsort(-self.mutual_info_, kind="stable")[:k]
        if binary:
            # Ang et al. 2008: add the paired feature of every selected one; with
            # the "alternate" order, pairs are (2j, 2j+1) within a band.
            best = np.concatenate([best, best ^ 1])
        self.selected_features_ = np.unique(best)
        self.patterns_ = np.stack(
            [np.asarray(c.patterns_[:n_comp]) for c in self.csps_]
        )
        self.filters_ = np.stack([np.asarray(c.filters_[:n_comp]) for c in self.csps_])
        return self

    def transform(self, X):
        """X : ndarray, shape (n_trials, n_chans, n_times) → (n_trials, n_sel)."""
        check_is_fitted(self, "selected_features_")
        X = check_array(X, "X", ndim=3, dtype=np.float64)
        with mne.utils.use_log_level("error"):
            return self._band_features(X)[:, self.selected_features_]


def make_fbcsp(
    sfreq: float,
    *,
    bands: Sequence[tuple[float, float]] = FBCSP_BANDS,
    n_components: int = 4,
    k_best: int = 4,
    random_state: int = 0,
) -> Pipeline:
    """FilterBankCSP → LDA (steps ``fbcsp``, ``lda``)."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    bands = [b for b in bands if b[1] < sfreq / 2]
    return Pipeline(
        [
            ("fbcsp", FilterBankCSP(sfreq, bands, n_components, k_best, random_state)),
            ("lda", LinearDiscriminantAnalysis()),
        ]
    )
