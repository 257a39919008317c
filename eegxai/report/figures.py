"""Figure functions of the HTML reports; each takes data and returns a Figure.

Saving (or embedding) is the caller's job (STYLE.md). Signed relevance and
signed correlations use the diverging ``RdBu_r`` colormap with symmetric limits
(a :class:`~matplotlib.colors.TwoSlopeNorm` centred at zero), so white always
means zero; unsigned quantities use the perceptually uniform ``viridis``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = [
    "plot_band_occlusion",
    "plot_channel_bars",
    "plot_confusion_matrices",
    "plot_csp_vs_relevance",
    "plot_group_band_occlusion",
    "plot_group_spectra",
    "plot_group_time_course",
    "plot_lateralization",
    "plot_perturbation_curves",
    "plot_prototypes",
    "plot_randomization",
    "plot_relevance_heatmaps",
    "plot_relevance_vs_erd",
    "plot_shap_vs_lrp",
    "plot_spectra_overview",
    "plot_training_curves",
]

DIVERGING = "RdBu_r"
SEQUENTIAL = "viridis"


def _subplots(n_rows: int, n_cols: int, *, width: float, height: float, **kwargs):
    import matplotlib.pyplot as plt

    return plt.subplots(n_rows, n_cols, figsize=(width * n_cols, height * n_rows),
                        squeeze=False, layout="constrained", **kwargs)


def _symmetric_norm(values, percentile: float = 99.0):
    from matplotlib.colors import TwoSlopeNorm

    finite = np.abs(np.asarray(values, float))
    finite = finite[np.isfinite(finite)]
    vlim = float(np.percentile(finite, percentile)) if finite.size else 1.0
    vlim = vlim or 1.0
    return TwoSlopeNorm(vcenter=0.0, vmin=-vlim, vmax=vlim)


def _smooth(values: np.ndarray, width: int) -> np.ndarray:
    """Moving average along the last axis (``width`` samples, same length)."""
    if width <= 1:
        return values
    kernel = np.ones(width) / width
    return np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), -1, values)


def plot_training_curves(history):
    """Loss and accuracy per epoch, training vs validation, one line per fold.

    Parameters
    ----------
    history : pandas.DataFrame
        The history CSV of :func:`eegxai.training.train_subject`: columns
        ``fold, epoch, train_loss, valid_loss, train_accuracy, valid_accuracy``.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    fig, axes = _subplots(1, 2, width=4.5, height=3.0)
    for ax, quantity in zip(axes[0], ("loss", "accuracy"), strict=True):
        for fold, rows in history.groupby("fold"):
            for part, style in (("train", "-"), ("valid", "--")):
                column = f"{part}_{quantity}"
                if column in rows:
                    ax.plot(rows["epoch"], rows[column], style,
                            color=f"C{int(fold) % 10}",
                            label=f"fold {fold} {part}")
        ax.set(xlabel="epoch", ylabel=quantity, title=quantity)
    axes[0, 1].legend(fontsize=7, ncols=2)
    return fig


