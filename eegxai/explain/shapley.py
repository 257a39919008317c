"""Shapley values of groups of input features: exact enumeration and Kernel SHAP.

Players are groups of input features given by an integer mask of one sample's
shape (EEG channel × time window, image patches or superpixels, words, DNA
windows). The value of a coalition ``S`` of players is the model's target
score ``f_S(x)`` with the absent players' features filled in from a
background, with the lecture's two approximations of ``E[f(x) | x_S]``:

- ``value="marginal"``: absent features taken from each background row and
  ``f`` averaged over the rows (feature independence; shap's
  "interventional" values);
- ``value="mean"``: absent features set to the background mean,
  ``f([x_S, E x_S̄])`` (linearity).

The Shapley value of player ``i`` (Lundberg & Lee 2017, eq. 4) is

``φ_i = Σ_{S ⊆ F∖{i}} |S|! (|F| − |S| − 1)! / |F|! · [f_{S∪{i}}(x) − f_S(x)]``,

computed exactly by enumerating all ``2^|F|`` coalitions (small ``|F|``), or
estimated by Kernel SHAP from the ``shap`` package on the player space. Both
satisfy efficiency: ``Σ_i φ_i = f(x) − f_∅``.

References
----------
.. [1] Shapley, L. S. (1953). A value for n-person games. Contributions to the
   Theory of Games II, 307–317.
.. [2] Lundberg, S. M. & Lee, S.-I. (2017). A unified approach to interpreting
   model predictions. NeurIPS.
.. [3] Janzing, D., Minorics, L. & Blöbaum, P. (2020). Feature relevance
   quantification in explainable AI: a causal problem. AISTATS
   (marginal / interventional value function).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .._check import check_array, check_option, validate_type
from ._core import Method, check_int_kwargs

__all__ = ["SHAPLEY_METHODS", "VALUES", "exact_shapley", "shapley_weights"]

#: Value functions of a coalition (how absent players are filled).
VALUES = ("marginal", "mean")


def shapley_weights(n_players: int) -> np.ndarray:
    """Weights ``|S|! (P − |S| − 1)! / P!`` of a coalition of size ``|S|``.

    Parameters
    ----------
    n_players : int
        Number of players P.

    Returns
    -------
    weights : ndarray, shape (n_players,)
        Entry ``s`` is the weight of a coalition of size ``s`` (not containing
        the player); for P = 3: 1/3, 1/6, 1/3.
    """
    validate_type(n_players, numbers.Integral, "n_players")
    if n_players < 1:
        raise ValueError(f"'n_players' must be >= 1, but got {n_players!r} instead.")
    total = math.factorial(n_players)
    return np.array(
        [
            math.factorial(s) * math.factorial(n_players - s - 1) / total
            for s in range(n_players)
        ]
    )


def _coalition_masks(n_players: int) -> np.ndarray:
    """All coalitions as booleans, shape (2^P, P); row k = the bits of k."""
    k = np.arange(2**n_players)
    return ((k[:, None] >> np.arange(n_players)) & 1).astype(bool)


def _shapley_from_values(values: np.ndarray, n_players: int) -> np.ndarray:
    """Exact Shapley values from the values of all 2^P coalitions.

    ``values`` has the coalitions (indexed by their bit mask) on axis 0; the
    result has the players on axis 0 and the remaining axes of ``values``.
    """
    masks = np.arange(2**n_players)
    sizes = np.array([bin(m).count("1") for m in masks])
    weights = shapley_weights(n_players)
    phi = np.empty((n_players,) + values.shape[1:])
    for i in range(n_players):
        without = masks[((masks >> i) & 1) == 0]
        w = weights[sizes[without]].reshape((-1,) + (1,) * (values.ndim - 1))
        phi[i] = (w * (values[without | (1 << i)] - values[without])).sum(axis=0)
    return phi


def exact_shapley(value_fn: Callable, n_players: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact Shapley values of any cooperative game by enumeration.

    Parameters
    ----------
    value_fn : callable
        ``value_fn(coalitions)`` with ``coalitions`` a bool array of shape
        ``(m, n_players)`` (True = player present) returns the values, shape
        ``(m,)`` or ``(m, k)`` for k games at once.
    n_players : int
        Number of players (2^n_players coalitions are evaluated).

    Returns
    -------
    phi : ndarray, shape (n_players,) or (n_players, k)
        Shapley values.
    base : float | ndarray, shape (k,)
        Value of the empty coalition; ``phi.sum(0) + base`` = the value of
        the grand coalition (efficiency).
    """
    shapley_weights(n_players)  # validates n_players
    coalitions = _coalition_masks(n_players)
    values = np.asarray(value_fn(coalitions), dtype=np.float64)
    if values.shape[0] != len(coalitions):
        raise ValueError(
            f"'value_fn' must return one value per coalition ({len(coalitions)}), "
            f"but returned shape {values.shape}."
        )
    return _shapley_from_values(values, n_players), values[0]


