"""Seeded training of the braindecode ConvNets: trialwise or cropped.

A plain PyTorch loop (no skorch): the whole training fold lives on the device,
mini-batches are drawn with a seeded :class:`torch.Generator`, and the optimizer
and schedule follow braindecode's examples (AdamW, cosine annealing over the
epochs; lr 0.0625e-2 / weight decay 0 for ShallowFBCSPNet, lr 1e-2 / weight decay
0.5e-3 for Deep4Net). ``benchmarks/train_speed.py`` compares its speed with
braindecode's ``EEGClassifier``.

Early stopping monitors the loss on a stratified validation set drawn from the
TRAINING trials only (:func:`eegxai.splits.train_valid_split`) and restores the
weights of the best epoch. Schirrmeister et al. (2017) additionally retrained on
train + validation after stopping; eegxai does not (simpler, and the test set is
never touched either way).

Cropped decoding (Schirrmeister et al. 2017, section 2.5.4): the model is a
dense-prediction net (:func:`eegxai.models.build_model` with ``cropped=True``)
that outputs one prediction per crop of its receptive field; as in braindecode's
``CroppedLoss`` the crop predictions of a trial are averaged before the
cross-entropy, and trial predictions are the average over crops.

Reproducibility: the same seed gives the same weights, history and metrics on a
rerun on the CPU (torch/numpy/random seeds, deterministic algorithms, seeded
batch order), across processes too, provided the number of torch CPU threads is
the same (the summation order of convolutions depends on it: set
``torch.set_num_threads``). On CUDA, non-deterministic kernels only warn.

History CSV columns: ``fold, epoch, train_loss, train_accuracy, valid_loss,
valid_accuracy, lr, duration_s, is_best``. Training loss and accuracy are
averages over the epoch's mini-batches in training mode (dropout on), as skorch
reports them; validation columns are NaN without a validation set. ``is_best``
marks the epochs whose validation loss was lower than that of every earlier
epoch; the returned weights are those of the last such epoch (``best_epoch``).

Metrics JSON written by :func:`train_subject`::

    {"dataset", "subject", "model", "split": {...}, "params": {...},
     "accuracy", "kappa", "roc_auc", "confusion_matrix", "n_trials",  # over folds
     "folds": [{"fold", "accuracy", "kappa", "roc_auc", "confusion_matrix",
                "n_trials", "best_epoch", "n_epochs_run", "train_idx",
                "valid_idx", "test_idx", "y_true", "y_pred", "proba"}],
     "provenance": {...}}

``accuracy``, ``kappa`` and ``roc_auc`` at the top are means over folds; the
confusion matrix is summed. Indices refer to the trials of the input epochs.
"""

from __future__ import annotations

import contextlib
import copy
import numbers
import os
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from ._check import (
    check_array,
    check_option,
    check_positive,
    check_trials,
    validate_type,
)
from ._device import resolve_device
from ._io import atomic_path, provenance, write_json
from .metrics import decoding_metrics, mean_over_folds
from .models import MODEL_NAMES, build_model, save_model
from .splits import splits_from_config, train_valid_split

#: Optimizer defaults per model, from braindecode's examples (Schirrmeister et al.
#: 2017 for shallow/deep; EEGNet uses Adam's default lr as in Lawhern et al. 2018).
DEFAULT_OPTIM: dict[str, dict[str, float]] = {
    "shallow": {"lr": 0.0625 * 0.01, "weight_decay": 0.0},
    "deep": {"lr": 1 * 0.01, "weight_decay": 0.5 * 0.001},
    "eegnet": {"lr": 0.001, "weight_decay": 0.0},
}

