"""The DNA study's HTML page (helpers of :mod:`eegxai.report.html`)."""

from __future__ import annotations

from ..report.html import (
    Section,
    flag_item,
    image_item,
    provenance_items,
    render_page,
    table_item,
    text_item,
    write_page,
)
from .data import FACTORS

__all__ = ["dna_report"]

#: Goals of the study (issue 14): AUROC, LRP mass accuracy, family rank.
GOALS = {"auroc": 0.85, "lrp_mass_accuracy": 0.8, "family_rank": 3}


def _flag(ok: bool, text: str) -> dict:
    return flag_item(("Reached: " if ok else "Not reached: ") + text,
                     level="ok" if ok else "warning")


def _models(metrics: dict) -> Section:
    rows = [(FACTORS[f]["label"], m["auroc"], m["n_train"], m["n_test"],
             len(m["history"])) for f, m in metrics.items()]
    items = [table_item(["factor", "held-out AUROC", "training sequences",
                         "held-out sequences", "epochs"], rows,
                        caption="Peaks (label 1) vs their dinucleotide shuffles "
                                "(label 0); held out: a share of sample*.fa plus all "
                                "of sample*_test.fa, never seen in training.")]
    items += [_flag(m["auroc"] >= GOALS["auroc"],
                    f"{FACTORS[f]['label']} AUROC {m['auroc']:.3f} (goal ≥ "
                    f"{GOALS['auroc']})") for f, m in metrics.items()]
    return Section("models", "DeepBind-style binding models", items)


def _relevance(tracks: dict) -> Section:
    items = [text_item("Relevance of each nucleotide for the 'bound' logit; bars are "
                       "coloured by the nucleotide present (A green, C blue, G orange, "
                       "T red). Columns: the most confident true positive, false "
                       "positive and false negative of the held-out set.")]
    for factor, path in tracks.items():
        items.append(image_item(path, f"{FACTORS[factor]['label']}: TP, FP, FN",
                                "Rows: explanation methods (in-silico mutagenesis = "
                                "mean logit drop over the 3 substitutions)."))
    return Section("relevance", "Nucleotide relevance", items)


def _motifs(motifs: dict, logos: dict) -> Section:
    sec = Section("motifs", "Motifs recovered from relevance vs JASPAR")
    for factor, m in motifs.items():
        label = FACTORS[factor]["label"]
        rank = m["family_rank"]
        items = [image_item(logos[factor], f"{label}: recovered motif and best match",
                            "Information logos (bits); the JASPAR motif aligned at "
                            "the best offset and strand."),
                 table_item(["rank", "JASPAR id", "name", "family", "similarity"],
                            [(r["rank"], r["id"], r["name"], "; ".join(r["family"]),
                              r["score"]) for r in m["matches"]],
                            caption=f"Best of {m['n_database']} JASPAR CORE vertebrate "
                                    "motifs: column Pearson correlation summed over "
                                    "the overlap / query width, best offset and strand."),
                 _flag(rank is not None and rank <= GOALS["family_rank"],
                       f"best {'/'.join(m['families'])} motif at rank {rank} "
                       f"(goal ≤ {GOALS['family_rank']})")]
        sec.subsections.append((label, items))
    return sec


def _ground_truth(gt: dict) -> Section:
    rows = [(r["method"], r["mass_accuracy"], r["rank_accuracy"], r["seconds"], r["n"])
            for r in gt["rows"]]
    items = [text_item(f"{gt['motif']} ({gt['motif_name']}) sampled and planted at a "
                       f"random position and strand; model AUROC {gt['auroc']:.3f}. "
                       f"Chance mass accuracy {gt['chance_mass']:.3f}."),
             table_item(["method", "mass accuracy", "rank accuracy", "seconds",
                         "true positives"], rows,
                        caption="Relevance mass accuracy: share of positive relevance "
                                "on planted positions; rank accuracy: share of the top-K "
                                "positions that are planted (K = motif width).")]
    lrp = [r for r in gt["rows"] if r["method"] == "lrp"]
    if lrp:
        items.append(_flag(lrp[0]["mass_accuracy"] >= GOALS["lrp_mass_accuracy"],
                           f"LRP mass accuracy {lrp[0]['mass_accuracy']:.3f} (goal ≥ "
                           f"{GOALS['lrp_mass_accuracy']})"))
    if gt["cost_ratio_mutagenesis_vs_lrp"] is not None:
        items.append(text_item(
            f"Cost: in-silico mutagenesis ({gt['n_forward_mutagenesis']} forward passes "
            f"per sequence) took {gt['cost_ratio_mutagenesis_vs_lrp']:.0f}× the time of "
            "LRP (one forward and one backward pass), measured in the same run."))
    return Section("ground_truth", "Ground truth: planted motifs", items)


def dna_report(out_html, *, metrics: dict, tracks: dict, motifs: dict, logos: dict,
               ground_truth: dict, inputs: dict, config=None):
    """Write ``reports/dna/index.html``.

    Parameters
    ----------
    out_html : path-like
        Output page.
    metrics, motifs : dict of factor → dict
        Contents of ``results/dna/metrics/*.json`` and ``results/dna/motifs/*.json``.
    tracks, logos : dict of factor → path
        PNG figures.
    ground_truth : dict
        Contents of ``results/dna/ground_truth.json``.
    inputs : dict of str → path
        Files checksummed in the provenance section.
    config : mapping | None
        The study seed and the ``dna`` config block (``{"seed": ..., "dna": ...}``).
    """
    sections = [_models(metrics), _relevance(tracks), _motifs(motifs, logos),
                _ground_truth(ground_truth),
                Section("provenance", "Provenance",
                        provenance_items(inputs, config=config,
                                         recorded=next(iter(metrics.values()))
                                         .get("provenance")))]
    html = render_page("eegxai — DNA: what did the binding model learn?",
                       "DeepBind-style CNN on Oct4 and Mafk ChIP-seq peaks (janggu); "
                       "LRP, gradients, in-silico mutagenesis; JASPAR motifs", sections)
    return write_page(out_html, html)
