"""Where torch computes: one resolution rule for training, explanation and checks."""

from __future__ import annotations

import torch

from ._check import validate_type


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` → CUDA when available, else CPU; other values pass to torch.

    Raises ``ValueError`` for an unknown device string and for ``"cuda"`` on a
    machine without CUDA.
    """
    if isinstance(device, torch.device):
        return device
    validate_type(device, str, "device")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"Invalid value for the 'device' parameter: {device!r}. Use 'auto', "
            f"'cpu' or 'cuda[:index]'."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available; use "
            f"device='auto' or 'cpu'."
        )
    return resolved
