import hashlib

import numpy as np
import pandas as pd
import pytest
import torch

import eegxai.training as training
from eegxai._io import read_json
from eegxai.metrics import decoding_metrics
from eegxai.models import load_model, read_checkpoint
from eegxai.splits import make_splits
from eegxai.training import (
    HISTORY_COLUMNS,
    fit_model,
    predict_proba,
    resolve_device,
    train_subject,
)
from tests.expert.synthetic import make_trials

SPLIT = {"kind": "session", "train": ["01T", "02T"], "test": ["03E", "04E"]}
pytestmark = pytest.mark.usefixtures("one_torch_thread")  # fixture in conftest.py


@pytest.fixture(scope="module")
def trials():
    return make_trials(160, n_times=500, erd=0.5, noise=1.0, seed=0)


@pytest.fixture(scope="module")
def session_fold(trials):
    X, y, md = trials
    (train_idx, test_idx), = make_splits(md, y, **SPLIT)
    return train_idx, test_idx


def _test_accuracy(model, X, y):
    return decoding_metrics(y, predict_proba(model, X, device="cpu"))["accuracy"]


def test_same_seed_reproduces_exactly(trials, session_fold):
    X, y, _ = trials
    tr, te = session_fold
    kw = dict(model="shallow", n_epochs=4, seed=7, device="cpu", progress=False)
    m1, h1, _ = fit_model(X[tr], y[tr], **kw)
    m2, h2, _ = fit_model(X[tr], y[tr], **kw)
    cols = [c for c in HISTORY_COLUMNS if c != "duration_s"]
    pd.testing.assert_frame_equal(h1[cols], h2[cols])
    p1, p2 = predict_proba(m1, X[te]), predict_proba(m2, X[te])
    np.testing.assert_array_equal(p1, p2)
    assert decoding_metrics(y[te], p1) == decoding_metrics(y[te], p2)
    m3, h3, _ = fit_model(X[tr], y[tr], **{**kw, "seed": 8})
    assert not np.array_equal(predict_proba(m3, X[te]), p1)


@pytest.mark.parametrize("name, n_epochs", [("shallow", 30), ("deep", 30)])
def test_trialwise_reaches_90_percent(trials, session_fold, name, n_epochs):
    X, y, _ = trials
    tr, te = session_fold
    model, history, build_args = fit_model(
        X[tr], y[tr], model=name, n_epochs=n_epochs, patience=n_epochs,
        device="cpu", progress=False,
    )
    assert _test_accuracy(model, X[te], y[te]) >= 0.9
    assert build_args["name"] == name and not build_args["cropped"]
    assert list(history.columns) == list(HISTORY_COLUMNS)


def test_cropped_shallow_reaches_90_percent():
    # 640 samples as EEGMMIDB (4 s at 160 Hz): longer than the 534-sample
    # receptive field of the cropped ShallowFBCSPNet.
    X, y, md = make_trials(160, n_times=640, erd=0.5, noise=1.0, seed=1)
    (tr, te), = make_splits(md, y, **SPLIT)
    model, history, build_args = fit_model(
        X[tr], y[tr], model="shallow", cropped=True, n_epochs=30, patience=30,
        device="cpu", progress=False,
    )
    assert build_args["cropped"] and build_args["kwargs"]["final_conv_length"] == 30
    with torch.no_grad():
        assert model(torch.as_tensor(X[:2])).ndim == 3  # dense predictions
    assert _test_accuracy(model, X[te], y[te]) >= 0.9


def test_eegnet_trains(trials, session_fold):
    X, y, _ = trials
    tr, te = session_fold
    model, history, _ = fit_model(
        X[tr], y[tr], model="eegnet", n_epochs=2, device="cpu", progress=False
    )
    proba = predict_proba(model, X[te])
    assert proba.shape == (len(te), 2)
    np.testing.assert_allclose(proba.sum(1), 1.0)


