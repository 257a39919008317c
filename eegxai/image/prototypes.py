"""Class prototypes by activation maximization, and how natural they look.

The optimisation itself is the core's
:func:`eegxai.interpret.activation_maximization` (ℓ2 penalty, a data prior, or
a decoder's code space). This module trains the decoder — a small
autoencoder on the same digits — and measures *naturalness* as the Euclidean
distance of a prototype to its nearest training digit: a prototype that
resembles real digits lies close to one.

References
----------
.. [1] Erhan, D. et al. (2009). Visualizing higher-layer features of a deep
   network. Univ. Montréal TR 1341.
.. [2] Simonyan, K. et al. (2014). Deep inside convolutional networks. ICLR
   workshop.
.. [3] Nguyen, A. et al. (2016). Synthesizing the preferred inputs for neurons
   in neural networks via deep generator networks. NeurIPS.
.. [4] Montavon, G., Samek, W. & Müller, K.-R. (2018). Methods for interpreting
   and understanding deep neural networks. Digital Signal Processing 73
   (section 3, figure 3: MNIST prototypes).
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from torch import nn

from .._check import check_array, validate_type
from ..training import seeded

__all__ = ["KINDS", "Autoencoder", "class_codes", "fit_autoencoder", "nearest_distance",
           "prototype_study"]


class Autoencoder(nn.Module):
    """Dense autoencoder for ``(n, 1, side, side)`` images in [0, 1].

    ``encoder``: flatten → ``n_hidden`` ReLU → ``n_code``; ``decoder``:
    ``n_code`` → ``n_hidden`` ReLU → ``side²`` sigmoid → ``(1, side, side)``.
    """

    def __init__(self, side: int = 28, n_code: int = 16, n_hidden: int = 256):
        super().__init__()
        for value, key in ((side, "side"), (n_code, "n_code"), (n_hidden, "n_hidden")):
            validate_type(value, numbers.Integral, key)
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(side * side, n_hidden),
                                     nn.ReLU(), nn.Linear(n_hidden, n_code))
        self.decoder = nn.Sequential(nn.Linear(n_code, n_hidden), nn.ReLU(),
                                     nn.Linear(n_hidden, side * side), nn.Sigmoid(),
                                     nn.Unflatten(1, (1, side, side)))

    def forward(self, x):  # noqa: D102
        return self.decoder(self.encoder(x))


def fit_autoencoder(X, *, n_code: int = 16, n_hidden: int = 256, n_epochs: int = 15,
                    batch_size: int = 64, lr: float = 1e-3,
                    seed: int = 0) -> Autoencoder:
    """Train an :class:`Autoencoder` by binary cross-entropy (pixels in [0, 1]).

    Parameters
    ----------
    X : ndarray of float32, shape (n_images, 1, side, side)
        Training images.
    n_code, n_hidden : int
        Code and hidden sizes.
    n_epochs, batch_size : int
        Passes and mini-batch size.
    lr : float
        Adam learning rate.
    seed : int
        Seeds initialization and batch order.

    Returns
    -------
    autoencoder : Autoencoder
        Trained, in eval mode, on the CPU.
    """
    X = check_array(X, "X", ndim=4, dtype=np.float32)
    with seeded(int(seed)):
        model = Autoencoder(X.shape[-1], n_code, n_hidden)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        X_t = torch.as_tensor(X)
        generator = torch.Generator().manual_seed(int(seed))
        for _ in range(int(n_epochs)):
            order = torch.randperm(len(X_t), generator=generator)
            for start in range(0, len(order), int(batch_size)):
                xb = X_t[order[start:start + int(batch_size)]]
                loss = nn.functional.binary_cross_entropy(model(xb), xb)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
    return model.eval()


@torch.no_grad()
def class_codes(autoencoder: Autoencoder, X, y) -> dict[int, np.ndarray]:
    """Mean code z̄_c of every class's images, each of shape (n_code,)."""
    X = check_array(X, "X", ndim=4, dtype=np.float32)
    codes = autoencoder.encoder(torch.as_tensor(X)).numpy()
    y = np.asarray(y)
    return {int(c): codes[y == c].mean(axis=0) for c in np.unique(y)}


