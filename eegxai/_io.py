"""Atomic file writing and provenance shared by every writer in eegxai.

A killed run must never leave a half-written file that looks complete
(ARCHITECTURE.md): every writer writes to a temporary name in the target folder
and renames it into place, which is atomic on POSIX file systems.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import platform
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._workflow import check_owner


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    On an exception the temporary file is removed and ``path`` is untouched;
    so is ``path`` when the workflow step writing it lost its owner (the
    Snakemake process that started it, :func:`eegxai._workflow.check_owner`).

    Parameters
    ----------
    path : path-like
        Final destination.
    suffix : str | None
        Suffix of the temporary file (some writers, e.g. MNE's, insist on
        the file name ending). Defaults to the suffix(es) of ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix is None:
        suffix = "".join(path.suffixes) or ".tmp"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600 files; results are shared data, so honour the umask.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        # a step whose Snakemake is gone must not replace a newer run's result
        check_owner(path)
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def write_json(path: str | os.PathLike, data: dict) -> Path:
    """Write ``data`` as indented JSON, atomically. Returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")
    return path


def _unreadable(path: Path, what: str, exc: BaseException) -> ValueError:
    return ValueError(
        f"{path} is not a readable {what} ({type(exc).__name__}: {exc}); it is "
        "probably truncated or corrupt (e.g. by a killed run or a full disk). "
        "Delete it and rerun the step that writes it (snakemake reruns it "
        "when the file is missing)."
    )


def read_json(path: str | os.PathLike) -> dict:
    """Read a JSON file written by :func:`write_json`.

    Raises ``FileNotFoundError`` or ``ValueError`` naming the file when it is
    missing, truncated or not JSON.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"JSON file {path} does not exist.")
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _unreadable(path, "JSON file", exc) from None


@contextlib.contextmanager
def open_hdf5(path: str | os.PathLike) -> Iterator[Any]:
    """Open an HDF5 file for reading; a missing or corrupt file is named in the error."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"HDF5 file {path} does not exist.")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise _unreadable(path, "HDF5 file", exc) from None
    with f:
        yield f


def load_weights(path: str | os.PathLike) -> Any:
    """``torch.load`` a file of tensors and plain containers only (no pickled code).

    Anything else (a pickled module, optimizer or arbitrary Python object) is
    refused: unpickling it could run code from the file. The error says so in
    eegxai's terms; torch's own message is not chained because it suggests
    loading the file unsafely.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is truncated, not a torch file, or holds more than plain
        tensors, numbers, strings, lists and dicts.
    """
    import pickle

    import torch

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Model file {path} does not exist.")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        message = (
            f"{path} is not a plain eegxai model file: it holds Python objects "
            "other than tensors, numbers, strings, lists and dicts (e.g. a whole "
            "pickled network). eegxai refuses to load such files because "
            "unpickling them can run arbitrary code. Recreate the file with "
            "eegxai.models.save_model (or rerun the train step)."
        )
    except (RuntimeError, EOFError, OSError) as exc:
        message = str(_unreadable(path, "model file", exc))
    raise ValueError(message)


def provenance() -> dict:
    """Versions, platform and date that every output file carries."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for pkg in ("eegxai", "mne", "braindecode", "moabb", "torch", "zennit",
                "numpy", "scipy", "scikit-learn", "pyriemann"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return {
        "versions": versions,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
