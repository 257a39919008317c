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
:func:`band_occlusion_step`  band-occlusion JSON (margin drop per band, peak p)
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

#: Highest frequency (Hz) of the network's input-relevance and amplitude-
#: perturbation spectra (above the 38 Hz low-pass of the default preprocessing).
SPECTRUM_FMAX = 45.0


def _load_arrays(epochs_path):
    from .preprocessing import epochs_to_arrays, read_epochs

    epochs = read_epochs(epochs_path)
    X, y, metadata = epochs_to_arrays(epochs)
    return epochs, X, y, metadata


def _load_baseline_inputs(epochs_path):
    """Trials, metadata, sampling rate (Hz) and channel names the baselines need."""
    epochs, X, y, metadata = _load_arrays(epochs_path)
    return X, y, metadata, float(epochs.info["sfreq"]), list(epochs.ch_names)


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

    X, y, metadata, sfreq, ch_names = _load_baseline_inputs(epochs_path)
    return run_baselines(
        X, y, metadata, sfreq, ch_names, split=dict(split),
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
    first-layer relevance spectrum, and each trial's DFT-LRP relevance of the
    input frequencies (:func:`eegxai.analysis.frequency_relevance`, 1 Hz bins).

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
        (n_trials, n_filters), ``fir_folds`` (n_folds, n_filters, filter_len),
        ``frequency_relevance`` (n_trials, n_freqs) and
        ``frequency_relevance_freqs`` (n_freqs,).
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
        first_layer_bias,
        first_layer_fir,
        frequency_relevance,
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
        "relevance", "logits", "trial_index", "fold", "filter_positive", "filter_negative",
        "frequency_relevance")}
    firs, freqs = [], None
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
            spectrum = frequency_relevance(Xk, layer, firs[-1], float(epochs.info["sfreq"]),
                                           bias=first_layer_bias(net), fmax=60.0)
            parts["frequency_relevance"].append(spectrum["relevance"])
            freqs = spectrum["freqs"]
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
        frequency_relevance=cat.get("frequency_relevance"),
        frequency_relevance_freqs=freqs,
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
            predict, X[idx], epochs.info["sfreq"], n_repeats=n_repeats, fmax=SPECTRUM_FMAX,
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
    erds_permutations: int = 500,
    perturbation_repeats: int = 10,
    expert: Mapping[str, Any] | None = None,
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
    expert : mapping | None
        Fields of :class:`eegxai.expert.features.ExpertParams` (frequency grid,
        windows); ``erds_permutations`` is given on its own.
    seed : int
        Seeds every permutation and perturbation.

    Returns
    -------
    result : dict
        As written to ``out_json``.
    """
    from .analysis import input_relevance_spectrum, read_relevance, read_summary
    from .compare import compare_subject, write_comparison
    from .expert.baselines import read_baselines
    from .expert.features import ExpertParams, expert_features

    epochs, X, y, _ = _load_arrays(epochs_path)
    sfreq = float(epochs.info["sfreq"])
    class_names = list(epochs.event_id)
    rel = read_relevance(relevance_path)
    summary = read_summary(summary_path)
    features = expert_features(
        X, y, sfreq=sfreq, times=epochs.times, ch_names=epochs.ch_names,
        class_names=class_names, baselines=read_baselines(baselines_path),
        params=ExpertParams(erds_permutations=erds_permutations, **dict(expert or {})),
        seed=seed)
    perturbation = _fold_mean_perturbation(epochs, X, y, model_path, seed=seed,
                                           n_repeats=perturbation_repeats)
    input_spectrum = input_relevance_spectrum(
        rel["relevance"], sfreq, X=X[rel["trial_index"]], fmax=SPECTRUM_FMAX)

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
        r2=features.r2,
        discriminative_band=features.discriminative_band,
        channel_relevance=channel_rel,
        csp_patterns=features.csp_patterns,
        csp_components=features.csp_components,
        li_relevance=li_rel if features.li_erd is not None else None,
        li_erd=features.li_erd,
        relevance_time_course=(np.asarray(summary["times"]),
                               np.asarray(all_trials["time_course"]["mean"])),
        erd_time_course=features.erd_time_course,
        n_permutations=n_permutations,
        seed=seed,
    )
    result = {**result, "shap_lrp": _shap_lrp_agreement(X, y, sfreq, model_path)}
    write_comparison(out_json, result)
    if out_expert is not None:
        # the network's spectra sit beside the expert features for the report
        write_json(out_expert, {**features.to_dict(), "perturbation": perturbation,
                                "input_spectrum": input_spectrum,
                                "provenance": provenance()})
    return result


def _shap_lrp_agreement(X, y, sfreq: float, model_path) -> dict | None:
    """SHAP of a band-power LDA beside the ConvNet's LRP per channel × band (fold 0).

    See :func:`eegxai.experiments.shap_bandpower.shap_lrp_agreement`; None for
    models without a temporal first convolution (no DFT-LRP) or without folds.
    """
    from .experiments.shap_bandpower import shap_lrp_agreement
    from .models import load_model, read_checkpoint

    fold = read_checkpoint(model_path)["folds"][0]
    net = load_model(model_path, fold=0)
    if not _has_temporal_conv(net) or not fold.get("train_idx") or not fold.get("test_idx"):
        return None
    return shap_lrp_agreement(net, X, y, train_idx=fold["train_idx"],
                              test_idx=fold["test_idx"], sfreq=sfreq)


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
    eog_channels: Sequence[str] = ("EOG1", "EOG2", "EOG3"),
    prototype_steps: int = 60,
    prototype_lam: float = 1e-2,
    device: str = "auto",
    seed: int = 0,
) -> dict:
    """Explanation quality of one model: faithfulness, randomization, prototypes.

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
        model inputs), ``prototypes`` (per-class activation-maximization
        prototypes, :func:`_prototype_summary`).
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
    prototype_steps : int
        Gradient steps of each activation-maximization prototype (0 = none).
    prototype_lam : float
        ℓ2 penalty of the ℓ2 prototypes.
    device : str
        'auto', 'cpu' or 'cuda'.
    seed : int
        Seeds random orders, surrogates, randomized weights and prototypes.
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
    if prototype_steps > 0:
        train = np.asarray(checkpoint["folds"][0].get("train_idx", []), dtype=int)
        result["prototypes"] = _prototype_summary(
            net, X[train], sfreq=float(epochs.info["sfreq"]), ch_names=epochs.ch_names,
            class_names=list(epochs.event_id), n_steps=prototype_steps,
            lam=prototype_lam, seed=seed, device=device)
    write_json(out_json, result)
    return result


