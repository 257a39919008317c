"""Named LRP composites: which rule each layer of a network gets.

A composite maps every leaf module to a rule. Linear layers (``nn.Linear``,
``nn.Conv*``) are split into three roles:

* **first** — the first linear layer in module order (the layer that sees the
  raw input);
* **dense** — ``nn.Linear`` layers and the *last* linear layer in module order
  (the classifier; in braindecode it is a convolution whose kernel covers the
  whole remaining input, i.e. a dense layer);
* **conv** — all other linear layers.

All other leaves get the structural rules of :mod:`eegxai.explain.rules`
(square, log, activations, pooling, reshapes, dropout, ...). ``COMPOSITES``
lists the names that :func:`~eegxai.explain.explain` accepts, each with its
rules, accepted keyword arguments and reference.

References
----------
.. [1] Bach, S. et al. (2015). On pixel-wise explanations for non-linear
   classifier decisions by layer-wise relevance propagation. PLoS ONE 10(7).
.. [2] Montavon, G. et al. (2017). Explaining nonlinear classification decisions
   with deep Taylor decomposition. Pattern Recognition 65, 211–222.
.. [3] Montavon, G., Samek, W. & Müller, K.-R. (2018). Methods for interpreting
   and understanding deep neural networks. Digital Signal Processing 73, 1–15.
.. [4] Montavon, G. et al. (2019). Layer-wise relevance propagation: an
   overview. In Explainable AI, LNCS 11700, 193–209.
.. [5] Kohlbrenner, M. et al. (2020). Towards best practice in explaining neural
   network decisions with LRP. IJCNN.
.. [6] Lapuschkin, S. et al. (2019). Unmasking Clever Hans predictors and
   assessing what machines really learn. Nature Communications 10, 1096.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from zennit import rules as zennit_rules
from zennit.core import Composite
from zennit.types import Activation, AvgPool, BatchNorm, MaxPool
from zennit.types import Linear as LinearTypes

from .._check import check_kwargs
from .rules import (
    CONSERVING_RULES,
    ActivationPass,
    AffineNorm,
    AlphaBeta,
    Epsilon,
    FastRule,
    Flat,
    Gamma,
    LogRule,
    PoolNorm,
    PoolPlus,
    Route,
    SquareRule,
    WSquare,
    ZBox,
    ZPlus,
    fast_supported,
)

__all__ = [
    "COMPOSITES",
    "CompositeSpec",
    "ExpressionRule",
    "RuleComposite",
    "make_composite",
]


def _braindecode_types():
    try:
        from braindecode.functional import safe_log, square
        from braindecode.modules import (
            AvgPool2dWithConv,
            Chomp1d,
            Ensure4d,
            Expression,
            SafeLog,
            Square,
            SqueezeFinalOutput,
        )
        from braindecode.modules.activation import LogActivation
    except ImportError:  # pragma: no cover
        return {}
    return {
        "square": (Square,),
        "log": (SafeLog, LogActivation),
        "pool": (AvgPool2dWithConv,),
        "route": (Ensure4d, Chomp1d, SqueezeFinalOutput),
        "expression": Expression,
        "square_fn": (square,),
        "log_fn": (safe_log,),
    }


def _einops_types():
    try:
        from einops.layers.torch import Rearrange
    except ImportError:  # pragma: no cover
        return ()
    return (Rearrange,)


_ROUTE_TYPES = (
    nn.Identity,
    nn.Flatten,
    nn.Unflatten,
    nn.modules.dropout._DropoutNd,
    MaxPool,
)


class ExpressionRule(ActivationPass):
    """Rule for an arbitrary ``Expression(fn)``: pass if element-wise, else route.

    A braindecode ``Expression`` wraps any function, so nothing is known about
    it. If its output has the input's shape it is treated as an element-wise
    activation (relevance passed, as :class:`~eegxai.explain.rules.ActivationPass`);
    otherwise it is assumed to move values (reshape/permute) and the gradient
    routes relevance, as :class:`~eegxai.explain.rules.Route`. ``Expression``
    wrapping braindecode's ``square``/``safe_log`` get the square/log rules.
    """

    def backward(self, module, grad_input, grad_output):  # noqa: D102
        if grad_input[0] is not None and grad_input[0].shape == grad_output[0].shape:
            return grad_output
        return None


def _zennit_equivalent(rule: FastRule):
    """Zennit's version of a fast rule, for layers the fast path cannot handle."""
    if isinstance(rule, Epsilon):
        return zennit_rules.Epsilon(epsilon=rule.epsilon, zero_params=rule.zero_params)
    stab = rule.stabilizer_value
    if isinstance(rule, AlphaBeta):
        return zennit_rules.AlphaBeta(
            alpha=rule.alpha,
            beta=rule.beta,
            stabilizer=stab,
            zero_params=rule.zero_params,
        )
    if isinstance(rule, ZPlus):  # no fallback for neurons without positive input
        return zennit_rules.ZPlus(stabilizer=stab, zero_params=rule.zero_params)
    if isinstance(rule, Flat):
        return zennit_rules.Flat(stabilizer=stab, zero_params=rule.zero_params)
    return zennit_rules.WSquare(stabilizer=stab, zero_params=rule.zero_params)


