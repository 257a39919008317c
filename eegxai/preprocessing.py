"""MNE preprocessing: recordings in, cue-locked epochs out.

Pipeline (every step configurable), applied to each recording separately:

1. channel selection (EEG channels; EOG channels are kept for step 4);
2. optional notch filter;
3. band-pass filter (default 4-38 Hz as Schirrmeister et al. 2017), applied to
   EEG and EOG alike so the regression sees the same band;
4. EOG removal by regression (Gratton et al. 1983, :class:`mne.preprocessing.
   EOGRegression`) when the recording has EOG channels, then EOG channels are
   dropped unless ``keep_eog=True``;
5. optional resampling;
6. exponential moving standardization (braindecode), on data scaled to µV
   first as in braindecode's examples;
7. cue-locked epochs ``[tmin, tmax)`` with metadata ``subject, session, run,
   label`` (plus ``dataset`` and ``onset``).

Epochs file format: MNE ``-epo.fif``; ``epochs.event_id`` maps the requested
classes to 1..n in the order asked; ``epochs.metadata`` has one row per epoch;
``epochs.info["description"]`` holds JSON with the dataset, subject, sessions,
runs, the preprocessing parameters and ``unit`` (``"standardized"`` or
``"V"``). Read it back with :func:`read_epochs`.

References
----------
Gratton G, Coles MGH, Donchin E (1983). A new method for off-line removal of
ocular artifact. Electroencephalogr Clin Neurophysiol 55(4):468-484.

Schirrmeister RT et al. (2017). Deep learning with convolutional neural networks
for EEG decoding and visualization. Hum Brain Mapp 38(11):5391-5420.
"""

from __future__ import annotations

import contextlib
import json
import logging
import numbers
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import mne
import numpy as np
import pandas as pd

from ._check import check_option, check_positive, validate_type
from ._io import atomic_path, provenance, write_json
from .datasets import DATASETS, load_subject, recording_metadata

__all__ = [
    "PreprocessParams",
    "epochs_to_arrays",
    "implausible_channels",
    "plot_qc",
    "preprocess",
    "preprocess_subject",
    "read_epochs",
    "save_epochs",
]

logger = logging.getLogger(__name__)

_CLASSES = ("left_hand", "right_hand", "feet", "hands", "rest")
_DEFAULT_WINDOW = (-0.5, 4.0)


def _as_raw_list(raws: Any) -> list[mne.io.BaseRaw]:
    if isinstance(raws, mne.io.BaseRaw):
        raws = [raws]
    validate_type(raws, (list, tuple), "raws")
    if not raws:
        raise ValueError("'raws' is empty: give at least one recording.")
    for i, raw in enumerate(raws):
        validate_type(raw, mne.io.BaseRaw, f"raws[{i}]")
    return list(raws)


def _check_freq(value: Any, name: str) -> float | None:
    if value is None:
        return None
    check_positive(value, name)
    return float(value)