#: Largest trial size (channels × samples) given the data-prior prototype: the
#: priors of :mod:`eegxai.interpret.priors` hold dense size × size matrices.
PRIOR_MAX_SIZE = 4096


def _prototype_summary(net, X_train, *, sfreq: float, ch_names: Sequence[str],
                       class_names: Sequence[str], n_steps: int, lam: float,
                       seed: int, device: str) -> dict:
    """Per-class prototypes of ``net`` (ℓ2 and data prior) and their rhythms.

    See :func:`eegxai.experiments.prototypes.prototype_eeg`. A kind that fails
    (too few training trials, a model without gradients...) records its
    ``error`` instead of stopping the step.

    Parameters
    ----------
    net : torch.nn.Module
        Trained decoder, input ``(n, n_chans, n_times)``.
    X_train : ndarray, shape (n_trials, n_chans, n_times)
        Its training trials (prototype shape and data prior).
    sfreq, ch_names, class_names
        Sampling rate (Hz), channel and class names.
    n_steps, lam, seed, device
        Activation-maximization settings.

    Returns
    -------
    summary : dict
        ``class_names``, ``ch_names``, ``n_steps``, ``lam`` and ``kinds``:
        'l2' / 'prior' → ``prior`` (density used), ``prob`` (n_classes,)
        p(c | x*), ``channel_rms`` (n_classes, n_chans), ``freqs`` (n_freqs,)
        and ``psd`` (n_classes, n_chans, n_freqs) up to :data:`SPECTRUM_FMAX`,
        ``bands``, ``band_power`` (n_classes, n_bands, n_chans) log10, and
        ``lateralization`` (n_classes, n_bands) C3 vs C4 (None without them);
        or ``error``.
    """
    from .experiments.prototypes import prototype_eeg

    lateral = "C3" in ch_names and "C4" in ch_names
    size = int(np.prod(X_train.shape[1:]))
    kinds: dict[str, dict] = {}
    for kind, prior in (("l2", None), ("prior", "gaussian")):
        if prior is not None and size > PRIOR_MAX_SIZE:
            kinds[kind] = {"prior": prior, "error": (
                f"trial size {size} (channels × samples) > {PRIOR_MAX_SIZE}: the dense "
                "Gaussian prior would not fit in memory")}
            continue
        try:
            res = prototype_eeg(
                net, X_train.astype(np.float32), sfreq=sfreq, ch_names=list(ch_names),
                classes=range(len(class_names)), prior=prior, lam=lam, n_steps=n_steps,
                seed=seed, device=device,
                **({} if lateral else {"left": ch_names[0], "right": ch_names[-1]}))
        except Exception as err:  # noqa: BLE001 - recorded in the result and the log
            logger.warning("prototypes (%s) failed: %s", kind, err)
            kinds[kind] = {"prior": prior, "error": f"{type(err).__name__}: {err}"}
            continue
        keep = res["freqs"] <= SPECTRUM_FMAX
        kinds[kind] = {
            "prior": prior,
            "prob": res["prob"],
            "channel_rms": np.sqrt((res["prototypes"] ** 2).mean(-1)),
            "freqs": res["freqs"][keep],
            "psd": res["psd"][..., keep],
            "bands": {k: list(v) for k, v in res["bands"].items()},
            "band_power": res["band_power"],
            "lateralization": res["lateralization"] if lateral else None,
        }
    return {"class_names": list(class_names), "ch_names": list(ch_names),
            "n_steps": int(n_steps), "lam": float(lam), "kinds": kinds}


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