def plot_confusion_matrices(matrices: Mapping[str, Sequence], class_names: Sequence[str]):
    """One confusion matrix per decoder (rows true class, columns predicted).

    Parameters
    ----------
    matrices : mapping of str to array-like, shape (n_classes, n_classes)
        Decoder name → confusion matrix (counts over the test folds).
    class_names : sequence of str
        Class names in label order.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    n = max(len(matrices), 1)
    fig, axes = _subplots(1, n, width=2.8, height=2.8)
    for ax, (name, matrix) in zip(axes[0], matrices.items(), strict=False):
        matrix = np.asarray(matrix, float)
        ax.imshow(matrix, cmap=SEQUENTIAL, vmin=0)
        for (i, j), count in np.ndenumerate(matrix):
            color = "k" if count > matrix.max() / 2 else "w"
            ax.text(j, i, f"{count:.0f}", ha="center", va="center", color=color)
        ticks = np.arange(len(class_names))
        ax.set_xticks(ticks, class_names, fontsize=7)
        ax.set_yticks(ticks, class_names, fontsize=7)
        ax.set(xlabel="predicted", ylabel="true", title=name)
    return fig


def plot_relevance_heatmaps(class_means, times, ch_names, class_names, *,
                            smooth_samples: int = 1):
    """Channel × time relevance per class and the class difference.

    Parameters
    ----------
    class_means : array-like, shape (n_classes, n_chans, n_times)
        Mean input relevance over the trials of each class.
    times : array-like, shape (n_times,)
        Sample times in s relative to the cue.
    ch_names : sequence of str, length n_chans
        Channel names.
    class_names : sequence of str, length n_classes
        Class names; the last panel is ``class_names[-1] − class_names[0]``.
    smooth_samples : int
        Width of a moving average along time (1 = none).

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per class and a difference panel; diverging colormap
        centred at zero with symmetric limits (shared by the class panels).
    """
    means = _smooth(np.asarray(class_means, float), int(smooth_samples))
    times = np.asarray(times, float)
    diff = means[-1] - means[0]
    panels = [(str(c), m) for c, m in zip(class_names, means, strict=True)]
    panels.append((f"{class_names[-1]} − {class_names[0]}", diff))
    height = 0.12 * len(ch_names) + 1.6
    fig, axes = _subplots(1, len(panels), width=4.0, height=height, sharey=True)
    norms = [_symmetric_norm(means)] * len(class_names) + [_symmetric_norm(diff)]
    ticks = np.arange(len(ch_names))
    step = max(1, len(ch_names) // 24)
    for ax, (title, data), norm in zip(axes[0], panels, norms, strict=True):
        im = ax.pcolormesh(times, ticks, data, cmap=DIVERGING, norm=norm,
                           shading="nearest", rasterized=True)
        ax.axvline(0, color="k", lw=0.8, ls="--")
        ax.set(title=title, xlabel="time (s)")
        fig.colorbar(im, ax=ax, shrink=0.8, label="relevance")
    axes[0, 0].set_yticks(ticks[::step], [ch_names[i] for i in ticks[::step]],
                          fontsize=8 if len(ch_names) <= 24 else 6)
    return fig


def plot_channel_bars(values: Mapping[str, Sequence], ch_names: Sequence[str], *,
                      ylabel: str = "relevance", title: str | None = None):
    """Grouped bar chart of one value per channel for several conditions.

    Used instead of a topography when there are too few channels for one
    (e.g. C3, Cz, C4).

    Parameters
    ----------
    values : mapping of str to array-like, shape (n_chans,)
        Condition (class, CSP pattern...) → value per channel.
    ch_names : sequence of str
        Channel names.
    ylabel, title : str
        Labels.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    fig, axes = _subplots(1, 1, width=max(4.0, 0.5 * len(ch_names) * len(values)),
                          height=3.0)
    ax = axes[0, 0]
    x = np.arange(len(ch_names))
    width = 0.8 / max(len(values), 1)
    for k, (label, v) in enumerate(values.items()):
        ax.bar(x + (k - (len(values) - 1) / 2) * width, np.asarray(v, float), width,
               label=label)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(x, list(ch_names))
    ax.set(ylabel=ylabel)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_lateralization(li_relevance: Mapping[str, float],
                        li_erd: Mapping[str, float] | None = None):
    """Lateralization index per class: relevance next to ERD.

    Parameters
    ----------
    li_relevance : mapping of str to float
        Class → lateralization index of the channel relevance
        (:func:`eegxai.analysis.lateralization_index`, in [-1, 1]).
    li_erd : mapping of str to float | None
        Class → lateralization index of the ERD (same sign convention).

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    series = {"relevance": li_relevance}
    if li_erd:
        series["ERD"] = li_erd
    classes = list(li_relevance)
    fig, axes = _subplots(1, 1, width=4.0, height=2.8)
    ax = axes[0, 0]
    x = np.arange(len(classes))
    width = 0.8 / len(series)
    for k, (label, li) in enumerate(series.items()):
        ax.bar(x + (k - (len(series) - 1) / 2) * width,
               [np.nan if li.get(c) is None else li[c] for c in classes], width,
               label=label, color=f"C{k}")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xticks(x, classes)
    ax.set(ylabel="lateralization index")
    ax.legend(fontsize=8)
    return fig


def _normalized(values) -> np.ndarray:
    values = np.asarray(values, float)
    peak = np.nanmax(np.abs(values)) if values.size else 0.0
    return values / peak if peak else values


def plot_spectra_overview(spectra: Mapping[str, tuple], *,
                          band: Sequence[float] | None = None, fmax: float = 45.0):
    """Network spectra and the band-power r² spectrum on one axis, peak-normalized.

    Parameters
    ----------
    spectra : mapping of str to (freqs, values)
        Label → frequencies (Hz) and one value per frequency (already reduced
        over channels); each curve is divided by its largest absolute value.
    band : (low, high) | None
        The subject's most discriminative band, shaded.
    fmax : float
        Upper frequency limit.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    fig, axes = _subplots(1, 1, width=6.0, height=3.2)
    ax = axes[0, 0]
    if band is not None:
        ax.axvspan(band[0], band[1], color="0.85", lw=0, label="discriminative band")
    for k, (label, (freqs, values)) in enumerate(spectra.items()):
        ls = "--" if "r²" in label else "-"
        ax.plot(np.asarray(freqs, float), _normalized(values), ls, color=f"C{k}",
                label=label)
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlim=(0, fmax), xlabel="frequency (Hz)", ylabel="normalized (peak = ±1)")
    ax.legend(fontsize=7)
    return fig


