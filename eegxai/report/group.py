"""Group HTML report of one dataset: decoding and agreement over subjects.

:func:`group_report` reads the per-subject metrics, baselines, agreement,
band-occlusion and relevance-summary files of every subject (and the transfer
study's files, when there are any) and writes one self-contained HTML page
(:mod:`eegxai.report.html`). The group maps and their agreement numbers come
from :mod:`eegxai.report.group_maps`, the decoding table of every training
scheme and the explanation counts from :mod:`eegxai.report.scheme_table`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._io import read_json
from . import figures
from .group_maps import (
    group_agreement,
    group_channel_maps,
    group_csp_patterns,
    group_erds,
)
from .html import (
    Section,
    figure_item,
    provenance_items,
    render_page,
    table_item,
    text_item,
    write_page,
)
from .scheme_table import (
    SchemeTable,
    explanation_counts,
    read_decoding_results,
    scheme_table,
)
from .subject import METRIC_COLUMNS, OCCLUSION_BAND, _guarded, reference_rows

__all__ = ["group_report"]


def _decoding_section(metric_data: list[dict], baseline_data: list[dict], *,
                      reference: str | None, simulated: bool) -> Section:
    from ..metrics import REFERENCE_2B, decoding_table

    decoders: dict[str, list[dict]] = {}
    for m in metric_data:
        scheme = f" ({m['scheme']})" if m.get("scheme") else ""  # eegxai.transfer
        decoders.setdefault(f"ConvNet: {m.get('model')}{scheme}", []).append(m)
    for b in baseline_data:
        for method, m in b.get("methods", {}).items():
            decoders.setdefault(f"baseline: {method}", []).append(
                dict(m, subject=b.get("subject")))
    subjects = sorted({str(m.get("subject")) for rows in decoders.values() for m in rows})
    per_subject = {name: {str(m.get("subject")): m for m in rows}
                   for name, rows in decoders.items()}
    winner = REFERENCE_2B["competition_winner"]["per_subject"]
    show_winner = reference == "bci_iv_2b" and not simulated
    columns = ["subject", *(f"{name} κ" for name in decoders)]
    rows = []
    for s in subjects:
        row = [s, *(per_subject[name].get(s, {}).get("kappa") for name in decoders)]
        if show_winner:
            row.append(winner.get(s.split("-")[-1].lstrip("0")))
        rows.append(row)
    if show_winner:
        columns.append("competition winner κ")
    items = [table_item(columns, rows, title="Cohen's κ per subject",
                        caption="Test-fold means of each subject.")]
    summary_rows = []
    for name, results in decoders.items():
        table = decoding_table(results, metrics=METRIC_COLUMNS)
        formatted = table.attrs["formatted"]
        summary_rows.append((name, len(results),
                             *(formatted[m] for m in METRIC_COLUMNS)))
    for label, source, acc, kappa, auc in reference_rows(reference, simulated=simulated):
        summary_rows.append((f"{label} [{source}]", 9 if kappa is not None else None,
                             *(None if v is None else f"{v:.3f}" for v in (acc, kappa, auc))))
    caption = ("Mean ± sd (ddof=1) over subjects; sd is undefined (nan) for one "
               "subject.")
    if reference and simulated:
        caption += (" Simulated data: reference rows are the published numbers of the "
                    "real BCI Competition IV 2b data, for orientation only.")
    items.append(table_item(["decoder", "subjects", "accuracy", "κ", "ROC-AUC"],
                            summary_rows, title="Group decoding performance",
                            caption=caption))

    def kappa_figure():
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(max(5.0, 0.9 * len(subjects) + 3), 3.2),
                               layout="constrained")
        x = np.arange(len(subjects))
        width = 0.8 / max(len(decoders), 1)
        for k, name in enumerate(decoders):
            values = [per_subject[name].get(s, {}).get("kappa", np.nan) for s in subjects]
            ax.bar(x + (k - (len(decoders) - 1) / 2) * width, values, width, label=name)
        if reference == "bci_iv_2b":
            ax.axhline(REFERENCE_2B["competition_winner"]["mean"], color="k", ls="--",
                       lw=0.8, label="competition winner mean κ")
        ax.axhline(0, color="k", lw=0.6)
        ax.set_xticks(x, subjects)
        ax.set(ylabel="Cohen's κ")
        ax.legend(fontsize=7)
        return figure_item(fig, "Cohen's κ per subject and decoder",
                           "Test-fold mean κ of every decoder; κ = 0 is chance.")
    _guarded(items, "κ per subject", kappa_figure)
    return Section("decoding", "Decoding", items)


def _agreement_section(comparisons: list[dict], counts=None) -> Section:
    """Agreement over subjects; ``counts`` makes the explanation counts (or None)."""
    from ..compare import agreement_table

    table = agreement_table(comparisons)
    items = [table_item(
        ["model", "method", "metric", "subjects", "mean ± sd", "chance mean",
         "share p < 0.05"],
        [(r["model"], r["method"], r["metric"], r["n"], r["summary"], r["null_mean"],
          r["share_significant"]) for _, r in table.iterrows()],
        title="Agreement metrics over subjects",
        caption="Mean ± sd of each agreement metric over subjects, the mean chance "
                "level of its null model, and the share of subjects whose value beats "
                "chance at p < 0.05.")]
    metrics = list(dict.fromkeys(m for c in comparisons for m in c.get("metrics", {})))
    rows = []
    for c in comparisons:
        values = c.get("metrics", {})
        rows.append([c.get("subject"), c.get("model"),
                     *(_value_p(values.get(m)) for m in metrics)])
    items.append(table_item(["subject", "model", *metrics], rows,
                            title="Agreement per subject",
                            caption="Value (p against the metric's null model)."))
    if counts is not None:
        _guarded(items, "Explanation counts", lambda: _counts_item(counts()))
    return Section("agreement", "Agreement", items)


def _value_p(entry) -> str:
    if not entry or entry.get("value") is None:
        return "–"
    return f"{entry['value']:.3f} (p={entry.get('p_value', float('nan')):.3f})"


def _relevance_section(summaries: list[dict]) -> Section:
    items: list[dict] = []
    for label, group in _by_model(summaries).items():
        def time_course(group=group, label=label):
            times = np.asarray(group[0]["times"])
            keys = ["all", *group[0].get("class_names", [])]
            courses = {k: np.stack([np.interp(times, s["times"],
                                              s["subsets"][k]["time_course"]["mean"])
                                    for s in group])
                       for k in keys if all(s["subsets"].get(k, {}).get("n_trials")
                                            for s in group)}
            return figure_item(
                figures.plot_group_time_course(times, courses),
                f"Grand-average relevance time course — {label}",
                "Each subject's mean input relevance (summed over channels) per "
                "trial subset, on the first subject's time axis; mean over subjects with the 95% confidence interval "
                "of the mean (Student t, shown for two or more subjects).")
        _guarded(items, f"Grand-average time course ({label})", time_course)

        def spectra(group=group, label=label):
            layers = [s["subsets"]["all"].get("first_layer") for s in group]
            if not all(layers):
                raise ValueError("no first-layer spectrum (not LRP or no temporal "
                                 "first layer)")
            freqs = np.asarray(layers[0]["freqs"])
            # Sampling rates may differ between subjects: one common grid.
            curves = {k: np.stack([np.interp(freqs, fl["freqs"], fl[k]) for fl in layers])
                      for k in ("positive", "negative", "net")}
            return figure_item(
                figures.plot_group_spectra(freqs, curves),
                f"Grand-average first-layer relevance spectra — {label}",
                "Frequency responses of the first-layer FIR filters weighted by "
                "positive and negative LRP relevance (all trials), mean ± sd over "
                "subjects; shaded: mu and beta bands.")
        _guarded(items, f"Grand-average spectra ({label})", spectra)
    if not items:
        items.append(text_item("No relevance summaries."))
    return Section("relevance", "Grand-average relevance", items)


def _expert_files(compare: Sequence[str | os.PathLike]) -> dict[str, dict]:
    """The ``…-expert.json`` beside each agreement file, one per subject (any model)."""
    experts: dict[str, dict] = {}
    for path in compare:
        path = Path(path)
        expert = path.with_name(f"{path.stem}-expert.json")
        subject = path.parent.name
        if subject not in experts and expert.exists():
            experts[subject] = read_json(expert)
    return experts


def _by_model(summaries: list[dict]) -> dict[str, list[dict]]:
    by_model: dict[str, list[dict]] = {}
    for s in summaries:
        by_model.setdefault(f"{s.get('model')} — {s.get('method')}", []).append(s)
    return by_model


def _spatial_section(summaries: list[dict], experts: dict[str, dict], *,
                     n_permutations: int = 1000, seed: int = 0) -> Section:
    """Group relevance maps per class beside group |CSP pattern| and ERD/ERS maps.

    Then the agreement of those group maps (:mod:`eegxai.report.group_maps`).
    """
    from ..expert.erds import plot_erds_maps

    items: list[dict] = []
    by_model = _by_model(summaries)
    for label, group in by_model.items():
        def maps(group=group, label=label):
            ch_names = list(group[0]["ch_names"])
            relevance = group_channel_maps(group)
            classes = list(relevance)
            patterns = group_csp_patterns(list(experts.values()), classes)
            fig = figures.plot_csp_vs_relevance(
                np.asarray([patterns[c] for c in classes]), relevance,
                {c: k for k, c in enumerate(classes)}, ch_names,
                topomap=len(ch_names) >= 16)
            return figure_item(
                fig, f"Group relevance vs group CSP pattern per class — {label}",
                f"Mean over {len(group)} subject(s) of z-scored channel relevance "
                "(right) and of the z-scored |CSP pattern| of the class's ERD component "
                f"({len(experts)} subject(s), left).")
        _guarded(items, f"Group spatial maps ({label})", maps)

    def erds():
        mean = group_erds(list(experts.values()))
        picks = [c for c in ("C3", "Cz", "C4") if c in mean.ch_names] or None
        return figure_item(
            plot_erds_maps(mean, picks=picks), "Group ERD/ERS maps",
            f"Mean ERD/ERS (% of baseline power) over {len(experts)} subject(s); "
            "outlined: in a significant cluster for at least half of the subjects.")
    _guarded(items, "Group ERD/ERS maps", erds)
    _guarded(items, "Agreement of the group maps", lambda: _group_agreement_item(
        by_model, list(experts.values()), n_permutations=n_permutations, seed=seed))
    return Section("spatial", "Group maps: relevance, CSP, ERD/ERS", items)


def _group_agreement_item(by_model: dict[str, list[dict]], experts: list[dict], *,
                          n_permutations: int, seed: int) -> dict:
    rows = []
    for label, group in by_model.items():
        for metric, m in group_agreement(group, experts, n_permutations=n_permutations,
                                         seed=seed).items():
            rows.append((label, metric, m["value"], m["null_mean"], m["null_p95"],
                         m["p_value"], m["null"]))
    if not rows:
        raise ValueError("no group map has its expert counterpart")
    return table_item(
        ["model — method", "metric", "value", "null mean", "null p95", "p", "null"], rows,
        title="Agreement of the group maps with their chance levels",
        caption="The subject reports' metrics (eegxai.compare) on the group maps: "
                "spatial Pearson r of the group mean |relevance| with the group |CSP "
                "pattern| of each class (null: shuffled channels), lateralization "
                "agreement of the group relevance with the group ERD in 8–30 Hz, "
                "0.5–2.5 s (null: all sign flips; with 2 classes p ≥ 0.25), mu + beta "
                "share of the group first-layer spectrum (null: circular frequency "
                "shifts), and Pearson r of the group relevance time course with the "
                "group ERD strength (null: circular time shifts). Group maps are "
                "means over subjects of z-scored maps.")


def _keyed(data: list[dict], paths: Sequence[str | os.PathLike]) -> dict[tuple, dict]:
    """``{(subject, model): data}`` from the files' keys, else their layout."""
    return {(str(d.get("subject") or Path(p).parent.name),
             str(d.get("model") or Path(p).stem)): d
            for d, p in zip(data, paths, strict=True)}


