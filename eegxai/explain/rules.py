r"""LRP rules for every leaf module, on top of zennit's rule machinery.

Linear layers (``nn.Linear``, ``nn.Conv*``) use zennit's rules (ε, γ, αβ, w²,
flat, z^B) unchanged, except two that are written here:

* :class:`Epsilon` computes the same numbers as ``zennit.rules.Epsilon`` but
  reuses the layer's forward output instead of recomputing it: the incoming
  relevance is divided by the stabilised output *before* the layer's ordinary
  backward, and the result is multiplied by the input afterwards, so the rule
  costs one ordinary backward through the layer (zennit: one extra forward and
  one extra backward).
* :class:`ZPlus` (= αβ with α=1, β=0) adds a fallback for neurons that have no
  positive contribution at all. zennit's z+ drops their relevance, which breaks
  conservation in layers with few inputs per neuron (EEGNet's depthwise spatial
  convolution over 3 electrodes: 1 neuron in 8); here it goes to the negative
  contributions in proportion, which keeps it non-negative and conserved.

Everything else in a network gets an explicit rule as well, so that no
computation is silently explained by the plain gradient:

===========================  ===========================  =========================
modules                      rule                         conservation
===========================  ===========================  =========================
Square (x²)                  :class:`SquareRule`          exact
SafeLog, log                 :class:`LogRule`             exact
ELU, ReLU, tanh, ... (1→1)   :class:`ActivationPass`      exact
average pooling              :class:`PoolNorm` /          exact (positive weights)
                             :class:`PoolPlus`
max pooling                  :class:`Route`               exact (winner takes all)
reshape, permute, squeeze,   :class:`Route`               exact (permutation /
Ensure4d, Rearrange,                                      copy of values)
Flatten, Dropout (eval),
Identity, Chomp
batch norm (not mergeable)   :class:`AffineNorm`          ε-rule; shift absorbs
===========================  ===========================  =========================

The square → mean-pool → log chain (log band power)
---------------------------------------------------
ShallowFBCSPNet computes, per spatial filter k and pooling window w,
``l_kw = log(max(p_kw, eps))`` with ``p_kw = (1/K) Σ_{t∈w} a_kt`` and
``a_kt = z_kt²``; the classifier then forms ``f = Σ_kw v_kw l_kw + c``.

* Classifier: any linear rule gives ``R(l_kw)`` with ``Σ R(l) = f`` (minus the
  bias share), e.g. ``R(l_kw) = v_kw l_kw / f · f`` for LRP-0.
* Log (:class:`LogRule`): ``l = log p`` is a strictly increasing, element-wise
  map. As for ReLU-type activations (Montavon et al. 2018, sec. 4), an
  element-wise monotone map is treated as part of the neuron: the relevance of
  its output *is* the relevance of its input, ``R(p_kw) = R(l_kw)``. The log
  layer's output value is what the classifier distributed; the log rule only
  passes that budget down, so ``Σ R(p) = Σ R(l)`` exactly. (Using the gradient
  instead would give ``R(l)/p``, which is not a relevance at all and breaks
  conservation — the error plain zennit makes on this model.) If the clamp is
  active (``p < eps``) the output is a constant, but the relevance still goes to
  the pooled power: it is the pooled power being small that produced it.
* Mean pool (:class:`PoolNorm`): a linear map with positive weights ``1/K`` and
  non-negative inputs ``a ≥ 0``, so all LRP rules for linear layers (LRP-0, ε,
  z+) agree: ``R(a_kt) = Σ_w (a_kt / K) / p_kw · R(p_kw)``; ``Σ R(a) = Σ R(p)``
  whenever ``p > 0`` (a window of exact zeros keeps nothing).
* Square (:class:`SquareRule`): ``a = z²`` is homogeneous of degree 2, so by
  Euler's theorem ``z ∂a/∂z = 2a``. Distributing ``R(a)`` in proportion to the
  contribution ``z ∂a/∂z`` and normalising gives
  ``R(z) = (z ∂a/∂z) / (2a) · R(a) = R(a)`` — the whole quadratic contribution
  belongs to ``z``, relevance is passed through, ``Σ R(z) = Σ R(a)``.

Hence the chain conserves exactly and is sign-preserving: a non-negative ``R(l)``
(e.g. from z+ with a positive logit) stays non-negative down to ``z``, where the
linear rules of the spatial and temporal convolutions take over.

References
----------
.. [1] Bach, S., Binder, A., Montavon, G., Klauschen, F., Müller, K.-R. & Samek, W.
   (2015). On pixel-wise explanations for non-linear classifier decisions by
   layer-wise relevance propagation. PLoS ONE 10(7), e0130140.
.. [2] Montavon, G., Lapuschkin, S., Binder, A., Samek, W. & Müller, K.-R. (2017).
   Explaining nonlinear classification decisions with deep Taylor decomposition.
   Pattern Recognition 65, 211–222.
.. [3] Montavon, G., Samek, W. & Müller, K.-R. (2018). Methods for interpreting
   and understanding deep neural networks. Digital Signal Processing 73, 1–15.
.. [4] Montavon, G., Binder, A., Lapuschkin, S., Samek, W. & Müller, K.-R. (2019).
   Layer-wise relevance propagation: an overview. In Explainable AI, LNCS 11700.
.. [5] Kohlbrenner, M., Bauer, A., Nakajima, S., Binder, A., Samek, W. &
   Lapuschkin, S. (2020). Towards best practice in explaining neural network
   decisions with LRP. IJCNN.
"""

