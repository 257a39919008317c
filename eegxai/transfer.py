"""Cross-subject pre-training, per-subject fine-tuning and zero-shot decoding.

Design (cost-bounded subject folds, no target test trial ever seen)
-------------------------------------------------------------------
The subjects of a dataset are dealt into ``n_groups`` fixed groups
(:func:`subject_groups`: the sorted list, round-robin). For each group one model
is pre-trained on ALL trials of the subjects of the OTHER groups
(:func:`pretrain`); it serves every target subject of its group. So with 12
subjects and 3 groups, 3 pre-trainings replace 12 leave-one-subject-out ones, and
a target's trials (test folds included) never reach its pre-trained model.
Early stopping of pre-training holds out whole source SUBJECTS (``valid_by=
"subject"``, the default: ``ceil(valid_fraction * n_sources)`` of them, seeded),
so it stops when generalization to unseen subjects stops improving; a stratified
share of the pooled trials (``valid_by="trial"``) stops on how well the sources
are memorised instead (:func:`eegxai.splits.train_valid_split`).

For a target (:func:`transfer_subject`), on the target's own folds (the same
folds as within-subject training and every baseline,
:func:`eegxai.splits.splits_from_config`):

* zero-shot: the pre-trained model predicts the test fold as is;
* fine-tuned: a copy of the pre-trained model is trained further on the fold's
  training trials (:func:`eegxai.training.fit_model` with ``init_model``),
  early-stopped on a validation share of those training trials.

Euclidean alignment (EA, He & Wu 2019; :func:`euclidean_alignment`) whitens each
subject's trials by the inverse square root of its mean spatial covariance
(so the aligned trials' mean covariance is the identity). Source subjects are
aligned with all their trials; a target is aligned per fold with the reference of
its TRAINING-fold trials only (labels are never used, test trials never enter the
reference). Saved models take UNaligned trials: the alignment matrix is folded
into the first spatial convolution of ShallowFBCSPNet, Deep4Net or EEGNet
(:func:`fold_alignment`), so explanations and
every later step see the recorded channels.

References
----------
.. [1] He, H., Wu, D. (2019). Transfer learning for brain-computer interfaces: a
   Euclidean space data alignment approach. IEEE Trans. Biomed. Eng. 67(2),
   399-410.
.. [2] Schirrmeister, R. T. et al. (2017). Deep learning with convolutional
   neural networks for EEG decoding and visualization. Hum. Brain Mapp. 38,
   5391-5420.
.. [3] Lawhern, V. J. et al. (2018). EEGNet: a compact convolutional neural network
   for EEG-based brain-computer interfaces. J. Neural Eng. 15(5), 056013.
"""

from __future__ import annotations

import copy
import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from ._check import check_array, check_option, validate_type
from ._io import provenance, write_json
from .metrics import decoding_metrics, mean_over_folds
from .models import save_model
from .splits import splits_from_config

__all__ = [
    "euclidean_alignment",
    "fold_alignment",
    "pretrain",
    "stage_params",
    "subject_groups",
    "transfer_subject",
]