def _explanation_counts(paths: Sequence[str | os.PathLike], comparisons: list[dict],
                        compare: Sequence[str | os.PathLike],
                        occlusion: Mapping[tuple, dict] | None = None):
    """:func:`~eegxai.report.scheme_table.explanation_counts` of the study's files."""
    table = scheme_table(read_decoding_results(paths))
    keyed = _keyed(comparisons, compare)
    models = list(dict.fromkeys([*(m for _, m in keyed), *(m for _, m in occlusion or {})]))
    return explanation_counts(table, keyed, models=models, band=OCCLUSION_BAND,
                              occlusion=occlusion)


def _occlusion_section(occlusion: Mapping[tuple, dict]) -> Section:
    """Group band occlusion: mean D(b) per model, each subject's peak, one row each."""
    items: list[dict] = []
    low, high = OCCLUSION_BAND
    by_model: dict[str, list[tuple[str, dict]]] = {}
    for (subject, model), occ in sorted(occlusion.items()):
        by_model.setdefault(model, []).append((subject, occ))

    def figure():
        curves = {}
        for model, group in by_model.items():
            freqs = np.asarray(group[0][1]["freqs"], float)
            # sampling rates may differ between subjects: one common grid
            curves[model] = {
                "freqs": freqs,
                "drop": np.stack([np.interp(freqs, o["freqs"], o["drop"]) for _, o in group]),
                **{k: [o[k] for _, o in group] for k in ("peak_freq", "peak_drop", "p_peak")}}
        resolution = sorted({o["resolution"] for g in by_model.values() for _, o in g})
        return figure_item(
            figures.plot_group_band_occlusion(curves, band=OCCLUSION_BAND),
            "Group band occlusion: margin drop per frequency band",
            "Lead frequency evidence of the group. D(b): drop of the true-class margin "
            "(logits) when band b is removed from every channel of a subject's test "
            "trials (each fold's model on its own test trials); line: mean over the "
            "subjects, band: ± SE over subjects; dots: each subject's peak (filled: "
            "p < 0.05 against the sign-flip max-statistic null). Resolution "
            f"{', '.join(f'{r:g}' for r in resolution)} Hz (the band width); shaded "
            f"{low:g}–{high:g} Hz. Every subject is shown, also those decoded at "
            "chance, whose peaks are noise (see the accuracy column below and the "
            "explanation counts).")
    _guarded(items, "Group band occlusion", figure)
    rows = [(subject, model, o.get("accuracy"), o.get("chance_accuracy"),
             o["peak_freq"], f"{o['peak_drop']:.3f} ± {o['peak_sem']:.3f}", o["p_peak"],
             "yes" if low <= o["peak_freq"] <= high else "no")
            for model, group in by_model.items() for subject, o in group]
    items.append(table_item(
        ["subject", "model", "accuracy", "chance level", "peak (Hz)", "D ± SE (logits)",
         "p", f"in {low:g}–{high:g} Hz"], rows, title="Band-occlusion peak per subject",
        caption="Accuracy of the model on the occluded test trials and its binomial "
                "chance level (p ≤ 0.05); the band of the largest mean margin drop, "
                "that drop ± SE over trials and its p-value."))
    return Section("rhythm", "Which rhythm: band occlusion", items)


