"""Word relevance of both text models, one value per token position.

- **CNN** — LRP (via :func:`eegxai.explain.explain`, ε rule on the convolutions
  and the dense layer, winner-takes-all through max-pooling) and sensitivity
  ``(∂f/∂x)²`` on the embedded document ``(n_docs, n_dims, n_words)``, summed
  over the embedding dimensions per word (Arras et al. 2016, sec. 3). With LRP,
  ``Σ_words R + bias share = logit`` (the bias share is what the biases and
  stabilisers absorb, returned by ``explain(..., return_bias_relevance=True)``).
- **Linear SVM** — LRP of a linear model is exact: ``f_c(x) = Σ_w W_cw x_w + b_c``
  gives ``R_w = W_cw x_w`` and a bias share ``b_c`` (Bach et al. 2015, sec. 3).
  A word occurring ``n`` times gives each occurrence ``R_w / n``, so relevance
  lives on token positions like the CNN's. Sensitivity: ``(∂f_c/∂x_w)² = W_cw²``.

All relevance is for ``target`` (the class being explained, one per document).

References
----------
.. [1] Arras, L. et al. (2016). Explaining predictions of non-linear classifiers
   in NLP. Rep4NLP workshop, ACL.
.. [2] Bach, S. et al. (2015). On pixel-wise explanations for non-linear
   classifier decisions by layer-wise relevance propagation. PLoS ONE 10(7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._check import check_option
from .models import LinearTextModel, TextCNN
from .vocabulary import embed

__all__ = ["METHODS", "WordRelevance", "cnn_word_relevance", "svm_word_relevance",
           "word_relevance"]

#: Word-relevance methods.
METHODS = ("lrp", "sensitivity")


@dataclass(frozen=True)
class WordRelevance:
    """Relevance per token position.

    Attributes
    ----------
    relevance : ndarray, shape (n_docs, n_words)
        Zero at padding positions (id 0).
    bias : ndarray, shape (n_docs,)
        Share of the score not given to any word (LRP; zeros for sensitivity).
    score : ndarray, shape (n_docs,)
        The model's raw score for ``target``.
    """

    relevance: np.ndarray
    bias: np.ndarray
    score: np.ndarray


def _check(method, ids, target):
    check_option("method", method, METHODS)
    ids = np.asarray(ids)
    target = np.asarray(target, dtype=np.int64)
    if ids.ndim != 2 or target.shape != (ids.shape[0],):
        raise ValueError(
            "'ids' must have shape (n_docs, n_words) and 'target' shape (n_docs,), "
            f"but got {ids.shape} and {target.shape} instead."
        )
    return ids, target


def svm_word_relevance(model: LinearTextModel, ids, target, *, method: str = "lrp",
                       ) -> WordRelevance:
    """Closed-form word relevance of the linear SVM (see module docstring).

    Parameters
    ----------
    model : LinearTextModel
        The fitted SVM.
    ids : ndarray of int, shape (n_docs, n_words)
        Token ids (0 = no word).
    target : ndarray of int, shape (n_docs,)
        Class explained per document.
    method : {"lrp", "sensitivity"}
        Relevance method.
    """
    ids, target = _check(method, ids, target)
    X = model.features(ids)
    rows = np.repeat(np.arange(ids.shape[0]), ids.shape[1]).reshape(ids.shape)
    cols = np.clip(ids.astype(np.int64) - 1, 0, None)
    weight = model.coef[target[:, None], cols]
    word = ids > 0
    if method == "lrp":
        value = np.asarray(X[rows.ravel(), cols.ravel()]).reshape(ids.shape)
        counts = np.zeros_like(value)
        for d in range(ids.shape[0]):  # occurrences of each word in its document
            _, inverse, n = np.unique(ids[d], return_inverse=True, return_counts=True)
            counts[d] = n[inverse]
        relevance = np.where(word, weight * value / counts, 0.0)
        bias = model.intercept[target]
    else:
        relevance = np.where(word, weight**2, 0.0)
        bias = np.zeros(len(target))
    score = model.decision_function(ids)[np.arange(len(target)), target]
    return WordRelevance(relevance, bias, score)


def cnn_word_relevance(model: TextCNN, ids, target, embedding: np.ndarray, *,
                       method: str = "lrp", composite: str = "epsilon",
                       batch_size: int = 128) -> WordRelevance:
    """Word relevance of the CNN through :func:`eegxai.explain.explain`.

    Parameters
    ----------
    model : TextCNN
        The trained CNN.
    ids : ndarray of int, shape (n_docs, n_words)
        Token ids (0 = no word).
    target : ndarray of int, shape (n_docs,)
        Class explained per document.
    embedding : ndarray, shape (n_ids, n_dims)
        Word vector per id (the CNN's tuned table).
    method : {"lrp", "sensitivity"}
        Relevance method.
    composite : str
        LRP composite (:data:`eegxai.explain.COMPOSITES`).
    batch_size : int
        Documents embedded and explained at once (bounds memory).
    """
    import torch

    from ..explain import explain

    ids, target = _check(method, ids, target)
    min_words = max(model.widths)
    relevance = np.zeros(ids.shape)
    bias, score = np.zeros(len(target)), np.zeros(len(target))
    for start in range(0, len(ids), batch_size):
        sl = slice(start, start + batch_size)
        n_used = max(int((ids[sl] > 0).sum(1).max(initial=0)), min_words)
        chunk = ids[sl, :n_used]
        if chunk.shape[1] < min_words:
            chunk = np.pad(chunk, ((0, 0), (0, min_words - chunk.shape[1])))
        X = embed(chunk, embedding)
        if method == "lrp":
            R, bias[sl] = explain(model, X, method="lrp", composite=composite,
                                  target=target[sl], device="cpu",
                                  return_bias_relevance=True)
        else:
            R = explain(model, X, method="sensitivity", target=target[sl], device="cpu")
        with torch.no_grad():
            out = model.eval()(torch.as_tensor(X)).numpy()
        score[sl] = out[np.arange(len(X)), target[sl]]
        n_keep = min(n_used, ids.shape[1])
        relevance[sl, :n_keep] = R.sum(1)[:, :n_keep]
    # padding (zero embedding) gets no LRP relevance by construction; the
    # gradient there is not zero, but there is no word to be sensitive to
    relevance[ids == 0] = 0.0
    return WordRelevance(relevance, bias, score)


def word_relevance(model, ids, target, *, method: str = "lrp",
                   embedding: np.ndarray | None = None, composite: str = "epsilon",
                   ) -> WordRelevance:
    """Dispatch on the model type: :class:`LinearTextModel` or :class:`TextCNN`."""
    if isinstance(model, LinearTextModel):
        return svm_word_relevance(model, ids, target, method=method)
    if embedding is None:
        raise ValueError("'embedding' is required to explain a TextCNN.")
    return cnn_word_relevance(model, ids, target, embedding, method=method,
                              composite=composite)
