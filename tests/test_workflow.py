"""The Snakemake workflow: config validation, target lists, lint, kill -9 and rerun."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = shutil.which("snakemake", path=str(Path(sys.executable).parent)) or "snakemake"


def _snakemake(*args, cwd=REPO):
    return subprocess.run(
        [SNAKEMAKE, "--snakefile", str(REPO / "workflow" / "Snakefile"), *args],
        cwd=cwd, capture_output=True, text=True, timeout=900,
    )


def _dry_run_jobs(config: Path, tmp_path: Path) -> str:
    res = _snakemake("-n", "--quiet", "all", "--configfile", str(config),
                     "--directory", str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout + res.stderr


def test_default_study_lists_every_subject(tmp_path):
    res = _snakemake("-n", "--configfile", str(REPO / "config/config.yaml"),
                     "--directory", str(tmp_path))
    assert res.returncode == 0, res.stderr
    out = res.stdout + res.stderr
    for subject in range(1, 10):
        assert f"results/epochs/bci_iv_2b/sub-{subject:02d}-epo.fif" in out
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    mmidb = config["datasets"]["eegmmidb"]["subjects"]
    assert len(mmidb) == 12
    for subject in mmidb:
        assert f"results/epochs/eegmmidb/sub-{subject:02d}-epo.fif" in out
    assert "reports/bci_iv_2b/group.html" in out


def test_demo_study_is_offline_simulated(tmp_path):
    config = yaml.safe_load((REPO / "config/demo.yaml").read_text())
    assert {d["loader"] for d in config["datasets"].values()} == {"simulated"}
    out = _dry_run_jobs(REPO / "config/demo.yaml", tmp_path)
    assert "clever_hans" in out


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda c: c.update(trainig=c.pop("training")), "trainig"),
        (lambda c: c["training"].update(n_epoch=3), "n_epoch"),
        (lambda c: c["datasets"]["sim2b"].update(loader="bci_iv_2a"), "bci_iv_2a"),
        (lambda c: c.update(models=["shallow", "resnet"]), "resnet"),
    ],
)
def test_config_typo_is_a_schema_error_naming_the_key(tmp_path, edit, key):
    config = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())
    edit(config)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    res = _snakemake("-n", "--configfile", str(bad), "--directory", str(tmp_path))
    assert res.returncode != 0
    err = res.stdout + res.stderr
    assert "Error validating config file" in err
    assert key in err


def test_lint_is_clean():
    for config in ("config/config.yaml", "config/demo.yaml", ".test/config/config.yaml"):
        res = _snakemake("--lint", "--configfile", str(REPO / config))
        assert res.returncode == 0, (config, res.stdout + res.stderr)


# A tiny study for the kill -9 test: one simulated subject, 2 epochs, the chain
# preprocess -> train + baselines -> explain (compare and the reports read these
# files the same way).
KILL_STUDY = {
    "seed": 3,
    "datasets": {"sim2b": {
        "loader": "simulated", "subjects": [1],
        "loader_args": {"montage": "2b", "n_trials_per_class": 8,
                        "sessions": ["01T", "02T", "03T"]},
        "split": {"kind": "session", "train": ["01T", "02T"], "test": ["03T"]},
    }},
    "models": ["shallow"],
    "training": {"n_epochs": 2, "batch_size": 16, "patience": 2, "device": "cpu",
                 "threads": 1},
    "baselines": ["csp_lda"],
    "explain": {"methods": ["lrp"]},
    "compare": {"n_permutations": 10, "erds_permutations": 10},
}
KILL_TARGETS = ["results/relevance/sim2b/sub-01/shallow-lrp.json",
                "results/baselines/sim2b/sub-01.json"]


def _steps_running(workdir: Path) -> list[int]:
    """Pids of processes still running a step script of the run in ``workdir``."""
    marker = str(workdir / ".snakemake" / "scripts").encode()
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker in cmdline and state not in ("Z", "X"):
            pids.append(int(proc.name))
    return pids


def _kill_when(workdir: Path, config: Path, log: str, timeout: float = 240) -> None:
    """Start the study, kill -9 Snakemake once ``log`` exists, check no step survives."""
    import signal
    import time

    proc = subprocess.Popen(
        [SNAKEMAKE, "--snakefile", str(REPO / "workflow" / "Snakefile"), "--cores", "2",
         "--configfile", str(config), "--directory", str(workdir), "--rerun-incomplete",
         *KILL_TARGETS], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + timeout
    while not (workdir / log).exists():
        assert proc.poll() is None, f"the run ended before {log} started"
        assert time.monotonic() < end, f"{log} did not start within {timeout} s"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    end = time.monotonic() + 5
    while _steps_running(workdir) and time.monotonic() < end:
        time.sleep(0.1)
    assert not _steps_running(workdir), "a step outlived the killed Snakemake"
    res = _snakemake("--unlock", "--configfile", str(config), "--directory", str(workdir))
    assert res.returncode == 0, res.stderr


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_kill_9_then_rerun_incomplete_equals_an_uninterrupted_run(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "compare_results", REPO / "benchmarks" / "compare_results.py")
    compare_results = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare_results)

    config = tmp_path / "study.yaml"
    config.write_text(yaml.safe_dump(KILL_STUDY))
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    res = _snakemake("--cores", "2", "--configfile", str(config),
                     "--directory", str(reference), *KILL_TARGETS)
    assert res.returncode == 0, res.stdout + res.stderr
    # killed while training, then again while explaining, then run to the end
    _kill_when(killed, config, "logs/train/sim2b/sub-01-shallow.log")
    _kill_when(killed, config, "logs/explain/sim2b/sub-01-shallow-lrp.log")
    res = _snakemake("--cores", "2", "--configfile", str(config), "--directory",
                     str(killed), "--rerun-incomplete", *KILL_TARGETS)
    assert res.returncode == 0, res.stdout + res.stderr
    report = compare_results.compare_runs(reference, killed)
    assert report["files"] >= 5  # qc, metrics, history, baselines, relevance
    assert report["differences"] == {}


def _dry_run_blocks(config: Path, tmp_path: Path) -> list[dict]:
    """The jobs of a dry run: rule name and the input / output file lists."""
    res = _snakemake("-n", "--configfile", str(config), "--directory", str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    jobs = []
    for line in (res.stdout + res.stderr).splitlines():
        if line.startswith("rule ") and line.endswith(":"):
            jobs.append({"rule": line[5:-1], "input": [], "output": []})
        elif jobs and line.strip().startswith(("input:", "output:")):
            key, files = line.strip().split(":", 1)
            jobs[-1][key] = [f.strip() for f in files.split(",")]
    return jobs


def test_extra_sources_are_pretraining_inputs_and_never_targets(tmp_path):
    config = yaml.safe_load((REPO / "config/eegmmidb.yaml").read_text())
    extras = [f"sub-{e['subject']:02d}" for e in config["datasets"]["eegmmidb"]["extra_sources"]]
    assert extras == ["sub-09", "sub-12", "sub-13", "sub-54", "sub-109"]
    jobs = _dry_run_blocks(REPO / "config/eegmmidb.yaml", tmp_path)
    for dataset in ("eegmmidb", "eegmmidb_c3czc4"):
        extra_epochs = {f"results/epochs/{dataset}/{s}-epo.fif" for s in extras}
        pretrain = [j for j in jobs if j["rule"] == "pretrain" and dataset + "/" in j["output"][0]]
        assert len(pretrain) == 3 * len(config["models"])
        targets = set()
        for job in pretrain:
            assert extra_epochs <= set(job["input"])  # every group gets every extra
            assert len(job["input"]) == 8 + len(extras)  # 2 of 3 groups of 12, + extras
        baseline = [j for j in jobs if j["rule"] == "transfer_baseline"
                    and dataset + "/" in j["output"][0]]
        assert len(baseline) == 12
        for job in baseline:
            assert extra_epochs <= set(job["input"])
            targets.add(job["output"][0].split("/")[3])
        assert targets.isdisjoint(extras)
    # an extra source is preprocessed and read, nothing else is made for it
    for job in jobs:
        for path in job["output"]:
            if any(f"/{s}" in path for s in extras):
                assert job["rule"] == "preprocess", (job["rule"], path)


def test_extra_source_is_preprocessed_with_its_own_runs(tmp_path, mne_data):
    """S009 has imagery runs 4 and 8 only: the dataset's runs would fail on it."""
    config = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())
    config["datasets"] = {"eegmmidb": {
        "loader": "eegmmidb", "subjects": [1], "loader_args": {"runs": [3, 4, 7, 8]},
        "extra_sources": [{"subject": 9, "loader_args": {"runs": [4, 8]}}]}}
    config["transfer"] = {"enabled": True, "n_groups": 2}
    config["mne_data"] = str(mne_data)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    res = _snakemake("--cores", "1", "--configfile", str(path), "--directory", str(tmp_path),
                     "results/epochs/eegmmidb/sub-09-epo.fif")
    assert res.returncode == 0, res.stdout + res.stderr
    from eegxai.preprocessing import read_epochs

    epochs = read_epochs(tmp_path / "results/epochs/eegmmidb/sub-09-epo.fif")
    assert sorted(set(epochs.metadata["run"])) == ["4", "8"]
    assert len(epochs) == 30  # 15 left/right fist imagery trials per run
