"""Simulator: the planted ground truth is in the data, seeded and reproducible."""

from __future__ import annotations

import json

import mne
import numpy as np
import pytest

from eegxai.datasets import recording_metadata
from eegxai.datasets.simulate import EEGMMIDB_CHANNELS, simulate_subject


def _band_power(epochs, band, window, sfreq):
    spec = epochs.compute_psd(
        method="welch", fmin=band[0], fmax=band[1], tmin=window[0], tmax=window[1],
        n_fft=int(sfreq), verbose=False,
    )  # fmt: skip
    return spec.get_data().sum(axis=-1).mean(axis=0)  # per channel


@pytest.fixture(scope="module")
def quiet_subject():
    """Two sessions, 40 trials per class each, no blinks: clean ERD estimates."""
    return simulate_subject(
        4, n_trials_per_class=40, sessions=["01T", "02T"], blink_rate=0.0, seed=11
    )


def test_erd_planted_where_and_as_deep_as_ground_truth(quiet_subject):
    raws, truth = quiet_subject
    assert truth.erd_channels == {"left_hand": ["C4"], "right_hand": ["C3"]}
    assert 8.0 <= truth.mu_peak <= 13.0 and truth.erd_band[1] - truth.erd_band[0] == 4
    assert 17.0 <= truth.beta_band[0] < truth.beta_band[1] <= 27.0
    raw = mne.concatenate_raws([r.copy() for r in raws], verbose=False)
    events, event_id = mne.events_from_annotations(raw, verbose=False)
    epochs = mne.Epochs(
        raw, events, event_id, tmin=-3.0, tmax=6.0, baseline=None, preload=True,
        verbose=False,
    )  # fmt: skip
    sfreq = truth.sfreq
    for cls, other in (("left_hand", "right_hand"), ("right_hand", "left_hand")):
        imagery = _band_power(epochs[cls], truth.erd_band, truth.erd_window, sfreq)
        baseline = _band_power(epochs[cls], truth.erd_band, (-2.5, -0.5), sfreq)
        other_cls = _band_power(epochs[other], truth.erd_band, truth.erd_window, sfreq)
        for ch in ("C3", "Cz", "C4"):
            i = epochs.ch_names.index(ch)
            expected = truth.expected_drop[cls][ch]
            # band power of a few-Hz band has a wide sampling distribution: the
            # tolerance is ~3 standard errors for 80 trials
            tol = 0.1 if ch in truth.erd_channels[cls] else 0.2
            assert 1 - imagery[i] / baseline[i] == pytest.approx(expected, abs=tol)
        # the planted channel drops by about depth x mu share of the band, also
        # relative to the same channel in the other class (where it is at rest)
        (ch,) = truth.erd_channels[cls]
        i = epochs.ch_names.index(ch)
        expected = truth.expected_drop[cls][ch]
        assert expected > 0.45
        assert 1 - imagery[i] / other_cls[i] == pytest.approx(expected, abs=0.12)
        assert imagery[i] / baseline[i] < 0.6
    # mu SNR: the rhythm dominates the band at C3/C4 outside imagery
    assert truth.expected_drop["right_hand"]["C3"] / truth.erd_depth > 0.7


def test_beta_rebound_after_imagery(quiet_subject):
    raws, truth = quiet_subject
    raw = raws[0]
    events, event_id = mne.events_from_annotations(raw, verbose=False)
    epochs = mne.Epochs(
        raw, events, event_id, tmin=-3.0, tmax=6.0, baseline=None, preload=True,
        verbose=False,
    )  # fmt: skip
    i = epochs.ch_names.index("C3")
    rebound = _band_power(
        epochs["right_hand"], truth.beta_band, truth.rebound_window, 250
    )
    during = _band_power(epochs["right_hand"], truth.beta_band, truth.erd_window, 250)
    assert rebound[i] > 1.5 * during[i]


def test_reproducible_by_seed_and_seeds_differ():
    kwargs = dict(n_trials_per_class=3, sessions=["01T"])
    a, truth_a = simulate_subject(2, seed=5, **kwargs)
    b, truth_b = simulate_subject(2, seed=5, **kwargs)
    c, truth_c = simulate_subject(2, seed=6, **kwargs)
    d, _ = simulate_subject(3, seed=5, **kwargs)
    np.testing.assert_array_equal(a[0].get_data(), b[0].get_data())
    assert list(a[0].annotations.description) == list(b[0].annotations.description)
    assert truth_a == truth_b
    assert not np.allclose(a[0].get_data()[:, :1000], c[0].get_data()[:, :1000])
    assert truth_a.mu_peak != truth_c.mu_peak
    assert not np.allclose(a[0].get_data()[:, :1000], d[0].get_data()[:, :1000])


