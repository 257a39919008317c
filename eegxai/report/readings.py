"""One plain-language sentence per agreement metric, for the reports.

:func:`eegxai.compare.compare_subject` returns numbers only (value, chance
level, p-value, ...); the words a reader sees are made here, from those
numbers, so the science layer holds no presentation text and a wording change
touches no result file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["SPECTRUM_LABELS", "metric_reading", "prototype_reading", "readings",
           "shap_lrp_reading"]

#: What each network spectrum is called in a sentence (metric name suffixes).
SPECTRUM_LABELS = {
    "first_layer": "first-layer relevance spectrum",
    "perturbation": "amplitude-perturbation spectrum",
    "input": "input-relevance spectrum",
}

_RELATION = {"same": "on the ERD hemisphere",
             "opposite": "on the hemisphere opposite to the ERD",
             "mixed": "inconsistently"}


def _chance(m: Mapping) -> str:
    higher = m.get("higher_is_better", True)
    return (f"chance {m['null_mean']:.2f}, 95% of chance "
            f"{'below' if higher else 'above'} "
            f"{m['null_p95' if higher else 'null_p05']:.2f}, p = {m['p_value']:.3f}")


def metric_reading(name: str, m: Mapping, discriminative: Mapping | None = None) -> str:
    """The sentence for metric ``name`` of a :func:`compare_subject` result.

    Parameters
    ----------
    name : str
        Metric name, e.g. ``"peak_distance_first_layer"``.
    m : mapping
        Its summary (``value``, ``null_mean``, ``p_value``, ...).
    discriminative : mapping | None
        The result's ``discriminative`` entry (``freq``, ``band``), for the
        sentences that name the subject's band.

    Returns
    -------
    reading : str
        Empty for a metric this module does not know.
    """
    disc = discriminative or {}
    band = disc.get("band")
    for prefix in ("spectral_spearman_", "peak_distance_", "mu_beta_share_"):
        if name.startswith(prefix):
            label = SPECTRUM_LABELS.get(name[len(prefix):], name[len(prefix):])
            break
    if name.startswith("spectral_spearman_"):
        return (f"{label} and |r²| spectrum rank-correlate at ρ = {m['value']:.2f} "
                f"({_chance(m)})")
    if name.startswith("peak_distance_"):
        where = "inside" if m["inside_band"] else "outside"
        lo, hi = band if band is not None else (float("nan"), float("nan"))
        return (f"{label} peaks at {m['peak_freq']:.1f} Hz, {where} the subject's most "
                f"discriminative band {lo:g}–{hi:g} Hz (most discriminative "
                f"{disc.get('freq', float('nan')):.1f} Hz, |Δ| = {m['value']:.1f} Hz; "
                f"chance |Δ| {m['null_mean']:.1f} Hz, p = {m['p_value']:.3f})")
    if name.startswith("mu_beta_share_"):
        return (f"{100 * m['value']:.0f}% of the {label}'s mass lies in mu+beta "
                f"(8–30 Hz) vs {100 * m['null_mean']:.0f}% by chance "
                f"(p = {m['p_value']:.3f})")
    if name.startswith("csp_pattern_correlation_"):
        cls = name[len("csp_pattern_correlation_"):]
        return (f"channel relevance for {cls} correlates r = {m['value']:.2f} with "
                f"|CSP pattern {m['component']}| ({_chance(m)})")
    if name == "lateralization_agreement":
        n_agree = sum(bool(v) for v in m["agree"].values())
        return (f"relevance lateralizes like the ERD for {n_agree} of "
                f"{m['n_classes']} classes (chance {m['null_mean'] * m['n_classes']:.1f}, "
                f"p = {m['p_value']:.3f}); relevance lies {_RELATION[m['relation']]}")
    if name == "time_course_correlation":
        band_txt = f"{band[0]:g}–{band[1]:g} Hz " if band is not None else ""
        return (f"relevance time course correlates r = {m['value']:.2f} with the "
                f"{band_txt}ERD strength ({_chance(m)})")
    return ""


def readings(comparison: Mapping) -> dict[str, str]:
    """Metric name → sentence for every metric of a :func:`compare_subject` result."""
    disc = comparison.get("discriminative")
    return {name: metric_reading(name, m, disc)
            for name, m in comparison.get("metrics", {}).items()}


def _num(value, fmt: str = ".2f") -> str:
    return "n/a" if value is None or value != value else format(float(value), fmt)


def shap_lrp_reading(entry: Mapping) -> str:
    """The sentence for the ``shap_lrp`` entry of a compare result.

    Parameters
    ----------
    entry : mapping
        :func:`eegxai.experiments.shap_bandpower.shap_lrp_agreement` output
        (``spearman_abs``, ``spearman``, ``cosine``, ``same_top``, ``n_trials``,
        ``lda_accuracy``).

    Returns
    -------
    reading : str
    """
    top = "on the same" if entry.get("same_top") else "on different"
    return (f"On {entry.get('n_trials')} test trials, SHAP of the band-power LDA "
            f"(test accuracy {_num(entry.get('lda_accuracy'))}) and LRP of the ConvNet "
            f"rank the channel × band features alike at ρ = "
            f"{_num(entry.get('spearman_abs'))} by magnitude (signed ρ = "
            f"{_num(entry.get('spearman'))}, cosine {_num(entry.get('cosine'))}); "
            f"the two maps peak (largest mean |value|) {top} channel × band.")


def prototype_reading(kind: str, entry: Mapping, class_names: Sequence[str]) -> str:
    """The sentence for one kind of per-class prototype (evaluate results).

    Parameters
    ----------
    kind : str
        'l2' or 'prior'.
    entry : mapping
        ``prob`` (n_classes,), ``bands`` and ``lateralization`` (n_classes,
        n_bands) or None (:func:`eegxai.pipeline.evaluate_step`).
    class_names : sequence of str
        Classes in the order of the arrays.

    Returns
    -------
    reading : str
    """
    probs = ", ".join(f"{c} {_num(p, '.3f')}" for c, p in
                      zip(class_names, entry.get("prob") or [], strict=False))
    text = f"{kind} prototypes: p(class | prototype) {probs}."
    li, bands = entry.get("lateralization"), list(entry.get("bands") or [])
    if li is None or "mu" not in bands:
        return text + " No C3/C4 pair: no lateralization."
    mu = bands.index("mu")
    parts = [f"{c} {_num(row[mu])}" for c, row in zip(class_names, li, strict=False)]
    return (text + " Mu lateralization (C3 − C4) / (C3 + C4) of the prototype's "
            f"power: {', '.join(parts)}; a contralateral ERD gives the left-hand "
            "prototype LI > 0 and the right-hand prototype LI < 0.")
