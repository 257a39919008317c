"""Sliding-window scanning of large images ("skanowanie dużych obrazków").

A canvas holds a few digits at seeded random positions. A crop classifier
(digit classes + one *background* class) is applied to every window at a
stride, giving one class-evidence map per class. LRP explains every window for
a class; the window heatmaps, added at their positions, form one canvas map.
Because placing is a sum, relevance is conserved: the canvas map's total plus
the relevance the biases absorbed equals the sum of the explained window
logits (:func:`canvas_relevance` returns all three).

References
----------
.. [1] Bach, S. et al. (2015). On pixel-wise explanations for non-linear
   classifier decisions by layer-wise relevance propagation. PLoS ONE 10(7).
.. [2] Sermanet, P. et al. (2014). OverFeat: integrated recognition,
   localization and detection using convolutional networks. ICLR.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .._check import check_array, check_random_state, validate_type

__all__ = ["Canvases", "canvas_relevance", "crop_training_set", "make_canvases",
           "scan", "window_positions"]


@dataclass(frozen=True)
class Canvases:
    """Seeded canvases with planted digits.

    Attributes
    ----------
    images : ndarray of float32, shape (n_canvases, 1, side, side)
    labels : ndarray of int, shape (n_canvases, n_digits)
        Class of every planted digit (distinct within a canvas).
    corners : ndarray of int, shape (n_canvases, n_digits, 2)
        Top-left (row, column) of every planted digit's box.
    digit_side : int
        Side of a digit's box.
    """

    images: np.ndarray
    labels: np.ndarray
    corners: np.ndarray
    digit_side: int

    def box_masks(self) -> np.ndarray:
        """Boolean boxes of the digits, shape (n_canvases, n_digits, side, side)."""
        n, k = self.labels.shape
        side = self.images.shape[-1]
        masks = np.zeros((n, k, side, side), dtype=bool)
        for i in range(n):
            for j, (r, c) in enumerate(self.corners[i]):
                masks[i, j, r:r + self.digit_side, c:c + self.digit_side] = True
        return masks


def _positions(rng, side: int, digit: int, n_digits: int, tries: int = 1000):
    """Top-left corners of non-overlapping ``digit``-boxes in a ``side`` canvas."""
    for _ in range(tries):
        corners = rng.integers(0, side - digit + 1, size=(n_digits, 2))
        gaps = np.abs(corners[:, None, :] - corners[None, :, :]).max(axis=2)
        if (gaps[np.triu_indices(n_digits, 1)] >= digit).all():
            return corners
    raise ValueError(f"{n_digits} digits of side {digit} do not fit on a {side} canvas.")


def make_canvases(X, y, *, n_canvases: int = 10, side: int = 84, n_digits: int = 3,
                  seed: int | None = 0) -> Canvases:
    """Place digits at seeded random, non-overlapping positions on blank canvases.

    Parameters
    ----------
    X : ndarray, shape (n_images, 1, digit_side, digit_side)
        Pool of digits.
    y : ndarray of int, shape (n_images,)
        Their labels.
    n_canvases, side, n_digits : int
        How many canvases, their side, digits per canvas (distinct classes).
    seed : int | None
        Seed of digits and positions.

    Returns
    -------
    canvases : Canvases
    """
    X = check_array(X, "X", ndim=4, dtype=np.float32)
    y = np.asarray(y)
    for value, key in ((n_canvases, "n_canvases"), (side, "side"), (n_digits, "n_digits")):
        validate_type(value, numbers.Integral, key)
        if value < 1:
            raise ValueError(f"{key!r} must be >= 1, but got {value!r} instead.")
    classes = np.unique(y)
    if n_digits > len(classes):
        raise ValueError(f"'n_digits' must be <= {len(classes)} (distinct classes), "
                         f"but got {n_digits}.")
    rng = check_random_state(seed)
    digit = X.shape[-1]
    images = np.zeros((n_canvases, 1, side, side), dtype=np.float32)
    labels = np.zeros((n_canvases, n_digits), dtype=np.int64)
    corners = np.zeros((n_canvases, n_digits, 2), dtype=np.int64)
    for i in range(n_canvases):
        labels[i] = rng.choice(classes, size=n_digits, replace=False)
        corners[i] = _positions(rng, side, digit, n_digits)
        for label, (r, c) in zip(labels[i], corners[i], strict=True):
            pick = rng.choice(np.flatnonzero(y == label))
            box = images[i, :, r:r + digit, c:c + digit]
            np.maximum(box, X[pick], out=box)
    return Canvases(images, labels, corners, digit)


def window_positions(side: int, window: int, stride: int) -> np.ndarray:
    """Top-left corners of all windows, shape (n_rows * n_cols, 2), row-major."""
    starts = np.arange(0, side - window + 1, stride)
    return np.stack(np.meshgrid(starts, starts, indexing="ij"), axis=-1).reshape(-1, 2)


def _windows(image: np.ndarray, positions: np.ndarray, window: int) -> np.ndarray:
    return np.stack([image[:, r:r + window, c:c + window] for r, c in positions])


def crop_training_set(X, y, *, n_background: int, canvas_side: int = 84,
                      max_jitter: int = 2, min_offset: int = 10,
                      seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Training crops: jittered digits (their class) and background windows.

    Background (class ``n_classes``, i.e. 10 for digits) = windows of canvases
    made from ``X`` whose offset to every planted digit is at least
    ``min_offset`` pixels along some axis: empty space and cut digits.
    Windows with offsets in between are ambiguous and left out.

    Parameters
    ----------
    X : ndarray, shape (n_images, 1, side, side)
        Training digits.
    y : ndarray of int, shape (n_images,)
        Labels ``0..n_classes-1``.
    n_background : int
        Number of background crops.
    canvas_side, max_jitter, min_offset : int
        Canvas side, digit jitter (pixels) and the background offset.
    seed : int | None
        Seed.

    Returns
    -------
    X_crops : ndarray of float32, shape (n_images + n_background, 1, side, side)
    y_crops : ndarray of int64, shape (n_images + n_background,)
    """
    X = check_array(X, "X", ndim=4, dtype=np.float32)
    rng = check_random_state(seed)
    side = X.shape[-1]
    pad = np.pad(X, ((0, 0), (0, 0), (max_jitter,) * 2, (max_jitter,) * 2))
    shifts = rng.integers(0, 2 * max_jitter + 1, size=(len(X), 2))
    digits = np.stack([p[:, r:r + side, c:c + side] for p, (r, c) in zip(pad, shifts,
                                                                          strict=True)])
    background = []
    while len(background) < n_background:
        canvas = make_canvases(X, y, n_canvases=1, side=canvas_side, n_digits=2,
                               seed=rng)
        for r, c in rng.integers(0, canvas_side - side + 1, size=(8, 2)):
            offsets = np.abs(canvas.corners[0] - [r, c]).max(axis=1)
            if (offsets >= min_offset).all():
                background.append(canvas.images[0, :, r:r + side, c:c + side])
    background = np.stack(background[:n_background])
    n_classes = int(np.max(y)) + 1
    return (np.concatenate([digits, background]).astype(np.float32),
            np.concatenate([np.asarray(y, dtype=np.int64),
                            np.full(len(background), n_classes, dtype=np.int64)]))