def preprocess(
    raws: Sequence[mne.io.BaseRaw] | mne.io.BaseRaw,
    *,
    channels: Sequence[str] | None = None,
    eog_regression: bool = True,
    keep_eog: bool = False,
    l_freq: float | None = 4.0,
    h_freq: float | None = 38.0,
    notch: float | None = None,
    sfreq: float | None = None,
    standardize: bool = True,
    factor_new: float = 1e-3,
    init_block_size: int = 1000,
    tmin: float | None = None,
    tmax: float | None = None,
    classes: Sequence[str] = ("left_hand", "right_hand"),
    reject_by_annotation: bool = True,
) -> mne.Epochs:
    """Preprocess recordings of one subject into cue-locked epochs.

    Parameters
    ----------
    raws : list of mne.io.Raw | mne.io.Raw
        Recordings from an eegxai loader (metadata in ``info["description"]``,
        cue annotations). They are not modified.
    channels : sequence of str | None
        EEG channels to keep, in this order (None: every EEG channel).
    eog_regression : bool
        Regress EOG channels out of the EEG (:class:`mne.preprocessing.
        EOGRegression`, fitted per recording) when EOG channels exist.
    keep_eog : bool
        Keep the EOG channels in the epochs (after the EEG channels).
    l_freq, h_freq : float | None
        Band-pass edges in Hz (None: no high-pass / low-pass). Default 4-38 Hz;
        e.g. ``l_freq=0.5, h_freq=100`` for a wide band.
    notch : float | None
        Notch frequency in Hz (harmonics below Nyquist included), None = none.
    sfreq : float | None
        Resample to this rate in Hz after filtering (None: keep).
    standardize : bool
        Exponential moving standardization (braindecode
        ``exponential_moving_standardize``) of µV-scaled data; the epochs are
        then unitless. If False, epochs are in volts.
    factor_new : float
        Weight of new samples in the moving mean/variance (braindecode default).
    init_block_size : int
        Samples used to initialise the moving statistics.
    tmin, tmax : float | None
        Epoch window ``[tmin, tmax)`` in s relative to the cue (None: dataset
        default, -0.5 and 4.0 s).
    classes : sequence of str
        Cue classes to epoch; ``event_id`` maps them to 1..n in this order.
    reject_by_annotation : bool
        Drop epochs overlapping ``BAD_*`` annotations.

    Returns
    -------
    epochs : mne.Epochs
        Shape (n_epochs, n_channels, n_times) with
        n_times = round((tmax - tmin) * sfreq); ``metadata`` columns
        ``dataset, subject, session, run, label, onset``.
    """
    raws = _as_raw_list(raws)
    metas = [recording_metadata(raw) for raw in raws]
    dataset = metas[0]["dataset"]
    default = DATASETS[dataset] if dataset in DATASETS else None
    window = _DEFAULT_WINDOW if default is None else (default.tmin, default.tmax)
    params = PreprocessParams(
        channels=channels, eog_regression=eog_regression, keep_eog=keep_eog,
        l_freq=l_freq, h_freq=h_freq, notch=notch, sfreq=sfreq,
        standardize=standardize, factor_new=factor_new,
        init_block_size=init_block_size,
        tmin=window[0] if tmin is None else tmin,
        tmax=window[1] if tmax is None else tmax,
        classes=classes, reject_by_annotation=reject_by_annotation,
    )
    with mne.utils.use_log_level("error"), warnings.catch_warnings():
        # epochs carry no annotations of their own here; MNE warns on concatenation
        warnings.filterwarnings(
            "ignore", "Concatenation of Annotations", RuntimeWarning
        )
        return _preprocess(raws, metas, dataset=dataset, params=params)


