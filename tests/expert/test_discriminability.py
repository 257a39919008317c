import numpy as np
import pytest
from scipy import stats

from eegxai.expert.discriminability import (
    band_power_r2,
    discriminative_band,
    most_discriminative_frequency,
    signed_r2,
)
from tests.analysis._synthetic import planted_erd


def test_signed_r2_definition(rng):
    x = rng.standard_normal((50, 3))
    y = np.repeat([0, 1], 25)
    x[y == 1, 0] += 1.0
    x[y == 1, 1] -= 1.0
    r2 = signed_r2(x, y)
    r = np.array([stats.pointbiserialr(y, x[:, k])[0] for k in range(3)])
    np.testing.assert_allclose(r2, np.sign(r) * r**2)
    assert r2[0] > 0 > r2[1]
    assert np.all(np.abs(r2) <= 1)
    assert signed_r2(np.ones((4, 1)), [0, 0, 1, 1])[0] == 0.0


def test_r2_peaks_at_planted_frequency():
    X, y, times, sfreq = planted_erd(n_per_class=20, freq=11.0, seed=3)
    out = band_power_r2(X, y, sfreq=sfreq, times=times, window=(0.5, 3.5))
    freqs, r2 = out["freqs"], out["r2"]
    assert r2.shape == (3, len(freqs))
    peak = most_discriminative_frequency(freqs, r2)
    assert peak["freq"] == pytest.approx(11.0, abs=1.0)
    assert peak["channel"] in (0, 2)
    fi = np.argmin(np.abs(freqs - 11))
    # Right hand (class 1) → less power at C3: negative; more (relatively) at C4.
    assert r2[0, fi] < -0.3 and r2[2, fi] > 0.3
    low, high = discriminative_band(freqs, r2)
    assert low <= 11 <= high and high - low <= 6
    assert out["log_psd"].shape == (40, 3, len(freqs))


def test_validation(rng):
    with pytest.raises(ValueError, match="exactly the labels 0 and 1"):
        signed_r2(np.ones((3, 2)), [0, 1, 2])
    with pytest.raises(ValueError, match="needs the epoch 'times'"):
        band_power_r2(np.ones((2, 1, 100)), [0, 1], sfreq=100.0, window=(0, 1))
    with pytest.raises(ValueError, match="Invalid value for the 'reduce'"):
        most_discriminative_frequency(np.arange(3.0), np.ones((1, 3)), reduce="median")
    with pytest.raises(ValueError, match="'threshold' must lie"):
        discriminative_band(np.arange(10.0), np.ones((1, 10)), threshold=0)


def test_single_bin_band_is_widened():
    from eegxai.expert.discriminability import discriminative_band

    freqs = np.arange(1.0, 41.0)
    r2 = np.zeros((2, len(freqs)))
    r2[0, 10] = 0.9  # one sharp bin at 11 Hz
    assert discriminative_band(freqs, r2) == (10.0, 12.0)
    assert discriminative_band(freqs, r2, min_width=0.0) == (11.0, 11.0)
