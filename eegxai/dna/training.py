"""Training and evaluation of the DeepBind-style CNN.

A plain seeded Adam loop with early stopping on a validation split: the
braindecode training of :func:`eegxai.training.fit_model` builds EEG models by
name, so the loop is repeated here for a model passed in; seeding
(:func:`eegxai.training.seeded`) and batched prediction
(:func:`eegxai.training.predict_logits`) are shared.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

from .._check import check_positive, check_range, validate_type
from .._device import resolve_device
from ..splits import train_valid_split
from ..training import predict_logits, seeded
from .model import DeepBind

__all__ = ["auroc", "fit_deepbind", "predict_bound"]


def fit_deepbind(X, y, *, n_filters=32, kernel_size=15, dropout=0.1, n_epochs=30,
                 batch_size=64, lr=1e-3, weight_decay=1e-4, patience=5,
                 valid_fraction=0.15, seed=0, device="cpu") -> tuple[DeepBind, list]:
    """Train a :class:`~eegxai.dna.model.DeepBind` network.

    Parameters
    ----------
    X : ndarray, shape (n_sequences, 4, length)
        One-hot sequences.
    y : ndarray of int, shape (n_sequences,)
        1 = bound, 0 = background.
    n_filters, kernel_size, dropout
        Architecture (:class:`~eegxai.dna.model.DeepBind`).
    n_epochs, batch_size, lr, weight_decay, patience, valid_fraction
        Adam with weight decay; stop after ``patience`` epochs without a lower
        validation loss and keep the best epoch.
    seed : int
        Seeds weights, validation split and batch order.
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"``.

    Returns
    -------
    model : DeepBind
        Best validation epoch, eval mode, on the CPU.
    history : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``valid_loss``, ``valid_auroc``.
    """
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    for value, name in ((n_epochs, "n_epochs"), (batch_size, "batch_size"),
                        (patience, "patience")):
        validate_type(value, numbers.Integral, name)
        check_positive(value, name)
    check_range(valid_fraction, "valid_fraction", 0.01, 0.5)
    dev = resolve_device(device)
    fit_idx, valid_idx = train_valid_split(y, valid_fraction, seed)
    with seeded(int(seed)):
        net = DeepBind(n_filters, kernel_size, dropout).to(dev)
        opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
        Xf = torch.as_tensor(X[fit_idx], device=dev)
        yf = torch.as_tensor(y[fit_idx], device=dev)
        gen = torch.Generator().manual_seed(int(seed))
        best, best_state, wait, history = np.inf, None, 0, []
        for epoch in range(1, n_epochs + 1):
            net.train()
            order = torch.randperm(len(Xf), generator=gen).to(dev)
            total = 0.0
            for b in range(0, len(order), batch_size):
                idx = order[b : b + batch_size]
                loss = F.cross_entropy(net(Xf[idx]), yf[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
            logits = predict_logits(net, X[valid_idx], device=dev)
            valid_loss = float(F.cross_entropy(torch.as_tensor(logits),
                                               torch.as_tensor(y[valid_idx])))
            history.append({"epoch": epoch, "train_loss": total / len(Xf),
                            "valid_loss": valid_loss,
                            "valid_auroc": auroc(y[valid_idx], _score(logits))})
            if valid_loss < best:
                best, best_state, wait = valid_loss, copy.deepcopy(net.state_dict()), 0
            else:
                wait += 1
                if wait >= patience:
                    break
        net.load_state_dict(best_state)
    return net.cpu().eval(), history


def _score(logits: np.ndarray) -> np.ndarray:
    return logits[:, 1] - logits[:, 0]


def predict_bound(model, X, *, device="cpu") -> np.ndarray:
    """Binding score (logit difference bound − background), shape (n_sequences,)."""
    return _score(predict_logits(model, np.asarray(X, np.float32), device=device))


def auroc(y, score) -> float:
    """Area under the ROC curve of ``score`` for labels ``y`` (1 = bound)."""
    return float(roc_auc_score(np.asarray(y), np.asarray(score)))
