"""Data loaders: BCI Competition IV 2b, PhysioNet EEGMMIDB and simulated EEG.

Every loader returns ``list[mne.io.Raw]`` (one per run or session) with data in
volts, shape (n_channels, n_times), channel types set (eeg / eog), template
10-05 positions, cue annotations named ``left_hand``, ``right_hand`` (and
``hands``, ``feet``, ``rest`` where the dataset has them) and metadata
``dataset, subject, session, run`` stored as JSON in ``raw.info["description"]``
(read it with :func:`recording_metadata`).

Use :func:`load_subject` to dispatch on the dataset name; :data:`DATASETS`
describes each dataset (valid subjects, classes, default epoch window and
channels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mne

from .._check import check_option
from ._common import check_subject, recording_metadata, set_recording_metadata
from .bci_iv_2b import load_bci_iv_2b
from .eegmmidb import load_eegmmidb
from .simulate import EEGMMIDB_CHANNELS, GroundTruth, simulate_subject

__all__ = [
    "DATASETS",
    "DatasetInfo",
    "GroundTruth",
    "load_bci_iv_2b",
    "load_eegmmidb",
    "load_simulated",
    "load_subject",
    "recording_metadata",
    "set_recording_metadata",
    "simulate_subject",
]


@dataclass(frozen=True)
class DatasetInfo:
    """Description of one dataset.

    Attributes
    ----------
    name : str
        Name used by :func:`load_subject` and in output paths.
    subjects : range
        Valid subject numbers.
    classes : tuple of str
        Annotation names of the cue classes the dataset holds.
    tmin, tmax : float
        Default epoch window in s relative to the cue.
    channels : tuple of str | None
        Default EEG channels (None: all EEG channels of the recording).
    eog_channels : tuple of str
        EOG channels the loader provides (for regression), possibly empty.
    sfreq : float | None
        Sampling frequency in Hz (None: set by the caller, simulated data).
    description : str
        One line about the dataset.
    """

    name: str
    subjects: range
    classes: tuple[str, ...]
    tmin: float
    tmax: float
    channels: tuple[str, ...] | None
    eog_channels: tuple[str, ...]
    sfreq: float | None
    description: str


DATASETS: dict[str, DatasetInfo] = {
    "bci_iv_2b": DatasetInfo(
        name="bci_iv_2b",
        subjects=range(1, 10),
        classes=("left_hand", "right_hand"),
        tmin=-0.5,
        tmax=4.0,
        channels=("C3", "Cz", "C4"),
        eog_channels=("EOG1", "EOG2", "EOG3"),
        sfreq=250.0,
        description="BCI Competition IV 2b: 9 subjects, C3/Cz/C4 + 3 EOG, 250 Hz, "
        "sessions 01T-05E, left vs right hand imagery.",
    ),
    "eegmmidb": DatasetInfo(
        name="eegmmidb",
        subjects=range(1, 110),
        classes=("left_hand", "right_hand", "hands", "feet", "rest"),
        tmin=-0.5,
        tmax=4.0,
        channels=None,
        eog_channels=(),
        sfreq=160.0,
        description="PhysioNet EEGMMIDB: 109 subjects, 64 channels, 160 Hz; runs "
        "4/8/12 left vs right fist imagery, 6/10/14 hands vs feet.",
    ),
    "simulated": DatasetInfo(
        name="simulated",
        subjects=range(1, 1001),
        classes=("left_hand", "right_hand"),
        tmin=-0.5,
        tmax=4.0,
        channels=None,
        eog_channels=("EOG1", "EOG2", "EOG3"),
        sfreq=None,
        description="Simulated motor imagery with planted contralateral ERD "
        "(eegxai.datasets.simulate); montage '2b' (C3/Cz/C4 + EOG) or '64' "
        f"({len(EEGMMIDB_CHANNELS)} EEGMMIDB channels).",
    ),
}


def load_simulated(subject: int, **kwargs: Any) -> list[mne.io.BaseRaw]:
    """Simulated recordings of one subject (ground truth dropped).

    Keyword arguments go to :func:`eegxai.datasets.simulate.simulate_subject`;
    call that function directly to also get the :class:`GroundTruth`.
    """
    return simulate_subject(subject, **kwargs)[0]


_LOADERS = {
    "bci_iv_2b": load_bci_iv_2b,
    "eegmmidb": load_eegmmidb,
    "simulated": load_simulated,
}


def load_subject(dataset: str, subject: int, **kwargs: Any) -> list[mne.io.BaseRaw]:
    """Load the recordings of one subject of a dataset.

    Parameters
    ----------
    dataset : "bci_iv_2b" | "eegmmidb" | "simulated"
        Dataset name (see :data:`DATASETS`).
    subject : int
        Subject number as the dataset numbers them.
    **kwargs
        Passed to the loader: :func:`load_bci_iv_2b` (``source``, ``gdf_dir``,
        ``labels_dir``, ``path``, ``sessions``), :func:`load_eegmmidb`
        (``runs``, ``path``) or :func:`simulate_subject` (``montage``,
        ``n_trials_per_class``, ``seed``, ...).

    Returns
    -------
    raws : list of mne.io.Raw
        One per run/session, volts, annotated cues, metadata in
        ``info["description"]``.
    """
    check_option("dataset", dataset, list(_LOADERS))
    check_subject(dataset, subject, DATASETS[dataset].subjects)
    return _LOADERS[dataset](subject, **kwargs)
