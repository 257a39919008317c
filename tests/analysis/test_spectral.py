import numpy as np
import pytest
from scipy import signal

from eegxai.analysis import (
    amplitude_perturbation_correlation,
    band_mass_share,
    filter_relevance,
    fir_frequency_response,
    first_layer_bias,
    first_layer_fir,
    first_layer_relevance_spectrum,
    frequency_relevance,
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


def test_frequency_relevance_conserves_relevance(rng):
    # LRP-0 through the virtual DFT layer: Σ_f R(f) + R_bias = Σ R exactly.
    X = rng.standard_normal((3, 2, 100))
    fir, bias = rng.standard_normal((4, 7)), rng.standard_normal(4)
    layer = rng.standard_normal((3, 4, 94, 2))
    res = frequency_relevance(X, layer, fir, 100.0, bias=bias, epsilon=0.0,
                              freq_bin=None)
    np.testing.assert_allclose(res["relevance"].sum(1) + res["bias"],
                               layer.sum((1, 2, 3)), rtol=1e-8)
    np.testing.assert_allclose(res["channel_relevance"].sum(1), res["relevance"])
    assert res["resolution"] == pytest.approx(1.0)  # 100 Hz / 100 samples
    binned = frequency_relevance(X, layer, fir, 100.0, bias=bias, epsilon=0.0,
                                 freq_bin=2.0, fmax=None)
    np.testing.assert_allclose(binned["relevance"].sum(1), res["relevance"].sum(1))
    assert binned["resolution"] == 2.0


def test_frequency_relevance_puts_relevance_on_the_channel_rhythm(rng):
    # Channel 0 carries 10 Hz, channel 1 carries 23 Hz; relevance only on
    # channel 0's filter outputs -> all of it at 10 Hz (closed form: a pure
    # sinusoid has a single DFT component), none on channel 1.
    sfreq, n_times = 250.0, 500
    t = np.arange(n_times) / sfreq
    X = np.stack([np.sin(2 * np.pi * 10 * t + 0.3), np.cos(2 * np.pi * 23 * t)])[None]
    fir = np.stack([_bandpass(5, 30, numtaps=25), rng.standard_normal(25)])
    layer = np.zeros((1, 2, n_times - 24, 2))
    layer[..., 0] = np.abs(rng.standard_normal((1, 2, n_times - 24)))
    # (the default ε keeps q = R / z finite where a filtered sinusoid crosses 0)
    res = frequency_relevance(X, layer, fir, sfreq, freq_bin=None)
    spec = res["relevance"][0]
    assert res["freqs"][np.argmax(np.abs(spec))] == pytest.approx(10.0)
    np.testing.assert_allclose(spec.sum(), layer.sum(), rtol=1e-3)
    peak = np.abs(spec).max()
    assert np.abs(np.delete(spec, np.argmax(np.abs(spec)))).max() < 1e-3 * peak
    assert np.abs(res["channel_relevance"][0, 1]).max() < 1e-8 * peak


def test_frequency_relevance_matches_braindecode_layout(rng):
    # With R = the network's own conv_time output (braindecode layout), q = 1,
    # so a 12 Hz input puts all non-bias relevance at 12 Hz; a layout or
    # flip mismatch would spread it.
    torch = pytest.importorskip("torch")
    from braindecode.models import ShallowFBCSPNet

    torch.manual_seed(0)
    net = ShallowFBCSPNet(n_chans=3, n_outputs=2, n_times=500).eval()
    fir, bias = first_layer_fir(net), first_layer_bias(net)
    t = np.arange(500) / SFREQ
    X = (np.sin(2 * np.pi * 12 * t) * np.array([[1.0], [0.5], [-2.0]]))[None]
    conv = net.conv_time_spat.conv_time
    with torch.no_grad():
        z = conv(torch.as_tensor(X, dtype=torch.float32).permute(0, 2, 1)[:, None])
    res = frequency_relevance(X, z.numpy().astype(float), fir, SFREQ, bias=bias,
                              epsilon=0.0, freq_bin=None)
    spec = res["relevance"][0]
    peak = np.argmax(np.abs(spec))
    assert res["freqs"][peak] == pytest.approx(12.0)
    assert np.abs(np.delete(spec, peak)).max() < 1e-4 * abs(spec[peak])
    np.testing.assert_allclose(res["bias"][0], bias.sum() * z.shape[2] * 3, rtol=1e-4)
    with pytest.raises(ValueError, match="must have shape"):
        frequency_relevance(X, z.numpy()[:, :, :-1], fir, SFREQ)


def test_summary_carries_frequency_relevance_per_subset(rng):
    from eegxai.analysis import summarize_relevance

    y = np.array([0, 0, 1, 1])
    freqs = np.arange(0.0, 61.0)
    spectra = np.zeros((4, len(freqs)))
    spectra[y == 0, 11] = 1.0  # class 0 relevance at 11 Hz, class 1 at 22 Hz
    spectra[y == 1, 22] = 2.0
    summary = summarize_relevance(rng.standard_normal((4, 3, 50)), y=y,
                                  ch_names=["C3", "Cz", "C4"], sfreq=SFREQ,
                                  frequency_relevance=spectra, frequency_freqs=freqs,
                                  fir=np.ones((2, 25)), layer_relevance=np.ones((4, 2, 1, 9)),
                                  fmax=45.0)
    subsets = summary["subsets"]
    assert subsets["left_hand"]["frequency_relevance"]["peak_freq"] == 11.0
    assert subsets["right_hand"]["frequency_relevance"]["peak_freq"] == 22.0
    entry = subsets["all"]["frequency_relevance"]
    assert entry["peak_freq"] == 22.0 and entry["resolution"] == 1.0
    assert entry["freqs"].max() == 45.0
    np.testing.assert_allclose(entry["mean"], spectra.mean(0)[:46])
    # a 25-tap filter at 250 Hz resolves about 250 / 25 = 10 Hz
    assert subsets["all"]["first_layer"]["resolution"] == pytest.approx(10.0)
