"""band_occlusion_step: every fold's saved model on its own test trials, from files.

Planted case: C3, Cz, C4 at 100 Hz with a 1/f background and an 11 Hz rhythm
that is weaker (ERD) over the hemisphere contralateral to the class; the model
is a ShallowFBCSPNet (``eegxai.models.build_model``) whose weights are set by
hand to a band-power decoder of that rhythm (11 Hz band-pass, C3 and C4 log
power, readout C4 − C3), saved with two folds like a trained study's model.
"""

from __future__ import annotations

import mne
import numpy as np
import pytest
import torch
from scipy import signal

from eegxai._io import read_json, write_json
from eegxai.analysis.band_occlusion import DEFAULT_BANDS
from eegxai.models import build_model, save_model
from eegxai.pipeline import band_occlusion_step

SFREQ, N_TIMES, RHYTHM = 100.0, 200, 11.0
CLASSES = {"left_hand": 1, "right_hand": 2}


def _trials(n_per_class=12, seed=0):
    """Trials (n, 3, N_TIMES): right hand has its ERD at C3, left hand at C4."""
    rng = np.random.default_rng(seed)
    n = 2 * n_per_class
    y = np.tile([0, 1], n_per_class)
    freqs = np.fft.rfftfreq(N_TIMES, 1.0 / SFREQ)
    amplitude = np.r_[0.0, 1.0 / np.sqrt(freqs[1:])]
    white = rng.standard_normal((n, 3, len(freqs))) + 1j * rng.standard_normal(
        (n, 3, len(freqs)))
    X = np.fft.irfft(white * amplitude, n=N_TIMES, axis=-1)
    X /= X.std()
    t = np.arange(N_TIMES) / SFREQ
    gain = np.ones((n, 3, 1))
    gain[y == 1, 0] = 0.3
    gain[y == 0, 2] = 0.3
    rhythm = np.sin(2 * np.pi * RHYTHM * t + rng.uniform(0, 2 * np.pi, (n, 3, 1)))
    return X + gain * rhythm, y


def _band_power_shallow(scale: float = 1.0):
    """ShallowFBCSPNet with hand-set weights: log 9–13 Hz power, C4 − C3."""
    net = build_model("shallow", 3, 2, N_TIMES, n_filters_time=2, n_filters_spat=2,
                      drop_prob=0.0)
    state = net.state_dict()
    fir = signal.firwin(25, [9.0, 13.0], pass_zero=False, fs=SFREQ)
    state["conv_time_spat.conv_time.weight"][:] = torch.as_tensor(fir).reshape(1, 1, 25, 1)
    state["conv_time_spat.conv_time.bias"][:] = 0.0
    spat = torch.zeros(2, 2, 1, 3)  # (spatial filter, temporal filter, 1, channel)
    spat[0, 0, 0, 0] = spat[1, 0, 0, 2] = 1.0  # filter 0: C3, filter 1: C4
    state["conv_time_spat.conv_spat.weight"][:] = spat
    state["bnorm.weight"][:], state["bnorm.bias"][:] = 1.0, 0.0
    state["bnorm.running_mean"][:], state["bnorm.running_var"][:] = 0.0, 1.0
    readout = state["final_layer.conv_classifier.weight"]
    n_pool = readout.shape[2]
    readout[:] = 0.0
    readout[1, 1], readout[1, 0] = scale / n_pool, -scale / n_pool  # right: C4 − C3
    readout[0] = -readout[1]
    state["final_layer.conv_classifier.bias"][:] = 0.0
    net.load_state_dict(state)
    return net.eval()


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Epochs, a two-fold model file and its metrics JSON in the results layout."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("results")
    X, y = _trials()
    info = mne.create_info(["C3", "Cz", "C4"], SFREQ, "eeg")
    events = np.c_[np.arange(len(y)) * N_TIMES, np.zeros(len(y), int),
                   np.array(list(CLASSES.values()))[y]]
    epochs_path = root / "epochs" / "sim" / "sub-01-epo.fif"
    epochs_path.parent.mkdir(parents=True)
    mne.EpochsArray(X, info, events, event_id=CLASSES, verbose="error").save(
        epochs_path, verbose="error")
    test = [np.arange(0, len(y), 2), np.arange(1, len(y), 2)]
    nets = [_band_power_shallow(1.0), _band_power_shallow(2.0)]
    model_path = root / "models" / "sim" / "sub-01" / "shallow.pt"
    save_model(model_path, nets, nets[0].eegxai_build_args,
               folds=[{"test_idx": t.tolist()} for t in test])
    metrics_path = write_json(root / "metrics" / "sim" / "sub-01" / "shallow.json", {
        "dataset": "sim", "subject": "sub-01", "model": "shallow", "accuracy": 1.0,
        "folds": [{"fold": k, "test_idx": t.tolist()} for k, t in enumerate(test)]})
    return {"epochs": epochs_path, "model": model_path, "metrics": metrics_path,
            "root": root, "n_trials": len(y)}


