"""Pixel flipping on digits: MoRF AOPC per heatmap method vs LeRF and random.

Patches of ``patch``×``patch`` pixels are set to black (0, the MNIST
background) in the order a heatmap ranks them, using the core's
:func:`eegxai.evaluate.perturbation_curve` over patch groups. The random order
is repeated with several seeds; their spread says how large a difference
between methods must be to mean something.

References
----------
.. [1] Samek, W. et al. (2017). Evaluating the visualization of what a deep
   neural network has learned. IEEE TNNLS 28(11), 2660–2673.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .heatmaps import patch_groups

__all__ = ["paired_difference", "pixel_flipping"]


def pixel_flipping(model, X, maps: Mapping[str, np.ndarray], *, patch: int = 4,
                   n_steps: int = 20, n_random: int = 5, n_boot: int = 200,
                   seed: int = 0) -> dict:
    """Perturbation curves and AOPC of every heatmap, LeRF and random orders.

    Parameters
    ----------
    model : torch.nn.Module
        Image classifier.
    X : ndarray, shape (n_images, 1, side, side)
        Images (explained for their predicted class).
    maps : mapping of str to ndarray, each of shape (n_images, side, side)
        Heatmaps by method.
    patch, n_steps : int
        Patch side and number of perturbation steps.
    n_random : int
        Seeds of the random order.
    n_boot : int
        Bootstrap resamples of the images for the spread of each AOPC.
    seed : int
        First seed of the random orders and of the bootstrap.

    Returns
    -------
    result : dict
        ``curves``: ``"method|order"`` → ``{"fraction", "curve"}`` (as the
        EEG report's perturbation figure takes them); ``aopc``: method →
        ``{"morf", "lerf", "morf_boot_sd"}``; ``random``: ``{"aopc": [...],
        "mean", "sd"}`` over the seeds; ``morf_per_image``: method → MoRF AOPC
        of every image, shape (n_images,) (for paired comparisons).
    """
    from ..evaluate import aopc, perturbation_curve
    from .training import predict_image_logits

    target = predict_image_logits(model, X).argmax(1)
    groups = patch_groups(X.shape[-1], patch)
    common = {"groups": groups, "target": target, "n_steps": n_steps,
              "baseline": 0.0, "device": "cpu"}
    rng = np.random.default_rng(seed)
    boot = rng.integers(0, len(X), size=(n_boot, len(X)))
    curves, table, per_image = {}, {}, {}
    for name, relevance in maps.items():
        rel = np.asarray(relevance, dtype=np.float32).reshape(X.shape)
        entry = {}
        for order in ("morf", "lerf"):
            res = perturbation_curve(model, X, rel, order=order, **common)
            curves[f"{name}|{order}"] = {"fraction": res["fraction"], "curve": res["curve"]}
            entry[order] = res["aopc"]
            if order == "morf":
                entry["morf_boot_sd"] = float(np.std([aopc(res["logits"][b]) for b in boot]))
                per_image[name] = (res["logits"][:, :1] - res["logits"]).mean(axis=1)
        table[name] = entry
    random_aopc = []
    for k in range(n_random):
        res = perturbation_curve(model, X, np.zeros_like(X), order="random",
                                 seed=seed + k, **common)
        random_aopc.append(res["aopc"])
        if k == 0:
            curves["random|random"] = {"fraction": res["fraction"], "curve": res["curve"]}
    return {"curves": curves, "aopc": table, "morf_per_image": per_image,
            "random": {"aopc": random_aopc, "mean": float(np.mean(random_aopc)),
                       "sd": float(np.std(random_aopc))}}


def paired_difference(a, b, *, n_boot: int = 1000, seed: int = 0) -> dict:
    """Mean of ``a − b`` over images and its paired-bootstrap standard deviation.

    Parameters
    ----------
    a, b : ndarray, shape (n_images,)
        Per-image AOPC of two methods on the same images.
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of the resampling.

    Returns
    -------
    difference : dict
        ``"mean"`` and ``"sd"`` (bootstrap over images, resampled in pairs).
    """
    diff = np.asarray(a, float) - np.asarray(b, float)
    rng = np.random.default_rng(seed)
    boot = diff[rng.integers(0, len(diff), size=(n_boot, len(diff)))].mean(axis=1)
    return {"mean": float(diff.mean()), "sd": float(boot.std())}
