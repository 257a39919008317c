"""Cross-subject transfer: alignment closed forms, leakage, reproducibility, baseline."""

import hashlib

import numpy as np
import pytest
import torch

import eegxai.training as training
import eegxai.transfer as transfer
from eegxai._io import read_json
from eegxai.expert.riemann import _recentered, cross_subject_rct_ts_lr
from eegxai.models import build_model, load_model, read_checkpoint, save_model
from eegxai.splits import splits_from_config
from eegxai.training import predict_proba
from eegxai.transfer import (
    euclidean_alignment,
    fold_alignment,
    pretrain,
    stage_params,
    subject_groups,
    transfer_subject,
)
from tests.expert.synthetic import make_trials

SPLIT = {"kind": "kfold", "n_splits": 3, "test_runs": [4, 8]}
pytestmark = pytest.mark.usefixtures("one_torch_thread")  # fixture in conftest.py


def _subject(seed, n=48):
    """Synthetic 3-channel subject with its own channel gains (a subject shift)."""
    X, y, md = make_trials(n, n_times=250, erd=0.6, noise=0.7, seed=seed)
    gains = np.random.default_rng(seed).uniform(0.5, 2.0, size=3)
    return (X * gains[None, :, None]).astype(np.float32), y, md


@pytest.fixture(scope="module")
def subjects():
    return [_subject(s) for s in range(4)]


def _hashes(X):
    return {hashlib.sha1(np.ascontiguousarray(x, dtype=np.float32).tobytes()).hexdigest()
            for x in X}


def test_euclidean_alignment_mean_covariance_is_identity():
    rng = np.random.default_rng(0)
    mix = rng.standard_normal((5, 5))
    X = np.einsum("cd,ndt->nct", mix, rng.standard_normal((30, 5, 200))).astype(np.float32)
    Xa, W = euclidean_alignment(X)
    C = np.einsum("nct,ndt->cd", Xa.astype(np.float64), Xa) / (Xa.shape[0] * Xa.shape[2])
    np.testing.assert_allclose(C, np.eye(5), atol=1e-4)
    np.testing.assert_allclose(W, W.T, atol=1e-10)  # R^(-1/2) is symmetric
    # With a reference, the REFERENCE trials are whitened, not the others.
    Xb, Wb = euclidean_alignment(X[:10], reference=X[10:])
    Xr = np.einsum("cd,ndt->nct", Wb, X[10:].astype(np.float64))
    Cr = np.einsum("nct,ndt->cd", Xr, Xr) / (Xr.shape[0] * Xr.shape[2])
    np.testing.assert_allclose(Cr, np.eye(5), atol=1e-6)
    with pytest.raises(ValueError, match="singular"):
        euclidean_alignment(X - X.mean(axis=1, keepdims=True))  # average reference


