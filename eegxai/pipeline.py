"""File-to-file steps of the EEG workflow: one function per Snakemake rule.

Each step reads the files of the steps before it, calls the computing modules of
eegxai, and writes its outputs atomically. The Snakemake scripts in
``workflow/scripts`` are a log redirect plus one call of a function here, so
every step can also be run from Python on its own.

==================  ==========================================================
step                writes
==================  ==========================================================
:func:`train_step`       model ``.pt``, metrics JSON, history CSV
:func:`baselines_step`   baselines JSON (metrics, CSP patterns/filters)
:func:`explain_step`     relevance HDF5 + relevance summary JSON
:func:`compare_step`     agreement JSON (+ the expert features it used)
:func:`evaluate_step`    explanation-quality JSON (faithfulness, sanity checks)
==================  ==========================================================
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._check import check_option
from ._io import provenance, read_json, write_json

logger = logging.getLogger(__name__)

#: Bands in which ERD/ERS maps are computed (Hz).
ERDS_FREQS = np.arange(6.0, 36.0, 1.0)
#: Channels shown in ERD/ERS maps when present (the classic motor triplet).
ERDS_CHANNELS = ("C3", "Cz", "C4")


def _load_arrays(epochs_path):
    from .preprocessing import epochs_to_arrays, read_epochs

    epochs = read_epochs(epochs_path)
    X, y, metadata = epochs_to_arrays(epochs)
    return epochs, X, y, metadata


def train_step(
    epochs_path: str | os.PathLike,
    *,
    model: str,
    split: Mapping[str, Any],
    out_model: str | os.PathLike,
    out_metrics: str | os.PathLike,
    out_history: str | os.PathLike,
    dataset: str | None = None,
    subject: str | None = None,
    seed: int = 0,
    threads: int | None = None,
    **training: Any,
) -> dict:
    """Train one ConvNet on one subject's epochs (see :func:`eegxai.training.train_subject`).

    Parameters
    ----------
    epochs_path : path-like
        ``results/epochs/{dataset}/{subject}-epo.fif``.
    model : str
        ``"shallow"``, ``"deep"`` or ``"eegnet"``.
    split : mapping
        Evaluation protocol (:func:`eegxai.splits.splits_from_config`).
    out_model, out_metrics, out_history : path-like
        Output files.
    dataset, subject : str | None
        Recorded in the metrics file.
    seed : int
        Seeds the folds, the validation split and the network.
    threads : int | None
        Torch CPU threads (None = torch's default).
    **training
        Keyword arguments of :func:`eegxai.training.fit_model`.
    """
    import torch

    from .training import train_subject

    if threads:
        torch.set_num_threads(int(threads))
    _, X, y, metadata = _load_arrays(epochs_path)
    return train_subject(
        X, y, metadata, split=dict(split), model=model, out_model=out_model,
        out_metrics=out_metrics, out_history=out_history, dataset=dataset,
        subject=subject, seed=seed, **training,
    )


def baselines_step(
    epochs_path: str | os.PathLike,
    *,
    methods: Sequence[str],
    split: Mapping[str, Any],
    out_json: str | os.PathLike,
    dataset: str | None = None,
    subject: str | None = None,
    seed: int = 0,
) -> dict:
    """Expert baselines on the ConvNets' folds (see :func:`eegxai.expert.baselines.run_baselines`)."""
    from .expert.baselines import run_baselines

    epochs, X, y, metadata = _load_arrays(epochs_path)
    return run_baselines(
        X, y, metadata, epochs.info["sfreq"], epochs.ch_names, split=dict(split),
        methods=list(methods), out_json=out_json, dataset=dataset, subject=subject,
        seed=seed,
    )


def _has_temporal_conv(model) -> bool:
    return any(name.endswith("conv_time") for name, _ in model.named_modules())


def explain_step(
    epochs_path: str | os.PathLike,
    model_path: str | os.PathLike,
    *,
    method: str,
    out_relevance: str | os.PathLike,
    out_summary: str | os.PathLike,
    composite: str = "epsilon_plus_flat",
    batch_size: int = 256,
    device: str = "auto",
    dataset: str | None = None,
    subject: str | None = None,
    model_name: str | None = None,
) -> dict:
    """Explain every test trial with the model of its fold; save relevance + summary.

    Each trial is explained by the one model that never saw it (its fold's
    model), for its true class. With ``method="lrp"`` and a model whose first
    layer is a temporal convolution (ShallowFBCSPNet, Deep4Net), the relevance
    of each first-layer filter is saved too (summed over its outputs, positive
    and negative parts), with the filters' FIR taps per fold, for the
    first-layer relevance spectrum.

    Parameters
    ----------
    epochs_path : path-like
        Epochs file of the subject.
    model_path : path-like
        Model file of :func:`eegxai.models.save_model` (one state dict per fold).
    method : str
        A name of :data:`eegxai.explain.METHODS`.
    out_relevance : path-like
        HDF5 file (format: :mod:`eegxai.analysis.io`); extra datasets
        ``trial_index`` (n_trials,) row in the epochs file, ``fold``
        (n_trials,), ``filter_positive`` / ``filter_negative``
        (n_trials, n_filters) and ``fir_folds`` (n_folds, n_filters, filter_len).
    out_summary : path-like
        JSON summary (:func:`eegxai.analysis.summarize_relevance`).
    composite : str
        LRP composite (:data:`eegxai.explain.COMPOSITES`); ignored by other methods.
    batch_size, device
        Passed to :func:`eegxai.explain.explain`.
    dataset, subject, model_name : str | None
        Stored in the files.

    Returns
    -------
    summary : dict
    """
    from .analysis import (
        filter_relevance,
        first_layer_fir,
        save_relevance,
        save_summary,
    )
    from .analysis.summary import summarize_relevance_file
    from .explain import METHODS, explain, explain_layer
    from .models import load_model, read_checkpoint
    from .training import predict_logits

    check_option("method", method, METHODS)
    epochs, X, y, _ = _load_arrays(epochs_path)
    checkpoint = read_checkpoint(model_path)
    kwargs = {"composite": composite} if method == "lrp" else {}
    parts: dict[str, list] = {k: [] for k in (
        "relevance", "logits", "trial_index", "fold", "filter_positive", "filter_negative")}
    firs = []
    for k, fold in enumerate(checkpoint["folds"]):
        net = load_model(model_path, fold=k)
        idx = np.asarray(fold["test_idx"], dtype=int)
        if idx.size == 0:
            continue
        Xk, yk = X[idx], y[idx]
        parts["relevance"].append(
            explain(net, Xk, method=method, target=yk, batch_size=batch_size,
                    device=device, **kwargs))
        parts["logits"].append(predict_logits(net, Xk, batch_size=batch_size, device=device))
        parts["trial_index"].append(idx)
        parts["fold"].append(np.full(len(idx), k))
        if method == "lrp" and _has_temporal_conv(net):
            layer = explain_layer(net, Xk, layer="conv_time", method="lrp",
                                  composite=composite, target=yk,
                                  batch_size=batch_size, device=device)
            positive, negative = filter_relevance(layer, per_trial=True)
            parts["filter_positive"].append(positive)
            parts["filter_negative"].append(negative)
            firs.append(first_layer_fir(net))
        logger.info("fold %d: explained %d trials with %s", k, len(idx), method)
    if not parts["relevance"]:
        raise ValueError(f"{os.fspath(model_path)!r} has no test trials to explain.")
    cat = {k: np.concatenate(v) for k, v in parts.items() if v}
    logits = cat["logits"]
    class_names = list(epochs.event_id)
    save_relevance(
        out_relevance,
        relevance=cat["relevance"],
        y=y[cat["trial_index"]],
        y_pred=logits.argmax(axis=1),
        logits=logits,
        times=epochs.times,
        ch_names=epochs.ch_names,
        class_names=class_names,
        sfreq=float(epochs.info["sfreq"]),
        method=method,
        composite=composite if method == "lrp" else "",
        target="true_class",
        dataset=dataset or "",
        subject=subject or "",
        model=model_name or checkpoint["build_args"]["name"],
        trial_index=cat["trial_index"],
        fold=cat["fold"],
        filter_positive=cat.get("filter_positive"),
        filter_negative=cat.get("filter_negative"),
        fir_folds=np.stack(firs) if firs else None,
    )
    summary = summarize_relevance_file(out_relevance)
    save_summary(out_summary, summary)
    return summary


def _fold_mean_perturbation(epochs, X, y, model_path, *, seed: int, n_repeats: int):
    """Amplitude-perturbation correlation of the logit difference, folds pooled.

    The output explained is ``logit(class 1) − logit(class 0)``, so a positive
    correlation means "more amplitude here → more evidence for class 1".
    """
    from .analysis import amplitude_perturbation_correlation
    from .models import load_model, read_checkpoint
    from .training import predict_logits

    checkpoint = read_checkpoint(model_path)
    total, weight, freqs = 0.0, 0, None
    for k, fold in enumerate(checkpoint["folds"]):
        idx = np.asarray(fold["test_idx"], dtype=int)
        if idx.size < 3:
            continue
        net = load_model(model_path, fold=k)

        def predict(data, net=net):
            logits = predict_logits(net, np.asarray(data, dtype=np.float32))
            return logits[:, 1] - logits[:, 0]

        res = amplitude_perturbation_correlation(
            predict, X[idx], epochs.info["sfreq"], n_repeats=n_repeats, fmax=45.0,
            seed=seed + k)
        total = total + np.nan_to_num(res["correlation"]) * len(idx)
        weight += len(idx)
        freqs = res["freqs"]
    return {"freqs": freqs, "correlation": total / max(weight, 1)}


def compare_step(
    epochs_path: str | os.PathLike,
    relevance_path: str | os.PathLike,
    summary_path: str | os.PathLike,
    baselines_path: str | os.PathLike,
    model_path: str | os.PathLike,
    *,
    out_json: str | os.PathLike,
    out_expert: str | os.PathLike | None = None,
    dataset: str | None = None,
    subject: str | None = None,
    model_name: str | None = None,
    n_permutations: int = 1000,
    erds_permutations: int = 200,
    perturbation_repeats: int = 10,
    seed: int = 0,
) -> dict:
    """Compare one model's relevance with the expert features of the subject.

    Expert features are computed from all trials of the subject's epochs:
    band-power signed r² (which frequencies separate the classes), ERD/ERS maps
    at C3/Cz/C4 with cluster-permutation masks, the ERD time course in the
    subject's most discriminative band, and the CSP patterns of the CSP+LDA
    baseline (first fold). The network side is the relevance summary of
    :func:`explain_step` plus Schirrmeister's amplitude-perturbation
    correlation (computed here with each fold's model on its test trials).
    Metrics and their permutation chance levels: :func:`eegxai.compare.compare_subject`.

    Parameters
    ----------
    epochs_path, relevance_path, summary_path, baselines_path, model_path : path-like
        Outputs of the earlier steps.
    out_json : path-like
        ``results/compare/{dataset}/{subject}/{model}.json``.
    out_expert : path-like | None
        JSON with the expert features and spectra used (for the report).
    dataset, subject, model_name : str | None
        Identifiers stored in the result.
    n_permutations : int
        Null sample size of each agreement metric.
    erds_permutations : int
        Permutations of each ERD/ERS cluster test.
    perturbation_repeats : int
        Amplitude perturbations per trial.
    seed : int
        Seeds every permutation and perturbation.

    Returns
    -------
    result : dict
        As written to ``out_json``.
    """
    from .analysis import input_relevance_spectrum, read_relevance, read_summary
    from .compare import compare_subject, csp_erd_components, write_comparison
    from .expert.baselines import read_baselines
    from .expert.discriminability import band_power_r2, discriminative_band
    from .expert.erds import erd_lateralization, erd_time_course, erds_map

    epochs, X, y, _ = _load_arrays(epochs_path)
    sfreq = float(epochs.info["sfreq"])
    times = epochs.times
    ch_names = list(epochs.ch_names)
    class_names = list(epochs.event_id)
    rel = read_relevance(relevance_path)
    summary = read_summary(summary_path)
    baselines = read_baselines(baselines_path)

    window = (max(0.5, times[0]), times[-1])
    r2 = band_power_r2(X, y, sfreq=sfreq, times=times, window=window, fmax=40.0)
    band = tuple(float(b) for b in discriminative_band(r2["freqs"], r2["r2"]))
    picks = [c for c in ERDS_CHANNELS if c in ch_names] or ch_names[:3]
    pick_idx = [ch_names.index(c) for c in picks]
    baseline = (float(times[0]), 0.0)
    erds = erds_map(
        X[:, pick_idx], y, sfreq=sfreq, times=times, freqs=ERDS_FREQS,
        ch_names=picks, class_names=class_names, baseline=baseline,
        n_permutations=erds_permutations, decim=max(1, int(sfreq // 50)), seed=seed,
    )
    li_erd = (erd_lateralization(erds, band=band, window=(0.5, min(2.5, times[-1])))
              if {"C3", "C4"} <= set(picks) else None)
    erd_tc = erd_time_course(X[:, pick_idx], y, sfreq=sfreq, times=times, band=band,
                             baseline=baseline, class_names=class_names)
    perturbation = _fold_mean_perturbation(epochs, X, y, model_path, seed=seed,
                                           n_repeats=perturbation_repeats)
    input_spectrum = input_relevance_spectrum(
        rel["relevance"], sfreq, X=X[rel["trial_index"]], fmax=45.0)

    csp_patterns = csp_components = None
    csp = baselines.get("methods", {}).get("csp_lda")
    if csp is not None:
        fold0 = csp["folds"][0]
        csp_patterns = np.asarray(fold0["patterns"])
        csp_components = csp_erd_components(np.asarray(fold0["filters"]), X, y,
                                            class_names=class_names)

    subsets = summary["subsets"]
    all_trials = subsets["all"]
    channel_rel = {c: np.asarray(subsets[c]["channel_relevance_abs"])
                   for c in class_names if subsets.get(c, {}).get("n_trials")}
    li_rel = {c: subsets[c]["lateralization_index"] for c in channel_rel}
    first_layer = all_trials.get("first_layer")
    result = compare_subject(
        subject=subject, model=model_name, dataset=dataset, method=rel.get("method"),
        first_layer_spectrum=first_layer,
        perturbation=perturbation,
        input_spectrum=input_spectrum,
        r2=r2,
        discriminative_band=band,
        channel_relevance=channel_rel,
        csp_patterns=csp_patterns,
        csp_components=csp_components,
        li_relevance=li_rel if li_erd is not None else None,
        li_erd=li_erd,
        relevance_time_course=(np.asarray(summary["times"]),
                               np.asarray(all_trials["time_course"]["mean"])),
        erd_time_course=erd_tc,
        n_permutations=n_permutations,
        seed=seed,
    )
    write_comparison(out_json, result)
    if out_expert is not None:
        write_json(out_expert, {
            "r2": {"freqs": r2["freqs"], "r2": r2["r2"], "ch_names": ch_names},
            "discriminative_band": band,
            "erds": erds.to_dict(),
            "erd_time_course": erd_tc,
            "perturbation": perturbation,
            "input_spectrum": input_spectrum,
            "csp_patterns": csp_patterns,
            "csp_components": csp_components,
            "li_erd": li_erd,
            "provenance": provenance(),
        })
    return result


def evaluate_step(
    epochs_path: str | os.PathLike,
    model_path: str | os.PathLike,
    *,
    out_json: str | os.PathLike,
    methods: Sequence[str] = ("lrp", "gradient_x_input", "gradient"),
    composites: Sequence[str] = ("epsilon_plus_flat", "epsilon_gamma_wsquare"),
    max_trials: int = 64,
    window_s: float = 0.1,
    n_steps: int = 20,
    eog_channels: Sequence[str] = (),
    device: str = "auto",
    seed: int = 0,
) -> dict:
    """Explanation quality of one model: faithfulness and randomization checks.

    Uses the first fold's model on (at most ``max_trials`` of) its test trials.

    Parameters
    ----------
    epochs_path, model_path : path-like
        Epochs of the subject and the trained model.
    out_json : path-like
        Output JSON: ``faithfulness`` (table rows, :func:`eegxai.evaluate.faithfulness_table`),
        ``curves`` (MoRF/LeRF/random curves per method, composite and
        baseline: phase-randomized surrogate and channel mean), ``randomization``
        (:func:`eegxai.evaluate.cascading_randomization` per method), and
        ``eog_share`` (share of LRP relevance on EOG channels, when any are
        model inputs).
    methods, composites : sequence of str
        Attribution methods and LRP composites to evaluate.
    max_trials : int
        Test trials used (evenly spaced).
    window_s : float
        Perturbation segment length in seconds.
    n_steps : int
        Perturbation steps.
    eog_channels : sequence of str
        EOG channel names (Clever Hans check).
    device : str
        'auto', 'cpu' or 'cuda'.
    seed : int
        Seeds random orders, surrogates and randomized weights.
    """
    from .evaluate import (
        cascading_randomization,
        faithfulness_table,
        relevance_share,
    )
    from .explain import explain
    from .models import load_model, read_checkpoint

    epochs, X, y, _ = _load_arrays(epochs_path)
    checkpoint = read_checkpoint(model_path)
    idx = np.asarray(checkpoint["folds"][0]["test_idx"], dtype=int)
    if len(idx) > max_trials:
        idx = idx[np.linspace(0, len(idx) - 1, max_trials).round().astype(int)]
    net = load_model(model_path, fold=0)
    Xe, ye = X[idx], y[idx]
    window = max(1, int(round(window_s * epochs.info["sfreq"])))
    table, curves = faithfulness_table(
        net, Xe, methods=methods, composites=composites, target=ye, window=window,
        n_steps=n_steps, baseline=("surrogate", "channel_mean"), device=device,
        seed=seed, return_curves=True)
    randomization = {}
    for method in methods:
        kwargs = {"composite": composites[0]} if method == "lrp" else {}
        randomization[method] = cascading_randomization(
            net, Xe, method=method, target=ye, device=device, seed=seed, **kwargs
        ).to_dict(orient="list")
    result = {
        "trial_index": idx,
        "window": window,
        "faithfulness": table.to_dict(orient="records"),
        "curves": {"|".join(k): {"fraction": v["fraction"], "curve": v["curve"]}
                   for k, v in curves.items()},
        "randomization": randomization,
        "provenance": provenance(),
    }
    eog = [c for c in eog_channels if c in epochs.ch_names]
    if eog:
        R = explain(net, Xe, method="lrp", composite=composites[0], target=ye, device=device)
        result["eog_share"] = float(np.nanmean(relevance_share(R, eog, ch_names=epochs.ch_names)))
        result["eog_chance"] = len(eog) / len(epochs.ch_names)
    write_json(out_json, result)
    return result


def read_step_json(path: str | os.PathLike) -> dict:
    """Read any JSON written by a step of this module."""
    return read_json(path)


def clever_hans_step(
    *, subject: int, out_json: str | os.PathLike, seed: int = 0, n_epochs: int = 40,
    blink_class: str = "left_hand", device: str = "cpu",
) -> dict:
    """Run :func:`eegxai.experiments.clever_hans.clever_hans_experiment` and write its JSON."""
    from .experiments.clever_hans import clever_hans_experiment

    result = clever_hans_experiment(subject, seed=seed, n_epochs=n_epochs,
                                    blink_class=blink_class, device=device)
    result["provenance"] = provenance()
    write_json(out_json, result)
    logger.info("Clever Hans subject %d: %s", subject, result)
    return result
