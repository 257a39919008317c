import numpy as np
import pytest
from sklearn.base import clone

from eegxai.expert import (
    FBCSP_BANDS,
    METHODS,
    FilterBankCSP,
    csp_maps,
    log_band_power,
    make_csp_lda,
    make_pipeline,
    read_baselines,
    run_baselines,
)
from eegxai.splits import make_splits
from tests.expert.synthetic import CH_NAMES, SFREQ, make_trials

SPLIT = {"kind": "session", "train": ["01T", "02T"], "test": ["03E", "04E"]}


@pytest.fixture(scope="module")
def trials():
    return make_trials(160, n_times=500, erd=0.5, noise=1.0, seed=0)


@pytest.fixture(scope="module")
def results(trials, tmp_path_factory):
    X, y, md = trials
    path = tmp_path_factory.mktemp("baselines") / "synthetic" / "1.json"
    out = run_baselines(
        X, y, md, SFREQ, CH_NAMES, split=SPLIT, out_json=path, dataset="synthetic"
    )
    return out, path


@pytest.mark.parametrize("method", METHODS)
def test_every_method_reaches_90_percent(results, method):
    out, _ = results
    assert out["methods"][method]["accuracy"] >= 0.9
    assert out["methods"][method]["kappa"] >= 0.8


def test_json_roundtrip_and_shapes(results, trials):
    out, path = results
    X, y, md = trials
    again = read_baselines(path)
    assert again["ch_names"] == CH_NAMES and again["sfreq"] == SFREQ
    assert again["subject"] == "1" and again["dataset"] == "synthetic"
    assert set(again["methods"]) == set(METHODS)
    csp = again["methods"]["csp_lda"]["folds"][0]
    assert csp["patterns"].shape == csp["filters"].shape == (3, len(CH_NAMES))
    fb = again["methods"]["fbcsp"]["folds"][0]
    assert fb["patterns"].shape == (len(FBCSP_BANDS), 2, len(CH_NAMES))
    assert fb["filters"].shape == fb["patterns"].shape
    assert fb["mutual_info"].shape == (len(FBCSP_BANDS) * 2,)
    assert len(fb["bands"]) == len(FBCSP_BANDS)
    for method in METHODS:
        fold = again["methods"][method]["folds"][0]
        np.testing.assert_allclose(
            np.asarray(fold["proba"]).sum(1), 1.0, atol=1e-5
        )
        assert fold["y_true"] == y[fold["test_idx"]].tolist()
    np.testing.assert_array_equal(csp["patterns"], out["methods"]["csp_lda"]["folds"][0]["patterns"])


def test_same_folds_as_convnets_and_fit_on_train_only(results, trials):
    out, _ = results
    X, y, md = trials
    (train_idx, test_idx), = make_splits(md, y, **SPLIT)
    for method in METHODS:
        fold = out["methods"][method]["folds"][0]
        assert fold["train_idx"] == train_idx.tolist()
        assert fold["test_idx"] == test_idx.tolist()
    # The stored CSP is the one fitted on the training trials alone.
    pipe = make_csp_lda(SFREQ, n_channels=3).fit(X[train_idx], y[train_idx])
    np.testing.assert_allclose(
        out["methods"]["csp_lda"]["folds"][0]["patterns"],
        csp_maps(pipe.named_steps["csp"])["patterns"],
    )
    assert set(md.session[test_idx]) == {"03E", "04E"}


def test_csp_pattern_points_at_the_erd_channels(results):
    # The most discriminative CSP components load on C3 or C4, not on Cz.
    patterns = results[0]["methods"]["csp_lda"]["folds"][0]["patterns"]
    assert np.argmax(np.abs(patterns[0])) in (0, 2)


def test_kfold_and_method_subset(trials):
    X, y, md = trials
    out = run_baselines(
        X, y, md, SFREQ, CH_NAMES, split={"kind": "kfold", "n_splits": 3},
        methods=["csp_lda"], method_params={"csp_lda": {"n_components": 2}},
    )
    assert list(out["methods"]) == ["csp_lda"]
    folds = out["methods"]["csp_lda"]["folds"]
    assert len(folds) == 3 and folds[0]["patterns"].shape == (2, 3)
    assert out["methods"]["csp_lda"]["params"] == {"n_components": 2}


def test_run_baselines_validation(trials):
    X, y, md = trials
    with pytest.raises(ValueError, match="'csp_lda', 'fbcsp'"):
        run_baselines(X, y, md, SFREQ, CH_NAMES, split=SPLIT, methods=["svm"])
    with pytest.raises(ValueError, match="ch_names"):
        run_baselines(X, y, md, SFREQ, ["C3"], split=SPLIT)
    with pytest.raises(ValueError, match="non-empty"):
        run_baselines(X, y, md, SFREQ, CH_NAMES, split=SPLIT, methods="csp_lda")


def test_filter_bank_csp_estimator(trials):
    X, y, md = trials
    fb = FilterBankCSP(SFREQ, k_best=3)
    assert clone(fb).get_params()["k_best"] == 3
    features = fb.fit(X[:80], y[:80]).transform(X[80:])
    # k best + their CSP pairs: between k and 2k features.
    assert 3 <= features.shape[1] <= 6 == 2 * 3
    assert set(fb.selected_features_ ^ 1) <= set(fb.selected_features_)
    # Features of the 8-12 Hz band (the simulated ERD) are among the selected.
    assert any(f // fb.n_components_ == 1 for f in fb.selected_features_)
    with pytest.raises(ValueError, match="sfreq/2"):
        FilterBankCSP(60.0, bands=[(4, 8), (28, 32)]).fit(X[:20], y[:20])
    # make_fbcsp drops the bands at or above Nyquist.
    pipe = make_pipeline("fbcsp", 60.0, 3)
    assert all(b[1] < 30 for b in pipe.named_steps["fbcsp"].bands)


def test_log_band_power_of_a_mu_rhythm():
    t = np.arange(500) / SFREQ
    X = np.sin(2 * np.pi * 10 * t)[None, None].repeat(2, axis=1)
    X = X + 0.01 * np.random.default_rng(0).standard_normal(X.shape)
    power = log_band_power(X, SFREQ)
    assert power.shape == (1, 2, 2)
    assert (power[0, 0] > power[0, 1] + 2).all()  # mu ≫ beta
    with pytest.raises(ValueError, match="sfreq/2"):
        log_band_power(X, SFREQ, {"gamma": (100, 140)})


def test_rank_deficient_data_average_reference(rng):
    from eegxai.expert.csp import data_rank

    X, y, _ = make_trials(40, n_times=500, seed=3)
    X6 = np.concatenate([X, X + 0.3 * rng.standard_normal(X.shape)], axis=1)
    X6 = (X6 - X6.mean(axis=1, keepdims=True)).astype(np.float32)  # average ref
    assert data_rank(X6) == 5 and data_rank(X) == 3
    fb = FilterBankCSP(SFREQ, bands=[(8, 12), (12, 16)]).fit(X6, y)
    assert np.isfinite(fb.transform(X6)).all()