def _scheme_section(paths: Sequence[str | os.PathLike]) -> Section:
    """Decoding table of the transfer study: every decoder under every scheme."""
    items: list[dict] = []
    _guarded(items, "Test accuracy per subject, decoder and scheme",
             lambda: _scheme_item(scheme_table(read_decoding_results(paths))))
    return Section("transfer", "Decoding by training scheme", items)


def _scheme_item(table: SchemeTable) -> dict:
    columns = list(table.accuracy.columns)
    rows = []
    for sub, acc in table.accuracy.iterrows():
        above = table.above_chance.loc[sub].fillna(False)
        n = table.n_test[sub]
        rows.append([sub, None if n is pd.NA else int(n), table.chance[sub],
                     *(None if np.isnan(acc[c]) else f"{acc[c]:.3f}{'*' if above[c] else ''}"
                       for c in columns)])
    s = table.summary
    rows.append(["mean", None, None, *s["mean"].tolist()])
    rows.append(["above chance", None, None,
                 *(f"{s.loc[c, 'n_above_chance']}/{s.loc[c, 'n_subjects']}"
                   for c in columns)])
    caption = ("Test accuracy on the same test trials: ConvNets trained within "
               "subject (within), pre-trained on the other subjects and fine-tuned "
               "(ft), pre-trained only (zs, zero-shot), and the expert baselines. "
               "* and 'above chance': pooled test accuracy at or above the binomial "
               f"chance level (p ≤ {table.alpha:g}, Combrisson & Jerbi 2015) for the "
               "subject's number of test trials; – : no result file.")
    return table_item(["subject", "test trials", "chance level", *columns], rows,
                      title="Test accuracy per subject, decoder and scheme",
                      caption=caption)


