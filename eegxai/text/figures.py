"""Figures and highlighted text of the text study (data in, Figure out).

Saving is the caller's job; the highlighted documents are segment lists for
:func:`eegxai.report.html.highlight_item` (escaped by the report's template).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["clever_hans_figure", "deletion_figure", "epi_figure", "highlight_segments",
           "top_words"]

_COLORS = {"lrp": "#c0392b", "sensitivity": "#2471a3", "random": "#7f8c8d",
           "uniform": "#7f8c8d"}


def deletion_figure(results: Mapping[str, dict]):
    """Accuracy vs deleted words; one column per model, one row per experiment.

    ``results`` maps a model name to the output of
    :func:`eegxai.text.pipeline.deletion_step`.
    """
    import matplotlib.pyplot as plt

    models = list(results)
    fig, axes = plt.subplots(2, len(models), figsize=(4.2 * len(models), 6.4),
                             squeeze=False, sharex=True)
    for j, model in enumerate(models):
        for i, experiment in enumerate(("correct", "misclassified")):
            ax = axes[i, j]
            entry = results[model]["experiments"][experiment]
            for method, curve in entry["curves"].items():
                ax.plot(range(len(curve)), curve, marker="o", ms=3,
                        color=_COLORS[method],
                        label=f"{method} (AOPC {entry['aopc'][method]:.3f})")
            ax.set_title(f"{model.upper()} — {experiment} (n={entry['n_docs']})",
                         fontsize=10)
            ax.set_ylabel("accuracy")
            ax.legend(fontsize=7)
            ax.grid(alpha=0.3)
        axes[-1, j].set_xlabel("words deleted")
    fig.tight_layout()
    return fig


def epi_figure(epi: dict):
    """KNN accuracy of the summary vectors vs K, per model and weighting."""
    import matplotlib.pyplot as plt

    models = list(epi["models"])
    fig, axes = plt.subplots(1, len(models), figsize=(4.2 * len(models), 3.4),
                             squeeze=False, sharey=True)
    for ax, model in zip(axes[0], models, strict=True):
        for name, entry in epi["models"][model].items():
            ax.plot(entry["k"], entry["accuracy"], marker="o", ms=3,
                    color=_COLORS[name], label=f"{name} (EPI {entry['epi']:.3f})")
        ax.set_xscale("log")
        ax.set_xlabel("K (neighbours)")
        ax.set_title(model.upper(), fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("KNN accuracy")
    fig.tight_layout()
    return fig


def clever_hans_figure(result: dict, parts: Sequence[str] = ("header", "metadata",
                       "from", "subject", "organization", "lines", "address")):
    """Relevance share per header part (headers vs clean model) and accuracies."""
    import matplotlib.pyplot as plt

    models = list(result["models"])
    fig, axes = plt.subplots(1, len(models) + 1, figsize=(4.2 * (len(models) + 1), 3.6),
                             squeeze=False)
    x = np.arange(len(parts))
    for ax, model in zip(axes[0], models, strict=False):
        entry = result["models"][model]
        for k, (key, label) in enumerate((("headers_model", "trained with headers"),
                                          ("clean_model", "trained without"))):
            share = entry[key]["header_share"]
            ax.bar(x + (k - 0.5) * 0.38, [share.get(p, 0.0) for p in parts], 0.38,
                   label=label, color=("#c0392b", "#7f8c8d")[k])
        ax.axhline(entry["headers_model"]["header_share"]["token_share"], color="k",
                   ls=":", lw=1, label="share of tokens in header")
        ax.set_xticks(x, parts, rotation=30, fontsize=8)
        ax.set_ylabel("share of |relevance|")
        ax.set_title(model.upper(), fontsize=10)
        ax.legend(fontsize=7)
    ax = axes[0, -1]
    acc = [[result["models"][m]["headers_model"]["accuracy_with_headers"],
            result["models"][m]["headers_model"]["accuracy_headers_removed"]]
           for m in models]
    for k, label in enumerate(("test with headers", "headers removed")):
        ax.bar(np.arange(len(models)) + (k - 0.5) * 0.38, [a[k] for a in acc], 0.38,
               label=label, color=("#c0392b", "#2471a3")[k])
    ax.set_xticks(np.arange(len(models)), [m.upper() for m in models])
    ax.set_ylabel("accuracy (model trained with headers)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _color(value: float, scale: float) -> str | None:
    if scale <= 0 or value == 0:
        return None
    alpha = min(abs(value) / scale, 1.0) * 0.85
    rgb = "220,40,40" if value > 0 else "40,90,220"
    return f"rgba({rgb},{alpha:.2f})"


def highlight_segments(text: str, spans: np.ndarray, relevance: np.ndarray,
                       ) -> list[tuple[str, str | None]]:
    """``(text, colour)`` pieces of ``text``: red = for the class, blue = against.

    Parameters
    ----------
    text : str
        The post.
    spans : ndarray of int, shape (n_words, 2)
        Character offsets of the kept tokens (zeros after the last).
    relevance : ndarray, shape (n_words,)
        Relevance per kept token; colours scale with ``max |relevance|``.
    """
    n = int(np.count_nonzero(spans[:, 1]))
    scale = float(np.max(np.abs(relevance[:n]), initial=0.0))
    segments, pos = [], 0
    for (start, stop), value in zip(spans[:n], relevance[:n], strict=True):
        if start > pos:
            segments.append((text[pos:start], None))
        segments.append((text[start:stop], _color(float(value), scale)))
        pos = stop
    if pos < len(text):
        segments.append((text[pos:] if n == 0 else " …", None))
    return segments


def top_words(relevance: np.ndarray, ids: np.ndarray, y: np.ndarray,
              words: Sequence[str], n_classes: int, n_top: int = 10) -> list[list[str]]:
    """Words with the largest summed relevance for each class (over its documents).

    Returns
    -------
    top : list of list of str, one list per class
    """
    top = []
    for c in range(n_classes):
        rows = y == c
        total = np.bincount(ids[rows].ravel(), weights=relevance[rows].ravel(),
                            minlength=len(words) + 1)
        total[0] = -np.inf
        best = np.argsort(-total)[:n_top]
        top.append([words[i - 1] for i in best if np.isfinite(total[i]) and total[i] > 0])
    return top
