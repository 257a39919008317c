"""Faithfulness, sanity checks, ground-truth metrics (eegxai.evaluate)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from eegxai.evaluate import (
    aopc,
    cascading_randomization,
    explanation_similarity,
    faithfulness_table,
    perturbation_curve,
    pointing_game,
    predict_logits,
    relevance_mass_accuracy,
    relevance_rank_accuracy,
    relevance_share,
)
from eegxai.explain import explain

N_CHANS, N_TIMES = 4, 64


class SmallConvNet(nn.Module):
    """Temporal conv → spatial conv → ReLU → pool → linear, like a tiny ConvNet."""

    def __init__(self):
        super().__init__()
        self.conv_time = nn.Conv2d(1, 6, (1, 9), bias=False)
        self.conv_spat = nn.Conv2d(6, 6, (N_CHANS, 1), bias=False)
        self.act = nn.ReLU()
        self.pool = nn.AvgPool2d((1, 8))
        self.flat = nn.Flatten()
        self.fc = nn.Linear(6 * 7, 2, bias=False)

    def forward(self, x):
        x = x.unsqueeze(1)
        return self.fc(self.flat(self.pool(self.act(self.conv_spat(self.conv_time(x))))))


def _trained_model_and_data(seed=0):
    """A model that decides from a burst on channel 0 in samples 20..40."""
    rng = np.random.default_rng(seed)
    n = 200
    y = rng.integers(0, 2, n)
    X = rng.normal(0, 1, (n, N_CHANS, N_TIMES)).astype(np.float32)
    X[y == 1, 0, 20:40] += 2.0 * np.sin(np.arange(20) * 0.8)
    torch.manual_seed(seed)
    model = SmallConvNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    for _ in range(150):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
    model.eval()
    acc = (model(xt).argmax(1) == yt).float().mean().item()
    assert acc > 0.9, acc
    return model, X, y


@pytest.fixture(scope="module")
def trained():
    return _trained_model_and_data()


def test_predict_logits_matches_forward(trained):
    model, X, _ = trained
    with torch.no_grad():
        expected = model(torch.as_tensor(X[:10])).numpy()
    np.testing.assert_allclose(predict_logits(model, X[:10], batch_size=3), expected, rtol=1e-6)


@pytest.mark.parametrize("baseline", ["surrogate", "channel_mean"])
def test_lrp_aopc_beats_random_and_lerf(trained, baseline):
    model, X, y = trained
    Xc, yc = X[y == 1][:30], y[y == 1][:30]
    R = explain(model, Xc, method="lrp", composite="epsilon_plus_flat", target=yc)
    kw = dict(target=yc, window=8, baseline=baseline)
    morf = perturbation_curve(model, Xc, R, order="morf", **kw)
    rand = perturbation_curve(model, Xc, R, order="random", **kw)
    lerf = perturbation_curve(model, Xc, R, order="lerf", **kw)
    assert morf["aopc"] > rand["aopc"] + 0.1
    assert morf["aopc"] > lerf["aopc"]
    # a curve starts at the unperturbed logit and has n_steps + 1 points
    assert morf["logits"].shape == (30, 21)
    np.testing.assert_allclose(morf["fraction"][[0, -1]], [0.0, 1.0])
    np.testing.assert_allclose(morf["logits"][:, 0], lerf["logits"][:, 0])


def test_perturbation_all_removed_equals_baseline_input(trained):
    model, X, _ = trained
    R = np.random.default_rng(0).normal(size=X[:5].shape)
    res = perturbation_curve(model, X[:5], R, target=1, baseline="zero", window=16)
    zero_logit = predict_logits(model, np.zeros_like(X[:5]))[:, 1]
    np.testing.assert_allclose(res["logits"][:, -1], zero_logit, rtol=1e-5, atol=1e-6)


def test_surrogate_baseline_keeps_amplitude_spectrum():
    from eegxai.evaluate import _phase_surrogate

    x = np.random.default_rng(1).normal(size=(2, 3, 128))
    s = _phase_surrogate(x, np.random.default_rng(2))
    np.testing.assert_allclose(np.abs(np.fft.rfft(s))[..., 1:-1], np.abs(np.fft.rfft(x))[..., 1:-1], rtol=1e-8)
    assert not np.allclose(s, x)


def test_faithfulness_table_columns(trained):
    model, X, y = trained
    table = faithfulness_table(
        model, X[:12], methods=("lrp", "gradient"), composites=("epsilon", "epsilon_plus_flat"),
        window=16, n_steps=4, baseline=("surrogate", "zero"),
    )
    assert list(table["method"]) == ["lrp"] * 4 + ["gradient"] * 2
    assert list(table["baseline"]) == ["surrogate", "zero"] * 3
    assert {"aopc_morf", "aopc_lerf", "aopc_random", "abpc"} <= set(table.columns)
    np.testing.assert_allclose(table["abpc"], table["aopc_morf"] - table["aopc_lerf"])


def test_cascading_randomization_decorrelates_lrp(trained):
    model, X, y = trained
    params_before = [p.detach().clone() for p in model.parameters()]
    table = cascading_randomization(model, X[:10], method="lrp", composite="epsilon_plus_flat", seed=0)
    assert table.loc[0, "spearman"] == pytest.approx(1.0)
    assert len(table) == 1 + 3  # 3 parametrized layers, top to bottom
    assert list(table["layer"])[1] == "fc"
    # fully randomized: the explanation no longer resembles the trained one
    assert table["spearman"].iloc[-1] < 0.5
    assert table["ssim"].iloc[-1] < table["ssim"].iloc[0]
    # the trained model is untouched
    for p, q in zip(params_before, model.parameters(), strict=True):
        assert torch.equal(p, q)


def test_similarity_identical_and_unrelated():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 8, 50))
    same = explanation_similarity(a, a)
    assert same["spearman"] == pytest.approx(1.0)
    assert same["ssim"] == pytest.approx(1.0)
    other = explanation_similarity(a, rng.normal(size=a.shape))
    assert abs(other["spearman"]) < 0.15
    with pytest.raises(ValueError, match="one shape"):
        explanation_similarity(a, a[:, :4])


def test_mass_and_rank_accuracy_definitions():
    R = np.zeros((2, 3, 10))
    mask = np.zeros((3, 10), bool)
    mask[1, 2:6] = True
    R[0, 1, 2:6] = 1.0  # all positive relevance inside
    R[0, 0, 0] = -5.0  # negative relevance does not count
    R[1, 2, :4] = 1.0  # all outside
    R[1, 1, 2] = 3.0
    np.testing.assert_allclose(relevance_mass_accuracy(R, mask), [1.0, 3.0 / 7.0])
    np.testing.assert_allclose(relevance_rank_accuracy(R, mask), [1.0, 0.25])
    with pytest.raises(ValueError, match="'mask' must have shape"):
        relevance_mass_accuracy(R, mask[:2])


def test_relevance_share_on_named_channels():
    R = np.ones((2, 3, 4))
    R[:, 2] = -2.0
    share = relevance_share(R, ["EOG"], ch_names=["C3", "C4", "EOG"])
    np.testing.assert_allclose(share, [0.5, 0.5])
    with pytest.raises(ValueError, match="'channels' parameter"):
        relevance_share(R, ["Fz"], ch_names=["C3", "C4", "EOG"])


def test_bad_arguments(trained):
    model, X, _ = trained
    R = np.zeros_like(X[:2])
    with pytest.raises(ValueError, match="'order' parameter"):
        perturbation_curve(model, X[:2], R, order="best")
    with pytest.raises(ValueError, match="'baseline' parameter"):
        perturbation_curve(model, X[:2], R, baseline="noise")
    with pytest.raises(ValueError, match="shape of 'X'"):
        perturbation_curve(model, X[:2], R[:, :2])
    with pytest.raises(ValueError, match="'target'"):
        perturbation_curve(model, X[:2], R, target=[0, 1, 1])


# --------------------------------------------------------------------------- domain-free
def _patch_model_and_images(seed=0):
    """A linear image 'classifier' that looks only at the top-left 4×4 patch."""
    rng = np.random.default_rng(seed)
    X = np.abs(rng.normal(size=(6, 1, 8, 8)))  # positive evidence in the patch
    w = np.zeros((1, 8, 8))
    w[0, :4, :4] = rng.uniform(0.5, 1.5, (4, 4))
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 2, bias=False)).double()
    with torch.no_grad():
        model[1].weight.copy_(torch.as_tensor(np.stack([w.ravel(), -w.ravel()])))
    patches = (np.arange(8)[:, None] // 4) * 2 + np.arange(8)[None, :] // 4  # 4 patches
    return model, X, patches[None].repeat(1, 0)


def test_eeg_groups_equal_default_segments(trained):
    from eegxai.evaluate import eeg_segments

    model, X, y = trained
    R = np.random.default_rng(0).normal(size=X[:8].shape)
    for order in ("morf", "random"):
        a = perturbation_curve(model, X[:8], R, target=y[:8], order=order, window=16,
                               n_steps=5)
        b = perturbation_curve(model, X[:8], R, target=y[:8], order=order, n_steps=5,
                               groups=eeg_segments(N_CHANS, N_TIMES, 16))
        np.testing.assert_array_equal(a["logits"], b["logits"])


def test_image_patches_morf_removes_the_planted_patch_first():
    model, X, patches = _patch_model_and_images()
    x_score = predict_logits(model, X)[:, 0]
    R = explain(model, X, method="gradient_x_input", target=0, device="cpu")
    res = perturbation_curve(model, X, R, groups=patches, target=0, baseline=0.0, n_steps=4)
    assert res["logits"].shape == (6, 5) and list(res["n_removed"][0]) == [0, 1, 2, 3, 4]
    # the only informative patch goes first: all the evidence is gone after one step
    np.testing.assert_allclose(res["logits"][:, 1:], 0.0, atol=1e-12)
    np.testing.assert_allclose(res["logits"][:, 0], x_score)
    assert res["aopc"] == pytest.approx(aopc(res["logits"]))
    lerf = perturbation_curve(model, X, R, groups=patches, target=0, baseline=0.0,
                              n_steps=4, order="lerf")
    np.testing.assert_allclose(lerf["logits"][:, :4], x_score[:, None].repeat(4, 1))
    assert res["aopc"] == pytest.approx(0.8 * x_score.mean())


def test_baselines_array_and_callable_and_model_callable():
    model, X, patches = _patch_model_and_images()
    R = np.ones_like(X)
    f = lambda Z: predict_logits(model, Z)  # noqa: E731  (a plain callable model)
    fill = np.full(X.shape[1:], 2.0)
    a = perturbation_curve(f, X, R, groups=patches, target=0, baseline=fill, n_steps=4)
    b = perturbation_curve(model, X, R, groups=patches, target=0,
                           baseline=lambda Z, rng: np.full_like(Z, 2.0), n_steps=4)
    np.testing.assert_allclose(a["logits"], b["logits"])
    np.testing.assert_allclose(a["logits"][:, -1], predict_logits(model, 2 + 0 * X)[:, 0])
    assert a["baseline"] == "custom"
    with pytest.raises(ValueError, match="'baseline' must have the shape"):
        perturbation_curve(model, X, R, groups=patches, baseline=np.zeros(3))
    with pytest.raises(ValueError, match="'groups' is required"):
        perturbation_curve(model, X, R)


def test_non_players_absolute_counts_and_predictions():
    model, X, patches = _patch_model_and_images()
    groups = np.broadcast_to(patches, X.shape).copy()
    groups[0, 0, :4, :4] = -1  # sample 0: the informative patch is padding
    R = explain(model, X, method="gradient_x_input", target=0, device="cpu")
    res = perturbation_curve(model, X, R, groups=groups, target=0, baseline=0.0,
                             n_removed=[0, 1, 2, 5])
    assert res["n_removed"][0].tolist() == [0, 1, 2, 3]  # 3 players in sample 0
    assert res["n_removed"][1].tolist() == [0, 1, 2, 4]
    np.testing.assert_allclose(res["logits"][0], res["logits"][0, 0])  # never removed
    np.testing.assert_allclose(res["logits"][1:, 1], 0.0, atol=1e-12)
    assert res["predictions"].shape == (6, 4)
    assert set(res["predictions"][1:, 0]) <= {0, 1}


def test_pointing_game_and_localization_on_images():
    R = np.zeros((3, 5, 5))
    mask = np.zeros((5, 5), bool)
    mask[1:3, 1:3] = True
    R[0, 2, 2] = 1.0  # hit
    R[1, 4, 4] = 1.0  # miss
    R[2, 3, 3] = 1.0  # miss, but next to the mask
    np.testing.assert_array_equal(pointing_game(R, mask), [True, False, False])
    np.testing.assert_array_equal(pointing_game(R, mask, tolerance=1), [True, False, True])
    np.testing.assert_allclose(relevance_mass_accuracy(R, mask), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(relevance_rank_accuracy(R + 0 * mask, mask)[0], 0.25)
    with pytest.raises(ValueError, match="'mask' must have shape"):
        pointing_game(R, mask[:2])


def test_prototype_summary_records_failures_instead_of_raising():
    from eegxai.pipeline import PRIOR_MAX_SIZE, _prototype_summary

    class Broken(nn.Module):
        def forward(self, x):
            raise RuntimeError("no prototype for this model")

    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(2 * 50, 2))
    X = np.random.default_rng(0).normal(size=(12, 2, 50)).astype(np.float32)
    kwargs = dict(sfreq=100.0, class_names=["a", "b"], n_steps=5, lam=1e-2, seed=0,
                  device="cpu")
    res = _prototype_summary(net, X, ch_names=["Fz", "Pz"], **kwargs)
    assert set(res["kinds"]) == {"l2", "prior"}
    for entry in res["kinds"].values():
        assert "error" not in entry
        assert entry["lateralization"] is None  # no C3/C4 pair
        assert np.shape(entry["channel_rms"]) == (2, 2)
    big = np.zeros((3, 2, PRIOR_MAX_SIZE), np.float32)
    wide = nn.Sequential(nn.Flatten(), nn.Linear(2 * PRIOR_MAX_SIZE, 2))
    res = _prototype_summary(wide, big, ch_names=["C3", "C4"], **kwargs)
    assert "would not fit in memory" in res["kinds"]["prior"]["error"]
    assert "error" not in res["kinds"]["l2"]
    res = _prototype_summary(Broken(), X, ch_names=["C3", "C4"], **kwargs)
    assert all("no prototype for this model" in e["error"] for e in res["kinds"].values())
