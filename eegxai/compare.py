"""Agreement between relevance and expert EEG features, each read against chance.

Every metric returns a dict with

``value``             the metric on the observed data
``null_mean``         mean of the metric under its null (chance) distribution
``null_p05``, ``null_p95``   5th / 95th percentile of the null
``p_value``           probability under the null of a value at least as good
                      (``>= value`` when higher is better, ``<= value`` otherwise);
                      ``(1 + #better) / (1 + n)`` for random draws, the exact
                      fraction (identity included) for enumerated nulls
``n_null``            size of the null sample
``higher_is_better``  direction of agreement
``null``              how the null was made

A value is better than chance at α = 0.05 when it lies beyond ``null_p95``
(higher is better) or below ``null_p05`` (lower is better), i.e. p < 0.05.
A null from a label-shuffled model can be used instead through
:func:`permutation_summary`.

Metrics (ranges)

* :func:`spectral_rank_correlation` — Spearman ρ ∈ [−1, 1] between a
  relevance spectrum and the ``|r²|`` spectrum (max or mean over channels);
  null: circular shifts of the relevance spectrum along frequency (keeps its
  smoothness) or shuffled frequency bins.
* :func:`peak_frequency_distance` — ``|f_peak(relevance) − f_disc|`` ∈
  [0, fmax − fmin] Hz (lower is better) and whether ``f_peak`` lies inside the
  discriminative band; null: the peak placed uniformly on the frequency grid.
* :func:`band_share` — share of positive relevance mass in mu + beta
  (8–30 Hz) ∈ [0, 1]; null: circular shifts of the spectrum.
* :func:`spatial_pattern_correlation` — Pearson/Spearman r ∈ [−1, 1] between
  channel relevance and the absolute CSP pattern; null: shuffled channels
  (all permutations when few channels — with 3 channels the smallest possible
  p is 1/6, so spatial agreement cannot be significant on BCI IV 2b).
* :func:`lateralization_agreement` — fraction ∈ [0, 1] of classes whose
  relevance LI has the sign of the ERD LI; null: all sign flips (random
  lateralization), mean 0.5.
* :func:`time_course_correlation` — Pearson r ∈ [−1, 1] between the relevance
  time course and the ERD strength time course (``−ERD%``); null: circular
  shifts of the relevance time course.

:func:`compare_subject` computes all available metrics for one subject and
model (numbers only; the reports word them, :mod:`eegxai.report.readings`); :func:`agreement_table` summarizes many
subjects; :func:`write_comparison` writes
``results/compare/{dataset}/{subject}/{model}.json`` (atomic, with
provenance), read back by :func:`read_comparison`.

References
----------
.. [1] Schirrmeister, R. T., et al. (2017). Deep learning with convolutional
       neural networks for EEG decoding and visualization. Human Brain Mapping,
       38(11), 5391-5420.
.. [2] Sturm, I., Lapuschkin, S., Samek, W., & Müller, K.-R. (2016).
       Interpretable deep neural networks for single-trial EEG classification.
       Journal of Neuroscience Methods, 274, 141-145.
.. [3] Pfurtscheller, G., & Lopes da Silva, F. H. (1999). Event-related EEG/MEG
       synchronization and desynchronization: basic principles. Clinical
       Neurophysiology, 110(11), 1842-1857.
.. [4] Montavon, G., Samek, W., & Müller, K.-R. (2018). Methods for interpreting
       and understanding deep neural networks. Digital Signal Processing, 73, 1-15.
"""

from __future__ import annotations

import itertools
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy import stats

from ._check import check_array, check_option, check_random_state, validate_type
from ._io import provenance, read_json, write_json

__all__ = [
    "band_share",
    "compare_subject",
    "csp_erd_components",
    "erd_strength_course",
    "agreement_table",
    "lateralization_agreement",
    "peak_frequency_distance",
    "permutation_summary",
    "read_comparison",
    "spatial_pattern_correlation",
    "spectral_rank_correlation",
    "time_course_correlation",
    "write_comparison",
]

MU_BETA = ((8.0, 13.0), (13.0, 30.0))


