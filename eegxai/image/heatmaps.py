"""Heatmaps of every attribution method for digit images, and what they point at.

:data:`HEATMAP_METHODS` names each heatmap shown by the image study and the
arguments of :func:`eegxai.explain.explain` that make it; nothing is computed
here except the bookkeeping. The bounded-input rule z^B gets the pixel range
of the data (``low=0``, ``high=1``) explicitly.

The lecture's point — sensitivity analysis says what would make the digit more
or less of its class (also where ink is *missing*), LRP says what makes it the
class (the ink that is there) — is measured by :func:`stroke_share`: the share
of positive relevance on the digit's stroke pixels. Uniform relevance gives the
stroke's share of the pixels (its chance level).

References
----------
.. [1] Montavon, G., Samek, W. & Müller, K.-R. (2018). Methods for interpreting
   and understanding deep neural networks. Digital Signal Processing 73, 1–15
   (section 4: sensitivity vs decomposition).
.. [2] Montavon, G. et al. (2017). Explaining nonlinear classification decisions
   with deep Taylor decomposition. Pattern Recognition 65 (z^B rule).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._check import check_array, check_option

__all__ = ["CAM_METHODS", "HEATMAP_METHODS", "PIXEL_RANGE", "heatmaps", "patch_groups",
           "stroke_mask", "stroke_share"]

#: Pixel range of the images (the box of the z^B rule).
PIXEL_RANGE = (0.0, 1.0)

#: Heatmap name → keyword arguments of :func:`eegxai.explain.explain`.
HEATMAP_METHODS: dict[str, dict] = {
    "lrp_epsilon": {"method": "lrp", "composite": "epsilon"},
    "lrp_epsilon_plus": {"method": "lrp", "composite": "epsilon_plus"},
    "lrp_epsilon_alpha2_beta1": {"method": "lrp", "composite": "epsilon_alpha2_beta1"},
    "lrp_zbox": {"method": "lrp", "composite": "epsilon_gamma_box",
                 "low": PIXEL_RANGE[0], "high": PIXEL_RANGE[1]},
    "sensitivity": {"method": "sensitivity"},
    "taylor": {"method": "taylor"},
    "gradient_x_input": {"method": "gradient_x_input"},
    "deconvnet": {"method": "deconvnet"},
    "guided_backprop": {"method": "guided_backprop"},
    "integrated_gradients": {"method": "integrated_gradients", "n_steps": 32},
    # 1×4-pixel strips: see _occlusion_model (no patch occlusion in the core yet)
    "occlusion": {"method": "occlusion", "window": 4},
    # players: non-overlapping patches (patch_groups); absent = black (background 0)
    "shap_patches": {"method": "kernel_shap", "n_samples": 1024},
    # the CNN's last ReLU (index 4 of build_image_model's CNN, 14×14 maps)
    "gradcam": {"method": "gradcam", "layer": "4"},
}

#: Methods explained on the CAM network instead of the CNN.
CAM_METHODS = {"cam": {"method": "cam"}}


def patch_groups(side: int, patch: int) -> np.ndarray:
    """Player id of every pixel: non-overlapping ``patch``×``patch`` squares.

    Returns
    -------
    groups : ndarray of int, shape (1, side, side)
        Row-major patch index (a last partial row/column joins its own patch).
    """
    rows = np.arange(side) // patch
    n_cols = int(rows.max()) + 1
    return (rows[:, None] * n_cols + rows[None, :])[None]


def _occlusion_model(model):
    """``model`` on ``(n, side, side)``: occlusion then runs over rows × column windows."""
    from torch import nn

    return nn.Sequential(nn.Unflatten(1, (1, -1)), model).eval()


def heatmaps(model, X, methods: Sequence[str], *, target=None, cam_model=None,
             patch: int = 4, extra: dict[str, dict] | None = None) -> dict[str, np.ndarray]:
    """One heatmap per image and method.

    Parameters
    ----------
    model : torch.nn.Module
        Image classifier (logits).
    X : ndarray, shape (n_images, 1, side, side)
        Images with pixels in :data:`PIXEL_RANGE`.
    methods : sequence of str
        Names in :data:`HEATMAP_METHODS`, :data:`CAM_METHODS` (these explain
        ``cam_model``) or ``extra``.
    target : None | int | ndarray of int, shape (n_images,)
        Class explained (None: the predicted class).
    cam_model : torch.nn.Module | None
        The CAM network (:func:`~eegxai.image.models.cam_model`), for ``"cam"``.
    patch : int
        Side of the SHAP players (square pixel patches).
    extra : dict | None
        More name → ``explain`` keyword arguments.

    Returns
    -------
    maps : dict of ndarray, each of shape (n_images, side, side)
    """
    from ..explain import explain

    X = check_array(X, "X", ndim=4, dtype=np.float32)
    table = {**HEATMAP_METHODS, **CAM_METHODS, **(extra or {})}
    if target is None:  # the CNN's predicted class, for every method (also CAM)
        from .training import predict_image_logits

        target = predict_image_logits(model, X).argmax(1)
    maps = {}
    for name in methods:
        check_option("methods", name, table)
        kwargs = dict(table[name])
        net, inputs = model, X
        if name in CAM_METHODS:
            if cam_model is None:
                raise ValueError(f"Method {name!r} needs 'cam_model'.")
            net = cam_model
        if kwargs["method"] == "occlusion":
            net, inputs = _occlusion_model(model), X[:, 0]
        if kwargs["method"] in ("kernel_shap", "shapley"):
            kwargs["groups"] = patch_groups(X.shape[-1], patch)
        relevance = explain(net, inputs, target=target, device="cpu", **kwargs)
        maps[name] = np.asarray(relevance, dtype=np.float64).reshape(
            len(X), *X.shape[-2:])
    return maps


def stroke_mask(X, *, threshold: float = 0.5) -> np.ndarray:
    """Stroke pixels: ink brighter than ``threshold``; shape (n_images, side, side)."""
    X = check_array(X, "X", ndim=4)
    return X[:, 0] > threshold


def stroke_share(relevance, X, *, threshold: float = 0.5) -> dict[str, float]:
    """How much of a heatmap lies on the digit's stroke.

    Parameters
    ----------
    relevance : ndarray, shape (n_images, side, side)
        Heatmaps.
    X : ndarray, shape (n_images, 1, side, side)
        The images.
    threshold : float
        Stroke pixels are brighter than this.

    Returns
    -------
    share : dict
        ``"positive"``: mean share of positive relevance on the stroke
        (relevance mass accuracy with the stroke as mask, Arras et al. 2022);
        ``"absolute"``: the same for absolute relevance; ``"chance"``: mean share
        of stroke pixels (the value of uniform relevance).
    """
    from ..evaluate import relevance_mass_accuracy

    relevance = check_array(relevance, "relevance", ndim=3)
    mask = stroke_mask(X, threshold=threshold)
    return {
        "positive": float(np.nanmean(relevance_mass_accuracy(relevance, mask))),
        "absolute": float(np.nanmean(relevance_mass_accuracy(np.abs(relevance), mask))),
        "chance": float(mask.mean()),
    }
