"""The expert's view of one subject: what a neurophysiologist would look at.

:func:`expert_features` computes, from all trials of a subject, the features
the network's relevance is compared with (:func:`eegxai.compare.compare_subject`)
and that the subject report shows next to it:

- band-power signed r² per channel and frequency (which rhythms separate the
  classes) and the subject's most discriminative band;
- ERD/ERS maps at C3/Cz/C4 with cluster-permutation masks, the ERD time course
  in the discriminative band and the ERD lateralization index;
- the CSP patterns of the CSP+LDA baseline (first fold) and, per class, the CSP
  component whose power drops for that class.

Every choice (frequency grid, windows, baseline) is a field of
:class:`ExpertParams`; the result is an :class:`ExpertFeatures`, written to and
read from the ``…-expert.json`` file by :meth:`ExpertFeatures.to_dict` /
:meth:`ExpertFeatures.from_dict`.

References
----------
Pfurtscheller G, Lopes da Silva FH (1999). Event-related EEG/MEG
synchronization and desynchronization: basic principles. Clin Neurophysiol
110(11):1842-1857.

Blankertz B et al. (2008). Optimizing spatial filters for robust EEG
single-trial analysis. IEEE Signal Process Mag 25(1):41-56.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._check import check_positive, validate_type
from .erds import ERDSResult

__all__ = ["ERDS_CHANNELS", "ExpertFeatures", "ExpertParams", "expert_features"]

#: Channels of the ERD/ERS maps when present (the classic motor triplet).
ERDS_CHANNELS = ("C3", "Cz", "C4")


@dataclass(frozen=True)
class ExpertParams:
    """Analysis choices of :func:`expert_features` (validated on creation).

    Attributes
    ----------
    erds_fmin, erds_fmax, erds_fstep : float
        Frequency grid of the ERD/ERS maps, ``erds_fmin`` to ``erds_fmax``
        inclusive, in Hz.
    r2_fmax : float
        Highest frequency of the band-power r² spectrum, Hz.
    window_start : float
        Start (s after the cue) of the window for r² (the window ends with the
        epoch); skips the visual evoked response to the cue.
    lateralization_window : (float, float)
        Window in s after the cue of the ERD lateralization index (clipped to
        the epoch).
    erds_permutations : int
        Permutations of each ERD/ERS cluster test.
    """

    erds_fmin: float = 6.0
    erds_fmax: float = 35.0
    erds_fstep: float = 1.0
    r2_fmax: float = 40.0
    window_start: float = 0.5
    lateralization_window: tuple[float, float] = (0.5, 2.5)
    erds_permutations: int = 500

    def __post_init__(self):
        for name in ("erds_fmin", "erds_fmax", "erds_fstep", "r2_fmax"):
            check_positive(getattr(self, name), name)
        if not self.erds_fmin < self.erds_fmax:
            raise ValueError(f"'erds_fmin' ({self.erds_fmin}) must be below "
                             f"'erds_fmax' ({self.erds_fmax}).")
        validate_type(self.erds_permutations, numbers.Integral, "erds_permutations")
        check_positive(self.erds_permutations, "erds_permutations")
        lo, hi = self.lateralization_window
        if not lo < hi:
            raise ValueError(f"'lateralization_window' must be (start, stop) with "
                             f"start < stop, got {self.lateralization_window}.")
        object.__setattr__(self, "lateralization_window", (float(lo), float(hi)))

    @property
    def erds_freqs(self) -> np.ndarray:
        """The ERD/ERS frequency grid, shape (n_freqs,)."""
        return np.arange(self.erds_fmin, self.erds_fmax + self.erds_fstep / 2,
                         self.erds_fstep)


@dataclass(frozen=True)
class ExpertFeatures:
    """Expert features of one subject (see the module docstring).

    Attributes
    ----------
    r2 : dict
        ``freqs`` (n_freqs,), ``r2`` (n_chans, n_freqs) signed r² of log band
        power (positive: more power in the second class), ``ch_names``.
    discriminative_band : (float, float)
        The subject's most discriminative band in Hz.
    erds : ERDSResult
        ERD/ERS maps and significance masks at :data:`ERDS_CHANNELS`.
    erd_time_course : dict
        :func:`eegxai.expert.erds.erd_time_course` in the discriminative band.
    li_erd : dict of str to float | None
        ERD lateralization index per class (None without both C3 and C4).
    csp_patterns : ndarray, shape (n_components, n_chans) | None
        CSP patterns of the CSP+LDA baseline's first fold (None without it).
    csp_components : dict of str to int | None
        Per class, the CSP component whose power drops for that class.
    """

    r2: dict
    discriminative_band: tuple[float, float]
    erds: ERDSResult
    erd_time_course: dict
    li_erd: dict | None = None
    csp_patterns: np.ndarray | None = None
    csp_components: dict | None = None

    def to_dict(self) -> dict:
        """JSON-serializable dict, the keys of the ``…-expert.json`` file."""
        return {
            "r2": self.r2,
            "discriminative_band": self.discriminative_band,
            "erds": self.erds.to_dict(),
            "erd_time_course": self.erd_time_course,
            "csp_patterns": self.csp_patterns,
            "csp_components": self.csp_components,
            "li_erd": self.li_erd,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExpertFeatures:
        """Inverse of :meth:`to_dict`; other keys of ``data`` are ignored."""
        patterns = data.get("csp_patterns")
        return cls(
            r2=dict(data["r2"]),
            discriminative_band=tuple(float(b) for b in data["discriminative_band"]),
            erds=ERDSResult.from_dict(data["erds"]),
            erd_time_course=dict(data["erd_time_course"]),
            li_erd=data.get("li_erd"),
            csp_patterns=None if patterns is None else np.asarray(patterns, float),
            csp_components=data.get("csp_components"),
        )


def _csp_view(baselines: Mapping | None, X, y, class_names):
    from ..compare import csp_erd_components

    csp = (baselines or {}).get("methods", {}).get("csp_lda")
    if csp is None:
        return None, None
    fold0 = csp["folds"][0]
    patterns = np.asarray(fold0["patterns"])
    components = csp_erd_components(np.asarray(fold0["filters"]), X, y,
                                    class_names=class_names)
    return patterns, components


def expert_features(
    X: np.ndarray,
    y: np.ndarray,
    *,
    sfreq: float,
    times: np.ndarray,
    ch_names: Sequence[str],
    class_names: Sequence[str],
    baselines: Mapping | None = None,
    params: ExpertParams | None = None,
    seed: int = 0,
) -> ExpertFeatures:
    """Compute the expert features of one subject from all its trials.

    Parameters
    ----------
    X : ndarray, shape (n_trials, n_chans, n_times)
        All trials of the subject.
    y : ndarray of int, shape (n_trials,)
        Class index per trial (two classes).
    sfreq : float
        Sampling frequency in Hz.
    times : ndarray, shape (n_times,)
        Times in s relative to the cue.
    ch_names, class_names : sequence of str
        Channel and class names.
    baselines : mapping | None
        :func:`eegxai.expert.baselines.read_baselines` output; its ``csp_lda``
        entry gives the CSP patterns (none without it).
    params : ExpertParams | None
        Analysis choices (default :class:`ExpertParams()`).
    seed : int
        Seeds the cluster permutations.

    Returns
    -------
    features : ExpertFeatures
    """
    from .discriminability import band_power_r2, discriminative_band
    from .erds import erd_lateralization, erd_time_course, erds_map

    params = ExpertParams() if params is None else params
    ch_names, class_names = list(ch_names), list(class_names)
    window = (max(params.window_start, times[0]), times[-1])
    r2 = band_power_r2(X, y, sfreq=sfreq, times=times, window=window,
                       fmax=params.r2_fmax)
    band = tuple(float(b) for b in discriminative_band(r2["freqs"], r2["r2"]))
    picks = [c for c in ERDS_CHANNELS if c in ch_names] or ch_names[:3]
    pick_idx = [ch_names.index(c) for c in picks]
    baseline = (float(times[0]), 0.0)
    erds = erds_map(
        X[:, pick_idx], y, sfreq=sfreq, times=times, freqs=params.erds_freqs,
        ch_names=picks, class_names=class_names, baseline=baseline,
        n_permutations=params.erds_permutations, decim=max(1, int(sfreq // 50)),
        seed=seed,
    )
    lo, hi = params.lateralization_window
    li_erd = (erd_lateralization(erds, band=band, window=(lo, min(hi, times[-1])))
              if {"C3", "C4"} <= set(picks) else None)
    erd_tc = erd_time_course(X[:, pick_idx], y, sfreq=sfreq, times=times, band=band,
                             baseline=baseline, class_names=class_names)
    patterns, components = _csp_view(baselines, X, y, class_names)
    return ExpertFeatures(
        r2={"freqs": r2["freqs"], "r2": r2["r2"], "ch_names": ch_names},
        discriminative_band=band, erds=erds, erd_time_course=erd_tc, li_erd=li_erd,
        csp_patterns=patterns, csp_components=components,
    )