def _lrp0_denominator(z):
    """LRP-0's denominator, ``ε = 0`` exactly, with ``0/0 := 0``.

    A neuron with ``z_k = 0`` (e.g. a pooling window of zero ReLU outputs)
    receives no relevance under LRP-0 (``R_k ∝ a_k = 0``); dividing by 1 there
    keeps that 0 instead of NaN, and every other denominator is exact.
    """
    return torch.where(z == 0, torch.ones_like(z), z)


def _rule_factories(kwargs: dict[str, Any]) -> dict[str, Any]:
    stab = kwargs.get("stabilizer", 1e-6)
    eps = kwargs.get("epsilon", 1e-6)
    eps = _lrp0_denominator if eps == 0 else eps  # ε = 0 is LRP-0: honour it
    return {
        "epsilon": lambda: Epsilon(epsilon=eps),
        "zplus": lambda: ZPlus(stabilizer=stab),
        "alpha2_beta1": lambda: AlphaBeta(alpha=2.0, beta=1.0, stabilizer=stab),
        "gamma": lambda: Gamma(gamma=kwargs.get("gamma", 0.25), stabilizer=stab),
        "wsquare": lambda: WSquare(stabilizer=stab),
        "flat": lambda: Flat(stabilizer=stab),
        "zbox": lambda: ZBox(low=kwargs["low"], high=kwargs["high"], stabilizer=stab),
        "pool_norm": lambda: PoolNorm(stabilizer=stab),
        # the ε composite is LRP-ε for pooling too: same ε as the linear layers
        # (ε = 0 is LRP-0 and must stay 0: no ``or`` fallback to the stabilizer)
        "pool_epsilon": lambda: PoolNorm(
            stabilizer=eps if kwargs.get("epsilon") is not None else stab
        ),
        "pool_plus": lambda: PoolPlus(stabilizer=stab),
        "stabilizer": stab,
    }


@dataclass(frozen=True)
class CompositeSpec:
    """Description of a named composite.

    Attributes
    ----------
    first, conv, dense : str
        Rule of the first linear layer, of the other convolutions, and of dense
        layers (including the output layer).
    pool : str
        ``"pool_norm"`` (LRP-0 with the stabiliser), ``"pool_epsilon"``
        (LRP-ε with the composite's ε) or ``"pool_plus"`` (z+) for average
        pooling.
    params : dict
        Accepted keyword arguments and their defaults (``None`` = required).
    reference : str
        Where the composite comes from.
    """

    first: str
    conv: str
    dense: str
    pool: str = "pool_norm"
    params: dict[str, Any] = field(default_factory=dict)
    reference: str = ""


_EPS = {"epsilon": 1e-6, "stabilizer": 1e-6}
_STAB = {"stabilizer": 1e-6}

