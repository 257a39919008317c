"""Step functions of ``workflow/rules/dna.smk``: files in, package calls, files out.

File formats (each read back by one function here):

* ``results/dna/jaspar.json`` — :func:`eegxai.dna.jaspar.save_motifs`;
* ``results/dna/models/{factor}.pt`` — :func:`eegxai.dna.model.save_deepbind`;
* ``results/dna/data/{factor}.npz`` — held-out set: ``X`` (n, 4, length),
  ``y``, ``score`` (bound − background logit), ``names``;
* ``results/dna/metrics/{factor}.json`` — AUROC, sizes, training history;
* ``results/dna/relevance/{factor}.npz`` — ``index`` into the held-out set and
  one ``(n, 4, length)`` array per method, ``examples`` (TP, FP, FN indices);
* ``results/dna/motifs/{factor}.json`` — recovered PPM, JASPAR matches, family rank;
* ``results/dna/ground_truth.json`` — mass/rank accuracy per method, cost ratio.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from .._io import atomic_path, provenance, read_json, write_json

log = logging.getLogger(__name__)


def _save_npz(path, **arrays) -> Path:
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)
    return Path(path)


def _figure_png(fig, path) -> None:
    import matplotlib.pyplot as plt

    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def jaspar_step(out: str, *, release: str) -> None:
    """Export the JASPAR CORE vertebrate motifs of ``release``."""
    from .jaspar import fetch_jaspar, save_motifs

    motifs = fetch_jaspar(release)
    log.info("%d JASPAR %s CORE vertebrate motifs", len(motifs), release)
    save_motifs(out, motifs, release=release, provenance=provenance())


def train_step(factor: str, *, out_model: str, out_data: str, out_metrics: str,
               wheel, seed: int, test_fraction: float, max_sequences, training: dict) -> None:
    """Peaks vs shuffles → DeepBind CNN → held-out AUROC."""
    import torch

    from .data import peak_dataset
    from .model import save_deepbind
    from .training import auroc, fit_deepbind, predict_bound

    torch.set_num_threads(max(1, int(training.get("threads", 1))))
    training = {k: v for k, v in training.items() if k != "threads"}
    data = peak_dataset(factor, test_fraction=test_fraction, max_sequences=max_sequences,
                        seed=seed, wheel=wheel)
    train, test = ~data["test"], data["test"]
    model, history = fit_deepbind(data["X"][train], data["y"][train], seed=seed, **training)
    score = predict_bound(model, data["X"][test])
    metrics = {"factor": factor, "auroc": auroc(data["y"][test], score),
               "n_train": int(train.sum()), "n_test": int(test.sum()),
               "n_test_peaks": int(data["y"][test].sum()), "history": history,
               "training": training, "seed": seed, "provenance": provenance()}
    log.info("%s: held-out AUROC %.3f (%d sequences)", factor, metrics["auroc"], test.sum())
    save_deepbind(model, out_model, factor=factor)
    names = np.array(data["names"])[test]
    _save_npz(out_data, X=data["X"][test], y=data["y"][test], score=score, names=names)
    write_json(out_metrics, metrics)


def _examples(y, score) -> dict:
    """Most confident true positive, false positive and false negative."""
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    return {"true positive": int(pos[np.argmax(score[pos])]),
            "false positive": int(neg[np.argmax(score[neg])]),
            "false negative": int(pos[np.argmin(score[pos])])}


def explain_step(model_path: str, data_path: str, *, out_relevance: str, out_figure: str,
                 methods, composite: str, n_explain: int, ig_steps: int,
                 shap_window: int, zoom: int) -> None:
    """Relevance of the held-out peaks (and the TP/FP/FN examples) per method."""
    import torch

    from .figures import relevance_tracks_figure
    from .model import load_deepbind
    from .relevance import nucleotide_relevance, per_position

    torch.set_num_threads(1)
    model = load_deepbind(model_path)
    data = np.load(data_path)
    X, y, score = data["X"], data["y"], data["score"]
    examples = _examples(y, score)
    peaks = np.flatnonzero(y == 1)[:n_explain]
    index = np.unique(np.r_[peaks, list(examples.values())])
    out, timing = {}, {}
    for method in methods:
        start = time.perf_counter()
        out[method] = nucleotide_relevance(model, X[index], method, composite=composite,
                                           n_steps=ig_steps, window=shap_window)
        timing[method] = time.perf_counter() - start
        log.info("%s: %d sequences in %.1f s", method, len(index), timing[method])
    _save_npz(out_relevance, index=index, example_names=list(examples),
              example_index=[int(np.searchsorted(index, i)) for i in examples.values()],
              seconds=[timing[m] for m in methods], methods=list(methods), **out)
    where = {i: k for k, i in enumerate(index)}
    cols = [(f"{k} (score {score[i]:.2f})", where[i]) for k, i in examples.items()]
    tracks = {m: per_position(r) for m, r in out.items()}
    _figure_png(relevance_tracks_figure(X[index], tracks, cols, zoom=zoom), out_figure)


def motifs_step(data_path: str, relevance_path: str, jaspar_path: str, *, factor: str,
                out_json: str, out_logo: str, method: str, width: int, margin: int,
                n_rounds: int, min_overlap: int, n_matches: int,
                min_windows: int = 20) -> None:
    """High-relevance windows of the true positives → PPM → JASPAR.

    With fewer than ``min_windows`` true positives, the ``min_windows``
    highest-scored held-out peaks are used instead.
    """
    from .data import FACTORS
    from .figures import logo_figure
    from .jaspar import load_motifs, motif_probabilities
    from .motifs import family_rank, match_motif, relevant_windows, windows_to_pwm
    from .relevance import per_position
    from .sequences import reverse_complement

    data, rel = np.load(data_path), np.load(relevance_path)
    index = rel["index"]
    X, y, score = data["X"][index], data["y"][index], data["score"][index]
    keep = (y == 1) & (score > 0)  # true positives
    if keep.sum() < min_windows:  # a weak model: its most confident peaks
        peaks = np.flatnonzero(y == 1)
        keep = np.isin(np.arange(len(y)), peaks[np.argsort(-score[peaks])][:min_windows])
    windows = relevant_windows(X[keep], per_position(rel[method])[keep],
                               width=width, margin=margin)
    ppm = windows_to_pwm(windows, width=width, n_rounds=n_rounds)
    motifs = load_motifs(jaspar_path)
    matches = match_motif(ppm, motifs, min_overlap=min_overlap)
    families = FACTORS[factor]["families"]
    rank = family_rank(matches, families)
    best = matches[0]
    log.info("%s: best JASPAR match %s %s (%s), family rank %s", factor, best["id"],
             best["name"], best["family"], rank)
    counts = {m["id"]: m["counts"] for m in motifs}
    target = motif_probabilities(counts[best["id"]])
    target = reverse_complement(target) if best["reverse"] else target
    fig = logo_figure(ppm, target, offset=best["offset"],
                      query_title=f"{FACTORS[factor]['label']}: motif from {method} "
                                  f"relevance ({len(windows)} windows)",
                      match_title=f"JASPAR {best['id']} {best['name']}"
                                  + (" (reverse complement)" if best["reverse"] else ""))
    _figure_png(fig, out_logo)
    write_json(out_json, {"factor": factor, "method": method, "n_windows": len(windows),
                          "ppm": ppm, "families": list(families), "family_rank": rank,
                          "matches": matches[:n_matches], "n_database": len(motifs),
                          "provenance": provenance()})


def ground_truth_step(jaspar_path: str, *, out_json: str, motif: str, n_sequences: int,
                      length: int, n_eval: int, methods, composite: str, ig_steps: int,
                      shap_window: int, training: dict, seed: int) -> None:
    """Planted JASPAR motif: relevance mass/rank accuracy and LRP vs mutagenesis cost."""
    import torch

    from ..evaluate import relevance_mass_accuracy, relevance_rank_accuracy
    from .jaspar import load_motifs, motif_probabilities
    from .relevance import nucleotide_relevance, per_position
    from .simulate import plant_motif
    from .training import auroc, fit_deepbind, predict_bound

    torch.set_num_threads(1)
    counts = {m["id"]: m for m in load_motifs(jaspar_path)}
    if motif not in counts:
        raise ValueError(f"'motif' {motif!r} is not a JASPAR CORE vertebrate motif id "
                         f"(e.g. {', '.join(sorted(counts)[:3])}).")
    data = plant_motif(motif_probabilities(counts[motif]["counts"]),
                       n_sequences=n_sequences, length=length, seed=seed)
    n_train = int(0.8 * n_sequences)
    model, _ = fit_deepbind(data["X"][:n_train], data["y"][:n_train], seed=seed, **training)
    score = predict_bound(model, data["X"][n_train:])
    test_auroc = auroc(data["y"][n_train:], score)
    tp = n_train + np.flatnonzero((data["y"][n_train:] == 1) & (score > 0))[:n_eval]
    X, mask = data["X"][tp], data["mask"][tp][:, None]
    rows, seconds = [], {}
    for method in methods:
        # warm-up on one sequence: hooks, composite and allocator set-up are not timed
        nucleotide_relevance(model, X[:1], method, composite=composite,
                             n_steps=ig_steps, window=shap_window)
        start = time.perf_counter()
        rel = nucleotide_relevance(model, X, method, composite=composite,
                                   n_steps=ig_steps, window=shap_window)
        seconds[method] = time.perf_counter() - start
        track = per_position(rel)[:, None]
        rma = relevance_mass_accuracy(track, mask)
        rra = relevance_rank_accuracy(track, mask)
        rows.append({"method": method, "mass_accuracy": float(np.nanmean(rma)),
                     "rank_accuracy": float(np.nanmean(rra)),
                     "seconds": seconds[method], "n": len(tp)})
        log.info("%s: mass %.3f rank %.3f (%.2f s)", method, rows[-1]["mass_accuracy"],
                 rows[-1]["rank_accuracy"], seconds[method])
    cost = None
    if "lrp" in seconds and "mutagenesis" in seconds:
        cost = seconds["mutagenesis"] / seconds["lrp"]
    write_json(out_json, {"motif": motif, "motif_name": counts[motif]["name"],
                          "auroc": test_auroc, "chance_mass": float(mask.mean()),
                          "rows": rows, "cost_ratio_mutagenesis_vs_lrp": cost,
                          "n_forward_mutagenesis": 3 * length, "seed": seed,
                          "provenance": provenance()})


def report_step(*, metrics, tracks, motifs, logos, ground_truth: str, out_html: str,
                factors, config=None) -> None:
    """All DNA results → ``reports/dna/index.html``."""
    from .report import dna_report

    factors = list(factors)
    inputs = {f"metrics {f}": p for f, p in zip(factors, metrics, strict=True)}
    inputs |= {f"motifs {f}": p for f, p in zip(factors, motifs, strict=True)}
    inputs["ground truth"] = ground_truth
    dna_report(out_html, metrics={f: read_json(p) for f, p in zip(factors, metrics,
                                                                  strict=True)},
               tracks=dict(zip(factors, tracks, strict=True)),
               motifs={f: read_json(p) for f, p in zip(factors, motifs, strict=True)},
               logos=dict(zip(factors, logos, strict=True)),
               ground_truth=read_json(ground_truth), inputs=inputs, config=config)
