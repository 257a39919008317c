"""The step wrapper: a step dies with the process that started it and writes nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from eegxai import _workflow
from eegxai._io import write_json
from eegxai._workflow import OrphanedStepError, workflow_step

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="needs /proc and prctl (Linux)")

# The child is a step: it enters workflow_step, says so, then writes its output
# after `delay` seconds. The parent, a script named like Snakemake, starts it
# (directly or through a shell), prints its pid and waits.
CHILD = """
import sys, time
from eegxai._workflow import workflow_step
from eegxai._io import write_json
out, log, delay, watchdog_only = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
if watchdog_only == "1":
    import eegxai._workflow as w
    w._die_with_parent = lambda *args: None
with workflow_step(log):
    print("in step", flush=True)
    time.sleep(delay)
    write_json(out, {"written_by": "orphan"})
"""
PARENT = """
import subprocess, sys
child = subprocess.Popen(sys.argv[1:])
print(child.pid, flush=True)
child.wait()
"""


def _dead(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")  # a zombie has exited; init reaps it later


def _wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _start_step(tmp_path, *, via_shell: bool, watchdog_only: bool):
    (tmp_path / "child.py").write_text(textwrap.dedent(CHILD))
    (tmp_path / "snakemake").write_text(textwrap.dedent(PARENT))
    out, log = tmp_path / "out.json", tmp_path / "step.log"
    child = [sys.executable, str(tmp_path / "child.py"), str(out), str(log), "4",
             str(int(watchdog_only))]
    if via_shell:  # a shell between Snakemake and the step (conda, benchmarks)
        child = ["/bin/sh", "-c", " ".join(child) + "; true"]  # '; true': no exec
    parent = subprocess.Popen([sys.executable, str(tmp_path / "snakemake"), *child],
                              stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    parent.stdout.readline()
    assert _wait_for(lambda: log.exists() and "in step" in log.read_text(), 60)
    return parent, out, log


def _step_pid(log: Path) -> int:
    # the step's own pid: the process whose cwd holds the log and runs child.py
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(c.endswith(b"child.py") for c in cmd) and str(log).encode() in cmd:
                return int(proc.name)
    raise AssertionError("step process not found")


@pytest.mark.parametrize(("via_shell", "watchdog_only"),
                         [(False, False), (False, True), (True, False)],
                         ids=["pdeathsig", "watchdog", "shell-between"])
def test_step_dies_with_its_parent_and_writes_nothing(tmp_path, via_shell, watchdog_only):
    parent, out, log = _start_step(tmp_path, via_shell=via_shell,
                                   watchdog_only=watchdog_only)
    step = _step_pid(log)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    assert _wait_for(lambda: _dead(step), 3.0), "the step outlived its parent"
    time.sleep(4.5)  # past the moment the step would have written
    assert not out.exists()
    assert not list(tmp_path.glob(".out.*")), "temporary file left behind"


def test_step_that_keeps_its_parent_writes(tmp_path):
    parent, out, _ = _start_step(tmp_path, via_shell=False, watchdog_only=False)
    parent.wait(timeout=60)
    assert json.loads(out.read_text()) == {"written_by": "orphan"}


def test_atomic_write_refused_once_owner_is_gone(tmp_path, monkeypatch):
    with workflow_step(tmp_path / "step.log"):
        # pretend the owner died: a pid that is not running
        monkeypatch.setattr(_workflow, "_OWNER", (2**22 + 12345, "0"))
        with pytest.raises(OrphanedStepError, match="out.json"):
            write_json(tmp_path / "out.json", {"a": 1})
        monkeypatch.undo()
    assert not (tmp_path / "out.json").exists()
    assert not list(tmp_path.glob(".out.*"))


def test_owner_under_snakemake_is_snakemake(monkeypatch):
    # the nearest ancestor whose command is snakemake owns the step
    fake = {100: (50, "7"), 50: (10, "8"), 10: (1, "9")}
    monkeypatch.setattr(_workflow.os, "getppid", lambda: 100)
    monkeypatch.setattr(_workflow, "_stat", lambda pid: fake.get(pid))
    monkeypatch.setattr(_workflow, "_is_snakemake", lambda pid: pid == 50)
    assert _workflow.find_owner() == (50, "8")
    monkeypatch.setattr(_workflow, "_is_snakemake", lambda pid: False)
    assert _workflow.find_owner() == (100, "7")
