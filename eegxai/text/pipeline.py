"""File-to-file steps of the text workflow: one function per Snakemake rule.

==========================  ====================================================
step                        writes
==========================  ====================================================
:func:`cache_step`          scikit-learn's 20 Newsgroups cache (``.pkz``)
:func:`corpus_step`         ``corpus.npz`` (token ids, embedding) + ``corpus.json``
:func:`train_svm_step`      ``svm.npz`` + metrics JSON
:func:`train_cnn_step`      ``cnn.pt`` + metrics JSON
:func:`relevance_step`      ``{model}.npz``: word relevance of the test documents
:func:`deletion_step`       deletion curves + AOPC JSON
:func:`epi_step`            explanatory power index JSON
:func:`clever_hans_step`    header relevance share and accuracy drop JSON
==========================  ====================================================

File formats
------------
``corpus.npz``: ``ids_train`` (n_train, max_words) int32, ``y_train``,
``ids_test`` (n_test, max_words), ``y_test``, ``spans_test`` (n_test,
max_words, 2) character offsets of each kept token, ``parts_test`` (n_test,
max_words) header labels (:func:`~eegxai.text.clever_hans.header_parts`),
``embedding`` (n_words + 1, 50) GloVe. ``corpus.json``: ``words``,
``target_names``, ``train_texts``, ``test_texts``, ``params``, ``provenance``.
Relevance ``.npz``: ``index`` (rows of ``ids_test``), ``y``, ``pred``, and for
``{lrp,sensitivity}_{true,pred}`` the relevance (n_docs, max_words), with
``lrp_bias_*`` and ``lrp_score_*`` (n_docs,).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._io import atomic_path, provenance, read_json, write_json

__all__ = ["cache_step", "clever_hans_step", "corpus_step", "deletion_step", "epi_step",
           "load_corpus", "load_model", "relevance_step", "train_cnn_step",
           "train_svm_step"]

logger = logging.getLogger(__name__)
VARIANTS = ("clean", "headers")


def _save_npz(path, **arrays) -> None:
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)


def cache_step(out_cache: str | os.PathLike, *, archive: str | None = None) -> Path:
    """Build scikit-learn's cache ``out_cache`` (``…/20news-bydate_py3.pkz``)."""
    from .data import CACHE_NAME, prepare_20newsgroups

    out_cache = Path(out_cache)
    if out_cache.name != CACHE_NAME:
        raise ValueError(f"The cache must be named {CACHE_NAME!r}, got {out_cache.name!r}.")
    return prepare_20newsgroups(out_cache.parent, archive=archive)


def _removed(variant: str, remove: Sequence[str]) -> tuple[str, ...]:
    from .._check import check_option

    check_option("variant", variant, VARIANTS)
    return tuple(r for r in remove if variant == "clean" or r != "headers")


def corpus_step(cache: str | os.PathLike, out_npz, out_json, *, variant: str,
                categories: Sequence[str] | None, remove: Sequence[str],
                max_words: int, min_count: int, seed: int = 0) -> dict:
    """Load the split, build the vocabulary, encode both splits.

    ``variant="clean"`` removes ``remove``; ``"headers"`` keeps the headers (for
    the Clever Hans study) and removes the rest.
    """
    from .clever_hans import header_parts
    from .data import load_20newsgroups
    from .vocabulary import build_vocabulary

    parts_removed = _removed(variant, remove)
    kw = dict(categories=list(categories) if categories else None,
              remove=parts_removed, shuffle=True, random_state=seed)
    train = load_20newsgroups(Path(cache).parent, subset="train", **kw)
    test = load_20newsgroups(Path(cache).parent, subset="test", **kw)
    vocab = build_vocabulary(train.data, min_count=min_count)
    ids_test, spans = vocab.encode(test.data, max_words, return_spans=True)
    spans_test = np.zeros(ids_test.shape + (2,), dtype=np.int32)
    for d, doc_spans in enumerate(spans):
        if doc_spans:
            spans_test[d, : len(doc_spans)] = doc_spans
    _save_npz(out_npz, ids_train=vocab.encode(train.data, max_words),
              y_train=train.target, ids_test=ids_test, y_test=test.target,
              spans_test=spans_test,
              parts_test=header_parts(test.data, spans, max_words),
              embedding=vocab.embedding)
    params = {"variant": variant, "remove": list(parts_removed), "max_words": max_words,
              "min_count": min_count, "categories": kw["categories"], "seed": seed}
    summary = {"n_train": len(train.data), "n_test": len(test.data),
               "n_words": len(vocab.words),
               "glove_coverage": float(np.mean(np.abs(vocab.embedding[1:]).sum(1) > 0))}
    write_json(out_json, {"words": list(vocab.words), "target_names": train.target_names,
                          "train_texts": train.data, "test_texts": test.data,
                          "params": params, "summary": summary,
                          "provenance": provenance()})
    logger.info("corpus %s: %s", variant, summary)
    return summary


