"""Per-subject HTML report: data, decoding, relevance, rhythm, expert view, agreement.

:func:`subject_report` reads every per-subject output of the workflow (the
formats are documented by their writers, see :mod:`eegxai.pipeline`) and writes
one self-contained HTML file (:mod:`eegxai.report.html`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._check import validate_type
from .._io import read_json
from ..experiments.clever_hans import (  # one threshold for the report and the check
    EOG_FLAG_FACTOR,
    eog_flag_threshold,
)
from ..expert.features import ExpertFeatures
from . import figures
from .html import (
    Section,
    figure_item,
    flag_item,
    image_item,
    provenance_items,
    render_page,
    table_item,
    text_item,
    write_page,
)
from .readings import prototype_reading, readings, shap_lrp_reading

logger = logging.getLogger(__name__)

__all__ = ["EOG_FLAG_FACTOR", "TOPOMAP_MIN_CHANNELS", "reference_rows", "subject_report"]

#: Fewer channels than this are drawn as bar charts instead of scalp maps.
TOPOMAP_MIN_CHANNELS = 16
#: Moving-average width (s) applied to relevance time courses in figures.
SMOOTH_S = 0.05

METRIC_COLUMNS = ("accuracy", "kappa", "roc_auc")


def _guarded(items: list, title: str, make: Callable[[], dict | list]) -> None:
    """Append ``make()``; a figure that cannot be drawn becomes a visible notice.

    A report documents a run; one missing optional input (e.g. no CSP baseline)
    must not hide every other result, but it must not pass silently either.
    """
    try:
        result = make()
    except Exception as err:  # noqa: BLE001 - reported in the page and the log
        logger.warning("report item %r failed: %s", title, err, exc_info=True)
        items.append(flag_item(f"{title}: not available ({type(err).__name__}: {err})"))
        return
    items.extend(result if isinstance(result, list) else [result])


def reference_rows(reference: str | None, subject_number: int | None = None, *,
                   simulated: bool = False) -> list[tuple]:
    """Published decoding numbers as decoding-table rows.

    Parameters
    ----------
    reference : "bci_iv_2b" | None
        Which reference set (:data:`eegxai.metrics.REFERENCE_2B`).
    subject_number : int | None
        Adds the competition winner's kappa for this subject (real data only).
    simulated : bool
        Simulated data in the 2b layout: no per-subject numbers.

    Returns
    -------
    rows : list of tuple
        (decoder, source, accuracy, kappa, roc_auc).
    """
    if reference != "bci_iv_2b":
        return []
    from ..metrics import REFERENCE_2B as ref

    win, schirr, moabb = (ref["competition_winner"], ref["schirrmeister2017"],
                          ref["moabb2024"])
    rows = [
        (f"reference: competition winner, {win['method']} (mean of 9)", win["source"],
         None, win["mean"], None),
        (f"reference: 2nd place, {ref['second_place']['method']} (mean)",
         ref["second_place"]["source"], None, ref["second_place"]["mean"], None),
        ("reference: Schirrmeister FBCSP (mean)", schirr["source"], None,
         schirr["fbcsp"], None),
        ("reference: Schirrmeister shallow ConvNet (mean)", schirr["source"], None,
         schirr["fbcsp"] + schirr["shallow_minus_fbcsp"], None),
        ("reference: Schirrmeister deep ConvNet (mean)", schirr["source"], None,
         schirr["fbcsp"] + schirr["deep_minus_fbcsp"], None),
    ]
    for name in ("ShallowConvNet", "CSP+LDA"):
        rows.append((f"reference: MOABB {name} (mean, ROC-AUC)", moabb["source"], None,
                     None, moabb[name] / 100))
    per_subject = win.get("per_subject", {})
    if not simulated and subject_number is not None and str(subject_number) in per_subject:
        rows.insert(1, (f"reference: competition winner, subject {subject_number}",
                        win["source"], None, per_subject[str(subject_number)], None))
    return rows


# ------------------------------------------------------------------ sections
def _data_section(qc: dict, qc_png: str | os.PathLike, dataset: str,
                  subject: str) -> Section:
    channels = list(qc.get("channels", []))
    sessions = qc.get("n_trials_per_session", {})
    classes = list(qc.get("n_trials_per_class", {}))
    dropped = qc.get("dropped", {}) or {}
    items = [table_item(
        ["property", "value"],
        [("dataset", dataset), ("subject", subject),
         ("recording", f"{qc.get('dataset')} subject {qc.get('subject')}"),
         ("channels", f"{len(channels)}: {', '.join(map(str, channels))}"),
         ("sampling rate (Hz)", qc.get("sfreq")),
         ("epoch window (s)", f"{qc.get('tmin')} to {qc.get('tmax')} relative to the cue"),
         ("unit after preprocessing", qc.get("unit")),
         ("sessions", len(sessions)),
         ("trials", qc.get("n_trials")),
         ("trials per class", ", ".join(f"{k}: {v}" for k, v in
                                        qc.get("n_trials_per_class", {}).items())),
         ("dropped epochs", dropped.get("n", 0))],
        title="Recording summary")]
    items.append(table_item(
        ["session", *classes],
        [(s, *(counts.get(c, 0) for c in classes)) for s, counts in sessions.items()],
        title="Trials per session and class"))
    reasons = dropped.get("reasons") or {}
    if reasons:
        items.append(table_item(["reason", "epochs"], list(reasons.items()),
                                title="Dropped epochs"))
    else:
        items.append(text_item(f"Dropped epochs: {dropped.get('n', 0)}."))
    params = qc.get("params", {})
    items.append(table_item(["parameter", "value"], list(params.items()),
                            title="Preprocessing parameters"))
    items.append(image_item(
        qc_png, "Preprocessing quality control",
        "Mean EEG power spectral density before (raw, µV²/Hz) and after "
        f"preprocessing (band-pass {params.get('l_freq')}–{params.get('h_freq')} Hz, "
        f"notch {params.get('notch')}, EOG regression {params.get('eog_regression')}, "
        f"resampling to {params.get('sfreq')} Hz, exponential moving "
        f"standardization {params.get('standardize')}), and the trials per class "
        "and session that entered the epochs file."))
    return Section("data", "Data", items)


def _decoding_section(metrics: Mapping[str, dict], histories: Mapping[str, Any],
                      baselines: dict, *, class_names: list, reference: str | None,
                      subject_number: int | None, simulated: bool) -> Section:
    import pandas as pd

    rows = []
    for model, m in metrics.items():
        rows.append((f"ConvNet: {model}", "this study", *(m.get(k) for k in METRIC_COLUMNS)))
    for method, m in baselines.get("methods", {}).items():
        rows.append((f"baseline: {method}", "this study",
                     *(m.get(k) for k in METRIC_COLUMNS)))
    rows += reference_rows(reference, subject_number, simulated=simulated)
    split = next(iter(metrics.values()), {}).get("split", {})
    caption = (f"Test-fold means; split {split}. Chance: accuracy 0.5, κ 0, ROC-AUC 0.5 "
               "(two balanced classes).")
    if reference and simulated:
        caption += (" Simulated data in the 2b layout: the reference rows are the "
                    "published numbers of the real BCI Competition IV 2b data, for "
                    "orientation only.")
    elif reference:
        caption += (" Reference rows: published numbers on the evaluation sessions "
                    "(04E/05E), means over the 9 subjects unless a subject is named.")
    items = [table_item(["decoder", "source", "accuracy", "κ", "ROC-AUC"], rows,
                        title="Decoding performance", caption=caption)]
    for model, history in histories.items():
        _guarded(items, f"Training curves ({model})", lambda h=history, m=model: figure_item(
            figures.plot_training_curves(pd.read_csv(h)), f"Training curves — {m}",
            "Loss and accuracy per epoch on the training trials (solid) and on the "
            "validation trials held out of each training fold for early stopping "
            f"(dashed), one colour per fold; params {metrics[m].get('params', {})}."))
    matrices = {f"ConvNet {k}": v["confusion_matrix"] for k, v in metrics.items()}
    matrices.update({k: v["confusion_matrix"]
                     for k, v in baselines.get("methods", {}).items()})
    _guarded(items, "Confusion matrices", lambda: figure_item(
        figures.plot_confusion_matrices(matrices, class_names), "Confusion matrices",
        "Trial counts summed over the test folds; rows true class, columns predicted."))
    return Section("decoding", "Decoding", items)


def _class_means(rel: dict) -> np.ndarray:
    relevance = np.asarray(rel["relevance"], float)
    y = np.asarray(rel["y"])
    return np.stack([relevance[y == k].mean(axis=0) if np.any(y == k)
                     else np.zeros(relevance.shape[1:])
                     for k in range(len(rel["class_names"]))])


def _where_when_items(model: str, rel: dict, summary: dict, comparison: dict,
                      expert: dict) -> list[dict]:
    items: list[dict] = []
    class_names = list(rel["class_names"])
    ch_names = list(rel["ch_names"])
    sfreq = float(rel["sfreq"])
    smooth = max(1, int(round(SMOOTH_S * sfreq)))
    method = f"{rel.get('method')} ({rel.get('composite') or 'no composite'})"
    subsets = summary["subsets"]
    counts = {c: subsets.get(c, {}).get("n_trials", 0) for c in class_names}

    _guarded(items, "Relevance heatmaps", lambda: figure_item(
        figures.plot_relevance_heatmaps(_class_means(rel), rel["times"], ch_names,
                                        class_names, smooth_samples=smooth),
        "Relevance heatmaps (channels × time)",
        f"Mean input relevance of {method} over the test trials of each class "
        f"({', '.join(f'{c}: n={n}' for c, n in counts.items())}), explained for the "
        f"true class, and the class difference; {SMOOTH_S * 1000:.0f} ms moving "
        "average; diverging colormap centred at zero, symmetric limits; "
        "dashed line = cue."))

    def time_course():
        course = {"times": summary["times"]}
        for c in class_names:
            if subsets.get(c, {}).get("n_trials"):
                course[c] = dict(subsets[c]["time_course"], n=subsets[c]["n_trials"])
        if "class_difference" in summary:
            course["difference"] = summary["class_difference"]
        return figure_item(
            figures_time_course(course), "Relevance time course",
            "Input relevance summed over channels, mean over trials of each class "
            "with its 95% confidence interval (Student t), and the difference "
            f"{class_names[-1]} − {class_names[0]} (dashed); relevance of "
            f"{method}.")
    _guarded(items, "Relevance time course", time_course)

    def channel_maps():
        values = {c: np.asarray(subsets[c]["channel_relevance"], float)
                  for c in class_names if subsets.get(c, {}).get("n_trials")}
        caption = ("Signed input relevance summed over time, mean over the trials of "
                   "each class.")
        if len(ch_names) >= TOPOMAP_MIN_CHANNELS:
            import matplotlib.pyplot as plt

            from ..analysis import plot_relevance_topomap

            fig, axes = plt.subplots(1, len(values), figsize=(3.6 * len(values), 3.4),
                                     layout="constrained", squeeze=False)
            for ax, (c, v) in zip(axes[0], values.items(), strict=True):
                plot_relevance_topomap(v, ch_names, ax=ax, title=c)
            return figure_item(fig, "Channel relevance (scalp maps)", caption +
                               " Scalp maps on the 10-05 template montage, diverging "
                               "colormap centred at zero, symmetric limits per map.")
        return figure_item(figures.plot_channel_bars(values, ch_names),
                           "Channel relevance", caption +
                           f" Bar chart (fewer than {TOPOMAP_MIN_CHANNELS} channels, "
                           "no scalp map).")
    _guarded(items, "Channel relevance", channel_maps)

    def lateralization():
        li_rel = {c: subsets[c].get("lateralization_index") for c in class_names
                  if subsets.get(c, {}).get("n_trials")}
        li_erd = expert.get("li_erd") or {}
        lat = summary.get("lateralization", {})
        reading = readings(comparison).get("lateralization_agreement", "")
        out = [table_item(
            ["class", "LI relevance", "LI ERD"],
            [(c, li_rel.get(c), li_erd.get(c)) for c in li_rel],
            title="Lateralization index",
            caption=f"LI = (left − right) / (|left| + |right|) of the channel "
                    f"relevance ({lat.get('left')} vs {lat.get('right')}, mode "
                    f"{lat.get('mode')}) and of the ERD strength in the "
                    "discriminative band. " + reading)]
        if any(v is not None for v in li_rel.values()):
            out.append(figure_item(
                figures.plot_lateralization(li_rel, li_erd or None),
                "Lateralization index per class",
                "Lateralization index of channel relevance next to that of the ERD; "
                "positive = left hemisphere dominates."))
        return out
    _guarded(items, "Lateralization", lateralization)
    return items


def figures_time_course(course: dict):
    """:func:`eegxai.analysis.plot_time_course` with the report's size."""
    from ..analysis import plot_time_course

    fig = plot_time_course(course)
    fig.set_size_inches(7, 3.2)
    return fig


