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

import torch
import torch.nn.functional as F
from zennit.core import BasicHook, Hook, RemovableHandleList, Stabilizer
from zennit.rules import Gamma, NoMod, Norm, Pass, ZBox

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


def fast_supported(module) -> bool:
    """Whether the fast rules below can handle ``module`` (else use zennit's)."""
    if isinstance(module, torch.nn.Linear):
        return True
    if isinstance(module, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)):
        return not isinstance(module.padding, str) and module.padding_mode == "zeros"
    return False


def _full_width(module, input_shape) -> bool:
    """A Conv2d whose (1 × K) kernel spans the whole last axis of its input.

    braindecode's spatial convolution (``conv_spat`` after splitting
    ``CombinedConv``) is such a layer: a dense map over (filters × channels) at
    every time step. As a matrix product it runs several times faster on the
    CPU than oneDNN's convolution (and its input-gradient) with a wide kernel,
    which dominated the cost of LRP on 64-channel data.
    """
    return (
        isinstance(module, torch.nn.Conv2d)
        and module.groups == 1
        and tuple(module.stride) == (1, 1)
        and tuple(module.dilation) == (1, 1)
        and tuple(module.padding) == (0, 0)
        and module.kernel_size[0] == 1
        and len(input_shape) == 4
        and module.kernel_size[1] == input_shape[-1]
    )


def _temporal(module, input_shape) -> bool:
    """A Conv2d with one input channel and a (K × 1) kernel over many columns.

    braindecode's temporal convolution (``conv_time`` after splitting
    ``CombinedConv``) is such a layer, with EEG channels as columns. oneDNN runs
    it slowly on the CPU (a single input channel); as a batched matrix product
    over time steps it is several times faster, and its output comes out laid
    out as (trials, times, filters, channels), which is the layout the spatial
    convolution's matrix product (:func:`_full_width`) reads without a copy.
    """
    return (
        isinstance(module, torch.nn.Conv2d)
        and module.in_channels == 1
        and module.groups == 1
        and module.kernel_size[1] == 1
        and tuple(module.stride) == (1, 1)
        and tuple(module.dilation) == (1, 1)
        and tuple(module.padding) == (0, 0)
        and len(input_shape) == 4
    )


def _temporal_conv(x, weight, bias):
    """``conv2d(x, weight, bias)`` for :func:`_temporal` layers, per trial.

    Laid out as (trials, times, filters, columns), returned as a
    (trials, filters, times, columns) view. For trial ``n`` and time ``t`` the
    output (filters × columns) is
    ``W @ x[n, 0, t:t + K, :]`` with ``W`` of shape (filters, K); the windows
    are overlapping views of the input (no copy).
    """
    x = x.contiguous()
    n, _, t, c = x.shape
    differentiable = torch.is_grad_enabled() and (
        x.requires_grad or weight.requires_grad
    )
    if c < 16 or differentiable or x.device.type != "cpu":
        # few columns: oneDNN is faster (cuDNN on a GPU; out= below cannot
        # record a graph)
        out = F.conv2d(x, weight, bias)
        return out.permute(0, 2, 1, 3).contiguous().permute(0, 2, 1, 3)
    o, k = weight.shape[0], weight.shape[2]
    steps = t - k + 1
    w = weight.reshape(o, k)
    out = torch.empty((n, steps, o, c), dtype=x.dtype, device=x.device)
    w = w.expand(steps, o, k)
    b = None if bias is None else bias.view(1, o, 1).expand(steps, o, c)
    for i in range(n):
        windows = x[i, 0].as_strided((steps, k, c), (c, c, 1))
        if b is None:
            torch.bmm(w, windows, out=out[i])
        else:
            torch.baddbmm(b, w, windows, out=out[i])
    return out.permute(0, 2, 1, 3)


def _apply(module, x, weight, bias):
    """The layer's affine map with other parameters."""
    if isinstance(module, torch.nn.Linear):
        return F.linear(x, weight, bias)
    if _temporal(module, x.shape):
        return _temporal_conv(x, weight, bias)
    if _full_width(module, x.shape):
        # (N, I, H, K) x (O, I, 1, K) -> (N, O, H, 1)
        n, i, h, k = x.shape
        flat = x.permute(0, 2, 1, 3).reshape(n, h, i * k)
        out = F.linear(flat, weight.reshape(weight.shape[0], i * k), bias)
        return out.permute(0, 2, 1).unsqueeze(-1)
    conv = {3: F.conv1d, 4: F.conv2d, 5: F.conv3d}[weight.ndim]
    return conv(
        x, weight, bias, module.stride, module.padding, module.dilation, module.groups
    )


