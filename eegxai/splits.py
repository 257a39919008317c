"""Evaluation protocols: which trials train and which test, for every method.

Every decoder (ConvNets and expert baselines) of a subject is evaluated on the
folds returned by :func:`make_splits`, which depend only on the metadata, the
labels and the seed, so all methods see identical folds.

Protocols (``kind``)
--------------------
``"session"``
    Train on the sessions listed in ``train``, test on those in ``test``. For BCI
    Competition IV 2b this is the competition split: train 01T-03T, test 04E-05E
    (Tangermann et al. 2012). One fold.
``"kfold"``
    Stratified K-fold over trials (shuffled with ``seed``). EEGMMIDB default.
``"leave_one_run_out"``
    One fold per run: test on that run, train on the others.

Train-only trials (``test_runs``)
---------------------------------
With ``test_runs`` (e.g. ``[4, 8, 12]``, EEGMMIDB's imagined left/right fist
runs) the protocol is applied to the trials of those runs only; the trials of
every other run (e.g. the executed runs 3/7/11) are added to the training set of
EVERY fold and are never tested. So a study trains on executed + imagined trials
and tests on imagined ones (the published task), and because the folds of the
test runs depend only on their labels and the seed, they are the same folds as
a study of the test runs alone.

The early-stopping validation set of the ConvNets is drawn from the training fold
only, by :func:`train_valid_split`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._check import check_option, check_range, validate_type

SPLIT_KINDS: tuple[str, ...] = ("session", "kfold", "leave_one_run_out")

#: Default protocol per dataset name (as used in the workflow's config).
PROTOCOLS: dict[str, dict[str, Any]] = {
    "bci_iv_2b": {
        "kind": "session",
        "train": ["01T", "02T", "03T"],
        "test": ["04E", "05E"],
    },
    "eegmmidb": {"kind": "kfold", "n_splits": 5, "seed": 0},
}


def _as_labels(values: Sequence[Any]) -> list[str]:
    return [str(v) for v in values]


def _check_metadata(metadata: Any, y: np.ndarray, column: str) -> pd.Series:
    validate_type(metadata, pd.DataFrame, "metadata")
    if len(metadata) != len(y):
        raise ValueError(
            f"'metadata' has {len(metadata)} rows but 'y' has {len(y)} labels."
        )
    if column not in metadata.columns:
        raise ValueError(
            f"'metadata' needs a {column!r} column for this split; it has "
            f"{list(metadata.columns)}."
        )
    return metadata[column].astype(str).reset_index(drop=True)


def _session_split(
    metadata: pd.DataFrame, y: np.ndarray, train: Sequence[Any], test: Sequence[Any]
) -> list[tuple[np.ndarray, np.ndarray]]:
    if train is None or test is None:
        raise ValueError(
            "A 'session' split needs the 'train' and 'test' session lists, e.g. "
            "train=['01T', '02T', '03T'], test=['04E', '05E']."
        )
    sessions = _check_metadata(metadata, y, "session")
    train, test = _as_labels(train), _as_labels(test)
    overlap = set(train) & set(test)
    if overlap:
        raise ValueError(f"Sessions {sorted(overlap)} are listed in train and test.")
    present = sorted(set(sessions))
    missing = [s for s in train + test if s not in present]
    if missing:
        raise ValueError(
            f"Sessions {missing} are not in the metadata; present are {present}."
        )
    train_idx = np.flatnonzero(sessions.isin(train).to_numpy())
    test_idx = np.flatnonzero(sessions.isin(test).to_numpy())
    return [(train_idx, test_idx)]


def _kfold_split(
    y: np.ndarray, n_splits: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    validate_type(n_splits, numbers.Integral, "n_splits")
    if n_splits < 2:
        raise ValueError(f"'n_splits' must be at least 2, but got {n_splits}.")
    min_count = np.bincount(y).min() if len(y) else 0
    if min_count < n_splits:
        raise ValueError(
            f"Stratified {n_splits}-fold needs at least {n_splits} trials of every "
            f"class, but the smallest class has {min_count}. Lower 'n_splits'."
        )
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [
        (np.sort(tr), np.sort(te)) for tr, te in cv.split(np.zeros((len(y), 1)), y)
    ]


def _run_split(
    metadata: pd.DataFrame, y: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    runs = _check_metadata(metadata, y, "run")
    unique = sorted(set(runs), key=lambda r: (len(r), r))
    if len(unique) < 2:
        raise ValueError(
            f"Leave-one-run-out needs at least 2 runs, but got {unique}."
        )
    folds = []
    for run in unique:
        is_test = (runs == run).to_numpy()
        folds.append((np.flatnonzero(~is_test), np.flatnonzero(is_test)))
    return folds


def make_splits(
    metadata: pd.DataFrame,
    y: Any,
    *,
    kind: str = "session",
    train: Sequence[Any] | None = None,
    test: Sequence[Any] | None = None,
    n_splits: int = 5,
    seed: int = 0,
    test_runs: Sequence[Any] | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test folds of one subject under an evaluation protocol.

    Parameters
    ----------
    metadata : pandas.DataFrame, shape (n_epochs, ...)
        Trial metadata with columns ``session`` and ``run`` (as produced by
        :func:`eegxai.preprocessing.epochs_to_arrays`). Values are compared as
        strings.
    y : array-like of int, shape (n_epochs,)
        Class labels ``0..n_classes-1``.
    kind : {"session", "kfold", "leave_one_run_out"}
        The protocol (see the module docstring).
    train, test : list of str | None
        Sessions for ``kind="session"``.
    n_splits : int
        Number of folds for ``kind="kfold"``.
    seed : int
        Shuffling seed for ``kind="kfold"``.
    test_runs : list | None
        Runs (compared as strings with ``metadata["run"]``) whose trials are
        split by the protocol; trials of other runs train in every fold and are
        never tested (see the module docstring). None: every trial is split.

    Returns
    -------
    folds : list of (train_idx, test_idx)
        Sorted int64 arrays of trial indices; disjoint within a fold.
    """
    if test_runs is not None:
        return _with_train_only_runs(
            metadata, y, test_runs, kind=kind, train=train, test=test,
            n_splits=n_splits, seed=seed,
        )
    validate_type(kind, str, "kind")
    check_option("kind", kind, SPLIT_KINDS)
    y = np.asarray(y)
    if y.ndim != 1 or (len(y) and y.dtype.kind not in "iu"):
        raise ValueError("'y' must be a 1-d array of integer class labels.")
    validate_type(seed, numbers.Integral, "seed")
    if kind == "session":
        folds = _session_split(metadata, y, train, test)
    elif kind == "kfold":
        if metadata is not None:
            validate_type(metadata, pd.DataFrame, "metadata")
            if len(metadata) != len(y):
                raise ValueError(
                    f"'metadata' has {len(metadata)} rows but 'y' has {len(y)}."
                )
        folds = _kfold_split(y, n_splits, int(seed))
    else:
        folds = _run_split(metadata, y)
    out = []
    for tr, te in folds:
        if len(tr) == 0 or len(te) == 0:
            raise ValueError(f"A {kind!r} fold has an empty train or test set.")
        out.append((np.asarray(tr, dtype=np.int64), np.asarray(te, dtype=np.int64)))
    return out


