"""Finding modules of a model: by name, and in the order they run.

Shared by the attribution methods (LRP roles, Grad-CAM layers, CAM's
architecture check) without importing any of them, so that no module of
:mod:`eegxai.explain` imports another in a cycle.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["execution_order", "leaf_modules", "resolve_layer"]


def resolve_layer(model: nn.Module, layer: str) -> nn.Module:
    """Find a submodule by exact name or by a unique dotted suffix.

    After canonization, braindecode's temporal convolution of ShallowFBCSPNet /
    Deep4Net is ``conv_time_spat.conv_time``; ``layer="conv_time"`` finds it.

    Parameters
    ----------
    model : torch.nn.Module
        The (canonized) model.
    layer : str
        Module name, or the last components of it.

    Returns
    -------
    module : torch.nn.Module
    """
    if not isinstance(layer, str):
        raise TypeError(
            f"'layer' must be an instance of str, but got {type(layer).__name__} "
            f"({layer!r}) instead."
        )
    named = dict(model.named_modules())
    if layer in named and layer:
        return named[layer]
    matches = [n for n in named if n.endswith("." + layer)]
    if len(matches) == 1:
        return named[matches[0]]
    names = [n for n in named if n]
    if not matches:
        raise ValueError(
            f"Invalid value for the 'layer' parameter. Allowed values are "
            f"{', '.join(repr(n) for n in names)}, but got {layer!r} instead."
        )
    raise ValueError(
        f"'layer'={layer!r} is ambiguous: it matches {matches}. Use a full name."
    )


def leaf_modules(model: nn.Module) -> dict[str, nn.Module]:
    """Modules without children, by name, in registration order."""
    return {
        n: m for n, m in model.named_modules() if next(m.children(), None) is None
    }


def execution_order(
    model: nn.Module, x: torch.Tensor, *, shapes: bool = False
) -> list[str] | list[tuple[str, tuple, tuple]]:
    """Names of the leaf modules in the order of their first call on ``x``.

    The registration order of ``__init__`` says nothing about the order a
    ``forward`` uses them in (a classifier may be defined before the
    convolutions). This runs ``model(x)`` once without gradients, with a
    forward hook on every leaf.

    Parameters
    ----------
    model : torch.nn.Module
        The model (eval mode; it is not modified).
    x : torch.Tensor, shape (n_samples, ...)
        An input batch (one sample suffices).
    shapes : bool
        Also return each leaf's input and output shape.

    Returns
    -------
    order : list of str, or of (name, input_shape, output_shape)
        Leaves that never ran are not listed.
    """
    seen: dict[str, tuple] = {}
    handles = []

    def make_hook(name):
        def hook(module, inputs, output):
            if name not in seen:
                inp = inputs[0] if inputs and isinstance(inputs[0], torch.Tensor) else None
                seen[name] = (
                    tuple(inp.shape) if inp is not None else (),
                    tuple(output.shape) if isinstance(output, torch.Tensor) else (),
                )

        return hook

    for name, module in leaf_modules(model).items():
        handles.append(module.register_forward_hook(make_hook(name)))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    if shapes:
        return [(n, s[0], s[1]) for n, s in seen.items()]
    return list(seen)
