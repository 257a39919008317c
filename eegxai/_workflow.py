"""Glue for the Snakemake scripts: a step's log file and data environment.

Scripts in ``workflow/scripts`` stay a few lines long: they enter
:func:`workflow_step` and make one call into eegxai.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path


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
    """
    if mne_data:
        os.environ["MNE_DATA"] = str(mne_data)
    os.environ.setdefault("MOABB_DOWNLOAD_PROVIDER", "upstream")
    os.environ.setdefault("MPLBACKEND", "Agg")
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", buffering=1) as log:
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