def _zscore(values) -> np.ndarray:
    values = np.asarray(values, float)
    sd = values.std()
    return (values - values.mean()) / sd if sd else values - values.mean()


def plot_relevance_vs_erd(relevance_courses, relevance_times, erd_percent, erd_times,
                          ch_names: Sequence[str], class_names: Sequence[str], *,
                          band: Sequence[float] | None = None):
    """Per-channel relevance time course next to the ERD/ERS time course.

    Parameters
    ----------
    relevance_courses : array-like, shape (n_classes, n_picks, n_times)
        Mean (smoothed) input relevance of each class at the picked channels.
    relevance_times : array-like, shape (n_times,)
        Times (s).
    erd_percent : array-like, shape (n_classes, n_picks, n_erd_times)
        Band-power change relative to baseline (%), negative = ERD.
    erd_times : array-like, shape (n_erd_times,)
        Times (s).
    ch_names : sequence of str, length n_picks
        Picked channels.
    class_names : sequence of str, length n_classes
        Classes (rows).
    band : (low, high) | None
        Frequency band of the ERD time course, for the title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows: classes; left column relevance, right column ERD/ERS.
    """
    rel = np.asarray(relevance_courses, float)
    erd = np.asarray(erd_percent, float)
    fig, axes = _subplots(len(class_names), 2, width=4.5, height=2.4, sharex=True)
    band_txt = f" {band[0]:g}–{band[1]:g} Hz" if band is not None else ""
    for r, cls in enumerate(class_names):
        for c, ch in enumerate(ch_names):
            axes[r, 0].plot(relevance_times, rel[r, c], color=f"C{c}", label=ch)
            axes[r, 1].plot(erd_times, erd[r, c], color=f"C{c}", label=ch)
        axes[r, 0].set(title=f"{cls}: relevance", ylabel="relevance")
        axes[r, 1].set(title=f"{cls}: ERD/ERS{band_txt}", ylabel="band power change (%)")
        for ax in axes[r]:
            ax.axvline(0, color="k", lw=0.8, ls="--")
            ax.axhline(0, color="0.5", lw=0.5)
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    axes[0, 0].legend(fontsize=7)
    return fig


