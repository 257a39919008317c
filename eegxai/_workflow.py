"""Glue for the Snakemake scripts: a step's log file, data environment and owner.

Scripts in ``workflow/scripts`` stay a few lines long: they enter
:func:`workflow_step` and make one call into eegxai.

A step dies with the Snakemake process that started it. When Snakemake is
killed (``kill -9``, a lost SSH session, an out-of-memory kill), a job that
kept running would later write its outputs over those of the next run, which
Snakemake no longer knows about. :func:`workflow_step` therefore

1. asks Linux to kill the step when its parent dies (``PR_SET_PDEATHSIG``);
2. watches the owner (the nearest Snakemake ancestor, else the parent
   process) from a thread and kills the step when it is gone, which also
   covers a shell between Snakemake and the step;
3. makes :func:`eegxai._io.atomic_path` refuse to move a finished file into
   place once the owner is gone (:func:`check_owner`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

#: Seconds between two checks of the owner by the watchdog thread.
WATCH_INTERVAL = 0.5

#: (pid, start time) of the process that owns the running step, or None.
_OWNER: tuple[int, str] | None = None


class OrphanedStepError(RuntimeError):
    """The process that started this step is gone; its outputs are not written."""


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time in clock ticks) of ``pid`` from /proc, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may hold spaces
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[19]


def _is_snakemake(pid: int) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    args = [os.path.basename(a.decode(errors="replace")) for a in argv[:3]]
    return "snakemake" in args[:2] or args[1:3] == ["-m", "snakemake"]


def find_owner() -> tuple[int, str] | None:
    """The nearest Snakemake ancestor of this process, else its parent.

    Returns
    -------
    owner : (int, str) | None
        Process id and start time (which tells a reused pid apart), or None
        without ``/proc`` (not Linux) or when the parent is init.
    """
    parent = os.getppid()
    pid = parent
    for _ in range(32):
        if pid <= 1:
            break
        stat = _stat(pid)
        if stat is None:
            break
        if _is_snakemake(pid):
            return pid, stat[1]
        pid = stat[0]
    stat = _stat(parent) if parent > 1 else None
    return (parent, stat[1]) if stat is not None else None


def owner_alive(owner: tuple[int, str] | None = None) -> bool:
    """Whether ``owner`` (default: the running step's) still exists."""
    owner = _OWNER if owner is None else owner
    if owner is None:
        return True
    stat = _stat(owner[0])
    return stat is not None and stat[1] == owner[1]


def check_owner(path: str | os.PathLike | None = None) -> None:
    """Raise :class:`OrphanedStepError` if the running step's owner is gone.

    Called by :func:`eegxai._io.atomic_path` before it moves a file into place,
    so a job that Snakemake no longer owns never replaces a result.
    """
    if not owner_alive():
        where = f" {os.fspath(path)}" if path is not None else ""
        raise OrphanedStepError(
            f"The process {_OWNER[0]} that started this step is gone (killed?); "
            f"not writing{where}. Rerun the workflow (snakemake --rerun-incomplete)."
        )


def _die_with_parent(sig: int = signal.SIGKILL) -> None:
    """``prctl(PR_SET_PDEATHSIG, sig)``: Linux sends ``sig`` when our parent dies.

    ``sig=0`` clears it.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - exotic libc
        logger.warning("prctl(PR_SET_PDEATHSIG) unavailable; relying on the watchdog.")


def _watch(owner: tuple[int, str], stop: threading.Event) -> None:
    while not stop.wait(WATCH_INTERVAL):
        if not owner_alive(owner):
            print(f"eegxai: the process {owner[0]} that started this step is gone; "
                  "stopping without writing outputs.", file=sys.__stderr__, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def owned_by_parent() -> Iterator[tuple[int, str] | None]:
    """Tie this process to its owner (see the module docstring) for the block."""
    global _OWNER
    _die_with_parent()
    owner = find_owner()
    previous, _OWNER = _OWNER, owner
    stop = threading.Event()
    if owner is not None:
        threading.Thread(target=_watch, args=(owner, stop), daemon=True,
                         name="eegxai-owner-watchdog").start()
    try:
        yield owner
    finally:
        stop.set()
        _OWNER = previous
        if previous is None:
            _die_with_parent(0)  # the process outlives the step (e.g. in a notebook)


@contextlib.contextmanager
def workflow_step(
    log_path: str | os.PathLike, *, mne_data: str | None = None
) -> Iterator[None]:
    """Redirect stdout, stderr and the ``logging`` root to ``log_path``.

    A traceback is written to the log before the exception propagates, so
    Snakemake reports the failing step and the log says why.

    Parameters
    ----------
    log_path : path-like
        The step's log file.
    mne_data : str | None
        Download cache for MNE and MOABB; sets ``MNE_DATA`` for this step
        (None keeps the environment's value). MOABB is told to download from
        the original servers (``MOABB_DOWNLOAD_PROVIDER=upstream``) unless the
        environment says otherwise.

    Notes
    -----
    The step is killed when the process that started it dies, and writes no
    output after that (:func:`owned_by_parent`). Warnings (``warnings.warn``,
    e.g. MNE's) go to the log too.
    """
    if mne_data:
        os.environ["MNE_DATA"] = str(mne_data)
    os.environ.setdefault("MOABB_DOWNLOAD_PROVIDER", "upstream")
    os.environ.setdefault("MPLBACKEND", "Agg")
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with owned_by_parent(), open(log_path, "w", buffering=1) as log:
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = log
        try:
            yield
        except BaseException:
            traceback.print_exc(file=log)
            raise
        finally:
            sys.stdout, sys.stderr = old_out, old_err
            root.removeHandler(handler)