def _spectrum_grid(summary: dict, entry: str, what: str, *, keys=None,
                   ylabel: str | None = None):
    """One relevance-spectrum panel per subset ("all", then each class) holding ``entry``.

    Returns the figure and the subset names shown; raises ValueError (shown as a
    flag by :func:`_guarded`) when no subset has the entry.
    """
    import matplotlib.pyplot as plt

    from ..analysis import plot_relevance_spectrum

    subsets = summary["subsets"]
    names = [k for k in ("all", *summary.get("class_names", []))
             if subsets.get(k, {}).get(entry)]
    if not names:
        raise ValueError(f"the relevance summary has no {what} "
                         "(method other than LRP or no temporal first layer)")
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.2),
                             layout="constrained", squeeze=False, sharey=True)
    extra = {} if keys is None else {"keys": keys}
    for ax, k in zip(axes[0], names, strict=True):
        spectrum = subsets[k][entry]
        plot_relevance_spectrum(
            spectrum, ax=ax,
            title=f"{k} (peak {spectrum.get('peak_freq', float('nan')):.1f} Hz)", **extra)
        if ylabel is not None:
            ax.set_ylabel(ylabel)
    return fig, names


#: Band shaded in the band-occlusion figures and counted in the group report (Hz).
OCCLUSION_BAND = (8.0, 30.0)