def _with_train_only_runs(
    metadata: pd.DataFrame, y: Any, test_runs: Sequence[Any], **protocol: Any
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds of the ``test_runs`` trials; every other trial trains in every fold."""
    validate_type(test_runs, (list, tuple), "test_runs")
    y = np.asarray(y)
    runs = _check_metadata(metadata, y, "run")
    wanted = _as_labels(test_runs)
    present = sorted(set(runs), key=lambda r: (len(r), r))
    missing = [r for r in wanted if r not in present]
    if missing or not wanted:
        raise ValueError(
            f"'test_runs' {missing or wanted} are not runs of the metadata; present "
            f"are {present}."
        )
    testable = np.flatnonzero(runs.isin(wanted).to_numpy())
    train_only = np.flatnonzero(~runs.isin(wanted).to_numpy())
    sub_meta = metadata.iloc[testable].reset_index(drop=True)
    folds = make_splits(sub_meta, y[testable], **protocol)
    return [
        (np.sort(np.concatenate([testable[tr], train_only])).astype(np.int64),
         testable[te].astype(np.int64))
        for tr, te in folds
    ]


def splits_from_config(
    metadata: pd.DataFrame,
    y: Any,
    split: Mapping[str, Any] | str,
    *,
    seed: int | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`make_splits` from a config mapping or a dataset name.

    ``split`` is either a mapping such as ``{"kind": "session", "train": [...],
    "test": [...]}`` or a key of :data:`PROTOCOLS` (``"bci_iv_2b"``,
    ``"eegmmidb"``). ``seed``, when given, is used for ``kind="kfold"`` unless the
    mapping has its own ``"seed"`` (so a study's master seed reaches the folds).
    """
    if isinstance(split, str):
        check_option("split", split, PROTOCOLS)
        split = PROTOCOLS[split]
    validate_type(split, Mapping, "split")
    split = dict(split)
    if seed is not None and "seed" not in split:
        split["seed"] = seed
    return make_splits(metadata, y, **split)


def train_valid_split(
    y: Any, valid_fraction: float, seed: int, groups: Any | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Train/validation split of a TRAINING fold (for early stopping).

    Parameters
    ----------
    y : array-like of int, shape (n_train,)
        Labels of the training fold only.
    valid_fraction : float
        Fraction held out for validation, in [0, 1). 0 returns no validation set.
    seed : int
        Seed of the split.
    groups : array-like, shape (n_train,) | None
        None: a split stratified by class. Otherwise the group (e.g. the subject)
        of every trial: ``ceil(valid_fraction * n_groups)`` whole groups, drawn
        with ``seed``, are held out, so validation measures generalization to
        unseen groups (cross-subject pre-training). At least one group is kept
        for fitting.

    Returns
    -------
    fit_idx, valid_idx : ndarray of int64
        Sorted positions into ``y`` (i.e. relative to the training fold).
    """
    from sklearn.model_selection import train_test_split

    y = np.asarray(y)
    check_range(valid_fraction, "valid_fraction", 0.0, 0.9)
    all_idx = np.arange(len(y), dtype=np.int64)
    if valid_fraction == 0:
        return all_idx, np.empty(0, dtype=np.int64)
    if groups is not None:
        return _group_valid_split(y, np.asarray(groups), valid_fraction, seed)
    n_classes = len(np.unique(y))
    n_valid = int(np.ceil(valid_fraction * len(y)))
    if n_valid < n_classes or len(y) - n_valid < n_classes:
        raise ValueError(
            f"valid_fraction={valid_fraction} of {len(y)} training trials leaves too "
            f"few trials for a stratified split of {n_classes} classes."
        )
    fit_idx, valid_idx = train_test_split(
        all_idx, test_size=valid_fraction, stratify=y, random_state=int(seed)
    )
    return np.sort(fit_idx), np.sort(valid_idx)


def _group_valid_split(
    y: np.ndarray, groups: np.ndarray, valid_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Hold out whole groups (see :func:`train_valid_split`)."""
    if groups.shape != y.shape:
        raise ValueError(
            f"'groups' must have one entry per trial, shape {y.shape}, but got shape "
            f"{groups.shape}."
        )
    labels = np.unique(groups)
    if len(labels) < 2:
        raise ValueError(
            f"'groups' must hold at least 2 groups to hold whole groups out for "
            f"validation, but got {len(labels)}: {labels.tolist()}."
        )
    n_valid = min(int(np.ceil(valid_fraction * len(labels))), len(labels) - 1)
    held = np.random.default_rng(int(seed)).choice(labels, size=n_valid, replace=False)
    is_valid = np.isin(groups, held)
    all_idx = np.arange(len(y), dtype=np.int64)
    return all_idx[~is_valid], all_idx[is_valid]
