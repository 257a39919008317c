"""Shared fixtures and marker handling.

Markers: ``slow`` (runs by default; deselect with ``-m 'not slow'``), ``gpu``
(skipped without CUDA), ``network`` (skipped unless ``--run-network``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_MNE_DATA = (REPO / ".." / "shared" / "data" / "mne_data").resolve()


def pytest_addoption(parser):
    parser.addoption(
        "--run-network", action="store_true", help="run tests that need internet"
    )


def pytest_configure(config):
    # Two cores here: one torch thread per xdist worker avoids oversubscription.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)
    os.environ.setdefault("MOABB_DOWNLOAD_PROVIDER", "upstream")
    os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        has_cuda = False
    skip_gpu = pytest.mark.skip(reason="no CUDA device")
    skip_net = pytest.mark.skip(reason="needs --run-network")
    for item in items:
        if "gpu" in item.keywords and not has_cuda:
            item.add_marker(skip_gpu)
        if "network" in item.keywords and not config.getoption("--run-network"):
            item.add_marker(skip_net)


@pytest.fixture(scope="session")
def mne_data() -> Path:
    """The real EEGMMIDB recordings (MNE cache layout) shipped in ../shared."""
    path = Path(os.environ.get("MNE_DATA", SHARED_MNE_DATA))
    if not (path / "MNE-eegbci-data").is_dir():
        pytest.skip(f"real EEGMMIDB data not found under {path}")
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch CPU thread for a module's tests, restored afterwards.

    Shared CPUs: two OpenMP threads competing with other jobs can be 10x slower.
    Opt in per module with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