def _occlusion_caption(occ: dict) -> str:
    low, high = OCCLUSION_BAND
    return (
        "Lead frequency evidence: which bands the decision uses. D(b) is the drop of "
        "the true-class margin m = z_true − max_other z (in logits) when the band b "
        "is removed (its rFFT bins zeroed) from every channel of a test trial; bars: "
        f"mean ± SE over the {occ['n_trials']} test trials of {occ.get('n_folds', '?')} "
        "fold(s), each fold's model on its own test trials; left all trials, then "
        f"each class. Resolution {occ['resolution']:g} Hz (the band width). Shaded: "
        f"{low:g}–{high:g} Hz (mu and beta). Peak {occ['peak_freq']:g} Hz, D = "
        f"{occ['peak_drop']:.3f} ± {occ['peak_sem']:.3f}, p = {occ['p_peak']:.3g} "
        f"(largest mean drop against {occ.get('n_permutations', '?')} sign flips of "
        "whole trials, max over bands; approximate, conservative where a band's "
        "effect cancels across classes rather than within trials). Negative D: the "
        "decision got sharper without the band. Model accuracy on these trials "
        f"{occ['accuracy']:.3f} (binomial chance level {_fmt(occ.get('chance_accuracy'))}"
        f", mean margin {occ['margin']:.3f}): a model at chance has a noise peak, so "
        "read the peak only for a model above chance.")


