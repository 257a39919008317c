"""When does the decoder look? Relevance time courses with confidence intervals.

The input relevance ``R`` of shape ``(n_trials, n_chans, n_times)`` is summed
over channels, which gives one relevance time course per trial; the mean over
trials and its 95 % confidence interval (Student t) summarize it, per class and
for the class difference (Welch interval).

References
----------
.. [1] Sturm, I., Lapuschkin, S., Samek, W., & Müller, K.-R. (2016).
       Interpretable deep neural networks for single-trial EEG classification.
       Journal of Neuroscience Methods, 274, 141-145.
.. [2] Montavon, G., Samek, W., & Müller, K.-R. (2018). Methods for interpreting
       and understanding deep neural networks. Digital Signal Processing, 73, 1-15.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import stats

from .._check import check_array, check_option, check_range, validate_type

__all__ = [
    "mean_ci",
    "peak_time",
    "relevance_time_course",
    "time_course",
    "trial_subsets",
]


def _check_relevance(relevance, name: str = "relevance") -> np.ndarray:
    return check_array(relevance, name, ndim=3, dtype=float)


def _check_labels(y, n_trials: int, name: str = "y") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n_trials:
        raise ValueError(
            f"{name!r} must be a 1-d array with one entry per trial ({n_trials}), "
            f"but got shape {y.shape} instead."
        )
    return y


def time_course(relevance, *, absolute: bool = False) -> np.ndarray:
    """Sum relevance over channels, giving one time course per trial.

    Parameters
    ----------
    relevance : array-like, shape (n_trials, n_chans, n_times)
        Input relevance.
    absolute : bool
        If True, sum ``|R|`` (where the decoder looks, whatever the sign);
        if False, sum the signed relevance (evidence for minus against).

    Returns
    -------
    course : ndarray, shape (n_trials, n_times)
        Relevance summed over channels.
    """
    relevance = _check_relevance(relevance)
    validate_type(absolute, bool, "absolute")
    return (np.abs(relevance) if absolute else relevance).sum(axis=1)


def mean_ci(values, *, ci: float = 0.95, axis: int = 0):
    """Mean and Student-t confidence interval along ``axis``.

    Parameters
    ----------
    values : array-like, shape (n_obs, ...)
        Observations along ``axis``.
    ci : float
        Confidence level in (0, 1).
    axis : int
        Axis of the observations.

    Returns
    -------
    mean, low, high : ndarray, shape (...)
        Mean and interval bounds ``mean ∓ t_{(1+ci)/2, n-1} · sd / sqrt(n)``.
        With a single observation the bounds equal the mean.
    """
    values = np.asarray(values, dtype=float)
    validate_type(ci, numbers.Real, "ci")
    check_range(ci, "ci", 0.0, 1.0)
    n = values.shape[axis]
    if n == 0:
        raise ValueError("'values' must contain at least one observation.")
    mean = values.mean(axis=axis)
    if n < 2:
        return mean, mean.copy(), mean.copy()
    sem = values.std(axis=axis, ddof=1) / np.sqrt(n)
    half = stats.t.ppf((1 + ci) / 2, n - 1) * sem
    return mean, mean - half, mean + half


def _difference_ci(a: np.ndarray, b: np.ndarray, ci: float):
    """Welch confidence interval of mean(a) - mean(b) along axis 0."""
    diff = a.mean(0) - b.mean(0)
    if len(a) < 2 or len(b) < 2:
        return diff, diff.copy(), diff.copy()
    va, vb = a.var(0, ddof=1) / len(a), b.var(0, ddof=1) / len(b)
    se = np.sqrt(va + vb)
    # Welch-Satterthwaite degrees of freedom; guard 0/0 where both variances vanish.
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    dof = np.where(np.isfinite(dof), dof, len(a) + len(b) - 2)
    half = stats.t.ppf((1 + ci) / 2, dof) * se
    return diff, diff - half, diff + half


def trial_subsets(y, y_pred=None, *, class_names=None) -> dict[str, np.ndarray]:
    """Boolean trial masks: all trials, each class, correct and wrong predictions.

    Parameters
    ----------
    y : array-like of int, shape (n_trials,)
        True labels (0 = left_hand, 1 = right_hand in eegxai).
    y_pred : array-like of int, shape (n_trials,) | None
        Predicted labels; when given, ``"correct"`` and ``"wrong"`` are added.
    class_names : sequence of str | None
        Name of class ``k`` at position ``k``; defaults to ``"class_{k}"``.

    Returns
    -------
    subsets : dict of str to ndarray of bool, shape (n_trials,)
        Keys ``"all"``, one per class name, and ``"correct"``/``"wrong"``.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"'y' must be 1-d, but got shape {y.shape} instead.")
    classes = np.unique(y)
    if class_names is None:
        class_names = [f"class_{k}" for k in range(int(classes.max()) + 1 if len(y) else 0)]
    subsets = {"all": np.ones(len(y), bool)}
    for k, name in enumerate(class_names):
        subsets[str(name)] = y == k
    if y_pred is not None:
        y_pred = _check_labels(y_pred, len(y), "y_pred")
        subsets["correct"] = y_pred == y
        subsets["wrong"] = y_pred != y
    return subsets