HISTORY_COLUMNS: tuple[str, ...] = (
    "epoch",
    "train_loss",
    "train_accuracy",
    "valid_loss",
    "valid_accuracy",
    "lr",
    "duration_s",
    "is_best",
)


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed python/numpy/torch and switch on deterministic algorithms meanwhile."""
    prev_det = torch.are_deterministic_algorithms_enabled()
    prev_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    prev_cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # warn_only: a CUDA op without a deterministic kernel must not abort training.
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(prev_det, warn_only=prev_warn)
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = prev_cudnn


def _trial_logits(model: nn.Module, xb: torch.Tensor) -> torch.Tensor:
    out = model(xb)
    if out.ndim == 3:
        # Dense (cropped) output (batch, n_classes, n_preds): average the crops,
        # as braindecode's CroppedLoss and its trial-wise evaluation do.
        out = out.mean(dim=2)
    return out


@torch.no_grad()
def _evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int
) -> tuple[float, float]:
    model.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(X), batch_size):
        logits = _trial_logits(model, X[start : start + batch_size])
        yb = y[start : start + batch_size]
        loss_sum += float(F.cross_entropy(logits, yb, reduction="sum"))
        correct += int((logits.argmax(dim=1) == yb).sum())
    return loss_sum / len(X), correct / len(X)


def _check_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    return check_trials(X, y, dtype=np.float32)


def _check_fit_args(
    X_train: Any, y_train: Any, model: str, n_epochs: int, batch_size: int,
    patience: int, seed: int, cropped: bool, lr: float | None,
    weight_decay: float | None, n_classes: int | None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Validated arrays and the resolved scalar training parameters."""
    X, y = _check_xy(X_train, y_train)
    validate_type(model, str, "model")
    check_option("model", model, MODEL_NAMES)
    for value, name in ((n_epochs, "n_epochs"), (batch_size, "batch_size"),
                        (patience, "patience")):
        validate_type(value, numbers.Integral, name)
        check_positive(value, name)
    validate_type(seed, numbers.Integral, "seed")
    validate_type(cropped, bool, "cropped")
    lr = DEFAULT_OPTIM[model]["lr"] if lr is None else lr
    weight_decay = (
        DEFAULT_OPTIM[model]["weight_decay"] if weight_decay is None else weight_decay
    )
    check_positive(lr, "lr")
    check_positive(weight_decay, "weight_decay", strict=False)
    if n_classes is None:
        n_classes = int(y.max()) + 1 if len(y) else 0
    if n_classes < 2 or len(np.unique(y)) < 2:
        raise ValueError("Training needs trials of at least 2 classes.")
    if y.max() >= n_classes:
        raise ValueError(f"'y_train' has labels >= n_classes={n_classes}.")
    params = {"n_epochs": int(n_epochs), "batch_size": int(batch_size),
              "patience": int(patience), "seed": int(seed), "lr": float(lr),
              "weight_decay": float(weight_decay), "n_classes": int(n_classes)}
    return X, y, params


def _initial_model(
    model: str, X: np.ndarray, n_classes: int, cropped: bool,
    model_kwargs: Mapping[str, Any] | None, init_model: nn.Module | None,
) -> tuple[nn.Module, dict]:
    """A fresh model (seeded by the caller), or a copy of ``init_model`` (fine-tuning)."""
    if init_model is None:
        net = build_model(model, X.shape[1], n_classes, X.shape[2], cropped=cropped,
                          **dict(model_kwargs or {}))
        return net, dict(net.eegxai_build_args)
    validate_type(init_model, nn.Module, "init_model")
    build_args = dict(getattr(init_model, "eegxai_build_args", {}))
    expected = {"name": model, "n_chans": X.shape[1], "n_outputs": n_classes,
                "cropped": cropped}
    wrong = {k: (build_args.get(k), v) for k, v in expected.items()
             if build_args.get(k) != v}
    if wrong:
        raise ValueError(
            f"'init_model' does not fit these trials / arguments: {wrong} "
            "(init_model's value, expected value)."
        )
    net = copy.deepcopy(init_model).cpu()
    net.eegxai_build_args = build_args
    return net, build_args


