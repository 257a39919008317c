"""SHAP of band-power + LDA vs LRP channel × band, on planted data."""

import warnings

import numpy as np
import pytest

from eegxai.experiments.shap_bandpower import (
    bandpower_shapley,
    channel_band_agreement,
    lrp_channel_band,
)

SFREQ, N_TIMES = 100.0, 200


def planted(n=60, seed=0):
    """Class 1 = mu (10 Hz) desynchronized at C3 (channel 0) only."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.arange(N_TIMES) / SFREQ
    X = rng.normal(0, 1, (n, 3, N_TIMES))
    amp = np.where(y == 1, 0.5, 3.0)
    X[:, 0] += amp[:, None] * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 6, (n, 1)))
    X[:, 1:] += 3.0 * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 6, (n, 2, 1)))
    return X, y


def test_shapley_of_bandpower_lda_finds_the_planted_feature():
    from eegxai.expert import make_bandpower_lda

    X, y = planted()
    pipe = make_bandpower_lda(SFREQ).fit(X[:40], y[:40])
    phi = bandpower_shapley(pipe, X[40:], background=X[:40], target=y[40:])
    assert phi.shape == (20, 2, 3)  # (trials, bands mu/beta, channels)
    mean_abs = np.abs(phi).mean(0)
    assert np.unravel_index(mean_abs.argmax(), mean_abs.shape) == (0, 0)  # mu at C3
    # efficiency: Σφ = d(x) − mean d(background) for the explained class
    d = pipe.decision_function(X[40:])
    d_bg = pipe.decision_function(X[:40]).mean()
    sign = np.where(y[40:] == 1, 1.0, -1.0)
    np.testing.assert_allclose(phi.reshape(20, -1).sum(1), sign * (d - d_bg), rtol=1e-8)


def test_agreement_definitions():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 2, 3))
    same = channel_band_agreement(a, 3 * a)
    assert same["spearman"] == pytest.approx(1.0) and same["cosine"] == pytest.approx(1.0)
    assert same["same_top"]
    flipped = channel_band_agreement(a, -a)
    assert flipped["spearman"] == pytest.approx(-1.0)
    assert flipped["spearman_abs"] == pytest.approx(1.0)  # same features, opposite sign
    with pytest.raises(ValueError, match="one shape"):
        channel_band_agreement(a, a[:, :1])


def test_lrp_channel_band_shape_on_shallow_net():
    import torch
    from braindecode.models import ShallowFBCSPNet

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = ShallowFBCSPNet(3, 2, n_times=N_TIMES, n_filters_time=4, n_filters_spat=4,
                              filter_time_length=10, pool_time_length=20,
                              pool_time_stride=5).eval()
    X, y = planted(6)
    R = lrp_channel_band(net, X.astype(np.float32), sfreq=SFREQ, target=y)
    assert R.shape == (6, 2, 3) and np.all(np.isfinite(R))
    agreement = channel_band_agreement(R, R + 0.01)
    assert agreement["spearman_abs"] > 0.9


def test_linear_closed_form_equals_enumeration():
    from eegxai.expert import make_bandpower_lda

    X, y = planted()
    pipe = make_bandpower_lda(SFREQ).fit(X[:40], y[:40])
    kw = dict(background=X[:40], target=y[40:])
    exact = bandpower_shapley(pipe, X[40:], **kw)
    closed = bandpower_shapley(pipe, X[40:], max_players=2, **kw)
    np.testing.assert_allclose(closed, exact, rtol=1e-8, atol=1e-12)


def test_shap_lrp_agreement_runs_on_a_subject():
    import torch
    from braindecode.models import ShallowFBCSPNet

    from eegxai.experiments.shap_bandpower import shap_lrp_agreement

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = ShallowFBCSPNet(3, 2, n_times=N_TIMES, n_filters_time=4, n_filters_spat=4,
                              filter_time_length=10, pool_time_length=20,
                              pool_time_stride=5).eval()
    X, y = planted(30)
    res = shap_lrp_agreement(net, X, y, train_idx=np.arange(20), test_idx=np.arange(20, 30),
                             sfreq=SFREQ, max_trials=6)
    assert res["n_trials"] == 6 and res["lda_accuracy"] > 0.8
    assert {"spearman", "spearman_abs", "cosine", "same_top"} <= set(res)
    assert np.asarray(res["a_mean"]).shape == (2, 3)
