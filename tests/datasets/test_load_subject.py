"""Dispatch, dataset descriptions and metadata helpers."""

from __future__ import annotations

import mne
import numpy as np
import pytest

from eegxai.datasets import DATASETS, load_subject, recording_metadata


def test_datasets_describe_each_dataset():
    assert set(DATASETS) == {"bci_iv_2b", "eegmmidb", "simulated"}
    assert list(DATASETS["bci_iv_2b"].subjects) == list(range(1, 10))
    assert list(DATASETS["eegmmidb"].subjects) == list(range(1, 110))
    for info in DATASETS.values():
        assert {"left_hand", "right_hand"} <= set(info.classes)
        assert info.tmin < 0.5 < info.tmax
    assert DATASETS["bci_iv_2b"].channels == ("C3", "Cz", "C4")


def test_simulated_dispatch():
    raws = load_subject("simulated", 3, n_trials_per_class=2, sessions=["01T"], seed=1)
    assert len(raws) == 1 and isinstance(raws[0], mne.io.BaseRaw)
    assert recording_metadata(raws[0])["subject"] == 3


def test_unknown_dataset_and_subject():
    with pytest.raises(ValueError, match="'bci_iv_2b', 'eegmmidb', 'simulated'"):
        load_subject("bci_iv_2a", 1)
    with pytest.raises(ValueError, match=r"Valid subjects are 1\.\.9"):
        load_subject("bci_iv_2b", 0)
    with pytest.raises(ValueError, match=r"Valid subjects are 1\.\.109"):
        load_subject("eegmmidb", 200)
    with pytest.raises(TypeError, match="subject"):
        load_subject("simulated", "1")


def test_recording_metadata_requires_loader_metadata():
    raw = mne.io.RawArray(np.zeros((1, 10)), mne.create_info(1, 100.0, "eeg"))
    with pytest.raises(ValueError, match="no eegxai metadata"):
        recording_metadata(raw)
