"""File-to-file steps of the image workflow: one function per Snakemake rule.

==========================  ====================================================
step                        writes
==========================  ====================================================
:func:`train_step`          model ``.pt`` + metrics JSON (CNN, MLP, crop CNN)
:func:`cam_step`            CAM network ``.pt`` + metrics JSON
:func:`heatmaps_step`       gallery heatmaps ``.npz`` + stroke-share JSON
:func:`pixel_flipping_step` AOPC JSON (MoRF, LeRF, random seeds)
:func:`prototypes_step`     prototypes JSON + ``.npz`` (ℓ2, prior, code space)
:func:`clever_hans_step`    Clever Hans JSON + example heatmaps ``.npz``
:func:`scanning_step`       scanning JSON + canvases and maps ``.npz``
==========================  ====================================================

Every JSON carries the step's parameters and provenance (:func:`eegxai._io.provenance`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from .._io import provenance, write_json
from .data import load_images, train_test_split_images
from .io import load_image_model, save_arrays, save_image_model
from .models import build_image_model, cam_model
from .training import accuracy, fit_image_model

logger = logging.getLogger(__name__)

__all__ = ["cam_step", "clever_hans_step", "heatmaps_step", "load_split",
           "pixel_flipping_step", "prototypes_step", "scanning_step", "train_step"]


def load_split(data: Mapping) -> dict[str, np.ndarray]:
    """Images and the seeded train/test split described by the ``data`` block.

    ``data`` holds ``dataset``, ``n_per_class``, ``test_fraction`` and ``seed``.
    Returns ``X_train, y_train, X_test, y_test``.
    """
    X, y = load_images(data["dataset"], n_per_class=data["n_per_class"],
                       seed=data["seed"])
    train, test = train_test_split_images(y, test_fraction=data["test_fraction"],
                                          seed=data["seed"])
    return {"X_train": X[train], "y_train": y[train], "X_test": X[test],
            "y_test": y[test]}


def _fit(kind: str, X, y, arch: Mapping, fit: Mapping, seed: int):
    build = {"name": kind, "side": int(X.shape[-1]), "n_classes": int(y.max()) + 1,
             **arch}
    model = fit_image_model(build_image_model(**build), X, y, seed=seed, **fit)
    return model, build


def train_step(data: Mapping, *, model: str, arch: Mapping, fit: Mapping,
               out_model: str | os.PathLike, out_metrics: str | os.PathLike,
               threads: int = 1) -> dict:
    """Train the CNN or the MLP on the training digits; test on the held-out ones."""
    torch.set_num_threads(int(threads))
    split = load_split(data)
    net, build = _fit(model, split["X_train"], split["y_train"], arch, fit, data["seed"])
    save_image_model(out_model, net, kind=model, build=build)
    metrics = {"model": model, "test_accuracy": accuracy(net, split["X_test"],
                                                         split["y_test"]),
               "train_accuracy": accuracy(net, split["X_train"], split["y_train"]),
               "n_train": len(split["y_train"]), "n_test": len(split["y_test"]),
               "params": {"data": dict(data), "arch": dict(arch), "fit": dict(fit)},
               "provenance": provenance()}
    logger.info("%s test accuracy %.4f", model, metrics["test_accuracy"])
    write_json(out_metrics, metrics)
    return metrics


def cam_step(data: Mapping, cnn_path: str | os.PathLike, *, n_maps: int, fit: Mapping,
             out_model: str | os.PathLike, out_metrics: str | os.PathLike,
             threads: int = 1) -> dict:
    """The CAM recipe: the CNN's convolutions frozen, new conv + GAP + linear retrained."""
    torch.set_num_threads(int(threads))
    split = load_split(data)
    cnn = load_image_model(cnn_path)
    n_classes = int(split["y_train"].max()) + 1
    net = fit_image_model(cam_model(cnn, n_classes, n_maps=n_maps), split["X_train"],
                          split["y_train"], seed=data["seed"], **fit)
    saved = torch.load(cnn_path, map_location="cpu", weights_only=True)["build"]
    build = {k: v for k, v in saved.items() if k != "name"}
    save_image_model(out_model, net, kind="cam", build={**build, "n_maps": n_maps})
    metrics = {"model": "cam", "test_accuracy": accuracy(net, split["X_test"],
                                                         split["y_test"]),
               "cnn_test_accuracy": accuracy(cnn, split["X_test"], split["y_test"]),
               "params": {"data": dict(data), "n_maps": n_maps, "fit": dict(fit)},
               "provenance": provenance()}
    write_json(out_metrics, metrics)
    return metrics


