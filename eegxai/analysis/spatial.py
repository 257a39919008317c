"""Where does the decoder look? Channel relevance, lateralization, topographies.

Channel relevance is the input relevance summed over time. For hand motor
imagery the expected pattern is contralateral: imagery of the left hand
desynchronizes the mu/beta rhythm over the right sensorimotor cortex (C4), and
vice versa [1]_. The lateralization index

    LI = (R_C3 − R_C4) / (|R_C3| + |R_C4|),   LI ∈ [−1, 1],

is positive when relevance sits over the left hemisphere (C3) and negative when
over the right (C4). With 64 channels the same index is computed on hemisphere
sums: in the 10-10 system odd-numbered names lie left, even-numbered right,
names ending in ``z`` on the midline.

References
----------
.. [1] Pfurtscheller, G., & Lopes da Silva, F. H. (1999). Event-related EEG/MEG
       synchronization and desynchronization: basic principles. Clinical
       Neurophysiology, 110(11), 1842-1857.
.. [2] Sturm, I., Lapuschkin, S., Samek, W., & Müller, K.-R. (2016).
       Interpretable deep neural networks for single-trial EEG classification.
       Journal of Neuroscience Methods, 274, 141-145.
"""

from __future__ import annotations

import re

import numpy as np

from .._check import check_array, check_option, validate_type

__all__ = [
    "channel_relevance",
    "hemisphere",
    "hemisphere_sums",
    "lateralization_index",
    "plot_relevance_topomap",
]


def channel_relevance(relevance, *, absolute: bool = False) -> np.ndarray:
    """Relevance per trial and channel (sum over time).

    Parameters
    ----------
    relevance : array-like, shape (n_trials, n_chans, n_times)
        Input relevance.
    absolute : bool
        Sum ``|R|`` instead of the signed relevance.

    Returns
    -------
    per_channel : ndarray, shape (n_trials, n_chans)
        Relevance summed over time.
    """
    relevance = check_array(relevance, "relevance", ndim=3, dtype=float)
    validate_type(absolute, bool, "absolute")
    return (np.abs(relevance) if absolute else relevance).sum(axis=2)


def _normalize_name(name: str) -> str:
    # "EEG C3-REF", "C3.." (EEGMMIDB), "c3" all denote C3.
    name = str(name).strip().rstrip(".")
    name = re.sub(r"^EEG[\s:_-]*", "", name, flags=re.I)
    name = re.split(r"[-\s]", name)[0]
    return name.upper()


def hemisphere(name: str) -> str:
    """Hemisphere of a 10-10 channel name: ``"left"``, ``"right"`` or ``"midline"``.

    Odd trailing numbers are left, even right, a trailing ``z`` is midline;
    anything else (EOG, references) is ``"other"``.

    Parameters
    ----------
    name : str
        Channel name, e.g. ``"C3"``, ``"FC4"``, ``"Cz"``, ``"C3.."``.

    Returns
    -------
    side : str
        One of ``"left"``, ``"right"``, ``"midline"``, ``"other"``.
    """
    norm = _normalize_name(name)
    match = re.fullmatch(r"[A-Z]+?(\d+|Z)", norm)
    if match is None:
        return "other"
    tail = match.group(1)
    if tail == "Z":
        return "midline"
    return "left" if int(tail) % 2 == 1 else "right"


def _find_channel(ch_names, name: str) -> int:
    norm = [_normalize_name(c) for c in ch_names]
    target = _normalize_name(name)
    if target not in norm:
        raise ValueError(
            f"Channel {name!r} not found; available channels are {list(ch_names)}."
        )
    return norm.index(target)


def _li(left, right) -> np.ndarray:
    left, right = np.asarray(left, float), np.asarray(right, float)
    denom = np.abs(left) + np.abs(right)
    with np.errstate(invalid="ignore", divide="ignore"):
        li = (left - right) / denom
    return np.where(denom > 0, li, 0.0)


