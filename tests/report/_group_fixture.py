"""Synthetic per-subject JSON files of a group study, with planted group truth.

Cheap stand-ins (no training) for the files the group report reads, in the
workflow's layout and with the keys the pipeline writes. The planted truth:
every subject's mean |relevance| per channel is an affine copy of the shared
|CSP pattern| (so the group maps are equal), the relevance lateralizes like
the ERD (left hand: C4, right hand: C3), the first-layer spectrum peaks at
10 Hz, the relevance time course follows the ERD strength and the band
occlusion peaks at 11 Hz (sub-001: at 35 Hz, p = 0.3).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eegxai._io import write_json

DATASET = "eegmmidb"
CLASSES = ["left_hand", "right_hand"]
CH_NAMES = ["C3", "Cz", "C4", "FC3", "FC4", "CP3", "CP4", "F3", "F4", "P3", "P4",
            "Fz", "Pz", "O1", "O2", "T7", "T8", "FCz", "CPz", "Oz"]
MODELS = ("shallow", "deep")


def confusion(n_correct: int, n_trials: int = 45) -> list[list[int]]:
    """A 2-class confusion matrix with ``n_correct`` of ``n_trials`` on the diagonal."""
    first = n_trials // 2
    a = min(first, n_correct - n_correct // 2)
    b = n_correct - a
    return [[a, first - a], [n_trials - first - b, b]]


def decoding(n_correct: int, n_trials: int = 45, **header) -> dict:
    """Metrics of one decoder: fold-mean accuracy, kappa, AUC, summed confusion."""
    acc = n_correct / n_trials
    return {**header, "accuracy": acc, "kappa": 2 * acc - 1, "roc_auc": acc,
            "n_trials": n_trials, "confusion_matrix": confusion(n_correct, n_trials)}


def planted_pattern() -> np.ndarray:
    """The shared |CSP pattern|, shape (n_chans,): strongest at C3/C4."""
    p = np.linspace(0.1, 0.5, len(CH_NAMES))
    p[[0, 2]] = [2.0, 1.8]
    return p


def summary(rng, *, model: str, subject: str, planted: bool = True) -> dict:
    """A relevance summary (eegxai.analysis.summarize_relevance layout)."""
    times = np.linspace(-0.5, 4.0, 91)
    course = np.exp(-((times - 1.5) ** 2) / 0.5) + 0.05 * rng.standard_normal(91)
    freqs = np.arange(0.0, 46.0)
    positive = np.exp(-((freqs - 10.0) ** 2) / 4.0) + 0.01
    out = {"model": model, "method": "lrp", "subject": subject, "ch_names": CH_NAMES,
           "times": times.tolist(), "class_names": CLASSES, "sfreq": 160.0,
           "lateralization": {"left": "C3", "right": "C4", "mode": "channels"},
           "subsets": {"all": {"n_trials": 45, "time_course": {
               "mean": course.tolist(), "low": course.tolist(), "high": course.tolist()},
               "first_layer": {"freqs": freqs.tolist(), "positive": positive.tolist(),
                               "negative": (0.5 * positive).tolist(),
                               "net": (0.5 * positive).tolist(), "peak_freq": 10.0}}}}
    for k, cls in enumerate(CLASSES):
        scale, offset = rng.uniform(0.5, 3.0), rng.uniform(0.0, 1.0)
        rel_abs = (scale * planted_pattern() + offset if planted
                   else rng.uniform(0, 1, len(CH_NAMES)))
        signed = rel_abs.copy()
        # left hand: relevance on C4 (right hemisphere), right hand: on C3
        signed[[0, 2]] = [0.2, 3.0] if k == 0 else [3.0, 0.2]
        out["subsets"][cls] = {"n_trials": 22, "channel_relevance": signed.tolist(),
                               "channel_relevance_abs": rel_abs.tolist(),
                               "time_course": {"mean": course.tolist()}}
    return out


def occlusion(rng, *, model: str, subject: str, peak: float = 11.0,
              p_peak: float = 0.001) -> dict:
    """A band-occlusion result (eegxai.pipeline.band_occlusion_step layout)."""
    freqs = np.arange(5.0, 38.0, 2.0)
    drop = np.exp(-((freqs - peak) ** 2) / 8.0) + 0.02 * rng.standard_normal(len(freqs))
    k = int(np.argmax(drop))
    sem = np.full(len(freqs), 0.1)
    return {"dataset": DATASET, "subject": subject, "model": model,
            "freqs": freqs.tolist(), "drop": drop.tolist(), "sem": sem.tolist(),
            "classes": {c: {"drop": drop.tolist(), "sem": sem.tolist(), "n_trials": 22}
                        for c in CLASSES},
            "peak_freq": float(freqs[k]), "peak_drop": float(drop[k]), "peak_sem": 0.1,
            "p_peak": p_peak, "n_permutations": 1000, "resolution": 2.0,
            "n_trials": 45, "n_folds": 5, "accuracy": 0.6, "chance_accuracy": 0.644,
            "margin": 0.3}


def expert(rng) -> dict:
    """Expert features of the compare step: CSP patterns, ERD/ERS maps, ERD course."""
    patterns = rng.standard_normal((4, len(CH_NAMES)))
    patterns[0] = planted_pattern() * rng.choice([-1, 1])
    patterns[3] = planted_pattern() * rng.uniform(0.5, 2.0)
    freqs, times = np.arange(4.0, 36.0, 2.0), np.linspace(-0.5, 4.0, 46)
    percent = np.zeros((2, 3, len(freqs), len(times)))
    erd = -40.0 * ((freqs >= 8) & (freqs <= 30))[:, None] * ((times >= 0.5) & (times <= 2.5))
    percent[0, 2] = erd  # left hand: ERD at C4
    percent[1, 0] = erd  # right hand: ERD at C3
    mask = percent < -20
    erds = {"freqs": freqs.tolist(), "times": times.tolist(), "ch_names": ["C3", "Cz", "C4"],
            "class_names": CLASSES, "percent": percent.tolist(),
            "mask_ers": np.zeros_like(mask).tolist(), "mask_erd": mask.tolist(),
            "n_trials": [22, 23], "params": {}}
    course_t = np.linspace(-0.5, 4.0, 46)
    course = -60.0 * np.exp(-((course_t - 1.5) ** 2) / 0.5)
    return {"csp_patterns": patterns.tolist(),
            "csp_components": {"left_hand": 0, "right_hand": 3}, "erds": erds,
            "erd_time_course": {"times": course_t.tolist(),
                                "percent": np.stack([[course] * 3] * 2).tolist()}}


def write_group(root: Path, *, n_subjects: int = 3, transfer: bool = True,
                models: tuple[str, ...] = MODELS, seed: int = 0) -> dict[str, list[Path]]:
    """Write every subject's files under ``root/results``; return the path lists."""
    rng = np.random.default_rng(seed)
    r = Path(root) / "results"
    paths: dict[str, list[Path]] = {k: [] for k in ("metrics", "baselines", "compare",
                                                    "summary", "transfer", "occlusion")}
    for i in range(n_subjects):
        sub = f"sub-{i + 1:03d}"
        scheme = {"scheme": "pretrained+finetuned"} if transfer else {}
        for model in models:
            head = {"subject": sub, "model": model, "dataset": DATASET}
            paths["metrics"].append(write_json(r / "metrics" / DATASET / sub / f"{model}.json",
                                               decoding(26 + 2 * i, **head, **scheme)))
            paths["summary"].append(write_json(
                r / "relevance" / DATASET / sub / f"{model}-lrp.json",
                summary(rng, model=model, subject=sub)))
            cmp = {**head, "method": "lrp", "metrics": {
                "peak_distance_first_layer": {"value": 1.0, "p_value": 0.1, "peak_freq": 10.0},
                "lateralization_agreement": {"value": 1.0, "p_value": 0.25,
                                             "null_mean": 0.5, "relation": "same"}}}
            paths["compare"].append(write_json(r / "compare" / DATASET / sub / f"{model}.json",
                                               cmp))
            write_json(r / "compare" / DATASET / sub / f"{model}-expert.json", expert(rng))
            paths["occlusion"].append(write_json(
                r / "occlusion" / DATASET / sub / f"{model}.json",
                occlusion(rng, model=model, subject=sub, peak=35.0 if i == 0 else 11.0,
                          p_peak=0.3 if i == 0 else 0.001)))
            if transfer:
                t = r / "transfer" / DATASET / sub
                paths["transfer"].append(write_json(t / f"{model}-within.json",
                                                    decoding(24 + i, **head)))
                paths["transfer"].append(write_json(
                    t / f"{model}-zeroshot.json",
                    decoding(23, **head, scheme="zero-shot")))
        paths["baselines"].append(write_json(r / "baselines" / DATASET / f"{sub}.json", {
            "subject": sub, "methods": {"csp_lda": dict(decoding(27 + i), folds=[])}}))
        if transfer:
            paths["transfer"].append(write_json(
                r / "transfer" / DATASET / sub / "baselines.json",
                {"subject": sub, "methods": {"rct_ts_lr": decoding(25)}}))
    return paths