def gallery_indices(y_test, n_per_class: int) -> np.ndarray:
    """The fixed gallery: the first ``n_per_class`` test digits of every class."""
    y_test = np.asarray(y_test)
    return np.concatenate([np.flatnonzero(y_test == c)[:n_per_class]
                           for c in np.unique(y_test)])


def heatmaps_step(data: Mapping, cnn_path: str | os.PathLike,
                  cam_path: str | os.PathLike, *, methods: Sequence[str],
                  n_per_class: int, stroke_threshold: float, patch: int,
                  out_arrays: str | os.PathLike, out_json: str | os.PathLike,
                  threads: int = 1) -> dict:
    """Heatmaps of every method for the gallery; their share on the stroke."""
    from .heatmaps import heatmaps, stroke_share

    torch.set_num_threads(int(threads))
    split = load_split(data)
    model = load_image_model(cnn_path)
    idx = gallery_indices(split["y_test"], n_per_class)
    X = split["X_test"][idx]
    maps = heatmaps(model, X, methods, cam_model=load_image_model(cam_path),
                    patch=patch)
    shares = {name: stroke_share(m, X, threshold=stroke_threshold)
              for name, m in maps.items()}
    save_arrays(out_arrays, X=X, y=split["y_test"][idx], methods=np.array(list(maps)),
                **{f"map_{k}": v for k, v in maps.items()})
    result = {"stroke_share": shares, "n_images": len(idx),
              "params": {"methods": list(methods), "n_per_class": n_per_class,
                         "stroke_threshold": stroke_threshold, "patch": patch},
              "provenance": provenance()}
    write_json(out_json, result)
    return result


def pixel_flipping_step(data: Mapping, cnn_path: str | os.PathLike, *,
                        methods: Sequence[str], n_images: int, patch: int,
                        n_steps: int, n_random: int, reference: str,
                        out_json: str | os.PathLike, threads: int = 1) -> dict:
    """MoRF/LeRF AOPC of every method on the first test digits, random orders."""
    from .faithfulness import paired_difference, pixel_flipping
    from .heatmaps import heatmaps

    torch.set_num_threads(int(threads))
    split = load_split(data)
    model = load_image_model(cnn_path)
    X = split["X_test"][:n_images]
    result = pixel_flipping(model, X, heatmaps(model, X, methods, patch=patch),
                            patch=patch, n_steps=n_steps, n_random=n_random,
                            seed=data["seed"])
    per_image = result.pop("morf_per_image")
    if reference in per_image:
        result["versus_reference"] = {
            name: paired_difference(values, per_image[reference], seed=data["seed"])
            for name, values in per_image.items() if name != reference}
    result.update(params={"data": dict(data), "methods": list(methods),
                          "n_images": n_images, "patch": patch, "n_steps": n_steps,
                          "n_random": n_random, "reference": reference},
                  provenance=provenance())
    write_json(out_json, result)
    return result


def prototypes_step(data: Mapping, cnn_path: str | os.PathLike, *, lam_l2: float,
                    lam_prior: float, prior_kind: str, lam_code: float, n_code: int,
                    ae_epochs: int, n_steps: int, lr: float,
                    out_json: str | os.PathLike, out_arrays: str | os.PathLike,
                    threads: int = 1) -> dict:
    """Class prototypes (ℓ2, data prior, code space) and their naturalness."""
    from .prototypes import prototype_study

    torch.set_num_threads(int(threads))
    split = load_split(data)
    params = {"lam_l2": lam_l2, "lam_prior": lam_prior, "prior_kind": prior_kind,
              "lam_code": lam_code, "n_code": n_code, "ae_epochs": ae_epochs,
              "n_steps": n_steps, "lr": lr}
    study = prototype_study(load_image_model(cnn_path), split["X_train"],
                            split["y_train"], seed=data["seed"], **params)
    save_arrays(out_arrays, classes=np.array(study["classes"]),
                **{f"prototype_{k}": v for k, v in study["prototypes"].items()})
    summary = {kind: {"probability": study["probability"][kind].tolist(),
                      "distance": study["distance"][kind].tolist(),
                      "mean_distance": float(study["distance"][kind].mean()),
                      "min_probability": float(study["probability"][kind].min())}
               for kind in study["prototypes"]}
    result = {"classes": study["classes"], "prototypes": summary,
              "params": {"data": dict(data), **params}, "provenance": provenance()}
    write_json(out_json, result)
    return result