def _apply_transposed(module, input_shape, weight, grad):
    """``W^T grad`` for the layer's linear map with weight ``weight`` (a VJP)."""
    if isinstance(module, torch.nn.Linear):
        return grad @ weight
    if _full_width(module, input_shape):
        # (N, O, H, 1) x (O, I, 1, K) -> (N, I, H, K)
        n, i, h, k = input_shape
        out = grad[..., 0].transpose(1, 2) @ weight.reshape(weight.shape[0], i * k)
        return out.reshape(n, h, i, k).permute(0, 2, 1, 3)
    fn = {
        3: torch.nn.grad.conv1d_input,
        4: torch.nn.grad.conv2d_input,
        5: torch.nn.grad.conv3d_input,
    }[weight.ndim]
    return fn(
        input_shape,
        weight,
        grad,
        module.stride,
        module.padding,
        module.dilation,
        module.groups,
    )


def _split_transposed(module, x, weight_a, weight_b, grad):
    """``(W_a^T grad, W_b^T grad)`` with a single transposed call."""
    if isinstance(module, torch.nn.Linear) or module.groups != 1:
        return (
            _apply_transposed(module, x.shape, weight_a, grad),
            _apply_transposed(module, x.shape, weight_b, grad),
        )
    both = torch.cat([weight_a, weight_b], dim=1)  # (out, 2 * in, *kernel)
    shape = (x.shape[0], 2 * x.shape[1], *x.shape[2:])
    return _apply_transposed(module, shape, both, grad).chunk(2, dim=1)


class _RuleFunction(torch.autograd.Function):
    """Connect a layer's input to its (graph-free) output through a rule."""

    @staticmethod
    def forward(ctx, x, output, hook, module):
        ctx.save_for_backward(x, output)
        ctx.hook, ctx.module = hook, module
        return output.view_as(output)

    @staticmethod
    def backward(ctx, relevance):
        x, output = ctx.saved_tensors
        (r_in,) = ctx.hook.backward(ctx.module, (x, output), (relevance,))
        return r_in, None, None, None


class FastRule(Hook):
    """Base of the rules written here for speed, with zennit's Hook interface.

    zennit's ``BasicHook`` runs the layer's ordinary backward (whose result it
    then discards) and, in the backward pass, one extra forward *and* backward
    per input/parameter modifier. Here the layer's forward runs without building
    a graph, and a custom autograd function computes the relevance directly
    from the stored input and output with transposed convolutions only. The
    numbers are the same (tested against numpy and zennit).

    Subclasses implement ``relevance(module, x, output, R) -> R_in``.
    """

    def register(self, module):  # noqa: D102
        state = {}

        def pre(mod, args):
            state["grad"] = torch.is_grad_enabled()
            state["connect"] = state["grad"] and args[0].requires_grad
            if state["connect"]:
                torch.set_grad_enabled(False)

        def post(mod, args, output):
            torch.set_grad_enabled(state["grad"])
            if state["connect"]:
                return _RuleFunction.apply(args[0], output, self, mod)
            return None

        handles = [
            module.register_forward_pre_hook(pre),
            module.register_forward_hook(post),
        ]
        # lets a container (canonizers.SplitConv) run this rule itself, fused
        # with the next layer's, as long as these are the module's only hooks
        module._eegxai_rule = (self, {h.id for h in handles})
        return RemovableHandleList([*handles, _ForgetRule(module)])

    def backward(self, module, grad_input, grad_output):  # noqa: D102
        x, output = grad_input
        with torch.no_grad():
            return (self.relevance(module, x, output, grad_output[0]),)

    def relevance(self, module, x, output, relevance):  # pragma: no cover
        raise NotImplementedError


class _ForgetRule:
    """Handle that removes the rule marker :meth:`FastRule.register` sets."""

    def __init__(self, module):
        self.module = module

    def remove(self):
        self.module.__dict__.pop("_eegxai_rule", None)


