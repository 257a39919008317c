"""Band occlusion (:func:`eegxai.analysis.band_occlusion`) of a finished real-EEG study's models.

For every subject of a dataset: each fold's model (``results/models/{ds}/{sub}/{model}.pt``)
is applied to its own test trials (``test_idx`` of the metrics JSON) with one 2-Hz band
zeroed at a time; the per-trial drops of the true-class margin are pooled over folds.
Prints per subject the test accuracy, the band whose removal lowers the margin most,
that drop ± its standard error over trials, and whether the peak lies in 8–30 Hz.

Usage (after the study's fine-tuning)::

    .venv/bin/python benchmarks/real_band_occlusion.py [--dataset eegmmidb] [--model shallow]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from eegxai.analysis import band_occlusion
from eegxai.models import load_model
from eegxai.preprocessing import epochs_to_arrays, read_epochs


def subject_drops(root: Path, dataset: str, subject: str, model: str):
    """Accuracy, band centres and per-trial drops (n_test_trials, n_bands) of one subject."""
    metrics = json.loads((root / "metrics" / dataset / subject / f"{model}.json").read_text())
    epochs = read_epochs(root / "epochs" / dataset / f"{subject}-epo.fif")
    X, y, _ = epochs_to_arrays(epochs)
    sfreq = epochs.info["sfreq"]
    bands = np.arange(5.0, min(37.0, sfreq / 2 - 1.0), 2.0)
    drops = []
    for k, fold in enumerate(metrics["folds"]):
        net = load_model(root / "models" / dataset / subject / f"{model}.pt", fold=k)
        test = np.asarray(fold["test_idx"])
        out = band_occlusion(net, X[test], y[test], sfreq, bands=bands)
        drops.append(out["trial_drop"])
    return metrics["accuracy"], out["freqs"], np.concatenate(drops)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--dataset", default="eegmmidb")
    parser.add_argument("--model", default="shallow")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    subjects = sorted(p.name for p in (args.results / "metrics" / args.dataset).glob("sub-*")
                      if (p / f"{args.model}.json").exists())
    print(f"{'subject':<8} {'accuracy':>8} {'peak Hz':>7} {'drop ± se':>15} {'8-30 Hz':>7}")
    for sub in subjects:
        acc, freqs, drops = subject_drops(args.results, args.dataset, sub, args.model)
        mean = drops.mean(0)
        se = drops.std(0, ddof=1) / np.sqrt(len(drops))
        k = int(np.argmax(mean))
        print(f"{sub:<8} {acc:>8.3f} {freqs[k]:>7.0f} {mean[k]:>8.3f} ± {se[k]:.3f} "
              f"{str(8 <= freqs[k] <= 30):>7}", flush=True)


if __name__ == "__main__":
    main()