def _trained_looking(net):
    """Random batch-norm statistics and affines, temporal biases where there are."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
                m.weight.uniform_(0.5, 2)
                m.bias.uniform_(-1, 1)
        for conv in ("conv_time_spat.conv_time", "conv_temporal"):
            layer = net.get_submodule(conv) if hasattr(net, conv.split(".")[0]) else None
            if layer is not None and layer.bias is not None:
                layer.bias.uniform_(-1, 1)
    return net.eval()


@pytest.mark.parametrize("name", ["shallow", "deep", "eegnet"])
def test_fold_alignment_equals_model_on_aligned_input(name, tmp_path):
    torch.manual_seed(0)
    X, _, _ = _subject(1, n=12)
    X = X * 0.1  # so that W (~10x larger) pushes EEGNet's folded rows over max-norm 1
    net = _trained_looking(build_model(name, 3, 2, 250))
    Xa, W = euclidean_alignment(X)
    folded = fold_alignment(net, W)
    np.testing.assert_allclose(predict_proba(folded, X, device="cpu"),
                               predict_proba(net, Xa, device="cpu"), atol=1e-5)
    assert not np.allclose(predict_proba(net, X, device="cpu"),
                           predict_proba(net, Xa, device="cpu"), atol=1e-3)
    save_model(tmp_path / "f.pt", folded, folded.eegxai_build_args)
    np.testing.assert_array_equal(
        predict_proba(load_model(tmp_path / "f.pt"), X, device="cpu"),
        predict_proba(folded, X, device="cpu"))
    if name == "eegnet":  # folded rows exceed the default max-norm 1 and survive it
        max_norm = folded.eegxai_build_args["kwargs"]["conv_spatial_max_norm"]
        norms = folded.conv_spatial.weight.detach().flatten(1).norm(dim=1)
        assert max_norm > 1 and float(norms.max()) > 1
        assert float(norms.max()) <= max_norm <= float(norms.max()) * (1 + 1e-4)


@pytest.mark.parametrize("valid_by", ["subject", "trial"])
def test_pretrain_early_stopping_holds_out_whole_source_subjects(subjects, valid_by):
    sources = [(X, y) for X, y, _ in subjects]  # 4 sources of 48 trials
    _, history, _ = pretrain(sources, model="shallow", align=False, valid_by=valid_by,
                             valid_fraction=0.25, n_epochs=1, seed=0, device="cpu",
                             progress=False)
    owner = np.repeat(np.arange(4), 48)
    valid, fit = history.attrs["valid_idx"], history.attrs["fit_idx"]
    assert history.attrs["valid_sources"] == sorted(set(owner[valid].tolist()))
    if valid_by == "subject":  # one whole subject, none of its trials fitted
        assert len(set(owner[valid])) == 1 and len(valid) == 48
        assert not set(owner[valid]) & set(owner[fit])
    else:  # a stratified 25 % of the pooled trials, from every subject
        assert len(valid) == 48 and len(set(owner[valid])) == 4
    with pytest.raises(ValueError, match="valid_by"):
        pretrain(sources, valid_by="session", n_epochs=1, progress=False)


def test_subject_groups_partition():
    groups = subject_groups(["sub-01", "sub-02", "sub-03", "sub-10", "sub-04"], 2)
    assert groups == [["sub-01", "sub-03", "sub-10"], ["sub-02", "sub-04"]]
    with pytest.raises(ValueError, match="n_groups"):
        subject_groups(["a", "b"], 3)


def test_stage_params_layers_training_stage_and_model_blocks():
    training_block = {"n_epochs": 15, "batch_size": 16, "patience": 5, "device": "cpu"}
    transfer_block = {
        "augmentation": ["gaussian_noise"],
        "pretrain": {"n_epochs": 10, "batch_size": 64, "patience": None, "lr": None,
                     "lr_scale": 1.0},
        "finetune": {"n_epochs": 20, "patience": None, "batch_size": None, "lr": None,
                     "lr_scale": 1.0},
        "models": {"deep": {"finetune": {"lr_scale": 0.1, "n_epochs": 8, "patience": None}},
                   "eegnet": {"pretrain": {"lr": 3e-4}}},
    }
    default = training.DEFAULT_OPTIM
    shallow = stage_params(training_block, transfer_block, "finetune", "shallow")
    assert shallow == {**training_block, "n_epochs": 20, "lr": default["shallow"]["lr"],
                       "augmentation": ["gaussian_noise"]}
    deep = stage_params(training_block, transfer_block, "finetune", "deep")
    # the model's block wins; its null patience keeps the stage's (the training block's 5)
    assert (deep["n_epochs"], deep["patience"], deep["batch_size"]) == (8, 5, 16)
    assert deep["lr"] == pytest.approx(0.1 * default["deep"]["lr"])
    assert stage_params(training_block, transfer_block, "pretrain", "deep")["lr"] == \
        default["deep"]["lr"]  # the override is for fine-tuning only
    eegnet = stage_params(training_block, transfer_block, "pretrain", "eegnet")
    assert (eegnet["lr"], eegnet["batch_size"]) == (3e-4, 64)
    # a model block's lr_scale replaces the stage block's explicit lr
    with_lr = {**transfer_block, "finetune": {"lr": 0.5}}
    assert stage_params(training_block, with_lr, "finetune", "shallow")["lr"] == 0.5
    assert stage_params(training_block, with_lr, "finetune", "deep")["lr"] == \
        pytest.approx(0.1 * default["deep"]["lr"])
    assert "lr_scale" not in deep and training_block["n_epochs"] == 15  # input untouched
    with pytest.raises(ValueError, match="'stage' parameter"):
        stage_params(training_block, transfer_block, "train", "deep")
    with pytest.raises(ValueError, match=r"'transfer.models.deep.finetune' has unknown keys"):
        stage_params(training_block, {"models": {"deep": {"finetune": {"epochs": 3}}}},
                     "finetune", "deep")


def _run_transfer(subjects, tmp_path, *, align, seed=0, tag="a", model="shallow"):
    sources = [(X, y) for X, y, _ in subjects[1:]]
    kw = dict(n_epochs=3, patience=3, batch_size=16, seed=seed, device="cpu",
              progress=False)
    net, _, _ = pretrain(sources, model=model, align=align, **kw)
    X, y, md = subjects[0]
    out = {k: tmp_path / f"{tag}.{k}" for k in ("pt", "json", "csv")}
    return transfer_subject(
        X, y, md, net, split=SPLIT, align=align, out_model=out["pt"],
        out_metrics=out["json"], out_history=out["csv"],
        out_zero_shot=tmp_path / f"{tag}-zs.json", header={"subject": "1"},
        **{**kw, "n_epochs": 2}), out


@pytest.mark.parametrize("align", [True, False])
def test_target_test_trials_never_seen(subjects, tmp_path, monkeypatch, align):
    """No target test trial (raw or aligned) reaches the net in pre-training,
    fine-tuning or early stopping, nor the alignment reference."""
    X, y, md = subjects[0]
    folds = splits_from_config(md, y, SPLIT, seed=0)
    seen, refs, in_fit = [], [], {"flag": False}  # seen: one set per fit call
    real_build, real_fit, real_align = (training.build_model, training.fit_model,
                                        transfer.euclidean_alignment)

    def recording_build(*args, **kwargs):
        model = real_build(*args, **kwargs)
        model.register_forward_pre_hook(
            lambda m, inp: seen[-1].update(_hashes(inp[0].detach().numpy()))
            if in_fit["flag"] else None)
        return model

    def recording_fit(*args, **kwargs):
        in_fit["flag"] = True
        seen.append(set())
        try:
            return real_fit(*args, **kwargs)
        finally:
            in_fit["flag"] = False

    def recording_align(X_, reference=None):
        refs.append(_hashes(X_ if reference is None else reference))
        return real_align(X_, reference)

    monkeypatch.setattr(training, "build_model", recording_build)
    monkeypatch.setattr(training, "fit_model", recording_fit)
    monkeypatch.setattr(transfer, "euclidean_alignment", recording_align)
    (fine_tuned, zero_shot), _ = _run_transfer(subjects, tmp_path, align=align)
    assert len(seen) == 1 + len(folds) and all(seen), "the hook saw no training input"
    for k, (train_idx, test_idx) in enumerate(folds):
        forbidden = _hashes(X[test_idx])
        if align:  # the fold's aligned test trials too
            W = real_align(X[train_idx])[1]
            forbidden |= _hashes(np.einsum("cd,ndt->nct", W, X[test_idx].astype(np.float64)))
        assert not (seen[0] | seen[1 + k]) & forbidden  # pre-training, fold k's fine-tuning
        assert seen[1 + k] <= _hashes(X[train_idx]) or align
        if align:  # the target's reference of fold k: its training trials exactly
            assert refs[len(refs) - len(folds) + k] == _hashes(X[train_idx])
        assert fine_tuned["folds"][k]["test_idx"] == test_idx.tolist()
        assert zero_shot["folds"][k]["test_idx"] == test_idx.tolist()
        assert set(fine_tuned["folds"][k]["train_idx"]) <= set(train_idx)
    assert zero_shot["n_trials"] == fine_tuned["n_trials"] == len(
        np.concatenate([te for _, te in folds]))


def test_finetuning_is_reproducible_and_saved_models_take_raw_trials(subjects, tmp_path):
    (ft1, zs1), out = _run_transfer(subjects, tmp_path, align=True, tag="a")
    (ft2, zs2), _ = _run_transfer(subjects, tmp_path, align=True, tag="b")
    (ft3, _), _ = _run_transfer(subjects, tmp_path, align=True, seed=5, tag="c")
    assert [f["proba"] for f in ft1["folds"]] == [f["proba"] for f in ft2["folds"]]
    assert [f["proba"] for f in zs1["folds"]] == [f["proba"] for f in zs2["folds"]]
    assert [f["proba"] for f in ft1["folds"]] != [f["proba"] for f in ft3["folds"]]
    X, _, _ = subjects[0]
    test_idx = ft1["folds"][1]["test_idx"]
    proba = predict_proba(load_model(out["pt"], fold=1), X[test_idx], device="cpu")
    np.testing.assert_allclose(proba, ft1["folds"][1]["proba"], atol=1e-5)
    assert read_json(out["json"])["scheme"] == "pretrained+finetuned"
    assert read_json(tmp_path / "a-zs.json")["accuracy"] == zs1["accuracy"]


def test_eegnet_finetuned_with_alignment_saves_models_that_take_raw_trials(
        subjects, tmp_path):
    # Trials x0.1: alignment undoes the scale for training, but each fold's W is ~10x
    # larger, so the folded rows exceed max-norm 1 by fold-specific amounts.
    small = [(X * 0.1, y, md) for X, y, md in subjects]
    (fine_tuned, _), out = _run_transfer(small, tmp_path, align=True, model="eegnet")
    assert read_checkpoint(out["pt"])["build_args"]["kwargs"]["conv_spatial_max_norm"] > 1
    X, _, _ = small[0]
    for k, fold in enumerate(fine_tuned["folds"]):
        net = load_model(out["pt"], fold=k)
        proba = predict_proba(net, X[fold["test_idx"]], device="cpu")
        np.testing.assert_allclose(proba, fold["proba"], atol=1e-5)
        # the shared max-norm clips no fold's folded spatial weight
        assert torch.equal(net.conv_spatial.weight,
                           net.conv_spatial.parametrizations.weight.original)


def test_rct_recentres_to_identity_and_transfers(subjects):
    from pyriemann.estimation import Covariances
    try:
        from pyriemann.geometry.mean import mean_riemann
    except ImportError:
        from pyriemann.utils.mean import mean_riemann

    X, y, md = subjects[0]
    covs = Covariances("oas").transform(X.astype(np.float64))
    np.testing.assert_allclose(mean_riemann(_recentered(covs, covs)), np.eye(3), atol=1e-6)
    folds = splits_from_config(md, y, SPLIT, seed=0)
    methods = cross_subject_rct_ts_lr([(Xs, ys) for Xs, ys, _ in subjects[1:]],
                                      X, y, folds, 250.0)
    assert set(methods) == {"rct_ts_lr_zero_shot", "rct_ts_lr"}
    for result in methods.values():
        assert result["accuracy"] >= 0.8  # planted lateralized ERD, other gains
        assert [f["test_idx"] for f in result["folds"]] == [te.tolist() for _, te in folds]


def _epochs_file(path, X, y, md, sfreq=250.0):
    import mne

    from eegxai.preprocessing import save_epochs

    info = mne.create_info(["C3", "Cz", "C4"], sfreq, "eeg")
    events = np.column_stack([np.arange(len(y)) * 1000, np.zeros(len(y), int), y + 1])
    epochs = mne.EpochsArray(X.astype(np.float64), info, events=events, tmin=0.0,
                             event_id={"left_hand": 1, "right_hand": 2},
                             metadata=md.assign(session="1"), verbose=False)
    return save_epochs(epochs, path)


def test_workflow_steps_write_the_files_the_rules_declare(subjects, tmp_path):
    from eegxai.pipeline import finetune_step, pretrain_step, transfer_baseline_step

    paths = [_epochs_file(tmp_path / f"sub-0{i + 1}-epo.fif", *s)
             for i, s in enumerate(subjects)]
    out = {k: tmp_path / "pre" / f"shallow-group0.{k}" for k in ("pt", "csv", "json")}
    summary = pretrain_step(paths[1:], model="shallow", sources=["2", "3", "4"],
                            out_model=out["pt"], out_history=out["csv"],
                            out_json=out["json"], seed=1, n_epochs=2, device="cpu")
    assert summary["sources"] == ["2", "3", "4"] and summary["n_trials"] == 3 * 48
    # early stopping on one held-out source subject (ceil(0.2 * 3)), not pooled trials
    assert summary["valid_by"] == "subject" and len(summary["valid_sources"]) == 1
    assert summary["params"]["valid_by"] == "group"
    assert read_json(out["json"])["valid_accuracy"] == summary["valid_accuracy"]
    files = {k: tmp_path / "ft" / f"m.{k}" for k in ("pt", "json", "csv")}
    metrics = finetune_step(
        paths[0], out["pt"], split=SPLIT, out_model=files["pt"], out_metrics=files["json"],
        out_history=files["csv"], out_zero_shot=tmp_path / "ft" / "zs.json",
        dataset="synthetic", subject="sub-01", seed=1, n_epochs=2, device="cpu")
    zero_shot = read_json(tmp_path / "ft" / "zs.json")
    assert metrics["scheme"] == "pretrained+finetuned" and zero_shot["scheme"] == "zero-shot"
    assert metrics["n_trials"] == zero_shot["n_trials"] == 32  # runs 4 and 8 only
    base = transfer_baseline_step(paths[0], paths[1:], split=SPLIT,
                                  out_json=tmp_path / "b.json", seed=1)
    assert [f["test_idx"] for f in base["methods"]["rct_ts_lr"]["folds"]] == [
        f["test_idx"] for f in metrics["folds"]]


def test_cropped_transfer_and_alignment_fold(tmp_path):
    # 600 samples: longer than the cropped ShallowFBCSPNet's 534-sample receptive field.
    subs = []
    for seed in range(3):
        X, y, md = make_trials(24, n_times=600, erd=0.6, noise=0.7, seed=seed)
        subs.append((X, y, md))
    kw = dict(n_epochs=1, batch_size=16, seed=0, device="cpu", progress=False,
              cropped=True)
    net, _, build_args = pretrain([(X, y) for X, y, _ in subs[1:]], model="shallow",
                                  align=True, **kw)
    assert build_args["cropped"]
    X, y, md = subs[0]
    Xa, W = euclidean_alignment(X)
    np.testing.assert_allclose(predict_proba(fold_alignment(net, W), X, device="cpu"),
                               predict_proba(net, Xa, device="cpu"), atol=1e-5)
    split = {"kind": "kfold", "n_splits": 2}
    fine_tuned, _ = transfer_subject(
        X, y, md, net, split=split, align=True, out_model=tmp_path / "m.pt",
        out_metrics=tmp_path / "m.json", out_history=tmp_path / "m.csv",
        out_zero_shot=tmp_path / "zs.json", **kw)
    assert fine_tuned["params"]["cropped"] and len(fine_tuned["folds"]) == 2
    with pytest.raises(ValueError, match="cropped"):
        transfer_subject(X, y, md, net, split=split, align=True,
                         out_model=tmp_path / "m.pt", out_metrics=tmp_path / "m.json",
                         out_history=tmp_path / "m.csv", out_zero_shot=tmp_path / "z.json",
                         **{**kw, "cropped": False})
