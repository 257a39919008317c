"""Group maps of a dataset and their agreement, each read against its chance level.

Every subject weighs alike whatever its scale: a subject's channel map (relevance
per class, or the |CSP pattern| of the class's ERD component,
:func:`eegxai.compare.csp_erd_components`) is z-scored across channels, then the
maps are averaged over subjects. The group first-layer relevance spectrum is the
mean of each subject's positive spectrum divided by its sum; group time courses
are means of z-scored courses. Group ERD/ERS maps are the mean percent over
subjects; a point is masked when it lies in a significant cluster for at least
half of the subjects.

:func:`group_agreement` applies the metrics and null models of the subject
reports (:mod:`eegxai.compare`) to these group maps: spatial Pearson r with the
group |CSP pattern| per class (shuffled channels), lateralization agreement with
the group ERD (all sign flips), the mu + beta share of the group first-layer
spectrum (circular frequency shifts) and the correlation of the group relevance
time course with the group ERD strength (circular time shifts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .._check import validate_type

__all__ = ["group_agreement", "group_channel_maps", "group_csp_patterns", "group_erds",
           "zscored"]


def zscored(values) -> np.ndarray:
    """``(v − mean) / sd`` of a map (only centred when its sd is 0).

    Parameters
    ----------
    values : array-like, shape (n,)
        A map, e.g. relevance per channel.

    Returns
    -------
    z : ndarray, shape (n,)
    """
    v = np.asarray(values, float)
    sd = v.std()
    return (v - v.mean()) / sd if sd > 0 else v - v.mean()


def group_channel_maps(summaries: Sequence[Mapping], *,
                       key: str = "channel_relevance") -> dict[str, np.ndarray]:
    """Mean over subjects of the z-scored channel relevance of each class.

    Parameters
    ----------
    summaries : sequence of dict
        Relevance summaries (:func:`eegxai.analysis.summarize_relevance`) of one
        model and method, one per subject, with the same channels.
    key : ``"channel_relevance"`` | ``"channel_relevance_abs"``
        Signed mean relevance per channel, or mean |relevance|.

    Returns
    -------
    maps : dict of str to ndarray, shape (n_chans,)
        Class name → group map, for the classes every subject has trials of.
    """
    from .._check import check_option

    check_option("key", key, ("channel_relevance", "channel_relevance_abs"))
    if not summaries:
        raise ValueError("'summaries' is empty: no subject to average.")
    n_chans = {len(s["ch_names"]) for s in summaries}
    if len(n_chans) != 1:
        raise ValueError(f"The subjects' summaries differ in channels: {sorted(n_chans)}.")
    classes = [c for c in summaries[0].get("class_names", [])
               if all(s["subsets"].get(c, {}).get("n_trials") for s in summaries)]
    return {c: np.mean([zscored(s["subsets"][c][key]) for s in summaries], axis=0)
            for c in classes}


def group_csp_patterns(experts: Sequence[Mapping],
                       classes: Sequence[str]) -> dict[str, np.ndarray]:
    """Mean over subjects of the z-scored |CSP pattern| of each class's ERD component.

    Parameters
    ----------
    experts : sequence of dict
        Expert-feature files of the compare step (``csp_patterns`` (n_components,
        n_chans), ``csp_components`` class → component index), one per subject.
    classes : sequence of str
        Class names.

    Returns
    -------
    patterns : dict of str to ndarray, shape (n_chans,)
    """
    usable = [e for e in experts if e.get("csp_patterns") is not None
              and e.get("csp_components")]
    if not usable:
        raise ValueError("No CSP patterns in the expert files.")
    return {c: np.mean([zscored(np.abs(np.asarray(e["csp_patterns"])[e["csp_components"][c]]))
                        for e in usable], axis=0) for c in classes}


def group_erds(experts: Sequence[Mapping]):
    """Group ERD/ERS maps: mean percent; masks where half the subjects have a cluster.

    Parameters
    ----------
    experts : sequence of dict
        Expert-feature files with an ``erds`` entry
        (:meth:`eegxai.expert.erds.ERDSResult.to_dict`), maps of one shape.

    Returns
    -------
    result : eegxai.expert.erds.ERDSResult
        ``percent`` of shape (n_classes, n_chans, n_freqs, n_times); ``n_trials``
        summed over subjects.
    """
    from ..expert.erds import ERDSResult

    results = [ERDSResult.from_dict(e["erds"]) for e in experts if e.get("erds")]
    if not results:
        raise ValueError("No ERD/ERS maps in the expert files.")
    shapes = {r.percent.shape for r in results}
    if len(shapes) != 1:
        raise ValueError(f"ERD/ERS maps differ in shape between subjects: {shapes}")
    first, half = results[0], len(results) / 2
    return ERDSResult(
        freqs=first.freqs, times=first.times, ch_names=first.ch_names,
        class_names=first.class_names,
        percent=np.mean([r.percent for r in results], axis=0),
        mask_ers=np.sum([r.mask_ers for r in results], axis=0) >= half,
        mask_erd=np.sum([r.mask_erd for r in results], axis=0) >= half,
        n_trials=list(np.sum([r.n_trials for r in results], axis=0)),
        params=first.params)


def _group_spectrum(summaries: Sequence[Mapping]) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the sum-normalized positive first-layer spectra on the first grid."""
    layers = [s["subsets"]["all"].get("first_layer") for s in summaries]
    if not all(layers):
        raise ValueError("no first-layer spectrum (not LRP or no temporal first layer)")
    freqs = np.asarray(layers[0]["freqs"], float)
    curves = [np.interp(freqs, fl["freqs"], fl["positive"]) for fl in layers]
    return freqs, np.mean([c / c.sum() if c.sum() > 0 else c for c in curves], axis=0)


