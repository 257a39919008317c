"""The two text classifiers: TF-IDF + linear SVM, and a 1-D CNN on word embeddings.

Both follow Arras et al. (2016, 2017):

- :class:`LinearTextModel` is a linear SVM (scikit-learn ``LinearSVC``) on
  TF-IDF bag-of-words vectors. It is stored as plain arrays (coefficients,
  intercepts, idf) and applied to token-id arrays, so that deleting a word
  (id → 0) and explaining it are exact array operations.
- :class:`TextCNN` maps an embedded document ``(n_docs, n_dims, n_words)`` to
  class scores: parallel convolutions of widths 1–3 over the word axis, ReLU,
  max-pooling over time, dropout and a dense layer. Taking the embedded document
  (not token ids) as input lets LRP reach the embeddings.

References
----------
.. [1] Arras, L. et al. (2016). Explaining predictions of non-linear classifiers
   in NLP. Rep4NLP workshop, ACL.
.. [2] Arras, L. et al. (2017). "What is relevant in a text document?": an
   interpretable machine learning approach. PLoS ONE 12(8), e0181142.
.. [3] Kim, Y. (2014). Convolutional neural networks for sentence
   classification. EMNLP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy import sparse
from torch import nn

from .tokenize import tokenize

__all__ = ["LinearTextModel", "TextCNN", "fit_svm", "select_svm_C"]


@dataclass(frozen=True)
class LinearTextModel:
    """A fitted linear SVM on TF-IDF vectors, applied to token ids.

    Attributes
    ----------
    coef : ndarray, shape (n_classes, n_words)
        Weight of each vocabulary word (column ``i`` is token id ``i + 1``).
    intercept : ndarray, shape (n_classes,)
    idf : ndarray, shape (n_words,)
    sublinear_tf : bool
        ``1 + log(tf)`` term frequencies (as in ``TfidfVectorizer``).
    """

    coef: np.ndarray
    intercept: np.ndarray
    idf: np.ndarray
    sublinear_tf: bool

    def counts(self, ids: np.ndarray) -> sparse.csr_matrix:
        """Term counts, shape (n_docs, n_words), of id arrays (id 0 ignored)."""
        ids = np.asarray(ids)
        rows = np.repeat(np.arange(ids.shape[0]), ids.shape[1])
        cols = ids.ravel().astype(np.int64)
        keep = cols > 0
        counts = sparse.csr_matrix(
            (np.ones(keep.sum()), (rows[keep], cols[keep] - 1)),
            shape=(ids.shape[0], self.coef.shape[1]),
        )
        counts.sum_duplicates()
        return counts

    def tfidf(self, counts: sparse.spmatrix) -> sparse.csr_matrix:
        """L2-normalised TF-IDF vectors of term counts (``TfidfVectorizer``'s)."""
        counts = sparse.csr_matrix(counts, dtype=np.float64, copy=True)
        if self.sublinear_tf:
            counts.data = 1.0 + np.log(counts.data)
        tfidf = counts.multiply(self.idf[None, :]).tocsr()
        norm = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(1))).ravel()
        norm[norm == 0] = 1.0
        return (sparse.diags(1.0 / norm) @ tfidf).tocsr()

    def features(self, ids: np.ndarray) -> sparse.csr_matrix:
        """TF-IDF vectors, shape (n_docs, n_words), of id arrays (n_docs, n_words)."""
        return self.tfidf(self.counts(ids))

    def decision_function(self, ids: np.ndarray) -> np.ndarray:
        """Class scores, shape (n_docs, n_classes), of id arrays (n_docs, n_words)."""
        return np.asarray(self.features(ids) @ self.coef.T) + self.intercept

    __call__ = decision_function

    def decision_function_texts(self, texts: Sequence[str], words: Sequence[str],
                                ) -> np.ndarray:
        """Class scores of raw texts (no length cap), shape (n_docs, n_classes)."""
        from sklearn.feature_extraction.text import CountVectorizer

        vectorizer = CountVectorizer(analyzer=tokenize,
                                     vocabulary={w: i for i, w in enumerate(words)})
        X = self.tfidf(vectorizer.transform(texts))
        return np.asarray(X @ self.coef.T) + self.intercept

    def save(self, path) -> None:
        """Write the arrays to an ``.npz`` file (atomically)."""
        from .._io import atomic_path

        with atomic_path(path, suffix=".npz") as tmp:
            np.savez_compressed(tmp, coef=self.coef, intercept=self.intercept,
                                idf=self.idf, sublinear_tf=self.sublinear_tf)

    @classmethod
    def load(cls, path) -> LinearTextModel:
        """Read a model written by :meth:`save`."""
        with np.load(path) as f:
            return cls(f["coef"], f["intercept"], f["idf"], bool(f["sublinear_tf"]))


