"""Band occlusion of the class margin recovers the band a model decides on.

Planted case: trials over C3, Cz, C4 with a 1/f background and a 10 Hz rhythm
that is weaker (ERD) over the hemisphere contralateral to the class; a fixed
"band-power" model (10 Hz band-pass FIR, log power, readout of C4 − C3).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import signal
from torch import nn

from eegxai.analysis import (
    band_occlusion,
    occlusion_bands,
    occlusion_peak_test,
    occlusion_summary,
    pooled_band_occlusion,
)
from eegxai.analysis.band_occlusion import DEFAULT_BANDS

SFREQ = 160.0
N_TIMES = 640  # 4 s: rFFT bins every 0.25 Hz
BANDS = np.arange(4.0, 40.0, 2.0)  # 10 Hz is a band centre


def _planted_trials(n_per_class=20, seed=0):
    """Trials (n, 3, N_TIMES) over C3, Cz, C4; class 1 (right) has its ERD at C3."""
    rng = np.random.default_rng(seed)
    n = 2 * n_per_class
    y = np.repeat([0, 1], n_per_class)
    freqs = np.fft.rfftfreq(N_TIMES, 1.0 / SFREQ)
    amplitude = np.zeros_like(freqs)
    amplitude[1:] = 1.0 / np.sqrt(freqs[1:])  # power ∝ 1/f
    white = rng.standard_normal((n, 3, len(freqs))) + 1j * rng.standard_normal(
        (n, 3, len(freqs)))
    X = np.fft.irfft(white * amplitude, n=N_TIMES, axis=-1)
    X /= X.std()  # background of unit variance; the rhythm holds 4.5% of it
    t = np.arange(N_TIMES) / SFREQ
    rhythm = np.sin(2 * np.pi * 10.0 * t + rng.uniform(0, 2 * np.pi, (n, 3, 1)))
    gain = np.full((n, 3, 1), 1.0)
    gain[y == 1, 0] = 0.3  # right hand: ERD over C3
    gain[y == 0, 2] = 0.3  # left hand: ERD over C4
    return X + 0.3 * gain * rhythm, y


class BandPower(nn.Module):
    """log band power (8–12 Hz FIR) of C4 minus C3, read out as [−s, s] (+ bias)."""

    def __init__(self, class_bias_on_cz: bool = False):
        super().__init__()
        fir = signal.firwin(81, [8.0, 12.0], pass_zero=False, fs=SFREQ)
        self.fir = nn.Conv1d(1, 1, len(fir), bias=False)
        self.fir.weight.data[:] = torch.as_tensor(fir, dtype=torch.float32)
        self.readout = nn.Linear(1, 2, bias=False)
        self.readout.weight.data[:] = torch.tensor([[-1.0], [1.0]])
        self.class_bias_on_cz = class_bias_on_cz

    def forward(self, x):
        power = self.fir(x[:, [0, 2]].reshape(-1, 1, x.shape[-1])).pow(2).mean(-1)
        log_power = power.reshape(len(x), 2).log()
        logits = self.readout(log_power[:, 1:] - log_power[:, :1])
        if self.class_bias_on_cz:  # broadband Cz power raises the class-1 logit only
            broadband = x[:, 1].pow(2).mean(-1).log()
            logits = logits + torch.stack([torch.zeros_like(broadband), broadband], 1)
        return logits


class MeanOnly(nn.Module):
    """Logits from the channel means: no frequency content above DC."""

    def __init__(self, n_chans=3, n_classes=2):
        super().__init__()
        torch.manual_seed(0)
        self.readout = nn.Linear(n_chans, n_classes)

    def forward(self, x):
        return self.readout(x.mean(-1))


def _band_power_spectrum(X):
    """Input power per band of BANDS, summed over trials and channels."""
    freqs = np.fft.rfftfreq(X.shape[-1], 1.0 / SFREQ)
    power = (np.abs(np.fft.rfft(X, axis=-1)) ** 2).sum((0, 1))
    return np.array([power[(freqs >= c - 1) & (freqs < c + 1)].sum() for c in BANDS])


def test_planted_band_power_model_drop_peaks_at_10hz_not_at_input_power_peak():
    torch.set_num_threads(1)
    X, y = _planted_trials()
    res = band_occlusion(BandPower(), X, y, SFREQ, bands=BANDS, width=2.0)
    assert res["freqs"][np.argmax(res["drop"])] == 10.0
    # the input's own power spectrum peaks at the low edge (1/f), not at 10 Hz
    assert BANDS[np.argmax(_band_power_spectrum(X))] == BANDS[0]
    peak = res["drop"][BANDS == 10.0][0]
    assert peak > 3 * res["sem"][BANDS == 10.0][0]  # well above its error
    # outside the FIR pass band (8–12 Hz ± transition) the decision is untouched
    far = np.abs(BANDS - 10.0) >= 6
    assert np.all(np.abs(res["drop"][far]) < 0.02 * peak)
    assert res["resolution"] == 2.0 and res["margin"].mean() > 0


def test_class_biased_broadband_logit_cancels_over_balanced_classes():
    X, y = _planted_trials()
    res = band_occlusion(BandPower(class_bias_on_cz=True), X, y, SFREQ, bands=BANDS)
    low = res["trial_drop"][:, 0]  # the 3–5 Hz band: most broadband power
    per_class = np.array([low[y == 0].mean(), low[y == 1].mean()])
    # removing it lowers the class-1 logit: class 1 loses margin, class 0 gains ...
    assert per_class[1] > 0.05 and per_class[0] < -0.05
    # ... by about as much, so the mean over balanced classes stays near 0
    assert abs(res["drop"][0]) < 0.3 * np.abs(per_class).min()
    assert res["freqs"][np.argmax(res["drop"])] == 10.0


def test_mean_only_model_has_zero_drop_everywhere():
    X, y = _planted_trials(n_per_class=5)
    res = band_occlusion(MeanOnly(), X, y, SFREQ)  # default bands 5..37 Hz
    np.testing.assert_array_equal(res["freqs"], np.arange(5.0, 38.0, 2.0))
    np.testing.assert_allclose(res["drop"], 0.0, atol=1e-5)


class Sinusoid(nn.Module):
    """Linear logits ±<w, x_C3> with w a cosine on the rFFT bin of 20 Hz (float64)."""

    def __init__(self):
        super().__init__()
        t = np.arange(N_TIMES) / SFREQ
        self.w = nn.Linear(N_TIMES, 1, bias=False).double()
        self.w.weight.data[:] = torch.as_tensor(np.cos(2 * np.pi * 20.0 * t))

    def forward(self, x):
        z = self.w(x[:, 0])
        return torch.cat([-z, z], 1)


def test_linear_model_closed_form_drop_equals_margin_in_its_band_only():
    # The occlusion is a projection P_b in the DFT basis and w lies in the span of
    # the 20 Hz bin: <w, x − P_b x> = 0 for the 19–21 Hz band and <w, x> elsewhere.
    X, y = _planted_trials(n_per_class=6, seed=1)
    res = band_occlusion(Sinusoid(), X, y, SFREQ, bands=BANDS, batch_size=5)
    expected = np.where(BANDS == 20.0, res["margin"].mean(), 0.0)
    np.testing.assert_allclose(res["drop"], expected, atol=1e-9)
    sem = res["margin"].std(ddof=1) / np.sqrt(len(y))
    assert res["sem"][BANDS == 20.0][0] == pytest.approx(sem)
    np.testing.assert_allclose(res["trial_drop"][:, BANDS == 20.0][:, 0], res["margin"],
                               atol=1e-9)


class CroppedThreeClass(nn.Module):
    """Dense output (n, 3, n_preds), as a cropped braindecode model returns."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.conv = nn.Conv1d(3, 3, N_TIMES - 3)

    def forward(self, x):
        return self.conv(x)


