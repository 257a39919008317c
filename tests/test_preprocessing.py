"""Preprocessing: epochs, EOG regression, filters, files, QC and bad input."""

from __future__ import annotations

import json

import matplotlib
import mne
import numpy as np
import pytest

from eegxai.datasets import load_subject
from eegxai.datasets.simulate import simulate_subject
from eegxai.preprocessing import (
    epochs_to_arrays,
    plot_qc,
    preprocess,
    preprocess_subject,
    read_epochs,
    save_epochs,
)


@pytest.fixture(scope="module")
def sim():
    """2b layout, 5 sessions x 6 trials per class, frequent blinks."""
    return simulate_subject(1, n_trials_per_class=6, seed=2, blink_rate=0.3)


def _band_power(data, sfreq, lo, hi):
    psd, freqs = mne.time_frequency.psd_array_welch(
        data, sfreq, fmin=0.5, fmax=sfreq / 2, n_fft=int(sfreq), verbose=False
    )
    band = (freqs >= lo) & (freqs <= hi)
    return psd[..., band].sum(-1)


def test_epochs_shapes_labels_metadata(sim):
    raws, _ = sim
    epochs = preprocess(raws)
    assert epochs.event_id == {"left_hand": 1, "right_hand": 2}
    assert epochs.ch_names == ["C3", "Cz", "C4"]  # EOG dropped after regression
    assert epochs.info["sfreq"] == 250.0
    assert len(epochs) == 5 * 12
    assert epochs.get_data().shape == (60, 3, int(4.5 * 250))
    assert epochs.times[0] == pytest.approx(-0.5)
    meta = epochs.metadata
    assert {"subject", "session", "run", "label"} <= set(meta.columns)
    assert list(dict.fromkeys(meta["session"])) == ["01T", "02T", "03T", "04E", "05E"]
    assert set(meta["run"]) == {"0"} and set(meta["subject"]) == {1}
    expected = [str(d) for raw in raws for d in raw.annotations.description]
    assert list(meta["label"]) == expected
    description = json.loads(epochs.info["description"])
    assert description["unit"] == "standardized" and description["subject"] == 1

    X, y, meta2 = epochs_to_arrays(epochs)
    assert X.dtype == np.float32 and X.shape == (60, 3, 1125)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, (meta2["label"] == "right_hand").astype(int))
    # exponential moving standardization: about unit variance
    assert 0.5 < X[:, :, 250:].std() < 2.0

    kept = preprocess(raws[:1], keep_eog=True, standardize=False)
    assert kept.ch_names == ["C3", "Cz", "C4", "EOG1", "EOG2", "EOG3"]
    assert kept.get_channel_types() == ["eeg"] * 3 + ["eog"] * 3
    assert 1e-7 < kept.get_data(picks="eeg").std() < 1e-4  # volts


def test_class_order_and_subset(sim):
    raws, _ = sim
    epochs = preprocess(raws[:2], classes=("right_hand", "left_hand"))
    assert epochs.event_id == {"right_hand": 1, "left_hand": 2}
    _, y, meta = epochs_to_arrays(epochs)
    np.testing.assert_array_equal(y, (meta["label"] == "left_hand").astype(int))
    only = preprocess(raws[:2], classes=["right_hand"], channels=["C4", "C3"])
    assert only.event_id == {"right_hand": 1} and len(only) == 12
    assert only.ch_names == ["C4", "C3"]


def test_eog_regression_removes_blinks_from_eeg(sim):
    raws, _ = sim
    kwargs = dict(l_freq=0.5, h_freq=38.0, standardize=False, keep_eog=True)
    before = preprocess(raws[:2], eog_regression=False, **kwargs)
    after = preprocess(raws[:2], eog_regression=True, **kwargs)

    def eog_explained(epochs):
        data = np.concatenate(list(epochs.get_data()), axis=-1)  # (n_ch, n_times)
        eeg, eog = data[:3], data[3:]
        coef, *_ = np.linalg.lstsq(eog.T, eeg.T, rcond=None)
        residual = eeg - coef.T @ eog
        return 1 - residual.var(axis=1) / eeg.var(axis=1), eeg.var(axis=1)

    r2_before, var_before = eog_explained(before)
    r2_after, var_after = eog_explained(after)
    assert r2_before.min() > 0.05  # blinks propagate to C3/Cz/C4
    assert r2_after.max() < 0.05 * r2_before.min()
    assert np.all(var_after < (1 - 0.8 * r2_before) * var_before)
    # the EOG channels themselves are untouched
    np.testing.assert_allclose(
        before.get_data(picks="eog"), after.get_data(picks="eog")
    )


def test_band_pass_and_notch_remove_out_of_band_power(sim):
    raws, _ = sim
    raw = raws[0].copy()
    t = raw.times
    line = 20e-6 * np.sin(2 * np.pi * 50.0 * t)
    raw.apply_function(lambda x: x + line, picks="eeg")
    epochs = preprocess([raw], l_freq=8.0, h_freq=30.0, notch=50.0, standardize=False)
    sfreq = epochs.info["sfreq"]
    raw_epochs = mne.Epochs(
        raw, *mne.events_from_annotations(raw, verbose=False), tmin=-0.5, tmax=3.996,
        baseline=None, picks="eeg", preload=True, verbose=False,
    )  # fmt: skip
    for data, name in ((raw_epochs.get_data(), "raw"), (epochs.get_data(), "clean")):
        inband = _band_power(data, sfreq, 10, 28).mean()
        low = _band_power(data, sfreq, 0.5, 3).mean()
        high = _band_power(data, sfreq, 45, 100).mean()
        if name == "raw":
            ratio_low, ratio_high, raw_inband = low / inband, high / inband, inband
        else:
            assert low / inband < 0.01 * ratio_low
            assert high / inband < 0.01 * ratio_high
            assert inband == pytest.approx(raw_inband, rel=0.1)  # pass band kept