def load_corpus(npz_path, json_path) -> tuple[dict, dict]:
    """Arrays and metadata written by :func:`corpus_step`."""
    with np.load(npz_path) as f:
        arrays = {k: f[k] for k in f.files}
    return arrays, read_json(json_path)


def _metrics(y, pred, names) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    return {"accuracy": float(accuracy_score(y, pred)),
            "macro_f1": float(f1_score(y, pred, average="macro")),
            "n_docs": len(y), "n_classes": len(names)}


def train_svm_step(corpus_npz, corpus_json, out_model, out_metrics, *, C: float,
                   sublinear_tf: bool, C_grid: Sequence[float] = (), cv_folds: int = 3,
                   seed: int = 0) -> dict:
    """Fit the TF-IDF + linear SVM on the full training texts; score the test set.

    With a non-empty ``C_grid``, ``C`` is chosen by ``cv_folds``-fold CV on the
    training split (:func:`~eegxai.text.models.select_svm_C`) and the CV table
    goes into the metrics; otherwise ``C`` is used as given.
    """
    from .models import fit_svm, select_svm_C

    arrays, meta = load_corpus(corpus_npz, corpus_json)
    cv = None
    if C_grid:
        C, table = select_svm_C(meta["train_texts"], arrays["y_train"], meta["words"],
                                C_grid=C_grid, n_folds=cv_folds,
                                sublinear_tf=sublinear_tf, seed=seed)
        cv = {"n_folds": cv_folds, "selected_C": C, "table": table}
        logger.info("SVM C by %d-fold CV on train: %s", cv_folds,
                    {row["C"]: round(row["mean_accuracy"], 4) for row in table})
    model = fit_svm(meta["train_texts"], arrays["y_train"], meta["words"], C=C,
                    sublinear_tf=sublinear_tf)
    model.save(out_model)
    pred_full = model.decision_function_texts(meta["test_texts"], meta["words"]).argmax(1)
    pred_capped = model.decision_function(arrays["ids_test"]).argmax(1)
    metrics = {"model": "svm", "params": {"C": C, "sublinear_tf": sublinear_tf},
               "cv": cv,
               "test": _metrics(arrays["y_test"], pred_full, meta["target_names"]),
               "test_capped": _metrics(arrays["y_test"], pred_capped,
                                       meta["target_names"]),
               "corpus": meta["params"], "provenance": provenance()}
    write_json(out_metrics, metrics)
    logger.info("SVM test accuracy %.4f (capped %.4f)", metrics["test"]["accuracy"],
                metrics["test_capped"]["accuracy"])
    return metrics