@dataclass(frozen=True)
class PreprocessParams:
    """The arguments of :func:`preprocess` (documented there), validated once.

    ``tmin`` and ``tmax`` are resolved (no None); ``classes`` and ``channels``
    are tuples; frequencies are floats or None.
    """

    channels: tuple[str, ...] | None
    eog_regression: bool
    keep_eog: bool
    l_freq: float | None
    h_freq: float | None
    notch: float | None
    sfreq: float | None
    standardize: bool
    factor_new: float
    init_block_size: int
    tmin: float
    tmax: float
    classes: tuple[str, ...]
    reject_by_annotation: bool

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        validate_type(self.classes, (list, tuple), "classes")
        classes = tuple(self.classes)
        if not classes or len(set(classes)) != len(classes):
            raise ValueError(f"'classes' must be distinct class names, got {classes!r}.")
        for cls in classes:
            check_option("classes", cls, _CLASSES)
        put("classes", classes)
        if self.channels is not None:
            validate_type(self.channels, (list, tuple), "channels")
            put("channels", tuple(str(ch) for ch in self.channels))
        for name in ("eog_regression", "keep_eog", "standardize", "reject_by_annotation"):
            validate_type(getattr(self, name), bool, name)
        l_freq = _check_freq(self.l_freq, "l_freq")
        h_freq = _check_freq(self.h_freq, "h_freq")
        if l_freq is not None and h_freq is not None and not l_freq < h_freq:
            raise ValueError(f"'l_freq' ({l_freq}) must be below 'h_freq' ({h_freq}).")
        notch, sfreq = _check_freq(self.notch, "notch"), _check_freq(self.sfreq, "sfreq")
        if sfreq is not None and h_freq is not None and not h_freq < sfreq / 2:
            raise ValueError(
                f"'h_freq' ({h_freq} Hz) must lie below the Nyquist frequency "
                f"({sfreq / 2} Hz) of the resampled data ('sfreq' = {sfreq} Hz)."
            )
        for name, value in (("l_freq", l_freq), ("h_freq", h_freq), ("notch", notch),
                            ("sfreq", sfreq)):
            put(name, value)
        check_positive(self.factor_new, "factor_new")
        validate_type(self.init_block_size, numbers.Integral, "init_block_size")
        check_positive(self.init_block_size, "init_block_size")
        put("init_block_size", int(self.init_block_size))
        validate_type(self.tmin, numbers.Real, "tmin")
        validate_type(self.tmax, numbers.Real, "tmax")
        if not self.tmin < self.tmax:
            raise ValueError(f"'tmin' ({self.tmin}) must be below 'tmax' ({self.tmax}).")
        put("tmin", float(self.tmin))
        put("tmax", float(self.tmax))

    def description(self, sfreq: float) -> dict:
        """The ``preprocessing`` entry of the epochs description (``sfreq``: final rate)."""
        return {
            "channels": None if self.channels is None else list(self.channels),
            "eog_regression": self.eog_regression,
            "keep_eog": self.keep_eog,
            "l_freq": self.l_freq,
            "h_freq": self.h_freq,
            "notch": self.notch,
            "sfreq": float(sfreq),
            "standardize": self.standardize,
            "factor_new": self.factor_new,
            "init_block_size": self.init_block_size,
            "tmin": self.tmin,
            "tmax": self.tmax,
            "classes": list(self.classes),
        }


def _preprocess(
    raws: list[mne.io.BaseRaw],
    metas: list[dict],
    *,
    dataset: str,
    params: PreprocessParams,
) -> mne.Epochs:
    classes = params.classes
    event_id = {cls: i + 1 for i, cls in enumerate(classes)}
    all_epochs = []
    for raw, meta in zip(raws, metas, strict=True):
        present = {str(d) for d in raw.annotations.description} & set(classes)
        if not present:
            logger.info(
                "Recording %s/%s has none of %s; skipped.",
                meta["session"],
                meta["run"],
                classes,
            )
            continue
        raw = _clean_raw(raw, params)
        events, _ = mne.events_from_annotations(
            raw, event_id={c: event_id[c] for c in present}, verbose=False
        )
        epochs = mne.Epochs(
            raw,
            events,
            event_id={c: event_id[c] for c in classes if c in present},
            tmin=params.tmin,
            tmax=params.tmax - 1.0 / raw.info["sfreq"],
            baseline=None,
            preload=True,
            reject_by_annotation=params.reject_by_annotation,
            on_missing="ignore",
            verbose=False,
        )
        labels = {v: k for k, v in event_id.items()}
        epochs.metadata = pd.DataFrame(
            {
                "dataset": meta["dataset"],
                "subject": int(meta["subject"]),
                "session": meta["session"],
                "run": meta["run"],
                "label": [labels[c] for c in epochs.events[:, 2]],
                "onset": (epochs.events[:, 0] - raw.first_samp) / raw.info["sfreq"],
            }
        )
        epochs.event_id = dict(event_id)
        all_epochs.append(epochs)

    counts = {cls: 0 for cls in classes}
    for epochs in all_epochs:
        for label in epochs.metadata["label"]:
            counts[label] += 1
    empty = [cls for cls, n in counts.items() if n == 0]
    if empty:
        found = sorted({str(d) for raw in raws for d in raw.annotations.description})
        raise ValueError(
            f"No trials of class(es) {empty} (epochs per class: {counts}). "
            f"Annotations in the recordings: {found}. Choose 'classes' among them "
            "or check the epoch window against the recording length."
        )
    if len(all_epochs) > 1:
        epochs = mne.concatenate_epochs(all_epochs, add_offset=True, verbose=False)
    else:
        epochs = all_epochs[0]
    epochs.event_id = dict(event_id)
    description = {
        "dataset": dataset,
        "subject": int(metas[0]["subject"]),
        "session": ",".join(dict.fromkeys(epochs.metadata["session"])),
        "run": ",".join(dict.fromkeys(epochs.metadata["run"])),
        "unit": "standardized" if params.standardize else "V",
        "preprocessing": params.description(epochs.info["sfreq"]),
    }
    with epochs.info._unlock():
        epochs.info["description"] = json.dumps(description, sort_keys=True)
    return epochs