def test_resample_and_window(sim):
    raws, _ = sim
    epochs = preprocess(raws[:1], sfreq=100.0, tmin=0.0, tmax=4.0)
    assert epochs.info["sfreq"] == 100.0
    assert epochs.get_data().shape[-1] == 400


def test_filters_beyond_nyquist_name_the_parameter(sim):
    raws, _ = sim  # 250 Hz
    with pytest.raises(ValueError, match=r"'notch' \(200.0 Hz\).*Nyquist.*125"):
        preprocess(raws[:1], notch=200.0)
    with pytest.raises(ValueError, match=r"'h_freq' \(38.0 Hz\).*'sfreq' = 60.0"):
        preprocess(raws[:1], sfreq=60.0)


def test_implausible_channel_amplitude_is_rejected_by_name(sim):
    raws, _ = sim
    raw = raws[0].copy()
    raw.apply_function(lambda x: x * 15000.0, picks=["Cz"])  # an EDF scaling fault
    with pytest.raises(ValueError, match=r"Implausible amplitude.*: Cz has .*x the median"):
        preprocess([raw])
    preprocess(raws[:1], channels=["C3", "C4"])  # intact data passes


def test_save_read_roundtrip_is_atomic(sim, tmp_path, monkeypatch):
    raws, _ = sim
    epochs = preprocess(raws[:2])
    path = save_epochs(epochs, tmp_path / "sub-01-epo.fif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub-01-epo.fif"]
    back = read_epochs(path)
    np.testing.assert_allclose(back.get_data(), epochs.get_data(), rtol=1e-6)
    assert back.event_id == epochs.event_id
    assert list(back.metadata["session"]) == list(epochs.metadata["session"])
    assert list(back.metadata["run"]) == ["0"] * len(back)
    assert back.metadata["session"].iloc[0] == "01T"
    assert json.loads(back.info["description"]) == json.loads(
        epochs.info["description"]
    )

    with pytest.raises(ValueError, match="-epo.fif"):
        save_epochs(epochs, tmp_path / "sub-01.fif")

    def broken(self, fname, **kwargs):
        open(fname, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(mne.BaseEpochs, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        save_epochs(epochs, tmp_path / "sub-02-epo.fif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub-01-epo.fif"]


def test_missing_channel_lists_present(sim):
    raws, _ = sim
    with pytest.raises(
        ValueError, match=r"\['C5'\] not found.*Channels present: \['C3'"
    ):
        preprocess(raws[:1], channels=["C3", "C5"])


def test_class_without_trials(sim):
    raws, _ = sim
    with pytest.raises(ValueError, match=r"No trials of class\(es\) \['feet'\]"):
        preprocess(raws[:1], classes=("left_hand", "feet"))
    with pytest.raises(ValueError, match="'left_hand', 'right_hand', 'feet'"):
        preprocess(raws[:1], classes=("tongue",))


def test_eegmmidb_real_subject(mne_data, monkeypatch):
    monkeypatch.setenv("MNE_DATA", str(mne_data))
    raws = load_subject("eegmmidb", 1, path=mne_data)
    epochs = preprocess(raws)
    assert len(epochs) == 45 and len(epochs.ch_names) == 64
    assert epochs.get_data().shape[-1] == int(4.5 * 160)
    assert list(dict.fromkeys(epochs.metadata["run"])) == ["4", "8", "12"]
    assert set(epochs.metadata["session"]) == {"1"}


def test_plot_qc_returns_figure(sim):
    raws, _ = sim
    epochs = preprocess(raws[:2])
    fig = plot_qc(raws[:2], epochs)
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) >= 3
    fig2 = plot_qc(raws[:1], raws[:1])
    assert isinstance(fig2, matplotlib.figure.Figure)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_preprocess_subject_writes_all_or_nothing(tmp_path):
    out = tmp_path / "epochs" / "sub-01-epo.fif"
    qc = tmp_path / "qc" / "sub-01.png"
    summary_path = tmp_path / "qc" / "sub-01.json"
    loader_kwargs = {"n_trials_per_class": 4, "sessions": ["01T", "04E"], "seed": 3}
    summary = preprocess_subject(
        "simulated", 1, out, qc, summary_path, loader_kwargs=loader_kwargs,
        channels=["C3", "Cz", "C4"], l_freq=4.0, h_freq=38.0,
    )  # fmt: skip
    assert out.is_file() and qc.is_file() and summary_path.is_file()
    on_disk = json.loads(summary_path.read_text())
    assert on_disk == json.loads(json.dumps(summary))
    assert on_disk["n_trials"] == 16
    assert on_disk["n_trials_per_class"] == {"left_hand": 8, "right_hand": 8}
    assert on_disk["n_trials_per_session"] == {
        "01T": {"left_hand": 4, "right_hand": 4},
        "04E": {"left_hand": 4, "right_hand": 4},
    }
    assert on_disk["channels"] == ["C3", "Cz", "C4"] and on_disk["sfreq"] == 250.0
    assert on_disk["dropped"]["n"] == 0
    assert "versions" in on_disk["provenance"]
    assert len(read_epochs(out)) == 16

    # a failing step leaves no output at all
    bad = tmp_path / "bad"
    with pytest.raises(ValueError, match="Channels present"):
        preprocess_subject(
            "simulated", 1, bad / "sub-01-epo.fif", bad / "sub-01.png",
            loader_kwargs=loader_kwargs, channels=["C5"],
        )  # fmt: skip
    assert not bad.exists() or not any(bad.rglob("*"))