def test_layouts_metadata_and_trial_counts():
    raws, truth = simulate_subject(1, montage="2b", seed=0, n_trials_per_class=None,
                                   sessions=["01T", "04E"])  # fmt: skip
    assert [len(r.annotations) for r in raws] == [120, 160]  # like 2b
    raw = raws[1]
    assert raw.ch_names == ["C3", "Cz", "C4", "EOG1", "EOG2", "EOG3"]
    assert raw.get_channel_types() == ["eeg"] * 3 + ["eog"] * 3
    meta = recording_metadata(raw)
    assert meta == {
        **meta,
        "dataset": "simulated",
        "subject": 1,
        "session": "04E",
        "run": "0",
    }
    assert 2e-6 < raw.get_data(picks="eeg").std() < 5e-5  # volts

    raws64, truth64 = simulate_subject(2, montage="64", n_trials_per_class=4, seed=0)
    assert [recording_metadata(r)["run"] for r in raws64] == ["4", "8", "12"]
    assert tuple(raws64[0].ch_names) == EEGMMIDB_CHANNELS
    assert raws64[0].info["sfreq"] == 160.0
    left, right = truth64.erd_channels["left_hand"], truth64.erd_channels["right_hand"]
    assert "C4" in left and "C3" in right and len(left) >= 2 and len(right) >= 2
    # left-hand imagery -> right hemisphere (even 10-10 numbers), and vice versa
    assert all(ch[-1] in "2468" or ch.endswith("10") for ch in left)
    assert all(ch[-1] in "13579" for ch in right)
    assert {"Fp1", "Fpz", "Fp2"} <= set(truth64.blink_channels)
    # ground truth is JSON-serialisable and complete
    d = json.loads(json.dumps(truth64.to_dict()))
    for key in ("sfreq", "mu_peak", "erd_band", "beta_band", "erd_window",
                "rebound_window", "erd_depth", "erd_channels", "blink_channels"):  # fmt: skip
        assert key in d
    assert d["erd_band"] == list(truth64.erd_band)


def test_class_correlated_blinks():
    raws, truth = simulate_subject(
        1, n_trials_per_class=30, sessions=["01T"], blink_class="left_hand",
        blink_prob=0.9, blink_rate=0.0, seed=3,
    )  # fmt: skip
    raw = raws[0]
    labels = np.array([str(d) for d in raw.annotations.description])
    planted = truth.blink_trials["01T/0"]
    left = np.mean([labels[i] == "left_hand" for i in planted])
    assert left > 0.75 and len(planted) > 20
    # the blinks are in the EOG of the planted trials, within blink_window
    eog = raw.get_data(picks="EOG2")[0]
    sf = raw.info["sfreq"]
    peak = []
    for onset in raw.annotations.onset:
        lo, hi = int((onset + 0.5) * sf), int((onset + 4.0) * sf)
        peak.append(np.abs(eog[lo:hi]).max())
    peak = np.array(peak)
    has = np.zeros(len(labels), bool)
    has[planted] = True
    assert peak[has].min() > 2 * np.median(peak[~has])
    assert truth.blink_class == "left_hand" and truth.blink_channels == [
        "EOG1",
        "EOG2",
        "EOG3",
    ]


def test_no_erd_control():
    _, truth = simulate_subject(1, erd=False, n_trials_per_class=2, sessions=["01T"])
    assert truth.erd_channels == {"left_hand": [], "right_hand": []}
    assert all(v == 0 for d in truth.expected_drop.values() for v in d.values())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"montage": "32"}, "'2b', '64'"),
        ({"erd_depth": 1.5}, "erd_depth"),
        ({"erd_window": (0.0, 5.0)}, "erd_window"),
        ({"blink_class": "feet"}, "'left_hand', 'right_hand'"),
        ({"n_trials_per_class": 0}, "n_trials_per_class"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_subject(1, **kwargs)


@pytest.mark.parametrize("montage", ["2b", "64"])
def test_default_erd_is_decodable_by_csp_lda(montage):
    """The default planted ERD gives >= 90 % CSP+LDA accuracy (5-fold CV)."""
    from mne.decoding import CSP
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    from eegxai.preprocessing import epochs_to_arrays, preprocess

    sessions = ["01T"] if montage == "2b" else ["1"]
    runs = None if montage == "2b" else ["4"]
    raws, _ = simulate_subject(5, montage=montage, n_trials_per_class=30,
                               sessions=sessions, runs=runs, seed=1)  # fmt: skip
    epochs = preprocess(raws, tmin=0.5, tmax=4.0)
    X, y, _ = epochs_to_arrays(epochs)
    csp = CSP(n_components=4, reg="ledoit_wolf", rank="full")
    clf = make_pipeline(csp, LinearDiscriminantAnalysis())
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    assert cross_val_score(clf, X.astype(float), y, cv=cv).mean() >= 0.9


def test_params_object_equals_keywords_and_is_validated():
    from eegxai.datasets.simulate import SimulationParams

    kwargs = {"n_trials_per_class": 2, "sessions": ["01T"], "seed": 4}
    a, truth_a = simulate_subject(1, **kwargs)
    b, truth_b = simulate_subject(1, params=SimulationParams(**kwargs))
    assert np.array_equal(a[0].get_data(), b[0].get_data())
    assert truth_a == truth_b
    with pytest.raises(TypeError, match="not both"):
        simulate_subject(1, params=SimulationParams(), seed=1)
    with pytest.raises(TypeError, match="montag"):
        simulate_subject(1, montag="2b")
    with pytest.raises(ValueError, match="erd_window"):
        SimulationParams(erd_window=(0.0, 5.0))
    assert SimulationParams(montage="64").sfreq == 160.0
