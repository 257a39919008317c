"""The configuration rule of the real-EEG transfer study, run on trials no test fold holds.

``config/eegmmidb.yaml`` tests every decoder on IMAGINED trials (runs 4/8/12) only;
the EXECUTED trials (runs 3/7/11) are always training data. So the choice between
ConvNet configurations is made on executed trials alone, fixed before any test
score is seen:

1. per subject group of the study (:func:`eegxai.transfer.subject_groups`), the
   candidate's model is pre-trained on the other groups' subjects exactly as the
   ``pretrain`` rule does (:func:`eegxai.transfer.pretrain`);
2. each target of the group: 5 (``--n-folds``) stratified folds over its executed trials; the
   pre-trained model is fine-tuned on 4/5 (Euclidean alignment with that part's
   reference when the candidate aligns) and scored on the held-out fifth; also
   its zero-shot score on that fifth;
3. the rule picks the candidate with the highest mean fine-tuned accuracy over
   all targets and folds (ties: the earlier candidate in the list).

The imagined trials are never loaded. Prints one row per candidate (zero-shot and
fine-tuned accuracy, seconds) and the pick.

Usage (after the study's preprocessing, e.g. ``snakemake ... --until preprocess``)::

    .venv/bin/python benchmarks/select_transfer_config.py \\
        [--config config/eegmmidb.yaml] [--dataset eegmmidb] [--model shallow] \\
        [--candidates short_finetune long_finetune long_pretrain] [--groups 0] [--n-folds 3]

Each model's pick goes into the study config as ``transfer.models.<model>``
(read by :func:`eegxai.transfer.stage_params`, as the candidate is read here).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from sklearn.model_selection import StratifiedKFold

from eegxai.models import deep_pooling_that_fits
from eegxai.preprocessing import epochs_to_arrays, read_epochs
from eegxai.training import DEFAULT_OPTIM, fit_model, predict_proba
from eegxai.transfer import euclidean_alignment, pretrain, stage_params, subject_groups

EXECUTED_RUNS = ("3", "7", "11")
PRETRAIN = {"n_epochs": 10, "patience": 3, "batch_size": 64}

#: Candidates compared for config/eegmmidb.yaml (fine-tuning settings; the
#: pre-training settings of PRETRAIN are shared).
CANDIDATES: dict[str, dict] = {
    "short_finetune": {"align": True, "finetune": {
        "lr_scale": 0.1, "n_epochs": 8, "patience": 3, "batch_size": 16}},
    "long_finetune": {"align": True, "finetune": {
        "lr_scale": 1.0, "n_epochs": 20, "patience": 5, "batch_size": 16}},
    # pre-training up to 30 epochs (patience 5) instead of PRETRAIN's 10 (3)
    "long_pretrain": {"align": True, "pretrain": {"n_epochs": 30, "patience": 5},
                      "finetune": {"lr_scale": 1.0, "n_epochs": 20, "patience": 5,
                                   "batch_size": 16}},
}


def study_subjects(config: Path, dataset: str) -> tuple[list[str], list[str]]:
    """Targets (the dataset's ``subjects``) and pre-training-only ``extra_sources``."""
    block = yaml.safe_load(config.read_text())["datasets"][dataset]
    targets = [f"sub-{s:02d}" for s in block["subjects"]]
    extras = [f"sub-{e['subject']:02d}" for e in block.get("extra_sources") or ()]
    return targets, extras


def _load(epochs_dir: Path, subjects: list[str]) -> dict:
    data = {}
    for sub in subjects:
        path = epochs_dir / f"{sub}-epo.fif"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run the study's preprocess rule "
                                    "first (snakemake ... --until preprocess).")
        X, y, meta = epochs_to_arrays(read_epochs(path))
        data[sub] = (X, y, meta["run"].astype(str).to_numpy())
    return data