def _clean_raw(raw: mne.io.BaseRaw, params: PreprocessParams) -> mne.io.BaseRaw:
    """Steps 1-6 of the module docstring on one recording (a copy)."""
    channels, l_freq, h_freq = params.channels, params.l_freq, params.h_freq
    notch, sfreq = params.notch, params.sfreq
    source = raw
    types = dict(zip(raw.ch_names, raw.get_channel_types(), strict=True))
    eeg = [ch for ch, t in types.items() if t == "eeg"]
    eog = [ch for ch, t in types.items() if t == "eog"]
    if channels is not None:
        missing = [ch for ch in channels if ch not in raw.ch_names]
        if missing:
            raise ValueError(
                f"Channel(s) {missing} not found in recording "
                f"{_describe(source)}. Channels present: {raw.ch_names}."
            )
        not_eeg = [ch for ch in channels if types[ch] != "eeg"]
        if not_eeg:
            raise ValueError(
                f"'channels' must name EEG channels; {not_eeg} are "
                f"{[types[c] for c in not_eeg]} (use keep_eog=True to keep EOG)."
            )
        eeg = list(channels)
    if not eeg:
        raise ValueError(f"Recording {_describe(source)} has no EEG channels.")
    raw = raw.copy().pick(eeg + eog).load_data(verbose=False)
    bad = implausible_channels(raw, eeg)
    if bad:
        raise ValueError(
            f"Implausible amplitude in {_describe(source)}: "
            + "; ".join(f"{ch} {why}" for ch, why in bad.items())
            + ". The file is probably corrupt (e.g. an EDF header with digital "
            "minimum = maximum) or in the wrong unit; standardization would hide "
            "it. Fix or replace the file, or leave the channel out ('channels')."
        )
    data_picks = eeg + eog
    if notch is not None:
        nyq = raw.info["sfreq"] / 2
        if not notch < nyq:
            raise ValueError(
                f"'notch' ({notch} Hz) must lie below the Nyquist frequency "
                f"({nyq} Hz) of {_describe(source)}."
            )
        raw.notch_filter(np.arange(notch, nyq, notch), picks=data_picks, verbose=False)
    if l_freq is not None or h_freq is not None:
        if h_freq is not None and h_freq >= raw.info["sfreq"] / 2:
            raise ValueError(
                f"'h_freq' ({h_freq} Hz) must lie below the Nyquist frequency "
                f"({raw.info['sfreq'] / 2} Hz) of {_describe(source)}."
            )
        raw.filter(l_freq, h_freq, picks=data_picks, verbose=False)
    if params.eog_regression and eog:
        # The recordings are already referenced (mastoid / linked ears); tell
        # MNE so instead of forcing an average reference on 3 channels.
        raw.set_eeg_reference(ref_channels=[], verbose=False)
        model = mne.preprocessing.EOGRegression(picks="eeg", picks_artifact="eog")
        model.fit(raw)
        model.apply(raw, copy=False)
    if eog and not params.keep_eog:
        raw.drop_channels(eog)
    if sfreq is not None and sfreq != raw.info["sfreq"]:
        raw.resample(sfreq, verbose=False)
    if params.standardize:
        from braindecode.preprocessing import exponential_moving_standardize

        def scaled_ems(data: np.ndarray) -> np.ndarray:
            # volts -> µV first, as in braindecode's examples
            return exponential_moving_standardize(
                data * 1e6, factor_new=params.factor_new,
                init_block_size=params.init_block_size,
            )

        raw.apply_function(
            scaled_ems, picks=["eeg", "eog"], channel_wise=False, verbose=False
        )
    return raw