COMPOSITES: dict[str, CompositeSpec] = {
    "epsilon": CompositeSpec(
        "epsilon",
        "epsilon",
        "epsilon",
        pool="pool_epsilon",
        params=_EPS,
        reference="LRP-ε everywhere: Bach et al. 2015 (eq. 58); Montavon et al. 2019",
    ),
    "alpha1_beta0": CompositeSpec(
        "zplus",
        "zplus",
        "zplus",
        pool="pool_plus",
        params=_STAB,
        reference="αβ with α=1, β=0 (z+) everywhere: Bach et al. 2015 (eq. 60); "
        "Montavon et al. 2017 (deep Taylor, z+)",
    ),
    "alpha2_beta1": CompositeSpec(
        "alpha2_beta1",
        "alpha2_beta1",
        "alpha2_beta1",
        params=_STAB,
        reference="αβ with α=2, β=1 everywhere: Bach et al. 2015 (eq. 60)",
    ),
    "epsilon_plus": CompositeSpec(
        "zplus",
        "zplus",
        "epsilon",
        params=_EPS,
        reference="z+ on convolutions, ε on dense layers: Kohlbrenner et al. 2020",
    ),
    "epsilon_plus_flat": CompositeSpec(
        "flat",
        "zplus",
        "epsilon",
        params=_EPS,
        reference="flat on the first layer, z+ on convolutions, ε on dense layers: "
        "Lapuschkin et al. 2019; Kohlbrenner et al. 2020",
    ),
    "epsilon_alpha2_beta1": CompositeSpec(
        "alpha2_beta1",
        "alpha2_beta1",
        "epsilon",
        params=_EPS,
        reference="αβ(2,1) on convolutions, ε on dense layers: Kohlbrenner et al. 2020",
    ),
    "epsilon_alpha2_beta1_flat": CompositeSpec(
        "flat",
        "alpha2_beta1",
        "epsilon",
        params=_EPS,
        reference="flat first layer, αβ(2,1) on convolutions, ε on dense layers: "
        "Kohlbrenner et al. 2020",
    ),
    "epsilon_gamma_wsquare": CompositeSpec(
        "wsquare",
        "gamma",
        "epsilon",
        params={**_EPS, "gamma": 0.25},
        reference="w² on the first layer (unbounded input), γ on convolutions, ε on "
        "dense layers: Montavon et al. 2017 (w²), Montavon et al. 2019 (γ, ε)",
    ),
    "epsilon_gamma_box": CompositeSpec(
        "zbox",
        "gamma",
        "epsilon",
        params={**_EPS, "gamma": 0.25, "low": None, "high": None},
        reference="z^B on the first layer (bounded input in [low, high]), γ on "
        "convolutions, ε on dense layers: Montavon et al. 2017, 2019",
    ),
}


