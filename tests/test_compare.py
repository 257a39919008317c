import numpy as np
import pytest
from scipy import stats

from eegxai.compare import (
    agreement_table,
    band_share,
    compare_subject,
    erd_strength_course,
    lateralization_agreement,
    peak_frequency_distance,
    permutation_summary,
    read_comparison,
    spatial_pattern_correlation,
    spectral_rank_correlation,
    time_course_correlation,
    write_comparison,
)
from eegxai.report.readings import readings

KEYS = {"value", "null_mean", "null_p05", "null_p95", "p_value", "n_null",
        "higher_is_better", "null"}


def test_permutation_summary():
    null = np.arange(10.0)
    s = permutation_summary(8.5, null)
    assert set(s) >= KEYS
    assert s["p_value"] == pytest.approx((1 + 1) / 11)
    assert s["null_mean"] == 4.5
    s = permutation_summary(8.0, null, exact=True)
    assert s["p_value"] == pytest.approx(2 / 10)  # 8 and 9 are at least as good
    s = permutation_summary(1.0, null, higher_is_better=False, exact=True)
    assert s["p_value"] == pytest.approx(2 / 10)
    assert np.isnan(permutation_summary(np.nan, null)["p_value"])


def test_spectral_rank_correlation_definition(rng):
    freqs = np.arange(1.0, 41.0)
    spec = rng.random(40)
    r2 = rng.random((3, 40)) - 0.5
    s = spectral_rank_correlation(freqs, spec, freqs, r2, seed=0)
    expected = stats.spearmanr(spec, np.abs(r2).max(0))[0]
    assert s["value"] == pytest.approx(expected)
    s_mean = spectral_rank_correlation(freqs, spec, freqs, r2, reduce="mean")
    assert s_mean["value"] == pytest.approx(stats.spearmanr(spec, np.abs(r2).mean(0))[0])
    assert s["n_null"] == 39  # all circular shifts
    # 2-d relevance maps are reduced by max |.| over channels.
    s2 = spectral_rank_correlation(freqs, np.stack([spec, -spec]), freqs, r2)
    assert s2["value"] == pytest.approx(expected)
    # Identical spectra agree perfectly and beat chance.
    target = np.exp(-((freqs - 11) ** 2) / 8)
    s = spectral_rank_correlation(freqs, target, freqs, target[None], null="shuffle",
                                  n_permutations=500, seed=0)
    assert s["value"] == pytest.approx(1.0) and s["p_value"] < 0.01
    # A finer relevance grid is interpolated onto the r² grid.
    fine = np.linspace(0, 50, 501)
    s = spectral_rank_correlation(fine, np.exp(-((fine - 11) ** 2) / 8), freqs,
                                  target[None])
    assert s["value"] > 0.99


@pytest.mark.parametrize("null", ["shift", "shuffle"])
def test_spectral_null_near_chance_for_random_inputs(null):
    freqs = np.arange(1.0, 41.0)
    rng = np.random.default_rng(1)
    p_values, values = [], []
    for _ in range(200):
        s = spectral_rank_correlation(freqs, rng.random(40), freqs, rng.random((2, 40)),
                                      null=null, n_permutations=200, seed=rng)
        p_values.append(s["p_value"])
        values.append(s["value"])
        assert abs(s["null_mean"]) < 0.15
    assert abs(np.mean(values)) < 0.05
    assert np.mean(np.array(p_values) < 0.05) < 0.1
    assert 0.35 < np.mean(p_values) < 0.65


def test_peak_frequency_distance_definition():
    freqs = np.arange(1.0, 41.0)
    spec = np.exp(-((freqs - 12) ** 2) / 4)
    s = peak_frequency_distance(freqs, spec, 11.0, (9.0, 13.0))
    assert s["peak_freq"] == 12.0 and s["value"] == 1.0
    assert s["inside_band"] is True
    assert s["inside_band_chance"] == pytest.approx(5 / 40)
    assert s["null_mean"] == pytest.approx(np.mean(np.abs(freqs - 11)))
    assert s["p_value"] == pytest.approx(3 / 40)  # |f − 11| <= 1: 10, 11, 12
    assert s["higher_is_better"] is False
    far = peak_frequency_distance(freqs, spec, 30.0, (28.0, 32.0))
    assert far["inside_band"] is False and far["value"] == 18.0


