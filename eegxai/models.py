"""Build, save and load the braindecode decoders that eegxai explains.

Three ConvNets are available by name:

``"shallow"``
    :class:`braindecode.models.ShallowFBCSPNet` (Schirrmeister et al. 2017), an
    FBCSP-like net: temporal conv → spatial conv → square → mean pool → log.
``"deep"``
    :class:`braindecode.models.Deep4Net` (Schirrmeister et al. 2017).
``"eegnet"``
    :class:`braindecode.models.EEGNet` (Lawhern et al. 2018; named ``EEGNetv4`` in
    braindecode < 1.0), with the paper's max-norm constrained dense classifier.

The defaults are the published hyper-parameters, which are braindecode's own
defaults (``final_conv_length="auto"``: the classifier spans the whole trial). For
cropped decoding (Schirrmeister et al. 2017, section 2.5.4) ``build_model(...,
cropped=True)`` uses the paper's fixed ``final_conv_length`` (30 shallow, 2 deep)
and turns the net into a dense-prediction model whose output has shape
``(n_epochs, n_outputs, n_preds)``: one prediction per crop.

File format (``save_model``/``load_model``)
-------------------------------------------
A ``torch.save`` dictionary that loads with ``torch.load(weights_only=True)``::

    {"format": "eegxai-model", "version": 1,
     "build_args": {"name": str, "n_chans": int, "n_outputs": int, "n_times": int,
                    "cropped": bool, "kwargs": {str: int | float | str | bool | None}},
     "folds": [{"state_dict": OrderedDict[str, Tensor],
                "train_idx": list[int] | None, "valid_idx": list[int] | None,
                "test_idx": list[int] | None}, ...],
     "provenance": {...}}            # eegxai._io.provenance()

One entry in ``folds`` per cross-validation fold (one for the session split);
the indices refer to the trials of the epochs file the model was trained on.

References
----------
.. [1] Schirrmeister, R. T. et al. (2017). Deep learning with convolutional neural
   networks for EEG decoding and visualization. Human Brain Mapping 38(11),
   5391-5420. https://doi.org/10.1002/hbm.23730
.. [2] Lawhern, V. J. et al. (2018). EEGNet: a compact convolutional neural network
   for EEG-based brain-computer interfaces. J. Neural Eng. 15(5), 056013.
"""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from ._check import check_option, validate_type
from ._io import atomic_path, load_weights, provenance

MODEL_NAMES: tuple[str, ...] = ("shallow", "deep", "eegnet")

# Fixed classifier lengths for cropped decoding, as in Schirrmeister et al. 2017
# and braindecode's cropped-decoding example.
CROPPED_FINAL_CONV_LENGTH: dict[str, int] = {"shallow": 30, "deep": 2}

# Published settings that differ from braindecode's defaults. EEGNet: the final
# dense layer has a max-norm 0.25 constraint (Lawhern et al. 2018, section 2.2.1);
# braindecode 1.8.1 also deprecates the unconstrained default.
MODEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "eegnet": {"final_layer_with_constraint": True},
}

_FORMAT = "eegxai-model"
_VERSION = 1
_SCALAR = (numbers.Number, str, bool, type(None))


def _model_class(name: str) -> type[nn.Module]:
    # Import lazily: importing braindecode.models costs ~2 s and prints warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        from braindecode.models import Deep4Net, EEGNet, ShallowFBCSPNet
    return {"shallow": ShallowFBCSPNet, "deep": Deep4Net, "eegnet": EEGNet}[name]


def _check_positive_int(value: Any, name: str) -> int:
    validate_type(value, numbers.Integral, name)
    if value < 1:
        raise ValueError(f"{name!r} must be a positive integer, but got {value!r}.")
    return int(value)


def _check_kwargs(kwargs: dict) -> dict:
    """Build kwargs must be plain values so the checkpoint loads weights-only."""
    clean = {}
    for key, value in kwargs.items():
        if isinstance(value, list | tuple):
            ok = all(isinstance(v, _SCALAR) for v in value)
            value = list(value)
        else:
            ok = isinstance(value, _SCALAR)
        if not ok:
            raise TypeError(
                f"Model keyword argument {key!r} must be a number, string, bool, None "
                f"or a list of those (so that the model can be saved and rebuilt), "
                f"but got {type(value).__name__} ({value!r})."
            )
        clean[key] = value
    return clean


