"""Figure functions for relevance analyses; each returns a matplotlib Figure.

Saving is the caller's job (STYLE.md). Topographies are drawn by
:func:`eegxai.analysis.plot_relevance_topomap`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .spectral import BANDS

__all__ = ["plot_channel_frequency", "plot_relevance_spectrum", "plot_time_course"]


def _axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def plot_time_course(time_course: dict, *, keys: Sequence[str] | None = None,
                     title: str | None = None, ax=None):
    """Relevance time courses, mean with shaded confidence interval.

    Parameters
    ----------
    time_course : dict
        Output of :func:`eegxai.analysis.relevance_time_course`.
    keys : sequence of str | None
        Curves to draw (default every entry except ``"times"``).
    title : str | None
        Axes title.
    ax : matplotlib Axes | None
        Axes to draw in.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure; the cue (t = 0) is marked.
    """
    fig, ax = _axes(ax, (5, 3))
    times = np.asarray(time_course["times"])
    keys = [k for k in time_course if k != "times"] if keys is None else list(keys)
    for key in keys:
        entry = time_course[key]
        line, = ax.plot(times, entry["mean"], label=f"{key} (n={entry.get('n', '?')})",
                        ls="--" if key == "difference" else "-")
        ax.fill_between(times, entry["low"], entry["high"], color=line.get_color(),
                        alpha=0.2, lw=0)
    ax.axvline(0, color="k", lw=0.8)
    ax.axhline(0, color="0.5", lw=0.5)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("relevance")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_relevance_spectrum(spectrum: dict, *, keys: Sequence[str] = ("positive",
                            "negative", "net"), fmax: float = 45.0,
                            title: str | None = None, ax=None):
    """First-layer relevance spectra with the mu and beta bands shaded.

    Parameters
    ----------
    spectrum : dict
        Output of :func:`eegxai.analysis.first_layer_relevance_spectrum`
        (or any dict with ``"freqs"`` and the ``keys``).
    keys : sequence of str
        Spectra to draw.
    fmax : float
        Upper frequency limit of the plot.
    title : str | None
        Axes title.
    ax : matplotlib Axes | None
        Axes to draw in.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    fig, ax = _axes(ax, (5, 3))
    freqs = np.asarray(spectrum["freqs"])
    for (low, high), color in zip(BANDS.values(), ("tab:green", "tab:orange"),
                                  strict=True):
        ax.axvspan(low, high, color=color, alpha=0.1, lw=0)
    for key in keys:
        if key in spectrum:
            ax.plot(freqs, spectrum[key], label=key)
    ax.set_xlim(0, fmax)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("relevance-weighted gain")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_channel_frequency(freqs, values, ch_names, *, fmax: float = 45.0,
                           label: str = "correlation", title: str | None = None,
                           ax=None):
    """Channel × frequency map (e.g. amplitude-perturbation correlation, r²).

    Parameters
    ----------
    freqs : array-like, shape (n_freqs,)
        Frequencies in Hz.
    values : array-like, shape (n_chans, n_freqs)
        Values, shown with a diverging colormap centered at 0.
    ch_names : sequence of str, length n_chans
        Channel names.
    fmax : float
        Upper frequency limit.
    label : str
        Colorbar label.
    title : str | None
        Axes title.
    ax : matplotlib Axes | None
        Axes to draw in.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    freqs = np.asarray(freqs, float)
    values = np.asarray(values, float)
    keep = freqs <= fmax
    fig, ax = _axes(ax, (5, 0.3 * len(ch_names) + 1.5))
    vlim = float(np.max(np.abs(values[:, keep]))) or 1.0
    im = ax.pcolormesh(freqs[keep], np.arange(len(ch_names)), values[:, keep],
                       cmap="RdBu_r", vmin=-vlim, vmax=vlim, shading="nearest")
    ax.set_yticks(np.arange(len(ch_names)), list(ch_names),
                  fontsize=8 if len(ch_names) <= 20 else 5)
    ax.set_xlabel("frequency (Hz)")
    fig.colorbar(im, ax=ax, label=label)
    if title:
        ax.set_title(title)
    return fig