def test_shapes_cropped_three_class_margin_and_batch_size_invariance():
    X, y = _planted_trials(n_per_class=4)
    y = np.arange(len(y)) % 3
    model = CroppedThreeClass()
    res = band_occlusion(model, X, y, SFREQ, bands=[10.0, 20.0], width=3.0, batch_size=3)
    assert res["freqs"].shape == res["drop"].shape == res["sem"].shape == (2,)
    assert res["trial_drop"].shape == (len(y), 2) and res["margin"].shape == (len(y),)
    with torch.no_grad():
        logits = model(torch.as_tensor(X, dtype=torch.float32)).mean(2).numpy()
    true = logits[np.arange(len(y)), y]
    logits[np.arange(len(y)), y] = -np.inf
    np.testing.assert_allclose(res["margin"], true - logits.max(1), rtol=1e-4, atol=1e-4)
    again = band_occlusion(model, X, y, SFREQ, bands=[10.0, 20.0], width=3.0,
                           batch_size=64)
    np.testing.assert_allclose(again["drop"], res["drop"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"width": 0.0}, ValueError, "'width' must be > 0"),
        ({"bands": [79.5]}, ValueError, r"must lie in \(0, 80.0\] Hz"),
        ({"bands": [0.5]}, ValueError, "DC bin"),
        ({"bands": [10.1], "width": 0.1}, ValueError, "holds no rFFT bin"),
        ({"bands": []}, ValueError, "at least one band"),
        ({"batch_size": 0}, ValueError, "'batch_size' must be > 0"),
        ({"batch_size": 2.5}, TypeError, "'batch_size' must be an instance"),
        ({"y": np.zeros(3, int)}, ValueError, "'y' has 3 labels"),
        ({"y": np.full(10, 0.5)}, ValueError, "integer class labels"),
        ({"y": np.full(10, 2)}, ValueError, "has 2 outputs"),
        ({"y": np.full(10, -1)}, ValueError, "0..n_classes-1"),
        ({"X": np.zeros((10, N_TIMES))}, ValueError, "'X' must have 3 dimensions"),
    ],
)
def test_validation_messages_name_parameter_and_value(kwargs, error, match):
    X, y = _planted_trials(n_per_class=5)
    args = {"X": X, "y": y, **kwargs}
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(error, match=match):
        band_occlusion(MeanOnly(), X, y, SFREQ, **args)


