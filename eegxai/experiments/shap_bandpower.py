"""SHAP of the band-power + LDA expert model beside LRP of the ConvNet, per channel × band.

The expert model (:func:`eegxai.expert.make_bandpower_lda`) decides from log
band power features, one per channel × band; its exact Shapley values
(:func:`eegxai.explain.explain`, ``method="shapley"``, players = the features,
absent features from the training trials) say how much each channel × band
moved its decision. LRP of the ConvNet gives, through the DFT virtual
inspection layer (:func:`eegxai.analysis.frequency_relevance`), the relevance
of each channel's frequency components, summed here into the same bands. Do
the two models rely on the same channels and bands? :func:`channel_band_agreement`
answers with rank correlations of the trial-mean maps.

References
----------
.. [1] Lundberg, S. M. & Lee, S.-I. (2017). A unified approach to interpreting
   model predictions. NeurIPS.
.. [2] Vielhaben, J. et al. (2024). Explainable AI for time series via virtual
   inspection layers. Pattern Recognition 150, 110309.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._check import check_array

__all__ = [
    "bandpower_shapley",
    "channel_band_agreement",
    "lrp_channel_band",
    "shap_lrp_agreement",
]


def _scores(classifier):
    def scores(F):
        d = np.asarray(classifier.decision_function(F))
        return np.stack([-d, d], axis=1) if d.ndim == 1 else d

    return scores


def bandpower_shapley(
    pipeline, X, *, background, target=None, value: str = "marginal", n_chans=None,
    max_players: int = 12,
) -> np.ndarray:
    """Exact Shapley values of a fitted band-power pipeline, per channel × band.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Fitted ``LogBandPower → LDA`` (:func:`eegxai.expert.make_bandpower_lda`);
        features band-major (``b * n_chans + c``).
    X : ndarray, shape (n_trials, n_chans, n_times)
        Trials to explain.
    background : ndarray, shape (n_background, n_chans, n_times)
        Trials whose features fill absent players (e.g. training trials).
    target : None | int | ndarray of int
        Class explained (index into the classifier's classes); None = predicted.
        The score is the LDA decision function (``[−d, d]`` for two classes).
    value : 'marginal' | 'mean'
        Value function (:mod:`eegxai.explain.shapley`).
    n_chans : int | None
        Channels (default ``X.shape[1]``).
    max_players : int
        Up to this many features, exact enumeration; above it, the closed form
        of a linear classifier (``coef_``; LDA is linear in the features).

    Returns
    -------
    phi : ndarray, shape (n_trials, n_bands, n_chans)
    """
    from ..explain import explain

    X = check_array(X, "X", ndim=3)
    classifier = pipeline.steps[-1][1]

    def features(Z):
        for _, step in pipeline.steps[:-1]:
            Z = step.transform(Z)
        return Z

    F = features(X)
    F_bg = features(check_array(background, "background", ndim=3))
    n_chans = X.shape[1] if n_chans is None else int(n_chans)
    if F.shape[1] <= max_players:
        phi, _ = explain(_scores(classifier), F, method="shapley", background=F_bg,
                         value=value, target=target, return_players=True)
    else:
        phi = _linear_shapley(classifier, F, F_bg, target)
    return phi.reshape(len(X), -1, n_chans)


def _linear_shapley(classifier, F, F_bg, target) -> np.ndarray:
    """Exact Shapley values of a linear decision function: ``w_i (F_i − E F_i)``.

    For ``f(F) = w·F + b`` both value functions give this closed form (tested
    against the enumeration in ``tests/explain/test_shapley.py``); it replaces
    the 2^P enumeration when there are many features (64 channels × 2 bands).
    """
    coef = np.atleast_2d(np.asarray(classifier.coef_, dtype=float))
    W = np.concatenate([-coef, coef]) if len(coef) == 1 else coef  # scores [−d, d]
    scores = _scores(classifier)(F)
    target = scores.argmax(1) if target is None else np.broadcast_to(target, len(F))
    return W[np.asarray(target, dtype=int)] * (F - F_bg.mean(0))


def lrp_channel_band(
    net, X, *, sfreq: float, bands: Mapping[str, tuple[float, float]] | None = None,
    target=None, composite: str = "epsilon_plus_flat", device: str = "cpu",
) -> np.ndarray:
    """LRP relevance of each channel's frequency components, summed per band.

    Parameters
    ----------
    net : torch.nn.Module
        Braindecode ShallowFBCSPNet / Deep4Net.
    X : ndarray, shape (n_trials, n_chans, n_times)
        Trials.
    sfreq : float
        Sampling rate in Hz.
    bands : mapping name → (l_freq, h_freq) | None
        Default mu 8–13 Hz, beta 13–30 Hz (those of the expert model).
    target, composite, device
        As in :func:`eegxai.explain.explain_layer`.

    Returns
    -------
    relevance : ndarray, shape (n_trials, n_bands, n_chans)
    """
    from ..analysis.spectral import (
        first_layer_bias,
        first_layer_fir,
        frequency_relevance,
    )
    from ..expert.bandpower import SMR_BANDS
    from ..explain import explain_layer

    X = check_array(X, "X", ndim=3)
    bands = dict(SMR_BANDS if bands is None else bands)
    layer = explain_layer(net, X, layer="conv_time", target=target, composite=composite,
                          device=device)
    freq = frequency_relevance(X, layer, first_layer_fir(net), sfreq,
                               bias=first_layer_bias(net), freq_bin=None)
    freqs, per_channel = freq["freqs"], freq["channel_relevance"]  # (n, C, F)
    return np.stack(
        [per_channel[..., (freqs >= lo) & (freqs <= hi)].sum(-1) for lo, hi in bands.values()],
        axis=1,
    )


def _spearman(a, b) -> float:
    from scipy.stats import spearmanr

    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def channel_band_agreement(a, b) -> dict:
    """Agreement of two channel × band relevance maps of the same trials.

    Parameters
    ----------
    a, b : ndarray, shape (n_trials, n_bands, n_chans)
        E.g. :func:`bandpower_shapley` and :func:`lrp_channel_band` of the
        same trials and target classes.

    Returns
    -------
    agreement : dict
        On the trial means: ``spearman`` (signed maps, in [−1, 1]),
        ``spearman_abs`` (of the trial-mean absolute maps: do both models use
        the same channels × bands at all?), ``cosine`` (signed, in [−1, 1]),
        ``same_top`` (the channel × band with the largest mean |relevance|
        is the same), and the two normalised mean maps ``a_mean``,
        ``b_mean`` (each divided by its largest absolute value).
    """
    a = check_array(a, "a", ndim=3).astype(float)
    b = check_array(b, "b", ndim=3).astype(float)
    if a.shape != b.shape:
        raise ValueError(f"'a' and 'b' must have one shape, got {a.shape} and {b.shape}.")
    ma, mb = a.mean(0), b.mean(0)
    aa, ab = np.abs(a).mean(0), np.abs(b).mean(0)
    norm = np.linalg.norm(ma) * np.linalg.norm(mb)
    return {
        "spearman": _spearman(ma.ravel(), mb.ravel()),
        "spearman_abs": _spearman(aa.ravel(), ab.ravel()),
        "cosine": float((ma * mb).sum() / norm) if norm > 0 else float("nan"),
        "same_top": bool(np.argmax(aa) == np.argmax(ab)),
        "a_mean": ma / (np.abs(ma).max() or 1.0),
        "b_mean": mb / (np.abs(mb).max() or 1.0),
    }


def shap_lrp_agreement(
    net, X, y, *, train_idx, test_idx, sfreq: float, max_trials: int = 40, seed: int = 0,
) -> dict:
    """SHAP of a band-power LDA beside LRP of ``net``, on the same test trials.

    The LDA is fitted on ``train_idx`` (the ConvNet's training trials); both
    models explain the true class of up to ``max_trials`` test trials.

    Parameters
    ----------
    net : torch.nn.Module
        Trained braindecode ShallowFBCSPNet / Deep4Net.
    X : ndarray, shape (n_trials, n_chans, n_times)
        All trials of the subject.
    y : ndarray of int, shape (n_trials,)
        Labels.
    train_idx, test_idx : ndarray of int
        Trials the models were trained on / are tested on.
    sfreq : float
        Sampling rate in Hz.
    max_trials : int
        Test trials explained (evenly spaced).
    seed : int
        Unused by the exact values; kept for a uniform step signature.

    Returns
    -------
    result : dict
        :func:`channel_band_agreement` of the SHAP and LRP maps (``a`` = SHAP,
        ``b`` = LRP), the bands, the number of trials and the LDA's test accuracy.
    """
    from ..expert.bandpower import SMR_BANDS, make_bandpower_lda

    X = check_array(X, "X", ndim=3)
    train_idx, test_idx = np.asarray(train_idx, int), np.asarray(test_idx, int)
    if len(test_idx) > max_trials:
        test_idx = test_idx[np.linspace(0, len(test_idx) - 1, max_trials).round().astype(int)]
    pipe = make_bandpower_lda(sfreq).fit(X[train_idx], y[train_idx])
    Xt, yt = X[test_idx], np.asarray(y)[test_idx]
    classes = list(pipe.classes_)
    target = np.array([classes.index(c) for c in yt])
    phi = bandpower_shapley(pipe, Xt, background=X[train_idx], target=target)
    lrp = lrp_channel_band(net, Xt.astype(np.float32), sfreq=sfreq, target=yt)
    agreement = channel_band_agreement(phi, lrp)
    return {
        **{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in agreement.items()},
        "bands": list(SMR_BANDS),
        "n_trials": int(len(test_idx)),
        "lda_accuracy": float((pipe.predict(Xt) == yt).mean()),
    }
