"""Simulated motor-imagery EEG with a known ground truth.

The simulator mixes a 1/f background with mu (~8-13 Hz) and beta (~18-26 Hz)
rhythms generated at a left and a right sensorimotor source. During imagery of
one hand the rhythms at the *contralateral* source are attenuated (event-related
desynchronisation, ERD; Pfurtscheller & Lopes da Silva 1999) and beta power
rebounds after the imagery period (ERS). Eye blinks, optionally planted mostly in
one class (a "Clever Hans" shortcut), are added on EOG and frontal channels.

Two layouts are available:

* ``montage="2b"``: C3, Cz, C4 + EOG1-3 at 250 Hz, sessions 01T-05E, the trial
  structure of BCI Competition IV 2b (fixation at -3 s, cue at 0 s, imagery
  0-4 s).
* ``montage="64"``: the 64 channels of PhysioNet EEGMMIDB (10-10 names after
  :func:`mne.datasets.eegbci.standardize`) at 160 Hz, session "1", runs 4/8/12.

Everything the decoder could learn is recorded in :class:`GroundTruth`, so the
relevance of an explanation can be scored against what was planted.

The module also writes simulated recordings in the file formats of the real
data (the MOABB BNCI ``.mat`` cache and competition GDF files with true-label
``.mat`` files), so the loaders are exercised on the same bytes they would read
from the real dataset.

References
----------
Pfurtscheller G, Lopes da Silva FH (1999). Event-related EEG/MEG
synchronization and desynchronization: basic principles. Clin Neurophysiol
110(11):1842-1857.

Leeb R, Brunner C, Müller-Putz G, Schlögl A, Pfurtscheller G (2008). BCI
Competition 2008 - Graz data set B. Graz University of Technology.
"""

from __future__ import annotations

import dataclasses
import numbers
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import mne
import numpy as np
import scipy.fft
import scipy.io

from .._check import check_option, check_positive, check_range, validate_type
from .._io import atomic_path
from ._common import set_recording_metadata, standard_montage

__all__ = [
    "CLASSES",
    "EEGMMIDB_CHANNELS",
    "GroundTruth",
    "SimulationParams",
    "simulate_subject",
    "write_bci_iv_2b_gdf",
    "write_bnci_mat",
    "write_gdf",
]

#: Classes the simulator plants, in label order.
CLASSES = ("left_hand", "right_hand")

#: The 64 channels of EEGMMIDB after ``eegbci.standardize`` (file order).
EEGMMIDB_CHANNELS = (
    "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "C5", "C3", "C1", "Cz", "C2",
    "C4", "C6", "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6", "Fp1", "Fpz", "Fp2",
    "AF7", "AF3", "AFz", "AF4", "AF8", "F7", "F5", "F3", "F1", "Fz", "F2", "F4", "F6",
    "F8", "FT7", "FT8", "T7", "T8", "T9", "T10", "TP7", "TP8", "P7", "P5", "P3", "P1",
    "Pz", "P2", "P4", "P6", "P8", "PO7", "PO3", "POz", "PO4", "PO8", "O1", "Oz", "O2",
    "Iz",
)  # fmt: skip

_LAYOUTS = {
    "2b": {
        "eeg": ("C3", "Cz", "C4"),
        "eog": ("EOG1", "EOG2", "EOG3"),
        "sfreq": 250.0,
        "sessions": ("01T", "02T", "03T", "04E", "05E"),
        "runs": ("0",),
    },
    "64": {
        "eeg": EEGMMIDB_CHANNELS,
        "eog": (),
        "sfreq": 160.0,
        "sessions": ("1",),
        "runs": ("4", "8", "12"),
    },
}

# Trial timing relative to the cue (BCI IV 2b: fixation cross at -3 s, cue at
# 0 s, imagery until 4 s, then a 2-3 s pause).
TRIAL_START = -3.0
IMAGERY = 4.0
_ITI = (2.0, 3.0)
_LEAD_IN = 2.0
_LEAD_OUT = 8.0
_ERD_RAMP = 0.5  # s, raised-cosine on/offset of the ERD outside erd_window
_REBOUND_RAMP = 0.25

_BG_RMS = 10e-6  # V, background (1/f) amplitude per channel
_SHARED_BG = 0.3  # amplitude of the background shared by all channels
_PINK_FMIN = 0.5  # Hz, below this the 1/f spectrum is flat
_MU_BW = 1.2  # Hz, sd of the mu amplitude spectrum (Gaussian)
_BETA_BW = 2.0  # Hz, sd of the beta amplitude spectrum
_SOURCE_SPREAD = 0.035  # m, sd of the Gaussian source-to-electrode weights
_BLINK_DECAY = 0.06  # m, exponential decay of blink amplitude from the eyes
_EOG_GAINS = (0.8, 1.0, 0.9)  # blink gain of EOG1-3 (2b montage)


