"""Synthetic 2-class motor-imagery trials for the decoding tests.

Three channels (C3, Cz, C4): a 10 Hz mu rhythm with random phase on every
channel; event-related desynchronization (amplitude drop) on C3 for class 1
(right hand) and on C4 for class 0 (left hand), plus white noise. To be replaced
by ``eegxai.datasets.simulate.simulate_subject`` once it exists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CH_NAMES = ["C3", "Cz", "C4"]
SFREQ = 250.0


def make_trials(
    n_trials: int = 160,
    *,
    n_times: int = 500,
    sfreq: float = SFREQ,
    erd: float = 0.7,
    noise: float = 0.5,
    n_sessions: int = 4,
    seed: int = 0,
):
    """Return X (n_trials, 3, n_times) float32, y int64 and metadata.

    Sessions: the first ``n_sessions - 2`` are "01T"... (train), the last two
    "04E"/"05E"-style (test), named like BCI IV 2b. Runs: 3 per session.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_times) / sfreq
    y = np.tile([0, 1], n_trials // 2 + 1)[:n_trials]
    rng.shuffle(y)
    X = np.empty((n_trials, 3, n_times), dtype=np.float32)
    for i, label in enumerate(y):
        amp = np.ones(3)
        amp[0 if label == 1 else 2] = 1 - erd
        freq = 10 + rng.normal(0, 0.5)
        phase = rng.uniform(0, 2 * np.pi, size=3)
        osc = amp[:, None] * np.sin(2 * np.pi * freq * t[None] + phase[:, None])
        X[i] = osc + noise * rng.standard_normal((3, n_times))
    n_train_sessions = n_sessions - 2
    names = [f"{s + 1:02d}T" for s in range(n_train_sessions)] + [
        f"{s + 1:02d}E" for s in range(n_train_sessions, n_sessions)
    ]
    session = np.array(names)[np.arange(n_trials) * n_sessions // n_trials]
    run = (np.arange(n_trials) * 3 * n_sessions // n_trials) % 3
    metadata = pd.DataFrame(
        {
            "subject": "1",
            "session": session,
            "run": [str(4 + 4 * r) for r in run],
            "label": np.where(y == 1, "right_hand", "left_hand"),
        }
    )
    return X, y.astype(np.int64), metadata
