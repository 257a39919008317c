"""Files between stages: truncated or foreign files are named, unsafe ones refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eegxai._io import load_weights, read_json, write_json
from eegxai.analysis import read_relevance, save_relevance
from eegxai.models import build_model, read_checkpoint, save_model


def test_truncated_json_names_the_file(tmp_path):
    path = write_json(tmp_path / "metrics.json", {"accuracy": [0.5] * 50})
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match=r"metrics\.json is not a readable JSON file"):
        read_json(path)
    with pytest.raises(FileNotFoundError, match=r"missing\.json"):
        read_json(tmp_path / "missing.json")


def test_truncated_hdf5_names_the_file(tmp_path):
    path = tmp_path / "shallow-lrp.h5"
    rng = np.random.default_rng(0)
    save_relevance(path, relevance=rng.normal(size=(4, 3, 50)), y=np.array([0, 1, 0, 1]),
                   times=np.arange(50) / 50, ch_names=["C3", "Cz", "C4"],
                   class_names=["left_hand", "right_hand"], sfreq=50.0, method="lrp")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"shallow-lrp\.h5 is not a readable HDF5 file"):
        read_relevance(path)


class _Pickled(torch.nn.Module):
    pass


def test_pt_with_pickled_objects_is_refused_in_eegxai_words(tmp_path):
    path = tmp_path / "shallow.pt"
    torch.save({"format": "eegxai-model", "net": _Pickled()}, path)
    with pytest.raises(ValueError) as info:
        read_checkpoint(path)
    message = str(info.value)
    assert "shallow.pt is not a plain eegxai model file" in message
    assert "weights_only" not in message
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_truncated_pt_names_the_file(tmp_path):
    net = build_model("shallow", 3, 2, 250)
    path = tmp_path / "shallow.pt"
    save_model(path, net, net.eegxai_build_args)
    assert load_weights(path)["folds"][0]["state_dict"]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"shallow\.pt is not a readable model file"):
        read_checkpoint(path)