def _occlusion_items(path: str | os.PathLike | None) -> list[dict]:
    """Band-occlusion figure of one model (:func:`eegxai.pipeline.band_occlusion_step`)."""
    items: list[dict] = []
    title = "Band occlusion: margin drop per frequency band"

    def make():
        if path is None:
            raise ValueError("no band-occlusion file for this model (rule band_occlusion)")
        occ = read_json(path)
        out = [figure_item(figures.plot_band_occlusion(occ, band=OCCLUSION_BAND), title,
                           _occlusion_caption(occ))]
        chance = occ.get("chance_accuracy")
        if chance is not None and occ["accuracy"] < chance:
            out.append(flag_item(
                f"Band occlusion: the model is not above chance on these trials "
                f"(accuracy {occ['accuracy']:.3f} < {chance:.3f}), so its peak at "
                f"{occ['peak_freq']:g} Hz is noise."))
        return out
    _guarded(items, title, make)
    return items


def _rhythm_items(summary: dict, expert: dict, comparison: dict) -> list[dict]:
    items: list[dict] = []
    subsets = summary["subsets"]
    band = expert.get("discriminative_band")

    def frequency_relevance():
        # Secondary evidence, after band occlusion: on simulated 64-channel
        # subjects it follows the 1/f background of the many channels
        # (docs/explain.md, benchmarks/ground_truth_rates.py).
        fig, keys = _spectrum_grid(summary, "frequency_relevance", "DFT-LRP spectrum",
                                   keys=("mean",), ylabel="relevance per bin")
        resolution = subsets[keys[0]]["frequency_relevance"]["resolution"]
        return figure_item(
            fig, "Relevance of the input frequencies (DFT-LRP)",
            "Secondary evidence beside the band occlusion above: it follows the power "
            "the network passes, not only what it decides on. "
            "LRP relevance that the first temporal layer passes to each frequency "
            "component of the input (virtual DFT layer, Vielhaben et al. 2024), mean "
            f"over trials; resolution {resolution:g} Hz (bins of the trial's DFT). "
            "Peak searched in 4–40 Hz. Shaded: mu (8–13 Hz) and beta (13–30 Hz).")

    def first_layer():
        fig, keys = _spectrum_grid(summary, "first_layer", "first-layer spectrum")
        return figure_item(
            fig, "First-layer filter responses weighted by relevance",
            "Secondary evidence beside the band occlusion above (the filters of a "
            "ConvNet barely move in training, so this can show their initialization). "
            "Frequency responses (gain) of the first-layer temporal FIR filters, each "
            "weighted by the positive (evidence for) and negative (evidence against) "
            "LRP relevance it received, summed over filters and averaged over folds; "
            "net = positive − negative. Shaded: mu (8–13 Hz) and beta (13–30 Hz). "
            "Resolution: a filter of L taps cannot separate frequencies closer than "
            "about sfreq / L = "
            f"{subsets[keys[0]]['first_layer'].get('resolution', float('nan')):.1f} Hz.")
    _guarded(items, "First-layer spectra", first_layer)
    _guarded(items, "Frequency relevance", frequency_relevance)

    def channel_frequency():
        import matplotlib.pyplot as plt

        from ..analysis import plot_channel_frequency

        panels = []
        if expert.get("input_spectrum"):
            panels.append(("input relevance spectrum", expert["input_spectrum"]["freqs"],
                           expert["input_spectrum"]["spectrum"], "relevance"))
        if expert.get("perturbation"):
            panels.append(("amplitude perturbation", expert["perturbation"]["freqs"],
                           expert["perturbation"]["correlation"], "correlation"))
        r2 = expert["r2"]
        panels.append(("band-power signed r² (expert)", r2["freqs"], r2["r2"], "signed r²"))
        ch_names = r2["ch_names"]
        fig, axes = plt.subplots(1, len(panels), squeeze=False, layout="constrained",
                                 figsize=(4.6 * len(panels), 0.12 * len(ch_names) + 2.4))
        for ax, (title, freqs, values, label) in zip(axes[0], panels, strict=True):
            plot_channel_frequency(freqs, values, ch_names, ax=ax, title=title,
                                   label=label, fmax=40.0)
        return figure_item(
            fig, "Network spectra beside the band-power r² spectrum",
            "Channel × frequency maps, diverging colormap centred at zero with "
            "symmetric limits. Left: input relevance spectrum (relevance-weighted "
            "amplitude spectrum of the explained trials); middle: Schirrmeister's "
            "amplitude-perturbation correlation of the logit difference "
            "(right − left) with the perturbed amplitude; right: signed r² of "
            "log band power between classes (the expert's discriminability).")
    _guarded(items, "Channel × frequency maps", channel_frequency)

    def overview():
        spectra = {}
        fl = subsets.get("all", {}).get("first_layer")
        if fl:
            spectra["first-layer relevance (positive)"] = (fl["freqs"], fl["positive"])
        if expert.get("input_spectrum"):
            s = expert["input_spectrum"]
            spectra["input relevance, max |·| over channels"] = (
                s["freqs"], np.abs(np.asarray(s["spectrum"])).max(0))
        if expert.get("perturbation"):
            s = expert["perturbation"]
            spectra["amplitude perturbation, max |·| over channels"] = (
                s["freqs"], np.abs(np.asarray(s["correlation"])).max(0))
        r2 = expert["r2"]
        spectra["band-power |r²|, max over channels"] = (
            r2["freqs"], np.abs(np.asarray(r2["r2"])).max(0))
        return figure_item(
            figures.plot_spectra_overview(spectra, band=band),
            "Which rhythm: all spectra on one axis",
            "Each spectrum reduced over channels as in the agreement metrics and "
            "divided by its peak; grey: the subject's most discriminative band "
            f"{band} Hz (largest |r²|).")
    _guarded(items, "Spectra overview", overview)
    return items


