"""Data priors ``log p(x)`` for activation maximization, evaluated in torch.

Activation maximization with a data prior maximizes ``log p(c|x) + log p(x)``
(Montavon, Samek & Müller 2018, §3.2): the prototype must be likely under the
data, not only for the classifier. The density is fitted to data with
scikit-learn (a Gaussian with Ledoit–Wolf shrinkage, or a Gaussian mixture)
and evaluated here in torch, because gradient ascent needs ``∇_x log p(x)``,
which scikit-learn's ``score_samples`` does not give.

References
----------
.. [1] Montavon, G., Samek, W. & Müller, K.-R. (2018). Methods for interpreting
   and understanding deep neural networks. Digital Signal Processing 73, 1–15.
.. [2] Ledoit, O. & Wolf, M. (2004). A well-conditioned estimator for
   large-dimensional covariance matrices. J. Multivariate Analysis 88, 365–411.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch
from torch import nn

from .._check import check_array, check_option, validate_type

__all__ = ["GaussianMixturePrior", "GaussianPrior", "as_prior", "fit_prior"]


class GaussianPrior(nn.Module):
    """Multivariate normal ``log N(x; μ, Σ)`` of flattened samples.

    Parameters
    ----------
    mean : ndarray, shape (n_features,)
        μ.
    covariance : ndarray, shape (n_features, n_features) or (n_features,)
        Σ, full or its diagonal.
    """

    def __init__(self, mean, covariance):
        super().__init__()
        mean = np.asarray(mean, dtype=np.float64).ravel()
        cov = np.asarray(covariance, dtype=np.float64)
        if cov.ndim == 1:
            cov = np.diag(cov)
        if cov.shape != (mean.size, mean.size):
            raise ValueError(
                f"'covariance' must have shape ({mean.size}, {mean.size}) or "
                f"({mean.size},), but got {cov.shape} instead."
            )
        from scipy.linalg import solve_triangular

        chol = np.linalg.cholesky(cov)
        # x ↦ L⁻¹(x − μ): whitening by the inverse of the Cholesky factor
        whiten = solve_triangular(chol, np.eye(mean.size), lower=True)
        self.register_buffer("mean", torch.as_tensor(mean))
        self.register_buffer("whiten", torch.as_tensor(whiten))
        log_norm = -np.log(np.diag(chol)).sum() - 0.5 * mean.size * math.log(2 * math.pi)
        self.log_norm = float(log_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Log-density of each sample, shape (n,)."""
        diff = x.reshape(len(x), -1).to(self.mean.dtype) - self.mean
        return self.log_norm - 0.5 * ((diff @ self.whiten.T) ** 2).sum(1)


class GaussianMixturePrior(nn.Module):
    """Log-density of a fitted ``sklearn.mixture.GaussianMixture``, in torch.

    ``log p(x) = logsumexp_k [log π_k + log N(x; μ_k, Σ_k)]`` with the
    mixture's own precision Cholesky factors; equals its ``score_samples``.

    Parameters
    ----------
    mixture : sklearn.mixture.GaussianMixture
        Fitted on flattened samples (any ``covariance_type``).
    """

    def __init__(self, mixture):
        super().__init__()
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(mixture)
        means = np.asarray(mixture.means_, dtype=np.float64)
        k, d = means.shape
        prec = np.asarray(mixture.precisions_cholesky_, dtype=np.float64)
        kind = mixture.covariance_type
        if kind == "full":
            chol = prec
        elif kind == "tied":
            chol = np.broadcast_to(prec, (k, d, d))
        elif kind == "diag":
            chol = np.stack([np.diag(p) for p in prec])
        else:  # spherical
            chol = np.stack([np.eye(d) * p for p in prec])
        logdet = np.log(np.stack([np.diag(c) for c in chol])).sum(1)
        self.register_buffer("means", torch.as_tensor(means))
        self.register_buffer("chol", torch.as_tensor(np.ascontiguousarray(chol)))
        self.register_buffer(
            "log_weights",
            torch.as_tensor(np.log(mixture.weights_) + logdet - 0.5 * d * math.log(2 * math.pi)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Log-density of each sample, shape (n,)."""
        flat = x.reshape(len(x), -1).to(self.means.dtype)
        diff = flat[:, None, :] - self.means[None]  # (n, k, d)
        y = torch.einsum("nkd,kde->nke", diff, self.chol)  # sklearn: (x − μ) @ P_chol
        return torch.logsumexp(self.log_weights - 0.5 * (y**2).sum(2), dim=1)


def fit_prior(
    X,
    *,
    kind: str = "gaussian",
    n_components: int = 5,
    covariance_type: str = "diag",
    shrinkage: bool = True,
    seed: int = 0,
) -> nn.Module:
    """Fit a density to samples for activation maximization with a data prior.

    Parameters
    ----------
    X : ndarray, shape (n_samples, ...)
        Training samples (flattened inside).
    kind : 'gaussian' | 'gmm'
        One Gaussian (covariance with Ledoit–Wolf shrinkage when ``shrinkage``)
        or a ``sklearn.mixture.GaussianMixture``.
    n_components : int
        Mixture components (``kind='gmm'``).
    covariance_type : str
        ``GaussianMixture``'s covariance type (``kind='gmm'``); ``'diag'``
        keeps high-dimensional inputs (EEG trials, images) tractable.
    shrinkage : bool
        Ledoit–Wolf shrinkage of the Gaussian's covariance (else the empirical
        covariance with 1e-6 added to the diagonal).
    seed : int
        Seed of the mixture's initialisation.

    Returns
    -------
    prior : torch.nn.Module
        ``prior(x)`` → ``log p(x)``, shape (n,), for x of shape (n, ...).
    """
    X = check_array(X, "X")
    if X.ndim < 2 or len(X) < 2:
        raise ValueError(f"'X' must have shape (n_samples >= 2, ...), but got {X.shape}.")
    check_option("kind", kind, ("gaussian", "gmm"))
    validate_type(n_components, numbers.Integral, "n_components")
    flat = X.reshape(len(X), -1).astype(np.float64)
    if kind == "gmm":
        from sklearn.mixture import GaussianMixture

        gmm = GaussianMixture(n_components, covariance_type=covariance_type,
                              reg_covar=1e-6, random_state=seed)
        return GaussianMixturePrior(gmm.fit(flat))
    if shrinkage:
        from sklearn.covariance import ledoit_wolf

        cov, _ = ledoit_wolf(flat)  # (the estimator class also inverts it: not needed)
    else:
        cov = np.cov(flat, rowvar=False) + 1e-6 * np.eye(flat.shape[1])
    return GaussianPrior(flat.mean(0), cov)


def as_prior(prior):
    """Turn ``prior`` into a torch callable ``x -> log p(x)`` (or None).

    Accepts None, a fitted ``sklearn.mixture.GaussianMixture``, or any torch
    callable (module or function) mapping ``(n, ...)`` to ``(n,)``.
    """
    if prior is None or isinstance(prior, nn.Module):
        return prior
    from sklearn.mixture import GaussianMixture

    if isinstance(prior, GaussianMixture):
        return GaussianMixturePrior(prior)
    if callable(prior):
        return prior
    raise TypeError(
        "'prior' must be None, a fitted sklearn GaussianMixture, the result of "
        f"fit_prior() or a torch callable x -> log p(x), but got {type(prior).__name__}."
    )
