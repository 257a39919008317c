"""Band occlusion (:func:`eegxai.pipeline.band_occlusion_step`) of a finished real-EEG study.

For every subject of a dataset: each fold's model (``results/models/{ds}/{sub}/{model}.pt``)
is applied to its own test trials (``test_idx`` of the metrics JSON) with one band zeroed at
a time; the per-trial drops of the true-class margin are pooled over folds. Prints per
subject the test accuracy on those trials and its binomial chance level, the band whose
removal lowers the margin most, that drop ± its standard error over trials, its p-value
(sign-flip max-statistic null) and whether the peak lies in 8-30 Hz. The same numbers as
the workflow's ``results/occlusion/{ds}/{sub}/{model}.json`` with the same settings.

Usage (after the study's fine-tuning)::

    .venv/bin/python benchmarks/real_band_occlusion.py [--dataset eegmmidb] [--model shallow]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eegxai.pipeline import band_occlusion_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--dataset", default="eegmmidb")
    parser.add_argument("--model", default="shallow")
    parser.add_argument("--width", type=float, default=2.0)
    parser.add_argument("--n-permutations", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    root, ds = args.results, args.dataset
    subjects = sorted(p.name for p in (root / "metrics" / ds).glob("sub-*")
                      if (p / f"{args.model}.json").exists())
    print(f"{'subject':<8} {'accuracy':>8} {'chance':>6} {'peak Hz':>7} {'drop ± se':>15} "
          f"{'p':>6} {'8-30 Hz':>7}")
    for sub in subjects:
        occ = band_occlusion_step(
            root / "epochs" / ds / f"{sub}-epo.fif",
            root / "models" / ds / sub / f"{args.model}.pt",
            root / "metrics" / ds / sub / f"{args.model}.json",
            width=args.width, n_permutations=args.n_permutations, device="cpu",
            threads=args.threads)
        print(f"{sub:<8} {occ['accuracy']:>8.3f} {occ['chance_accuracy']:>6.3f} "
              f"{occ['peak_freq']:>7.0f} {occ['peak_drop']:>8.3f} ± {occ['peak_sem']:.3f} "
              f"{occ['p_peak']:>6.3f} {str(8 <= occ['peak_freq'] <= 30):>7}", flush=True)


if __name__ == "__main__":
    main()
