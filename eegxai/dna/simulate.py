"""Planted-motif ground truth: random DNA with and without a JASPAR motif.

Negatives are i.i.d. uniform sequences; positives are the same with one motif
instance, sampled base by base from the motif's position probability matrix
(on a random strand), written at a random position. The planted positions are
the ground truth for relevance mass and rank accuracy (Arras et al. 2022).

References
----------
.. [1] Arras, L., Osman, A. & Samek, W. (2022). CLEVR-XAI: a benchmark dataset
   for the ground truth evaluation of neural network explanations. Information
   Fusion 81, 14–40.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._check import check_positive, check_random_state, validate_type
from .sequences import reverse_complement

__all__ = ["plant_motif"]


def plant_motif(ppm, *, n_sequences: int = 2000, length: int = 200,
                positive_fraction: float = 0.5, both_strands: bool = True,
                seed=0) -> dict:
    """Simulated one-hot sequences, a share of them carrying one motif instance.

    Parameters
    ----------
    ppm : ndarray, shape (4, width)
        Position probability matrix (columns sum to 1), rows A, C, G, T.
    n_sequences : int
        Number of sequences.
    length : int
        Sequence length (bp), at least the motif width.
    positive_fraction : float
        Share of sequences with a planted motif.
    both_strands : bool
        Plant the reverse complement in half of the positives.
    seed : int | numpy.random.Generator | None
        Randomness.

    Returns
    -------
    data : dict
        ``X`` (float32, shape (n_sequences, 4, length)), ``y`` (int64, 1 =
        planted), ``mask`` (bool, shape (n_sequences, length): planted
        positions, all False for negatives), ``start`` (int, -1 for negatives).
    """
    ppm = np.asarray(ppm, dtype=float)
    if ppm.ndim != 2 or ppm.shape[0] != 4 or not np.allclose(ppm.sum(axis=0), 1):
        raise ValueError("'ppm' must be a (4, width) matrix whose columns sum to 1.")
    for value, name in ((n_sequences, "n_sequences"), (length, "length")):
        validate_type(value, numbers.Integral, name)
        check_positive(value, name)
    width = ppm.shape[1]
    if length < width:
        raise ValueError(f"'length' ({length}) must be >= the motif width ({width}).")
    rng = check_random_state(seed)
    idx = rng.integers(0, 4, size=(n_sequences, length))
    y = (rng.random(n_sequences) < positive_fraction).astype(np.int64)
    start = np.where(y == 1, rng.integers(0, length - width + 1, n_sequences), -1)
    mask = np.zeros((n_sequences, length), dtype=bool)
    cum = np.cumsum(ppm, axis=0)
    rc_cum = np.cumsum(reverse_complement(ppm), axis=0)
    for i in np.flatnonzero(y):
        table = rc_cum if both_strands and rng.random() < 0.5 else cum
        site = (rng.random(width)[None] > table).sum(axis=0).clip(max=3)
        idx[i, start[i] : start[i] + width] = site
        mask[i, start[i] : start[i] + width] = True
    X = np.eye(4, dtype=np.float32)[idx].transpose(0, 2, 1).copy()
    return {"X": X, "y": y, "mask": mask, "start": start}