def _expert_items(rel: dict, summary: dict, features: ExpertFeatures | None) -> list[dict]:
    from ..expert.erds import plot_erds_maps

    items: list[dict] = []
    class_names = list(rel["class_names"])
    ch_names = list(rel["ch_names"])

    def erds():
        if features is None:
            raise ValueError("no expert features for this model")
        result = features.erds
        p = result.params
        return figure_item(
            plot_erds_maps(result), "ERD/ERS maps",
            f"Band power change relative to the baseline {p.get('baseline')} s in "
            f"percent ({p.get('method')} TFR, {result.freqs[0]:g}–{result.freqs[-1]:g} "
            f"Hz), per class (rows) and channel (columns); opaque and outlined: "
            f"significant clusters (cluster permutation test, "
            f"{p.get('n_permutations')} permutations, α = {p.get('alpha')}); "
            "faded: not significant. Blue = ERD, red = ERS, centred at zero.")
    _guarded(items, "ERD/ERS maps", erds)

    def relevance_vs_erd():
        if features is None:
            raise ValueError("no expert features for this model")
        tc = features.erd_time_course
        picks = list(features.erds.ch_names)
        idx = [ch_names.index(c) for c in picks]
        smooth = max(1, int(round(0.1 * float(rel["sfreq"]))))
        courses = figures._smooth(_class_means(rel)[:, idx], smooth)
        return figure_item(
            figures.plot_relevance_vs_erd(courses, rel["times"], tc["percent"],
                                          tc["times"], picks, class_names,
                                          band=tc.get("band")),
            "Relevance time course next to the ERD time course",
            "Left: mean input relevance per class at the ERD channels (100 ms moving "
            "average). Right: band-power change (%) in the subject's most "
            f"discriminative band {tc.get('band')} Hz relative to the pre-cue "
            "baseline; negative = ERD.")
    _guarded(items, "Relevance vs ERD", relevance_vs_erd)

    def csp():
        if features is None or features.csp_patterns is None:
            raise ValueError("no CSP+LDA baseline in this run")
        channel_rel = {c: summary["subsets"][c]["channel_relevance_abs"]
                       for c in class_names if summary["subsets"].get(c, {}).get("n_trials")}
        return figure_item(
            figures.plot_csp_vs_relevance(
                features.csp_patterns, channel_rel, features.csp_components, ch_names,
                topomap=len(ch_names) >= TOPOMAP_MIN_CHANNELS),
            "CSP patterns next to channel relevance",
            "For each class, the absolute CSP pattern (first fold of the CSP+LDA "
            "baseline) of the component whose power drops for that class, next to "
            "the absolute input relevance per channel for that class; "
            + ("z-scored across channels (deviation from the channel mean, "
               "diverging colormap centred at zero)."
               if len(ch_names) >= TOPOMAP_MIN_CHANNELS else
               "each scaled to a peak of 1."))
    _guarded(items, "CSP vs relevance", csp)
    return items