# --------------------------------------------------------------------------- nulls
def permutation_summary(value: float, null, *, higher_is_better: bool = True,
                        exact: bool = False, null_name: str = "") -> dict:
    """Summarize a metric against a sample of its null distribution.

    Parameters
    ----------
    value : float
        Observed metric.
    null : array-like, shape (n_null,)
        Metric values under the null (e.g. from permutations or from
        label-shuffled models); NaNs are dropped.
    higher_is_better : bool
        Direction of agreement.
    exact : bool
        The null enumerates all rearrangements (identity included): the
        p-value is the plain fraction of null values at least as good.
        Otherwise ``(1 + #at least as good) / (1 + n_null)``.
    null_name : str
        Description of the null, stored under ``"null"``.

    Returns
    -------
    summary : dict
        ``value``, ``null_mean``, ``null_p05``, ``null_p95``, ``p_value``,
        ``n_null``, ``higher_is_better``, ``null`` (see the module docstring).
    """
    validate_type(higher_is_better, bool, "higher_is_better")
    null = np.asarray(null, dtype=float).ravel()
    null = null[np.isfinite(null)]
    value = float(value)
    out = {"value": value, "higher_is_better": higher_is_better, "null": null_name,
           "n_null": len(null)}
    if len(null) == 0 or not np.isfinite(value):
        out.update(null_mean=float("nan"), null_p05=float("nan"),
                   null_p95=float("nan"), p_value=float("nan"))
        return out
    # Small tolerance so that ties from float round-off count as ties.
    tol = 1e-12 * max(1.0, abs(value))
    better = (null >= value - tol) if higher_is_better else (null <= value + tol)
    p = better.mean() if exact else (1 + better.sum()) / (1 + len(null))
    out.update(
        null_mean=float(null.mean()),
        null_p05=float(np.percentile(null, 5)),
        null_p95=float(np.percentile(null, 95)),
        p_value=float(p),
    )
    return out


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    den = np.sqrt((a**2).sum() * (b**2).sum())
    return float((a * b).sum() / den) if den > 0 else float("nan")


