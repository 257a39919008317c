"""Decoding table of a real-data study: subject x {within, pretrained+finetuned, zero-shot}.

Reads the results JSONs of a finished (or partly finished) ``config/eegmmidb.yaml``
study and prints, per dataset, one row per subject with the test accuracy of every
ConvNet under every scheme and of every baseline (all on the same test trials),
then the mean, the number of subjects above the binomial chance level (p < 0.05,
:func:`eegxai.metrics.chance_accuracy`), the issue's targets and the wall time per
stage (Snakemake ``benchmark:`` files, wall and CPU seconds).

The table, its counts and the explanation counts are computed by
:mod:`eegxai.report.scheme_table` (also shown in the group report); this script
prints them. Files read (a missing file is a blank cell)::

    results/metrics/{ds}/{sub}/{model}.json           within-subject, or fine-tuned
                                                      when its "scheme" says so
    results/transfer/{ds}/{sub}/{model}-within.json   within-subject (transfer on)
    results/transfer/{ds}/{sub}/{model}-zeroshot.json zero-shot
    results/baselines/{ds}/{sub}.json                 within-subject expert baselines
    results/transfer/{ds}/{sub}/baselines.json        cross-subject RCT + TS + LR
    results/compare/{ds}/{sub}/{model}.json           first-layer peak, lateralization
    results/occlusion/{ds}/{sub}/{model}.json         band-occlusion peak and its p

Usage::

    .venv/bin/python benchmarks/eegmmidb_table.py [--results results] [--dataset eegmmidb]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from eegxai._io import read_json
from eegxai.report.scheme_table import (
    MODELS,
    SchemeTable,
    explanation_counts,
    read_decoding_results,
    scheme_table,
    study_files,
)


def print_table(table: SchemeTable, dataset: str) -> None:
    """Print the table, its mean and the subjects above chance per column."""
    columns = list(table.accuracy.columns)
    width = max([8, *map(len, columns)])
    print(f"\n== {dataset}: test accuracy (imagined trials; same folds for all) ==")
    print("subject  n_test " + " ".join(f"{c:>{width}}" for c in columns))
    for sub, row in table.accuracy.iterrows():
        n = "" if table.n_test.isna()[sub] else int(table.n_test[sub])
        above = table.above_chance.loc[sub].fillna(False)
        cells = [f"{row[c]:.3f}{'*' if above[c] else ' '}" if row.notna()[c] else ""
                 for c in columns]
        print(f"{sub:8s} {n!s:>6} " + " ".join(f"{x:>{width}}" for x in cells))
    s = table.summary
    print("mean            " + " ".join(f"{s.loc[c, 'mean']:>{width}.3f}" for c in columns))
    counts = [f"{s.loc[c, 'n_above_chance']}/{s.loc[c, 'n_subjects']}" for c in columns]
    print("above chance    " + " ".join(f"{x:>{width}}" for x in counts))
    print("(* above the binomial chance level, p < 0.05, Combrisson & Jerbi 2015)")


def print_targets(table: SchemeTable) -> None:
    """The issue's targets for the study's models (fine-tuned when present)."""
    s = table.summary
    summary = {c: (float(s.loc[c, "mean"]), int(s.loc[c, "n_above_chance"]),
                   int(s.loc[c, "n_subjects"])) for c in s.index}
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


def print_evidence(root: Path, dataset: str, table: SchemeTable) -> None:
    """For the subjects a model decodes above chance: band-occlusion peak (the
    report's lead frequency evidence) and first-layer relevance spectrum peak in
    8-30 Hz, and relevance lateralization relation to the ERD (compare step)."""
    def read(folder: str) -> dict:
        return {(p.parent.name, p.stem): read_json(p)
                for p in (root / folder / dataset).glob("sub-*/*.json") if p.stem in MODELS}

    counts = explanation_counts(table, read("compare"), occlusion=read("occlusion"))
    for model, c in counts.iterrows():
        if not c["n_decoded"]:
            continue
        print(f"{model}: {c['n_decoded']} subject(s) above chance; band-occlusion peak in "
              f"8-30 Hz: {c['occlusion_in_band']}/{c['n_occlusion']} "
              f"({c['occlusion_significant']} with p < 0.05); first-layer relevance "
              f"spectrum peak in 8-30 Hz: {c['peak_in_band']}/{c['n_peak']}; relevance vs "
              f"ERD lateralization same/opposite/mixed: {c['same']}/{c['opposite']}/"
              f"{c['mixed']} (of {c['n_lateralization']} with a compare file)")


def _belongs(tsv: Path, rule_dir: Path, dataset: str) -> bool:
    """Benchmark files are {rule}/{dataset}/..., {rule}/{dataset}-....tsv or {rule}/{dataset}.tsv."""
    rel = tsv.relative_to(rule_dir)
    if len(rel.parts) > 1:
        return rel.parts[0] == dataset
    return rel.name.startswith(f"{dataset}-") or rel.name == f"{dataset}.tsv"


def print_stage_times(root: Path, datasets: list[str]) -> None:
    """Wall and CPU seconds per rule of these datasets, summed over the jobs' benchmark files.

    Wall time counts waiting for a core when the machine is shared; CPU time
    (``cpu_time``: user + system of the job's processes) does not, so the sum of
    CPU times divided by the cores is the wall time of an idle parallel run, up
    to the scheduling gaps.
    """
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for rule_dir in sorted(p for p in (root / "benchmarks").glob("*") if p.is_dir()):
        for tsv in rule_dir.rglob("*.tsv"):
            if not any(_belongs(tsv, rule_dir, d) for d in datasets):
                continue
            with open(tsv) as fh:
                rows = list(csv.DictReader(fh, delimiter="\t"))
            key = rule_dir.name
            wall[key] = wall.get(key, 0.0) + sum(float(r["s"]) for r in rows)
            cpu[key] = cpu.get(key, 0.0) + sum(float(r.get("cpu_time") or 0) for r in rows)
    if wall:
        print(f"\ntime per stage of {', '.join(datasets)} (sum over jobs, s):")
        print(f"{'stage':<20} {'wall':>8} {'cpu':>8}")
        for key in sorted(wall):
            print(f"{key:<20} {wall[key]:>8.0f} {cpu[key]:>8.0f}")
        print(f"{'sum (min)':<20} {sum(wall.values()) / 60:>8.1f} {sum(cpu.values()) / 60:>8.1f}"
              "  (divide by the cores for the wall time of a parallel run)")


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
        table = scheme_table(read_decoding_results(study_files(args.results, dataset)))
        print_table(table, dataset)
        print_targets(table)
        print_evidence(args.results, dataset, table)
    print_stage_times(args.results, datasets)


if __name__ == "__main__":
    main()