def test_band_share_definition_and_null(rng):
    freqs = np.arange(1.0, 41.0)
    spec = np.where((freqs >= 9) & (freqs <= 12), 1.0, 0.0)
    s = band_share(freqs, spec)
    assert s["value"] == 1.0
    in_band = np.mean((freqs >= 8) & (freqs <= 30))
    # Shifts of a 4-bin box: over all 40 lags the mean share is the in-band
    # fraction; the identity (share 1) is excluded from the null.
    assert s["null_mean"] == pytest.approx((40 * in_band - 1) / 39)
    # 19 of the 39 shifted boxes also lie wholly in 8–30 Hz: p = (1 + 19) / 40.
    assert s["p_value"] == pytest.approx(0.5)
    shares = [band_share(freqs, rng.random(40), seed=rng)["null_mean"]
              for _ in range(20)]
    assert np.mean(shares) == pytest.approx(in_band, abs=0.03)


def test_spatial_pattern_correlation(rng):
    rel = rng.standard_normal(8)
    pat = rng.standard_normal(8)
    s = spatial_pattern_correlation(rel, pat, n_permutations=200, seed=0)
    assert s["value"] == pytest.approx(np.corrcoef(np.abs(rel), np.abs(pat))[0, 1])
    s = spatial_pattern_correlation(rel, pat, absolute=False, method="spearman")
    assert s["value"] == pytest.approx(stats.spearmanr(rel, pat)[0])
    # Three channels: all 6 permutations, exact p >= 1/6.
    s = spatial_pattern_correlation([0.1, 0.2, 1.0], [-0.1, 0.2, -3.0])
    assert s["n_null"] == 6 and s["value"] > 0.9
    assert s["p_value"] == pytest.approx(1 / 6)
    with pytest.raises(ValueError, match="at least 3 channels"):
        spatial_pattern_correlation([1.0, 2.0], [1.0, 2.0])


def test_spatial_null_near_chance():
    rng = np.random.default_rng(2)
    p = [spatial_pattern_correlation(rng.random(20), rng.random(20),
                                     n_permutations=200, seed=rng)["p_value"]
         for _ in range(100)]
    assert np.mean(np.array(p) < 0.05) < 0.12


def test_lateralization_agreement():
    s = lateralization_agreement({"left_hand": -0.4, "right_hand": 0.3},
                                 {"left_hand": -0.8, "right_hand": 0.6})
    assert s["value"] == 1.0 and s["null_mean"] == 0.5
    assert s["p_value"] == pytest.approx(0.25)
    assert s["agree"] == {"left_hand": True, "right_hand": True}
    assert s["relation"] == "same"
    s = lateralization_agreement([0.4, 0.3], [-0.8, 0.6])
    assert s["value"] == 0.5 and s["relation"] == "mixed"
    assert lateralization_agreement([0.4, -0.3], [-0.8, 0.6])["relation"] == "opposite"
    with pytest.raises(ValueError, match="share no class"):
        lateralization_agreement({"a": 1.0}, {"b": 1.0})
    with pytest.raises(TypeError, match="both be dicts"):
        lateralization_agreement({"a": 1.0}, [1.0])


