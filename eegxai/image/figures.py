"""Figures of the image report; each takes data and returns a Figure.

Signed relevance uses the reports' diverging ``RdBu_r`` map with symmetric
limits per panel (white = zero), as :mod:`eegxai.report.figures` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..report.figures import DIVERGING, _subplots, _symmetric_norm

__all__ = ["plot_canvases", "plot_clever_hans", "plot_eigenvalues", "plot_gallery",
           "plot_prototypes", "plot_shares"]


def _heat(ax, values, title: str = ""):
    ax.imshow(values, cmap=DIVERGING, norm=_symmetric_norm(values, 99.5))
    ax.set(xticks=[], yticks=[])
    if title:
        ax.set_title(title, fontsize=7)


def _image(ax, image, title: str = ""):
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
    ax.set(xticks=[], yticks=[])
    if title:
        ax.set_title(title, fontsize=7)


def plot_gallery(X, y, maps: Mapping[str, np.ndarray], *, max_rows: int = 10):
    """Gallery: one row per digit, the digit then one heatmap per method.

    Parameters
    ----------
    X : ndarray, shape (n_images, 1, side, side)
        Digits.
    y : ndarray of int, shape (n_images,)
        Their labels.
    maps : mapping of str to ndarray, each of shape (n_images, side, side)
        Heatmaps by method.
    max_rows : int
        Digits shown: the first of every class, then the others in order.
    """
    import textwrap

    y = np.asarray(y)
    first = [int(np.flatnonzero(y == c)[0]) for c in np.unique(y)]
    rows = (first + [i for i in range(len(y)) if i not in first])[:max_rows]
    fig, axes = _subplots(len(rows), len(maps) + 1, width=1.0, height=1.0)
    for r, i in enumerate(rows):
        _image(axes[r, 0], X[i, 0], "digit" if r == 0 else "")
        for j, (name, values) in enumerate(maps.items(), start=1):
            title = textwrap.fill(name.replace("_", " "), 12) if r == 0 else ""
            _heat(axes[r, j], values[i], title)
    return fig


def plot_shares(shares: Mapping[str, Mapping[str, float]]):
    """Share of positive relevance on the stroke, per method, with chance level."""
    fig, axes = _subplots(1, 1, width=7.0, height=3.0)
    ax = axes[0, 0]
    names = list(shares)
    ax.bar(range(len(names)), [shares[k]["positive"] for k in names], color="tab:red")
    chance = float(np.mean([shares[k]["chance"] for k in names]))
    ax.axhline(chance, color="0.3", ls="--", label=f"stroke pixels ({chance:.2f})")
    ax.set_xticks(range(len(names)), [k.replace("_", " ") for k in names],
                  rotation=40, ha="right", fontsize=7)
    ax.set(ylim=(0, 1), ylabel="relevance on stroke")
    ax.legend(fontsize=7)
    return fig


def plot_clever_hans(arrays: Mapping[str, np.ndarray], *, n_examples: int = 4):
    """Clever Hans panel: tagged digits, their LRP maps, SpRAy cluster means.

    Rows: tagged test digits, their LRP maps under the tagged model and under
    the control model; last column: the mean heatmap of each SpRAy cluster.
    """
    fig, axes = _subplots(3, n_examples + 1, width=1.3, height=1.3)
    for j in range(n_examples):
        _image(axes[0, j], arrays["probe"][j, 0], "tagged test digit" if j == 0 else "")
        _heat(axes[1, j], arrays["probe_relevance_tagged"][j],
              "LRP, tagged model" if j == 0 else "")
        _heat(axes[2, j], arrays["probe_relevance_control"][j],
              "LRP, control model" if j == 0 else "")
    labels = arrays["spray_labels"]
    for row, cluster in enumerate(np.unique(labels)[:2]):
        members = labels == cluster
        share = arrays["spray_tagged"][members].mean()
        _heat(axes[row, -1], arrays["spray_relevance"][members].mean(0),
              f"SpRAy {cluster}: {share:.0%} tagged")
    axes[2, -1].set_axis_off()
    return fig


def plot_eigenvalues(eigenvalues: Sequence[float]):
    """Smallest eigenvalues of the SpRAy graph Laplacian (gap after k = k clusters)."""
    fig, axes = _subplots(1, 1, width=3.5, height=2.5)
    ax = axes[0, 0]
    ax.plot(np.arange(1, len(eigenvalues) + 1), eigenvalues, "o-")
    ax.set(xlabel="index", ylabel="eigenvalue")
    return fig


def plot_prototypes(prototypes: Mapping[str, np.ndarray], summary: Mapping):
    """One row per kind of prototype, one column per class."""
    kinds = list(prototypes)
    n = len(next(iter(prototypes.values())))
    fig, axes = _subplots(len(kinds), n, width=1.1, height=1.25)
    for i, kind in enumerate(kinds):
        info = summary["prototypes"][kind]
        for j in range(n):
            image = prototypes[kind][j, 0]
            axes[i, j].imshow(image, cmap="gray_r")
            axes[i, j].set(xticks=[], yticks=[])
            axes[i, j].set_title(f"p={info['probability'][j]:.2f} d={info['distance'][j]:.1f}",
                                 fontsize=6)
        axes[i, 0].set_ylabel(kind, fontsize=8)
    return fig


def plot_canvases(arrays: Mapping[str, np.ndarray], *, n_canvases: int = 3,
                  n_classes: int = 10):
    """Canvas, evidence of its digits' classes, and the aggregated LRP map per digit."""
    images, labels = arrays["images"], arrays["labels"]
    n = min(n_canvases, len(images))
    k = labels.shape[1]
    fig, axes = _subplots(n, 2 + k, width=1.8, height=1.8)
    for i in range(n):
        _image(axes[i, 0], images[i, 0], "canvas" if i == 0 else "")
        evidence = arrays["evidence"][i, :n_classes].max(0)
        axes[i, 1].imshow(evidence, cmap="viridis", vmin=0, vmax=1)
        axes[i, 1].set(xticks=[], yticks=[])
        if i == 0:
            axes[i, 1].set_title("max digit probability", fontsize=7)
        for j in range(k):
            hit = "hit" if arrays["hits"].reshape(len(images), k)[i, j] else "miss"
            _heat(axes[i, 2 + j], arrays["relevance"][i, j],
                  f"LRP for {labels[i, j]} ({hit})")
            r, c = arrays["corners"][i, j]
            axes[i, 2 + j].add_patch(_box(r, c, 28))
    return fig


def _box(row: int, col: int, side: int):
    from matplotlib.patches import Rectangle

    return Rectangle((col - 0.5, row - 0.5), side, side, fill=False, ec="k", lw=0.6)