def _train_epoch(
    net: nn.Module, X_fit: torch.Tensor, y_fit: torch.Tensor, *,
    optimizer: torch.optim.Optimizer, batch_size: int,
    generator: torch.Generator, augment: Any,
) -> tuple[float, float]:
    """One pass over the shuffled fit trials; mean loss and accuracy (dropout on)."""
    net.train()
    order = torch.randperm(len(X_fit), generator=generator).to(X_fit.device)
    loss_sum, correct = 0.0, 0
    for b in range(0, len(order), batch_size):
        idx = order[b : b + batch_size]
        xb, yb = X_fit[idx], y_fit[idx]
        if augment is not None:
            xb, yb = augment(xb, yb)
        logits = _trial_logits(net, xb)
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += float(loss.detach()) * len(idx)
        correct += int((logits.detach().argmax(dim=1) == yb).sum())
    return loss_sum / len(X_fit), correct / len(X_fit)


def _train_loop(
    net: nn.Module, data: dict[str, torch.Tensor], *, n_epochs: int, batch_size: int,
    patience: int, lr: float, weight_decay: float, seed: int, augment: Any,
    progress: bool, desc: str,
) -> tuple[list[dict[str, Any]], int]:
    """Epochs with early stopping on the validation loss; restores the best weights."""
    from tqdm.auto import tqdm

    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    # braindecode's examples: CosineAnnealingLR(T_max=n_epochs - 1), per epoch.
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=max(n_epochs - 1, 1))
    has_valid = len(data["X_valid"]) > 0
    rows: list[dict[str, Any]] = []
    best_loss, best_epoch, best_state, wait = np.inf, 0, None, 0
    bar = tqdm(range(1, n_epochs + 1), desc=desc, disable=not progress,
               unit="epoch", leave=False)
    for epoch in bar:
        start = time.perf_counter()
        row = {"epoch": epoch, "lr": optimizer.param_groups[0]["lr"],
               "valid_loss": np.nan, "valid_accuracy": np.nan, "is_best": True}
        row["train_loss"], row["train_accuracy"] = _train_epoch(
            net, data["X_fit"], data["y_fit"], optimizer=optimizer,
            batch_size=batch_size, generator=generator, augment=augment)
        scheduler.step()
        if has_valid:
            row["valid_loss"], row["valid_accuracy"] = _evaluate(
                net, data["X_valid"], data["y_valid"], max(batch_size, 256))
            row["is_best"] = row["valid_loss"] < best_loss
            wait = 0 if row["is_best"] else wait + 1
            if row["is_best"]:
                best_loss, best_state = row["valid_loss"], copy.deepcopy(net.state_dict())
        if row["is_best"]:
            best_epoch = epoch
        row["duration_s"] = time.perf_counter() - start
        rows.append(row)
        bar.set_postfix({k: f"{row[k]:.3f}" for k in (
            "train_loss", "train_accuracy", "valid_loss", "valid_accuracy")})
        if has_valid and wait >= patience:
            break
    bar.close()
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    return rows, best_epoch