def test_time_course_correlation(rng):
    times = np.linspace(-1, 4, 101)
    erd = np.exp(-((times - 1.5) ** 2))
    course = erd + 0.05 * rng.standard_normal(101)
    s = time_course_correlation(times, course, times, erd, seed=0)
    assert s["value"] == pytest.approx(np.corrcoef(course, erd)[0, 1])
    assert s["value"] > 0.9 and s["p_value"] < 0.05
    # ERD course on another grid is interpolated within the overlap.
    s2 = time_course_correlation(times, course, times[::2], erd[::2], tmin=0.0)
    assert s2["tmin"] == pytest.approx(0.0) and s2["value"] > 0.9
    ps = [time_course_correlation(times, rng.standard_normal(101), times,
                                  rng.standard_normal(101), seed=rng)["p_value"]
          for _ in range(100)]
    assert np.mean(np.array(ps) < 0.05) < 0.12
    with pytest.raises(ValueError, match="overlap on fewer than 3"):
        time_course_correlation(times, course, times + 10, erd)


def test_erd_strength_course():
    times = np.linspace(-1, 3, 5)
    percent = np.zeros((2, 3, 5))
    percent[0, 2, 2:] = -50  # class 0: ERD at channel 2
    percent[1, 0, 2:] = -30
    t, strength = erd_strength_course({"times": times, "percent": percent})
    np.testing.assert_allclose(strength, [0, 0, 40, 40, 40])


def _subject_inputs(rng, peak=11.0):
    freqs = np.arange(1.0, 41.0)
    bump = np.exp(-((freqs - peak) ** 2) / 4)
    # Far from the peak every channel's |r²| decays monotonically; with noise
    # there, the rank correlation would be dominated by the noise's ranks.
    r2 = np.stack([-bump * 0.5, 0.0 * rng.random(40), bump * 0.4])
    times = np.linspace(-1, 4, 51)
    erd_pct = np.zeros((2, 3, 51))
    window = (times > 0.5) & (times < 3.5)
    erd_pct[0, 2, window] = -60
    erd_pct[1, 0, window] = -60
    return dict(
        first_layer_spectrum={"freqs": freqs, "positive": bump + 0.01},
        perturbation={"freqs": freqs, "correlation": np.stack([bump, bump * 0, bump])},
        input_spectrum={"freqs": freqs, "spectrum": np.stack([bump, bump, bump])},
        r2={"freqs": freqs, "r2": r2},
        channel_relevance={"left_hand": np.array([0.1, 0.2, 1.0]),
                           "right_hand": np.array([1.0, 0.2, 0.1])},
        csp_patterns=np.array([[0.1, 0.3, -2.0], [0.5, 0.5, 0.5], [1.5, 0.2, 0.1]]),
        li_relevance={"left_hand": -0.8, "right_hand": 0.8},
        li_erd={"left_hand": -0.9, "right_hand": 0.7},
        relevance_time_course={"times": times, "all": {"mean": window * 1.0 + 0.1}},
        erd_time_course={"times": times, "percent": erd_pct, "band": [9.0, 13.0]},
    )


