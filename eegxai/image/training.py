"""Seeded training of the image classifiers (plain PyTorch loop, Adam).

The whole training set lives on the device; mini-batches come from a seeded
:class:`torch.Generator`, so the same seed gives the same weights on the CPU
(with the same number of torch threads). Parameters with
``requires_grad=False`` (the frozen convolutions of the CAM network) are not
optimized.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._check import check_array, check_positive, validate_type
from .._device import resolve_device
from ..training import seeded

__all__ = ["accuracy", "fit_image_model", "predict_image_logits"]


def fit_image_model(model: nn.Module, X, y, *, n_epochs: int = 8, batch_size: int = 64,
                    lr: float = 1e-3, weight_decay: float = 0.0, max_shift: int = 0,
                    seed: int = 0, device: str = "cpu") -> nn.Module:
    """Train ``model`` in place by cross-entropy and return it in eval mode.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(n, 1, side, side)`` to logits ``(n, n_classes)``.
    X : ndarray of float32, shape (n_images, 1, side, side)
        Training images.
    y : ndarray of int, shape (n_images,)
        Labels.
    n_epochs, batch_size : int
        Passes over the data and mini-batch size.
    lr, weight_decay : float
        Adam(W) learning rate and decoupled weight decay.
    max_shift : int
        Augmentation: every mini-batch is shifted by a random whole-pixel
        offset in ``[-max_shift, max_shift]`` along each image axis (zero
        filled); 0 switches it off.
    seed : int
        Seeds the initial weights of the trainable layers (re-initialised
        here), the batch order and the shifts.
    device : str
        ``"cpu"``, ``"cuda"`` or ``"auto"``.

    Returns
    -------
    model : torch.nn.Module
        The same object, trained, in eval mode, on the CPU.
    """
    validate_type(model, nn.Module, "model")
    X = check_array(X, "X", ndim=4, dtype=np.float32)
    y = check_array(y, "y", ndim=1).astype(np.int64)
    for value, key in ((n_epochs, "n_epochs"), (batch_size, "batch_size"),
                       (max_shift, "max_shift"), (seed, "seed")):
        validate_type(value, numbers.Integral, key)
    check_positive(n_epochs, "n_epochs")
    check_positive(batch_size, "batch_size")
    check_positive(lr, "lr")
    check_positive(weight_decay, "weight_decay", strict=False)
    dev = resolve_device(device)
    params = [p for p in model.parameters() if p.requires_grad]
    with seeded(int(seed)):
        _reset_trainable(model)
        model.to(dev).train()
        X_t, y_t = torch.as_tensor(X, device=dev), torch.as_tensor(y, device=dev)
        optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
        # cosine annealing per epoch, as the EEG trainer (eegxai.training)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=max(int(n_epochs), 1))
        generator = torch.Generator().manual_seed(int(seed))
        for _ in range(int(n_epochs)):
            order = torch.randperm(len(X_t), generator=generator).to(dev)
            for start in range(0, len(order), int(batch_size)):
                idx = order[start:start + int(batch_size)]
                xb = _shift(X_t[idx], generator, int(max_shift))
                loss = F.cross_entropy(model(xb), y_t[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            scheduler.step()
    return model.cpu().eval()


def _reset_trainable(model: nn.Module) -> None:
    """Re-initialise, from the current seed, every layer whose parameters all train.

    So the seed fixes the initial weights wherever the model was built; frozen
    layers (the copied convolutions of the CAM network) keep their weights.
    """
    for module in model.modules():
        params = list(module.parameters(recurse=False))
        if params and all(p.requires_grad for p in params) and hasattr(
                module, "reset_parameters"):
            module.reset_parameters()


def _shift(xb: torch.Tensor, generator: torch.Generator, max_shift: int) -> torch.Tensor:
    """Shift a batch of images by one random offset, filling with zeros."""
    if max_shift == 0:
        return xb
    dy, dx = torch.randint(-max_shift, max_shift + 1, (2,), generator=generator).tolist()
    side_y, side_x = xb.shape[-2:]
    out = torch.zeros_like(xb)
    out[..., max(dy, 0):side_y + min(dy, 0), max(dx, 0):side_x + min(dx, 0)] = \
        xb[..., max(-dy, 0):side_y + min(-dy, 0), max(-dx, 0):side_x + min(-dx, 0)]
    return out


@torch.no_grad()
def predict_image_logits(model: nn.Module, X, *, batch_size: int = 512) -> np.ndarray:
    """Logits, shape (n_images, n_classes), of ``model`` (eval mode) on ``X``."""
    X = check_array(X, "X", dtype=np.float32)
    was = model.training
    model.eval()
    dtype = next(model.parameters()).dtype
    out = [model(torch.as_tensor(X[s:s + batch_size], dtype=dtype)).numpy()
           for s in range(0, len(X), batch_size)]
    model.train(was)
    return np.concatenate(out)


def accuracy(model: nn.Module, X, y) -> float:
    """Share of images whose predicted class equals ``y``."""
    return float((predict_image_logits(model, X).argmax(1) == np.asarray(y)).mean())