def fit_svm(docs: Sequence[str], y: np.ndarray, words: Sequence[str], *,
            C: float = 0.5, sublinear_tf: bool = True) -> LinearTextModel:
    """Fit TF-IDF + ``LinearSVC`` on raw documents over a fixed vocabulary.

    Parameters
    ----------
    docs : list of str, n_docs
        Training texts.
    y : ndarray of int, shape (n_docs,)
        Classes.
    words : sequence of str
        The vocabulary (:class:`~eegxai.text.vocabulary.Vocabulary` words).
    C : float
        SVM regularisation (one-vs-rest squared hinge loss).
    sublinear_tf : bool
        Use ``1 + log(tf)``.

    Returns
    -------
    model : LinearTextModel
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(analyzer=tokenize, sublinear_tf=sublinear_tf,
                                 vocabulary={w: i for i, w in enumerate(words)})
    X = vectorizer.fit_transform(docs)
    svm = LinearSVC(C=C).fit(X, y)
    coef, intercept = svm.coef_, svm.intercept_
    if coef.shape[0] == 1:  # binary LinearSVC: one score for class 1
        coef, intercept = np.vstack([-coef, coef]) / 2, np.r_[-intercept, intercept] / 2
    return LinearTextModel(coef.astype(np.float64), intercept.astype(np.float64),
                           vectorizer.idf_.astype(np.float64), sublinear_tf)


def select_svm_C(docs: Sequence[str], y: np.ndarray, words: Sequence[str], *,
                 C_grid: Sequence[float], n_folds: int = 3, sublinear_tf: bool = True,
                 seed: int = 0) -> tuple[float, list[dict]]:
    """Choose the SVM's ``C`` by stratified k-fold CV on the training documents.

    The TF-IDF weights (idf) are refitted inside every fold (a scikit-learn
    ``Pipeline`` of ``TfidfTransformer`` and ``LinearSVC`` on term counts), so no
    fold sees its validation documents; ties go to the smaller ``C``.

    Parameters
    ----------
    docs : list of str, n_docs
        Training texts (never the test split).
    y : ndarray of int, shape (n_docs,)
        Classes.
    words : sequence of str
        The vocabulary.
    C_grid : sequence of float
        Candidate values.
    n_folds : int
        CV folds.
    sublinear_tf : bool
        Use ``1 + log(tf)``.
    seed : int
        Seed of the fold assignment.

    Returns
    -------
    C : float
        The value with the best mean validation accuracy.
    table : list of dict
        Per candidate: ``C``, ``mean_accuracy``, ``std_accuracy``, ``fold_accuracy``.
    """
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    counts = CountVectorizer(analyzer=tokenize,
                             vocabulary={w: i for i, w in enumerate(words)}
                             ).transform(docs)
    pipe = Pipeline([("tfidf", TfidfTransformer(sublinear_tf=sublinear_tf)),
                     ("svm", LinearSVC())])
    search = GridSearchCV(pipe, {"svm__C": sorted(float(c) for c in C_grid)},
                          cv=StratifiedKFold(n_folds, shuffle=True, random_state=seed),
                          scoring="accuracy", n_jobs=1).fit(counts, y)
    res = search.cv_results_
    table = [{"C": float(res["param_svm__C"][i]),
              "mean_accuracy": float(res["mean_test_score"][i]),
              "std_accuracy": float(res["std_test_score"][i]),
              "fold_accuracy": [float(res[f"split{k}_test_score"][i])
                                for k in range(n_folds)]}
             for i in range(len(res["params"]))]
    best = max(table, key=lambda row: (round(row["mean_accuracy"], 10), -row["C"]))
    return best["C"], table


class TextCNN(nn.Module):
    """1-D CNN over embedded words (Kim 2014; Arras et al. 2016).

    Parameters
    ----------
    n_classes : int
    n_dims : int
        Embedding size (50 for GloVe 6B 50d).
    n_filters : int
        Filters per width.
    widths : sequence of int
        Filter widths in words (one convolution per width).
    dropout : float

    Notes
    -----
    Input ``(n_docs, n_dims, n_words)``, output ``(n_docs, n_classes)`` raw
    scores, the same for any amount of zero padding on the right (see
    ``__init__``); the only bias is the dense layer's. Every module has an LRP rule in :mod:`eegxai.explain`: Conv1d and
    Linear (ε), ReLU (pass), AdaptiveMaxPool1d (winner takes all), Dropout and
    Flatten (identity).
    """

    def __init__(self, n_classes: int, n_dims: int = 50, n_filters: int = 100,
                 widths: Sequence[int] = (1, 2, 3), dropout: float = 0.5):
        super().__init__()
        self.n_outputs = n_classes
        self.widths = tuple(int(w) for w in widths)
        # no bias and full padding (w - 1 zeros on both sides): a window of
        # padding then scores exactly 0 <= any ReLU output, so extra padding (or
        # trimming it) never changes the max-pool, and every word, even the first
        # and last, is seen by every filter position
        self.convs = nn.ModuleList(nn.Conv1d(n_dims, n_filters, w, padding=w - 1,
                                             bias=False) for w in self.widths)
        self.relus = nn.ModuleList(nn.ReLU() for _ in self.widths)
        self.pools = nn.ModuleList(nn.AdaptiveMaxPool1d(1) for _ in self.widths)
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(n_filters * len(self.widths), n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores of embedded documents ``(n_docs, n_dims, n_words)``."""
        pooled = [pool(relu(conv(x)))
                  for conv, relu, pool in zip(self.convs, self.relus, self.pools,
                                              strict=True)]
        return self.dense(self.dropout(self.flatten(torch.cat(pooled, dim=1))))
