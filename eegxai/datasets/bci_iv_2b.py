"""BCI Competition IV dataset 2b (Graz B): two-class hand motor imagery.

Nine subjects, channels C3, Cz, C4 (bipolar-ish, 250 Hz) and three EOG
channels, five sessions: 01T and 02T without feedback (120 trials), 03T, 04E
and 05E with smiley feedback (160 trials). Each trial starts with a fixation
cross (t = -3 s relative to the cue); the cue (left or right arrow) appears at
t = 0 s and motor imagery lasts until about t = 4 s (Leeb et al. 2008).

Two sources give the same recordings:

* ``source="moabb"``: MOABB's ``BNCI2014_004`` (BNCI Horizon 2020 ``.mat``
  files; downloaded once into ``MNE_DATA``, used without network when present);
* ``source="gdf"``: a folder of the competition files ``B0101T.gdf`` ...
  ``B0905E.gdf`` plus the true-label files ``B0101T.mat`` ... (``classlabel``),
  which resolve the unknown cues (event 783) of the evaluation sessions.

Both return one :class:`mne.io.Raw` per session with channels
``C3, Cz, C4`` (eeg) and ``EOG1, EOG2, EOG3`` (eog), data in volts, shape
(6, n_times), annotations ``left_hand`` / ``right_hand`` at every cue (duration
4 s), and metadata ``dataset="bci_iv_2b"``, ``subject``, ``session`` (``"01T"``
... ``"05E"``), ``run="0"`` in ``info["description"]``.

References
----------
Leeb R, Brunner C, Müller-Putz G, Schlögl A, Pfurtscheller G (2008). BCI
Competition 2008 - Graz data set B. Graz University of Technology.

Tangermann M et al. (2012). Review of the BCI Competition IV. Front Neurosci
6:55.
"""

from __future__ import annotations

import logging
import os
import re
import struct
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import mne
import numpy as np
import scipy.io

from .._check import check_option, validate_type
from ._common import (
    check_subject,
    logged_warnings,
    set_recording_metadata,
    standard_montage,
    temporary_env,
)

__all__ = ["SESSIONS", "SUBJECTS", "bnci_cache_path", "load_bci_iv_2b"]

logger = logging.getLogger(__name__)

SUBJECTS = range(1, 10)
SESSIONS = ("01T", "02T", "03T", "04E", "05E")
CHANNELS = ("C3", "Cz", "C4", "EOG1", "EOG2", "EOG3")
_GDF_NAMES = {
    "EEG:C3": "C3",
    "EEG:Cz": "Cz",
    "EEG:C4": "C4",
    "EOG:ch01": "EOG1",
    "EOG:ch02": "EOG2",
    "EOG:ch03": "EOG3",
}
#: Seconds from the trial start (BNCI ``trial`` marker, GDF 768) to the cue.
CUE_OFFSET = 3.0
#: Duration given to the cue annotations (imagery period).
IMAGERY_DURATION = 4.0
_CUE_CODES = {"769": "left_hand", "770": "right_hand"}
_UNKNOWN_CUE = "783"
_LABELS = {1: "left_hand", 2: "right_hand"}


def bnci_cache_path(
    subject: int, split: Literal["T", "E"], mne_data: str | os.PathLike | None = None
) -> Path:
    """Where MOABB 1.7 keeps ``B{subject:02d}{split}.mat`` of BNCI 2014-004.

    Parameters
    ----------
    subject : int
        Subject 1-9.
    split : "T" | "E"
        Training (sessions 01T-03T) or evaluation (04E-05E) file.
    mne_data : path-like | None
        The MNE data folder; None resolves it like MOABB does
        (``MNE_DATASETS_BNCI_PATH``, then ``MNE_DATA``, then ``~/mne_data``).
    """
    check_option("split", split, ("T", "E"))
    if mne_data is None:
        from moabb.datasets.download import get_dataset_path

        mne_data = get_dataset_path("BNCI", None)
    return (
        Path(mne_data)
        / "MNE-bnci-data"
        / "~bci"
        / "database"
        / "004-2014"
        / f"B{int(subject):02d}{split}.mat"
    )


