"""DeepBind-style CNN: convolution → ReLU → global max-pool → dense.

Each convolution filter is a motif detector (a PWM-like ``(4, kernel_size)``
weight matrix) scanned along the sequence; global max-pooling keeps its best
match anywhere in the sequence; a linear layer weighs the detectors into the
two class scores (background, bound).

References
----------
.. [1] Alipanahi, B., Delong, A., Weirauch, M. T. & Frey, B. J. (2015).
   Predicting the sequence specificities of DNA- and RNA-binding proteins by
   deep learning. Nature Biotechnology 33, 831–838.
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path

import torch
from torch import nn

from .._check import check_positive, validate_type
from .._io import atomic_path

__all__ = ["DeepBind", "load_deepbind", "save_deepbind"]


class DeepBind(nn.Module):
    """Motif-scanning CNN on one-hot DNA.

    Parameters
    ----------
    n_filters : int
        Number of convolution filters (motif detectors).
    kernel_size : int
        Filter width in base pairs.
    dropout : float
        Dropout before the dense layer (training only).

    Notes
    -----
    Input ``(n_sequences, 4, length)`` with ``length >= kernel_size``; output
    ``(n_sequences, 2)`` logits (class 1 = bound).
    """

    def __init__(self, n_filters: int = 32, kernel_size: int = 15, dropout: float = 0.1):
        super().__init__()
        for value, name in ((n_filters, "n_filters"), (kernel_size, "kernel_size")):
            validate_type(value, numbers.Integral, name)
            check_positive(value, name)
        self.build_args = {"n_filters": int(n_filters), "kernel_size": int(kernel_size),
                           "dropout": float(dropout)}
        self.conv = nn.Conv1d(4, n_filters, kernel_size)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveMaxPool1d(1)
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(n_filters, 2)
        self.n_outputs = 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return self.dense(self.dropout(self.flatten(self.pool(self.relu(self.conv(x))))))


def save_deepbind(model: DeepBind, path: str | os.PathLike, **extra) -> Path:
    """Save weights and build arguments (and ``extra`` metadata), atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save({"build_args": model.build_args, "state_dict": model.state_dict(),
                    "extra": extra}, tmp)
    return path


def load_deepbind(path: str | os.PathLike) -> DeepBind:
    """The model saved by :func:`save_deepbind`, in eval mode, on the CPU."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    model = DeepBind(**blob["build_args"])
    model.load_state_dict(blob["state_dict"])
    return model.eval()
