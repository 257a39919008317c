"""Decoding metrics per subject, group tables and published reference numbers.

Every decoder result in eegxai is reported with the same dictionary (see
:func:`decoding_metrics`): accuracy, Cohen's kappa (the BCI Competition IV
metric), ROC-AUC (the MOABB metric) and the confusion matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._check import check_array, check_positive, validate_type

METRIC_NAMES: tuple[str, ...] = ("accuracy", "kappa", "roc_auc")

#: Published BCI Competition IV 2b numbers (evaluation sessions 04E/05E), as
#: collected in docs/ANCHORS.md, for reports.
REFERENCE_2B: dict[str, Any] = {
    "competition_winner": {
        "source": "Tangermann et al. 2012, Front. Neurosci. 6:55, Table 4",
        "method": "FBCSP + NBPW (Ang et al.)",
        "metric": "kappa",
        "mean": 0.60,
        "per_subject": {
            "1": 0.40,
            "2": 0.21,
            "3": 0.22,
            "4": 0.95,
            "5": 0.86,
            "6": 0.61,
            "7": 0.56,
            "8": 0.85,
            "9": 0.74,
        },
    },
    "second_place": {
        "source": "Tangermann et al. 2012, Table 4",
        "method": "multi-band CSSD + LDA",
        "metric": "kappa",
        "mean": 0.58,
    },
    "schirrmeister2017": {
        "source": "Schirrmeister et al. 2017, Hum. Brain Mapp. 38:5391 (cropped)",
        "metric": "kappa",
        "fbcsp": 0.599,
        # Differences of the ConvNets to their FBCSP, as listed in ANCHORS.md.
        "deep_minus_fbcsp": -0.001,
        "shallow_minus_fbcsp": 0.030,
    },
    "moabb2024": {
        "source": "Chevallier et al. 2024 (MOABB benchmark), within-session 5-fold",
        "metric": "roc_auc x 100 (likely)",
        "ACM+TS+SVM": 82.7,
        "FBCSP+SVM": 80.4,
        "CSP+LDA": 80.1,
        "TS+LR": 80.1,
        "ShallowConvNet": 72.4,
        "EEGNet": 69.5,
    },
}


def decoding_metrics(
    y_true: Any, proba: Any, *, n_classes: int | None = None
) -> dict[str, Any]:
    """Accuracy, Cohen's kappa, ROC-AUC and confusion matrix of one test set.

    Parameters
    ----------
    y_true : array-like of int, shape (n_trials,)
        True labels ``0..n_classes-1``.
    proba : array-like of float, shape (n_trials, n_classes)
        Predicted class probabilities; the prediction is their argmax.
    n_classes : int | None
        Number of classes; defaults to ``proba.shape[1]``.

    Returns
    -------
    metrics : dict
        ``accuracy`` (float), ``kappa`` (Cohen's kappa, float), ``roc_auc``
        (binary: AUC of the probability of class 1; multi-class: one-vs-rest macro
        average; NaN when a class is absent from ``y_true``), ``confusion_matrix``
        (list of lists, rows = true class, columns = predicted class),
        ``n_trials`` (int).
    """
    from sklearn.metrics import (
        accuracy_score,
        cohen_kappa_score,
        confusion_matrix,
        roc_auc_score,
    )

    y_true = check_array(y_true, "y_true", ndim=1)
    proba = check_array(proba, "proba", ndim=2, dtype=np.float64)
    if y_true.dtype.kind not in "iu":
        raise ValueError("'y_true' must hold integer class labels.")
    if len(y_true) != len(proba):
        raise ValueError(
            f"'y_true' has {len(y_true)} trials but 'proba' has {len(proba)}."
        )
    if len(y_true) == 0:
        raise ValueError("Cannot compute metrics of an empty test set.")
    if n_classes is None:
        n_classes = proba.shape[1]
    if proba.shape[1] != n_classes:
        raise ValueError(
            f"'proba' has {proba.shape[1]} columns but n_classes={n_classes}."
        )
    if y_true.min() < 0 or y_true.max() >= n_classes:
        raise ValueError(f"'y_true' must lie in 0..{n_classes - 1}.")
    labels = np.arange(n_classes)
    y_pred = proba.argmax(axis=1)
    present = np.unique(y_true)
    if len(present) < n_classes:
        roc_auc = float("nan")
    elif n_classes == 2:
        roc_auc = float(roc_auc_score(y_true, proba[:, 1]))
    else:
        # roc_auc_score wants rows summing to 1 for "ovr".
        norm = proba / proba.sum(axis=1, keepdims=True)
        roc_auc = float(roc_auc_score(y_true, norm, multi_class="ovr", labels=labels))
    kappa = cohen_kappa_score(y_true, y_pred, labels=labels)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "kappa": float(0.0 if np.isnan(kappa) else kappa),
        "roc_auc": roc_auc,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "n_trials": int(len(y_true)),
    }


def chance_accuracy(n_trials: int, n_classes: int = 2, *, alpha: float = 0.05) -> float:
    """Accuracy that a chance-level classifier exceeds with probability ≤ ``alpha``.

    The smallest ``k / n_trials`` with ``P(K ≥ k) ≤ alpha`` for
    ``K ~ Binomial(n_trials, 1 / n_classes)`` (Combrisson & Jerbi 2015). With
    few trials it lies far above the nominal 1/n_classes: 0.64 for 45 trials,
    0.56 for 160.

    References
    ----------
    .. [1] Combrisson E., Jerbi K. (2015). Exceeding chance level by chance: the
       caveat of theoretical chance levels in brain signal classification and
       statistical assessment of decoding accuracy. J. Neurosci. Methods 250.
    """
    from scipy.stats import binom

    check_positive(n_trials, "n_trials")
    check_positive(n_classes, "n_classes")
    n_trials = int(n_trials)
    k = np.arange(n_trials + 1)
    # binom.sf(k - 1) = P(K >= k)
    ok = binom.sf(k - 1, n_trials, 1.0 / n_classes) <= alpha
    return float(k[ok][0] / n_trials) if ok.any() else 1.0


def mean_over_folds(fold_metrics: Sequence[dict]) -> dict[str, Any]:
    """Average the scalar metrics of several folds; sum their confusion matrices.

    Also gives ``chance_accuracy_p05`` (:func:`chance_accuracy` for all test
    trials together) and ``above_chance`` (the summed confusion matrix's
    accuracy exceeds it).
    """
    if not fold_metrics:
        raise ValueError("No fold metrics to average.")
    out: dict[str, Any] = {
        name: float(np.mean([m[name] for m in fold_metrics])) for name in METRIC_NAMES
    }
    out["confusion_matrix"] = np.sum(
        [np.asarray(m["confusion_matrix"]) for m in fold_metrics], axis=0
    ).tolist()
    out["n_trials"] = int(sum(m["n_trials"] for m in fold_metrics))
    confusion = np.asarray(out["confusion_matrix"])
    out["chance_accuracy_p05"] = chance_accuracy(out["n_trials"], len(confusion))
    pooled = float(np.trace(confusion) / max(confusion.sum(), 1))
    out["above_chance"] = bool(pooled >= out["chance_accuracy_p05"])
    return out


def decoding_table(
    results: Sequence[dict], *, metrics: Sequence[str] = METRIC_NAMES
) -> pd.DataFrame:
    """One row per subject plus ``mean`` and ``sd`` rows.

    Parameters
    ----------
    results : list of dict
        Metric dictionaries (from :func:`decoding_metrics` or the metrics JSON
        files); a ``"subject"`` key, when present, names the row.
    metrics : list of str
        Which scalar metrics become columns.

    Returns
    -------
    table : pandas.DataFrame, shape (n_subjects + 2, n_metrics)
        Index: subjects, then ``"mean"`` and ``"sd"`` (sample standard deviation,
        ddof=1; NaN for a single subject). Attribute ``table.attrs["formatted"]``
        maps each metric to a ``"mean ± sd"`` string.
    """
    validate_type(results, Sequence, "results")
    if not results:
        raise ValueError("'results' is empty.")
    rows, index = [], []
    for i, res in enumerate(results):
        validate_type(res, dict, f"results[{i}]")
        missing = [m for m in metrics if m not in res]
        if missing:
            raise ValueError(f"results[{i}] lacks the metrics {missing}.")
        rows.append({m: float(res[m]) for m in metrics})
        index.append(str(res.get("subject", i)))
    table = pd.DataFrame(rows, index=pd.Index(index, name="subject"))
    mean = table.mean(axis=0)
    sd = table.std(axis=0, ddof=1)
    table.loc["mean"] = mean
    table.loc["sd"] = sd
    table.attrs["formatted"] = {
        m: f"{mean[m]:.3f} ± {sd[m]:.3f}" for m in metrics
    }
    return table
