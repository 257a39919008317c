"""eegxai.explain: attributions for PyTorch classifiers, LRP done right.

Public API::

    from eegxai.explain import explain, explain_layer, METHODS, COMPOSITES

    relevance = explain(model, X, method="lrp", composite="epsilon_plus_flat")
    layer_relevance = explain_layer(model, X, layer="conv_time")

The package knows nothing about EEG: any model mapping ``(n_samples, ...)`` to
class scores works. braindecode models are canonized (see
:mod:`eegxai.explain.canonizers`) so that every layer gets an LRP rule.
"""

from .attribution import METHODS, explain, relevance_budget
from .canonizers import canonize
from .composites import COMPOSITES, make_composite
from .layers import LAYER_METHODS, explain_layer

__all__ = [
    "COMPOSITES",
    "LAYER_METHODS",
    "METHODS",
    "canonize",
    "explain",
    "explain_layer",
    "make_composite",
    "relevance_budget",
]