# ----------------------------------------------------------------------------
# cross-subject transfer (eegxai.transfer): pretrain -> finetune, RCT baseline


def _subject_arrays(epochs_paths: Sequence[str | os.PathLike]):
    return [_load_arrays(p)[1:] for p in epochs_paths]


def pretrain_step(
    epochs_paths: Sequence[str | os.PathLike],
    *,
    model: str,
    sources: Sequence[str],
    out_model: str | os.PathLike,
    out_history: str | os.PathLike,
    out_json: str | os.PathLike,
    align: bool = True,
    valid_by: str = "subject",
    seed: int = 0,
    threads: int | None = None,
    **training: Any,
) -> dict:
    """Pre-train one ConvNet on source subjects (:func:`eegxai.transfer.pretrain`).

    Parameters
    ----------
    epochs_paths : list of path-like
        Epochs files of the source subjects (every trial is used).
    model : str
        ``"shallow"``, ``"deep"`` or ``"eegnet"``.
    sources : list of str
        The source subjects' labels, in the order of ``epochs_paths``.
    out_model, out_history, out_json : path-like
        Model (one entry; takes aligned trials when ``align``), history CSV and
        a JSON with sources, parameters and the validation score of the best
        epoch (the quantity a configuration choice may look at).
    align : bool
        Euclidean alignment per source subject.
    valid_by : {"subject", "trial"}
        Early stopping on held-out source subjects or on pooled trials.
    seed, threads
        Seed of :func:`eegxai.training.fit_model`; torch CPU threads.
    **training
        Further :func:`eegxai.training.fit_model` arguments.
    """
    import torch

    from .models import save_model
    from .transfer import pretrain

    if threads:
        torch.set_num_threads(int(threads))
    data = _subject_arrays(epochs_paths)
    net, history, build_args = pretrain(
        [(X, y) for X, y, _ in data], model=model, align=align, valid_by=valid_by,
        seed=seed, progress=False, **training)
    save_model(out_model, net.cpu(), build_args)
    history.assign(fold=0)[["fold", *history.columns]].to_csv(out_history, index=False)
    best = history[history["epoch"] == history.attrs["best_epoch"]].iloc[0]
    result = {
        "model": model, "sources": list(sources), "align": bool(align),
        "valid_by": valid_by,
        "valid_sources": sorted({str(sources[i])
                                 for i in history.attrs["valid_sources"]}),
        "n_trials": int(sum(len(y) for _, y, _ in data)),
        "best_epoch": int(history.attrs["best_epoch"]),
        "valid_loss": float(best["valid_loss"]),
        "valid_accuracy": float(best["valid_accuracy"]),
        "params": {k: v for k, v in history.attrs["params"].items() if k != "device"},
        "provenance": provenance(),
    }
    write_json(out_json, result)
    return result


def finetune_step(
    epochs_path: str | os.PathLike,
    pretrained_path: str | os.PathLike,
    *,
    split: Mapping[str, Any],
    out_model: str | os.PathLike,
    out_metrics: str | os.PathLike,
    out_history: str | os.PathLike,
    out_zero_shot: str | os.PathLike,
    align: bool = True,
    dataset: str | None = None,
    subject: str | None = None,
    seed: int = 0,
    threads: int | None = None,
    **training: Any,
) -> dict:
    """Zero-shot + fine-tuned scores of a target (:func:`eegxai.transfer.transfer_subject`)."""
    import torch

    from .models import load_model
    from .transfer import transfer_subject

    if threads:
        torch.set_num_threads(int(threads))
    _, X, y, metadata = _load_arrays(epochs_path)
    pretrained = load_model(pretrained_path)
    fine_tuned, _ = transfer_subject(
        X, y, metadata, pretrained, split=dict(split), align=align,
        out_model=out_model, out_metrics=out_metrics, out_history=out_history,
        out_zero_shot=out_zero_shot, header={"dataset": dataset, "subject": subject},
        seed=seed, progress=False, **training)
    return fine_tuned