@dataclass(frozen=True)
class GroundTruth:
    """What the simulator planted in one subject's recordings.

    Attributes
    ----------
    subject : int
        Subject number.
    montage : str
        ``"2b"`` or ``"64"``.
    sfreq : float
        Sampling frequency in Hz.
    classes : tuple of str
        Class names, in label order.
    mu_peak, beta_peak : float
        Peak frequency (Hz) of the mu and beta rhythms of this subject.
    erd_band : tuple of float
        (lo, hi) Hz, the mu band where ERD is planted (mu_peak +/- 2 Hz).
    beta_band : tuple of float
        (lo, hi) Hz, the beta band (beta_peak +/- 3 Hz), also desynchronised.
    erd_window : tuple of float
        (tmin, tmax) s relative to the cue where ERD has its full depth
        (raised-cosine ramps of 0.5 s lie just outside it).
    rebound_window : tuple of float
        (tmin, tmax) s relative to the cue of the beta rebound.
    erd_depth : float
        Fraction of mu/beta *power* removed at the contralateral source.
    rebound_gain : float
        Fractional beta power increase during the rebound.
    mu_snr, beta_snr : float
        Rhythm-to-background power ratio in erd_band / beta_band at the
        electrode closest to each source (outside ERD).
    erd : bool
        Whether ERD was planted at all.
    erd_channels : dict of str to list of str
        Per class, the EEG channels with mixing weight >= 0.5 from the source
        where ERD is planted (left_hand -> right hemisphere, right_hand -> left).
    source_weights : dict of str to dict of str to float
        Per class, mixing weight of the ERD source at every EEG channel.
    expected_drop : dict of str to dict of str to float
        Per class and EEG channel, the expected fractional drop of erd_band power
        inside erd_window relative to rest (depth x rhythm share of the band).
        Blinks are not counted; they add a little low-frequency power.
    blink_class : str | None
        Class in which blinks were planted inside the trials, or None.
    blink_prob : float
        Probability of a planted blink in a trial of blink_class; trials of the
        other class get one with probability 1 - blink_prob.
    blink_rate : float
        Rate (Hz) of spontaneous blinks at random times, independent of class.
    blink_window : tuple of float
        (tmin, tmax) s relative to the cue where planted blinks start.
    blink_channels : list of str
        Channels with blink gain >= 0.3 (all EOG channels on the 2b montage).
    blink_trials : dict of str to list of int
        Per recording (``"<session>/<run>"``), indices of the trials (in cue
        order) that received a planted blink.
    seed : int | None
        The seed given to :func:`simulate_subject`.
    """

    subject: int
    montage: str
    sfreq: float
    classes: tuple[str, ...]
    mu_peak: float
    beta_peak: float
    erd_band: tuple[float, float]
    beta_band: tuple[float, float]
    erd_window: tuple[float, float]
    rebound_window: tuple[float, float]
    erd_depth: float
    rebound_gain: float
    mu_snr: float
    beta_snr: float
    erd: bool
    erd_channels: dict[str, list[str]]
    source_weights: dict[str, dict[str, float]]
    expected_drop: dict[str, dict[str, float]]
    blink_class: str | None
    blink_prob: float
    blink_rate: float
    blink_window: tuple[float, float]
    blink_channels: list[str]
    blink_trials: dict[str, list[int]] = field(default_factory=dict)
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the ground truth as a JSON-serialisable dict (tuples -> lists)."""

        def plain(value: Any) -> Any:
            if isinstance(value, dict):
                return {str(k): plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            if isinstance(value, np.generic):
                return value.item()
            return value

        return plain(dataclasses.asdict(self))


# ----------------------------------------------------------------------------
# spectra and signals


def _pink_power(freqs: np.ndarray, alpha: float) -> np.ndarray:
    power = np.maximum(freqs, _PINK_FMIN) ** (-alpha)
    power[freqs == 0] = 0.0
    return power


def _peak_power(freqs: np.ndarray, f0: float, bw: float) -> np.ndarray:
    return np.exp(-((freqs - f0) ** 2) / bw**2)  # |Gaussian amplitude|^2


def _band_share(
    power: np.ndarray, freqs: np.ndarray, band: tuple[float, float]
) -> float:
    inside = (freqs >= band[0]) & (freqs <= band[1])
    return float(power[inside].sum() / power.sum())


def _shaped_noise(
    rng: np.random.Generator, n_signals: int, n_times: int, power: Callable
) -> np.ndarray:
    """Gaussian noise with the given power spectrum, unit variance per signal.

    ``power`` is a function of frequency (Hz) evaluated on the rfft grid of a
    fast FFT length (sfreq is folded into ``power``); the result is cropped.
    """
    n_fft = scipy.fft.next_fast_len(n_times, real=True)
    spec = scipy.fft.rfft(rng.standard_normal((n_signals, n_fft)), axis=-1)
    out = scipy.fft.irfft(spec * np.sqrt(power(n_fft)), n=n_fft, axis=-1)[:, :n_times]
    out /= out.std(axis=-1, keepdims=True)
    return out


def _plateau(t: np.ndarray, start: float, stop: float, ramp: float) -> np.ndarray:
    """1 inside [start, stop], raised-cosine ramps of ``ramp`` s outside, else 0."""
    out = np.zeros_like(t)
    out[(t >= start) & (t <= stop)] = 1.0
    rise = (t > start - ramp) & (t < start)
    out[rise] = 0.5 - 0.5 * np.cos(np.pi * (t[rise] - start + ramp) / ramp)
    fall = (t > stop) & (t < stop + ramp)
    out[fall] = 0.5 + 0.5 * np.cos(np.pi * (t[fall] - stop) / ramp)
    return out


def _check_window(value: Any, name: str) -> tuple[float, float]:
    validate_type(value, (tuple, list), name)
    if len(value) != 2 or not all(isinstance(v, numbers.Real) for v in value):
        raise ValueError(
            f"{name!r} must be a pair (tmin, tmax) of numbers, got {value!r}."
        )
    lo, hi = float(value[0]), float(value[1])
    if not lo < hi:
        raise ValueError(f"{name!r} must satisfy tmin < tmax, got {value!r}.")
    return lo, hi


# ----------------------------------------------------------------------------
# the subject


@dataclass(frozen=True)
class SimulationParams:
    """What :func:`simulate_subject` plants; validated on creation.

    The attributes are the keyword arguments of :func:`simulate_subject`
    (documented there). ``sfreq``, ``sessions`` and ``runs`` given as None
    take the montage's defaults; windows become float pairs.
    """

    montage: Literal["2b", "64"] = "2b"
    n_trials_per_class: int | None = None
    sessions: Sequence[str] | None = None
    runs: Sequence[str] | None = None
    sfreq: float | None = None
    erd: bool = True
    erd_depth: float = 0.8
    erd_window: tuple[float, float] = (0.5, 4.0)
    rebound_gain: float = 0.5
    rebound_window: tuple[float, float] = (4.5, 5.5)
    mu_snr: float = 5.0
    beta_snr: float = 2.0
    blink_class: str | None = None
    blink_prob: float = 0.9
    blink_rate: float = 0.1
    blink_window: tuple[float, float] = (0.5, 3.5)
    seed: int | None = 0

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        check_option("montage", self.montage, list(_LAYOUTS))
        layout = _LAYOUTS[self.montage]
        sfreq = layout["sfreq"] if self.sfreq is None else self.sfreq
        check_positive(sfreq, "sfreq")
        if sfreq < 100:
            raise ValueError(
                f"'sfreq' must be >= 100 Hz to hold the beta band, got {float(sfreq)}."
            )
        put("sfreq", float(sfreq))
        for name in ("sessions", "runs"):
            labels = tuple(layout[name] if getattr(self, name) is None
                           else getattr(self, name))
            if not labels or not all(isinstance(s, str) and s for s in labels):
                raise ValueError(
                    f"{name!r} must be a non-empty sequence of str, got {labels!r}."
                )
            put(name, labels)
        if self.n_trials_per_class is not None:
            validate_type(self.n_trials_per_class, numbers.Integral, "n_trials_per_class")
            check_positive(self.n_trials_per_class, "n_trials_per_class")
        validate_type(self.erd, bool, "erd")
        check_range(self.erd_depth, "erd_depth", 0.0, 1.0)
        erd_window = _check_window(self.erd_window, "erd_window")
        if erd_window[0] < _ERD_RAMP or erd_window[1] > IMAGERY:
            raise ValueError(
                f"'erd_window' must lie within [{_ERD_RAMP}, {IMAGERY}] s after the cue "
                f"(imagery period with a {_ERD_RAMP} s onset ramp), got {erd_window}."
            )
        put("erd_window", erd_window)
        check_positive(self.rebound_gain, "rebound_gain", strict=False)
        put("rebound_window", _check_window(self.rebound_window, "rebound_window"))
        check_positive(self.mu_snr, "mu_snr")
        check_positive(self.beta_snr, "beta_snr")
        if self.blink_class is not None:
            check_option("blink_class", self.blink_class, CLASSES)
        check_range(self.blink_prob, "blink_prob", 0.0, 1.0)
        check_positive(self.blink_rate, "blink_rate", strict=False)
        put("blink_window", _check_window(self.blink_window, "blink_window"))
        if self.seed is not None:
            validate_type(self.seed, numbers.Integral, "seed")

    def trials_per_class(self, session: str) -> int:
        """Trials per class in each recording of ``session``."""
        if self.n_trials_per_class is not None:
            return int(self.n_trials_per_class)
        if self.montage == "2b":
            return 60 if session in ("01T", "02T") else 80
        return 15


@dataclass(frozen=True)
class _SubjectModel:
    """One subject's generative model, drawn from (seed, subject).

    ``weights`` (n_eeg, 2) mixes the left and right sources into the EEG
    channels; ``blink_gain`` (n_channels,) scales the blink per channel;
    ``pink``, ``mu_spec``, ``beta_spec`` are power spectra on ``freqs``.
    """

    ch_names: list[str]
    n_eeg: int
    weights: np.ndarray
    blink_gain: np.ndarray
    freqs: np.ndarray
    pink: np.ndarray
    mu_spec: np.ndarray
    beta_spec: np.ndarray
    bg_rms: float
    mu_sd: float
    beta_sd: float
    blink_amp: float


def _draw_subject(params: SimulationParams, subject_rng: np.random.Generator):
    """Per-subject parameters and mixing; returns the model and truth fields."""
    layout = _LAYOUTS[params.montage]
    sfreq = params.sfreq
    mu_peak = float(np.round(subject_rng.uniform(9.0, 12.0), 2))
    beta_peak = float(np.round(subject_rng.uniform(20.5, 23.0), 2))
    alpha = subject_rng.uniform(1.0, 1.6)
    spread = _SOURCE_SPREAD * subject_rng.uniform(0.9, 1.15)
    bg_rms = _BG_RMS * subject_rng.uniform(0.8, 1.25)
    blink_amp = subject_rng.uniform(100e-6, 180e-6)
    jitter = subject_rng.normal(0.0, 0.004, size=(2, 3))
    erd_band = (mu_peak - 2.0, mu_peak + 2.0)
    beta_band = (beta_peak - 3.0, beta_peak + 3.0)

    eeg_names, eog_names = list(layout["eeg"]), list(layout["eog"])
    ch_names = eeg_names + eog_names
    pos = standard_montage().get_positions()
    ch_pos = np.array([pos["ch_pos"][ch] for ch in eeg_names])
    sources = np.array([pos["ch_pos"]["C3"], pos["ch_pos"]["C4"]]) + jitter
    dist = np.linalg.norm(ch_pos[:, None, :] - sources[None], axis=-1)
    weights = np.exp(-(dist**2) / (2 * spread**2))  # (n_eeg, 2): left, right source

    eye_dist = np.linalg.norm(ch_pos - pos["nasion"], axis=-1)
    blink_gain = np.minimum(1.0, np.exp(-(eye_dist - 0.03) / _BLINK_DECAY))
    if eog_names:
        blink_gain = np.concatenate([blink_gain, _EOG_GAINS[: len(eog_names)]])
    blink_channels = [
        ch for ch, g in zip(ch_names, blink_gain, strict=True) if g >= 0.3
    ]

    # --- amplitudes from the requested SNRs (power shares on a fine grid)
    freqs = np.linspace(0.0, sfreq / 2, 8193)
    pink = _pink_power(freqs, alpha)
    mu_spec = _peak_power(freqs, mu_peak, _MU_BW)
    beta_spec = _peak_power(freqs, beta_peak, _BETA_BW)
    bg_var = bg_rms**2 * (1 + _SHARED_BG**2)

    def rhythm_var(spec: np.ndarray, band: tuple[float, float], snr: float) -> float:
        # w_max^2 * var * share(band) = snr * background power in band
        w_max = weights.max(axis=0).min()
        return (
            snr
            * bg_var
            * _band_share(pink, freqs, band)
            / (w_max**2 * _band_share(spec, freqs, band))
        )

    mu_var = rhythm_var(mu_spec, erd_band, params.mu_snr)
    beta_var = rhythm_var(beta_spec, beta_band, params.beta_snr)
    model = _SubjectModel(
        ch_names=ch_names, n_eeg=len(eeg_names), weights=weights,
        blink_gain=blink_gain, freqs=freqs, pink=pink, mu_spec=mu_spec,
        beta_spec=beta_spec, bg_rms=bg_rms, mu_sd=np.sqrt(mu_var),
        beta_sd=np.sqrt(beta_var), blink_amp=blink_amp,
    )
    truth = {"mu_peak": mu_peak, "beta_peak": beta_peak, "erd_band": erd_band,
             "beta_band": beta_band, "blink_channels": blink_channels,
             **_planted_erd(params, model, erd_band, mu_var, beta_var, bg_var)}
    return model, truth


def _planted_erd(params, model, erd_band, mu_var, beta_var, bg_var) -> dict:
    """Expected erd_band power drop, source weights and ERD channels per class."""
    freqs, weights = model.freqs, model.weights
    eeg_names = model.ch_names[: model.n_eeg]
    band_bg = bg_var * _band_share(model.pink, freqs, erd_band)
    mu_in = mu_var * _band_share(model.mu_spec, freqs, erd_band)
    beta_in = beta_var * _band_share(model.beta_spec, freqs, erd_band)
    total = band_bg + (weights**2).sum(axis=1) * (mu_in + beta_in)
    contra = {"left_hand": 1, "right_hand": 0}  # index of the ERD source
    expected_drop, source_weights, erd_channels = {}, {}, {}
    for cls, src in contra.items():
        planted = (
            params.erd_depth * weights[:, src] ** 2 * (mu_in + beta_in)
            if params.erd else 0 * total
        )
        expected_drop[cls] = {
            ch: float(np.round(v, 4))
            for ch, v in zip(eeg_names, planted / total, strict=True)
        }
        source_weights[cls] = {
            ch: float(np.round(w, 4))
            for ch, w in zip(eeg_names, weights[:, src], strict=True)
        }
        erd_channels[cls] = (
            [ch for ch, w in zip(eeg_names, weights[:, src], strict=True) if w >= 0.5]
            if params.erd
            else []
        )
    return {"expected_drop": expected_drop, "source_weights": source_weights,
            "erd_channels": erd_channels}


def simulate_subject(
    subject: int, *, params: SimulationParams | None = None, **kwargs: Any
) -> tuple[list[mne.io.RawArray], GroundTruth]:
    """Simulate one subject's motor-imagery recordings with a known ground truth.

    Parameters
    ----------
    subject : int
        Subject number (>= 1). Per-subject parameters (mu/beta peak frequency,
        1/f exponent, source position and spread, background level, blink
        amplitude) are drawn from ``(seed, subject)``.
    params : SimulationParams | None
        All the keyword arguments below as one object (then give no others).
    **kwargs
        The fields of :class:`SimulationParams`, each described below.
    montage : "2b" | "64"
        ``"2b"``: C3, Cz, C4 + EOG1-3 (BCI IV 2b layout, 250 Hz by default);
        ``"64"``: the 64 EEGMMIDB channels (160 Hz by default).
    n_trials_per_class : int | None
        Trials per class in each recording. None: like BCI IV 2b (60 per class
        in 01T/02T, 80 in 03T-05E) for ``"2b"``, 15 per class and run for ``"64"``.
    sessions : sequence of str | None
        Session labels. None: ``01T 02T 03T 04E 05E`` (2b) or ``1`` (64).
    runs : sequence of str | None
        Run labels within each session. None: ``0`` (2b) or ``4 8 12`` (64).
        One Raw is made per (session, run).
    sfreq : float | None
        Sampling frequency in Hz (None: 250 for 2b, 160 for 64).
    erd : bool
        Plant the contralateral ERD (False gives a no-signal control).
    erd_depth : float
        Fraction of mu and beta power removed at the contralateral source during
        ``erd_window`` (0-1). The default 0.8 (amplitude x 0.45) with
        ``mu_snr=5`` gives >= 90 % CSP+LDA accuracy with 60 trials (tested).
    erd_window : (float, float)
        Full-depth ERD window in s relative to the cue, within the 0-4 s imagery.
    rebound_gain : float
        Fractional beta power increase in ``rebound_window`` (post-imagery ERS).
    rebound_window : (float, float)
        Beta rebound window in s relative to the cue.
    mu_snr, beta_snr : float
        Rhythm-to-background power ratio inside the mu (beta) band at the
        electrode nearest each source.
    blink_class : str | None
        If a class name, plant a blink inside ``blink_window`` in trials of that
        class with probability ``blink_prob`` and in the other class with
        probability ``1 - blink_prob``.
    blink_prob : float
        See ``blink_class``.
    blink_rate : float
        Rate in Hz of spontaneous blinks at random times (0 for none).
    blink_window : (float, float)
        Window in s relative to the cue where planted blinks start.
    seed : int | None
        Seed; the same (seed, subject, arguments) give identical data.

    Returns
    -------
    raws : list of mne.io.RawArray
        One per (session, run): EEG (and EOG) in volts, annotations
        ``left_hand`` / ``right_hand`` at each cue (duration 4 s), metadata
        (dataset "simulated", subject, session, run) in ``info["description"]``.
        Data shape (n_channels, n_times); about 9.5 s per trial.
    truth : GroundTruth
        What was planted (see :class:`GroundTruth`).
    """
    validate_type(subject, numbers.Integral, "subject")
    if subject < 1:
        raise ValueError(f"'subject' must be >= 1, but got {subject!r} instead.")
    if params is None:
        params = SimulationParams(**kwargs)
    elif kwargs:
        raise TypeError(f"Give either 'params' or keyword arguments, not both "
                        f"(got params and {sorted(kwargs)}).")
    validate_type(params, SimulationParams, "params")
    seed = params.seed
    root = np.random.SeedSequence(None if seed is None else [int(seed), int(subject)])
    n_recordings = len(params.sessions) * len(params.runs)
    subject_seed, *recording_seeds = root.spawn(1 + n_recordings)
    model, truth = _draw_subject(params, np.random.default_rng(subject_seed))

    raws, blink_trials = [], {}
    seeds = iter(recording_seeds)
    for session in params.sessions:
        for run in params.runs:
            raw, planted = _simulate_recording(
                np.random.default_rng(next(seeds)), params, model,
                n_per_class=params.trials_per_class(session))
            set_recording_metadata(
                raw, dataset="simulated", subject=int(subject), session=session,
                run=run, montage=params.montage, seed=seed,
            )
            raws.append(raw)
            blink_trials[f"{session}/{run}"] = planted
    return raws, GroundTruth(
        subject=int(subject), montage=params.montage, sfreq=params.sfreq,
        classes=CLASSES, erd_window=params.erd_window,
        rebound_window=params.rebound_window, erd_depth=float(params.erd_depth),
        rebound_gain=float(params.rebound_gain), mu_snr=float(params.mu_snr),
        beta_snr=float(params.beta_snr), erd=params.erd,
        blink_class=params.blink_class, blink_prob=float(params.blink_prob),
        blink_rate=float(params.blink_rate), blink_window=params.blink_window,
        blink_trials=blink_trials, seed=None if seed is None else int(seed), **truth,
    )


def _simulate_recording(
    rng: np.random.Generator,
    params: SimulationParams,
    model: _SubjectModel,
    *,
    n_per_class: int,
) -> tuple[mne.io.RawArray, list[int]]:
    sfreq, ch_names, n_eeg = params.sfreq, model.ch_names, model.n_eeg
    erd_window, rebound_window = params.erd_window, params.rebound_window
    labels = rng.permutation(np.repeat(np.arange(len(CLASSES)), n_per_class))
    n_trials = len(labels)
    gaps = rng.uniform(*_ITI, size=n_trials)
    cues = (
        _LEAD_IN
        - TRIAL_START
        + np.concatenate([[0.0], np.cumsum(IMAGERY - TRIAL_START + gaps[:-1])])
    )
    cues = np.round(cues * sfreq) / sfreq  # on the sample grid
    n_times = int(np.ceil((cues[-1] + IMAGERY + _LEAD_OUT) * sfreq))
    times = np.arange(n_times) / sfreq

    def interp(spec: np.ndarray) -> Callable[[int], np.ndarray]:
        return lambda n_fft: np.interp(np.fft.rfftfreq(n_fft, 1 / sfreq), model.freqs,
                                       spec)

    n_ch = len(ch_names)
    background = _shaped_noise(rng, n_ch + 1, n_times, interp(model.pink)) * model.bg_rms
    data = background[:n_ch] + _SHARED_BG * background[n_ch]
    mu = _shaped_noise(rng, 2, n_times, interp(model.mu_spec)) * model.mu_sd
    beta = _shaped_noise(rng, 2, n_times, interp(model.beta_spec)) * model.beta_sd

    # power envelopes of the left (0) and right (1) sources
    mu_power = np.ones((2, n_times))
    beta_power = np.ones((2, n_times))
    for cue, label in zip(cues, labels, strict=True):
        src = 1 if CLASSES[label] == "left_hand" else 0  # contralateral source
        lo = int((cue + erd_window[0] - _ERD_RAMP) * sfreq)
        hi = min(n_times, int((cue + rebound_window[1] + _REBOUND_RAMP) * sfreq) + 2)
        t = times[lo:hi] - cue
        if params.erd:
            drop = 1.0 - params.erd_depth * _plateau(t, *erd_window, _ERD_RAMP)
            mu_power[src, lo:hi] *= drop
            beta_power[src, lo:hi] *= drop
        beta_power[src, lo:hi] *= 1.0 + params.rebound_gain * _plateau(
            t, *rebound_window, _REBOUND_RAMP
        )
    sources = np.sqrt(mu_power) * mu + np.sqrt(beta_power) * beta  # (2, n_times)
    data[:n_eeg] += model.weights @ sources

    # blinks: spontaneous (Poisson) and planted in trials
    onsets = list(
        rng.uniform(0, times[-1] - 1.0, size=rng.poisson(params.blink_rate * times[-1]))
    )
    planted = []
    if params.blink_class is not None:
        for i, (cue, label) in enumerate(zip(cues, labels, strict=True)):
            p = (params.blink_prob if CLASSES[label] == params.blink_class
                 else 1.0 - params.blink_prob)
            if rng.random() < p:
                onsets.append(cue + rng.uniform(*params.blink_window))
                planted.append(i)
    blink = np.zeros(n_times)
    for onset in onsets:
        width = int(rng.uniform(0.25, 0.4) * sfreq)
        start = int(onset * sfreq)
        shape = np.hanning(width)[: n_times - start]
        blink[start : start + len(shape)] += (model.blink_amp * rng.uniform(0.7, 1.3)
                                              * shape)
    data += model.blink_gain[:, None] * blink[None]
    data *= rng.uniform(0.9, 1.1)  # session-to-session gain (impedances)

    types = ["eeg"] * n_eeg + ["eog"] * (n_ch - n_eeg)
    info = mne.create_info(ch_names, sfreq, types)
    raw = mne.io.RawArray(data, info, verbose=False)
    raw.set_montage(standard_montage(), on_missing="ignore")
    raw.set_annotations(
        mne.Annotations(
            onset=cues,
            duration=np.full(n_trials, IMAGERY),
            description=[CLASSES[label] for label in labels],
        )
    )
    return raw, planted


# ----------------------------------------------------------------------------
# writers in the real data formats

_2B_CHANNELS = ("C3", "Cz", "C4", "EOG1", "EOG2", "EOG3")
_2B_GDF_LABELS = ("EEG:C3", "EEG:Cz", "EEG:C4", "EOG:ch01", "EOG:ch02", "EOG:ch03")


def _cues_and_labels(raw: mne.io.BaseRaw) -> tuple[np.ndarray, np.ndarray]:
    """Cue samples (from the first sample) and labels 1=left, 2=right."""
    ann = raw.annotations
    desc = np.array([str(d) for d in ann.description])
    keep = np.isin(desc, CLASSES)
    samples = np.round(ann.onset[keep] * raw.info["sfreq"]).astype(int)
    labels = np.array([CLASSES.index(d) + 1 for d in desc[keep]], dtype=int)
    order = np.argsort(samples)
    return samples[order], labels[order]


def _check_2b_raws(raws: Sequence[mne.io.BaseRaw]) -> None:
    from ._common import recording_metadata

    validate_type(raws, (list, tuple), "raws")
    if not raws:
        raise ValueError("'raws' is empty.")
    for raw in raws:
        missing = [ch for ch in _2B_CHANNELS if ch not in raw.ch_names]
        if missing:
            raise ValueError(
                f"BCI IV 2b files need channels {list(_2B_CHANNELS)}; missing {missing} "
                f"(channels present: {raw.ch_names}). Simulate with montage='2b'."
            )
        session = recording_metadata(raw)["session"]
        if len(session) != 3 or session[-1] not in "TE" or not session[:2].isdigit():
            raise ValueError(
                f"BCI IV 2b session labels look like '01T' or '04E', got {session!r}."
            )


def write_bnci_mat(
    raws: Sequence[mne.io.BaseRaw], subject: int, mne_data: str | Path
) -> list[Path]:
    """Write 2b-layout recordings as MOABB's BNCI 2014-004 cache files.

    The files ``B{subject:02d}T.mat`` (sessions ending in T) and
    ``B{subject:02d}E.mat`` (sessions ending in E) are written to
    ``<mne_data>/MNE-bnci-data/~bci/database/004-2014/``, the path MOABB 1.7
    downloads them to, in the structure the BNCI server provides: a cell
    ``data`` of structs with fields ``X`` (n_samples, 6) in µV, ``trial``
    (1-based sample of each trial start, 3 s before the cue), ``y`` (1 = left,
    2 = right hand), ``fs``, ``classes``, ``artifacts``, ``gender``, ``age``.

    Parameters
    ----------
    raws : list of Raw
        Recordings with channels C3, Cz, C4, EOG1-3 (``simulate_subject(...,
        montage="2b")``); sessions in label order.
    subject : int
        Subject number used in the file names.
    mne_data : path-like
        The MNE data folder (``MNE_DATA``).

    Returns
    -------
    paths : list of Path
        The files written.
    """
    from ._common import recording_metadata
    from .bci_iv_2b import bnci_cache_path

    _check_2b_raws(raws)
    groups: dict[str, list] = {"T": [], "E": []}
    for raw in sorted(raws, key=lambda r: recording_metadata(r)["session"]):
        groups[recording_metadata(raw)["session"][-1]].append(raw)
    paths = []
    for split, members in groups.items():
        if not members:
            continue
        cell = np.empty((1, len(members)), dtype=object)
        for i, raw in enumerate(members):
            cues, labels = _cues_and_labels(raw)
            sfreq = raw.info["sfreq"]
            trial = cues + int(round(TRIAL_START * sfreq)) + 1
            if trial.min() < 1:
                raise ValueError(
                    "The first cue lies less than 3 s after the recording start."
                )
            cell[0, i] = {
                "X": raw.get_data(picks=list(_2B_CHANNELS)).T * 1e6,
                "trial": trial.astype(np.int32),
                "y": labels.astype(np.uint8),
                "fs": np.uint16(round(sfreq)),
                "classes": np.array(["left hand", "right hand"], dtype=object),
                "artifacts": np.zeros(len(trial), dtype=np.uint8),
                "gender": "M",
                "age": np.uint8(24),
            }
        path = bnci_cache_path(subject, split, mne_data)
        with atomic_path(path, suffix=".mat") as tmp:
            scipy.io.savemat(tmp, {"data": cell}, do_compression=True)
        paths.append(path)
    return paths


def write_gdf(
    path: str | Path,
    data: np.ndarray,
    ch_names: Sequence[str],
    sfreq: float,
    events: np.ndarray,
    *,
    ch_units: Sequence[str] | None = None,
) -> Path:
    """Write a GDF 2.10 file (int16 samples, event table mode 3), atomically.

    Parameters
    ----------
    path : path-like
        Output file (``.gdf``).
    data : ndarray, shape (n_channels, n_times)
        Signals in volts (channels in µV units) or dimensionless.
    ch_names : sequence of str
        Channel labels (at most 16 characters), e.g. ``"EEG:C3"``.
    sfreq : float
        Sampling frequency in Hz; must be an integer number of Hz.
    events : ndarray, shape (n_events, 3)
        ``(sample, type, duration_in_samples)``, samples 0-based from the
        first sample, type the GDF event code (e.g. 768, 769, 770, 783).
    ch_units : sequence of str | None
        ``"uV"`` (data in volts, stored in µV) or ``"1"`` per channel; default
        all ``"uV"``.

    Returns
    -------
    path : Path
        The file written.

    Notes
    -----
    Layout follows the GDF 2 specification (Schlögl 2006, arXiv:cs/0608052):
    a 256-byte fixed header, 256 bytes per channel, one sample per record,
    then the event table.
    """
    data = np.asarray(data, dtype=float)
    n_ch, n_times = data.shape
    if len(ch_names) != n_ch:
        raise ValueError(f"{len(ch_names)} channel names for {n_ch} channels.")
    if float(sfreq) != round(sfreq):
        raise ValueError(f"GDF writer needs an integer sampling rate, got {sfreq}.")
    ch_units = ["uV"] * n_ch if ch_units is None else list(ch_units)
    scale = np.array([1e6 if unit == "uV" else 1.0 for unit in ch_units])
    physical = data * scale[:, None]
    phys_max = np.maximum(np.abs(physical).max(axis=1) * 1.05, 1.0)
    phys_min = -phys_max
    dig_min, dig_max = -32768.0, 32767.0
    cal = (phys_max - phys_min) / (dig_max - dig_min)
    offset = phys_min - dig_min * cal
    digital = np.clip(
        np.round((physical - offset[:, None]) / cal[:, None]), dig_min, dig_max
    )

    def text(value: str, size: int) -> bytes:
        return value.encode("latin-1")[:size].ljust(size, b" ")

    fixed = b"".join(
        [
            b"GDF 2.10",
            text("X X", 66),
            bytes(10),
            bytes(4),  # smoking/weight/height/gender
            text("eegxai simulation", 64),
            bytes(16),  # location
            struct.pack("<QQ", 0, 0),  # recording date, birthday: unknown
            struct.pack("<H", n_ch + 1),  # header length in 256-byte blocks
            bytes(6),
            bytes(8 + 6 + 6),  # equipment, IP, head size
            struct.pack("<6f", *([0.0] * 6)),  # reference and ground positions
            struct.pack("<q", n_times),  # number of records
            struct.pack("<2I", 1, int(round(sfreq))),  # record duration 1/sfreq s
            struct.pack("<H", n_ch),
            bytes(2),
        ]
    )
    assert len(fixed) == 256
    unit_code = [4275 if unit == "uV" else 512 for unit in ch_units]
    variable = b"".join(
        [
            b"".join(text(ch, 16) for ch in ch_names),
            b"".join(text("Ag/AgCl electrode", 80) for _ in ch_names),
            b"".join(text(u if u == "uV" else "", 6) for u in ch_units),
            np.asarray(unit_code, "<u2").tobytes(),
            phys_min.astype("<f8").tobytes(),
            phys_max.astype("<f8").tobytes(),
            np.full(n_ch, dig_min, "<f8").tobytes(),
            np.full(n_ch, dig_max, "<f8").tobytes(),
            bytes(68 * n_ch),
            np.full(n_ch, 100.0, "<f4").tobytes(),  # low-pass
            np.full(n_ch, 0.5, "<f4").tobytes(),  # high-pass
            np.full(n_ch, 50.0, "<f4").tobytes(),  # notch
            np.ones(n_ch, "<i4").tobytes(),  # samples per record
            np.full(n_ch, 3, "<i4").tobytes(),  # int16
            bytes(12 * n_ch),  # electrode positions
            np.full(n_ch, 255, "<u1").tobytes(),  # impedance unknown
            bytes(19 * n_ch),
        ]
    )
    assert len(variable) == 256 * n_ch
    events = np.asarray(events, dtype=np.int64).reshape(-1, 3)
    n_events = len(events)
    table = b"".join(
        [
            struct.pack("<B", 3),
            n_events.to_bytes(3, "little"),
            struct.pack("<f", float(sfreq)),
            (events[:, 0] + 1).astype("<u4").tobytes(),  # 1-based positions
            events[:, 1].astype("<u2").tobytes(),
            np.zeros(n_events, "<u2").tobytes(),  # channel: all
            events[:, 2].astype("<u4").tobytes(),
        ]
    )
    path = Path(path)
    with atomic_path(path, suffix=".gdf") as tmp:
        with open(tmp, "wb") as fid:
            fid.write(fixed)
            fid.write(variable)
            fid.write(digital.T.astype("<i2").tobytes())  # record = one sample
            fid.write(table)
    return path


def write_bci_iv_2b_gdf(
    raws: Sequence[mne.io.BaseRaw],
    subject: int,
    directory: str | Path,
    *,
    label_files: bool = True,
) -> list[Path]:
    """Write 2b-layout recordings as BCI Competition IV 2b GDF files.

    Each recording with session ``"01T"`` ... ``"05E"`` becomes
    ``B{subject:02d}{session}.gdf`` (e.g. ``B0104E.gdf``) with channel labels
    ``EEG:C3, EEG:Cz, EEG:C4, EOG:ch01-03`` and the competition's event table:
    32766 (new run), 768 (trial start, 3 s before the cue), 769 / 770 (cue
    left / right) in training sessions and 783 (cue unknown) in evaluation
    sessions. With ``label_files`` the true labels are written as
    ``B{subject:02d}{session}.mat`` holding ``classlabel`` (n_trials, 1),
    1 = left, 2 = right, like the labels published after the competition.

    Returns
    -------
    paths : list of Path
        GDF files (and label files) written.
    """
    from ._common import recording_metadata

    _check_2b_raws(raws)
    directory = Path(directory)
    paths = []
    for raw in raws:
        session = recording_metadata(raw)["session"]
        sfreq = raw.info["sfreq"]
        cues, labels = _cues_and_labels(raw)
        starts = cues + int(round(TRIAL_START * sfreq))
        cue_codes = labels + 768 if session.endswith("T") else np.full(len(labels), 783)
        events = [(0, 32766, 0)]
        for start, cue, code in zip(starts, cues, cue_codes, strict=True):
            events.append((start, 768, int(8 * sfreq)))
            events.append((cue, int(code), int(1.25 * sfreq)))
        stem = f"B{subject:02d}{session}"
        data = raw.get_data(picks=list(_2B_CHANNELS))
        paths.append(
            write_gdf(directory / f"{stem}.gdf", data, _2B_GDF_LABELS, sfreq, events)
        )
        if label_files:
            path = directory / f"{stem}.mat"
            with atomic_path(path, suffix=".mat") as tmp:
                scipy.io.savemat(tmp, {"classlabel": labels.astype(np.uint8)[:, None]})
            paths.append(path)
    return paths
