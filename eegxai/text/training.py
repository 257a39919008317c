"""Seeded training of :class:`~eegxai.text.models.TextCNN` on token ids.

The embedding table is a trainable ``nn.Embedding`` initialised with GloVe
(Kim 2014's "non-static" variant) during training only; afterwards the tuned
table is returned with the CNN, and every later step embeds documents with it
and hands the CNN the embedded array, so LRP reaches the embeddings. Row 0 (no
word) is kept at zero. To keep the full 20-class run affordable on two CPU
cores, documents are capped at ``max_words`` tokens (in the ids) and batches
are trimmed to their longest document.

References
----------
.. [1] Kim, Y. (2014). Convolutional neural networks for sentence
   classification. EMNLP.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from .._check import check_positive
from .models import TextCNN

__all__ = ["CNNParams", "fit_cnn", "predict_cnn"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CNNParams:
    """Architecture and optimisation of the CNN (all config keys of ``text.cnn``)."""

    n_filters: int = 100
    widths: tuple[int, ...] = (1, 2, 3)
    dropout: float = 0.5
    n_epochs: int = 5
    batch_size: int = 50
    lr: float = 1e-3
    weight_decay: float = 0.0
    tune_embedding: bool = True

    def __post_init__(self):
        for key in ("n_filters", "n_epochs", "batch_size", "lr"):
            check_positive(getattr(self, key), f"cnn.{key}")
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))

    def as_dict(self) -> dict:
        """Plain dict (for provenance)."""
        return asdict(self)


def _trim(ids: torch.Tensor, min_words: int) -> torch.Tensor:
    """Drop the padding columns every document of the batch shares."""
    length = int((ids > 0).sum(1).max())
    return ids[:, : max(length, min_words)]


def _length_batches(lengths: np.ndarray, batch_size: int, rng) -> list[np.ndarray]:
    """Batches of documents of similar length, in random order.

    Sorting by length (with random tie-breaking) before cutting batches lets
    :func:`_trim` drop most padding: ~2-3x less compute on 20 Newsgroups.
    """
    order = np.lexsort((rng.random(len(lengths)), lengths))
    batches = np.array_split(order, max(1, len(order) // batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def fit_cnn(ids: np.ndarray, y: np.ndarray, embedding: np.ndarray, *,
            params: CNNParams = CNNParams(), seed: int = 0,
            ) -> tuple[TextCNN, np.ndarray, list[dict]]:
    """Train the CNN; return it (eval mode), the tuned embedding and a history.

    Parameters
    ----------
    ids : ndarray of int, shape (n_docs, n_words)
        Token ids (0 = no word).
    y : ndarray of int, shape (n_docs,)
        Classes.
    embedding : ndarray, shape (n_ids, n_dims)
        Initial word vectors (row 0 zero).
    params : CNNParams
        Architecture and optimisation.
    seed : int
        Seed of the initial weights and the batch order.

    Returns
    -------
    model : TextCNN
    embedding : ndarray of float32, shape (n_ids, n_dims)
    history : list of dict
        Per epoch: ``epoch``, ``loss``, ``train_accuracy``, ``seconds``.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n_classes = int(np.max(y)) + 1
    model = TextCNN(n_classes, embedding.shape[1], params.n_filters, params.widths,
                    params.dropout)
    # sparse gradients: an epoch touches a few rows of the ~100k-word table, and a
    # dense Adam step over the whole table would dominate the cost on a CPU
    table = nn.Embedding.from_pretrained(torch.as_tensor(embedding, dtype=torch.float32),
                                         freeze=not params.tune_embedding, padding_idx=0,
                                         sparse=True)
    optimizers = [torch.optim.Adam(model.parameters(), lr=params.lr,
                                   weight_decay=params.weight_decay)]
    if params.tune_embedding:
        optimizers.append(torch.optim.SparseAdam([table.weight], lr=params.lr))
    ids_t, y_t = torch.as_tensor(ids, dtype=torch.long), torch.as_tensor(y, dtype=torch.long)
    min_words = max(params.widths)
    lengths = (np.asarray(ids) > 0).sum(1)
    history = []
    for epoch in range(params.n_epochs):
        model.train()
        start, total, correct = time.perf_counter(), 0.0, 0
        for batch in _length_batches(lengths, params.batch_size, rng):
            xb = table(_trim(ids_t[batch], min_words)).transpose(1, 2)
            out = model(xb)
            loss = nn.functional.cross_entropy(out, y_t[batch])
            for optimizer in optimizers:
                optimizer.zero_grad()
            loss.backward()
            for optimizer in optimizers:
                optimizer.step()
            total += float(loss.detach()) * len(batch)
            correct += int((out.argmax(1) == y_t[batch]).sum())
        history.append({"epoch": epoch + 1, "loss": total / len(y),
                        "train_accuracy": correct / len(y),
                        "seconds": time.perf_counter() - start})
        logger.info("epoch %(epoch)d loss %(loss).4f train acc %(train_accuracy).3f "
                    "(%(seconds).1f s)", history[-1])
    model.eval()
    tuned = table.weight.detach().numpy().astype(np.float32).copy()
    tuned[0] = 0.0
    return model, tuned, history


def predict_cnn(model: TextCNN, ids: np.ndarray, embedding: np.ndarray, *,
                batch_size: int = 256) -> np.ndarray:
    """Class scores, shape (n_docs, n_classes), of token ids (n_docs, n_words)."""
    from .vocabulary import embed

    min_words = max(model.widths)
    ids = np.asarray(ids)
    if ids.shape[1] < min_words:
        ids = np.pad(ids, ((0, 0), (0, min_words - ids.shape[1])))
    outs = []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(ids), batch_size):
            # trailing padding does not change the scores (TextCNN), so drop it
            x = torch.as_tensor(embed(_trim(torch.as_tensor(ids[start:start + batch_size]),
                                            min_words).numpy(), embedding))
            outs.append(model(x).numpy())
    return np.concatenate(outs) if outs else np.zeros((0, model.n_outputs), np.float32)