def _plain_rule(module):
    """The :class:`FastRule` of ``module`` if it is the only thing hooked there."""
    rule, ids = module.__dict__.get("_eegxai_rule", (None, ()))
    if rule is None or "backward" in vars(rule):  # accounting wraps backward
        return None
    hooked = set(module._forward_hooks) | set(module._forward_pre_hooks)
    if hooked != ids or module._backward_hooks or module._backward_pre_hooks:
        return None
    return rule


#: Elements of the intermediate map per chunk of the fused pair (8 MB float32):
#: small enough to stay in the CPU cache between the steps of both rules.
PAIR_CHUNK_ELEMENTS = 2**21


def fused_pair(first, second, x):
    """``second(first(x))`` whose LRP backward runs both rules chunk by chunk.

    Used for braindecode's split ``CombinedConv`` (temporal then spatial
    convolution). Run layer by layer, the rules of the two layers keep the whole
    intermediate map, shape (n_trials, n_filters, n_times, n_chans) — on
    64-channel EEG several times the input — and make several passes over it
    (sign splits, quotients, products, sums), each limited by memory bandwidth.
    Here the forward keeps only the input and the (small) output; the backward
    recomputes the intermediate map for a few trials at a time and applies the
    second layer's rule and then the first layer's rule to that chunk, so the
    big tensors never leave the cache. Every rule acts on each trial alone, so
    the relevance is the same as layer by layer (same operations, per trial).

    Returns None (caller runs the layers one by one) unless both layers carry a
    :class:`FastRule` and nothing else is hooked on them, gradients are being
    recorded and ``x`` requires them.
    """
    if not (torch.is_grad_enabled() and x.requires_grad):
        return None
    rules = (_plain_rule(first), _plain_rule(second))
    if None in rules:
        return None
    return _FusedPair.apply(x, first, second, *rules)


def _forward(module, x):
    """The module's own forward, through the matrix-product fast paths if any."""
    if fast_supported(module):
        return _apply(module, x, module.weight, module.bias)
    return module(x)


