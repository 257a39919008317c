"""Canonizers: reversible rewrites that make every layer visible to LRP rules.

LRP rules are attached to modules with forward/backward hooks (zennit). A rule can
only act on a computation that happens *inside a module call*. Three things in
common model code break this, and each canonizer below fixes one of them while
keeping the model's output the same (up to floating-point rounding):

* :class:`SplitCombinedConv` — braindecode's ``CombinedConv`` (ShallowFBCSPNet,
  Deep4Net) multiplies the weights of its two child convolutions together and
  calls ``F.conv2d`` itself, so the children ``conv_time`` and ``conv_spat`` are
  never called and no hook fires on the first layer. The canonizer swaps it for a
  :class:`SplitConv`, a ``nn.Sequential`` that really calls both convolutions.
  ``conv_spat.bias`` is used only when ``bias_spat=True``, exactly as in
  ``CombinedConv.forward``.
* :class:`RemoveParametrizations` — a weight registered with
  ``torch.nn.utils.parametrize`` (braindecode's max-norm constrained convs in
  EEGNet) is not a plain parameter, so zennit's ``ParamMod`` (which lists
  ``named_parameters(recurse=False)``) silently leaves it unmodified and rules such
  as z+ or w² compute with the raw weights. The canonizer swaps in a plain module
  holding the current (constrained) weight.
* :class:`MergeBatchNorm` — folds an eval-mode batch norm into the linear layer
  right before it (the merged layer carries the bias), so that rules see one
  affine map. Unlike ``zennit.canonizers.SequentialMergeBatchNorm`` it never
  writes into the original parameters: it swaps in *new* modules, and it only
  pairs modules that are consecutive in an ``nn.Sequential`` chain (zennit pairs
  by registration order of all leaves, which is wrong for ``CombinedConv`` because
  it puts the bias on ``conv_spat``, a bias ``CombinedConv`` ignores).

Every canonizer works by swapping child modules in their parent and swapping
them back on removal; original modules, parameters and buffers are never touched.
Nothing here is specific to EEG: braindecode types are only recognised when
braindecode is importable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn
from torch.nn.utils import parametrize
from zennit.canonizers import Canonizer

try:  # braindecode is optional for the generic part of this module
    from braindecode.modules import CombinedConv as _CombinedConv
except ImportError:  # pragma: no cover
    _CombinedConv = None

__all__ = [
    "CANONIZERS",
    "MergeBatchNorm",
    "ModuleSwap",
    "RemoveParametrizations",
    "SplitCombinedConv",
    "SplitConv",
    "canonize",
    "default_canonizers",
]

_LINEAR_PLAIN = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
_BATCH_NORM = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


class ModuleSwap:
    """Handle for one child module replaced in its parent; ``remove`` undoes it.

    Parameters
    ----------
    parent : torch.nn.Module
        The module owning the child.
    name : str
        Attribute name of the child in ``parent``.
    new : torch.nn.Module
        The replacement.
    """

    def __init__(self, parent: nn.Module, name: str, new: nn.Module):
        self.parent = parent
        self.name = name
        self.old = parent._modules[name]
        self.new = new
        parent._modules[name] = new

    def remove(self) -> None:
        """Put the original child back (idempotent)."""
        if self.parent is not None:
            self.parent._modules[self.name] = self.old
            self.parent = None


class _SwapCanonizer(Canonizer):
    """Base: ``apply`` returns :class:`ModuleSwap` handles; ``remove`` reverts them.

    The handles must be removed in reverse order of creation when several
    canonizers touch the same slot; :func:`canonize` takes care of that.
    """

    def __init__(self):
        self.swaps: list[ModuleSwap] = []

    def register(self, *args, **kwargs):  # noqa: D102 - zennit interface
        raise NotImplementedError("use apply(model)")

    def remove(self) -> None:
        """Undo all swaps made by the last :meth:`apply`, newest first."""
        for swap in reversed(self.swaps):
            swap.remove()
        self.swaps = []

    def copy(self):  # noqa: D102 - zennit interface
        return self.__class__()

    def apply(self, root_module: nn.Module) -> list[_SwapCanonizer]:
        """Rewrite ``root_module`` in place; return ``[self]`` as the handle."""
        self.swaps = list(self._swaps(root_module))
        return [self]

    def _swaps(self, root: nn.Module) -> Iterator[ModuleSwap]:
        raise NotImplementedError


class SplitConv(nn.Sequential):
    """``conv_time`` followed by ``conv_spat``: what ``CombinedConv`` computes.

    ``CombinedConv`` evaluates
    ``conv2d(x, sum_f w_time[f] * w_spat[:, f], b)`` with
    ``b = sum_{f,c} w_spat[:, f, 0, c] b_time[f] (+ b_spat)``; by linearity this
    is ``conv_spat(conv_time(x))``, which is what this container runs.

    When both convolutions carry fast LRP rules (and nothing else hooks them),
    the pair runs as one node whose backward applies both rules a few trials at
    a time (:func:`eegxai.explain.rules.fused_pair`): same relevance, without
    keeping the (trials, filters, times, channels) map in memory.
    """

    def forward(self, x):  # noqa: D102
        if len(self) == 2:
            from .rules import fused_pair

            out = fused_pair(self[0], self[1], x)
            if out is not None:
                return out
        return super().forward(x)


def _conv_like(module: nn.Module, weight, bias) -> nn.Module:
    """A plain torch layer with the hyper-parameters of ``module`` and new tensors."""
    if isinstance(module, nn.Linear):
        new = nn.Linear.__new__(nn.Linear)
        nn.Module.__init__(new)
        new.in_features, new.out_features = module.in_features, module.out_features
    else:
        cls = next(
            c for c in (nn.Conv1d, nn.Conv2d, nn.Conv3d) if isinstance(module, c)
        )
        new = cls.__new__(cls)
        nn.Module.__init__(new)
        for attr in (
            "in_channels",
            "out_channels",
            "kernel_size",
            "stride",
            "padding",
            "dilation",
            "transposed",
            "output_padding",
            "groups",
            "padding_mode",
            "_reversed_padding_repeated_twice",
        ):
            setattr(new, attr, getattr(module, attr))
    new.weight = weight if isinstance(weight, nn.Parameter) else nn.Parameter(weight)
    if bias is None:
        new.register_parameter("bias", None)
    else:
        new.bias = bias if isinstance(bias, nn.Parameter) else nn.Parameter(bias)
    new.train(module.training)
    return new


class SplitCombinedConv(_SwapCanonizer):
    """Replace every braindecode ``CombinedConv`` by a :class:`SplitConv`.

    The split module holds two new plain ``nn.Conv2d`` that share the original
    weight tensors (they are not copied and never modified), so hooks and rules
    see the temporal and the spatial convolution as separate layers.
    """

    def _swaps(self, root):
        if _CombinedConv is None:  # pragma: no cover
            return
        for parent in list(root.modules()):
            for name, child in list(parent._modules.items()):
                if isinstance(child, _CombinedConv):
                    conv_time = _conv_like(
                        child.conv_time,
                        child.conv_time.weight,
                        child.conv_time.bias if child.bias_time else None,
                    )
                    conv_spat = _conv_like(
                        child.conv_spat,
                        child.conv_spat.weight,
                        child.conv_spat.bias if child.bias_spat else None,
                    )
                    split = SplitConv()
                    split.add_module("conv_time", conv_time)
                    split.add_module("conv_spat", conv_spat)
                    split.train(child.training)
                    yield ModuleSwap(parent, name, split)


class RemoveParametrizations(_SwapCanonizer):
    """Replace parametrized Linear/Conv layers by plain ones with the same weight.

    The weight is evaluated once (``module.weight`` applies the parametrization,
    e.g. braindecode's max-norm renormalisation) and detached into a new
    parameter, so the forward is unchanged and zennit's parameter modifiers act
    on the weight that is really used.
    """

    def _swaps(self, root):
        for parent in list(root.modules()):
            for name, child in list(parent._modules.items()):
                if isinstance(child, _LINEAR_PLAIN) and parametrize.is_parametrized(
                    child
                ):
                    with torch.no_grad():
                        weight = child.weight.detach().clone()
                        bias = child.bias
                        if bias is not None and parametrize.is_parametrized(
                            child, "bias"
                        ):
                            bias = bias.detach().clone()
                    yield ModuleSwap(parent, name, _conv_like(child, weight, bias))


def _sequential_chains(
    module: nn.Module,
) -> Iterator[list[tuple[nn.Module, str, nn.Module]]]:
    """Chains of ``(parent, name, leaf)`` executed one after another.

    Nested ``nn.Sequential`` containers are flattened into their parent chain,
    because their children are called in order; any other container starts
    fresh chains for its children, since its forward may call them in any order.
    """

    def flatten(seq):
        for name, child in seq._modules.items():
            if child is None:
                continue
            if isinstance(child, nn.Sequential):
                yield from flatten(child)
            else:
                yield seq, name, child

    if isinstance(module, nn.Sequential):
        chain = list(flatten(module))
        yield chain
        for _, _, child in chain:
            yield from _sequential_chains(child)
    else:
        for child in module.children():
            yield from _sequential_chains(child)


class MergeBatchNorm(_SwapCanonizer):
    """Fold eval-mode batch norms into the Linear/Conv layer right before them.

    For ``y = BN(W x + b)`` with running statistics ``mu, var``, scale ``g``,
    shift ``beta`` and ``s = g / sqrt(var + eps)``, the merged layer is
    ``W' = s * W`` (per output channel) and ``b' = s (b - mu) + beta`` (Ioffe &
    Szegedy 2015; Montavon et al. 2019, sec. 10.2.3). The linear layer is swapped
    for a new module carrying ``W'`` and ``b'`` and the batch norm for
    ``nn.Identity``. Batch norms without running statistics (which normalise
    with batch statistics even in eval mode) are left alone.
    """

    def _swaps(self, root):
        for chain in _sequential_chains(root):
            for (p_lin, n_lin, lin), (p_bn, n_bn, bn) in zip(
                chain, chain[1:], strict=False
            ):
                if not (isinstance(lin, _LINEAR_PLAIN) and isinstance(bn, _BATCH_NORM)):
                    continue
                if bn.running_mean is None or bn.running_var is None:
                    continue
                if lin.weight.shape[0] != bn.num_features:
                    continue
                with torch.no_grad():
                    weight = lin.weight.detach()
                    dtype = weight.dtype
                    scale = (bn.running_var.to(dtype) + bn.eps).rsqrt()
                    if bn.weight is not None:
                        scale = scale * bn.weight.detach().to(dtype)
                    shift = -bn.running_mean.to(dtype) * scale
                    if lin.bias is not None:
                        shift = shift + lin.bias.detach() * scale
                    if bn.bias is not None:
                        shift = shift + bn.bias.detach().to(dtype)
                    shape = (-1,) + (1,) * (weight.ndim - 1)
                    new_weight = weight * scale.reshape(shape)
                identity = nn.Identity()
                identity.train(bn.training)
                yield ModuleSwap(p_lin, n_lin, _conv_like(lin, new_weight, shift))
                yield ModuleSwap(p_bn, n_bn, identity)


CANONIZERS = {
    "split_combined_conv": SplitCombinedConv,
    "remove_parametrizations": RemoveParametrizations,
    "merge_batch_norm": MergeBatchNorm,
}


def default_canonizers() -> list[_SwapCanonizer]:
    """The canonizers :func:`~eegxai.explain.explain` applies, in order."""
    return [SplitCombinedConv(), RemoveParametrizations(), MergeBatchNorm()]


@contextlib.contextmanager
def canonize(
    model: nn.Module, canonizers: list[_SwapCanonizer] | None = None
) -> Iterator[nn.Module]:
    """Apply canonizers to ``model`` in place and revert them on exit.

    Parameters
    ----------
    model : torch.nn.Module
        The model; it is modified only inside the ``with`` block.
    canonizers : list | None
        Canonizer instances, applied in order and removed in reverse order.
        ``None`` uses :func:`default_canonizers`.

    Yields
    ------
    model : torch.nn.Module
        The same object, canonized. Merged batch norms use running statistics,
        so call it in eval mode.

    Examples
    --------
    >>> with canonize(model) as canonical:  # doctest: +SKIP
    ...     out = canonical(X)  # same output, every layer is a hookable module
    """
    canonizers = default_canonizers() if canonizers is None else canonizers
    applied = []
    try:
        for canonizer in canonizers:
            applied.extend(canonizer.apply(model))
        yield model
    finally:
        for handle in reversed(applied):
            handle.remove()