def euclidean_alignment(
    X: Any, reference: Any | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean alignment of one subject's trials (He & Wu 2019).

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Trials to align.
    reference : ndarray, shape (n_ref, n_channels, n_times) | None
        Trials whose mean covariance defines the alignment (default ``X``).

    Returns
    -------
    X_aligned : ndarray of float32, shape (n_epochs, n_channels, n_times)
        ``W @ X[i]`` for every trial.
    W : ndarray, shape (n_channels, n_channels)
        ``R^(-1/2)`` with ``R = mean_i X_ref[i] X_ref[i].T / n_times``; the
        aligned reference trials have mean covariance exactly the identity.
    """
    from .expert.riemann import invsqrtm

    X = check_array(X, "X", ndim=3)
    ref = X if reference is None else check_array(reference, "reference", ndim=3)
    if ref.shape[1] != X.shape[1] or len(ref) == 0:
        raise ValueError(
            f"'reference' needs trials with {X.shape[1]} channels, got shape {ref.shape}."
        )
    ref64 = ref.astype(np.float64)
    R = np.einsum("nct,ndt->cd", ref64, ref64) / (len(ref) * ref.shape[2])
    if np.linalg.matrix_rank(R) < len(R):
        raise ValueError(
            "The reference covariance is singular (e.g. average-referenced data or "
            "fewer samples than channels); Euclidean alignment needs full rank."
        )
    W = invsqrtm(R)
    return np.einsum("cd,ndt->nct", W, X.astype(np.float64)).astype(np.float32), W


def fold_alignment(model: nn.Module, W: Any) -> nn.Module:
    """A copy of ``model`` that takes unaligned trials: ``new(X) == model(W @ X)``.

    Folds ``W`` into the spatial convolution that follows the first temporal
    convolution (both linear, and the temporal filter acts on every channel
    alike, so ``S · conv_t(W x) = (S W) · conv_t(x)`` up to a per-output
    constant, which the following batch norm's running mean absorbs in eval
    mode):

    * ShallowFBCSPNet / Deep4Net (``conv_time_spat``): the constant comes from
      the temporal bias ``b_f``: ``Δ_o = Σ_f b_f (Σ_c S_ofc − Σ_c S'_ofc)``,
      and ``bnorm``'s running mean becomes ``μ_o − Δ_o``.
    * EEGNet (:func:`_fold_eegnet`): ``conv_temporal`` → ``bnorm_temporal`` →
      depthwise ``conv_spatial`` (kernel ``(n_chans, 1)``, ``D`` outputs per
      temporal filter) → ``bnorm_1``. In eval mode ``bnorm_temporal`` maps
      ``u ↦ a_f u + c_f`` per filter ``f``, with ``a_f = γ_f / σ_f`` and
      ``c_f = β_f + a_f (b_f − μ_f)`` (``b_f``: temporal bias, usually none)
      the same on every channel. Output ``o`` reads filter ``f = o // D``:
      ``z_o = Σ_c w_oc (a_f u_fc + c_f)`` on the aligned input. Folding gives
      ``w'_o = w_o W`` and ``z_old − z_new = c_f (Σ_c w_oc − Σ_c w'_oc) =: Δ_o``,
      so ``bnorm_1``'s running mean becomes ``μ_o − Δ_o``.

    Parameters
    ----------
    model : torch.nn.Module
        A ShallowFBCSPNet, Deep4Net or EEGNet of :func:`eegxai.models.build_model`.
    W : ndarray, shape (n_channels, n_channels)
        Alignment matrix of :func:`euclidean_alignment`.

    Returns
    -------
    model : torch.nn.Module
        New model, eval mode. Same build arguments, except that an EEGNet's
        ``conv_spatial_max_norm`` may be raised (see :func:`_fold_eegnet`).
    """
    W_t = torch.as_tensor(np.asarray(W), dtype=torch.float64)
    if hasattr(model, "conv_time_spat") and hasattr(model, "bnorm"):
        new = copy.deepcopy(model).eval()
        _fold_conv_time_spat(new, W_t)
        new.eegxai_build_args = copy.deepcopy(getattr(model, "eegxai_build_args", {}))
        return new
    if all(hasattr(model, a) for a in ("conv_temporal", "bnorm_temporal",
                                       "conv_spatial", "bnorm_1")):
        return _fold_eegnet(model, W_t)
    raise ValueError(
        "fold_alignment needs a ShallowFBCSPNet or Deep4Net (conv_time_spat + bnorm) "
        "or an EEGNet (conv_temporal, bnorm_temporal, conv_spatial, bnorm_1); got "
        f"{type(model).__name__}. Use align=False for this model."
    )


def _fold_conv_time_spat(new: nn.Module, W_t: torch.Tensor) -> None:
    """Fold ``W_t`` into a ShallowFBCSPNet / Deep4Net in place (eval mode)."""
    conv_t, conv_s = new.conv_time_spat.conv_time, new.conv_time_spat.conv_spat
    with torch.no_grad():
        S = conv_s.weight.double()  # (out, filters, 1, n_chans)
        S_new = torch.einsum("ofkc,cd->ofkd", S, W_t)
        b = (conv_t.bias.double() if conv_t.bias is not None
             else torch.zeros(S.shape[1], dtype=torch.float64))
        delta = torch.einsum("f,of->o", b, S.sum(dim=(2, 3)) - S_new.sum(dim=(2, 3)))
        conv_s.weight.copy_(S_new.to(conv_s.weight.dtype))
        new.bnorm.running_mean -= delta.to(new.bnorm.running_mean.dtype)


# Relative head room of the folded EEGNet's max-norm over the largest folded row
# norm: float32 rounding of the norm that the parametrization recomputes on every
# read must not trigger a (tiny) re-norm.
_MAX_NORM_MARGIN = 1e-5


def _fold_eegnet(model: nn.Module, W_t: torch.Tensor) -> nn.Module:
    """Fold ``W_t`` into EEGNet's depthwise spatial convolution (see fold_alignment).

    ``conv_spatial``'s weight is max-norm constrained by a torch parametrization
    (braindecode ``MaxNormParametrize``: rows re-normed to at most
    ``conv_spatial_max_norm`` whenever the weight is read), so a folded row whose
    norm exceeds it would be clipped. The folded model is therefore REBUILT with
    ``conv_spatial_max_norm = max(old, (1 + 1e-5) · largest folded row norm)``,
    stored in ``eegxai_build_args["kwargs"]`` so that
    :func:`eegxai.models.load_model` rebuilds it identically, and the folded
    weight is loaded into the parametrization's original tensor through the
    state dict (rows below the max-norm are read back unchanged).
    """
    if not hasattr(model, "eegxai_build_args"):
        raise ValueError("fold_alignment needs an EEGNet of eegxai.models.build_model "
                         "(its eegxai_build_args rebuild the folded model).")
    bn_t, conv_s, bn_1 = model.bnorm_temporal, model.conv_spatial, model.bnorm_1
    if tuple(conv_s.padding) != (0, 0) or conv_s.groups != bn_t.num_features:
        raise ValueError("fold_alignment expects EEGNet's depthwise spatial "
                         "convolution without padding (groups = F1).")
    with torch.no_grad():
        S = conv_s.weight.double()  # effective (re-normed) weight, (F1*D, 1, n_chans, 1)
        S_new = torch.einsum("ogck,cd->ogdk", S, W_t)
        sd = bn_t.running_var.double() + bn_t.eps
        a = (bn_t.weight.double() if bn_t.affine else 1.0) / sd.sqrt()
        b = (model.conv_temporal.bias.double() if model.conv_temporal.bias is not None
             else torch.zeros_like(a))
        beta = bn_t.bias.double() if bn_t.affine else torch.zeros_like(a)
        c = beta + a * (b - bn_t.running_mean.double())  # (F1,)
        c_o = c.repeat_interleave(S.shape[0] // len(c))  # output o reads f = o // D
        delta = c_o * (S.sum(dim=(1, 2, 3)) - S_new.sum(dim=(1, 2, 3)))
        state = {k: v.clone() for k, v in model.state_dict().items()}
    state["conv_spatial.parametrizations.weight.original"] = S_new.to(conv_s.weight.dtype)
    state["bnorm_1.running_mean"] = (bn_1.running_mean.double() - delta).to(
        bn_1.running_mean.dtype)
    largest = float(S_new.flatten(1).norm(dim=1).max())
    return _rebuild_eegnet(model, state, largest * (1 + _MAX_NORM_MARGIN))


def _rebuild_eegnet(model: nn.Module, state: dict, max_norm: float) -> nn.Module:
    """Rebuild ``model`` with ``conv_spatial_max_norm >= max_norm``, load ``state``."""
    from .models import rebuild_model

    args = copy.deepcopy(model.eegxai_build_args)
    old = float(args["kwargs"].get("conv_spatial_max_norm",
                                   getattr(model, "conv_spatial_max_norm", 1.0)))
    args["kwargs"]["conv_spatial_max_norm"] = max(old, max_norm)
    new = rebuild_model(args)
    new.load_state_dict(state)
    return new.eval()


#: Transfer stages with their own ``fit_model`` settings.
STAGES: tuple[str, ...] = ("pretrain", "finetune")

#: Keys of a stage block (``transfer.<stage>``, ``transfer.models.<model>.<stage>``).
STAGE_KEYS: tuple[str, ...] = ("n_epochs", "patience", "batch_size", "lr", "lr_scale")


def stage_params(training: Mapping[str, Any], transfer: Mapping[str, Any], stage: str,
                 model: str) -> dict[str, Any]:
    """``fit_model`` keyword arguments of one transfer stage for one model.

    Layered, later wins: the ``training`` block; the stage block
    (``transfer.<stage>``); the model's own block (``transfer.models.<model>.<stage>``).
    A value of None in a block keeps the earlier layer's. The learning rate is
    ``lr`` when a layer sets it, else the model's default
    (:data:`eegxai.training.DEFAULT_OPTIM`) times ``lr_scale`` (the last
    ``lr_scale`` set; 1 when none is).

    Parameters
    ----------
    training : mapping
        ``fit_model`` settings shared by every model (``n_epochs``, ``batch_size``,
        ``patience``, ``device``, ...).
    transfer : mapping
        The ``transfer`` block: ``pretrain`` / ``finetune`` stage blocks, optional
        ``models`` (model name -> {stage: block}) and ``augmentation``.
    stage : {"pretrain", "finetune"}
        Which stage's settings.
    model : str
        Model name, a key of :data:`eegxai.training.DEFAULT_OPTIM`.

    Returns
    -------
    params : dict
        ``training`` updated by the stage and model layers, with ``lr`` and
        ``augmentation`` (list of str) set and no ``lr_scale``.
    """
    from .training import DEFAULT_OPTIM

    check_option("stage", stage, STAGES)
    check_option("model", model, DEFAULT_OPTIM)
    per_model = (transfer.get("models") or {}).get(model) or {}
    layers = [transfer.get(stage) or {}, per_model.get(stage) or {}]
    params = dict(training)
    lr, scale = None, 1.0
    for where, layer in zip((f"transfer.{stage}", f"transfer.models.{model}.{stage}"),
                            layers, strict=True):
        unknown = sorted(set(layer) - set(STAGE_KEYS))
        if unknown:
            raise ValueError(f"'{where}' has unknown keys {unknown}; allowed: "
                             f"{', '.join(STAGE_KEYS)}.")
        given = {k: v for k, v in layer.items() if v is not None}
        if "lr_scale" in given:  # a later layer's scale replaces an earlier lr
            scale, lr = given.pop("lr_scale"), None
        lr = given.pop("lr", lr)
        params.update(given)
    params["lr"] = float(DEFAULT_OPTIM[model]["lr"] * scale if lr is None else lr)
    params["augmentation"] = list(transfer.get("augmentation") or [])
    return params


def subject_groups(subjects: Sequence[Any], n_groups: int) -> list[list[str]]:
    """Deal the sorted subjects round-robin into ``n_groups`` fixed groups.

    Parameters
    ----------
    subjects : sequence
        Subject labels (compared as strings, sorted naturally by number).
    n_groups : int
        Number of groups, 2..len(subjects) (len(subjects) = leave-one-subject-out).

    Returns
    -------
    groups : list of list of str
    """
    validate_type(n_groups, numbers.Integral, "n_groups")
    labels = sorted({str(s) for s in subjects}, key=lambda s: (len(s), s))
    if not 2 <= n_groups <= len(labels):
        raise ValueError(
            f"'n_groups' must lie in [2, {len(labels)}] for {len(labels)} subjects, "
            f"but got {n_groups}."
        )
    return [labels[g::n_groups] for g in range(int(n_groups))]


def _aligned_sources(
    sources: Sequence[tuple[np.ndarray, np.ndarray]], align: bool
) -> tuple[np.ndarray, np.ndarray]:
    Xs, ys = [], []
    for X, y in sources:
        Xs.append(euclidean_alignment(X)[0] if align else np.asarray(X, np.float32))
        ys.append(np.asarray(y))
    return np.concatenate(Xs), np.concatenate(ys)


def pretrain(
    sources: Sequence[tuple[Any, Any]],
    *,
    model: str = "shallow",
    align: bool = True,
    valid_by: str = "subject",
    **fit_params: Any,
) -> tuple[nn.Module, pd.DataFrame, dict]:
    """Pre-train one ConvNet on the pooled trials of source subjects.

    Parameters
    ----------
    sources : sequence of (X, y)
        Per source subject: X, shape (n_epochs, n_channels, n_times); y, shape
        (n_epochs,). Every trial is used (execution and imagery runs alike).
    model : {"shallow", "deep", "eegnet"}
        Which ConvNet.
    align : bool
        Euclidean-align each source subject with its own trials first.
    valid_by : {"subject", "trial"}
        Early stopping on held-out source subjects, or on a stratified share of
        the pooled trials (see the module docstring).
    **fit_params
        Passed to :func:`eegxai.training.fit_model` (``n_epochs``, ``lr``,
        ``augmentation``, ``cropped``, ``seed``...).

    Returns
    -------
    model, history, build_args
        As :func:`eegxai.training.fit_model`; the model takes ALIGNED trials when
        ``align`` (fine-tune or :func:`fold_alignment` it per target).
        ``history.attrs["valid_sources"]`` lists the positions (into
        ``sources``) of the subjects that own the validation trials.
    """
    from .training import fit_model

    validate_type(align, bool, "align")
    check_option("valid_by", valid_by, ("subject", "trial"))
    if not sources:
        raise ValueError("'sources' is empty: pre-training needs source subjects.")
    X, y = _aligned_sources(sources, align)
    groups = np.repeat(np.arange(len(sources)), [len(y_s) for _, y_s in sources])
    n_classes = int(y.max()) + 1
    net, history, build_args = fit_model(
        X, y, model=model, n_classes=n_classes,
        valid_groups=groups if valid_by == "subject" else None, **fit_params)
    history.attrs["valid_sources"] = sorted(
        set(groups[np.asarray(history.attrs["valid_idx"], dtype=int)].tolist()))
    return net, history, build_args


def _zero_shot_entry(k, y, test_idx, proba, n_classes) -> dict[str, Any]:
    return {"fold": k, **decoding_metrics(y[test_idx], proba, n_classes=n_classes),
            "test_idx": test_idx.tolist(), "y_true": y[test_idx].tolist(),
            "y_pred": proba.argmax(axis=1).tolist(),
            "proba": np.round(proba, 6).tolist()}


def transfer_subject(
    X: Any,
    y: Any,
    metadata: pd.DataFrame,
    pretrained: nn.Module,
    *,
    split: Mapping[str, Any] | str,
    align: bool,
    out_model: str | os.PathLike,
    out_metrics: str | os.PathLike,
    out_history: str | os.PathLike,
    out_zero_shot: str | os.PathLike,
    header: Mapping[str, Any] | None = None,
    **fit_params: Any,
) -> tuple[dict, dict]:
    """Zero-shot and fine-tuned scores of a pre-trained model on one target's folds.

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times)
        All trials of the target subject (unaligned).
    y : ndarray of int, shape (n_epochs,)
        Labels.
    metadata : pandas.DataFrame, shape (n_epochs, ...)
        Trial metadata (``run`` for ``test_runs`` splits).
    pretrained : torch.nn.Module
        Model of :func:`pretrain` for the target's group (never saw the target).
    split : mapping | str
        The target's folds (:func:`eegxai.splits.splits_from_config`); ``seed`` in
        ``fit_params`` seeds k-fold splits as in within-subject training.
    align : bool
        Whether ``pretrained`` was trained on aligned trials; then the target is
        aligned per fold with its training-fold reference.
    out_model, out_metrics, out_history : path-like
        Fine-tuned models (one per fold, alignment folded in, so they take
        unaligned trials), metrics JSON and history CSV (formats of
        :mod:`eegxai.training`).
    out_zero_shot : path-like
        Metrics JSON of the pre-trained model on the same test folds.
    header : mapping | None
        Extra keys of both metrics files (dataset, subject, model, ...).
    **fit_params
        Fine-tuning arguments of :func:`eegxai.training.fit_model`.

    Returns
    -------
    fine_tuned, zero_shot : dict
        Contents of ``out_metrics`` and ``out_zero_shot``.
    """
    from .training import FoldRuns, _check_xy, fit_model, predict_proba

    X, y = _check_xy(X, y)
    validate_type(pretrained, nn.Module, "pretrained")
    n_classes = int(pretrained.eegxai_build_args["n_outputs"])
    name = pretrained.eegxai_build_args["name"]
    cropped = bool(pretrained.eegxai_build_args["cropped"])
    fit_params = dict(fit_params)
    if fit_params.pop("cropped", cropped) != cropped:
        raise ValueError(
            f"'cropped' must match the pre-trained model (cropped={cropped}): a "
            "fine-tuned model keeps the architecture it was pre-trained with."
        )
    folds = splits_from_config(metadata, y, split, seed=fit_params.get("seed", 0))
    runs, zero_shot = FoldRuns(), []
    for k, (train_idx, test_idx) in enumerate(folds):
        if align:
            X_k, W = euclidean_alignment(X, reference=X[train_idx])
        else:
            W, X_k = None, X
        zero_shot.append(_zero_shot_entry(
            k, y, test_idx, predict_proba(pretrained, X_k[test_idx], device="cpu"),
            n_classes))
        net, history, build_args = fit_model(
            X_k[train_idx], y[train_idx], model=name, n_classes=n_classes,
            cropped=cropped, init_model=pretrained, **fit_params)
        net = fold_alignment(net.cpu(), W) if align else net
        proba = predict_proba(net, X[test_idx], device="cpu")
        runs.add(k, y, train_idx, test_idx, net, history, build_args, proba)
    if align:  # one file rebuilds every fold: EEGNet's max-norm may differ by fold
        runs.build_args = _shared_build_args([m.eegxai_build_args for m in runs.models])
    header = {**dict(header or {}), "model": name, "align": align,
              "split": split if isinstance(split, str) else dict(split)}
    fine_tuned = runs.write(out_model, out_history, out_metrics,
                            header={**header, "scheme": "pretrained+finetuned"})
    zs = {**header, "scheme": "zero-shot", **mean_over_folds(zero_shot),
          "folds": zero_shot, "provenance": provenance()}
    write_json(out_zero_shot, zs)
    return fine_tuned, zs


def _shared_build_args(per_fold: Sequence[dict]) -> dict:
    """Build arguments that rebuild every folded fold model of one file.

    Identical across folds except an EEGNet's ``conv_spatial_max_norm`` (raised per
    fold by :func:`fold_alignment`): the largest one, since rows whose norm is below
    the max-norm are read back unchanged.
    """
    shared = copy.deepcopy(per_fold[0])
    norms = [a["kwargs"]["conv_spatial_max_norm"] for a in per_fold
             if "conv_spatial_max_norm" in a["kwargs"]]
    if norms:
        shared["kwargs"]["conv_spatial_max_norm"] = max(norms)
    return shared


def save_pretrained(path: str | os.PathLike, model: nn.Module, build_args: dict,
                    sources: Sequence[str]) -> None:
    """Save a pre-trained model with the source subjects it was trained on."""
    save_model(path, model, build_args, folds=[{"sources": list(sources)}])