def load_bci_iv_2b(
    subject: int,
    *,
    source: Literal["moabb", "gdf"] = "moabb",
    gdf_dir: str | os.PathLike | None = None,
    labels_dir: str | os.PathLike | None = None,
    path: str | os.PathLike | None = None,
    sessions: Sequence[str] | None = None,
) -> list[mne.io.BaseRaw]:
    """Load one subject of BCI Competition IV 2b.

    Parameters
    ----------
    subject : int
        Subject 1-9.
    source : "moabb" | "gdf"
        ``"moabb"``: MOABB ``BNCI2014_004`` (cached in ``path`` /
        ``MNE_DATA``; downloads when the files are missing). ``"gdf"``: the
        competition GDF files in ``gdf_dir``.
    gdf_dir : path-like | None
        Folder with ``B{subject:02d}{session}.gdf`` (required for ``"gdf"``).
    labels_dir : path-like | None
        Folder with the true-label files ``B{subject:02d}{session}.mat``
        (variable ``classlabel``, 1 = left, 2 = right); default ``gdf_dir``.
        Needed for sessions whose cues are 783 (unknown) in the GDF file.
    path : path-like | None
        MNE data folder for ``"moabb"`` (default: ``MNE_DATASETS_BNCI_PATH`` or
        ``MNE_DATA`` from the environment / MNE config, else ``~/mne_data``).
    sessions : sequence of str | None
        Subset of ``"01T", "02T", "03T", "04E", "05E"`` (default all).

    Returns
    -------
    raws : list of mne.io.Raw
        One per session, in session order: channels C3, Cz, C4 (eeg), EOG1-3
        (eog), volts, 250 Hz, annotations ``left_hand`` / ``right_hand`` at the
        cues, metadata in ``info["description"]`` (see
        :func:`eegxai.datasets.recording_metadata`).
    """
    subject = check_subject("bci_iv_2b", subject, SUBJECTS)
    check_option("source", source, ("moabb", "gdf"))
    if sessions is None:
        sessions = SESSIONS
    validate_type(sessions, (list, tuple), "sessions")
    for session in sessions:
        check_option("sessions", session, SESSIONS)
    sessions = tuple(s for s in SESSIONS if s in sessions)
    if source == "moabb":
        return _load_moabb(subject, path, sessions)
    if gdf_dir is None:
        raise ValueError(
            "source='gdf' needs 'gdf_dir', the folder holding B0101T.gdf ... "
            "B0905E.gdf (BCI Competition IV 2b)."
        )
    return _load_gdf(subject, Path(gdf_dir), Path(labels_dir or gdf_dir), sessions)


# ----------------------------------------------------------------------------
# MOABB


def _load_moabb(
    subject: int, path: str | os.PathLike | None, sessions: tuple[str, ...]
) -> list[mne.io.BaseRaw]:
    from moabb.datasets import BNCI2014_004

    bnci_path = None if path is None else str(Path(path).expanduser().resolve())
    with temporary_env(MNE_DATASETS_BNCI_PATH=bnci_path):
        files = [bnci_cache_path(subject, split) for split in ("T", "E")]
        # Files already in the cache are used as they are: pin MOABB to the
        # upstream layout so it does not first try to fetch them from NEMAR.
        provider = "upstream" if all(f.is_file() for f in files) else None
        with temporary_env(MOABB_DOWNLOAD_PROVIDER=provider):
            try:
                with warnings.catch_warnings():
                    # MOABB asks MNE for the 'standard_1005' montage by its old name
                    warnings.filterwarnings("ignore", "Montage name", FutureWarning)
                    data = BNCI2014_004().get_data([subject])[subject]
            except Exception as exc:
                raise _load_error(subject, files, exc) from None
    raws = []
    for key, runs in data.items():
        match = re.fullmatch(r"(\d+)(train|test)", str(key))
        if match is None:
            raise RuntimeError(
                f"Unexpected MOABB session name {key!r} for BNCI2014_004."
            )
        session = (
            f"{int(match.group(1)) + 1:02d}{'T' if match.group(2) == 'train' else 'E'}"
        )
        if session not in sessions:
            continue
        for raw in runs.values():
            raws.append(_from_moabb_raw(raw, subject, session, files))
    raws.sort(key=lambda r: SESSIONS.index(_session_of(r)))
    return raws


def _load_error(subject: int, files: list[Path], exc: BaseException) -> OSError:
    """Say what is missing or broken in the cache, where, and what to do."""
    cause = f"{type(exc).__name__}: {str(exc)[:200]}"
    missing = [f for f in files if not f.is_file()]
    if missing:
        return FileNotFoundError(
            f"BCI IV 2b subject {subject}: {', '.join(f.name for f in missing)} not "
            f"in the local cache {missing[0].parent} (MNE_DATA, or the dataset's "
            f"loader_args.path), and downloading them failed ({cause}). To provide "
            "them: run once with internet access (they are cached for later "
            "offline runs), copy the BNCI 004-2014 .mat files into that folder, or "
            "use loader_args {source: gdf, gdf_dir: <folder with the competition "
            "GDF files>}."
        )
    bad = [f for f in files if not _mat_readable(f)]
    if bad:
        return OSError(
            f"Could not read BCI IV 2b subject {subject}: {', '.join(map(str, bad))} "
            f"is truncated or corrupt ({cause}). Delete it; the next run downloads "
            "it again."
        )
    return OSError(
        f"Could not load BCI IV 2b subject {subject} with MOABB from "
        f"{', '.join(map(str, files))}: {cause}"
    )