def _agreement_items(comparison: dict) -> list[dict]:
    rows = []
    sentences = readings(comparison)
    for name, m in comparison.get("metrics", {}).items():
        better = "higher" if m.get("higher_is_better", True) else "lower"
        rows.append((name, m.get("value"), better, m.get("null_mean"),
                     f"{_fmt(m.get('null_p05'))} / {_fmt(m.get('null_p95'))}",
                     m.get("p_value"), m.get("null"), sentences[name]))
    disc = comparison.get("discriminative", {})
    return [table_item(
        ["metric", "value", "better", "chance mean", "chance 5th / 95th pct", "p",
         "null model", "reading"], rows, title="Agreement with expert features",
        caption=f"Method {comparison.get('method')}. Chance levels from the null "
                "model of each metric (permutations); p = share of the null at least "
                "as good as the value. Most discriminative frequency "
                f"{disc.get('freq')} Hz, band {disc.get('band')} Hz.")]


def _shap_lrp_items(comparison: dict, ch_names: list) -> list[dict]:
    """SHAP of the band-power LDA beside LRP per channel × band, and their agreement."""
    items: list[dict] = []
    title = "SHAP (band-power LDA) vs LRP (ConvNet), channel × band"

    def make():
        if "shap_lrp" not in comparison:
            raise ValueError("the compare results have no 'shap_lrp' entry (written "
                             "before it was computed; rerun compare)")
        entry = comparison["shap_lrp"]
        if entry is None:
            raise ValueError("not computed for this model (no temporal first "
                             "convolution for DFT-LRP, or no folds)")
        bands = list(entry.get("bands", []))
        return [
            figure_item(
                figures.plot_shap_vs_lrp(entry["a_mean"], entry["b_mean"], ch_names, bands),
                title,
                "Left: exact Shapley values of the band-power + LDA expert model "
                "(players = log band power of each channel × band, absent players "
                "from the training trials); right: LRP relevance of the ConvNet's "
                "frequency components (DFT virtual inspection layer) summed into the "
                "same bands. Mean over the test trials of the first fold, explained "
                "for the true class; each map divided by its largest |value|, "
                "diverging colormap centred at zero."),
            table_item(
                ["metric", "value"],
                [("Spearman ρ of the mean |maps|", entry.get("spearman_abs")),
                 ("Spearman ρ of the signed mean maps", entry.get("spearman")),
                 ("cosine of the signed mean maps", entry.get("cosine")),
                 ("same top channel × band", entry.get("same_top")),
                 ("test trials", entry.get("n_trials")),
                 ("band-power LDA test accuracy", entry.get("lda_accuracy"))],
                title="SHAP–LRP agreement", caption=shap_lrp_reading(entry)),
        ]
    _guarded(items, title, make)
    return items


def _prototype_items(evaluation: dict) -> list[dict]:
    """Per-class activation-maximization prototypes: spectra, channels, p values."""
    items: list[dict] = []
    title = "Class prototypes by activation maximization"

    def make():
        proto = evaluation.get("prototypes")
        if proto is None:
            raise ValueError("the evaluate results have no 'prototypes' entry (written "
                             "before they were computed, or prototype_steps = 0)")
        classes, ch_names = list(proto["class_names"]), list(proto["ch_names"])
        kinds = proto.get("kinds", {})
        out = [flag_item(f"{kind} prototype: not available ({entry['error']})")
               for kind, entry in kinds.items() if "error" in entry]
        done = {k: v for k, v in kinds.items() if "error" not in v}
        if not done:
            return out
        rows = [(kind, c, e["prob"][k],
                 *(e["lateralization"][k] if e.get("lateralization") is not None
                   else [None] * len(e["bands"])))
                for kind, e in done.items() for k, c in enumerate(classes)]
        bands = list(next(iter(done.values()))["bands"])
        return out + [
            figure_item(
                figures.plot_prototypes(done, classes, ch_names), title,
                f"Input that maximizes each class's log-probability ({proto['n_steps']} "
                f"Adam steps from a small random start) with an ℓ2 penalty "
                f"(λ = {proto['lam']:g}) or with a Gaussian density of the training "
                "trials as prior. Left: Welch spectrum of the prototype (C3/C4 when "
                "present, else the channel mean; grey = mu 8–13 Hz); right: its RMS "
                "amplitude per channel."),
            table_item(["kind", "class", "p(class | prototype)",
                        *(f"LI {b} (C3 vs C4)" for b in bands)], rows,
                       title="Prototype class probability and lateralization",
                       caption=" ".join(prototype_reading(k, e, classes)
                                        for k, e in done.items())),
        ]
    _guarded(items, title, make)
    return items


