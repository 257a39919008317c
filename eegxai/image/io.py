"""Files of the image study: models (``.pt``) and arrays (``.npz``), written atomically.

Model file: ``torch.save`` of ``{"kind", "build", "state_dict"}`` — ``kind`` is
``"cnn"``, ``"mlp"``, ``"cam"`` or ``"crop_cnn"``; ``build`` the keyword
arguments of :func:`~eegxai.image.models.build_image_model` (plus ``n_maps``
for ``"cam"``). Read back with :func:`load_image_model` (``weights_only=True``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from .._io import atomic_path
from .models import build_image_model, cam_model

__all__ = ["load_arrays", "load_image_model", "save_arrays", "save_image_model"]


def save_image_model(path: str | os.PathLike, model, *, kind: str, build: dict) -> Path:
    """Write a model's weights and how to rebuild it."""
    path = Path(path)
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save({"kind": kind, "build": dict(build),
                    "state_dict": model.state_dict()}, tmp)
    return path


def load_image_model(path: str | os.PathLike):
    """Rebuild a model written by :func:`save_image_model`, in eval mode."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    build = dict(saved["build"])
    if saved["kind"] == "cam":
        n_maps = build.pop("n_maps")
        model = cam_model(build_image_model("cnn", **build), build["n_classes"],
                          n_maps=n_maps)
    else:
        model = build_image_model(**build)
    model.load_state_dict(saved["state_dict"])
    return model.eval()


def save_arrays(path: str | os.PathLike, **arrays) -> Path:
    """Write named arrays to a compressed ``.npz`` file atomically."""
    path = Path(path)
    with atomic_path(path, suffix=".npz") as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **{k: np.asarray(v) for k, v in arrays.items()})
    return path


def load_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an ``.npz`` file written by :func:`save_arrays`."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}
