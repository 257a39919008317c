"""Run the expert baselines of one subject on the shared evaluation folds.

Methods (``METHODS``): ``"csp_lda"`` (:func:`~eegxai.expert.csp.make_csp_lda`),
``"fbcsp"`` (:func:`~eegxai.expert.fbcsp.make_fbcsp`), ``"bandpower_lda"``
(:func:`~eegxai.expert.bandpower.make_bandpower_lda`) and ``"ts_lr"``
(:func:`~eegxai.expert.riemann.make_ts_lr`). Each is fitted on the training fold
only and evaluated on the test fold of :func:`eegxai.splits.make_splits`, the
same folds the ConvNets use.

File format (``results/baselines/{dataset}/{subject}.json``)::

    {"dataset": str | null, "subject": str | null, "sfreq": float,
     "ch_names": [str, ...],                     # n_channels
     "split": {...} | str,
     "methods": {
        "<method>": {
            "params": {...},
            "accuracy", "kappa", "roc_auc": float,   # means over folds
            "confusion_matrix": [[int]], "n_trials": int,   # summed over folds
            "folds": [{
                "fold": int, "accuracy", "kappa", "roc_auc", "confusion_matrix",
                "n_trials", "train_idx": [int], "test_idx": [int],
                "y_true": [int], "y_pred": [int], "proba": [[float]],
                # csp_lda only:
                "patterns", "filters": (n_components, n_channels)
                # fbcsp only:
                "patterns", "filters": (n_bands, n_components, n_channels),
                "bands": [[l_freq, h_freq]], "selected_features": [int],
                "mutual_info": [float]   # (n_bands * n_components,)
            }, ...]}},
     "provenance": {...}}

Patterns and filters are fitted on the fold's training trials; rows are CSP
components (``mne.decoding.CSP`` conventions). :func:`read_baselines` returns them
as ndarrays.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import mne
import numpy as np
import pandas as pd

from .._check import check_array, check_option, check_positive, validate_type
from .._io import provenance, read_json, write_json
from ..metrics import decoding_metrics, mean_over_folds
from ..splits import splits_from_config
from .bandpower import make_bandpower_lda
from .csp import csp_maps, make_csp_lda
from .fbcsp import make_fbcsp
from .riemann import make_ts_lr

METHODS: tuple[str, ...] = ("csp_lda", "fbcsp", "bandpower_lda", "ts_lr")


def make_pipeline(method: str, sfreq: float, n_channels: int, **params: Any):
    """The scikit-learn pipeline of a baseline method, by name."""
    check_option("method", method, METHODS)
    if method == "csp_lda":
        return make_csp_lda(sfreq, n_channels=n_channels, **params)
    if method == "fbcsp":
        return make_fbcsp(sfreq, **params)
    if method == "bandpower_lda":
        return make_bandpower_lda(sfreq, **params)
    return make_ts_lr(sfreq, **params)


def _fold_maps(method: str, pipeline) -> dict[str, Any]:
    if method == "csp_lda":
        return csp_maps(pipeline.named_steps["csp"])
    if method == "fbcsp":
        fb = pipeline.named_steps["fbcsp"]
        return {
            "patterns": fb.patterns_,
            "filters": fb.filters_,
            "bands": [list(b) for b in fb._bands],
            "selected_features": fb.selected_features_,
            "mutual_info": fb.mutual_info_,
        }
    return {}


def run_baselines(
    X: Any,
    y: Any,
    metadata: pd.DataFrame,
    sfreq: float,
    ch_names: Sequence[str],
    *,
    split: Mapping[str, Any] | str,
    methods: Sequence[str] = METHODS,
    out_json: str | os.PathLike | None = None,
    method_params: Mapping[str, Mapping[str, Any]] | None = None,
    dataset: str | None = None,
    subject: str | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Fit and evaluate the expert baselines of one subject; write the JSON.

    Parameters
    ----------
    X : ndarray, shape (n_trials, n_chans, n_times)
        All trials of one subject.
    y : ndarray of int, shape (n_trials,)
        Labels ``0..n_classes-1``.
    metadata : pandas.DataFrame, shape (n_trials, ...)
        Columns ``session``, ``run`` (and ``subject``).
    sfreq : float
        Sampling frequency in Hz.
    ch_names : list of str, length n_channels
        Channel names, stored beside the patterns.
    split : mapping | str
        Evaluation protocol (:func:`eegxai.splits.splits_from_config`).
    methods : list of str
        Subset of :data:`METHODS`.
    out_json : path-like | None
        Where to write the results (format in the module docstring); None
        writes nothing.
    method_params : mapping | None
        Per method, keyword arguments of its ``make_*`` function.
    dataset, subject : str | None
        Recorded in the file (``subject`` defaults to the metadata's).
    seed : int
        Seeds a k-fold ``split`` without its own seed; the same value as the
        ConvNets' ``seed`` (:func:`eegxai.training.train_subject`) gives
        identical folds.

    Returns
    -------
    results : dict
        The content of the JSON file.
    """
    X = check_array(X, "X", ndim=3, dtype=np.float64)
    y = check_array(y, "y", ndim=1)
    if y.dtype.kind not in "iu":
        raise ValueError("'y' must hold integer class labels.")
    if len(X) != len(y):
        raise ValueError(f"'X' has {len(X)} trials but 'y' has {len(y)} labels.")
    check_positive(sfreq, "sfreq")
    ch_names = [str(c) for c in ch_names]
    if len(ch_names) != X.shape[1]:
        raise ValueError(
            f"'ch_names' has {len(ch_names)} names but X has {X.shape[1]} channels."
        )
    validate_type(methods, Sequence, "methods")
    if isinstance(methods, str) or not methods:
        raise ValueError(f"'methods' must be a non-empty list of {list(METHODS)}.")
    for method in methods:
        check_option("method", method, METHODS)
    method_params = dict(method_params or {})
    for key in method_params:
        check_option("method_params key", key, methods)
    if subject is None and "subject" in metadata.columns:
        subjects = metadata["subject"].astype(str).unique()
        subject = subjects[0] if len(subjects) == 1 else None
    folds = splits_from_config(metadata, y, split, seed=seed)
    n_classes = int(y.max()) + 1
    results: dict[str, Any] = {}
    with mne.utils.use_log_level("error"):
        for method in methods:
            params = dict(method_params.get(method, {}))
            fold_entries = []
            for k, (train_idx, test_idx) in enumerate(folds):
                pipeline = make_pipeline(method, sfreq, X.shape[1], **params)
                pipeline.fit(X[train_idx], y[train_idx])
                proba = np.zeros((len(test_idx), n_classes))
                proba[:, pipeline.classes_] = pipeline.predict_proba(X[test_idx])
                fold_entries.append(
                    {
                        "fold": k,
                        **decoding_metrics(y[test_idx], proba, n_classes=n_classes),
                        "train_idx": train_idx.tolist(),
                        "test_idx": test_idx.tolist(),
                        "y_true": y[test_idx].tolist(),
                        "y_pred": proba.argmax(axis=1).tolist(),
                        "proba": np.round(proba, 6).tolist(),
                        **_fold_maps(method, pipeline),
                    }
                )
            results[method] = {
                "params": params,
                **mean_over_folds(fold_entries),
                "folds": fold_entries,
            }
    out = {
        "dataset": dataset,
        "subject": subject,
        "sfreq": float(sfreq),
        "ch_names": ch_names,
        "split": split if isinstance(split, str) else dict(split),
        "seed": int(seed),
        "methods": results,
        "provenance": provenance(),
    }
    if out_json is not None:
        write_json(out_json, out)
        # Return exactly what a reader sees (lists, not arrays).
        return read_baselines(out_json)
    return out


def read_baselines(path: str | os.PathLike) -> dict[str, Any]:
    """Read a baselines JSON; patterns/filters/mutual_info become ndarrays."""
    data = read_json(path)
    for method in data["methods"].values():
        for fold in method["folds"]:
            for key in ("patterns", "filters", "mutual_info", "selected_features"):
                if key in fold:
                    fold[key] = np.asarray(fold[key])
    return data