def fit_model(
    X_train: Any,
    y_train: Any,
    *,
    model: str = "shallow",
    n_epochs: int = 100,
    batch_size: int = 64,
    lr: float | None = None,
    weight_decay: float | None = None,
    valid_fraction: float = 0.2,
    patience: int = 20,
    cropped: bool = False,
    seed: int = 0,
    device: str | torch.device = "auto",
    progress: bool = True,
    n_classes: int | None = None,
    model_kwargs: Mapping[str, Any] | None = None,
    init_model: nn.Module | None = None,
    augmentation: Sequence[str] | None = None,
    valid_groups: Any | None = None,
) -> tuple[nn.Module, pd.DataFrame, dict]:
    """Train a ConvNet on the trials of one training fold.

    Parameters
    ----------
    X_train : ndarray, shape (n_epochs, n_channels, n_times)
        Training trials (float32).
    y_train : ndarray of int, shape (n_epochs,)
        Labels ``0..n_classes-1``.
    model : {"shallow", "deep", "eegnet"}
        Which network (:func:`eegxai.models.build_model`).
    n_epochs : int
        Maximum number of epochs.
    batch_size : int
        Mini-batch size.
    lr, weight_decay : float | None
        AdamW parameters; None uses :data:`DEFAULT_OPTIM` of the model.
    valid_fraction : float
        Stratified fraction of ``X_train`` held out for early stopping (of the
        groups, with ``valid_groups``); 0 trains on all trials for ``n_epochs``
        (no early stopping).
    patience : int
        Stop after this many epochs without a lower validation loss.
    cropped : bool
        Cropped decoding (shallow and deep only) instead of trialwise.
    seed : int
        Seeds weights, the validation split, the batch order and augmentation.
    device : str | torch.device
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``...
    progress : bool
        Show a tqdm progress bar with losses and accuracies.
    n_classes : int | None
        Number of classes; default ``y_train.max() + 1``.
    model_kwargs : mapping | None
        Extra keyword arguments of the braindecode model.
    init_model : torch.nn.Module | None
        Start from (a copy of) these weights instead of a fresh network
        (fine-tuning, :mod:`eegxai.transfer`); it must have been built for
        ``model``, the channels, ``n_classes`` and ``cropped``. Not modified.
    augmentation : sequence of str | None
        Names of :data:`eegxai.augmentation.AUGMENTATIONS` applied to every
        training mini-batch (never to validation trials).
    valid_groups : array-like, shape (n_epochs,) | None
        Group (subject) of every trial: whole groups are held out for early
        stopping (:func:`eegxai.splits.train_valid_split`), as cross-subject
        pre-training needs. None: a stratified split of the trials.

    Returns
    -------
    model : torch.nn.Module
        The trained model (best validation epoch), in eval mode, on ``device``.
    history : pandas.DataFrame
        One row per epoch, columns :data:`HISTORY_COLUMNS`. ``history.attrs``
        holds ``fit_idx``/``valid_idx`` (positions into ``X_train``),
        ``best_epoch`` and the resolved ``params``.
    build_args : dict
        Arguments that rebuild the model (:func:`eegxai.models.save_model`).
    """
    from .augmentation import make_augmentation

    X, y, p = _check_fit_args(X_train, y_train, model, n_epochs, batch_size, patience,
                              seed, cropped, lr, weight_decay, n_classes)
    dev = resolve_device(device)
    fit_idx, valid_idx = train_valid_split(y, valid_fraction, p["seed"],
                                           groups=valid_groups)
    with seeded(p["seed"]):
        net, build_args = _initial_model(model, X, p["n_classes"], cropped,
                                         model_kwargs, init_model)
        net.to(dev)
        data = {
            "X_fit": torch.as_tensor(X[fit_idx], device=dev),
            "y_fit": torch.as_tensor(y[fit_idx], device=dev),
            "X_valid": torch.as_tensor(X[valid_idx], device=dev),
            "y_valid": torch.as_tensor(y[valid_idx], device=dev),
        }
        augment = make_augmentation(augmentation, X.shape[2], p["seed"])
        rows, best_epoch = _train_loop(
            net, data, n_epochs=p["n_epochs"], batch_size=p["batch_size"],
            patience=p["patience"], lr=p["lr"], weight_decay=p["weight_decay"],
            seed=p["seed"], augment=augment, progress=progress, desc=model)
    history = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    history.attrs.update(
        fit_idx=fit_idx,
        valid_idx=valid_idx,
        best_epoch=int(best_epoch),
        params={
            "model": model,
            **{k: p[k] for k in ("n_epochs", "batch_size", "lr", "weight_decay")},
            "valid_fraction": float(valid_fraction),
            "patience": p["patience"],
            "cropped": cropped,
            "seed": p["seed"],
            "augmentation": list(augmentation or []),
            "valid_by": "trial" if valid_groups is None else "group",
            "init_model": init_model is not None,
            "device": str(dev),
        },
    )
    return net, history, build_args


