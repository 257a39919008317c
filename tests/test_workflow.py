"""The Snakemake workflow: config validation, target lists, lint (dry runs only)."""

from __future__ import annotations

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
        cwd=cwd, capture_output=True, text=True, timeout=300,
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