# ----------------------------------------------------------------------------
# the value function of a model: players = groups of features
# ----------------------------------------------------------------------------
@dataclass
class _Game:
    inverse: np.ndarray  # (n_features,) player index of every feature
    counts: np.ndarray  # (n_players,) features per player
    background: torch.Tensor  # (n_bg, n_features)

    @property
    def n_players(self) -> int:
        return len(self.counts)


def _setup(ctx, x, groups, background, value) -> _Game:
    """Check groups/background against the sample shape once per call."""
    if "game" in ctx.state:
        return ctx.state["game"]
    shape = tuple(ctx.X_shape[1:])
    n_features = int(np.prod(shape))
    if groups is None:
        groups = np.arange(n_features).reshape(shape)
    groups = np.asarray(groups)
    if groups.dtype.kind not in "iu" or groups.shape != shape:
        raise ValueError(
            f"'groups' must be an int array of a sample's shape {shape}, but got "
            f"dtype {groups.dtype} and shape {groups.shape} instead."
        )
    _, inverse, counts = np.unique(groups.ravel(), return_inverse=True, return_counts=True)
    if background is None:
        background = np.zeros((1,) + shape)
    if isinstance(background, torch.Tensor):
        background = background.detach().cpu().numpy()
    background = check_array(background, "background")
    if background.shape == shape:
        background = background[None]
    if background.shape[1:] != shape or len(background) == 0:
        raise ValueError(
            f"'background' must have shape (n_background, *{shape}), but got "
            f"{background.shape} instead."
        )
    bg = background.reshape(len(background), -1)
    if value == "mean":
        bg = bg.mean(axis=0, keepdims=True)
    game = _Game(inverse, counts, torch.as_tensor(bg, dtype=x.dtype, device=x.device))
    ctx.state["game"] = game
    return game


