"""eegxai.interpret: model interpretation (what a class looks like to the model).

*Interpretation* maps an abstract concept (a class) to the input domain: a
prototype image, EEG trial, sequence (Montavon, Samek & Müller 2018, §3).
*Explanation* (:mod:`eegxai.explain`) attributes one decision to the features
of one input.

Public API::

    from eegxai.interpret import activation_maximization, fit_prior, prototypes

    x_star, trace = activation_maximization(model, target=c, shape=(1, 28, 28), lam=1e-2)
    prior = fit_prior(X_train, kind="gmm", n_components=5)
    x_star, trace = activation_maximization(model, target=c, shape=(1, 28, 28),
                                            lam=0.0, prior=prior)
    x_star, trace = activation_maximization(model, target=c, decoder=g, code_mean=z_c)
"""

from .activation import activation_maximization, prototypes
from .priors import GaussianMixturePrior, GaussianPrior, as_prior, fit_prior

__all__ = [
    "GaussianMixturePrior",
    "GaussianPrior",
    "activation_maximization",
    "as_prior",
    "fit_prior",
    "prototypes",
]