def _mat_readable(path: Path) -> bool:
    try:
        scipy.io.loadmat(path, variable_names=["data"])
    except Exception:
        return False
    return True


def _session_of(raw: mne.io.BaseRaw) -> str:
    from ._common import recording_metadata

    return recording_metadata(raw)["session"]


def _from_moabb_raw(
    raw: mne.io.BaseRaw, subject: int, session: str, files: list[Path]
) -> mne.io.BaseRaw:
    # Cues from MOABB's stim channel: the BNCI 'trial' marker is the trial start,
    # the cue follows 3 s later (MOABB's interval [3, 7.5] for this dataset).
    events = mne.find_events(raw, stim_channel="STI", initial_event=True, verbose=False)
    raw = raw.copy().drop_channels(["STI"])
    sfreq = raw.info["sfreq"]
    unknown = sorted(set(events[:, 2]) - set(_LABELS))
    if unknown:
        raise ValueError(f"Unexpected class codes {unknown} in {files}.")
    onsets = (events[:, 0] - raw.first_samp) / sfreq + CUE_OFFSET
    _set_cue_annotations(raw, onsets, [_LABELS[c] for c in events[:, 2]])
    return _finish(raw, subject, session, source="moabb")


# ----------------------------------------------------------------------------
# GDF

_GDF_TYPE_BYTES = {1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 8, 8: 8, 16: 4, 17: 8}


def _check_gdf_size(fname: Path) -> None:
    """Raise if ``fname`` is shorter than its header says (truncated download)."""
    size = fname.stat().st_size
    with open(fname, "rb") as fid:
        fixed = fid.read(256)
        if len(fixed) < 256 or not fixed.startswith(b"GDF"):
            raise ValueError(f"{fname} is not a GDF file (bad or missing header).")
        try:
            version = float(fixed[4:8].decode("ascii"))
        except ValueError as exc:
            raise ValueError(
                f"{fname} has an unreadable GDF version {fixed[:8]!r}."
            ) from exc
        if version < 1.9:
            header_bytes = struct.unpack_from("<q", fixed, 184)[0]
            n_chan = struct.unpack_from("<I", fixed, 252)[0]
        else:
            header_bytes = struct.unpack_from("<H", fixed, 184)[0] * 256
            n_chan = struct.unpack_from("<H", fixed, 252)[0]
        n_records = struct.unpack_from("<q", fixed, 236)[0]
        # samples per record and data type sit 216 bytes per channel into the
        # variable header, in GDF 1.x and 2.x alike
        fid.seek(256 + 216 * n_chan)
        raw_fields = fid.read(8 * n_chan)
    if len(raw_fields) < 8 * n_chan or header_bytes > size:
        raise ValueError(f"{fname} is truncated: its header is incomplete.")
    n_samps = np.frombuffer(raw_fields[: 4 * n_chan], "<i4")
    types = np.frombuffer(raw_fields[4 * n_chan :], "<i4")
    if any(int(t) not in _GDF_TYPE_BYTES for t in types):
        raise ValueError(
            f"{fname} has unsupported GDF channel types {sorted(set(types))}."
        )
    record = sum(
        int(n) * _GDF_TYPE_BYTES[int(t)] for n, t in zip(n_samps, types, strict=True)
    )
    expected = header_bytes + n_records * record
    if n_records < 0 or size < expected:
        raise ValueError(
            f"{fname} is truncated or corrupt: the header announces {expected} bytes "
            f"of header and signal, the file has {size}."
        )


def _read_gdf(fname: Path) -> mne.io.BaseRaw:
    _check_gdf_size(fname)
    try:
        with logged_warnings(fname):
            raw = mne.io.read_raw_gdf(
                fname, eog=[n for n, c in _GDF_NAMES.items() if c.startswith("EOG")],
                preload=True, verbose="warning",
            )  # fmt: skip
    except Exception as exc:
        raise ValueError(
            f"Could not read {fname}: {type(exc).__name__}: {exc}"
        ) from exc
    return raw


