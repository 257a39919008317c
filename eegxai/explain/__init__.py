"""eegxai.explain: attributions for PyTorch classifiers, LRP done right.

Public API::

    from eegxai.explain import explain, explain_layer, METHODS, COMPOSITES

    relevance = explain(model, X, method="lrp", composite="epsilon_plus_flat")
    layer_relevance = explain_layer(model, X, layer="conv_time")
    phi = explain(model, X, method="shapley", groups=G, background=B)  # exact SHAP
    phi = explain(model, X, method="kernel_shap", groups=G, background=B)
    M = explain(model, X, method="cam")  # conv -> GAP -> linear models
    M = explain(model, X, method="gradcam", layer="features.3")

The package knows nothing about EEG: any model mapping ``(n_samples, ...)`` to
class scores works. braindecode models are canonized (see
:mod:`eegxai.explain.canonizers`) so that every layer gets an LRP rule.
"""

from ._core import Method
from .attribution import METHODS, REGISTRY, explain, register_method, relevance_budget
from .cam import cam_head
from .canonizers import canonize
from .composites import COMPOSITES, make_composite
from .layers import LAYER_METHODS, explain_layer
from .shapley import exact_shapley, shapley_weights

__all__ = [
    "COMPOSITES",
    "LAYER_METHODS",
    "METHODS",
    "REGISTRY",
    "Method",
    "cam_head",
    "canonize",
    "exact_shapley",
    "explain",
    "explain_layer",
    "make_composite",
    "register_method",
    "relevance_budget",
    "shapley_weights",
]