def plot_csp_vs_relevance(csp_patterns, channel_relevance: Mapping[str, Sequence],
                          components: Mapping[str, int], ch_names: Sequence[str], *,
                          topomap: bool = False):
    """CSP pattern of each class's ERD component next to that class's channel relevance.

    Parameters
    ----------
    csp_patterns : array-like, shape (n_components, n_chans)
        CSP patterns (rows) of the CSP+LDA baseline.
    channel_relevance : mapping of str to array-like, shape (n_chans,)
        Class → channel relevance.
    components : mapping of str to int
        Class → row of ``csp_patterns`` whose power drops (ERD) for that class
        (:func:`eegxai.compare.csp_erd_components`).
    ch_names : sequence of str
        Channel names.
    topomap : bool
        Draw scalp maps (needs channel positions); otherwise bar charts.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows: classes; columns: |CSP pattern| and channel relevance, each
        scaled to a peak of 1 (bars) or z-scored across channels (scalp maps).
    """
    patterns = np.asarray(csp_patterns, float)
    classes = [c for c in channel_relevance if c in components]
    fig, axes = _subplots(max(len(classes), 1), 2, width=3.4 if topomap else 3.6,
                          height=3.0)
    for r, cls in enumerate(classes):
        k = int(components[cls])
        pattern = np.abs(patterns[k])
        relevance = np.asarray(channel_relevance[cls], float)
        if topomap:
            # Absolute values share one sign; on a scalp map the information is
            # which channels stand out, so show deviations from the channel mean.
            pattern, relevance = _zscore(pattern), _zscore(relevance)
        else:
            pattern, relevance = _normalized(pattern), _normalized(relevance)
        for ax, values, title in ((axes[r, 0], pattern, f"{cls}: |CSP pattern {k}|"),
                                  (axes[r, 1], relevance, f"{cls}: channel relevance")):
            if topomap:
                from ..analysis import plot_relevance_topomap

                plot_relevance_topomap(values, ch_names, ax=ax, title=title)
            else:
                ax.bar(np.arange(len(ch_names)), values,
                       color=np.where(values >= 0, "tab:red", "tab:blue"))
                ax.set_xticks(np.arange(len(ch_names)), list(ch_names))
                ax.axhline(0, color="k", lw=0.6)
                ax.set(title=title, ylim=(-1.05, 1.05), ylabel="peak-normalized")
    return fig


def plot_perturbation_curves(curves: Mapping[str, Mapping]):
    """Perturbation curves (MoRF, LeRF, random) per attribution method.

    Parameters
    ----------
    curves : mapping
        ``"method|composite[|baseline]|order"`` → ``{"fraction", "curve"}`` as in
        the evaluate JSON (:func:`eegxai.pipeline.evaluate_step`).

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per method (and composite/baseline); target logit vs the
        fraction of perturbed segments.
    """
    groups: dict[str, dict] = {}
    for key, entry in curves.items():
        *label, order = key.split("|")
        name = " / ".join(part for part in label if part)
        groups.setdefault(name, {})[order] = entry
    n = max(len(groups), 1)
    n_cols = min(n, 3)
    n_rows = int(np.ceil(n / n_cols))
    fig, axes = _subplots(n_rows, n_cols, width=3.6, height=2.8, sharey=True)
    styles = {"morf": ("tab:red", "MoRF"), "lerf": ("tab:blue", "LeRF"),
              "random": ("0.4", "random")}
    for ax, (name, orders) in zip(axes.ravel(), groups.items(), strict=False):
        for order, entry in orders.items():
            color, label = styles.get(order, (None, order))
            ax.plot(entry["fraction"], entry["curve"], color=color, label=label)
        ax.set(title=name, xlabel="fraction perturbed")
        ax.title.set_fontsize(8)
    for ax in axes[:, 0]:
        ax.set_ylabel("target logit")
    for ax in axes.ravel()[len(groups):]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=7)
    return fig