def _pearson_rows(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r of each row of ``A`` (n_rows, n) with ``b`` (n,)."""
    A = A - A.mean(1, keepdims=True)
    b = b - b.mean()
    den = np.sqrt((A**2).sum(1) * (b**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, A @ b / den, np.nan)


def _shift_null(a: np.ndarray, b: np.ndarray, n_permutations: int, rng) -> tuple:
    """Pearson r of circular shifts of ``a`` with ``b``; exact when affordable."""
    n = len(a)
    if n - 1 <= n_permutations:
        lags, exact = np.arange(1, n), False
    else:
        lags, exact = rng.integers(1, n, size=n_permutations), False
    shifted = np.stack([np.roll(a, lag) for lag in lags]) if len(lags) else np.empty((0, n))
    # The identity is excluded, so the (1 + k) / (1 + n) p-value is used: exact=False.
    return _pearson_rows(shifted, b), exact


def _shuffle_null(a: np.ndarray, b: np.ndarray, n_permutations: int, rng) -> tuple:
    """Pearson r of permutations of ``a`` with ``b``; all permutations when few."""
    n = len(a)
    if math.factorial(n) <= n_permutations:
        perms = np.array(list(itertools.permutations(range(n))))
        return _pearson_rows(a[perms], b), True
    perms = np.stack([rng.permutation(n) for _ in range(n_permutations)])
    return _pearson_rows(a[perms], b), False


def _check_null(null: str, allowed=("shift", "shuffle")) -> str:
    return check_option("null", null, allowed)


def _check_n_permutations(n_permutations) -> int:
    validate_type(n_permutations, numbers.Integral, "n_permutations")
    if n_permutations < 1:
        raise ValueError(
            f"'n_permutations' must be >= 1, but got {n_permutations!r} instead."
        )
    return int(n_permutations)


# ----------------------------------------------------------------------- spectral
def _reduce_spectrum(spectrum: np.ndarray, name: str) -> np.ndarray:
    if spectrum.ndim == 2:
        # Channel × frequency maps (perturbation correlation, input spectrum):
        # a frequency matters if it matters on some channel, whatever the sign.
        return np.abs(spectrum).max(axis=0)
    if spectrum.ndim != 1:
        raise ValueError(f"{name!r} must be 1-d (n_freqs,) or 2-d (n_chans, n_freqs).")
    return spectrum


def _on_grid(freqs, spectrum, grid, name) -> np.ndarray:
    freqs = check_array(freqs, f"{name}_freqs", ndim=1, dtype=float)
    spectrum = _reduce_spectrum(check_array(spectrum, name, dtype=float), name)
    if spectrum.shape != freqs.shape:
        raise ValueError(
            f"{name!r} has {spectrum.shape[-1]} frequencies but its frequency axis has "
            f"{len(freqs)}."
        )
    if grid[0] < freqs[0] - 1e-9 or grid[-1] > freqs[-1] + 1e-9:
        raise ValueError(
            f"{name!r} covers {freqs[0]:g}–{freqs[-1]:g} Hz, which does not include "
            f"the compared range {grid[0]:g}–{grid[-1]:g} Hz."
        )
    return np.interp(grid, freqs, spectrum)


def _r2_spectrum(r2_freqs, r2, reduce, fmin, fmax):
    check_option("reduce", reduce, ("max", "mean"))
    r2_freqs = check_array(r2_freqs, "r2_freqs", ndim=1, dtype=float)
    r2 = check_array(r2, "r2", dtype=float)
    if r2.ndim == 1:
        r2 = r2[None]
    if r2.shape[-1] != len(r2_freqs):
        raise ValueError("'r2' must have shape (n_chans, n_freqs) matching 'r2_freqs'.")
    sel = (r2_freqs >= fmin) & (r2_freqs <= fmax)
    if sel.sum() < 3:
        raise ValueError(f"Fewer than 3 r² frequencies lie in [{fmin}, {fmax}] Hz.")
    target = np.abs(r2).max(0) if reduce == "max" else np.abs(r2).mean(0)
    return r2_freqs[sel], target[sel]


def spectral_rank_correlation(
    freqs,
    spectrum,
    r2_freqs,
    r2,
    *,
    reduce: str = "max",
    fmin: float = 1.0,
    fmax: float = 40.0,
    null: str = "shift",
    n_permutations: int = 1000,
    seed=None,
) -> dict:
    """Spearman ρ between a relevance spectrum and the ``|r²|`` spectrum.

    ``ρ = Pearson(rank(S(f)), rank(|r²|(f)))`` over the r² frequencies in
    ``[fmin, fmax]``, with ``S`` linearly interpolated onto them. Range
    [−1, 1]; 1 means the frequencies the network uses are ranked exactly as
    the frequencies that separate the classes.

    Parameters
    ----------
    freqs : array-like, shape (n_freqs,)
        Frequencies of the relevance spectrum in Hz.
    spectrum : array-like, shape (n_freqs,) | (n_chans, n_freqs)
        Relevance spectrum (first-layer ``"positive"``), or a channel ×
        frequency map (amplitude-perturbation correlation, input relevance
        spectrum), reduced by ``max |·|`` over channels.
    r2_freqs : array-like, shape (n_r2_freqs,)
        Frequencies of the r² map.
    r2 : array-like, shape (n_chans, n_r2_freqs)
        Signed r² (:func:`eegxai.expert.discriminability.band_power_r2`).
    reduce : ``"max"`` | ``"mean"``
        Reduction of ``|r²|`` over channels.
    fmin, fmax : float
        Compared frequency range in Hz.
    null : ``"shift"`` | ``"shuffle"``
        Circular shifts or random permutations of the relevance spectrum.
    n_permutations : int
        Null sample size (circular shifts are all used when fewer).
    seed : int | numpy.random.Generator | None
        Random seed.

    Returns
    -------
    result : dict
        See the module docstring.
    """
    _check_null(null)
    n_permutations = _check_n_permutations(n_permutations)
    rng = check_random_state(seed)
    grid, target = _r2_spectrum(r2_freqs, r2, reduce, fmin, fmax)
    relevance = _on_grid(freqs, spectrum, grid, "spectrum")
    rank_rel, rank_target = stats.rankdata(relevance), stats.rankdata(target)
    value = _pearson(rank_rel, rank_target)
    maker = _shift_null if null == "shift" else _shuffle_null
    null_values, exact = maker(rank_rel, rank_target, n_permutations, rng)
    out = permutation_summary(value, null_values, higher_is_better=True, exact=exact,
                              null_name=f"{null} frequency bins")
    out["fmin"], out["fmax"] = float(grid[0]), float(grid[-1])
    return out


def peak_frequency_distance(
    freqs,
    spectrum,
    discriminative_freq: float,
    discriminative_band: tuple[float, float] | None = None,
    *,
    fmin: float = 1.0,
    fmax: float = 40.0,
) -> dict:
    """Distance between the relevance peak and the most discriminative frequency.

    ``value = |f_peak − f_disc|`` in Hz (range [0, fmax − fmin], lower is
    better) with ``f_peak = argmax_f S(f)`` in ``[fmin, fmax]``. The null
    places the peak on each grid frequency in ``[fmin, fmax]`` with equal
    probability (exact). ``inside_band`` says whether ``f_peak`` lies in the
    discriminative band; ``inside_band_chance`` is the share of grid
    frequencies that do.

    Parameters
    ----------
    freqs : array-like, shape (n_freqs,)
        Frequencies of the relevance spectrum.
    spectrum : array-like, shape (n_freqs,) | (n_chans, n_freqs)
        Relevance spectrum (2-d maps reduced by ``max |·|`` over channels).
    discriminative_freq : float
        The subject's most discriminative frequency in Hz.
    discriminative_band : (float, float) | None
        The subject's discriminative band in Hz.
    fmin, fmax : float
        Search range in Hz.

    Returns
    -------
    result : dict
        The summary of :func:`permutation_summary` plus ``peak_freq``,
        ``discriminative_freq``, ``inside_band`` and ``inside_band_chance``.
    """
    freqs = check_array(freqs, "freqs", ndim=1, dtype=float)
    spectrum = _reduce_spectrum(check_array(spectrum, "spectrum", dtype=float), "spectrum")
    if spectrum.shape != freqs.shape:
        raise ValueError("'spectrum' and 'freqs' must have the same number of frequencies.")
    validate_type(discriminative_freq, numbers.Real, "discriminative_freq")
    sel = (freqs >= fmin) & (freqs <= fmax)
    if not sel.any():
        raise ValueError(f"No frequency lies in [{fmin}, {fmax}] Hz.")
    grid = freqs[sel]
    peak = float(grid[np.argmax(spectrum[sel])])
    value = abs(peak - discriminative_freq)
    out = permutation_summary(value, np.abs(grid - discriminative_freq),
                              higher_is_better=False, exact=True,
                              null_name="peak uniform over frequency grid")
    out.update(peak_freq=peak, discriminative_freq=float(discriminative_freq))
    if discriminative_band is not None:
        low, high = discriminative_band
        out["discriminative_band"] = [float(low), float(high)]
        out["inside_band"] = bool(low <= peak <= high)
        out["inside_band_chance"] = float(np.mean((grid >= low) & (grid <= high)))
    return out


def band_share(
    freqs,
    spectrum,
    *,
    bands: Sequence[tuple[float, float]] = MU_BETA,
    fmin: float = 1.0,
    fmax: float = 40.0,
    n_permutations: int = 1000,
    seed=None,
) -> dict:
    """Share of positive relevance mass in the given bands (default mu + beta).

    ``share = Σ_{f ∈ bands} S⁺(f) / Σ_{fmin ≤ f ≤ fmax} S⁺(f)``, ``S⁺ =
    max(S, 0)``, range [0, 1]. Null: circular shifts of ``S`` within
    ``[fmin, fmax]`` (mean ≈ the bands' share of the frequency range).

    Parameters
    ----------
    freqs : array-like, shape (n_freqs,)
        Frequencies in Hz.
    spectrum : array-like, shape (n_freqs,) | (n_chans, n_freqs)
        Relevance spectrum (2-d maps reduced by ``max |·|`` over channels).
    bands : sequence of (float, float)
        Bands in Hz.
    fmin, fmax : float
        Range defining the total mass.
    n_permutations : int
        Maximum number of shifts (all shifts used when fewer).
    seed : int | numpy.random.Generator | None
        Random seed.

    Returns
    -------
    result : dict
        See the module docstring.
    """
    n_permutations = _check_n_permutations(n_permutations)
    rng = check_random_state(seed)
    freqs = check_array(freqs, "freqs", ndim=1, dtype=float)
    spectrum = _reduce_spectrum(check_array(spectrum, "spectrum", dtype=float), "spectrum")
    if spectrum.shape != freqs.shape:
        raise ValueError("'spectrum' and 'freqs' must have the same number of frequencies.")
    sel = (freqs >= fmin) & (freqs <= fmax)
    if sel.sum() < 2:
        raise ValueError(f"Fewer than 2 frequencies lie in [{fmin}, {fmax}] Hz.")
    grid = freqs[sel]
    mass = np.clip(spectrum[sel], 0, None)
    in_band = np.zeros(len(grid), bool)
    for low, high in bands:
        in_band |= (grid >= low) & (grid <= high)

    def share(m):
        total = m.sum(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, (m * in_band).sum(-1) / total, np.nan)

    n = len(grid)
    lags = np.arange(1, n) if n - 1 <= n_permutations else rng.integers(1, n, n_permutations)
    null_values = share(np.stack([np.roll(mass, lag) for lag in lags]))
    out = permutation_summary(float(share(mass)), null_values, higher_is_better=True,
                              null_name="circular shifts along frequency")
    out["bands"] = [list(map(float, b)) for b in bands]
    return out


# ------------------------------------------------------------------------ spatial
def csp_erd_components(filters, X, y, *, class_names: Sequence[str] = ("left_hand",
                       "right_hand")) -> dict[str, int]:
    """The CSP component whose power drops most for each class (its ERD component).

    For component ``j`` with spatial filter ``w_j``, ``d_jk = mean log var(w_jᵀ
    X | class k) − mean log var(w_jᵀ X | other classes)``; class ``k`` gets
    ``argmin_j d_jk``. For left-hand imagery this is the component whose
    pattern lies over C4 (contralateral ERD) — where the relevance of a
    physiologically plausible decoder should be. Needed because
    ``mne.decoding.CSP(component_order="mutual_info")`` does not order
    components by class.

    Parameters
    ----------
    filters : array-like, shape (n_components, n_chans)
        CSP spatial filters (rows), e.g. from the baselines file.
    X : array-like, shape (n_trials, n_chans, n_times)
        Band-passed (or broadband) trials.
    y : array-like of int, shape (n_trials,)
        Class index per trial.
    class_names : sequence of str
        Name of class ``k`` at position ``k``.

    Returns
    -------
    components : dict of str to int
        Class name → component index (row of ``filters`` and of the patterns).
    """
    filters = check_array(filters, "filters", ndim=2, dtype=float)
    X = check_array(X, "X", ndim=3, dtype=float)
    y = np.asarray(y)
    if filters.shape[1] != X.shape[1]:
        raise ValueError(
            f"'filters' has {filters.shape[1]} channels but 'X' has {X.shape[1]}."
        )
    if y.shape != (X.shape[0],):
        raise ValueError("'y' must have one label per trial of 'X'.")
    sources = np.einsum("jc,nct->njt", filters, X)
    log_var = np.log(sources.var(axis=-1) + np.finfo(float).tiny)
    out = {}
    for k, name in enumerate(class_names):
        if not (y == k).any() or not (y != k).any():
            raise ValueError(f"Class {name!r} (label {k}) or its complement has no trial.")
        d = log_var[y == k].mean(0) - log_var[y != k].mean(0)
        out[str(name)] = int(np.argmin(d))
    return out


def spatial_pattern_correlation(
    channel_relevance,
    pattern,
    *,
    absolute: bool = True,
    method: str = "pearson",
    n_permutations: int = 1000,
    seed=None,
) -> dict:
    """Correlation of channel relevance with a (CSP) spatial pattern.

    ``r = corr(|R_c|, |a_c|)`` over channels ``c`` (absolute values by
    default: a CSP pattern's sign is arbitrary [2]_), Pearson or Spearman,
    range [−1, 1]. Null: shuffled channel labels (every permutation when
    ``n_chans! <= n_permutations``).

    Parameters
    ----------
    channel_relevance : array-like, shape (n_chans,)
        Relevance per channel (e.g. the mean over trials of one class).
    pattern : array-like, shape (n_chans,)
        Spatial pattern, e.g. the CSP pattern most discriminative for the
        class.
    absolute : bool
        Compare absolute values.
    method : ``"pearson"`` | ``"spearman"``
        Correlation type.
    n_permutations : int
        Null sample size.
    seed : int | numpy.random.Generator | None
        Random seed.

    Returns
    -------
    result : dict
        See the module docstring.
    """
    check_option("method", method, ("pearson", "spearman"))
    validate_type(absolute, bool, "absolute")
    n_permutations = _check_n_permutations(n_permutations)
    rng = check_random_state(seed)
    rel = check_array(channel_relevance, "channel_relevance", ndim=1, dtype=float)
    pat = check_array(pattern, "pattern", ndim=1, dtype=float)
    if rel.shape != pat.shape:
        raise ValueError(
            f"'channel_relevance' has {len(rel)} channels but 'pattern' has {len(pat)}."
        )
    if len(rel) < 3:
        raise ValueError("Spatial correlation needs at least 3 channels.")
    if absolute:
        rel, pat = np.abs(rel), np.abs(pat)
    if method == "spearman":
        rel, pat = stats.rankdata(rel), stats.rankdata(pat)
    value = _pearson(rel, pat)
    null_values, exact = _shuffle_null(rel, pat, n_permutations, rng)
    return permutation_summary(value, null_values, higher_is_better=True, exact=exact,
                               null_name="shuffled channels")


def lateralization_agreement(li_relevance, li_erd) -> dict:
    """Fraction of classes whose relevance LI has the sign of the ERD LI.

    ``value = mean_k [sign(LI_rel,k) = sign(LI_erd,k) ≠ 0]``, range [0, 1].
    With the conventions of :func:`eegxai.analysis.lateralization_index`
    (relevance) and :func:`eegxai.expert.erds.erd_lateralization` (ERD
    strength), agreement means the network's relevance sits on the hemisphere
    that desynchronizes. Null: every assignment of signs to the relevance LIs
    (exact; mean 0.5).

    Caution: relevance of gradient×input type scales with the signal's
    amplitude, so a decoder that reads the ERD can put *more* relevance on the
    hemisphere that keeps its rhythm (the ERD hemisphere has less power). The
    ground-truth oracle in the tests (log band-power difference C4 − C3) does
    exactly that: value 0, ``relation == "opposite"``. Report ``relation``
    beside the value: ``"opposite"`` for every class is also a consistent use
    of the lateralized ERD, ``"mixed"`` is not.

    Parameters
    ----------
    li_relevance : dict of str to float | array-like, shape (n_classes,)
        Relevance lateralization index per class.
    li_erd : dict of str to float | array-like, shape (n_classes,)
        ERD lateralization index per class (same keys or order).

    Returns
    -------
    result : dict
        See the module docstring, plus ``"n_classes"``, ``"agree"`` (per
        class, bool) and ``"relation"``: ``"same"`` (all classes agree),
        ``"opposite"`` (all have the opposite nonzero sign) or ``"mixed"``.
    """
    if isinstance(li_relevance, Mapping) != isinstance(li_erd, Mapping):
        raise TypeError("'li_relevance' and 'li_erd' must both be dicts or both arrays.")
    if isinstance(li_relevance, Mapping):
        keys = [k for k in li_relevance if k in li_erd]
        if not keys:
            raise ValueError(
                f"'li_relevance' {sorted(li_relevance)} and 'li_erd' {sorted(li_erd)} "
                "share no class."
            )
        rel = np.array([li_relevance[k] for k in keys], float)
        erd = np.array([li_erd[k] for k in keys], float)
    else:
        rel = check_array(li_relevance, "li_relevance", ndim=1, dtype=float)
        erd = check_array(li_erd, "li_erd", ndim=1, dtype=float)
        if rel.shape != erd.shape:
            raise ValueError("'li_relevance' and 'li_erd' must have the same length.")
        keys = list(range(len(rel)))
    s_rel, s_erd = np.sign(rel), np.sign(erd)
    agree = (s_rel == s_erd) & (s_erd != 0)
    k = len(rel)
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=k)))
    null_values = ((signs == s_erd) & (s_erd != 0)).mean(1)
    out = permutation_summary(float(agree.mean()), null_values, higher_is_better=True,
                              exact=True, null_name="random lateralization signs")
    opposite = (s_rel == -s_erd) & (s_erd != 0)
    out["n_classes"] = k
    out["relation"] = ("same" if agree.all() else "opposite" if opposite.all()
                       else "mixed")
    out["agree"] = {str(key): bool(a) for key, a in zip(keys, agree, strict=True)}
    return out


# ----------------------------------------------------------------------- temporal
def time_course_correlation(
    times,
    course,
    erd_times,
    erd_course,
    *,
    tmin: float | None = None,
    tmax: float | None = None,
    n_permutations: int = 1000,
    seed=None,
) -> dict:
    """Pearson r between the relevance time course and an ERD time course.

    ``erd_course`` is interpolated onto ``times`` within their common span
    (restricted to ``[tmin, tmax]``). Pass the ERD *strength* ``−ERD%`` so
    that a positive r means relevance rises when the rhythm desynchronizes.
    Range [−1, 1]. Null: circular shifts of the relevance time course (keeps
    its autocorrelation).

    Parameters
    ----------
    times : array-like, shape (n_times,)
        Times of the relevance time course in s.
    course : array-like, shape (n_times,)
        Relevance time course (e.g. the mean of ``Σ_c |R|`` over trials).
    erd_times : array-like, shape (n_erd_times,)
        Times of the ERD course in s.
    erd_course : array-like, shape (n_erd_times,)
        ERD strength time course.
    tmin, tmax : float | None
        Compared window in s.
    n_permutations : int
        Maximum number of circular shifts.
    seed : int | numpy.random.Generator | None
        Random seed.

    Returns
    -------
    result : dict
        See the module docstring.
    """
    n_permutations = _check_n_permutations(n_permutations)
    rng = check_random_state(seed)
    times = check_array(times, "times", ndim=1, dtype=float)
    course = check_array(course, "course", ndim=1, dtype=float)
    erd_times = check_array(erd_times, "erd_times", ndim=1, dtype=float)
    erd_course = check_array(erd_course, "erd_course", ndim=1, dtype=float)
    if times.shape != course.shape or erd_times.shape != erd_course.shape:
        raise ValueError("Each time course must have as many values as its times.")
    low = max(times[0], erd_times[0], -np.inf if tmin is None else tmin)
    high = min(times[-1], erd_times[-1], np.inf if tmax is None else tmax)
    sel = (times >= low) & (times <= high)
    if sel.sum() < 3:
        raise ValueError(
            f"The time courses overlap on fewer than 3 samples in [{low}, {high}] s."
        )
    rel = course[sel]
    erd = np.interp(times[sel], erd_times, erd_course)
    value = _pearson(rel, erd)
    null_values, exact = _shift_null(rel, erd, n_permutations, rng)
    out = permutation_summary(value, null_values, higher_is_better=True, exact=exact,
                              null_name="circular time shifts")
    out["tmin"], out["tmax"] = float(times[sel][0]), float(times[sel][-1])
    return out


# ------------------------------------------------------------------ per subject
def _spectrum_of(data: Mapping, key: str) -> tuple[np.ndarray, np.ndarray]:
    if "freqs" not in data or key not in data:
        raise ValueError(f"Expected a dict with 'freqs' and {key!r}, got keys {list(data)}.")
    return np.asarray(data["freqs"], float), np.asarray(data[key], float)


def _course_of(data) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(data, Mapping):
        times = data["times"]
        course = data["all"]["mean"] if "all" in data else data["mean"]
        return np.asarray(times, float), np.asarray(course, float)
    times, course = data
    return np.asarray(times, float), np.asarray(course, float)


def erd_strength_course(erd_time_course: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Reduce an ERD time course to one ERD-strength curve.

    For each class the channel with the most negative mean ERD% after the cue
    (``t >= 0``) is taken (the contralateral channel when the ERD is
    lateralized), its ``−ERD%`` is the class's strength, and the classes are
    averaged.

    Parameters
    ----------
    erd_time_course : dict
        Output of :func:`eegxai.expert.erds.erd_time_course` (``"times"``,
        ``"percent"`` of shape (n_classes, n_chans, n_times)).

    Returns
    -------
    times : ndarray, shape (n_times,)
        Times in s.
    strength : ndarray, shape (n_times,)
        ``−ERD%`` averaged over classes.
    """
    times = np.asarray(erd_time_course["times"], float)
    percent = np.asarray(erd_time_course["percent"], float)
    if percent.ndim == 2:
        percent = percent[None]
    post = times >= 0 if (times >= 0).any() else np.ones(len(times), bool)
    curves = []
    for cls in percent:
        ch = int(np.argmin(cls[:, post].mean(-1)))
        curves.append(-cls[ch])
    return times, np.mean(curves, axis=0)


def compare_subject(
    *,
    subject=None,
    model: str | None = None,
    dataset: str | None = None,
    method: str | None = None,
    first_layer_spectrum: Mapping | None = None,
    perturbation: Mapping | None = None,
    input_spectrum: Mapping | None = None,
    r2: Mapping | None = None,
    discriminative_band: tuple[float, float] | None = None,
    channel_relevance: Mapping | None = None,
    csp_patterns=None,
    csp_components: Mapping | None = None,
    li_relevance: Mapping | None = None,
    li_erd: Mapping | None = None,
    relevance_time_course=None,
    erd_time_course: Mapping | None = None,
    fmin: float = 1.0,
    fmax: float = 40.0,
    n_permutations: int = 1000,
    seed=0,
) -> dict:
    """All agreement metrics for one subject and model, each with its chance level.

    Every input is optional; a metric is computed when its inputs are given.

    Parameters
    ----------
    subject, model, dataset, method : str | int | None
        Identifiers stored in the result.
    first_layer_spectrum : dict | None
        Output of :func:`eegxai.analysis.first_layer_relevance_spectrum`
        (``"freqs"``, ``"positive"``); the positive spectrum is compared.
    perturbation : dict | None
        Output of :func:`eegxai.analysis.amplitude_perturbation_correlation`
        (``"freqs"``, ``"correlation"`` (n_chans, n_freqs)).
    input_spectrum : dict | None
        Output of :func:`eegxai.analysis.input_relevance_spectrum`
        (``"freqs"``, ``"spectrum"``).
    r2 : dict | None
        Output of :func:`eegxai.expert.discriminability.band_power_r2`
        (``"freqs"``, ``"r2"`` (n_chans, n_freqs)); needed by the spectral
        metrics.
    discriminative_band : (float, float) | None
        The subject's discriminative band; computed from ``r2`` when None.
    channel_relevance : dict of str to array, shape (n_chans,) | None
        Mean channel relevance per class name.
    csp_patterns : array-like, shape (n_components, n_chans) | None
        CSP patterns (channel order as in ``channel_relevance``).
    csp_components : dict of str to int | None
        Index of the CSP component of each class, best from
        :func:`csp_erd_components`; default the first component for the first
        class and the last for the second (right for eigenvalue-sorted CSP,
        not for ``component_order="mutual_info"``).
    li_relevance, li_erd : dict of str to float | None
        Relevance and ERD lateralization indices per class.
    relevance_time_course : dict | (times, course) | None
        Output of :func:`eegxai.analysis.relevance_time_course` (uses
        ``"all"``'s mean; compute it with ``absolute=True``) or a tuple.
    erd_time_course : dict | None
        Output of :func:`eegxai.expert.erds.erd_time_course` in the
        discriminative band; reduced by :func:`erd_strength_course`.
    fmin, fmax : float
        Frequency range of the spectral metrics.
    n_permutations : int
        Null sample size of each metric.
    seed : int | None
        Seed of the nulls.

    Returns
    -------
    result : dict
        ``subject``, ``model``, ``dataset``, ``method``, ``metrics`` (name →
        summary dict; :func:`eegxai.report.readings.readings` turns them into
        sentences) and ``discriminative`` (most discriminative frequency and
        band).
    """
    from .expert.discriminability import (
        discriminative_band as _disc_band,
    )
    from .expert.discriminability import (
        most_discriminative_frequency,
    )

    rng = check_random_state(seed)
    metrics: dict[str, dict] = {}
    result = {"subject": subject, "model": model, "dataset": dataset, "method": method,
              "metrics": metrics}

    spectra = {}
    if first_layer_spectrum is not None:
        spectra["first_layer"] = _spectrum_of(first_layer_spectrum, "positive")
    if perturbation is not None:
        spectra["perturbation"] = _spectrum_of(perturbation, "correlation")
    if input_spectrum is not None:
        spectra["input"] = _spectrum_of(input_spectrum, "spectrum")

    if r2 is not None:
        r2_freqs, r2_map = _spectrum_of(r2, "r2")
        disc = most_discriminative_frequency(r2_freqs, r2_map, fmin=max(fmin, 5.0),
                                             fmax=min(fmax, 35.0))
        if discriminative_band is None:
            discriminative_band = _disc_band(r2_freqs, r2_map, fmin=max(fmin, 5.0),
                                             fmax=min(fmax, 35.0))
        result["discriminative"] = {"freq": disc["freq"], "channel": disc["channel"],
                                    "r2": disc["r2"],
                                    "band": [float(b) for b in discriminative_band]}
        for name, (freqs, spec) in spectra.items():
            metrics[f"spectral_spearman_{name}"] = spectral_rank_correlation(
                freqs, spec, r2_freqs, r2_map, fmin=fmin, fmax=fmax,
                n_permutations=n_permutations, seed=rng)
            metrics[f"peak_distance_{name}"] = peak_frequency_distance(
                freqs, spec, disc["freq"], discriminative_band, fmin=fmin, fmax=fmax)
    for name, (freqs, spec) in spectra.items():
        metrics[f"mu_beta_share_{name}"] = band_share(
            freqs, spec, fmin=fmin, fmax=fmax, n_permutations=n_permutations, seed=rng)

    if channel_relevance is not None and csp_patterns is not None:
        patterns = check_array(csp_patterns, "csp_patterns", ndim=2, dtype=float)
        classes = list(channel_relevance)
        if csp_components is None:
            defaults = [0, len(patterns) - 1]
            csp_components = {c: defaults[min(i, 1)] for i, c in enumerate(classes)}
        for cls in classes:
            comp = int(csp_components[cls])
            s = spatial_pattern_correlation(channel_relevance[cls], patterns[comp],
                                            n_permutations=n_permutations, seed=rng)
            s["component"] = comp
            metrics[f"csp_pattern_correlation_{cls}"] = s

    if li_relevance is not None and li_erd is not None:
        metrics["lateralization_agreement"] = lateralization_agreement(li_relevance,
                                                                       li_erd)

    if relevance_time_course is not None and erd_time_course is not None:
        times, course = _course_of(relevance_time_course)
        erd_times, strength = erd_strength_course(erd_time_course)
        metrics["time_course_correlation"] = time_course_correlation(
            times, course, erd_times, strength, n_permutations=n_permutations, seed=rng)
    return result


# ------------------------------------------------------------------ group and IO
def agreement_table(results: Sequence[Mapping], *, alpha: float = 0.05):
    """Summarize :func:`compare_subject` results over subjects.

    Parameters
    ----------
    results : sequence of dict
        Outputs of :func:`compare_subject` (or :func:`read_comparison`).
    alpha : float
        Level for the share of subjects better than chance.

    Returns
    -------
    table : pandas.DataFrame
        One row per (dataset, model, method, metric) with ``n`` subjects,
        ``mean``, ``sd`` (ddof=1), ``null_mean`` (mean chance level),
        ``share_significant`` (share with p < alpha) and ``summary``
        (``"mean ± sd"``).
    """
    import pandas as pd

    rows = []
    for res in results:
        for metric, summary in res.get("metrics", {}).items():
            rows.append({
                "dataset": res.get("dataset"), "model": res.get("model"),
                "method": res.get("method"), "subject": res.get("subject"),
                "metric": metric, "value": summary.get("value"),
                "null_mean": summary.get("null_mean"),
                "p_value": summary.get("p_value"),
            })
    columns = ["dataset", "model", "method", "metric", "n", "mean", "sd", "null_mean",
               "share_significant", "summary"]
    if not rows:
        return pd.DataFrame(columns=columns)
    long = pd.DataFrame(rows)
    keys = ["dataset", "model", "method", "metric"]
    long[keys] = long[keys].astype(str)
    grouped = long.groupby(keys, sort=True)
    table = grouped.agg(
        n=("value", "count"), mean=("value", "mean"), sd=("value", "std"),
        null_mean=("null_mean", "mean"),
        share_significant=("p_value", lambda p: float((p < alpha).mean())),
    ).reset_index()
    table["summary"] = [
        f"{m:.2f} ± {s:.2f}" if np.isfinite(s) else f"{m:.2f}"
        for m, s in zip(table["mean"], table["sd"], strict=True)
    ]
    return table[columns]


def write_comparison(path: str | os.PathLike, result: Mapping, *,
                     config: dict | None = None) -> Path:
    """Write a :func:`compare_subject` result as JSON, atomically, with provenance.

    Conventional path: ``results/compare/{dataset}/{subject}/{model}.json``.
    """
    data = dict(result)
    prov = provenance()
    if config is not None:
        prov["config"] = config
    data["provenance"] = prov
    return write_json(path, data)


def read_comparison(path: str | os.PathLike) -> dict:
    """Read a file written by :func:`write_comparison`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No comparison file at {path}.")
    return read_json(path)
