"""Helpers shared by the loaders: recording metadata, montage, env overrides."""

from __future__ import annotations

import contextlib
import json
import logging
import numbers
import os
import warnings
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import mne

from .._check import validate_type

logger = logging.getLogger(__name__)

#: Keys every loader stores in ``raw.info["description"]`` (as JSON).
METADATA_KEYS = ("dataset", "subject", "session", "run")

#: Annotation names the loaders use for cues; other engineers rely on them.
CLASS_NAMES = ("left_hand", "right_hand", "feet", "hands", "rest")


def set_recording_metadata(
    raw: mne.io.BaseRaw,
    *,
    dataset: str,
    subject: int,
    session: str,
    run: str,
    **extra: Any,
) -> mne.io.BaseRaw:
    """Store ``dataset, subject, session, run`` (+ extra keys) as JSON in the info.

    The JSON lives in ``raw.info["description"]`` because that field survives
    ``Raw.save``, epoching and ``Epochs.save`` unchanged.
    """
    meta = {
        "dataset": str(dataset),
        "subject": int(subject),
        "session": str(session),
        "run": str(run),
        **extra,
    }
    raw.info["description"] = json.dumps(meta, sort_keys=True)
    return raw


def recording_metadata(inst: mne.io.BaseRaw | mne.BaseEpochs | mne.Info) -> dict:
    """Return the metadata dict a loader stored in ``info["description"]``.

    Parameters
    ----------
    inst : Raw | Epochs | Info
        An object made by one of the eegxai loaders (or derived from one).

    Returns
    -------
    metadata : dict
        At least the keys ``dataset`` (str), ``subject`` (int), ``session``
        (str) and ``run`` (str).
    """
    info = inst if isinstance(inst, mne.Info) else getattr(inst, "info", None)
    if info is None:
        validate_type(inst, (mne.io.BaseRaw, mne.BaseEpochs, mne.Info), "inst")
    desc = info.get("description") or ""
    try:
        meta = json.loads(desc)
    except (TypeError, json.JSONDecodeError):
        meta = None
    if not isinstance(meta, dict) or not all(k in meta for k in METADATA_KEYS):
        raise ValueError(
            "This recording carries no eegxai metadata (info['description'] is "
            f"{desc[:80]!r}). Load it with eegxai.datasets.load_subject or a "
            "loader of eegxai.datasets, which store dataset, subject, session "
            "and run there."
        )
    meta["subject"] = int(meta["subject"])
    meta["session"] = str(meta["session"])
    meta["run"] = str(meta["run"])
    return meta


@lru_cache(maxsize=1)
def _montage_name() -> str:
    # MNE 1.13 renamed 'standard_1005' to 'colin27_1005' (same positions) and
    # warns on the old name; fall back for older MNE.
    names = mne.channels.get_builtin_montages()
    return "colin27_1005" if "colin27_1005" in names else "standard_1005"


def standard_montage() -> mne.channels.DigMontage:
    """The 10-05 template montage (``standard_1005`` positions)."""
    return mne.channels.make_standard_montage(_montage_name())


@contextlib.contextmanager
def temporary_env(**values: str | None) -> Iterator[None]:
    """Set (or, for None, leave alone) environment variables, restoring them after."""
    old = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is not None:
                os.environ[key] = str(value)
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def check_subject(dataset: str, subject: Any, valid: range | tuple[int, ...]) -> int:
    """Return ``subject`` as int or raise ``ValueError`` listing the valid ones."""
    validate_type(subject, numbers.Integral, "subject")
    if subject not in valid:
        if isinstance(valid, range):
            listing = f"{valid.start}..{valid.stop - 1}"
        else:
            listing = ", ".join(str(s) for s in valid)
        raise ValueError(
            f"Invalid subject {subject!r} for dataset {dataset!r}. "
            f"Valid subjects are {listing}."
        )
    return int(subject)


@contextlib.contextmanager
def logged_warnings(source: str | os.PathLike) -> Iterator[None]:
    """Log every warning raised in the block at WARNING level, naming ``source``.

    Readers warn about damaged files (e.g. MNE's EDF reader when a channel's
    digital minimum equals its maximum); in a workflow step the warning then
    lands in the step's log instead of being lost.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        message = " ".join(str(warning.message).split())
        logger.warning("%s: %s: %s", source, warning.category.__name__, message)
