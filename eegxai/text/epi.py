"""Explanatory power index (Arras et al. 2017, sec. "Measuring model explanatory power").

Each document is summarised by the relevance-weighted sum of its word vectors,
``d = Σ_t R_t e_t`` (eq. 6 there), with ``R_t`` the relevance of token ``t`` for
the predicted class and ``e_t`` its word vector. If the relevance singles out
the words that make a document what it is, documents of one class get similar
summaries: a K-nearest-neighbour classifier on the summaries is accurate. The
EPI is the KNN accuracy maximised over K, averaged over random 50/50 splits of
the documents. Uniform weights (``R_t = 1``, the plain sum of word vectors) are
the baseline an explanation has to beat.

References
----------
.. [1] Arras, L., Horn, F., Montavon, G., Müller, K.-R. & Samek, W. (2017).
   "What is relevant in a text document?": an interpretable machine learning
   approach. PLoS ONE 12(8), e0181142.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["explanatory_power", "summary_vectors"]


def summary_vectors(relevance: np.ndarray, ids: np.ndarray,
                    embedding: np.ndarray) -> np.ndarray:
    """Relevance-weighted document vectors, unit length.

    Parameters
    ----------
    relevance : ndarray, shape (n_docs, n_words)
        Word weights ``R_t``.
    ids : ndarray of int, shape (n_docs, n_words)
        Token ids (0 = no word).
    embedding : ndarray, shape (n_ids, n_dims)
        Word vectors ``e_t`` per id.

    Returns
    -------
    vectors : ndarray, shape (n_docs, n_dims)
        ``Σ_t R_t e_t`` divided by its Euclidean norm (zero stays zero).
    """
    weights = np.where(ids > 0, relevance, 0.0)
    vectors = np.einsum("dw,dwk->dk", weights, embedding[ids])
    norm = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norm > 0, norm, 1.0)


def explanatory_power(vectors: np.ndarray, y: np.ndarray, *,
                      ks: Sequence[int] = (1, 3, 5, 10, 20, 50), n_splits: int = 5,
                      seed: int = 0) -> dict:
    """KNN accuracy on summary vectors as a function of K; EPI = its maximum.

    Parameters
    ----------
    vectors : ndarray, shape (n_docs, n_dims)
        Summary vectors (:func:`summary_vectors`).
    y : ndarray of int, shape (n_docs,)
        Classes.
    ks : sequence of int
        Neighbourhood sizes (those ≥ half the documents are skipped).
    n_splits : int
        Random stratified halves (fit on one, score the other).
    seed : int
        Seed of the splits.

    Returns
    -------
    result : dict
        ``k`` (list), ``accuracy`` (mean over splits, per K), ``epi`` (max),
        ``best_k``.
    """
    from sklearn.model_selection import StratifiedShuffleSplit
    from sklearn.neighbors import KNeighborsClassifier

    splitter = StratifiedShuffleSplit(n_splits=n_splits, test_size=0.5,
                                      random_state=seed)
    ks = [int(k) for k in ks if k < len(y) // 2] or [1]
    scores = np.zeros((n_splits, len(ks)))
    for s, (fit, score) in enumerate(splitter.split(vectors, y)):
        for j, k in enumerate(ks):
            knn = KNeighborsClassifier(n_neighbors=k).fit(vectors[fit], y[fit])
            scores[s, j] = knn.score(vectors[score], y[score])
    accuracy = scores.mean(0)
    best = int(np.argmax(accuracy))
    return {"k": ks, "accuracy": accuracy.tolist(), "epi": float(accuracy[best]),
            "best_k": ks[best]}