def _trainer(arch: Mapping, fit: Mapping, seed: int):
    def train(X, y):
        return _fit("cnn", X, y, arch, fit, seed)[0]
    return train


def clever_hans_step(data: Mapping, *, arch: Mapping, fit: Mapping, tag_class: int,
                     fraction: float, tag_size: int, composite: str, n_neighbors: int,
                     out_json: str | os.PathLike, out_arrays: str | os.PathLike,
                     threads: int = 1) -> dict:
    """Tagged vs control CNN: accuracy, flip rate, tag relevance mass, SpRAy."""
    from .clever_hans import clever_hans_study, tag_mask

    torch.set_num_threads(int(threads))
    split = load_split(data)
    mask = tag_mask(split["X_train"].shape[-1], size=tag_size)
    metrics, arrays = clever_hans_study(
        _trainer(arch, fit, data["seed"]), split["X_train"], split["y_train"],
        split["X_test"], split["y_test"], tag_class=tag_class, fraction=fraction,
        mask=mask, composite=composite, spray_kwargs={"n_neighbors": n_neighbors},
        seed=data["seed"])
    save_arrays(out_arrays, mask=mask, **arrays)
    result = {**metrics, "params": {"data": dict(data), "tag_class": tag_class,
                                    "fraction": fraction, "tag_size": tag_size,
                                    "composite": composite, "n_neighbors": n_neighbors},
              "provenance": provenance()}
    logger.info("Clever Hans: %s", {k: v for k, v in metrics.items()
                                    if k != "spray_eigenvalues"})
    write_json(out_json, result)
    return result


def scanning_step(data: Mapping, *, arch: Mapping, fit: Mapping, n_canvases: int,
                  canvas_side: int, n_digits: int, stride: int, n_background: int,
                  composite: str, out_model: str | os.PathLike,
                  out_json: str | os.PathLike, out_arrays: str | os.PathLike,
                  threads: int = 1) -> dict:
    """Crop classifier with a background class, scanned over test canvases."""
    from ..evaluate import pointing_game
    from .scanning import canvas_relevance, crop_training_set, make_canvases, scan

    torch.set_num_threads(int(threads))
    split, seed = load_split(data), data["seed"]
    window = split["X_train"].shape[-1]
    X_crops, y_crops = crop_training_set(split["X_train"], split["y_train"],
                                         n_background=n_background,
                                         canvas_side=canvas_side, seed=seed)
    net, build = _fit("cnn", X_crops, y_crops, arch, fit, seed)
    save_image_model(out_model, net, kind="crop_cnn", build=build)
    canvases = make_canvases(split["X_test"], split["y_test"], n_canvases=n_canvases,
                             side=canvas_side, n_digits=n_digits, seed=seed + 1)
    evidence = scan(net, canvases.images, window=window, stride=stride)
    maps = canvas_relevance(net, canvases.images, canvases.labels, window=window,
                            stride=stride, composite=composite)
    boxes = canvases.box_masks()
    side = canvas_side
    hits = pointing_game(maps["relevance"].reshape(-1, side, side),
                         boxes.reshape(-1, side, side))
    residual = maps["logit"] - maps["relevance"].sum((2, 3)) - maps["bias"]
    result = {"pointing_game": float(np.mean(hits)), "n_digits": int(hits.size),
              "conservation_max_residual": float(np.abs(residual).max()),
              "crop_accuracy_train": accuracy(net, X_crops, y_crops),
              "params": {"data": dict(data), "n_canvases": n_canvases,
                         "canvas_side": canvas_side, "n_digits": n_digits,
                         "stride": stride, "window": window,
                         "n_background": n_background, "composite": composite},
              "provenance": provenance()}
    save_arrays(out_arrays, images=canvases.images, labels=canvases.labels,
                corners=canvases.corners, evidence=evidence, hits=hits, **maps)
    write_json(out_json, result)
    return result