def _load_gdf(
    subject: int, gdf_dir: Path, labels_dir: Path, sessions: tuple[str, ...]
) -> list[mne.io.BaseRaw]:
    if not gdf_dir.is_dir():
        raise FileNotFoundError(f"'gdf_dir' {gdf_dir} is not a folder.")
    raws = []
    for session in sessions:
        fname = gdf_dir / f"B{subject:02d}{session}.gdf"
        if not fname.is_file():
            present = sorted(p.name for p in gdf_dir.glob("B*.gdf"))
            raise FileNotFoundError(
                f"{fname} not found. GDF files present in {gdf_dir}: "
                f"{', '.join(present) or 'none'}."
            )
        raw = _read_gdf(fname)
        missing = [ch for ch in _GDF_NAMES if ch not in raw.ch_names]
        if missing:
            raise ValueError(
                f"{fname} lacks channels {missing}; channels present: {raw.ch_names}."
            )
        raw.pick(list(_GDF_NAMES)).rename_channels(_GDF_NAMES)
        raw.set_channel_types({ch: "eog" for ch in CHANNELS[3:]})
        n_nan = _interpolate_nan(raw)
        if n_nan:
            logger.warning("%s: %d NaN samples linearly interpolated.", fname, n_nan)

        desc = np.array([str(d) for d in raw.annotations.description])
        onsets = np.asarray(raw.annotations.onset)
        is_cue = np.isin(desc, [*_CUE_CODES, _UNKNOWN_CUE])
        if not is_cue.any():
            raise ValueError(
                f"{fname} holds no cue events (769, 770 or 783); its event table "
                "is missing or the file is truncated."
            )
        cue_desc, cue_onsets = desc[is_cue], onsets[is_cue]
        label_file = labels_dir / f"B{subject:02d}{session}.mat"
        true_labels = _read_true_labels(label_file) if label_file.is_file() else None
        if true_labels is not None and len(true_labels) != len(cue_desc):
            raise ValueError(
                f"{label_file} holds {len(true_labels)} labels but {fname} has "
                f"{len(cue_desc)} cues."
            )
        labels = []
        for i, code in enumerate(cue_desc):
            if code == _UNKNOWN_CUE:
                if true_labels is None:
                    raise FileNotFoundError(
                        f"{fname} has unknown cues (783) and the true-label file "
                        f"{label_file} was not found; set 'labels_dir' to the folder "
                        "of the BCI IV 2b true labels (B0104E.mat ...)."
                    )
                labels.append(true_labels[i])
            else:
                label = _CUE_CODES[code]
                if true_labels is not None and true_labels[i] != label:
                    raise ValueError(
                        f"Cue {i} of {fname} is {label} but {label_file} says "
                        f"{true_labels[i]}."
                    )
                labels.append(label)
        _set_cue_annotations(raw, cue_onsets, labels)
        raws.append(
            _finish(raw, subject, session, source="gdf", file=str(fname), n_nan=n_nan)
        )
    return raws


def _interpolate_nan(raw: mne.io.BaseRaw) -> int:
    """Linearly interpolate NaN samples (GDF overflow markers) in place."""
    data = raw._data  # preloaded; modified in place to avoid a copy
    bad = ~np.isfinite(data)
    if not bad.any():
        return 0
    idx = np.arange(data.shape[1])
    for ch in np.flatnonzero(bad.any(axis=1)):
        good = ~bad[ch]
        if not good.any():
            raise ValueError(f"Channel {raw.ch_names[ch]} holds no finite samples.")
        data[ch, ~good] = np.interp(idx[~good], idx[good], data[ch, good])
    return int(bad.sum())


def _read_true_labels(fname: Path) -> list[str]:
    try:
        mat = scipy.io.loadmat(fname)
        values = np.asarray(mat["classlabel"]).ravel().astype(int)
    except KeyError as exc:
        raise ValueError(f"{fname} has no variable 'classlabel'.") from exc
    except Exception as exc:
        raise ValueError(
            f"Could not read {fname}: {type(exc).__name__}: {exc}"
        ) from exc
    bad = sorted(set(values) - set(_LABELS))
    if bad:
        raise ValueError(f"{fname}: class labels must be 1 or 2, found {bad}.")
    return [_LABELS[v] for v in values]


# ----------------------------------------------------------------------------


def _set_cue_annotations(
    raw: mne.io.BaseRaw, onsets: np.ndarray, labels: list[str]
) -> None:
    raw.set_annotations(
        mne.Annotations(
            onset=np.asarray(onsets, dtype=float),
            duration=np.full(len(labels), IMAGERY_DURATION),
            description=list(labels),
            orig_time=raw.annotations.orig_time,
        )
    )


def _finish(raw: mne.io.BaseRaw, subject: int, session: str, **extra) -> mne.io.BaseRaw:
    raw.set_montage(standard_montage(), on_missing="ignore")
    set_recording_metadata(
        raw, dataset="bci_iv_2b", subject=subject, session=session, run="0", **extra
    )
    if not set(raw.annotations.description) >= {"left_hand", "right_hand"}:
        logger.warning(
            "Session %s of subject %d lacks one of the classes.", session, subject
        )
    return raw