def test_early_stopping_restores_best_weights(trials, session_fold):
    X, y, _ = trials
    tr, _ = session_fold
    model, history, _ = fit_model(
        X[tr], y[tr], model="shallow", n_epochs=40, patience=2, lr=0.05,
        device="cpu", progress=False,
    )
    best = history.attrs["best_epoch"]
    assert history.loc[history.valid_loss.idxmin(), "epoch"] == best
    assert len(history) <= best + 2  # stopped `patience` epochs after the best
    assert history.is_best.sum() >= 1
    valid = history.attrs["valid_idx"]
    Xv, yv = torch.as_tensor(X[tr][valid]), torch.as_tensor(y[tr][valid])
    loss, _ = training._evaluate(model, Xv, yv, 256)
    assert loss == pytest.approx(history.valid_loss.min(), rel=1e-5)


def test_no_validation_trains_all_epochs(trials, session_fold):
    X, y, _ = trials
    tr, _ = session_fold
    _, history, _ = fit_model(
        X[tr], y[tr], n_epochs=3, valid_fraction=0.0, device="cpu", progress=False
    )
    assert len(history) == 3 and history.valid_loss.isna().all()
    assert len(history.attrs["fit_idx"]) == len(tr)
    # Cosine annealing from the model's default lr.
    assert history.lr.iloc[0] == pytest.approx(0.0625 * 0.01)
    assert history.lr.is_monotonic_decreasing


def _row_hashes(X):
    return {hashlib.sha1(np.ascontiguousarray(row).tobytes()).hexdigest() for row in X}


def test_train_subject_never_uses_test_trials(trials, tmp_path, monkeypatch):
    X, y, md = trials
    seen = {"fit": set()}
    in_fit = {"flag": False}
    real_fit, real_build = training.fit_model, training.build_model

    def recording_build(*args, **kwargs):
        model = real_build(*args, **kwargs)

        def hook(module, inputs):
            if in_fit["flag"]:  # every trial the net sees during training/stopping
                seen["fit"] |= _row_hashes(inputs[0].detach().cpu().numpy())

        model.register_forward_pre_hook(hook)
        return model

    def recording_fit(*args, **kwargs):
        in_fit["flag"] = True
        try:
            return real_fit(*args, **kwargs)
        finally:
            in_fit["flag"] = False

    monkeypatch.setattr(training, "build_model", recording_build)
    monkeypatch.setattr(training, "fit_model", recording_fit)
    out = {k: tmp_path / "res" / f"m.{k}" for k in ("pt", "json", "csv")}
    result = train_subject(
        X, y, md, split=SPLIT, model="shallow", out_model=out["pt"],
        out_metrics=out["json"], out_history=out["csv"], dataset="synthetic",
        n_epochs=30, patience=30, device="cpu", progress=False,
    )
    (train_idx, test_idx), = make_splits(md, y, **SPLIT)
    assert seen["fit"], "the hook saw no training input"
    assert seen["fit"] <= _row_hashes(X[train_idx])
    assert not seen["fit"] & _row_hashes(X[test_idx])
    fold = result["folds"][0]
    assert set(fold["valid_idx"]) <= set(train_idx)
    assert set(fold["train_idx"]) | set(fold["valid_idx"]) == set(train_idx)
    assert fold["test_idx"] == test_idx.tolist()
    assert set(md.session[fold["test_idx"]]) == {"03E", "04E"}
    # Files: metrics JSON equals the return value; the model reloads and predicts
    # the stored test probabilities; the history has one row per epoch.
    metrics = read_json(out["json"])
    assert metrics["accuracy"] == result["accuracy"] >= 0.9
    assert metrics["subject"] == "1" and metrics["dataset"] == "synthetic"
    assert metrics["params"]["n_epochs"] == 30
    model = load_model(out["pt"])
    proba = predict_proba(model, X[test_idx])
    np.testing.assert_allclose(proba, fold["proba"], atol=1e-5)
    assert read_checkpoint(out["pt"])["folds"][0]["test_idx"] == test_idx.tolist()
    history = pd.read_csv(out["csv"])
    assert list(history.columns) == ["fold", *HISTORY_COLUMNS]
    assert len(history) == fold["n_epochs_run"]


def test_train_subject_kfold_saves_every_fold(tmp_path):
    X, y, md = make_trials(48, n_times=500, erd=0.5, noise=1.0, seed=2)
    out = {k: tmp_path / f"m.{k}" for k in ("pt", "json", "csv")}
    result = train_subject(
        X, y, md, split={"kind": "kfold", "n_splits": 3, "seed": 0},
        out_model=out["pt"], out_metrics=out["json"], out_history=out["csv"],
        n_epochs=2, device="cpu", progress=False,
    )
    assert len(result["folds"]) == 3
    assert len(read_checkpoint(out["pt"])["folds"]) == 3
    tests = np.concatenate([f["test_idx"] for f in result["folds"]])
    np.testing.assert_array_equal(np.sort(tests), np.arange(len(y)))
    assert result["n_trials"] == len(y)
    assert set(pd.read_csv(out["csv"]).fold) == {0, 1, 2}
    load_model(out["pt"], fold=2)