@torch.no_grad()
def predict_logits(
    model: nn.Module,
    X: Any,
    *,
    device: str | torch.device = "auto",
    batch_size: int = 256,
) -> np.ndarray:
    """Trial logits (raw class scores) of trials, in batches, without gradients.

    Parameters
    ----------
    model : torch.nn.Module
        A trained model (trialwise or cropped); it is set to eval mode and moved
        to ``device``.
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Trials, cast to the model's parameter dtype.
    device : str | torch.device
        ``"auto"``, ``"cpu"``, ``"cuda"``...
    batch_size : int
        Trials per forward pass.

    Returns
    -------
    logits : ndarray, shape (n_epochs, n_classes)
        For a cropped model the crop logits are averaged.
    """
    validate_type(model, nn.Module, "model")
    X = check_array(X, "X", ndim=3)
    validate_type(batch_size, numbers.Integral, "batch_size")
    check_positive(batch_size, "batch_size")
    batch_size = int(batch_size)
    dev = resolve_device(device)
    dtype = next(model.parameters()).dtype
    model.to(dev).eval()
    out = []
    for start in range(0, len(X), batch_size):
        xb = torch.as_tensor(X[start : start + batch_size], dtype=dtype, device=dev)
        out.append(_trial_logits(model, xb).cpu())
    return torch.cat(out).numpy()


def predict_proba(
    model: nn.Module,
    X: Any,
    *,
    device: str | torch.device = "auto",
    batch_size: int = 256,
) -> np.ndarray:
    """Class probabilities of trials (softmax of :func:`predict_logits`).

    Parameters
    ----------
    model : torch.nn.Module
        A trained model (trialwise or cropped); it is set to eval mode and moved
        to ``device``.
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Trials.
    device : str | torch.device
        ``"auto"``, ``"cpu"``, ``"cuda"``...
    batch_size : int
        Trials per forward pass.

    Returns
    -------
    proba : ndarray, shape (n_epochs, n_classes)
        float64 probabilities; rows sum to 1. For a cropped model the logits are
        averaged over crops first.
    """
    logits = predict_logits(model, X, device=device, batch_size=batch_size)
    return torch.softmax(torch.as_tensor(logits).double(), dim=1).numpy()


class FoldRuns:
    """Collects the trained model, scores and history of each fold, then writes them.

    Shared by within-subject training (:func:`train_subject`) and fine-tuning
    (:mod:`eegxai.transfer`), so both write the same model, metrics and history
    formats (module docstring).
    """

    def __init__(self) -> None:
        self.models: list[nn.Module] = []
        self.entries: list[dict[str, Any]] = []
        self.info: list[dict[str, Any]] = []
        self.histories: list[pd.DataFrame] = []
        self.build_args: dict = {}
        self.params: dict[str, Any] = {}

    def add(self, k: int, y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray,
            net: nn.Module, history: pd.DataFrame, build_args: dict,
            proba: np.ndarray, **extra: Any) -> None:
        """Record fold ``k``: ``history.attrs`` positions are into ``train_idx``."""
        valid_idx = train_idx[history.attrs["valid_idx"]]
        fit_idx = train_idx[history.attrs["fit_idx"]]
        self.params, self.build_args = history.attrs["params"], build_args
        scores = decoding_metrics(y[test_idx], proba, n_classes=proba.shape[1])
        self.entries.append({
            "fold": k, **scores, "best_epoch": history.attrs["best_epoch"],
            "n_epochs_run": int(len(history)), "train_idx": fit_idx.tolist(),
            "valid_idx": valid_idx.tolist(), "test_idx": test_idx.tolist(),
            "y_true": y[test_idx].tolist(), "y_pred": proba.argmax(axis=1).tolist(),
            "proba": np.round(proba, 6).tolist(), **extra,
        })
        self.info.append({"train_idx": fit_idx, "valid_idx": valid_idx,
                          "test_idx": test_idx})
        self.models.append(net.cpu())
        fold_history = history.assign(fold=k)
        fold_history.attrs = {}  # arrays in attrs break pd.concat's attrs check
        self.histories.append(fold_history)

    def write(self, out_model: str | os.PathLike | None, out_history: str | os.PathLike,
              out_metrics: str | os.PathLike, *, header: Mapping[str, Any]) -> dict:
        """Write the model file (unless None), history CSV and metrics JSON."""
        if out_model is not None:
            save_model(out_model, self.models, self.build_args, folds=self.info)
        history_all = pd.concat(self.histories, ignore_index=True)
        with atomic_path(out_history) as tmp:
            history_all[["fold", *HISTORY_COLUMNS]].to_csv(tmp, index=False)
        result = {
            **header,
            "params": {k: v for k, v in self.params.items() if k != "device"},
            **mean_over_folds(self.entries),
            "folds": self.entries,
            "provenance": provenance(),
        }
        write_json(out_metrics, result)
        return result