def train_cnn_step(corpus_npz, corpus_json, out_model, out_metrics, *, cnn: dict,
                   seed: int = 0, threads: int | None = None) -> dict:
    """Train the CNN on token ids; score the test set."""
    import torch

    from .training import CNNParams, fit_cnn, predict_cnn

    if threads:
        torch.set_num_threads(int(threads))
    arrays, meta = load_corpus(corpus_npz, corpus_json)
    params = CNNParams(**cnn)
    model, embedding, history = fit_cnn(arrays["ids_train"], arrays["y_train"],
                                        arrays["embedding"], params=params, seed=seed)
    with atomic_path(out_model, suffix=".pt") as tmp:
        torch.save({"state_dict": model.state_dict(), "embedding": torch.from_numpy(embedding),
                    "n_classes": model.n_outputs, "params": params.as_dict()}, tmp)
    pred = predict_cnn(model, arrays["ids_test"], embedding).argmax(1)
    selected = [h for h in history if h.get("selected")]
    metrics = {"model": "cnn", "params": params.as_dict(), "history": history,
               "selected_epoch": selected[0]["epoch"] if selected else len(history),
               "val_accuracy": selected[0]["val_accuracy"] if selected else None,
               "test": _metrics(arrays["y_test"], pred, meta["target_names"]),
               "corpus": meta["params"], "seed": seed, "provenance": provenance()}
    write_json(out_metrics, metrics)
    logger.info("CNN test accuracy %.4f", metrics["test"]["accuracy"])
    return metrics


def load_model(path):
    """``(model, embedding, predict)`` of a saved SVM (``.npz``) or CNN (``.pt``).

    ``predict`` maps token ids ``(n_docs, n_words)`` to class scores.
    """
    from .models import LinearTextModel, TextCNN
    from .training import CNNParams, predict_cnn

    if str(path).endswith(".npz"):
        model = LinearTextModel.load(path)
        return model, None, model.decision_function
    import torch

    saved = torch.load(path, weights_only=True)
    params = CNNParams(**saved["params"])
    model = TextCNN(saved["n_classes"], saved["embedding"].shape[1], params.n_filters,
                    params.widths, params.dropout)
    model.load_state_dict(saved["state_dict"])
    model.eval()
    embedding = saved["embedding"].numpy()
    return model, embedding, lambda ids: predict_cnn(model, ids, embedding)


def _explained_rows(n_test: int, n_explain: int | None) -> np.ndarray:
    """Test rows explained: the first ``n_explain`` (the split is shuffled)."""
    return np.arange(n_test if not n_explain else min(n_explain, n_test))


def relevance_step(corpus_npz, corpus_json, model_path, out_npz, *,
                   composite: str = "epsilon", n_explain: int | None = None,
                   threads: int | None = None) -> dict:
    """LRP and sensitivity per word, for the true and the predicted class."""
    import torch

    from .relevance import word_relevance

    if threads:
        torch.set_num_threads(int(threads))
    arrays, _ = load_corpus(corpus_npz, corpus_json)
    model, embedding, predict = load_model(model_path)
    rows = _explained_rows(len(arrays["y_test"]), n_explain)
    ids, y = arrays["ids_test"][rows], arrays["y_test"][rows]
    pred = predict(ids).argmax(1)
    out = {"index": rows, "y": y, "pred": pred}
    residual = 0.0
    wrong = np.flatnonzero(pred != y)  # elsewhere the predicted class is the true one
    for method in ("lrp", "sensitivity"):
        res = word_relevance(model, ids, y, method=method, embedding=embedding,
                             composite=composite)
        fields = {"": res.relevance, "bias_": res.bias, "score_": res.score}
        if len(wrong):
            other = word_relevance(model, ids[wrong], pred[wrong], method=method,
                                   embedding=embedding, composite=composite)
        for key, true_value in fields.items():
            pred_value = np.array(true_value, copy=True)
            if len(wrong):
                pred_value[wrong] = {"": other.relevance, "bias_": other.bias,
                                     "score_": other.score}[key]
            if method == "lrp" or not key:
                out[f"{method}_{key}true"] = true_value
                out[f"{method}_{key}pred"] = pred_value
        gap = res.relevance.sum(1) + res.bias - res.score
        if method == "lrp":
            residual = float(np.max(np.abs(gap), initial=0.0))
    _save_npz(out_npz, **out)
    summary = {"n_docs": len(rows), "accuracy": float(np.mean(pred == y)),
               "max_conservation_residual": residual}
    logger.info("relevance %s: %s", model_path, summary)
    return summary


