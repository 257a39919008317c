"""Prototype EEG by activation maximization on a decoder with a planted lateralized mu rule."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from eegxai.experiments.prototypes import prototype_eeg

SFREQ, N_TIMES = 100.0, 200
CH_NAMES = ["C3", "Cz", "C4"]


class MuDecoder(nn.Module):
    """Class 0 ("left hand", ERD at C4) when mu power at C3 exceeds that at C4."""

    def __init__(self):
        super().__init__()
        t = np.arange(50) / SFREQ
        h = np.hanning(50) * np.sin(2 * np.pi * 10.5 * t)
        self.register_buffer("h", torch.as_tensor(h / np.linalg.norm(h))[None, None])

    def forward(self, x):
        n = len(x)
        y = F.conv1d(x.reshape(-1, 1, x.shape[-1]), self.h.to(x.dtype)).reshape(n, 3, -1)
        log_power = torch.log((y**2).mean(-1) + 1e-3)
        d = log_power[:, 0] - log_power[:, 2]
        return torch.stack([d, -d], 1)


@pytest.mark.parametrize("prior", [None, "gaussian"])
def test_prototypes_carry_the_planted_contralateral_mu(prior):
    X = np.random.default_rng(0).normal(size=(40, 3, N_TIMES))
    res = prototype_eeg(MuDecoder().double(), X, sfreq=SFREQ, ch_names=CH_NAMES,
                        prior=prior, n_steps=150, lr=0.1)
    assert res["prototypes"].shape == (2, 3, N_TIMES)
    assert res["band_power"].shape == (2, 2, 3) and res["psd"].shape[:2] == (2, 3)
    mu = list(res["bands"]).index("mu")
    li = res["lateralization"][:, mu]
    assert li[0] > 0.5 and li[1] < -0.5, li  # left hand: mu at C3 > C4; right: reverse
    assert np.all(res["prob"] > 0.9)
    peak = res["freqs"][np.argmax(res["psd"][0, 0])]
    assert 8 <= peak <= 13  # the prototype's rhythm at C3 is a mu rhythm
