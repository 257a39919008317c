"""Riemannian tangent space + logistic regression (Barachant et al. 2012).

Band-pass → covariance per trial (OAS shrinkage) → projection to the tangent
space at the Riemannian mean of the training covariances → L2 logistic
regression: MOABB's TS+LR pipeline.

References
----------
.. [1] Barachant, A. et al. (2012). Multiclass brain-computer interface
   classification by Riemannian geometry. IEEE Trans. Biomed. Eng. 59(4), 920-928.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline

from .csp import BandpassFilter


def make_ts_lr(
    sfreq: float,
    *,
    band: tuple[float, float] | None = (8.0, 30.0),
    C: float = 1.0,
) -> Pipeline:
    """Band-pass → Covariances("oas") → TangentSpace("riemann") → LogisticRegression."""
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace
    from sklearn.linear_model import LogisticRegression

    steps = []
    if band is not None:
        steps.append(("filter", BandpassFilter(sfreq, tuple(band))))
    steps += [
        ("cov", Covariances(estimator="oas")),
        ("ts", TangentSpace(metric="riemann")),
        ("lr", LogisticRegression(C=C, max_iter=1000)),
    ]
    return Pipeline(steps)
