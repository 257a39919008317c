import numpy as np
import pytest
from scipy import signal

from eegxai.analysis import (
    amplitude_perturbation_correlation,
    band_mass_share,
    filter_relevance,
    fir_frequency_response,
    first_layer_fir,
    first_layer_relevance_spectrum,
    input_relevance_spectrum,
    peak_frequency,
)

SFREQ = 250.0


def _bandpass(low, high, numtaps=101):
    return signal.firwin(numtaps, [low, high], pass_zero=False, fs=SFREQ)


def test_fir_frequency_response_matches_closed_form():
    # Moving average of length L: |H(f)| = |sin(pi f L / fs) / (L sin(pi f / fs))|.
    L = 5
    freqs, resp = fir_frequency_response(np.ones((1, L)) / L, SFREQ, n_freqs=64)
    f = freqs[1:]
    expected = np.abs(np.sin(np.pi * f * L / SFREQ) / (L * np.sin(np.pi * f / SFREQ)))
    np.testing.assert_allclose(resp[0, 1:], expected, atol=1e-10)
    assert resp[0, 0] == pytest.approx(1.0)
    assert freqs[-1] == SFREQ / 2
    freqs, resp = fir_frequency_response(np.ones((2, L)), SFREQ, fmax=40)
    assert freqs.max() <= 40 and resp.shape == (2, len(freqs))


def test_filter_relevance_definition():
    rel = np.array([[[1.0, -2.0], [3.0, 0.0]], [[-1.0, -1.0], [1.0, 1.0]]])
    # shape (n_trials=2, n_filters=2, 2)
    pos, neg = filter_relevance(rel)
    np.testing.assert_allclose(pos, [(1 + 0) / 2, (3 + 2) / 2])
    np.testing.assert_allclose(neg, [(2 + 2) / 2, 0.0])


def test_relevance_spectrum_peaks_in_band_of_relevant_filter(rng):
    fir = np.stack([_bandpass(10, 12), _bandpass(30, 34), _bandpass(20, 22)])
    # (n_trials, n_filters, 1, n_times_out): filter 0 positive, filter 1 negative,
    # filter 2 nearly irrelevant.
    layer = np.zeros((8, 3, 1, 20))
    layer[:, 0] = 1.0 + 0.1 * rng.random((8, 1, 20))
    layer[:, 1] = -1.0
    layer[:, 2] = 0.01
    spec = first_layer_relevance_spectrum(fir, layer, SFREQ, n_freqs=1001)
    freqs = spec["freqs"]
    assert 9.5 <= peak_frequency(freqs, spec["positive"]) <= 12.5
    assert 29.5 <= peak_frequency(freqs, spec["negative"]) <= 34.5
    assert 9.5 <= peak_frequency(freqs, spec["net"]) <= 12.5
    np.testing.assert_allclose(spec["net"],
                               (spec["filter_positive"] - spec["filter_negative"])
                               @ spec["response"] / (spec["filter_positive"].sum()
                                                     + spec["filter_negative"].sum()))
    share = band_mass_share(freqs, spec["positive"])
    assert share > 0.8
    # Per-filter signed values give the same positive spectrum shape.
    spec2 = first_layer_relevance_spectrum(fir, np.array([2.0, -1.0, 0.0]), SFREQ,
                                           normalize=False)
    np.testing.assert_allclose(spec2["positive"], 2.0 * spec2["response"][0])
    np.testing.assert_allclose(spec2["negative"], spec2["response"][1])


def test_band_mass_share_definition():
    freqs = np.arange(0, 51, 1.0)
    flat = np.ones_like(freqs)
    # mu+beta 8..30 inclusive = 23 bins; range 1..45 = 45 bins
    assert band_mass_share(freqs, flat) == pytest.approx(23 / 45)
    peaked = np.where((freqs >= 9) & (freqs <= 12), 1.0, -1.0)
    assert band_mass_share(freqs, peaked) == 1.0
    assert np.isnan(band_mass_share(freqs, -flat))


def test_peak_frequency_options():
    freqs = np.arange(0, 50.0)
    spec = np.exp(-((freqs - 20) ** 2) / 4)
    spec[0] = 10.0  # DC excluded by default fmin=1
    assert peak_frequency(freqs, spec) == 20.0
    assert peak_frequency(freqs, np.stack([spec, spec[::-1]]), fmax=25) == 20.0
    with pytest.raises(ValueError, match="No frequency lies"):
        peak_frequency(freqs, spec, fmin=60, fmax=70)