def _fmt(value) -> str:
    return "–" if value is None else f"{float(value):.3f}"


def _quality_items(evaluation: dict, *, eog_flag_factor: float) -> list[dict]:
    items: list[dict] = []
    rows = evaluation.get("faithfulness", [])
    if rows:
        columns = list(dict.fromkeys(k for row in rows for k in row))
        items.append(table_item(
            columns, [[row.get(c) for c in columns] for row in rows],
            title="Faithfulness (AOPC)",
            caption=f"Area over the perturbation curve for segments of "
                    f"{evaluation.get('window')} samples perturbed in the order of "
                    "relevance: most relevant first (MoRF, higher = more faithful), "
                    "least relevant first (LeRF) and random; ABPC = area between "
                    f"LeRF and MoRF curves. {len(evaluation.get('trial_index', []))} "
                    "test trials of the first fold."))
    if evaluation.get("curves"):
        _guarded(items, "Perturbation curves", lambda: figure_item(
            figures.plot_perturbation_curves(evaluation["curves"]),
            "Perturbation curves",
            "Target-class logit (mean over trials) as a growing fraction of time "
            "segments is replaced, most relevant first (MoRF), least relevant first "
            "(LeRF) or in random order; one panel per method (and composite / "
            "perturbation baseline). A faithful explanation drops fastest under MoRF."))
    if evaluation.get("randomization"):
        _guarded(items, "Randomization", lambda: figure_item(
            figures.plot_randomization(evaluation["randomization"]),
            "Model-randomization sanity check",
            "Similarity (Spearman rank correlation, of absolute values, and SSIM) "
            "between the explanation of the trained model and that of models whose "
            "layers are re-initialized from the output down (cascading). An "
            "explanation that depends on the learned weights falls towards zero."))
    if "eog_share" in evaluation:
        share, chance = evaluation["eog_share"], evaluation.get("eog_chance")
        if chance is not None and share > eog_flag_threshold(chance, factor=eog_flag_factor):
            items.append(flag_item(
                f"EOG flag: {share:.1%} of the LRP relevance lies on EOG channels, more "
                f"than {eog_flag_factor:g}× their chance share {chance:.1%}: the "
                "network may use eye movements (Clever Hans)."))
        else:
            items.append(flag_item(
                f"EOG check passed: {share:.1%} of the LRP relevance lies on EOG "
                f"channels (chance share {_pct(chance)}, flag above "
                f"{eog_flag_factor:g}× chance).", level="ok"))
    else:
        items.append(text_item("EOG share: not computed (no EOG channel is a model "
                               "input)."))
    return items


def _pct(value) -> str:
    return "–" if value is None else f"{value:.1%}"