def _counts_item(counts) -> dict:
    return table_item(
        ["model", "decoded above chance", "band-occlusion peak in 8–30 Hz",
         "first-layer peak in 8–30 Hz", "lateralization same / opposite / mixed"],
        [(model, c["n_decoded"],
          f"{c['occlusion_in_band']}/{c['n_occlusion']} "
          f"({c['occlusion_significant']} with p < 0.05)",
          f"{c['peak_in_band']}/{c['n_peak']}",
          f"{c['same']}/{c['opposite']}/{c['mixed']} (of {c['n_lateralization']})")
         for model, c in counts.iterrows()],
        title="What the explanations show for the subjects decoded above chance",
        caption="Subjects whose explained model (fine-tuned when the study transfers) "
                "is above binomial chance; of them (with a band-occlusion file), how "
                "many have the band-occlusion peak (the band whose removal lowers the "
                "true-class margin most) in 8–30 Hz, and how many of those with "
                "p_peak < 0.05 (sign-flip max-statistic null); then the secondary "
                "evidence: how many have the first-layer relevance spectrum peak "
                "(peak_distance_first_layer) in 8–30 Hz, and how the relevance "
                "lateralization relates to the ERD lateralization for every class "
                "(lateralization_agreement).")


def group_report(
    out_html: str | os.PathLike,
    *,
    dataset: str,
    metrics: Sequence[str | os.PathLike],
    baselines: Sequence[str | os.PathLike],
    compare: Sequence[str | os.PathLike],
    summary: Sequence[str | os.PathLike],
    transfer: Sequence[str | os.PathLike] = (),
    occlusion: Sequence[str | os.PathLike] = (),
    config: Mapping | None = None,
    reference: str | None = None,
    simulated: bool = False,
    n_permutations: int = 1000,
    seed: int = 0,
) -> Path:
    """Write the group HTML report of one dataset.

    Parameters
    ----------
    out_html : path-like
        ``reports/{dataset}/group.html`` (written atomically).
    dataset : str
        Dataset name shown in the report.
    metrics : sequence of path-like
        Metrics JSON of every (subject, model) (:func:`eegxai.pipeline.train_step`).
    baselines : sequence of path-like
        Baselines JSON of every subject.
    compare : sequence of path-like
        Agreement JSON of every (subject, model).
    summary : sequence of path-like
        Relevance summary JSON (primary method) of every (subject, model).
    transfer : sequence of path-like
        Transfer-study files of every subject (``results/transfer/{dataset}/
        {subject}/{model}-within.json``, ``…-zeroshot.json``, ``baselines.json``);
        when any exists, a decoding table of every scheme
        (:mod:`eegxai.report.scheme_table`) is shown. Missing files are blank cells.
    occlusion : sequence of path-like
        Band-occlusion JSON of every (subject, model)
        (:func:`eegxai.pipeline.band_occlusion_step`); when given, the group
        band-occlusion section and the first explanation column of the
        explanation counts.
    config : mapping | None
        Study configuration, shown under provenance.
    reference : "bci_iv_2b" | None
        Published numbers to show beside ours.
    simulated : bool
        Simulated data (no per-subject reference numbers).
    n_permutations : int
        Null sample size of each agreement metric of the group maps.
    seed : int
        Seed of those nulls.

    Returns
    -------
    path : pathlib.Path
    """
    from ..analysis import read_summary
    from ..compare import read_comparison
    from ..expert.baselines import read_baselines

    metric_data = [read_json(p) for p in metrics]
    baseline_data = [read_baselines(p) for p in baselines]
    comparisons = [read_comparison(p) for p in compare]
    summaries = [read_summary(p) for p in summary]
    occlusion_data = _keyed([read_json(p) for p in occlusion], occlusion)
    transfer = [p for p in transfer if Path(p).is_file()]
    subjects = sorted({str(m.get("subject")) for m in metric_data})
    inputs = {}
    for kind, paths in (("metrics", metrics), ("baselines", baselines),
                        ("compare", compare), ("relevance summary", summary),
                        ("transfer", transfer), ("band occlusion", occlusion)):
        inputs.update({f"{kind} {i + 1}": p for i, p in enumerate(paths)})
    recorded = metric_data[0].get("provenance") if metric_data else None
    decoding = [*metrics, *transfer, *baselines]
    sections = [
        _decoding_section(metric_data, baseline_data, reference=reference,
                          simulated=simulated),
        *([_scheme_section(decoding)] if transfer else []),
        _agreement_section(comparisons, lambda: _explanation_counts(
            decoding, comparisons, compare, occlusion_data)),
        *([_occlusion_section(occlusion_data)] if occlusion_data else []),
        _relevance_section(summaries),
        _spatial_section(summaries, _expert_files(compare),
                         n_permutations=n_permutations, seed=seed),
        Section("provenance", "Provenance",
                provenance_items(inputs, config=config, recorded=recorded)),
    ]
    html = render_page(
        f"eegxai group report — {dataset}",
        f"{len(subjects)} subject(s): {', '.join(subjects)}", sections,
        footer="Made by eegxai.report.group_report; self-contained, no external "
               "resources.")
    return write_page(out_html, html)