def _band_power_model(band, channel, sfreq):
    def predict(X):
        spec = np.fft.rfft(X[:, channel], axis=-1)
        f = np.fft.rfftfreq(X.shape[-1], 1 / sfreq)
        sel = (f >= band[0]) & (f <= band[1])
        logp = np.log((np.abs(spec[:, sel]) ** 2).sum(-1))
        return np.stack([-logp, logp], axis=1)

    return predict


def test_amplitude_perturbation_peaks_at_used_frequency(rng):
    sfreq = 100.0
    X = rng.standard_normal((40, 2, 200))
    predict = _band_power_model((10, 12), channel=0, sfreq=sfreq)
    out = amplitude_perturbation_correlation(predict, X, sfreq, target=1,
                                             n_repeats=5, seed=0)
    corr, freqs = out["correlation"], out["freqs"]
    assert corr.shape == (2, len(freqs))
    ch, fi = np.unravel_index(np.argmax(corr), corr.shape)
    assert ch == 0 and 10 <= freqs[fi] <= 12
    band = (freqs >= 10) & (freqs <= 12)
    assert corr[0, band].min() > 0.1
    assert np.abs(corr[1]).max() < 0.2  # unused channel ~ 0
    # Target 0 is the negated output: correlations flip sign.
    out0 = amplitude_perturbation_correlation(predict, X, sfreq, target=0,
                                              n_repeats=5, seed=0, batch_size=7)
    np.testing.assert_allclose(out0["correlation"], -corr, atol=1e-10)


def test_input_relevance_spectrum_correlation_finds_band(rng):
    sfreq = 100.0
    n, n_times = 60, 200
    X = rng.standard_normal((n, 2, n_times))
    # Vary the 10 Hz power across trials on channel 0.
    t = np.arange(n_times) / sfreq
    X[:, 0] += rng.uniform(0, 2, (n, 1)) * np.sin(2 * np.pi * 10 * t)
    sos = signal.butter(4, [9, 11], btype="bandpass", fs=sfreq, output="sos")
    # grad×input of a band-power model: R = x · bandpass(x), only channel 0 used.
    R = np.zeros_like(X)
    R[:, 0] = X[:, 0] * signal.sosfiltfilt(sos, X[:, 0])
    out = input_relevance_spectrum(R, sfreq, X=X, fmax=40)
    spec = out["spectrum"]
    assert spec.shape == (2, len(out["freqs"]))
    assert 9 <= out["freqs"][np.argmax(spec[0])] <= 11
    fft = input_relevance_spectrum(R, sfreq, method="fft")
    assert np.all(fft["spectrum"] >= 0)
    with pytest.raises(ValueError, match="needs the inputs 'X'"):
        input_relevance_spectrum(R, sfreq)
    with pytest.raises(ValueError, match="Invalid value for the 'method'"):
        input_relevance_spectrum(R, sfreq, method="wavelet")


def test_first_layer_fir_from_braindecode():
    torch = pytest.importorskip("torch")
    from braindecode.models import Deep4Net, ShallowFBCSPNet

    torch.manual_seed(0)
    model = ShallowFBCSPNet(n_chans=3, n_outputs=2, n_times=500)
    fir = first_layer_fir(model)
    w = model.conv_time_spat.conv_time.weight.detach().numpy()
    assert fir.shape == (w.shape[0], w.shape[2])
    np.testing.assert_allclose(fir, w[:, 0, :, 0])
    deep = Deep4Net(n_chans=3, n_outputs=2, n_times=500)
    assert first_layer_fir(deep).shape[0] == deep.conv_time_spat.conv_time.weight.shape[0]
    with pytest.raises(ValueError, match="No temporal convolution"):
        first_layer_fir(torch.nn.Linear(2, 2))


def test_validation():
    with pytest.raises(ValueError, match="2 dimensions"):
        fir_frequency_response(np.ones(5), SFREQ)
    with pytest.raises(ValueError, match="'sfreq' must be > 0"):
        fir_frequency_response(np.ones((1, 5)), 0.0)
    with pytest.raises(ValueError, match="has 2 filters but the FIR weights have 3"):
        first_layer_relevance_spectrum(np.ones((3, 5)), np.ones((1, 2, 1, 4)), SFREQ)
    with pytest.raises(TypeError, match="'predict' must be callable"):
        amplitude_perturbation_correlation(None, np.ones((2, 1, 8)), SFREQ)