def _chunks(first, x):
    """Slices over trials holding about :data:`PAIR_CHUNK_ELEMENTS` elements."""
    if x.device.type != "cpu":
        return [slice(0, x.shape[0])]
    with torch.no_grad():
        per_trial = _forward(first, x[:1]).numel()
    step = max(1, PAIR_CHUNK_ELEMENTS // max(per_trial, 1))
    return [slice(i, i + step) for i in range(0, x.shape[0], step)]


class _FusedPair(torch.autograd.Function):
    """Autograd node of :func:`fused_pair` (forward without graph, rule backward)."""

    @staticmethod
    def forward(ctx, x, first, second, rule_first, rule_second):
        chunks = _chunks(first, x)
        with torch.no_grad():
            output = torch.cat([_forward(second, _forward(first, x[c])) for c in chunks])
        ctx.save_for_backward(x, output)
        ctx.layers = (first, second, rule_first, rule_second, chunks)
        return output

    @staticmethod
    def backward(ctx, relevance):
        x, output = ctx.saved_tensors
        first, second, rule_first, rule_second, chunks = ctx.layers
        r_in = torch.empty_like(x)
        with torch.no_grad():
            for c in chunks:
                a = _forward(first, x[c])
                r_a = rule_second.relevance(second, a, output[c], relevance[c])
                r_in[c] = rule_first.relevance(first, x[c], a, r_a)
        return r_in, None, None, None, None


class _Stabilized(FastRule):
    """Fast rules parametrized by a denominator stabilizer and ``zero_params``."""

    def __init__(self, stabilizer=1e-6, zero_params=None):
        super().__init__()
        self.stabilizer_value = stabilizer
        self.zero_params = zero_params
        self.stabilizer = Stabilizer.ensure(stabilizer)

    def copy(self):  # noqa: D102
        return self.__class__(self.stabilizer_value, self.zero_params)


class Epsilon(FastRule):
    r"""LRP-ε rule (Bach et al. 2015, eq. 58), reusing the layer's output.

    ``R_j = x_j Σ_k w_jk R_k / (z_k + ε sign(z_k))`` with
    ``z_k = Σ_j x_j w_jk + b_k`` (``sign(0) = +1``); one transposed
    convolution. Same numbers as ``zennit.rules.Epsilon``.

    Parameters
    ----------
    epsilon : float
        Stabiliser ε.
    zero_params : list of str | None
        Parameters set to zero in the denominator (e.g. ``["bias"]``).
    """

    def __init__(self, epsilon=1e-6, zero_params=None):
        super().__init__()
        self.epsilon = epsilon
        self.zero_params = zero_params
        self.stabilizer = Stabilizer.ensure(epsilon)

    def copy(self):  # noqa: D102
        return self.__class__(epsilon=self.epsilon, zero_params=self.zero_params)

    def relevance(self, module, x, output, relevance):  # noqa: D102
        z = output
        if self.zero_params and "bias" in self.zero_params and module.bias is not None:
            z = _apply(module, x, module.weight, None)
        g = relevance / self.stabilizer(z)
        return x * _apply_transposed(module, x.shape, module.weight, g)


class ZPlus(_Stabilized):
    r"""z+ rule = αβ with α=1, β=0, for signed inputs, with a conserving fallback.

    Positive contributions are ``(x_j w_jk)^+ = x_j^+ w_jk^+ + x_j^- w_jk^-``;
    with ``P_k = Σ_j (x_j w_jk)^+ + b_k^+``,
    ``R_j = Σ_k (x_j w_jk)^+ / P_k · R_k`` (Bach et al. 2015, eq. 60; Montavon
    et al. 2017, z+). For a neuron with ``P_k = 0`` (no positive contribution)
    the ratio is undefined and zennit drops ``R_k``; here ``R_k`` goes to the
    negative contributions in proportion, ``(x_j w_jk)^- / N_k`` with
    ``N_k = z_k − P_k``. Both shares are non-negative and sum to one: relevance
    is conserved (biases aside) and keeps its sign. Cost: two convolutions and
    two transposed ones (one of each for non-negative inputs), plus two more
    only in batches where the fallback is needed.

    Parameters
    ----------
    stabilizer : float
        Added to denominators (with their sign).
    zero_params : list of str | None
        ``["bias"]`` ignores the bias.
    """

    def relevance(self, module, x, output, relevance):  # noqa: D102
        w = module.weight
        w_pos, w_neg = w.clamp(min=0), w.clamp(max=0)
        bias = module.bias
        if self.zero_params and "bias" in self.zero_params:
            bias = None
        x_pos = x.clamp(min=0)
        signed = bool(x.amin() < 0)
        x_neg = x.clamp(max=0) if signed else None
        positive = _apply(
            module, x_pos, w_pos, None if bias is None else bias.clamp(min=0)
        )
        if signed:
            positive = positive + _apply(module, x_neg, w_neg, None)
        z = output if bias is module.bias else _apply(module, x, w, bias)
        has_positive = positive > 0
        g_pos = torch.where(has_positive, relevance / self.stabilizer(positive), 0.0)
        if signed:
            # one transposed call for both weight signs, then per input sign:
            # x * where(x > 0, a, b) == x⁺ a + x⁻ b (the other term is an exact 0)
            to_pos, to_neg = _split_transposed(module, x, w_pos, w_neg, g_pos)
            r_in = torch.addcmul(x_pos * to_pos, x_neg, to_neg)
        else:
            r_in = x_pos * _apply_transposed(module, x.shape, w_pos, g_pos)
        fallback = ~has_positive & (relevance != 0)
        if bool(fallback.any()):
            negative = z - positive
            g_neg = torch.where(fallback, relevance / self.stabilizer(negative), 0.0)
            if signed:
                to_pos, to_neg = _split_transposed(module, x, w_neg, w_pos, g_neg)
                r_in = r_in + torch.addcmul(x_pos * to_pos, x_neg, to_neg)
            else:
                r_in = r_in + x_pos * _apply_transposed(module, x.shape, w_neg, g_neg)
        return r_in


class AlphaBeta(FastRule):
    r"""αβ rule (Bach et al. 2015, eq. 60), conserving at one-sided neurons.

    With ``P_k = Σ_j (x_j w_jk)^+ + b_k^+`` and ``N_k = Σ_j (x_j w_jk)^- + b_k^-``,
    ``R_j = Σ_k (α (x_j w_jk)^+ / P_k − β (x_j w_jk)^- / N_k) R_k``, ``α − β = 1``.
    Where a neuron has contributions of one sign only, the textbook rule returns
    ``α R_k`` (no negative part) or ``−β R_k`` (no positive part), i.e. it creates
    or flips relevance; zennit's ``AlphaBeta`` does this. Here such a neuron
    distributes ``R_k`` over the contributions it has, in proportion (LRP-0
    restricted to one sign), which conserves relevance and keeps its sign.

    Parameters
    ----------
    alpha, beta : float
        Non-negative, ``alpha - beta == 1``.
    stabilizer : float
        Added to denominators (with their sign).
    zero_params : list of str | None
        ``["bias"]`` ignores the bias.
    """

    def __init__(self, alpha=2.0, beta=1.0, stabilizer=1e-6, zero_params=None):
        super().__init__()
        if alpha < 0 or beta < 0 or abs(alpha - beta - 1.0) > 1e-12:
            raise ValueError(
                "alpha and beta must be >= 0 with alpha - beta = 1, but got "
                f"alpha={alpha!r}, beta={beta!r}."
            )
        self.alpha, self.beta = alpha, beta
        self.stabilizer_value = stabilizer
        self.zero_params = zero_params
        self.stabilizer = Stabilizer.ensure(stabilizer)

    def copy(self):  # noqa: D102
        return self.__class__(
            self.alpha, self.beta, self.stabilizer_value, self.zero_params
        )

    def relevance(self, module, x, output, relevance):  # noqa: D102
        w = module.weight
        w_pos, w_neg = w.clamp(min=0), w.clamp(max=0)
        bias = module.bias
        if self.zero_params and "bias" in self.zero_params:
            bias = None
        x_pos, x_neg = x.clamp(min=0), x.clamp(max=0)
        b_pos = None if bias is None else bias.clamp(min=0)
        b_neg = None if bias is None else bias.clamp(max=0)
        positive = _apply(module, x_pos, w_pos, b_pos) + _apply(
            module, x_neg, w_neg, None
        )
        negative = _apply(module, x_pos, w_neg, b_neg) + _apply(
            module, x_neg, w_pos, None
        )
        has_pos, has_neg = positive > 0, negative < 0
        both = has_pos & has_neg
        one = torch.ones_like(relevance)
        c_pos = torch.where(both, self.alpha * one, torch.where(has_pos, one, 0 * one))
        c_neg = torch.where(both, self.beta * one, torch.where(has_pos, 0 * one, -one))
        g_pos = torch.where(has_pos, c_pos * relevance / self.stabilizer(positive), 0.0)
        g_neg = torch.where(has_neg, c_neg * relevance / self.stabilizer(negative), 0.0)
        to_pos_w, to_neg_w = _split_transposed(module, x, w_pos, w_neg, g_pos)
        from_pos = x * torch.where(x > 0, to_pos_w, to_neg_w)
        to_neg_w2, to_pos_w2 = _split_transposed(module, x, w_neg, w_pos, g_neg)
        from_neg = x * torch.where(x > 0, to_neg_w2, to_pos_w2)
        return from_pos - from_neg


class _InputFree(_Stabilized):
    """Rules whose shares do not depend on the input: w² and flat."""

    def modified(self, module):  # pragma: no cover
        raise NotImplementedError

    def relevance(self, module, x, output, relevance):  # noqa: D102
        weight, bias = self.modified(module)
        ones = torch.ones((1,) + tuple(x.shape[1:]), dtype=x.dtype, device=x.device)
        denominator = self.stabilizer(_apply(module, ones, weight, bias))
        return _apply_transposed(module, x.shape, weight, relevance / denominator)


class WSquare(_InputFree):
    r"""w² rule (Montavon et al. 2017): ``R_j = Σ_k w_jk² / Σ_j w_jk² · R_k``.

    Input-independent, for unbounded first-layer inputs. As in
    ``zennit.rules.WSquare`` the squared bias enters the denominator.
    The denominator is computed once per call on a single all-ones sample.
    """

    def modified(self, module):  # noqa: D102
        bias = module.bias
        if bias is not None and not (self.zero_params and "bias" in self.zero_params):
            bias = bias**2
        else:
            bias = None
        return module.weight**2, bias


class Flat(WSquare):
    r"""Flat rule (Lapuschkin et al. 2019): every connected input gets an equal share.

    ``R_j = Σ_k 1 / n_k · R_k`` with ``n_k`` the number of inputs connected to
    ``k`` (zero padding excluded). As ``zennit.rules.Flat``.
    """

    def modified(self, module):  # noqa: D102
        return torch.ones_like(module.weight), None

    def relevance(self, module, x, output, relevance):  # noqa: D102
        if isinstance(module, torch.nn.Linear) or module.groups != 1:
            return super().relevance(module, x, output, relevance)
        return self.from_summed(module, x, relevance.sum(1, keepdim=True))

    def from_summed(self, module, x, summed):
        """Input relevance from ``Σ_k R_k``, shape (n, 1, ...) (conv, groups=1).

        All-ones weights: every output channel has the same kernel and the same
        denominator, so ``W^T (R / n) = ones^T (Σ_k R_k / n)``: the rule needs
        only the relevance summed over output channels.
        """
        weight = torch.ones_like(module.weight[:1])
        ones = torch.ones((1,) + tuple(x.shape[1:]), dtype=x.dtype, device=x.device)
        denominator = self.stabilizer(_apply(module, ones, weight, None))
        summed = summed / denominator
        kernel, padding = module.kernel_size, module.padding
        if (
            all(s == 1 for s in module.stride)
            and all(d == 1 for d in module.dilation)
            and all(p <= k - 1 for k, p in zip(kernel, padding, strict=True))
        ):
            # the transposed all-ones convolution is a box sum over the
            # zero-padded map: a sum over a strided window view (no copy; ~100x
            # faster than avg_pool2d with a (25 x 1) kernel on the CPU)
            pad = []
            for k, p in zip(reversed(kernel), reversed(padding), strict=True):
                pad += [k - 1 - p, k - 1 - p]
            padded = F.pad(summed, pad).contiguous()
            out = tuple(x.shape[2:])
            windows = padded.as_strided(
                tuple(padded.shape[:2]) + out + tuple(kernel),
                padded.stride() + padded.stride()[2:],
            )
            dims = tuple(range(-len(kernel), 0))
            return windows.sum(dims).expand(x.shape)
        return _apply_transposed(module, x.shape, weight, summed)


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


def _pool_transposed(module, x, grad):
    """``P^T grad`` for the average pooling ``P`` of ``module`` (a VJP).

    A (K × 1) window moved by S with K a multiple of S (ShallowFBCSPNet: 75, 15)
    is done as K / S shifted, stride-wide repeats of ``grad``: several times
    faster on the CPU than ``avg_pool2d``'s backward. Other pools use autograd
    on the module's forward (hooks bypassed).
    """
    if (
        type(module) is torch.nn.AvgPool2d
        and x.ndim == 4
        and module.padding in (0, (0, 0))
        and not module.ceil_mode
        and module.divisor_override is None
    ):
        (k, k1), (s, s1) = (
            torch.nn.modules.utils._pair(module.kernel_size),
            torch.nn.modules.utils._pair(module.stride or module.kernel_size),
        )
        if k1 == 1 and s1 == 1 and k % s == 0:
            covered = grad.shape[2] * s
            repeated = grad.repeat_interleave(s, dim=2) / k
            out = torch.zeros_like(x)
            for j in range(k // s):
                out[:, :, j * s : j * s + covered] += repeated
            return out
    with torch.enable_grad():
        leaf = x.detach().requires_grad_(True)
        (out,) = torch.autograd.grad(module.forward(leaf), leaf, grad)
    return out


class PoolNorm(_Stabilized):
    r"""LRP-0 for average pooling: ``R_j = (x_j / K) / (Σ_j x_j / K) · R`` per window.

    The numbers of zennit's ``Norm`` rule with its stabiliser (reusing the
    layer's output, one transposed pooling); exact for non-negative inputs
    (squared activations) and conserving whenever the window mean is not zero.
    """

    def relevance(self, module, x, output, relevance):  # noqa: D102
        g = relevance / self.stabilizer(output)
        return x * _pool_transposed(module, x, g)


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

# Re-exported zennit rules used unchanged: Gamma, ZBox.
_ = (Gamma, ZBox)
