"""Damaged and missing recordings: a corrupt EDF channel, offline users."""

from __future__ import annotations

import logging
import shutil

import numpy as np
import pooch
import pytest
import requests

from eegxai.datasets import load_bci_iv_2b, load_eegmmidb
from eegxai.preprocessing import implausible_channels, preprocess

EEGMMIDB = ("MNE-eegbci-data", "files", "eegmmidb", "1.0.0")


def _copy_run(mne_data, tmp_path, subject=1, run=4):
    part = f"S{subject:03d}/S{subject:03d}R{run:02d}.edf"
    dest = tmp_path.joinpath(*EEGMMIDB, part)
    dest.parent.mkdir(parents=True)
    shutil.copy(mne_data.joinpath(*EEGMMIDB, part), dest)
    return dest


def _set_digital_max_to_min(fname, label: bytes) -> None:
    """Corrupt one channel's EDF header: digital maximum = digital minimum."""
    data = bytearray(fname.read_bytes())
    ns = int(data[252:256].decode())
    labels = [bytes(data[256 + 16 * i:256 + 16 * (i + 1)]).strip() for i in range(ns)]
    i = labels.index(label)
    dmin = 256 + 120 * ns + 8 * i
    dmax = 256 + 128 * ns + 8 * i
    data[dmax:dmax + 8] = data[dmin:dmin + 8]
    fname.write_bytes(bytes(data))


def test_corrupt_edf_channel_is_logged_and_rejected_by_name(mne_data, tmp_path, caplog):
    fname = _copy_run(mne_data, tmp_path)
    _set_digital_max_to_min(fname, b"C3..")
    with caplog.at_level(logging.WARNING):
        raws = load_eegmmidb(1, runs=[4], path=tmp_path)
    logged = caplog.text
    assert "S001R04.edf" in logged and "C3" in logged  # MNE's warning, with the file
    raw = raws[0]
    step = np.median(np.abs(np.diff(raw.get_data(picks=["C3", "C4"]), axis=1)), axis=1)
    assert step[0] / step[1] > 1000  # the damage the check must catch
    assert list(implausible_channels(raw)) == ["C3"]
    with pytest.raises(ValueError, match=r"Implausible amplitude.*S001R04\.edf.*C3 has"):
        preprocess(raws)


def test_intact_edf_has_no_implausible_channel(mne_data, tmp_path):
    _copy_run(mne_data, tmp_path)
    raws = load_eegmmidb(1, runs=[4], path=tmp_path)
    assert implausible_channels(raws[0]) == {}


def _offline(*args, **kwargs):
    raise requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='physionet.org', port=443): Max retries exceeded")


def test_eegmmidb_missing_offline_says_what_where_and_how(tmp_path, monkeypatch):
    monkeypatch.setattr(pooch.Pooch, "fetch", _offline)
    with pytest.raises(FileNotFoundError) as info:
        load_eegmmidb(3, runs=[4, 8], path=tmp_path)
    message = str(info.value)
    assert "S003R04.edf, S003R08.edf" in message
    assert str(tmp_path.joinpath(*EEGMMIDB)) in message  # where it looked
    assert "loader_args.path" in message and "MNE_DATA" in message  # how to provide
    assert "internet" in message
    assert info.value.__cause__ is None  # no raw requests traceback


def test_eegmmidb_missing_offline_names_mne_data(tmp_path, monkeypatch):
    monkeypatch.setattr(pooch.Pooch, "fetch", _offline)
    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    monkeypatch.delenv("MNE_DATASETS_EEGBCI_PATH", raising=False)
    with pytest.raises(FileNotFoundError, match=r"found through MNE_DATA") as info:
        load_eegmmidb(3, runs=[4])
    assert str(tmp_path) in str(info.value)


def test_bci_iv_2b_missing_offline_is_not_called_corrupt(tmp_path, monkeypatch):
    from moabb.datasets import BNCI2014_004

    monkeypatch.setattr(BNCI2014_004, "get_data", _offline)
    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    monkeypatch.setenv("MNE_DATASETS_BNCI_PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        load_bci_iv_2b(2)
    message = str(info.value)
    assert "B02T.mat, B02E.mat not in the local cache" in message
    assert str(tmp_path) in message and "internet" in message and "gdf_dir" in message
    assert "Delete" not in message and "corrupt" not in message