def _values(model, x, target, game, coalitions, rows_per_pass) -> np.ndarray:
    """Target scores of every sample for every coalition: shape (n, m)."""
    n, n_bg = len(x), len(game.background)
    xf = x.reshape(n, -1)
    feature_masks = torch.as_tensor(coalitions[:, game.inverse], device=x.device)
    chunk = max(1, rows_per_pass // (n * n_bg))
    out = []
    with torch.no_grad():
        for start in range(0, len(coalitions), chunk):
            mask = feature_masks[start : start + chunk]  # (c, F)
            filled = torch.where(
                mask[None, :, None, :], xf[:, None, None, :], game.background[None, None]
            )  # (n, c, n_bg, F)
            scores = model(filled.reshape((-1,) + tuple(x.shape[1:])))
            if scores.ndim > 2:
                scores = scores.flatten(2).mean(2)
            scores = scores.reshape(n, len(mask), n_bg, -1)
            picked = scores[torch.arange(n, device=x.device), :, :, target]  # (n, c, n_bg)
            out.append(picked.mean(dim=2).double().cpu().numpy())
    return np.concatenate(out, axis=1)


def _spread(phi: np.ndarray, game: _Game, shape) -> np.ndarray:
    """Each player's value split evenly over its features: shape (n, *shape)."""
    per_feature = (phi / game.counts)[:, game.inverse]
    return per_feature.reshape((len(phi),) + tuple(shape))


def _target(model, x, ctx) -> torch.Tensor:
    with torch.no_grad():
        return ctx.target(ctx.forward(model, x))


def _result(phi, base, game, x, ctx, return_players) -> dict:
    relevance = torch.as_tensor(_spread(phi, game, ctx.X_shape[1:]), dtype=x.dtype)
    if return_players:
        return {"relevance": relevance, "players": phi, "base": base}
    return {"relevance": relevance}


def _shapley_batch(model, x, ctx, groups, background, value, return_players, max_players):
    game = _setup(ctx, x, groups, background, value)
    if game.n_players > max_players:
        raise ValueError(
            f"Exact Shapley values enumerate 2^{game.n_players} coalitions; more "
            f"than max_players={max_players} players. Use method='kernel_shap', "
            "fewer (larger) groups, or raise max_players."
        )
    target = _target(model, x, ctx)
    coalitions = _coalition_masks(game.n_players)
    values = _values(model, x, target, game, coalitions, ctx.state.get("rows", 256))
    phi = _shapley_from_values(values.T, game.n_players).T  # (n, P)
    return _result(phi, values[:, 0], game, x, ctx, return_players)


def _kernel_shap_batch(
    model, x, ctx, groups, background, value, return_players, n_samples, seed
):
    """Kernel SHAP (Lundberg & Lee 2017, Theorem 2) from the ``shap`` package.

    ``shap.KernelExplainer`` runs on the player space: its inputs are 0/1
    coalition vectors (background: the empty coalition), translated here into
    filled model inputs. With ``n_samples ≥ 2^P − 2`` it enumerates every
    coalition and its weighted regression gives the exact Shapley values.
    """
    import shap

    game = _setup(ctx, x, groups, background, value)
    target = _target(model, x, ctx)
    rows = ctx.state.get("rows", 256)
    n_players = game.n_players
    phi, base = np.empty((len(x), n_players)), np.empty(len(x))
    state = np.random.get_state()
    try:
        np.random.seed(seed)  # shap samples coalitions with the global numpy RNG
        for i in range(len(x)):
            def f(Z, i=i):
                return _values(model, x[i : i + 1], target[i : i + 1], game,
                               np.asarray(Z) > 0.5, rows)[0]

            explainer = shap.KernelExplainer(f, np.zeros((1, n_players)), link="identity")
            phi[i] = explainer.shap_values(
                np.ones((1, n_players)), nsamples=n_samples, l1_reg=False, silent=True
            ).reshape(-1)
            base[i] = float(np.asarray(explainer.expected_value).reshape(-1)[0])
    finally:
        np.random.set_state(state)
    return _result(phi, base, game, x, ctx, return_players)


def _check_common(merged: dict) -> dict:
    check_option("value", merged["value"], VALUES)
    validate_type(merged["return_players"], bool, "return_players")
    return merged


def _check_exact(merged: dict) -> dict:
    check_int_kwargs(merged, ("max_players",))
    return _check_common(merged)


def _check_kernel(merged: dict) -> dict:
    check_int_kwargs(merged, ("n_samples",))
    validate_type(merged["seed"], numbers.Integral, "seed")
    return _check_common(merged)


_COMMON = {"groups": None, "background": None, "value": "marginal", "return_players": False}

#: Registry entries of :func:`eegxai.explain.explain`.
SHAPLEY_METHODS = {
    "shapley": Method(
        _shapley_batch,
        {**_COMMON, "max_players": 16},
        _check_exact,
        torch_only=False,
        logit_model=False,
        reference="Shapley 1953; Lundberg & Lee 2017 (exact enumeration)",
    ),
    "kernel_shap": Method(
        _kernel_shap_batch,
        {**_COMMON, "n_samples": 2048, "seed": 0},
        _check_kernel,
        torch_only=False,
        logit_model=False,
        reference="Lundberg & Lee 2017 (Kernel SHAP, the shap package)",
    ),
}