# ------------------------------------------------------------- peak test, bands
def _noise_drops(seed, n_trials=40, n_bands=17):
    return np.random.default_rng(seed).standard_normal((n_trials, n_bands))


def test_peak_test_planted_band_of_consistent_drops_is_significant():
    drops = _noise_drops(0)
    drops[:, 3] += 1.0  # every trial loses margin when band 3 is removed
    assert occlusion_peak_test(drops, n_permutations=999, seed=1) == pytest.approx(1e-3)


def test_peak_test_of_symmetric_noise_is_roughly_uniform():
    # one seeded case is not small; over 200 noise data sets p < 0.05 in about 5%
    assert occlusion_peak_test(_noise_drops(0), n_permutations=999, seed=1) > 0.05
    p = np.array([occlusion_peak_test(_noise_drops(s), n_permutations=199, seed=s)
                  for s in range(1, 201)])
    assert np.all((p >= 1 / 200) & (p <= 1))
    # Binomial(200, 0.05) lies in [3, 19] with probability > 0.998
    assert 3 <= np.sum(p < 0.05) <= 19
    assert 0.35 < np.median(p) < 0.65


def test_peak_test_closed_form_bounds_and_seed():
    # every row +1: only the identity flip (probability 2^-30) reaches the mean
    assert occlusion_peak_test(np.ones((30, 4)), n_permutations=99) == pytest.approx(0.01)
    # every row −1: every flipped mean is ≥ −1, so the null always reaches it
    assert occlusion_peak_test(-np.ones((30, 4)), n_permutations=99) == 1.0
    drops = _noise_drops(3)
    assert occlusion_peak_test(drops, seed=5) == occlusion_peak_test(drops, seed=5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"trial_drop": np.zeros(5)}, ValueError, "'trial_drop' must have 2 dimensions"),
        ({"trial_drop": np.zeros((1, 4))}, ValueError, "at least 2 trials.*got shape"),
        ({"trial_drop": np.full((3, 2), np.nan)}, ValueError, "NaN"),
        ({"n_permutations": 0}, ValueError, "'n_permutations' must be > 0, but got 0"),
        ({"n_permutations": 2.5}, TypeError, "'n_permutations' must be an instance"),
        ({"seed": "a"}, TypeError, "'seed' must be an instance"),
    ],
)
def test_peak_test_validation(kwargs, error, match):
    args = {"trial_drop": _noise_drops(0, n_trials=4), **kwargs}
    with pytest.raises(error, match=match):
        occlusion_peak_test(args.pop("trial_drop"), **args)


