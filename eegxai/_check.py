"""Validation helpers with uniform, actionable error messages (MNE style).

Every public function of eegxai validates its arguments with these helpers, so a
user always reads the same kind of message: which parameter, which values are
allowed, which value was received.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np


def _fmt(values: Iterable[Any]) -> str:
    return ", ".join(repr(v) for v in values)


def check_option(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Raise ``ValueError`` unless ``value`` is one of ``allowed``.

    Parameters
    ----------
    name : str
        Name of the parameter, used in the message.
    value : object
        The value received.
    allowed : iterable
        The allowed values.

    Returns
    -------
    value : object
        ``value``, unchanged, so the call can be used inline.
    """
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(
            f"Invalid value for the {name!r} parameter. Allowed values are "
            f"{_fmt(allowed)}, but got {value!r} instead."
        )
    return value


def validate_type(value: Any, types: type | tuple[type, ...], name: str) -> Any:
    """Raise ``TypeError`` unless ``value`` is an instance of ``types``.

    ``bool`` is not accepted where an int is expected.
    """
    types = types if isinstance(types, tuple) else (types,)
    is_bool = isinstance(value, bool | np.bool_)
    wants_int = any(t in (int, numbers.Integral) for t in types)
    if not isinstance(value, types) or (is_bool and wants_int and bool not in types):
        names = " or ".join(getattr(t, "__name__", str(t)) for t in types)
        raise TypeError(
            f"{name!r} must be an instance of {names}, but got "
            f"{type(value).__name__} ({value!r}) instead."
        )
    return value


def check_positive(value: Any, name: str, *, strict: bool = True) -> Any:
    """Raise ``ValueError`` unless ``value`` is a (strictly) positive number."""
    validate_type(value, (numbers.Real,), name)
    if (strict and not value > 0) or (not strict and not value >= 0):
        kind = "> 0" if strict else ">= 0"
        raise ValueError(f"{name!r} must be {kind}, but got {value!r} instead.")
    return value


def check_range(value: Any, name: str, low: float, high: float) -> Any:
    """Raise ``ValueError`` unless ``low <= value <= high``."""
    validate_type(value, (numbers.Real,), name)
    if not low <= value <= high:
        raise ValueError(
            f"{name!r} must lie in [{low}, {high}], but got {value!r} instead."
        )
    return value


def check_array(
    X: Any, name: str, *, ndim: int | None = None, dtype: Any = None
) -> np.ndarray:
    """Return ``X`` as a finite ndarray of ``ndim`` dimensions or raise ``ValueError``.

    Parameters
    ----------
    X : array-like
        The array.
    name : str
        Parameter name for the message.
    ndim : int | None
        Required number of dimensions, or None for any.
    dtype : numpy dtype | None
        Cast to this dtype, or keep the input dtype when None.
    """
    arr = np.asarray(X, dtype=dtype)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(
            f"{name!r} must have {ndim} dimensions, but got an array of shape "
            f"{arr.shape} ({arr.ndim} dimensions) instead."
        )
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name!r} contains NaN or infinite values.")
    return arr


def check_trials(X: Any, y: Any, *, dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Trials ``X`` (n_trials, n_channels, n_times) and integer labels ``y`` (n_trials,).

    Returns ``X`` as ``dtype`` and ``y`` as int64; labels must be 0..n_classes-1.
    """
    X = check_array(X, "X", ndim=3, dtype=dtype)
    y = check_array(y, "y", ndim=1)
    if y.dtype.kind not in "iu":
        raise ValueError(f"'y' must hold integer class labels, but got dtype {y.dtype}.")
    if len(X) != len(y):
        raise ValueError(f"'X' has {len(X)} trials but 'y' has {len(y)} labels.")
    if len(y) and y.min() < 0:
        raise ValueError(f"'y' must hold class labels 0..n_classes-1, but got {y.min()}.")
    return X, y.astype(np.int64)


def check_random_state(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Turn ``seed`` into a ``numpy.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.default_rng(seed)
    raise TypeError(
        f"'seed' must be an int, a numpy Generator or None, but got "
        f"{type(seed).__name__} ({seed!r}) instead."
    )


def check_kwargs(kwargs: dict, defaults: dict, *, owner: str) -> dict:
    """Reject keyword arguments not in ``defaults``; return ``defaults`` updated.

    ``owner`` names what takes them in the message, e.g. ``"method 'lrp'"``.
    """
    unknown = sorted(set(kwargs) - set(defaults))
    if unknown:
        names = ", ".join(repr(k) for k in defaults) or "none"
        raise TypeError(
            f"Invalid keyword argument {unknown[0]!r} for {owner}. "
            f"Accepted keyword arguments are {names}."
        )
    return {**defaults, **kwargs}