def _group_courses(summaries: Sequence[Mapping], experts: Sequence[Mapping]):
    """Group relevance time course and group ERD strength course (z-scored means)."""
    from ..compare import erd_strength_course

    times = np.asarray(summaries[0]["times"], float)
    relevance = np.mean([zscored(np.interp(times, s["times"],
                                           s["subsets"]["all"]["time_course"]["mean"]))
                         for s in summaries], axis=0)
    strengths = [erd_strength_course(e["erd_time_course"]) for e in experts
                 if e.get("erd_time_course")]
    if not strengths:
        raise ValueError("No ERD time course in the expert files.")
    erd_times = strengths[0][0]
    erd = np.mean([zscored(np.interp(erd_times, t, c)) for t, c in strengths], axis=0)
    return times, relevance, erd_times, erd


def group_agreement(
    summaries: Sequence[Mapping],
    experts: Sequence[Mapping],
    *,
    band: tuple[float, float] = (8.0, 30.0),
    window: tuple[float, float] = (0.5, 2.5),
    n_permutations: int = 1000,
    seed: int = 0,
) -> dict[str, dict]:
    """Agreement metrics of the group maps of one model and method, with chance levels.

    Parameters
    ----------
    summaries : sequence of dict
        Relevance summaries of one model and method, one per subject.
    experts : sequence of dict
        Expert-feature files of the compare step, one per subject.
    band, window : (float, float)
        ERD band (Hz) and time window (s) of the group ERD lateralization
        (:func:`eegxai.expert.erds.erd_lateralization`).
    n_permutations : int
        Null sample size of each metric.
    seed : int
        Seed of the nulls.

    Returns
    -------
    metrics : dict
        Metric name → :func:`eegxai.compare.permutation_summary` dict (``value``,
        ``null_mean``, ``null_p95``, ``p_value``, …): ``csp_pattern_correlation_{class}``
        (z-scored mean |relevance| vs z-scored |pattern|, no further absolute
        value), ``lateralization_agreement``, ``mu_beta_share_first_layer`` and
        ``time_course_correlation`` where their inputs exist.
    """
    from .. import compare
    from .._check import check_random_state

    validate_type(seed, (int, np.integer), "seed")
    rng = check_random_state(seed)
    summaries, experts = list(summaries), list(experts)
    metrics: dict[str, dict] = {}
    relevance_abs = group_channel_maps(summaries, key="channel_relevance_abs")
    if any(e.get("csp_patterns") is not None for e in experts):
        patterns = group_csp_patterns(experts, list(relevance_abs))
        for c, rel in relevance_abs.items():
            metrics[f"csp_pattern_correlation_{c}"] = compare.spatial_pattern_correlation(
                rel, patterns[c], absolute=False, n_permutations=n_permutations, seed=rng)
    li_rel = _relevance_li(summaries)
    if any(e.get("erds") for e in experts) and li_rel:
        from ..expert.erds import erd_lateralization

        erds = group_erds(experts)
        if {"C3", "C4"} <= set(erds.ch_names):
            li_erd = erd_lateralization(erds, band=band, window=window)
            metrics["lateralization_agreement"] = compare.lateralization_agreement(
                li_rel, li_erd)
    if all(s["subsets"]["all"].get("first_layer") for s in summaries):
        freqs, spectrum = _group_spectrum(summaries)
        metrics["mu_beta_share_first_layer"] = compare.band_share(
            freqs, spectrum, n_permutations=n_permutations, seed=rng)
    if any(e.get("erd_time_course") for e in experts):
        times, course, erd_times, erd = _group_courses(summaries, experts)
        metrics["time_course_correlation"] = compare.time_course_correlation(
            times, course, erd_times, erd, n_permutations=n_permutations, seed=rng)
    return metrics


def _relevance_li(summaries: Sequence[Mapping]) -> dict[str, float]:
    """Lateralization index of each class's group (signed) relevance map."""
    from ..analysis.spatial import lateralization_index

    first = summaries[0]
    lat = first.get("lateralization", {})
    ch_names = list(first["ch_names"])
    left, right = lat.get("left", "C3"), lat.get("right", "C4")
    mode = lat.get("mode", "channels")
    maps = group_channel_maps(summaries)
    try:
        return {c: float(lateralization_index(m, ch_names, left=left, right=right,
                                              mode=mode)) for c, m in maps.items()}
    except ValueError:  # the montage lacks the compared channels: no lateralization
        return {}