#: Sample-to-sample amplitude (median absolute first difference, in volts) above
#: which a channel cannot be scalp EEG (recorded EEG: a few µV per sample).
MAX_STEP_AMPLITUDE = 1e-3
#: A channel whose median absolute first difference exceeds this multiple of the
#: median over the recording's EEG channels is implausible.
MAX_AMPLITUDE_RATIO = 50.0


def implausible_channels(
    raw: mne.io.BaseRaw, picks: Sequence[str] | None = None
) -> dict[str, str]:
    """EEG channels whose amplitude cannot be real scalp EEG, with the reason.

    The amplitude of a channel is the median absolute difference of
    consecutive samples (insensitive to offsets and slow drifts, which leave
    amplitudes comparable across amplifiers). A channel is implausible when it
    exceeds :data:`MAX_STEP_AMPLITUDE` volts or :data:`MAX_AMPLITUDE_RATIO`
    times the median over ``picks``; e.g. an EDF channel whose digital minimum
    equals its maximum is scaled up about 10,000-fold by the reader.

    Parameters
    ----------
    raw : mne.io.Raw
        A recording in volts, data loaded.
    picks : sequence of str | None
        Channels to check (None: the EEG channels).

    Returns
    -------
    bad : dict
        Channel name -> reason (amplitude and its ratio to the median), in
        channel order; empty when every channel is plausible.
    """
    picks = list(picks) if picks is not None else [
        ch for ch, t in zip(raw.ch_names, raw.get_channel_types(), strict=True)
        if t == "eeg"]
    if not picks:
        return {}
    data = raw.get_data(picks=picks)
    step = np.median(np.abs(np.diff(data, axis=1)), axis=1)
    reference = float(np.median(step))
    bad = {}
    for ch, amp in zip(picks, step, strict=True):
        ratio = amp / reference if reference > 0 else np.inf
        if amp > MAX_STEP_AMPLITUDE or (len(picks) >= 3 and ratio > MAX_AMPLITUDE_RATIO):
            bad[ch] = (f"has a median sample-to-sample step of {amp * 1e6:.4g} µV, "
                       f"{ratio:.3g}x the median of the {len(picks)} EEG channels")
    return bad


def _describe(raw: mne.io.BaseRaw) -> str:
    try:
        meta = recording_metadata(raw)
    except ValueError:
        return repr(raw)
    where = f" ({meta['file']})" if "file" in meta else ""
    return (
        f"{meta['dataset']} subject {meta['subject']} session {meta['session']} "
        f"run {meta['run']}{where}"
    )


# ----------------------------------------------------------------------------
# files


def save_epochs(epochs: mne.BaseEpochs, path: str | os.PathLike) -> Path:
    """Write epochs to ``path`` (must end in ``-epo.fif``) atomically."""
    validate_type(epochs, mne.BaseEpochs, "epochs")
    path = Path(path)
    if not path.name.endswith("-epo.fif"):
        raise ValueError(f"Epochs files must end in '-epo.fif', got {path.name!r}.")
    with atomic_path(path, suffix="-epo.fif") as tmp:
        epochs.save(tmp, overwrite=True, verbose=False)
    return path


