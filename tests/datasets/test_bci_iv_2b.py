"""BCI IV 2b loader: MOABB cache path and GDF folder, on simulator-written files."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io

from eegxai.datasets import load_subject, recording_metadata
from eegxai.datasets.bci_iv_2b import SESSIONS, bnci_cache_path, load_bci_iv_2b
from eegxai.datasets.simulate import write_bci_iv_2b_gdf, write_bnci_mat

CHANNELS = ["C3", "Cz", "C4", "EOG1", "EOG2", "EOG3"]


def _labels(raw):
    return [str(d) for d in raw.annotations.description]


def _check_against_simulation(loaded, simulated, *, atol):
    assert len(loaded) == len(simulated) == 5
    for got, sim in zip(loaded, simulated, strict=True):
        meta = recording_metadata(got)
        assert meta["dataset"] == "bci_iv_2b"
        assert meta["subject"] == 1
        assert meta["session"] == recording_metadata(sim)["session"]
        assert meta["run"] == "0"
        assert got.ch_names == CHANNELS
        assert got.get_channel_types() == ["eeg"] * 3 + ["eog"] * 3
        assert got.info["sfreq"] == 250.0
        assert got.get_montage() is not None
        # labels and cue times equal the simulated ones
        assert _labels(got) == _labels(sim)
        np.testing.assert_allclose(
            got.annotations.onset, sim.annotations.onset, atol=1e-9
        )
        # data in volts, equal to the simulation up to the file's precision
        data, ref = got.get_data(), sim.get_data()
        assert 1e-6 < ref[:3].std() < 1e-4
        np.testing.assert_allclose(data, ref, atol=atol * np.abs(ref).max())
    assert [recording_metadata(r)["session"] for r in loaded] == list(SESSIONS)


def test_moabb_path_offline(sim2b, tmp_path, monkeypatch, no_network):
    raws, _ = sim2b
    written = write_bnci_mat(raws, 1, tmp_path)
    # the exact cache layout MOABB 1.7 downloads to
    assert written == [
        tmp_path / "MNE-bnci-data" / "~bci" / "database" / "004-2014" / "B01T.mat",
        tmp_path / "MNE-bnci-data" / "~bci" / "database" / "004-2014" / "B01E.mat",
    ]
    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    monkeypatch.setenv("MNE_DATASETS_BNCI_PATH", str(tmp_path))
    monkeypatch.delenv("MOABB_DOWNLOAD_PROVIDER", raising=False)  # loader pins it
    loaded = load_subject("bci_iv_2b", 1, source="moabb")
    _check_against_simulation(loaded, raws, atol=1e-12)
    assert recording_metadata(loaded[0])["source"] == "moabb"
    # a subset of sessions, and the path= argument instead of the environment
    monkeypatch.delenv("MNE_DATASETS_BNCI_PATH")
    monkeypatch.setenv("MNE_DATA", str(tmp_path / "elsewhere"))
    two = load_bci_iv_2b(1, path=tmp_path, sessions=["05E", "01T"])
    assert [recording_metadata(r)["session"] for r in two] == ["01T", "05E"]


def test_gdf_path_resolves_unknown_cues(sim2b, tmp_path, no_network):
    raws, _ = sim2b
    write_bci_iv_2b_gdf(raws, 1, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.gdf")) == [
        f"B01{s}.gdf" for s in SESSIONS
    ]
    # evaluation files carry only 783 (cue unknown) events: labels come from .mat
    import mne

    native = mne.io.read_raw_gdf(tmp_path / "B0104E.gdf", verbose="error")
    codes = {str(d) for d in native.annotations.description}
    assert "783" in codes and not {"769", "770"} & codes
    assert native.ch_names == [
        "EEG:C3",
        "EEG:Cz",
        "EEG:C4",
        "EOG:ch01",
        "EOG:ch02",
        "EOG:ch03",
    ]

    loaded = load_subject("bci_iv_2b", 1, source="gdf", gdf_dir=tmp_path)
    # int16 quantisation of the GDF file
    _check_against_simulation(loaded, raws, atol=1e-4)

    # labels in a separate folder
    labels_dir = tmp_path / "true_labels"
    labels_dir.mkdir()
    for mat in tmp_path.glob("*.mat"):
        mat.rename(labels_dir / mat.name)
    again = load_bci_iv_2b(1, source="gdf", gdf_dir=tmp_path, labels_dir=labels_dir)
    assert [_labels(r) for r in again] == [_labels(r) for r in raws]
    # without the true labels the evaluation sessions cannot be labelled
    train = load_bci_iv_2b(1, source="gdf", gdf_dir=tmp_path, sessions=["01T"])
    assert _labels(train[0]) == _labels(raws[0])
    with pytest.raises(
        FileNotFoundError, match=r"B0104E\.gdf has unknown cues.*B0104E\.mat"
    ):
        load_bci_iv_2b(1, source="gdf", gdf_dir=tmp_path, sessions=["04E"])


def test_gdf_truncated_file_names_file(sim2b, tmp_path):
    raws, _ = sim2b
    write_bci_iv_2b_gdf(raws[:1], 1, tmp_path)
    path = tmp_path / "B0101T.gdf"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"B0101T\.gdf is truncated"):
        load_bci_iv_2b(1, source="gdf", gdf_dir=tmp_path, sessions=["01T"])
    path.write_bytes(b"not a gdf file at all")
    with pytest.raises(ValueError, match=r"B0101T\.gdf"):
        load_bci_iv_2b(1, source="gdf", gdf_dir=tmp_path, sessions=["01T"])


def test_gdf_label_mismatch_and_missing_file(sim2b, tmp_path):
    raws, _ = sim2b
    write_bci_iv_2b_gdf(raws[3:4], 1, tmp_path)  # 04E only
    with pytest.raises(FileNotFoundError, match=r"B0101T\.gdf not found.*B0104E\.gdf"):
        load_bci_iv_2b(1, source="gdf", gdf_dir=tmp_path)
    scipy.io.savemat(tmp_path / "B0104E.mat", {"classlabel": np.ones((3, 1))})
    with pytest.raises(ValueError, match=r"B0104E\.mat holds 3 labels"):
        load_bci_iv_2b(1, source="gdf", gdf_dir=tmp_path, sessions=["04E"])
    with pytest.raises(ValueError, match="gdf_dir"):
        load_bci_iv_2b(1, source="gdf")


def test_moabb_truncated_file_names_file(sim2b, tmp_path, monkeypatch, no_network):
    raws, _ = sim2b
    write_bnci_mat(raws, 1, tmp_path)
    path = bnci_cache_path(1, "E", tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    monkeypatch.setenv("MNE_DATASETS_BNCI_PATH", str(tmp_path))
    with pytest.raises(OSError, match=r"B01E\.mat"):
        load_bci_iv_2b(1)


def test_invalid_subject_and_session():
    with pytest.raises(ValueError, match=r"Valid subjects are 1\.\.9"):
        load_bci_iv_2b(10)
    with pytest.raises(ValueError, match="'01T', '02T', '03T', '04E', '05E'"):
        load_bci_iv_2b(1, sessions=["06E"])
    with pytest.raises(ValueError, match="'moabb', 'gdf'"):
        load_bci_iv_2b(1, source="http")


def test_nan_samples_interpolated():
    import mne

    from eegxai.datasets.bci_iv_2b import _interpolate_nan

    data = np.tile(np.linspace(0.0, 1.0, 50), (2, 1))
    data[0, 10:15] = np.nan
    raw = mne.io.RawArray(data.copy(), mne.create_info(2, 50.0, "eeg"), verbose=False)
    assert _interpolate_nan(raw) == 5
    np.testing.assert_allclose(
        raw.get_data(), np.tile(np.linspace(0.0, 1.0, 50), (2, 1))
    )
