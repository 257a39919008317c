"""PhysioNet EEG Motor Movement/Imagery Database (EEGMMIDB).

109 subjects, 64 EEG channels (10-10 system), 160 Hz, 14 runs per subject
(Schalk et al. 2004; Goldberger et al. 2000). Annotations T0/T1/T2 mean:

======================  =========  ===========  ===========
runs                    T0         T1           T2
======================  =========  ===========  ===========
1, 2 (baseline)         rest       --           --
3, 7, 11 (execution)    rest       left_hand    right_hand
4, 8, 12 (imagery)      rest       left_hand    right_hand
5, 9, 13 (execution)    rest       hands        feet
6, 10, 14 (imagery)     rest       hands        feet
======================  =========  ===========  ===========

The loader returns one :class:`mne.io.Raw` per run: 64 EEG channels with
standardized names (``eegbci.standardize``) and 10-05 template positions, data
in volts, shape (64, n_times), annotations renamed as above, metadata
``dataset="eegmmidb"``, ``subject``, ``session="1"``, ``run`` (e.g. ``"4"``),
``task`` (``"imagery"`` / ``"execution"`` / ``"baseline"``).

References
----------
Schalk G, McFarland DJ, Hinterberger T, Birbaumer N, Wolpaw JR (2004). BCI2000:
a general-purpose brain-computer interface (BCI) system. IEEE Trans Biomed Eng
51(6):1034-1043.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence
from pathlib import Path

import mne
import numpy as np

from .._check import validate_type
from ._common import (
    check_subject,
    logged_warnings,
    set_recording_metadata,
    standard_montage,
)

__all__ = ["RUNS", "SUBJECTS", "load_eegmmidb"]

SUBJECTS = range(1, 110)
RUNS = range(1, 15)
_TASK = {1: "baseline", 2: "baseline"}
_TASK.update({r: "execution" for r in (3, 5, 7, 9, 11, 13)})
_TASK.update({r: "imagery" for r in (4, 6, 8, 10, 12, 14)})


def _run_labels(run: int) -> dict[str, str]:
    if run in (1, 2):
        return {"T0": "rest"}
    if run in (3, 4, 7, 8, 11, 12):
        return {"T0": "rest", "T1": "left_hand", "T2": "right_hand"}
    return {"T0": "rest", "T1": "hands", "T2": "feet"}


def load_eegmmidb(
    subject: int,
    *,
    runs: Sequence[int] = (4, 8, 12),
    path: str | os.PathLike | None = None,
) -> list[mne.io.BaseRaw]:
    """Load runs of one EEGMMIDB subject.

    Parameters
    ----------
    subject : int
        Subject 1-109.
    runs : sequence of int
        Runs 1-14 (default 4, 8, 12: left vs right fist imagery).
    path : path-like | None
        MNE data folder holding ``MNE-eegbci-data`` (default:
        ``MNE_DATASETS_EEGBCI_PATH`` / ``MNE_DATA``, else ``~/mne_data``).
        Files already present are used without network; missing ones are
        downloaded from PhysioNet.

    Returns
    -------
    raws : list of mne.io.Raw
        One per run, in the order of ``runs`` (see the module docstring).
    """
    subject = check_subject("eegmmidb", subject, SUBJECTS)
    if isinstance(runs, numbers.Integral):
        runs = [runs]
    validate_type(runs, (list, tuple, range), "runs")
    runs = [int(r) for r in runs]
    bad = [r for r in runs if r not in RUNS]
    if bad or not runs:
        raise ValueError(
            f"Invalid runs {bad or runs} for 'eegmmidb'. Valid runs are 1..14."
        )
    if path is not None:
        path = str(Path(path).expanduser().resolve())
    expected = [_cache_root(path) / _file_part(subject, run) for run in runs]
    missing = [f for f in expected if not f.is_file()]
    try:
        files = mne.datasets.eegbci.load_data(
            subject, runs, path=path, update_path=False, verbose="error"
        )
    except Exception as exc:
        if not missing:
            raise
        raise FileNotFoundError(_missing_message(subject, missing, path, exc)) from None
    return [
        _read_run(Path(f), subject, run) for f, run in zip(files, runs, strict=True)
    ]


def _file_part(subject: int, run: int) -> str:
    return f"S{subject:03d}/S{subject:03d}R{run:02d}.edf"


def _cache_root(path: str | None) -> Path:
    """Where :func:`mne.datasets.eegbci.load_data` keeps the EDF files."""
    from mne.datasets.utils import _get_path

    root = _get_path(path, "MNE_DATASETS_EEGBCI_PATH", "EEGBCI")
    return Path(root) / "MNE-eegbci-data" / "files" / "eegmmidb" / "1.0.0"


def _missing_message(
    subject: int, missing: list[Path], path: str | None, exc: BaseException
) -> str:
    root = _cache_root(path)
    source = (
        "loader_args.path" if path is not None else
        "MNE_DATASETS_EEGBCI_PATH" if mne.get_config("MNE_DATASETS_EEGBCI_PATH")
        else "MNE_DATA" if mne.get_config("MNE_DATA") else "the default ~/mne_data"
    )
    names = ", ".join(f.name for f in missing)
    return (
        f"EEGMMIDB subject {subject}: {names} not in the local cache {root / missing[0].parent.name} "
        f"(found through {source}), and downloading from PhysioNet failed "
        f"({type(exc).__name__}: {str(exc)[:200]}). To provide the files: run once "
        "with internet access (they are cached for later offline runs), or copy "
        f"them from https://physionet.org/content/eegmmidb/1.0.0/ into {root}/S{subject:03d}/, "
        "or point MNE_DATA (or the dataset's loader_args.path) at a folder that "
        "holds MNE-eegbci-data."
    )


def _check_edf_size(fname: Path) -> None:
    """Raise if ``fname`` is shorter than its EDF header announces."""
    size = fname.stat().st_size
    with open(fname, "rb") as fid:
        head = fid.read(256)
        try:
            header_bytes = int(head[184:192].decode("ascii"))
            n_records = int(head[236:244].decode("ascii"))
            n_chan = int(head[252:256].decode("ascii"))
            fid.seek(256 + 216 * n_chan)
            n_samps = [int(fid.read(8).decode("ascii")) for _ in range(n_chan)]
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(
                f"{fname} is not a readable EDF file (bad header)."
            ) from exc
    expected = header_bytes + n_records * 2 * sum(n_samps)
    if size < expected:
        raise ValueError(
            f"{fname} is truncated or corrupt: its header announces {expected} bytes, "
            f"the file has {size}. Delete it to download it again."
        )


def _read_run(fname: Path, subject: int, run: int) -> mne.io.BaseRaw:
    _check_edf_size(fname)
    try:
        with logged_warnings(fname):
            raw = mne.io.read_raw_edf(fname, preload=True, verbose="warning")
    except Exception as exc:
        raise ValueError(
            f"Could not read {fname}: {type(exc).__name__}: {exc}"
        ) from exc
    mne.datasets.eegbci.standardize(raw)
    raw.set_montage(standard_montage())
    mapping = _run_labels(run)
    desc = np.array([str(d) for d in raw.annotations.description])
    unknown = sorted(set(desc) - set(mapping))
    if unknown:
        raise ValueError(f"{fname}: unexpected annotations {unknown} for run {run}.")
    raw.annotations.rename({k: v for k, v in mapping.items() if k in set(desc)})
    set_recording_metadata(
        raw,
        dataset="eegmmidb",
        subject=subject,
        session="1",
        run=str(run),
        task=_TASK[run],
        file=str(fname),
    )
    return raw