def build_model(
    name: str,
    n_chans: int,
    n_outputs: int,
    n_times: int,
    *,
    cropped: bool = False,
    **kwargs: Any,
) -> nn.Module:
    """Build a braindecode ConvNet with the published hyper-parameters.

    Parameters
    ----------
    name : {"shallow", "deep", "eegnet"}
        Which network (see the module docstring).
    n_chans : int
        Number of EEG channels.
    n_outputs : int
        Number of classes.
    n_times : int
        Number of time samples per trial (the input length for training).
    cropped : bool
        If True, build a dense-prediction model for cropped decoding (only
        ``"shallow"`` and ``"deep"``; EEGNet's strided mean pooling cannot be made
        dense). Its output has shape ``(batch, n_outputs, n_preds)``.
    **kwargs
        Passed to the braindecode class, overriding the defaults (plain values
        only, so the model can be saved and rebuilt).

    Returns
    -------
    model : torch.nn.Module
        The model, in training mode, on the CPU. ``model.eegxai_build_args`` holds
        the arguments that rebuild it (see :func:`save_model`).
    """
    validate_type(name, str, "name")
    check_option("name", name, MODEL_NAMES)
    n_chans = _check_positive_int(n_chans, "n_chans")
    n_outputs = _check_positive_int(n_outputs, "n_outputs")
    if n_outputs < 2:
        raise ValueError(f"'n_outputs' must be at least 2 classes, but got {n_outputs}.")
    n_times = _check_positive_int(n_times, "n_times")
    validate_type(cropped, bool, "cropped")
    kwargs = {**MODEL_DEFAULTS.get(name, {}), **_check_kwargs(kwargs)}
    if cropped:
        if name not in CROPPED_FINAL_CONV_LENGTH:
            raise ValueError(
                f"Cropped decoding is available for the models "
                f"{', '.join(map(repr, CROPPED_FINAL_CONV_LENGTH))}, but got {name!r}. "
                f"Use cropped=False for {name!r}."
            )
        kwargs.setdefault("final_conv_length", CROPPED_FINAL_CONV_LENGTH[name])
    cls = _model_class(name)
    try:
        model, rescaled = _construct(cls, n_chans=n_chans, n_outputs=n_outputs,
                                     n_times=n_times, **kwargs)
        for message in rescaled:  # braindecode shrinks kernels silently otherwise: say so
            warnings.warn(f"{name!r} for n_times={n_times}: {message}", UserWarning,
                          stacklevel=2)
        if cropped:
            model.to_dense_prediction_model()
        out_shape = model.get_output_shape()
    except (ValueError, RuntimeError) as exc:
        raise ValueError(
            f"Could not build {name!r} for n_chans={n_chans}, n_times={n_times}"
            f"{' (cropped)' if cropped else ''}: {exc} Use longer trials (larger "
            f"n_times) or a smaller 'final_conv_length'/pooling."
        ) from exc
    expected_ndim = 3 if cropped else 2
    assert len(out_shape) == expected_ndim, out_shape
    model.eegxai_build_args = {
        "name": name,
        "n_chans": n_chans,
        "n_outputs": n_outputs,
        "n_times": n_times,
        "cropped": cropped,
        "kwargs": kwargs,
    }
    return model


#: Start of braindecode's (1.8) warning when it shrinks a net's temporal kernels
#: and pools to fit a short trial.
_RESCALED = "is smaller than the minimum required"

#: Deep4Net's published pool length and stride (Schirrmeister et al. 2017).
_DEEP_POOL = 3