from __future__ import annotations

import weakref

import torch
from zennit.core import BasicHook, Hook, RemovableHandleList, Stabilizer
from zennit.rules import (
    AlphaBeta,
    ClampMod,
    Flat,
    Gamma,
    NoMod,
    Norm,
    Pass,
    WSquare,
    ZBox,
    zero_bias,
)

__all__ = [
    "ActivationPass",
    "AffineNorm",
    "AlphaBeta",
    "Epsilon",
    "Flat",
    "Gamma",
    "LogRule",
    "PoolNorm",
    "PoolPlus",
    "Route",
    "SquareRule",
    "WSquare",
    "ZBox",
    "ZPlus",
]


class Epsilon(Hook):
    r"""LRP-ε rule, reusing the layer's forward output (Bach et al. 2015, eq. 58).

    ``R_j = Σ_k x_j w_jk / (z_k + ε sign(z_k)) R_k`` with ``z_k = Σ_j x_j w_jk + b_k``.
    Numerically identical to ``zennit.rules.Epsilon``. Implementation: a
    pre-hook on the layer's backward node replaces the incoming relevance ``R_k``
    by ``R_k / (z_k ± ε)``; the ordinary backward then yields
    ``Σ_k w_jk R_k / (z_k ± ε)`` and the input hook multiplies by ``x_j``.

    Parameters
    ----------
    epsilon : float
        Stabiliser ε added with the sign of ``z`` (``+ε`` for ``z = 0``).
    zero_params : list of str | None
        Parameters set to zero in the denominator (e.g. ``["bias"]``); the
        forward is then recomputed once, as in zennit.
    """

    def __init__(self, epsilon=1e-6, zero_params=None):
        super().__init__()
        self.epsilon = epsilon
        self.zero_params = zero_params
        self.stabilizer = Stabilizer.ensure(epsilon)

    def copy(self):  # noqa: D102
        return self.__class__(epsilon=self.epsilon, zero_params=self.zero_params)

    def forward(self, module, input, output):  # noqa: D102
        self.stored_tensors["input"] = input

    def post_forward(self, module, input, output):  # noqa: D102
        out = output[0] if isinstance(output, tuple) else output
        if out.grad_fn is not None:
            hook_ref = weakref.ref(self)
            if self.zero_params:
                with torch.no_grad(), NoMod(zero_params=self.zero_params)(module) as m:
                    denominator = self.stabilizer(m.forward(input[0]))
            else:
                denominator = self.stabilizer(out.detach())

            def prehook(grad_outputs):
                hook = hook_ref()
                if hook is None or not hook.active:
                    return None
                hook.stored_tensors["grad_output"] = grad_outputs
                return (grad_outputs[0] / denominator,) + tuple(grad_outputs[1:])

            self.tensor_handles.append(out.grad_fn.register_prehook(prehook))
        return output

    def backward(self, module, grad_input, grad_output):  # noqa: D102
        return (self.stored_tensors["input"][0] * grad_input[0],)


class ZPlus(BasicHook):
    r"""z+ rule = αβ with α=1, β=0, for signed inputs, with a conserving fallback.

    Positive contributions are ``(x_j w_jk)^+ = x_j^+ w_jk^+ + x_j^- w_jk^-``
    (plus ``b_k^+``); ``R_j = Σ_k (x_j w_jk)^+ / Σ_j (x_j w_jk)^+ R_k``
    (Bach et al. 2015, eq. 60; Montavon et al. 2017, z+). For a neuron ``k`` with
    no positive contribution the ratio is undefined and zennit drops ``R_k``; here
    ``R_k`` is distributed over the negative contributions instead,
    ``(x_j w_jk)^- / Σ_j (x_j w_jk)^-``. Both shares are non-negative and sum to
    one, so relevance is conserved and keeps its sign.

    Parameters
    ----------
    stabilizer : float
        Added to denominators (with their sign) to avoid division by zero.
    zero_params : list of str | None
        Parameters set to zero in all terms (e.g. ``["bias"]``).
    """

    def __init__(self, stabilizer=1e-6, zero_params=None):
        stab = Stabilizer.ensure(stabilizer)
        keep = {"zero_params": zero_params}
        nobias = {"zero_params": zero_bias(zero_params)}

        def gradient_mapper(out_grad, outputs):
            positive = outputs[0] + outputs[1]
            negative = outputs[2] + outputs[3]
            has_positive = (positive > 0).to(out_grad)
            g_pos = out_grad * has_positive / stab(positive)
            g_neg = out_grad * (1 - has_positive) / stab(negative)
            return [g_pos, g_pos, g_neg, g_neg]

        super().__init__(
            input_modifiers=[
                lambda x: x.clamp(min=0),
                lambda x: x.clamp(max=0),
                lambda x: x.clamp(min=0),
                lambda x: x.clamp(max=0),
            ],
            param_modifiers=[
                ClampMod(min=0.0, **keep),
                ClampMod(max=0.0, **nobias),
                ClampMod(max=0.0, **keep),
                ClampMod(min=0.0, **nobias),
            ],
            output_modifiers=[lambda o: o] * 4,
            gradient_mapper=gradient_mapper,
            reducer=lambda inputs, grads: sum(
                i * g for i, g in zip(inputs, grads, strict=True)
            ),
        )


