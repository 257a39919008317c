"""Ground-truth recovery rates of LRP on trained ConvNets (simulated EEG).

For each layout × model × simulated subject (planted contralateral mu/beta ERD
in a known band, side and 1–3 s window) a ConvNet is trained on the training
sessions (runs) and its test trials are explained with LRP for the true class.
Checks per subject (:func:`eegxai.experiments.ground_truth.ground_truth_check`):

1. which rhythm — the frequency evidence peaks inside the planted mu or beta
   band (± 1 Hz): the band occlusion of the true-class margin that the subject
   and group reports lead with (``band_occlusion``, 2 Hz bands), and beside it
   the FIR-response spectrum weighted by filter relevance (``first_layer``),
   the DFT-LRP spectrum (``frequency_relevance``) and the
   amplitude-perturbation correlation (``perturbation``);
2. where — the class contrast of the relevance lateralization points to the
   planted side;
3. when — the relevance time course peaks inside the planted ERD window.

Layouts: ``2b`` (C3, Cz, C4 at 250 Hz; 20 trials per class in each of the
sessions 01T, 02T (train) and 04E (test)) and ``64`` (EEGMMIDB: 64 channels at
160 Hz; 15 trials per class in each of runs 4, 8 (train) and 12 (test)).
Prints one line per subject as it finishes, then one table of rates.
``tests/experiments/test_ground_truth.py`` runs a small configuration of the
same code.

Usage: python benchmarks/ground_truth_rates.py [--subjects 20] [--seeds 0]
       [--layouts 2b 64] [--models shallow deep] [--n-trials N] [--out rows.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch
from scipy.stats import binom

from eegxai.experiments.ground_truth import SPECTRA, ground_truth_check

#: Cheap per-layout settings that still decode (measured: see docs/explain.md).
LAYOUTS = {
    "2b": {"n_trials_per_class": 20, "sessions": ("01T", "02T", "04E"), "n_epochs": 20},
    "64": {"n_trials_per_class": 15, "runs": ("4", "8", "12"), "n_epochs": 20},
}
#: Per (layout, model) trials per class and run where the layout's cheap default is too
#: few: at 15, Deep4Net stays at chance for 7 of 12 64-channel subjects; at 30 (120
#: training trials, about the 126 per fold of config/eegmmidb.yaml) all 20 decode.
MODEL_TRIALS = {("64", "deep"): 30}
CHECKS = ("lateralization_ok", "time_ok")
BAND_TOLERANCE = 1.0  # Hz, as in ground_truth_check


def _decoded(row: dict) -> bool:
    """Test accuracy above binomial chance (one-sided p < 0.05, two classes)."""
    n_test = row.get("n_test") or 2 * LAYOUTS[row["montage"]]["n_trials_per_class"]
    return bool(binom.sf(round(row["accuracy"] * n_test) - 1, n_test, 0.5) < 0.05)


def _band_chance(bands, fmin: float = 4.0, fmax: float = 40.0) -> float:
    """Share of the 4–40 Hz peak search range inside the tolerated bands.

    The rate a peak drawn uniformly from the search range would reach: the
    chance level of the spectral checks.
    """
    grid = np.linspace(fmin, fmax, 3601)
    return float(np.mean([_in_band(f, bands) for f in grid]))


def _in_band(peak: float, bands) -> bool:
    return any(lo - BAND_TOLERANCE <= peak <= hi + BAND_TOLERANCE for lo, hi in bands)


def rates_table(rows: list[dict]) -> str:
    """One line per (layout, model, trials per class and run): n, mean accuracy, rates.

    Spectral columns: the share of subjects whose spectrum peaks in the planted
    mu or beta band (± 1 Hz), for every entry of ``peaks`` (the scored spectra
    of :data:`~eegxai.experiments.ground_truth.SPECTRA`, the leading one first,
    then the diagnostics ``filters_unweighted`` and ``input_power``).
    ``decoded``: subjects above binomial chance; ``lead|decoded``: the leading
    spectrum's rate among them; ``chance``: the mean share of the 4–40 Hz
    search range that the tolerated bands cover (the rate of a random peak).
    """
    spectra = list(SPECTRA) + sorted({k for r in rows for k in r["peaks"]} - set(SPECTRA))
    header = ["layout", "model", "trials", "n", "accuracy", *spectra, *CHECKS, "decoded",
              "lead|decoded", "chance"]
    width = {h: max(len(h), 10) for h in header}
    lines = ["  ".join(f"{h:>{width[h]}}" for h in header)]
    groups: dict[tuple, list] = {}
    for row in rows:  # rows of an older run lack the trial count: the layout's default
        trials = row.get("n_trials_per_class", LAYOUTS[row["montage"]]["n_trials_per_class"])
        groups.setdefault((row["montage"], row["model"], trials), []).append(row)
    for (layout, model, trials), group in groups.items():
        n = len(group)
        cells = [layout, model, str(trials), str(n),
                 f"{sum(r['accuracy'] for r in group) / n:.3f}"]
        for k in spectra:  # rows of an older run may lack a spectrum
            have = [r for r in group if k in r["peaks"]]
            hits = sum(_in_band(r["peaks"][k], r["band"]) for r in have)
            cells.append(f"{hits}/{len(have)}={hits / max(len(have), 1):.2f}")
        for k in CHECKS:
            hits = sum(bool(r[k]) for r in group)
            cells.append(f"{hits}/{n}={hits / n:.2f}")
        decoded = [r for r in group if _decoded(r)]
        lead = sum(_in_band(r["peaks"][spectra[0]], r["band"]) for r in decoded)
        cells += [f"{len(decoded)}/{n}",
                  f"{lead}/{len(decoded)}={lead / max(len(decoded), 1):.2f}",
                  f"{np.mean([_band_chance(r['band']) for r in group]):.2f}"]
        lines.append("  ".join(f"{c:>{width[h]}}" for c, h in zip(cells, header, strict=True)))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--first-subject", type=int, default=1)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=list(LAYOUTS))
    parser.add_argument("--models", nargs="+", default=["shallow", "deep"],
                        choices=["shallow", "deep"])
    parser.add_argument("--n-epochs", type=int, default=None,
                        help="override the per-layout number of epochs")
    parser.add_argument("--n-trials", type=int, default=None,
                        help="override the per-layout trials per class and session (run)")
    parser.add_argument("--out", default=None, help="append one JSON line per subject")
    parser.add_argument("--arrays", default=None,
                        help="folder for one .npz of spectral arrays per subject")
    parser.add_argument("--table", default=None,
                        help="only print the table of the rows in this JSON-lines file")
    args = parser.parse_args()
    if args.table:
        with open(args.table) as fh:
            print(rates_table([json.loads(line) for line in fh if line.strip()]))
        return
    torch.set_num_threads(1)
    rows = []
    subjects = range(args.first_subject, args.first_subject + args.subjects)
    # subjects outermost, so that an interrupted run covers every layout × model
    for seed in args.seeds:
        for subject in subjects:
            for layout in args.layouts:
                settings = dict(LAYOUTS[layout])
                if args.n_epochs is not None:
                    settings["n_epochs"] = args.n_epochs
                if args.n_trials is not None:
                    settings["n_trials_per_class"] = args.n_trials
                for model in args.models:
                    if args.n_trials is None and (layout, model) in MODEL_TRIALS:
                        settings["n_trials_per_class"] = MODEL_TRIALS[layout, model]
                    elif args.n_trials is None:
                        settings["n_trials_per_class"] = LAYOUTS[layout]["n_trials_per_class"]
                    t0 = time.perf_counter()
                    res = ground_truth_check(subject, seed=seed, montage=layout,
                                             model=model, keep_arrays=bool(args.arrays),
                                             **settings)
                    if args.arrays:
                        os.makedirs(args.arrays, exist_ok=True)
                        np.savez_compressed(
                            os.path.join(args.arrays, f"{layout}-{model}-{seed}-{subject}.npz"),
                            band=np.asarray(res["band"]), **res.pop("arrays"))
                    res["seconds"] = round(time.perf_counter() - t0, 1)
                    res["n_trials_per_class"] = settings["n_trials_per_class"]
                    rows.append(res)
                    short = {k: res[k] for k in (
                        "montage", "model", "seed", "subject", "accuracy", "peaks",
                        "band", "spectra_ok", "lateralization_ok", "peak_time",
                        "time_ok", "seconds")}
                    print(short, flush=True)
                    if args.out:
                        with open(args.out, "a") as fh:
                            fh.write(json.dumps({k: v for k, v in res.items()
                                                 if k != "truth"}) + "\n")
    print(rates_table(rows))


if __name__ == "__main__":
    main()
