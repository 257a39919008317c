"""Word deletion (Arras et al. 2016, sec. 4.3).

Do the words an explanation points at carry the decision?

Two experiments, relevance always for the TRUE class:

- **correct** — documents the model classifies correctly; delete their words
  most relevant first. The faster the accuracy falls, the better the ranking.
- **misclassified** — documents it gets wrong; delete the words with the most
  negative relevance (those speaking against the true class) first. The faster
  the accuracy rises, the better.

A deleted word becomes id 0 (the zero embedding for the CNN, no term for the
SVM); the perturbation itself is the domain-free
:func:`eegxai.evaluate.perturbation_curve` (groups = token positions, padding
excluded). Rankings compared: LRP, sensitivity and a seeded random order.
Sensitivity is unsigned, so it deletes its largest values first in both
experiments (the only order it allows; Arras et al. 2016). The curves are
summarised by the AOPC of the accuracy, ``mean_k |acc(k) − acc(0)|`` signed so
that larger is better (a fall for *correct*, a rise for *misclassified*).

References
----------
.. [1] Arras, L. et al. (2016). Explaining predictions of non-linear classifiers
   in NLP. Rep4NLP workshop, ACL.
.. [2] Samek, W. et al. (2017). Evaluating the visualization of what a deep
   neural network has learned. IEEE TNNLS 28(11), 2660–2673 (AOPC).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._check import check_option

__all__ = ["EXPERIMENTS", "ORDERS", "aopc_accuracy", "word_deletion"]

#: Deletion experiments and the sign of a good accuracy change.
EXPERIMENTS = {"correct": -1.0, "misclassified": +1.0}
#: Deletion orders in the words of :func:`eegxai.evaluate.perturbation_curve`.
ORDERS = {"descending": "morf", "ascending": "lerf", "random": "random"}


def word_deletion(predict: Callable[[np.ndarray], np.ndarray], ids: np.ndarray,
                  relevance: np.ndarray, y: np.ndarray, *, order: str, n_deleted: int,
                  seed: int = 0) -> dict:
    """Accuracy after deleting 0, 1, ..., ``n_deleted`` words of each document.

    Runs :func:`eegxai.evaluate.perturbation_curve` with one group per token
    position (padding is no group), baseline id 0 and absolute counts.

    Parameters
    ----------
    predict : callable
        Token ids ``(n_docs, n_words)`` → class scores ``(n_docs, n_classes)``.
    ids : ndarray of int, shape (n_docs, n_words)
        Token ids (0 = no word).
    relevance : ndarray, shape (n_docs, n_words)
        Word relevance for the true class.
    y : ndarray of int, shape (n_docs,)
        True classes (the class whose score is tracked).
    order : {"descending", "ascending", "random"}
        Largest relevance first, smallest (most negative) first, or random.
    n_deleted : int
        Largest number of words deleted.
    seed : int
        Seed of the random order.

    Returns
    -------
    result : dict
        ``accuracy`` (n_deleted + 1,), ``logit_aopc`` (mean drop of the true
        class score, :func:`eegxai.evaluate.aopc`).
    """
    from ..evaluate import perturbation_curve

    check_option("order", order, ORDERS)
    ids = np.asarray(ids)
    groups = np.where(ids > 0, np.arange(ids.shape[1])[None, :], -1)
    res = perturbation_curve(
        lambda X: predict(np.asarray(X).astype(np.int64)), ids.astype(np.float64),
        np.asarray(relevance, dtype=np.float64), groups=groups,
        target=np.asarray(y, dtype=np.int64), order=ORDERS[order], baseline="zero",
        n_removed=list(range(n_deleted + 1)), seed=seed)
    accuracy = (res["predictions"] == np.asarray(y)[:, None]).mean(0)
    return {"accuracy": accuracy, "logit_aopc": float(res["aopc"])}


def aopc_accuracy(accuracy: np.ndarray, experiment: str) -> float:
    """Signed area over the accuracy curve: larger = better ranking.

    ``sign · mean_{k ≥ 1} (acc(k) − acc(0))`` with sign −1 for *correct* (accuracy
    should fall) and +1 for *misclassified* (it should rise).
    """
    check_option("experiment", experiment, EXPERIMENTS)
    accuracy = np.asarray(accuracy, dtype=float)
    return float(EXPERIMENTS[experiment] * np.mean(accuracy[1:] - accuracy[0]))