def lateralization_index(
    per_channel,
    ch_names,
    *,
    left: str = "C3",
    right: str = "C4",
    mode: str = "channels",
) -> np.ndarray:
    """Lateralization index ``LI = (R_left − R_right) / (|R_left| + |R_right|)``.

    Parameters
    ----------
    per_channel : array-like, shape (..., n_chans)
        Relevance per channel (e.g. from :func:`channel_relevance`, per trial
        or averaged over trials).
    ch_names : sequence of str, length n_chans
        Channel names.
    left, right : str
        Channels compared when ``mode="channels"``.
    mode : ``"channels"`` | ``"hemispheres"``
        Compare two channels, or the sums over all left vs all right
        channels (see :func:`hemisphere`).

    Returns
    -------
    li : ndarray, shape (...)
        Index in [−1, 1]; positive means more relevance on the left
        hemisphere (C3). 0 where both values are 0.
    """
    check_option("mode", mode, ("channels", "hemispheres"))
    per_channel = check_array(per_channel, "per_channel", dtype=float)
    ch_names = list(ch_names)
    if per_channel.shape[-1] != len(ch_names):
        raise ValueError(
            f"'per_channel' has {per_channel.shape[-1]} channels but 'ch_names' has "
            f"{len(ch_names)}."
        )
    if mode == "channels":
        values_left = per_channel[..., _find_channel(ch_names, left)]
        values_right = per_channel[..., _find_channel(ch_names, right)]
    else:
        sums = hemisphere_sums(per_channel, ch_names)
        values_left, values_right = sums["left"], sums["right"]
    return _li(values_left, values_right)


def hemisphere_sums(per_channel, ch_names) -> dict[str, np.ndarray]:
    """Sum relevance over the channels of each hemisphere.

    Parameters
    ----------
    per_channel : array-like, shape (..., n_chans)
        Relevance per channel.
    ch_names : sequence of str, length n_chans
        10-10 channel names.

    Returns
    -------
    sums : dict
        ``"left"``, ``"right"``, ``"midline"`` and ``"other"``: arrays of
        shape (...), the sums over the channels of that group (0 if none).
    """
    per_channel = check_array(per_channel, "per_channel", dtype=float)
    sides = np.array([hemisphere(c) for c in ch_names])
    if per_channel.shape[-1] != len(sides):
        raise ValueError("'per_channel' and 'ch_names' disagree on the channel count.")
    return {
        side: per_channel[..., sides == side].sum(axis=-1)
        for side in ("left", "right", "midline", "other")
    }


def plot_relevance_topomap(
    values,
    ch_names,
    *,
    montage: str | None = None,
    title: str | None = None,
    cmap: str = "RdBu_r",
    ax=None,
):
    """Topographic map of channel relevance (diverging colormap centered at 0).

    Parameters
    ----------
    values : array-like, shape (n_chans,)
        One value per channel (e.g. mean channel relevance).
    ch_names : sequence of str, length n_chans
        Channel names; names are matched to ``montage`` after removing
        EEGMMIDB's trailing dots and case differences. Channels without a
        position are dropped.
    montage : str | None
        Name of an MNE standard montage; default the 10-05 template
        (``"colin27_1005"``, called ``"standard_1005"`` before MNE 1.13).
    title : str | None
        Axes title.
    cmap : str
        Matplotlib colormap.
    ax : matplotlib Axes | None
        Axes to draw in; a new figure is made when None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the map.
    """
    import matplotlib.pyplot as plt
    import mne

    values = check_array(values, "values", ndim=1, dtype=float)
    if len(values) != len(ch_names):
        raise ValueError("'values' and 'ch_names' must have the same length.")
    if montage is None:
        builtin = mne.channels.get_builtin_montages()
        montage = "colin27_1005" if "colin27_1005" in builtin else "standard_1005"
    std = mne.channels.make_standard_montage(montage)
    positions = std.get_positions()["ch_pos"]
    lookup = {name.upper(): name for name in positions}
    keep, names = [], []
    for i, ch in enumerate(ch_names):
        norm = _normalize_name(ch)
        if norm in lookup:
            keep.append(i)
            names.append(lookup[norm])
    if len(keep) < 3:
        raise ValueError(
            f"At least 3 channels need a position in montage {montage!r} for a "
            f"topomap, but only {len(keep)} of {list(ch_names)} have one."
        )
    info = mne.create_info(names, sfreq=100.0, ch_types="eeg")
    info.set_montage(std, on_missing="ignore")
    if ax is None:
        fig, ax = plt.subplots(figsize=(3.5, 3.5), layout="constrained")
    else:
        fig = ax.figure
    vlim = float(np.max(np.abs(values[keep]))) or 1.0
    im, _ = mne.viz.plot_topomap(
        values[keep], info, axes=ax, show=False, cmap=cmap, vlim=(-vlim, vlim),
        names=names if len(names) <= 16 else None,
    )
    fig.colorbar(im, ax=ax, shrink=0.7, label="relevance")
    if title:
        ax.set_title(title)
    return fig