class RuleComposite(Composite):
    """A zennit composite built from a :class:`CompositeSpec`.

    After :meth:`register`, ``assignments`` maps each leaf module name to the
    name of its rule class and ``unassigned`` lists leaves without a rule. When
    ``track_budget`` is true, every rule that can absorb relevance records, per
    backward pass, ``Σ R(output) − Σ R(input)`` per sample in ``absorbed``
    (module name → list of tensors of shape ``(n_samples,)``).

    Parameters
    ----------
    spec : CompositeSpec
        The rules.
    rule_kwargs : dict
        Keyword arguments of the rules (ε, γ, low, high, stabilizer).
    track_budget : bool
        Record the relevance each rule absorbs (bias and stabiliser share).
    execution_order : list of str | None
        Names of the leaf modules in the order the model runs them
        (:func:`eegxai.explain._modules.execution_order`). The *first* and
        *dense* roles follow it; None falls back to registration order.
    """

    def __init__(
        self,
        spec: CompositeSpec,
        rule_kwargs: dict,
        track_budget=False,
        execution_order: list[str] | None = None,
    ):
        super().__init__(module_map=None, canonizers=None)
        self.spec = spec
        self.factories = _rule_factories(rule_kwargs)
        self.track_budget = track_budget
        self.execution_order = execution_order
        self.assignments: dict[str, str] = {}
        self.unassigned: list[str] = []
        self.absorbed: dict[str, list] = defaultdict(list)
        self._bd = _braindecode_types()
        self._rearrange = _einops_types()

    def rule_for(self, name: str, module: nn.Module, first: str, last: str):
        """The rule template for leaf ``module`` (or ``None`` when unknown)."""
        bd = self._bd
        if isinstance(module, LinearTypes):
            if name == first:
                role = self.spec.first
            elif name == last or isinstance(module, nn.Linear):
                role = self.spec.dense
            else:
                role = self.spec.conv
            rule = self.factories[role]()
            if isinstance(rule, FastRule) and not fast_supported(module):
                rule = _zennit_equivalent(rule)
            return rule
        if isinstance(module, bd.get("square", ())):
            return SquareRule()
        if isinstance(module, bd.get("log", ())):
            return LogRule()
        if bd and isinstance(module, bd["expression"]):
            fn = getattr(module.expression_fn, "func", module.expression_fn)
            if fn in bd["square_fn"]:
                return SquareRule()
            if fn in bd["log_fn"]:
                return LogRule()
            return ExpressionRule()
        if isinstance(module, AvgPool) or isinstance(module, bd.get("pool", ())):
            return self.factories[self.spec.pool]()
        if isinstance(module, Activation):
            return ActivationPass()
        if isinstance(module, BatchNorm):
            return AffineNorm(stabilizer=self.factories["stabilizer"])
        if isinstance(module, _ROUTE_TYPES + bd.get("route", ()) + self._rearrange):
            return Route()
        return None

    def register(self, module: nn.Module) -> None:
        """Attach a rule to every leaf of ``module`` (canonize it first)."""
        self.remove()
        self.assignments = {}
        self.unassigned = []
        self.absorbed = defaultdict(list)
        named = dict(module.named_modules())
        ran = [n for n in (self.execution_order or []) if n in named]
        # the order of execution, then modules that did not run (registration order)
        names = ran + [n for n in named if n not in set(ran)]
        linear = [n for n in names if isinstance(named[n], LinearTypes)]
        first = linear[0] if linear else None
        last = linear[-1] if linear else None
        for name, child in module.named_modules():
            if next(child.children(), None) is not None:
                continue
            template = self.rule_for(name, child, first, last)
            if template is None:
                self.unassigned.append(name)
                continue
            self.assignments[name] = type(template).__name__
            hook = template.copy()
            if self.track_budget and not isinstance(hook, CONSERVING_RULES):
                hook.backward = self._accounting(hook.backward, name)
            self.hook_refs.add(hook)
            self.handles.append(hook.register(child))

    def _accounting(self, backward, name):
        absorbed = self.absorbed

        def wrapped(module, grad_input, grad_output):
            result = backward(module, grad_input, grad_output)
            r_in = next((r for r in result if r is not None), None)
            if r_in is not None:
                r_out = grad_output[0]
                absorbed[name].append(
                    (r_out.flatten(1).sum(1) - r_in.flatten(1).sum(1)).detach()
                )
            return result

        return wrapped


def check_rule_kwargs(composite: str, rule_kwargs: dict) -> dict:
    """Validate ``rule_kwargs`` for ``composite``; return them with defaults."""
    spec = COMPOSITES[composite]
    merged = check_kwargs(rule_kwargs, spec.params, owner=f"composite {composite!r}")
    missing = [k for k, v in merged.items() if v is None]
    if missing:
        raise TypeError(
            f"Composite {composite!r} requires the keyword argument {missing[0]!r}."
        )
    for key in ("epsilon", "stabilizer", "gamma"):
        if key in merged:
            value = merged[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(
                    f"{key!r} must be a float, but got {type(value).__name__} "
                    f"({value!r}) instead."
                )
            if value < 0 or (key == "stabilizer" and value == 0):
                raise ValueError(f"{key!r} must be >= 0, but got {value!r} instead.")
    return merged


def make_composite(
    composite: str = "epsilon_plus_flat",
    *,
    track_budget: bool = False,
    execution_order: list[str] | None = None,
    **rule_kwargs,
) -> RuleComposite:
    """Build the named composite.

    Parameters
    ----------
    composite : str
        One of :data:`COMPOSITES`.
    track_budget : bool
        Record the relevance absorbed by biases and stabilisers.
    execution_order : list of str | None
        Leaf module names in the order the model runs them: the first-layer
        and dense roles follow it (:func:`~eegxai.explain.explain` passes it);
        None = registration order.
    **rule_kwargs
        Rule parameters accepted by the composite (e.g. ``epsilon=1e-9``,
        ``gamma=0.25``); anything else raises ``TypeError``.

    Returns
    -------
    composite : RuleComposite
        Register it on a canonized model (``with composite.context(model):``).
    """
    from .._check import check_option

    check_option("composite", composite, COMPOSITES)
    kwargs = check_rule_kwargs(composite, rule_kwargs)
    return RuleComposite(
        COMPOSITES[composite],
        kwargs,
        track_budget=track_budget,
        execution_order=execution_order,
    )