def test_progress_bar_is_shown(trials, session_fold, capsys):
    X, y, _ = trials
    tr, _ = session_fold
    fit_model(X[tr], y[tr], n_epochs=1, device="cpu", progress=True)
    assert "shallow" in capsys.readouterr().err


def test_device_resolution():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")
    with pytest.raises(ValueError, match="'device'"):
        resolve_device("tpu")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"X_train": np.zeros((4, 3))}, ValueError, "3 dimensions"),
        ({"y_train": np.array([0, 1, 0])}, ValueError, "labels"),
        ({"y_train": np.zeros(8, dtype=int)}, ValueError, "2 classes"),
        ({"model": "resnet"}, ValueError, "'shallow', 'deep', 'eegnet'"),
        ({"lr": -1.0}, ValueError, "'lr'"),
        ({"n_epochs": 0}, ValueError, "'n_epochs'"),
        ({"cropped": "yes"}, TypeError, "'cropped'"),
    ],
)
def test_fit_model_validation(kwargs, error, match):
    args = {"X_train": np.zeros((8, 3, 500), np.float32),
            "y_train": np.array([0, 1] * 4)} | kwargs
    with pytest.raises(error, match=match):
        fit_model(args.pop("X_train"), args.pop("y_train"), progress=False, **args)


@pytest.mark.gpu
def test_cuda_training_runs(trials, session_fold):
    X, y, _ = trials
    tr, te = session_fold
    model, history, _ = fit_model(
        X[tr], y[tr], n_epochs=30, patience=30, device="cuda", progress=False
    )
    assert history.attrs["params"]["device"].startswith("cuda")
    assert _test_accuracy(model, X[te], y[te]) >= 0.9


def test_augmentation_changes_batches_reproducibly(trials, session_fold):
    from eegxai.augmentation import AUGMENTATIONS, make_augmentation

    X, y, _ = trials
    xb, yb = torch.as_tensor(X[:16]), torch.as_tensor(y[:16])
    assert make_augmentation([], 500, 0) is None
    for name in AUGMENTATIONS:
        a1, a2 = make_augmentation([name], 500, 3), make_augmentation([name], 500, 3)
        out1, y1 = a1(xb.clone(), yb.clone())
        out2, _ = a2(xb.clone(), yb.clone())
        assert out1.shape == xb.shape and torch.equal(y1, yb)  # labels never change
        assert not torch.equal(out1, xb), name
        torch.testing.assert_close(out1, out2)
    with pytest.raises(ValueError, match="augmentation"):
        make_augmentation(["channels_symmetry"], 500, 0)
    tr, _ = session_fold
    kw = dict(model="shallow", n_epochs=2, seed=1, device="cpu", progress=False,
              augmentation=["smooth_time_mask", "ft_surrogate"])
    _, h1, _ = fit_model(X[tr], y[tr], **kw)
    _, h2, _ = fit_model(X[tr], y[tr], **kw)
    _, h0, _ = fit_model(X[tr], y[tr], **{**kw, "augmentation": None})
    np.testing.assert_array_equal(h1.train_loss, h2.train_loss)
    assert not np.array_equal(h1.train_loss, h0.train_loss)
    assert h1.attrs["params"]["augmentation"] == ["smooth_time_mask", "ft_surrogate"]


def test_init_model_must_fit(trials, session_fold):
    X, y, _ = trials
    tr, _ = session_fold
    net, _, _ = fit_model(X[tr], y[tr], model="shallow", n_epochs=1, device="cpu",
                          progress=False)
    with pytest.raises(ValueError, match="init_model"):
        fit_model(X[tr], y[tr], model="deep", n_epochs=1, device="cpu",
                  progress=False, init_model=net)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    fit_model(X[tr], y[tr], model="shallow", n_epochs=1, device="cpu", progress=False,
              init_model=net)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