def scan(model, images, *, window: int = 28, stride: int = 4) -> np.ndarray:
    """Class probabilities of every window: the class-evidence maps.

    Parameters
    ----------
    model : torch.nn.Module
        Crop classifier on ``(n, 1, window, window)``.
    images : ndarray, shape (n_canvases, 1, side, side)
        Canvases.
    window, stride : int
        Window side and stride.

    Returns
    -------
    evidence : ndarray, shape (n_canvases, n_classes, n_rows, n_cols)
        Softmax probability of every class at every window position.
    """
    from scipy.special import softmax

    from .training import predict_image_logits

    images = check_array(images, "images", ndim=4, dtype=np.float32)
    positions = window_positions(images.shape[-1], window, stride)
    n_side = int(np.sqrt(len(positions)))
    out = []
    for image in images:
        proba = softmax(predict_image_logits(model, _windows(image, positions, window)),
                        axis=1)
        out.append(proba.T.reshape(-1, n_side, n_side))
    return np.stack(out)


def canvas_relevance(model, images, targets, *, window: int = 28, stride: int = 4,
                     weighting: str = "probability", composite: str = "epsilon_plus",
                     **rule_kwargs) -> dict:
    """LRP of every window for one class, aggregated into one canvas map.

    Each window's heatmap is scaled by a weight before it is added at its
    position: its probability for the class (``weighting="probability"``, so
    windows without evidence for the class hardly contribute) or 1
    (``"uniform"``). The logit and bias sums are weighted the same way, so
    conservation holds for either weighting.

    Parameters
    ----------
    model : torch.nn.Module
        Crop classifier.
    images : ndarray, shape (n_canvases, 1, side, side)
        Canvases.
    targets : ndarray of int, shape (n_canvases, n_targets)
        Classes to explain on each canvas (e.g. the planted labels).
    window, stride : int
        Window side and stride.
    weighting : {"probability", "uniform"}
        Weight of each window's heatmap.
    composite : str
        LRP composite (:data:`eegxai.explain.COMPOSITES`).
    **rule_kwargs
        Its rule parameters.

    Returns
    -------
    result : dict
        ``"relevance"`` (n_canvases, n_targets, side, side): canvas maps;
        ``"logit"`` and ``"bias"`` (n_canvases, n_targets): weighted sums over
        windows of the explained logit and of the relevance absorbed by biases,
        so that ``relevance.sum((2, 3)) + bias == logit`` (conservation).
    """
    from scipy.special import softmax

    from .._check import check_option
    from ..explain import explain
    from .training import predict_image_logits

    check_option("weighting", weighting, ("probability", "uniform"))
    images = check_array(images, "images", ndim=4, dtype=np.float32)
    targets = np.asarray(targets, dtype=np.int64)
    n, _, side, _ = images.shape
    positions = window_positions(side, window, stride)
    maps = np.zeros((n, targets.shape[1], side, side))
    logit = np.zeros(targets.shape)
    bias = np.zeros(targets.shape)
    for i, image in enumerate(images):
        crops = _windows(image, positions, window)
        logits = predict_image_logits(model, crops)
        proba = softmax(logits.astype(np.float64), axis=1)
        for j, target in enumerate(targets[i]):
            rel, absorbed = explain(model, crops, method="lrp", composite=composite,
                                    target=int(target), device="cpu",
                                    return_bias_relevance=True, **rule_kwargs)
            weight = proba[:, target] if weighting == "probability" else np.ones(len(rel))
            for (r, c), heat, w in zip(positions, rel[:, 0], weight, strict=True):
                maps[i, j, r:r + window, c:c + window] += w * heat
            logit[i, j] = (weight * logits[:, target]).sum()
            bias[i, j] = (weight * absorbed).sum()
    return {"relevance": maps, "logit": logit, "bias": bias}