def test_compare_subject_all_metrics(rng, tmp_path):
    res = compare_subject(subject=1, model="shallow", dataset="sim", method="lrp",
                          n_permutations=200, seed=0, **_subject_inputs(rng))
    names = set(res["metrics"])
    for est in ("first_layer", "perturbation", "input"):
        assert {f"spectral_spearman_{est}", f"peak_distance_{est}",
                f"mu_beta_share_{est}"} <= names
    assert {"csp_pattern_correlation_left_hand", "csp_pattern_correlation_right_hand",
            "lateralization_agreement", "time_course_correlation"} <= names
    sentences = readings(res)
    for name, summary in res["metrics"].items():
        assert set(summary) >= KEYS and "reading" not in summary  # numbers only
        assert isinstance(sentences[name], str) and sentences[name]
    assert res["discriminative"]["freq"] == 11.0
    low, high = res["discriminative"]["band"]
    assert low <= 11 <= high
    peak = res["metrics"]["peak_distance_first_layer"]
    assert peak["value"] == 0.0 and peak["inside_band"]
    assert ("peaks at 11.0 Hz, inside the subject's most discriminative band"
            in sentences["peak_distance_first_layer"])
    assert res["metrics"]["spectral_spearman_first_layer"]["value"] > 0.8
    assert res["metrics"]["lateralization_agreement"]["value"] == 1.0
    assert res["metrics"]["time_course_correlation"]["value"] > 0.9
    assert res["metrics"]["csp_pattern_correlation_left_hand"]["component"] == 0
    assert res["metrics"]["csp_pattern_correlation_right_hand"]["component"] == 2
    assert res["metrics"]["csp_pattern_correlation_left_hand"]["value"] > 0.9

    path = tmp_path / "compare" / "sim" / "1" / "shallow.json"
    write_comparison(path, res, config={"n_permutations": 200})
    back = read_comparison(path)
    assert back["metrics"].keys() == res["metrics"].keys()
    assert back["provenance"]["config"] == {"n_permutations": 200}

    res2 = compare_subject(subject=2, model="shallow", dataset="sim", method="lrp",
                           n_permutations=50, seed=1, **_subject_inputs(rng, peak=20.0))
    table = agreement_table([back, res2])
    row = table[table["metric"] == "lateralization_agreement"].iloc[0]
    assert row["n"] == 2 and row["mean"] == 1.0 and row["summary"] == "1.00 ± 0.00"
    assert set(table.columns) >= {"mean", "sd", "null_mean", "share_significant"}
    assert agreement_table([]).empty


def test_compare_subject_partial_inputs():
    res = compare_subject(li_relevance={"a": 1.0}, li_erd={"a": -1.0})
    assert list(res["metrics"]) == ["lateralization_agreement"]
    assert res["metrics"]["lateralization_agreement"]["value"] == 0.0
    assert compare_subject()["metrics"] == {}


def test_validation():
    freqs = np.arange(1.0, 41.0)
    with pytest.raises(ValueError, match="Invalid value for the 'null' parameter"):
        spectral_rank_correlation(freqs, freqs, freqs, freqs[None], null="bootstrap")
    with pytest.raises(ValueError, match="does not include"):
        spectral_rank_correlation(freqs[:20], freqs[:20], freqs, freqs[None])
    with pytest.raises(ValueError, match="'n_permutations' must be >= 1"):
        band_share(freqs, freqs, n_permutations=0)
    with pytest.raises(TypeError, match="'n_permutations' must be an instance"):
        band_share(freqs, freqs, n_permutations=1.5)
    with pytest.raises(FileNotFoundError):
        read_comparison("/nonexistent/x.json")


def test_csp_erd_components_pick_contralateral_pattern():
    from mne.decoding import CSP
    from scipy import signal

    from eegxai.compare import csp_erd_components
    from tests.analysis._synthetic import planted_erd

    X, y, times, sfreq = planted_erd(n_per_class=20, seed=4)
    sos = signal.butter(4, [9, 13], btype="bandpass", fs=sfreq, output="sos")
    Xf = signal.sosfiltfilt(sos, X[..., (times >= 0.5) & (times <= 3.5)], axis=-1)
    csp = CSP(n_components=3, component_order="mutual_info").fit(Xf, y)
    comps = csp_erd_components(csp.filters_[:3], Xf, y)
    patterns = np.abs(csp.patterns_[:3])
    # Left-hand ERD sits at C4 (index 2), right-hand ERD at C3 (index 0).
    assert np.argmax(patterns[comps["left_hand"]]) == 2
    assert np.argmax(patterns[comps["right_hand"]]) == 0
    with pytest.raises(ValueError, match="channels but 'X'"):
        csp_erd_components(np.ones((2, 4)), Xf, y)