def transfer_baseline_step(
    epochs_path: str | os.PathLike,
    source_paths: Sequence[str | os.PathLike],
    *,
    split: Mapping[str, Any],
    out_json: str | os.PathLike,
    dataset: str | None = None,
    subject: str | None = None,
    seed: int = 0,
) -> dict:
    """Cross-subject RCT + tangent space + LR (:func:`eegxai.expert.riemann.cross_subject_rct_ts_lr`)."""
    from .expert.riemann import cross_subject_rct_ts_lr
    from .splits import splits_from_config

    X, y, metadata, sfreq, _ = _load_baseline_inputs(epochs_path)
    sources = [(Xs, ys) for Xs, ys, _ in _subject_arrays(source_paths)]
    folds = splits_from_config(metadata, y, dict(split), seed=seed)
    methods = cross_subject_rct_ts_lr(sources, X, y, folds, sfreq)
    result = {"dataset": dataset, "subject": subject, "split": dict(split),
              "seed": int(seed), "methods": methods, "provenance": provenance()}
    write_json(out_json, result)
    return result


def band_occlusion_step(
    epochs_path: str | os.PathLike,
    model_path: str | os.PathLike,
    metrics_path: str | os.PathLike,
    out_json: str | os.PathLike | None = None,
    *,
    width: float = 2.0,
    fmin: float = 4.0,
    fmax: float = 38.0,
    n_permutations: int = 1000,
    seed: int = 0,
    device: str = "auto",
    threads: int | None = None,
) -> dict:
    """Band occlusion of every fold's model on its own test trials, pooled.

    Fold ``k``'s model (``load_model(model_path, fold=k)``) runs on the test
    trials ``metrics["folds"][k]["test_idx"]`` of the subject's epochs with one
    band zeroed at a time (:func:`eegxai.analysis.pooled_band_occlusion`, bands
    :func:`eegxai.analysis.occlusion_bands`); the per-trial drops of the
    true-class margin are pooled over folds and summarized
    (:func:`eegxai.analysis.occlusion_summary`).

    Parameters
    ----------
    epochs_path, model_path, metrics_path : path-like
        ``results/epochs/{dataset}/{subject}-epo.fif``, the model file and the
        metrics JSON of :func:`train_step` (or of the fine-tuning step).
    out_json : path-like | None
        ``results/occlusion/{dataset}/{subject}/{model}.json`` (written
        atomically), or None to only return the result.
    width : float
        Band width in Hz: the resolution of the occlusion spectrum.
    fmin, fmax : float
        Lowest and highest band edge in Hz (the top band also stays half a
        band below the Nyquist frequency).
    n_permutations : int
        Sign flips of the peak's max-statistic null
        (:func:`eegxai.analysis.occlusion_peak_test`).
    seed : int
        Seed of those sign flips.
    device : str
        'auto', 'cpu' or 'cuda'.
    threads : int | None
        Torch CPU threads (None = torch's default).

    Returns
    -------
    result : dict
        The JSON's content: ``dataset``, ``subject``, ``model`` (from the
        metrics file), the keys of :func:`eegxai.analysis.occlusion_summary`
        (``freqs``, ``drop``, ``sem``, ``classes``, ``peak_freq``,
        ``peak_drop``, ``peak_sem``, ``p_peak``, ``n_permutations``,
        ``resolution``, ``n_trials``, ``accuracy``, ``margin``), ``n_folds``,
        ``chance_accuracy`` (binomial chance level at p ≤ 0.05 for
        ``n_trials``), ``params`` and ``provenance``.
    """
    import numbers

    import torch

    from ._check import check_positive, validate_type
    from .analysis import occlusion_bands, occlusion_summary, pooled_band_occlusion
    from .metrics import chance_accuracy
    from .models import load_model

    # fail before the forward passes, not after them
    validate_type(n_permutations, numbers.Integral, "n_permutations")
    check_positive(n_permutations, "n_permutations")
    if threads:
        torch.set_num_threads(int(threads))
    epochs, X, y, _ = _load_arrays(epochs_path)
    metrics = read_json(metrics_path)
    sfreq = float(epochs.info["sfreq"])
    bands = occlusion_bands(sfreq, width=width, fmin=fmin, fmax=fmax)
    folds = ((load_model(model_path, fold=k), fold.get("test_idx"))
             for k, fold in enumerate(metrics.get("folds", [])))
    pooled = pooled_band_occlusion(folds, X, y, sfreq, bands=bands, width=width,
                                   device=device)
    summary = occlusion_summary(pooled, class_names=list(epochs.event_id),
                                n_permutations=n_permutations, seed=seed)
    result = {
        **{key: metrics.get(key) for key in ("dataset", "subject", "model")},
        **summary,
        "n_folds": len(set(pooled["fold"].tolist())),
        "chance_accuracy": chance_accuracy(summary["n_trials"], len(epochs.event_id)),
        "params": {"width": width, "fmin": fmin, "fmax": fmax,
                   "n_permutations": n_permutations, "seed": seed, "sfreq": sfreq},
        "provenance": provenance(),
    }
    if out_json is not None:
        write_json(out_json, result)
    return result