# --------------------------------------------------------------------- entry
def subject_report(
    out_html: str | os.PathLike,
    *,
    dataset: str,
    subject: str,
    qc_json: str | os.PathLike,
    qc_png: str | os.PathLike,
    metrics: Mapping[str, str | os.PathLike],
    history: Mapping[str, str | os.PathLike],
    baselines: str | os.PathLike,
    relevance: Mapping[str, str | os.PathLike],
    summary: Mapping[str, str | os.PathLike],
    compare: Mapping[str, str | os.PathLike],
    expert: Mapping[str, str | os.PathLike],
    evaluate: Mapping[str, str | os.PathLike],
    occlusion: Mapping[str, str | os.PathLike] | None = None,
    config: Mapping | None = None,
    reference: str | None = None,
    simulated: bool = False,
    eog_flag_factor: float = EOG_FLAG_FACTOR,
) -> Path:
    """Write the HTML report of one subject.

    Parameters
    ----------
    out_html : path-like
        ``reports/{dataset}/{subject}.html`` (written atomically).
    dataset, subject : str
        Identifiers shown in the report.
    qc_json, qc_png : path-like
        Preprocessing summary and QC figure (:func:`eegxai.preprocessing.preprocess_subject`).
    metrics, history : mapping of str to path-like
        Model name → metrics JSON / history CSV (:func:`eegxai.pipeline.train_step`).
    baselines : path-like
        Baselines JSON (:func:`eegxai.pipeline.baselines_step`).
    relevance, summary : mapping of str to path-like
        Model name → relevance HDF5 / summary JSON of the primary attribution
        method (:func:`eegxai.pipeline.explain_step`).
    compare, expert : mapping of str to path-like
        Model name → agreement JSON / expert-features JSON
        (:func:`eegxai.pipeline.compare_step`).
    evaluate : mapping of str to path-like
        Model name → explanation-quality JSON (:func:`eegxai.pipeline.evaluate_step`).
    occlusion : mapping of str to path-like | None
        Model name → band-occlusion JSON (:func:`eegxai.pipeline.band_occlusion_step`),
        the figure the rhythm section leads with; a model without one shows a
        notice there.
    config : mapping | None
        Study configuration, shown under provenance.
    reference : "bci_iv_2b" | None
        Published numbers to show beside the decoding results.
    simulated : bool
        The data are simulated (reference numbers shown for orientation only).
    eog_flag_factor : float
        Flag the EOG relevance share above this multiple of its chance share.

    Returns
    -------
    path : pathlib.Path
        The written HTML file.
    """
    from ..analysis import read_relevance, read_summary
    from ..compare import read_comparison
    from ..expert.baselines import read_baselines

    for name, value in (("metrics", metrics), ("history", history),
                        ("relevance", relevance), ("summary", summary),
                        ("compare", compare), ("expert", expert),
                        ("evaluate", evaluate), ("occlusion", occlusion or {})):
        validate_type(value, Mapping, name)
    occlusion = occlusion or {}
    models = list(metrics)
    qc = read_json(qc_json)
    metric_data = {m: read_json(metrics[m]) for m in models}
    baseline_data = read_baselines(baselines)
    class_names = list(qc.get("n_trials_per_class", {})) or ["left_hand", "right_hand"]
    try:
        subject_number = int(str(subject).split("-", 1)[1])
    except (IndexError, ValueError):
        subject_number = None

    sections = [
        _data_section(qc, qc_png, dataset, subject),
        _decoding_section(metric_data, history, baseline_data, class_names=class_names,
                          reference=reference, subject_number=subject_number,
                          simulated=simulated),
    ]
    where = Section("where-when", "Where and when")
    rhythm = Section("rhythm", "Which rhythm")
    expert_view = Section("expert-view", "Expert view side by side")
    agreement = Section("agreement", "Agreement")
    quality = Section("quality", "Explanation quality")
    for model in models:
        if model not in relevance:
            continue
        rel = read_relevance(relevance[model])
        summ = read_summary(summary[model])
        comparison = read_comparison(compare[model]) if model in compare else {}
        expert_data = read_json(expert[model]) if model in expert else {}
        label = f"{model} — {rel.get('method')}"
        where.subsections.append(
            (label, _where_when_items(model, rel, summ, comparison, expert_data)))
        rhythm.subsections.append((label, _occlusion_items(occlusion.get(model))
                                   + _rhythm_items(summ, expert_data, comparison)))
        features = ExpertFeatures.from_dict(expert_data) if expert_data else None
        expert_view.subsections.append((label, _expert_items(rel, summ, features)))
        agreement.subsections.append(
            (label, _agreement_items(comparison)
             + _shap_lrp_items(comparison, list(rel["ch_names"]))))
        if model in evaluate:
            evaluation = read_json(evaluate[model])
            quality.subsections.append(
                (model, _quality_items(evaluation, eog_flag_factor=eog_flag_factor)
                 + _prototype_items(evaluation)))
    inputs: dict[str, Any] = {"qc summary": qc_json, "qc figure": qc_png,
                              "baselines": baselines}
    for kind, paths in (("metrics", metrics), ("history", history),
                        ("relevance", relevance), ("relevance summary", summary),
                        ("compare", compare), ("expert features", expert),
                        ("evaluate", evaluate), ("band occlusion", occlusion)):
        inputs.update({f"{kind} ({m})": p for m, p in paths.items()})
    recorded = next(iter(metric_data.values()), {}).get("provenance")
    sections += [where, rhythm, expert_view, agreement, quality,
                 Section("provenance", "Provenance",
                         provenance_items(inputs, config=config, recorded=recorded))]
    html = render_page(
        f"eegxai report — {dataset} {subject}",
        f"Models: {', '.join(models)}; decoding, relevance and agreement with "
        "expert features of one subject.", sections,
        footer="Made by eegxai.report.subject_report; self-contained, no external "
               "resources.")
    return write_page(out_html, html)
