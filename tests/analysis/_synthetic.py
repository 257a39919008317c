"""Small motor-imagery-like arrays with a planted ERD (known answer)."""

from __future__ import annotations

import numpy as np

CH_NAMES = ["C3", "Cz", "C4"]


def planted_erd(
    *,
    n_per_class: int = 30,
    sfreq: float = 100.0,
    tmin: float = -1.5,
    tmax: float = 4.0,
    freq: float = 11.0,
    window: tuple[float, float] = (0.5, 3.5),
    depth: float = 0.8,
    noise: float = 0.3,
    seed: int = 0,
):
    """Trials with a ``freq`` Hz rhythm on every channel, attenuated by ``depth``
    on the contralateral channel during ``window`` (class 0 = left hand → C4,
    class 1 = right hand → C3).

    Returns X (n_trials, 3, n_times), y, times, sfreq.
    """
    rng = np.random.default_rng(seed)
    times = np.arange(int(round((tmax - tmin) * sfreq)) + 1) / sfreq + tmin
    y = np.repeat([0, 1], n_per_class)
    n = len(y)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 3, 1))
    # Slow random amplitude jitter so trials differ.
    amp = 1.0 + 0.1 * rng.standard_normal((n, 3, 1))
    rhythm = amp * np.sin(2 * np.pi * freq * times + phase)
    # Smooth (raised-cosine edges of 0.2 s) attenuation envelope.
    env = np.ones_like(times)
    inside = (times >= window[0]) & (times <= window[1])
    env[inside] = 1.0 - depth
    ramp = 0.2
    for edge, sign in ((window[0], 1), (window[1], -1)):
        sel = np.abs(times - edge) < ramp / 2
        frac = (times[sel] - edge) / ramp + 0.5
        frac = frac if sign == 1 else 1 - frac
        env[sel] = 1.0 - depth * 0.5 * (1 - np.cos(np.pi * frac))
    for i, label in enumerate(y):
        ch = 2 if label == 0 else 0  # contralateral
        rhythm[i, ch] *= env
    X = rhythm + noise * rng.standard_normal(rhythm.shape)
    return X, y, times, sfreq