@pytest.mark.parametrize("sfreq", [80.0, 160.0, 250.0])
def test_occlusion_bands_tile_4_to_38_hz_at_the_study_sampling_rates(sfreq):
    np.testing.assert_array_equal(occlusion_bands(sfreq), DEFAULT_BANDS)
    bands = occlusion_bands(sfreq, width=4.0)
    np.testing.assert_array_equal(bands, np.arange(6.0, 37.0, 4.0))  # edges 4..36


def test_occlusion_bands_stay_below_nyquist_and_validate():
    bands = occlusion_bands(64.0)  # Nyquist 32: the top edge stays ≤ 31
    assert bands[0] == 5.0 and bands[-1] + 1.0 <= 31.0 and np.all(np.diff(bands) == 2.0)
    with pytest.raises(ValueError, match="No band of 'width' 2.0 Hz fits"):
        occlusion_bands(8.0)
    with pytest.raises(ValueError, match="'width' must be > 0"):
        occlusion_bands(160.0, width=-1.0)


def test_pooled_folds_equal_one_occlusion_of_all_trials_and_summary():
    X, y = _planted_trials(n_per_class=10)
    model = BandPower()
    test = [np.arange(0, len(y), 2), np.arange(1, len(y), 2), np.array([], int)]
    pooled = pooled_band_occlusion([(model, t) for t in test], X, y, SFREQ, bands=BANDS)
    order = np.concatenate(test[:2])
    whole = band_occlusion(model, X[order], y[order], SFREQ, bands=BANDS)
    np.testing.assert_allclose(pooled["trial_drop"], whole["trial_drop"], atol=1e-6)
    np.testing.assert_allclose(pooled["drop"], whole["drop"], atol=1e-6)
    np.testing.assert_array_equal(pooled["y"], y[order])
    np.testing.assert_array_equal(pooled["fold"], np.repeat([0, 1], 10))
    summary = occlusion_summary(pooled, class_names=["left_hand", "right_hand"],
                                n_permutations=199, seed=0)
    assert summary["peak_freq"] == 10.0 and summary["p_peak"] == pytest.approx(1 / 200)
    assert summary["n_trials"] == 20 and summary["resolution"] == 2.0
    assert summary["accuracy"] == np.mean(whole["margin"] > 0)
    for k, name in enumerate(["left_hand", "right_hand"]):
        c = summary["classes"][name]
        assert c["n_trials"] == 10
        np.testing.assert_allclose(c["drop"], whole["trial_drop"][y[order] == k].mean(0),
                                   atol=1e-6)
        assert BANDS[np.argmax(c["drop"])] == 10.0  # both classes lose their margin
    with pytest.raises(ValueError, match="no fold with test trials"):
        pooled_band_occlusion([(model, [])], X, y, SFREQ)
    with pytest.raises(ValueError, match="test indices must lie in"):
        pooled_band_occlusion([(model, [len(y)])], X, y, SFREQ)
