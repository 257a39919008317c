"""Ground-truth recovery rates of LRP on trained shallow ConvNets (simulated EEG).

For each simulated subject (2b layout, planted contralateral mu/beta ERD in a
known band and window) a ShallowFBCSPNet is trained on the training sessions
and its test trials are explained with LRP. Three checks per subject:

1. the first-layer relevance spectrum (positive part) peaks inside the planted
   band (mu band or beta band, ± 1 Hz);
2. the lateralization of absolute channel relevance matches the planted side
   for both classes (relevance concentrates on the hemisphere whose rhythm the
   class modulates);
3. the relevance time course peaks inside the planted ERD window.

Prints the per-subject results and the rates. Used for the closing-note numbers;
``tests/experiments/test_ground_truth.py`` runs a small configuration of the same code.

Usage: python benchmarks/ground_truth_rates.py [--subjects 10] [--seeds 0 1]
"""

from __future__ import annotations

import argparse
import time

from eegxai.experiments.ground_truth import ground_truth_check


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--n-epochs", type=int, default=40)
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        for subject in range(1, args.subjects + 1):
            t0 = time.perf_counter()
            res = ground_truth_check(subject, seed=seed, n_epochs=args.n_epochs)
            res["seconds"] = round(time.perf_counter() - t0, 1)
            rows.append(res)
            print({k: res[k] for k in ("seed", "subject", "accuracy", "peak_freq",
                                         "band", "spectrum_ok", "li", "lateralization_ok",
                                         "peak_time", "window", "time_ok", "seconds")},
                  flush=True)
    n = len(rows)
    for key in ("spectrum_ok", "lateralization_ok", "time_ok"):
        print(f"{key}: {sum(r[key] for r in rows)}/{n} = {sum(r[key] for r in rows) / n:.2f}")
    print(f"mean accuracy: {sum(r['accuracy'] for r in rows) / n:.3f}")


if __name__ == "__main__":
    main()