def train_subject(
    X: Any,
    y: Any,
    metadata: pd.DataFrame,
    *,
    split: Mapping[str, Any] | str,
    model: str = "shallow",
    out_model: str | os.PathLike,
    out_metrics: str | os.PathLike,
    out_history: str | os.PathLike,
    dataset: str | None = None,
    subject: str | None = None,
    **train_params: Any,
) -> dict[str, Any]:
    """Train on the split's training fold(s), evaluate on the test fold(s), save.

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times)
        All trials of one subject.
    y : ndarray of int, shape (n_epochs,)
        Labels.
    metadata : pandas.DataFrame, shape (n_epochs, ...)
        Columns ``subject``, ``session``, ``run``, ``label``.
    split : mapping | str
        Evaluation protocol (:func:`eegxai.splits.splits_from_config`), e.g.
        ``{"kind": "session", "train": ["01T", "02T", "03T"], "test": ["04E",
        "05E"]}`` or ``"bci_iv_2b"``.
    model : {"shallow", "deep", "eegnet"}
        Which ConvNet.
    out_model, out_metrics, out_history : path-like
        Where the ``.pt`` model (one state dict per fold, see
        :mod:`eegxai.models`), the metrics JSON and the history CSV go.
    dataset, subject : str | None
        Recorded in the metrics file (``subject`` defaults to the metadata's).
    **train_params
        Passed to :func:`fit_model` (``n_epochs``, ``batch_size``, ``lr``,
        ``weight_decay``, ``valid_fraction``, ``patience``, ``cropped``,
        ``seed``, ``device``, ``progress``, ``model_kwargs``). ``seed`` also
        seeds a k-fold ``split`` without its own seed (pass the same seed to
        :func:`eegxai.expert.run_baselines` for identical folds).

    Returns
    -------
    metrics : dict
        The content of the metrics JSON.
    """
    X, y = _check_xy(X, y)
    validate_type(metadata, pd.DataFrame, "metadata")
    if len(metadata) != len(y):
        raise ValueError(f"'metadata' has {len(metadata)} rows but 'y' has {len(y)}.")
    for forbidden in ("X_train", "y_train", "model", "n_classes"):
        if forbidden in train_params:
            raise TypeError(f"train_subject() got an unexpected argument {forbidden!r}.")
    if subject is None and "subject" in metadata.columns:
        subjects = metadata["subject"].astype(str).unique()
        subject = subjects[0] if len(subjects) == 1 else None
    # The fit seed also shuffles k-fold splits, exactly as run_baselines(seed=...).
    folds = splits_from_config(metadata, y, split, seed=train_params.get("seed", 0))
    n_classes = int(y.max()) + 1
    runs = FoldRuns()
    for k, (train_idx, test_idx) in enumerate(folds):
        net, history, build_args = fit_model(
            X[train_idx], y[train_idx], model=model, n_classes=n_classes,
            **train_params,
        )
        proba = predict_proba(net, X[test_idx], device=history.attrs["params"]["device"])
        runs.add(k, y, train_idx, test_idx, net, history, build_args, proba)
    result = runs.write(
        out_model, out_history, out_metrics,
        header={"dataset": dataset, "subject": subject, "model": model,
                "split": split if isinstance(split, str) else dict(split)},
    )
    return result
