"""Riemannian tangent space + logistic regression (Barachant et al. 2012).

Band-pass → covariance per trial (OAS shrinkage) → projection to the tangent
space at the Riemannian mean of the training covariances → L2 logistic
regression: MOABB's TS+LR pipeline.

References
----------
.. [1] Barachant, A. et al. (2012). Multiclass brain-computer interface
   classification by Riemannian geometry. IEEE Trans. Biomed. Eng. 59(4), 920-928.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from .csp import BandpassFilter


def make_ts_lr(
    sfreq: float,
    *,
    band: tuple[float, float] | None = (8.0, 30.0),
    C: float = 1.0,
) -> Pipeline:
    """Band-pass → Covariances("oas") → TangentSpace("riemann") → LogisticRegression."""
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace
    from sklearn.linear_model import LogisticRegression

    steps = []
    if band is not None:
        steps.append(("filter", BandpassFilter(sfreq, tuple(band))))
    steps += [
        ("cov", Covariances(estimator="oas")),
        ("ts", TangentSpace(metric="riemann")),
        ("lr", LogisticRegression(C=C, max_iter=1000)),
    ]
    return Pipeline(steps)


def invsqrtm(C: np.ndarray) -> np.ndarray:
    """Inverse square root of SPD matrices (pyriemann; its module moved in 0.12)."""
    try:
        from pyriemann.geometry.base import invsqrtm as _invsqrtm
    except ImportError:  # pyriemann < 0.12
        from pyriemann.utils.base import invsqrtm as _invsqrtm
    return _invsqrtm(C)


def _recentered(covs: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``M^(-1/2) C M^(-1/2)`` with ``M`` the Riemannian mean of ``reference``."""
    try:
        from pyriemann.geometry.mean import mean_riemann
    except ImportError:  # pyriemann < 0.12
        from pyriemann.utils.mean import mean_riemann

    P = invsqrtm(mean_riemann(reference))
    return P @ covs @ P


def _covariances(X: np.ndarray, sfreq: float, band: tuple[float, float] | None):
    from pyriemann.estimation import Covariances

    if band is not None:
        X = BandpassFilter(sfreq, tuple(band)).transform(X)
    return Covariances(estimator="oas").transform(X)


def cross_subject_rct_ts_lr(
    sources: Sequence[tuple[Any, Any]],
    X: Any,
    y: Any,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    sfreq: float,
    *,
    band: tuple[float, float] | None = (8.0, 30.0),
    C: float = 1.0,
) -> dict[str, dict[str, Any]]:
    """Cross-subject Riemannian baseline: re-centering + tangent space + LR.

    Every subject's covariances are re-centred to the identity at their own
    Riemannian mean (Zanini et al. 2018; the "RCT" of pyriemann.transfer's
    ``TLCenter``), then projected to the tangent space at the identity and
    classified by L2 logistic regression. The target is re-centred per fold at
    the mean of its TRAINING-fold covariances (no labels, no test trial). Written
    with pyriemann's matrix functions rather than ``TLCenter`` so that the
    target reference provably comes from the training fold alone.

    Parameters
    ----------
    sources : sequence of (X, y)
        Other subjects' trials, X shape (n_epochs, n_channels, n_times).
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Target trials.
    y : ndarray of int, shape (n_epochs,)
        Target labels.
    folds : list of (train_idx, test_idx)
        The target's folds (the ConvNets' and within-subject baselines').
    sfreq : float
        Sampling rate in Hz.
    band : (float, float) | None
        Band-pass before the covariances (Hz).
    C : float
        Inverse L2 strength of the logistic regression.

    Returns
    -------
    methods : dict
        ``{"rct_ts_lr_zero_shot": ..., "rct_ts_lr": ...}`` in the baselines
        format (:mod:`eegxai.expert.baselines`): the first trained on the sources
        only, the second on the sources plus the target's training fold.

    References
    ----------
    .. [1] Zanini, P. et al. (2018). Transfer learning: a Riemannian geometry
       framework with applications to brain-computer interfaces. IEEE Trans.
       Biomed. Eng. 65(5), 1107-1116.
    """
    from pyriemann.tangentspace import TangentSpace
    from sklearn.linear_model import LogisticRegression

    from ..metrics import decoding_metrics, mean_over_folds

    y = np.asarray(y)
    src_covs, src_y = [], []
    for Xs, ys in sources:
        covs = _covariances(np.asarray(Xs), sfreq, band)
        src_covs.append(_recentered(covs, covs))
        src_y.append(np.asarray(ys))
    src_c, src_y = np.concatenate(src_covs), np.concatenate(src_y)
    covs = _covariances(np.asarray(X), sfreq, band)
    n_classes = int(max(y.max(), src_y.max())) + 1
    # Re-centred data have their mean at the identity: the tangent space there.
    ts = TangentSpace(metric="riemann").fit(np.eye(covs.shape[1])[None])
    entries: dict[str, list] = {"rct_ts_lr_zero_shot": [], "rct_ts_lr": []}
    for k, (train_idx, test_idx) in enumerate(folds):
        target = _recentered(covs, covs[train_idx])
        train_sets = {
            "rct_ts_lr_zero_shot": (src_c, src_y),
            "rct_ts_lr": (np.concatenate([src_c, target[train_idx]]),
                          np.concatenate([src_y, y[train_idx]])),
        }
        for name, (Ct, yt) in train_sets.items():
            lr = LogisticRegression(C=C, max_iter=1000).fit(ts.transform(Ct), yt)
            proba = np.zeros((len(test_idx), n_classes))
            proba[:, lr.classes_] = lr.predict_proba(ts.transform(target[test_idx]))
            entries[name].append({
                "fold": k, **decoding_metrics(y[test_idx], proba, n_classes=n_classes),
                "train_idx": (train_idx.tolist() if name == "rct_ts_lr" else []),
                "test_idx": test_idx.tolist(), "y_true": y[test_idx].tolist(),
                "y_pred": proba.argmax(axis=1).tolist(),
                "proba": np.round(proba, 6).tolist(),
            })
    params = {"band": list(band) if band else None, "C": C}
    return {name: {"params": params, **mean_over_folds(e), "folds": e}
            for name, e in entries.items()}