def plot_randomization(randomization: Mapping[str, Mapping]):
    """Cascading randomization: similarity to the original explanation vs layers randomized.

    Parameters
    ----------
    randomization : mapping
        Method → lists ``layer``, ``n_randomized`` and similarity columns
        (``spearman``, ``spearman_abs``, ``ssim``), as in the evaluate JSON.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per similarity measure, one line per method.
    """
    measures = [m for m in ("spearman", "spearman_abs", "ssim")
                if any(m in v for v in randomization.values())]
    fig, axes = _subplots(1, max(len(measures), 1), width=3.6, height=3.0, sharey=True)
    for ax, measure in zip(axes[0], measures, strict=False):
        for k, (method, table) in enumerate(randomization.items()):
            if measure not in table:
                continue
            x = np.arange(len(table[measure]))
            ax.plot(x, table[measure], "o-", color=f"C{k}", label=method)
        layers = next(iter(randomization.values())).get("layer", [])
        ax.set_xticks(np.arange(len(layers)),
                      [str(name).split(".")[-1] for name in layers], rotation=45,
                      ha="right", fontsize=7)
        ax.axhline(0, color="k", lw=0.5)
        ax.set(title=measure, xlabel="randomized down to layer")
    axes[0, 0].set_ylabel("similarity to original")
    axes[0, 0].legend(fontsize=7)
    return fig


def plot_group_time_course(times, courses: Mapping[str, np.ndarray]):
    """Grand-average relevance time course: mean over subjects ± 95% CI.

    Parameters
    ----------
    times : array-like, shape (n_times,)
        Times (s).
    courses : mapping of str to array-like, shape (n_subjects, n_times)
        Condition → one time course per subject.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    from ..analysis import mean_ci

    fig, axes = _subplots(1, 1, width=6.0, height=3.2)
    ax = axes[0, 0]
    for k, (label, values) in enumerate(courses.items()):
        values = np.asarray(values, float)
        mean, low, high = mean_ci(values, axis=0)
        ax.plot(times, mean, color=f"C{k}", label=f"{label} (n={len(values)})")
        if len(values) > 1:
            ax.fill_between(times, low, high, color=f"C{k}", alpha=0.2, lw=0)
    ax.axvline(0, color="k", lw=0.8, ls="--")
    ax.axhline(0, color="0.5", lw=0.5)
    ax.set(xlabel="time (s)", ylabel="relevance")
    ax.legend(fontsize=8)
    return fig


def plot_group_spectra(freqs, spectra: Mapping[str, np.ndarray], *, fmax: float = 45.0):
    """Grand-average first-layer relevance spectra (mean over subjects ± sd).

    Parameters
    ----------
    freqs : array-like, shape (n_freqs,)
        Frequencies (Hz).
    spectra : mapping of str to array-like, shape (n_subjects, n_freqs)
        ``positive`` / ``negative`` / ``net`` → one spectrum per subject.
    fmax : float
        Upper frequency limit.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    from ..analysis import BANDS

    fig, axes = _subplots(1, 1, width=6.0, height=3.2)
    ax = axes[0, 0]
    for (low, high), color in zip(BANDS.values(), ("tab:green", "tab:orange"),
                                  strict=False):
        ax.axvspan(low, high, color=color, alpha=0.1, lw=0)
    for k, (label, values) in enumerate(spectra.items()):
        values = np.asarray(values, float)
        mean = values.mean(axis=0)
        ax.plot(freqs, mean, color=f"C{k}", label=f"{label} (n={len(values)})")
        if len(values) > 1:
            sd = values.std(axis=0, ddof=1)
            ax.fill_between(freqs, mean - sd, mean + sd, color=f"C{k}", alpha=0.2, lw=0)
    ax.set(xlim=(0, fmax), xlabel="frequency (Hz)", ylabel="relevance-weighted gain")
    ax.legend(fontsize=8)
    return fig


