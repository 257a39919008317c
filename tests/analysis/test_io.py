import json
import os

import h5py
import numpy as np
import pytest

from eegxai.analysis import read_relevance, read_summary, save_relevance, save_summary


def test_relevance_roundtrip(tmp_path, rng):
    R = rng.standard_normal((4, 3, 10))
    data = dict(
        layer_relevance=rng.standard_normal((4, 5, 1, 6)),
        fir=rng.standard_normal((5, 7)),
        X=rng.standard_normal((4, 3, 10)),
        y=np.array([0, 1, 0, 1]),
        y_pred=np.array([0, 1, 1, 1]),
        logits=rng.standard_normal((4, 2)),
        times=np.linspace(0, 1, 10),
        ch_names=["C3", "Cz", "C4"],
        class_names=["left_hand", "right_hand"],
        sfreq=250.0,
        method="lrp",
        composite="epsilon_plus_flat",
        subject=3,
        dataset="bci_iv_2b",
        extra_info={"target": "true"},
        trial_ids=np.arange(4),
        skipped=None,
    )
    path = tmp_path / "relevance" / "s3" / "shallow-lrp.h5"
    out = save_relevance(path, relevance=R, config={"seed": 1}, **data)
    assert out == path and path.is_file()
    # No temporary files are left behind.
    assert os.listdir(path.parent) == ["shallow-lrp.h5"]
    back = read_relevance(path)
    np.testing.assert_allclose(back["relevance"], R, rtol=1e-6)
    assert back["relevance"].dtype == np.float32
    np.testing.assert_allclose(back["fir"], data["fir"])
    np.testing.assert_array_equal(back["y"], data["y"])
    np.testing.assert_array_equal(back["y_pred"], data["y_pred"])
    np.testing.assert_allclose(back["times"], data["times"])
    np.testing.assert_array_equal(back["trial_ids"], np.arange(4))
    assert back["ch_names"] == ["C3", "Cz", "C4"]
    assert back["class_names"] == ["left_hand", "right_hand"]
    assert back["sfreq"] == 250.0 and back["method"] == "lrp"
    assert back["composite"] == "epsilon_plus_flat"
    assert back["subject"] == 3 and back["dataset"] == "bci_iv_2b"
    assert back["extra_info"] == {"target": "true"}
    assert back["provenance"]["config"] == {"seed": 1}
    assert "numpy" in back["provenance"]["versions"]
    assert "skipped" not in back
    assert back["format_version"] == 1


def test_relevance_validation(tmp_path, rng):
    R = rng.standard_normal((4, 3, 10))
    with pytest.raises(ValueError, match="shape \\(n_trials, n_chans, n_times\\)"):
        save_relevance(tmp_path / "a.h5", relevance=R[0])
    with pytest.raises(ValueError, match="'y' must have shape \\(4,\\)"):
        save_relevance(tmp_path / "a.h5", relevance=R, y=[0, 1])
    with pytest.raises(ValueError, match="'ch_names' has 2 names"):
        save_relevance(tmp_path / "a.h5", relevance=R, ch_names=["C3", "C4"])
    assert not list(tmp_path.iterdir())
    with pytest.raises(FileNotFoundError):
        read_relevance(tmp_path / "missing.h5")
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    with pytest.raises(ValueError, match="not an eegxai relevance file"):
        read_relevance(other)


def test_summary_roundtrip(tmp_path):
    path = tmp_path / "s.json"
    save_summary(path, {"li": np.float64(0.5), "course": np.arange(3)})
    back = read_summary(path)
    assert back["li"] == 0.5 and back["course"] == [0, 1, 2]
    assert "provenance" in back
    json.loads(path.read_text())