def _construct(cls: type[nn.Module], **args: Any) -> tuple[nn.Module, list[str]]:
    """Build a braindecode net and return it with its kernel-shrinking messages.

    Its other UserWarnings are dropped; see :data:`_RESCALED`.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        model = cls(**args)
    return model, [str(w.message) for w in caught if _RESCALED in str(w.message)]


def deep_pooling_that_fits(n_chans: int, n_outputs: int, n_times: int,
                           **kwargs: Any) -> dict[str, int]:
    """Deep4Net pooling for short trials that keeps the published filter lengths.

    braindecode 1.8 scales every temporal kernel and pool of Deep4Net by
    ``n_times / min_n_times`` when the trial is shorter than the published net
    needs (441 samples), with a warning (which :func:`build_model` passes on): a
    3 s trial at 80 Hz (240 samples) then gets 1-sample pools, i.e. no pooling,
    5-tap later filters and a classifier over 219 time steps. This returns the
    build keyword arguments of the alternative: the published 10-tap filters and
    the largest non-overlapping pool (length = stride = 3, else 2, else 1) that
    fits. Not the default: on the executed trials of config/eegmmidb.yaml it
    scored no better than braindecode's shrunk net (0.552 vs 0.561, inside the
    run-to-run noise; docs/eegmmidb.md).

    Parameters
    ----------
    n_chans, n_outputs, n_times : int
        As for :func:`build_model`.
    **kwargs
        Other Deep4Net arguments of the intended build (e.g. ``final_conv_length``).

    Returns
    -------
    pooling : dict
        ``{"pool_time_length": k, "pool_time_stride": k}``; ``{}`` when the published
        pool (3) fits, or when even 1-sample pools do not (braindecode then shrinks
        the filters too, and :func:`build_model` warns).
    """
    n_chans = _check_positive_int(n_chans, "n_chans")
    n_outputs = _check_positive_int(n_outputs, "n_outputs")
    n_times = _check_positive_int(n_times, "n_times")
    cls = _model_class("deep")
    for k in range(_DEEP_POOL, 0, -1):
        pooling = {"pool_time_length": k, "pool_time_stride": k}
        if not _construct(cls, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times,
                          **{**kwargs, **pooling})[1]:
            return {} if k == _DEEP_POOL else pooling
    return {}


def receptive_field(model: nn.Module) -> int:
    """Number of input samples that one output of a cropped model sees.

    For a trialwise model this is ``n_times``.
    """
    n_times = model.eegxai_build_args["n_times"]
    out_shape = model.get_output_shape()
    n_preds = out_shape[2] if len(out_shape) == 3 else 1
    return int(n_times - n_preds + 1)


def _check_build_args(build_args: Any) -> dict:
    validate_type(build_args, dict, "build_args")
    missing = {"name", "n_chans", "n_outputs", "n_times"} - set(build_args)
    if missing:
        raise ValueError(f"'build_args' lacks the keys {sorted(missing)}.")
    return {
        "name": build_args["name"],
        "n_chans": int(build_args["n_chans"]),
        "n_outputs": int(build_args["n_outputs"]),
        "n_times": int(build_args["n_times"]),
        "cropped": bool(build_args.get("cropped", False)),
        "kwargs": _check_kwargs(dict(build_args.get("kwargs", {}))),
    }


def _as_index_list(idx: Any) -> list[int] | None:
    if idx is None:
        return None
    return [int(i) for i in idx]


def save_model(
    path: str | os.PathLike,
    model: nn.Module | Sequence[nn.Module],
    build_args: dict,
    *,
    folds: Sequence[dict] | None = None,
) -> None:
    """Save model weights and the arguments that rebuild them, atomically.

    Parameters
    ----------
    path : path-like
        Destination ``.pt`` file (format in the module docstring).
    model : torch.nn.Module | sequence of torch.nn.Module
        One model, or one model per cross-validation fold.
    build_args : dict
        As returned by :func:`eegxai.training.fit_model` (or
        ``model.eegxai_build_args``).
    folds : sequence of dict | None
        Per model, a dict with optional ``"train_idx"``, ``"valid_idx"`` and
        ``"test_idx"`` (trial indices), stored beside the weights.
    """
    build_args = _check_build_args(build_args)
    models = [model] if isinstance(model, nn.Module) else list(model)
    if not models or not all(isinstance(m, nn.Module) for m in models):
        raise TypeError("'model' must be a torch.nn.Module or a sequence of them.")
    if folds is None:
        folds = [{} for _ in models]
    if len(folds) != len(models):
        raise ValueError(
            f"Got {len(models)} models but {len(folds)} fold descriptions."
        )
    entries = []
    for m, fold in zip(models, folds, strict=True):
        entries.append(
            {
                "state_dict": {k: v.detach().cpu() for k, v in m.state_dict().items()},
                **{
                    key: _as_index_list(fold.get(key))
                    for key in ("train_idx", "valid_idx", "test_idx")
                },
            }
        )
    checkpoint = {
        "format": _FORMAT,
        "version": _VERSION,
        "build_args": build_args,
        "folds": entries,
        "provenance": provenance(),
    }
    with atomic_path(path) as tmp:
        torch.save(checkpoint, tmp)


def read_checkpoint(path: str | os.PathLike) -> dict:
    """Read a file written by :func:`save_model` (weights-only, no pickled code)."""
    checkpoint = load_weights(path)
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != _FORMAT:
        raise ValueError(f"{os.fspath(path)!r} is not an eegxai model file.")
    return checkpoint


def load_model(path: str | os.PathLike, *, fold: int = 0) -> nn.Module:
    """Rebuild a model saved by :func:`save_model` and load its weights.

    Parameters
    ----------
    path : path-like
        The ``.pt`` file.
    fold : int
        Which cross-validation fold's model (0 for single-split files).

    Returns
    -------
    model : torch.nn.Module
        The model in evaluation mode, on the CPU.
    """
    checkpoint = read_checkpoint(path)
    n_folds = len(checkpoint["folds"])
    validate_type(fold, numbers.Integral, "fold")
    if not 0 <= fold < n_folds:
        raise ValueError(f"'fold' must lie in [0, {n_folds - 1}], but got {fold}.")
    model = rebuild_model(checkpoint["build_args"])
    model.load_state_dict(checkpoint["folds"][fold]["state_dict"])
    model.eval()
    return model


def rebuild_model(build_args: Mapping[str, Any]) -> nn.Module:
    """A fresh model from its build arguments (``model.eegxai_build_args``).

    Parameters
    ----------
    build_args : mapping
        ``name``, ``n_chans``, ``n_outputs``, ``n_times``, ``cropped`` and
        ``kwargs``, as :func:`build_model` stores them.

    Returns
    -------
    model : torch.nn.Module
        Newly initialized, in training mode, on the CPU.
    """
    return build_model(build_args["name"], build_args["n_chans"], build_args["n_outputs"],
                       build_args["n_times"], cropped=build_args["cropped"],
                       **build_args["kwargs"])