def relevance_time_course(
    relevance,
    y=None,
    *,
    times=None,
    class_names=None,
    ci: float = 0.95,
    absolute: bool = False,
) -> dict:
    """Relevance time course (sum over channels), mean ± CI over trials.

    Parameters
    ----------
    relevance : array-like, shape (n_trials, n_chans, n_times)
        Input relevance.
    y : array-like of int, shape (n_trials,) | None
        Class labels 0 and 1. When given, the result also holds each class and
        the difference ``class 1 − class 0`` (Welch confidence interval).
    times : array-like, shape (n_times,) | None
        Sample times in seconds; defaults to sample indices.
    class_names : sequence of str | None
        Names of classes 0 and 1 (defaults ``"class_0"``, ``"class_1"``).
    ci : float
        Confidence level.
    absolute : bool
        Sum ``|R|`` instead of signed relevance, see :func:`time_course`.

    Returns
    -------
    result : dict
        ``"times"`` (n_times,) and, for ``"all"``, each class name and
        ``"difference"``, a dict with ``"mean"``, ``"low"``, ``"high"``
        arrays of shape (n_times,) and ``"n"`` (trials used).
    """
    course = time_course(relevance, absolute=absolute)
    n_trials, n_times = course.shape
    if times is None:
        times = np.arange(n_times, dtype=float)
    times = check_array(times, "times", ndim=1, dtype=float)
    if times.shape[0] != n_times:
        raise ValueError(
            f"'times' has {times.shape[0]} entries but relevance has {n_times} samples."
        )
    out: dict = {"times": times}
    mean, low, high = mean_ci(course, ci=ci)
    out["all"] = {"mean": mean, "low": low, "high": high, "n": n_trials}
    if y is not None:
        y = _check_labels(y, n_trials)
        names = list(class_names) if class_names is not None else ["class_0", "class_1"]
        groups = []
        for k, name in enumerate(names):
            sel = course[y == k]
            groups.append(sel)
            if len(sel):
                m, lo, hi = mean_ci(sel, ci=ci)
                out[str(name)] = {"mean": m, "low": lo, "high": hi, "n": len(sel)}
        if len(groups) >= 2 and len(groups[0]) and len(groups[1]):
            d, lo, hi = _difference_ci(groups[1], groups[0], ci)
            out["difference"] = {"mean": d, "low": lo, "high": hi,
                                 "n": len(groups[0]) + len(groups[1])}
    return out


def peak_time(times, course, *, tmin: float | None = None, tmax: float | None = None,
              mode: str = "abs") -> float:
    """Time of the largest value of a time course within ``[tmin, tmax]``.

    Parameters
    ----------
    times : array-like, shape (n_times,)
        Sample times.
    course : array-like, shape (n_times,)
        A time course, e.g. ``relevance_time_course(...)["all"]["mean"]``.
    tmin, tmax : float | None
        Search window (inclusive); None means the start/end.
    mode : ``"abs"`` | ``"max"`` | ``"min"``
        Largest absolute value, largest value, or smallest value.

    Returns
    -------
    time : float
        Time of the peak.
    """
    check_option("mode", mode, ("abs", "max", "min"))
    times = check_array(times, "times", ndim=1, dtype=float)
    course = check_array(course, "course", ndim=1, dtype=float)
    if times.shape != course.shape:
        raise ValueError("'times' and 'course' must have the same shape.")
    sel = np.ones(len(times), bool)
    if tmin is not None:
        sel &= times >= tmin
    if tmax is not None:
        sel &= times <= tmax
    if not sel.any():
        raise ValueError(f"No sample lies in the window [{tmin}, {tmax}].")
    values = {"abs": np.abs(course), "max": course, "min": -course}[mode]
    idx = np.flatnonzero(sel)[np.argmax(values[sel])]
    return float(times[idx])