def read_epochs(path: str | os.PathLike) -> mne.Epochs:
    """Read epochs written by :func:`save_epochs` (session/run kept as str)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Epochs file {path} does not exist.")
    try:
        epochs = mne.read_epochs(path, preload=True, verbose="error")
    except Exception as exc:
        raise ValueError(f"Could not read {path}: {type(exc).__name__}: {exc}") from exc
    if epochs.metadata is not None:
        meta = epochs.metadata
        for col in ("session", "run", "label", "dataset"):
            if col in meta:
                meta[col] = meta[col].astype(str)
        if "subject" in meta:
            meta["subject"] = meta["subject"].astype(int)
        epochs.metadata = meta
    return epochs


def epochs_to_arrays(
    epochs: mne.BaseEpochs,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Return the data, labels and metadata of epochs as arrays.

    Returns
    -------
    X : ndarray of float32, shape (n_trials, n_chans, n_times)
        The data.
    y : ndarray of int64, shape (n_trials,)
        Class index 0..n_classes-1 in ``epochs.event_id`` order.
    metadata : pandas.DataFrame
        One row per epoch (index reset), ``subject, session, run, label, ...``.
    """
    validate_type(epochs, mne.BaseEpochs, "epochs")
    codes = list(epochs.event_id.values())
    lookup = {code: i for i, code in enumerate(codes)}
    unknown = sorted(set(epochs.events[:, 2]) - set(lookup))
    if unknown:
        raise ValueError(
            f"Event codes {unknown} are not in event_id {epochs.event_id}."
        )
    X = epochs.get_data(copy=True).astype(np.float32)
    y = np.array([lookup[c] for c in epochs.events[:, 2]], dtype=np.int64)
    metadata = (
        epochs.metadata.reset_index(drop=True)
        if epochs.metadata is not None
        else pd.DataFrame(index=range(len(y)))
    )
    return X, y, metadata


# ----------------------------------------------------------------------------
# quality control


def plot_qc(
    raws_before: Sequence[mne.io.BaseRaw] | mne.io.BaseRaw,
    after: mne.BaseEpochs | Sequence[mne.io.BaseRaw] | mne.io.BaseRaw,
    *,
    fmax: float = 60.0,
    title: str | None = None,
) -> matplotlib.figure.Figure:
    """QC figure: PSD before and after preprocessing, trials per class and session.

    Parameters
    ----------
    raws_before : list of Raw | Raw
        The recordings as loaded.
    after : Epochs | list of Raw | Raw
        The preprocessed data.
    fmax : float
        Highest frequency shown (Hz).
    title : str | None
        Figure title (default: dataset and subject).

    Returns
    -------
    fig : matplotlib.figure.Figure
        Three panels: mean EEG PSD (µV²/Hz, log) of the raw recordings, mean
        PSD of the preprocessed data (its own unit), trial counts.
    """
    import matplotlib.pyplot as plt

    raws_before = _as_raw_list(raws_before)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")
    freqs_before, psds = None, []
    for raw in raws_before:
        nyq = raw.info["sfreq"] / 2
        spec = raw.compute_psd(picks="eeg", fmax=min(fmax, nyq), verbose=False)
        psd, freqs_before = spec.get_data(return_freqs=True)
        psds.append(psd.mean(axis=0) * 1e12)
    n = min(len(p) for p in psds)
    axes[0].semilogy(
        freqs_before[:n], np.mean([p[:n] for p in psds], axis=0), color="k"
    )
    axes[0].set(title="before", xlabel="Frequency (Hz)", ylabel="PSD (µV²/Hz)")

    if isinstance(after, mne.BaseEpochs):
        nyq = after.info["sfreq"] / 2
        spec = after.compute_psd(picks="eeg", fmax=min(fmax, nyq), verbose=False)
        psd, freqs = spec.get_data(return_freqs=True)
        axes[1].semilogy(freqs, psd.mean(axis=(0, 1)), color="C0")
        unit = json.loads(after.info["description"] or "{}").get("unit", "V")
        counts = pd.crosstab(after.metadata["session"], after.metadata["label"])
    else:
        after = _as_raw_list(after)
        psd_after = []
        for raw in after:
            nyq = raw.info["sfreq"] / 2
            spec = raw.compute_psd(picks="eeg", fmax=min(fmax, nyq), verbose=False)
            psd, freqs = spec.get_data(return_freqs=True)
            psd_after.append(psd.mean(axis=0))
        m = min(len(p) for p in psd_after)
        axes[1].semilogy(freqs[:m], np.mean([p[:m] for p in psd_after], axis=0))
        unit = "V"
        rows = [
            (recording_metadata(r)["session"], str(d))
            for r in after
            for d in r.annotations.description
        ]
        frame = pd.DataFrame(rows, columns=["session", "label"])
        counts = pd.crosstab(frame["session"], frame["label"])
    axes[1].set(
        title="after",
        xlabel="Frequency (Hz)",
        ylabel="PSD (a.u.²/Hz)" if unit == "standardized" else "PSD (V²/Hz)",
    )
    counts.plot.bar(ax=axes[2], rot=0)
    axes[2].set(title="trials per class and session", xlabel="session", ylabel="trials")
    if title is None:
        meta = recording_metadata(raws_before[0])
        title = f"{meta['dataset']} subject {meta['subject']}"
    fig.suptitle(title)
    return fig