def plot_shap_vs_lrp(shap_map, lrp_map, ch_names: Sequence[str], bands: Sequence[str]):
    """SHAP of the band-power LDA beside LRP of the ConvNet, channel × band.

    Parameters
    ----------
    shap_map, lrp_map : array-like, shape (n_bands, n_chans)
        Trial-mean signed maps, each divided by its largest absolute value
        (:func:`eegxai.experiments.shap_bandpower.channel_band_agreement`).
    ch_names : sequence of str
        Channel names (columns).
    bands : sequence of str
        Band names (rows).

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    maps = {"SHAP, band-power + LDA": np.asarray(shap_map, float),
            "LRP (DFT), ConvNet": np.asarray(lrp_map, float)}
    n_chans = len(ch_names)
    fig, axes = _subplots(1, 2, width=max(3.2, 0.35 * n_chans + 1.5), height=2.6)
    for ax, (title, values) in zip(axes[0], maps.items(), strict=True):
        im = ax.imshow(values, aspect="auto", cmap=DIVERGING, norm=_symmetric_norm(values, 100))
        ax.set_yticks(np.arange(len(bands)), list(bands))
        step = max(1, n_chans // 16)
        ax.set_xticks(np.arange(0, n_chans, step), list(ch_names)[::step], rotation=90,
                      fontsize=7 if n_chans > 16 else 9)
        ax.set_title(title, fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.8, label="relevance / max |·|")
    return fig


def plot_prototypes(kinds: Mapping[str, Mapping], class_names: Sequence[str],
                    ch_names: Sequence[str], *, picks: Sequence[str] = ("C3", "C4")):
    """Spectrum and channel distribution of each class's prototype EEG.

    Parameters
    ----------
    kinds : mapping of str to mapping
        Prototype kind ('l2', 'prior') → ``freqs`` (n_freqs,), ``psd``
        (n_classes, n_chans, n_freqs) and ``channel_rms`` (n_classes, n_chans)
        (:func:`eegxai.pipeline.evaluate_step`'s ``prototypes``).
    class_names, ch_names : sequence of str
        Classes (in the order of the arrays) and channels.
    picks : sequence of str
        Channels whose spectra are drawn (all channels' mean when absent).

    Returns
    -------
    fig : matplotlib.figure.Figure
        One row per kind: Welch spectra (log scale; colour = class, line style
        = channel, grey = mu 8–13 Hz) and RMS amplitude per channel.
    """
    picks = [c for c in picks if c in ch_names]
    fig, axes = _subplots(len(kinds), 2, width=4.2, height=2.8)
    x = np.arange(len(ch_names))
    width = 0.8 / max(len(class_names), 1)
    for row, (kind, entry) in zip(axes, kinds.items(), strict=True):
        psd = np.asarray(entry["psd"], float)
        rms = np.asarray(entry["channel_rms"], float)
        row[0].axvspan(8, 13, color="0.9")
        for k, cls in enumerate(class_names):
            lines = ({c: psd[k, list(ch_names).index(c)] for c in picks} if picks
                     else {"mean": psd[k].mean(0)})
            for j, (ch, spec) in enumerate(lines.items()):
                row[0].semilogy(entry["freqs"], spec, color=f"C{k}", ls=("-", "--", ":")[j % 3],
                                label=f"{cls} {ch}")
            row[1].bar(x + (k - (len(class_names) - 1) / 2) * width, rms[k], width,
                       color=f"C{k}", label=cls)
        row[0].set(xlabel="frequency (Hz)", ylabel="power", title=f"{kind}: spectrum")
        row[0].legend(fontsize=7)
        step = max(1, len(ch_names) // 16)
        row[1].set_xticks(x[::step], list(ch_names)[::step], rotation=90, fontsize=7)
        row[1].set(ylabel="RMS amplitude", title=f"{kind}: channel distribution")
        row[1].legend(fontsize=7)
    return fig


def _shade_band(ax, band: Sequence[float]) -> None:
    ax.axvspan(band[0], band[1], color="0.88", lw=0, zorder=0,
               label=f"{band[0]:g}–{band[1]:g} Hz")
    ax.axhline(0, color="k", lw=0.6)


def plot_band_occlusion(occlusion: Mapping, *, band: Sequence[float] = (8.0, 30.0)):
    """Margin drop D(b) ± SE per band: all trials, then each class.

    Parameters
    ----------
    occlusion : mapping
        :func:`eegxai.analysis.occlusion_summary` (as written by
        :func:`eegxai.pipeline.band_occlusion_step`): ``freqs``, ``drop`` and
        ``sem`` (n_bands,), ``classes`` (per class ``drop``, ``sem``,
        ``n_trials``), ``peak_freq``, ``peak_drop``, ``peak_sem``, ``p_peak``,
        ``resolution``, ``n_trials``.
    band : (low, high)
        Frequency band shaded, in Hz.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    freqs = np.asarray(occlusion["freqs"], float)
    panels = [(f"all trials (n={occlusion['n_trials']})", occlusion["drop"],
               occlusion["sem"])]
    panels += [(f"{name} (n={c['n_trials']})", c["drop"], c.get("sem"))
               for name, c in occlusion.get("classes", {}).items()]
    fig, axes = _subplots(1, len(panels), width=3.6, height=3.0, sharey=True)
    width = 0.8 * float(occlusion["resolution"])
    for k, (ax, (title, drop, sem)) in enumerate(zip(axes[0], panels, strict=True)):
        _shade_band(ax, band)
        ax.bar(freqs, np.asarray(drop, float), width, color=f"C{k}",
               yerr=None if sem is None else np.asarray(sem, float), ecolor="0.3",
               error_kw={"lw": 0.8})
        ax.set(title=title, xlabel="band centre (Hz)")
    ax = axes[0, 0]
    peak, drop, sem = occlusion["peak_freq"], occlusion["peak_drop"], occlusion["peak_sem"]
    ax.plot([peak], [drop + sem], "v", color="k", ms=5, label="peak")
    ax.margins(y=0.15)
    ax.text(0.97, 0.95, f"peak {peak:g} Hz\nD = {drop:.2f} ± {sem:.2f}\n"
            f"p = {occlusion['p_peak']:.3g}", transform=ax.transAxes, ha="right",
            va="top", fontsize=7, bbox={"facecolor": "white", "edgecolor": "0.7", "lw": 0.5})
    ax.set_ylabel("margin drop D(b) (logits)")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def plot_group_band_occlusion(models: Mapping[str, Mapping], *,
                              band: Sequence[float] = (8.0, 30.0)):
    """Mean D(b) over subjects ± SE over subjects per model, each subject's peak marked.

    Parameters
    ----------
    models : mapping of str to mapping
        Model label → ``freqs`` (n_bands,), ``drop`` (n_subjects, n_bands),
        ``peak_freq``, ``peak_drop`` and ``p_peak`` (n_subjects,).
    band : (low, high)
        Frequency band shaded, in Hz.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per model; dots: each subject's peak (filled: p < 0.05).
    """
    fig, axes = _subplots(1, len(models), width=4.2, height=3.2)
    for k, (ax, (label, m)) in enumerate(zip(axes[0], models.items(), strict=True)):
        freqs, drop = np.asarray(m["freqs"], float), np.asarray(m["drop"], float)
        mean = drop.mean(axis=0)
        _shade_band(ax, band)
        ax.plot(freqs, mean, color=f"C{k}", label=f"mean (n={len(drop)})")
        if len(drop) > 1:
            se = drop.std(axis=0, ddof=1) / np.sqrt(len(drop))
            ax.fill_between(freqs, mean - se, mean + se, color=f"C{k}", alpha=0.25, lw=0)
        significant = np.asarray(m["p_peak"], float) < 0.05
        for hit, marker in ((True, "full"), (False, "none")):
            sel = significant == hit
            ax.plot(np.asarray(m["peak_freq"], float)[sel],
                    np.asarray(m["peak_drop"], float)[sel], "o", color=f"C{k}",
                    fillstyle=marker, ms=5, ls="none",
                    label=f"subject peak, p {'<' if hit else '≥'} 0.05")
        ax.set(title=label, xlabel="band centre (Hz)", ylabel="margin drop D(b) (logits)")
        ax.legend(fontsize=6, loc="best")
    return fig
