"""EEGMMIDB loader on the real PhysioNet files shipped in ../shared."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from eegxai.datasets import load_subject, recording_metadata
from eegxai.datasets.eegmmidb import load_eegmmidb
from eegxai.datasets.simulate import EEGMMIDB_CHANNELS


def test_subject1_imagery_runs(mne_data, no_network):
    raws = load_subject("eegmmidb", 1, runs=[4, 8, 12], path=mne_data)
    assert len(raws) == 3
    n_trials = {"left_hand": 0, "right_hand": 0}
    for raw, run in zip(raws, ("4", "8", "12"), strict=True):
        meta = recording_metadata(raw)
        assert meta["dataset"] == "eegmmidb"
        assert meta["subject"] == 1
        assert meta["session"] == "1"
        assert meta["run"] == run
        assert meta["task"] == "imagery"
        assert len(raw.ch_names) == 64
        assert tuple(raw.ch_names) == EEGMMIDB_CHANNELS  # simulator's 64 layout
        assert set(raw.get_channel_types()) == {"eeg"}
        assert raw.info["sfreq"] == 160.0
        montage = raw.get_montage()
        assert montage is not None and len(montage.ch_names) == 64
        labels = {str(d) for d in raw.annotations.description}
        assert labels == {"rest", "left_hand", "right_hand"}
        for cls in n_trials:
            n_trials[cls] += int(np.sum(raw.annotations.description == cls))
        # volts: scalp EEG of tens of µV
        std = raw.get_data().std(axis=1)
        assert np.all(std > 1e-6) and np.all(std < 5e-4)
    assert sum(n_trials.values()) == 45
    assert n_trials["left_hand"] > 15 and n_trials["right_hand"] > 15


def test_hands_feet_and_baseline_runs(mne_data, no_network):
    run6, run1 = load_eegmmidb(1, runs=[6, 1], path=mne_data)
    assert {str(d) for d in run6.annotations.description} == {"rest", "hands", "feet"}
    assert {str(d) for d in run1.annotations.description} == {"rest"}
    assert recording_metadata(run1)["task"] == "baseline"


def test_truncated_edf_names_file(mne_data, tmp_path, no_network):
    rel = "MNE-eegbci-data/files/eegmmidb/1.0.0/S001/S001R04.edf"
    target = tmp_path / rel
    target.parent.mkdir(parents=True)
    data = (mne_data / rel).read_bytes()
    target.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"S001R04\.edf is truncated"):
        load_eegmmidb(1, runs=[4], path=tmp_path)
    shutil.rmtree(tmp_path / "MNE-eegbci-data")


def test_invalid_subject_and_runs():
    with pytest.raises(ValueError, match=r"Valid subjects are 1\.\.109"):
        load_eegmmidb(110)
    with pytest.raises(ValueError, match=r"Valid runs are 1\.\.14"):
        load_eegmmidb(1, runs=[15])