# ----------------------------------------------------------------------------
# workflow entry point


def preprocess_subject(
    dataset: str,
    subject: int,
    out_epochs: str | os.PathLike,
    out_qc: str | os.PathLike,
    out_summary: str | os.PathLike | None = None,
    *,
    loader_kwargs: dict | None = None,
    **params: Any,
) -> dict:
    """Load, preprocess and write one subject: epochs, QC figure, JSON summary.

    Nothing is written unless every step succeeds; each file is written to a
    temporary name and renamed into place.

    Parameters
    ----------
    dataset : str
        ``"bci_iv_2b"``, ``"eegmmidb"`` or ``"simulated"``.
    subject : int
        Subject number.
    out_epochs : path-like
        Epochs file (``-epo.fif``).
    out_qc : path-like
        QC figure (``.png``).
    out_summary : path-like | None
        JSON summary; default ``out_epochs`` with ``.json`` instead of
        ``-epo.fif``. Keys: ``dataset, subject, n_trials, n_trials_per_class,
        n_trials_per_session`` (session -> class -> count), ``dropped`` (count
        and reasons), ``sfreq, channels, n_times, tmin, tmax, unit, params,
        loader_kwargs, provenance``.
    loader_kwargs : dict | None
        Keyword arguments of the loader (:func:`eegxai.datasets.load_subject`).
    **params
        Keyword arguments of :func:`preprocess`.

    Returns
    -------
    summary : dict
        The summary written to ``out_summary``.
    """
    import matplotlib.pyplot as plt

    out_epochs = Path(out_epochs)
    if out_summary is None:
        out_summary = out_epochs.with_name(out_epochs.name.replace("-epo.fif", ".json"))
    loader_kwargs = dict(loader_kwargs or {})
    raws = load_subject(dataset, subject, **loader_kwargs)
    epochs = preprocess(raws, **params)
    fig = plot_qc(raws, epochs)

    meta = epochs.metadata
    dropped = [log for log in epochs.drop_log if log]
    reasons: dict[str, int] = {}
    for log in dropped:
        for reason in log:
            reasons[reason] = reasons.get(reason, 0) + 1
    description = json.loads(epochs.info["description"])
    summary = {
        "dataset": dataset,
        "subject": int(subject),
        "n_trials": len(epochs),
        "n_trials_per_class": {
            c: int((meta["label"] == c).sum()) for c in epochs.event_id
        },
        "n_trials_per_session": {
            str(s): {
                c: int(((meta["session"] == s) & (meta["label"] == c)).sum())
                for c in epochs.event_id
            }
            for s in dict.fromkeys(meta["session"])
        },  # fmt: skip
        "dropped": {"n": len(dropped), "reasons": reasons},
        "sfreq": float(epochs.info["sfreq"]),
        "channels": list(epochs.ch_names),
        "n_times": int(len(epochs.times)),
        "tmin": description["preprocessing"]["tmin"],
        "tmax": description["preprocessing"]["tmax"],
        "unit": description["unit"],
        "params": description["preprocessing"],
        "loader_kwargs": loader_kwargs,
        "provenance": provenance(),
    }
    with contextlib.ExitStack() as stack:
        tmp_epochs = stack.enter_context(atomic_path(out_epochs, suffix="-epo.fif"))
        tmp_qc = stack.enter_context(atomic_path(out_qc, suffix=Path(out_qc).suffix))
        epochs.save(tmp_epochs, overwrite=True, verbose=False)
        fig.savefig(tmp_qc, dpi=100)
        plt.close(fig)
        write_json(out_summary, summary)
    return summary