def nearest_distance(prototypes, X_train) -> np.ndarray:
    """Euclidean distance of every prototype to its nearest training image.

    Parameters
    ----------
    prototypes : ndarray, shape (n_prototypes, 1, side, side)
        Images to judge.
    X_train : ndarray, shape (n_images, 1, side, side)
        Training images.

    Returns
    -------
    distance : ndarray, shape (n_prototypes,)
    """
    P = check_array(prototypes, "prototypes").reshape(len(prototypes), -1)
    T = check_array(X_train, "X_train").reshape(len(X_train), -1)
    sq = (P**2).sum(1)[:, None] + (T**2).sum(1)[None, :] - 2 * P @ T.T
    return np.sqrt(np.clip(sq.min(axis=1), 0, None))


#: The three kinds of prototypes (Montavon et al. 2018, figure 3).
KINDS = ("l2", "prior", "code")


def prototype_study(model, X_train, y_train, *, lam_l2: float = 0.01,
                    lam_prior: float = 0.0, prior_kind: str = "gaussian",
                    lam_code: float = 0.003, n_code: int = 16, ae_epochs: int = 10,
                    n_steps: int = 200, lr: float = 0.05, seed: int = 0) -> dict:
    """Prototypes of every class by ℓ2, a data prior and the code space; naturalness.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier of ``(n, 1, side, side)`` images.
    X_train : ndarray, shape (n_images, 1, side, side)
        Training digits (the prior, the autoencoder and the naturalness
        reference).
    y_train : ndarray of int, shape (n_images,)
        Labels.
    lam_l2 : float
        λ of ``max log p(c|x) − λ‖x‖²``.
    lam_prior : float
        λ of the ℓ2 term next to the data prior ``+ log p(x)``.
    prior_kind : {"gaussian", "gmm"}
        Density of :func:`eegxai.interpret.fit_prior`.
    lam_code : float
        λ of ``max log p(c|g(z)) − λ‖z − z̄_c‖²``.
    n_code, ae_epochs : int
        Code size and training epochs of the autoencoder.
    n_steps, lr : int, float
        Gradient-ascent steps and Adam step size.
    seed : int
        Seed of the autoencoder and the prior.

    Returns
    -------
    result : dict
        ``prototypes``: kind → ndarray (n_classes, 1, side, side);
        ``probability``: kind → ndarray (n_classes,) of p(c|x*);
        ``distance``: kind → ndarray (n_classes,), distance to the nearest
        training digit; ``classes``.
    """
    from ..interpret import fit_prior, prototypes

    X_train = check_array(X_train, "X_train", ndim=4, dtype=np.float32)
    classes = [int(c) for c in np.unique(y_train)]
    shape = X_train.shape[1:]
    autoencoder = fit_autoencoder(X_train, n_code=n_code, n_epochs=ae_epochs, seed=seed)
    codes = class_codes(autoencoder, X_train, y_train)
    common = {"n_steps": n_steps, "lr": lr, "device": "cpu"}
    runs = {
        "l2": prototypes(model, classes, shape, lam=lam_l2, **common),
        "prior": prototypes(model, classes, shape, lam=lam_prior,
                            prior=fit_prior(X_train, kind=prior_kind, seed=seed),
                            **common),
        "code": prototypes(model, classes, code_means=codes, decoder=autoencoder.decoder,
                           lam=lam_code, **common),
    }
    result = {"classes": classes, "prototypes": {}, "probability": {}, "distance": {}}
    for kind, (images, traces) in runs.items():
        result["prototypes"][kind] = images
        result["probability"][kind] = np.array([t["final_prob"] for t in traces])
        result["distance"][kind] = nearest_distance(images, X_train)
    return result
