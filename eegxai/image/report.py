"""The image study's HTML page (reports/image/index.html).

Built with the helpers of :mod:`eegxai.report.html`: every value is escaped by
Jinja2, figures are embedded as PNG data URIs, the page has no scripts and no
external resources. Sections appear for the inputs given (pixel flipping and
prototypes are optional).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .._io import read_json
from ..report.html import (
    Section,
    figure_item,
    flag_item,
    provenance_items,
    render_page,
    table_item,
    text_item,
    write_page,
)
from . import figures
from .io import load_arrays

__all__ = ["image_report", "image_report_step"]


def _models_section(metrics: list[dict]) -> Section:
    rows = [(m["model"], m["test_accuracy"], m.get("train_accuracy"), m.get("n_test"))
            for m in metrics]
    return Section("models", "Models", [table_item(
        ["model", "test accuracy", "train accuracy", "test digits"], rows,
        title="Accuracy on held-out digits",
        caption="Seeded stratified split. cam = the CNN's convolutions frozen, a new "
                "convolution + global average pooling + linear head retrained "
                "(Zhou et al. 2016).")])


def _heatmaps_section(arrays: dict, summary: dict) -> Section:
    methods = [str(m) for m in arrays["methods"]]
    maps = {m: arrays[f"map_{m}"] for m in methods}
    shares = summary["stroke_share"]
    items = [
        figure_item(figures.plot_gallery(arrays["X"], arrays["y"], maps),
                    "Heatmaps of every method",
                    "Rows: gallery test digits; columns: the digit and the heatmap of "
                    "each method for the predicted class (red = for, blue = against)."),
        figure_item(figures.plot_shares(shares), "Relevance on the stroke",
                    "Share of positive relevance on stroke pixels (brighter than "
                    f"{summary['params']['stroke_threshold']}); dashed: share of stroke "
                    "pixels (uniform relevance)."),
        table_item(["method", "positive share on stroke", "absolute share on stroke",
                    "stroke pixels"],
                   [(k, v["positive"], v["absolute"], v["chance"])
                    for k, v in shares.items()], title="Stroke share"),
        text_item("Sensitivity (squared gradient) marks where a change would make the "
                  "digit more or less of its class, including blank pixels where ink "
                  "is missing; LRP decomposes the score onto the ink that is there, "
                  "i.e. what makes it the class."),
    ]
    return Section("heatmaps", "Heatmaps", items)


def _pixel_flipping_section(result: dict) -> Section:
    from ..report.figures import plot_perturbation_curves

    rnd = result["random"]
    versus = result.get("versus_reference", {})
    ref = result["params"]["reference"]
    rows = [(name, v["morf"], v["lerf"], v["morf_boot_sd"],
             versus.get(name, {}).get("mean"), versus.get(name, {}).get("sd"))
            for name, v in sorted(result["aopc"].items(), key=lambda kv: -kv[1]["morf"])]
    rows.append(("random order", rnd["mean"], None, rnd["sd"], None, None))
    p = result["params"]
    return Section("pixel-flipping", "Pixel flipping", [
        table_item(["method", "AOPC MoRF", "AOPC LeRF", "spread", f"MoRF − {ref}",
                    "sd of difference"], rows, title="Area over the perturbation curve",
                   caption=f"{p['n_images']} test digits; {p['patch']}×{p['patch']} "
                           f"patches set to black in {p['n_steps']} steps. Spread: "
                           "bootstrap sd over images (methods), sd over "
                           f"{p['n_random']} seeds (random order). Difference: paired "
                           "bootstrap over images. Larger MoRF AOPC = faster logit "
                           "drop = more faithful."),
        figure_item(plot_perturbation_curves(result["curves"]), "Perturbation curves",
                    "Target logit vs the fraction of patches removed."),
    ])


def _clever_hans_section(summary: dict, arrays: dict) -> Section:
    p = summary["params"]
    rows = [(name, summary["clean_accuracy"][name], summary["flip_rate"][name],
             summary["tag_mass"][name]) for name in ("tagged", "control")]
    items = [
        text_item(f"A {p['tag_size']}×{p['tag_size']} white tag "
                  f"({summary['tag_share']:.1%} of the pixels) was pasted on "
                  f"{p['fraction']:.0%} of the training digits of class "
                  f"{p['tag_class']} ({summary['n_tagged_train']} digits)."),
        table_item(["model", "clean test accuracy", "flip rate with tag",
                    "LRP mass in tag"], rows, title="Tagged vs control model",
                   caption="Flip rate: share of other-class test digits predicted as "
                           "the tagged class once the tag is pasted. LRP mass: share of "
                           "positive relevance inside the tag on tagged test digits of "
                           f"the tagged class (chance {summary['tag_share']:.3f})."),
        table_item(["SpRAy adjusted Rand index"], [(summary["spray_ari"],)],
                   caption="Spectral clustering of the tagged model's heatmaps of the "
                           "tagged class's training digits into 2 clusters vs which "
                           "digits carry the tag (never shown to the clustering)."),
        figure_item(figures.plot_clever_hans(arrays), "Clever Hans panel",
                    "Tagged digits and their LRP maps under both models; right: mean "
                    "heatmap of each SpRAy cluster."),
        figure_item(figures.plot_eigenvalues(summary["spray_eigenvalues"]),
                    "SpRAy eigengap", "Smallest eigenvalues of the normalised graph "
                    "Laplacian; a gap after the k-th suggests k strategies."),
    ]
    if summary["tag_mass"]["tagged"] >= 0.5 and summary["tag_mass"]["control"] <= 0.05:
        items.insert(0, flag_item("LRP finds the tag: most relevance of the tagged "
                                  "model lies inside it, none of the control model's.",
                                  level="ok"))
    return Section("clever-hans", "Clever Hans tag", items)


def _prototypes_section(summary: dict, arrays: dict) -> Section:
    kinds = list(summary["prototypes"])
    rows = [(kind, summary["prototypes"][kind]["mean_distance"],
             summary["prototypes"][kind]["min_probability"],
             float(sum(p >= 0.99 for p in summary["prototypes"][kind]["probability"])))
            for kind in kinds]
    p = summary["params"]
    return Section("prototypes", "Prototypes", [
        figure_item(figures.plot_prototypes({k: arrays[f"prototype_{k}"] for k in kinds},
                                            summary), "Prototypes of every class",
                    "Activation maximization: l2 (λ = {}), with a data prior ({}), and "
                    "in the code space of an autoencoder (λ = {}, {} codes); title: "
                    "p(class | prototype), distance to the nearest training digit."
                    .format(p["lam_l2"], p["prior_kind"], p["lam_code"], p["n_code"])),
        table_item(["kind", "mean distance to nearest training digit",
                    "min p(class)", "classes with p ≥ 0.99"], rows,
                   title="Naturalness",
                   caption="Smaller distance = closer to a real digit."),
    ])


def _scanning_section(summary: dict, arrays: dict) -> Section:
    p = summary["params"]
    return Section("scanning", "Scanning large images", [
        table_item(["pointing game", "planted digits", "max |conservation residual|"],
                   [(summary["pointing_game"], summary["n_digits"],
                     summary["conservation_max_residual"])],
                   caption=f"{p['n_canvases']} canvases of {p['canvas_side']}² pixels, "
                           f"{p['n_digits']} digits each; {p['window']}² windows at "
                           f"stride {p['stride']}. A digit is a hit when the maximum of "
                           "its class's aggregated LRP map lies in its box. Residual: "
                           "Σ window logits − Σ canvas relevance − Σ bias relevance."),
        figure_item(figures.plot_canvases(arrays), "Class evidence and canvas maps",
                    "Left: canvas; the highest digit-class probability of every "
                    "window; then the sum of all windows' LRP maps for each planted "
                    "digit's class, with its box."),
    ])


def image_report(inputs: Mapping[str, str | os.PathLike], *,
                 config: Mapping | None = None) -> str:
    """Render the image study page from the step outputs (paths by input name)."""
    sections = [
        _models_section([read_json(p) for p in inputs["metrics"]]),
        _heatmaps_section(load_arrays(inputs["heatmaps"]),
                          read_json(inputs["heatmaps_summary"])),
        _pixel_flipping_section(read_json(inputs["pixel_flipping"])),
        _prototypes_section(read_json(inputs["prototypes"]),
                            load_arrays(inputs["prototypes_arrays"])),
        _clever_hans_section(read_json(inputs["clever_hans"]),
                             load_arrays(inputs["clever_hans_arrays"])),
        _scanning_section(read_json(inputs["scanning"]),
                          load_arrays(inputs["scanning_arrays"])),
    ]
    flat = {k: v for k, v in inputs.items() if not isinstance(v, list | tuple)}
    flat.update({f"metrics {i}": p for i, p in enumerate(inputs["metrics"])})
    sections.append(Section("provenance", "Provenance", provenance_items(
        flat, config=config, recorded=read_json(inputs["metrics"][0])["provenance"])))
    return render_page("eegxai — image study", "MNIST digits explained with the "
                       "shared core (eegxai.explain / interpret / evaluate)", sections)


def image_report_step(inputs: Mapping, out_html: str | os.PathLike, *,
                      config: Mapping | None = None) -> None:
    """Write the image study page."""
    write_page(out_html, image_report(inputs, config=config))