@pytest.mark.slow
def test_compare_subject_on_simulated_ground_truth():
    """An oracle decoder that uses the planted ERD agrees with the expert features."""
    import mne
    from scipy import signal

    from eegxai.analysis import (
        amplitude_perturbation_correlation,
        channel_relevance,
        input_relevance_spectrum,
        lateralization_index,
        relevance_time_course,
    )
    from eegxai.expert.discriminability import band_power_r2
    from eegxai.expert.erds import erd_lateralization as erd_li
    from eegxai.expert.erds import erd_time_course, erds_map, two_class_arrays

    simulate = pytest.importorskip("eegxai.datasets.simulate")
    raws, truth = simulate.simulate_subject(2, montage="2b", n_trials_per_class=25,
                                            sessions=["01T"], sfreq=100.0, seed=0)
    raw = raws[0].pick("eeg")
    events, event_id = mne.events_from_annotations(raw, verbose=False)
    epochs = mne.Epochs(raw, events, event_id={c: event_id[c] for c in truth.classes},
                        tmin=-2.0, tmax=5.0, baseline=None, preload=True, verbose=False)
    X, y, sfreq, times, ch_names = two_class_arrays(epochs)
    band = truth.erd_band
    sos = signal.butter(4, band, btype="bandpass", fs=sfreq, output="sos")
    win = (times >= truth.erd_window[0]) & (times <= truth.erd_window[1])
    c3, c4 = ch_names.index("C3"), ch_names.index("C4")

    def predict(batch):  # right-hand logit: mu power at C4 over C3 in the ERD window
        f = signal.sosfiltfilt(sos, batch[..., win], axis=-1)
        logp = np.log((f**2).mean(-1))
        d = logp[:, c4] - logp[:, c3]
        return np.stack([-d, d], axis=1)

    # Oracle relevance: grad × input of that band-power model, on C3/C4 in the window.
    R = np.zeros_like(X)
    filtered = signal.sosfiltfilt(sos, X, axis=-1)
    sign = np.where(y == 1, 1.0, -1.0)[:, None]
    R[:, c4] = sign * X[:, c4] * filtered[:, c4] * win
    R[:, c3] = -sign * X[:, c3] * filtered[:, c3] * win
    R_abs = np.abs(R)

    r2 = band_power_r2(X, y, sfreq=sfreq, times=times, window=truth.erd_window)
    erd_tc = erd_time_course(X, y, sfreq=sfreq, times=times, band=band,
                             baseline=(-1.5, -0.5))
    erds = erds_map(X, y, sfreq=sfreq, times=times, freqs=np.arange(6.0, 31.0, 2.0),
                    ch_names=ch_names, baseline=(-1.5, -0.5), tmin=-1.5, tmax=4.5,
                    decim=2, n_permutations=0)
    per_channel = channel_relevance(R_abs)
    li_rel = {cls: float(lateralization_index(per_channel[y == k].mean(0), ch_names))
              for k, cls in enumerate(truth.classes)}
    res = compare_subject(
        subject=2, model="oracle", dataset="sim",
        perturbation=amplitude_perturbation_correlation(predict, X, sfreq, n_repeats=10,
                                                        seed=0, fmax=45),
        input_spectrum=input_relevance_spectrum(R, sfreq, X=X, fmax=45),
        r2=r2, discriminative_band=band,
        li_relevance=li_rel,
        li_erd=erd_li(erds, band=band, window=truth.erd_window),
        relevance_time_course=relevance_time_course(R, times=times, absolute=True),
        erd_time_course=erd_tc, n_permutations=200, seed=0,
    )
    m = res["metrics"]
    # Relevance magnitude follows power, so it sits where the rhythm remains.
    assert m["lateralization_agreement"]["relation"] == "opposite"
    assert "opposite to the ERD" in readings(res)["lateralization_agreement"]
    assert m["time_course_correlation"]["value"] > 0.5
    assert m["time_course_correlation"]["p_value"] < 0.05
    for est in ("perturbation", "input"):
        assert m[f"peak_distance_{est}"]["inside_band"], m[f"peak_distance_{est}"]
        assert m[f"spectral_spearman_{est}"]["value"] > 0
        assert m[f"mu_beta_share_{est}"]["value"] > m[f"mu_beta_share_{est}"]["null_mean"]
