"""Relevance files (HDF5) and analysis summaries (JSON).

File format: ``results/relevance/{dataset}/{subject}/{model}-{method}.h5``
------------------------------------------------------------------------------
Written by :func:`save_relevance` (atomically), read by :func:`read_relevance`.

Root attributes

``format``            ``"eegxai-relevance"``
``format_version``    ``1``
``method``            attribution method name (str, e.g. ``"lrp"``)
``composite``         LRP composite name (str, ``""`` if none)
``sfreq``             sampling rate in Hz (float)
``provenance``        JSON string: versions, platform, date, and the caller's
                      ``config`` if given (:func:`eegxai._io.provenance`)
other scalars         any extra ``str``/``int``/``float``/``bool`` keyword
                      (e.g. ``subject``, ``dataset``, ``model``, ``target``)
JSON dicts            extra ``dict`` keywords, stored as JSON strings, with
                      their names listed in the attribute ``json_keys``

Datasets (all optional except ``relevance``; shapes are checked on write)

``relevance``         float32 (n_trials, n_chans, n_times) input relevance
``layer_relevance``   float32 (n_trials, n_filters, n_chans_or_1, n_times_out)
                      relevance at the first (temporal) convolution
``fir``               float64 (n_filters, filter_len) first-layer FIR taps
``X``                 float32 (n_trials, n_chans, n_times) explained inputs
``y``                 int64 (n_trials,) true labels (0 left_hand, 1 right_hand)
``y_pred``            int64 (n_trials,) predicted labels
``logits``            float32 (n_trials, n_outputs) model outputs
``times``             float64 (n_times,) sample times in s relative to the cue
``ch_names``          UTF-8 strings (n_chans,)
``class_names``       UTF-8 strings (n_classes,)
other arrays          any extra array keyword, stored as given

Datasets are gzip-compressed. ``read_relevance`` returns a dict with the
datasets as numpy arrays (string datasets as lists of str), the scalar
attributes as Python scalars and ``provenance`` / JSON keywords as dicts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .._io import atomic_path, open_hdf5, provenance, read_json, write_json

__all__ = ["read_relevance", "read_summary", "save_relevance", "save_summary"]

FORMAT = "eegxai-relevance"
FORMAT_VERSION = 1

_FLOAT32 = ("relevance", "layer_relevance", "X", "logits")
_INT = ("y", "y_pred")
_STRINGS = ("ch_names", "class_names")


def _as_jsonable(obj):
    from .._io import _json_default

    return json.dumps(obj, default=_json_default)


def save_relevance(path: str | os.PathLike, *, relevance, config: dict | None = None,
                   **arrays_and_labels) -> Path:
    """Write relevance arrays, labels and their description to HDF5, atomically.

    Parameters
    ----------
    path : path-like
        Destination, conventionally
        ``results/relevance/{dataset}/{subject}/{model}-{method}.h5``.
    relevance : array-like, shape (n_trials, n_chans, n_times)
        Input relevance.
    config : dict | None
        Configuration that produced the file, stored in the provenance.
    **arrays_and_labels
        The documented keys (``layer_relevance``, ``fir``, ``X``, ``y``,
        ``y_pred``, ``logits``, ``times``, ``ch_names``, ``class_names``,
        ``sfreq``, ``method``, ``composite``) and any extra arrays, scalars or
        dicts; see the module docstring for the format. None values are
        skipped.

    Returns
    -------
    path : pathlib.Path
        The written file.
    """
    import h5py

    relevance = np.asarray(relevance)
    if relevance.ndim != 3:
        raise ValueError(
            f"'relevance' must have shape (n_trials, n_chans, n_times), but got "
            f"{relevance.shape} instead."
        )
    n_trials, n_chans, n_times = relevance.shape
    items = {k: v for k, v in arrays_and_labels.items() if v is not None}
    expected = {
        "X": relevance.shape,
        "y": (n_trials,),
        "y_pred": (n_trials,),
        "times": (n_times,),
    }
    for key, shape in expected.items():
        if key in items and np.shape(items[key]) != shape:
            raise ValueError(
                f"{key!r} must have shape {shape} to match 'relevance' "
                f"{relevance.shape}, but got {np.shape(items[key])} instead."
            )
    if "ch_names" in items and len(items["ch_names"]) != n_chans:
        raise ValueError(
            f"'ch_names' has {len(items['ch_names'])} names but 'relevance' has "
            f"{n_chans} channels."
        )
    for key in ("layer_relevance", "logits"):
        if key in items and np.shape(items[key])[0] != n_trials:
            raise ValueError(f"{key!r} must have one row per trial ({n_trials}).")
    if "fir" in items and np.ndim(items["fir"]) != 2:
        raise ValueError("'fir' must have shape (n_filters, filter_len).")
    prov = provenance()
    if config is not None:
        prov["config"] = config
    str_dtype = h5py.string_dtype("utf-8")
    with atomic_path(Path(path), suffix=".h5") as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["method"] = str(items.pop("method", ""))
            f.attrs["composite"] = str(items.pop("composite", ""))
            if "sfreq" in items:
                f.attrs["sfreq"] = float(items.pop("sfreq"))
            f.attrs["provenance"] = _as_jsonable(prov)
            f.create_dataset("relevance", data=relevance.astype(np.float32),
                             compression="gzip")
            json_keys = []
            for key, value in items.items():
                if key in _STRINGS:
                    f.create_dataset(key, data=[str(v) for v in value], dtype=str_dtype)
                elif isinstance(value, dict):
                    f.attrs[key] = _as_jsonable(value)
                    json_keys.append(key)
                elif isinstance(value, str | bool | int | float | np.generic):
                    f.attrs[key] = value
                else:
                    arr = np.asarray(value)
                    if key in _FLOAT32:
                        arr = arr.astype(np.float32)
                    elif key in _INT:
                        arr = arr.astype(np.int64)
                    if arr.dtype.kind in "OUS":
                        f.create_dataset(key, data=[str(v) for v in arr.ravel()],
                                         dtype=str_dtype)
                    else:
                        f.create_dataset(key, data=arr, compression="gzip"
                                         if arr.size > 1 else None)
            f.attrs["json_keys"] = json.dumps(json_keys)
    return Path(path)


def read_relevance(path: str | os.PathLike) -> dict:
    """Read a file written by :func:`save_relevance`.

    Parameters
    ----------
    path : path-like
        The HDF5 file.

    Returns
    -------
    data : dict
        Arrays, labels and attributes (see the module docstring);
        ``provenance`` is a dict.
    """
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No relevance file at {path}.")
    out: dict = {}
    with open_hdf5(path) as f:
        if f.attrs.get("format") != FORMAT:
            raise ValueError(
                f"{path} is not an eegxai relevance file (format attribute is "
                f"{f.attrs.get('format')!r}); write it with save_relevance."
            )
        json_keys = set(json.loads(f.attrs.get("json_keys", "[]")))
        for key, value in f.attrs.items():
            if key == "json_keys":
                continue
            if key == "provenance" or key in json_keys:
                out[key] = json.loads(value)
            elif isinstance(value, np.generic):
                out[key] = value.item()
            else:
                out[key] = value
        for key, dset in f.items():
            if h5py.check_string_dtype(dset.dtype) is not None:
                out[key] = [s.decode() if isinstance(s, bytes) else str(s)
                            for s in dset[()]]
            else:
                out[key] = dset[()]
    return out


def save_summary(path: str | os.PathLike, summary: dict) -> Path:
    """Write an analysis summary (numpy values allowed) as JSON, atomically.

    A ``provenance`` entry is added unless present.
    """
    summary = dict(summary)
    summary.setdefault("provenance", provenance())
    return write_json(path, summary)


def read_summary(path: str | os.PathLike) -> dict:
    """Read a summary written by :func:`save_summary`."""
    return read_json(path)