def score_candidate(data, candidate: dict, *, model: str, n_groups: int, seed: int,
                    groups=None, n_folds: int = 5, pretrained: dict | None = None,
                    extras=()):
    """Mean zero-shot and fine-tuned accuracy on executed trials (see module doc).

    ``pretrained`` caches the pre-trained model per (align, pre-training settings,
    group): candidates that differ only in fine-tuning share one pre-training
    (PRETRAIN, updated by the candidate's own ``pretrain`` block if it has one).
    ``extras`` (keys of ``data``) are pre-training sources of every group, never
    targets, as the study's ``extra_sources``.
    """
    pretrained = {} if pretrained is None else pretrained
    align = candidate["align"]
    pre = {**PRETRAIN, **candidate.get("pretrain", {})}
    if candidate.get("model_kwargs"):
        pre["model_kwargs"] = dict(candidate["model_kwargs"])
    pre_key = (align, repr(sorted(pre.items())))
    # the candidate's fine-tuning block read as the study reads `transfer.finetune`
    ft = stage_params({}, {"finetune": candidate["finetune"]}, "finetune", model)
    ft.pop("augmentation")
    zero_shot, fine_tuned = [], []
    all_groups = subject_groups([s for s in data if s not in extras], n_groups)
    for g in range(n_groups) if groups is None else groups:
        members = all_groups[g]
        if (pre_key, g) not in pretrained:
            sources = [data[s][:2] for s in data if s not in members]
            pretrained[pre_key, g] = pretrain(sources, model=model, align=align, seed=seed,
                                              device="cpu", progress=False, **pre)[0]
        net = pretrained[pre_key, g]
        for s in members:
            X, y, run = data[s]
            X, y = X[np.isin(run, EXECUTED_RUNS)], y[np.isin(run, EXECUTED_RUNS)]
            folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(X, y)
            for train, test in folds:
                X_k = euclidean_alignment(X, reference=X[train])[0] if align else X
                zero_shot.append(np.mean(
                    predict_proba(net, X_k[test], device="cpu").argmax(1) == y[test]))
                tuned, _, _ = fit_model(X_k[train], y[train], model=model, init_model=net,
                                        seed=seed, device="cpu", progress=False, **ft)
                fine_tuned.append(np.mean(
                    predict_proba(tuned, X_k[test], device="cpu").argmax(1) == y[test]))
    return float(np.mean(zero_shot)), float(np.mean(fine_tuned))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config/eegmmidb.yaml"),
                        help="study config: the dataset's subjects and extra_sources")
    parser.add_argument("--dataset", default="eegmmidb")
    parser.add_argument("--epochs-dir", type=Path, default=None,
                        help="default: results/epochs/{dataset}")
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES),
                        choices=list(CANDIDATES))
    parser.add_argument("--model", default="shallow", choices=list(DEFAULT_OPTIM))
    parser.add_argument("--n-groups", type=int, default=3)
    parser.add_argument("--groups", type=int, nargs="+", default=None,
                        help="score only these groups (default: all)")
    parser.add_argument("--n-folds", type=int, default=5)
    parser.add_argument("--fitting-pool", action="store_true",
                        help="deep only: every candidate with the published filter lengths "
                             "and the pool that fits the trial "
                             "(eegxai.models.deep_pooling_that_fits) instead of braindecode's "
                             "shrunk kernels")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    epochs_dir = args.epochs_dir or Path("results/epochs") / args.dataset
    targets, extras = study_subjects(args.config, args.dataset)
    data = _load(epochs_dir, targets + extras)
    print(f"{len(targets)} targets + {len(extras)} pre-training-only sources from "
          f"{epochs_dir}; executed runs {'/'.join(EXECUTED_RUNS)} only; model {args.model}")
    print(f"{'candidate':<24} {'zero-shot':>9} {'fine-tuned':>10} {'seconds':>8}")
    scores, pretrained = {}, {}
    extra = {}
    if args.fitting_pool:
        if args.model != "deep":
            parser.error(f"--fitting-pool is for --model deep, not {args.model!r}")
        X0 = next(iter(data.values()))[0]
        extra = {"model_kwargs": deep_pooling_that_fits(X0.shape[1], 2, X0.shape[2])}
        print(f"fitting pool: {extra['model_kwargs'] or 'the published pool fits'}")
    for name in args.candidates:
        start = time.perf_counter()
        zs, ft = score_candidate(data, {**CANDIDATES[name], **extra}, model=args.model,
                                 n_groups=args.n_groups, seed=args.seed,
                                 groups=args.groups, n_folds=args.n_folds,
                                 pretrained=pretrained, extras=extras)
        scores[name] = ft
        print(f"{name:<24} {zs:>9.3f} {ft:>10.3f} {time.perf_counter() - start:>8.0f}",
              flush=True)
    print(f"rule's pick: {max(scores, key=scores.get)} (highest fine-tuned accuracy)")


if __name__ == "__main__":
    main()