def _read_npz(path) -> dict:
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


#: Deletion order per (method, experiment); sensitivity is unsigned.
_ORDERS = {("lrp", "correct"): "descending", ("lrp", "misclassified"): "ascending",
           ("sensitivity", "correct"): "descending",
           ("sensitivity", "misclassified"): "descending",
           ("random", "correct"): "random", ("random", "misclassified"): "random"}


def deletion_step(corpus_npz, corpus_json, model_path, relevance_npz, out_json, *,
                  n_deleted: int = 10, max_docs: int | None = None, seed: int = 0,
                  threads: int | None = None) -> dict:
    """Word-deletion curves (Arras et al. 2016) for LRP, sensitivity and random."""
    import torch

    from .deletion import aopc_accuracy, word_deletion

    if threads:
        torch.set_num_threads(int(threads))
    arrays, _ = load_corpus(corpus_npz, corpus_json)
    _, _, predict = load_model(model_path)
    rel = _read_npz(relevance_npz)
    ids_all = arrays["ids_test"][rel["index"]]
    rng = np.random.default_rng(seed)
    result = {"n_deleted": n_deleted, "experiments": {}}
    for experiment in ("correct", "misclassified"):
        rows = np.flatnonzero((rel["pred"] == rel["y"]) == (experiment == "correct"))
        if max_docs and len(rows) > max_docs:
            rows = np.sort(rng.choice(rows, max_docs, replace=False))
        entry = {"n_docs": len(rows), "curves": {}, "aopc": {}, "logit_aopc": {}}
        for method in ("lrp", "sensitivity", "random"):
            if len(rows) == 0:
                continue
            relevance = rel["lrp_true" if method == "random" else f"{method}_true"][rows]
            res = word_deletion(predict, ids_all[rows], relevance, rel["y"][rows],
                                order=_ORDERS[method, experiment], n_deleted=n_deleted,
                                seed=seed)
            entry["curves"][method] = res["accuracy"].tolist()
            entry["aopc"][method] = aopc_accuracy(res["accuracy"], experiment)
            entry["logit_aopc"][method] = res["logit_aopc"]
        result["experiments"][experiment] = entry
        logger.info("deletion %s: %s", experiment, entry["aopc"])
    result["provenance"] = provenance()
    write_json(out_json, result)
    return result


def epi_step(corpus_npz, corpus_json, relevance_npzs: dict, out_json, *,
             ks: Sequence[int] = (1, 3, 5, 10, 20, 50), n_splits: int = 5,
             seed: int = 0) -> dict:
    """Explanatory power index of each model's LRP and sensitivity (+ uniform)."""
    from .epi import explanatory_power, summary_vectors

    arrays, _ = load_corpus(corpus_npz, corpus_json)
    embedding = arrays["embedding"]  # the same GloVe vectors for both models
    result = {"models": {}}
    for model, path in relevance_npzs.items():
        rel = _read_npz(path)
        ids, y = arrays["ids_test"][rel["index"]], rel["y"]
        weights = {"lrp": rel["lrp_pred"], "sensitivity": rel["sensitivity_pred"],
                   "uniform": (ids > 0).astype(float)}
        result["models"][model] = {
            name: explanatory_power(summary_vectors(w, ids, embedding), y, ks=ks,
                                    n_splits=n_splits, seed=seed)
            for name, w in weights.items()}
        logger.info("EPI %s: %s", model,
                    {k: v["epi"] for k, v in result["models"][model].items()})
    result["provenance"] = provenance()
    write_json(out_json, result)
    return result


