"""Seeded training of :class:`~eegxai.text.models.TextCNN` on token ids.

The embedding table is a trainable ``nn.Embedding`` initialised with GloVe
(Kim 2014's "non-static" variant) during training only; afterwards the tuned
table is returned with the CNN, and every later step embeds documents with it
and hands the CNN the embedded array, so LRP reaches the embeddings. Row 0 (no
word) is kept at zero. To keep the full 20-class run affordable on two CPU
cores, documents are capped at ``max_words`` tokens (in the ids) and batches
are trimmed to their longest document.

Early stopping: a stratified ``val_fraction`` of the *training* split is held
out; after every epoch the CNN is scored on it, and the weights (and table) of
the epoch with the best validation accuracy are returned; training stops after
``patience`` epochs without improvement. The test split is never looked at.

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
    n_epochs: int = 25
    batch_size: int = 50
    lr: float = 2e-3
    weight_decay: float = 0.0
    tune_embedding: bool = True
    val_fraction: float = 0.1
    patience: int = 5
    word_dropout: float = 0.3

    def __post_init__(self):
        for key in ("n_filters", "n_epochs", "batch_size", "lr", "patience"):
            check_positive(getattr(self, key), f"cnn.{key}")
        for key in ("val_fraction", "word_dropout"):
            if not 0.0 <= getattr(self, key) < 1.0:
                raise ValueError(f"'cnn.{key}' must be in [0, 1), "
                                 f"but got {getattr(self, key)!r} instead.")
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


def _validation_split(y: np.ndarray, fraction: float, seed: int,
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (train rows, validation rows) of the training split."""
    if fraction <= 0:
        return np.arange(len(y)), np.arange(0)
    from sklearn.model_selection import train_test_split

    return train_test_split(np.arange(len(y)), test_size=fraction, stratify=y,
                            random_state=seed)


def _accuracy(model: TextCNN, table: nn.Embedding, ids: torch.Tensor, y: torch.Tensor,
              min_words: int, batch_size: int = 256) -> float:
    """Accuracy of the CNN (eval mode) on token ids."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            xb = table(_trim(ids[start:start + batch_size], min_words)).transpose(1, 2)
            correct += int((model(xb).argmax(1) == y[start:start + batch_size]).sum())
    return correct / max(len(y), 1)


def _epoch(model: TextCNN, table: nn.Embedding, optimizers, ids: torch.Tensor,
           y: torch.Tensor, batches, min_words: int, word_dropout: float = 0.0) -> dict:
    """One pass over ``batches``; mean loss and accuracy while training.

    ``word_dropout``: each word of a batch is deleted (id → 0, the zero
    embedding, as in word deletion) with this probability; the network is
    unchanged, so its explanations are too.
    """
    model.train()
    total, correct = 0.0, 0
    for batch in batches:
        xb = _trim(ids[batch], min_words)
        if word_dropout > 0:
            xb = xb.masked_fill(torch.rand(xb.shape) < word_dropout, 0)
        out = model(table(xb).transpose(1, 2))
        loss = nn.functional.cross_entropy(out, y[batch])
        for optimizer in optimizers:
            optimizer.zero_grad()
        loss.backward()
        for optimizer in optimizers:
            optimizer.step()
        total += float(loss.detach()) * len(batch)
        correct += int((out.argmax(1) == y[batch]).sum())
    return {"loss": total / len(y), "train_accuracy": correct / len(y)}


def fit_cnn(ids: np.ndarray, y: np.ndarray, embedding: np.ndarray, *,
            params: CNNParams = CNNParams(), seed: int = 0,
            ) -> tuple[TextCNN, np.ndarray, list[dict]]:
    """Train the CNN; return it (eval mode), the tuned embedding and a history.

    With ``params.val_fraction > 0`` the returned weights are those of the epoch
    with the best accuracy on the held-out share of ``ids`` (early stopping).

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
        Per epoch: ``epoch``, ``loss``, ``train_accuracy``, ``seconds`` and,
        with a validation share, ``val_accuracy`` and ``selected`` (the epoch
        returned).
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
    fit_rows, val_rows = _validation_split(np.asarray(y), params.val_fraction, seed)
    ids_all = torch.as_tensor(np.asarray(ids), dtype=torch.long)
    y_all = torch.as_tensor(np.asarray(y), dtype=torch.long)
    ids_t, y_t = ids_all[fit_rows], y_all[fit_rows]
    min_words = max(params.widths)
    lengths = (ids_t > 0).sum(1).numpy()
    history, best, best_acc = [], None, -1.0
    for epoch in range(params.n_epochs):
        start = time.perf_counter()
        entry = {"epoch": epoch + 1, **_epoch(model, table, optimizers, ids_t, y_t,
                                              _length_batches(lengths, params.batch_size,
                                                              rng), min_words,
                                              params.word_dropout)}
        if len(val_rows):
            entry["val_accuracy"] = _accuracy(model, table, ids_all[val_rows],
                                              y_all[val_rows], min_words)
            if entry["val_accuracy"] > best_acc:
                best_acc, best = entry["val_accuracy"], epoch + 1
                state = ({k: v.clone() for k, v in model.state_dict().items()},
                         table.weight.detach().clone())
        entry["seconds"] = time.perf_counter() - start
        history.append(entry)
        logger.info("epoch %d: %s", epoch + 1, entry)
        if best is not None and epoch + 1 - best >= params.patience:
            break
    if best is not None:  # early stopping: back to the best validation epoch
        model.load_state_dict(state[0])
        with torch.no_grad():
            table.weight.copy_(state[1])
        for entry in history:
            entry["selected"] = entry["epoch"] == best
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
