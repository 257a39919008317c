"""Figures of the DNA study: relevance tracks and sequence logos (logomaker)."""

from __future__ import annotations

import numpy as np

from .sequences import ALPHABET

__all__ = ["logo_figure", "relevance_tracks_figure"]

#: Conventional nucleotide colours (A green, C blue, G orange, T red).
COLORS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}


def relevance_tracks_figure(X, tracks: dict, examples: list[tuple[str, int]], *,
                            zoom: int = 0):
    """Relevance per nucleotide of a few sequences, one row per method.

    Parameters
    ----------
    X : ndarray, shape (n_sequences, 4, length)
        One-hot sequences.
    tracks : dict of str → ndarray, shape (n_sequences, length)
        Relevance per position for each method.
    examples : list of (title, index)
        Columns of the figure (e.g. a true positive, a false positive, a false
        negative) and their row in ``X``.
    zoom : int
        If > 0, show only ``zoom`` bp centred on each sequence's maximum of the
        first method's relevance.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    colors = np.array([COLORS[c] for c in ALPHABET])
    fig, axes = plt.subplots(len(tracks), len(examples), squeeze=False,
                             figsize=(4.2 * len(examples), 1.5 * len(tracks) + 0.6))
    first = next(iter(tracks.values()))
    for j, (title, i) in enumerate(examples):
        length = X.shape[-1]
        lo, hi = 0, length
        if zoom and zoom < length:
            centre = int(np.argmax(first[i]))
            lo = int(np.clip(centre - zoom // 2, 0, length - zoom))
            hi = lo + zoom
        pos = np.arange(lo, hi)
        base = X[i].argmax(axis=0)[lo:hi]
        for r, (method, rel) in enumerate(tracks.items()):
            ax = axes[r, j]
            ax.bar(pos, rel[i, lo:hi], width=1.0, color=colors[base], linewidth=0)
            ax.axhline(0, color="k", lw=0.5)
            ax.set_xlim(lo - 0.5, hi - 0.5)
            if j == 0:
                ax.set_ylabel(method.replace("_", "\n"), fontsize=8)
            if r == 0:
                ax.set_title(title, fontsize=9)
            ax.tick_params(labelsize=7)
        axes[-1, j].set_xlabel("position (bp)", fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLORS[c]) for c in ALPHABET]
    fig.legend(handles, list(ALPHABET), loc="upper right", ncol=4, fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def _logo(ax, ppm, title):
    import logomaker
    import pandas as pd

    df = pd.DataFrame(np.asarray(ppm).T, columns=list(ALPHABET))
    info = logomaker.transform_matrix(df, from_type="probability", to_type="information")
    logomaker.Logo(info, ax=ax, color_scheme=COLORS)
    ax.set_ylim(0, 2)
    ax.set_ylabel("bits", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)


def logo_figure(query, match, *, query_title: str, match_title: str, offset: int = 0):
    """Recovered motif (top) above its JASPAR match (bottom), aligned.

    Parameters
    ----------
    query : ndarray, shape (4, width)
        Recovered position probability matrix.
    match : ndarray, shape (4, width_match)
        The database motif, already in the matching orientation.
    query_title, match_title : str
        Panel titles.
    offset : int
        Query column of the match's first column (:func:`~eegxai.dna.motifs.match_motif`).

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, (ax_q, ax_m) = plt.subplots(2, 1, figsize=(7, 3.6))
    _logo(ax_q, query, query_title)
    _logo(ax_m, match, match_title)
    lo = min(0, offset)
    hi = max(query.shape[1], offset + match.shape[1])
    ax_q.set_xlim(lo - 0.5, hi - 0.5)
    ax_m.set_xlim(lo - offset - 0.5, hi - offset - 0.5)
    fig.tight_layout()
    return fig