def _header_share(model_path, ids, parts, *, composite: str) -> tuple[dict, np.ndarray]:
    from .clever_hans import header_relevance_share
    from .relevance import word_relevance

    model, embedding, predict = load_model(model_path)
    pred = predict(ids).argmax(1)
    res = word_relevance(model, ids, pred, method="lrp", embedding=embedding,
                         composite=composite)
    share = header_relevance_share(res.relevance, parts, ids)
    # the same shares of the positive relevance only: the evidence *for* the
    # predicted class (|R| also counts words that speak against it)
    share["positive"] = header_relevance_share(np.maximum(res.relevance, 0.0), parts, ids)
    return share, pred


def clever_hans_step(clean_corpus: Sequence, headers_corpus: Sequence,
                     clean_models: dict, headers_models: dict, out_json, *,
                     composite: str = "epsilon", n_docs: int | None = 500,
                     threads: int | None = None) -> dict:
    """Header relevance and the accuracy drop without headers.

    See :mod:`eegxai.text.clever_hans`. ``*_corpus`` are ``(npz, json)`` pairs,
    ``*_models`` map ``"svm"``/``"cnn"`` to model files.
    """
    import torch
    from sklearn.datasets._twenty_newsgroups import strip_newsgroup_header

    from .clever_hans import header_parts
    from .vocabulary import Vocabulary

    if threads:
        torch.set_num_threads(int(threads))
    h_arrays, h_meta = load_corpus(*headers_corpus)
    c_arrays, c_meta = load_corpus(*clean_corpus)
    rows = _explained_rows(len(h_arrays["y_test"]), n_docs)
    y = h_arrays["y_test"][rows]
    texts = [h_meta["test_texts"][i] for i in rows]
    max_words = h_arrays["ids_test"].shape[1]
    h_vocab = Vocabulary(tuple(h_meta["words"]), h_arrays["embedding"])
    c_vocab = Vocabulary(tuple(c_meta["words"]), c_arrays["embedding"])
    stripped = h_vocab.encode([strip_newsgroup_header(t) for t in texts], max_words)
    c_ids, c_spans = c_vocab.encode(texts, max_words, return_spans=True)
    c_parts = header_parts(texts, c_spans, max_words)
    result = {"n_docs": len(rows), "models": {}}
    for name in headers_models:
        h_share, h_pred = _header_share(headers_models[name], h_arrays["ids_test"][rows],
                                        h_arrays["parts_test"][rows], composite=composite)
        c_share, c_pred = _header_share(clean_models[name], c_ids, c_parts,
                                        composite=composite)
        _, _, predict = load_model(headers_models[name])
        acc_with = float(np.mean(h_pred == y))
        acc_without = float(np.mean(predict(stripped).argmax(1) == y))
        result["models"][name] = {
            "headers_model": {"header_share": h_share, "accuracy_with_headers": acc_with,
                              "accuracy_headers_removed": acc_without,
                              "accuracy_drop": acc_with - acc_without},
            "clean_model": {"header_share": c_share,
                            "accuracy_with_headers": float(np.mean(c_pred == y))}}
        logger.info("Clever Hans %s: %s", name, result["models"][name])
    result["provenance"] = provenance()
    write_json(out_json, result)
    return result


def figures_step(deletion: dict, epi_json, clever_hans_json, out_deletion, out_epi,
                 out_clever_hans) -> None:
    """The report's three figures as PNG files (for ``snakemake --report``)."""
    from ..report.html import DPI
    from .figures import clever_hans_figure, deletion_figure, epi_figure

    figs = {out_deletion: deletion_figure({m: read_json(p) for m, p in deletion.items()}),
            out_epi: epi_figure(read_json(epi_json)),
            out_clever_hans: clever_hans_figure(read_json(clever_hans_json))}
    import matplotlib.pyplot as plt

    for path, fig in figs.items():
        with atomic_path(path, suffix=".png") as tmp:
            fig.savefig(tmp, dpi=DPI)
        plt.close(fig)


def report_step(*args, **kwargs):
    """:func:`eegxai.text.report.text_report` (the last step)."""
    from .report import text_report

    return text_report(*args, **kwargs)
