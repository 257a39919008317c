"""Image classifiers: a small CNN, an MLP, and the CAM network built from the CNN.

All map ``(n_images, 1, side, side)`` to logits ``(n_images, n_classes)`` and
use only layers the LRP composites know (``Conv2d``, ``Linear``, ``ReLU``,
``MaxPool2d``, ``AdaptiveAvgPool2d``, ``Flatten``).

CAM recipe (Zhou et al. 2016, section 2): keep the trained convolutional layers
of the CNN, drop its dense layers, add global average pooling and one linear
layer (softmax in the loss), retrain that head only. Then for class ``c``

    logit_c = Σ_k w_ck mean_ij A_k(i, j) + b_c = mean_ij M_c(i, j) + b_c,

with the class activation map ``M_c(i, j) = Σ_k w_ck A_k(i, j)``.

References
----------
.. [1] Zhou, B. et al. (2016). Learning deep features for discriminative
   localization. CVPR.
.. [2] LeCun, Y. et al. (1998). Gradient-based learning applied to document
   recognition. Proc. IEEE 86(11).
"""

from __future__ import annotations

import copy
import numbers

from torch import nn

from .._check import check_option, validate_type

__all__ = ["CAM_LAYER", "MODELS", "build_image_model", "cam_model", "conv_layers"]

#: Model names accepted by :func:`build_image_model`.
MODELS = ("cnn", "mlp")


def _cnn(side: int, n_classes: int, n_filters: int, n_hidden: int) -> nn.Sequential:
    """conv–ReLU–maxpool ×2 → dense–ReLU → dense."""
    pooled = side // 4
    return nn.Sequential(
        nn.Conv2d(1, n_filters, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(n_filters, 2 * n_filters, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(2 * n_filters * pooled * pooled, n_hidden),
        nn.ReLU(),
        nn.Linear(n_hidden, n_classes),
    )


def _mlp(side: int, n_classes: int, n_hidden: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(side * side, n_hidden),
        nn.ReLU(),
        nn.Linear(n_hidden, n_hidden),
        nn.ReLU(),
        nn.Linear(n_hidden, n_classes),
    )


def build_image_model(name: str = "cnn", *, side: int = 28, n_classes: int = 10,
                      n_filters: int = 16, n_hidden: int = 64) -> nn.Sequential:
    """A fresh (untrained) image classifier.

    Parameters
    ----------
    name : {"cnn", "mlp"}
        ``"cnn"``: conv(3×3)–ReLU–maxpool(2) twice (``n_filters`` and
        ``2 n_filters`` maps), then dense ``n_hidden``–ReLU–dense.
        ``"mlp"``: two hidden layers of ``n_hidden`` ReLU units.
    side : int
        Image side length (divisible by 4 for the CNN).
    n_classes : int
        Number of outputs.
    n_filters, n_hidden : int
        Widths.

    Returns
    -------
    model : torch.nn.Sequential
        Maps ``(n, 1, side, side)`` to ``(n, n_classes)``.
    """
    check_option("name", name, MODELS)
    for value, key in ((side, "side"), (n_classes, "n_classes"),
                       (n_filters, "n_filters"), (n_hidden, "n_hidden")):
        validate_type(value, numbers.Integral, key)
        if value < 1:
            raise ValueError(f"{key!r} must be >= 1, but got {value!r} instead.")
    if name == "cnn":
        if side % 4:
            raise ValueError(f"'side' must be divisible by 4 for the CNN, but got {side}.")
        return _cnn(side, n_classes, n_filters, n_hidden)
    return _mlp(side, n_classes, n_hidden)


def conv_layers(cnn: nn.Sequential) -> nn.Sequential:
    """The convolutional part of a CNN (everything before ``Flatten``)."""
    layers = []
    for layer in cnn:
        if isinstance(layer, nn.Flatten):
            return nn.Sequential(*layers)
        layers.append(layer)
    raise ValueError("The model has no Flatten layer, so no convolutional part.")


def cam_model(cnn: nn.Sequential, n_classes: int = 10, *, n_maps: int = 64) -> nn.Sequential:
    """The CAM network: the CNN's frozen convolutions + a new conv, GAP and linear head.

    As Zhou et al. (2016, section 3.1) did for VGG: the layers after the last
    convolution are removed, a new 3×3 convolution (``n_maps`` ReLU maps) is
    added, then global average pooling and one linear layer (softmax in the
    loss). The copied convolutions are frozen (``requires_grad=False``); only
    the new layers are trained, which keeps the trained features of the CNN.
    The CNN's last max pooling is dropped so the maps keep twice the
    resolution.

    Parameters
    ----------
    cnn : torch.nn.Sequential
        A trained model of :func:`build_image_model` (``"cnn"``).
    n_classes : int
        Number of outputs of the new head.
    n_maps : int
        Feature maps of the new convolution (the maps the CAM is built from).

    Returns
    -------
    model : torch.nn.Sequential
        Layers: ``"0"`` frozen features, ``"1"`` new conv, ``"2"`` ReLU (its
        output is the CAM layer :data:`CAM_LAYER`), ``"3"`` GAP, ``"4"``
        flatten, ``"5"`` linear head.
    """
    validate_type(cnn, nn.Sequential, "cnn")
    features = copy.deepcopy(conv_layers(cnn))
    if isinstance(features[-1], nn.MaxPool2d):
        features = features[:-1]
    for p in features.parameters():
        p.requires_grad_(False)
    n_in = [m for m in features if isinstance(m, nn.Conv2d)][-1].out_channels
    return nn.Sequential(features, nn.Conv2d(n_in, n_maps, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(n_maps, n_classes))


#: Name of the layer whose output the class activation maps are built from.
CAM_LAYER = "2"