class PoolPlus(BasicHook):
    r"""z+ rule for average pooling: ``R_j = x_j^+ / Σ_j x_j^+ · R`` per window.

    Average pooling is linear with positive weights ``1/K``, so z+ keeps only the
    positive inputs (``zennit.rules.ZPlus`` cannot, because pooling has no weight
    parameter to clamp and it degenerates to LRP-0). Windows without a positive
    input fall back to the negative inputs, as in :class:`ZPlus`.
    """

    def __init__(self, stabilizer=1e-6):
        stab = Stabilizer.ensure(stabilizer)

        def gradient_mapper(out_grad, outputs):
            has_positive = (outputs[0] > 0).to(out_grad)
            return [
                out_grad * has_positive / stab(outputs[0]),
                out_grad * (1 - has_positive) / stab(outputs[1]),
            ]

        super().__init__(
            input_modifiers=[lambda x: x.clamp(min=0), lambda x: x.clamp(max=0)],
            param_modifiers=[NoMod(param_keys=[]), NoMod(param_keys=[])],
            output_modifiers=[lambda o: o] * 2,
            gradient_mapper=gradient_mapper,
            reducer=lambda inputs, grads: inputs[0] * grads[0] + inputs[1] * grads[1],
        )


class PoolNorm(Norm):
    r"""LRP-0 for average pooling: ``R_j = (x_j / K) / (Σ_j x_j / K) · R`` per window.

    zennit's ``Norm`` rule with its stabiliser; exact for non-negative inputs
    (squared activations) and conserving whenever the window mean is not zero.
    """


class AffineNorm(Norm):
    r"""ε-type rule for a batch norm that could not be merged into a layer.

    The element-wise affine map ``y = a x + c`` gets ``R(x) = a x / y · R(y)``;
    the share ``c / y · R(y)`` is absorbed by the shift (reported as bias
    relevance). zennit passes relevance through batch norms unchanged, which
    ignores the shift.
    """


class ActivationPass(Pass):
    r"""Pass relevance through an element-wise activation: ``R(x) = R(y)``.

    The standard treatment of ReLU-type nonlinearities in LRP (Montavon et al.
    2018): the activation is part of the neuron whose pre-activation the next
    linear rule already weighted. Exact conservation. Used for ELU, ReLU, LeakyReLU,
    tanh, sigmoid, GELU, ... (zennit's ``Activation`` types).
    """


class SquareRule(Pass):
    r"""Rule for ``a = z²`` (braindecode ``Square``): ``R(z) = R(a)``.

    Derivation: ``a`` is homogeneous of degree 2, ``z ∂a/∂z = 2a`` (Euler), so the
    share of ``z`` in ``a`` is ``z ∂a/∂z / (2a) = 1``. The gradient would return
    ``2 z R(a)`` instead, which is not conserving. Exact conservation.
    """


class LogRule(Pass):
    r"""Rule for ``l = log(max(p, eps))`` (braindecode ``SafeLog``): ``R(p) = R(l)``.

    ``log`` is treated as a monotone element-wise activation: the relevance the
    next layer assigned to the value ``l`` is passed to ``p`` unchanged (see the
    module docstring for the whole square → pool → log chain). The gradient
    would return ``R(l) / p``. Exact conservation.
    """


class Route(Hook):
    r"""Rule for modules whose gradient moves values without mixing them.

    Reshapes, permutations, squeezes (``Ensure4d``, ``Rearrange``, ``Flatten``,
    braindecode's ``SqueezeFinalOutput``), ``Identity``, eval-mode ``Dropout``,
    cropping (``Chomp1d``) and max pooling: the Jacobian is a 0/1 selection, so
    the ordinary backward sends each output's relevance to the input element it
    came from (max pooling: the winner; Montavon et al. 2019, sec. 10.2.2).
    Exact conservation. The rule registers no hook at all.
    """

    def register(self, module):  # noqa: D102
        return RemovableHandleList([])

    def copy(self):  # noqa: D102
        return self.__class__()


# Rules that only pass or route relevance: they neither create nor absorb any.
CONSERVING_RULES = (Route, ActivationPass, SquareRule, LogRule)

# Re-exported zennit rules (used unchanged): AlphaBeta, Gamma, WSquare, Flat, ZBox.
_ = (AlphaBeta, Gamma, WSquare, Flat, ZBox)
