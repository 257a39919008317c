"""What a study costs, rule by rule, and how the cost grows.

Runs, each in its own Snakemake working directory under ``--workdir``
(finished runs are reused: Snakemake skips complete jobs):

* ``test``: the ``.test`` study (EEG part: a simulated 2b subject and EEGMMIDB
  subject 1);
* ``real``: one real subject of ``config/eegmmidb.yaml`` — both of its
  datasets, 64 channels (``eegmmidb``) and C3/Cz/C4 (``eegmmidb_c3czc4``), on
  the same trials — with cross-subject transfer off (it needs several
  subjects); needs ``MNE_DATA``;
* ``sim-*``: the ``.test`` sim2b dataset at two sizes of one factor at a time
  (subjects 1 → 2, trials 20 → 40 per class, training epochs 5 → 10), run up to
  the relevance maps (preprocess, baselines, train, explain).

and prints the wall and CPU time of every job from Snakemake's benchmark files
(``results/benchmarks/<rule>/...tsv``), the growth factor of each rule when a
factor doubles (channels: 3 → 64), and a linear extrapolation of the real
subject's cost to the 109 subjects of EEGMMIDB. CPU time is ``cpu_time`` of
psutil (user + system of the job's processes); on a shared machine wall time
also counts waiting for a core.

Usage: python benchmarks/study_cost.py [--workdir results/study_cost]
       [--cores 2] [--models shallow] [--skip test] [--no-run]
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "workflow" / "Snakefile"
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE)]
N_SUBJECTS_EEGMMIDB = 109


def _load(path):
    return yaml.safe_load((REPO / path).read_text())


def studies(models):
    """``{name: (config, targets or None)}`` of the runs (see module docstring)."""
    test = _load(".test/config/config.yaml")
    real = _load("config/eegmmidb.yaml")
    for spec in real["datasets"].values():
        spec["subjects"] = spec["subjects"][:1]
    real.setdefault("transfer", {})["enabled"] = False
    if models:
        real["models"] = models
    runs = {"real": (real, None)}
    base = copy.deepcopy(test)
    base["datasets"] = {"sim2b": base["datasets"]["sim2b"]}
    variants = {
        "sim-base": {},
        "sim-subjects2": {"subjects": [1, 2]},
        "sim-trials40": {"n_trials_per_class": 40},
        "sim-epochs10": {"n_epochs": 10},
    }
    for name, change in variants.items():
        config = copy.deepcopy(base)
        spec = config["datasets"]["sim2b"]
        if "subjects" in change:
            spec["subjects"] = change["subjects"]
        if "n_trials_per_class" in change:
            spec["loader_args"]["n_trials_per_class"] = change["n_trials_per_class"]
        if "n_epochs" in change:
            config["training"]["n_epochs"] = change["n_epochs"]
        targets = []
        for subject in spec["subjects"]:
            sub = f"sub-{subject:02d}"
            targets += [f"results/baselines/sim2b/{sub}.json"]
            targets += [
                f"results/relevance/sim2b/{sub}/{model}-{method}.h5"
                for model in config["models"]
                for method in config["explain"]["methods"]
            ]
        runs[name] = (config, targets)
    runs["test"] = (test, None)
    return runs


def run(name, config, targets, workdir, cores):
    """Run one study in ``workdir/name``; return its wall time in seconds."""
    directory = workdir / name
    (directory / "config").mkdir(parents=True, exist_ok=True)
    configfile = directory / "config" / "config.yaml"
    configfile.write_text(yaml.safe_dump(config, sort_keys=False))
    # targets first: --configfile takes several values
    cmd = SNAKEMAKE + [*(targets or []), "--cores", str(cores)]
    cmd += ["--directory", str(directory), "--configfile", str(configfile), "--keep-going"]
    start = time.perf_counter()
    print(f"[{name}] {' '.join(cmd[2:])}", flush=True)
    done = subprocess.run(cmd, cwd=REPO, env=os.environ.copy(), check=False)
    if done.returncode:  # the finished jobs still have benchmark files
        print(f"[{name}] WARNING: snakemake failed ({done.returncode}); see "
              f"{directory}/logs; the table lists the jobs that finished", flush=True)
    return time.perf_counter() - start


def benchmarks(directory):
    """``{(rule, job): (wall_s, cpu_s)}`` from ``results/benchmarks``."""
    out = {}
    root = directory / "results" / "benchmarks"
    for path in sorted(root.rglob("*.tsv")):
        with path.open() as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        if not rows:
            continue
        rel = path.relative_to(root).with_suffix("")
        rule, job = rel.parts[0], "/".join(rel.parts[1:])
        wall = float(rows[-1]["s"])
        cpu = float(rows[-1].get("cpu_time") or "nan")
        out[(rule, job)] = (wall, cpu)
    return out


def by_rule(bench, select=lambda job: True):
    """Sum wall and CPU time per rule over the jobs that ``select`` accepts."""
    total = defaultdict(lambda: [0.0, 0.0, 0])
    for (rule, job), (wall, cpu) in bench.items():
        if select(job):
            total[rule][0] += wall
            total[rule][1] += cpu
            total[rule][2] += 1
    return dict(total)


def print_jobs(name, bench):
    print(f"\n## {name}: wall and CPU time per job [s]")
    print(f"{'rule':14s} {'job':42s} {'wall':>8s} {'cpu':>8s}")
    for (rule, job), (wall, cpu) in sorted(bench.items()):
        print(f"{rule:14s} {job:42s} {wall:8.1f} {cpu:8.1f}")
    wall = sum(w for w, _ in bench.values())
    cpu = sum(c for _, c in bench.values())
    print(f"{'total':14s} {'':42s} {wall:8.1f} {cpu:8.1f}")


def print_growth(title, small, large, label):
    """Per-rule CPU time at two sizes and its growth factor."""
    print(f"\n## {title}: CPU time per rule [s] ({label})")
    print(f"{'rule':14s} {'small':>8s} {'large':>8s} {'factor':>7s}")
    for rule in sorted(set(small) | set(large)):
        a = small.get(rule, [float("nan")] * 2)[1]
        b = large.get(rule, [float("nan")] * 2)[1]
        print(f"{rule:14s} {a:8.1f} {b:8.1f} {b / a if a else float('nan'):7.2f}")


def print_extrapolation(real):
    """Linear extrapolation of one real subject to 109 (per-subject jobs x 109)."""
    group = {"group_report"}
    per_subject = sum(c for (rule, _), (_, c) in real.items() if rule not in group)
    per_subject_wall = sum(w for (rule, _), (w, _) in real.items() if rule not in group)
    fixed = sum(c for (rule, _), (_, c) in real.items() if rule in group)
    total = fixed + N_SUBJECTS_EEGMMIDB * per_subject
    print(f"\n## extrapolation to {N_SUBJECTS_EEGMMIDB} EEGMMIDB subjects (linear)")
    print(f"one subject (both datasets): CPU {per_subject:.0f} s, wall {per_subject_wall:.0f} s")
    print(
        f"{N_SUBJECTS_EEGMMIDB} subjects: CPU {total:.0f} s = {total / 3600:.1f} core-hours "
        f"(+ group reports, which grow with the number of subjects)"
    )
    for cores in (2, 16, 64):
        print(f"  on {cores:3d} cores (jobs in parallel): ~{total / cores / 3600:.1f} h")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=REPO / "results" / "study_cost")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=None,
                        help="models of the real study (default: config/eegmmidb.yaml's)")
    parser.add_argument("--skip", nargs="*", default=[], help="runs to leave out")
    parser.add_argument("--no-run", action="store_true",
                        help="only read the benchmark files of earlier runs")
    args = parser.parse_args(argv)
    runs = {k: v for k, v in studies(args.models).items() if k not in args.skip}
    walls = {}
    for name, (config, targets) in runs.items():
        if not args.no_run:
            walls[name] = run(name, config, targets, args.workdir.resolve(), args.cores)
    bench = {name: benchmarks(args.workdir.resolve() / name) for name in runs}
    bench = {name: b for name, b in bench.items() if b}
    print(f"\nCPU: {os.cpu_count()} cores, --cores {args.cores}; "
          f"snakemake wall per run [s]: "
          + ", ".join(f"{k} {v:.0f}" for k, v in walls.items()))
    for name in ("test", "real"):
        if name in bench:
            print_jobs(name, bench[name])
    if "real" in bench:
        real = bench["real"]
        print_growth(
            "channels (real subject 1)",
            by_rule(real, lambda job: job.startswith("eegmmidb_c3czc4/")),
            by_rule(real, lambda job: job.startswith("eegmmidb/")),
            "3 -> 64 channels, same trials",
        )
    if "sim-base" in bench:
        base = by_rule(bench["sim-base"])
        for name, label in (
            ("sim-subjects2", "1 -> 2 subjects"),
            ("sim-trials40", "20 -> 40 trials per class"),
            ("sim-epochs10", "5 -> 10 training epochs"),
        ):
            if name in bench:
                print_growth(name, base, by_rule(bench[name]), label)
    if "real" in bench:
        print_extrapolation(bench["real"])


if __name__ == "__main__":
    main()