def test_step_peak_is_the_planted_band_and_json_has_every_field(study):
    out = study["root"] / "occlusion" / "sim" / "sub-01" / "shallow.json"
    result = band_occlusion_step(study["epochs"], study["model"], study["metrics"], out,
                                 n_permutations=199, seed=0, device="cpu", threads=1)
    saved = read_json(out)
    assert saved["p_peak"] == result["p_peak"]
    assert saved["drop"] == pytest.approx(result["drop"])
    for key in ("dataset", "subject", "model", "freqs", "drop", "sem", "classes",
                "peak_freq", "peak_drop", "peak_sem", "p_peak", "n_permutations",
                "resolution", "n_trials", "n_folds", "accuracy", "chance_accuracy",
                "margin", "params", "provenance"):
        assert key in saved, key
    assert saved["subject"] == "sub-01" and saved["model"] == "shallow"
    np.testing.assert_array_equal(saved["freqs"], DEFAULT_BANDS)
    assert saved["resolution"] == 2.0 and saved["n_folds"] == 2
    assert saved["n_trials"] == study["n_trials"] and saved["accuracy"] == 1.0
    # the planted 11 Hz rhythm lies in the 10–12 Hz band
    assert saved["peak_freq"] == RHYTHM and saved["p_peak"] == pytest.approx(1 / 200)
    assert saved["peak_drop"] > 5 * saved["peak_sem"] and saved["margin"] > 0
    far = np.abs(np.asarray(saved["freqs"]) - RHYTHM) >= 8
    assert np.all(np.abs(np.asarray(saved["drop"])[far]) < 0.05 * saved["peak_drop"])
    for name in CLASSES:
        c = saved["classes"][name]
        assert c["n_trials"] == study["n_trials"] // 2
        assert saved["freqs"][int(np.argmax(c["drop"]))] == RHYTHM
    assert saved["params"]["sfreq"] == SFREQ and saved["params"]["n_permutations"] == 199


def test_step_band_width_sets_the_resolution_and_no_file_without_out_json(study):
    before = sorted(study["root"].rglob("*"))
    result = band_occlusion_step(study["epochs"], study["model"], study["metrics"],
                                 width=4.0, n_permutations=19, device="cpu")
    np.testing.assert_array_equal(result["freqs"], np.arange(6.0, 37.0, 4.0))
    assert result["resolution"] == 4.0 and result["peak_freq"] == 10.0  # 8–12 Hz
    assert sorted(study["root"].rglob("*")) == before


def test_step_without_test_trials_fails_naming_the_folds(study, tmp_path):
    metrics = read_json(study["metrics"])
    for fold in metrics["folds"]:
        fold["test_idx"] = []
    path = write_json(tmp_path / "metrics.json", metrics)
    with pytest.raises(ValueError, match="no fold with test trials"):
        band_occlusion_step(study["epochs"], study["model"], path, device="cpu")


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"n_permutations": 0}, ValueError, "'n_permutations' must be > 0, but got 0"),
    ({"n_permutations": 1.5}, TypeError, "'n_permutations' must be an instance"),
    ({"width": 0.0}, ValueError, "'width' must be > 0, but got 0.0"),
    ({"fmin": 60.0}, ValueError, "No band of 'width' 2.0 Hz fits"),
])
def test_step_validates_its_parameters(study, kwargs, error, match):
    with pytest.raises(error, match=match):
        band_occlusion_step(study["epochs"], study["model"], study["metrics"],
                            device="cpu", **kwargs)
