"""Decoding table of a real-data study: subject x {within, pretrained+finetuned, zero-shot}.

Reads the results JSONs of a finished (or partly finished) ``config/eegmmidb.yaml``
study and prints, per dataset, one row per subject with the test accuracy of every
ConvNet under every scheme and of every baseline (all on the same test trials),
then the mean, the number of subjects above the binomial chance level (p < 0.05,
:func:`eegxai.metrics.chance_accuracy`), the issue's targets and the wall time per
stage (Snakemake ``benchmark:`` files).

Files read (a missing file is a blank cell)::

    results/metrics/{ds}/{sub}/{model}.json           within-subject, or fine-tuned
                                                      when its "scheme" says so
    results/transfer/{ds}/{sub}/{model}-within.json   within-subject (transfer on)
    results/transfer/{ds}/{sub}/{model}-zeroshot.json zero-shot
    results/baselines/{ds}/{sub}.json                 within-subject expert baselines
    results/transfer/{ds}/{sub}/baselines.json        cross-subject RCT + TS + LR

Usage::

    .venv/bin/python benchmarks/eegmmidb_table.py [--results results] [--dataset eegmmidb]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from eegxai.metrics import chance_accuracy

MODELS = ("shallow", "deep", "eegnet")


def _read(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def subject_rows(root: Path, dataset: str) -> dict[str, dict[str, dict]]:
    """{subject: {column: metrics dict}} for every subject folder found."""
    table: dict[str, dict[str, dict]] = {}
    subjects = sorted({p.stem for p in (root / "baselines" / dataset).glob("*.json")}
                      | {p.name for p in (root / "metrics" / dataset).glob("sub-*")}
                      | {p.name for p in (root / "transfer" / dataset).glob("sub-*")})
    for sub in subjects:
        row: dict[str, dict] = {}
        for model in MODELS:
            main = _read(root / "metrics" / dataset / sub / f"{model}.json")
            if main is not None:
                scheme = main.get("scheme", "within")
                row[f"{model} {'ft' if scheme == 'pretrained+finetuned' else 'within'}"] = main
            for tag, scheme in (("within", "within"), ("zeroshot", "zs")):
                m = _read(root / "transfer" / dataset / sub / f"{model}-{tag}.json")
                if m is not None:
                    row[f"{model} {scheme}"] = m
        for path in (root / "baselines" / dataset / f"{sub}.json",
                     root / "transfer" / dataset / sub / "baselines.json"):
            b = _read(path)
            for method, m in (b or {}).get("methods", {}).items():
                row[method] = m
        table[sub] = row
    return table


def _above(m: dict) -> bool:
    cm = np.asarray(m["confusion_matrix"])
    return float(np.trace(cm) / cm.sum()) > chance_accuracy(int(cm.sum()), len(cm))


def print_table(table: dict[str, dict[str, dict]], dataset: str) -> dict[str, tuple]:
    """Print the table; return {column: (mean accuracy, n above chance, n subjects)}."""
    columns = sorted({c for row in table.values() for c in row},
                     key=lambda c: (c.split()[0] not in MODELS, c))
    width = max([8, *map(len, columns)])
    print(f"\n== {dataset}: test accuracy (imagined trials; same folds for all) ==")
    print("subject  n_test " + " ".join(f"{c:>{width}}" for c in columns))
    for sub, row in table.items():
        n = next((m["n_trials"] for m in row.values() if "n_trials" in m), "")
        cells = [f"{row[c]['accuracy']:.3f}{'*' if _above(row[c]) else ' '}"
                 if c in row else "" for c in columns]
        print(f"{sub:8s} {n!s:>6} " + " ".join(f"{x:>{width}}" for x in cells))
    summary = {}
    for c in columns:
        vals = [row[c] for row in table.values() if c in row]
        summary[c] = (float(np.mean([m["accuracy"] for m in vals])),
                      sum(_above(m) for m in vals), len(vals))
    print("mean            " + " ".join(f"{summary[c][0]:>{width}.3f}" for c in columns))
    print("above chance    " + " ".join(
        f"{f'{summary[c][1]}/{summary[c][2]}':>{width}}" for c in columns))
    print("(* above the binomial chance level, p < 0.05, Combrisson & Jerbi 2015)")
    return summary


def print_targets(summary: dict[str, tuple]) -> None:
    """The issue's targets for the study's models (fine-tuned when present)."""
    experts = {c: v for c, v in summary.items() if c.split()[0] not in MODELS}
    if not experts:
        return
    best = max(experts, key=lambda c: experts[c][0])
    csp = summary.get("csp_lda")
    for model, goal in (("shallow", "best"), ("deep", "csp")):
        col = next((f"{model} {s}" for s in ("ft", "within") if f"{model} {s}" in summary), None)
        if col is None:
            continue
        mean, above, n = summary[col]
        if goal == "best":
            print(f"target: {col} mean {mean:.3f} >= best expert ({best}) "
                  f"{experts[best][0]:.3f}: {'MET' if mean >= experts[best][0] else 'NOT MET'}"
                  f" (diff {mean - experts[best][0]:+.3f})")
            if csp:
                print(f"target: {col} above chance {above}/{n} >= csp_lda {csp[1]}/{csp[2]}: "
                      f"{'MET' if above >= csp[1] else 'NOT MET'}")
        elif csp:
            print(f"target: {col} mean {mean:.3f} >= csp_lda {csp[0]:.3f}: "
                  f"{'MET' if mean >= csp[0] else 'NOT MET'} (diff {mean - csp[0]:+.3f})")


def print_evidence(root: Path, dataset: str, table: dict[str, dict[str, dict]]) -> None:
    """For the subjects a model decodes above chance: first-layer relevance spectrum
    peak in 8-30 Hz, and relevance lateralization relation to the ERD (compare step)."""
    for model in MODELS:
        decoded = [s for s, row in table.items()
                   if any(c.split()[0] == model and c.split()[1] in ("ft", "within")
                          and _above(m) for c, m in row.items())]
        if not decoded:
            continue
        peaks, relations = [], []
        for sub in decoded:
            summary = next(iter(sorted((root / "relevance" / dataset / sub).glob(
                f"{model}-lrp.json"))), None)
            if summary is not None:
                first = json.loads(summary.read_text())["subsets"]["all"].get("first_layer")
                if first:
                    peaks.append(8.0 <= first["peak_freq"] <= 30.0)
            cmp = _read(root / "compare" / dataset / sub / f"{model}.json")
            lat = (cmp or {}).get("metrics", {}).get("lateralization_agreement")
            if lat:
                relations.append(lat.get("relation"))
        print(f"{model}: {len(decoded)} subject(s) above chance; first-layer relevance "
              f"spectrum peak in 8-30 Hz: {sum(peaks)}/{len(peaks)}; relevance vs ERD "
              f"lateralization same/opposite/mixed: {relations.count('same')}/"
              f"{relations.count('opposite')}/{relations.count('mixed')} "
              f"(of {len(relations)} with a compare file)")


def print_stage_times(root: Path) -> None:
    """Wall seconds per rule, summed over the jobs' benchmark files."""
    totals: dict[str, float] = {}
    for tsv in (root / "benchmarks").glob("*/*.tsv"):
        with open(tsv) as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        totals[tsv.parent.name] = totals.get(tsv.parent.name, 0.0) + sum(
            float(r["s"]) for r in rows)
    if totals:
        print("\nwall time per stage (sum over jobs, s): " + ", ".join(
            f"{k} {v:.0f}" for k, v in sorted(totals.items())))
        print(f"sum over stages: {sum(totals.values()) / 60:.1f} min (divide by the cores "
              "for the wall time of a parallel run)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results", type=Path)
    parser.add_argument("--dataset", action="append",
                        help="dataset name(s) (default: every folder in results/baselines)")
    args = parser.parse_args()
    datasets = args.dataset or sorted(
        {p.name for p in (args.results / "metrics").glob("*")}
        | {p.name for p in (args.results / "baselines").glob("*")})
    for dataset in datasets:
        table = subject_rows(args.results, dataset)
        summary = print_table(table, dataset)
        print_targets(summary)
        print_evidence(args.results, dataset, table)
    print_stage_times(args.results)


if __name__ == "__main__":
    main()
